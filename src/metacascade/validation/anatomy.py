"""Checks of the anatomy and the routing closed forms (exact: no Monte Carlo error).

Flows are compared on the reference table's own scale: ``human_adult`` normalises the NRC 1999
table (which sums to 102.55% of cardiac output) to 1, so an organ's simulated share is its
cardiac-output fraction × 102.55.
"""

from __future__ import annotations


import numpy as np

from ..catalog import load_anatomy, load_scenario
from ..analysis.theory import delivery_matrix
from ..engine.lower import lower
from ..engine.routes import routes
from ..engine.routing import deformable_half_life
from .rules import Outcome, check, compare, compare_table, fmt
from ..analysis.targets import Target

#: human_adult organ -> entries of organ_blood_flow_fractions (% of cardiac output) it sums.
FLOW_ENTRIES: dict[str, tuple[str, ...]] = {
    "brain": ("brain",), "heart": ("heart_wall",), "kidney": ("kidneys",),
    "liver": ("liver_hepatic_artery_only",), "stomach": ("stomach_wall",),
    "small_intestine": ("small_intestine_wall",),
    "large_intestine": ("upper_large_intestine_wall", "lower_large_intestine_wall"),
    "pancreas": ("pancreas",), "spleen": ("spleen",), "adrenal": ("adrenals",),
    "skeletal_muscle": ("muscle",), "bone": ("red_marrow", "yellow_marrow", "trabecular_bone", "cortical_bone"),
    "adipose": ("adipose",), "skin": ("skin",), "thyroid": ("thyroid",),
    "lung": ("lung_tissue_bronchial",), "testes": ("testes",),
}
#: human_adult organ -> entries of organ_masses_reference (kg) it sums.
MASS_ENTRIES: dict[str, tuple[str, ...]] = {
    "liver": ("liver",), "brain": ("brain",), "kidney": ("kidneys",), "lung": ("lung_tissue",),
    "heart": ("heart_wall",), "spleen": ("spleen",), "pancreas": ("pancreas",), "adrenal": ("adrenals",),
    "thyroid": ("thyroid",), "skeletal_muscle": ("muscle",), "skin": ("skin",), "adipose": ("adipose",),
    "bone": ("red_marrow", "yellow_marrow", "cortical_bone", "trabecular_bone"),
    "stomach": ("stomach_wall",), "small_intestine": ("small_intestine_wall",), "testes": ("testes",),
}
#: The reference flow table's total, % of cardiac output (see the module docstring).
FLOW_TABLE_TOTAL = 102.55


def _flow(organs: tuple[str, ...]) -> float:
    """Summed cardiac-output fraction of ``organs`` in human_adult."""
    human = load_anatomy("human_adult")
    return sum(human.organs[o].cardiac_output_fraction for o in organs)


def _liver_inflow() -> float:
    human = load_anatomy("human_adult")
    return _flow(("liver", *(n for n, o in human.organs.items() if o.drains_to == "portal")))


@check("organ_blood_flow_fractions")
def organ_flows(target: Target, quick: bool, seed: int) -> Outcome:
    published = {organ: sum(target.value[e] for e in names) for organ, names in FLOW_ENTRIES.items()}
    simulated = {organ: FLOW_TABLE_TOTAL * _flow((organ,)) for organ in FLOW_ENTRIES}
    return compare_table(target, published, simulated, reason="human_adult flows on the table's 102.55% scale")


@check("liver_total_inflow_fraction")
def liver_inflow(target: Target, quick: bool, seed: int) -> Outcome:
    return compare(target, target.value, FLOW_TABLE_TOTAL * _liver_inflow(),
                   reason="hepatic artery + organs draining to the portal vein, human_adult")


@check("bone_marrow_flow_fraction")
def bone_flow(target: Target, quick: bool, seed: int) -> Outcome:
    return compare(target, target.value, FLOW_TABLE_TOTAL * _flow(("bone",)), reason="human_adult bone")


@check("organ_masses_reference")
def organ_masses(target: Target, quick: bool, seed: int) -> Outcome:
    human = load_anatomy("human_adult")
    published = {organ: sum(target.value[e] for e in names) for organ, names in MASS_ENTRIES.items()}
    simulated = {organ: human.organs[organ].mass_g / 1000.0 for organ in MASS_ENTRIES}
    return compare_table(target, published, simulated, reason="human_adult organ masses, kg")


@check("coheadquarters_co_distribution")
def coarse_flows(target: Target, quick: bool, seed: int) -> Outcome:
    simulated = {
        "skeletal_muscle": _flow(("skeletal_muscle",)), "abdominal_viscera": _liver_inflow(),
        "kidneys": _flow(("kidney",)), "heart": _flow(("heart",)), "brain": _flow(("brain",)),
    }
    return compare_table(
        target, target.value, simulated,
        reason="human_adult follows the NRC 1999 table (organ_blood_flow_fractions); this coarse textbook "
               "split is approximate and differs from it for muscle and kidneys by construction",
    )


def _delivery(scenario: str, entry: str, organ: str) -> float:
    loaded = load_scenario(scenario)
    clone = loaded.clones[loaded.injections[0].clone]
    return float(delivery_matrix(loaded.anatomy, clone).loc[entry, organ])


@check("ishii_liver_first_pass_escape")
def liver_escape(target: Target, quick: bool, seed: int) -> Outcome:
    return compare(target, target.value, _delivery("luzzi1998_liver", "intrasplenic", "lung"), reason=(
        "delivery matrix, intrasplenic entry (into the splenic vein) -> lung, mouse anatomy, the Luzzi B16F1 clone"))


@check("chambers2002_first_capillary_bed")
def first_bed(target: Target, quick: bool, seed: int) -> Outcome:
    lung = _delivery("fidler1970_lung", "tail_vein", "lung")
    return compare(target, [0.5, 1.0], lung,
                   reason="'most cells' read as > 50%: delivery matrix, tail vein -> lung (first bed), Fidler B16 clone")


@check("capillary_vs_cell_diameter")
def capillary_diameters(target: Target, quick: bool, seed: int) -> Outcome:
    human = load_anatomy("human_adult")
    beds = [o.bed_diameter_um for o in human.organs.values() if o.kind == "parenchyma"]
    cells = [load_scenario(s).clones[load_scenario(s).injections[0].clone].diameter_um
             for s in ("luzzi1998_liver", "fidler1970_lung")]
    published = {"capillary_um_min": target.value["capillary_um"], "capillary_um_max": target.value["capillary_um"],
                 "cancer_cell_um": target.value["cancer_cell_um"]}
    simulated = {"capillary_um_min": min(beds), "capillary_um_max": max(beds), "cancer_cell_um": float(np.mean(cells))}
    return compare_table(target, published, simulated,
                         reason="human_adult parenchymal bed diameters (spleen and bone sinusoids are 12 um); "
                                "mean diameter of the assay clones")


@check("au2016_cluster_capillary_transit")
def cluster_transit(target: Target, quick: bool, seed: int) -> Outcome:
    cluster = load_scenario("breast_patient").clones["A"].cluster
    return compare(target, target.range, 1.0 - cluster.arrest_probability, reason=(
        "1 - the probability that a breast_patient cluster arrests at a capillary bed (ClusterTraits.arrest_probability, "
        "an ASSUMPTION bounded by this target: a consistency check, not a prediction)"))


@check("meng2004_ctc_half_life")
def ctc_half_life(target: Target, quick: bool, seed: int) -> Outcome:
    scenario = load_scenario("breast_patient")
    clone, lowered = scenario.clones["A"], lower(scenario)
    site = lowered.primary.site
    stiff = routes(lower(scenario.with_values({"clones.A.deformable_fraction": 0.0}))).circulating[0, site]
    share = stiff * (1.0 - clone.deformable_fraction) / routes(lowered).circulating[0, site]
    return compare(target, target.value, deformable_half_life(lowered.routing, 0) * 24.0, reason=(
        f"half-life in the blood of breast_patient clone A's deformable cells ({fmt(clone.deformable_fraction)} of "
        f"those shed; transit death {fmt(clone.transit_death_rate)}/day, arrest {fmt(clone.deformable_arrest_probability)} "
        f"per bed): the CTCs left hours after the primary's removal. Stiff cells, {share:.0%} of the CTCs a draw "
        "counts while the primary sheds (those that pass the 12 um sinusoids of bone, reached through the vertebral "
        "veins, and of the spleen), leave the blood within a minute"))

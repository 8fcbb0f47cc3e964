"""An independent check of the catalogue (issue 4, item 3): each published scenario is written a
second time here, in Python, from the paper's description as targets.yaml gives it (its values and
setups) and MODEL.md, not from the YAML; the two resolved forms must be equal.

What comes from where:
- a target's value or setup (number, vessel, time, size) is read from targets.yaml here, and the
  scenario's value derived from it, rounded to the precision the YAML prints;
- a number of the paper that targets.yaml does not carry (cells injected) is written here from the
  paper (RECALLED, not in targets.yaml; named as such where it is used);
- a PLACEHOLDER rate, which no paper gives, is written from the rationale the YAML comments document
  (e.g. "1 in 21 extravasates"); ``test_placeholder_rationale_*`` check that the written values
  do what their rationale says;
- the file's calibration block (``metacascade calibrate``), written by a fit and not from a paper,
  is left out: these are the values the fit started from; tests/catalog/test_calibrated_catalogue.py
  checks the block itself;
- the anatomy is the catalogue's own anatomy file (load_anatomy): the scenario only names it, and
  tests/catalog/test_catalog.py checks the anatomy against targets.yaml;
- prose (description, citation, source) is documentation, not a quantity, and is not compared.

The ten patient scenarios share one convention (breast_patient.yaml documents it): the nine besides
breast are built by one function, ``patient_scenario``, from a small per-site record
(``PatientSite``) holding what each YAML states for its own site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

import metacascade.catalog
from metacascade import load_scenario
from metacascade.catalog import load_anatomy
from metacascade.model import (
    Clone,
    FateOverrides,
    FateRates,
    GrowthLaw,
    Host,
    Injection,
    ObservationPlan,
    PatientVariation,
    PrimaryTumour,
    Scenario,
)
from metacascade.analysis.targets import targets_text

#: Documentation fields: free text, not compared.
PROSE = frozenset({"description", "citation", "source"})

#: Relative tolerance for float noise only (x10 of 1e-8 is not 1e-7 exactly in binary).
FLOAT_NOISE = 1e-12

DAYS_PER_YEAR = 365.25


# --- the comparison --------------------------------------------------------------------------------


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every leaf where two nested dict/list forms differ: 'path: expected=... actual=...'.

    Floats are equal within ``FLOAT_NOISE``; keys in ``PROSE`` are skipped.
    """
    where = path or "<root>"
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key in PROSE:
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                found.append(f"{sub}: only in expected ({expected[key]!r})")
            elif key not in expected:
                found.append(f"{sub}: only in actual ({actual[key]!r})")
            else:
                found += differences(expected[key], actual[key], sub)
        return found
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        if len(expected) != len(actual):
            return [f"{where}: lengths differ, expected={list(expected)!r} actual={list(actual)!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}.{i}")]
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers) and not isinstance(expected, bool):
        if math.isclose(expected, actual, rel_tol=FLOAT_NOISE, abs_tol=0.0):
            return []
    elif expected == actual and type(expected) is type(actual):
        return []
    return [f"{where}: expected={expected!r} actual={actual!r}"]


def significant(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant digits (the precision a YAML file prints)."""
    return float(f"{value:.{digits - 1}e}")


def assert_same(independent: Scenario, name: str) -> None:
    found = differences(independent.resolved(), load_scenario(name, calibrated=False).resolved())
    header = f"{name}.yaml differs from its independent construction (expected=independent, actual=YAML):"
    assert not found, "\n".join([header, *found])


def test_differences_lists_each_differing_field_by_path():
    a = {"x": 1.0, "y": {"z": [1, 2], "w": "s"}, "source": "p", "only_a": 0}
    b = {"x": 1.0 + 1e-15, "y": {"z": [1, 3], "w": "t"}, "source": "q"}
    assert differences(a, a) == []
    assert differences(a, b) == [
        "only_a: only in expected (0)",
        "y.w: expected='s' actual='t'",
        "y.z.1: expected=2 actual=3",
    ]
    assert differences({"t": [1.0]}, {"t": [1.0, 2.0]}) == ["t: lengths differ, expected=[1.0] actual=[1.0, 2.0]"]
    assert differences({"b": True}, {"b": 1}) == ["b: expected=True actual=1"]


# --- the published numbers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document() -> dict:
    """targets.yaml as the package ships it, read as plain YAML (setups included)."""
    return yaml.safe_load(targets_text())


@pytest.fixture(scope="module")
def targets(document) -> dict:
    return {target["id"]: target for target in document["targets"]}


def transit_death_rate(targets: dict) -> float:
    """PLACEHOLDER 10/day, checked to lie in ln 2 / (1-2.4 h), the CTC half-lives of meng2004."""
    low, high = (math.log(2.0) / (hours / 24.0) for hours in reversed(targets["meng2004_ctc_half_life"]["value"]))
    assert low <= 10.0 <= high, f"transit death placeholder outside meng2004's {low:.1f}-{high:.1f} /day"
    return 10.0


# --- Luzzi 1998: B16F1 into the mesenteric vein, liver --------------------------------------------


#: The mouse B16 cell size of both assays: an ASSUMPTION (~15 µm in suspension), in no target.
B16_DIAMETER_UM = 15.0
#: PLACEHOLDER: the hazard of all fates of a single extravasated liver cell together, /day.
LIVER_SINGLE_CELL_HAZARD = 2.0


def b16_clone(targets: dict, organ: str, override: FateOverrides, **fates: float) -> Clone:
    """The B16 clone of both assays: ``override`` in the organ the cells are injected towards,
    PLACEHOLDER fates (the shared ones and ``fates``) in every other organ."""
    return Clone(
        diameter_um=B16_DIAMETER_UM,
        transit_death_rate=transit_death_rate(targets),
        fates=FateRates(vessel_death_rate=2.0, extravasation_rate=0.5, birth_rate=1.2, death_rate=0.2,
                        avascular_bound_cells=20000, switch_rate=1.0, gompertz_rate=0.1, **fates),
        organ_fates={organ: override},
    )


def luzzi_scenario(targets: dict) -> Scenario:
    ids = [t for t in targets if t.startswith("luzzi1998_")]
    setups = [targets[t]["setup"] for t in ids]
    assert {s["cell_line"] for s in setups} == {"B16F1 melanoma"}
    assert {s["species"] for s in setups} == {"mouse"}
    assert all("mesenteric vein" in s["route"] and s["organ"] == "liver" for s in setups)
    # observation: 90 min (the paper's first count, after arrest), day 3 and day 13 of the setups
    days = sorted({float(s["time_point"].split()[-1]) for s in setups})
    assert days == [3.0, 13.0]
    initiation = targets["luzzi1998_micromet_initiation_d3"]["value"]  # 1 in 40 start dividing
    division = LIVER_SINGLE_CELL_HAZARD * initiation
    dormancy = 0.93  # PLACEHOLDER: ~46% of single cells go dormant (test_placeholder_rationale_luzzi)
    liver = FateOverrides(
        # PLACEHOLDERS: P(extravasate | arrested) = 2.0 / (2.0 + 0.4) ~ 0.83 (target 0.80)
        vessel_death_rate=0.4,
        extravasation_rate=2.0,
        division_rate=division,
        dormancy_rate=dormancy,
        apoptosis_rate=LIVER_SINGLE_CELL_HAZARD - division - dormancy,
        dormant_death_rate=0.005,
        reactivation_rate=0.001,
        # PLACEHOLDERS: colonies grow at a net 1/day (1.2 - 0.2); immune clearance leaves ~1 in 100
        birth_rate=1.2,
        death_rate=0.2,
        clearance_rate=0.45,
        avascular_bound_cells=20000,
        switch_rate=1.0,
        regression_rate=0.01,
        gompertz_rate=0.1,
    )
    clone = b16_clone(targets, "liver", liver, apoptosis_rate=1.0, dormancy_rate=0.5, division_rate=0.05,
                      clearance_rate=0.45)
    return Scenario(
        name="luzzi1998_liver",
        reproduces=(*ids, "ishii_liver_first_pass_escape"),
        anatomy=load_anatomy("mouse"),
        clones={"B16F1": clone},
        # RECALLED (Luzzi 1998 methods, not in targets.yaml): 3 x 10^5 cells per mouse
        injections=(Injection(clone="B16F1", vessel="mesenteric_vein", num_cells=300_000),),
        observation_times=(90.0 / (24 * 60), *days),
    )


def test_luzzi1998_liver_matches_its_independent_construction(targets):
    assert_same(luzzi_scenario(targets), "luzzi1998_liver")


def test_placeholder_rationale_luzzi(targets):
    """The liver placeholders give the published fractions to within their stated precision."""
    liver = load_scenario("luzzi1998_liver", calibrated=False).clones["B16F1"].fates_in("liver")
    arrest = 1.0 - targets["ishii_liver_first_pass_escape"]["value"]
    extravasated = arrest * liver.extravasation_rate / (liver.extravasation_rate + liver.vessel_death_rate)
    assert extravasated == pytest.approx(targets["luzzi1998_survive_extravasate_d3"]["value"], abs=0.05)
    single = liver.apoptosis_rate + liver.dormancy_rate + liver.division_rate
    assert liver.division_rate / single == pytest.approx(targets["luzzi1998_micromet_initiation_d3"]["value"])
    # dormant cells from ~day 1 to day 13 lose exp(-0.005 x 12)
    solitary_d13 = extravasated * liver.dormancy_rate / single * math.exp(-liver.dormant_death_rate * 12)
    assert solitary_d13 == pytest.approx(targets["luzzi1998_solitary_dormant_d13"]["value"], abs=0.02)


# --- Fidler 1970: B16 into the tail vein, lung ----------------------------------------------------


#: PLACEHOLDER: ~2% of the cells arrested in the lung extravasate (the rest die in the vessel)
LUNG_EXTRAVASATION_RATE = 0.1


def fidler_lung_vessel_hazard(targets: dict) -> float:
    """Total hazard in the pulmonary vessel so that ~1% of arrested cells are left at 24 h, /day
    (fidler1970_alive_24h), to the YAML's one decimal: -ln(0.01) / 1 day = 4.6."""
    setup = targets["fidler1970_alive_24h"]["setup"]
    assert setup["time_point"] == "24 h"
    return round(-math.log(targets["fidler1970_alive_24h"]["value"]) / 1.0, 1)


def fidler_scenario(targets: dict) -> Scenario:
    setup = targets["fidler1970_alive_24h"]["setup"]
    assert setup["species"].startswith("mouse") and setup["cell_line"].startswith("B16 melanoma")
    assert "tail vein" in setup["route"] and setup["organ"] == "lung"
    hazard = fidler_lung_vessel_hazard(targets)
    lung = FateOverrides(
        vessel_death_rate=hazard - LUNG_EXTRAVASATION_RATE,
        extravasation_rate=LUNG_EXTRAVASATION_RATE,
        # PLACEHOLDERS for the few extravasated cells
        apoptosis_rate=1.5,
        dormancy_rate=0.5,
        division_rate=0.5,
    )
    clone = b16_clone(targets, "lung", lung, clearance_rate=0.2)
    return Scenario(
        name="fidler1970_lung",
        reproduces=("fidler1970_alive_24h", "chambers2002_first_capillary_bed"),
        anatomy=load_anatomy("mouse"),
        clones={"B16": clone},
        # RECALLED (Fidler 1970, not in targets.yaml): 5 x 10^4 labelled cells per mouse
        injections=(Injection(clone="B16", vessel="tail_vein", num_cells=50_000),),
        # 24 h (the target's time point) and the lung colonies at day 14 (Fidler 1970, RECALLED)
        observation_times=(1.0, 14.0),
    )


def test_fidler1970_lung_matches_its_independent_construction(targets):
    assert_same(fidler_scenario(targets), "fidler1970_lung")


def test_placeholder_rationale_fidler(targets):
    """~1% of the arrested cells are still in the lung's vessels at 24 h, ~2% extravasate."""
    lung = load_scenario("fidler1970_lung", calibrated=False).clones["B16"].fates_in("lung")
    total = lung.vessel_death_rate + lung.extravasation_rate
    assert math.exp(-total * 1.0) == pytest.approx(targets["fidler1970_alive_24h"]["value"], rel=0.05)
    assert lung.extravasation_rate / total == pytest.approx(0.02, abs=0.005)


# --- breast patient -------------------------------------------------------------------------------


#: Years from time 0 to the median primary's 1e9 cells (the catalogue's patient convention).
YEARS_BEFORE_DETECTION = 3
HORIZON_YEARS = 10
#: diSibio 2008 sites holding >= 5% of all metastases are "frequent" (the permissive soil); brain is
#: added as a clinically frequent site (the YAML's stated choice).
FREQUENT_SHARE = 0.05
#: Organs diSibio 2008 finds rarely involved for their share of the arterial blood (the YAML's list).
RARE_FOR_FLOW = ("skeletal_muscle", "small_intestine", "kidney", "heart")
SOIL_FACTOR = 10.0


def frequent_sites(document: dict) -> list[str]:
    matrix = document["disibio2008_matrix"]
    totals = [sum(p["counts"][i] for p in matrix["primaries"].values()) for i in range(len(matrix["sites"]))]
    everything = matrix["totals"]["n_metastases"]
    assert sum(totals) == everything
    return [site for site, count in zip(matrix["sites"], totals) if count / everything >= FREQUENT_SHARE]


def regional_node_share(document: dict, primary: str) -> float:
    matrix = document["disibio2008_matrix"]
    row = matrix["primaries"][primary]
    return row["counts"][matrix["sites"].index("lymph_nodes_regional")] / row["n_autopsies"]


def carcinoma_fates(targets: dict) -> FateRates:
    """The catalogue's generic carcinoma placeholders, as breast_patient.yaml documents them ("Where
    the placeholder losses sit"); every patient scenario uses them."""
    vessel_death = 1.0
    dormant_death = 1e-3  # mean dormancy 1000 days, "~3 years"
    single = dict(apoptosis_rate=1.0, dormancy_rate=1e-3, division_rate=1e-8)  # P(divide) ~1e-8, P(dormant) ~1e-3
    return FateRates(
        vessel_death_rate=vessel_death,
        extravasation_rate=vessel_death / 20,  # 1 in 21 extravasates
        **single,
        dormant_death_rate=dormant_death,
        reactivation_rate=1e-5 * dormant_death,  # reactivates with probability ~1e-5
        birth_rate=0.5,
        death_rate=0.4,
        clearance_rate=0.01,
        avascular_bound_cells=1e6,  # ~1 mm
        switch_rate=0.003,  # switches before it regresses 3 times in 4
        regression_rate=0.001,
        gompertz_rate=targets["iwata2000_parameters"]["value"]["a_gompertz_per_day"],
    )


def placeholder_soil(document: dict, fates: FateRates) -> dict[str, FateOverrides]:
    """PLACEHOLDER soil: division and reactivation x10 in frequent sites, x0.1 in rare ones."""
    def scaled(factor: float) -> FateOverrides:
        return FateOverrides(
            division_rate=fates.division_rate * factor, reactivation_rate=fates.reactivation_rate * factor
        )

    return {
        **{site: scaled(SOIL_FACTOR) for site in (*frequent_sites(document), "brain")},
        **{site: scaled(1.0 / SOIL_FACTOR) for site in RARE_FOR_FLOW},
    }


def gompertz_from_detection(targets: dict, doubling_days: float) -> tuple[GrowthLaw, float]:
    """The primary's Gompertz law with ``doubling_days`` at 1e9 cells (capacity 1e12), to the YAML's
    4 digits, and its cells 3 years before it reaches 1e9 cells, to the YAML's 3 digits."""
    detection = targets["delmonte2009_cells_per_cm3"]["value"]["conventional"]  # ~1 cm³
    capacity = targets["lethal_burden_nmax"]["value"]
    exact = GrowthLaw.from_doubling_time(doubling_days, at_cells=detection, capacity_cells=capacity)
    growth = GrowthLaw(law="gompertz", rate_per_day=significant(exact.rate_per_day, 4), capacity_cells=capacity)
    # Gompertz backwards with the rate as written (the law simulated): ln(N0/K) = ln(N_detect/K) e^(a t)
    t = YEARS_BEFORE_DETECTION * DAYS_PER_YEAR
    initial = capacity * math.exp(math.log(detection / capacity) * math.exp(growth.rate_per_day * t))
    return growth, significant(initial, 3)


def natural_history_primary(
    document: dict, targets: dict, site: str, disibio_row: str, doubling_days: float, **specific: Any
) -> PrimaryTumour:
    """An untreated primary at ``site`` by the catalogue's patient convention; ``specific`` carries the
    scenario's own fields (clone mix, variation, cluster and coelomic shares)."""
    growth, initial = gompertz_from_detection(targets, doubling_days)
    return PrimaryTumour(
        site=site,
        growth=growth,
        initial_cells=initial,
        cells_per_g=targets["delmonte2009_cells_per_cm3"]["value"]["conventional"],  # 1 cm³ ~ 1 g
        shedding_rate_per_g_day=targets["butler1975_shedding_rate"]["value"]["growing"],
        vascularisation_cells=1e6,  # ASSUMPTION: ~1 mm³
        # ASSUMPTION: half the share of the primary's diSibio autopsies with regional nodes involved
        lymphatic_fraction=significant(regional_node_share(document, disibio_row) / 2, 2),
        # ASSUMPTION: lymph entered through the surface (Padera 2002), its share the one at 100 g
        lymphatic_surface_cells=1e11,
        **specific,
    )


#: ASSUMPTION: the share of a carcinoma's cells that circulate for hours (docs/calibration.md).
DEFORMABLE_FRACTION = 1e-4


def carcinoma_clone(targets: dict, diameter_um: float, fates: FateRates, soil: dict[str, FateOverrides]) -> Clone:
    return Clone(
        diameter_um=diameter_um, transit_death_rate=transit_death_rate(targets), deformable_fraction=DEFORMABLE_FRACTION,
        fates=fates, organ_fates=soil,
    )


#: Imaging, draws and observation yearly over the horizon, days (365.25 k).
YEARLY = tuple(DAYS_PER_YEAR * year for year in range(1, HORIZON_YEARS + 1))


def yearly_follow_up(**plan: Any) -> dict[str, Any]:
    """Yearly imaging and draws (ASSUMPTION); thresholds, draw volume and lethal burden are the plan's
    defaults unless ``plan`` sets them."""
    return dict(observation=ObservationPlan(imaging_times=YEARLY, draw_times=YEARLY, **plan), observation_times=YEARLY)


#: ASSUMPTION: organ failure at half the liver (1.8 kg) or lungs (470 g), 30 g of tumour in the brain,
#: at 1e9 cells per gram; and, in breast_patient, an untreated primary of 200 g (local complications).
ORGAN_FAILURE = {"liver": 0.5 * 1800 * 1e9, "lung": 0.5 * 470 * 1e9, "brain": 30 * 1e9}
BREAST_ORGAN_LIMITS = {**ORGAN_FAILURE, "breast": 200 * 1e9}


#: breast_patient's dormant cells live 14 years on average: fitted by hand to pan2017 (its comment).
BREAST_DORMANT_DEATH = 2e-4


def breast_scenario(document: dict, targets: dict) -> Scenario:
    fates = carcinoma_fates(targets)
    soil = placeholder_soil(document, fates)
    fates = fates.model_copy(update={"dormant_death_rate": BREAST_DORMANT_DEATH})
    bone_tropic_soil = {**soil, "bone": FateOverrides(
        division_rate=soil["bone"].division_rate * SOIL_FACTOR,
        reactivation_rate=soil["bone"].reactivation_rate * SOIL_FACTOR,
    )}
    diameter = targets["mendelaar2021_ctc_diameters"]["value"]["breast_CTC"]
    primary = natural_history_primary(
        document, targets, "breast", "breast", targets["breast_tvdt_clinical"]["value"]["zhang2017_median_days"],
        clone_mix={"A": 0.9, "bone_tropic": 0.1},  # PLACEHOLDER
        cluster_fraction=6e-4,  # ASSUMPTION: clusters ~5% of the CTC events a draw counts ("rare", aceto2014)
        variation=PatientVariation(
            growth_rate_cv=0.6,  # Zhang 2017: 185 ± 126 days, a CV of ~0.6-0.7 (rationale test below)
            shedding_rate_cv=1.0,  # ASSUMPTION
            clone_mix_concentration=10.0,  # bone-tropic share 0.1 ± 0.09 (rationale test below)
            node_avid_fraction=0.25, node_avid_log10=1.5, node_other_log10=-0.25,  # ASSUMPTION: carter1989's N+ by size
        ),
    )
    return Scenario(
        name="breast_patient",
        inputs=("breast_tvdt_clinical", "butler1975_shedding_rate"),
        anatomy=load_anatomy("human_adult"),
        clones={
            "A": carcinoma_clone(targets, diameter, fates, soil),
            "bone_tropic": carcinoma_clone(targets, diameter, fates, bone_tropic_soil),
        },
        primary=primary,
        paravertebral_route=True,  # Batson 1940: breast veins reach the vertebral plexus
        host=Host(sex="female"),  # men's ~1% of breast cancers left out
        **yearly_follow_up(organ_lethal_cells=BREAST_ORGAN_LIMITS),
    )


def test_breast_patient_matches_its_independent_construction(document, targets):
    assert_same(breast_scenario(document, targets), "breast_patient")


# --- the nine other patient scenarios ------------------------------------------------------------


@dataclass(frozen=True)
class PatientSite:
    """What a patient scenario states for its own site; the rest is the catalogue's convention."""

    name: str
    site: str  # organ of the anatomy
    disibio_row: str  # the diSibio 2008 primary whose autopsies give the lymphatic fraction
    doubling_days: float  # ASSUMPTION (recalled in each YAML; no doubling time in targets.yaml)
    ctc_size: Optional[str] = None  # key of mendelaar2021_ctc_diameters; None: the breast CTC (ASSUMPTION)
    batson_share: Optional[float] = None  # the anatomy's paravertebral share the YAML cites; None: route off
    coelomic: Optional[tuple[str, float]] = None  # (cavity, PLACEHOLDER share of shed cells)
    female: float = 0.5  # share of women: 1 or 0 for a site of one sex, else ASSUMPTION (SEER incidence, recalled)

    @property
    def host(self) -> Host:
        """Patients of one sex, or women with the site's chance."""
        if self.female in (0.0, 1.0):
            return Host(sex="female" if self.female else "male")
        return Host(female_probability=self.female)


PATIENT_SITES = (
    # pleural spread (malignant effusion) in a minority of lung cancers
    PatientSite("lung_patient", "lung", "lung", 150.0, coelomic=("pleural", 0.05)),
    # peritoneal metastases in a minority of colon cancers
    PatientSite("colon_patient", "large_intestine", "colon", 200.0, "colorectal_CTC", coelomic=("peritoneal", 0.1)),
    # the rectum's non-portal (pelvic) outflow as the paravertebral route, 2% of it
    PatientSite("rectum_patient", "large_intestine", "rectum", 200.0, "colorectal_CTC", batson_share=0.02, female=0.4),
    # peritoneum once through the serosa (T4a)
    PatientSite("stomach_patient", "stomach", "stomach", 200.0, coelomic=("peritoneal", 0.2), female=0.35),
    # Batson 1940: the prostatic plexus reaches the vertebral plexus, 20% of the outflow
    PatientSite("prostate_patient", "prostate", "prostate", 1000.0, "prostate_CTC", batson_share=0.2, female=0.0),
    # peritoneal carcinomatosis is common
    PatientSite("pancreas_patient", "pancreas", "pancreas", 100.0, coelomic=("peritoneal", 0.2)),
    PatientSite("kidney_patient", "kidney", "kidney", 600.0, female=0.35),
    # most of the spread is peritoneal; the route is off although the anatomy has a 5% share
    PatientSite("ovary_patient", "ovaries", "ovary", 100.0, coelomic=("peritoneal", 0.5), female=1.0),
    # diSibio 2008 has no melanoma row: its skin_body primaries stand in
    PatientSite("melanoma_patient", "skin", "skin_body", 100.0, female=0.4),
)


def patient_scenario(document: dict, targets: dict, record: PatientSite) -> Scenario:
    """A one-clone untreated patient by the catalogue's convention, from its site's record."""
    anatomy = load_anatomy("human_adult")
    sizes = targets["mendelaar2021_ctc_diameters"]["value"]
    fates = carcinoma_fates(targets)
    clone = carcinoma_clone(
        targets, sizes[record.ctc_size or "breast_CTC"], fates, placeholder_soil(document, fates)
    )
    coelomic = {}
    if record.coelomic is not None:
        cavity, share = record.coelomic
        assert anatomy.cavity_of(record.site) == cavity, f"{record.name}: {record.site} is not in the {cavity} cavity"
        coelomic = dict(coelomic_fraction=share)
    if record.batson_share is not None:
        assert anatomy.organs[record.site].paravertebral_fraction == record.batson_share
    primary = natural_history_primary(
        document, targets, record.site, record.disibio_row, record.doubling_days,
        clone_mix={"A": 1.0},
        # ASSUMPTIONS: the breast spread of doubling times; no published spread of shedding
        variation=PatientVariation(growth_rate_cv=0.6, shedding_rate_cv=1.0),
        **coelomic,
    )
    return Scenario(
        name=record.name,
        inputs=("butler1975_shedding_rate", *(("mendelaar2021_ctc_diameters",) if record.ctc_size else ())),
        anatomy=anatomy,
        clones={"A": clone},
        primary=primary,
        paravertebral_route=record.batson_share is not None,
        host=record.host,
        **yearly_follow_up(organ_lethal_cells=ORGAN_FAILURE),
    )


def test_every_patient_scenario_has_an_independent_construction():
    scenarios = Path(metacascade.catalog.__file__).parent / "scenarios"
    patients = {path.stem for path in scenarios.glob("*_patient.yaml")}
    assert patients == {"breast_patient", *(record.name for record in PATIENT_SITES)}


@pytest.mark.parametrize("record", PATIENT_SITES, ids=lambda record: record.name)
def test_patient_scenario_matches_its_independent_construction(document, targets, record):
    assert_same(patient_scenario(document, targets, record), record.name)


def test_placeholder_rationale_breast(targets):
    """The documented numbers of the breast comments follow from the values written."""
    scenario = load_scenario("breast_patient", calibrated=False)
    fates = scenario.clones["A"].fates
    assert fates.extravasation_rate / (fates.extravasation_rate + fates.vessel_death_rate) == pytest.approx(1 / 21)
    reactivated = fates.reactivation_rate / (fates.reactivation_rate + fates.dormant_death_rate)
    assert reactivated == pytest.approx(5e-5, rel=1e-3)
    assert 1 / fates.dormant_death_rate / DAYS_PER_YEAR == pytest.approx(14, rel=0.05)
    assert fates.switch_rate / (fates.switch_rate + fates.regression_rate) == pytest.approx(0.75)
    primary = scenario.primary
    median = targets["breast_tvdt_clinical"]["value"]["zhang2017_median_days"]
    assert primary.growth.doubling_time_days(1e9) == pytest.approx(median, rel=1e-3)
    sigma = primary.variation.growth_rate_sigma  # doubling times lognormal, median 164 days
    mean, sd = median * math.exp(sigma**2 / 2), median * math.exp(sigma**2 / 2) * primary.variation.growth_rate_cv
    assert (round(mean), round(sd)) == (191, 115)
    share, c = primary.clone_mix["bone_tropic"], primary.variation.clone_mix_concentration
    assert math.sqrt(share * (1 - share) / (c + 1)) == pytest.approx(0.09, abs=0.005)

"""The registry: every numeric published target has a check; verdict rules."""

from __future__ import annotations

import pytest

from metacascade.validation.checks import CHECKS, NOT_YET, run_checks
from metacascade.validation.rules import agrees, compare, compare_table
from metacascade.analysis.targets import Target, load_targets

NUMERIC_IDS = {
    "luzzi1998_survive_extravasate_d3", "luzzi1998_micromet_initiation_d3", "luzzi1998_macromet_persistence_d13",
    "luzzi1998_overall_macromet_efficiency", "luzzi1998_solitary_dormant_d13", "fidler1970_alive_24h",
    "ishii_liver_first_pass_escape", "butler1975_shedding_rate", "meng2004_ctc_half_life",
    "aceto2014_cluster_metastatic_potential", "au2016_cluster_capillary_transit", "organ_blood_flow_fractions",
    "liver_total_inflow_fraction", "bone_marrow_flow_fraction", "organ_masses_reference",
    "coheadquarters_co_distribution", "mendelaar2021_ctc_diameters", "blood_cell_and_ctc_sizes_review",
    "capillary_vs_cell_diameter", "disibio2008_site_share_of_all_metastases", "disibio2008_metastases_per_primary",
    "disibio2008_prostate_profile", "disibio2008_testis_profile", "seer_breast_stage_survival",
    "pan2017_late_distant_recurrence", "breast_tvdt_clinical", "delmonte2009_cells_per_cm3", "lethal_burden_nmax",
    "iwata2000_parameters", "carmel1977_cyclophosphamide_lung", "ebctcg2015_bisphosphonates",
    "bloom1962_untreated_breast_survival",  # the package's own (analysis/data/added_targets.yaml)
    "carter1989_node_positivity_by_size",  # the package's own too
}


def test_the_numeric_targets_are_these():
    assert {i for i, t in load_targets().items() if t.numeric} == NUMERIC_IDS


def test_every_numeric_target_has_a_check():
    assert NUMERIC_IDS <= set(CHECKS)
    assert set(CHECKS) <= set(load_targets())


def test_targets_not_computable_yet_say_why():
    outcomes = run_checks(quick=True, seed=1, ids=sorted(NOT_YET))
    assert all(o.verdict == "not yet" and o.reason for o in outcomes)


def test_a_qualitative_target_is_reported_not_hidden():
    (outcome,) = run_checks(quick=True, seed=1, ids=["mook2003_liver_size_restriction"])
    assert outcome.verdict == "not yet" and "qualitative" in outcome.reason


def test_agreement_within_tolerance_plus_monte_carlo_interval():
    assert agrees(0.8, 0.95, 0.0, 0.25)
    assert not agrees(0.8, 1.05, 0.0, 0.25)
    assert agrees(0.8, 1.05, 0.03, 0.25)  # 0.05 beyond tolerance, 1.96 se = 0.059
    assert agrees([1.0, 2.4], 2.5, 0.1, 0.0) and not agrees([1.0, 2.4], 2.5, 0.01, 0.0)


def test_a_mismatch_is_reported_with_the_entries_out_of_tolerance():
    target = Target("t", "hemodynamics", "q", {"a": 1.0, "b": 2.0}, "u")
    outcome = compare_table(target, target.value, {"a": 1.01, "b": 3.0}, reason="how")
    assert outcome.verdict == "mismatch"
    assert outcome.reason.startswith("out of tolerance: b.")
    assert "worst b 3" in outcome.simulated
    assert compare(target, 1.0, 1.04).verdict == "pass"


def test_an_anatomy_check_passes_exactly():
    (outcome,) = run_checks(quick=True, seed=1, ids=["organ_masses_reference"])
    assert outcome.verdict == "pass"


def test_an_assay_check_reports_its_monte_carlo_interval():
    (outcome,) = run_checks(quick=True, seed=3, ids=["luzzi1998_solitary_dormant_d13"])
    assert "±" in outcome.simulated
    assert outcome.entries["value"]["se"] > 0


@pytest.mark.parametrize("target_id", ["unknown_category"])
def test_a_category_without_tolerance_is_named(target_id):
    target = Target(target_id, "astrology", "q", 1.0, "u")
    with pytest.raises(ValueError, match="astrology"):
        compare(target, 1.0, 1.0)

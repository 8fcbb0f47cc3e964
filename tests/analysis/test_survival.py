"""Kaplan–Meier survival of a cohort's patients, checked by hand on four patients."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis import survival
from seeded import FALSE_ALARM

NAN = float("nan")
#: p0 dies at 100 with a metastasis seen at 50; p1 is followed to 300 without either; p2 dies at 200
#: without one seen; p3 is followed to 150 with a metastasis seen at 120.
PATIENTS = pd.DataFrame({
    "first_metastasis_time": [50.0, NAN, NAN, 120.0],
    "death_time": [100.0, NAN, 200.0, NAN],
    "follow_up_time": [100.0, 300.0, 200.0, 150.0],
})


def test_overall_survival_steps_at_deaths_and_drops_the_censored_from_the_risk_set():
    sf = survival.kaplan_meier(PATIENTS, "overall")
    # 100: 1 of 4 dies -> 3/4; 150: censored; 200: 1 of the 2 at risk dies -> 3/8
    assert sf.evaluate([0.0, 100.0, 150.0, 199.0, 200.0, 300.0]) == pytest.approx([1, 0.75, 0.75, 0.75, 0.375, 0.375])
    assert survival.median_time(PATIENTS, "overall") == 200.0


def test_metastasis_free_survival_ends_at_the_first_metastasis_seen_or_death():
    times, happened = survival.durations(PATIENTS, "metastasis_free")
    assert times.tolist() == [50.0, 300.0, 200.0, 120.0] and happened.tolist() == [True, False, True, True]
    # 50: 3/4; 120: x 2/3 = 1/2; 200: x 1/2 = 1/4
    assert survival.kaplan_meier(PATIENTS, "metastasis_free").evaluate([50.0, 120.0, 200.0]) == pytest.approx(
        [0.75, 0.5, 0.25])
    assert survival.median_time(PATIENTS, "metastasis_free") == 120.0


def test_median_not_reached_is_nan():
    alive = PATIENTS.assign(death_time=NAN, first_metastasis_time=NAN)
    assert np.isnan(survival.median_time(alive, "overall"))


def test_survival_at_counts_the_patients_at_risk_and_the_events_by_each_time():
    table = survival.survival_at(PATIENTS, [0.0, 120.0, 250.0])
    assert table.index.names == ["endpoint", "time"]
    assert table.loc["overall", ["at_risk", "events"]].to_numpy().tolist() == [[4, 0], [3, 1], [1, 2]]
    assert table.loc["metastasis_free", ["at_risk", "events"]].to_numpy().tolist() == [[4, 0], [3, 2], [1, 3]]
    assert table["survival"].tolist() == pytest.approx([1, 0.75, 0.375, 1, 0.5, 0.25])
    defined = table.dropna()
    assert len(defined) >= 4 and ((defined["low"] <= defined["survival"]) & (defined["survival"] <= defined["high"])).all()


def test_the_band_is_nan_where_it_is_undefined_without_a_warning():
    everyone_dies = PATIENTS.assign(death_time=PATIENTS["follow_up_time"])
    sf = survival.kaplan_meier(everyone_dies, "overall")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        band = survival.confidence_band(sf)
    assert sf.evaluate(300.0) == 0 and np.isnan(band.low.evaluate(300.0))
    assert band.low.evaluate(150.0) < sf.evaluate(150.0) < band.high.evaluate(150.0)


def test_an_unknown_endpoint_names_the_endpoints():
    with pytest.raises(ValueError, match="overall, metastasis_free"):
        survival.event_times(PATIENTS, "progression_free")


# -- more endpoints ------------------------------------------------------------------------------

#: Two patients of a cohort: p0 diagnosed at 100, a bone lesion seen at 400 and a regional node at
#: 300, dies at 3000; p1 diagnosed at 200, a liver lesion seen at 2500, followed to 3650 alive.
COHORT = pd.DataFrame({
    "patient": [0, 1],
    "diagnosis_time": [100.0, 200.0],
    "first_metastasis_time": [300.0, 2500.0],
    "death_time": [3000.0, NAN],
    "follow_up_time": [3000.0, 3650.0],
})
DETECTIONS = pd.DataFrame({
    "patient": [0, 0, 1, 1],
    "organ": ["bone", "lymph_nodes_regional", "liver", "bone"],
    "detection_time": [400.0, 300.0, 2500.0, NAN],  # p1's bone lesion reached the threshold, unseen
})


def test_time_to_metastasis_is_censored_at_death():
    times, happened = survival.durations(PATIENTS, "time_to_metastasis")
    assert times.tolist() == [50.0, 300.0, 200.0, 120.0] and happened.tolist() == [True, False, False, True]


def test_organ_relapse_ends_at_the_first_lesion_seen_in_that_organ():
    times, happened = survival.durations(COHORT, "relapse_in_bone", DETECTIONS)
    assert times.tolist() == [400.0, 3650.0] and happened.tolist() == [True, False]
    times, happened = survival.durations(COHORT, "relapse_in_lymph_nodes_regional", DETECTIONS)
    assert times.tolist() == [300.0, 3650.0] and happened.tolist() == [True, False]


def test_late_relapse_counts_from_diagnosis_among_the_patients_free_of_distant_metastasis_at_5_years():
    # p0: a distant (bone) lesion seen 300 days after diagnosis: not at risk; p1: liver 2300 days after
    times, happened = survival.durations(COHORT, "late_relapse", DETECTIONS)
    assert times.tolist() == [2300.0] and happened.tolist() == [True]
    # p0's only lesion a regional node: at risk, and censored at death 2900 days after diagnosis
    nodes_only = DETECTIONS[DETECTIONS["organ"] != "bone"]
    times, happened = survival.durations(COHORT, "late_relapse", nodes_only)
    assert times.tolist() == [2900.0, 2300.0] and happened.tolist() == [False, True]


def test_an_endpoint_on_detections_needs_them_and_an_unknown_one_is_named():
    with pytest.raises(ValueError, match="detections: this endpoint reads the detections table"):
        survival.durations(COHORT, "relapse_in_bone")
    with pytest.raises(ValueError, match="endpoint: unknown 'relapse'.*late_relapse.*relapse_in_ORGAN"):
        survival.durations(COHORT, "relapse")


# -- comparing arms ------------------------------------------------------------------------------


def test_restricted_mean_is_the_area_under_the_kaplan_meier_steps():
    sf = survival.kaplan_meier(PATIENTS, "overall")  # 1 to 100, 3/4 to 200, 3/8 after
    assert survival.restricted_mean(sf, 250.0) == pytest.approx(100 + 0.75 * 100 + 0.375 * 50)
    assert survival.restricted_mean(sf, 80.0) == pytest.approx(80.0)
    with pytest.raises(ValueError, match="horizon: must be a time > 0 days"):
        survival.restricted_mean(sf, 0.0)


def exponential_arm(rng, hazard: float, size: int = 2000, end: float = 1000.0):
    """Exponential event times (days) with ``hazard`` per day, censored at random (uniform on 0 to
    3 ``end``) and at ``end``."""
    events, censoring = rng.exponential(1 / hazard, size), np.minimum(rng.uniform(0, 3 * end, size), end)
    return np.minimum(events, censoring), events <= censoring


def log_hr_within(row, hazard_ratio: float, half_widths: float) -> bool:
    """``hazard_ratio`` lies within ``half_widths`` times the 95% half-width of ``row``'s log hazard ratio."""
    centre, half_width = np.log(row["hazard_ratio"]), (np.log(row["hr_high"]) - np.log(row["hr_low"])) / 2
    return abs(centre - np.log(hazard_ratio)) <= half_widths * half_width


def test_a_planted_hazard_ratio_is_recovered_and_the_log_rank_test_sees_it(any_seed):
    rng = np.random.default_rng(any_seed)
    arms = {"control": exponential_arm(rng, 1 / 500), "treated": exponential_arm(rng, 0.6 / 500)}
    table = survival.compare(arms, horizon=730.0)
    treated = table.loc["treated"]
    assert treated["hr_low"] < treated["hazard_ratio"] < treated["hr_high"]
    assert log_hr_within(treated, 0.6, 2.0)  # twice the 95% interval: fails once in ~10^4 seeds
    assert treated["hr_high"] < 0.75 and treated["p_value"] < 1e-10
    assert treated["rmst_difference"] > 0 and treated["median"] > table.loc["control", "median"]
    assert table.loc["control", ["hazard_ratio", "rmst_difference"]].tolist() == [1.0, 0.0]
    assert np.isnan(table.loc["control", "p_value"]) and table["patients"].tolist() == [2000, 2000]


def test_identical_arms_give_a_hazard_ratio_of_one(any_seed):
    rng = np.random.default_rng(any_seed)
    table = survival.compare({"a": exponential_arm(rng, 1 / 500), "b": exponential_arm(rng, 1 / 500)}, horizon=730.0)
    assert log_hr_within(table.loc["b"], 1.0, 2.0) and table.loc["b", "p_value"] > FALSE_ALARM


def test_rmst_in_the_comparison_is_each_arms_area_and_the_reference_can_be_named():
    arm = survival.durations(PATIENTS, "overall")
    table = survival.compare({"x": arm, "y": arm}, horizon=250.0, reference="y")
    assert table["rmst"].tolist() == pytest.approx([193.75, 193.75]) and table["rmst_difference"].tolist() == [0, 0]
    assert table.loc["x", "hazard_ratio"] == pytest.approx(1.0) and table.loc["x", "p_value"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="reference: 'z' is not an arm; the arms are x, y"):
        survival.compare({"x": arm, "y": arm}, horizon=250.0, reference="z")


def test_arms_without_events_or_patients_have_nan_statistics_silently():
    none = (np.array([10.0, 20.0]), np.array([False, False]))
    some = (np.array([10.0, 20.0]), np.array([True, False]))
    empty = (np.array([]), np.array([], dtype=bool))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = survival.compare({"none": none, "some": some, "empty": empty, "none_again": none}, horizon=30.0)
    assert np.isnan(table.loc["some", "hazard_ratio"]) and table.loc["some", "p_value"] > 0
    assert table.loc["empty", ["patients", "events"]].tolist() == [0, 0] and table.loc["empty"].iloc[2:].isna().all()
    assert np.isnan(table.loc["none_again", "p_value"]) and table.loc["none_again", "rmst"] == 30.0

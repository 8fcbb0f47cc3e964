"""The adjuvant bisphosphonate trial (ebctcg2015_bisphosphonates): arms of the same breast_adjuvant
patients, the bone recurrence rate ratio by menopausal status with its Monte Carlo interval."""

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis.targets import load_targets
from metacascade.validation.checks import NOT_YET
from metacascade.catalog import scenario_from_data
from metacascade.catalog.trials import load_trial_design
from metacascade.engine.lower import lower
from metacascade.results.rundir import CHUNK_TABLES
from metacascade.engine.patient import patient_lowered
from metacascade.validation.clinical import (
    BISPHOSPHONATE_ARMS, BISPHOSPHONATE_DESIGN, bisphosphonate_trial, bisphosphonates, bone_relapses,
    paired_rate_ratio,
)

NAN = np.nan


def test_the_check_gives_a_verdict_with_the_ratio_and_the_relapses_of_each_arm_by_menopausal_status():
    target = load_targets()["ebctcg2015_bisphosphonates"]
    outcome = bisphosphonates(target, True, 2026)
    assert "ebctcg2015_bisphosphonates" not in NOT_YET
    assert outcome.verdict in ("pass", "mismatch", "not yet")
    assert (outcome.verdict == "not yet") == outcome.reason.startswith("TOO FEW BONE RELAPSES")
    assert set(outcome.entries) == {"postmenopausal", "premenopausal"}
    assert outcome.entries["postmenopausal"]["published"] == [0.6, 0.86]
    for group in ("postmenopausal", "premenopausal"):
        assert f"{group}: " in outcome.reason and "bone relapses" in outcome.reason
    assert "ASSUMPTION" in outcome.reason and "95% MC interval" in outcome.reason
    # 12 patients per arm cannot relapse often enough for the published ratio to spare 5 relapses
    assert outcome.verdict == "not yet" and "would spare fewer than 5" in outcome.reason


def test_the_arms_differ_only_by_bone_targeted_therapy_from_diagnosis_for_two_to_five_years():
    trial, _ = bisphosphonate_trial(True, 2026)
    control, tested = (trial.arms[arm].scenario["therapy"]["interventions"] for arm in BISPHOSPHONATE_ARMS)
    assert [(item["kind"], item["relative_to"]) for item in control] == [("surgery", "diagnosis")]
    assert tested[:-1] == control and (tested[-1]["kind"], tested[-1]["relative_to"]) == ("bone_targeted", "diagnosis")
    assert 2 * 365.25 <= tested[-1]["duration_days"] <= 5 * 365.25  # ebctcg2015: 2-5 years
    assert "ASSUMPTION" in load_trial_design(BISPHOSPHONATE_DESIGN).arms[BISPHOSPHONATE_ARMS[1]].description
    assert trial.arms[BISPHOSPHONATE_ARMS[0]].random_seed == trial.arms[BISPHOSPHONATE_ARMS[1]].random_seed


def test_premenopausal_patients_are_the_same_draw_for_draw_in_both_arms_and_only_postmenopausal_ones_are_treated():
    trial, postmenopausal = bisphosphonate_trial(True, 2026)
    assert postmenopausal.any() and not postmenopausal.all()
    control, tested = (trial.arms[arm] for arm in BISPHOSPHONATE_ARMS)
    for table in control.table_names:
        if table not in CHUNK_TABLES:  # summed over the chunk's patients
            pd.testing.assert_frame_equal(
                *(getattr(cohort, table)[lambda t: ~postmenopausal[t["patient"]]].reset_index(drop=True)
                  for cohort in (control, tested)))
    # the engine gives the tested arm's bone-targeted window to exactly the patients the check calls postmenopausal
    lowered = lower(scenario_from_data(tested.scenario))
    treated = [patient_lowered(lowered, tested.random_seed, patient).epochs is not None
               for patient in range(len(postmenopausal))]
    assert treated == postmenopausal.tolist()


def test_a_bone_relapse_counts_within_the_follow_up_from_diagnosis_and_ends_the_time_at_risk():
    class Cohort:
        patients = pd.DataFrame({"patient": [0, 1, 2, 3], "diagnosis_time": [365.25] * 4,
                                 "follow_up_time": [7305.0, 7305.0, 1095.75, 7305.0]})
        # 0: bone seen 2 years after diagnosis; 1: 6 years after (beyond 5 years); 2: died at 2 years; 3: a liver lesion
        detections = pd.DataFrame({"patient": [0, 1, 3], "organ": ["bone", "bone", "liver"],
                                   "detection_time": [1095.75, 2556.75, 730.5]})

    table = bone_relapses(Cohort, pd.Index([0, 1, 2, 3]), 5.0)
    assert table["relapse"].tolist() == [True, False, False, False]
    assert table["years"].to_numpy() == pytest.approx([2.0, 5.0, 2.0, 5.0])


def test_the_rate_ratio_is_relapses_per_person_year_and_undefined_without_a_control_relapse():
    control = pd.DataFrame({"relapse": [True, True, False, False], "years": [1.0, 2.0, 5.0, 5.0]})
    treated = pd.DataFrame({"relapse": [True, False, False, False], "years": [1.0, 5.0, 5.0, 5.0]})
    value, low, high = paired_rate_ratio(treated, control, 0)
    assert value == pytest.approx((1 / 16) / (2 / 13)) and low <= value <= high
    assert np.isnan(paired_rate_ratio(treated, control.assign(relapse=False), 0)).all()
    assert paired_rate_ratio(control, control, 0) == (1.0, 1.0, 1.0)  # identical arms: exactly 1

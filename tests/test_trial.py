"""Virtual trials: arms on the same virtual patients (common random numbers), written, resumed, compared."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import metacascade as mc
from metacascade.trial import TABLE_ENDPOINTS, TRIAL_FILE, Trial

YEARLY = [365.25 * year for year in range(1, 11)]
#: Follow-up cut after 7 years: the same patients, seen less long.
SEVEN_YEARS = {"observation.imaging_times": YEARLY[:7], "observation.draw_times": YEARLY[:7],
               "observation_times": YEARLY[:7]}
ARMS = {"control": {}, "same": {}, "shedding_x10": {"primary.shedding_rate_per_g_day": 3.2e7},
        "seven_years": SEVEN_YEARS}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("trial") / "breast"
    return mc.trial("breast_patient", ARMS, num_patients=20, random_seed=7, out=out), out


def test_an_arm_that_changes_nothing_has_the_same_patients(written):
    trial, _ = written
    control, same = trial.arms["control"], trial.arms["same"]
    pd.testing.assert_frame_equal(control.patients, same.patients)
    pd.testing.assert_frame_equal(control.detections, same.detections)
    assert control.patients["death_time"].notna().sum() >= 2  # events to compare, not an empty run


def test_an_arm_that_sheds_more_changes_the_metastases_but_not_the_patients_own_primary(written):
    trial, _ = written
    control, more = trial.arms["control"].patients, trial.arms["shedding_x10"].patients
    pd.testing.assert_series_equal(control["diagnosis_time"], more["diagnosis_time"])
    assert len(trial.arms["shedding_x10"].lesions) > 2 * len(trial.arms["control"].lesions)
    assert more["death_time"].notna().sum() > control["death_time"].notna().sum()


def test_an_arm_that_changes_only_later_events_leaves_the_earlier_ones_unchanged(written):
    trial, _ = written
    cut = YEARLY[6]
    control, short = trial.arms["control"], trial.arms["seven_years"]

    def before(detections):
        return detections[detections["reach_time"] <= cut].reset_index(drop=True)

    assert len(before(control.detections)) >= 3 and len(control.detections) > len(before(control.detections))
    pd.testing.assert_frame_equal(before(control.detections), before(short.detections))
    early = control.patients["first_metastasis_time"] <= cut
    assert early.sum() >= 2
    pd.testing.assert_series_equal(control.patients["first_metastasis_time"][early],
                                   short.patients["first_metastasis_time"][early])
    # followed to the cut, or to an earlier death
    assert (short.patients["follow_up_time"] == short.patients["death_time"].fillna(np.inf).clip(upper=cut)).all()


def test_the_trial_table_compares_every_arm_with_the_first(written):
    trial, _ = written
    table = trial.table(horizon=3000.0)
    assert table["endpoint"].tolist() == [endpoint for endpoint in TABLE_ENDPOINTS for _ in ARMS]
    assert table["arm"].tolist() == list(ARMS) * len(TABLE_ENDPOINTS)
    overall = table[table["endpoint"] == "overall"].set_index("arm")
    assert overall.loc["same", ["hazard_ratio", "p_value", "rmst_difference"]].tolist() == pytest.approx([1, 1, 0])
    assert overall.loc["shedding_x10", "hazard_ratio"] > 1 and overall.loc["shedding_x10", "rmst_difference"] < 0
    assert (overall["patients"] == 20).all()
    relapse = trial.compare("relapse_in_bone", reference="same")
    assert relapse.loc["control", "events"] == relapse.loc["same", "events"]
    assert set(trial.survival("overall")) == set(ARMS)


def test_a_trial_is_recorded_reloaded_and_resumed_with_its_seed(written):
    trial, out = written
    record = json.loads((out / TRIAL_FILE).read_text())
    assert record["arms"]["shedding_x10"] == {"values": {"primary.shedding_rate_per_g_day": 3.2e7}}
    assert (record["scenario"], record["num_patients"], record["random_seed"]) == ("breast_patient", 20, 7)
    loaded = mc.load_trial(out)
    assert list(loaded.arms) == list(ARMS)
    pd.testing.assert_frame_equal(loaded.table(), trial.table())
    resumed = mc.trial("breast_patient", ARMS, num_patients=20, out=out)  # no seed: the recorded one
    assert resumed.random_seed == 7 and resumed.arms["shedding_x10"].equals(trial.arms["shedding_x10"])
    with pytest.raises(FileExistsError, match="holds another trial"):
        mc.trial("breast_patient", ARMS, num_patients=20, random_seed=8, out=out)


def test_arms_may_be_scenarios_or_catalogue_names(tmp_path):
    scenario = mc.load_scenario("breast_patient")
    trial = mc.trial(scenario, {"named": "breast_patient", "given": scenario}, num_patients=2, random_seed=3)
    pd.testing.assert_frame_equal(trial.arms["named"].patients, trial.arms["given"].patients)
    assert trial.record["arms"] == {"named": {"scenario": "breast_patient"}, "given": {"scenario": "breast_patient"}}


@pytest.mark.parametrize(("arms", "options", "message"), [
    ({}, {}, "arms: a trial needs at least one arm"),
    ({"a/b": {}}, {}, "arms: the arm name 'a/b' is not a directory name"),
    ({"a": {}}, {"num_patients": 1}, r"num_patients: must be an integer >= 2 \(got 1\)"),
])
def test_a_malformed_trial_is_refused_naming_what_is_wrong(arms, options, message):
    with pytest.raises(ValueError, match=message):
        mc.trial("breast_patient", arms, **{"num_patients": 2, "random_seed": 1, **options})


def test_an_arm_value_that_names_nothing_is_a_scenario_error():
    with pytest.raises(mc.ScenarioError, match="primary.no_such_field"):
        mc.trial("breast_patient", {"a": {"primary.no_such_field": 1}}, num_patients=2, random_seed=1)


DESIGN = """
name: operate_or_not
scenario: breast_patient
arms:
  untreated: {}
  operated:
    description: the primary resected at diagnosis
    interventions: [{kind: surgery, relative_to: diagnosis}]
endpoints: [overall, relapse_in_bone]
horizon_years: 8
"""


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design")
    (folder / "operate_or_not.yaml").write_text(DESIGN)
    out = folder / "trial"
    return mc.trial(folder / "operate_or_not.yaml", num_patients=16, random_seed=5, out=out), out  # ~1 in 4 untreated die of the primary


def test_a_design_names_the_scenario_the_arms_and_the_table(designed):
    trial, out = designed
    assert list(trial.arms) == ["untreated", "operated"] and trial.record["design"] == "operate_or_not"
    table = trial.table()
    assert table["endpoint"].unique().tolist() == ["overall", "relapse_in_bone"]
    assert trial.horizon == pytest.approx(8 * 365.25)
    pd.testing.assert_frame_equal(mc.load_trial(out).table(), table)


def test_a_designed_arm_adds_its_interventions_to_the_scenarios_own_on_the_same_patients(designed):
    trial, _ = designed
    untreated, operated = trial.arms["untreated"], trial.arms["operated"]
    assert untreated.scenario.get("therapy") is None
    assert [item["kind"] for item in operated.scenario["therapy"]["interventions"]] == ["surgery"]
    pd.testing.assert_series_equal(untreated.patients["diagnosis_time"], operated.patients["diagnosis_time"])
    before = untreated.patients["diagnosis_time"].notna()
    assert before.sum() >= 3
    # the same draws until the diagnosis, then the operated primary is gone: it kills nobody (metastases
    # may, at other times: the draws part there)
    assert (untreated.patients["death_organ"] == "breast").any() and not (operated.patients["death_organ"] == "breast").any()


def test_the_catalogue_trial_designs_load_and_their_arms_build_scenarios():
    from metacascade.catalog.trials import load_trial_design, trial_names
    from metacascade.trial import _arm_scenario

    assert "breast_adjuvant" in trial_names()
    for name in trial_names():
        design = load_trial_design(name)
        base = mc.load_scenario(design.scenario)
        for arm_name, arm in design.arms.items():
            scenario = _arm_scenario(base, arm_name, arm)
            added = len(scenario.therapy.interventions) - len(base.therapy.interventions)
            assert added == len(arm.interventions), (name, arm_name)


@pytest.mark.parametrize(("text", "message"), [
    (DESIGN.replace("operated:", "'a/b':"), "the arm name 'a/b' is not a directory name"),
    (DESIGN.replace("kind: surgery", "kind: prayer"), "arms.operated.interventions.0"),
    (DESIGN.replace("scenario: breast_patient\n", ""), "scenario"),
])
def test_a_malformed_design_is_refused_naming_the_field(tmp_path, text, message):
    path = tmp_path / "design.yaml"
    path.write_text(text)
    with pytest.raises(mc.ScenarioError, match=message):
        mc.trial(path, num_patients=2, random_seed=1)


def test_a_scenario_without_arms_is_not_a_trial():
    with pytest.raises(ValueError, match="breast_patient is a scenario, not a trial design; give its arms"):
        mc.trial("breast_patient", num_patients=2, random_seed=1)


def planted_arm(rng, hazard: float, size: int = 2000, end: float = 1000.0):
    """A cohort-like arm whose patients die at exponential times (``hazard`` per day), followed to a
    uniform censoring time or ``end``: what ``Trial`` reads of a cohort (patients, detections)."""
    deaths, follow_up = rng.exponential(1 / hazard, size), np.minimum(rng.uniform(0, 3 * end, size), end)
    died = deaths <= follow_up
    patients = pd.DataFrame({"patient": np.arange(size), "death_time": np.where(died, deaths, np.nan),
                             "first_metastasis_time": np.nan, "diagnosis_time": np.nan,
                             "follow_up_time": np.where(died, deaths, follow_up)})
    return SimpleNamespace(patients=patients, detections=pd.DataFrame(columns=["patient", "organ", "detection_time"]))


def test_the_trial_recovers_a_planted_hazard_ratio_within_its_interval(any_seed):
    rng = np.random.default_rng(any_seed)
    planted = Trial({"control": planted_arm(rng, 1 / 500), "treated": planted_arm(rng, 0.6 / 500)},
                    {"num_patients": 2000, "random_seed": any_seed})
    treated = planted.table(("overall",)).set_index("arm").loc["treated"]
    centre, half_width = np.log(treated["hazard_ratio"]), (np.log(treated["hr_high"]) - np.log(treated["hr_low"])) / 2
    assert abs(centre - np.log(0.6)) <= 2 * half_width  # twice the 95% interval: fails once in ~10^4 seeds
    assert treated["p_value"] < 1e-10 and treated["rmst_difference"] > 0

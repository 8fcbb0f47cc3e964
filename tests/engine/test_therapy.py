"""Therapy lowered to the engine: windows timed from the start, from each patient's own
diagnosis or from its first distant metastasis seen, as epochs whose rates are the products of the windows in force, and surgery as the
primary's removal. A schedule that changes nothing gives the run without it, draw for draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from metacascade import ScenarioError, simulate
from metacascade.catalog import scenario_from_data
from metacascade.cli import main
from metacascade.engine.epochs import epoch_at, rates_in_force, step_ends
from metacascade.engine.lower import lower
from metacascade.engine.observation import diagnosis_time
from metacascade.engine.patient import engine_function, patient_drawn, patient_lowered, resolved, run_patient
from metacascade.engine.therapy import apply_therapy
from metacascade.engine.timeline import run_timeline

PLAN = {"imaging_times": [550.0, 600.0, 650.0, 700.0, 750.0, 800.0], "draw_times": [600.0, 650.0, 700.0, 750.0, 800.0],
        "lethal_burden_cells": 3e10}
ENDOCRINE = {"kind": "endocrine", "relative_to": "diagnosis", "division_factor": 0.5, "reactivation_factor": 0.1}


def patient_data(*interventions, fates=None, varies=True, **clone) -> dict:
    """Breast primaries (1e9 cells near day 690, growth rate varying across patients) shedding into
    fast-switching lesions; ``interventions`` as the therapy (none: no therapy at all)."""
    data = {
        "name": "treated_patient", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, **clone, "fates": fates or {
            "division_rate": 0.2, "clearance_rate": 0.1, "switch_rate": 0.05, "gompertz_rate": 0.005}}},
        "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.03},
                    "shedding_rate_per_g_day": 300.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0},
                    "variation": {"growth_rate_cv": 0.3 if varies else 0.0}},
        "observation": PLAN, "observation_times": [500.0, 600.0, 700.0, 800.0],
    }
    return data if interventions == (None,) else {**data, "therapy": {"interventions": list(interventions)}}


def cohort(data: dict, engine: str = "exact"):
    return simulate(scenario_from_data(data), num_patients=4, random_seed=11, engine=engine)


def same_tables(a, b) -> None:
    assert a.table_names == b.table_names
    for name in a.table_names:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@pytest.fixture(scope="module")
def untreated():
    return cohort(patient_data(None))


def test_an_empty_schedule_gives_the_cohort_without_therapy(untreated):
    assert untreated.patients.diagnosis_time.notna().sum() >= 2  # patients diagnosed, lesions to change
    same_tables(cohort(patient_data()), untreated)


def test_interventions_with_no_effect_give_the_cohort_without_therapy(untreated):
    neutral = patient_data(
        {**ENDOCRINE, "division_factor": 1.0, "reactivation_factor": 1.0},
        {"kind": "immunotherapy", "clearance_factor": 1.0, "start_days": 100.0, "duration_days": 300.0},
        {"kind": "anti_soil", "organ": "lung", "factor": 1.0, "relative_to": "diagnosis", "start_days": 30.0},
        {"kind": "host_pretreatment", "factor": 1.0},
        {"kind": "anti_angiogenic", "switch_factor": 1.0, "growth_factor": 1.0, "duration_days": 50.0,
         "rebound_factor": 1.0},
        {"kind": "bone_targeted", "factor": 1.0, "relative_to": "diagnosis"},
        hormone_sensitive=True,
    )
    same_tables(cohort(neutral), untreated)
    # and endocrine therapy that does act, on a clone that is not hormone-sensitive, changes nothing either
    same_tables(cohort(patient_data(ENDOCRINE)), untreated)
    # while on a hormone-sensitive clone it does act
    assert not cohort(patient_data(ENDOCRINE, hormone_sensitive=True)).equals(untreated, provenance=False)


def test_an_intervention_timed_from_diagnosis_starts_at_each_patients_own_diagnosis():
    lowered = lower(scenario_from_data(patient_data({**ENDOCRINE, "start_days": 30.0, "duration_days": 365.0},
                                                    hormone_sensitive=True)))
    run = engine_function("exact")
    starts = []
    for patient in range(6):
        own = patient_lowered(lowered, 11, patient)
        _, seen = run_patient(lowered, run, 11, patient)
        diagnosed = diagnosis_time(own)
        if np.isnan(seen.diagnosis_time):  # never seen, or dead before its first imaging
            assert own.epochs is None or diagnosed > seen.follow_up_time
            continue
        assert seen.diagnosis_time == diagnosed  # the number the observation plan reports
        np.testing.assert_array_equal(own.epochs.times, [diagnosed + 30.0, diagnosed + 395.0])
        starts.append(own.epochs.times[0])
    assert len(set(starts)) >= 2  # patients diagnosed at different times are treated at different times


def test_a_patient_never_diagnosed_gets_none_of_the_interventions_timed_from_diagnosis():
    lowered = lower(scenario_from_data(patient_data(
        {"kind": "surgery", "relative_to": "diagnosis"}, ENDOCRINE,
        {"kind": "immunotherapy", "clearance_factor": 3.0, "start_days": 100.0}, hormone_sensitive=True)))
    never = apply_therapy(lowered, np.nan)
    assert np.isinf(never.primary.removal_time)
    np.testing.assert_array_equal(never.epochs.times, [100.0])
    assert set(never.epochs.rate_multipliers["division_rate"].ravel()) == {1.0}
    diagnosed = apply_therapy(lowered, 650.0)
    assert diagnosed.primary.removal_time == 650.0
    np.testing.assert_array_equal(diagnosed.epochs.times, [100.0, 650.0])


def test_windows_in_force_together_multiply_and_a_rebound_follows_the_stop():
    lowered = lower(scenario_from_data(patient_data(
        {"kind": "anti_angiogenic", "start_days": 100.0, "duration_days": 200.0, "switch_factor": 0.1,
         "rebound_factor": 4.0, "rebound_days": 50.0},
        {"kind": "anti_angiogenic", "start_days": 200.0, "duration_days": 300.0, "switch_factor": 0.5})))
    treated = apply_therapy(lowered, np.nan)
    np.testing.assert_array_equal(treated.epochs.times, [100.0, 200.0, 300.0, 350.0, 500.0])
    factors = treated.epochs.rate_multipliers["switch_rate"][:, 0, 0]
    np.testing.assert_allclose(factors, [0.1, 0.05, 2.0, 0.5, 1.0])


def test_surgery_at_diagnosis_stops_shedding_from_then():
    """Lesions that never switch shed nothing, so after the primary's removal no cell enters the
    blood: the ledger's entered cells stop growing and the expected CTC count falls to 0."""
    quiet = {"division_rate": 0.2, "switch_rate": 0.0}
    scenario = scenario_from_data(patient_data({"kind": "surgery", "relative_to": "diagnosis"}, fates=quiet,
                                               varies=False))
    diagnosis = diagnosis_time(lower(scenario))
    assert diagnosis == 700.0

    def shed(run) -> pd.Series:  # cells that entered the circulation in each window, by its end
        ledger = run.ledger
        return ledger[(ledger.step == "transit") & (ledger.flow == "entered")].groupby("window_end")["count"].sum()

    run = simulate(scenario, random_seed=5)
    assert shed(run)[600.0] > 0 and shed(run)[700.0] > 0 and shed(run)[800.0] == 0
    ctc = run.ctc.set_index("time").expected
    assert ctc[650.0] > 0 and ctc[700.0] == ctc[750.0] == ctc[800.0] == 0
    untreated = simulate(scenario_from_data(patient_data(None, fates=quiet, varies=False)), random_seed=5)
    assert shed(untreated)[800.0] > 0 and untreated.ctc.set_index("time").expected[750.0] > 0


def test_endocrine_therapy_slows_division_in_hormone_sensitive_clones_only():
    """Two clones injected into the tail vein, one hormone-sensitive, endocrine therapy from time 0
    that stops division and reactivation: only the insensitive clone founds colonies."""
    data = {
        "name": "endocrine_assay", "anatomy": "mouse",
        "clones": {"sensitive": {"hormone_sensitive": True, "fates": {"division_rate": 0.5}},
                   "insensitive": {"fates": {"division_rate": 0.5}}},
        "injections": [{"clone": name, "vessel": "tail_vein", "num_cells": 2000}
                       for name in ("sensitive", "insensitive")],
        "observation_times": [3.0, 10.0],
        "therapy": {"interventions": [{"kind": "endocrine", "division_factor": 0.0, "reactivation_factor": 0.0}]},
    }
    lowered = apply_therapy(lower(scenario_from_data(data)), np.nan)
    rates = rates_in_force(lowered, epoch_at(lowered, 0.0))
    assert not rates["division_rate"][0].any() and not rates["reactivation_rate"][0].any()
    np.testing.assert_array_equal(rates["division_rate"][1], lowered.rates["division_rate"][1])
    counts = simulate(scenario_from_data(data), random_seed=3).observations
    last = counts[counts.time == 10.0].pivot_table(index="clone", columns="state", values="count", aggfunc="sum")
    founded = last[["dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus", "extinct"]].sum(axis=1)
    assert founded["sensitive"] == 0 and founded["insensitive"] > 0
    assert last.loc["sensitive", "solitary_dormant"] > 0  # spared, not killed: dormant cells wait


def test_host_pretreatment_acts_in_its_organ_only():
    data = patient_data({"kind": "host_pretreatment", "start_days": 10.0, "duration_days": 56.0, "factor": 4.0})
    lowered = apply_therapy(lower(scenario_from_data(data)), np.nan)
    rates = rates_in_force(lowered, epoch_at(lowered, 10.0))
    lung = lowered.organ_names.index("lung")
    others = np.arange(len(lowered.organ_names)) != lung
    assert rates["extravasation_rate"][0, lung] == 4.0 * lowered.rates["extravasation_rate"][0, lung]
    assert rates["vessel_death_rate"][0, lung] == lowered.rates["vessel_death_rate"][0, lung] / 4.0
    for name in ("extravasation_rate", "vessel_death_rate", "apoptosis_rate"):
        np.testing.assert_array_equal(rates[name][:, others], lowered.rates[name][:, others])
    assert epoch_at(lowered, 66.0) == 1 and rates_in_force(lowered, 1)["extravasation_rate"][0, lung] == (
        lowered.rates["extravasation_rate"][0, lung])


def test_the_reference_engine_refuses_a_therapy_before_it_runs(tmp_path, capsys):
    data = patient_data({"kind": "immunotherapy", "clearance_factor": 3.0, "start_days": 100.0}, varies=False)
    with pytest.raises(ScenarioError, match="therapy: the reference engine follows constant rates only"):
        simulate(scenario_from_data(data), random_seed=1, engine="reference")
    path = tmp_path / "treated.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["run", str(path), "--engine", "reference", "--out", str(tmp_path / "run")]) == 2
    assert "error: therapy: the reference engine follows constant rates only" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_change_at_time_0_is_in_force_from_the_start_and_splits_no_window():
    data = patient_data({"kind": "immunotherapy", "clearance_factor": 3.0}, varies=False)
    lowered = apply_therapy(lower(scenario_from_data(data)), np.nan)
    np.testing.assert_array_equal(lowered.epochs.times, [0.0])
    assert epoch_at(lowered, 0.0) == 0
    out = run_timeline(lowered, np.random.default_rng(2))
    assert [snap.time for snap in out.snapshots] == [500.0, 600.0, 700.0, 800.0]


SURGERY_AT_DIAGNOSIS = {"kind": "surgery", "relative_to": "diagnosis"}
CHEMOTHERAPY_AT_RELAPSE = {"kind": "chemotherapy", "relative_to": "first_metastasis", "cycles": 3, "log_kill": 2.0}


def imaged_at_observations(data: dict) -> dict:
    """``data`` observed at its imaging times, as therapy from the first metastasis needs."""
    return {**data, "observation_times": PLAN["imaging_times"]}


def test_an_intervention_timed_from_the_first_metastasis_starts_at_each_patients_own_relapse():
    operated = simulate(scenario_from_data(imaged_at_observations(patient_data(SURGERY_AT_DIAGNOSIS))),
                        num_patients=8, random_seed=11)
    scenario = scenario_from_data(imaged_at_observations(patient_data(SURGERY_AT_DIAGNOSIS, CHEMOTHERAPY_AT_RELAPSE)))
    treated, lowered = simulate(scenario, num_patients=8, random_seed=11), lower(scenario)
    before, after = operated.patients.set_index("patient"), treated.patients.set_index("patient")
    pd.testing.assert_series_equal(before.diagnosis_time, after.diagnosis_time)
    pd.testing.assert_series_equal(before.first_metastasis_time, after.first_metastasis_time)
    distant = operated.detections[operated.detections.organ != "lymph_nodes_regional"]
    relapse = distant.groupby("patient").detection_time.min()
    assert relapse.notna().sum() >= 3  # patients treated at relapse, at different times
    assert relapse.nunique() >= 2
    for patient in before.index:
        time = relapse.get(patient, np.nan)
        if np.isnan(time):  # never treated: the same patient
            pd.testing.assert_series_equal(before.loc[patient], after.loc[patient])
            continue
        own = resolved(patient_drawn(lowered, 11, patient), time)
        np.testing.assert_array_equal(own.kills.times, time + 21.0 * np.arange(3))

        def seen_by_relapse(detections):
            rows = detections[(detections.patient == patient) & (detections.reach_time <= time)]
            return rows.reset_index(drop=True)
        pd.testing.assert_frame_equal(seen_by_relapse(operated.detections), seen_by_relapse(treated.detections))
    dies, died = after.death_time.fillna(np.inf), before.death_time.fillna(np.inf)
    assert (dies >= died).all() and (dies > died).any()  # the kills only ever delay death here


def test_therapy_from_the_first_metastasis_needs_every_imaging_to_end_a_window():
    with pytest.raises(ScenarioError, match=r"therapy.interventions.0.relative_to: 'first_metastasis' needs every "
                                            r"observation.imaging_times among observation_times.*550"):
        scenario_from_data(patient_data(CHEMOTHERAPY_AT_RELAPSE))


def test_a_symptomatic_diagnosis_ends_a_window_where_therapy_waits_for_a_metastasis_its_staging_may_see():
    """Its staging imaging may see the first metastasis, and the rerun that treats from it must draw
    what the first run drew up to then: both runs end a window there (as every symptomatic
    diagnosis does, where the N stage is read: ``observation.n_stage``)."""
    symptomatic = {**PLAN, "screening": False, "symptom_rate_per_cm3_year": 1.0}
    waiting = {**imaged_at_observations(patient_data(CHEMOTHERAPY_AT_RELAPSE)), "observation": symptomatic}
    untreated = {name: value for name, value in waiting.items() if name != "therapy"}
    for data in (waiting, untreated):
        drawn = patient_drawn(lower(scenario_from_data(data)), 5, 0)
        diagnosed = diagnosis_time(resolved(drawn))
        assert 500.0 < diagnosed < 800.0 and diagnosed not in PLAN["imaging_times"]
        for relapse in (np.nan, diagnosed):
            assert diagnosed in step_ends(resolved(drawn, relapse))

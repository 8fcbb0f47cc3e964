"""A patient run with an observation plan: clinical tables from real lesions, reproducible on a stream
apart from the engine's, consistent with the engine's lesion sizes, and the same in a cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metacascade import load_results, replay, simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import lower
from metacascade.engine.observation import lesion_sizes
from metacascade.engine.outcome import Lesions
from metacascade.results.clinical import CLINICAL_TABLES

ENGINE_TABLES = ("observations", "burden", "ledger", "lesions")
PLAN = {"imaging_times": [550.0, 600.0, 650.0, 700.0, 750.0, 800.0], "draw_times": [600.0, 700.0, 800.0],
        "lethal_burden_cells": 3e10}


def patient_data(observation=PLAN) -> dict:
    """A breast primary (1e9 cells at 691 days) shedding few cells into fast-switching lesions."""
    data = {
        "name": "observed_patient", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, "fates": {"division_rate": 0.2, "clearance_rate": 0.1,
                                                        "switch_rate": 0.05, "gompertz_rate": 0.005}}},
        "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.03},
                    "shedding_rate_per_g_day": 300.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0}},
        "observation_times": [500.0, 600.0, 700.0, 800.0],
    }
    return data if observation is None else {**data, "observation": observation}


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_data(patient_data())


@pytest.fixture(scope="module")
def run(scenario):
    return simulate(scenario, random_seed=11)


def test_a_patient_is_diagnosed_staged_and_dies_within_follow_up(run):
    run.check()
    row = run.patients.iloc[0]
    assert row.diagnosis_time == 700.0  # the primary holds 1e9 cells at ln(1e9)/0.03 = 690.8 days
    assert row.n_stage in ("N0", "N+")
    assert row.death_cause == "lethal_burden" and row.follow_up_time == row.death_time < 800.0
    assert len(run.detections) > 0 and set(run.detections.lesion) <= set(run.lesions.lesion)
    assert set(run.ctc.time) == {t for t in PLAN["draw_times"] if t <= row.death_time}
    autopsy = run.autopsy.set_index("organ")
    assert autopsy.loc["lung", "involved"] and not autopsy["censored"].any()


def test_the_curves_match_the_lesion_sizes_the_engine_reports(run, scenario):
    lowered = lower(scenario)
    table = run.lesions
    records = Lesions(
        clone=np.zeros(len(table), dtype=np.int64), organ=np.array([lowered.organ_names.index(o) for o in table.organ]),
        tracked_time=table.tracked_time.to_numpy(), bound_time=table.bound_time.to_numpy(),
        switch_time=table.switch_time.to_numpy(), regression_time=table.regression_time.to_numpy(),
        size=table.filter(like="size_t").to_numpy(),
    )
    sizes = lesion_sizes(lowered, records, lowered.observation_times).T
    after_bound = lowered.observation_times >= records.bound_time[:, None]
    assert after_bound.sum() > 100
    np.testing.assert_allclose(sizes[after_bound], records.size[after_bound], rtol=1e-12)


def test_observing_shifts_no_engine_draw_and_replays_identically(run, scenario, tmp_path):
    unobserved = simulate(scenario_from_data(patient_data(observation=None)), random_seed=11)
    for name in ENGINE_TABLES:
        pd.testing.assert_frame_equal(getattr(unobserved, name), getattr(run, name), check_exact=True)
    assert all(len(getattr(unobserved, name)) == 0 for name in CLINICAL_TABLES)
    assert replay(run).equals(run)
    assert load_results(run.write(tmp_path / "run")).equals(run)


def test_a_cohort_patient_is_the_patient_run_alone(scenario):
    cohort = simulate(scenario, num_patients=2, random_seed=11, detail="full")
    cohort.check()
    assert list(cohort.patients.patient) == [0, 1]
    alone = simulate(scenario, random_seed=11, patient=1)
    for name in CLINICAL_TABLES:
        pd.testing.assert_frame_equal(cohort.patient(1).tables()[name], alone.tables()[name], check_exact=True)

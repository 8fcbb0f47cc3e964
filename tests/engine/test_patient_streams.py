"""Patients of a cohort draw their own primary (``engine.patient.patient_lowered``) on a stream apart from
the engine's: no variation changes nothing, and the same seed gives the same patients whatever the
chunk size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metacascade import simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import lower
from metacascade.engine.variation import draw_primary
from metacascade.results import TABLES
from metacascade.engine.patient import patient_lowered, variation_seed_sequence

SEED = 31
NUM_PATIENTS = 6
VARIED = {"growth_rate_cv": 0.3, "shedding_rate_cv": 1.0, "clone_mix_concentration": 4.0}


def small_patient(variation=None):
    """Two clones shed by a breast primary, ~100 cells by day 800: fast enough for cohorts."""
    primary = {
        "site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.02},
        "shedding_rate_per_g_day": 320.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 0.7, "B": 0.3},
    }
    if variation is not None:
        primary["variation"] = variation
    clone = {"diameter_um": 12.0, "fates": {"division_rate": 0.2, "clearance_rate": 0.2}}
    return scenario_from_data({
        "name": "small_varied_patient", "anatomy": "human_adult", "clones": {"A": clone, "B": clone},
        "primary": primary, "observation_times": [700.0, 800.0],
    })


def assert_same_tables(one, other):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name), check_exact=True)


@pytest.fixture(scope="module")
def varied():
    return simulate(small_patient(VARIED), num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=NUM_PATIENTS,
                    detail="full")


def test_without_variation_patients_run_on_the_scenario_itself():
    lowered = lower(small_patient())
    assert patient_lowered(lowered, SEED, 3) is lowered
    stated = simulate(small_patient({"growth_rate_cv": 0, "shedding_rate_cv": 0}), num_patients=3, random_seed=SEED,
                      detail="full")
    assert_same_tables(stated, simulate(small_patient(), num_patients=3, random_seed=SEED, detail="full"))


def test_patient_parameters_come_from_their_own_stream():
    lowered = lower(small_patient(VARIED))
    patient = patient_lowered(lowered, SEED, 4)
    expected = draw_primary(lowered.primary, np.random.default_rng(variation_seed_sequence(SEED, 4)))
    assert patient.primary.rate == expected.rate != lowered.primary.rate
    np.testing.assert_array_equal(patient.primary.clone_share, expected.clone_share)
    assert patient.routing is lowered.routing  # only the primary differs, and its metastases' pace
    assert all(patient.rates[name] is lowered.rates[name] for name in lowered.rates if name != "gompertz_rate")
    others = {patient_lowered(lowered, SEED, p).primary.rate for p in range(NUM_PATIENTS)}
    assert len(others) == NUM_PATIENTS  # every patient its own


def test_variation_changes_what_the_same_engine_streams_produce(varied):
    nominal = simulate(small_patient(), num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=NUM_PATIENTS,
                       detail="full")
    shed = [
        cohort.ledger.query("step == 'transit' and flow == 'entered'").groupby("patient")["count"].sum()
        for cohort in (varied, nominal)
    ]
    assert not shed[0].equals(shed[1])


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_same_seed_gives_the_same_varied_patients_whatever_the_chunk_size(varied, chunk_size):
    other = simulate(small_patient(VARIED), num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=chunk_size,
                     detail="full")
    assert_same_tables(other, varied)


def test_a_varied_patient_alone_is_the_cohort_patient(varied):
    alone = simulate(small_patient(VARIED), random_seed=SEED, patient=2)
    assert alone.equals(varied.patient(2))

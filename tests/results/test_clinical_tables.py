"""Clinical tables (patients, detections, ctc, autopsy) from hand-written observations: their rows,
fixed schemas when empty, the invariants they obey, and the write/load round trip (one run and cohort)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from outcome_builders import ORGANS, hand_lowered, hand_outcome, hand_provenance

from metacascade import Results, load_cohort, load_results
from metacascade.engine.observation import PatientObservations
from metacascade.results.database import write_catalogue
from metacascade.results.chunks import arrow_table, run_identity, write_chunk, write_json_atomic
from metacascade.results.clinical import CLINICAL_TABLES
from metacascade.results.results import outcome_tables

NAN = np.nan


def hand_observations(**changes) -> PatientObservations:
    """Died of the liver's limit at 4.5 days; lesion 1 (switched at 4.0) seen on the imaging at 4.5."""
    fields = dict(
        follow_up_time=4.5, death_time=4.5, death_cause="organ_limit", death_organ=ORGANS.index("liver"),
        primary_reach_time=1.5, diagnosis_time=2.0, diagnosis_mode="screening", primary_cells_at_diagnosis=3e9,
        n_stage="N+", stage="regional",
        age_at_start=61.0, sex="female",
        lesion_reach_time=np.array([NAN, 4.2]), lesion_detection_time=np.array([NAN, 4.5]),
        draw_times=np.array([1.0, 3.0]), ctc_expected=np.array([[0.5], [2.0]]), ctc_count=np.array([[1], [3]]),
        macrometastases=np.array([0, 1]), metastatic_cells=np.array([0.0, 5e4]),
    )
    return PatientObservations(**{**fields, **changes})


@pytest.fixture
def observed_results() -> Results:
    return Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance(), hand_observations())


def test_the_clinical_tables_hold_what_was_observed(observed_results):
    patients = observed_results.patients
    assert patients.to_dict("records") == [{
        "diagnosis_time": 2.0, "diagnosis_mode": "screening", "primary_reach_time": 1.5,
        "primary_cells_at_diagnosis": 3e9, "n_stage": "N+",
        "stage": "regional", "first_metastasis_time": 4.5, "death_time": 4.5, "death_cause": "organ_limit",
        "death_organ": "liver", "follow_up_time": 4.5, "age_at_start": 61.0, "sex": "female",
    }]
    assert observed_results.detections.to_dict("records") == [
        {"lesion": 1, "clone": "A", "organ": "liver", "reach_time": 4.2, "detection_time": 4.5}
    ]
    assert observed_results.ctc.to_dict("records") == [
        {"time": 1.0, "clone": "A", "expected": 0.5, "count": 1}, {"time": 3.0, "clone": "A", "expected": 2.0, "count": 3},
    ]
    assert observed_results.autopsy.to_dict("records") == [
        {"organ": "lung", "macrometastases": 0, "involved": False, "metastatic_cells": 0.0, "censored": False},
        {"organ": "liver", "macrometastases": 1, "involved": True, "metastatic_cells": 5e4, "censored": False},
    ]
    observed_results.check()


def test_without_a_plan_the_clinical_tables_are_empty_with_the_same_columns(observed_results, hand_results):
    for name in CLINICAL_TABLES:
        empty, full = getattr(hand_results, name), getattr(observed_results, name)
        assert len(empty) == 0 and len(full) > 0
        pd.testing.assert_series_equal(empty.dtypes, full.dtypes)
        assert arrow_table(empty).schema.equals(arrow_table(full).schema)


def test_a_patient_alive_at_the_end_is_censored_with_no_cause():
    alive = hand_observations(follow_up_time=5.0, death_time=NAN, death_cause="", death_organ=-1, n_stage="")
    results = Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance(), alive)
    row = results.patients.iloc[0]
    assert np.isnan(row.death_time) and row.death_cause == "" and row.death_organ == "" and row.n_stage == ""
    assert results.autopsy["censored"].all()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"diagnosis_time": 4.8}, "events after the end of follow-up"),
        ({"lesion_detection_time": np.array([NAN, 4.0])}, "seen before they reach the threshold"),
        ({"ctc_count": np.array([[1], [-3]])}, "ctc: 1 negative value"),
    ],
)
def test_impossible_observations_fail_the_invariants(changes, message):
    results = Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance(), hand_observations(**changes))
    with pytest.raises(ValueError, match=message):
        results.check()


def test_observed_results_write_and_load_identically(observed_results, tmp_path):
    loaded = load_results(observed_results.write(tmp_path / "observed"))
    for name in CLINICAL_TABLES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(observed_results, name), check_exact=True)
    assert loaded.equals(observed_results)


def test_an_observed_cohort_writes_chunks_queries_and_splits_by_patient(observed_results, tmp_path):
    records = [hand_observations(), hand_observations(death_time=NAN, death_cause="", death_organ=-1, follow_up_time=5.0)]
    tables = outcome_tables([hand_outcome()] * 3, hand_lowered(), [0, 1, 2], [records[0], records[1], records[0]])
    provenance = {**hand_provenance(), "num_patients": 3, "chunk_size": 2}
    directory = tmp_path / "cohort"
    directory.mkdir()
    write_json_atomic(provenance, directory / "provenance.json")
    for chunk, patients in enumerate(([0, 1], [2])):
        write_chunk(directory, chunk, {name: frame[frame.patient.isin(patients)] for name, frame in tables.items()},
                    run_identity(provenance))
    write_catalogue(directory, provenance)
    cohort = load_cohort(directory)
    cohort.check()
    for name in CLINICAL_TABLES:
        pd.testing.assert_frame_equal(getattr(cohort, name), tables[name], check_exact=True)
    deaths = cohort.query("select patient, death_cause from patients where death_time is not null order by patient")
    assert deaths.to_dict("list") == {"patient": [0, 2], "death_cause": ["organ_limit", "organ_limit"]}
    involved = cohort.query("select organ, count(*) as n from autopsy where involved and not censored group by organ")
    assert involved.to_dict("records") == [{"organ": "liver", "n": 2}]
    assert cohort.patient(2).equals(observed_results, provenance=False)

"""Cohort run directories: fixed, compact chunk schemas, atomic chunk files, the DuckDB catalogue,
resume checks."""

from __future__ import annotations

import json
import shutil

import duckdb
import pandas as pd
import pytest
from outcome_builders import hand_lowered, hand_outcome, hand_provenance

from metacascade import Results, load_cohort
from metacascade.results import TABLES
from metacascade.results import chunks
from metacascade.results.database import write_catalogue
from metacascade.results.chunks import (
    arrow_table,
    chunk_done,
    chunk_path,
    chunk_patients,
    mismatches,
    missing_chunks,
    num_chunks,
    run_identity,
    write_chunk,
    write_json_atomic,
)
from metacascade.results.cohort import Cohort
from metacascade.results.detail import summary_types
from metacascade.results.invariants import entered_cells


def hand_cohort_tables(num_patients: int) -> dict[str, pd.DataFrame]:
    """``num_patients`` copies of the hand-built outcome, with a leading patient column."""
    tables = Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance()).tables()
    return {
        name: pd.concat([frame.assign(patient=p)[["patient", *frame.columns]] for p in range(num_patients)],
                        ignore_index=True)
        for name, frame in tables.items()
    }


def hand_cohort_provenance(num_patients: int, chunk_size: int) -> dict:
    return {**hand_provenance(), "num_patients": num_patients, "chunk_size": chunk_size}


def write_hand_cohort(directory, num_patients=3, chunk_size=2):
    tables = hand_cohort_tables(num_patients)
    provenance = hand_cohort_provenance(num_patients, chunk_size)
    directory.mkdir()
    write_json_atomic(provenance, directory / "provenance.json")
    for chunk in range(num_chunks(num_patients, chunk_size)):
        patients = list(chunk_patients(chunk, num_patients, chunk_size))
        write_chunk(directory, chunk, {name: frame[frame.patient.isin(patients)] for name, frame in tables.items()},
                    run_identity(provenance))
    write_catalogue(directory, provenance)
    return tables


def test_chunks_of_patients():
    assert num_chunks(10, 3) == 4 and num_chunks(9, 3) == 3
    assert [list(chunk_patients(k, 10, 3)) for k in range(4)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_an_empty_chunk_has_the_schema_of_a_full_one():
    lesions = hand_cohort_tables(2)["lesions"]
    assert arrow_table(lesions.iloc[:0]).schema.equals(arrow_table(lesions).schema)
    assert str(arrow_table(lesions).schema.field("organ").type) == "string"
    summary = summary_types({"lesions": lesions})["lesions"]  # float32 event times at the summary level
    assert arrow_table(summary.iloc[:0]).schema.equals(arrow_table(summary).schema)
    assert [str(arrow_table(summary).schema.field(name).type) for name in ("tracked_time", "bound_time")] == [
        "double", "float"]


def test_chunk_files_are_zstd_compressed_with_the_run_identity_and_no_pandas_metadata(tmp_path):
    import pyarrow.parquet as pq

    tables = hand_cohort_tables(2)
    run = run_identity(hand_cohort_provenance(2, 2))
    assert set(run) == {"version", "engine", "random_seed", "num_patients", "chunk_size", "detail", "scenario_sha256"}
    write_chunk(tmp_path, 0, tables, run)
    for name in TABLES:
        parquet = pq.ParquetFile(tmp_path / name / "chunk-00000.parquet")
        assert list(parquet.schema_arrow.metadata) == [b"metacascade"]
        assert json.loads(parquet.schema_arrow.metadata[b"metacascade"]) == {**run, "chunk": 0, "table": name}
        assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / name), tables[name], check_exact=True)


def test_a_hand_built_cohort_round_trips_and_checks(tmp_path):
    tables = write_hand_cohort(tmp_path / "run")
    cohort = load_cohort(tmp_path / "run")
    assert cohort.detail == "full"  # a provenance without an output level: written before there were levels
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(cohort, name), tables[name], check_exact=True)
    cohort.check()
    assert cohort.patient(2).equals(Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance()),
                                    provenance=False)
    assert cohort.query("select count(distinct patient) as n from lesions")["n"].item() == 3


def test_chunk_files_are_small_and_keep_the_runs_identity(tmp_path):
    import pyarrow.parquet as pq

    run = run_identity(hand_cohort_provenance(1, 1))
    write_chunk(tmp_path, 0, hand_cohort_tables(1), run)
    checked = []
    for name in TABLES:
        path = chunk_path(tmp_path, name, 0)
        metadata = pq.ParquetFile(path).metadata
        assert set(metadata.metadata) == {b"metacascade"}  # no pandas metadata, no Arrow schema
        assert json.loads(metadata.metadata[b"metacascade"]) == {**run, "chunk": 0, "table": name}
        if metadata.num_rows == 0:
            continue  # the clinical tables of an assay
        checked.append(name)
        columns = metadata.row_group(0)
        for i in range(columns.num_columns):
            column = columns.column(i)
            dictionary = any("DICTIONARY" in encoding for encoding in column.encodings)
            assert column.compression == "ZSTD"
            assert dictionary == (column.physical_type == "BYTE_ARRAY"), (name, column.path_in_schema)  # strings
            assert column.is_stats_set == (column.path_in_schema == "patient"), (name, column.path_in_schema)
            if column.path_in_schema in ("patient", "lesion"):  # ids that count up
                assert "DELTA_BINARY_PACKED" in column.encodings, (name, column.path_in_schema)
            if column.path_in_schema.endswith("_time"):
                assert "BYTE_STREAM_SPLIT" in column.encodings, (name, column.path_in_schema)
    assert {"observations", "ledger", "lesions"} <= set(checked)


def test_a_failed_chunk_write_leaves_no_file(tmp_path, monkeypatch):
    tables = hand_cohort_tables(1)
    calls = []
    original = chunks.write_parquet

    def failing(table, where, metadata):
        calls.append(where)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        original(table, where, metadata)

    monkeypatch.setattr(chunks, "write_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        write_chunk(tmp_path, 0, tables, run_identity(hand_cohort_provenance(1, 1)))
    assert not chunk_done(tmp_path, 0, TABLES)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        "observations/chunk-00000.parquet"
    ]
    assert missing_chunks(tmp_path, hand_cohort_provenance(1, 1)) == [0]


def test_the_catalogue_can_be_rebuilt_after_moving_the_directory(tmp_path):
    write_hand_cohort(tmp_path / "run")
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "run", moved)
    cohort = load_cohort(moved)
    assert cohort.query("select count(*) as n from observations")["n"].item() == len(cohort.observations)
    write_catalogue(moved, cohort.provenance)
    connection = duckdb.connect(str(moved / "catalogue.duckdb"), read_only=True)
    try:
        assert connection.execute("select count(distinct patient) from ledger").fetchone() == (3,)
    finally:
        connection.close()


def test_mismatches_name_what_differs():
    ours = hand_cohort_provenance(4, 2)
    assert mismatches(ours, dict(ours, created="later", environment={})) == []
    theirs = dict(ours, random_seed=9, detail="summary", scenario=dict(ours["scenario"], observation_times=[1.0]))
    assert mismatches(dict(ours, detail="full"), theirs) == [
        "random_seed: 0 there, 9 asked", "detail: 'full' there, 'summary' asked",
        "scenario: the resolved scenarios differ in observation_times",
    ]


def test_entered_cells_by_patient_match_one_run_at_a_time():
    tables = hand_cohort_tables(2)
    by_patient = entered_cells(tables["ledger"], (1.0, 5.0), ("A",), by=("patient",))
    single = Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance()).entered()
    for patient in (0, 1):
        pd.testing.assert_series_equal(by_patient.xs(patient, level="patient"), single)


def test_a_cohort_needs_tables_or_a_directory():
    with pytest.raises(ValueError, match="either"):
        Cohort(provenance=hand_cohort_provenance(1, 1))

"""Cohorts: independent patients on per-patient streams; same seed -> same cohort whatever the chunk
size; Parquet chunks + DuckDB catalogue; resumable runs; every patient conserves cells."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import metacascade
from metacascade import Cohort, Results, load_cohort, replay, simulate
from metacascade import cohort as cohort_module
from metacascade.catalog import scenario_from_data
from metacascade.engine.assay import simulate_assay
from metacascade.engine.lower import lower
from metacascade.results import TABLES
from metacascade.results.chunks import chunk_files, chunk_path
from metacascade.results.tables import STATES

SEED = 20240607
NUM_PATIENTS = 10
ASSAY = Path(__file__).resolve().parent / "data" / "valid" / "small_liver_assay.yaml"


def small_patient(**extra):
    """A breast primary shedding ~130 cells by day 800: fast enough for cohorts in unit tests."""
    return scenario_from_data({
        "name": "small_breast_patient", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, "fates": {"division_rate": 0.2, "clearance_rate": 0.2}}},
        "primary": {
            "site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.02},
            "shedding_rate_per_g_day": 320.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0},
        },
        "observation_times": [700.0, 730.0, 800.0], **extra,
    })


@pytest.fixture(scope="module")
def scenario():
    return small_patient()


@pytest.fixture(scope="module")
def cohort(scenario):
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=NUM_PATIENTS)


@pytest.fixture(scope="module")
def written(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "run"
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)


@pytest.fixture(scope="module")
def assays():
    """Repeated small liver assays: every fate happens, macrometastases included."""
    return simulate(ASSAY, num_patients=6, random_seed=3, chunk_size=4)


def assert_same_tables(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_one_patient_without_out_is_a_single_run_as_before(scenario):
    results = simulate(scenario, random_seed=5)
    assert isinstance(results, Results)
    assert results.equals(simulate(scenario, num_patients=1, random_seed=5))
    assert "patient" not in results.provenance and "num_patients" not in results.provenance
    rng = np.random.default_rng(np.random.SeedSequence(5))  # the root stream, unchanged
    assert results.equals(Results.from_outcome(simulate_assay(lower(scenario), rng), lower(scenario),
                                               results.provenance))


def test_tables_have_a_leading_patient_column(cohort):
    assert isinstance(cohort, Cohort) and cohort.num_patients == NUM_PATIENTS
    for name in TABLES:
        frame = getattr(cohort, name)
        assert frame.columns[0] == "patient" and frame["patient"].dtype == np.int64
        assert frame["patient"].is_monotonic_increasing
    assert sorted(set(cohort.observations.patient)) == list(range(NUM_PATIENTS))
    entered = cohort.ledger.query("step == 'transit' and flow == 'entered'").groupby("patient")["count"].sum()
    assert entered.nunique() > 1  # patients are independent draws, not copies


@pytest.mark.parametrize("chunk_size", [1, 3])
def test_same_seed_gives_the_same_cohort_whatever_the_chunk_size(scenario, cohort, chunk_size):
    other = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=chunk_size)
    assert_same_tables(other, cohort)
    assert other.provenance["chunk_size"] == chunk_size


def test_a_written_cohort_reads_back_identical(cohort, written):
    assert written.directory is not None and written.chunk_size == 3
    assert [p.name for p in chunk_files(written.directory, "ledger")] == [f"chunk-0000{k}.parquet" for k in range(4)]
    assert_same_tables(load_cohort(written.directory), cohort)


def test_patient_streams_do_not_depend_on_the_number_of_patients(scenario, cohort):
    fewer = simulate(scenario, num_patients=4, random_seed=SEED, chunk_size=3)
    for name in TABLES:
        first = getattr(cohort, name)
        pd.testing.assert_frame_equal(getattr(fewer, name), first[first.patient < 4], check_exact=True)


@pytest.mark.parametrize("patient", [0, 7])
def test_a_patient_is_the_one_patient_run_on_its_stream(scenario, cohort, written, patient):
    alone = simulate(scenario, random_seed=SEED, patient=patient)
    assert alone.equals(cohort.patient(patient))  # provenance too, creation time aside
    assert alone.equals(written.patient(patient))  # read from its chunk
    assert replay(cohort.patient(patient)).equals(alone)
    # by hand: the engine on SeedSequence(seed, spawn_key=(patient,))
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(patient,)))
    by_hand = Results.from_outcome(simulate_assay(lower(scenario), rng), lower(scenario), alone.provenance)
    assert by_hand.equals(alone)


def test_every_patient_conserves_cells(cohort, written, assays):
    cohort.check()
    written.check()  # chunk by chunk
    assays.check()
    for patient in (0, 5):
        assays.patient(patient).check()


def test_a_patient_that_loses_a_cell_is_caught(cohort):
    ledger = cohort.ledger.copy()
    row = ledger.index[(ledger.patient == 6) & (ledger.flow == "remaining") & (ledger["count"] > 0)][0]
    ledger.loc[row, "count"] += 1
    broken = Cohort(provenance=cohort.provenance, tables={**cohort.tables(), "ledger": ledger})
    with pytest.raises(ValueError, match="do not conserve cells") as caught:
        broken.check()
    assert "patient" in str(caught.value)
    with pytest.raises(ValueError, match="do not conserve cells"):
        broken.patient(6).check()
    broken.patient(5).check()


def test_provenance_records_the_cohort(scenario, cohort, written):
    provenance = cohort.provenance
    assert provenance["random_seed"] == SEED and provenance["num_patients"] == NUM_PATIENTS
    assert provenance["chunk_size"] == NUM_PATIENTS and provenance["engine"] == "exact"
    assert provenance["version"] == metacascade.__version__
    assert provenance["scenario"] == scenario.resolved()
    assert provenance["call"] == {"verb": "simulate", "scenario": "small_breast_patient", "random_seed": SEED,
                                  "engine": "exact", "num_patients": NUM_PATIENTS, "chunk_size": NUM_PATIENTS}
    assert written.provenance["chunk_size"] == 3
    assert (written.directory / "provenance.json").is_file()


def test_a_drawn_seed_is_recorded_and_the_cohort_replays(scenario):
    cohort = simulate(scenario, num_patients=3)
    assert isinstance(cohort.random_seed, int) and cohort.random_seed >= 0
    assert replay(cohort).equals(cohort)


def test_the_catalogue_answers_sql_like_pandas(written):
    catalogue = written.directory / "catalogue.duckdb"
    assert written.catalogue == catalogue and catalogue.is_file()
    connection = duckdb.connect(str(catalogue), read_only=True)
    try:
        sql = "select organ, state, sum(count) as founders from observations where time = 800 group by all"
        from_file = connection.execute(sql).df()
        run = connection.execute("select scenario, num_patients, chunk_size from provenance").fetchall()
    finally:
        connection.close()
    assert run == [("small_breast_patient", NUM_PATIENTS, 3)]
    obs = written.observations
    expected = obs[obs.time == 800].groupby(["organ", "state"])["count"].sum()
    got = from_file.set_index(["organ", "state"])["founders"].astype("int64")
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    lesions = "select patient, count(*) as n from lesions group by patient order by patient"
    pd.testing.assert_frame_equal(written.query(lesions), load_cohort(written.directory).query(lesions))


def test_in_memory_and_written_cohorts_answer_the_same_sql(cohort, written):
    sql = "select patient, time, sum(count) as founders from observations group by all order by all"
    pd.testing.assert_frame_equal(cohort.query(sql), written.query(sql))


def test_summary_means_and_macromet_share(assays):
    summary = assays.summary()
    obs = assays.observations
    per_patient = obs.groupby(["patient", "time", "state"])["count"].sum()
    mean = per_patient.groupby(["time", "state"]).sum().unstack("state") / assays.num_patients
    np.testing.assert_allclose(summary[list(STATES)].to_numpy(), mean[list(STATES)].to_numpy())
    np.testing.assert_allclose(summary["entered"], 2000.0)  # every assay injects 2000 cells
    macro = per_patient.xs("macromet", level="state").gt(0).groupby("time").mean()
    np.testing.assert_allclose(summary["with_macromet"].to_numpy(), macro.to_numpy())
    assert summary["with_macromet"].iloc[-1] > 0 and summary["with_macromet"].iloc[0] == 0


def test_an_interrupted_run_resumes_with_the_chunks_not_yet_written(scenario, cohort, tmp_path, monkeypatch):
    out = tmp_path / "run"
    original = cohort_module.write_chunk
    calls = []

    def interrupted(directory, chunk, tables):
        calls.append(chunk)
        if len(calls) == 3:
            (directory / "ledger" / ".chunk-00002.parquet.deadbeef.tmp").write_bytes(b"half")
            raise KeyboardInterrupt
        original(directory, chunk, tables)

    monkeypatch.setattr(cohort_module, "write_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)
    with pytest.raises(FileNotFoundError, match="2 of 4 chunks"):
        load_cohort(out)
    assert not (out / "catalogue.duckdb").exists()
    kept = chunk_path(out, "observations", 1).stat()

    calls.clear()
    monkeypatch.setattr(cohort_module, "write_chunk", lambda *args: (calls.append(args[1]), original(*args)))
    resumed = simulate(scenario, num_patients=NUM_PATIENTS, chunk_size=3, out=out)  # the recorded seed
    assert calls == [2, 3]
    assert chunk_path(out, "observations", 1).stat().st_mtime_ns == kept.st_mtime_ns
    assert not list(out.rglob("*.tmp"))
    assert resumed.random_seed == SEED
    assert_same_tables(resumed, cohort)
    calls.clear()
    simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)
    assert calls == []  # complete: nothing to do


@pytest.mark.parametrize(
    "change, message",
    [({"random_seed": SEED + 1}, "random_seed"), ({"num_patients": 4}, "num_patients"),
     ({"chunk_size": 2}, "chunk_size"), ({"engine": "reference"}, "engine")],
)
def test_a_directory_holding_another_cohort_is_refused(scenario, written, change, message):
    arguments = {"num_patients": NUM_PATIENTS, "random_seed": SEED, "chunk_size": 3, **change}
    with pytest.raises(FileExistsError, match=f"different cohort.*{message}.*overwrite=True"):
        simulate(scenario, out=written.directory, **arguments)


def test_another_scenario_is_refused_and_overwrite_replaces(tmp_path):
    out = tmp_path / "run"
    simulate(small_patient(), num_patients=2, random_seed=1, out=out)
    other = small_patient(paravertebral_route=True)
    with pytest.raises(FileExistsError, match="scenarios differ in paravertebral_route"):
        simulate(other, num_patients=2, random_seed=1, out=out)
    replaced = simulate(other, num_patients=2, random_seed=1, out=out, overwrite=True)
    assert load_cohort(out).scenario["paravertebral_route"] is True and replaced.num_patients == 2


def test_directories_that_are_not_cohorts_are_left_alone(scenario, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match="holds no metacascade run"):
            simulate(scenario, num_patients=2, random_seed=1, out=foreign, overwrite=overwrite)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    single = simulate(scenario, random_seed=1).write(tmp_path / "single")
    with pytest.raises(FileExistsError, match="single run, not a cohort"):
        simulate(scenario, num_patients=2, random_seed=1, out=single)
    with pytest.raises(FileNotFoundError, match="not a metacascade cohort directory"):
        load_cohort(single)


def test_worker_processes_give_the_same_cohort(scenario, cohort, tmp_path):
    parallel = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=4, num_workers=2,
                        out=tmp_path / "run")
    assert_same_tables(parallel, cohort)


def test_progress_bar_goes_to_stderr(scenario, capsys):
    simulate(scenario, num_patients=2, random_seed=1, progress=True)
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "patients" in captured.err and captured.out == ""


@pytest.mark.parametrize(
    "arguments, message",
    [({"num_patients": 0}, "num_patients"), ({"num_patients": 2, "chunk_size": 0}, "chunk_size"),
     ({"num_patients": 2, "num_workers": 0}, "num_workers"), ({"num_patients": 2, "patient": 1}, "patient"),
     ({"patient": -1}, "patient")],
)
def test_bad_cohort_arguments_are_refused(scenario, arguments, message):
    with pytest.raises(ValueError, match=message):
        simulate(scenario, random_seed=1, **arguments)


def test_patients_out_of_range_are_refused(cohort):
    with pytest.raises(IndexError, match="0 .. 9"):
        cohort.patient(NUM_PATIENTS)

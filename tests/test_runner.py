"""Cohorts: independent patients on per-patient streams; same seed -> same cohort whatever the chunk
size; Parquet chunks + DuckDB catalogue; resumable runs; every patient conserves cells; the summary
output level holds the full level's tables summed or cut down, exactly."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import metacascade
from metacascade import Cohort, Results, load_cohort, replay, simulate
from metacascade import runner
from metacascade.catalog import scenario_from_data
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower
from metacascade.results import TABLES
from metacascade.results.chunks import chunk_files, chunk_path
from metacascade.results.detail import CHUNK_TABLES, SUMMARY_FLOAT32, SUMMARY_TABLES
from metacascade.results.ledger import LEDGER_COLUMNS
from metacascade.results.readouts import LEDGER_STATES
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
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=NUM_PATIENTS, detail="full")


@pytest.fixture(scope="module")
def written(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "run"
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out, detail="full")


@pytest.fixture(scope="module")
def full_by_3(scenario):
    """The full cohort in chunks of 3, held in memory (``written`` is the same on disk)."""
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, detail="full")


@pytest.fixture(scope="module")
def summary(scenario, tmp_path_factory):
    """The same patients at the default output level, written in chunks of 3."""
    out = tmp_path_factory.mktemp("summary") / "run"
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)


@pytest.fixture(scope="module")
def assays():
    """Repeated small liver assays: every fate happens, macrometastases included."""
    return simulate(ASSAY, num_patients=6, random_seed=3, chunk_size=4, detail="full")


def assert_same_tables(a, b) -> None:
    assert a.table_names == b.table_names
    for name in a.table_names:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def summed_by_chunk(ledger: pd.DataFrame, chunk_size: int) -> pd.DataFrame:
    """A cohort's per-patient ``ledger`` summed over the patients of each chunk, in a fixed row order."""
    keys = ["chunk", *LEDGER_COLUMNS[:-1]]
    summed = ledger.assign(chunk=ledger["patient"] // chunk_size).groupby(keys, as_index=False)["count"].sum()
    return summed.sort_values(keys, ignore_index=True)


def test_one_patient_without_out_is_a_single_run_as_before(scenario):
    results = simulate(scenario, random_seed=5)
    assert isinstance(results, Results)
    assert results.equals(simulate(scenario, num_patients=1, random_seed=5))
    assert "patient" not in results.provenance and "num_patients" not in results.provenance
    rng = np.random.default_rng(np.random.SeedSequence(5))  # the root stream, unchanged
    assert results.equals(Results.from_outcome(run_timeline(lower(scenario), rng), lower(scenario),
                                               results.provenance))


def test_tables_have_a_leading_patient_column(cohort):
    assert isinstance(cohort, Cohort) and cohort.num_patients == NUM_PATIENTS
    assert cohort.detail == "full" and cohort.table_names == TABLES
    for name in TABLES:
        frame = getattr(cohort, name)
        assert frame.columns[0] == "patient" and frame["patient"].dtype == np.int64
        assert frame["patient"].is_monotonic_increasing
    assert sorted(set(cohort.observations.patient)) == list(range(NUM_PATIENTS))
    entered = cohort.ledger.query("step == 'transit' and flow == 'entered'").groupby("patient")["count"].sum()
    assert entered.nunique() > 1  # patients are independent draws, not copies


def test_the_summary_level_is_the_default_and_keeps_its_tables(summary):
    assert summary.detail == "summary" and summary.table_names == SUMMARY_TABLES
    for name in SUMMARY_TABLES:
        frame = getattr(summary, name)
        key = "chunk" if name in CHUNK_TABLES else "patient"
        assert frame.columns[0] == key and frame[key].dtype == np.int64 and frame[key].is_monotonic_increasing
    assert tuple(summary.dormant_cells.columns) == ("chunk", "time", "organ", "solitary", "solitary_dormant")
    assert tuple(summary.chunk_ledger.columns) == ("chunk", *LEDGER_COLUMNS)
    assert sorted(set(summary.chunk_ledger.chunk)) == sorted(set(summary.dormant_cells.chunk)) == [0, 1, 2, 3]
    for name in ("observations", "burden", "ledger"):
        with pytest.raises(AttributeError, match=f"{name}: a cohort at detail='summary' keeps patients"):
            getattr(summary, name)
    assert sorted(p.name for p in summary.directory.iterdir() if p.is_dir()) == sorted(SUMMARY_TABLES)


def test_the_summary_ledger_is_the_full_ledger_summed_over_each_chunk(full_by_3, summary):
    expected = summed_by_chunk(full_by_3.ledger, chunk_size=3)
    got = summary.chunk_ledger.sort_values(["chunk", *LEDGER_COLUMNS[:-1]], ignore_index=True)
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_exact=True)


def dormant_by_chunk(observations: pd.DataFrame, chunk_size: int) -> pd.DataFrame:
    """The solitary and dormant founders of a full cohort's ``observations`` summed over the patients
    of each chunk and their clones, non-zero rows only, in a fixed row order."""
    keys = ["chunk", "time", "organ"]
    kept = observations[observations.state.isin(["solitary", "solitary_dormant"])]
    wide = kept.assign(chunk=kept["patient"] // chunk_size).pivot_table(
        index=keys, columns="state", values="count", aggfunc="sum", fill_value=0)
    wide = wide[(wide != 0).any(axis=1)].reset_index()
    wide.columns.name = None
    return wide[[*keys, "solitary", "solitary_dormant"]].astype({"solitary": "int64", "solitary_dormant": "int64"})


def test_dormant_cells_are_the_observed_solitary_and_dormant_founders_summed_over_each_chunk(full_by_3, summary):
    expected = dormant_by_chunk(full_by_3.observations, chunk_size=3)
    assert len(expected) > 0 and (expected["solitary_dormant"] > 0).any()
    got = summary.dormant_cells.sort_values(["chunk", "time", "organ"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    assert (got[["solitary", "solitary_dormant"]].dtypes == np.int64).all()


def test_summary_lesions_and_ctc_are_the_full_ones_without_sizes_handoff_times_and_expected_counts(full_by_3, summary):
    engine_only = [*full_by_3.lesions.filter(like="size_t").columns, "tracked_time"]
    expected = full_by_3.lesions.drop(columns=engine_only).astype(dict.fromkeys(SUMMARY_FLOAT32["lesions"], "float32"))
    pd.testing.assert_frame_equal(summary.lesions, expected, check_exact=True)  # event times rounded to float32
    pd.testing.assert_frame_equal(summary.ctc, full_by_3.ctc.drop(columns="expected"), check_exact=True)
    for name in ("patients", "detections", "autopsy"):
        pd.testing.assert_frame_equal(getattr(summary, name), getattr(full_by_3, name), check_exact=True)


@pytest.mark.parametrize("chunk_size", [1, 3])
def test_same_seed_gives_the_same_cohort_whatever_the_chunk_size(scenario, cohort, chunk_size):
    other = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=chunk_size, detail="full")
    assert_same_tables(other, cohort)
    assert other.provenance["chunk_size"] == chunk_size


def test_summary_patients_do_not_depend_on_the_chunk_size_and_the_chunk_sums_add_up_to_the_same(scenario, summary):
    other = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=4)
    for name in (name for name in SUMMARY_TABLES if name not in CHUNK_TABLES):
        pd.testing.assert_frame_equal(getattr(other, name), getattr(summary, name), check_exact=True)
    assert len(other.dormant_cells) != len(summary.dormant_cells)  # the rows are per chunk ...
    keys = list(LEDGER_COLUMNS[:-1])
    totals = [cohort.chunk_ledger.groupby(keys)["count"].sum() for cohort in (other, summary)]
    pd.testing.assert_series_equal(*totals, check_exact=True)
    dormant = [cohort.dormant_cells.groupby(["time", "organ"])[["solitary", "solitary_dormant"]].sum()
               for cohort in (other, summary)]
    pd.testing.assert_frame_equal(*dormant, check_exact=True)  # ... their sums over chunks are not


def test_a_written_cohort_reads_back_identical(cohort, written):
    assert written.directory is not None and written.chunk_size == 3
    assert [p.name for p in chunk_files(written.directory, "ledger", written.provenance)] == [
        f"chunk-0000{k}.parquet" for k in range(4)]
    assert_same_tables(load_cohort(written.directory), cohort)


def test_patient_streams_do_not_depend_on_the_number_of_patients(scenario, cohort):
    fewer = simulate(scenario, num_patients=4, random_seed=SEED, chunk_size=3, detail="full")
    for name in TABLES:
        first = getattr(cohort, name)
        pd.testing.assert_frame_equal(getattr(fewer, name), first[first.patient < 4], check_exact=True)


def test_a_summary_cohort_points_to_the_exact_rerun_of_a_patient(scenario, summary, cohort):
    with pytest.raises(ValueError, match=rf"detail='summary'.*simulate\(scenario, random_seed={SEED}, "
                                         r"engine='exact', patient=7\)"):
        summary.patient(7)
    assert simulate(scenario, random_seed=SEED, patient=7).equals(cohort.patient(7))


@pytest.mark.parametrize("patient", [0, 7])
def test_a_patient_is_the_one_patient_run_on_its_stream(scenario, cohort, written, patient):
    alone = simulate(scenario, random_seed=SEED, patient=patient)
    assert alone.equals(cohort.patient(patient))  # provenance too, creation time aside
    assert alone.equals(written.patient(patient))  # read from its chunk
    assert replay(cohort.patient(patient)).equals(alone)
    # by hand: the engine on SeedSequence(seed, spawn_key=(patient,))
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(patient,)))
    by_hand = Results.from_outcome(run_timeline(lower(scenario), rng), lower(scenario), alone.provenance)
    assert by_hand.equals(alone)


def test_every_patient_conserves_cells(cohort, written, assays, summary):
    cohort.check()
    written.check()  # chunk by chunk
    assays.check()
    for patient in (0, 5):
        assays.patient(patient).check()
    summary.check()
    simulate(ASSAY, num_patients=6, random_seed=3, chunk_size=4).check()


@pytest.mark.parametrize("table, column, message", [
    ("chunk_ledger", "count", "chunk_ledger: 1 row.* do not conserve cells"),
    ("dormant_cells", "solitary_dormant", "dormant_cells: 1 .*chunk, time, organ.* do not add up"),
    ("dormant_cells", "solitary", "dormant_cells: 1 .*chunk, time, organ.* do not add up"),
])
def test_a_summary_cohort_that_loses_a_cell_is_caught(scenario, table, column, message):
    summary = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3)
    frame = getattr(summary, table).copy()
    where = (frame["flow"] == "remaining") & (frame["step"] == "dormant") if table == "chunk_ledger" else frame[column] > 0
    frame.loc[frame.index[where][-1], column] += 1
    broken = Cohort(provenance=summary.provenance, tables={**summary.tables(), table: frame})
    with pytest.raises(ValueError, match=message):
        broken.check()


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


def test_provenance_records_the_cohort(scenario, cohort, written, summary):
    provenance = cohort.provenance
    assert provenance["random_seed"] == SEED and provenance["num_patients"] == NUM_PATIENTS
    assert provenance["chunk_size"] == NUM_PATIENTS and provenance["engine"] == "exact"
    assert provenance["detail"] == "full" and summary.provenance["detail"] == "summary"
    assert provenance["version"] == metacascade.__version__
    assert provenance["scenario"] == scenario.resolved()
    assert provenance["call"] == {"verb": "simulate", "scenario": "small_breast_patient", "random_seed": SEED,
                                  "engine": "exact", "num_patients": NUM_PATIENTS, "chunk_size": NUM_PATIENTS,
                                  "detail": "full"}
    assert "detail" not in cohort.patient(3).provenance  # one patient runs at full detail, whatever the cohort's
    assert written.provenance["chunk_size"] == 3
    assert (written.directory / "provenance.json").is_file()
    assert load_cohort(summary.directory).provenance["detail"] == "summary"


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


def test_the_catalogue_of_a_summary_cohort_holds_its_tables(summary):
    connection = duckdb.connect(str(summary.catalogue), read_only=True)
    try:
        views = {row[0] for row in connection.execute("select view_name from duckdb_views() where not internal")
                 .fetchall()}
        detail = connection.execute("select detail from provenance").fetchall()
        dormant = connection.execute("select sum(solitary_dormant) from dormant_cells").fetchone()[0]
        chunks = connection.execute("select count(distinct chunk) from chunk_ledger").fetchone()[0]
    finally:
        connection.close()
    assert views == set(SUMMARY_TABLES) and detail == [("summary",)]
    assert dormant == summary.dormant_cells["solitary_dormant"].sum() and chunks == 4
    with pytest.raises(duckdb.CatalogException, match="observations"):
        summary.query("select * from observations")


def test_in_memory_and_written_cohorts_answer_the_same_sql(cohort, written):
    sql = "select patient, time, sum(count) as founders from observations group by all order by all"
    pd.testing.assert_frame_equal(cohort.query(sql), written.query(sql))


def test_the_summary_of_a_summary_cohort_is_the_full_one_with_the_size_classes_together(assays):
    full = assays.summary()
    summary = simulate(ASSAY, num_patients=6, random_seed=3, chunk_size=4).summary()
    growing = ["dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus"]
    expected = full.drop(columns=growing).assign(micrometastasis=full[growing].sum(axis=1))
    assert list(summary.columns) == ["entered", *LEDGER_STATES, "with_macromet"]
    pd.testing.assert_frame_equal(summary, expected[summary.columns], check_exact=False, rtol=1e-12)
    assert summary["with_macromet"].iloc[-1] > 0


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


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_an_interrupted_run_resumes_with_the_chunks_not_yet_written(
    scenario, full_by_3, summary, detail, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    original = runner.write_chunk
    calls = []

    def interrupted(directory, chunk, tables, run):
        calls.append(chunk)
        if len(calls) == 3:
            (directory / "lesions" / ".chunk-00002.parquet.deadbeef.tmp").write_bytes(b"half")
            original(directory, chunk, dict(list(tables.items())[:2]), run)  # a chunk half written
            raise KeyboardInterrupt
        original(directory, chunk, tables, run)

    monkeypatch.setattr(runner, "write_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out, detail=detail)
    with pytest.raises(FileNotFoundError, match="2 of 4 chunks"):
        load_cohort(out)
    assert not (out / "catalogue.duckdb").exists()
    kept = chunk_path(out, "lesions", 1).stat()

    calls.clear()
    monkeypatch.setattr(runner, "write_chunk", lambda *args: (calls.append(args[1]), original(*args)))
    resumed = simulate(scenario, num_patients=NUM_PATIENTS, chunk_size=3, out=out, detail=detail)  # recorded seed
    assert calls == [2, 3]
    assert chunk_path(out, "lesions", 1).stat().st_mtime_ns == kept.st_mtime_ns
    assert not list(out.rglob("*.tmp"))
    assert resumed.random_seed == SEED and resumed.detail == detail
    assert_same_tables(resumed, summary if detail == "summary" else full_by_3)  # no patient lost or twice
    calls.clear()
    simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out, detail=detail)
    assert calls == []  # complete: nothing to do


@pytest.mark.parametrize(
    "change, message",
    [({"random_seed": SEED + 1}, "random_seed"), ({"num_patients": 4}, "num_patients"),
     ({"chunk_size": 2}, "chunk_size"), ({"engine": "reference"}, "engine"),
     ({"detail": "summary"}, "detail: 'full' there, 'summary' asked")],
)
def test_a_directory_holding_another_cohort_is_refused(scenario, written, change, message):
    arguments = {"num_patients": NUM_PATIENTS, "random_seed": SEED, "chunk_size": 3, "detail": "full", **change}
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


def test_a_truncated_or_empty_chunk_is_redone_on_resume(scenario, summary, tmp_path, monkeypatch):
    out = tmp_path / "run"
    simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)
    truncated, empty = chunk_path(out, "lesions", 1), chunk_path(out, "patients", 3)
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    empty.write_bytes(b"")
    kept = chunk_path(out, "lesions", 2).stat()
    calls = []
    original = runner.write_chunk
    monkeypatch.setattr(runner, "write_chunk", lambda *args: (calls.append(args[1]), original(*args)))
    resumed = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, out=out)
    assert calls == [1, 3]
    assert chunk_path(out, "lesions", 2).stat().st_mtime_ns == kept.st_mtime_ns
    assert_same_tables(resumed, summary)
    assert resumed.query("select count(*) as n from lesions")["n"].item() == len(summary.lesions)  # DuckDB reads it


def test_foreign_chunks_are_refused_on_resume_naming_the_file(scenario, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    common = {"num_patients": 4, "chunk_size": 2, "out": tmp_path / "seed4"}
    simulate(scenario, random_seed=3, **{**common, "out": tmp_path / "seed3"})
    simulate(scenario, random_seed=4, **common)
    copied = chunk_path(tmp_path / "seed4", "patients", 1)
    copied.write_bytes(chunk_path(tmp_path / "seed3", "patients", 1).read_bytes())
    with pytest.raises(FileExistsError, match=rf"{copied} was not written by this run \(random_seed: 3 there, 4 "
                                              r"here\); move it out"):
        simulate(scenario, random_seed=4, **common)
    assert copied.read_bytes() == chunk_path(tmp_path / "seed3", "patients", 1).read_bytes()  # left as it was
    pq.write_table(pa.table({"patient": [2, 3]}), copied)
    with pytest.raises(FileExistsError, match=rf"{copied} was not written by this run \(it records no metacascade"):
        simulate(scenario, random_seed=4, **common)
    copied.unlink()  # moved out: the chunk is written again
    alone = simulate(scenario, random_seed=4, num_patients=4, chunk_size=2)
    assert simulate(scenario, random_seed=4, **common).equals(alone)


def test_overwrite_replaces_a_cohort_but_nothing_that_a_run_does_not_write(scenario, tmp_path):
    out = tmp_path / "run"
    simulate(scenario, num_patients=2, random_seed=1, out=out)
    (out / "lesions" / "my_lesions.csv").write_text("mine")
    with pytest.raises(FileExistsError, match="run is not a run directory that metacascade wrote: it holds "
                                              "lesions/my_lesions.csv, which a run does not write"):
        simulate(scenario, num_patients=2, random_seed=2, out=out, overwrite=True)
    assert (out / "lesions" / "my_lesions.csv").read_text() == "mine" and load_cohort(out).random_seed == 1
    (out / "lesions" / "my_lesions.csv").unlink()
    assert simulate(scenario, num_patients=2, random_seed=2, out=out, overwrite=True).random_seed == 2
    assert not (out / ".lock").exists()


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


def test_worker_processes_give_the_same_cohort(scenario, full_by_3, summary, tmp_path):
    for expected in (full_by_3, summary):
        parallel = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=3, num_workers=2,
                            out=tmp_path / expected.detail, detail=expected.detail)
        assert_same_tables(parallel, expected)


def test_progress_bar_goes_to_stderr(scenario, capsys):
    simulate(scenario, num_patients=2, random_seed=1, progress=True)
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "patients" in captured.err and captured.out == ""


@pytest.mark.parametrize(
    "arguments, message",
    [({"num_patients": 0}, "num_patients"), ({"num_patients": 2, "chunk_size": 0}, "chunk_size"),
     ({"num_patients": 2, "num_workers": 0}, "num_workers"), ({"num_patients": 2, "patient": 1}, "patient"),
     ({"patient": -1}, "patient"), ({"num_patients": 2, "detail": "everything"}, "detail: unknown output level")],
)
def test_bad_cohort_arguments_are_refused(scenario, arguments, message):
    with pytest.raises(ValueError, match=message):
        simulate(scenario, random_seed=1, **arguments)


def test_patients_out_of_range_are_refused(cohort):
    with pytest.raises(IndexError, match="0 .. 9"):
        cohort.patient(NUM_PATIENTS)

"""Run directories: what counts as one metacascade wrote, damaged provenance named clearly, the
lock that stops a second writer (and is taken over when its process is gone), and paths that
DuckDB would read as globs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from test_cohort_io import write_hand_cohort

from metacascade.results.database import file_list
from metacascade.results.rundir import (
    LOCK_FILE,
    DirectoryInUse,
    ProvenanceError,
    check_ours,
    check_unlocked,
    locked,
    read_provenance,
)


def test_runs_that_metacascade_wrote_are_its_own(hand_results, tmp_path):
    check_ours(hand_results.write(tmp_path / "single"))
    write_hand_cohort(tmp_path / "cohort")
    (tmp_path / "cohort" / "lesions" / ".chunk-00001.parquet.0a1b.tmp").write_bytes(b"half")  # interrupted
    check_ours(tmp_path / "cohort")


@pytest.mark.parametrize("extra, named", [
    ("notes.txt", "notes.txt"), ("Documents/thesis.tex", "Documents"), ("ledger/mine.csv", "ledger/mine.csv"),
    ("observations.parquet", "observations.parquet"),  # a single run's file in a cohort
])
def test_anything_a_run_does_not_write_makes_a_directory_foreign(tmp_path, extra, named):
    write_hand_cohort(tmp_path / "cohort")
    (tmp_path / "cohort" / extra).parent.mkdir(exist_ok=True)
    (tmp_path / "cohort" / extra).write_text("mine")
    with pytest.raises(FileExistsError, match=rf"cohort is not a run directory that metacascade wrote: it holds "
                                              rf".*{named}.*, which a run does not write"):
        check_ours(tmp_path / "cohort")


def test_a_directory_without_provenance_or_with_a_link_is_foreign(hand_results, tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="holds no metacascade run"):
        check_ours(tmp_path / "home")
    single = hand_results.write(tmp_path / "single")
    (single / "ledger.parquet").unlink()
    (single / "ledger.parquet").symlink_to(tmp_path / "home" / "notes.txt")
    with pytest.raises(FileExistsError, match="holds ledger.parquet, which a run does not write"):
        check_ours(single)


@pytest.mark.parametrize("text, problem", [
    ('{"package": "metacascade", "vers', "does not read as JSON"),
    ("", "does not read as JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"package": "other"}', "not written by metacascade"),
])
def test_a_damaged_provenance_is_named_with_what_is_wrong(hand_results, tmp_path, text, problem):
    single = hand_results.write(tmp_path / "single")
    (single / "provenance.json").write_text(text)
    with pytest.raises(ProvenanceError, match=rf"single/provenance.json is damaged: .*{problem}"):
        read_provenance(single)
    with pytest.raises(FileExistsError, match=r"single is not a run directory .*provenance.json is damaged"):
        check_ours(single)


@pytest.mark.parametrize("change, problem", [
    ({"random_seed": -1}, "random_seed is -1, not a non-negative integer"),
    ({"num_patients": "3"}, "num_patients is '3', not a positive integer"),
    ({"detail": "most"}, "detail is 'most', not one of summary, full"),
    ({"scenario": {}}, "scenario is {}, not a resolved scenario with a name"),
])
def test_a_provenance_with_wrong_fields_is_damaged(tmp_path, change, problem):
    write_hand_cohort(tmp_path / "cohort")
    path = tmp_path / "cohort" / "provenance.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ProvenanceError, match=problem):
        read_provenance(tmp_path / "cohort")
    path.write_text(json.dumps({key: value for key, value in json.loads(path.read_text()).items() if key != "engine"}))
    with pytest.raises(ProvenanceError, match="it lacks engine"):
        read_provenance(tmp_path / "cohort")


def test_the_lock_stops_a_second_writer_and_is_removed_at_the_end(tmp_path):
    directory = tmp_path / "run"
    with locked(directory):
        lock = json.loads((directory / LOCK_FILE).read_text())
        assert lock == {"pid": os.getpid(), "host": socket.gethostname()}
        with pytest.raises(DirectoryInUse, match=rf"run is being written by process {os.getpid()} on "
                                                 rf"{socket.gethostname()}: wait .* or remove .*\.lock"):
            with locked(directory):
                pass
        with pytest.raises(DirectoryInUse):
            check_unlocked(directory)
    assert list(directory.iterdir()) == []
    check_unlocked(directory)


HOLDER = """
import sys
from pathlib import Path
from metacascade.results.rundir import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_lock_held_by_another_process_stops_us_and_is_taken_over_once_it_is_killed(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(DirectoryInUse, match=f"process {holder.pid} on"):
            with locked(tmp_path):
                pass
    finally:
        holder.kill()  # no chance to remove its lock
        holder.wait()
    assert (tmp_path / LOCK_FILE).exists()
    with locked(tmp_path):
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()


@pytest.mark.parametrize("text, holder", [
    (json.dumps({"pid": 1, "host": "elsewhere.example"}), "process 1 on elsewhere.example"),
    ("", "an unknown process"),
])
def test_a_lock_that_cannot_be_told_stale_is_respected(tmp_path, text, holder):
    (tmp_path / LOCK_FILE).write_text(text)
    with pytest.raises(DirectoryInUse, match=holder):
        with locked(tmp_path):
            pass
    assert (tmp_path / LOCK_FILE).read_text() == text


@pytest.mark.parametrize("name", ["g[1]", "a*b", "q?", "it's"])
def test_duckdb_reads_listed_files_by_their_names_not_as_globs(tmp_path, name):
    for folder, rows in ((name, 3), ("g1", 7), ("ab", 5), ("q1", 2)):
        (tmp_path / folder).mkdir(exist_ok=True)
        pd.DataFrame({"x": range(rows)}).to_parquet(tmp_path / folder / "chunk.parquet")
    files = file_list([tmp_path / name / "chunk.parquet"] * 2)
    connection = duckdb.connect()
    try:
        assert connection.execute(f"select count(*) from read_parquet({files})").fetchone() == (6,)
    finally:
        connection.close()


def test_the_full_level_holds_every_table_of_a_single_run():
    from metacascade.results.results import TABLES
    from metacascade.results.rundir import detail_tables

    assert detail_tables("full") == TABLES

"""The runs of a web server (web/runs.py): each lives in a directory of its own under the server's
folder with its report; a page names a run by the id the server drew, never by a path; the zip it
downloads holds that directory and nothing else; a refused request leaves nothing behind; only the
last MAX_KEPT_RUNS runs are kept."""

from __future__ import annotations

import io
import zipfile

import pytest

from metacascade import load_cohort, load_results, load_scenario, simulate
from metacascade.errors import TooMuchWork
from metacascade.results.rundir import REPORT_FILE
from metacascade.web import runs
from metacascade.web.runs import RunStore


@pytest.fixture(scope="module")
def fidler():
    return load_scenario("fidler1970_lung")


def test_one_run_is_written_with_its_report_under_the_store_and_zips_as_its_directory(tmp_path, fidler):
    store = RunStore(tmp_path / "runs")
    run_id = store.run(fidler, 1, seed=3)
    directory = store.directory(run_id)
    assert directory.parent == tmp_path / "runs" and store.name(run_id) == "fidler1970_lung-seed3"
    assert load_results(directory).equals(simulate(fidler, random_seed=3), provenance=False)
    assert "fidler1970_lung: one run, seed 3" in (directory / REPORT_FILE).read_text(encoding="utf-8")
    with zipfile.ZipFile(io.BytesIO(store.zipped(run_id))) as archive:
        zipped = {name: archive.read(name) for name in archive.namelist()}
    on_disk = {f"fidler1970_lung-seed3/{path.relative_to(directory).as_posix()}": path.read_bytes()
               for path in directory.rglob("*") if path.is_file()}
    assert zipped == on_disk and "fidler1970_lung-seed3/provenance.json" in zipped
    assert sorted(path.name for path in tmp_path.iterdir()) == ["runs"]


def test_a_cohort_is_written_at_full_detail_and_named_by_its_patients(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.run(load_scenario("breast_patient"), 3, seed=2)
    cohort = load_cohort(store.directory(run_id))
    assert (cohort.num_patients, cohort.detail, cohort.random_seed) == (3, "full", 2)
    assert store.name(run_id) == "breast_patient-seed2-3patients"
    assert (store.directory(run_id) / REPORT_FILE).is_file()


def test_a_request_beyond_the_limits_is_refused_before_anything_is_written(tmp_path, fidler):
    store = RunStore(tmp_path)
    with pytest.raises(TooMuchWork, match="^patients: from 1 to 200"):
        store.run(fidler, 201, seed=1)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def store_with_a_run(tmp_path_factory, fidler):
    store = RunStore(tmp_path_factory.mktemp("server") / "runs")
    store.run(fidler, 1, seed=1)
    return store


@pytest.mark.parametrize("run_id", ["..", "../runs", "/etc", "0" * 32, {"id": 1}, None])
def test_a_run_is_named_only_by_an_id_the_store_drew(store_with_a_run, run_id):
    with pytest.raises(KeyError, match="no run .* on this server"):
        store_with_a_run.zipped(run_id)


def test_only_the_last_runs_are_kept(tmp_path, fidler, monkeypatch):
    monkeypatch.setattr(runs, "MAX_KEPT_RUNS", 2)
    monkeypatch.setattr(runs, "write_report", lambda results, path: path.write_text("report"))  # not the point here
    store = RunStore(tmp_path)
    first, second, third = (store.run(fidler, 1, seed=seed) for seed in (1, 2, 3))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([second, third])
    with pytest.raises(KeyError):
        store.directory(first)
    assert store.name(third) == "fidler1970_lung-seed3"

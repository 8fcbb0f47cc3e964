"""Results on disk: write/load round trip, same seed -> identical files, replay, atomic writes."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import metacascade
from metacascade import load_results, replay, simulate
from metacascade.results import PROVENANCE_FILE, TABLE_FILES, TABLES
from metacascade.results import io as results_io
from metacascade.results.rundir import ProvenanceError


def _digests(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in TABLE_FILES.values()}


def _assert_same_tables(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_write_then_load_gives_identical_frames(small_run, tmp_path):
    written = small_run.write(tmp_path / "run")
    assert sorted(p.name for p in written.iterdir()) == sorted([*TABLE_FILES.values(), PROVENANCE_FILE])
    loaded = load_results(written)
    _assert_same_tables(small_run, loaded)
    assert loaded.provenance == small_run.provenance
    assert loaded.equals(small_run)


def test_hand_built_results_round_trip_with_lesions(hand_results, tmp_path):
    loaded = load_results(hand_results.write(tmp_path / "hand"))
    _assert_same_tables(hand_results, loaded)
    assert len(loaded.lesions) == 2
    sizes = loaded.lesion_sizes()
    assert list(sizes.columns) == ["lesion", "clone", "organ", "time", "cells"]
    assert sizes[(sizes.lesion == 1) & (sizes.time == 5.0)]["cells"].item() == 5e4


def test_provenance_records_version_seed_engine_call_and_resolved_scenario(small_run, small_scenario):
    provenance = small_run.provenance
    assert provenance["version"] == metacascade.__version__
    assert provenance["random_seed"] == 20240601
    assert provenance["engine"] in ("exact", "reference")
    assert provenance["call"]["verb"] == "simulate"
    assert provenance["scenario"] == small_scenario.resolved()
    assert "created" in provenance
    json.dumps(provenance)  # JSON-serialisable as is


def test_same_seed_gives_identical_parquet_files(small_scenario, tmp_path):
    first = simulate(small_scenario, random_seed=7, engine="exact")
    second = simulate(small_scenario, random_seed=7, engine="exact")
    assert first.equals(second)
    a, b = first.write(tmp_path / "a"), second.write(tmp_path / "b")
    assert _digests(a) == _digests(b)
    other = simulate(small_scenario, random_seed=8, engine="exact")
    assert not other.equals(first, provenance=False)


def test_replay_from_loaded_provenance_is_identical(small_run, tmp_path):
    loaded = load_results(small_run.write(tmp_path / "run"))
    replayed = replay(loaded)
    _assert_same_tables(small_run, replayed)
    assert replayed.equals(small_run)  # provenance equal too, creation time aside


def test_a_drawn_seed_is_recorded_and_replays(small_scenario):
    results = simulate(small_scenario, engine="exact")
    assert isinstance(results.random_seed, int) and results.random_seed >= 0
    assert replay(results).equals(results)


def test_refuses_to_overwrite_unless_asked(hand_results, tmp_path):
    target = tmp_path / "run"
    hand_results.write(target)
    before = _digests(target)
    with pytest.raises(FileExistsError, match="overwrite"):
        hand_results.write(target)
    assert _digests(target) == before
    hand_results.write(target, overwrite=True)
    assert _digests(target) == before
    (tmp_path / "empty").mkdir()
    hand_results.write(tmp_path / "empty")  # an empty directory is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "run"]  # no staging leftovers


def test_overwrite_replaces_only_a_directory_that_metacascade_wrote(hand_results, tmp_path):
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "thesis.tex").write_text("chapter 1")
    (home / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="home is not a run directory that metacascade wrote: it holds no "
                                              "metacascade run"):
        hand_results.write(home, overwrite=True)
    assert (home / "Documents" / "thesis.tex").read_text() == "chapter 1" and (home / "notes.txt").read_text() == "mine"
    run = hand_results.write(tmp_path / "run")
    (run / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="holds notes.txt, which a run does not write"):
        hand_results.write(run, overwrite=True)
    assert (run / "notes.txt").read_text() == "mine"
    (run / "notes.txt").unlink()
    hand_results.write(run, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "run"]


def test_a_failure_mid_write_leaves_nothing(hand_results, tmp_path, monkeypatch):
    calls = []
    original = results_io.write_table

    def failing(frame, path):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        original(frame, path)

    monkeypatch.setattr(results_io, "write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        hand_results.write(tmp_path / "run")
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


def test_a_failed_overwrite_keeps_the_previous_results(hand_results, tmp_path, monkeypatch):
    target = hand_results.write(tmp_path / "run")
    before = _digests(target)

    def failing(data, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(results_io, "write_json", failing)
    with pytest.raises(KeyboardInterrupt):
        hand_results.write(target, overwrite=True)
    assert _digests(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_loading_something_else_fails_clearly(hand_results, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a metacascade results directory"):
        load_results(tmp_path)
    run = hand_results.write(tmp_path / "run")
    (run / PROVENANCE_FILE).write_text("{")
    with pytest.raises(ProvenanceError, match="run/provenance.json is damaged: it does not read as JSON"):
        load_results(run)


def test_xarray_view_holds_the_same_counts_and_cells():
    results = simulate("fidler1970_lung", random_seed=4)
    dataset = results.to_xarray()
    assert dataset["count"].dims == ("time", "clone", "organ", "state")
    obs = results.observations.iloc[7]
    assert dataset["count"].sel(time=obs.time, clone=obs.clone, organ=obs.organ, state=obs.state) == obs["count"]
    assert float(dataset["cells"].sum()) == pytest.approx(results.burden["cells"].sum())
    assert dataset.attrs["random_seed"] == 4


def test_xarray_view_without_xarray_names_the_extra_to_install(small_run, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)  # what `import xarray` meets where it is not installed
    with pytest.raises(ImportError, match=r"Results.to_xarray needs xarray: pip install 'metacascade\[xarray\]'"):
        small_run.to_xarray()

"""Smoke test of the patient benchmark (``make bench``): ``--quick`` runs and writes its report.
Benchmarks are never timed assertions."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metacascade.catalog import load_scenario
from metacascade.engine.epochs import step_ends
from metacascade.engine.lower import lower
from metacascade.engine.patient import patient_lowered
from metacascade.engine.timeline import run_timeline

ROOT = Path(__file__).resolve().parent.parent


def test_patient_benchmark_quick(tmp_path: Path) -> None:
    report_path = tmp_path / "patient.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_patient.py"), "--quick", "--json",
                    str(report_path)], check=True, capture_output=True, cwd=tmp_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["quick"] and report["patients"] == 3
    assert len(report["engine"]) == 6
    assert all(case["mean_ms"] > 0 and case["variates"] > 0 for case in report["engine"].values())
    assert set(report["cohort"]) == set(report["worker_rss"]) == {"summary", "full"}
    written = {detail: cohort["parquet_bytes_per_patient"] for detail, cohort in report["cohort"].items()}
    assert written["full"] > written["summary"]


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module, loaded once."""
    spec = importlib.util.spec_from_file_location("bench_patient", ROOT / "benchmarks" / "bench_patient.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cost_model_recovers_the_cost_of_each_kind_of_work(bench) -> None:
    rng = np.random.default_rng(3)
    work = np.column_stack([rng.integers(1, 11, 50), rng.integers(0, 20_000, 50), rng.integers(0, 200, 50)])
    work = work.astype(float)  # windows, founders, lesion-windows
    seconds = work @ np.array([1.5e-3, 0.6e-6, 34e-6])
    model = bench.cost_model(seconds, work)
    assert model["ms_per_window"] == pytest.approx(1.5)
    assert model["us_per_founder"] == pytest.approx(0.6)
    assert model["us_per_lesion_window"] == pytest.approx(34.0)
    assert model["r2"] == pytest.approx(1.0)
    assert sum(model[f"{name}_share"] for name in bench.WORK) == pytest.approx(1.0)


def test_work_done_counts_the_windows_run_and_the_colonies_founded(bench) -> None:
    lowered = lower(load_scenario("breast_patient"))
    for patient in range(3):
        own = patient_lowered(lowered, 2026, patient)
        outcome = run_timeline(own, np.random.default_rng(patient))
        windows, founders, lesion_windows = bench.work_done(own, outcome)
        assert 1 <= windows <= step_ends(own).size
        last = outcome.snapshots[-1].counts
        assert founders == last["founded_direct"].sum() + last["founded_reactivated"].sum() > 0
        assert 0 <= lesion_windows <= windows * np.count_nonzero(~np.isnan(outcome.lesions.switch_time))


def test_a_multinomial_counts_the_binomials_numpy_draws_until_no_trial_is_left(bench) -> None:
    drawn = np.array([[5, 0, 0, 0], [2, 3, 0, 0], [0, 0, 0, 0], [1, 1, 1, 2], [0, 0, 4, 0]])
    # 1 (all in the first), 2, none (no trial), 3 (the last takes the rest), 3
    assert bench.multinomial_draws(drawn) == 1 + 2 + 0 + 3 + 3
    rng = bench.CountingGenerator(np.random.default_rng(0))
    rng.multinomial(np.array([10, 0]), [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    rng.binomial(10, 0.5, size=7)
    assert rng.calls == 2 and rng.variates <= 2 + 7

"""Where the work runs: a cohort is the same bit for bit in one process, in local processes, on a
Dask cluster and for any chunk size; every process runs the engine on one BLAS thread; a bad
backend is refused naming the argument."""

from __future__ import annotations

import importlib
import multiprocessing

import numpy as np
import pandas as pd
import pytest
import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS loaded, as the engine loads it)
from threadpoolctl import threadpool_info

from metacascade import simulate
from metacascade.parallel import executor, single_threaded
from metacascade.results import TABLES
from metacascade.results.chunks import chunk_path

from test_runner import small_patient

patient_module = importlib.import_module("metacascade.engine.patient")

SEED = 20240607
NUM_PATIENTS = 12
#: Followed to day 900 (tens of lesions) and observed with imaging and draws, so that the lesion
#: and clinical tables have rows with fractional floats.
FOLLOW_UP = {"observation_times": [700.0, 800.0, 900.0],
             "observation": {"imaging_times": [700.0, 800.0, 900.0], "draw_times": [700.0, 900.0]}}

#: Where the cohort runs -> simulate's arguments; "dask" takes the test cluster's address.
PLACES = {
    "one process, chunks of 5": {"chunk_size": 5},
    "two processes, chunks of 3": {"num_workers": 2, "chunk_size": 3},
    "dask cluster, chunks of 4": {"backend": "dask", "scheduler": "dask", "chunk_size": 4},
}


@pytest.fixture(scope="module")
def scenario():
    return small_patient(**FOLLOW_UP)


@pytest.fixture(scope="module")
def reference(scenario):
    """The cohort in this process, in one chunk, at full detail (every table of every patient)."""
    return simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, chunk_size=NUM_PATIENTS, detail="full")


def assert_identical(a, b) -> None:
    """Every column of every table equal bit for bit (floats included)."""
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def fractional_floats(cohort) -> dict[str, int]:
    """Table -> how many finite, non-integer float values it holds (those a summation order moves)."""
    counts = {}
    for name in TABLES:
        values = getattr(cohort, name).select_dtypes("float").to_numpy(dtype=float).ravel()
        counts[name] = int(np.sum(np.isfinite(values) & (values != np.round(values))))
    return counts


def test_the_comparison_would_catch_a_difference_in_the_last_bit(reference):
    counts = fractional_floats(reference)
    assert sum(counts.values()) >= 10 and sum(n > 0 for n in counts.values()) >= 3, counts
    lesions = reference.lesions.copy()
    column = next(c for c in lesions.select_dtypes("float") if np.isfinite(lesions[c]).any()
                  and (lesions[c] != lesions[c].round()).any())
    row = lesions.index[np.isfinite(lesions[column])][0]
    lesions.loc[row, column] = np.nextafter(lesions.loc[row, column], np.inf)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(lesions, reference.lesions, check_exact=True)


@pytest.mark.parametrize("place", PLACES)
def test_a_cohort_is_the_same_bit_for_bit_wherever_it_runs(scenario, reference, place, request):
    arguments = dict(PLACES[place])
    if arguments.get("scheduler") == "dask":
        arguments["scheduler"] = request.getfixturevalue("dask_scheduler")
    cohort = simulate(scenario, num_patients=NUM_PATIENTS, random_seed=SEED, detail="full", **arguments)
    assert_identical(cohort, reference)


def test_a_cohort_written_on_dask_resumes_locally(scenario, reference, dask_scheduler, tmp_path):
    out = tmp_path / "run"
    common = {"num_patients": NUM_PATIENTS, "random_seed": SEED, "chunk_size": 4, "detail": "full", "out": out}
    assert_identical(simulate(scenario, backend="dask", scheduler=dask_scheduler, **common), reference)
    for name in TABLES:  # the backend is not part of the run: a local call resumes the last chunk
        chunk_path(out, name, 2).unlink()
    assert_identical(simulate(scenario, **common), reference)


def test_without_an_address_dask_runs_on_a_local_cluster_closed_afterwards():
    before = set(multiprocessing.active_children())
    with executor("dask", 2) as pool:
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
        assert len(set(multiprocessing.active_children()) - before) == 2
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.parametrize(
    "arguments, message",
    [({"backend": "spark"}, r"backend: unknown backend 'spark'; allowed: 'local', 'dask'"),
     ({"scheduler": "tcp://127.0.0.1:8786"}, r"scheduler: .*backend='dask'"),
     ({"backend": "dask", "scheduler": 8786}, r"scheduler: a Dask scheduler address \(str\)")],
)
@pytest.mark.parametrize("num_patients", [1, 4])
def test_a_bad_backend_is_refused_naming_the_argument(scenario, arguments, message, num_patients):
    with pytest.raises(ValueError, match=message):
        simulate(scenario, num_patients=num_patients, random_seed=1, num_workers=2, **arguments)


def _threads() -> dict[str, int]:
    return {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}


def test_single_threaded_pins_every_blas_until_the_outermost_block_ends():
    before = _threads()
    assert len(before) >= 2  # numpy's and scipy's own
    with single_threaded():
        with single_threaded():
            assert set(_threads().values()) == {1}
        assert set(_threads().values()) == {1}
    assert _threads() == before


def test_simulate_runs_the_engine_on_one_thread(scenario, monkeypatch):
    seen = []
    observe_run = patient_module.observe_run

    def spy(*args):
        seen.append(max(_threads().values()))
        return observe_run(*args)

    monkeypatch.setattr(patient_module, "observe_run", spy)
    simulate(scenario, random_seed=1)
    assert seen == [1]

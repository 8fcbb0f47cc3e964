"""Shared helpers: for the statistical tests (seeded; each passes for any seed in its range), and a
small Dask cluster for the tests of the Dask backend."""

import numpy as np
import pytest
from scipy import stats


def pooled_chisquare(observed, expected, min_expected=5.0) -> float:
    """p-value of a chi-square test after pooling categories with small expected counts."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    keep = expected >= min_expected
    obs = np.r_[observed[keep], observed[~keep].sum()]
    exp = np.r_[expected[keep], expected[~keep].sum()]
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    exp = exp * obs.sum() / exp.sum()
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.fixture
def chisquare_p():
    return pooled_chisquare


@pytest.fixture(scope="session")
def dask_scheduler():
    """The address of a local Dask cluster of two single-threaded worker processes, started once
    (skips the test where dask.distributed is not installed)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address

"""Shared helpers: the seeds of the statistical tests and a chi-square helper, a small Dask cluster
for the tests of the Dask backend, and a guard that fails any run in which a test was skipped.

Seeds: a statistical test (it compares draws with theory or with the reference engine) takes the
``any_seed`` fixture instead of a fixed seed, and must pass for any value (it may fail a correct
engine with probability ``seeded.FALSE_ALARM`` at most). The values are
``METACASCADE_TEST_SEED``, +1, +2, ... (``@pytest.mark.seeds(n)`` asks for n of them, one test each;
``METACASCADE_SEEDS_PER_TEST=1`` caps n, for a reduced run): a fixed default keeps a local
``make test`` reproducible; CI draws a fresh base seed and prints it, and
``METACASCADE_TEST_SEED=N make test`` repeats a failure.

Skips: a skipped test checks nothing while the run looks green, so a run with any skipped test fails
(``METACASCADE_ALLOW_SKIPS=1`` lets one through, for a run on purpose without an optional tool).
"""

import os

import numpy as np
import pytest
from scipy import stats

#: The base seed of the statistical tests (``METACASCADE_TEST_SEED``; 2024 when unset).
BASE_SEED = int(os.environ.get("METACASCADE_TEST_SEED", "2024"))
#: At most this many seeds per test (``METACASCADE_SEEDS_PER_TEST``; unset: as the test asks).
SEEDS_PER_TEST = int(os.environ.get("METACASCADE_SEEDS_PER_TEST", "0")) or None


def pytest_configure(config):
    config.addinivalue_line("markers", "seeds(n): a statistical test runs with n seeds (the any_seed fixture)")
    config.addinivalue_line("markers", "shared: needs ../shared beside the clone (not in `make test`; run by .ci/run)")


def pytest_report_header(config) -> str:
    return f"statistical tests: METACASCADE_TEST_SEED={BASE_SEED} (set it to rerun with these seeds)"


def pytest_generate_tests(metafunc):
    """``any_seed``: the base seed, +1, ... as many as the test's ``seeds`` marker asks (one by default);
    module-scoped, so that a module's fixture may draw from it too."""
    if "any_seed" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("seeds")
        count = min(marker.args[0] if marker else 1, SEEDS_PER_TEST or float("inf"))
        seeds = [BASE_SEED + i for i in range(count)]
        metafunc.parametrize("any_seed", seeds, ids=lambda seed: f"seed{seed}", scope="module")


#: Skipped tests of this run, by node id (xfails are not skips).
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """Fail a run in which a test was skipped (on the controller only, under pytest-xdist)."""
    if _SKIPPED and exitstatus == pytest.ExitCode.OK and not os.environ.get("METACASCADE_ALLOW_SKIPS"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED and not os.environ.get("METACASCADE_ALLOW_SKIPS"):
        terminalreporter.write_line(
            f"FAILED: {len(_SKIPPED)} test(s) skipped (a skipped test checks nothing; make it run, or set "
            f"METACASCADE_ALLOW_SKIPS=1 for a run without an optional tool): {', '.join(_SKIPPED)}",
            red=True,
        )


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
    (dask.distributed is a dev dependency)."""
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def one_mismatch(monkeypatch):
    """``metacascade validate`` judges one target only, and it mismatches (nothing is simulated)."""
    import metacascade.validation.checks as checks
    from metacascade.analysis.targets import load_targets
    from metacascade.validation.rules import compare

    target = load_targets()["fidler1970_alive_24h"]
    outcomes = [compare(target, target.value, 0.5, reason="fake")]
    monkeypatch.setattr(checks, "run_checks", lambda quick, seed, ids=None: outcomes)

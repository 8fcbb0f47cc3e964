"""The checks over every diSibio 2008 primary (validation/primaries.py): the site-share and profile
arithmetic on hand-made involvement tables, the verdicts read from them, and (slow) the quick run."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis.targets import disibio_matrix, load_targets
from metacascade.validation import primaries
from metacascade.validation.checks import run_checks
from metacascade.validation.primaries import site_shares

SITES = ["liver", "lung", "bone"]
IDS = ["disibio2008_site_share_of_all_metastases", "disibio2008_testis_profile"]


def table(rows: list[list[int]], sites=SITES) -> pd.DataFrame:
    return pd.DataFrame(np.array(rows, dtype=bool), columns=sites)


def test_the_site_share_weights_each_primarys_involvement_by_its_autopsies():
    # a: liver in 1/2, lung in 2/2 of its autopsies; b: bone in 1/1; weights 3 and 1
    involved = {"a": table([[1, 1, 0], [0, 1, 0]]), "b": table([[0, 0, 1]])}
    share, se = site_shares(involved, {"a": 3.0, "b": 1.0})
    # sum_p n_p y_ps: liver 3 x 0.5 = 1.5, lung 3 x 1 = 3, bone 1 x 1 = 1; of 5.5
    np.testing.assert_allclose(share[SITES], [100 * 1.5 / 5.5, 100 * 3 / 5.5, 100 * 1 / 5.5])
    assert share.sum() == pytest.approx(100.0)
    assert (se >= 0).all() and se["liver"] > 0


def test_one_primarys_profile_is_its_share_of_its_involved_sites():
    involved = table([[1, 1, 0], [1, 0, 0], [0, 1, 1], [1, 0, 0]])
    share, se = site_shares({"testis": involved}, {"testis": 1.0})
    np.testing.assert_allclose(share[SITES], [100 * 3 / 6, 100 * 2 / 6, 100 * 1 / 6])
    same_pattern = table([[1, 0, 0]] * 4)  # every patient alike: no Monte Carlo spread
    assert site_shares({"testis": same_pattern}, {"testis": 1.0})[1].to_numpy() == pytest.approx(0.0)


def _published_cohorts(size: int = 200) -> dict[str, pd.DataFrame]:
    """Each primary's cohort involved exactly at its diSibio shares (rounded to ``size`` patients)."""
    matrix = disibio_matrix()
    cohorts = {}
    for primary, row in matrix["primaries"].items():
        if primary == "unknown_primary":
            continue
        counts = np.round(np.array(row["counts"]) / row["n_autopsies"] * size).astype(int)
        cohorts[primary] = pd.DataFrame({site: np.arange(size) < k for site, k in zip(matrix["sites"], counts)})
    return cohorts


@pytest.mark.parametrize("target_id", IDS)
def test_cohorts_with_the_published_pattern_pass_and_an_empty_one_does_not(monkeypatch, target_id):
    target = load_targets()[target_id]
    check = {IDS[0]: primaries.site_share_of_all_metastases, IDS[1]: primaries.testis_profile}[target_id]
    monkeypatch.setattr(primaries, "primary_autopsies", lambda quick, seed: _published_cohorts())
    outcome = check(target, True, 1)
    assert outcome.verdict == "pass", outcome
    assert "not a prediction" in outcome.reason and set(outcome.entries) == set(target.value)
    no_deaths = {p: t.iloc[:0] for p, t in _published_cohorts().items()}
    monkeypatch.setattr(primaries, "primary_autopsies", lambda quick, seed: no_deaths)
    assert check(target, True, 1).verdict == "mismatch"


@pytest.mark.slow
def test_the_quick_run_of_both_checks_is_fast_and_shares_its_cohorts():
    primaries.primary_autopsies.cache_clear()
    start = time.perf_counter()
    outcomes = run_checks(quick=True, seed=2026, ids=IDS)
    assert time.perf_counter() - start < 90  # ~31 s on one core
    assert primaries.primary_autopsies.cache_info().misses == 1
    assert {o.verdict for o in outcomes} <= {"pass", "mismatch"}
    assert all(len(o.entries) == len(load_targets()[o.target_id].value) for o in outcomes)

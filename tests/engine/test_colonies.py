"""Tracked colonies' jumps (``colonies.advance``): a colony cleared inside a window has its size drawn
only where that decides its fate, and meets the fates of a colony whose size is drawn in full."""

import numpy as np
import pytest
from scipy import stats

from metacascade.engine import colonies
from metacascade.engine.colonies import BOUND, CLEARED, EXTINCT, GROWING, Colonies, advance
from metacascade.engine.samplers import sample_birth_death
from seeded import FALSE_ALARM


def jumped(rng: np.random.Generator, n: int, cells: float) -> Colonies:
    """``n`` colonies of ``cells`` cells at day 0 after one jump to day 8 (clearance 0.2/day: ~80%
    cleared inside it; b - d = 1/day; bound 20,000 cells, no switch or regression)."""
    rates = {name: np.array([[value]]) for name, value in (
        ("birth_rate", 1.2), ("death_rate", 0.2), ("avascular_bound_cells", 2e4), ("clearance_rate", 0.2),
        ("switch_rate", 0.0), ("regression_rate", 0.0))}
    col = Colonies.founded(0, 0, cells, np.zeros(n), num_times=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        advance(col, 8.0, rates, 1e4, rng)
    return col


@pytest.mark.seeds(3)
@pytest.mark.parametrize("cells", [2.0, 257.0])
def test_cleared_colonies_meet_the_fates_of_sizes_drawn_in_full(any_seed, cells, monkeypatch):
    """Fates (growing, extinct, cleared, at the bound) and times at the bound agree with those of the
    same colonies whose size at clearance is drawn in full. From 2 cells ~2% die out and ~0.3% reach
    the bound; from 257 cells ~42% reach it, and a 5% change in that share would be ~6 sd."""
    rng = np.random.default_rng(any_seed)
    n, fates = 40_000, (GROWING, EXTINCT, CLEARED, BOUND)
    screened = jumped(rng, n, cells)
    cleared = screened.size[screened.phase == CLEARED]
    assert np.all(np.isnan(cleared) | (cleared >= 1))
    monkeypatch.setattr(colonies, "sample_birth_death_tail", lambda rng, *args: sample_birth_death(rng, *args[:4]))
    full = jumped(rng, n, cells)
    table = [[np.count_nonzero(col.phase == fate) for fate in fates] for col in (screened, full)]
    table = np.array(table)[:, np.array(table).sum(axis=0) > 0]
    assert stats.chi2_contingency(table).pvalue > FALSE_ALARM / 2
    at_bound = [col.bound_time[col.phase == BOUND] for col in (screened, full)]
    assert stats.ks_2samp(*at_bound).pvalue > FALSE_ALARM / 2

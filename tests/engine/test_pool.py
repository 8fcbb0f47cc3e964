"""The pooled-founder chain: a proper generator whose transition matrices conserve founders."""

import numpy as np
import pytest

from metacascade.engine import pool
from metacascade.engine.lower import RATE_NAMES


def rates(**overrides):
    base = dict(vessel_death_rate=0.4, extravasation_rate=2.0, apoptosis_rate=1.0, dormancy_rate=0.9,
                division_rate=0.3, dormant_death_rate=0.01, reactivation_rate=0.05, birth_rate=1.2,
                death_rate=0.3, clearance_rate=0.2, avascular_bound_cells=1e4, switch_rate=0.1,
                regression_rate=0.01, gompertz_rate=0.1)
    base.update(overrides)
    assert set(base) == set(RATE_NAMES)
    return {k: np.array(v) for k, v in base.items()}


def test_generator_rows_sum_to_zero_and_absorbing_rows_are_empty():
    q = pool.generators(rates())
    np.testing.assert_allclose(q.sum(axis=-1), 0.0, atol=1e-12)
    assert np.all(q[pool.NUM_TRANSIENT:] == 0)


def test_transition_matrix_is_stochastic():
    p = pool.transition_matrices(pool.generators(rates()), 3.0)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


def test_vessel_occupancy_decays_exponentially():
    r = rates()
    p = pool.transition_matrices(pool.generators(r), 0.7)
    assert p[pool.V, pool.V] == pytest.approx(np.exp(-(0.4 + 2.0) * 0.7), rel=1e-9)


def test_colony_states_follow_the_birth_death_law():
    from metacascade.engine.samplers import birth_death_alpha_beta

    r = rates(clearance_rate=0.0, birth_rate=0.5, death_rate=0.4)
    p = pool.transition_matrices(pool.generators(r), 0.5)
    alpha, beta = birth_death_alpha_beta(0.5, 0.4, 0.5)
    c1 = pool.COLONY_DIRECT
    assert p[c1, pool.EXTINCT[0]] == pytest.approx(alpha, rel=1e-6)
    assert p[c1, c1 + 1] == pytest.approx((1 - alpha) * (1 - beta) * beta, rel=1e-6)


def test_split_conserves_every_cohort():
    rng = np.random.default_rng(0)
    counts = np.zeros(pool.NUM_STATES, dtype=np.int64)
    counts[[pool.V, pool.E, pool.COLONY_DIRECT + 3, pool.DEAD_VESSEL]] = [1000, 50, 7, 3]
    flows = pool.split(rng, counts, pool.transition_matrices(pool.generators(rates()), 2.0))
    np.testing.assert_array_equal(flows.sum(axis=1), counts)
    assert flows.min() >= 0


def test_escape_times_lie_inside_the_window():
    rng = np.random.default_rng(1)
    q = pool.generators(rates(birth_rate=3.0, death_rate=0.0))
    escaped = np.zeros((pool.NUM_STATES, 2), dtype=np.int64)
    escaped[pool.COLONY_DIRECT, 0] = 500
    times = pool.escape_times(rng, q, 4.0, escaped)
    assert times.shape == (500,) and times.min() > 0 and times.max() <= 4.0
    # pure birth at rate 3/cell from 1 to 17 cells takes sum_{k=1..16} 1/(3k) ~ 1.13 days on average
    assert times.mean() == pytest.approx(sum(1 / (3 * k) for k in range(1, 17)), rel=0.1)


def _founder_path(rng, q, start, end):
    """One founder's path through the chain (Gillespie): (state at ``end``, escape time or nan)."""
    state, time = pool.V, start
    while state < pool.NUM_TRANSIENT:
        rate = -q[state, state]
        time += rng.exponential(1.0 / rate)
        if time > end:
            return state, np.nan
        probabilities = np.clip(q[state], 0.0, None) / rate
        state = rng.choice(pool.NUM_STATES, p=probabilities)
    return state, (time if state in pool.ESCAPED else np.nan)


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_arrivals_spread_over_a_window_match_founders_followed_one_by_one(seed):
    from scipy import stats

    rng = np.random.default_rng(seed)
    q = pool.generators(rates(birth_rate=2.5, death_rate=0.3, clearance_rate=0.1, division_rate=1.0))
    start, end, n = 1.0, 4.0, 3000
    grid = np.linspace(start, end, 1025)
    intensity = np.exp(0.8 * grid)  # a growing source
    counts, escapes = pool.arrivals(rng, q, start, end, n, intensity)
    # per-founder reference: arrival time from the intensity, then the chain one event at a time
    cdf = np.cumsum(intensity)
    arrival = np.interp(rng.random(n) * cdf[-1], cdf, grid)
    paths = [_founder_path(rng, q, s, end) for s in arrival]
    reference = np.bincount([state for state, _ in paths], minlength=pool.NUM_STATES)
    assert counts.sum() == n
    table = np.array([counts, reference])
    keep = table.sum(axis=0) >= 10
    table = np.c_[table[:, keep], table[:, ~keep].sum(axis=1)]
    table = table[:, table.sum(axis=0) > 0]
    assert stats.chi2_contingency(table).pvalue > 1e-4
    reference_escapes = np.array([t for _, t in paths if not np.isnan(t)])
    assert stats.ks_2samp(escapes, reference_escapes).pvalue > 1e-4
    assert escapes.min() >= start and escapes.max() <= end

"""The pooled-founder chain: a proper generator whose transition matrices conserve founders."""

import numpy as np
import pytest

from metacascade.engine import pool
from metacascade.engine.handoff import POOLED_MAX_CELLS, handoff_sizes
from metacascade.engine.lower import RATE_NAMES
from seeded import FALSE_ALARM


def rates(**overrides):
    base = dict(vessel_death_rate=0.4, extravasation_rate=2.0, apoptosis_rate=1.0, dormancy_rate=0.9,
                division_rate=0.3, dormant_death_rate=0.01, reactivation_rate=0.05, birth_rate=1.2,
                death_rate=0.3, clearance_rate=0.2, avascular_bound_cells=1e4, switch_rate=0.1,
                regression_rate=0.01, gompertz_rate=0.1)
    base.update(overrides)
    assert set(base) == set(RATE_NAMES)
    return {k: np.array(v) for k, v in base.items()}


CHAIN = pool.layout(16)  # colonies pooled up to 16 cells, as in the tests below


def generator(r, handoff=17):
    return pool.generators(r, CHAIN, np.array(handoff))


def test_generator_rows_sum_to_zero_and_absorbing_rows_are_empty():
    q = generator(rates())
    np.testing.assert_allclose(q.sum(axis=-1), 0.0, atol=1e-12)
    assert np.all(q[CHAIN.num_transient:] == 0)


def test_handoff_is_the_stochastic_ceiling_capped_by_the_pool():
    r = rates(avascular_bound_cells=np.array([60.0, 60.0, 1e6, 1e6]), birth_rate=np.array([1.0, 0.2, 1.0, 0.2]),
              death_rate=np.array(0.3))
    np.testing.assert_array_equal(handoff_sizes(r, threshold=40.5), [41, 60, 41, POOLED_MAX_CELLS + 1])
    np.testing.assert_array_equal(handoff_sizes(r, threshold=40.5, pooled_max=0), [1, 1, 1, 1])


def test_without_pooled_colonies_a_cell_leaves_the_pool_as_it_starts_dividing():
    chain = pool.layout(0)
    q = pool.generators(rates(), chain, np.array(1))
    assert chain.num_transient == 3
    assert q[pool.E, chain.escaped[0]] == pytest.approx(0.3) and q[pool.D, chain.escaped[1]] == pytest.approx(0.05)


def test_colonies_leave_the_pool_at_their_handoff_size():
    q = generator(rates(), handoff=9)
    top = CHAIN.colony_bases[0] + 7  # a colony of 8 cells
    assert q[top, CHAIN.escaped[0]] == pytest.approx(1.2 * 8) and q[top, top + 1] == 0


def test_organs_with_the_same_rates_share_one_cached_kernel():
    r = rates(division_rate=np.array([[0.3, 0.3, 0.9]]))  # one clone, three organs
    r = {name: np.broadcast_to(value, (1, 3)) for name, value in r.items()}
    chains = pool.Chains(r, threshold=1e4, pooled_max=POOLED_MAX_CELLS)
    assert chains.group[0, 0] == chains.group[0, 1] != chains.group[0, 2]
    assert chains.kernels(5.0) is pool.Chains(r, threshold=1e4, pooled_max=POOLED_MAX_CELLS).kernels(5.0)
    assert chains.kernels(5.0).window.shape[0] == 2
    assert chains.chain.pooled_max == POOLED_MAX_CELLS


def test_kernel_moments_are_the_legendre_integrals_of_the_lag_rows():
    r = rates()
    kern = pool.kernel(generator(r), CHAIN, 30.0)
    a = 0.4 + 2.0  # leaving the vessel
    assert kern.moments[0, pool.V] == pytest.approx((1 - np.exp(-a * 30.0)) / a, rel=1e-10)
    # L_1(1 - 2u/T) = 1 - 2u/T
    first = (1 - np.exp(-a * 30)) / a - 2 / 30 * (1 - np.exp(-a * 30) * (1 + a * 30)) / a**2
    assert kern.moments[1, pool.V] == pytest.approx(first, rel=1e-10)
    np.testing.assert_allclose(kern.moments[0].sum(), 30.0, rtol=1e-10)


@pytest.mark.parametrize("elapsed", [0.7, 3000.0])
@pytest.mark.parametrize("speed", [1.0, 1e6])  # 1e6: extravasation in ~0.1 s, twenty more squarings
def test_the_rows_at_the_moments_lags_equal_each_lags_exponential(elapsed, speed):
    """The Taylor polynomials and squarings that give the moments' rows agree with scipy's
    exp(Q u)[V, :] at every lag, for a patient's chain and a chain pooling colonies of 16 cells: to
    1e-12, or the rounding of ||Q u||_1 where that is larger (for the old lag-by-lag ``expm`` too)."""
    from scipy.linalg import expm

    for pooled_max, birth in ((0, 0.5), (16, 3.0)):
        r = rates(birth_rate=birth)
        r["extravasation_rate"] = r["extravasation_rate"] * speed
        q = pool.generators(r, pool.layout(pooled_max), np.array(pooled_max + 1))
        lags, _ = pool._graded_gauss(elapsed)
        every = slice(None, None, 5)  # each panel's nodes in turn (8 a panel)
        ours, lags = pool._rows_at_graded_lags(q[None], lags)[0][every], lags[every]
        theirs = np.stack([expm(q * u)[pool.V] for u in lags])
        rounding = 4 * np.finfo(float).eps * np.abs(q).sum(axis=0).max() * lags  # ~eps ||Q u||_1, as scipy's
        assert np.all(np.abs(ours - theirs) <= np.maximum(1e-12, rounding)[:, None])


@pytest.mark.parametrize("pooled_max", [0, 16])
def test_a_kernels_lag_grids_equal_each_lags_exponential(pooled_max):
    """The rows from the vessel and the escape CDFs that the doublings build equal scipy's exp(Q u) at
    the lags of the grid (to 1e-10): every state's chance of having left the pool at its handoff size."""
    from scipy.linalg import expm

    chain = pool.layout(pooled_max)
    q = pool.generators(rates(), chain, np.array(pooled_max + 1))
    kern = pool.kernel(q[None], chain, 30.0)
    for g in (1, 7, 300, pool.GRID - 1):
        exact = expm(q * kern.grid[g])
        np.testing.assert_allclose(kern.from_vessel[0, g], exact[pool.V], rtol=0, atol=1e-10)
        escapes = exact[: chain.num_transient][:, list(chain.escaped)]  # [T, tag]
        np.testing.assert_allclose(kern.escape_cdf[0, :, :, g], escapes, rtol=0, atol=1e-10)


def test_batched_exponential_equals_scipy_on_random_generators():
    """Rates 1e-4..1e3 per day, times 1e-3..1e4 days: equal to 1e-12 of the largest entry up to
    ||Q t|| = 1e4; beyond, both are accurate only to ~eps ||Q t|| (as the rows' sums show)."""
    from scipy.linalg import expm

    rng = np.random.default_rng(7)
    qs = []
    for size in rng.integers(2, 30, 60):
        q = 10 ** rng.uniform(-4, 3, (size, size)) * (rng.random((size, size)) < 0.5)
        np.fill_diagonal(q, 0.0)
        qs.append((q - np.diag(q.sum(axis=1))) * 10 ** rng.uniform(-3, 4))
    stacked = np.stack([np.pad(q, (0, 30 - len(q))) for q in qs])  # zero-padded: one batch, blocks unchanged
    for q, ours in zip(qs, pool.expm(stacked, np.ones(1))[:, 0]):
        scale = max(1.0, np.abs(q).sum(axis=0).max() / 1e4)
        np.testing.assert_allclose(ours[:len(q), :len(q)], expm(q), rtol=0, atol=1e-12 * scale)


def test_transition_matrix_is_stochastic():
    p = pool.transition_matrices(generator(rates()), 3.0)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


def test_vessel_occupancy_decays_exponentially():
    r = rates()
    p = pool.transition_matrices(generator(r), 0.7)
    assert p[pool.V, pool.V] == pytest.approx(np.exp(-(0.4 + 2.0) * 0.7), rel=1e-9)


def test_colony_states_follow_the_birth_death_law():
    from metacascade.engine.samplers import birth_death_alpha_beta

    r = rates(clearance_rate=0.0, birth_rate=0.5, death_rate=0.4)
    p = pool.transition_matrices(generator(r), 0.5)
    alpha, beta = birth_death_alpha_beta(0.5, 0.4, 0.5)
    c1 = pool.COLONY_DIRECT
    assert p[c1, CHAIN.extinct[0]] == pytest.approx(alpha, rel=1e-6)
    assert p[c1, c1 + 1] == pytest.approx((1 - alpha) * (1 - beta) * beta, rel=1e-6)


def _chains(shape=(1, 1), pooled_max=16, **overrides):
    r = {name: np.broadcast_to(value, shape) for name, value in rates(**overrides).items()}
    return pool.Chains(r, threshold=1e4, pooled_max=pooled_max)


def test_advance_conserves_every_cohort_and_keeps_the_dead_dead():
    rng = np.random.default_rng(0)
    chains = _chains((2, 3), birth_rate=3.0)
    counts = np.zeros((2, 3, chains.chain.num_states), dtype=np.int64)
    counts[..., [pool.V, pool.E, pool.COLONY_DIRECT + 3, chains.chain.dead_vessel]] = [1000, 50, 7, 3]
    after, escaped = pool.advance(rng, counts, chains, 0.0, 2.0, num_times=1)
    np.testing.assert_array_equal(after.sum(axis=-1), counts.sum(axis=-1))
    assert after.min() >= 0 and np.all(after[..., chains.chain.dead_vessel] >= 3)
    assert len(escaped) == after[..., list(chains.chain.escaped)].sum() > 0
    np.testing.assert_array_equal(escaped.size, 17.0)  # the handoff of a pool of 16


def test_escape_times_lie_inside_the_window(any_seed):
    rng = np.random.default_rng(any_seed)
    chains = _chains(birth_rate=3.0, death_rate=0.0, clearance_rate=0.0)
    counts = np.zeros((1, 1, chains.chain.num_states), dtype=np.int64)
    counts[0, 0, pool.COLONY_DIRECT] = 500
    # a Yule colony is below 17 cells after 8 days with probability 16 e^{-24} ~ 6e-10: all 500 escape
    _, escaped = pool.advance(rng, counts, chains, 1.0, 9.0, num_times=1)
    times = escaped.tracked_time
    assert times.shape == (500,) and times.min() > 1.0 and times.max() <= 9.0
    # pure birth at rate 3/cell from 1 to 17 cells takes sum_{k=1..16} 1/(3k) ~ 1.13 days on average
    assert times.mean() - 1.0 == pytest.approx(sum(1 / (3 * k) for k in range(1, 17)), rel=0.1)


def _founder_path(rng, q, chain, start, end):
    """One founder's path through the chain (Gillespie): (state at ``end``, escape time or nan)."""
    state, time = pool.V, start
    while state < chain.num_transient:
        rate = -q[state, state]
        time += rng.exponential(1.0 / rate)
        if time > end:
            return state, np.nan
        probabilities = np.clip(q[state], 0.0, None) / rate
        state = rng.choice(chain.num_states, p=probabilities)
    return state, (time if state in chain.escaped else np.nan)


@pytest.mark.parametrize("pooled_max, stepped", [(16, False), (40, False), (0, False), (0, True), (16, True)])
def test_arrivals_spread_over_a_window_match_founders_followed_one_by_one(pooled_max, stepped, any_seed):
    """Smooth sources go through the kernel's Legendre moments, a source that starts inside the
    window through the grid; both match founders followed one at a time."""
    from scipy import stats

    rng = np.random.default_rng(any_seed)
    overrides = dict(birth_rate=2.5, death_rate=0.3, clearance_rate=0.1, division_rate=1.0)
    chains = _chains(pooled_max=pooled_max, **overrides)
    chain = chains.chain
    q = pool.generators(rates(**overrides), chain, np.array(pooled_max + 1))
    start, end, n = 1.0, 4.0, 3000
    grid = np.linspace(start, end, pool.GRID)
    intensity = np.exp(0.8 * grid) * ((grid >= 2.2) if stepped else 1.0)  # a growing source
    counts, escaped = pool.arrivals(rng, chains, grid, np.array([[n]]), intensity[None], np.ones((1, 1, 1)),
                                    num_times=1)
    counts, escapes = counts[0, 0], escaped.tracked_time
    # per-founder reference: arrival time from the intensity, then the chain one event at a time
    cdf = np.cumsum(intensity)
    arrival = np.interp(rng.random(n) * cdf[-1], cdf, grid)
    paths = [_founder_path(rng, q, chain, s, end) for s in arrival]
    reference = np.bincount([state for state, _ in paths], minlength=chain.num_states)
    assert counts.sum() == n
    table = np.array([counts, reference])
    keep = table.sum(axis=0) >= 10
    table = np.c_[table[:, keep], table[:, ~keep].sum(axis=1)]
    table = table[:, table.sum(axis=0) > 0]
    assert stats.chi2_contingency(table).pvalue > FALSE_ALARM
    reference_escapes = np.array([t for _, t in paths if not np.isnan(t)])
    assert stats.ks_2samp(escapes, reference_escapes).pvalue > FALSE_ALARM
    assert escapes.min() >= start and escapes.max() <= end

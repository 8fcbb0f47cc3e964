"""Birth–death draws agree with their closed forms (Kendall): extinction d/b, mean e^{(b-d)t}."""

from functools import partial

import numpy as np
import pytest
from scipy import stats

from metacascade.engine.samplers import (
    birth_death_alpha_beta,
    extinction_probability,
    sample_birth_death,
    sample_birth_death_tail,
)
from seeded import FALSE_ALARM


@pytest.mark.parametrize("b, d, t", [(1.0, 0.3, 2.0), (0.5, 0.5, 3.0), (0.4, 1.0, 1.5), (2.0, 0.0, 1.0)])
def test_alpha_beta_match_the_kolmogorov_solution(b, d, t):
    # forward equation for the generating function solved numerically: P(extinct by t) = alpha
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda _, p: [d - (b + d) * p[0] + b * p[0] ** 2], (0, t), [0.0], rtol=1e-10, atol=1e-12)
    alpha, beta = birth_death_alpha_beta(b, d, t)
    assert alpha == pytest.approx(sol.y[0, -1], rel=1e-6, abs=1e-10)
    mean = (1 - alpha) / (1 - beta)  # mean size = P(survive) * mean geometric
    assert mean == pytest.approx(np.exp((b - d) * t), rel=1e-9)


def test_alpha_beta_are_stable_for_huge_and_tiny_times():
    alpha, beta = birth_death_alpha_beta(np.array([1.0, 1.0, 1.0]), np.array([0.25, 0.25, 0.25]), np.array([1e-12, 1e3, 1e6]))
    assert np.all(np.isfinite(alpha)) and np.all(np.isfinite(beta))
    assert alpha[2] == pytest.approx(0.25) and beta[2] == pytest.approx(1.0)
    assert alpha[0] == pytest.approx(0.25e-12, rel=1e-3)


@pytest.mark.seeds(3)
def test_extinction_probability_is_d_over_b(any_seed):
    rng = np.random.default_rng(any_seed)
    b, d, n = 1.0, 0.4, 20_000
    sizes = sample_birth_death(rng, np.ones(n), np.full(n, b), np.full(n, d), np.full(n, 60.0))
    extinct = np.count_nonzero(sizes == 0)
    p = stats.binomtest(extinct, n, extinction_probability(b, d)).pvalue
    assert p > FALSE_ALARM


@pytest.mark.seeds(3)
def test_mean_size_is_exponential_in_net_rate(any_seed):
    rng = np.random.default_rng(any_seed)
    b, d, t, n0, n = 1.2, 0.5, 3.0, 5, 40_000
    sizes = sample_birth_death(rng, np.full(n, n0), np.full(n, b), np.full(n, d), np.full(n, t))
    mean = n0 * np.exp((b - d) * t)
    alpha, beta = birth_death_alpha_beta(b, d, t)
    var_one = (1 - alpha) * (1 + beta) / (1 - beta) ** 2 - ((1 - alpha) / (1 - beta)) ** 2
    z = (sizes.mean() - mean) / np.sqrt(n0 * var_one / n)
    assert abs(z) < 4.5


@pytest.mark.seeds(3)
def test_size_distribution_from_one_cell_is_zero_modified_geometric(any_seed):
    rng = np.random.default_rng(any_seed)
    b, d, t, n = 1.0, 0.3, 1.5, 30_000
    sizes = sample_birth_death(rng, np.ones(n), np.full(n, b), np.full(n, d), np.full(n, t)).astype(int)
    alpha, beta = birth_death_alpha_beta(b, d, t)
    edges = np.arange(0, 9)
    expected = np.r_[alpha, (1 - alpha) * (1 - beta) * beta ** (edges[1:-1] - 1)]
    expected = np.r_[expected, 1 - expected.sum()]
    observed = np.r_[np.bincount(np.minimum(sizes, 8), minlength=9)]
    assert stats.chisquare(observed, expected * n).pvalue > FALSE_ALARM


def test_long_supercritical_jumps_do_not_overflow(any_seed):
    rng = np.random.default_rng(any_seed)
    sizes = sample_birth_death(rng, np.full(1000, 50.0), np.full(1000, 1.0), np.full(1000, 0.1), np.full(1000, 60.0))
    assert np.all(np.isfinite(sizes))
    assert np.median(sizes[sizes > 0]) > 1e20


@pytest.mark.parametrize("sample", [sample_birth_death, partial(sample_birth_death_tail, ceiling=1e4)])
def test_long_supercritical_jumps_keep_their_exact_mean(any_seed, sample):
    """After 100 days at net rate 0.7/day beta rounds to 1 in floating point; the lineage mean
    e^{70} b / r must not: 2,724 cells become 2,724 x e^{70} on average (relative sd of one draw
    ~2.6%, of the mean of 200 ~0.2%: the 2% tolerance is ~10 sd), all of them above a ceiling."""
    rng = np.random.default_rng(any_seed)
    sizes = sample(rng, np.full(200, 2724.0), 1.0, 0.3, 100.0)
    assert np.mean(sizes) / (2724.0 * np.exp(70.0)) == pytest.approx(1.0, rel=0.02)


def kendall_pmf(n0: int, b: float, d: float, t: float, cells: int = 1000) -> np.ndarray:
    """P(size = 0 .. cells - 1) after ``t`` days from ``n0`` cells: the n0-fold convolution of one
    lineage's zero-modified geometric (alpha, then (1 - alpha)(1 - beta) beta^(n-1))."""
    alpha, beta = birth_death_alpha_beta(b, d, t)
    n = np.arange(cells)
    one = np.where(n == 0, alpha, (1 - alpha) * (1 - beta) * beta ** np.maximum(n - 1, 0))
    pmf = np.r_[1.0, np.zeros(cells - 1)]
    for _ in range(n0):
        pmf = np.convolve(pmf, one)[:cells]
    return pmf


@pytest.mark.seeds(3)
@pytest.mark.parametrize(
    "n0, ceiling, edges",
    [(1, 8, [0, 1, 8, 12, 20, 35]),  # mostly below the ceiling, a quarter extinct
     (5, 30, [0, 1, 30, 40, 55, 80]),  # a fifth above it
     (40, 30, [0, 1, 30, 120, 150, 180, 220])],  # all above it: nothing screened
)
def test_a_size_drawn_only_where_it_is_0_or_reaches_a_ceiling_follows_kendall(
    any_seed, chisquare_p, n0, ceiling, edges
):
    """``sample_birth_death_tail``: the chances of 0, of [1, ceiling) (nan, or a value drawn in
    passing) and of bins above the ceiling are Kendall's. 100,000 colonies tell apart a death rate
    10% higher (chi-square non-centrality >= 300 against ~40 at the false-alarm level)."""
    rng = np.random.default_rng(any_seed)
    b, d, t, n = 1.0, 0.3, 2.0, 100_000
    sizes = sample_birth_death_tail(rng, np.full(n, float(n0)), b, d, t, ceiling)
    assert np.all(np.isnan(sizes) | (sizes == np.round(sizes)))
    observed = np.bincount(np.searchsorted(edges, np.nan_to_num(sizes, nan=1.0), side="right") - 1,
                           minlength=len(edges))
    for death, agrees in ((d, True), (1.1 * d, False)):
        expected = n * np.add.reduceat(kendall_pmf(n0, b, death, t), edges)
        assert (chisquare_p(observed, expected) > FALSE_ALARM) == agrees

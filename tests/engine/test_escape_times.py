"""Escape times drawn per founder by the compiled kernels: from tabulated CDFs (pooled founders),
and for founders that arrived over a window the convolution of their arrival with their delay."""

import numpy as np
import pytest
from scipy import stats

from metacascade.engine import escape_times
from seeded import FALSE_ALARM

GRID = 1025


@pytest.mark.seeds(3)
def test_draws_from_tabulated_cdfs_follow_each_distribution_in_turn(any_seed):
    """Two truncated exponentials, tabulated unnormalised: 20,000 draws of the first from one row (a
    guide table), then 10,000 of the second from 400 rows of 25 (a binary search each)."""
    rng = np.random.default_rng(any_seed)
    grid = np.linspace(0.0, 2.0, 2049)
    rates = np.array([1.7] + [0.4] * 400)
    cdfs = 0.3 * (1 - np.exp(-rates[:, None] * grid))
    nums = np.array([20_000] + [25] * 400)
    assert nums[0] >= escape_times.GUIDED_DRAWS > nums[1]
    draws = escape_times.from_cdfs(grid, cdfs, nums, rng.random(nums.sum()))
    for rate, sample in zip(rates[:2], np.split(draws, [20_000])):
        truncated = stats.truncexpon(b=2.0 * rate, scale=1 / rate)
        assert stats.kstest(sample, truncated.cdf).pvalue > FALSE_ALARM


def _draw(rng, arriving, cdfs, nums, start=0.0, end=10.0):
    """Escape times of members with arrival intensities ``arriving`` [K, G] and escape CDFs ``cdfs``
    [K, G] (member k's chain k, tag 0) over the window ``start``..``end``."""
    lags = np.linspace(0.0, end - start, GRID)
    trapezoid = np.r_[0.5, np.ones(GRID - 2), 0.5] * lags[1]
    escape_cdf = np.asarray(cdfs, dtype=float)[:, None, None, :].repeat(2, axis=2)  # [chains, T = 1, 2, G]
    nums = np.asarray(nums, dtype=np.int64)
    members = np.arange(len(nums))
    return escape_times.after_arrival(np.asarray(arriving, dtype=float), escape_cdf, members, np.zeros_like(members),
                                      nums, lags, trapezoid, rng.random((2, int(nums.sum()))), end)


def test_a_uniform_arrival_and_a_uniform_delay_give_the_convolution_of_their_laws(any_seed):
    """Arrivals uniform on [0, T], a delay uniform on [0, L]: the escape time tau, given tau <= T,
    has density ~ min(tau, L) / L, so its CDF is tau^2 / (2 L) up to L, then L / 2 + tau - L, over its
    value at T."""
    rng = np.random.default_rng(any_seed)
    window, delay = 10.0, 4.0
    lags = np.linspace(0.0, window, GRID)
    times = _draw(rng, np.ones((1, GRID)), [np.minimum(lags / delay, 1.0)], [20_000], end=window)

    def cdf(tau):
        tau = np.clip(tau, 0.0, window)
        mass = np.where(tau <= delay, tau**2 / (2 * delay), delay / 2 + tau - delay)
        return mass / (delay / 2 + window - delay)

    assert times.min() >= 0.0 and times.max() <= window
    assert stats.kstest(times, cdf).pvalue > FALSE_ALARM


def test_an_escape_comes_after_its_arrival_and_within_the_window(any_seed):
    """A delay of at least 3 days (no escape before): every escape lies 3 days or more into the window."""
    rng = np.random.default_rng(any_seed)
    lags = np.linspace(0.0, 10.0, GRID)
    times = _draw(rng, np.exp(0.3 * lags)[None], [np.clip((lags - 3.0) / 2.0, 0.0, 1.0)], [5000], start=0.0, end=10.0)
    assert times.min() >= 3.0 - 1e-9 and times.max() <= 10.0


def test_times_come_grouped_by_member_in_order(any_seed):
    """Member 0 arrives only in the window's first day and escapes within 0.05 day; member 1 only in
    its last day: their draws come first and last (to a grid step, the CDFs being linear between points)."""
    rng = np.random.default_rng(any_seed)
    grid = np.linspace(0.0, 10.0, GRID)
    arriving = np.array([grid <= 1.0, grid >= 9.0], dtype=float)
    quick = np.minimum(grid / 0.05, 1.0)
    times = _draw(rng, arriving, [quick, quick], [300, 200])
    step = grid[1]
    assert np.all(times[:300] <= 1.05 + step) and np.all(times[300:] >= 9.0 - step)

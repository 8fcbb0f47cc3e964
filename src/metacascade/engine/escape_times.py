"""When founders leave the pool (``pool``): compiled, because the work is per founder (a binary
search or two each) while numpy needs a dozen passes over a [rows x grid] array to vectorise it
(~3x slower for a patient's few thousand founders).

Every CDF here is tabulated on a window's lag grid (the kernel's ``escape_cdf``, or a product with
it) and inverted with linear interpolation between grid points: the error in a drawn time is far
below a grid step (window / 1,024; docs/engine.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit


#: Draws from one CDF at which ``from_cdfs`` first tabulates where each of as many equal slices of
#: its probability starts (a guide table: then ~1 step per draw instead of a binary search).
GUIDED_DRAWS = 64


@njit(cache=True, nogil=True)
def from_cdfs(grid, cdfs, nums, uniforms):
    """[sum(nums)] draws from each distribution k on ``grid`` [G] given its unnormalised,
    non-decreasing CDF ``cdfs[k]`` [K, G], ``nums[k]`` of them for each k in turn, at ``uniforms``
    [sum(nums)] in [0, 1) (exchangeable draws: which gets which uniform does not matter)."""
    out = np.empty(uniforms.size)
    guide = np.empty(grid.size, dtype=np.int64)
    drawn = 0
    for k in range(cdfs.shape[0]):
        cdf = cdfs[k]
        total = cdf[cdf.size - 1]
        if nums[k] < GUIDED_DRAWS:
            for _ in range(nums[k]):
                out[drawn] = _inverse(cdf, grid, uniforms[drawn] * total)
                drawn += 1
            continue
        slices, point = guide.size, 0
        for j in range(slices):  # guide[j]: the first point at or above j / slices of the total
            while cdf[point] < total * j / slices:
                point += 1
            guide[j] = point
        for _ in range(nums[k]):
            target = uniforms[drawn] * total
            high = guide[int(uniforms[drawn] * slices)]
            while cdf[high] < target:
                high += 1
            out[drawn] = _between(cdf, grid, high, target)
            drawn += 1
    return out


@njit(cache=True, nogil=True)
def after_arrival(arriving, escape_cdf, group, tag, nums, lags, trapezoid, uniforms, end):
    """[sum(nums)] escape times (days) of founders that arrived over a window ending at ``end``,
    ``nums[k]`` for each member k (a clone x organ and a tag) in turn.

    A founder of member k arrived at ``end - lag`` and escaped ``delay`` after arriving: its lag has
    density ~ w_k(end - u) P_k(u) on the lag grid u (``arriving`` [K, G]: w_k on the window's time
    grid, e.g. cells/day; P_k(u) = ``escape_cdf`` [chains, T, 2, G] at [``group[k]``, V, ``tag[k]``]:
    the chance of having escaped within u of arriving) with quadrature weights ``trapezoid`` [G]
    (days); given the lag, its delay has the CDF P_k(v) / P_k(lag) on [0, lag]. ``lags`` [G] is the
    lag grid (days, uniform from 0), ``uniforms`` [2, sum(nums)] in [0, 1) the lags', then the delays'."""
    num_members, size = arriving.shape
    step = lags[size - 1] / (size - 1)
    times = np.empty(uniforms.shape[1])
    cumulative = np.empty(size)
    drawn = 0
    for k in range(num_members):
        cdf = escape_cdf[group[k], 0, tag[k]]
        total = 0.0
        for i in range(size):  # arrival at end - lags[i]
            total += arriving[k, size - 1 - i] * trapezoid[i] * cdf[i]
            cumulative[i] = total
        for _ in range(nums[k]):
            lag = _inverse(cumulative, lags, uniforms[0, drawn] * total)
            at = min(lag / step, size - 1.0)
            low = min(int(at), size - 2)
            reached = cdf[low] + (at - low) * (cdf[low + 1] - cdf[low])
            delay = _inverse(cdf, lags, uniforms[1, drawn] * reached)
            times[drawn] = end - lag + min(delay, lag)
            drawn += 1
    return times


@njit(cache=True, nogil=True)
def _inverse(cdf, grid, target):
    """Where the non-decreasing ``cdf`` on ``grid``, linear between its points, first reaches ``target``."""
    return _between(cdf, grid, np.searchsorted(cdf, target), target)


@njit(cache=True, nogil=True)
def _between(cdf, grid, high, target):
    """``_inverse`` given ``high``, the first point of ``cdf`` at or above ``target``."""
    if high == 0:
        return grid[0]
    if high == cdf.size:
        return grid[cdf.size - 1]
    low = high - 1
    return grid[low] + (target - cdf[low]) / (cdf[high] - cdf[low]) * (grid[high] - grid[low])

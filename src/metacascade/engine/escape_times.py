"""When founders that arrested over a window left the pool (``pool.arrivals``): compiled, because
the work is per founder (two binary searches each) while numpy would make a dozen passes over
a [members x grid] array to vectorise it (~3x slower for a patient's few thousand founders).

A founder of member k (a clone x organ and a tag) arrived at ``end - lag`` and escaped ``delay``
after arriving, within the window. Its lag has density ~ w_k(end - u) P_k(u) on the window's lag
grid u (w_k: its arrival intensity; P_k(u): the chance of having escaped within u of arriving, the
kernel's ``escape_cdf``), and given the lag its delay has the CDF P_k(v) / P_k(lag) on [0, lag].
Both are inverted on the grid with linear interpolation between grid points (``samplers.
sample_from_cdfs``'s discretisation: the error in a drawn time is far below a grid step).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def escape_times(arriving, escape_cdf, group, tag, nums, lags, trapezoid, uniforms, end):
    """[sum(nums)] escape times (days), ``nums[k]`` for each member k in turn.

    ``arriving`` [K, G] each member's arrival intensity on the window's time grid (e.g. cells/day);
    ``escape_cdf`` [chains, T, 2, G] the kernel's, read at
    [``group[k]``, V, ``tag[k]``]; ``lags`` [G] the lag grid (days, uniform from 0); ``trapezoid``
    [G] its quadrature weights (days); ``uniforms`` [2, sum(nums)] in [0, 1): the lag's, then the
    delay's; ``end`` the window's end (days). Compiled by numba."""
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
    high = np.searchsorted(cdf, target)  # first point at or above the target
    if high == 0:
        return grid[0]
    if high == cdf.size:
        return grid[cdf.size - 1]
    low = high - 1
    return grid[low] + (target - cdf[low]) / (cdf[high] - cdf[low]) * (grid[high] - grid[low])

"""Shedding from a growing tumour (MODEL.md §2, §6): an exact Poisson process in time.

A tumour with N(t) cells (``engine.growth``; ``n0`` cells at time 0) sheds cells into its venous
drainage at intensity

    λ(t) = shedding_rate_per_g_day / cells_per_g × N(t)   for t >= t_v,   0 before,

in cells per day, where t_v = time_to_reach(vascularisation_cells) is the first time the tumour
reaches the vascularisation size (shedding starts at vascularisation and does not stop if the
tumour later shrinks; ``butler1975_shedding_rate``: 3.2e6 cells per g per day;
``delmonte2009_cells_per_cm3``: 1e8–1e9 cells per g). The count in a window [t0, t1] is Poisson
with mean ∫ λ dt (``expected_shed``, exact via ``cell_days``), and given the count the shedding
times are iid with density λ / ∫ λ (``arrival_times``): together an exact draw of the process.

The growth law is passed as in ``engine.growth``: ``law`` name, ``rate`` (per day), ``capacity``
(cells), ``exponent``; everything broadcasts over numpy arrays.
"""

from __future__ import annotations

import numpy as np

from .growth import cell_days, invert_cell_days, size_at, time_to_reach


def shedding_window(law: str, n0, t0, t1, rate, capacity=None, exponent=None, *, vascularisation_cells):
    """The vascularised part [max(t0, t_v), t1] of each window, as (start, end); empty if start >= end."""
    t_v = time_to_reach(law, n0, vascularisation_cells, rate, capacity, exponent)
    return np.maximum(t0, t_v), np.asarray(t1, dtype=float)


def expected_shed(
    law: str, n0, t0, t1, rate, capacity=None, exponent=None, *,
    shedding_rate_per_g_day, cells_per_g, vascularisation_cells,
):
    """Mean number of cells shed in [t0, t1] (days): rate / cells_per_g × ∫ N dt over the vascularised part."""
    start, end = shedding_window(
        law, n0, t0, t1, rate, capacity, exponent, vascularisation_cells=vascularisation_cells
    )
    open_ = start < end
    # a closed window integrates over [end, end]: zero, with no inf in the arithmetic
    lower = np.where(open_, start, end)
    integral = cell_days(law, n0, lower, end, rate, capacity, exponent)
    mean = np.asarray(shedding_rate_per_g_day, dtype=float) / np.asarray(cells_per_g, dtype=float) * integral
    return mean[()] if np.ndim(mean) == 0 else mean


def shedding_intensity(
    law: str, n0, times, rate, capacity=None, exponent=None, *,
    shedding_rate_per_g_day, cells_per_g, vascularisation_cells,
):
    """λ(t) at ``times``: cells shed per day, rate / cells_per_g × N(t) from vascularisation on, 0 before."""
    t = np.asarray(times, dtype=float)
    vascular = t >= time_to_reach(law, n0, vascularisation_cells, rate, capacity, exponent)
    size = size_at(law, n0, t, rate, capacity, exponent)
    return shedding_rate_per_g_day / cells_per_g * np.where(vascular, size, 0.0)


def sample_shed(
    rng: np.random.Generator, law: str, n0, t0, t1, rate, capacity=None, exponent=None, *,
    shedding_rate_per_g_day, cells_per_g, vascularisation_cells,
):
    """Number of cells shed in [t0, t1]: Poisson with mean ``expected_shed`` (int64; exact)."""
    mean = expected_shed(
        law, n0, t0, t1, rate, capacity, exponent,
        shedding_rate_per_g_day=shedding_rate_per_g_day,
        cells_per_g=cells_per_g,
        vascularisation_cells=vascularisation_cells,
    )
    return rng.poisson(mean)


def arrival_times(
    rng: np.random.Generator, num, law: str, n0, t0, t1, rate, capacity=None, exponent=None, *,
    vascularisation_cells,
) -> np.ndarray:
    """Shedding times (days) of ``num`` cells shed in [t0, t1]: iid, density ∝ N(t) on [max(t0, t_v), t1].

    Exact inverse CDF: with s the start of shedding, CDF(t) = cell_days(s, t) / cell_days(s, t1);
    a uniform u is mapped to the root of cell_days(s, t) = u cell_days(s, t1), found by Newton's
    method to machine precision (``growth.invert_cell_days``).

    ``num`` is an int, or an array of counts with one window (and growth law) per entry, all
    broadcast together; the times are returned flat, grouped by window in C order, unsorted.
    Raises ValueError if a window with num > 0 has no vascularised time.
    """
    num, n0, t0, t1, rate, capacity, exponent, vascular = (
        np.asarray(v, dtype=float) if v is not None else None
        for v in (num, n0, t0, t1, rate, capacity, exponent, vascularisation_cells)
    )
    shapes = [v.shape for v in (num, n0, t0, t1, rate, capacity, exponent, vascular) if v is not None]
    shape = np.broadcast_shapes(*shapes)

    def flat(v):
        return None if v is None else np.broadcast_to(v, shape).ravel()

    num, n0, t0, t1, rate, capacity, exponent, vascular = map(
        flat, (num, n0, t0, t1, rate, capacity, exponent, vascular)
    )
    counts = num.astype(np.int64)
    if np.any(counts != num) or np.any(counts < 0):
        raise ValueError("num: must be non-negative integers")
    start, end = shedding_window(law, n0, t0, t1, rate, capacity, exponent, vascularisation_cells=vascular)
    if np.any((counts > 0) & ~(start < end)):
        raise ValueError("arrival_times: a window with num > 0 has no vascularised time (t_v >= t1)")
    idx = np.repeat(np.arange(counts.size), counts)
    if idx.size == 0:
        return np.empty(0)

    def pick(v):
        return None if v is None else v[idx]

    a, k, g = pick(rate), pick(capacity), pick(exponent)
    s, horizon = start[idx], end[idx] - start[idx]
    n_s = size_at(law, n0[idx], s, a, k, g)
    total = cell_days(law, n_s, 0.0, horizon, a, k, g)
    u = 1.0 - rng.random(idx.size)  # in (0, 1]: the target is never 0
    return s + invert_cell_days(law, n_s, u * total, horizon, a, k, g)

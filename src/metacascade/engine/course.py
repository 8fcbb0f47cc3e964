"""The primary's cells over time, with its removal (MODEL.md §2, §4): one place for every closed
form the engine and the observation plan read.

Until ``Primary.removal_time`` the primary grows by its law from ``initial_cells`` at time 0 and
sheds from vascularisation on (``engine.shedding``). Removal leaves ``residual_fraction`` of its
cells, which regrow by the same law from that size (the law restarted at the removal time) and
shed at once (they were part of a vascularised tumour); with no residual the primary is gone.
"""

from __future__ import annotations

import numpy as np

from .growth import size_at, time_to_reach
from .lower import Primary
from .shedding import expected_shed, shedding_intensity


def _residual(primary: Primary) -> tuple[float, float]:
    """(cells left at removal, removal time)."""
    law, n0, rate, capacity, exponent = primary.growth
    removal = primary.removal_time
    return primary.residual_fraction * float(size_at(law, n0, removal, rate, capacity, exponent)), removal


def size(primary: Primary, times) -> np.ndarray:
    """Cells in the primary at ``times`` (days)."""
    law, n0, rate, capacity, exponent = primary.growth
    t = np.asarray(times, dtype=float)
    before = np.asarray(size_at(law, n0, t, rate, capacity, exponent), dtype=float)
    if not np.isfinite(primary.removal_time):
        return before
    left, removal = _residual(primary)
    after = np.asarray(size_at(law, max(left, 1e-300), np.maximum(t - removal, 0.0), rate, capacity, exponent))
    return np.where(t < removal, before, after if left > 0 else 0.0)


def shed_mean(primary: Primary, t0, t1) -> np.ndarray:
    """Expected cells shed in [t0, t1] (days; arrays broadcast), windows on one side of the removal."""
    law, n0, rate, capacity, exponent = primary.growth
    common = dict(shedding_rate_per_g_day=primary.shedding_rate_per_g_day, cells_per_g=primary.cells_per_g)
    t0, t1 = np.broadcast_arrays(np.asarray(t0, dtype=float), np.asarray(t1, dtype=float))
    before = np.asarray(expected_shed(law, n0, t0, t1, rate, capacity, exponent,
                                      vascularisation_cells=primary.vascularisation_cells, **common))
    if not np.isfinite(primary.removal_time):
        return before
    left, removal = _residual(primary)
    after = 0.0 if left <= 0 else np.asarray(expected_shed(
        law, left, np.maximum(t0 - removal, 0.0), np.maximum(t1 - removal, 0.0), rate, capacity, exponent,
        vascularisation_cells=0.0, **common))
    return np.where(t1 <= removal, before, after)


def shedding(primary: Primary, times) -> np.ndarray:
    """Cells shed per day at ``times`` (days)."""
    law, n0, rate, capacity, exponent = primary.growth
    t = np.asarray(times, dtype=float)
    common = dict(shedding_rate_per_g_day=primary.shedding_rate_per_g_day, cells_per_g=primary.cells_per_g)
    before = shedding_intensity(law, n0, t, rate, capacity, exponent,
                                vascularisation_cells=primary.vascularisation_cells, **common)
    if not np.isfinite(primary.removal_time):
        return before
    return np.where(t < primary.removal_time, before,
                    primary.shedding_rate_per_g_day / primary.cells_per_g * size(primary, t))


def reach_time(primary: Primary, cells: float) -> float:
    """First time (days) the primary holds ``cells``; inf if never."""
    law, n0, rate, capacity, exponent = primary.growth
    first = float(time_to_reach(law, n0, cells, rate, capacity, exponent))
    if first < primary.removal_time:
        return first
    left, removal = _residual(primary)
    return removal + float(time_to_reach(law, left, cells, rate, capacity, exponent)) if left > 0 else np.inf

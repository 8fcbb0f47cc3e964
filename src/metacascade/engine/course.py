"""The primary's cells over time, with its removal, log-kills and slowing (MODEL.md §2, §4): one
place for every closed form the engine and the observation plan read.

The primary grows by its law from ``initial_cells`` at time 0 and sheds from vascularisation on
(``engine.shedding``). Each restart multiplies its cells by a factor and lets them regrow by the
same law from the new size (the law restarted then): the removal (``Primary.removal_time``) leaves
``residual_fraction`` of them, each log-kill (``Primary.kills``) its surviving share, and each
change of speed (``Primary.speeds``) keeps them and multiplies the law's rate: every law here is
autonomous with its rate a factor of dN/dt, so it then runs its curve at that speed. A tumour that
had reached its vascularisation size before a restart sheds at once after it; one that had not
sheds once it reaches that size. With no cell left the primary is gone.
"""

from __future__ import annotations

import numpy as np

from .growth import cell_days, invert_cell_days, size_at, time_to_reach
from .lower import MAX_DAYS, Lowered, Primary
from .shedding import expected_shed, shedding_intensity

#: Relative rounding of summed cell-days: a symptom time that ends a piece (a resection at the
#: diagnosis it leads to) is found in that piece, not after it.
_ROUNDING = 1e-9
#: A piece of the primary's course: (start time, cells then, cells at which it starts shedding, rate per day).
Piece = tuple[float, float, float, float]


def _restarts(primary: Primary) -> list[tuple[float, float, float | None]]:
    """(time, factor on its cells, speed from then or None: unchanged) of the removal, each kill and
    each change of speed, in time order (days)."""
    removal = [(primary.removal_time, primary.residual_fraction)] if np.isfinite(primary.removal_time) else []
    shrinks = [(time, factor, None) for time, factor in [*primary.kills, *removal]]
    return sorted([*shrinks, *((time, 1.0, speed) for time, speed in primary.speeds)], key=lambda restart: restart[0])


def pieces(primary: Primary) -> list[Piece]:
    """The primary's course from time 0 and from each restart, up to the first that leaves no cell."""
    law, n0, rate, capacity, exponent = primary.growth
    course = [(0.0, n0, primary.vascularisation_cells, rate)]
    vascular = False
    for time, factor, speed in _restarts(primary):
        start, cells, _, now = course[-1]
        before = float(size_at(law, cells, time - start, now, capacity, exponent))
        vascular = vascular or max(cells, before) >= primary.vascularisation_cells
        course.append((time, factor * before, 0.0 if vascular else primary.vascularisation_cells,
                       now if speed is None else rate * speed))
        if factor * before <= 0:
            break
    return course


def _spans(course: list[Piece]):
    """Each piece with the time it ends (the next restart; inf for the last)."""
    return zip(course, [piece[0] for piece in course[1:]] + [np.inf])


def size(primary: Primary, times, *, left: bool = False) -> np.ndarray:
    """Cells in the primary at ``times`` (days); ``left``: the limit from before each time, where a
    restart falls on it (its size at a resection then)."""
    law, n0, rate, capacity, exponent = primary.growth
    t = np.asarray(times, dtype=float)
    out = np.asarray(size_at(law, n0, t, rate, capacity, exponent), dtype=float)
    for start, cells, _, now in pieces(primary)[1:]:
        after = 0.0 if cells <= 0 else np.asarray(size_at(law, cells, np.maximum(t - start, 0.0), now, capacity,
                                                          exponent))
        out = np.where((t <= start) if left else (t < start), out, after)
    return out


def powered(primary: Primary, power: float = 1.0) -> tuple[tuple, list[Piece]]:
    """The curve N(t)^``power`` of the primary's course as a course of the same law: ((law, capacity,
    exponent), its pieces with cells^power and vascularisation^power, and the rate of that law).

    N^p of a Gompertz curve is the Gompertz curve of n0^p and capacity^p at the same rate, of an
    exponential the exponential at p x the rate, of a power law dN/dt = a N^g the power law of
    exponent 1 - (1 - g)/p at p x a (the lymph's surface entry, ``routes.Entry``, sheds with N^(2/3)).
    """
    law, _, _, capacity, exponent = primary.growth
    course = pieces(primary)
    if power == 1.0:
        return (law, capacity, exponent), course
    if law == "logistic":
        raise ValueError("powered: a logistic curve's N^p is not a logistic curve")
    speed = 1.0 if law == "gompertz" else power
    shape = (law, capacity**power if law == "gompertz" else capacity,
             1.0 - (1.0 - exponent) / power if law == "power_law" else exponent)
    return shape, [(start, cells**power, vascularisation**power, rate * speed)
                   for start, cells, vascularisation, rate in course]


def shed_mean(primary: Primary, t0, t1, power: float = 1.0) -> np.ndarray:
    """Expected cells shed in [t0, t1] (days; arrays broadcast), summed over the pieces it spans;
    with ``power``, at the per-cell rate x N^power (``powered``)."""
    (law, capacity, exponent), course = powered(primary, power)
    common = dict(shedding_rate_per_g_day=primary.shedding_rate_per_g_day, cells_per_g=primary.cells_per_g)
    t0, t1 = np.broadcast_arrays(np.asarray(t0, dtype=float), np.asarray(t1, dtype=float))
    total = np.zeros(t0.shape)
    if not (t1 > t0).any():
        return total  # no time, nothing shed
    for (start, cells, vascularisation, rate), end in _spans(course):
        if cells > 0:
            a, b = (np.clip(t, start, end) - start for t in (t0, t1))
            total = total + np.asarray(expected_shed(law, cells, a, b, rate, capacity, exponent,
                                                     vascularisation_cells=vascularisation, **common))
    return total


def shedding(primary: Primary, times, *, left: bool = False, power: float = 1.0) -> np.ndarray:
    """Cells shed per day at ``times`` (days); ``left``: the limit from before each time, where a
    restart falls on it (the end of an engine window whose restart acts after it); with ``power``, at
    the per-cell rate x N^power (``powered``)."""
    (law, capacity, exponent), course = powered(primary, power)
    t = np.asarray(times, dtype=float)
    common = dict(shedding_rate_per_g_day=primary.shedding_rate_per_g_day, cells_per_g=primary.cells_per_g)
    out = np.zeros(t.shape)
    for start, cells, vascularisation, rate in course:
        now = 0.0 if cells <= 0 else shedding_intensity(law, cells, np.maximum(t - start, 0.0), rate, capacity,
                                                        exponent, vascularisation_cells=vascularisation, **common)
        out = np.where((t <= start) if left and start > 0 else (t < start), out, now)
    return out


def reach_time(primary: Primary, cells: float) -> float:
    """First time (days) the primary holds ``cells``; inf if never."""
    law, _, _, capacity, exponent = primary.growth
    for (start, size_then, _, rate), end in _spans(pieces(primary)):
        if size_then <= 0:
            return np.inf
        first = start + float(time_to_reach(law, size_then, cells, rate, capacity, exponent))
        if first < end:
            return first
    return np.inf


def symptom_time(lowered: Lowered) -> float:
    """When the primary's symptoms lead to its diagnosis (days; inf if never): the hazard
    ``symptom_rate`` per cm³ of primary (its cells over cells_per_g, at 1 g/cm³), summed over its
    course, reaches the patient's exponential draw ``symptom_threshold`` (``engine.patient``)."""
    primary, plan = lowered.primary, lowered.observation
    return summed_hazard_time(primary, plan.symptom_rate / primary.cells_per_g, lowered.symptom_threshold)


def summed_hazard_time(primary: Primary, hazard_per_cell_day: float, threshold: float) -> float:
    """First time (days) at which the hazard ``hazard_per_cell_day`` x N(t), summed over the primary's
    course from time 0 (its restarts included), reaches ``threshold`` (a standard exponential draw:
    the time of the first event of that hazard); inf if never (within ``MAX_DAYS``)."""
    if hazard_per_cell_day <= 0 or not np.isfinite(threshold):
        return np.inf
    target = threshold / hazard_per_cell_day  # cell-days
    law, _, _, capacity, exponent = primary.growth
    for (start, cells, _, rate), end in _spans(pieces(primary)):
        if cells <= 0:
            return np.inf
        span = min(end, MAX_DAYS) - start
        available = float(cell_days(law, cells, 0.0, span, rate, capacity, exponent))
        if target <= available * (1.0 + _ROUNDING):  # symptoms that lead to a resection come before it
            return start + float(invert_cell_days(law, cells, min(target, available), span, rate, capacity, exponent))
        target -= available
        if end >= MAX_DAYS:
            return np.inf
    return np.inf

"""Colonies followed one by one once they outgrow the pool (MODEL.md §3 steps 4-5, §6).

A tracked colony jumps exactly between the times that matter: its size after a window is a
birth–death draw (below the deterministic threshold) or n e^{(b-d) t} (above it); whole-colony
clearance is an exponential clock. At the avascular bound M it is a dormant micrometastasis with
competing angiogenic switch and regression; a switched colony grows by Gompertz towards the
organ capacity. A log-kill thins growing colonies and eradicates dormant micrometastases
(``kill``); switched ones follow their shifted and slowed curves (``logkill.anchors``).

The bound is absorbing. Where the stochastic regime's ceiling (the bound, or the deterministic
threshold if lower) is at most ``EXACT_PATH_CEILING`` cells, paths are sampled event by event
(exact first passage; cheap because the ceiling is small). Above it, one free jump per window is
drawn and a jump that lands above M is taken to have crossed M at t_end - ln(n/M)/(b-d), the
deterministic back-extrapolation of the asymptotic regime: paths that touch M and fall back are
missed, an error of order 1/((b-d) sqrt(M) window) (docs/engine.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .growth import size_at
from .logkill import anchors
from .lower import Lowered
from .samplers import sample_birth_death, sample_birth_death_tail

GROWING, BOUND, MACRO, EXTINCT, CLEARED, REGRESSED, RESECTED = range(7)
#: Stochastic ceilings up to this size (cells) are crossed by exact event-by-event paths.
EXACT_PATH_CEILING = 1024


@dataclass
class Colonies:
    """Struct of arrays, one entry per tracked colony (times in days, sizes in cells)."""

    clone: np.ndarray
    organ: np.ndarray
    phase: np.ndarray
    size: np.ndarray  # current size (growing) or size at the bound (cleared: its size then, nan if not drawn)
    time: np.ndarray  # time at which ``size``/``phase`` hold
    tracked_time: np.ndarray
    bound_time: np.ndarray
    switch_time: np.ndarray
    regression_time: np.ndarray
    history: np.ndarray  # [n, T] cells at each observation time (0 before tracking)

    @classmethod
    def empty(cls, num_times: int) -> Colonies:
        """No colony (the fields share their arrays of no element)."""
        ints, floats = np.empty(0, dtype=np.int64), np.empty(0)
        return cls(clone=ints, organ=ints, phase=ints, size=floats, time=floats, tracked_time=floats,
                   bound_time=floats, switch_time=floats, regression_time=floats, history=np.empty((0, num_times)))

    @classmethod
    def founded(cls, clone, organ, size, times: np.ndarray, num_times: int) -> Colonies:
        """New growing colonies of ``size`` cells (each, or one for all, as ``clone`` and
        ``organ``) that started being tracked at ``times``."""
        n = times.size
        return cls(_each(clone, n, np.int64), _each(organ, n, np.int64), np.full(n, GROWING), _each(size, n, float),
                   times.astype(float), times.astype(float), np.full(n, np.nan), np.full(n, np.nan),
                   np.full(n, np.nan), np.zeros((n, num_times)))

    def __len__(self) -> int:
        return self.clone.size

    def select(self, which: np.ndarray) -> Colonies:
        """The colonies ``which`` (a mask, or indices in the order wanted)."""
        index = np.flatnonzero(which) if which.dtype == bool else which  # a take is ~8x a mask's speed
        return Colonies(**{name: getattr(self, name).take(index, axis=0) for name in _FIELDS})

    def extend(self, *others: Colonies) -> Colonies:
        """These colonies and ``others``, in order (one of them itself when the others are empty)."""
        parts = [part for part in (self, *others) if len(part)]
        if len(parts) <= 1:
            return parts[0] if parts else self
        return Colonies(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS})


_FIELDS = tuple(f.name for f in fields(Colonies))


def _each(value, n: int, dtype) -> np.ndarray:
    """[n] ``value`` (an array of n, or one for all) as a new array of ``dtype``."""
    return np.full(n, value, dtype=dtype) if np.ndim(value) == 0 else np.array(value, dtype=dtype)


def advance(
    colonies: Colonies,
    end: float,
    rates: dict[str, np.ndarray],
    threshold: float,
    rng: np.random.Generator,
) -> None:
    """Move every live colony to time ``end`` in place (one exact jump per colony)."""
    _grow(colonies, end, rates, threshold, rng)
    _resolve_bound(colonies, end, rates, rng)


def _rates_of(col: Colonies, idx: np.ndarray, rates: dict[str, np.ndarray], *names: str) -> list[np.ndarray]:
    """The named rates of the colonies ``idx`` (each [len(idx)])."""
    flat = np.ravel_multi_index((col.clone[idx], col.organ[idx]), rates[names[0]].shape)
    return [rates[name].ravel()[flat] for name in names]


#: Growing colonies jumped at once, at most: bounds the jump's temporaries (~0.2 kB a colony) when
#: millions outgrow the pool (the 1e9-cell Luzzi assay: ~3.9 million past its 256-cell pools between
#: days 3 and 13).
GROW_BLOCK = 2**20

#: Cleared colonies of one block whose sizes are drawn only where they decide their fates
#: (``samplers.sample_birth_death_tail``) if there are at least this many: the screen's extra
#: generator calls cost more than it saves for fewer (a patient's few hundred colonies).
SCREENED_MIN = 4096


def _grow(col: Colonies, end: float, rates: dict[str, np.ndarray], threshold: float, rng: np.random.Generator) -> None:
    """Every growing colony's jump to ``end`` (``_grow_some``), ``GROW_BLOCK`` colonies at a time."""
    growing = np.nonzero(col.phase == GROWING)[0]
    for start in range(0, growing.size, GROW_BLOCK):
        _grow_some(col, growing[start:start + GROW_BLOCK], end, rates, threshold, rng)


def _grow_some(col: Colonies, idx: np.ndarray, end: float, rates: dict[str, np.ndarray], threshold: float,
               rng: np.random.Generator) -> None:
    """The growing colonies ``idx`` moved to ``end`` in place: cleared, extinct, at the bound (with
    its time) or alive with their size then. Among many, a cleared colony's size is drawn only where
    it decides its fate (0: extinct first; the bound: reached first; ``SCREENED_MIN``), else nan."""
    b, d, bound, clearance = _rates_of(
        col, idx, rates, "birth_rate", "death_rate", "avascular_bound_cells", "clearance_rate"
    )
    net = b - d
    start, size = col.time[idx], col.size[idx]
    with np.errstate(divide="ignore"):
        cleared_at = start + rng.standard_exponential(idx.size) / clearance
    cleared = cleared_at < end
    stop = np.minimum(cleared_at, end)
    deterministic = (size >= threshold) & (net > 0)
    ceiling = np.where(net > 0, np.minimum(bound, threshold), bound)
    exact = ~deterministic & (ceiling <= EXACT_PATH_CEILING)
    jump = ~deterministic & ~exact
    new = np.empty(idx.size)
    hit = np.full(idx.size, np.inf)  # time an exact path reached its ceiling, then the bound
    if exact.any():
        new[exact], hit[exact] = _paths(rng, size[exact], b[exact], d[exact], start[exact], stop[exact], ceiling[exact])
    screened = jump & cleared
    if np.count_nonzero(screened) < SCREENED_MIN:
        screened[:] = False
    for which, tail in ((jump & ~screened, False), (screened, True)):
        if (which := np.flatnonzero(which)).size:
            args = rng, size[which], b[which], d[which], stop[which] - start[which]
            new[which] = sample_birth_death_tail(*args, bound[which]) if tail else sample_birth_death(*args)
    # deterministic growth: from the start, or from the threshold where an exact path handed over
    handoff = np.isfinite(hit) & (ceiling < bound)
    if (grows := np.flatnonzero(deterministic | handoff)).size:
        origin_time = np.where(handoff[grows], hit[grows], start[grows])
        origin_size = np.where(handoff[grows], ceiling[grows], size[grows])
        new[grows] = origin_size * np.exp(net[grows] * (stop[grows] - origin_time))
        hit[grows] = origin_time + np.log(bound[grows] / origin_size) / net[grows]
    reached = new >= bound
    if (jumped := np.flatnonzero(jump & reached)).size:  # back-extrapolated to the bound
        rate = net[jumped]
        back = np.log(new[jumped] / bound[jumped]) / np.where(rate > 0, rate, np.inf)
        hit[jumped] = np.maximum(stop[jumped] - back, start[jumped])
    phase = np.where(cleared, CLEARED, GROWING)
    phase[new == 0] = EXTINCT
    phase[reached] = BOUND
    col.phase[idx] = phase
    col.bound_time[idx[reached]] = hit[reached]
    col.time[idx] = np.where(reached, hit, stop)
    col.size[idx] = np.where(reached, bound, new)  # a dead colony's: 0, or its size when cleared (nan: not drawn)


def _paths(
    rng: np.random.Generator, size: np.ndarray, b: np.ndarray, d: np.ndarray,
    start: np.ndarray, stop: np.ndarray, ceiling: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact birth–death paths from ``start`` until ``stop``, extinction or the ``ceiling``.

    Returns (size at the end, time the ceiling was reached or inf). Vectorised over colonies,
    one event per colony per step.
    """
    n, t = size.astype(float), start.astype(float)
    reached = np.where(n >= ceiling, start, np.inf)
    active = np.nonzero((n > 0) & (n < ceiling) & (t < stop))[0]
    while active.size:
        rate = (b[active] + d[active]) * n[active]
        with np.errstate(divide="ignore"):
            t_next = t[active] + rng.exponential(1.0, active.size) / rate
        moving = t_next < stop[active]
        t[active] = np.where(moving, t_next, stop[active])
        up = rng.random(active.size) * (b[active] + d[active]) < b[active]
        n[active] += np.where(moving, np.where(up, 1.0, -1.0), 0.0)
        at_ceiling = moving & (n[active] >= ceiling[active])
        reached[active[at_ceiling]] = t[active[at_ceiling]]
        active = active[moving & (n[active] > 0) & ~at_ceiling]
    return n, reached


def _resolve_bound(col: Colonies, end: float, rates: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    idx = np.nonzero(col.phase == BOUND)[0]
    if idx.size == 0:
        return
    switch, regress = _rates_of(col, idx, rates, "switch_rate", "regression_rate")
    total = switch + regress
    with np.errstate(divide="ignore", invalid="ignore"):
        event = col.time[idx] + rng.exponential(1.0, idx.size) / total
        is_switch = rng.random(idx.size) * total < switch
    happened = event <= end
    switched, regressed = idx[happened & is_switch], idx[happened & ~is_switch]
    col.phase[switched] = MACRO
    col.switch_time[switched] = event[happened & is_switch]
    col.phase[regressed] = REGRESSED
    col.regression_time[regressed] = event[happened & ~is_switch]
    col.time[idx[~happened]] = end


def sizes_at(col: Colonies, time: float, lowered: Lowered) -> np.ndarray:
    """Cells in each colony at ``time`` (after ``advance`` to that time, and the kills up to it;
    switched ones on their curves, ``logkill.anchors``); 0 for dead colonies."""
    out = np.where((col.phase == GROWING) | (col.phase == BOUND), col.size, 0.0)
    macro = np.nonzero(col.phase == MACRO)[0]
    if macro.size:
        bound, rate, cap = _rates_of(col, macro, {**lowered.rates, "capacity": lowered.capacity},
                                     "avascular_bound_cells", "gompertz_rate", "capacity")
        at, cells, now = anchors(lowered, col.clone[macro], col.switch_time[macro], bound, rate, cap, time)
        out[macro] = size_at("gompertz", cells, time - at, now, cap)
    return out


def kill(col: Colonies, time: float, survival: np.ndarray, micromet_kill: np.ndarray, threshold: float,
         rng: np.random.Generator) -> None:
    """A log-kill at ``time`` (after ``advance`` to it), in place: each dividing cell of clone c
    survives with ``survival[c]``. A growing colony below ``threshold`` keeps Binomial(size, s)
    cells (0: extinct); one at or above it keeps size x s (the deterministic regime's approximation)
    unless that falls below the threshold, where it re-enters the stochastic regime with the
    binomial of its rounded size. A dormant micrometastasis is eradicated (regressed) with
    ``micromet_kill[c]``. Switched lesions are not touched: their curves read the kills
    (``logkill.anchors``)."""
    growing = np.nonzero((col.phase == GROWING) & (survival[col.clone] < 1.0))[0]
    s, size = survival[col.clone[growing]], col.size[growing]
    stays = (size >= threshold) & (size * s >= threshold)
    left = np.where(stays, size * s, rng.binomial(np.where(stays, 0, np.round(size)).astype(np.int64), s))
    col.size[growing] = left
    col.phase[growing[left == 0]] = EXTINCT
    dormant = np.nonzero((col.phase == BOUND) & (micromet_kill[col.clone] > 0.0))[0]
    eradicated = dormant[rng.random(dormant.size) < micromet_kill[col.clone[dormant]]]
    col.phase[eradicated] = REGRESSED
    col.regression_time[eradicated] = time


def dissect(col: Colonies, time: float, organs: np.ndarray) -> None:
    """A node dissection at ``time`` (after ``advance`` to it), in place: every colony in ``organs``
    [O] (bool) is removed, a growing one cleared, a dormant micrometastasis regressed and a switched
    one resected; a lesion is gone from ``time`` (``regression_time``)."""
    here = organs[col.organ]
    lesion = here & ((col.phase == BOUND) | (col.phase == MACRO))
    for phase, gone in ((GROWING, CLEARED), (BOUND, REGRESSED), (MACRO, RESECTED)):
        col.phase[here & (col.phase == phase)] = gone
    col.regression_time[lesion] = time

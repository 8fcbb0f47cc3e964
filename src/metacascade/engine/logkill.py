"""Log-kill of dividing cells and slowed vascular growth (MODEL.md §4, docs/engine.md §7): when a
kill acts, and the curve of a switched lesion that kills shrink and anti-angiogenic therapy slows.

A kill (``lower.Kills``) at time t_k leaves each dividing cell of clone c alive with
s = ``survival[k, c]``. A switched lesion (macrometastasis) is shrunk deterministically to s times
its cells, and its Gompertz law being autonomous, it then regrows along the same curve shifted in
time: its size from t_k is the Gompertz closed form from s N(t_k) cells. Slowing (``lower.Slowing``)
multiplies its Gompertz rate a by a speed f from a time on: the ODE dN/dt = a N ln(K/N) being
autonomous, the lesion runs its curve at speed f (its curve time advances by f dt), the closed form
at rate f a from its cells then. A lesion's curve is thus a sequence of anchors (time, cells,
rate): (switch time, avascular bound M, a times the speed then), then one per kill or change of
speed after its switch, in time order. Its cells are a function of the schedule and its switch
time alone, so nothing per lesion is stored: the engine (sizes, shedding) and the observation plan
(burden, death, detection) read the same anchors. Growing and dormant colonies and the pool are
thinned by draws (``colonies.kill``, ``pool.thin``) and grow at their birth-death rates, not slowed;
the primary's share is in ``course``.
"""

from __future__ import annotations

import numpy as np

from .growth import size_at, time_to_reach
from .lower import Lowered, Slowing

Anchors = tuple[np.ndarray, np.ndarray, np.ndarray]


def kill_at(lowered: Lowered, time: float) -> int | None:
    """The index of the kill at ``time`` (days); None if none acts then."""
    kills = lowered.kills
    if kills is None:
        return None
    k = int(np.searchsorted(kills.times, time))
    return k if k < kills.times.size and kills.times[k] == time else None


def speed_at(slowing: Slowing | None, times) -> np.ndarray:
    """The factor on vascular growth rates in force at ``times`` (days; a change at t from t on)."""
    if slowing is None:
        return np.ones(np.shape(times))
    return np.r_[1.0, slowing.speed][np.searchsorted(slowing.times, times, side="right")]


def _events(lowered: Lowered) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every change of the switched lesions' curves, in time order: ([E] days, [E, C] share of each
    clone's cells left, [E] speed from then on); a kill and a change of speed at one time are one."""
    kills, slowing = lowered.kills, lowered.slowing
    if kills is None and slowing is None:  # nothing changes the curves
        return np.empty(0), np.empty((0, lowered.rates["gompertz_rate"].shape[0])), np.empty(0)
    kill_times = np.empty(0) if kills is None else kills.times
    times = np.union1d(kill_times, np.empty(0) if slowing is None else slowing.times)
    survival = np.ones((times.size, lowered.rates["gompertz_rate"].shape[0] if kills is None else
                        kills.survival.shape[1]))
    if kills is not None:
        survival[np.searchsorted(times, kill_times)] = kills.survival
    return times, survival, speed_at(slowing, times)


def change_times(lowered: Lowered) -> np.ndarray:
    """[E] the times (days) at which the switched lesions' curves change (kills, changes of speed), in order."""
    return _events(lowered)[0]


def _restart(acts, time: float, survival, rate, anchor: Anchors, capacity) -> Anchors:
    """The anchors of the lesions ``acts`` restarted at ``time`` from ``survival`` times their cells
    then, at ``rate``; the others' (and those it changes nothing for) as they were."""
    at, cells, now = anchor
    acts = acts & ((survival < 1.0) | (rate != now))
    before = size_at("gompertz", cells, np.maximum(time - at, 0.0), now, capacity)
    return np.where(acts, time, at), np.where(acts, survival * before, cells), np.where(acts, rate, now)


def anchors(lowered: Lowered, clone, switch, bound, rate, capacity, times) -> Anchors:
    """(time, cells, rate) from which each switched lesion's Gompertz curve runs at ``times`` (arrays
    broadcast; a change at t counts from t on): its size at t is the closed form from those cells
    over t - time at that rate."""
    shape = np.broadcast(switch, times).shape
    anchor = (np.broadcast_to(switch, shape).astype(float), np.broadcast_to(bound, shape).astype(float),
              np.broadcast_to(rate * speed_at(lowered.slowing, switch), shape))
    for time, survival, speed in zip(*_events(lowered)):
        anchor = _restart((switch < time) & (time <= times), time, survival[clone], rate * speed, anchor, capacity)
    return anchor


def lesion_reach(lowered: Lowered, clone, switch, bound, rate, capacity, threshold: float) -> np.ndarray:
    """First time (days) each switched lesion holds ``threshold`` cells after its switch: on its
    curve before the first change that comes before it, or after the last (inf if never)."""
    anchor = (np.asarray(switch, dtype=float), np.asarray(bound, dtype=float), rate * speed_at(lowered.slowing, switch))
    reach = switch + time_to_reach("gompertz", bound, threshold, anchor[2], capacity)
    for time, survival, speed in zip(*_events(lowered)):
        acts = (switch < time) & (reach > time)
        anchor = _restart(acts, time, survival[clone], rate * speed, anchor, capacity)
        at, cells, now = anchor
        reach = np.where(acts, at + time_to_reach("gompertz", cells, threshold, now, capacity), reach)
    return reach

"""Log-kill of dividing cells (MODEL.md §4, docs/engine.md §7): when a kill acts, and the curve of
a switched lesion that kills shrink.

A kill (``lower.Kills``) at time t_k leaves each dividing cell of clone c alive with
s = ``survival[k, c]``. A switched lesion (macrometastasis) is shrunk deterministically to s times
its cells, and its Gompertz law being autonomous, it then regrows along the same curve shifted in
time: its size from t_k is the Gompertz closed form from s N(t_k) cells. A lesion's curve is thus
a sequence of anchors (time, cells): (switch time, avascular bound M), then one per kill after its
switch. Its cells are a function of the schedule and its switch time alone, so nothing per lesion
is stored: the engine (sizes, shedding) and the observation plan (burden, death, detection) read
the same anchors. Growing and dormant colonies and the pool are thinned by draws
(``colonies.kill``, ``pool.thin``); the primary's share is in ``course``.
"""

from __future__ import annotations

import numpy as np

from .growth import size_at, time_to_reach
from .lower import Kills, Lowered


def kill_at(lowered: Lowered, time: float) -> int | None:
    """The index of the kill at ``time`` (days); None if none acts then."""
    kills = lowered.kills
    if kills is None:
        return None
    k = int(np.searchsorted(kills.times, time))
    return k if k < kills.times.size and kills.times[k] == time else None


def anchors(kills: Kills | None, clone, switch, bound, rate, capacity, times) -> tuple[np.ndarray, np.ndarray]:
    """(time, cells) from which each switched lesion's Gompertz curve runs at ``times`` (arrays
    broadcast; a kill at t counts from t on): (``switch``, ``bound``) until the first kill after its
    switch, then (kill time, surviving cells) after each."""
    if kills is None:
        return switch, bound
    shape = np.broadcast_shapes(np.shape(switch), np.shape(times))
    at, cells = np.broadcast_to(switch, shape).astype(float), np.broadcast_to(bound, shape).astype(float)
    for time, survival in zip(kills.times, kills.survival):
        acts = (switch < time) & (time <= times) & (survival[clone] < 1.0)
        before = size_at("gompertz", cells, np.maximum(time - at, 0.0), rate, capacity)
        cells = np.where(acts, survival[clone] * before, cells)
        at = np.where(acts, time, at)
    return at, cells


def lesion_reach(kills: Kills | None, clone, switch, bound, rate, capacity, threshold: float) -> np.ndarray:
    """First time (days) each switched lesion holds ``threshold`` cells after its switch: on its
    curve before the first kill that comes before it, or regrowing after the last (inf if never)."""
    reach = switch + time_to_reach("gompertz", bound, threshold, rate, capacity)
    if kills is None:
        return reach
    at, cells = np.asarray(switch, dtype=float), np.asarray(bound, dtype=float)
    for time, survival in zip(kills.times, kills.survival):
        acts = (switch < time) & (reach > time) & (survival[clone] < 1.0)
        cells = np.where(acts, survival[clone] * size_at("gompertz", cells, np.maximum(time - at, 0.0), rate,
                                                         capacity), cells)
        at = np.where(acts, time, at)
        reach = np.where(acts, at + time_to_reach("gompertz", cells, threshold, rate, capacity), reach)
    return reach

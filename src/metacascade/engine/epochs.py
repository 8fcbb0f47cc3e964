"""Epochs as the engine reads them: the times at which its windows split, and the rates and
shedding in force in each piece (``lower.Epochs``; the primary's removal, ``lower.Primary``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import course
from .lower import FIXED_RATES, RATE_NAMES, Epochs, Lowered


def with_epochs(
    lowered: Lowered, epochs: Epochs | None = None, *, removal_time: float = np.inf, residual_fraction: float = 0.0,
    node_dissection: bool = False,
) -> Lowered:
    """``lowered`` with ``epochs`` and the primary resected at ``removal_time`` (days), leaving
    ``residual_fraction`` of its cells, with its regional nodes if ``node_dissection``; checked (a
    ``ValueError`` names what is wrong)."""
    if epochs is not None:
        times = np.asarray(epochs.times, dtype=float)
        shape = (times.size, len(lowered.clone_names), len(lowered.organ_names))
        if times.ndim != 1 or np.any(times < 0) or np.any(np.diff(times) <= 0) or not np.all(np.isfinite(times)):
            raise ValueError(f"epochs.times: must be finite, >= 0 and strictly increasing (got {times})")
        for name, values in epochs.rate_multipliers.items():
            if name not in RATE_NAMES or name in FIXED_RATES:
                allowed = ", ".join(n for n in RATE_NAMES if n not in FIXED_RATES)
                raise ValueError(f"epochs.rate_multipliers: {name!r} cannot change; allowed: {allowed}")
            if np.shape(values) != shape or np.any(~np.isfinite(values)) or np.any(np.asarray(values) < 0):
                raise ValueError(f"epochs.rate_multipliers.{name}: must be finite and >= 0 with shape {shape}")
        shedding = np.asarray(epochs.shedding, dtype=float)
        if shedding.shape != times.shape or np.any(~np.isfinite(shedding)) or np.any(shedding < 0):
            raise ValueError(f"epochs.shedding: must be finite and >= 0, one per time (got {shedding})")
        lowered = replace(lowered, epochs=Epochs(times, dict(epochs.rate_multipliers), shedding))
    if np.isfinite(removal_time):
        if lowered.primary is None or not removal_time > 0 or not 0 <= residual_fraction <= 1:
            raise ValueError("removal_time: needs a primary, a time > 0 (days) and 0 <= residual_fraction <= 1")
        primary = replace(lowered.primary, removal_time=float(removal_time), residual_fraction=float(residual_fraction),
                          node_dissection=node_dissection)
        lowered = replace(lowered, primary=primary)
    return lowered


def combined(first: Epochs | None, second: Epochs | None) -> Epochs | None:
    """``first`` and ``second`` in force together: a change at each time of either, and in each piece
    the products of their rate multipliers and of their shedding factors (1 before an epochs' first
    time, and for a rate it does not name); either one itself when the other is None."""
    if first is None or second is None:
        return second if first is None else first
    times = np.union1d(first.times, second.times)
    pieces = [np.searchsorted(epochs.times, times, side="right") for epochs in (first, second)]  # 0: before

    def in_force(values: np.ndarray | None, piece: np.ndarray) -> np.ndarray | float:
        return 1.0 if values is None else np.concatenate([np.ones_like(values[:1]), values])[piece]

    names = set(first.rate_multipliers) | set(second.rate_multipliers)
    multipliers = {name: in_force(first.rate_multipliers.get(name), pieces[0])
                   * in_force(second.rate_multipliers.get(name), pieces[1]) for name in names}
    return Epochs(times, multipliers, in_force(first.shedding, pieces[0]) * in_force(second.shedding, pieces[1]))


def _changes(epochs: Epochs | None) -> list[float]:
    """The epoch times at which something changes (an epoch equal to the one before splits nothing,
    so a run with it is the run without it, draw for draw)."""
    if epochs is None:
        return []
    names = sorted(epochs.rate_multipliers)
    before = [np.ones_like(epochs.rate_multipliers[name][0]) for name in names], 1.0
    changes = []
    for e, time in enumerate(epochs.times):
        now = [epochs.rate_multipliers[name][e] for name in names], float(epochs.shedding[e])
        if now[1] != before[1] or any(not np.array_equal(a, b) for a, b in zip(now[0], before[0])):
            changes.append(float(time))
        before = now
    return changes


def step_ends(lowered: Lowered) -> np.ndarray:
    """The ends of the engine's windows: the observation times, and every change (epoch, removal,
    kill, speed of vascular growth) before the last; and the diagnosis by symptoms, where the
    engine reads the colonies in the regional nodes for the N stage and which the staging imaging
    of therapy waiting for the first metastasis seen may see (``engine.patient`` reruns such a
    patient from there; each window of a new length costs new kernels). A diagnosis by screening
    is at an imaging, which ends a window already."""
    changes = _changes(lowered.epochs)
    if lowered.primary is not None:
        changes.append(lowered.primary.removal_time)
        if lowered.observation is not None and lowered.observation.symptom_rate > 0:
            changes.append(course.symptom_time(lowered))
    if lowered.kills is not None:
        changes.extend(lowered.kills.times.tolist())
    if lowered.slowing is not None:
        changes.extend(lowered.slowing.times.tolist())
    end = lowered.observation_times[-1]
    return np.union1d(lowered.observation_times, [t for t in changes if 0 < t < end])  # a change at 0: from the start


def epoch_at(lowered: Lowered, time: float) -> int:
    """The epoch in force just after ``time`` (days); -1 before the first change."""
    if lowered.epochs is None:
        return -1
    return int(np.searchsorted(lowered.epochs.times, time, side="right")) - 1


def rates_in_force(lowered: Lowered, epoch: int) -> dict[str, np.ndarray]:
    """The fate rates [C, O] (per day) of ``epoch``."""
    if epoch < 0:
        return lowered.rates
    multipliers = lowered.epochs.rate_multipliers
    return {name: values * multipliers[name][epoch] if name in multipliers else values
            for name, values in lowered.rates.items()}


def shedding_in_force(lowered: Lowered, epoch: int) -> float:
    """The factor on every tumour's shedding in ``epoch``."""
    return 1.0 if epoch < 0 else float(lowered.epochs.shedding[epoch])


def shedding_at(lowered: Lowered, times) -> np.ndarray:
    """The factor on every tumour's shedding at ``times`` (days)."""
    t = np.asarray(times, dtype=float)
    if lowered.epochs is None:
        return np.ones(t.shape)
    return np.r_[1.0, lowered.epochs.shedding][np.searchsorted(lowered.epochs.times, t, side="right")]

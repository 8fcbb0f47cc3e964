"""What an assay engine returns: founder-cell counts at each observation, and lesion records.

Every injected cell is a *founder*: it is in exactly one state (alive) or has met one terminal fate,
at every time. A colony counts once, as its founder, in a size class. Counts are arrays [C, O]
(clones x organs) of int64; cumulative tallies count events since time 0.

Cells enter the circulation by injection (time 0) or by shedding from a primary. Conservation,
per clone c at every observation:
    entered[c] = in_transit[c] + died_in_transit[c] + sum over organs of (ALIVE_STATES + TERMINAL_FATES)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Alive states of a founder (MODEL.md §3 steps 1-5). ``dividing_single`` is a colony of one cell.
ALIVE_STATES: tuple[str, ...] = (
    "in_vessel",
    "solitary",
    "solitary_dormant",
    "dividing_single",
    "micromet_2_3",
    "micromet_4_16",
    "micromet_17plus",
    "dormant_micromet",
    "macromet",
)
#: Terminal fates of a founder after arrest (cumulative).
TERMINAL_FATES: tuple[str, ...] = (
    "dead_in_vessel",
    "dead_apoptosis",
    "dead_dormant",
    "extinct",
    "cleared",
    "regressed",
    "resected",  # switched lesions removed by a node dissection (MODEL.md §4)
)
#: Cumulative event tallies that are not exclusive states (for the fate ledger).
TALLIES: tuple[str, ...] = (
    "founded_direct",  # single extravasated cells that started dividing
    "founded_reactivated",  # dormant cells that reactivated (and started dividing)
    "reached_bound",  # colonies that reached the avascular bound
    "switched",  # dormant micrometastases that made the angiogenic switch
)
SNAPSHOT_FIELDS: tuple[str, ...] = ALIVE_STATES + TERMINAL_FATES + TALLIES
#: Growing avascular colonies (below the bound), by size class.
GROWING_STATES: tuple[str, ...] = ("dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus")


@dataclass
class Snapshot:
    """Founder counts at one observation time."""

    time: float
    counts: dict[str, np.ndarray]  # SNAPSHOT_FIELDS -> [C, O] int64
    cells: np.ndarray  # [C, O] float: tumour cells alive in each organ (all states)
    in_transit: np.ndarray  # [C] int64: founders still circulating
    entered: np.ndarray  # [C] int64: founders that entered the circulation so far (injected + shed)
    arrested: np.ndarray  # [C, O] int64: founders that arrested in each organ so far
    died_in_transit: np.ndarray  # [C] int64: founders that died in transit so far

    def total_alive_and_dead(self) -> np.ndarray:
        """[C] founders accounted for in organs (alive states + terminal fates)."""
        return sum(self.counts[name].sum(axis=1) for name in ALIVE_STATES + TERMINAL_FATES)


@dataclass
class Lesions:
    """Colonies that reached the avascular bound, one row each (times in days, NaN if not reached)."""

    clone: np.ndarray  # [L] int
    organ: np.ndarray  # [L] int
    tracked_time: np.ndarray  # [L] time the colony exceeded the pooled sizes (17 cells)
    bound_time: np.ndarray  # [L] time it reached the avascular bound
    switch_time: np.ndarray  # [L] angiogenic switch (NaN if none)
    regression_time: np.ndarray  # [L] regression or removal by a node dissection (NaN if none)
    size: np.ndarray  # [L, T] cells at each observation time (0 before tracking or after regression)

    @classmethod
    def empty(cls, num_times: int) -> Lesions:
        f = np.empty(0)
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), f, f, f, f, np.empty((0, num_times)))


@dataclass
class RunOutcome:
    """Everything an engine returns (totals at the last observation; per-time values on snapshots)."""

    injected: np.ndarray  # [C] int64 cells injected at time 0
    snapshots: list[Snapshot] = field(default_factory=list)
    lesions: Lesions | None = None
    largest_at_diagnosis: np.ndarray | None = None  # [O] cells in the largest colony of each organ at the
    # diagnosis (before any therapy then; ``observation.diagnosis_time``), None if not recorded

    @property
    def arrested(self) -> np.ndarray:
        """[C, O] founders that arrested in each organ by the last observation."""
        return self.snapshots[-1].arrested

    @property
    def died_in_transit(self) -> np.ndarray:
        """[C] founders that died in transit by the last observation."""
        return self.snapshots[-1].died_in_transit


def summed(outcomes: Sequence[RunOutcome]) -> RunOutcome:
    """The founders of ``outcomes`` (observed at the same times) summed over them, snapshot by
    snapshot (integer counts: exact in any order; cells alive too), without lesions; a single
    outcome is itself."""
    if len(outcomes) == 1:
        return outcomes[0]
    first = outcomes[0].snapshots
    snapshots = [snap for outcome in outcomes for snap in outcome.snapshots]

    def total(values: list[np.ndarray]) -> np.ndarray:
        """[T, ...]: ``values`` of ``snapshots``, summed over the outcomes."""
        return np.concatenate(values).reshape(len(outcomes), len(first), *values[0].shape).sum(axis=0)

    counts = {name: total([snap.counts[name] for snap in snapshots]) for name in (first[0].counts if first else ())}
    cells, in_transit, entered, arrested, died = (
        total([getattr(snap, name) for snap in snapshots]) if first else None
        for name in ("cells", "in_transit", "entered", "arrested", "died_in_transit")
    )
    return RunOutcome(
        injected=np.sum([outcome.injected for outcome in outcomes], axis=0),
        snapshots=[Snapshot(time=snap.time, counts={name: value[t] for name, value in counts.items()}, cells=cells[t],
                            in_transit=in_transit[t], entered=entered[t], arrested=arrested[t],
                            died_in_transit=died[t]) for t, snap in enumerate(first)],
    )

"""Work estimated before it starts (closed forms, nothing drawn): the cells that enter the
circulation, the colonies followed one by one, the memory and the CPU time of a run, so that work
beyond the machine is refused with numbers and the field to change before anything is drawn or
written (``check_work``; ``force`` for those who know).

The estimates are orders of magnitude, from the engines' measured costs on a 2-core machine:
the per-cell reference engine spends ~1e-4 s and ~1 kB per cell that enters; the exact engine
~2 ms per window, ~2 us per tracked colony per window, ~1 ms per kernel (one per distinct
rate set and window length: irregular schedules pay it for every gap), and 100 bytes plus 8 per
observation time for each tracked colony.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import TooMuchWork  # noqa: F401 (re-exported)
from .epochs import step_ends
from .handoff import expected_founders_by_site, pooled_max_cells, primary_founders_shed
from .lower import Lowered
from .pool import Chains

#: Cells the per-cell reference engine follows at most (~100 s, ~1 GB).
MAX_REFERENCE_CELLS = 1e6
#: Memory one run may take (bytes): a worker on a 24 GB, 2-core machine.
MAX_MEMORY_BYTES = 8 * 2**30
#: CPU time a call may take (seconds): a day of both cores.
MAX_CPU_SECONDS = 2 * 86_400.0
#: Measured costs (see the module docstring).
_REFERENCE_SECONDS_PER_CELL, _REFERENCE_BYTES_PER_CELL = 1e-4, 1e3
_SECONDS_PER_WINDOW, _SECONDS_PER_COLONY_WINDOW, _SECONDS_PER_KERNEL = 2e-3, 2e-6, 1e-3



@dataclass(frozen=True)
class Estimate:
    """What one run (one patient) costs, in orders of magnitude."""

    cells: float  # cells (founders) that enter the circulation: injected and shed by the primary
    colonies: float  # colonies the engine follows one by one
    windows: int  # the engine's windows (observations and epoch changes)
    memory_bytes: float
    cpu_seconds: float


def _reach_probability(rates: dict[str, np.ndarray], handoff: np.ndarray) -> np.ndarray:
    """[C, O] an upper bound on P(a founded colony reaches ``handoff`` cells): gambler's ruin from
    one cell without clearance (1 when the colony is tracked from its first cell)."""
    b, d = rates["birth_rate"], rates["death_rate"]
    ratio = np.where(b > 0, d / np.where(b > 0, b, 1.0), np.inf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ruin = np.where(np.isclose(ratio, 1.0), 1.0 / handoff, (1.0 - ratio) / (1.0 - ratio ** handoff.astype(float)))
    return np.where(handoff <= 1, 1.0, np.clip(np.nan_to_num(ruin, nan=0.0), 0.0, 1.0))


def estimate(lowered: Lowered, engine: str = "exact") -> Estimate:
    """The cost of one run of ``lowered`` on ``engine`` ("exact" or "reference")."""
    cells = float(lowered.injection_cells.sum())
    if lowered.primary is not None:
        cells += float(primary_founders_shed(lowered).sum())
    founders = expected_founders_by_site(lowered)
    chains = Chains(lowered.rates, lowered.deterministic_threshold, pooled_max_cells(lowered, founders.sum()))
    colonies = float((founders * _reach_probability(lowered.rates, chains.handoff)).sum())
    ends = step_ends(lowered)
    windows = int(ends.size)
    if engine == "reference":
        return Estimate(cells, colonies, windows, cells * _REFERENCE_BYTES_PER_CELL, cells * _REFERENCE_SECONDS_PER_CELL)
    memory = colonies * (100.0 + 8.0 * lowered.observation_times.size)
    kernels = np.unique(np.round(np.diff(np.r_[0.0, ends]), 9)).size * (int(chains.group.max()) + 1)
    seconds = windows * (_SECONDS_PER_WINDOW + colonies * _SECONDS_PER_COLONY_WINDOW) + kernels * _SECONDS_PER_KERNEL
    return Estimate(cells, colonies, windows, memory, seconds)


def check_work(lowered: Lowered, engine: str = "exact", num_patients: int = 1) -> Estimate:
    """The estimate of one run; a ``TooMuchWork`` naming the numbers and what to change when the
    run (or ``num_patients`` of them) is beyond the machine."""
    cost = estimate(lowered, engine)
    if engine == "reference" and cost.cells > MAX_REFERENCE_CELLS:
        raise TooMuchWork(
            f"engine: the reference engine follows every cell one by one, and this run sends {cost.cells:.3g} cells "
            f"into the circulation (at most {MAX_REFERENCE_CELLS:.0e}: ~{cost.cpu_seconds:.3g} s and "
            f"~{cost.memory_bytes / 2**30:.3g} GiB); use engine='exact', or fewer injected cells "
            "(injections.num_cells) or a shorter horizon (observation_times)"
        )
    if cost.memory_bytes > MAX_MEMORY_BYTES:
        raise TooMuchWork(
            f"observation_times: ~{cost.colonies:.3g} colonies followed one by one over {lowered.observation_times.size} "
            f"observations need ~{cost.memory_bytes / 2**30:.3g} GiB (at most {MAX_MEMORY_BYTES / 2**30:.0f}); observe "
            "less often, or lower the colonisation rates (division_rate, reactivation_rate)"
        )
    total = cost.cpu_seconds * num_patients
    if total > MAX_CPU_SECONDS:
        raise TooMuchWork(
            f"num_patients: {num_patients:,} runs of ~{cost.cpu_seconds:.3g} s each ({cost.windows} windows, "
            f"~{cost.colonies:.3g} colonies followed) need ~{total / 3600:.3g} CPU hours (at most "
            f"{MAX_CPU_SECONDS / 3600:.0f}); run fewer patients, observe less often (observation_times), or pass force"
        )
    return cost

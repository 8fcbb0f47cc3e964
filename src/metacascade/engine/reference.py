"""Per-cell reference engine: one founder at a time, discrete-event, the same model (MODEL.md §6).

Slow and obviously correct, for tests (N up to ~1e4 cells, small bounds and thresholds). Every
injected cell is routed bed by bed through the circulation (§1); an arrested cell is walked through
the post-arrest cascade (§3) by racing independent exponential clocks; a colony grows by Gillespie
steps of the linear birth–death process up to the deterministic threshold, then by its mean
exponential; at the avascular bound it waits for the angiogenic switch or regression; a switched
colony grows by Gompertz towards the organ capacity. The simulation runs to the last observation
time. Times in days, rates per day, sizes in cells.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .lower import POOLED_MAX, Lowered, Routing
from .outcome import SNAPSHOT_FIELDS, AssayOutcome, Lesions, Snapshot

#: A colony is tracked as a lesion from the time it first outgrows the pooled sizes (cells).
TRACKED_SIZE = POOLED_MAX + 1
#: A cell that has visited this many beds without arresting or dying means a broken anatomy.
MAX_BED_VISITS = 1_000_000
#: The state of a growing avascular colony, resolved to a size class when observed.
COLONY = "colony"

Size = Callable[[float], float]


@dataclass(frozen=True)
class _Stay:
    """The founder is in ``state`` during [start, end) days with ``size(t)`` cells."""

    state: str  # an ALIVE_STATES or TERMINAL_FATES name, or COLONY (classed by size when observed)
    start: float
    end: float
    size: Size


@dataclass
class _Life:
    """One arrested founder's path up to the horizon: its stays, tally events and lesion times."""

    stays: list[_Stay] = field(default_factory=list)
    events: list[tuple[str, float]] = field(default_factory=list)  # (TALLIES name, time)
    tracked_time: float = math.nan
    bound_time: float = math.nan
    switch_time: float = math.nan
    regression_time: float = math.nan

    def stay(self, state: str, start: float, end: float, size: Size) -> None:
        self.stays.append(_Stay(state, start, end, size))

    def end(self, fate: str, time: float) -> None:
        """Terminal ``fate`` at ``time``: no cells from then on."""
        self.stays.append(_Stay(fate, time, math.inf, _constant(0.0)))

    def at(self, time: float) -> tuple[str, float]:
        """(state, cells) at ``time``; a growing colony is reported by its size class."""
        for stay in self.stays:
            if stay.start <= time < stay.end:
                size = stay.size(time)
                return (size_class(size) if stay.state == COLONY else stay.state), size
        raise RuntimeError(f"no state at t={time}: the path stops before it")  # pragma: no cover

    def lesion_size(self, time: float) -> float:
        """Cells of the lesion at ``time``: 0 before it is tracked and after regression."""
        return 0.0 if time < self.tracked_time else self.at(time)[1]


def size_class(cells: float) -> str:
    """GROWING_STATES name of a growing avascular colony of ``cells`` cells."""
    if cells < 2:
        return "dividing_single"
    if cells < 4:
        return "micromet_2_3"
    if cells < TRACKED_SIZE:
        return "micromet_4_16"
    return "micromet_17plus"


def _constant(cells: float) -> Size:
    return lambda t: cells


def _steps(times: list[float], sizes: list[int]) -> Size:
    """Size of a colony that jumps to ``sizes[i]`` at ``times[i]``."""
    return lambda t: float(sizes[bisect_right(times, t) - 1])


def _exponential(cells: float, rate: float, start: float) -> Size:
    """Deterministic growth ``cells * exp(rate (t - start))`` (MODEL.md §6, above the threshold)."""
    return lambda t: cells * math.exp(rate * (t - start))


def _gompertz(cells: float, capacity: float, rate: float, start: float) -> Size:
    """Gompertz growth from ``cells`` at ``start`` towards ``capacity`` at ``rate`` per day (§3.5)."""
    return lambda t: capacity * math.exp(math.log(cells / capacity) * math.exp(-rate * (t - start)))


def _wait(rng: np.random.Generator, rate: float) -> float:
    """Exponential waiting time, days, at ``rate`` per day (infinite for rate 0)."""
    return rng.exponential(1.0 / rate) if rate > 0 else math.inf


def _race(rng: np.random.Generator, start: float, rates: dict[str, float]) -> tuple[float, Optional[str]]:
    """Independent exponential clocks started at ``start``: (time of the first, its name)."""
    first, winner = math.inf, None
    for name, rate in rates.items():
        time = start + _wait(rng, rate)
        if time < first:
            first, winner = time, name
    return first, winner


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> int:
    """Index drawn with probabilities proportional to the increments of ``cumulative``."""
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


def _transit(
    rng: np.random.Generator, routing: Routing, entry: np.ndarray, drain: np.ndarray, clone: int
) -> Optional[int]:
    """Route one cell bed by bed (§1): the organ where it arrests, or None if it dies in transit.

    ``entry`` is the cumulative first-bed distribution of its vessel, ``drain`` the cumulative
    drainage [O, O]. Before each bed the cell survives the segment with ``segment_survival``.
    """
    bed = _pick(rng, entry)
    for _ in range(MAX_BED_VISITS):
        if rng.random() >= routing.segment_survival[clone]:
            return None
        if rng.random() < routing.arrest[clone, bed]:
            return bed
        bed = _pick(rng, drain[bed])
    raise RuntimeError(f"a cell of clone {clone} visited {MAX_BED_VISITS} beds without arresting or dying")


def _grow_colony(
    rng: np.random.Generator, rates: dict[str, float], threshold: float, start: float, horizon: float, life: _Life
) -> Optional[float]:
    """Grow a colony founded by one cell at ``start`` (§3.4); its stays go into ``life``.

    Gillespie steps (birth ``b n``, death ``d n`` per day) while below the bound and, when b > d,
    below the deterministic ``threshold``; above it, ``n_thr exp((b - d)(t - t_thr))``. Clearance
    removes the whole colony at its own rate throughout. Returns the time the colony reaches the
    avascular bound, or None if it goes extinct, is cleared, or still grows at ``horizon``.
    """
    birth, death = rates["birth_rate"], rates["death_rate"]
    bound = rates["avascular_bound_cells"]
    cleared_at = start + _wait(rng, rates["clearance_rate"])
    times, sizes = [start], [1]
    time, cells = start, 1
    while cells < bound and not (birth > death and cells >= threshold):
        step = time + _wait(rng, (birth + death) * cells)
        if min(step, cleared_at) > horizon:
            life.stay(COLONY, start, math.inf, _steps(times, sizes))
            return None
        if cleared_at < step:
            life.stay(COLONY, start, cleared_at, _steps(times, sizes))
            life.end("cleared", cleared_at)
            return None
        time = step
        cells += 1 if rng.random() * (birth + death) < birth else -1
        times.append(time)
        sizes.append(cells)
        if cells == TRACKED_SIZE and math.isnan(life.tracked_time):
            life.tracked_time = time
        if cells == 0:
            life.stay(COLONY, start, time, _steps(times, sizes))
            life.end("extinct", time)
            return None
    life.stay(COLONY, start, time, _steps(times, sizes))
    if cells >= bound:
        return time
    # Deterministic regime: the bound is reached at t_thr + ln(M / n_thr) / (b - d) unless cleared first.
    bound_time = time + math.log(bound / cells) / (birth - death)
    end = min(bound_time, cleared_at)
    life.stay(COLONY, time, end, _exponential(cells, birth - death, time))
    if end > horizon:
        return None
    if cleared_at < bound_time:
        life.end("cleared", cleared_at)
        return None
    return bound_time


def _life_after_arrest(
    rng: np.random.Generator, rates: dict[str, float], capacity: float, threshold: float, horizon: float
) -> _Life:
    """Walk one cell arrested at time 0 through the post-arrest cascade (§3) up to ``horizon``."""
    life = _Life()
    one = _constant(1.0)
    # 1. In the vessel: die or extravasate.
    time, fate = _race(rng, 0.0, {"dead_in_vessel": rates["vessel_death_rate"], "out": rates["extravasation_rate"]})
    life.stay("in_vessel", 0.0, time, one)
    if time > horizon:
        return life
    if fate == "dead_in_vessel":
        life.end(fate, time)
        return life
    # 2. A single extravasated cell: apoptosis, solitary dormancy or division.
    start = time
    time, fate = _race(
        rng,
        start,
        {
            "dead_apoptosis": rates["apoptosis_rate"],
            "solitary_dormant": rates["dormancy_rate"],
            "founded_direct": rates["division_rate"],
        },
    )
    life.stay("solitary", start, time, one)
    if time > horizon:
        return life
    if fate == "dead_apoptosis":
        life.end(fate, time)
        return life
    if fate == "solitary_dormant":
        # 3. A solitary dormant cell: dies or reactivates (and starts dividing).
        start = time
        time, fate = _race(
            rng, start, {"dead_dormant": rates["dormant_death_rate"], "founded_reactivated": rates["reactivation_rate"]}
        )
        life.stay("solitary_dormant", start, time, one)
        if time > horizon:
            return life
        if fate == "dead_dormant":
            life.end(fate, time)
            return life
    life.events.append((fate, time))  # founded_direct or founded_reactivated
    # 4. A growing avascular colony, up to the bound.
    bound_time = _grow_colony(rng, rates, threshold, time, horizon, life)
    if bound_time is None:
        return life
    life.bound_time = bound_time
    life.events.append(("reached_bound", bound_time))
    # ... a dormant micrometastasis at the bound: angiogenic switch or regression.
    bound = rates["avascular_bound_cells"]
    time, fate = _race(rng, bound_time, {"switched": rates["switch_rate"], "regressed": rates["regression_rate"]})
    life.stay("dormant_micromet", bound_time, time, _constant(bound))
    if time > horizon:
        return life
    if fate == "regressed":
        life.regression_time = time
        life.end(fate, time)
        return life
    # 5. A vascularised macrometastasis: Gompertz from the bound.
    life.switch_time = time
    life.events.append(("switched", time))
    life.stay("macromet", time, math.inf, _gompertz(bound, capacity, rates["gompertz_rate"], time))
    return life


def simulate_reference(lowered: Lowered, rng: np.random.Generator) -> AssayOutcome:
    """Simulate an assay one injected cell at a time (slow; for tests).

    Every injected cell enters its vessel at time 0; transit is instantaneous. Snapshots are taken
    at ``lowered.observation_times`` (days) and lesions are the colonies that reach the avascular
    bound by the last observation. ``rng`` is the only source of randomness.
    """
    routing = lowered.routing
    times = [float(t) for t in lowered.observation_times]
    horizon = times[-1]
    num_clones, num_organs = len(lowered.clone_names), len(routing.organ_names)
    rates = [
        [{name: float(values[c, o]) for name, values in lowered.rates.items()} for o in range(num_organs)]
        for c in range(num_clones)
    ]
    entry = np.cumsum(routing.entry_bed, axis=1)
    drain = np.cumsum(routing.drain, axis=1)

    arrested = np.zeros((num_clones, num_organs), np.int64)
    died_in_transit = np.zeros(num_clones, np.int64)
    counts = [{name: np.zeros((num_clones, num_organs), np.int64) for name in SNAPSHOT_FIELDS} for _ in times]
    cells = [np.zeros((num_clones, num_organs)) for _ in times]
    lesions: list[tuple[int, int, _Life]] = []  # (clone, organ, path) of colonies that reached the bound

    for clone, vessel, num_cells in zip(lowered.injection_clone, lowered.injection_vessel, lowered.injection_cells):
        clone, vessel = int(clone), int(vessel)
        for _ in range(int(num_cells)):
            organ = _transit(rng, routing, entry[vessel], drain, clone)
            if organ is None:
                died_in_transit[clone] += 1
                continue
            arrested[clone, organ] += 1
            capacity = float(lowered.capacity[clone, organ])
            life = _life_after_arrest(rng, rates[clone][organ], capacity, lowered.deterministic_threshold, horizon)
            for k, time in enumerate(times):
                state, size = life.at(time)
                counts[k][state][clone, organ] += 1
                cells[k][clone, organ] += size
                for tally, when in life.events:
                    if when <= time:
                        counts[k][tally][clone, organ] += 1
            if not math.isnan(life.bound_time):
                lesions.append((clone, organ, life))

    snapshots = [
        Snapshot(time=t, counts=counts[k], cells=cells[k], in_transit=np.zeros(num_clones, np.int64),
                 entered=lowered.num_cells_by_clone, arrested=arrested, died_in_transit=died_in_transit)
        for k, t in enumerate(times)
    ]
    return AssayOutcome(
        injected=lowered.num_cells_by_clone,
        snapshots=snapshots,
        lesions=_lesion_table(lesions, times),
    )


def _lesion_table(rows: list[tuple[int, int, _Life]], times: list[float]) -> Lesions:
    """One row per colony that reached the bound, with its size at each observation time."""
    if not rows:
        return Lesions.empty(len(times))
    lives = [life for _, _, life in rows]
    return Lesions(
        clone=np.array([clone for clone, _, _ in rows], np.int64),
        organ=np.array([organ for _, organ, _ in rows], np.int64),
        tracked_time=np.array([life.tracked_time for life in lives]),
        bound_time=np.array([life.bound_time for life in lives]),
        switch_time=np.array([life.switch_time for life in lives]),
        regression_time=np.array([life.regression_time for life in lives]),
        size=np.array([[life.lesion_size(t) for t in times] for life in lives], dtype=float),
    )

"""Per-cell reference engine: one founder at a time, discrete-event, the same model (MODEL.md §6).

Slow and obviously correct, for tests (N up to ~1e4 cells, small bounds and thresholds). Injected
cells enter at time 0. A primary sheds cells as a Poisson process with intensity
shedding_rate_per_g_day / cells_per_g x N(t) from vascularisation on, drawn by thinning a
homogeneous process (no cell-day integrals); each shed cell picks its clone by the clone mix and
enters the venous outflow of the site, its lymph (``lymphatic_fraction``) or, once the primary has
invaded its serosa, its cavity's fluid (``coelomic_fraction``). Every cell is routed place by
place (§1): blood beds, lymph stations (regional -> distant -> thoracic duct -> caval blood), the
Batson route, or implantation on a cavity's surfaces. An arrested cell is walked through the
post-arrest cascade (§3) from its arrival by racing independent exponential clocks; a colony grows
by Gillespie steps of the linear birth–death process up to the deterministic threshold, then by
its mean exponential; at the avascular bound it waits for the angiogenic switch or regression; a
switched colony grows by Gompertz towards the organ capacity. The simulation runs to the last
observation time. Times in days, rates per day, sizes in cells.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .growth import size_at, time_to_reach
from .handoff import handoff_sizes, pooled_max_cells
from .lower import SMALL_COLONY_MAX, Lowered, Primary
from .routes import entry_parts
from .routing import Routing, arrest_of
from .outcome import SNAPSHOT_FIELDS, RunOutcome, Lesions, Snapshot

#: A cell that has visited this many beds without arresting or dying means a broken anatomy.
MAX_BED_VISITS = 1_000_000
#: The state of a growing avascular colony, resolved to a size class when observed.
COLONY = "colony"

#: Kinds of place of a travelling cell: a blood bed or a lymph station (indexed by organ), or the
#: fluid of a body cavity (indexed by cavity).
BLOOD, LYMPH, CAVITY = "blood", "lymph", "cavity"

Size = Callable[[float], float]
Place = tuple[str, int]


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
    if cells <= SMALL_COLONY_MAX:
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


@dataclass(frozen=True)
class _Paths:
    """Cumulative distributions of where a travelling cell goes next (MODEL.md §1)."""

    entry: np.ndarray  # [V, O] first bed reached from each entry vessel
    drain: np.ndarray  # [O, O] next bed after passing a bed (Batson route included)
    lymph: np.ndarray  # [O, O] next station of each organ's (or node's) lymph; zero row: thoracic duct
    lung: int

    @classmethod
    def of(cls, routing: Routing) -> _Paths:
        return cls(
            entry=np.cumsum(routing.entry_bed, axis=1),
            drain=np.cumsum(routing.drain, axis=1),
            lymph=np.cumsum(routing.lymph_drain, axis=1),
            lung=routing.organ_names.index("lung"),
        )

    def after_bed(self, rng: np.random.Generator, organ: int) -> Place:
        """The bed that the venous blood leaving ``organ``'s bed reaches."""
        return BLOOD, _pick(rng, self.drain[organ])

    def after_lymph(self, rng: np.random.Generator, organ: int) -> Place:
        """The next station of the lymph leaving ``organ`` (or a node); without one, the thoracic
        duct takes it into caval blood: the lung bed."""
        if self.lymph[organ, -1] > 0:
            return LYMPH, _pick(rng, self.lymph[organ])
        return BLOOD, self.lung


def _transit(rng: np.random.Generator, routing: Routing, paths: _Paths, clone: int, place: Place) -> Optional[int]:
    """Route one cell place by place (§1) from ``place``: the organ where it arrests, or None if it
    dies in transit.

    A cell of a clone with deformable cells is first drawn deformable or stiff. Before each bed or
    lymph station the cell survives the segment with ``segment_survival``; it arrests there with
    ``arrest_of`` its kind (bed) or ``lymph_arrest`` (station), or moves on. In a cavity's fluid it
    implants on a surface with the probabilities ``implant``, or dies there.
    """
    kind, index = place
    if kind == CAVITY:
        organ = int(np.searchsorted(np.cumsum(routing.implant[index]), rng.random(), side="right"))
        return organ if organ < len(routing.organ_names) else None
    share = routing.deformable_fraction[clone]
    arrest = arrest_of(routing, clone, deformable=share > 0 and rng.random() < share)
    for _ in range(MAX_BED_VISITS):
        if rng.random() >= routing.segment_survival[clone]:
            return None
        if kind == BLOOD:
            if rng.random() < arrest[index]:
                return index
            kind, index = paths.after_bed(rng, index)
        else:
            if rng.random() < routing.lymph_arrest[index]:
                return index
            kind, index = paths.after_lymph(rng, index)
    raise RuntimeError(f"a cell of clone {clone} visited {MAX_BED_VISITS} places without arresting or dying")


def _shed_cells(
    rng: np.random.Generator, primary: Primary, paths: _Paths, horizon: float
) -> list[tuple[float, int, Place]]:
    """(time, clone, first place) of every founder (a cell, or a cluster under its cluster clone)
    the primary sheds in [0, ``horizon``] days.

    Thinning: candidates come at the constant rate λ_max = per-cell shedding rate x the largest
    size over [t_v, horizon] (every growth law is monotone, so it is at an end), uniformly in time,
    and each is kept with probability N(t) / N_max; the kept times are a Poisson process with
    intensity λ(t) = shedding_rate_per_g_day / cells_per_g x N(t) on [t_v, horizon] (§2). With the
    lymph entered through the surface (``lymphatic_surface_cells`` S), the venous process of
    (1 - lymphatic_fraction) N(t) and the lymph's of lymphatic_fraction S^(1/3) N(t)^(2/3) are drawn
    apart, each by thinning.
    """
    law, n0, rate, capacity, exponent = primary.growth

    def reached(cells: float) -> float:
        return float(time_to_reach(law, n0, cells, rate, capacity, exponent))

    def size(time: float) -> float:
        return float(size_at(law, n0, time, rate, capacity, exponent))

    start, invasion = reached(primary.vascularisation_cells), reached(primary.serosal_invasion_cells)
    founders = primary.clone_share @ primary.founders_per_cell  # single cells and clusters per cell shed
    clones = np.cumsum(founders / founders.sum())
    cells = []
    for scale, power, lymph in entry_parts(primary):  # every cell alike, or venous and surface lymph apart
        def intensity(time: float, scale: float = scale, power: float = power) -> float:
            return scale * size(time) ** power

        for time in _shedding_times(rng, primary, intensity, start, horizon, founders.sum()):
            clone = _pick(rng, clones)
            if time >= invasion and rng.random() < primary.coelomic_fraction:
                place = (CAVITY, primary.cavity)
            elif rng.random() < lymph:
                place = paths.after_lymph(rng, primary.site)
            else:
                place = paths.after_bed(rng, primary.site)
            cells.append((float(time), clone, place))
    return sorted(cells, key=lambda cell: cell[0])


def _shedding_times(
    rng: np.random.Generator, primary: Primary, size: Callable[[float], float], start: float, horizon: float,
    founders_per_cell: float,
) -> np.ndarray:
    """Times in [``start``, ``horizon``] at which a tumour of ``size(t)`` cells (monotone) sheds a
    founder, at the primary's rate per cell x ``founders_per_cell``, by thinning: candidates come
    at the constant rate of the largest size, uniformly in time, and each is kept with probability
    size(t) / largest."""
    if start >= horizon:
        return np.empty(0)
    top = max(size(start), size(horizon))
    per_cell = founders_per_cell * primary.shedding_rate_per_g_day / primary.cells_per_g  # per tumour cell per day
    candidates = np.sort(start + (horizon - start) * rng.random(rng.poisson(per_cell * top * (horizon - start))))
    return np.array([t for t in candidates if rng.random() * top < size(t)])


def _metastasis_shed_cells(
    rng: np.random.Generator, primary: Primary, paths: _Paths, clone: int, organ: int, grows: Size,
    switch: float, horizon: float,
) -> list[tuple[float, int, Place]]:
    """(time, clone, first place) of every founder that a macrometastasis of ``clone`` in ``organ``
    sheds from its switch to ``horizon``: cells and clusters of its parent clone, as the primary
    sheds them, into its organ's lymph with ``lymphatic_fraction``, else its venous outflow
    (secondary spread, §2)."""
    founders = primary.founders_per_cell[primary.parent_clone[clone]]
    clones = np.cumsum(founders / founders.sum())
    cells = []
    for time in _shedding_times(rng, primary, grows, switch, horizon, founders.sum()):
        lymph = rng.random() < primary.lymphatic_fraction
        place = paths.after_lymph(rng, organ) if lymph else paths.after_bed(rng, organ)
        cells.append((float(time), _pick(rng, clones), place))
    return cells


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
    if rates["handoff_cells"] <= 1:  # followed one by one from its first cell
        life.tracked_time = start
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
        if cells == rates["handoff_cells"] and math.isnan(life.tracked_time):
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


def _stage(
    rng: np.random.Generator, life: _Life, state: str, start: float, horizon: float, clocks: dict[str, float]
) -> tuple[float, Optional[str]]:
    """A single cell in ``state`` from ``start`` until the first of the competing ``clocks`` rings:
    (time, fate), with fate None when the path is over (past ``horizon``, or a ``dead_*`` fate)."""
    time, fate = _race(rng, start, clocks)
    life.stay(state, start, time, _constant(1.0))
    if time > horizon:
        return time, None
    if fate.startswith("dead_"):
        life.end(fate, time)
        return time, None
    return time, fate


def _life_after_arrest(
    rng: np.random.Generator, rates: dict[str, float], capacity: float, threshold: float, horizon: float,
    arrival: float,
) -> _Life:
    """Walk one cell arrested at ``arrival`` through the post-arrest cascade (§3) up to ``horizon``."""
    life = _Life()
    # 1. In the vessel: die or extravasate.
    time, fate = _stage(rng, life, "in_vessel", arrival, horizon, {
        "dead_in_vessel": rates["vessel_death_rate"], "out": rates["extravasation_rate"],
    })
    if fate is None:
        return life
    # 2. A single extravasated cell: apoptosis, solitary dormancy or division.
    time, fate = _stage(rng, life, "solitary", time, horizon, {
        "dead_apoptosis": rates["apoptosis_rate"],
        "solitary_dormant": rates["dormancy_rate"],
        "founded_direct": rates["division_rate"],
    })
    if fate is None:
        return life
    if fate == "solitary_dormant":
        # 3. A solitary dormant cell: dies or reactivates (and starts dividing).
        time, fate = _stage(rng, life, "solitary_dormant", time, horizon, {
            "dead_dormant": rates["dormant_death_rate"], "founded_reactivated": rates["reactivation_rate"],
        })
        if fate is None:
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


@dataclass
class _Founders:
    """Founders counted at every observation time, one founder at a time."""

    times: list[float]
    entered: np.ndarray  # [T, C] cumulative
    arrested: np.ndarray  # [T, C, O] cumulative
    died_in_transit: np.ndarray  # [T, C] cumulative
    counts: list[dict[str, np.ndarray]]  # per time: SNAPSHOT_FIELDS -> [C, O]
    cells: np.ndarray  # [T, C, O]
    lesions: list[tuple[int, int, _Life]] = field(default_factory=list)  # colonies that reached the bound

    @classmethod
    def empty(cls, times: list[float], num_clones: int, num_organs: int) -> _Founders:
        shape = (len(times), num_clones, num_organs)
        return cls(
            times=times,
            entered=np.zeros(shape[:2], np.int64),
            arrested=np.zeros(shape, np.int64),
            died_in_transit=np.zeros(shape[:2], np.int64),
            counts=[{name: np.zeros(shape[1:], np.int64) for name in SNAPSHOT_FIELDS} for _ in times],
            cells=np.zeros(shape),
        )

    def died(self, clone: int, arrival: float) -> None:
        """A founder of ``clone`` that entered at ``arrival`` and died in transit."""
        first = bisect_left(self.times, arrival)
        self.entered[first:, clone] += 1
        self.died_in_transit[first:, clone] += 1

    def arrived(self, clone: int, organ: int, arrival: float, life: _Life) -> None:
        """A founder of ``clone`` that entered and arrested in ``organ`` at ``arrival``, then lived ``life``."""
        first = bisect_left(self.times, arrival)
        self.entered[first:, clone] += 1
        self.arrested[first:, clone, organ] += 1
        for k in range(first, len(self.times)):
            state, size = life.at(self.times[k])
            self.counts[k][state][clone, organ] += 1
            self.cells[k, clone, organ] += size
            for tally, when in life.events:
                if when <= self.times[k]:
                    self.counts[k][tally][clone, organ] += 1
        if not math.isnan(life.bound_time):
            self.lesions.append((clone, organ, life))

    def snapshots(self) -> list[Snapshot]:
        in_transit = np.zeros(self.entered.shape[1], np.int64)  # transit is instantaneous
        return [
            Snapshot(time=t, counts=self.counts[k], cells=self.cells[k], in_transit=in_transit.copy(),
                     entered=self.entered[k], arrested=self.arrested[k], died_in_transit=self.died_in_transit[k])
            for k, t in enumerate(self.times)
        ]


def simulate_reference(lowered: Lowered, rng: np.random.Generator) -> RunOutcome:
    """Simulate an assay or patient one cell at a time (slow; for tests).

    Injected cells enter their vessel at time 0, shed cells when they are shed; transit is
    instantaneous. Snapshots are taken at ``lowered.observation_times`` (days) and count the cells
    that entered by then; lesions are the colonies that reach the avascular bound by the last
    observation. ``rng`` is the only source of randomness.
    """
    resected = lowered.primary is not None and np.isfinite(lowered.primary.removal_time)
    if lowered.epochs is not None or resected or lowered.kills is not None or lowered.slowing is not None:
        raise ValueError(
            "engine: the reference engine follows constant rates only (no epochs, no resection, no kills, no slowing)"
        )
    routing = lowered.routing
    times = [float(t) for t in lowered.observation_times]
    horizon = times[-1]
    num_clones, num_organs = len(lowered.clone_names), len(routing.organ_names)
    handoff = handoff_sizes(lowered.rates, lowered.deterministic_threshold, pooled_max_cells(lowered))
    rates = [  # and the size at which a lesion's record starts, as in the exact engine
        [{**{name: float(values[c, o]) for name, values in lowered.rates.items()}, "handoff_cells": handoff[c, o]}
         for o in range(num_organs)]
        for c in range(num_clones)
    ]
    paths = _Paths.of(routing)
    founders = _Founders.empty(times, num_clones, num_organs)

    def follow(clone: int, arrival: float, place: Place) -> None:
        organ = _transit(rng, routing, paths, clone, place)
        if organ is None:
            founders.died(clone, arrival)
            return
        capacity = float(lowered.capacity[clone, organ])
        life = _life_after_arrest(
            rng, rates[clone][organ], capacity, lowered.deterministic_threshold, horizon, arrival
        )
        founders.arrived(clone, organ, arrival, life)
        if lowered.primary is not None and not math.isnan(life.switch_time):  # it sheds from its switch on
            own = rates[clone][organ]
            grows = _gompertz(own["avascular_bound_cells"], capacity, own["gompertz_rate"], life.switch_time)
            pending.extend(_metastasis_shed_cells(
                rng, lowered.primary, paths, clone, organ, grows, life.switch_time, horizon
            ))

    pending: list[tuple[float, int, Place]] = []
    for clone, vessel, num_cells in zip(lowered.injection_clone, lowered.injection_vessel, lowered.injection_cells):
        for _ in range(int(num_cells)):
            follow(int(clone), 0.0, (BLOOD, _pick(rng, paths.entry[vessel])))
    if lowered.primary is not None:
        pending.extend(_shed_cells(rng, lowered.primary, paths, horizon))
    while pending:  # generation after generation: the primary's cells, then what their metastases shed
        arrival, clone, place = pending.pop()
        follow(clone, arrival, place)
    return RunOutcome(
        injected=lowered.num_cells_by_clone,
        snapshots=founders.snapshots(),
        lesions=_lesion_table(founders.lesions, times),
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

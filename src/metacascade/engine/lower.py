"""Model -> flat arrays: the only door from ``model/`` into the engine.

Axes: C clones, O organs, V entry vessels, T observation times. Rates are per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..model import (
    Anatomy, Clone, FateRates, Host, ObservationPlan, PatientVariation, PrimaryTumour, Scenario, ScenarioError,
    Therapy,
)
from ..model.bounds import MAX_CELLS, MAX_DAYS, MAX_RESIDENCE_DAYS  # noqa: F401 (MAX_DAYS: engine.course)
from ..model.fates import FIXED_RATES, SMALL_COLONY_MAX_CELLS
from ..model.growth import CAPPED_LAWS
from ..model.therapy import REFERENCES
from .growth import size_at
from .routing import Routing, entries, mean_residence_time, without

#: Fate-rate names as the engine knows them (the fields of ``FateRates``).
RATE_NAMES: tuple[str, ...] = tuple(FateRates.model_fields)
#: Colonies up to this size are reported by exact size class; larger ones are "17+".
SMALL_COLONY_MAX: int = SMALL_COLONY_MAX_CELLS
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25
#: The event "first distant metastasis seen" (index in ``REFERENCES``).
FIRST_METASTASIS = REFERENCES.index("first_metastasis")


@dataclass(frozen=True)
class Variation:
    """Patient-level variation of a primary (``model/variation.py``) as numbers."""

    growth_rate_sigma: float = 0.0  # SD of the log growth-rate multiplier (median 1)
    shedding_rate_sigma: float = 0.0  # SD of the log shedding-rate multiplier (median 1)
    clone_mix_concentration: float = np.inf  # Dirichlet concentration; inf: the mix itself
    node_avid_fraction: float = 0.0  # share of patients whose regional-node colonisation is times 10^node_avid_log10
    node_avid_log10: float = 0.0
    node_other_log10: float = 0.0  # the others': times 10^node_other_log10

    @property
    def varies(self) -> bool:
        return bool(self.growth_rate_sigma or self.shedding_rate_sigma or np.isfinite(self.clone_mix_concentration)
                    or self.node_avid_fraction or self.node_other_log10)


#: A primary that is the same in every patient.
NO_VARIATION = Variation()


@dataclass(frozen=True)
class Primary:
    """A shedding primary tumour as numbers (MODEL.md §2); rates per day, sizes in cells."""

    site: int  # organ index
    law: str  # growth law name (engine/growth.py)
    initial_cells: float
    rate: float
    capacity: float
    exponent: float
    cells_per_g: float
    shedding_rate_per_g_day: float
    vascularisation_cells: float
    lymphatic_fraction: float
    clone_share: np.ndarray  # [C] share of shed cells of each clone
    variation: Variation = NO_VARIATION  # across the patients of a cohort (engine/variation.py)
    coelomic_fraction: float = 0.0  # share of shed cells that enter the cavity's fluid once the serosa is invaded
    serosal_invasion_cells: float = np.inf
    cavity: int | None = None  # index in Routing.cavity_names of the cavity the site lies in
    lymphatic_surface_cells: float | None = None  # lymph entered through the surface (engine/routes.py), or None
    cluster_fraction: float = 0.0  # share of shed cells that leave in clusters
    cluster_clone: np.ndarray | None = None  # [C] index of each clone's cluster clone (-1: none)
    cluster_cells: np.ndarray | None = None  # [C] mean cells per cluster of each clone
    removal_time: float = np.inf  # days: resected then (engine/course.py)
    residual_fraction: float = 0.0  # share of its cells left by the resection, which regrow
    node_dissection: bool = False  # the resection removes every cell and lesion in its regional nodes too
    kills: tuple[tuple[float, float], ...] = ()  # (days, share of its cells left) of each log-kill, in time order
    speeds: tuple[tuple[float, float], ...] = ()  # (days, factor on its growth rate from then), in time order

    @cached_property
    def founders_per_cell(self) -> np.ndarray:
        """[C, C] founders of each clone (columns) per cell a tumour of each clone sheds (rows):
        single cells, and clusters (one founder of ``cluster_cells`` cells) under the cluster clone.
        A cluster clone's own row is empty: a metastasis it founded sheds as its parent clone."""
        num_clones = self.clone_share.size
        if self.cluster_fraction == 0:
            return np.eye(num_clones)
        founders = np.zeros((num_clones, num_clones))
        for clone, cluster in enumerate(self.cluster_clone):
            if clone in self.cluster_clone:
                continue  # a cluster clone
            founders[clone, clone] = 1.0 if cluster < 0 else 1.0 - self.cluster_fraction
            if cluster >= 0:
                founders[clone, cluster] = self.cluster_fraction / self.cluster_cells[clone]
        return founders

    @cached_property
    def parent_clone(self) -> np.ndarray:
        """[C] the clone whose cells each clone's founders carry: itself, or a cluster clone's parent."""
        parent = np.arange(self.clone_share.size)
        if self.cluster_clone is not None:
            has = self.cluster_clone >= 0
            parent[self.cluster_clone[has]] = np.nonzero(has)[0]
        return parent

    @property
    def growth(self) -> tuple:
        """(law, n0, rate, capacity, exponent): the arguments of ``engine.growth`` functions."""
        return self.law, self.initial_cells, self.rate, self.capacity, self.exponent


@dataclass(frozen=True)
class Observation:
    """An observation plan as numbers (``model/observation.py``); times in days, sizes in cells."""

    imaging_times: np.ndarray  # [I] days
    detection_cells: float  # size a tumour must hold to be seen on imaging
    draw_times: np.ndarray  # [D] days
    draw_fraction: float  # share of the blood volume taken by one draw
    lethal_cells: float  # total tumour burden at death
    organ_lethal_cells: np.ndarray  # [O] burden of each organ at death (inf: no limit)
    symptom_rate: float = 0.0  # hazard of diagnosis by symptoms per cm³ of primary, per day
    node_positive_cells: float = 200.0  # a regional node deposit larger than this at diagnosis is N+
    screening: bool = True  # imaging before diagnosis diagnoses (and sees lesions)
    screening_uptake: float = 1.0  # share of patients screened (``engine.patient.with_screening`` draws whom)


@dataclass(frozen=True)
class Lifespan:
    """The patients' age at the start (years: mean, SD, clipped to [low, high]) and their hazard of
    death from other causes (``model/lifespan.py``), per year: makeham + gompertz_at_50 e^{slope (age - 50)};
    no such death when ``mortality`` is None."""

    age: tuple[float, float, float, float]  # mean, SD, min, max (years)
    mortality: tuple[float, float, float] | None  # makeham, gompertz at 50 (per year), slope (per year of age)


@dataclass(frozen=True)
class Niche:
    """A pre-metastatic niche (``model/host.py``) as numbers: in ``organ`` it multiplies
    ``rate_names`` of every clone by ``function`` of the primary's mass (``engine/niche.py``)."""

    organ: int  # organ index
    rate_names: tuple[str, ...]
    function: str  # soil modifier name (engine/niche.py SOIL_MODIFIERS)
    max_factor: float  # >= 1
    half_mass_g: float  # primary mass at half the raise, g


@dataclass(frozen=True)
class Epochs:
    """Rates that change at given times (MODEL.md §4): the engine's door for therapy.

    From ``times[e]`` until the next change, every fate rate is its scenario value times
    ``rate_multipliers[name][e]`` ([C, O]; names not given stay at 1) and every tumour sheds
    ``shedding[e]`` times its rate (0: off). Before ``times[0]`` nothing is changed. The engine
    splits its windows at these times and composes the pieces exactly (Markov property).
    """

    times: np.ndarray  # [E] days, strictly increasing, >= 0 (0: in force from the start)
    rate_multipliers: dict[str, np.ndarray]  # fate-rate name -> [E, C, O]
    shedding: np.ndarray  # [E]


@dataclass(frozen=True)
class Kills:
    """Log-kill events as the engine reads them (MODEL.md §4, docs/engine.md §7): at ``times[k]``
    each dividing cell of clone c survives with ``survival[k, c]`` (binomial thinning) and each
    dormant micrometastasis of clone c is eradicated with ``micromet_kill[k, c]``."""

    times: np.ndarray  # [K] days, strictly increasing, >= 0 (a kill at 0 acts on the primary alone)
    survival: np.ndarray  # [K, C]
    micromet_kill: np.ndarray  # [K, C]


@dataclass(frozen=True)
class Slowing:
    """Vascular growth slowed by therapy, as the engine reads it (MODEL.md §4, docs/engine.md §7): from
    ``times[e]`` on, switched lesions and the primary grow at ``speed[e]`` times their rate (1 before
    ``times[0]``): their autonomous laws then run their curves at that speed."""

    times: np.ndarray  # [E] days, strictly increasing, >= 0
    speed: np.ndarray  # [E] factor on the growth rate from each time on (each differs from the one before)


@dataclass(frozen=True)
class TherapyPlan:
    """A therapy schedule (``model/therapy.py``) as numbers: W windows of rate multipliers, an
    optional surgery and K kill events, each timed in days from an event of the patient's, its index
    in ``model.therapy.REFERENCES`` (0: the start, 1: the diagnosis, 2: the first distant metastasis
    seen; ``engine/therapy.py`` resolves the times per patient)."""

    start: np.ndarray  # [W] days after the event
    relative_to: np.ndarray  # [W] int: the event (index in REFERENCES)
    duration: np.ndarray  # [W] days (inf: until the end of the run)
    rate_multipliers: dict[str, np.ndarray]  # fate-rate name -> [W, C, O] while each window is in force
    postmenopausal_only: np.ndarray  # [W] bool: the window acts in no patient known to be premenopausal
    growth_factor: np.ndarray  # [W] factor on vascular growth (switched lesions, the primary) while in force
    surgery_start: float = np.nan  # days after the event; NaN: no surgery
    surgery_relative_to: int = 0  # the event (index in REFERENCES)
    residual_fraction: float = 0.0  # share of the primary's cells the surgery leaves
    node_dissection: bool = False  # the surgery removes every cell and lesion in the primary's regional nodes
    kill_start: np.ndarray = field(default_factory=lambda: np.empty(0))  # [K] days after the event
    kill_relative_to: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))  # [K] the event
    kill_survival: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # [K, C] share of dividing cells left
    kill_micromet: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # [K, C] P(dormant micromet eradicated)

    def events(self) -> np.ndarray:
        """The events (indices in ``REFERENCES``) some intervention is timed from."""
        return np.unique(np.r_[self.relative_to, self.surgery_relative_to if np.isfinite(self.surgery_start) else 0,
                               self.kill_relative_to]).astype(int)

    @property
    def waits_for_metastasis(self) -> bool:
        """Whether some intervention is timed from the first distant metastasis seen."""
        return FIRST_METASTASIS in self.events()


@dataclass(frozen=True)
class Lowered:
    """Everything the engine needs to run one scenario."""

    clone_names: tuple[str, ...]
    routing: Routing
    rates: dict[str, np.ndarray]  # name -> [C, O]
    capacity: np.ndarray  # [C, O] organ capacity for vascular growth, cells
    deterministic_threshold: float  # cells
    observation_times: np.ndarray  # [T] days
    end_time: float  # days
    injection_clone: np.ndarray  # [I] clone index
    injection_vessel: np.ndarray  # [I] vessel index
    injection_cells: np.ndarray  # [I] int64
    primary: Primary | None = None
    observation: Observation | None = None
    epochs: Epochs | None = None
    therapy: TherapyPlan | None = None  # resolved into epochs per patient (engine/therapy.py)
    kills: Kills | None = None  # log-kill events (engine/therapy.py resolves them per patient)
    slowing: Slowing | None = None  # changes of vascular growth speed (engine/therapy.py resolves them per patient)
    postmenopausal: float | None = None  # chance the patient is postmenopausal (1 or 0: known); None: unknown
    female: float | None = None  # chance the patient is female (1 or 0: known, its routing without the other sex's organs)
    organ_sex: np.ndarray | None = None  # [O] the sex whose bodies have each organ (``organ_sexes``)
    immune_status_sigma: float = 0.0  # SD of the log of a patient's multiplier on immune killing (engine/patient.py)
    niches: tuple[Niche, ...] = ()  # resolved into epochs per patient (engine/niche.py)
    lifespan: Lifespan | None = None  # drawn per patient (engine/patient.py) into the three below
    age_at_start: float = np.nan  # years, the patient's (NaN: ages not modelled)
    other_cause_death: float = np.inf  # days: the patient dies of another cause then (inf: never)
    symptom_threshold: float = np.inf  # the patient's Exp(1) draw: diagnosed by symptoms once their hazard sums to it

    @property
    def waits_for_metastasis(self) -> bool:
        """Whether some intervention of its therapy is timed from the first distant metastasis seen:
        the patient then runs once without it, to see when that is (``engine.patient``)."""
        return self.therapy is not None and self.therapy.waits_for_metastasis

    @property
    def organ_names(self) -> tuple[str, ...]:
        return self.routing.organ_names

    @property
    def num_cells_by_clone(self) -> np.ndarray:
        """[C] cells injected per clone."""
        return np.bincount(
            self.injection_clone, weights=self.injection_cells, minlength=len(self.clone_names)
        ).astype(np.int64)


def arrest_probability(cell_diameter_um: float, bed_diameter_um: np.ndarray, width_um: float) -> np.ndarray:
    """r_b(d): logistic in (cell - bed) diameter over the deformability width (MODEL.md §1)."""
    return 1.0 / (1.0 + np.exp(-(cell_diameter_um - bed_diameter_um) / width_um))


def _arterial_shares(anatomy: Anatomy) -> np.ndarray:
    shares = np.array([organ.cardiac_output_fraction for organ in anatomy.organs.values()])
    return shares / shares.sum()  # exact normalisation of table values that sum to 1 within tolerance


def lower_routing(
    anatomy: Anatomy, clones: tuple[Clone, ...], *, paravertebral: bool = False, immune_status: float = 1.0
) -> Routing:
    """The circulation of ``anatomy`` for ``clones`` as arrays (``paravertebral``: Batson route on;
    ``immune_status``: the host's factor on the clones' transit death rates)."""
    names = anatomy.organ_names
    index = {name: i for i, name in enumerate(names)}
    arterial = _arterial_shares(anatomy)

    def one_hot(organ: str) -> np.ndarray:
        row = np.zeros(len(names))
        row[index[organ]] = 1.0
        return row

    destination = {"caval": one_hot("lung"), "portal": one_hot("liver"), "arterial": arterial, "pulmonary": arterial}
    vessels = tuple(anatomy.entry_vessels)
    entry_bed = np.array(
        [destination[t] if t in destination else one_hot(t) for t in anatomy.entry_vessels.values()]
    )
    drain = np.array([destination[organ.drains_to] for organ in anatomy.organs.values()])
    if paravertebral:
        batson = np.array([organ.paravertebral_fraction for organ in anatomy.organs.values()])
        drain = drain * (1.0 - batson)[:, None]
        if batson.any():
            drain[:, index["bone"]] += batson
    zero = np.zeros(len(names))

    def lymph_station(target: str | None) -> np.ndarray:
        return zero if target is None else one_hot(target)

    lymph = np.array([lymph_station(organ.lymph_drains_to) for organ in anatomy.organs.values()])
    beds = np.array([organ.bed_diameter_um for organ in anatomy.organs.values()])
    segment_time = anatomy.segment_transit_time_s / SECONDS_PER_DAY
    implant = np.zeros((len(anatomy.cavities), len(names)))
    for k, cavity in enumerate(anatomy.cavities.values()):
        for surface, share in cavity.surface_shares.items():
            implant[k, index[surface]] = cavity.implantation_probability * share
    return Routing(
        organ_names=names,
        vessel_names=vessels,
        entry_bed=entry_bed,
        drain=drain,
        arrest=np.array([arrest_probability(c.diameter_um, beds, anatomy.arrest_width_um) for c in clones]),
        deformable_fraction=np.array([c.deformable_fraction for c in clones]),
        deformable_arrest=np.array([c.deformable_arrest_probability for c in clones]),
        lymph_drain=lymph,
        lymph_arrest=np.array([organ.lymph_arrest_probability for organ in anatomy.organs.values()]),
        segment_survival=np.exp(-np.array([c.transit_death_rate * immune_status for c in clones]) * segment_time),
        segment_time=segment_time,
        cavity_names=tuple(anatomy.cavities),
        implant=implant,
    )


def lower_primary(
    primary: PrimaryTumour, anatomy: Anatomy, clone_names: tuple[str, ...], clones: tuple[Clone, ...]
) -> Primary:
    """The primary tumour as numbers (``clone_names`` and ``clones`` include the cluster clones of
    ``with_clusters``)."""
    cavity = anatomy.cavity_of(primary.site)
    cluster_clone = np.array([
        clone_names.index(name + CLUSTER_SUFFIX) if name + CLUSTER_SUFFIX in clone_names else -1
        for name in clone_names
    ])
    return Primary(
        site=anatomy.organ_names.index(primary.site),
        law=primary.growth.law,
        initial_cells=primary.initial_cells,
        rate=primary.growth.rate_per_day,
        capacity=primary.growth.capacity_cells,
        exponent=primary.growth.exponent,
        cells_per_g=primary.cells_per_g,
        shedding_rate_per_g_day=primary.shedding_rate_per_g_day,
        vascularisation_cells=primary.vascularisation_cells,
        lymphatic_fraction=primary.lymphatic_fraction,
        lymphatic_surface_cells=primary.lymphatic_surface_cells,
        coelomic_fraction=primary.coelomic_fraction,
        serosal_invasion_cells=primary.serosal_invasion_cells,
        cavity=None if cavity is None else tuple(anatomy.cavities).index(cavity),
        clone_share=np.array([primary.clone_mix.get(name, 0.0) for name in clone_names]),
        variation=lower_variation(primary.variation),
        cluster_fraction=primary.cluster_fraction,
        cluster_clone=cluster_clone,
        cluster_cells=np.array([clone.cluster.mean_cells for clone in clones]),
    )


#: Suffix of the name of a clone's cluster clone (its cells shed as clusters).
CLUSTER_SUFFIX = ":cluster"


def with_clusters(scenario: Scenario) -> dict[str, Clone]:
    """The scenario's clones, then the cluster clone of each clone its primary sheds in clusters."""
    clones = dict(scenario.clones)
    primary = scenario.primary
    if primary is not None and primary.cluster_fraction > 0:
        clones.update({
            name + CLUSTER_SUFFIX: clone.as_cluster()
            for name, clone in scenario.clones.items() if primary.clone_mix.get(name, 0.0) > 0
        })
    return clones


def lower_variation(variation: PatientVariation) -> Variation:
    """Patient-level variation as numbers."""
    concentration = variation.clone_mix_concentration
    return Variation(
        growth_rate_sigma=variation.growth_rate_sigma,
        shedding_rate_sigma=variation.shedding_rate_sigma,
        clone_mix_concentration=np.inf if concentration is None else concentration,
        node_avid_fraction=variation.node_avid_fraction,
        node_avid_log10=variation.node_avid_log10,
        node_other_log10=variation.node_other_log10,
    )


def lower_observation(plan: ObservationPlan, organs: tuple[str, ...]) -> Observation:
    """The observation plan as numbers."""
    return Observation(
        imaging_times=np.array(plan.imaging_times, dtype=float),
        detection_cells=plan.detection_threshold_cells,
        draw_times=np.array(plan.draw_times, dtype=float),
        draw_fraction=plan.draw_volume_ml / plan.blood_volume_ml,
        lethal_cells=plan.lethal_burden_cells,
        organ_lethal_cells=np.array([plan.organ_lethal_cells.get(organ, np.inf) for organ in organs]),
        symptom_rate=plan.symptom_rate_per_cm3_year / DAYS_PER_YEAR,
        screening=plan.screening,
        screening_uptake=plan.screening_uptake,
        node_positive_cells=plan.node_positive_cells,
    )


def lower_lifespan(host: Host | None) -> Lifespan | None:
    """The host's ages and death from other causes as numbers (None without ages)."""
    if host is None or host.age_at_start is None:
        return None
    age, mortality = host.age_at_start, host.other_cause_mortality
    return Lifespan(
        age=(age.mean_years, age.sd_years, age.min_years, age.max_years),
        mortality=None if mortality is None else (mortality.makeham_per_year, mortality.gompertz_at_50_per_year,
                                                  mortality.slope_per_year),
    )


def lower_therapy(therapy: Therapy, clones: tuple[Clone, ...], organs: tuple[str, ...]) -> TherapyPlan:
    """The therapy schedule as windows of rate multipliers over ``clones`` (cluster clones included)
    and ``organs``: one per course, and one more for an anti-angiogenic rebound; and kill events,
    one per cycle of chemotherapy or targeted therapy."""
    # (start, event, duration, {name: factor}, organ, hormone-sensitive only, postmenopausal only, growth factor)
    windows = []
    for course in therapy.courses:
        duration = np.inf if course.duration_days is None else course.duration_days
        timing = (course.start_days, REFERENCES.index(course.relative_to))
        target = (course.target_organ, course.hormone_sensitive_only, course.postmenopausal_only)
        windows.append((*timing, duration, course.rate_factors(), *target, course.vascular_growth_factor()))
        if (rebound := course.rebound()) is not None:
            windows.append((course.start_days + duration, timing[1], *rebound, *target, 1.0))
    names = sorted({name for window in windows for name in window[3]})
    multipliers = {name: np.ones((len(windows), len(clones), len(organs))) for name in names}
    for w, (_, _, _, factors, organ, hormone_only, _, _) in enumerate(windows):
        rows = np.array([clone.hormone_sensitive or not hormone_only for clone in clones])
        columns = np.array([organ is None or name == organ for name in organs])
        for name, factor in factors.items():
            multipliers[name][w][np.ix_(rows, columns)] = factor
    surgery = therapy.surgery
    kills = [(item, start) for item in therapy.cycles for start in item.cycle_days()]
    hit = np.array([[item.hits(clone.traits) for clone in clones] for item, _ in kills], dtype=bool)
    hit = hit.reshape(len(kills), len(clones))  # [K, C], also with no cycle
    return TherapyPlan(
        start=np.array([window[0] for window in windows], dtype=float),
        relative_to=np.array([window[1] for window in windows], dtype=int),
        duration=np.array([window[2] for window in windows], dtype=float),
        rate_multipliers=multipliers,
        postmenopausal_only=np.array([window[6] for window in windows], dtype=bool),
        growth_factor=np.array([window[7] for window in windows], dtype=float),
        surgery_start=np.nan if surgery is None else surgery.start_days,
        surgery_relative_to=0 if surgery is None else REFERENCES.index(surgery.relative_to),
        residual_fraction=0.0 if surgery is None else surgery.residual_fraction,
        node_dissection=surgery is not None and surgery.node_dissection,
        kill_start=np.array([start for _, start in kills], dtype=float),
        kill_relative_to=np.array([REFERENCES.index(item.relative_to) for item, _ in kills], dtype=int),
        kill_survival=np.where(hit, np.array([item.surviving_fraction for item, _ in kills])[:, None], 1.0),
        kill_micromet=np.where(hit, np.array([item.dormant_micromet_kill for item, _ in kills], dtype=float)[:, None],
                               0.0),
    )


def check_runnable(scenario: Scenario, routing: Routing | None = None) -> None:
    """Raise ``ScenarioError`` naming the field if the engine cannot run ``scenario``: cells of a clone
    (or of its clusters) that stay longer than ``MAX_RESIDENCE_DAYS`` in the circulation before they
    arrest or die, or a primary without a capacity that holds more than ``MAX_CELLS`` by the end of
    the run. ``routing``: the scenario's own, with the cluster clones, if already lowered."""
    named = with_clusters(scenario)
    if routing is None:
        routing = scenario_routing(scenario, tuple(named.values()))
    first = entries(routing)[1]
    factor = immune_status(scenario)
    immune = "" if factor == 1.0 else f" times host.immune_status {factor:g}"
    for index, (name, cells) in enumerate(named.items()):
        with np.errstate(all="ignore"):
            try:
                days = float(np.max(mean_residence_time(routing, index, first)))
            except np.linalg.LinAlgError:  # a closed loop that no cell leaves
                days = float("inf")
        if not days <= MAX_RESIDENCE_DAYS:
            where = f"clones.{name.removesuffix(CLUSTER_SUFFIX)}" + (".cluster" if name.endswith(CLUSTER_SUFFIX) else "")
            deformable = (f", {cells.deformable_fraction:g} of them deformable (arresting with "
                          f"{cells.deformable_arrest_probability:g} at a bed)" if cells.deformable_fraction else "")
            raise ScenarioError(
                f"{where}.transit_death_rate: cells of {cells.diameter_um:g} µm{deformable} that die in transit at "
                f"{cells.transit_death_rate:g}/day{immune} stay {days:.3g} days in the circulation before they "
                f"arrest or die (at most {MAX_RESIDENCE_DAYS:g}): raise transit_death_rate or the diameter"
                + (", or deformable_arrest_probability" if cells.deformable_fraction else "")
            )
    primary = scenario.primary
    if primary is None or primary.growth.law in CAPPED_LAWS:
        return  # at most max(initial_cells, capacity_cells)
    growth, end = primary.growth, scenario.resolved_end_time
    cells = float(size_at(growth.law, primary.initial_cells, end, growth.rate_per_day, growth.capacity_cells,
                          growth.exponent))
    if not cells <= MAX_CELLS:
        raise ScenarioError(
            f"primary.growth: the primary ({growth.law} law at {growth.rate_per_day:g}/day from "
            f"{primary.initial_cells:g} cells) holds {cells:.3g} cells by day {end:g}, the end of the run: more than "
            f"{MAX_CELLS:g} (beyond a body); lower rate_per_day, or use a law with a capacity"
        )


def immune_status(scenario: Scenario) -> float:
    """The host's factor on immune killing (1 without a host)."""
    return 1.0 if scenario.host is None else scenario.host.immune_status


def scenario_routing(scenario: Scenario, clones: tuple[Clone, ...]) -> Routing:
    """The circulation of ``scenario`` for ``clones`` (its own, with the cluster clones), with its host."""
    routing = lower_routing(scenario.anatomy, clones, paravertebral=scenario.paravertebral_route,
                            immune_status=immune_status(scenario))
    female = None if scenario.host is None else scenario.host.female
    if female not in (0.0, 1.0):  # unknown, or drawn per patient (engine.patient.with_sex)
        return routing
    return without(routing, absent_organs(organ_sexes(scenario.anatomy), bool(female)))


def organ_sexes(anatomy: Anatomy) -> np.ndarray:
    """[O] the sex whose bodies have each organ: 1 female, -1 male, 0 every body (``Organ.sex``)."""
    return np.array([{"female": 1, "male": -1, None: 0}[organ.sex] for organ in anatomy.organs.values()], dtype=np.int8)


def absent_organs(sexes: np.ndarray, female: bool) -> np.ndarray:
    """[O] bool: the organs (``organ_sexes``) a female or a male body lacks."""
    return sexes == (-1 if female else 1)


def host_rates(rates: dict[str, np.ndarray], host: Host | None) -> dict[str, np.ndarray]:
    """The fate rates ([C, O] by name) in ``host``: immune clearance times its immune status,
    reactivation times its reactivation factor; ``rates`` themselves without a host."""
    if host is None:
        return rates
    factors = {"clearance_rate": host.immune_status, "reactivation_rate": host.reactivation_factor}
    return {name: values * factors.get(name, 1.0) for name, values in rates.items()}


def lower_niches(host: Host | None, organs: tuple[str, ...]) -> tuple[Niche, ...]:
    """The host's pre-metastatic niches as numbers (none without a host)."""
    niches = () if host is None else host.niches
    return tuple(Niche(organs.index(n.organ), n.rates, n.function, n.max_factor, n.half_mass_g) for n in niches)


def lower(scenario: Scenario) -> Lowered:
    """Flatten a validated scenario into engine arrays (``check_runnable`` first)."""
    named = with_clusters(scenario)
    clone_names, clones = tuple(named), tuple(named.values())
    organs = scenario.anatomy.organ_names
    fates = [[clone.fates_in(organ) for organ in organs] for clone in clones]
    rates = {name: np.array([[getattr(f, name) for f in row] for row in fates]) for name in RATE_NAMES}
    masses = np.array([organ.mass_g for organ in scenario.anatomy.organs.values()])
    routing = scenario_routing(scenario, clones)
    check_runnable(scenario, routing)
    return Lowered(
        clone_names=clone_names,
        routing=routing,
        rates=host_rates(rates, scenario.host),
        capacity=np.array([clone.cells_per_g * masses for clone in clones]),
        deterministic_threshold=float(scenario.deterministic_threshold_cells),
        observation_times=np.array(scenario.observation_times, dtype=float),
        end_time=float(scenario.resolved_end_time),
        injection_clone=np.array([clone_names.index(i.clone) for i in scenario.injections], dtype=np.int64),
        injection_vessel=np.array([routing.vessel_names.index(i.vessel) for i in scenario.injections], dtype=np.int64),
        injection_cells=np.array([i.num_cells for i in scenario.injections], dtype=np.int64),
        primary=None if scenario.primary is None else lower_primary(scenario.primary, scenario.anatomy, clone_names,
                                                                    clones),
        observation=None if scenario.observation is None else lower_observation(scenario.observation, organs),
        therapy=None if scenario.therapy is None else lower_therapy(scenario.therapy, clones, organs),
        postmenopausal=None if scenario.host is None else scenario.host.postmenopausal,
        female=None if scenario.host is None else scenario.host.female,
        organ_sex=organ_sexes(scenario.anatomy),
        immune_status_sigma=0.0 if scenario.host is None else scenario.host.immune_status_sigma,
        niches=lower_niches(scenario.host, organs),
        lifespan=lower_lifespan(scenario.host),
    )

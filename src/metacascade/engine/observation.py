"""What the observation plan sees of a patient (MODEL.md §5): tumour burden, diagnosis (by symptoms
or screening) and the stage then, detection on imaging, CTC counts in blood draws, N stage, death
(of the cancer or of other causes), and organ involvement at death (the autopsy view).

Everything follows from exact size curves. The primary grows by its law's closed form
(``engine.course``: with its removal and log-kills). A lesion (``outcome.Lesions``) holds 0 cells
before it reaches the avascular bound M, M while dormant, a Gompertz curve from M towards its
organ's capacity after the angiogenic switch (shifted by each kill: ``engine.logkill``), and 0
after regression; colonies below the bound (< M cells each) are left out. The engine
follows lesions up to the last observation time: that is the end of follow-up here. Times in days,
sizes in cells.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import course
from .epochs import shedding_at
from .growth import gompertz_size
from .logkill import anchors, change_times, lesion_reach
from .lower import Lowered
from .outcome import RunOutcome, Lesions
from .routes import routes

#: Causes of death: the total burden, one organ's burden, or another cause (``lifespan``).
LETHAL_BURDEN, ORGAN_LIMIT, OTHER_CAUSES = "lethal_burden", "organ_limit", "other_causes"
DEATH_CAUSES: tuple[str, ...] = (LETHAL_BURDEN, ORGAN_LIMIT, OTHER_CAUSES)
#: N stages: no regional node involved, at least one, no regional node to assess (TNM's NX).
N_STAGES: tuple[str, ...] = ("N0", "N+", "NX")
#: How a patient is diagnosed: the first screening imaging that sees its primary, or its symptoms.
SCREENING, SYMPTOMS = "screening", "symptoms"
DIAGNOSIS_MODES: tuple[str, ...] = (SCREENING, SYMPTOMS)
#: SEER summary stages at diagnosis: confined to the primary's organ, its regional nodes involved, or
#: a distant metastasis seen by the staging imaging.
LOCALIZED, REGIONAL, DISTANT = "localized", "regional", "distant"
STAGES: tuple[str, ...] = (LOCALIZED, REGIONAL, DISTANT)
#: A patient's sex, where its host gives it (``Host.sex``, or drawn with ``Host.female_probability``).
SEXES: tuple[str, ...] = ("female", "male")


@dataclass(frozen=True)
class PatientObservations:
    """One patient's observations (times in days; NaN where an event does not happen in follow-up)."""

    follow_up_time: float  # death, or the end of follow-up (last observation time) if alive
    death_time: float
    death_cause: str  # one of DEATH_CAUSES, or "" if alive
    death_organ: int  # organ index of an ORGAN_LIMIT death, -1 otherwise
    primary_reach_time: float  # the primary first holds the detection threshold
    diagnosis_time: float  # symptoms, or the first screening imaging that sees the primary
    diagnosis_mode: str  # one of DIAGNOSIS_MODES, "" if not diagnosed
    primary_cells_at_diagnosis: float  # cells in the primary then, before a resection then (its T size); NaN if
    # not diagnosed
    n_stage: str  # at diagnosis: "N0", "N+", "NX" (no regional node), "" if not diagnosed
    stage: str  # SEER summary stage at diagnosis (one of STAGES), "" if not diagnosed
    age_at_start: float  # years (NaN: ages not modelled)
    sex: str  # one of SEXES, "" where the host gives none
    lesion_reach_time: np.ndarray  # [L] a lesion first holds the detection threshold
    lesion_detection_time: np.ndarray  # [L] first imaging that sees it
    draw_times: np.ndarray  # [D] draws in follow-up
    ctc_expected: np.ndarray  # [D, C] mean CTCs per draw
    ctc_count: np.ndarray  # [D, C] int64 CTCs counted
    macrometastases: np.ndarray  # [O] int64 switched lesions per organ at follow_up_time
    metastatic_cells: np.ndarray  # [O] cells in lesions per organ at follow_up_time

    @property
    def first_metastasis_time(self) -> float:
        """First imaging that sees a lesion (NaN if none)."""
        seen = self.lesion_detection_time[~np.isnan(self.lesion_detection_time)]
        return float(seen.min()) if seen.size else np.nan


#: Points of the grid on which death is bracketed before it is located on the exact curves.
DEATH_GRID = 129
#: Death is located to this many days.
DEATH_TOLERANCE = 1e-9


# ------------------------------------------------------------------------------------------ sizes


def _per_lesion(lowered: Lowered, lesions: Lesions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bound M, Gompertz rate, capacity) of each lesion, from its clone and organ."""
    where = (lesions.clone, lesions.organ)
    return (lowered.rates["avascular_bound_cells"][where], lowered.rates["gompertz_rate"][where],
            lowered.capacity[where])


def primary_size(lowered: Lowered, times) -> np.ndarray:
    """Cells in the primary at ``times`` (closed form, its removal included)."""
    return course.size(lowered.primary, times)


def lesion_sizes(lowered: Lowered, lesions: Lesions, times) -> np.ndarray:
    """[T, L] cells in each lesion at ``times``: 0, M from the bound, Gompertz from the switch
    (shifted by each kill and slowed while therapy slows it, ``logkill.anchors``), 0 from regression."""
    return Curves(lowered, lesions).sizes(times)


class Curves:
    """The size curves of ``lesions`` (``lesion_sizes``), their anchors (``logkill.anchors``) taken once
    per patient: rows [K + 1, L] of (time in days, cells, rate per day, ln(cells / capacity)) in force
    before the first of the curves' K changes (``logkill.change_times``) and from each of them on."""

    def __init__(self, lowered: Lowered, lesions: Lesions):
        self.lesions = lesions
        self.bound, rate, capacity = _per_lesion(lowered, lesions)
        self.changes = change_times(lowered)
        since = np.concatenate(([-np.inf], self.changes))[:, None]
        self.at, self.cells, self.rate = anchors(lowered, lesions.clone, lesions.switch_time, self.bound, rate,
                                                 capacity, since)
        with np.errstate(divide="ignore"):  # a lesion killed to no cell
            self.log_ratio = np.log(self.cells / capacity)

    def sizes(self, times, dormant: bool = True) -> np.ndarray:
        """[T, L] cells in each lesion at ``times`` (days); not ``dormant``: 0 before its switch (its curve alone)."""
        t = np.asarray(times, dtype=float).reshape(-1, 1)
        row = np.searchsorted(self.changes, t[:, 0], side="right")
        row = row[:1] if (row == row[:1]).all() else row  # no change among the times: one row for all
        with np.errstate(over="ignore", invalid="ignore"):  # before the switch: discarded
            curve = gompertz_size(self.cells[row], self.log_ratio[row], t - self.at[row], self.rate[row])
        present = (t >= self.lesions.bound_time) & ~(t >= self.lesions.regression_time)  # NaN: never
        plateau = np.where(present, self.bound, 0.0) if dormant else 0.0
        return np.where(present & (t >= self.lesions.switch_time), curve, plateau)


def _subset(lesions: Lesions, rows: np.ndarray) -> Lesions:
    return Lesions(**{f.name: getattr(lesions, f.name)[rows] for f in fields(lesions)})


def _switched(lesions: Lesions) -> Lesions:
    return _subset(lesions, ~np.isnan(lesions.switch_time))


def _dormant_steps(lowered: Lowered, lesions: Lesions, num_organs: int) -> tuple[np.ndarray, np.ndarray]:
    """The dormant phases [bound, switch or regression) of ``lesions`` as steps of M: ([E] the times
    of the steps in order, days; [E + 1, O] cells per organ after none, one, ... all of them)."""
    bound = _per_lesion(lowered, lesions)[0]
    times = np.concatenate((lesions.bound_time, np.fmin(lesions.switch_time, lesions.regression_time)))
    steps, organs = np.concatenate((bound, -bound)), np.tile(lesions.organ, 2)
    kept = np.flatnonzero(~np.isnan(times))
    order = kept[np.argsort(times[kept], kind="stable")]
    levels = np.zeros((order.size + 1, num_organs))
    levels[np.arange(1, order.size + 1), organs[order]] = steps[order]
    return times[order], np.cumsum(levels, axis=0)


class Burden:
    """A patient's tumour cells per organ at any time, exactly: the primary in its site plus
    ``lesion_sizes`` summed by organ.

    Built once per patient: the dormant phases [bound, switch or regression) are steps of M summed
    per organ in time order, so only switched lesions (sorted by organ) are evaluated on their curves.
    """

    def __init__(self, lowered: Lowered, lesions: Lesions):
        self.lowered = lowered
        self.num_organs = len(lowered.organ_names)
        self.step_times, self.step_levels = _dormant_steps(lowered, lesions, self.num_organs)
        switched = _switched(lesions)
        switched = _subset(switched, np.argsort(switched.organ, kind="stable"))
        self.switched = Curves(lowered, switched)
        organs = switched.organ
        self.firsts = np.flatnonzero(np.diff(organs, prepend=-1))  # each organ's first switched lesion
        self.organs_switched = organs[self.firsts]

    def lesions(self, times) -> np.ndarray:
        """[T, O] cells in lesions per organ at ``times``."""
        t = np.asarray(times, dtype=float).ravel()
        steps = self.step_levels[np.searchsorted(self.step_times, t, side="right")]
        curves = np.zeros((t.size, self.num_organs))
        if self.firsts.size:
            on_curves = self.switched.sizes(t, dormant=False)
            curves[:, self.organs_switched] = np.add.reduceat(on_curves, self.firsts, axis=1)
        return np.maximum(steps, 0.0) + curves  # no -0 from rounding

    def organs(self, times) -> np.ndarray:
        """[T, O] tumour cells per organ at ``times``, the primary included."""
        burden = self.lesions(times)
        burden[:, self.lowered.primary.site] += primary_size(self.lowered, times).ravel()
        return burden

    def total(self, times) -> np.ndarray:
        """[T] tumour cells in the body at ``times``."""
        return self.organs(times).sum(axis=1)


# -------------------------------------------------------------------------------------- detection


def reach_times(lowered: Lowered, lesions: Lesions) -> tuple[float, np.ndarray]:
    """When the primary and each lesion first hold the detection threshold (closed-form hitting
    times; inf if never, NaN for a lesion that does not switch when the threshold is above M).

    A lesion's curve starts at M, so a threshold at or below M is reached at the bound time."""
    threshold = lowered.observation.detection_cells
    primary = course.reach_time(lowered.primary, threshold)
    bound, lesion_rate, lesion_capacity = _per_lesion(lowered, lesions)
    after_switch = lesion_reach(lowered, lesions.clone, lesions.switch_time, bound, lesion_rate,
                                lesion_capacity, threshold)
    return primary, np.where(threshold <= bound, lesions.bound_time, after_switch)


def first_imaging(lowered: Lowered, times: np.ndarray, reach, end: float, gone=np.nan, sizes=None) -> np.ndarray:
    """The first imaging of ``times`` (days, increasing) at or after ``reach`` (when a tumour first
    holds the detection threshold; without kills it holds it from then on) and up to ``end``, up to
    the time the tumour is ``gone`` (regression, removal: an imaging then sees it before); NaN if none. With kills, a
    tumour they shrink below the threshold is not seen: ``sizes(times)`` gives its cells [I, ...] at
    times (``held``), read just before each imaging time (an imaging on a kill's day comes before
    it: the one that diagnoses, before the treatment it leads to)."""
    if times.size == 0:
        return np.full(np.shape(reach), np.nan)
    if lowered.kills is not None:
        before = np.nextafter(times, -np.inf)
        seen = (times.reshape((-1,) + (1,) * np.ndim(reach)) >= reach) & held(lowered, sizes(before))
        first = np.where(seen.any(axis=0), times[np.argmax(seen, axis=0)], np.nan)
    else:
        first = np.append(times, np.nan)[np.searchsorted(times, reach, side="left")]  # NaN or inf reach: none
    return np.where((first <= end) & ~(first > gone), first, np.nan)  # an imaging when it goes comes before


#: A tumour within this relative distance below the detection threshold holds it (the rounding of a hitting time).
HELD_TOLERANCE = 1e-9


def held(lowered: Lowered, sizes) -> np.ndarray:
    """Whether tumours of ``sizes`` cells hold the detection threshold."""
    return np.asarray(sizes) >= lowered.observation.detection_cells * (1.0 - HELD_TOLERANCE)


def follow_up_end(lowered: Lowered) -> float:
    """The end of follow-up unless the cancer kills first (days): the last observation, or the
    death from other causes before it."""
    return float(min(lowered.observation_times[-1], lowered.other_cause_death))


def diagnosis(lowered: Lowered, end: float | None = None) -> tuple[float, str]:
    """(time, mode) of the patient's diagnosis up to ``end`` (days; default ``follow_up_end``): its
    symptoms (``course.symptom_time``) or, with screening, the first imaging that sees its primary,
    whichever comes first; (NaN, "") if neither."""
    plan = lowered.observation
    end = follow_up_end(lowered) if end is None else end
    screened = np.nan
    if plan.screening:
        reach = course.reach_time(lowered.primary, plan.detection_cells)
        screened = float(first_imaging(lowered, plan.imaging_times, reach, end,
                                       sizes=lambda times: primary_size(lowered, times)))
    symptoms = course.symptom_time(lowered)
    if symptoms <= end and not symptoms >= screened:
        return symptoms, SYMPTOMS
    return (screened, SCREENING) if np.isfinite(screened) else (np.nan, "")


def diagnosis_time(lowered: Lowered) -> float:
    """The patient's diagnosis (days; NaN if none: ``diagnosis``), which ``observe`` reports unless
    the cancer kills first."""
    return diagnosis(lowered)[0]


def imaging_schedule(lowered: Lowered, diagnosed: float) -> np.ndarray:
    """The times (days) at which imaging sees the whole body: the staging workup at the diagnosis
    ``diagnosed`` (NaN: none), the imaging after it, and, with screening, the imaging before it."""
    times = lowered.observation.imaging_times
    if np.isnan(diagnosed):
        return times if lowered.observation.screening else times[:0]
    kept = times if lowered.observation.screening else times[times > diagnosed]
    return np.union1d(kept, [diagnosed])


def _within(times, end: float) -> np.ndarray:
    """``times`` up to ``end``; NaN beyond (and where never)."""
    times = np.asarray(times, dtype=float)
    return np.where(times <= end, times, np.nan)


# -------------------------------------------------------------------------------------------- CTCs


def circulating_cells(lowered: Lowered, lesions: Lesions, times) -> np.ndarray:
    """[T, C] CTC events (single cells, and clusters under their cluster clones) in the venous blood
    past a capillary bed of the body at ``times``, by clone: the cells shed per day, as
    ``engine.spread`` sheds them, times the days each spends there (``routes.Routes.circulating``;
    quasi-steady state: hours in the blood against months of growth).

    The vascularised primary and every switched lesion shed shedding_rate_per_g_day / cells_per_g
    per cell into their organ's venous blood and lymph (and, once the primary has invaded its serosa,
    its cavity; the primary's lymph through its surface if so: ``routes.Entry``); a lesion sheds
    cells and clusters of its parent clone.
    """
    primary = lowered.primary
    t = np.asarray(times, dtype=float).ravel()
    paths = routes(lowered)
    invaded = (t >= paths.invasion_time)[:, None]
    from_primary = sum(entry.scale * course.shedding(primary, t, power=entry.power)[:, None]
                       * np.where(invaded, entry.circulating[:, 1], entry.circulating[:, 0]) for entry in paths.entries)
    from_primary = from_primary * (primary.clone_share @ primary.founders_per_cell)
    switched = _switched(lesions)
    per_lesion = primary.founders_per_cell[primary.parent_clone[switched.clone]] * paths.circulating[:, switched.organ].T
    per_cell = primary.shedding_rate_per_g_day / primary.cells_per_g
    from_lesions = per_cell * Curves(lowered, switched).sizes(t, dormant=False) @ per_lesion
    return shedding_at(lowered, t)[:, None] * (from_primary + from_lesions)


def expected_ctc(lowered: Lowered, lesions: Lesions, times) -> np.ndarray:
    """[T, C] mean CTCs in one draw at ``times``: the drawn share of the blood volume of the
    ``circulating_cells``."""
    return circulating_cells(lowered, lesions, times) * lowered.observation.draw_fraction


# ------------------------------------------------------------------------------- nodes and autopsy


def n_stage(lowered: Lowered, lesions: Lesions, time: float, largest: np.ndarray | None = None) -> str:
    """N stage at ``time``: "N+" if a regional node holds a deposit of more than the plan's
    ``node_positive_cells`` (a micrometastasis: ``largest`` [O], the engine's largest colony of each
    organ then, ``RunOutcome.largest_at_diagnosis``) or a lesion (reached the bound, not regressed
    nor removed before ``time``: a node dissection at the diagnosis comes after it; the only rule
    where ``largest`` is None: the reference engine), else "N0"; "NX" if the primary's lymph
    reaches no node.

    Regional nodes are the lymph station the primary site's lymph reaches first; nodes further on
    (distant nodes) are distant metastasis (M1 in TNM), not N stage.
    """
    regional = regional_nodes(lowered)
    if not regional.any():
        return "NX"
    involved = regional[lesions.organ] & (lesions.bound_time <= time) & ~(lesions.regression_time < time)
    deposit = largest is not None and bool((largest[regional] > lowered.observation.node_positive_cells).any())
    return "N+" if deposit or involved.any() else "N0"


def stage_at(lowered: Lowered, lesions: Lesions, detected: np.ndarray, time: float, nodes: str) -> str:
    """SEER summary stage at the diagnosis at ``time`` (days; NaN: "") of a patient whose ``lesions``
    imaging first sees at ``detected`` [L]: distant if a lesion outside the regional nodes is seen by
    then, else regional if the nodes are involved (N stage ``nodes`` "N+", or a nodal lesion seen),
    else localized."""
    if np.isnan(time):
        return ""
    seen = detected <= time
    regional = regional_nodes(lowered)[lesions.organ]
    if (seen & ~regional).any():
        return DISTANT
    return REGIONAL if nodes == "N+" or (seen & regional).any() else LOCALIZED


def regional_nodes(lowered: Lowered) -> np.ndarray:
    """[O] whether each organ is one of the primary's regional nodes (the lymph station its site's
    lymph reaches first, ``n_stage``); a lesion anywhere else is a distant metastasis."""
    return lowered.routing.lymph_drain[lowered.primary.site] > 0


def first_distant_metastasis_time(lowered: Lowered, lesions: Lesions, observed: PatientObservations) -> float:
    """The first imaging that sees a distant metastasis (``regional_nodes``) of ``observed``'s patient
    (days; NaN if none)."""
    seen = observed.lesion_detection_time[~regional_nodes(lowered)[lesions.organ]]
    seen = seen[~np.isnan(seen)]
    return float(seen.min()) if seen.size else np.nan


def autopsy(burden: Burden, lesions: Lesions, time: float) -> tuple[np.ndarray, np.ndarray]:
    """([O] switched lesions (macrometastases), [O] cells in lesions) per organ at ``time``."""
    macro = np.bincount(lesions.organ[lesions.switch_time <= time], minlength=burden.num_organs)
    return macro.astype(np.int64), burden.lesions([time])[0]


# ------------------------------------------------------------------------------------------- death


def _lethal_fractions(burden: Burden, times) -> np.ndarray:
    """[T, 1 + O] total burden over the lethal burden, then each organ's over its limit (>= 1: dead)."""
    plan = burden.lowered.observation
    organs = burden.organs(times)
    return np.concatenate([organs.sum(axis=1, keepdims=True) / plan.lethal_cells, organs / plan.organ_lethal_cells],
                          axis=1)


def death(burden: Burden, end: float) -> tuple[float, str, int]:
    """(time, cause, organ) of death in [0, ``end``]: the first time the total burden reaches the
    lethal burden or an organ reaches its limit; (NaN, "", -1) if alive at ``end``.

    Bracketed on a grid of ``DEATH_GRID`` points, then located to ``DEATH_TOLERANCE`` on finer grids
    of as many points inside the bracket, on the exact curves (the burden jumps where a lesion
    reaches its bound; the brackets find such a crossing too). The burden only falls through a
    regression (M cells), a log-kill or a primary above its capacity, so only there can a crossing
    undone before the next grid point be missed.
    """
    low, high = 0.0, end
    while True:
        grid = np.linspace(low, high, DEATH_GRID)
        lethal = _lethal_fractions(burden, grid) >= 1.0
        dead = lethal.any(axis=1)
        if not dead.any():
            return np.nan, "", -1
        step = int(np.argmax(dead))
        low, high = (grid[step - 1], grid[step]) if step else (grid[0], grid[0])
        if high - low <= DEATH_TOLERANCE:
            break
    criterion = int(np.argmax(lethal[step]))  # the total burden first
    if criterion == 0:
        return float(high), LETHAL_BURDEN, -1
    return float(high), ORGAN_LIMIT, criterion - 1


# ------------------------------------------------------------------------------------------ observe


def observe(lowered: Lowered, outcome: RunOutcome, rng: np.random.Generator) -> PatientObservations:
    """The observations of a patient whose engine ``outcome`` ran on ``lowered`` (which needs an
    observation plan and a primary); ``rng`` draws the CTC counts."""
    plan = lowered.observation
    lesions = outcome.lesions if outcome.lesions is not None else Lesions.empty(lowered.observation_times.size)
    burden = Burden(lowered, lesions)
    end = follow_up_end(lowered)
    death_time, cause, organ = death(burden, end)
    if np.isnan(death_time) and end < lowered.observation_times[-1]:
        death_time, cause = end, OTHER_CAUSES
    end = end if np.isnan(death_time) else death_time
    primary_reach, lesion_reach = reach_times(lowered, lesions)
    diagnosed, mode = diagnosis(lowered, end)
    detected = first_imaging(lowered, imaging_schedule(lowered, diagnosed), lesion_reach, end,
                             lesions.regression_time, lambda times: lesion_sizes(lowered, lesions, times))
    nodes = "" if np.isnan(diagnosed) else n_stage(lowered, lesions, diagnosed, outcome.largest_at_diagnosis)
    draws = plan.draw_times[plan.draw_times <= end]
    expected = expected_ctc(lowered, lesions, draws)
    macro, cells = autopsy(burden, lesions, end)
    return PatientObservations(
        follow_up_time=end,
        death_time=death_time,
        death_cause=cause,
        death_organ=organ,
        primary_reach_time=float(_within(primary_reach, end)),
        diagnosis_time=diagnosed,
        diagnosis_mode=mode,
        primary_cells_at_diagnosis=(float(course.size(lowered.primary, diagnosed, left=True)) if np.isfinite(diagnosed)
                                    else np.nan),  # before a resection then
        n_stage=nodes,
        stage=stage_at(lowered, lesions, detected, diagnosed, nodes),
        age_at_start=lowered.age_at_start,
        sex={1.0: SEXES[0], 0.0: SEXES[1]}.get(lowered.female, ""),
        lesion_reach_time=_within(lesion_reach, end),
        lesion_detection_time=detected,
        draw_times=draws,
        ctc_expected=expected,
        ctc_count=rng.poisson(expected).astype(np.int64),
        macrometastases=macro,
        metastatic_cells=cells,
    )

"""Where the pool ends: the colony size at which a founder leaves the pooled chain (``pool``) and
is followed one by one (``colonies``), in both engines.

A run that founds few colonies (a patient: hundreds, from ~1e11 shed cells) follows every colony
from its first division: the pooled chain then holds only the single cells (in vessel, solitary,
dormant) and its kernels are small. A run that founds more pools colonies up to
``POOLED_MAX_CELLS`` cells, so that the many that die small never cost more than a count; an
injection that founds tens of millions (the 1e9-cell Luzzi assay) up to ``LARGE_POOLED_MAX_CELLS``.
The choice follows the colonies a run founds in expectation (``expected_founders``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import course
from .lower import Lowered, Primary
from .routes import Entry, routes
from .routing import delivery_matrix

#: Colonies are pooled as counts up to this size (cells) in runs that found many colonies.
POOLED_MAX_CELLS = 64
#: Runs expected to found at most this many colonies follow each one from its first division. A run
#: whose primary sheds follows ten times more: its pool would need each window length's moments
#: (``pool.Kernel.moments``, ~1-6 s for the 64-cell chain of a patient scenario), where following
#: a colony costs ~1 µs; an injection's pool needs only the kernels, cached for every window alike.
MAX_FOUNDERS_TRACKED_FROM_ONE = 100_000
MAX_SHED_FOUNDERS_TRACKED_FROM_ONE = 1_000_000
#: Injections expected to found more than this many colonies pool them up to ``LARGE_POOLED_MAX_CELLS``:
#: the colonies that outgrow a 64-cell pool are then millions, each drawn at every window (the 1e9-cell
#: Luzzi assay: ~5.8 million, ~2.9 million past 256 cells: 2.85 -> 1.25 s then), while the larger chain's
#: kernels (524 states) cost about a second, once per window length. Shedding runs keep 64 cells:
#: their moments grow with the cube of the chain.
LARGE_POOL_FOUNDERS = 10_000_000
LARGE_POOLED_MAX_CELLS = 256


def founding_probability(rates: dict[str, np.ndarray]) -> np.ndarray:
    """[C, O] P(an arrested cell ever starts dividing), directly or after dormancy (closed form)."""
    r = rates
    extravasates = r["extravasation_rate"] / (r["extravasation_rate"] + r["vessel_death_rate"])
    wakes = r["reactivation_rate"] / np.maximum(r["reactivation_rate"] + r["dormant_death_rate"], 1e-300)
    leaves = r["apoptosis_rate"] + r["dormancy_rate"] + r["division_rate"]
    divides = (r["division_rate"] + r["dormancy_rate"] * wakes) / np.maximum(leaves, 1e-300)
    return extravasates * divides


def expected_founders_by_site(lowered: Lowered) -> np.ndarray:
    """[C, O] about how many colonies a run founds in each clone x organ by its last observation:
    the cells injected, and the founders the primary sheds (closed form, routed with its delivery
    rows after serosal invasion or before, whichever founds more), each founds one with its
    clone x organ's probability. Metastases' own shedding is left out (they come from these)."""
    found = founding_probability(lowered.rates)  # [C, O]
    arrive = np.zeros(found.shape)
    for clone, vessel, cells in zip(lowered.injection_clone, lowered.injection_vessel, lowered.injection_cells):
        arrive[clone] += cells * delivery_matrix(lowered.routing, clone)[vessel, :-1]
    if lowered.primary is not None:
        entries = routes(lowered).entries
        for entry, shed in zip(entries, _founders_shed_by_entry(lowered, entries)):
            arrive += shed[:, None] * np.maximum(entry.before_invasion, entry.after_invasion)[:, :-1]
    return arrive * found


def _untreated(lowered: Lowered) -> Primary:
    """The primary of ``lowered`` on its untreated course (never removed, killed or slowed)."""
    return replace(lowered.primary, removal_time=np.inf, kills=(), speeds=())


def shedding_horizon(lowered: Lowered) -> float:
    """Time (days) by which a run's primary has shed all it can, on its untreated course: the run's end,
    or for a patient with an observation plan its death from other causes or the time its untreated
    primary alone reaches a lethal size (the lethal burden, or its organ's limit), if sooner. Shedding
    summed to the end instead overstated a symptomatic patient's founders ~40x (20 years of a primary
    that kills in a few)."""
    horizon = min(lowered.end_time, lowered.other_cause_death)
    plan = lowered.observation
    if plan is None:
        return horizon
    primary = lowered.primary
    lethal = min(plan.lethal_cells, plan.organ_lethal_cells[primary.site])
    return min(horizon, course.reach_time(_untreated(lowered), lethal))


def _founders_shed_by_entry(lowered: Lowered, entries: tuple[Entry, ...]) -> list[np.ndarray]:
    """[C] founders (single cells and clusters) the primary sheds by ``shedding_horizon`` through each
    of its entries (``routes.Entry``), expected (closed form), on its untreated course: the pool's end
    must not depend on therapy, which changes between the two runs of a patient treated from its first
    metastasis (``engine.patient``) that must draw alike until it. A therapy that slows an unresected
    primary lets it shed past that time: the pool's end is then chosen for fewer founders than it has
    (the run is as exact, only its cost differs)."""
    primary, untreated, horizon = lowered.primary, _untreated(lowered), shedding_horizon(lowered)
    founders = primary.clone_share @ primary.founders_per_cell
    return [entry.scale * float(course.shed_mean(untreated, 0.0, horizon, entry.power)) * founders
            for entry in entries]


def primary_founders_shed(lowered: Lowered) -> np.ndarray:
    """[C] founders the primary sheds by the run's end, expected, on its untreated course."""
    return sum(_founders_shed_by_entry(lowered, routes(lowered).entries))


def expected_founders(lowered: Lowered) -> float:
    """About how many colonies a run founds by its last observation (``expected_founders_by_site``)."""
    return float(expected_founders_by_site(lowered).sum())


def pooled_max_cells(lowered: Lowered, founders: float | None = None) -> int:
    """Largest colony (cells) the pool holds: 0 (every colony followed from one cell) when the run
    founds at most ``MAX_FOUNDERS_TRACKED_FROM_ONE`` colonies (``founders``, when already known;
    ``MAX_SHED_FOUNDERS_TRACKED_FROM_ONE`` with a primary), ``LARGE_POOLED_MAX_CELLS`` for an
    injection founding more than ``LARGE_POOL_FOUNDERS``, else ``POOLED_MAX_CELLS``."""
    founders = expected_founders(lowered) if founders is None else founders
    if lowered.primary is not None:
        return 0 if founders <= MAX_SHED_FOUNDERS_TRACKED_FROM_ONE else POOLED_MAX_CELLS
    if founders <= MAX_FOUNDERS_TRACKED_FROM_ONE:
        return 0
    return LARGE_POOLED_MAX_CELLS if founders > LARGE_POOL_FOUNDERS else POOLED_MAX_CELLS


def handoff_sizes(rates: dict[str, np.ndarray], threshold: float, pooled_max: int = POOLED_MAX_CELLS) -> np.ndarray:
    """[...] size (cells) at which a colony leaves the pool and is tracked as a lesion: its
    stochastic ceiling (the bound, or the deterministic threshold when it grows on average), at most
    ``pooled_max + 1``. Both engines start a lesion's record there."""
    ceiling = np.where(
        rates["birth_rate"] > rates["death_rate"],
        np.minimum(rates["avascular_bound_cells"], threshold),
        rates["avascular_bound_cells"],
    )
    return np.minimum(np.ceil(ceiling), pooled_max + 1).astype(np.int64)

"""The exact engine: inject N cells and/or let a primary shed, follow every founder without
looping over cells.

1. Transit (instantaneous on the day scale): one multinomial split of each injection by its
   delivery-matrix row (``routing``). The primary and the macrometastases shed a Poisson number
   of cells per clone and destination in each window (``spread``: exact means, arrival times
   spread over the window with the density of the shedding intensity). Metastases that switch
   inside a window shed from their switch on, generation after generation.
2. Between consecutive observation times, the pooled founders of every clone x organ split by one
   multinomial draw per state with the exact transition matrix of their Markov chain (``pool``),
   colonies included up to their handoff size (at most ``pool.POOLED_MAX_CELLS + 1`` cells);
   founders whose colony reaches it leave the pool at exactly drawn times and are tracked.
3. Tracked colonies jump exactly to the next observation (``colonies``).
4. At a log-kill (a window end), dividing cells are thinned: pooled colonies and tracked growing
   colonies by binomial draws, dormant micrometastases eradicated with the kill's chance; switched
   lesions and the primary follow their shifted curves (``logkill``, ``course``). At the primary's
   removal with a node dissection, every founder in its regional nodes is removed (``pool.dissect``,
   ``colonies.dissect``).
5. A patient with an observation plan stops at the first observation at which the tumour burden
   is lethal; later observations repeat it.
Cost grows with clones x organs x observations and with the number of colonies that outgrow the
pool, not with the number of cells injected or shed.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np

from . import course, pool, spread
from .colonies import (
    BOUND, CLEARED, EXTINCT, GROWING, MACRO, REGRESSED, RESECTED, Colonies, advance, dissect, kill, sizes_at,
)
from .epochs import epoch_at, rates_in_force, shedding_in_force, step_ends
from .handoff import handoff_sizes, pooled_max_cells
from .logkill import kill_at
from .lower import Lowered
from .observation import diagnosis_time, regional_nodes
from .outcome import RunOutcome, Lesions, Snapshot
from .routes import routes
from .routing import delivery_matrix


def run_timeline(lowered: Lowered, rng: np.random.Generator) -> RunOutcome:
    """Run one assay or patient exactly; returns founder counts at every observation and lesion records."""
    num_clones, num_organs = len(lowered.clone_names), len(lowered.organ_names)
    arrested = np.zeros((num_clones, num_organs), dtype=np.int64)
    died_in_transit = np.zeros(num_clones, dtype=np.int64)
    for clone, vessel, cells in zip(lowered.injection_clone, lowered.injection_vessel, lowered.injection_cells):
        split = rng.multinomial(cells, delivery_matrix(lowered.routing, clone)[vessel])
        arrested[clone] += split[:-1]
        died_in_transit[clone] += split[-1]
    entered = lowered.num_cells_by_clone.copy()

    pooled_max = pooled_max_cells(lowered)
    handoff = handoff_sizes(lowered.rates, lowered.deterministic_threshold, pooled_max)  # one layout for every epoch
    rates_of = {epoch: rates_in_force(lowered, epoch)
                for epoch in range(-1, 0 if lowered.epochs is None else lowered.epochs.times.size)}
    chains_of = {epoch: pool.shared_chains(rates, pooled_max, handoff) for epoch, rates in rates_of.items()}
    counts = np.zeros((num_clones, num_organs, chains_of[-1].chain.num_states), dtype=np.int64)
    counts[..., pool.V] = arrested
    paths = None if lowered.primary is None else routes(lowered)
    num_times = lowered.observation_times.size
    colonies = Colonies.empty(num_times)
    dropped = np.zeros((2, num_clones, num_organs), dtype=np.int64)  # tracked colonies extinct, cleared
    snapshots: list[Snapshot] = []
    primary_cells = (np.zeros(num_times) if lowered.primary is None
                     else course.size(lowered.primary, lowered.observation_times))  # at each observation

    def admit(sources: list[spread.Source], grid: np.ndarray, chains: pool.Chains, factor: float) -> Colonies:
        """Shed cells over the window ``grid`` into the pools; returns the colonies that outgrew them."""
        shed, new, born = spread.shed(rng, sources, chains, grid, num_times, len(colonies), factor)
        entered[:] += shed.sum(axis=1)
        arrested[:] += shed[:, :-1]
        died_in_transit[:] += shed[:, -1]
        counts[:] += new
        return born

    ends = step_ends(lowered)
    grids = np.linspace(np.r_[0.0, ends[:-1]], ends, pool.GRID, axis=1)  # [W, G] each window's grid
    primary_sources = None if paths is None else spread.primary_sources(lowered, paths, grids)
    staging = np.nan if paths is None or lowered.observation is None else diagnosis_time(lowered)  # a window end
    largest = None
    now, k = 0.0, 0
    for step, time in enumerate(ends):
        epoch = epoch_at(lowered, now)
        chains, rates, factor = chains_of[epoch], rates_of[epoch], shedding_in_force(lowered, epoch)
        counts, escaped = pool.advance(rng, counts, chains, now, time, num_times, len(colonies))
        colonies = colonies.extend(escaped)
        del escaped  # copied into colonies: not held through their jump (~0.5 GB in the 1e9-cell assay)
        if paths is not None:
            grid = grids[step]
            shedding = np.nonzero((colonies.phase == MACRO) & (colonies.switch_time <= now))[0]
            sources = [primary_sources[step]]
            if shedding.size:
                sources.append(spread.metastasis_source(lowered, paths, colonies, shedding, grid))
            colonies = colonies.extend(admit(sources, grid, chains, factor))
        advance(colonies, time, rates, lowered.deterministic_threshold, rng)
        if paths is not None:  # metastases that switched inside the window shed from their switch on
            parents = colonies  # then the colonies they founded, generation after generation
            while (fresh := np.nonzero((parents.phase == MACRO) & (parents.switch_time > now))[0]).size:
                parents = admit([spread.metastasis_source(lowered, paths, parents, fresh, grid)], grid, chains, factor)
                advance(parents, time, rates, lowered.deterministic_threshold, rng)
                colonies = colonies.extend(parents)
        if time == staging:  # before the therapy that starts then
            largest = np.zeros(num_organs)
            np.maximum.at(largest, colonies.organ, sizes_at(colonies, time, lowered))
        if (event := kill_at(lowered, time)) is not None:  # after advancing to it
            survival = lowered.kills.survival[event]
            counts = pool.thin(rng, counts, chains.chain, survival)
            kill(colonies, time, survival, lowered.kills.micromet_kill[event], lowered.deterministic_threshold, rng)
        if _dissected_at(lowered, time):
            nodes = regional_nodes(lowered)
            counts = pool.dissect(counts, chains.chain, nodes)
            dissect(colonies, time, nodes)
        if (gone := (colonies.phase == EXTINCT) | (colonies.phase == CLEARED)).any():
            for slot, phase in enumerate((EXTINCT, CLEARED)):
                ended = colonies.phase == phase
                np.add.at(dropped[slot], (colonies.clone[ended], colonies.organ[ended]), 1)
            colonies = colonies.select(~gone)
        now = time
        if time != lowered.observation_times[k]:
            continue  # a change of rates, not an observation
        colonies.history[:, k] = sizes_at(colonies, time, lowered)
        snapshots.append(_snapshot(time, counts, chains.chain, colonies, dropped, k, entered, arrested, died_in_transit))
        k += 1
        if _dead(lowered, snapshots[-1], primary_cells[k - 1]):  # dead: later observations repeat it
            snapshots += [replace(snapshots[-1], time=float(t)) for t in lowered.observation_times[k:]]
            colonies.history[:, k:] = colonies.history[:, k - 1 : k]
            break
    return RunOutcome(
        injected=lowered.num_cells_by_clone,
        snapshots=snapshots,
        lesions=_lesions(colonies),
        largest_at_diagnosis=largest,
    )


def _dissected_at(lowered: Lowered, time: float) -> bool:
    """Whether the primary's regional nodes are dissected at ``time`` (days), with its removal."""
    primary = lowered.primary
    return primary is not None and primary.node_dissection and time == primary.removal_time


def _dead(lowered: Lowered, snapshot: Snapshot, primary_cells: float) -> bool:
    """Whether a patient with an observation plan is dead at the snapshot's time: of other causes by
    then, or the tumour burden (primary of ``primary_cells`` then, and metastases) has reached the
    lethal burden, or an organ its limit."""
    plan, primary = lowered.observation, lowered.primary
    if plan is None or primary is None:
        return False
    if snapshot.time >= lowered.other_cause_death:
        return True
    by_organ = snapshot.cells.sum(axis=0)
    by_organ[primary.site] += primary_cells
    return bool(by_organ.sum() >= plan.lethal_cells or np.any(by_organ >= plan.organ_lethal_cells))


#: The growing colonies' size classes (cells): pooled and tracked ones alike.
_SIZE_CLASSES = (("dividing_single", 1, 1), ("micromet_2_3", 2, 3), ("micromet_4_16", 4, 16),
                 ("micromet_17plus", 17, np.inf))


@lru_cache(maxsize=None)
def _pooled_fields(chain: pool.Layout) -> tuple[tuple[str, ...], np.ndarray]:
    """The snapshot fields that count pooled founders, and [S, F + 1] how many each state counts in
    each field (columns; the last: the cells it holds)."""
    p = chain.pooled_max
    states = {
        "in_vessel": [pool.V], "solitary": [pool.E], "solitary_dormant": [pool.D],
        **{name: [base + size - 1 for base in chain.colony_bases for size in chain.sizes if low <= size <= high]
           for name, low, high in _SIZE_CLASSES},
        "dead_in_vessel": [chain.dead_vessel], "dead_apoptosis": [chain.dead_apoptosis],
        "dead_dormant": [chain.dead_dormant], "extinct": list(chain.extinct), "cleared": list(chain.cleared),
        **{name: [*range(base, base + p), chain.extinct[tag], chain.cleared[tag], chain.escaped[tag]]
           for tag, (base, name) in enumerate(zip(chain.colony_bases, ("founded_direct", "founded_reactivated")))},
    }
    counted = np.zeros((chain.num_states, len(states) + 1), dtype=np.int64)
    for column, rows in enumerate(states.values()):
        counted[rows, column] = 1
    counted[[pool.V, pool.E, pool.D], -1] = 1
    for base in chain.colony_bases:
        counted[base : base + p, -1] = chain.sizes
    return tuple(states), counted


#: The snapshot fields that count tracked colonies: growing ones by size class, lesions by phase, and tallies.
_TRACKED_FIELDS = (*(name for name, _, _ in _SIZE_CLASSES), "dormant_micromet", "macromet", "regressed", "resected",
                   "reached_bound", "switched")
_CLASS_LOW, _CLASS_HIGH = np.array([(low, high) for _, low, high in _SIZE_CLASSES]).T[..., None]  # [4, 1] cells
_LESION_PHASES = np.array([BOUND, MACRO, REGRESSED, RESECTED])[:, None]


def _tracked_by_site(colonies: Colonies, shape: tuple[int, int]) -> np.ndarray:
    """[F, C, O] tracked colonies in each of ``_TRACKED_FIELDS`` by clone x organ ``shape``."""
    size = colonies.size
    members = np.concatenate([
        (colonies.phase == GROWING) & (size >= _CLASS_LOW) & (size <= _CLASS_HIGH),
        colonies.phase == _LESION_PHASES,
        ~np.isnan(np.stack([colonies.bound_time, colonies.switch_time])),
    ])  # [F, n]
    which, colony = np.nonzero(members)
    site = colonies.clone[colony] * shape[1] + colonies.organ[colony]
    sites = shape[0] * shape[1]
    return np.bincount(which * sites + site, minlength=len(_TRACKED_FIELDS) * sites).reshape((-1,) + shape)


def _snapshot(
    time: float, counts: np.ndarray, chain: pool.Layout, colonies: Colonies, dropped: np.ndarray, k: int,
    entered: np.ndarray, arrested: np.ndarray, died_in_transit: np.ndarray,
) -> Snapshot:
    """Founder counts by state, fate and tally at ``time`` (see ``outcome``): the pooled founders'
    and the tracked colonies' (growing ones by current size class: they can shrink)."""
    shape = counts.shape[:2]
    names, counted = _pooled_fields(chain)
    pooled = np.ascontiguousarray(np.moveaxis(counts @ counted, -1, 0))  # [F + 1, C, O]
    result = dict(zip(names, pooled))
    result["extinct"] += dropped[0]
    result["cleared"] += dropped[1]
    for name, number in zip(_TRACKED_FIELDS, _tracked_by_site(colonies, shape)):
        result[name] = result[name] + number if name in result else number
    cells = pooled[-1].astype(float)
    np.add.at(cells, (colonies.clone, colonies.organ), colonies.history[:, k])
    return Snapshot(
        time=float(time), counts=result, cells=cells, in_transit=np.zeros(shape[0], dtype=np.int64),
        entered=entered.copy(), arrested=arrested.copy(), died_in_transit=died_in_transit.copy(),
    )


def _lesions(colonies: Colonies) -> Lesions:
    """Records of the colonies that reached the avascular bound, in the order they reached it (so a
    lesion keeps its number in a run followed longer, or in another trial arm, up to a change)."""
    order = np.argsort(colonies.bound_time, kind="stable")  # NaN (never reached) last
    reached = colonies.select(order[: np.count_nonzero(~np.isnan(colonies.bound_time))])
    return Lesions(
        clone=reached.clone,
        organ=reached.organ,
        tracked_time=reached.tracked_time,
        bound_time=reached.bound_time,
        switch_time=reached.switch_time,
        regression_time=reached.regression_time,
        size=reached.history,
    )

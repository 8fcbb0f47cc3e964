"""The exact engine: inject N cells and/or let a primary shed, follow every founder without
looping over cells.

1. Transit (instantaneous on the day scale): one multinomial split of each injection by its
   delivery-matrix row (``routing``). A primary sheds a Poisson number of cells in each window
   (intensity shedding rate x mass, exact), split by clone and by the delivery row of its organ's
   venous outflow and lymph; their arrival times spread over the window with density ~ mass(t).
2. Between consecutive observation times, the pooled founders of every clone x organ split by one
   multinomial draw per state with the exact transition matrix of their Markov chain (``pool``);
   founders whose colony outgrows the pool leave it at exactly drawn times and are tracked.
3. Tracked colonies jump exactly to the next observation (``colonies``).
Cost grows with clones x organs x observations and with the number of tracked colonies, not with
the number of cells injected.
"""

from __future__ import annotations

import numpy as np

from . import pool
from .colonies import BOUND, CLEARED, EXTINCT, GROWING, MACRO, REGRESSED, Colonies, advance, sizes_at
from .lower import Lowered
from .outcome import SNAPSHOT_FIELDS, AssayOutcome, Lesions, Snapshot
from .growth import size_at, time_to_reach
from .routing import delivery_from, delivery_matrix, entries
from .shedding import expected_shed

#: Points of the quadrature grid over a window for cells shed during it.
SHED_GRID = 1025


def simulate_assay(lowered: Lowered, rng: np.random.Generator) -> AssayOutcome:
    """Run one assay or patient exactly; returns founder counts at every observation and lesion records."""
    num_clones, num_organs = len(lowered.clone_names), len(lowered.organ_names)
    arrested = np.zeros((num_clones, num_organs), dtype=np.int64)
    died_in_transit = np.zeros(num_clones, dtype=np.int64)
    for clone, vessel, cells in zip(lowered.injection_clone, lowered.injection_vessel, lowered.injection_cells):
        split = rng.multinomial(cells, delivery_matrix(lowered.routing, clone)[vessel])
        arrested[clone] += split[:-1]
        died_in_transit[clone] += split[-1]
    entered = lowered.num_cells_by_clone.copy()

    counts = np.zeros((num_clones, num_organs, pool.NUM_STATES), dtype=np.int64)
    counts[..., pool.V] = arrested
    generator = pool.generators(lowered.rates)
    shed_rows = None if lowered.primary is None else _shed_rows(lowered)
    num_times = lowered.observation_times.size
    colonies = Colonies.empty(num_times)
    dropped = np.zeros((2, num_clones, num_organs), dtype=np.int64)  # tracked colonies extinct, cleared
    snapshots: list[Snapshot] = []
    now = 0.0
    for k, time in enumerate(lowered.observation_times):
        counts, escaped = _advance_pool(counts, generator, now, time, num_times, rng)
        colonies = colonies.extend(escaped)
        if shed_rows is not None:
            shed, new, escaped = _shed(rng, lowered, shed_rows, generator, now, time, num_times)
            entered += shed.sum(axis=1)
            arrested += shed[:, :-1]
            died_in_transit += shed[:, -1]
            counts += new
            colonies = colonies.extend(escaped)
        advance(colonies, time, lowered.rates, lowered.deterministic_threshold, rng)
        for slot, phase in enumerate((EXTINCT, CLEARED)):
            gone = colonies.phase == phase
            np.add.at(dropped[slot], (colonies.clone[gone], colonies.organ[gone]), 1)
        colonies = colonies.select((colonies.phase != EXTINCT) & (colonies.phase != CLEARED))
        colonies.history[:, k] = sizes_at(colonies, time, lowered.rates, lowered.capacity)
        snapshots.append(_snapshot(time, counts, colonies, dropped, k, entered, arrested, died_in_transit))
        now = time
    return AssayOutcome(
        injected=lowered.num_cells_by_clone,
        snapshots=snapshots,
        lesions=_lesions(colonies),
    )


def _shed_rows(lowered: Lowered) -> np.ndarray:
    """[C, O + 1] where a cell shed by the primary arrests (or dies in transit), per clone."""
    primary = lowered.primary
    names, first = entries(lowered.routing)
    site = lowered.organ_names[primary.site]
    mix = (1.0 - primary.lymphatic_fraction) * first[names.index(f"venous:{site}")] + (
        primary.lymphatic_fraction * first[names.index(f"lymph:{site}")]
    )
    return np.array([delivery_from(lowered.routing, c, mix[None])[0] for c in range(len(lowered.clone_names))])


def _shed(
    rng: np.random.Generator, lowered: Lowered, rows: np.ndarray, generator: np.ndarray,
    start: float, end: float, num_times: int,
) -> tuple[np.ndarray, np.ndarray, Colonies]:
    """Cells shed in [start, end]: ([C, O + 1] arrests and deaths, [C, O, S] founder states at
    ``end``, colonies that outgrew the pool)."""
    primary = lowered.primary
    law, n0, rate, capacity, exponent = primary.growth
    mean = expected_shed(
        law, n0, start, end, rate, capacity, exponent, shedding_rate_per_g_day=primary.shedding_rate_per_g_day,
        cells_per_g=primary.cells_per_g, vascularisation_cells=primary.vascularisation_cells,
    )
    by_clone = rng.multinomial(rng.poisson(mean), primary.clone_share)
    shed = np.array([rng.multinomial(n, row) for n, row in zip(by_clone, rows)])
    new = np.zeros(generator.shape[:2] + (pool.NUM_STATES,), dtype=np.int64)
    escaped = Colonies.empty(num_times)
    if not shed[:, :-1].any():
        return shed, new, escaped
    grid = np.linspace(start, end, SHED_GRID)
    vascular = grid >= time_to_reach(law, n0, primary.vascularisation_cells, rate, capacity, exponent)
    intensity = np.where(vascular, size_at(law, n0, grid, rate, capacity, exponent), 0.0)
    if not intensity.any():  # vascularised inside the last grid step
        intensity[-1] = 1.0
    for clone, organ in zip(*np.nonzero(shed[:, :-1])):
        new[clone, organ], times = pool.arrivals(
            rng, generator[clone, organ], start, end, shed[clone, organ], intensity
        )
        if times.size:
            escaped = escaped.extend(Colonies.founded(clone, organ, pool.POOLED_MAX + 1, times, num_times))
    return shed, new, escaped


def _advance_pool(
    counts: np.ndarray, generator: np.ndarray, start: float, end: float, num_times: int, rng: np.random.Generator
) -> tuple[np.ndarray, Colonies]:
    """Split every occupied chain from ``start`` to ``end``; return new counts and escaped colonies."""
    occupied = np.nonzero(counts[..., : pool.NUM_TRANSIENT].sum(axis=-1))
    new = counts.copy()
    escaped = Colonies.empty(num_times)
    if occupied[0].size == 0:
        return new, escaped
    elapsed = end - start
    flows = pool.split(rng, counts[occupied], pool.transition_matrices(generator[occupied], elapsed))
    new[occupied] = flows.sum(axis=-2)
    for k, (clone, organ) in enumerate(zip(*occupied)):
        num_escaped = flows[k, : pool.NUM_TRANSIENT][:, list(pool.ESCAPED)]
        if num_escaped.any():
            times = pool.escape_times(rng, generator[clone, organ], elapsed, num_escaped)
            escaped = escaped.extend(Colonies.founded(clone, organ, pool.POOLED_MAX + 1, start + times, num_times))
    return new, escaped


def _count(colonies: Colonies, mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, dtype=np.int64)
    np.add.at(out, (colonies.clone[mask], colonies.organ[mask]), 1)
    return out


def _snapshot(
    time: float, counts: np.ndarray, colonies: Colonies, dropped: np.ndarray, k: int,
    entered: np.ndarray, arrested: np.ndarray, died_in_transit: np.ndarray,
) -> Snapshot:
    """Founder counts by state, fate and tally at ``time`` (see ``outcome``)."""
    shape = counts.shape[:2]
    direct = counts[..., pool.COLONY_DIRECT : pool.COLONY_DIRECT + pool.POOLED_MAX]
    reactivated = counts[..., pool.COLONY_REACTIVATED : pool.COLONY_REACTIVATED + pool.POOLED_MAX]
    by_size = direct + reactivated  # [C, O, POOLED_MAX], index = size - 1
    phase = colonies.phase
    growing = phase == GROWING
    tracked = {  # tracked growing colonies by current size class (they can shrink back below 17)
        name: _count(colonies, growing & (colonies.size >= low) & (colonies.size <= high), shape)
        for name, low, high in (("dividing_single", 1, 1), ("micromet_2_3", 2, 3), ("micromet_4_16", 4, 16),
                                ("micromet_17plus", 17, np.inf))
    }
    result = {
        "in_vessel": counts[..., pool.V],
        "solitary": counts[..., pool.E],
        "solitary_dormant": counts[..., pool.D],
        "dividing_single": by_size[..., 0] + tracked["dividing_single"],
        "micromet_2_3": by_size[..., 1:3].sum(axis=-1) + tracked["micromet_2_3"],
        "micromet_4_16": by_size[..., 3:16].sum(axis=-1) + tracked["micromet_4_16"],
        "micromet_17plus": tracked["micromet_17plus"],
        "dormant_micromet": _count(colonies, phase == BOUND, shape),
        "macromet": _count(colonies, phase == MACRO, shape),
        "dead_in_vessel": counts[..., pool.DEAD_VESSEL],
        "dead_apoptosis": counts[..., pool.DEAD_APOPTOSIS],
        "dead_dormant": counts[..., pool.DEAD_DORMANT],
        "extinct": counts[..., list(pool.EXTINCT)].sum(axis=-1) + dropped[0],
        "cleared": counts[..., list(pool.CLEARED)].sum(axis=-1) + dropped[1],
        "regressed": _count(colonies, phase == REGRESSED, shape),
        "reached_bound": _count(colonies, ~np.isnan(colonies.bound_time), shape),
        "switched": _count(colonies, ~np.isnan(colonies.switch_time), shape),
    }
    for tag, (block, name) in enumerate(((direct, "founded_direct"), (reactivated, "founded_reactivated"))):
        absorbed = counts[..., [pool.EXTINCT[tag], pool.CLEARED[tag], pool.ESCAPED[tag]]].sum(axis=-1)
        result[name] = block.sum(axis=-1) + absorbed
    assert set(result) == set(SNAPSHOT_FIELDS)
    cells = (counts[..., [pool.V, pool.E, pool.D]].sum(axis=-1) + (by_size * pool.SIZES).sum(axis=-1)).astype(float)
    np.add.at(cells, (colonies.clone, colonies.organ), colonies.history[:, k])
    return Snapshot(
        time=float(time), counts=result, cells=cells, in_transit=np.zeros(shape[0], dtype=np.int64),
        entered=entered.copy(), arrested=arrested.copy(), died_in_transit=died_in_transit.copy(),
    )


def _lesions(colonies: Colonies) -> Lesions:
    """Records of the colonies that reached the avascular bound."""
    reached = colonies.select(~np.isnan(colonies.bound_time))
    return Lesions(
        clone=reached.clone,
        organ=reached.organ,
        tracked_time=reached.tracked_time,
        bound_time=reached.bound_time,
        switch_time=reached.switch_time,
        regression_time=reached.regression_time,
        size=reached.history,
    )

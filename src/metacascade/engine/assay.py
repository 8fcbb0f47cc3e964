"""The exact engine: inject N cells and/or let a primary shed, follow every founder without
looping over cells.

1. Transit (instantaneous on the day scale): one multinomial split of each injection by its
   delivery-matrix row (``routing``). A primary sheds a Poisson number of cells in each window
   (intensity shedding rate x mass, exact), split by clone and by the delivery row of its organ's
   venous outflow and lymph; their arrival times spread over the window with density ~ mass(t).
2. Between consecutive observation times, the pooled founders of every clone x organ split by one
   multinomial draw per state with the exact transition matrix of their Markov chain (``pool``),
   colonies included up to their handoff size (at most ``pool.POOLED_MAX_CELLS + 1`` cells);
   founders whose colony reaches it leave the pool at exactly drawn times and are tracked.
3. Tracked colonies jump exactly to the next observation (``colonies``).
Cost grows with clones x organs x observations and with the number of colonies that outgrow the
pool, not with the number of cells injected or shed.
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

    chains = pool.Chains(lowered.rates, lowered.deterministic_threshold)
    counts = np.zeros((num_clones, num_organs, chains.chain.num_states), dtype=np.int64)
    counts[..., pool.V] = arrested
    shed_rows = None if lowered.primary is None else _shed_rows(lowered)
    num_times = lowered.observation_times.size
    colonies = Colonies.empty(num_times)
    dropped = np.zeros((2, num_clones, num_organs), dtype=np.int64)  # tracked colonies extinct, cleared
    snapshots: list[Snapshot] = []
    now = 0.0
    for k, time in enumerate(lowered.observation_times):
        counts, escaped = _advance_pool(counts, chains, now, time, num_times, rng)
        if shed_rows is not None:
            shed, new, shed_escaped = _shed(rng, lowered, shed_rows, chains, now, time, num_times)
            entered += shed.sum(axis=1)
            arrested += shed[:, :-1]
            died_in_transit += shed[:, -1]
            counts += new
        else:
            shed_escaped = Colonies.empty(num_times)
        colonies = colonies.extend(escaped, shed_escaped)
        if len(colonies) > MAX_TRACKED_COLONIES:
            raise TooManyColonies(
                f"{len(colonies):,} colonies outgrew the pool (above {pool.POOLED_MAX_CELLS} cells or at their "
                f"ceiling) by day {time:g}: more than the engine follows one by one ({MAX_TRACKED_COLONIES:,}). "
                "The fate rates make colonisation far more efficient than it is in patients (a patient has tens "
                "of metastases from ~1e11 shed cells); lower division_rate or reactivation_rate, or raise "
                "clearance_rate."
            )
        advance(colonies, time, lowered.rates, lowered.deterministic_threshold, rng)
        for slot, phase in enumerate((EXTINCT, CLEARED)):
            gone = colonies.phase == phase
            np.add.at(dropped[slot], (colonies.clone[gone], colonies.organ[gone]), 1)
        colonies = colonies.select((colonies.phase != EXTINCT) & (colonies.phase != CLEARED))
        colonies.history[:, k] = sizes_at(colonies, time, lowered.rates, lowered.capacity)
        snapshots.append(_snapshot(time, counts, chains.chain, colonies, dropped, k, entered, arrested, died_in_transit))
        now = time
    return AssayOutcome(
        injected=lowered.num_cells_by_clone,
        snapshots=snapshots,
        lesions=_lesions(colonies),
    )


#: Colonies tracked one by one at once, at most (each costs ~100 bytes per observation time).
MAX_TRACKED_COLONIES = 2_000_000


class TooManyColonies(RuntimeError):
    """The scenario makes more colonies outgrow the pool than the engine follows one by one."""


def _shed_rows(lowered: Lowered) -> np.ndarray:
    """[C, O + 1] where a cell shed by the primary arrests (or dies in transit or in a cavity's
    fluid), per clone: once the primary has invaded its serosa a share ``coelomic_fraction`` enters
    its cavity's fluid, the rest its lymph (``lymphatic_fraction``) or its venous outflow.

    One mix serves the whole run: exact when the serosa is invaded no later than vascularisation
    (when shedding starts) or after the last observation. In between, raises NotImplementedError:
    routing that changes at serosal invasion needs ``_shed`` to split its windows there.
    """
    primary = lowered.primary
    names, first = entries(lowered.routing)
    site = lowered.organ_names[primary.site]
    mix = (1.0 - primary.lymphatic_fraction) * first[names.index(f"venous:{site}")] + (
        primary.lymphatic_fraction * first[names.index(f"lymph:{site}")]
    )
    if primary.coelomic_fraction > 0:
        law, n0, rate, capacity, exponent = primary.growth
        invasion, vascular = time_to_reach(
            law, n0, [primary.serosal_invasion_cells, primary.vascularisation_cells], rate, capacity, exponent
        )
        if invasion <= vascular:
            cavity = first[names.index(f"cavity:{lowered.routing.cavity_names[primary.cavity]}")]
            mix = (1.0 - primary.coelomic_fraction) * mix + primary.coelomic_fraction * cavity
        elif invasion < lowered.observation_times[-1]:
            raise NotImplementedError(
                f"primary.serosal_invasion_cells: the exact engine needs the serosa invaded by vascularisation "
                f"(at most vascularisation_cells = {primary.vascularisation_cells:g}) or after the last observation "
                f"(got {primary.serosal_invasion_cells:g} cells, reached at {invasion:.4g} days)"
            )
    return np.array([delivery_from(lowered.routing, c, mix[None])[0] for c in range(len(lowered.clone_names))])


def _shed(
    rng: np.random.Generator, lowered: Lowered, rows: np.ndarray, chains: pool.Chains,
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
    new = np.zeros(chains.group.shape + (chains.chain.num_states,), dtype=np.int64)
    escaped = []
    if not shed[:, :-1].any():
        return shed, new, Colonies.empty(num_times)
    grid = np.linspace(start, end, pool.GRID)
    vascular = grid >= time_to_reach(law, n0, primary.vascularisation_cells, rate, capacity, exponent)
    intensity = np.where(vascular, size_at(law, n0, grid, rate, capacity, exponent), 0.0)
    if not intensity.any():  # vascularised inside the last grid step
        intensity[-1] = 1.0
    receiving = shed[:, :-1] > 0
    for group in np.unique(chains.group[receiving]):
        members = np.nonzero(receiving & (chains.group == group))
        kern = chains.kernel(group, end - start)
        new[members], times = pool.arrivals(rng, kern, start, shed[:, :-1][members], intensity)
        for clone, organ, when in zip(*members, times):
            if when.size:
                escaped.append(Colonies.founded(clone, organ, chains.handoff[clone, organ], when, num_times))
    return shed, new, Colonies.empty(num_times).extend(*escaped)


def _advance_pool(
    counts: np.ndarray, chains: pool.Chains, start: float, end: float, num_times: int, rng: np.random.Generator
) -> tuple[np.ndarray, Colonies]:
    """Split every occupied chain from ``start`` to ``end``; return new counts and escaped colonies."""
    transient, escapes = chains.chain.num_transient, list(chains.chain.escaped)
    occupied = counts[..., :transient].any(axis=-1)
    new = counts.copy()
    escaped = []
    for group in np.unique(chains.group[occupied]):
        kern = chains.kernel(group, end - start)
        members = np.nonzero(occupied & (chains.group == group))
        flows = pool.split(rng, counts[members], kern)
        new[members] = flows.sum(axis=-2)
        for k, (clone, organ) in enumerate(zip(*members)):
            num_escaped = flows[k, :transient][:, escapes]
            if num_escaped.any():
                times = start + pool.escape_times(rng, kern, num_escaped)
                escaped.append(Colonies.founded(clone, organ, chains.handoff[clone, organ], times, num_times))
    return new, Colonies.empty(num_times).extend(*escaped)


def _count(colonies: Colonies, mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, dtype=np.int64)
    np.add.at(out, (colonies.clone[mask], colonies.organ[mask]), 1)
    return out


def _snapshot(
    time: float, counts: np.ndarray, chain: pool.Layout, colonies: Colonies, dropped: np.ndarray, k: int,
    entered: np.ndarray, arrested: np.ndarray, died_in_transit: np.ndarray,
) -> Snapshot:
    """Founder counts by state, fate and tally at ``time`` (see ``outcome``)."""
    shape = counts.shape[:2]
    p = chain.pooled_max
    direct, reactivated = (counts[..., base : base + p] for base in chain.colony_bases)
    by_size = direct + reactivated  # [C, O, p], index = size - 1
    phase = colonies.phase
    growing = phase == GROWING
    classes = {}  # growing colonies by current size class, pooled + tracked (tracked ones can shrink)
    for name, low, high in (("dividing_single", 1, 1), ("micromet_2_3", 2, 3), ("micromet_4_16", 4, 16),
                            ("micromet_17plus", 17, np.inf)):
        in_class = (chain.sizes >= low) & (chain.sizes <= high)
        tracked = _count(colonies, growing & (colonies.size >= low) & (colonies.size <= high), shape)
        classes[name] = by_size[..., in_class].sum(axis=-1) + tracked

    def absorbed(states: tuple[int, ...]) -> np.ndarray:
        return counts[..., list(states)].sum(axis=-1)

    result = {
        "in_vessel": counts[..., pool.V],
        "solitary": counts[..., pool.E],
        "solitary_dormant": counts[..., pool.D],
        **classes,
        "dormant_micromet": _count(colonies, phase == BOUND, shape),
        "macromet": _count(colonies, phase == MACRO, shape),
        "dead_in_vessel": counts[..., chain.dead_vessel],
        "dead_apoptosis": counts[..., chain.dead_apoptosis],
        "dead_dormant": counts[..., chain.dead_dormant],
        "extinct": absorbed(chain.extinct) + dropped[0],
        "cleared": absorbed(chain.cleared) + dropped[1],
        "regressed": _count(colonies, phase == REGRESSED, shape),
        "reached_bound": _count(colonies, ~np.isnan(colonies.bound_time), shape),
        "switched": _count(colonies, ~np.isnan(colonies.switch_time), shape),
    }
    for tag, (block, name) in enumerate(((direct, "founded_direct"), (reactivated, "founded_reactivated"))):
        ended = absorbed((chain.extinct[tag], chain.cleared[tag], chain.escaped[tag]))
        result[name] = block.sum(axis=-1) + ended
    assert set(result) == set(SNAPSHOT_FIELDS)
    cells = (counts[..., [pool.V, pool.E, pool.D]].sum(axis=-1) + (by_size * chain.sizes).sum(axis=-1)).astype(float)
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

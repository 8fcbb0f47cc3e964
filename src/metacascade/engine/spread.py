"""Cells shed into the circulation by the primary and by macrometastases (MODEL.md §1-2, §6).

A tumour of N(t) cells sheds at intensity shedding_rate_per_g_day / cells_per_g x N(t) cells/day
into its organ's venous outflow, or with probability ``lymphatic_fraction`` its lymph; once it has
invaded its serosa, a primary in a body cavity sends ``coelomic_fraction`` of them into the
cavity's fluid. The primary sheds from vascularisation on; a macrometastasis from its angiogenic
switch on, at the primary's rate per gram (metastasis-to-metastasis spread). Cells that reach the
primary's own organ arrest there like anywhere else (self-seeding: they are counted in that organ,
and the primary's growth law is not changed by them).

Shedding thinned by routing is a Poisson process per clone x destination: in a window its count
is Poisson with the exact mean (closed-form cell-days), and each cell's arrival time has the
density of the intensity summed over the sources that reach that organ. Each source is a piece of
a tumour with one route: ``Source``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import pool
from .colonies import Colonies
from .growth import cell_days, size_at, time_to_reach
from .lower import Lowered
from .routing import delivery_from, entries
from .shedding import expected_shed, shedding_intensity

#: Lesions whose size curves over a window are evaluated at once (memory: LESION_CHUNK x pool.GRID floats).
LESION_CHUNK = 4096


@dataclass(frozen=True)
class Routes:
    """Where a shed cell arrests, or dies in transit (last column), per clone: [C, ..., O + 1]."""

    before_invasion: np.ndarray  # [C, O + 1] from the primary before it invades its serosa
    after_invasion: np.ndarray  # [C, O + 1] from the primary after (the cavity share included)
    invasion_time: float  # days; inf if the primary never sheds into a cavity
    metastasis: np.ndarray  # [C, O, O + 1] from a metastasis in each organ


@dataclass(frozen=True)
class Source:
    """Tumours shedding over a window: [C, K] exact expected cells shed, [C, K, G] intensity on the
    window's grid (cells/day), [C, K, O + 1] their routes."""

    means: np.ndarray
    curves: np.ndarray
    routes: np.ndarray


def routes(lowered: Lowered) -> Routes:
    """The routes of every shed cell of a run (one linear solve per clone)."""
    primary, routing = lowered.primary, lowered.routing
    names, first = entries(routing)
    share = primary.lymphatic_fraction
    outflow = np.array([
        (1.0 - share) * first[names.index(f"venous:{organ}")] + share * first[names.index(f"lymph:{organ}")]
        for organ in lowered.organ_names
    ])
    invasion = np.inf
    with_cavity = outflow[primary.site]
    if primary.coelomic_fraction > 0:
        law, n0, rate, capacity, exponent = primary.growth
        invasion = float(time_to_reach(law, n0, primary.serosal_invasion_cells, rate, capacity, exponent))
        cavity = first[names.index(f"cavity:{routing.cavity_names[primary.cavity]}")]
        with_cavity = (1.0 - primary.coelomic_fraction) * with_cavity + primary.coelomic_fraction * cavity
    clones = range(len(lowered.clone_names))
    metastasis = np.array([delivery_from(routing, c, outflow) for c in clones])
    return Routes(
        before_invasion=metastasis[:, primary.site],
        after_invasion=np.array([delivery_from(routing, c, with_cavity[None])[0] for c in clones]),
        invasion_time=invasion,
        metastasis=metastasis,
    )


def primary_source(lowered: Lowered, paths: Routes, grid: np.ndarray) -> Source:
    """The primary over the window ``grid[0]..grid[-1]``, split at serosal invasion."""
    primary = lowered.primary
    law, n0, rate, capacity, exponent = primary.growth
    start, end = grid[0], grid[-1]
    invasion = np.clip(paths.invasion_time, start, end)
    means = [
        expected_shed(
            law, n0, t0, t1, rate, capacity, exponent, shedding_rate_per_g_day=primary.shedding_rate_per_g_day,
            cells_per_g=primary.cells_per_g, vascularisation_cells=primary.vascularisation_cells,
        )
        for t0, t1 in ((start, invasion), (invasion, end))
    ]
    curve = shedding_intensity(
        law, n0, grid, rate, capacity, exponent, shedding_rate_per_g_day=primary.shedding_rate_per_g_day,
        cells_per_g=primary.cells_per_g, vascularisation_cells=primary.vascularisation_cells,
    )
    invaded = grid >= paths.invasion_time
    founders = primary.clone_share @ primary.founders_per_cell  # single cells and clusters, per cell shed
    share = founders[:, None, None]
    return Source(
        means=founders[:, None] * np.array(means)[None],
        curves=share * np.array([np.where(invaded, 0.0, curve), np.where(invaded, curve, 0.0)])[None],
        routes=np.stack([paths.before_invasion, paths.after_invasion], axis=1),
    )


def metastasis_source(lowered: Lowered, paths: Routes, colonies: Colonies, lesions: np.ndarray,
                      grid: np.ndarray) -> Source:
    """The macrometastases ``lesions`` (indices of switched colonies) over the window, each from
    the later of its switch and the window start; summed by clone x organ."""
    primary = lowered.primary
    per_cell = primary.shedding_rate_per_g_day / primary.cells_per_g
    own, organ, switch = colonies.clone[lesions], colonies.organ[lesions], colonies.switch_time[lesions]
    clone = primary.parent_clone[own]  # whose cells the lesion is made of
    bound, gompertz, cap = (
        table[own, organ]
        for table in (lowered.rates["avascular_bound_cells"], lowered.rates["gompertz_rate"], lowered.capacity)
    )
    start, end = grid[0], grid[-1]
    by_organ = np.zeros(lowered.capacity.shape)
    by_organ_curve = np.zeros(lowered.capacity.shape + grid.shape)
    np.add.at(by_organ, (clone, organ),
              per_cell * cell_days("gompertz", bound, np.maximum(start - switch, 0.0), end - switch, gompertz, cap))
    for chunk in np.array_split(np.arange(lesions.size), -(-lesions.size // LESION_CHUNK)):  # bounded memory
        age = grid[None] - switch[chunk, None]
        curve = size_at("gompertz", bound[chunk, None], np.maximum(age, 0.0), gompertz[chunk, None], cap[chunk, None])
        np.add.at(by_organ_curve, (clone[chunk], organ[chunk]), per_cell * np.where(age >= 0, curve, 0.0))
    sites = np.unique(organ)
    founders = primary.founders_per_cell  # a metastasis sheds single cells and clusters of its parent clone
    return Source(
        means=founders.T @ by_organ[:, sites],
        curves=np.einsum("bc,bkg->ckg", founders, by_organ_curve[:, sites]),
        routes=paths.metastasis[:, sites],
    )


def shed(
    rng: np.random.Generator, sources: list[Source], chains: pool.Chains, grid: np.ndarray,
    num_times: int, tracked: int,
) -> tuple[np.ndarray, np.ndarray, Colonies]:
    """Cells shed over the window ``grid`` by ``sources``: ([C, O + 1] arrests and deaths in
    transit, [C, O, S] founder states at the window's end, colonies that outgrew the pool);
    ``tracked``: colonies already followed one by one."""
    means = np.concatenate([s.means for s in sources], axis=1)
    curves = np.concatenate([s.curves for s in sources], axis=1)
    paths = np.concatenate([s.routes for s in sources], axis=1)
    counts = rng.poisson(np.einsum("ck,cko->co", means, paths))
    num_clones, num_sources = means.shape
    # arrival intensity of clone c in organ j: sum_k paths[c, k, j] curves[c, k]; as arrivals' basis
    # [C K + 1, G] (the last: a source that started inside the last grid step) and mixing [C, O, C K + 1]
    at_end = np.zeros(grid.size)
    at_end[-1] = 1.0
    basis = np.vstack([curves.reshape(num_clones * num_sources, -1), at_end])
    mixing = np.zeros((num_clones, paths.shape[2] - 1, basis.shape[0]))
    for c in range(num_clones):
        mixing[c, :, c * num_sources : (c + 1) * num_sources] = paths[c, :, :-1].T
    silent = ~(mixing[..., :-1] * basis[:-1].any(axis=1)).any(axis=-1)
    mixing[silent, -1] = 1.0
    start, end = grid[0], grid[-1]
    new = np.zeros(chains.group.shape + (chains.chain.num_states,), dtype=np.int64)
    escaped = []
    receiving = counts[:, :-1] > 0
    for group in np.unique(chains.group[receiving]):
        members = np.nonzero(receiving & (chains.group == group))
        kern = chains.kernel(group, end - start)
        new[members], times = pool.arrivals(
            rng, kern, start, counts[:, :-1][members], basis, mixing[members], tracked=tracked, time=end
        )
        for clone, organ, when in zip(*members, times):
            if when.size:
                escaped.append(Colonies.founded(clone, organ, chains.handoff[clone, organ], when, num_times))
                tracked += when.size
    return counts, new, Colonies.empty(num_times).extend(*escaped)

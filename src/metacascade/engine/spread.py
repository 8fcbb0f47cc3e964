"""Cells shed into the circulation by the primary and by macrometastases (MODEL.md §1-2, §6).

A tumour of N(t) cells sheds at intensity shedding_rate_per_g_day / cells_per_g x N(t) cells/day
into its organ's venous outflow, or with probability ``lymphatic_fraction`` its lymph (a primary
whose lymph is entered through its surface: ``routes.Entry``); once it has
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

from ..errors import TooManyCells  # noqa: F401 (re-exported)
from . import course, pool
from .colonies import Colonies
from .growth import gompertz_cell_days, gompertz_size
from .logkill import anchors
from .lower import Lowered
from .routes import Routes

#: Cells shed in one window into one clone x destination, at most (numpy's Poisson sampler stops
#: near 9e18; a body holds ~4e13 cells).
MAX_SHED_PER_WINDOW = 1e18



#: Lesions whose size curves over a window are evaluated at once (memory: LESION_CHUNK x pool.GRID floats).
LESION_CHUNK = 4096


@dataclass(frozen=True)
class Source:
    """Tumours shedding over a window as K curves of cells shed: [K, G] each one's intensity on the
    window's grid (cells/day), [K] the exact expected cells each sheds over the window, [C, K] the
    founders of each clone per cell it sheds (single cells and clusters, ``Primary.founders_per_cell``),
    [C, K, O + 1] their routes. The clones' founders share their curve (one curve, not one per clone)."""

    curves: np.ndarray
    cells: np.ndarray
    founders: np.ndarray
    routes: np.ndarray

    @property
    def means(self) -> np.ndarray:
        """[C, K] the exact expected founders of each clone."""
        return self.founders * self.cells


def primary_sources(lowered: Lowered, paths: Routes, grids: np.ndarray) -> list[Source]:
    """The primary over each window ``grids[w, 0]..grids[w, -1]`` (each on one side of its
    removal), split at serosal invasion (if it ever invades), by each of its entries
    (``routes.Entry``): all windows in one pass."""
    primary = lowered.primary
    start, end = grids[:, 0], grids[:, -1]
    invasion = np.clip(paths.invasion_time, start, end)
    invaded = grids >= paths.invasion_time
    sides = (False, True) if np.isfinite(paths.invasion_time) else (False,)  # a primary that never invades: before
    cells, curves, routes = [], [], []
    for entry in paths.entries:
        cells += [entry.scale * course.shed_mean(primary, *((invasion, end) if after else (start, invasion)),
                                                 entry.power) for after in sides]
        curve = entry.scale * course.shedding(primary, grids, power=entry.power)  # [W, G]
        # a restart at a window's end acts after it
        curve[:, -1] = entry.scale * course.shedding(primary, grids[:, -1], left=True, power=entry.power)
        curves += [np.where(invaded == after, curve, 0.0) for after in sides]
        routes += [entry.after_invasion if after else entry.before_invasion for after in sides]
    cells, curves, routes = np.stack(cells, axis=1), np.stack(curves, axis=1), np.stack(routes, axis=1)
    founders = np.repeat((primary.clone_share @ primary.founders_per_cell)[:, None], routes.shape[1], axis=1)
    return [Source(curves=curves[w], cells=cells[w], founders=founders, routes=routes) for w in range(len(grids))]


def metastasis_source(lowered: Lowered, paths: Routes, colonies: Colonies, lesions: np.ndarray,
                      grid: np.ndarray) -> Source:
    """The macrometastases ``lesions`` (indices of switched colonies) over the window, each from
    the later of its switch and the window start, on its curve after the kills up to the window
    start (``logkill.anchors``: kills and changes of speed end windows); one curve per parent clone x
    organ."""
    primary = lowered.primary
    per_cell = primary.shedding_rate_per_g_day / primary.cells_per_g
    own, organ, switch = colonies.clone[lesions], colonies.organ[lesions], colonies.switch_time[lesions]
    clone = primary.parent_clone[own]  # whose cells the lesion is made of
    bound, gompertz, cap = (
        table[own, organ]
        for table in (lowered.rates["avascular_bound_cells"], lowered.rates["gompertz_rate"], lowered.capacity)
    )
    start, end = grid[0], grid[-1]
    at, cells, gompertz = anchors(lowered, own, switch, bound, gompertz, cap, start)  # no change inside a window
    num_organs = lowered.capacity.shape[1]
    keys, key = np.unique(clone * num_organs + organ, return_inverse=True)  # parent clone x organ
    members = np.zeros((keys.size, lesions.size))  # [K, L] 1 where lesion l sheds into curve k
    members[key, np.arange(lesions.size)] = 1.0
    log_ratio = np.log(cells / cap)
    skipped = np.maximum(start - at, 0.0)  # the window's start, or the switch inside it
    from_cells = gompertz_size(cells, log_ratio, skipped, gompertz)
    shed = members @ (per_cell * gompertz_cell_days(from_cells, end - at - skipped, gompertz, cap))
    curves = np.zeros((keys.size, grid.size))
    for first in range(0, lesions.size, LESION_CHUNK):  # bounded memory
        chunk = slice(first, first + LESION_CHUNK)
        age = grid[None] - at[chunk, None]
        curve = gompertz_size(per_cell * cells[chunk, None], log_ratio[chunk, None], np.maximum(age, 0.0),
                              gompertz[chunk, None])
        if (at[chunk] > start).any():  # switched inside the window: sheds from then on
            curve[age < 0] = 0.0
        curves += members[:, chunk] @ curve
    founders = primary.founders_per_cell[keys // num_organs].T  # [C, K] a metastasis sheds its parent clone's
    routes = paths.metastasis[:, keys % num_organs]
    return Source(curves=curves, cells=shed, founders=founders, routes=routes)


def shed(
    rng: np.random.Generator, sources: list[Source], chains: pool.Chains, grid: np.ndarray,
    num_times: int, tracked: int, factor: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, Colonies]:
    """Cells shed over the window ``grid`` by ``sources``, at ``factor`` times their rates (an
    epoch's): ([C, O + 1] arrests and deaths in transit, [C, O, S] founder states at the window's
    end, colonies that outgrew the pool); ``tracked``: colonies already followed one by one."""
    means = factor * np.concatenate([s.means for s in sources], axis=1)
    paths = np.concatenate([s.routes for s in sources], axis=1)
    expected = np.einsum("ck,cko->co", means, paths)
    if (expected > MAX_SHED_PER_WINDOW).any():
        raise TooManyCells(
            f"about {expected.max():.3g} cells would be shed in the window ending on day {grid[-1]:g}, more than the "
            f"engine draws ({MAX_SHED_PER_WINDOW:.0e}); lower primary.shedding_rate_per_g_day, the tumours' sizes "
            "(primary.growth, clones.*.cells_per_g sets the organ capacities of metastases) or the horizon "
            "(observation_times)"
        )
    counts = rng.poisson(expected)
    # arrival intensity of clone c in organ j: sum_k paths[c, k, j] founders[c, k] curves[k]; as arrivals'
    # basis [K + 1, G] (the last: a source that started inside the last grid step) and mixing [C, O, K + 1]
    at_end = np.zeros(grid.size)
    at_end[-1] = 1.0
    basis = np.vstack([s.curves for s in sources] + [at_end])
    founders = np.concatenate([s.founders for s in sources], axis=1)
    mixing = np.zeros(paths.shape[:1] + (paths.shape[2] - 1, basis.shape[0]))
    mixing[..., :-1] = founders[:, None, :] * np.swapaxes(paths[..., :-1], 1, 2)
    silent = ~(mixing[..., :-1] * basis[:-1].any(axis=1)).any(axis=-1)
    mixing[silent, -1] = 1.0
    new, born = pool.arrivals(rng, chains, grid, counts[:, :-1], basis, mixing, num_times, tracked=tracked)
    return counts, new, born

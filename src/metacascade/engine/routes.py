"""Where the cells a run sheds go: the delivery rows of the primary (before and after it invades
its serosa) and of a metastasis in each organ (MODEL.md §1-2), and the time they circulate (what
a blood draw counts), a few linear solves per clone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .growth import time_to_reach
from .lower import Lowered, Primary
from .routing import Routing
from .routing import circulating_time, delivery_from, entries


#: The lymph's surface entry sheds with N^(2/3) (``lower.Primary.lymphatic_surface_cells``).
SURFACE_POWER = 2.0 / 3.0


@dataclass(frozen=True)
class Entry:
    """One way the primary's cells leave it: at ``scale`` x (per-cell shedding) x N^``power`` cells
    per day (``course.shedding``), with where each arrests before and after serosal invasion [C, O + 1]
    and the days it spends in venous blood past a bed then [C, 2]."""

    scale: float
    power: float
    before_invasion: np.ndarray
    after_invasion: np.ndarray
    circulating: np.ndarray


@dataclass(frozen=True)
class Routes:
    """Where a shed cell arrests, or dies in transit (last column), per clone: [C, ..., O + 1]."""

    before_invasion: np.ndarray  # [C, O + 1] from the primary before it invades its serosa
    after_invasion: np.ndarray  # [C, O + 1] from the primary after (the cavity share included)
    invasion_time: float  # days; inf if the primary never sheds into a cavity
    metastasis: np.ndarray  # [C, O, O + 1] from a metastasis in each organ
    circulating: np.ndarray  # [C, O + 1] days a cell shed by a metastasis in each organ, then (last) by the
    # primary after invasion, spends in venous blood past a capillary bed (``routing.circulating_time``)
    entries: tuple[Entry, ...]  # the primary's: one (every cell alike), or venous and surface lymph


def routes(lowered: Lowered) -> Routes:
    """The routes of every shed cell of a run (one linear solve per clone, shared by the patients
    of a cohort: only the serosal invasion time depends on a patient's growth)."""
    primary = lowered.primary
    invasion = np.inf
    if primary.coelomic_fraction > 0:
        law, n0, rate, capacity, exponent = primary.growth
        invasion = float(time_to_reach(law, n0, primary.serosal_invasion_cells, rate, capacity, exponent))
    metastasis, after_invasion, circulating = _deliveries(lowered.routing, primary.site, primary.lymphatic_fraction,
                                                          primary.coelomic_fraction, primary.cavity)
    return Routes(
        before_invasion=metastasis[:, primary.site],
        after_invasion=after_invasion,
        invasion_time=invasion,
        metastasis=metastasis,
        circulating=circulating,
        entries=_entries(lowered),
    )


def entry_parts(primary: Primary) -> list[tuple[float, float, float]]:
    """(scale, power, share into lymph) of each way the primary's cells leave it, at scale x
    (per-cell shedding) x N^power cells per day: every shed cell alike (lymph with
    ``lymphatic_fraction``), or with ``lymphatic_surface_cells`` S the venous outflow at
    (1 - lymphatic_fraction) N and the lymph at lymphatic_fraction S^(1/3) N^(2/3) (its surface; the
    two equal the first at N = S). Both engines shed by these."""
    share, surface = primary.lymphatic_fraction, primary.lymphatic_surface_cells
    if surface is None:
        return [(1.0, 1.0, share)]
    return [(1.0 - share, 1.0, 0.0), (share * surface ** (1.0 - SURFACE_POWER), SURFACE_POWER, 1.0)]


def _entries(lowered: Lowered) -> tuple[Entry, ...]:
    """The primary's entries (``entry_parts``) with their deliveries."""
    primary = lowered.primary
    entries = []
    for scale, power, lymph in entry_parts(primary):
        metastasis, after, circulating = _deliveries(lowered.routing, primary.site, lymph, primary.coelomic_fraction,
                                                     primary.cavity)
        entries.append(Entry(scale=scale, power=power, before_invasion=metastasis[:, primary.site],
                             after_invasion=after, circulating=circulating[:, [primary.site, -1]]))
    return tuple(entries)


#: Deliveries of the last few circulations, by identity (a cohort's patients share one ``Routing``).
_RECENT: dict[tuple, tuple[Routing, np.ndarray, np.ndarray, np.ndarray]] = {}


def _deliveries(routing: Routing, site: int, lymphatic_fraction: float, coelomic_fraction: float,
                cavity: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """([C, O, O + 1] from a metastasis in each organ, [C, O + 1] from the primary after invasion,
    [C, O + 1] the time in venous blood past a bed from both)."""
    key = (id(routing), site, lymphatic_fraction, coelomic_fraction, cavity)
    if key in _RECENT and _RECENT[key][0] is routing:
        return _RECENT[key][1:]
    names, first = entries(routing)
    outflow = np.array([
        (1.0 - lymphatic_fraction) * first[names.index(f"venous:{organ}")]
        + lymphatic_fraction * first[names.index(f"lymph:{organ}")]
        for organ in routing.organ_names
    ])
    with_cavity = outflow[site]
    if coelomic_fraction > 0:
        into_cavity = first[names.index(f"cavity:{routing.cavity_names[cavity]}")]
        with_cavity = (1.0 - coelomic_fraction) * with_cavity + coelomic_fraction * into_cavity
    clones = range(routing.arrest.shape[0])
    metastasis = np.array([delivery_from(routing, c, outflow) for c in clones])
    after_invasion = np.array([delivery_from(routing, c, with_cavity[None])[0] for c in clones])
    circulating = np.array([circulating_time(routing, c, np.vstack([outflow, with_cavity])) for c in clones])
    if len(_RECENT) >= 8:
        _RECENT.clear()
    _RECENT[key] = (routing, metastasis, after_invasion, circulating)
    return metastasis, after_invasion, circulating

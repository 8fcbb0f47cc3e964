"""The pooled founders: one continuous-time Markov chain per clone x organ (MODEL.md §3, §6).

Every arrested founder whose colony has not reached its *handoff size* is in one state of a finite
chain: in the vessel (V), solitary extravasated (E), solitary dormant (D), or a colony of exact
size 1..pooled_max, tagged by how it was founded (directly from E, or reactivated from D). Colony
states follow the linear birth–death process with whole-colony clearance. Absorbing states
collect deaths, extinctions, clearances, and escapes at the handoff size: the stochastic ceiling
(avascular bound, or the deterministic threshold if lower) or ``POOLED_MAX_CELLS + 1``, whichever
comes first. Only escaped colonies are followed one by one (``colonies``).

Over a window of length t the cohort in each state splits by one multinomial draw with the exact
transition matrix expm(Q t): identical cells, never looped over. The matrices a window needs
(``Kernel``) depend only on the rates and the window length, so they are computed once and shared
by every organ, window and patient with the same rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.linalg import expm

from .lower import POOLED_MAX_CELLS, RATE_NAMES, handoff_sizes
from .samplers import sample_from_cdfs

#: Points of the lag grid of a kernel (quadrature of arrivals, inversion of escape times).
GRID = 1025
#: The transient states V, E, D come first, then the colony blocks.
V, E, D = 0, 1, 2
COLONY_DIRECT = 3


#: Colonies tracked one by one at once, at most (~100 bytes each, plus 8 per observation time: ~1-2 GiB).
MAX_TRACKED_COLONIES = 10_000_000


class TooManyColonies(RuntimeError):
    """The scenario makes more colonies outgrow the pool than the engine follows one by one."""


def check_tracked(num: int, time: float) -> None:
    """Refuse, before drawing their times, more than ``MAX_TRACKED_COLONIES`` colonies to follow one by one."""
    if num > MAX_TRACKED_COLONIES:
        raise TooManyColonies(
            f"{num:,} colonies outgrew the pool (above {POOLED_MAX_CELLS} cells or at their ceiling) by "
            f"day {time:g}: more than the engine follows one by one ({MAX_TRACKED_COLONIES:,}). The fate rates "
            "make colonisation far more efficient than it is in patients (a patient has tens of metastases from "
            "~1e11 shed cells); lower division_rate or reactivation_rate, or raise clearance_rate."
        )


class Layout:
    """State indices of a chain whose colonies are pooled up to ``pooled_max`` cells."""

    def __init__(self, pooled_max: int) -> None:
        p = self.pooled_max = pooled_max
        self.colony_bases = (COLONY_DIRECT, COLONY_DIRECT + p)  # direct, reactivated: sizes 1..p
        self.dead_vessel = COLONY_DIRECT + 2 * p
        self.dead_apoptosis = self.dead_vessel + 1
        self.dead_dormant = self.dead_vessel + 2
        # per tag (direct, reactivated): extinct, cleared, escaped
        self.extinct = (self.dead_vessel + 3, self.dead_vessel + 4)
        self.cleared = (self.dead_vessel + 5, self.dead_vessel + 6)
        self.escaped = (self.dead_vessel + 7, self.dead_vessel + 8)
        self.num_states = self.dead_vessel + 9
        self.num_transient = self.dead_vessel
        self.sizes = np.arange(1, p + 1)


@lru_cache(maxsize=None)
def layout(pooled_max: int) -> Layout:
    return Layout(pooled_max)


def generators(rates: dict[str, np.ndarray], chain: Layout, handoff: np.ndarray) -> np.ndarray:
    """[..., S, S] generator matrices from rate arrays of any shape [...] (per day)."""
    shape = rates["birth_rate"].shape
    s = chain.num_states
    q = np.zeros(shape + (s, s))
    q[..., V, E] = rates["extravasation_rate"]
    q[..., V, chain.dead_vessel] = rates["vessel_death_rate"]
    q[..., E, chain.dead_apoptosis] = rates["apoptosis_rate"]
    q[..., E, D] = rates["dormancy_rate"]
    q[..., E, COLONY_DIRECT] = rates["division_rate"]
    q[..., D, chain.dead_dormant] = rates["dormant_death_rate"]
    q[..., D, chain.colony_bases[1]] = rates["reactivation_rate"]
    b, d, clear = rates["birth_rate"], rates["death_rate"], rates["clearance_rate"]
    for tag, base in enumerate(chain.colony_bases):
        for size in chain.sizes:
            state = base + size - 1
            leaves = size + 1 >= handoff
            q[..., state, chain.escaped[tag]] = np.where(leaves, b * size, 0.0)
            if size < chain.pooled_max:
                q[..., state, state + 1] = np.where(leaves, 0.0, b * size)
            q[..., state, state - 1 if size > 1 else chain.extinct[tag]] = d * size
            q[..., state, chain.cleared[tag]] = clear
    q[..., np.arange(s), np.arange(s)] = -q.sum(axis=-1)
    return q


def transition_matrices(generator: np.ndarray, time: float) -> np.ndarray:
    """[..., S, S] exact transition probabilities over ``time`` days, rows clipped to sum to 1."""
    p = np.clip(expm(generator * time), 0.0, None)
    return p / p.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Kernel:
    """One chain over a window of ``grid[-1]`` days: what a window's draws need.

    ``window`` is P(t) for the whole window; ``from_vessel[g]`` is P(u_g)[V, :] and
    ``escape_cdf[g, i, tag]`` is P(u_g)[i, escaped[tag]] on the lag grid u_g = g t / (GRID - 1).
    """

    chain: Layout
    grid: np.ndarray  # [G] days
    window: np.ndarray  # [S, S]
    from_vessel: np.ndarray  # [G, S]
    escape_cdf: np.ndarray  # [G, S, 2], non-decreasing in g


def kernel(generator: np.ndarray, chain: Layout, elapsed: float) -> Kernel:
    """The kernel of ``generator`` over ``elapsed`` days (repeated products of expm(Q h))."""
    grid = np.linspace(0.0, elapsed, GRID)
    step = transition_matrices(generator, elapsed / (GRID - 1))
    rows = np.empty((GRID, chain.num_states))
    columns = np.empty((GRID, chain.num_states, 2))
    rows[0] = np.eye(chain.num_states)[V]
    columns[0] = np.eye(chain.num_states)[:, list(chain.escaped)]
    for g in range(1, GRID):
        rows[g] = rows[g - 1] @ step
        columns[g] = step @ columns[g - 1]
    return Kernel(
        chain=chain,
        grid=grid,
        window=transition_matrices(generator, elapsed),
        from_vessel=np.clip(rows, 0.0, None),
        escape_cdf=np.maximum.accumulate(np.clip(columns, 0.0, 1.0), axis=0),
    )


#: Kernels kept (about 4 MB each): enough for the distinct soils of a calibrated patient scenario.
KERNEL_CACHE_SIZE = 96


@lru_cache(maxsize=KERNEL_CACHE_SIZE)
def _shared_kernel(rate_values: tuple[float, ...], handoff: int, pooled_max: int, elapsed: float) -> Kernel:
    chain = layout(pooled_max)
    rates = {name: np.array(value) for name, value in zip(RATE_NAMES, rate_values)}
    return kernel(generators(rates, chain, np.array(handoff)), chain, elapsed)


class Chains:
    """The pooled chains of a scenario: one per distinct (rates, handoff) of a clone x organ.

    Kernels are cached by value, so organs, windows and patients with the same rates and window
    length share them (MODEL.md §6: computed once per parameter set).
    """

    def __init__(self, rates: dict[str, np.ndarray], threshold: float) -> None:
        self.handoff = handoff_sizes(rates, threshold)  # [C, O]
        self.chain = layout(int(self.handoff.max()) - 1)
        values = np.stack([rates[name] for name in RATE_NAMES] + [self.handoff], axis=-1)
        unique, group = np.unique(values.reshape(-1, values.shape[-1]), axis=0, return_inverse=True)
        self.group = group.reshape(self.handoff.shape)  # [C, O] index of the distinct chain
        self._keys = [(tuple(map(float, row[:-1])), int(row[-1])) for row in unique]

    def kernel(self, group: int, elapsed: float) -> Kernel:
        values, handoff = self._keys[group]
        return _shared_kernel(values, handoff, self.chain.pooled_max, float(elapsed))


def split(rng: np.random.Generator, counts: np.ndarray, kern: Kernel) -> tuple[np.ndarray, np.ndarray]:
    """Every transient cohort of ``counts`` [..., S] split by one multinomial draw over the kernel's
    window. Returns (counts at the end [..., S], escapes by source state and tag [..., S, 2]);
    absorbing cohorts stay where they are."""
    transient = kern.chain.num_transient
    after = counts.copy()
    after[..., :transient] = 0
    escapes = np.zeros(counts.shape + (2,), dtype=np.int64)
    occupied = np.nonzero(counts[..., :transient])
    if occupied[0].size:
        drawn = rng.multinomial(counts[occupied], kern.window[occupied[-1]])
        cohort = np.ravel_multi_index(occupied[:-1], counts.shape[:-1]) if counts.ndim > 1 else np.zeros(len(drawn), int)
        np.add.at(after.reshape(-1, after.shape[-1]), cohort, drawn)
        escapes[occupied] = drawn[:, list(kern.chain.escaped)]
    return after, escapes


def escape_times(rng: np.random.Generator, kern: Kernel, num_escaped: np.ndarray) -> np.ndarray:
    """Times (from window start) at which escaped founders left the pool, drawn exactly.

    ``num_escaped`` is [S_from, 2]: escapes by source state and tag. The escape time of a founder
    starting in state i has the CDF P(s)[i, escaped[tag]], inverted on the kernel's grid.
    """
    sources, tags = np.nonzero(num_escaped)
    if sources.size == 0:
        return np.empty(0)
    return sample_from_cdfs(rng, kern.grid, kern.escape_cdf[:, sources, tags].T, num_escaped[sources, tags])


def arrivals(
    rng: np.random.Generator,
    kern: Kernel,
    start: float,
    num_arrived: np.ndarray,
    basis: np.ndarray,
    mixing: np.ndarray,
    *,
    tracked: int = 0,
    time: float = np.nan,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Founders that arrested (state V) at times spread over the window from ``start``, split by
    state at its end, for several cohorts [n] that share the kernel (e.g. organs with the same rates).

    Cohort m's arrival intensity on the kernel's grid (shifted to ``start``) is
    sum_b mixing[m, b] basis[b]: a few source curves ``basis`` [B, G] (unnormalised, e.g. cells/day)
    mixed by ``mixing`` [n, B]. Each founder's arrival time is independent with that density, so
    its state at the end has the probabilities sum_s w(s) P(end - s)[V, :] (trapezoid quadrature
    over the grid), computed once per source curve. Returns (counts by state [n, S], for each cohort
    the escape times of its founders that left the pool), the escape times drawn exactly given each
    founder's drawn arrival time (``check_tracked`` with ``tracked`` colonies already followed, at
    ``time``, comes first).
    """
    grid = kern.grid
    used = np.flatnonzero(mixing.any(axis=0))  # the source curves these cohorts mix
    basis, mixing = basis[used], mixing[:, used]
    lagged = basis[:, ::-1] * np.r_[0.5, np.ones(grid.size - 2), 0.5]  # arrival at end - u_g
    mass = lagged.sum(axis=1)
    unit = lagged / np.where(mass > 0, mass, 1.0)[:, None]
    share = mixing * mass
    share = share / share.sum(axis=1, keepdims=True)
    probabilities = np.clip(share @ (unit @ kern.from_vessel), 0.0, None)
    counts = rng.multinomial(num_arrived, probabilities / probabilities.sum(axis=1, keepdims=True))
    check_tracked(tracked + int(counts[:, list(kern.chain.escaped)].sum()), time)
    end = start + grid[-1]
    escaped = counts[:, list(kern.chain.escaped)]
    members, tags = np.nonzero(escaped)
    nums = escaped[members, tags]
    if members.size == 0:
        return counts, [np.empty(0)] * len(counts)
    by_lag = kern.escape_cdf[:, V, :]  # [G, tag]: P(escaped within u of arriving)
    # the lag from arrival to the end has density ~ w(end - u) x P(escaped within u), per member and tag
    lag = sample_from_cdfs(rng, grid, np.cumsum((share[members] @ unit) * by_lag[:, tags].T, axis=1), nums)
    tag = np.repeat(tags, nums)
    delay = np.empty_like(lag)
    for t in (0, 1):  # given arrival and escape by the end, the escape comes v <= lag after arrival
        drawn = tag == t
        reached = np.interp(lag[drawn], grid, by_lag[:, t])
        delay[drawn] = np.interp(rng.random(drawn.sum()) * reached, by_lag[:, t], grid)
    times = end - lag + np.minimum(delay, lag)
    per_member = np.bincount(members, weights=nums, minlength=len(counts)).astype(np.int64)
    return counts, np.split(times, np.cumsum(per_member)[:-1])

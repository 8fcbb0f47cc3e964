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
by every organ, window and patient with the same rates. A log-kill thins the pooled colonies
exactly, one multinomial per size (``thin``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from scipy.stats import binom

from ..errors import TooManyColonies  # noqa: F401 (re-exported)
from .colonies import Colonies
from .handoff import handoff_sizes

#: Points of the lag grid of a kernel (inversion of escape times, arrivals from sources with a step).
GRID = 1025
#: Legendre terms of a smooth source curve over a window (the arrivals' quadrature).
LEGENDRE_TERMS = 16
#: Gauss–Legendre points per panel, and panels halving towards lag 0, of a kernel's moments.
_GAUSS_POINTS, _PANELS = 8, 48
#: The transient states V, E, D come first, then the colony blocks.
V, E, D = 0, 1, 2
COLONY_DIRECT = 3


#: Colonies tracked one by one at once, at most (~100 bytes each, plus 8 per observation time: ~1-2 GiB).
MAX_TRACKED_COLONIES = 10_000_000



def check_tracked(num: int, time: float) -> None:
    """Refuse, before drawing their times, more than ``MAX_TRACKED_COLONIES`` colonies to follow one by one."""
    if num > MAX_TRACKED_COLONIES:
        raise TooManyColonies(
            f"{num:,} colonies outgrew the pool (at their handoff size) by "
            f"day {time:g}: more than the engine follows one by one ({MAX_TRACKED_COLONIES:,}). The fate rates "
            "make colonisation far more efficient than it is in patients (a patient has tens of metastases from "
            "~1e11 shed cells); lower division_rate or reactivation_rate, or raise clearance_rate."
        )


class Layout:
    """State indices of a chain whose colonies are pooled up to ``pooled_max`` cells (0: none, a
    founder escapes as it starts dividing)."""

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
        #: where a cell that starts dividing goes, per tag: a colony of one cell, or out of the pool
        self.founding = self.colony_bases if p else self.escaped
        deaths = [self.dead_vessel, self.dead_apoptosis, self.dead_dormant]
        self.draw_order = np.r_[deaths, np.setdiff1d(np.arange(self.num_states), deaths)]


@lru_cache(maxsize=None)
def layout(pooled_max: int) -> Layout:
    return Layout(pooled_max)


#: The rates a pooled chain's generator reads (``generators``): the others (switch, regression,
#: Gompertz growth) act on tracked lesions only, and the avascular bound through the handoff.
CHAIN_RATES: tuple[str, ...] = ("vessel_death_rate", "extravasation_rate", "apoptosis_rate", "dormancy_rate",
                                "division_rate", "dormant_death_rate", "reactivation_rate", "birth_rate",
                                "death_rate", "clearance_rate")


def generators(rates: dict[str, np.ndarray], chain: Layout, handoff: np.ndarray) -> np.ndarray:
    """[..., S, S] generator matrices from rate arrays of any shape [...] (per day)."""
    shape = rates["birth_rate"].shape
    s = chain.num_states
    q = np.zeros(shape + (s, s))
    q[..., V, E] = rates["extravasation_rate"]
    q[..., V, chain.dead_vessel] = rates["vessel_death_rate"]
    q[..., E, chain.dead_apoptosis] = rates["apoptosis_rate"]
    q[..., E, D] = rates["dormancy_rate"]
    q[..., E, chain.founding[0]] = rates["division_rate"]
    q[..., D, chain.dead_dormant] = rates["dormant_death_rate"]
    q[..., D, chain.founding[1]] = rates["reactivation_rate"]
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


#: Coefficients b_0..b_13 of the degree-13 Padé approximant of exp, and the largest 1-norm it takes
#: without scaling (Higham 2005, "The scaling and squaring method for the matrix exponential revisited").
_PADE = np.array([64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
                  129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
                  40840800.0, 960960.0, 16380.0, 182.0, 1.0])
_THETA = 5.371920351148152
_ODD = np.arange(14) % 2 == 1
#: Degree of the Taylor polynomial of exp(A) at small ||A||_1, and the norm up to which it is exact to
#: rounding: x^14 / 14! e^x < 1.2e-16 at x = 0.4 (the truncation bound).
_TAYLOR_DEGREE, _TAYLOR_REACH = 13, 0.4
#: Matrix entries exponentiated at once, at most (16 MiB per temporary).
_EXPM_BATCH = 2**21


def expm(generator: np.ndarray, times: np.ndarray) -> np.ndarray:
    """[..., T, S, S] exp(Q t) of matrices Q [..., S, S] (per day) at ``times`` [T] (days), all at once:
    scaling and squaring with the degree-13 Padé approximant, the squarings chosen per matrix and
    time by ||Q t||_1 (Higham 2005). Q t is a multiple of Q, so the approximant's numerator and
    denominator at every time are sums of the powers of Q / ||Q||_1, computed once."""
    size = generator.shape[-1]
    norm = _norm(generator)
    powers = _unit_powers(generator, norm, 13).reshape(generator.shape[:-2] + (14, size * size))
    scaled = norm[..., None] * np.asarray(times, dtype=float)  # [..., T] ||Q t||_1
    chunk = max(1, _EXPM_BATCH // (powers[..., 0, :].size))
    return np.concatenate([_scaled_pade(powers, scaled[..., i:i + chunk], size)
                           for i in range(0, scaled.shape[-1], chunk)], axis=-3)


def _norm(generator: np.ndarray) -> np.ndarray:
    """[...] ||Q||_1 of matrices Q [..., S, S]."""
    return np.abs(generator).sum(axis=-2).max(axis=-1)


def _unit_powers(generator: np.ndarray, norm: np.ndarray, degree: int) -> np.ndarray:
    """[..., degree + 1, S, S] the powers 0..``degree`` of Q / ||Q||_1 (``norm``; Q itself where it is 0)."""
    unit = generator / np.where(norm > 0, norm, 1.0)[..., None, None]
    powers = [np.broadcast_to(np.eye(unit.shape[-1]), unit.shape)]
    for _ in range(degree):
        powers.append(powers[-1] @ unit)
    return np.stack(powers, axis=-3)


def _scaled_pade(powers: np.ndarray, scaled: np.ndarray, size: int) -> np.ndarray:
    """[..., T, S, S] ``expm`` from the powers [..., 14, S * S] of Q / ||Q||_1 at norms ``scaled`` [..., T]
    (S = ``size``)."""
    squarings = np.ceil(np.log2(np.maximum(scaled / _THETA, 1.0))).astype(int)
    terms = _PADE * np.ldexp(scaled, -squarings)[..., None] ** np.arange(14)  # [..., T, 14]
    odd, even = (np.where(parity, terms, 0.0) @ powers for parity in (_ODD, ~_ODD))  # [..., T, S * S]
    out = np.linalg.solve((even - odd).reshape(scaled.shape + (size, size)),
                          (even + odd).reshape(scaled.shape + (size, size)))
    for k in range(squarings.max(initial=0)):
        at = squarings > k
        out[at] = out[at] @ out[at]
    return out


def transition_matrices(generator: np.ndarray, time: float | np.ndarray) -> np.ndarray:
    """[..., S, S] exact transition probabilities of generators [..., S, S] over ``time`` days
    ([..., T, S, S] for ``time`` [T]), rows clipped to sum to 1."""
    p = np.clip(expm(generator, np.reshape(time, -1)), 0.0, None)
    p = p.reshape(generator.shape[:-2] + np.shape(time) + generator.shape[-2:])
    return p / p.sum(axis=-1, keepdims=True)


def _graded_gauss(elapsed: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [0, ``elapsed``] days: Gauss–Legendre on panels that halve towards 0,
    where the chain's fast clocks (hours to days) make P(u) vary."""
    x, w = np.polynomial.legendre.leggauss(_GAUSS_POINTS)
    edges = elapsed * np.r_[0.0, 0.5 ** np.arange(_PANELS - 1, -1, -1)]
    low, width = edges[:-1, None], np.diff(edges)[:, None]
    return (low + width * (x + 1) / 2).ravel(), (width * w / 2).ravel()


def _legendre(x: np.ndarray) -> np.ndarray:
    """[N, len(x)] Legendre polynomials L_0..L_{N-1} at ``x`` in [-1, 1]."""
    return np.polynomial.legendre.legvander(x, LEGENDRE_TERMS - 1).T


#: [G, N]: the Legendre coefficients of a curve sampled on a window's grid (trapezoid projection),
#: c_n = (2n + 1) / 2 ∫ w L_n dx with x = -1..1 over the window.
_PROJECTION = (
    _legendre(np.linspace(-1.0, 1.0, GRID)).T
    * (np.r_[0.5, np.ones(GRID - 2), 0.5] / (GRID - 1))[:, None]
    * (2 * np.arange(LEGENDRE_TERMS) + 1)
)


#: [G] trapezoid weights of a window's grid, per day of its length.
_TRAPEZOID = np.r_[0.5, np.ones(GRID - 2), 0.5] / (GRID - 1)


@dataclass(frozen=True)
class Kernel:
    """Chains over a window of ``grid[-1]`` days: what a window's draws need, for one generator or a
    stack of them (the leading axes [...] of every field but ``chain`` and ``grid``).

    ``window`` is P(t) for the whole window; ``from_vessel[..., g, :]`` is P(u_g)[V, :] and
    ``escape_cdf[..., i, tag, g]`` is P(u_g)[i, escaped[tag]] on the lag grid u_g = g t / (GRID - 1)
    for the transient states i;
    ``moments[..., n, :]`` is ∫_0^t L_n(1 - 2u/t) P(u)[V, :] du (Legendre polynomial L_n of the
    arrival time's position in the window, arrival at t - u), by Gauss quadrature (error ~1e-13).
    """

    chain: Layout
    generator: np.ndarray  # [..., S, S] per day
    grid: np.ndarray  # [G] days
    window: np.ndarray  # [..., S, S]
    from_vessel: np.ndarray  # [..., G, S]
    escape_cdf: np.ndarray  # [..., T, 2, G] transient states, non-decreasing in g (a distribution's CDF contiguous)

    @cached_property
    def lag_major(self) -> np.ndarray:
        """[G, ... S] ``from_vessel`` with the lag first: each lag's rows of every chain side by side
        (computed when first needed: a curve's trapezoid is then one matrix product)."""
        return np.ascontiguousarray(np.moveaxis(self.from_vessel, -2, 0)).reshape(self.grid.size, -1)

    @cached_property
    def moments(self) -> np.ndarray:
        """[..., N, S] (computed when first needed: only shedding runs use them)."""
        return _moments(self.generator, self.grid[-1])


def _moments(generator: np.ndarray, elapsed: float) -> np.ndarray:
    """[..., N, S] ``Kernel.moments`` of generators [..., S, S] (per day) over ``elapsed`` days."""
    lags, weights = _graded_gauss(elapsed)
    at_lags = np.clip(_rows_at_graded_lags(generator, lags), 0.0, None)  # [..., Q, S]
    return (_legendre(1.0 - 2.0 * lags / elapsed) * weights) @ at_lags


def _rows_at_graded_lags(generator: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """[..., Q, S] the rows exp(Q u)[V, :] at the lags of ``_graded_gauss`` (in its order), without a
    linear solve per lag. A panel's nodes are twice the previous panel's from the second on: the
    panels where every ||Q u||_1 is within ``_TAYLOR_REACH`` take the Taylor polynomial (one product
    with the powers of Q per lag, row V only), each later panel the square of the one before (the
    squarings of scaling and squaring, made once for all lags). Fast clocks that leave the first two
    panels beyond the reach: ``expm`` lag by lag."""
    points = _GAUSS_POINTS
    norm = _norm(generator)
    ends = lags.reshape(_PANELS, points).max(axis=1)
    direct = min(int(np.searchsorted(norm.max(initial=0.0) * ends, _TAYLOR_REACH, side="right")), _PANELS)
    if direct < 2:
        return expm(generator, lags)[..., V, :]
    powers = _unit_powers(generator, norm, _TAYLOR_DEGREE)  # [..., degree + 1, S, S]
    scaled = norm[..., None] * lags[:direct * points]  # [..., T] x = ||Q||_1 u
    terms = np.empty((_TAYLOR_DEGREE + 1,) + scaled.shape)  # x^k / k!, each from the one before
    terms[0] = 1.0
    for k in range(1, _TAYLOR_DEGREE + 1):
        np.multiply(terms[k - 1], scaled / k, out=terms[k])
    taylor = np.moveaxis(terms, 0, -1)  # [..., T, degree + 1]
    rows = [taylor @ powers[..., V, :]]
    size = powers.shape[-1]
    power = (taylor[..., -points:, :] @ powers.reshape(powers.shape[:-2] + (size * size,))).reshape(
        taylor.shape[:-2] + (points, size, size))  # the last direct panel
    for _ in range(_PANELS - direct):
        power = power @ power
        rows.append(power[..., V, :])
    return np.concatenate(rows, axis=-2)


def kernel(generator: np.ndarray, chain: Layout, elapsed: float) -> Kernel:
    """The kernel of generators [..., S, S] over ``elapsed`` days, all at once (products of powers of
    expm(Q h), doubling the lags)."""
    grid = np.linspace(0.0, elapsed, GRID)
    at = transition_matrices(generator, np.array([elapsed / (GRID - 1), elapsed]))  # [..., 2, S, S]
    step, window = at[..., 0, :, :], at[..., 1, :, :]
    batch, states = generator.shape[:-2], chain.num_states
    transient, escaped = chain.num_transient, list(chain.escaped)
    rows = np.empty(batch + (GRID, states))
    rows[..., 0, :] = np.eye(states)[V]
    # P(u_g)[i, escaped[tag]] of the transient states i (those a cell can escape from), lags and tags side by
    # side so that one product per chain moves every lag of a doubling: P^(d+k)[i, e] = sum over transient
    # j of P^d[i, j] P^k[j, e], plus P^d[i, e] (an absorbing state stays where it is)
    columns = np.empty(batch + (transient, GRID, 2))
    columns[..., 0, :] = 0.0
    done, power = 1, step  # lags 0..done - 1 filled; power = step^done
    while done < GRID:
        more = min(done, GRID - done)
        rows[..., done:done + more, :] = rows[..., :more, :] @ power
        lags = columns[..., :more, :].reshape(batch + (transient, 2 * more))
        moved = (power[..., :transient, :transient] @ lags).reshape(batch + (transient, more, 2))
        columns[..., done:done + more, :] = moved + power[..., :transient, escaped][..., None, :]
        done += more
        power = power @ power
    escape_cdf = np.ascontiguousarray(np.swapaxes(columns, -1, -2))  # [..., T, 2, G]
    np.minimum(np.maximum(escape_cdf, 0.0, out=escape_cdf), 1.0, out=escape_cdf)
    np.maximum.accumulate(escape_cdf, axis=-1, out=escape_cdf)
    return Kernel(
        chain=chain,
        generator=generator,
        grid=grid,
        window=window,
        from_vessel=np.maximum(rows, 0.0, out=rows),
        escape_cdf=escape_cdf,
    )


#: Stacked kernels kept (~5 MB for a breast patient's chains over a window, ~120 MB pooling 64-cell colonies).
KERNEL_CACHE_SIZE = 16


@lru_cache(maxsize=KERNEL_CACHE_SIZE)
def _stacked(keys: tuple[tuple[tuple[float, ...], int], ...], pooled_max: int, elapsed: float) -> Kernel:
    """The kernels of the chains ``keys`` (rate values in ``CHAIN_RATES`` order, handoff) over
    ``elapsed`` days, stacked [K, ...]."""
    chain = layout(pooled_max)
    values = np.array([values for values, _ in keys])  # [K, R]
    rates = {name: values[:, i] for i, name in enumerate(CHAIN_RATES)}
    return kernel(generators(rates, chain, np.array([handoff for _, handoff in keys])), chain, elapsed)


class Chains:
    """The pooled chains of a scenario: one per distinct (rates, handoff) of a clone x organ.

    Kernels are cached by value, so organs, windows and patients with the same rates and window
    length share them (MODEL.md §6: computed once per parameter set).
    """

    def __init__(self, rates: dict[str, np.ndarray], threshold: float, pooled_max: int,
                 handoff: np.ndarray | None = None) -> None:
        """``handoff`` [C, O] (cells) overrides the sizes ``rates`` give (one layout across epochs)."""
        self.handoff = handoff_sizes(rates, threshold, pooled_max) if handoff is None else handoff  # [C, O]
        self.chain = layout(int(self.handoff.max()) - 1)
        values = np.stack([rates[name] for name in CHAIN_RATES] + [self.handoff], axis=-1)
        unique, group = np.unique(values.reshape(-1, values.shape[-1]), axis=0, return_inverse=True)
        self.group = group.reshape(self.handoff.shape)  # [C, O] index of the distinct chain
        self._keys = tuple((tuple(map(float, row[:-1])), int(row[-1])) for row in unique)
        self._stacks: dict[float, Kernel] = {}

    def escaped(self, clone: np.ndarray, organ: np.ndarray, nums: np.ndarray, times: np.ndarray,
                num_times: int) -> Colonies:
        """``nums[k]`` colonies of ``clone[k]`` x ``organ[k]`` that left the pool at their handoff size,
        at ``times`` (grouped by k in order), with room for ``num_times`` sizes."""
        return Colonies.founded(np.repeat(clone, nums), np.repeat(organ, nums),
                                np.repeat(self.handoff[clone, organ], nums), times, num_times)

    def kernels(self, elapsed: float) -> Kernel:
        """Every chain's kernel over ``elapsed`` days, stacked in the order of ``group``."""
        elapsed = float(elapsed)
        if elapsed not in self._stacks:
            if len(self._stacks) >= _STACKS_KEPT:
                self._stacks.clear()
            self._stacks[elapsed] = _stacked(self._keys, self.chain.pooled_max, elapsed)
        return self._stacks[elapsed]


#: Window lengths whose stacked kernels a ``Chains`` keeps at hand: the objects of ``_stacked``'s cache,
#: found without hashing the chains' keys (~0.5 kB of floats) at every call.
_STACKS_KEPT = 4
#: Chains of the last few scenarios, by value (a cohort's patients share their rates), at most this many.
_CHAINS_KEPT = 8
_RECENT_CHAINS: dict[tuple, Chains] = {}


def shared_chains(rates: dict[str, np.ndarray], pooled_max: int, handoff: np.ndarray) -> Chains:
    """``Chains(rates, pooled_max=pooled_max, handoff=handoff)``, one object for equal values."""
    key = (pooled_max, handoff.shape, handoff.tobytes(),
           *(np.asarray(rates[name], dtype=float).tobytes() for name in CHAIN_RATES))
    if key not in _RECENT_CHAINS:
        if len(_RECENT_CHAINS) >= _CHAINS_KEPT:
            _RECENT_CHAINS.clear()
        _RECENT_CHAINS[key] = Chains(rates, np.inf, pooled_max, handoff)  # the threshold: unused with a handoff
    return _RECENT_CHAINS[key]


def multinomial(rng: np.random.Generator, n: np.ndarray, pvals: np.ndarray, chain: Layout) -> np.ndarray:
    """``rng.multinomial(n, pvals)`` over a chain's states, drawn with the death states first: numpy
    draws one conditional binomial per category in order and stops when none are left, so the
    categories that take nearly all of 1e9 cells go first (same distribution, ~8x fewer draws)."""
    order = chain.draw_order
    drawn = np.empty(pvals.shape, dtype=np.int64)
    drawn[:, order] = rng.multinomial(n, pvals[:, order])
    return drawn


def advance(
    rng: np.random.Generator, counts: np.ndarray, chains: Chains, start: float, end: float, num_times: int,
    tracked: int = 0,
) -> tuple[np.ndarray, Colonies]:
    """Every transient cohort of ``counts`` [C, O, S] split by one multinomial draw over the window
    ``start``..``end`` (one call for all chains). Returns (counts at ``end``, the colonies that
    escaped, at exactly drawn times, with room for ``num_times`` sizes; ``check_tracked`` with
    ``tracked`` already followed first)."""
    kern = chains.kernels(end - start)
    transient = kern.chain.num_transient
    after = counts.copy()
    after[..., :transient] = 0
    clone, organ, state = np.nonzero(counts[..., :transient])
    if clone.size == 0:
        return after, Colonies.empty(num_times)
    group = chains.group[clone, organ]
    drawn = multinomial(rng, counts[clone, organ, state], kern.window[group, state], kern.chain)
    np.add.at(after, (clone, organ), drawn)
    escapes = drawn[:, list(kern.chain.escaped)]  # [K, tag]
    check_tracked(tracked + int(escapes.sum()), end)
    rows, tags = np.nonzero(escapes)
    if rows.size == 0:
        return after, Colonies.empty(num_times)
    nums = escapes[rows, tags]
    cdfs = kern.escape_cdf[group[rows], state[rows], tags]  # [K', G]
    from .escape_times import from_cdfs  # numba: loaded by the first run that draws escape times

    times = start + from_cdfs(kern.grid, cdfs, nums, rng.random(int(nums.sum())))
    return after, chains.escaped(clone[rows], organ[rows], nums, times, num_times)


def thin(rng: np.random.Generator, counts: np.ndarray, chain: Layout, survival: np.ndarray) -> np.ndarray:
    """``counts`` [C, O, S] after a log-kill that leaves each dividing cell of clone c alive with
    ``survival[c]``: the pooled colonies of k cells of each clone x organ and tag split over 0..k
    cells by one multinomial with the Binomial(k, s) probabilities (exact: cells die
    independently), those left with none extinct. Single cells (in the vessel, solitary, dormant)
    do not divide and are spared."""
    hit = np.nonzero(survival < 1.0)[0]
    if chain.pooled_max == 0 or hit.size == 0:
        return counts
    p, bases = chain.pooled_max, np.array(chain.colony_bases)
    states = bases[:, None] + chain.sizes - 1  # [2, p]: tag x size
    pmf = binom.pmf(np.arange(p + 1), chain.sizes[:, None], survival[hit, None, None])  # [H, p, p + 1]
    drawn = rng.multinomial(counts[hit][..., states], pmf[:, None, None])  # [H, O, 2, p, p + 1]
    left = drawn.sum(axis=3)  # [H, O, 2, p + 1] colonies by cells left
    out = counts.copy()
    out[np.ix_(hit, np.arange(counts.shape[1]), states.ravel())] = left[..., 1:].reshape(hit.size, -1, 2 * p)
    out[np.ix_(hit, np.arange(counts.shape[1]), list(chain.extinct))] += left[..., 0]
    return out


def dissect(counts: np.ndarray, chain: Layout, organs: np.ndarray) -> np.ndarray:
    """``counts`` [C, O, S] with every pooled founder in ``organs`` [O] (bool) removed by a node
    dissection: single cells dead where they are (in the vessel, solitary, dormant), colonies cleared."""
    p = chain.pooled_max
    removed = [([V], chain.dead_vessel), ([E], chain.dead_apoptosis), ([D], chain.dead_dormant),
               *((list(range(base, base + p)), cleared) for base, cleared in zip(chain.colony_bases, chain.cleared))]
    out, nodes = counts.copy(), np.flatnonzero(organs)
    for states, fate in removed:
        block = np.ix_(np.arange(counts.shape[0]), nodes, states)
        out[:, nodes, fate] += out[block].sum(axis=-1)
        out[block] = 0
    return out


def _smooth(basis: np.ndarray) -> np.ndarray:
    """[B] whether each curve on a window's grid is smooth enough for its Legendre terms: positive
    throughout, or zero throughout (not a curve that starts or stops inside the window)."""
    low, high = basis.min(axis=1), basis.max(axis=1)
    return (low > 0) | ((low == 0) & (high == 0))


def arrivals(
    rng: np.random.Generator,
    chains: Chains,
    grid: np.ndarray,
    num_arrived: np.ndarray,
    basis: np.ndarray,
    mixing: np.ndarray,
    num_times: int,
    *,
    tracked: int = 0,
) -> tuple[np.ndarray, Colonies]:
    """Founders that arrested (state V) at times spread over the window ``grid``, split by state at
    its end, for every clone x organ at once.

    ``num_arrived`` [C, O] founders; the arrival intensity of clone x organ (c, o) on the grid is
    sum_b mixing[c, o, b] basis[b]: a few source curves ``basis`` [B, G] (unnormalised, e.g.
    cells/day). Each founder's arrival time is independent with that density, so its state at the
    end has the probabilities ∫ w(s) P(end - s)[V, :] ds / ∫ w: from the kernel's Legendre moments
    for smooth curves (exact to ~1e-12 for the growth curves of a window), by trapezoid on the
    grid for curves that start or stop inside it. Returns (counts by state [C, O, S], the colonies
    that escaped, their escape times drawn exactly given each founder's drawn arrival time;
    ``check_tracked`` with ``tracked`` colonies already followed comes first).
    """
    start, end = grid[0], grid[-1]
    kern = chains.kernels(end - start)
    counts = np.zeros(chains.group.shape + (kern.chain.num_states,), dtype=np.int64)
    clone, organ = np.nonzero(num_arrived)
    if clone.size == 0:
        return counts, Colonies.empty(num_times)
    mix = mixing[clone, organ]  # [M, B]
    mixed = mix.any(axis=0)
    smooth = _smooth(basis)
    weighted = np.zeros((kern.window.shape[0], basis.shape[0], kern.chain.num_states))  # [chain, b, S] ∫ w_b K
    if (smooth & mixed).any():
        weighted[:, smooth & mixed] = (basis[smooth & mixed] @ _PROJECTION) @ kern.moments
    trapezoid = _TRAPEZOID * (end - start)
    if (rough := ~smooth & mixed).any():  # arrival at end - u, over the lags where some curve is not 0
        by_lag = basis[rough, ::-1] * trapezoid  # [b, G]
        nonzero = np.flatnonzero(by_lag.any(axis=0))  # not empty: a curve that is not smooth is not 0
        lags = slice(nonzero[0], nonzero[-1] + 1)
        product = by_lag[:, lags] @ kern.lag_major[lags]  # [b, chain S]
        weighted[:, rough] = np.swapaxes(product.reshape(rough.sum(), *weighted.shape[::2]), 0, 1)
    group = chains.group[clone, organ]
    numerator = np.clip((mix[:, None, :] @ weighted[group])[:, 0], 0.0, None)
    drawn = multinomial(rng, num_arrived[clone, organ], numerator / numerator.sum(axis=1, keepdims=True), kern.chain)
    counts[clone, organ] = drawn
    escaped = drawn[:, list(kern.chain.escaped)]
    check_tracked(tracked + int(escaped.sum()), end)
    members, tags = np.nonzero(escaped)
    if members.size == 0:
        return counts, Colonies.empty(num_times)
    nums = escaped[members, tags]
    from .escape_times import after_arrival  # numba: loaded by the first run that draws escape times

    times = after_arrival(mix[members] @ basis, kern.escape_cdf, group[members], tags, nums, grid - start, trapezoid,
                          rng.random((2, int(nums.sum()))), end)
    return counts, chains.escaped(clone[members], organ[members], nums, times, num_times)

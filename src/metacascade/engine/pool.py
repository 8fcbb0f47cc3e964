"""The pooled founders: one continuous-time Markov chain per clone x organ (MODEL.md §3, §6).

Every arrested founder that has not outgrown ``POOLED_MAX`` cells is in one state of a finite
chain: in the vessel (V), solitary extravasated (E), solitary dormant (D), or a colony of exact
size 1..POOLED_MAX, tagged by how it was founded (directly from E, or reactivated from D). Colony
states follow the linear birth–death process with whole-colony clearance. Absorbing states
collect deaths, extinctions, clearances, and escapes above POOLED_MAX (which become individually
tracked colonies). Over a window of length t the cohort in each state splits by one multinomial
draw with the exact transition matrix expm(Q t): identical cells, never looped over.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from .lower import POOLED_MAX
from .samplers import sample_from_cdf

V, E, D = 0, 1, 2
COLONY_DIRECT = 3  # sizes 1..POOLED_MAX
COLONY_REACTIVATED = COLONY_DIRECT + POOLED_MAX
DEAD_VESSEL = COLONY_REACTIVATED + POOLED_MAX
DEAD_APOPTOSIS = DEAD_VESSEL + 1
DEAD_DORMANT = DEAD_VESSEL + 2
# per tag (direct, reactivated): extinct, cleared, escaped
EXTINCT = (DEAD_VESSEL + 3, DEAD_VESSEL + 4)
CLEARED = (DEAD_VESSEL + 5, DEAD_VESSEL + 6)
ESCAPED = (DEAD_VESSEL + 7, DEAD_VESSEL + 8)
NUM_STATES = DEAD_VESSEL + 9
NUM_TRANSIENT = DEAD_VESSEL
COLONY_BASES = (COLONY_DIRECT, COLONY_REACTIVATED)
SIZES = np.arange(1, POOLED_MAX + 1)


def generators(rates: dict[str, np.ndarray]) -> np.ndarray:
    """[..., S, S] generator matrices from rate arrays of any shape [...] (per day)."""
    shape = rates["birth_rate"].shape
    q = np.zeros(shape + (NUM_STATES, NUM_STATES))
    q[..., V, E] = rates["extravasation_rate"]
    q[..., V, DEAD_VESSEL] = rates["vessel_death_rate"]
    q[..., E, DEAD_APOPTOSIS] = rates["apoptosis_rate"]
    q[..., E, D] = rates["dormancy_rate"]
    q[..., E, COLONY_DIRECT] = rates["division_rate"]
    q[..., D, DEAD_DORMANT] = rates["dormant_death_rate"]
    q[..., D, COLONY_REACTIVATED] = rates["reactivation_rate"]
    b, d, clear = rates["birth_rate"], rates["death_rate"], rates["clearance_rate"]
    for tag, base in enumerate(COLONY_BASES):
        for size in SIZES:
            state = base + size - 1
            q[..., state, state + 1 if size < POOLED_MAX else ESCAPED[tag]] = b * size
            q[..., state, state - 1 if size > 1 else EXTINCT[tag]] = d * size
            q[..., state, CLEARED[tag]] = clear
    q[..., np.arange(NUM_STATES), np.arange(NUM_STATES)] = -q.sum(axis=-1)
    return q


def transition_matrices(generator: np.ndarray, time: float) -> np.ndarray:
    """[..., S, S] exact transition probabilities over ``time`` days, rows clipped to sum to 1."""
    p = np.clip(expm(generator * time), 0.0, None)
    return p / p.sum(axis=-1, keepdims=True)


def split(rng: np.random.Generator, counts: np.ndarray, transition: np.ndarray) -> np.ndarray:
    """[..., S_from, S_to] flows: each transient cohort split by one multinomial draw.

    ``counts`` is [..., S]; absorbing cohorts stay where they are.
    """
    flows = np.zeros(counts.shape + (NUM_STATES,), dtype=np.int64)
    flows[..., NUM_TRANSIENT:, NUM_TRANSIENT:] = (
        np.eye(NUM_STATES - NUM_TRANSIENT, dtype=np.int64) * counts[..., NUM_TRANSIENT:, None]
    )
    occupied = np.nonzero(counts[..., :NUM_TRANSIENT])
    if occupied[0].size:
        flows[occupied] = rng.multinomial(counts[occupied], transition[occupied])
    return flows


def escape_times(
    rng: np.random.Generator,
    generator: np.ndarray,
    time: float,
    num_escaped: np.ndarray,
    num_grid: int = 2049,
) -> np.ndarray:
    """Times (from window start) at which escaped founders left the pool, drawn exactly.

    ``num_escaped`` is [S_from, 2] for one chain: escapes by source state and tag. The CDF of the
    escape time of a founder starting in state i is P(s)[i, ESCAPED[tag]], evaluated on a grid by
    repeated products of expm(Q h), and inverted (``sample_from_cdf``).
    """
    grid = np.linspace(0.0, time, num_grid)
    step = expm(generator * (time / (num_grid - 1)))
    sources = np.unique(np.nonzero(num_escaped)[0])
    cdf = np.zeros((num_grid, sources.size, 2))
    current = np.eye(NUM_STATES)[sources]
    for g in range(1, num_grid):
        current = current @ step
        cdf[g] = current[:, list(ESCAPED)]
    times = [
        sample_from_cdf(rng, grid, np.maximum.accumulate(cdf[:, k, tag]), int(num_escaped[source, tag]))
        for k, source in enumerate(sources)
        for tag in (0, 1)
    ]
    return np.concatenate(times)



def arrivals(
    rng: np.random.Generator,
    generator: np.ndarray,
    start: float,
    end: float,
    num_arrived: int,
    intensity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Founders that arrested (state V) at times spread over [start, end], split by state at ``end``.

    ``intensity`` [G] is the (unnormalised) arrival intensity on the grid ``linspace(start, end, G)``.
    Each founder's arrival time is independent with that density, so its state at ``end`` has the
    probabilities sum_s w(s) P(end - s)[V, :] (trapezoid quadrature over the grid; the rows P(u) come
    from repeated products of expm(Q h)). Returns (counts by state [S], escape times of the founders
    that left the pool), the escape times drawn exactly given each founder's drawn arrival time.
    """
    num_grid = intensity.size
    elapsed = end - start
    rows = np.empty((num_grid, NUM_STATES))  # rows[g] = P(u_g)[V, :], u_g = g h
    rows[0] = np.eye(NUM_STATES)[V]
    step = expm(generator * (elapsed / (num_grid - 1)))
    for g in range(1, num_grid):
        rows[g] = rows[g - 1] @ step
    weights = intensity[::-1] * np.r_[0.5, np.ones(num_grid - 2), 0.5]  # arrival at end - u_g
    weights = weights / weights.sum()
    probabilities = np.clip(weights @ rows, 0.0, None)
    counts = rng.multinomial(num_arrived, probabilities / probabilities.sum())
    escaped = [counts[state] for state in ESCAPED]
    if not sum(escaped):
        return counts, np.empty(0)
    grid = np.linspace(0.0, elapsed, num_grid)
    times = []
    for tag, num in enumerate(escaped):
        if not num:
            continue
        by_lag = np.maximum.accumulate(rows[:, ESCAPED[tag]])  # P(escaped within u of arriving)
        lag = sample_from_cdf(rng, grid, np.cumsum(weights * by_lag), num)  # arrival = end - lag
        # given arrival and escape by ``end``, the escape comes v <= lag after arrival, CDF by_lag(v) / by_lag(lag)
        delay = np.interp(rng.random(num) * np.interp(lag, grid, by_lag), by_lag, grid)
        times.append(end - lag + np.minimum(delay, lag))
    return counts, np.concatenate(times)

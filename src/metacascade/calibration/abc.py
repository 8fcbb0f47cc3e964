"""Approximate Bayesian computation by sequential Monte Carlo (ABC population Monte Carlo; Beaumont
et al. 2009, Toni et al. 2009), reproducible for a given seed whatever the number of workers.

pyabc is not used: it draws from numpy's global random state and its parallel samplers do not
give the same population twice.

Parameters are positive, with independent log-uniform priors, and the algorithm works on their
natural logs, where the prior density is constant inside a box. Generation 0 keeps prior draws
(ε = ∞). Generation t ≥ 1 sets ε_t to the weighted ``quantile`` of the previous population's
distances, draws a parent by weight and perturbs it with a normal kernel of covariance twice the
previous population's weighted covariance; a proposal outside the prior box is rejected without
simulating, a simulated one is accepted when its distance is at most ε_t. A new particle weighs
1 / Σ_j w_j K(θ | θ_j). A model returning non-finite statistics has distance ∞, never accepted.

Streams: batch b of generation t draws its proposals, then one model seed per proposal, from
``SeedSequence(random_seed, spawn_key=(t, b))``; a whole batch is simulated (in ``workers``
processes, or on Dask: ``parallel.executor``), then its proposals are accepted in order, so the
result does not depend on ``workers`` or the backend.

Stopping: after ``generations`` generations; after the first generation whose acceptance rate
(accepted / simulated proposals: one outside the prior box costs nothing and does not count) is
below ``min_acceptance_rate``, that generation kept; or when a generation reaches
``ABANDON_FACTOR`` x population_size / min_acceptance_rate simulations (or ``OUTSIDE_FACTOR``
times as many proposals) without filling its population, which is abandoned and the previous
population returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial

import numpy as np
import pandas as pd

from ..parallel import check_backend, executor

#: (parameters, random seed) -> summary statistics [s].
Model = Callable[[dict[str, float], int], np.ndarray]
#: A generation is abandoned once its acceptance rate is certain to end this many times below
#: ``min_acceptance_rate`` (its simulations reach this many times population_size / min rate).
ABANDON_FACTOR = 10
#: Proposals (mostly outside the prior box) allowed per allowed simulation before a generation is
#: abandoned.
OUTSIDE_FACTOR = 100


@dataclass(frozen=True)
class LogUniformPrior:
    """Independent log-uniform priors on positive parameters: name -> (low, high)."""

    bounds: dict[str, tuple[float, float]]

    def __post_init__(self):
        for name, (low, high) in self.bounds.items():
            if not 0.0 < low < high < math.inf:
                raise ValueError(f"prior of {name!r}: bounds must satisfy 0 < low < high, got ({low}, {high})")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.bounds)

    @property
    def log_low(self) -> np.ndarray:
        return np.log([low for low, _ in self.bounds.values()])

    @property
    def log_high(self) -> np.ndarray:
        return np.log([high for _, high in self.bounds.values()])

    def contains(self, log_theta: np.ndarray) -> np.ndarray:
        """[n] whether each row of log-parameters [n, d] lies inside the prior box."""
        return np.all((log_theta >= self.log_low) & (log_theta <= self.log_high), axis=1)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """[n, d] log-parameters drawn from the prior."""
        return rng.uniform(self.log_low, self.log_high, size=(n, len(self.bounds)))


@dataclass(frozen=True)
class Generation:
    """One generation: its tolerance ε, accepted / simulated proposals (up to the last one
    accepted), model calls (whole batches, the cost), and the effective sample size 1 / Σ w²."""

    epsilon: float
    acceptance_rate: float
    simulations: int
    effective_sample_size: float


@dataclass(frozen=True)
class AbcResult:
    """The final population (log-parameters, weights, distances, statistics) and per-generation
    diagnostics."""

    names: tuple[str, ...]
    log_particles: np.ndarray  # [N, d] natural log of the parameters
    weights: np.ndarray  # [N], sum 1
    distances: np.ndarray  # [N]
    statistics: np.ndarray  # [N, s] simulated summary statistics
    generations: tuple[Generation, ...]

    def particles(self) -> pd.DataFrame:
        """One row per particle: its parameters, weight and distance."""
        table = pd.DataFrame(np.exp(self.log_particles), columns=list(self.names))
        table["weight"], table["distance"] = self.weights, self.distances
        return table

    def summary(self, probability: float = 0.9) -> pd.DataFrame:
        """Weighted posterior median and central ``probability`` interval (low, high) of each
        parameter (quantiles of its log, exponentiated)."""
        tail = (1.0 - probability) / 2.0
        rows = [np.exp(_weighted_quantile(column, self.weights, [0.5, tail, 1.0 - tail]))
                for column in self.log_particles.T]
        return pd.DataFrame(rows, columns=["median", "low", "high"], index=pd.Index(self.names, name="parameter"))

    def best(self) -> dict[str, float]:
        """Parameters of the final particle with the smallest distance."""
        return dict(zip(self.names, np.exp(self.log_particles[np.argmin(self.distances)]).tolist()))

    def diagnostics(self) -> pd.DataFrame:
        """One row per generation: epsilon, acceptance_rate, simulations, effective_sample_size."""
        return pd.DataFrame([asdict(g) for g in self.generations]).rename_axis("generation")


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Quantiles q of weighted values (each value at the midpoint of its weight on the CDF)."""
    order = np.argsort(values)
    sorted_weights = weights[order]
    cdf = (np.cumsum(sorted_weights) - 0.5 * sorted_weights) / sorted_weights.sum()
    return np.interp(q, cdf, values[order])


def _simulate(model: Model, distance: Callable[[np.ndarray], float], names: tuple[str, ...],
              log_theta: np.ndarray, seed: int) -> tuple[np.ndarray, float]:
    """(statistics [s], distance) of one proposal; distance ∞ when either is not finite."""
    statistics = np.atleast_1d(np.asarray(model(dict(zip(names, np.exp(log_theta).tolist())), seed), dtype=float))
    if not np.all(np.isfinite(statistics)):
        return statistics, math.inf
    d = float(distance(statistics))
    return statistics, d if math.isfinite(d) else math.inf


@dataclass(frozen=True)
class _Population:
    log_theta: np.ndarray  # [N, d]
    weights: np.ndarray  # [N]
    distances: np.ndarray  # [N]
    statistics: np.ndarray  # [N, s]


def _kernel(population: _Population) -> np.ndarray:
    """Cholesky factor of the perturbation covariance: 2 x the weighted population covariance."""
    centred = population.log_theta - population.weights @ population.log_theta
    return np.linalg.cholesky(2.0 * (centred * population.weights[:, None]).T @ centred)


def _perturbed(population: _Population, chol: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """[n, d] parents drawn by weight, each moved by the normal kernel."""
    parents = rng.choice(len(population.weights), size=n, p=population.weights)
    return population.log_theta[parents] + rng.standard_normal((n, chol.shape[0])) @ chol.T


def _importance_weights(log_theta: np.ndarray, previous: _Population, chol: np.ndarray) -> np.ndarray:
    """[N] weights ∝ 1 / Σ_j w_j K(θ | θ_j), normalised (prior uniform in log space)."""
    differences = log_theta[:, None, :] - previous.log_theta[None, :, :]
    whitened = np.linalg.solve(chol, differences.reshape(-1, chol.shape[0]).T).T
    log_kernel = -0.5 * (whitened**2).sum(axis=1).reshape(len(log_theta), -1)
    log_mixture = np.logaddexp.reduce(log_kernel + np.log(previous.weights), axis=1)
    weights = np.exp(log_mixture.min() - log_mixture)
    return weights / weights.sum()


def _generation(t: int, epsilon: float, propose: Callable[[np.random.Generator, int], np.ndarray],
                evaluate: Callable, prior: LogUniformPrior, *, population_size: int, batch_size: int,
                max_simulations: int, random_seed: int):
    """(log_theta, distances, statistics, acceptance rate, simulations) of the accepted particles,
    or None when ``max_simulations`` are spent first. The rate counts simulated proposals only:
    one outside the prior box costs nothing."""
    accepted: list[tuple[np.ndarray, float, np.ndarray]] = []
    tried = simulations = batch = 0
    while len(accepted) < population_size:
        if simulations >= max_simulations or batch * batch_size >= OUTSIDE_FACTOR * max_simulations:
            return None
        rng = np.random.default_rng(np.random.SeedSequence(random_seed, spawn_key=(t, batch)))
        log_theta = propose(rng, batch_size)
        seeds = rng.integers(2**63, size=batch_size)
        inside = prior.contains(log_theta)
        results = iter(evaluate(log_theta[inside], seeds[inside].tolist()))
        simulations += int(inside.sum())
        for row in log_theta[inside]:
            tried += 1
            statistics, d = next(results)
            if d <= epsilon and d < math.inf:
                accepted.append((row, d, statistics))
                if len(accepted) == population_size:
                    break
        batch += 1
    rows, distances, statistics = zip(*accepted)
    return np.array(rows), np.array(distances), np.stack(statistics), population_size / tried, simulations


def abc_smc(
    model: Model,
    distance: Callable[[np.ndarray], float],
    prior: LogUniformPrior,
    *,
    population_size: int = 200,
    generations: int = 6,
    quantile: float = 0.5,
    min_acceptance_rate: float = 0.01,
    random_seed: int,
    workers: int = 1,
    backend: str = "local",
    scheduler: str | None = None,
    batch_size: int | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> AbcResult:
    """ABC-SMC posterior of ``prior``'s parameters given ``model`` (parameters, seed) -> summary
    statistics and ``distance`` (statistics) -> distance to the observed ones. With ``workers``
    > 1 or a ``scheduler``, each batch (default ``population_size`` proposals) is simulated on
    ``parallel.executor(backend, workers, scheduler)``: ``model`` and ``distance`` must then be
    picklable (module-level functions or partials).
    ``progress(generation, epsilon)`` is called after each generation."""
    if population_size < 2 or generations < 1 or not 0 < quantile <= 1 or not 0 < min_acceptance_rate <= 1:
        raise ValueError("need population_size >= 2, generations >= 1, 0 < quantile <= 1 and "
                         "0 < min_acceptance_rate <= 1")
    with _evaluator(partial(_simulate, model, distance, prior.names), workers, backend, scheduler) as evaluate:
        step = partial(_generation, evaluate=evaluate, prior=prior, population_size=population_size,
                       batch_size=batch_size or population_size, random_seed=random_seed,
                       max_simulations=math.ceil(ABANDON_FACTOR * population_size / min_acceptance_rate))
        return _run(step, prior, generations=generations, quantile=quantile,
                    min_acceptance_rate=min_acceptance_rate, progress=progress)


@contextmanager
def _evaluator(simulate: Callable, workers: int, backend: str, scheduler: str | None):
    """(rows, seeds) -> [(statistics, distance)] in proposal order, in this process or on one
    executor for the whole run."""
    check_backend(backend, scheduler)
    if workers <= 1 and scheduler is None:
        yield lambda rows, seeds: list(map(simulate, rows, seeds))
        return
    with executor(backend, workers, scheduler) as pool:
        yield lambda rows, seeds: list(
            pool.map(simulate, rows, seeds, chunksize=max(1, len(seeds) // (4 * workers))))


def _run(step: Callable, prior: LogUniformPrior, *, generations: int, quantile: float,
         min_acceptance_rate: float, progress: Callable[[int, float], None] | None) -> AbcResult:
    """The generations, from the prior, until one of the stopping rules."""
    history: list[Generation] = []
    population = None
    for t in range(generations):
        if population is None:
            epsilon, propose = math.inf, prior.sample
        else:
            epsilon = float(_weighted_quantile(population.distances, population.weights, quantile))
            chol = _kernel(population)
            propose = partial(_perturbed, population, chol)
        outcome = step(t, epsilon, propose)
        if outcome is None:
            if population is None:
                raise RuntimeError("generation 0 found too few prior draws with finite statistics")
            break
        log_theta, distances, statistics, rate, simulations = outcome
        weights = (np.full(len(distances), 1.0 / len(distances)) if population is None
                   else _importance_weights(log_theta, population, chol))
        population = _Population(log_theta, weights, distances, statistics)
        history.append(Generation(epsilon, rate, simulations, float(1.0 / (weights**2).sum())))
        if progress is not None:
            progress(t, epsilon)
        if rate < min_acceptance_rate:
            break
    return AbcResult(prior.names, population.log_theta, population.weights, population.distances,
                     population.statistics, tuple(history))

"""ABC-SMC calibration of an assay scenario's fields against targets read from its runs.

A particle is a set of values at the spec's paths; its summary statistics are the targets'
quantities read from ``replicates`` runs of the scenario with those values (the same readers as
``metacascade validate``, ``analysis.assays.QUANTITIES``). The distance to the published values
is the root mean square of log(simulated / published) in units of log(1 + tolerance), the
target's validation tolerance, so every target weighs by how closely it is meant to agree.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from ..model import ScenarioError
from ..model.paths import with_values
from ..analysis.assays import QUANTITIES, read
from ..analysis.targets import tolerance_of
from ..analysis.targets import load_targets
from .abc import AbcResult, LogUniformPrior, abc_smc
from .spec import AbcSpec

#: Stop once a generation accepts fewer than this share of its proposals (each costs a simulation).
MIN_ACCEPTANCE_RATE = 0.05
#: Floor of a simulated fraction before its log is taken (a run with no macrometastasis).
FLOOR = 1e-7


def published_values(targets: tuple[str, ...]) -> np.ndarray:
    """The published numbers of ``targets``, each a fraction an assay run can reproduce."""
    known = load_targets()
    for target_id in targets:
        if target_id not in QUANTITIES:
            raise ScenarioError(
                f"targets: {target_id!r} cannot be read from an assay run; allowed: {', '.join(QUANTITIES)}"
            )
        if not isinstance(known[target_id].value, (int, float)):
            raise ScenarioError(f"targets: {target_id!r} has no single published number")
    return np.array([float(known[t].value) for t in targets])


def statistics(parameters: dict[str, float], seed: int, *, scenario: dict, targets: tuple[str, ...],
               replicates: int) -> np.ndarray:
    """The targets' quantities, averaged over ``replicates`` runs of ``scenario`` with ``parameters``."""
    from ..catalog import scenario_from_data
    from ..simulate import simulate

    candidate = scenario_from_data(with_values(scenario, parameters), source="calibration particle")
    seeds = np.random.SeedSequence(seed).generate_state(replicates)
    runs = [simulate(candidate, random_seed=int(s)) for s in seeds]
    return np.mean([read(r, targets) for r in runs], axis=0)


def log_distance(simulated: np.ndarray, *, published: np.ndarray, scale: np.ndarray) -> float:
    """Root mean square of log(simulated / published) / scale."""
    if not np.all(np.isfinite(simulated)):
        return float("inf")
    ratio = np.log(np.maximum(simulated, FLOOR) / published) / scale
    return float(np.sqrt(np.mean(ratio**2)))


def fit(scenario: dict, spec: AbcSpec, *, random_seed: int, workers: int = 1, backend: str = "local",
        scheduler: Optional[str] = None, progress: Optional[Callable[[int, float], None]] = None) -> AbcResult:
    """The ABC-SMC posterior of ``spec.priors`` for the scenario mapping ``scenario`` (particles
    simulated where ``workers``, ``backend`` and ``scheduler`` say: ``abc_smc``)."""
    known = load_targets()
    published = published_values(spec.targets)
    scale = np.log1p([tolerance_of(known[t]) for t in spec.targets])
    prior = LogUniformPrior({path: (bounds.low, bounds.high) for path, bounds in spec.priors.items()})
    model = partial(statistics, scenario=scenario, targets=spec.targets, replicates=spec.replicates)
    distance = partial(log_distance, published=published, scale=scale)
    return abc_smc(model, distance, prior, population_size=spec.population_size, generations=spec.generations,
                   min_acceptance_rate=MIN_ACCEPTANCE_RATE, random_seed=random_seed, workers=workers,
                   backend=backend, scheduler=scheduler, progress=progress)


def record_fields(result: AbcResult, spec: AbcSpec, interval: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(calibrated values: the best particle, with the posterior's central ``interval``; diagnostics)."""
    best = result.best()
    summary = result.summary(interval)
    parameters = [
        {"path": path, "value": float(best[path]),
         "low": float(min(summary.loc[path, "low"], best[path])), "high": float(max(summary.loc[path, "high"], best[path])),
         "prior": (spec.priors[path].low, spec.priors[path].high)}
        for path in result.names
    ]
    last = result.generations[-1]
    best_index = int(np.argmin(result.distances))
    diagnostics = {
        "population_size": spec.population_size, "generations": len(result.generations),
        "simulations": int(sum(g.simulations for g in result.generations)),
        "final_epsilon": float(last.epsilon), "final_acceptance_rate": float(last.acceptance_rate),
        "effective_sample_size": float(last.effective_sample_size),
        "best_distance": float(result.distances[best_index]),
        **{f"simulated.{t}": float(v) for t, v in zip(spec.targets, result.statistics[best_index])},
    }
    return parameters, diagnostics


def fit_table(result: AbcResult, spec: AbcSpec) -> pd.DataFrame:
    """Per target: published, the best particle's value, and the posterior predictive 90% range."""
    published = published_values(spec.targets)
    best = result.statistics[int(np.argmin(result.distances))]
    low, high = np.quantile(result.statistics, [0.05, 0.95], axis=0)
    return pd.DataFrame({"published": published, "best": best, "predictive_low": low, "predictive_high": high},
                        index=pd.Index(spec.targets, name="target"))

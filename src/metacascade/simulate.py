"""The verbs: ``simulate`` a scenario and ``replay`` a run from its provenance (ARCHITECTURE.md §3-5)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from .catalog import load_scenario, scenario_from_data
from .model import Scenario
from .results import Results
from .results.provenance import make_provenance

#: Engine name -> (module, function); each takes (Lowered, numpy Generator) -> AssayOutcome.
ENGINES: dict[str, tuple[str, str]] = {
    "exact": ("metacascade.engine.assay", "simulate_assay"),
    "reference": ("metacascade.engine.reference", "simulate_reference"),
}


def _engine(name: str) -> Callable[..., Any]:
    if name not in ENGINES:
        raise ValueError(f"engine: unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
    module, function = ENGINES[name]
    return getattr(importlib.import_module(module), function)  # lazy: engines load on first use


def _seed(random_seed: Optional[int]) -> int:
    if random_seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_seed, (bool, np.bool_)) or not isinstance(random_seed, (int, np.integer)) or random_seed < 0:
        raise ValueError(f"random_seed: must be a non-negative integer or None (got {random_seed!r})")
    return int(random_seed)


def simulate(
    scenario: Union[Scenario, str, Path],
    *,
    random_seed: Optional[int] = None,
    engine: str = "exact",
) -> Results:
    """Run ``scenario`` (a ``Scenario``, a catalogue name or a YAML path) once; return its ``Results``.

    ``random_seed`` fixes every random draw (``None`` draws one and records it in the provenance);
    ``engine`` is ``"exact"`` (cohort draws, MODEL.md §6) or ``"reference"`` (one cell at a time).
    """
    from .engine.lower import lower

    model = load_scenario(scenario)
    run = _engine(engine)
    seed = _seed(random_seed)
    lowered = lower(model)
    outcome = run(lowered, np.random.default_rng(np.random.SeedSequence(seed)))
    provenance = make_provenance(
        scenario=model.resolved(),
        random_seed=seed,
        engine=engine,
        call={"verb": "simulate", "scenario": model.name, "random_seed": seed, "engine": engine},
    )
    return Results.from_outcome(outcome, lowered, provenance)


def replay(results: Results) -> Results:
    """Run again what ``results`` record (resolved scenario, seed, engine): the tables come out identical."""
    provenance = results.provenance
    scenario = scenario_from_data(provenance["scenario"], source="provenance scenario")
    return simulate(scenario, random_seed=provenance["random_seed"], engine=provenance["engine"])

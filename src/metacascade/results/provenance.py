"""Provenance of a run: package version, resolved scenario, seed, engine and call (ARCHITECTURE.md §5).

Everything here except ``created`` is enough to replay the run and get identical tables.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .._version import __version__
from ..engine.lower import CLUSTER_SUFFIX

#: Provenance keys that differ between a run and its replay.
NOT_REPLAYED: tuple[str, ...] = ("created",)


def make_provenance(
    *, scenario: Mapping[str, Any], random_seed: int, engine: str, call: Mapping[str, Any], **fields: Any
) -> dict[str, Any]:
    """The provenance record of a run; ``scenario`` is the resolved machine form (a JSON mapping).

    ``fields`` adds what else decides the output: ``num_patients``, ``chunk_size`` and ``detail``
    (its output level) for a cohort, ``patient`` for one patient of a cohort (see
    ``patient_provenance``)."""
    import numpy
    import pandas

    return {
        "package": "metacascade",
        "version": __version__,
        "engine": engine,
        "random_seed": int(random_seed),
        **fields,
        "call": dict(call),
        "scenario": dict(scenario),
        "environment": {
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "pandas": pandas.__version__,
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def replayable(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """``provenance`` without the keys that a replay changes (creation time)."""
    return {key: value for key, value in provenance.items() if key not in NOT_REPLAYED}


def simulate_call(scenario_name: str, random_seed: int, engine: str, **fields: Any) -> dict[str, Any]:
    """The ``call`` record of ``simulate``: its arguments that decide the output."""
    return {"verb": "simulate", "scenario": scenario_name, "random_seed": int(random_seed), "engine": engine, **fields}


#: Provenance keys of a cohort that one of its patients does not have.
COHORT_ONLY: tuple[str, ...] = ("num_patients", "chunk_size", "detail")


def patient_provenance(cohort: Mapping[str, Any], patient: int) -> dict[str, Any]:
    """The provenance of patient ``patient`` of a cohort: what ``simulate(..., patient=patient)``
    records, so that one patient replays on its own."""
    record = {key: value for key, value in cohort.items() if key not in COHORT_ONLY}
    record["patient"] = int(patient)
    record["call"] = simulate_call(
        cohort["scenario"]["name"], cohort["random_seed"], cohort["engine"], patient=int(patient)
    )
    return record


def injected_by_clone(provenance: Mapping[str, Any]) -> dict[str, int]:
    """Cells injected per clone, from the resolved scenario (clones in scenario order)."""
    scenario = provenance["scenario"]
    injected = {name: 0 for name in scenario["clones"]}
    for injection in scenario["injections"]:
        injected[injection["clone"]] += int(injection["num_cells"])
    return injected


class ProvenanceLabels:
    """Labels read from a run's ``provenance`` record (shared by ``Results`` and ``Cohort``)."""

    provenance: dict[str, Any]

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario (machine form) this run simulated."""
        return self.provenance["scenario"]

    @property
    def scenario_name(self) -> str:
        return self.scenario["name"]

    @property
    def random_seed(self) -> int:
        return self.provenance["random_seed"]

    @property
    def engine(self) -> str:
        return self.provenance["engine"]

    @property
    def observation_times(self) -> tuple[float, ...]:
        return tuple(float(t) for t in self.scenario["observation_times"])

    @property
    def clone_names(self) -> tuple[str, ...]:
        """The clones of the tables, as the engine names them: the scenario's, then the cluster
        clone of each clone its primary sheds in clusters (``engine.lower.with_clusters``)."""
        clones = tuple(self.scenario["clones"])
        primary = self.scenario.get("primary") or {}
        if not primary.get("cluster_fraction"):
            return clones
        mix = primary.get("clone_mix", {})
        return clones + tuple(name + CLUSTER_SUFFIX for name in clones if mix.get(name, 0.0) > 0)

    @property
    def organ_names(self) -> tuple[str, ...]:
        return tuple(self.scenario["anatomy"]["organs"])

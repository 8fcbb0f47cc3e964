"""Benchmark of a virtual patient (not a unit test): `make bench` or `python benchmarks/bench_patient.py`.

Runs ``breast_patient`` (10 years, yearly observations, patient variation on) for a number of
patients on one core (one BLAS thread: ``parallel.single_threaded``) and reports, per patient: milliseconds for the exact engine and for the whole
patient (engine, observation plan, result tables), cells shed, and the random draws made (calls of
the engine's ``numpy.random.Generator`` and the variates they returned). The kernels shared by all
patients (one per rate set and window length) are computed in a warm-up run and timed apart.
Where the time goes: the engine functions with the largest own time (cProfile). Writes
``benchmarks/results/patient.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import time
from pathlib import Path
from typing import Any

import numpy as np

import metacascade
from metacascade.catalog import load_scenario
from metacascade.engine import pool
from metacascade.engine.assay import simulate_assay
from metacascade.engine.lower import lower
from metacascade.parallel import single_threaded
from metacascade.simulate import patient_lowered

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "patient.json"
SCENARIO = "breast_patient"


class CountingGenerator:
    """A ``numpy.random.Generator`` that counts the calls made to it and the variates returned."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng, self.calls, self.variates = rng, 0, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rng, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            self.calls += 1
            self.variates += int(np.size(result))
            return result

        return counted


@single_threaded()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    scenario = load_scenario(SCENARIO)
    lowered = lower(scenario)
    patients = [patient_lowered(lowered, args.seed, i) for i in range(args.patients)]
    streams = [np.random.SeedSequence(args.seed, spawn_key=(i,)) for i in range(args.patients)]

    start = time.perf_counter()
    simulate_assay(lowered, np.random.default_rng(0))  # warm-up: the shared kernels
    kernels_s = time.perf_counter() - start

    engine_s, shed, calls, variates, lesions = [], [], [], [], []
    for low, stream in zip(patients, streams):
        rng = CountingGenerator(np.random.default_rng(stream))
        start = time.perf_counter()
        outcome = simulate_assay(low, rng)  # type: ignore[arg-type]
        engine_s.append(time.perf_counter() - start)
        shed.append(float(outcome.snapshots[-1].entered.sum()))
        calls.append(rng.calls)
        variates.append(rng.variates)
        lesions.append(outcome.lesions.clone.size)

    start = time.perf_counter()
    for i in range(args.patients):
        metacascade.simulate(scenario, random_seed=args.seed, patient=i)
    whole_s = (time.perf_counter() - start) / args.patients

    profile = cProfile.Profile()
    profile.enable()
    for low, stream in zip(patients[:10], streams):
        simulate_assay(low, np.random.default_rng(stream))
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    own = sorted(
        ((value[2], f"{Path(key[0]).name}:{key[2]}") for key, value in stats.items() if "metacascade" in key[0]),
        reverse=True,
    )[:8]
    total = sum(value[2] for value in stats.values())

    report = {
        "scenario": SCENARIO,
        "patients": args.patients,
        "seed": args.seed,
        "version": metacascade.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.platform(),
        "pooled_max_cells": pool.POOLED_MAX_CELLS,
        "shared_kernels_s": kernels_s,
        "engine_ms_per_patient": {"median": 1e3 * float(np.median(engine_s)), "mean": 1e3 * float(np.mean(engine_s)),
                                  "max": 1e3 * float(np.max(engine_s))},
        "whole_patient_ms": 1e3 * whole_s,
        "cells_shed_per_patient": {"median": float(np.median(shed)), "max": float(np.max(shed))},
        "generator_calls_per_patient": float(np.median(calls)),
        "variates_per_patient": float(np.median(variates)),
        "lesions_per_patient": float(np.median(lesions)),
        "own_time_share": {name: seconds / total for seconds, name in own},
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"patient benchmark: {SCENARIO}, {args.patients} patients, one core", title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    engine = report["engine_ms_per_patient"]
    for label, value in (
        ("shared kernels, once (s)", f"{kernels_s:.2f}"),
        ("engine per patient, median / mean / max (ms)",
         f"{engine['median']:.1f} / {engine['mean']:.1f} / {engine['max']:.1f}"),
        ("whole patient with observation and tables (ms)", f"{1e3 * whole_s:.1f}"),
        ("cells shed per patient, median / max", f"{np.median(shed):.3g} / {np.max(shed):.3g}"),
        ("generator calls per patient (median)", f"{np.median(calls):.0f}"),
        ("variates drawn per patient (median)", f"{np.median(variates):.0f}"),
        ("lesions (reached the bound) per patient (median)", f"{np.median(lesions):.0f}"),
    ):
        table.add_row(label, value)
    for seconds, name in own:
        table.add_row(f"  own time in {name}", f"{100 * seconds / total:.1f}%")
    console = Console()
    console.print(table)
    console.print(f"written to {RESULTS_PATH}")


if __name__ == "__main__":
    main()

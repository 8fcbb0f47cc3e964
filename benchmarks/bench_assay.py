"""Benchmark of the assay engines (not a unit test): `make bench` or `python benchmarks/bench_assay.py`.

Times the exact engine on ``luzzi1998_liver`` with 1e6 and 1e9 injected cells, the per-cell
reference engine on 1e4 cells, and the whole ``simulate`` verb (tables included) on 1e6 cells, in
one process with one BLAS thread (``parallel.single_threaded``, as ``simulate`` runs), as ratios
to a baseline run (the exact engine on the catalogue's own 3e5 cells): the exact engine's cost
must not grow with N (MODEL.md §6).
Peak memory comes from a separate tracemalloc pass (tracemalloc slows Python down, so it is not
timed). Writes ``benchmarks/results/assay.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

import metacascade
from metacascade.catalog import load_scenario
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower
from metacascade.engine.reference import simulate_reference
from metacascade.model import Scenario
from metacascade.parallel import single_threaded

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "assay.json"
SCENARIO = "luzzi1998_liver"


def with_cells(scenario: Scenario, num_cells: int) -> Scenario:
    """``scenario`` with its (single) injection set to ``num_cells`` cells."""
    injections = tuple(i.model_copy(update={"num_cells": int(num_cells)}) for i in scenario.injections)
    return scenario.model_copy(update={"injections": injections})


def best_time(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best and median wall time over ``repeats`` runs, seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def peak_memory_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


@single_threaded()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per case (best is kept)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    base = load_scenario(SCENARIO)
    reference_cells = base.injections[0].num_cells
    cases = [
        ("exact, baseline", run_timeline, reference_cells, args.repeats),
        ("exact", run_timeline, 10_000, args.repeats),
        ("exact", run_timeline, 1_000_000, args.repeats),
        ("exact", run_timeline, 1_000_000_000, args.repeats),
        ("reference", simulate_reference, 10_000, max(1, args.repeats // 2)),
        ("simulate() + tables", None, 1_000_000, args.repeats),
    ]
    rows = []
    for label, engine, num_cells, repeats in cases:
        scenario = with_cells(base, num_cells)
        lowered = lower(scenario)

        def run(engine=engine, lowered=lowered, scenario=scenario) -> object:
            if engine is None:  # the whole verb: lowering, exact engine, result tables
                return metacascade.simulate(scenario, random_seed=args.seed)
            return engine(lowered, np.random.default_rng(np.random.SeedSequence(args.seed)))

        run()  # warm-up
        best, median = best_time(run, repeats)
        rows.append(
            {
                "engine": label,
                "num_cells": num_cells,
                "best_s": best,
                "median_s": median,
                "repeats": repeats,
                "peak_memory_mb": peak_memory_mb(run),
            }
        )
    baseline = rows[0]["best_s"]
    for row in rows:
        row["ratio_to_baseline"] = row["best_s"] / baseline

    report = {
        "scenario": SCENARIO,
        "baseline": f"exact engine, {reference_cells} cells (the catalogue scenario as published)",
        "version": metacascade.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "seed": args.seed,
        "cases": rows,
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"assay benchmark: {SCENARIO} (seed {args.seed})", title_justify="left")
    for column in ("engine", "cells", "best (ms)", "median (ms)", "x baseline", "peak MiB"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for row in rows:
        table.add_row(
            row["engine"],
            f"{row['num_cells']:.0e}",
            f"{1e3 * row['best_s']:.1f}",
            f"{1e3 * row['median_s']:.1f}",
            f"{row['ratio_to_baseline']:.2f}",
            f"{row['peak_memory_mb']:.1f}",
        )
    console = Console()
    console.print(table)
    console.print(f"written to {RESULTS_PATH}")


if __name__ == "__main__":
    main()

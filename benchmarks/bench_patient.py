"""Benchmark of virtual patients (not a unit test): `make bench` or `python benchmarks/bench_patient.py`.

Everything runs on one core (one BLAS thread: ``parallel.single_threaded``). For ``breast_patient``
(patient variation on) it measures, per patient:

- the exact engine (``run_timeline``) in ms, calibrated and uncalibrated over 10 years, and the
  calibrated scenario followed 20 and 30 years (yearly) and 10 years monthly, and the patient
  diagnosed by its symptoms (``breast_patient_symptomatic``, 20 years: its diagnosis ends a window,
  so each patient needs kernels of its own), as ratios to 10 years yearly; each patient on its own
  lowered scenario and stream, as in a cohort. The kernels shared by all patients are computed in a
  warm-up and timed apart (only those not already cached);
- the variates drawn (a counting wrapper around the engine's Generator, ~1 µs per call, timed with
  it) against a floor: numpy's throughput for binomials with per-element n and p, measured here;
- where the time goes per patient: a least-squares fit of each patient's engine time on the
  windows it ran, the colonies it founded and its switched lesions' windows (``cost_model``);
- a cohort written with ``simulate(..., out=DIR, num_workers=1)`` in this process (what ``metacascade
  run --workers 1`` runs, without the interpreter's start), at each output level, and the bytes
  written (all files; the Parquet chunks alone, the rest being per-run: catalogue and provenance);
- the exact engine against the per-cell reference engine on ``small_liver_assay`` (best of repeats);
- the peak RSS of a fresh worker process (``parallel.executor``) running one chunk, at each level;
- where the engine's time goes: the functions with the largest own time (cProfile).

Prints one table and writes ``benchmarks/results/patient.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import metacascade
from metacascade.catalog import load_scenario, scenario_from_data
from metacascade.engine.epochs import step_ends
from metacascade.engine.lower import Lowered, lower
from metacascade.engine.outcome import RunOutcome
from metacascade.engine.timeline import run_timeline
from metacascade.engine.reference import simulate_reference
from metacascade.model import Scenario
from metacascade.parallel import executor, single_threaded
from metacascade.engine.patient import patient_lowered
from metacascade.results.rundir import DEFAULT_CHUNK_SIZE, DETAILS

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "benchmarks" / "results" / "patient.json"
SCENARIO = "breast_patient"
SMALL_ASSAY = ROOT / "tests" / "data" / "valid" / "small_liver_assay.yaml"
YEAR_DAYS = 365.25


class CountingGenerator:
    """A ``numpy.random.Generator`` that counts the calls made to it and the variates drawn: one per
    value returned, but for a multinomial the binomials it draws (``multinomial_draws``)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng, self.calls, self.variates = rng, 0, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rng, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            self.calls += 1
            self.variates += multinomial_draws(result) if name == "multinomial" else int(np.size(result))
            return result

        return counted


def multinomial_draws(drawn: np.ndarray) -> int:
    """The binomials numpy drew for the multinomial rows ``drawn`` [..., d]: one per category in
    order until no trial is left (at most d - 1: the last takes the rest), none for a row of 0 trials."""
    rows = drawn.reshape(-1, drawn.shape[-1])
    totals = rows.sum(axis=1)
    spent = np.argmax(np.cumsum(rows, axis=1) >= totals[:, None], axis=1) + 1  # draws up to the category that ends it
    return int(np.where(totals > 0, np.minimum(spent, rows.shape[1] - 1), 0).sum())


def followed(scenario: Scenario, years: int, per_year: int = 1) -> Scenario:
    """``scenario`` observed ``per_year`` times a year for ``years`` years, imaged and bled yearly."""
    data = scenario.resolved()
    yearly = [YEAR_DAYS * k for k in range(1, years + 1)]
    data["observation_times"] = [YEAR_DAYS * k / per_year for k in range(1, years * per_year + 1)]
    data["observation"] = {**data["observation"], "imaging_times": yearly, "draw_times": yearly}
    data["end_time"] = None
    return scenario_from_data(data)


def streams(seed: int, num_patients: int) -> list[np.random.SeedSequence]:
    """The patients' engine streams, as a cohort draws them."""
    return [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(num_patients)]


def engine_case(scenario: Scenario, seed: int, num_patients: int) -> dict[str, Any]:
    """Engine ms per patient (median, mean), patients per second, the shared kernels' warm-up (s),
    the mean generator calls and variates per patient, and where the time goes (``cost_model``)."""
    lowered = lower(scenario)
    start = time.perf_counter()
    run_timeline(lowered, np.random.default_rng(0))
    kernels_s = time.perf_counter() - start
    seconds, calls, variates, work = [], [], [], []
    for i, stream in enumerate(streams(seed, num_patients)):
        own = patient_lowered(lowered, seed, i)
        rng = CountingGenerator(np.random.default_rng(stream))
        start = time.perf_counter()
        outcome = run_timeline(own, rng)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - start)
        calls.append(rng.calls)
        variates.append(rng.variates)
        work.append(work_done(own, outcome))
    return {"median_ms": 1e3 * float(np.median(seconds)), "mean_ms": 1e3 * float(np.mean(seconds)),
            "patients_per_s": 1 / float(np.mean(seconds)), "shared_kernels_s": kernels_s,
            "calls": float(np.mean(calls)), "variates": float(np.mean(variates)),
            "cost_model": cost_model(np.array(seconds), np.array(work, dtype=float))}


#: What a patient's engine time is fitted on (``cost_model``), as ``work_done`` counts it.
WORK = ("windows", "founders", "lesion_windows")


def work_done(lowered: Lowered, outcome: RunOutcome) -> tuple[int, int, int]:
    """What the engine did for a patient (``WORK``): the windows it ran (up to the patient's last
    snapshot of its own: one dead at an observation repeats that snapshot at the later ones), the
    colonies it founded (each followed one by one from its first division) and the windows run by
    its switched lesions after their switch (each sheds in every one)."""
    snapshots = outcome.snapshots
    last = next((k for k in range(1, len(snapshots)) if snapshots[k].cells is snapshots[k - 1].cells),
                len(snapshots)) - 1
    ends = step_ends(lowered)
    ends = ends[: np.searchsorted(ends, snapshots[last].time, side="right")]
    founders = sum(int(snapshots[-1].counts[name].sum()) for name in ("founded_direct", "founded_reactivated"))
    switched = outcome.lesions.switch_time[~np.isnan(outcome.lesions.switch_time)]
    return ends.size, founders, int((ends > switched[:, None]).sum())


def cost_model(seconds: np.ndarray, work: np.ndarray) -> dict[str, float]:
    """Least squares of each patient's engine time (``seconds``) on its ``work`` ([patients, 3]: ``WORK``):
    ms per window, µs per colony founded, µs per lesion-window, each one's share of the mean time,
    R², and the work per patient (mean; founders' median and 90th percentile)."""
    coefficients, *_ = np.linalg.lstsq(work, seconds, rcond=None)
    residual = seconds - work @ coefficients
    shares = coefficients * work.mean(axis=0) / seconds.mean()
    founders = work[:, 1]
    return {"ms_per_window": 1e3 * coefficients[0], "us_per_founder": 1e6 * coefficients[1],
            "us_per_lesion_window": 1e6 * coefficients[2],
            **{f"{name}_share": float(share) for name, share in zip(WORK, shares)},
            "r2": 1 - float(residual @ residual) / float(((seconds - seconds.mean()) ** 2).sum()),
            **{f"{name}_mean": float(mean) for name, mean in zip(WORK, work.mean(axis=0))},
            "founders_median": float(np.median(founders)), "founders_p90": float(np.quantile(founders, 0.9))}


def binomial_throughput(num_elements: int, seed: int) -> float:
    """Binomial variates per second, one call with per-element n (1e3..1e9) and p (1e-4..0.5),
    both log-uniform; best of three."""
    rng = np.random.default_rng(seed)
    n = np.round(10 ** rng.uniform(3, 9, num_elements)).astype(np.int64)
    p = 10 ** rng.uniform(-4, np.log10(0.5), num_elements)
    return num_elements / best_seconds(lambda: rng.binomial(n, p), 3)


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def cohort_written(scenario: Scenario, seed: int, num_patients: int, detail: str) -> dict[str, float]:
    """ms per patient of ``simulate(..., out=DIR, num_workers=1)`` (kernels warm), and bytes written
    per patient: all files, and the Parquet chunks alone."""
    metacascade.simulate(scenario, random_seed=seed, patient=0)  # warm-up: the shared kernels
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        start = time.perf_counter()
        metacascade.simulate(scenario, num_patients=num_patients, random_seed=seed, out=out, num_workers=1,
                             detail=detail)
        seconds = time.perf_counter() - start
        files = [path for path in out.rglob("*") if path.is_file()]
        total = sum(path.stat().st_size for path in files)
        parquet = sum(path.stat().st_size for path in files if path.suffix == ".parquet")
    return {"ms_per_patient": 1e3 * seconds / num_patients, "bytes_per_patient": total / num_patients,
            "parquet_bytes_per_patient": parquet / num_patients, "per_run_bytes": total - parquet}


def reference_ratio(seed: int, repeats: int) -> dict[str, float]:
    """Best ms of the exact and the per-cell reference engine on ``small_liver_assay``, same stream."""
    lowered = lower(load_scenario(SMALL_ASSAY))
    times = {}
    for name, engine in (("exact", run_timeline), ("reference", simulate_reference)):
        def run(engine: Callable[..., object] = engine) -> object:
            return engine(lowered, np.random.default_rng(np.random.SeedSequence(seed)))

        run()  # warm-up
        times[f"{name}_ms"] = 1e3 * best_seconds(run, repeats)
    return {**times, "reference_over_exact": times["reference_ms"] / times["exact_ms"]}


def peak_rss_mib() -> float:
    """This process's peak resident memory, MiB: ``VmHWM`` where Linux has it (``ru_maxrss`` there
    keeps the peak of the process a spawned worker was forked from), else ``ru_maxrss`` (bytes on macOS)."""
    status = Path("/proc/self/status")
    if status.exists():
        return int(status.read_text().split("VmHWM:")[1].split()[0]) / 2**10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)


def chunk_peak_rss(seed: int, num_patients: int, detail: str) -> tuple[float, float]:
    """In a worker process: peak RSS (MiB) once the scenario is lowered, and after one chunk of
    ``num_patients`` at output level ``detail``, built and written."""
    from metacascade.runner import chunk_tables
    from metacascade.results.chunks import write_chunk

    lowered = lower(load_scenario(SCENARIO))
    before = peak_rss_mib()
    with single_threaded(), tempfile.TemporaryDirectory() as folder:
        write_chunk(Path(folder), 0, chunk_tables(lowered, "exact", seed, detail, 0, range(num_patients)), run={})
    return before, peak_rss_mib()


def worker_rss(seed: int, num_patients: int, detail: str) -> dict[str, float]:
    """``chunk_peak_rss`` in a fresh spawned worker (``parallel.executor``)."""
    with executor("local", 1) as pool:
        before, peak = pool.submit(chunk_peak_rss, seed, num_patients, detail).result()
    return {"patients": num_patients, "before_chunk_mib": before, "peak_mib": peak}


def own_time(scenario: Scenario, seed: int, num_patients: int, top: int = 8) -> dict[str, float]:
    """Share of the engine's time spent in the package's own code (``"metacascade"``; the rest is
    numpy, scipy and Python), and in each of its ``top`` functions by own time."""
    lowered = lower(scenario)
    profile = cProfile.Profile()
    profile.enable()
    for i, stream in enumerate(streams(seed, num_patients)):
        run_timeline(patient_lowered(lowered, seed, i), np.random.default_rng(stream))
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(value[2] for value in stats.values())
    own = sorted(((value[2], f"{Path(key[0]).name}:{key[2]}") for key, value in stats.items()
                  if "metacascade" in key[0]), reverse=True)
    return {"metacascade": sum(seconds for seconds, _ in own) / total,
            **{name: seconds / total for seconds, name in own[:top]}}


def measure(num_patients: int, seed: int, quick: bool) -> dict[str, Any]:
    calibrated = load_scenario(SCENARIO)
    cases = {
        "calibrated 10 y yearly": calibrated,
        "uncalibrated 10 y yearly": load_scenario(SCENARIO, calibrated=False),
        "calibrated 20 y yearly": followed(calibrated, 20),
        "calibrated 30 y yearly": followed(calibrated, 30),
        "calibrated 10 y monthly": followed(calibrated, 10, per_year=12),
        # each patient's own diagnosis time ends a window: two window lengths of its own, new kernels
        "calibrated 20 y yearly, diagnosed by symptoms": load_scenario(f"{SCENARIO}_symptomatic"),
    }
    engine = {name: engine_case(scenario, seed, num_patients) for name, scenario in cases.items()}
    throughput = binomial_throughput(10**5 if quick else 10**6, seed)
    for case in engine.values():
        case["floor_ms"] = 1e3 * case["variates"] / throughput
        case["engine_over_floor"] = case["mean_ms"] / case["floor_ms"]
    chunk = min(num_patients, DEFAULT_CHUNK_SIZE)
    return {
        "engine": engine,
        "binomial_variates_per_s": throughput,
        "cohort": {detail: cohort_written(calibrated, seed, num_patients, detail) for detail in DETAILS},
        "reference": reference_ratio(seed, 1 if quick else 5),
        "worker_rss": {detail: worker_rss(seed, chunk, detail) for detail in DETAILS},
        "own_time_share": own_time(calibrated, seed, min(num_patients, 10)),
    }


def table_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(quantity, value, ratio) rows of the printed table."""
    engine = report["engine"]
    base = engine["calibrated 10 y yearly"]
    rows = []
    for name, case in engine.items():
        ratio = f"{case['mean_ms'] / base['mean_ms']:.2f} x calibrated 10 y" if case is not base else ""
        rows += [
            (f"engine, {name}: ms per patient, median / mean", f"{case['median_ms']:.1f} / {case['mean_ms']:.1f}",
             ratio),
            ("  patients per second per core (shared kernels warm-up, s)",
             f"{case['patients_per_s']:.1f} ({case['shared_kernels_s']:.2f})", ""),
            ("  variates per patient, mean (generator calls; draw floor, ms)",
             f"{case['variates']:,.0f} ({case['calls']:.0f}; {case['floor_ms']:.2f})",
             f"{case['engine_over_floor']:.1f} x floor"),
        ]
        if case is base:
            model = case["cost_model"]
            rows += [
                ("  least squares: ms per window run + µs per colony founded + µs per switched lesion "
                 "per window", f"{model['ms_per_window']:.2f} + {model['us_per_founder']:.2f} + "
                 f"{model['us_per_lesion_window']:.0f}",
                 f"{100 * model['windows_share']:.0f} / {100 * model['founders_share']:.0f} / "
                 f"{100 * model['lesion_windows_share']:.0f}% of time, R² {model['r2']:.2f}"),
                ("  per patient: windows run; colonies founded, median / mean / 90th percentile; "
                 "lesion-windows", f"{model['windows_mean']:.1f}; {model['founders_median']:,.0f} / "
                 f"{model['founders_mean']:,.0f} / {model['founders_p90']:,.0f}; {model['lesion_windows_mean']:.0f}",
                 ""),
            ]
    rows.append(("binomial throughput, per-element n and p (variates/s)",
                 f"{report['binomial_variates_per_s']:.3g}", ""))
    for detail, cohort in report["cohort"].items():
        rows += [
            (f"cohort simulate(out=DIR, num_workers=1), {detail}: ms per patient", f"{cohort['ms_per_patient']:.1f}",
             f"{cohort['ms_per_patient'] / base['mean_ms']:.2f} x engine"),
            ("  bytes per patient, all files / Parquet (per run: catalogue + provenance)",
             f"{cohort['bytes_per_patient']:,.0f} / {cohort['parquet_bytes_per_patient']:,.0f} "
             f"({cohort['per_run_bytes'] / 1e3:,.0f} kB)", ""),
        ]
    reference = report["reference"]
    rows.append(("small_liver_assay: exact / reference engine (ms, best)",
                 f"{reference['exact_ms']:.1f} / {reference['reference_ms']:.1f}",
                 f"reference {reference['reference_over_exact']:.1f} x exact"))
    for detail, rss in report["worker_rss"].items():
        rows.append((f"worker peak RSS, chunk of {rss['patients']} at {detail} (MiB; before the chunk)",
                     f"{rss['peak_mib']:.0f} ({rss['before_chunk_mib']:.0f})", ""))
    rows += [(f"engine's own time in {name}" if name == "metacascade" else f"  own time in {name}",
              f"{100 * share:.1f}%", "") for name, share in report["own_time_share"].items()]
    return rows


@single_threaded()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=None, help="patients per measurement (default 200; quick: 3)")
    parser.add_argument("--quick", action="store_true", help="few patients and repeats: a smoke test")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=RESULTS_PATH, help=f"where to write (default {RESULTS_PATH})")
    args = parser.parse_args()
    num_patients = args.patients or (3 if args.quick else 200)

    start = time.perf_counter()
    report = {
        "scenario": SCENARIO,
        "patients": num_patients,
        "seed": args.seed,
        "quick": args.quick,
        "version": metacascade.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.platform(),
        **measure(num_patients, args.seed, args.quick),
    }
    report["bench_s"] = time.perf_counter() - start
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"patient benchmark: {SCENARIO}, {num_patients} patients, seed {args.seed}, one core",
                  title_justify="left")
    for column in ("quantity", "value", "ratio"):
        table.add_column(column, justify="left" if column == "quantity" else "right")
    for row in table_rows(report):
        table.add_row(*row)
    console = Console(width=None if sys.stdout.isatty() else 132)  # a log gets whole rows
    console.print(table)
    console.print(f"{report['bench_s']:.0f} s; written to {args.json}")


if __name__ == "__main__":
    main()

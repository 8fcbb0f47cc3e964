"""The command line: one subcommand per verb, a thin layer over the public API.

    metacascade run SCENARIO [--seed S] [--out DIR] [--engine exact|reference] [--overwrite]
    metacascade run SCENARIO --patients N [--seed S] [--out DIR] [--chunk-size K] [--workers W]
                    [--backend local|dask] [--scheduler ADDRESS] [--detail summary|full]
    metacascade query DIR SQL
    metacascade scenarios
    metacascade resolve SCENARIO
    metacascade validate [--quick] [--out DIR] [--strict] [--seed S]
    metacascade calibrate SCENARIO [--targets ID,...] [--spec FILE] [--out DIR] [--seed S] [--workers W]
                          [--backend local|dask] [--scheduler ADDRESS]

With ``--patients`` a cohort runs into DIR in Parquet chunks with a DuckDB catalogue, showing a
progress bar, at the output level ``--detail`` (``results.detail``; default: summary); interrupted
(Ctrl-C, exit 130), the same command resumes it. ``--overwrite`` replaces only a run directory that
metacascade wrote (``results.rundir``); a directory that is anything else, that another run is
writing, or whose ``provenance.json`` is damaged exits with code 1 and says why, as does ``query``
on a damaged one.

A scenario that does not validate exits with code 2, prints the field path, the bad value and
what is allowed to stderr, and writes nothing; so does one whose rates make more colonies than the
engine can follow one by one (``engine.pool.TooManyColonies``), tumours shed more cells than it
draws (``engine.spread.TooManyCells``), or whose work is beyond the machine
(``engine.estimate.TooMuchWork``; ``--force`` runs it anyway).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

#: Exit codes.
OK, FAILED, BAD_SCENARIO, INTERRUPTED = 0, 1, 2, 130
DEFAULT_RUNS_DIR = Path("runs")


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .results.detail import DEFAULT_DETAIL, DETAILS
    from .simulate import DEFAULT_CHUNK_SIZE, ENGINES

    parser = argparse.ArgumentParser(
        prog="metacascade", description="Simulate the metastatic cascade: assays of injected cells and cohorts of patients."
    )
    parser.add_argument("--version", action="version", version=f"metacascade {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="simulate a scenario and write its results")
    run.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    run.add_argument("--seed", type=_seed, default=None, help="random seed (default: drawn and recorded)")
    run.add_argument("--out", type=Path, default=None, help="results directory (default: runs/NAME-seedS)")
    run.add_argument("--engine", choices=list(ENGINES), default="exact", help="engine (default: exact)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing results directory")
    run.add_argument("--force", action="store_true",
                     help="run even what the work estimate refuses (hours of CPU, the reference engine on a patient)")
    run.add_argument("--patients", type=_positive, default=None, metavar="N",
                     help="run a cohort of N virtual patients into DIR (Parquet chunks + DuckDB catalogue)")
    run.add_argument("--chunk-size", type=_positive, default=None, metavar="K",
                     help=f"patients per Parquet chunk of a cohort (default: {DEFAULT_CHUNK_SIZE})")
    run.add_argument("--detail", choices=DETAILS, default=None,
                     help=f"what a cohort keeps: clinical tables, lesions, dormant cells and the fate ledger summed "
                          f"per chunk (summary), or every table of every patient (full) (default: {DEFAULT_DETAIL})")
    run.add_argument("--workers", type=_positive, default=1, metavar="W",
                     help="worker processes for a cohort (default: 1)")
    _backend_arguments(run)

    query = commands.add_parser("query", help="run SQL over a cohort directory's tables (DuckDB)")
    query.add_argument("directory", metavar="DIR", type=Path, help="a cohort run directory")
    query.add_argument("sql", metavar="SQL", help="e.g. \"select organ, count(*) from lesions group by organ\"")

    commands.add_parser("scenarios", help="list the catalogue of published scenarios")

    resolve = commands.add_parser("resolve", help="print the fully resolved scenario as YAML")
    resolve.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")

    validate = commands.add_parser("validate", help="compare the simulator with the published targets")
    validate.add_argument("--quick", action="store_true", help="few replicates and small cohorts (CI)")
    validate.add_argument("--out", type=Path, default=DEFAULT_RUNS_DIR / "validation",
                          help="where report.md and verdicts.json go (default: runs/validation)")
    validate.add_argument("--strict", action="store_true", help="exit 1 if any target mismatches")
    validate.add_argument("--seed", type=_seed, default=2026, help="random seed (default: 2026)")

    calibrate = commands.add_parser("calibrate", help="fit a scenario to published targets; write the calibrated set")
    calibrate.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    calibrate.add_argument("--targets", default=None, metavar="ID,...",
                           help="target ids to fit (default: the spec's)")
    calibrate.add_argument("--spec", type=Path, default=None, metavar="FILE",
                           help="calibration spec YAML (default: the catalogue's for SCENARIO)")
    calibrate.add_argument("--out", type=Path, default=None, help="output folder (default: runs/calibration/NAME)")
    calibrate.add_argument("--seed", type=_seed, default=2026, help="random seed (default: 2026)")
    calibrate.add_argument("--workers", type=_positive, default=1, metavar="W", help="worker processes")
    _backend_arguments(calibrate)
    calibrate.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    return parser


def _backend_arguments(command: argparse.ArgumentParser) -> None:
    """--backend and --scheduler: where the worker processes run (``simulate``'s arguments)."""
    from .parallel import BACKENDS

    command.add_argument("--backend", choices=BACKENDS, default="local",
                         help="local processes, or a Dask cluster (default: local)")
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="with --backend dask: the scheduler's address, e.g. tcp://host:8786 (default: a "
                              "local cluster of W workers)")


def _backend_error(args: argparse.Namespace) -> bool:
    """Print what is wrong with --scheduler, if anything."""
    if args.scheduler is not None and args.backend != "dask":
        _error("--scheduler goes with --backend dask")
        return True
    return False


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {text!r})")
    return value


def _positive(text: str) -> int:
    value = _seed(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {text!r})")
    return value


def _error(message: str) -> None:
    print(f"metacascade: error: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console

    from .catalog import load_scenario
    from .results.io import check_run_target
    from .simulate import simulate

    scenario = load_scenario(args.scenario)
    if args.patients is not None:
        return _run_cohort(args, scenario)
    if (args.chunk_size is not None or args.workers != 1 or args.backend != "local" or args.scheduler is not None
            or args.detail is not None):
        _error("--chunk-size, --workers, --backend, --scheduler and --detail go with --patients")
        return FAILED
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy)
    out = args.out if args.out is not None else DEFAULT_RUNS_DIR / f"{scenario.name}-seed{seed}"
    try:
        check_run_target(out, args.overwrite, how="--overwrite")  # fail before simulating, not after
    except FileExistsError as exc:
        _error(str(exc))
        return FAILED
    results = simulate(scenario, random_seed=seed, engine=args.engine, force=args.force)
    written = results.write(out, overwrite=args.overwrite)
    console = Console()
    results.print_summary(console=console)
    console.print(f"results written to [bold]{written}[/bold]")
    return OK


def _run_cohort(args: argparse.Namespace, scenario: Any) -> int:
    """A cohort into a run directory (resumed if it holds the same, unfinished cohort)."""
    import numpy as np
    from rich.console import Console

    from .results.detail import DEFAULT_DETAIL
    from .results.rundir import ProvenanceError
    from .simulate import DEFAULT_CHUNK_SIZE, simulate

    if _backend_error(args):
        return FAILED
    seed, out, again = args.seed, args.out, "the same command"
    if out is None:  # the directory names the seed: draw it now
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
            again = f"the same command with --seed {seed}"
        out = DEFAULT_RUNS_DIR / f"{scenario.name}-seed{seed}-{args.patients}patients"
    # with --out and no --seed, simulate draws a seed, or takes the one recorded there to resume
    try:
        cohort = simulate(
            scenario, num_patients=args.patients, random_seed=seed, engine=args.engine,
            chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE, detail=args.detail or DEFAULT_DETAIL, out=out,
            overwrite=args.overwrite,
            progress=True, num_workers=args.workers, backend=args.backend, scheduler=args.scheduler,
            force=args.force,
        )
    except (FileExistsError, ProvenanceError) as exc:
        _error(str(exc).replace("overwrite=True", "--overwrite"))
        return FAILED
    except KeyboardInterrupt:
        _error(f"interrupted; the chunks written so far are kept in {out}: run {again} to resume")
        return INTERRUPTED
    console = Console()
    if cohort.num_patients > 1:
        cohort.print_summary(console=console)
    elif cohort.detail == "full":
        cohort.patient(0).print_summary(console=console)
    else:  # a summary cohort keeps no per-patient states: the patient again, at full detail
        simulate(scenario, random_seed=cohort.random_seed, engine=cohort.engine, patient=0).print_summary(console=console)
    console.print(f"cohort of {cohort.num_patients} patients written to [bold]{out}[/bold]", soft_wrap=True)
    console.print(f"DuckDB catalogue: [bold]{cohort.catalogue}[/bold] (views {', '.join(cohort.table_names)}; table "
                  "provenance); for example", soft_wrap=True)
    example = "select organ, count(*) as lesions from lesions group by organ"
    console.print(f'  metacascade query {out} "{example}"', soft_wrap=True, markup=False, highlight=False)
    console.print(f'  duckdb {cohort.catalogue} "{example}"', soft_wrap=True, markup=False, highlight=False)
    return OK


def _query(args: argparse.Namespace) -> int:
    import duckdb
    from rich.console import Console
    from rich.table import Table

    from .results.cohort import load_cohort
    from .results.rundir import ProvenanceError

    try:
        cohort = load_cohort(args.directory)
        frame = cohort.query(args.sql)
    except (FileNotFoundError, ProvenanceError) as exc:
        _error(str(exc))
        return FAILED
    except duckdb.Error as exc:
        _error(f"SQL: {exc}")
        return FAILED
    table = Table()
    for column in frame.columns:
        table.add_column(str(column), justify="right" if frame[column].dtype.kind in "iuf" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{value:.6g}" if isinstance(value, float) else str(value) for value in row))
    Console().print(table)
    return OK


def _scenarios(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from .catalog import load_scenario, scenario_names

    table = Table(title="metacascade catalogue", title_justify="left", show_lines=True)
    table.add_column("name", no_wrap=True)
    table.add_column("citation", overflow="fold", ratio=1)
    table.add_column("reproduces (targets.yaml ids)", no_wrap=True)
    for name in scenario_names():
        scenario = load_scenario(name)
        table.add_row(name, scenario.citation, "\n".join(scenario.reproduces))
    Console().print(table)
    return OK


def _resolve(args: argparse.Namespace) -> int:
    import yaml

    from .catalog import load_scenario

    scenario = load_scenario(args.scenario)
    sys.stdout.write(yaml.safe_dump(scenario.resolved(), sort_keys=False, allow_unicode=True))
    return OK


def _validate(args: argparse.Namespace) -> int:
    """Every published target's verdict: a table, report.md and verdicts.json; a mismatch fails
    the command only with --strict."""
    import time

    from rich.console import Console

    from .validation.checks import run_checks
    from .validation.organ_pattern import organ_pattern, print_organ_pattern, write_organ_pattern
    from .validation.report import TABLE_WIDTH, counts, print_table, write_report

    start = time.perf_counter()
    outcomes = run_checks(args.quick, args.seed)
    run = {"quick": args.quick, "seed": args.seed, "seconds": round(time.perf_counter() - start, 1)}
    console = Console(width=max(Console().width, TABLE_WIDTH))
    print_table(outcomes, console=console, title=f"metacascade validate ({'quick' if args.quick else 'full'})")
    report, verdicts = write_report(outcomes, args.out, run=run)
    table, soil = organ_pattern(args.quick, args.seed)
    print_organ_pattern(table, soil, console=console)
    pattern = write_organ_pattern(table, soil, args.out)
    console.print(f"{report}, {verdicts.name} and {pattern.name} written in "
                  f"{round(time.perf_counter() - start, 1)} s", soft_wrap=True, highlight=False)
    return FAILED if args.strict and counts(outcomes)["mismatch"] else OK


def _calibrate(args: argparse.Namespace) -> int:
    """Fit SCENARIO to its targets (ABC-SMC or the organ-soil fixed point) and write the calibrated
    scenario with its provenance."""
    import shlex

    from rich.console import Console

    from .calibration.run import calibrate, write
    from .calibration.spec import load_spec, parse_spec
    from .catalog import load_scenario
    from .results.io import check_target

    if _backend_error(args):
        return FAILED
    name = load_scenario(args.scenario).name
    spec = load_spec(name, args.spec)
    if args.targets is not None:
        spec = parse_spec({**spec.model_dump(), "targets": [t for t in args.targets.split(",") if t]},
                          source="calibration spec with --targets")
    out = args.out if args.out is not None else DEFAULT_RUNS_DIR / "calibration" / name
    try:
        check_target(out, args.overwrite, how="--overwrite")  # fail before fitting, not after
    except FileExistsError as exc:
        _error(str(exc))
        return FAILED
    console = Console()
    command = shlex.join(["metacascade", "calibrate", args.scenario, "--seed", str(args.seed),
                          *(["--targets", args.targets] if args.targets else []),
                          *(["--spec", str(args.spec)] if args.spec else [])])
    with console.status(f"calibrating {name} ({spec.method})") as status:
        def progress(step: int, value: float) -> None:
            label = "epsilon" if spec.method == "abc-smc" else "explained share"
            status.update(f"calibrating {name} ({spec.method}): step {step}, {label} {value:.3g}")
            console.print(f"step {step}: {label} {value:.3g}", highlight=False)

        run = calibrate(args.scenario, spec, random_seed=args.seed, workers=args.workers, backend=args.backend,
                        scheduler=args.scheduler, command=command, progress=progress)
    written = write(run, args.scenario, out, overwrite=args.overwrite)
    console.print(run.fit.to_string(float_format=lambda v: f"{v:.4g}"), highlight=False)
    console.print(f"calibrated set written to [bold]{written}[/bold] (scenario.yaml, calibration.yaml, fit.csv, "
                  "diagnostics.csv)")
    return OK


COMMANDS = {
    "run": _run, "query": _query, "scenarios": _scenarios, "resolve": _resolve, "validate": _validate,
    "calibrate": _calibrate,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``metacascade`` console script; returns the exit code."""
    from .engine.estimate import TooMuchWork
    from .engine.pool import TooManyColonies
    from .engine.spread import TooManyCells
    from .model import ScenarioError

    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, TooManyColonies, TooManyCells, TooMuchWork) as exc:
        _error(str(exc))
        return BAD_SCENARIO


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

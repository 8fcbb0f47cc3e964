"""The command line: one subcommand per verb, a thin layer over the public API.

    metacascade run SCENARIO [--seed S] [--out DIR] [--engine exact|reference] [--overwrite]
    metacascade run SCENARIO --patients N [--seed S] [--out DIR] [--chunk-size K] [--workers W]
                    [--backend local|dask] [--scheduler ADDRESS] [--detail summary|full]
    metacascade query DIR SQL [--format table|csv|json|markdown]
    metacascade scenarios [--long] [--format table|csv|json|markdown]
    metacascade resolve SCENARIO [--only PATH] [--organ ORGAN] [--diff]
    metacascade validate [--quick] [--out DIR] [--strict] [--seed S] [--format table|csv|json|markdown]
    metacascade calibrate SCENARIO [--targets ID,...] [--spec FILE] [--out DIR] [--seed S] [--workers W]
                          [--backend local|dask] [--scheduler ADDRESS]
    metacascade calibrate-joint [--spec FILE] [--start FILE] [--out DIR] [--seed S] [--workers W]
    metacascade schema [--out FILE]
    metacascade derive SCENARIO --set PATH=VALUE [--set ...] --out FILE [--name NAME] [--overwrite]
    metacascade report RUN_DIR [--out FILE.html]
    metacascade plot RUN_DIR KIND [--out FILE.png|FILE.svg]
    metacascade serve [--port P] [--host HOST]

``run``, ``resolve`` and ``derive`` refuse a file edited at a path its calibration block records (the
record no longer describes it); ``--drop-stale-calibration`` loads it without the record, with a warning.

With ``--patients`` a cohort runs into DIR in Parquet chunks with a DuckDB catalogue, showing a
progress bar, at the output level ``--detail`` (``results.detail``; default: summary); interrupted
(Ctrl-C, exit 130), the same command resumes it. ``--overwrite`` replaces only a run directory that
metacascade wrote (``results.rundir``); a directory that is anything else, that another run is
writing, or whose ``provenance.json`` is damaged exits with code 1 and says why, as does ``query``
on a damaged one.

Rows print as a table on a terminal and as CSV into a pipe or a file, or in the ``--format`` asked
(``results.formatting``); no format cuts a number short. A run without ``--seed`` draws one in
[1, 2^32) and records it. ``--help`` ends with examples, and imports neither pandas, pyarrow nor scipy.

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
#: Exit code of a command line that asks for what does not exist (argparse's own).
USAGE = 2
DEFAULT_RUNS_DIR = Path("runs")
#: The first line of every ``--help`` epilog.
EXAMPLES = "examples:"


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .engine.patient import ENGINES
    from .results.formatting import FORMATS
    from .results.rundir import DEFAULT_CHUNK_SIZE, DEFAULT_DETAIL, DETAILS

    parser = argparse.ArgumentParser(
        prog="metacascade",
        description="Simulate the metastatic cascade: assays of injected cells and cohorts of patients.",
        epilog=_examples((
            ("metacascade scenarios", "the published scenarios"),
            ("metacascade run luzzi1998_liver --seed 1", "one assay, its summary beside the published values"),
            ("metacascade run breast_patient --patients 100 --seed 1", "a cohort of 100 virtual patients"),
            ('metacascade query runs/breast_patient-seed1-100patients "select * from provenance"', "SQL over a run"),
            ("metacascade resolve breast_patient --organ liver --diff", "the rates in force that differ from defaults"),
            ("metacascade validate --quick", "the simulator against the published targets"),
        )),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"metacascade {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(commands, "run", "simulate a scenario and write its results", (
        ("metacascade run luzzi1998_liver --seed 1", "one assay, written to runs/luzzi1998_liver-seed1"),
        ("metacascade run breast_patient --patients 1000 --workers 4", "a cohort, in chunks, resumable"),
        ("metacascade run my_scenario.yaml --out runs/mine --overwrite", "a scenario file of your own"),
    ))
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
    _stale_calibration_argument(run)

    trial = _command(commands, "trial", "run arms of a virtual trial on the same patients; compare their survival", (
        ("metacascade trial breast_adjuvant --patients 1000 --seed 1",
         "the catalogue's adjuvant breast trial: its arms on the same 1,000 patients"),
        ("metacascade trial breast_patient --arm control=breast_patient --arm shed_less=shed_less.yaml "
         "--patients 200 --seed 1", "two arms on the same 200 patients, written to runs/trial-breast_patient-seed1-200patients"),
        ("metacascade trial breast_patient --arm control=breast_patient --arm b=b.yaml --patients 200 --seed 1 "
         "--endpoint relapse_in_bone --horizon-years 8 --format csv", "bone relapse, RMST to 8 years, as CSV"),
    ), description="Run each arm (a scenario: a catalogue name or a YAML file; or the arms a trial design "
                   "names) on the same virtual patients (one seed: patient i has the same random streams in every "
                   "arm) and print, per endpoint and arm against the first arm: patients, events, median, Cox "
                   "hazard ratio with its 95% interval, log-rank p and the restricted mean survival time (times "
                   "in years; written to table.parquet in days). Resumable: the same command again finishes an "
                   "interrupted trial.")
    trial.add_argument("scenario", metavar="SCENARIO",
                       help="the trial's scenario (a catalogue name or a YAML file), or a trial design with its "
                            "arms (catalogue: breast_adjuvant)")
    trial.add_argument("--arm", dest="arms", action="append", type=_arm, default=None, metavar="NAME=SCENARIO",
                       help="an arm: its name and its scenario (a catalogue name or a YAML file; repeat for more; "
                            "the first is the reference); none for a trial design, which names its arms")
    trial.add_argument("--patients", type=_positive, required=True, metavar="N", help="virtual patients in each arm")
    trial.add_argument("--seed", type=_seed, default=None, help="random seed (default: drawn and recorded)")
    trial.add_argument("--out", type=Path, default=None,
                       help="trial directory (default: runs/trial-NAME-seedS-Npatients)")
    trial.add_argument("--endpoint", dest="endpoints", action="append", default=None, metavar="ENDPOINT",
                       help="an endpoint to compare (repeat for more; default: the design's, else overall and "
                            "metastasis_free): "
                            "overall, metastasis_free, time_to_metastasis, late_relapse, relapse_in_ORGAN")
    trial.add_argument("--horizon-years", type=_positive_float, default=None, metavar="Y",
                       help="horizon of the restricted mean survival time (default: the design's, else 5)")
    trial.add_argument("--workers", type=_positive, default=1, metavar="W", help="worker processes (default: 1)")
    _backend_arguments(trial)
    _format_argument(trial, FORMATS)
    _stale_calibration_argument(trial)

    query = _command(commands, "query", "run SQL over the tables and provenance of a run directory (DuckDB)", (
        ('metacascade query runs/luzzi1998_liver-seed1 "select * from provenance"', "one run"),
        ('metacascade query runs/breast_patient-seed1-100patients "select organ, count(*) as lesions from lesions '
         'group by organ" --format csv > lesions.csv', "a cohort, into a file"),
    ))
    query.add_argument("directory", metavar="DIR", type=Path, help="a run directory: one run or a cohort")
    query.add_argument("sql", metavar="SQL", help="e.g. \"select organ, count(*) from lesions group by organ\"")
    _format_argument(query, FORMATS)

    scenarios = _command(commands, "scenarios", "list the catalogue of published scenarios", (
        ("metacascade scenarios", "one line each: kind, site, calibrated, description, targets reproduced"),
        ("metacascade scenarios --long --format markdown", "with inputs, citations and whole descriptions"),
    ))
    scenarios.add_argument("--long", action="store_true", help="the whole description, the inputs and the citation")
    _format_argument(scenarios, FORMATS)

    resolve = _command(commands, "resolve", "print a scenario as YAML with the values in force", (
        ("metacascade resolve luzzi1998_liver --diff", "what the scenario sets, against the defaults"),
        ("metacascade resolve breast_patient --only clones.A.fates", "one section, by dotted path"),
        ("metacascade resolve breast_patient --organ liver", "the liver's anatomy and each clone's rates there"),
    ))
    resolve.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    resolve.add_argument("--only", default=None, metavar="PATH",
                         help="only the section at a dotted path, e.g. clones.A")
    resolve.add_argument("--organ", default=None, metavar="ORGAN",
                         help="only this organ's rows: its anatomy and each clone's rates in force there")
    resolve.add_argument("--diff", action="store_true",
                         help="only what differs from the defaults: the models' own, the catalogue anatomy, and in "
                              "each organ the clone's rates everywhere else")
    _stale_calibration_argument(resolve)

    derive = _command(
        commands, "derive", "write a new scenario file: SCENARIO with values changed, and no calibration record", (
            ("metacascade derive colon_patient --set clones.A.organ_fates.liver.division_rate=5e-6 --out my_colon.yaml",
             "a catalogue scenario with one rate changed"),
        ),
        description="Write SCENARIO with the values --set at their dotted paths, as a YAML file that loads with them. "
                    "Its calibrated values stay as plain values; it carries no calibration record, whose fit "
                    "described SCENARIO.",
    )
    derive.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    derive.add_argument("--set", dest="assignments", action="append", type=_assignment, required=True,
                        metavar="PATH=VALUE", help="a value at a dotted path, read as YAML (repeat for more)")
    derive.add_argument("--out", type=Path, required=True, metavar="FILE", help="the YAML file to write")
    derive.add_argument("--name", default=None, help="the new scenario's name (default: NAME-derived)")
    derive.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    _stale_calibration_argument(derive)

    validate = _command(commands, "validate", "compare the simulator with the published targets", (
        ("metacascade validate --quick", "few replicates and small cohorts: minutes"),
        ("metacascade validate --strict --format json > verdicts.json", "exit 1 on a mismatch; the verdicts as JSON"),
        ("metacascade validate --only carmel1977_cyclophosphamide_lung --only ebos2009_sunitinib_acceleration",
         "two targets only (no organ-pattern analysis)"),
    ))
    validate.add_argument("--quick", action="store_true", help="few replicates and small cohorts (CI)")
    validate.add_argument("--out", type=Path, default=DEFAULT_RUNS_DIR / "validation",
                          help="where report.md and verdicts.json go (default: runs/validation)")
    validate.add_argument("--strict", action="store_true", help="exit 1 if any target mismatches")
    validate.add_argument("--seed", type=_seed, default=2026, help="random seed (default: 2026)")
    validate.add_argument("--only", dest="only", action="append", default=None, metavar="TARGET_ID",
                          help="judge this target only (repeat for more); the organ-pattern analysis is then left out")
    _format_argument(validate, FORMATS)

    calibrate = _command(commands, "calibrate", "fit a scenario to published targets; write the calibrated set", (
        ("metacascade calibrate fidler1970_lung --seed 3", "the catalogue's fit, again"),
        ("metacascade calibrate luzzi1998_liver --targets luzzi1998_survive_extravasate_d3 --workers 4",
         "one target only, on four processes"),
    ))
    calibrate.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    calibrate.add_argument("--targets", default=None, metavar="ID,...",
                           help="target ids to fit (default: the spec's)")
    calibrate.add_argument("--spec", type=Path, default=None, metavar="FILE",
                           help="calibration spec YAML (default: the catalogue's for SCENARIO)")
    _fit_arguments(calibrate, "runs/calibration/NAME")

    joint = _command(commands, "calibrate-joint", "fit the patient scenarios together: one soil, a seed each", (
        ("metacascade calibrate-joint --workers 2", "the catalogue's joint fit, again (~11 min on 2 cores)"),
    ))
    joint.add_argument("--spec", type=Path, default=None, metavar="FILE",
                       help="joint spec YAML (default: the catalogue's seed_soil entry)")
    joint.add_argument("--start", type=Path, default=None, metavar="FILE",
                       help="seed-soil record to start from (default: the catalogue's)")
    _fit_arguments(joint, "runs/calibration/seed_soil")

    schema = _command(commands, "schema", "print the JSON Schema of a scenario file (for editors)", (
        ("metacascade schema --out scenario.schema.json", "for an editor that checks YAML against a schema"),
    ))
    schema.add_argument("--out", type=Path, default=None, metavar="FILE", help="write it to FILE instead")

    report = _command(commands, "report", "write a run's report: one HTML file that opens offline", (
        ("metacascade report runs/breast_patient", "runs/breast_patient/report.html: figures, tables, provenance"),
        ("metacascade report runs/validation --out validation.html", "the verdicts of metacascade validate"),
    ))
    report.add_argument("directory", metavar="RUN_DIR", type=Path,
                        help="a run directory (one run or a cohort), or the output folder of metacascade validate")
    report.add_argument("--out", type=Path, default=None, metavar="FILE.html",
                        help="the HTML file to write, replaced if it exists (default: RUN_DIR/report.html)")

    serve = _command(commands, "serve", "serve the web page: pick or upload a scenario, run it, see and download it", (
        ("metacascade serve", "the page at http://127.0.0.1:8050, for this machine only"),
        ("metacascade serve --port 8080", "on another port"),
    ))
    serve.add_argument("--port", type=_port, default=8050, help="the port to listen on (default: 8050)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this machine only; any other address lets "
                            "the network run simulations on this machine)")
    _plot_parser(commands)
    return parser


class _HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; the examples epilog as written, one per line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(EXAMPLES):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _examples(examples: Sequence[tuple[str, str]]) -> str:
    """An ``examples:`` epilog: each command, and below it what it does."""
    return EXAMPLES + "\n" + "\n".join(f"  {command}\n      {what}" for command, what in examples)


def _command(commands: Any, name: str, help: str, examples: Sequence[tuple[str, str]],
             **options: Any) -> argparse.ArgumentParser:
    """The subcommand ``name``, its ``--help`` ending with ``examples`` (command, what it does)."""
    return commands.add_parser(name, help=help, epilog=_examples(examples),
                               formatter_class=_HelpFormatter, **options)


def _format_argument(command: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    command.add_argument("--format", choices=formats, default=None,
                         help="table, csv, json or markdown (default: a table on a terminal, csv into a pipe or file)")


def _fit_arguments(command: argparse.ArgumentParser, out: str) -> None:
    """--out (default ``out``), --seed, --workers, --backend, --scheduler and --overwrite of a fit."""
    command.add_argument("--out", type=Path, default=None, help=f"output folder (default: {out})")
    command.add_argument("--seed", type=_seed, default=2026, help="random seed (default: 2026)")
    command.add_argument("--workers", type=_positive, default=1, metavar="W", help="worker processes")
    _backend_arguments(command)
    command.add_argument("--overwrite", action="store_true", help="replace an existing output folder")


def _backend_arguments(command: argparse.ArgumentParser) -> None:
    """--backend and --scheduler: where the worker processes run (``simulate``'s arguments)."""
    from .parallel import BACKENDS

    command.add_argument("--backend", choices=BACKENDS, default="local",
                         help="local processes, or a Dask cluster (default: local)")
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="with --backend dask: the scheduler's address, e.g. tcp://host:8786 (default: a "
                              "local cluster of W workers)")


def _stale_calibration_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--drop-stale-calibration", action="store_true",
                         help="load a file edited at its calibrated paths with its own values, dropping its "
                              "calibration record (with a warning) instead of refusing it")


def _loaded(args: argparse.Namespace) -> Any:
    """The scenario ``args`` name; a stale calibration record dropped with a warning on stderr
    if ``--drop-stale-calibration``."""
    import warnings

    from .catalog import load_scenario
    from .model import StaleCalibrationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StaleCalibrationWarning)
        scenario = load_scenario(args.scenario, stale_calibration="drop" if args.drop_stale_calibration else "error")
    for warning in caught:
        print(f"metacascade: warning: {warning.message}", file=sys.stderr)
    return scenario


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


def _assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value read as a YAML scalar; ``5e-6`` and ``1e6`` as numbers)."""
    import yaml

    path, equals, value = text.partition("=")
    if not equals or not path:
        raise argparse.ArgumentTypeError(f"expected PATH=VALUE, e.g. clones.A.fates.division_rate=0.01 (got {text!r})")
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {value!r} is not a YAML value ({exc})") from None
    if isinstance(parsed, str):
        try:  # YAML 1.1 reads 5e-6 (no dot) as a string
            parsed = float(parsed)
        except ValueError:
            pass
    return path, parsed


def _positive(text: str) -> int:
    value = _seed(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {text!r})")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number (got {text!r})")
    return value


def _arm(text: str) -> tuple[str, str]:
    """``NAME=SCENARIO`` -> (name, scenario: a catalogue name or a YAML file)."""
    name, equals, scenario = text.partition("=")
    if not equals or not name or not scenario:
        raise argparse.ArgumentTypeError(f"expected NAME=SCENARIO, e.g. control=breast_patient (got {text!r})")
    return name, scenario


def _port(text: str) -> int:
    value = _seed(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535 (got {text!r})")
    return value


def _error(message: str) -> None:
    print(f"metacascade: error: {message}", file=sys.stderr)


def _extra_missing(exc: ModuleNotFoundError, package: str, message: str) -> bool:
    """Whether ``exc`` is the optional ``package`` missing (an extra not installed); if so, ``message`` printed."""
    if (exc.name or "").partition(".")[0] != package:
        return False
    _error(message)
    return True


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .results.io import check_run_target
    from .simulate import simulate

    scenario = _loaded(args)
    if args.patients is not None:
        return _run_cohort(args, scenario)
    if (args.chunk_size is not None or args.workers != 1 or args.backend != "local" or args.scheduler is not None
            or args.detail is not None):
        _error("--chunk-size, --workers, --backend, --scheduler and --detail go with --patients")
        return FAILED
    seed, out, _ = _run_directory(args, f"{scenario.name}-seed{{seed}}")  # with --out and no --seed, simulate draws it
    try:
        check_run_target(out, args.overwrite, how="--overwrite")  # fail before simulating, not after
    except FileExistsError as exc:
        _error(str(exc))
        return FAILED
    results = simulate(scenario, random_seed=seed, engine=args.engine, force=args.force)
    written = results.write(out, overwrite=args.overwrite)
    console = Console()
    results.print_summary(console=console)
    _print_published(scenario, results, console)
    console.print(f"results written to [bold]{written}[/bold]")
    return OK


def _print_published(scenario: Any, results: Any, console: Any) -> None:
    """The published values of the targets the scenario reproduces, beside this run's, for those
    that one run gives; the others named, with the command that checks them."""
    from .catalog.entries import entry
    from .results.summary import print_published
    from .analysis.assays import beside_published

    reproduces = entry(scenario).reproduces
    comparison = beside_published(results, reproduces)
    if not comparison.empty:
        print_published(comparison, console=console, title=f"{scenario.name}: published values beside this run's")
    others = [target for target in reproduces if target not in set(comparison["target"])]
    if others:
        console.print(f"reproduces too, not read from one run: {', '.join(others)} (metacascade validate checks "
                      "them)", soft_wrap=True, highlight=False)


def _run_cohort(args: argparse.Namespace, scenario: Any) -> int:
    """A cohort into a run directory (resumed if it holds the same, unfinished cohort)."""
    from rich.console import Console

    from .results.rundir import DEFAULT_CHUNK_SIZE, DEFAULT_DETAIL, ProvenanceError
    from .simulate import simulate

    if _backend_error(args):
        return FAILED
    seed, out, again = _run_directory(args, f"{scenario.name}-seed{{seed}}-{args.patients}patients")
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


def _run_directory(args: argparse.Namespace, name: str) -> tuple[Optional[int], Path, str]:
    """The seed, the directory (``--out``, else ``runs/`` + ``name`` with ``{seed}`` filled: a seed is
    drawn now to name it) and the command that resumes the run."""
    from .engine.patient import draw_seed

    seed, out, again = args.seed, args.out, "the same command"
    if out is None:
        if seed is None:
            seed = draw_seed()
            again = f"the same command with --seed {seed}"
        out = DEFAULT_RUNS_DIR / name.format(seed=seed)
    return seed, out, again


def _trial(args: argparse.Namespace) -> int:
    """A trial into its directory (resumed if it holds the same, unfinished trial); its table printed
    and written (``table.parquet``, times in days)."""
    from .analysis.autopsy import DAYS_PER_YEAR
    from .catalog.trials import trial_design
    from .results.formatting import default_format, write_frame
    from .errors import ScenarioError, TooMuchWork
    from .trial import trial, write_table

    if _backend_error(args):
        return FAILED
    if args.arms:
        arms = dict(args.arms)
        if len(arms) < len(args.arms):
            _error("--arm: each arm needs its own name")
            return FAILED
        subject = _loaded(args)
    elif (design := trial_design(args.scenario)) is not None:
        subject, arms = design, None
    else:
        _error(f"--arm: {args.scenario} is a scenario, not a trial design; give its arms (--arm NAME=SCENARIO)")
        return FAILED
    seed, out, again = _run_directory(args, f"trial-{subject.name}-seed{{seed}}-{args.patients}patients")
    try:
        result = trial(subject, arms, num_patients=args.patients, random_seed=seed, out=out,
                       num_workers=args.workers, backend=args.backend, scheduler=args.scheduler, progress=True)
        horizon = None if args.horizon_years is None else args.horizon_years * DAYS_PER_YEAR
        table = result.table(tuple(args.endpoints) if args.endpoints else None, horizon=horizon)
        write_table(result, table)
    except (ScenarioError, TooMuchWork):
        raise  # exit status 2 (main)
    except (OSError, ModuleNotFoundError, ValueError) as exc:  # ValueError: an endpoint, an arm name, provenance
        _error(str(exc))
        return FAILED
    except KeyboardInterrupt:
        _error(f"interrupted; the patients written so far are kept in {out}: run {again} to resume")
        return INTERRUPTED
    in_days = ["median", "rmst", "rmst_difference"]
    table[in_days] = table[in_days] / DAYS_PER_YEAR
    table = table.rename(columns={column: f"{column}_years" for column in in_days})
    write_frame(table, args.format or default_format(),
                title=f"trial of {subject.name}: {args.patients} patients per arm, seed {result.random_seed}, "
                      f"written to {out}")
    return OK


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from .results.formatting import default_format, write_frame
    from .results.query import query_run
    from .results.rundir import ProvenanceError

    try:
        frame = query_run(args.directory, args.sql)
    except (FileNotFoundError, ProvenanceError) as exc:
        _error(str(exc))
        return FAILED
    except duckdb.Error as exc:
        _error(f"SQL: {exc}")
        return FAILED
    write_frame(frame, args.format or default_format())
    return OK


def _scenarios(args: argparse.Namespace) -> int:
    import pandas as pd

    from .catalog.entries import catalogue_entries
    from .results.formatting import default_format, write_frame

    entries = catalogue_entries()
    frame = pd.DataFrame({
        "name": [e.name for e in entries],
        "kind": [e.kind for e in entries],
        "site": [e.site for e in entries],
        "calibrated": ["yes" if e.calibrated else "no" for e in entries],
        "reproduces": [e.reproduces for e in entries],
        **({"inputs": [e.inputs for e in entries], "citation": [e.citation for e in entries]} if args.long else {}),
        "description": [e.description if args.long else e.summary for e in entries],
    })
    text = ("reproduces", "description", *(("inputs", "citation") if args.long else ()))
    write_frame(frame, args.format or default_format(), title="metacascade catalogue",
                **{"wrap" if args.long else "prose": text})
    return OK


def _resolve(args: argparse.Namespace) -> int:
    """The scenario with the values in force, narrowed by --diff, --organ and --only."""
    import yaml

    from .catalog.in_force import differences, in_force, organ_rows, section

    scenario = _loaded(args)
    try:
        data = in_force(scenario, organs=(args.organ,) if args.organ else ())
        if args.diff:
            data = differences(scenario, data)
        if args.organ:
            data = organ_rows(data, args.organ)
        if args.only:
            data = section(data, args.only)
    except ValueError as exc:
        _error(f"--{exc}")
        return FAILED
    sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if data else "{}\n")
    return OK


def _derive(args: argparse.Namespace) -> int:
    """Write SCENARIO with the --set values (and a name of its own) to --out, with no calibration record."""
    import json
    import shlex

    from . import __version__
    from .catalog.writing import write_scenario

    source = _loaded(args)
    values = {"name": args.name or f"{source.name}-derived", **dict(args.assignments)}
    derived = source.with_values(values)
    command = shlex.join(["metacascade", "derive", args.scenario, "--name", derived.name,
                          *(f"--set={path}={json.dumps(value)}" for path, value in args.assignments)])
    header = f"Derived from {source.name} by metacascade {__version__}: {command}"
    if source.calibration is not None:
        header += (f"\nThe calibrated values of {source.name} are plain values here: its calibration record "
                   "described a fit of that scenario, not of this one.")
    try:
        written = write_scenario(derived, args.out, overwrite=args.overwrite, header=header, how="--overwrite")
    except FileExistsError as exc:
        _error(str(exc))
        return FAILED
    print(f"{derived.name} written to {written}")
    return OK


def _validate(args: argparse.Namespace) -> int:
    """Every published target's verdict: a table, report.md and verdicts.json; a mismatch fails
    the command only with --strict."""
    import time

    from rich.console import Console

    from .analysis.targets import load_targets
    from .results.formatting import default_format, write_frame
    from .validation.checks import run_checks
    from .validation.organ_pattern import organ_pattern, print_organ_pattern, write_organ_pattern
    from .validation.report import TABLE_WIDTH, counts, print_table, verdict_frame, write_report

    if args.only and (unknown := [target for target in args.only if target not in load_targets()]):
        _error(f"--only: unknown target id {unknown[0]!r}; the targets: {', '.join(load_targets())}")
        return FAILED
    start = time.perf_counter()
    outcomes = run_checks(args.quick, args.seed, args.only)
    run = {"quick": args.quick, "seed": args.seed, "seconds": round(time.perf_counter() - start, 1),
           **({"only": args.only} if args.only else {})}
    format = args.format or default_format()
    if format == "table":
        console = Console(width=max(Console().width, TABLE_WIDTH))
        print_table(outcomes, console=console, title=f"metacascade validate ({'quick' if args.quick else 'full'})")
    else:  # the verdicts alone on stdout; the rest, for a person, on stderr
        write_frame(verdict_frame(outcomes), format)
        console = Console(stderr=True)
    written = list(write_report(outcomes, args.out, run=run))
    if not args.only:
        table, soil = organ_pattern(args.quick, args.seed)
        print_organ_pattern(table, soil, console=console)
        written.append(write_organ_pattern(table, soil, args.out))
    names = [str(written[0]), *(path.name for path in written[1:])]
    console.print(f"{', '.join(names[:-1])} and {names[-1]} written in {round(time.perf_counter() - start, 1)} s",
                  soft_wrap=True, highlight=False)
    return FAILED if args.strict and counts(outcomes)["mismatch"] else OK


def _fit_out(args: argparse.Namespace, name: str) -> Optional[Path]:
    """A fit's output folder (``--out``, else runs/calibration/``name``), checked before fitting, not
    after; None, with the error said, if it may not be written."""
    from .results.io import check_target

    out = args.out if args.out is not None else DEFAULT_RUNS_DIR / "calibration" / name
    try:
        check_target(out, args.overwrite, how="--overwrite")
    except FileExistsError as exc:
        _error(str(exc))
        return None
    return out


def _calibrate(args: argparse.Namespace) -> int:
    """Fit SCENARIO to its targets (ABC-SMC or the organ-soil fixed point) and write the calibrated
    scenario with its provenance."""
    import shlex

    from rich.console import Console

    from .calibration.run import calibrate, write
    from .calibration.spec import load_spec, parse_spec
    from .catalog import load_scenario

    if _backend_error(args):
        return FAILED
    name = load_scenario(args.scenario, calibrated=False).name  # a stale record is what a new fit replaces
    spec = load_spec(name, args.spec)
    if args.targets is not None:
        spec = parse_spec({**spec.model_dump(), "targets": [t for t in args.targets.split(",") if t]},
                          source="calibration spec with --targets")
    out = _fit_out(args, name)
    if out is None:
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


def _calibrate_joint(args: argparse.Namespace) -> int:
    """Fit the joint spec's patient scenarios together and write the record, the calibrated
    scenarios and the explained shares."""
    import shlex

    from rich.console import Console

    from .calibration.run import calibrate_joint, write_joint
    from .calibration.spec import joint_spec
    from .catalog.seed_soil import SEED_SOIL_FILE

    if _backend_error(args):
        return FAILED
    spec = joint_spec(args.spec)
    out = _fit_out(args, "seed_soil")
    if out is None:
        return FAILED
    console = Console()
    command = shlex.join(["metacascade", "calibrate-joint", "--seed", str(args.seed),  # the record holds the start
                          *(["--spec", str(args.spec)] if args.spec else []), "--start", "START.yaml"])
    with console.status("calibrating the patient scenarios together (seed-soil)") as status:
        def progress(message: str) -> None:
            status.update(f"seed-soil: {message}")
            console.print(message, highlight=False)

        run = calibrate_joint(spec, start=args.start or SEED_SOIL_FILE, random_seed=args.seed, workers=args.workers,
                              backend=args.backend, scheduler=args.scheduler, command=command, progress=progress)
    written = write_joint(run, out, overwrite=args.overwrite)
    console.print(run.fit.shares.to_string(float_format=lambda v: f"{v:.3g}"), highlight=False)
    console.print(f"joint fit written to [bold]{written}[/bold] (seed_soil.yaml, scenarios/, fit.csv, diagnostics.csv, "
                  "shares.csv)")
    return OK


def _schema(args: argparse.Namespace) -> int:
    """The scenario file format as JSON Schema, on stdout or in ``--out FILE``."""
    from .catalog.schema import scenario_schema_text

    if args.out is None:
        sys.stdout.write(scenario_schema_text())
    else:
        args.out.write_text(scenario_schema_text(), encoding="utf-8")
        print(f"scenario JSON Schema written to {args.out}")
    return OK


def _report(args: argparse.Namespace) -> int:
    """The run's (or the validation's) self-contained HTML report, written to --out."""
    from .report import write_report

    try:
        written = write_report(args.directory, args.out)
    except (FileNotFoundError, IsADirectoryError, ModuleNotFoundError, ValueError) as exc:  # ProvenanceError too
        _error(str(exc))
        return FAILED
    print(f"report written to {written}")
    return OK


def _serve(args: argparse.Namespace) -> int:
    """The web page (``metacascade.web``, the [web] extra) until Ctrl-C."""
    try:
        from .web.server import serve
    except ModuleNotFoundError as exc:
        if not _extra_missing(exc, "dash", "metacascade serve needs Dash: pip install 'metacascade[web]'"):
            raise
        return FAILED
    print(f"metacascade: serving on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        serve(args.host, args.port)
    except KeyboardInterrupt:
        pass
    return OK


def _plot_parser(commands: Any) -> None:
    from .results.rundir import FIGURE_KINDS

    plot = _command(commands, "plot", "draw one figure of a run into a PNG or SVG file", (
        ("metacascade plot runs/breast_patient cascade", "runs/breast_patient/cascade.png: the fate Sankey"),
        ("metacascade plot runs/breast_patient survival --out survival.svg", "Kaplan-Meier curves, as SVG"),
        ("metacascade plot runs/trial-breast_patient-seed1-200patients survival", "the arms of a trial, together"),
    ))
    plot.add_argument("directory", metavar="RUN_DIR", type=Path,
                      help="a run directory (one run or a cohort), or a trial's directory (its arms' survival)")
    plot.add_argument("kind", metavar="KIND", help=f"the figure, one of {', '.join(FIGURE_KINDS)}")
    plot.add_argument("--out", type=Path, default=None, metavar="FILE",
                      help="the .png or .svg file to write, replaced if it exists (default: RUN_DIR/KIND.png)")


def _plot(args: argparse.Namespace) -> int:
    """One figure of a run (``metacascade.viz``, the [viz] extra) written to --out; an unknown KIND,
    or one that shows nothing for the run, exits with code 2 and names the kinds."""
    from .results.rundir import FIGURE_KINDS

    if args.kind not in FIGURE_KINDS:
        _error(f"unknown figure kind {args.kind!r}; the kinds are {', '.join(FIGURE_KINDS)}")
        return USAGE
    try:
        from .viz import figure, save
    except ModuleNotFoundError as exc:
        if not _extra_missing(exc, "matplotlib", "metacascade plot needs matplotlib: pip install 'metacascade[viz]'"):
            raise
        return FAILED
    from .results.query import load_run
    from .results.rundir import ProvenanceError
    from .trial import TRIAL_FILE, load_trial
    from .viz.clinical import survival

    out = args.out if args.out is not None else args.directory / f"{args.kind}.png"
    trial = (args.directory / TRIAL_FILE).is_file()
    if trial and args.kind != "survival":
        _error(f"{args.kind}: a trial's figure is survival (its arms together); plot an arm's directory "
               f"{args.directory}/ARM for the others")
        return USAGE
    try:
        run = load_trial(args.directory).arms if trial else load_run(args.directory)
    except (FileNotFoundError, ProvenanceError) as exc:
        _error(str(exc))
        return FAILED
    try:
        written = save(survival(run) if trial else figure(run, args.kind), out)
    except ValueError as exc:
        _error(str(exc))
        return USAGE
    print(f"{args.kind} written to {written}")
    return OK


COMMANDS = {
    "run": _run, "query": _query, "scenarios": _scenarios, "resolve": _resolve, "validate": _validate,
    "calibrate": _calibrate, "calibrate-joint": _calibrate_joint, "schema": _schema, "derive": _derive, "report": _report, "plot": _plot,
    "serve": _serve, "trial": _trial,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``metacascade`` console script; returns the exit code."""
    args = _parser().parse_args(argv)  # first: --help imports none of what the commands need below

    from .errors import ScenarioError, TooManyCells, TooManyColonies, TooMuchWork

    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, TooManyColonies, TooManyCells, TooMuchWork) as exc:
        _error(str(exc))
        return BAD_SCENARIO


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

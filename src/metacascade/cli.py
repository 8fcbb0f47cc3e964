"""The command line: one subcommand per verb, a thin layer over the public API.

    metacascade run SCENARIO [--seed S] [--out DIR] [--engine exact|reference] [--overwrite]
    metacascade scenarios
    metacascade resolve SCENARIO

A scenario that does not validate exits with code 2, prints the field path, the bad value and
what is allowed to stderr, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

#: Exit codes.
OK, FAILED, BAD_SCENARIO = 0, 1, 2
DEFAULT_RUNS_DIR = Path("runs")


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .simulate import ENGINES

    parser = argparse.ArgumentParser(
        prog="metacascade", description="Simulate the metastatic cascade (assays of injected cells)."
    )
    parser.add_argument("--version", action="version", version=f"metacascade {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="simulate a scenario and write its results")
    run.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    run.add_argument("--seed", type=_seed, default=None, help="random seed (default: drawn and recorded)")
    run.add_argument("--out", type=Path, default=None, help="results directory (default: runs/NAME-seedS)")
    run.add_argument("--engine", choices=list(ENGINES), default="exact", help="engine (default: exact)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing results directory")

    commands.add_parser("scenarios", help="list the catalogue of published scenarios")

    resolve = commands.add_parser("resolve", help="print the fully resolved scenario as YAML")
    resolve.add_argument("scenario", metavar="SCENARIO", help="a catalogue name or a YAML file")
    return parser


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {text!r})")
    return value


def _error(message: str) -> None:
    print(f"metacascade: error: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console

    from .catalog import load_scenario
    from .results.io import _check_target
    from .simulate import simulate

    scenario = load_scenario(args.scenario)
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy)
    out = args.out if args.out is not None else DEFAULT_RUNS_DIR / f"{scenario.name}-seed{seed}"
    try:
        _check_target(out, args.overwrite)  # fail before simulating, not after
    except FileExistsError as exc:
        _error(str(exc).replace("overwrite=True", "--overwrite"))
        return FAILED
    results = simulate(scenario, random_seed=seed, engine=args.engine)
    written = results.write(out, overwrite=args.overwrite)
    console = Console()
    results.print_summary(console=console)
    console.print(f"results written to [bold]{written}[/bold]")
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


COMMANDS = {"run": _run, "scenarios": _scenarios, "resolve": _resolve}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``metacascade`` console script; returns the exit code."""
    from .model import ScenarioError

    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        _error(str(exc))
        return BAD_SCENARIO


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

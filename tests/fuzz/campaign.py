"""A fuzz campaign: write mutated scenario files (``mutations.MUTATIONS``, in turn, on the catalogue
scenarios) and load and run each one in a process of its own with a time limit.

    .venv/bin/python tests/fuzz/campaign.py --files 660 --seed 1 --workers 2 --time-limit 30 --out runs/fuzz

Counts per mutation and in all: ran (results pass their invariants), refused (a documented error),
traceback (any other exception, or a process that died) and hang (no answer within the limit).
The files that gave a traceback or a hang are kept under ``--out`` with their outcome; the exit
code is 1 if there was any.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from mutations import MUTATIONS, attempt, short_form

import metacascade as mc

OUTCOMES = ("ran", "refused", "traceback", "hang")


@dataclass(frozen=True)
class Case:
    path: Path
    scenario: str
    mutation: str


def write_cases(folder: Path, num_files: int, seed: int) -> list[Case]:
    """``num_files`` mutated files under ``folder``: mutation i % len(MUTATIONS) of a scenario drawn
    from ``random.Random(f"{seed}:{i}")``."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for i in range(num_files):
        rng = random.Random(f"{seed}:{i}")
        mutation = MUTATIONS[i % len(MUTATIONS)]
        scenario = rng.choice(mc.scenario_names())
        path = folder / f"{i:05d}_{scenario}_{mutation.__name__}.yaml"
        path.write_bytes(mutation(short_form(scenario), rng))
        cases.append(Case(path, scenario, mutation.__name__))
    return cases


def _child(path: Path, connection: Connection) -> None:
    try:
        answer = (attempt(path), "")
    except BaseException as exc:  # noqa: BLE001 -- reported, that is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        answer = ("traceback", f"{type(exc).__name__}: {str(exc)[:300]} ({frame.filename}:{frame.lineno})")
    connection.send(answer)
    connection.close()


def run_cases(cases: list[Case], *, workers: int, time_limit: float) -> dict[Case, tuple[str, str]]:
    """The outcome and detail of each case, ``workers`` forked processes at a time."""
    context = multiprocessing.get_context("fork")
    pending, running, done = list(cases), {}, {}
    while pending or running:
        while pending and len(running) < workers:
            case = pending.pop(0)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(case.path, send))
            process.start()
            send.close()
            running[receive] = (case, process, time.monotonic())
        for connection in wait(list(running), timeout=0.2):
            case, process, _ = running.pop(connection)
            try:
                done[case] = connection.recv()
            except EOFError:
                process.join()
                done[case] = ("traceback", f"the process died (exit code {process.exitcode})")
            process.join()
        now = time.monotonic()
        for connection, (case, process, start) in list(running.items()):
            if now - start > time_limit:
                process.kill()
                process.join()
                del running[connection]
                done[case] = ("hang", f"no answer within {time_limit:g} s")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=660, help="mutated files to write and run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per file")
    parser.add_argument("--out", type=Path, default=Path("runs/fuzz"))
    args = parser.parse_args(argv)
    start = time.monotonic()
    cases = write_cases(args.out / "files", args.files, args.seed)
    outcomes = run_cases(cases, workers=args.workers, time_limit=args.time_limit)
    table: dict[str, Counter] = {}
    for case, (outcome, _) in outcomes.items():
        table.setdefault(case.mutation, Counter())[outcome] += 1
    print(f"{'mutation':<18}" + "".join(f"{name:>10}" for name in OUTCOMES))
    for mutation, counts in [*sorted(table.items()), ("all", sum(table.values(), Counter()))]:
        print(f"{mutation:<18}" + "".join(f"{counts[name]:>10}" for name in OUTCOMES))
    failures = {case: answer for case, answer in outcomes.items() if answer[0] in ("traceback", "hang")}
    for case, (outcome, detail) in sorted(failures.items(), key=lambda item: item[0].path):
        print(f"{outcome}: {case.path}: {detail}")
    print(f"{len(cases)} files in {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

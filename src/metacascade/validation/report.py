"""The verdicts as a terminal table, ``report.md`` and ``verdicts.json`` (written atomically)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from ..files import write_text_atomic
from ..results.formatting import to_markdown
from .rules import Outcome

COLUMNS = ("target id", "quantity", "published", "simulated ± 95% CI", "tolerance", "verdict")
#: The same, named for a machine, and the reason.
FIELDS = ("target_id", "quantity", "published", "simulated", "tolerance", "verdict", "reason")
STYLE = {"pass": "green", "mismatch": "red", "not yet": "yellow"}
#: Characters of the quantity shown in the terminal table (report.md has it whole).
QUANTITY_WIDTH = 40
#: The table needs this many columns; a narrower terminal wraps its lines.
TABLE_WIDTH = 170


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    """Number of targets per verdict."""
    tally = Counter(o.verdict for o in outcomes)
    return {verdict: tally.get(verdict, 0) for verdict in STYLE}


def _row(o: Outcome) -> tuple[str, ...]:
    return (o.target_id, o.quantity, o.published, o.simulated, o.tolerance, o.verdict)


def verdict_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per target, columns ``FIELDS`` (what ``validate --format csv|json|markdown`` prints)."""
    return pd.DataFrame([(*_row(o), o.reason) for o in outcomes], columns=list(FIELDS))


def print_table(outcomes: list[Outcome], *, console: Any = None, title: str = "validation") -> None:
    """The verdict table, then the reason for every target that does not pass."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=title, title_justify="left")
    for column in COLUMNS:
        if column == "quantity":
            table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=QUANTITY_WIDTH)
        elif column in ("published", "simulated ± 95% CI"):
            table.add_column(column, overflow="fold", min_width=24, max_width=40)
        else:
            table.add_column(column, no_wrap=True)
    for o in outcomes:
        *cells, verdict = _row(o)
        table.add_row(*cells, f"[{STYLE[verdict]}]{verdict}[/]")
    console.print(table)
    for o in outcomes:
        if o.verdict != "pass":
            console.print(f"[{STYLE[o.verdict]}]{o.verdict}[/] {o.target_id}: {o.reason}", soft_wrap=True, highlight=False)
    console.print(", ".join(f"{n} {verdict}" for verdict, n in counts(outcomes).items()))


def markdown(outcomes: list[Outcome], header: str = "") -> str:
    """``report.md``: the table, then how each target was computed and why it does not pass."""
    lines = ["# metacascade validation", ""]
    if header:
        lines += [header, ""]
    lines += [", ".join(f"{n} {verdict}" for verdict, n in counts(outcomes).items()), ""]
    lines += [to_markdown(verdict_frame(outcomes).drop(columns="reason").set_axis(COLUMNS, axis=1)).rstrip("\n")]
    lines += ["", "## How each target is computed, and why it does not pass", ""]
    lines += [f"- **{o.target_id}** ({o.verdict}): {o.reason}" for o in outcomes]
    return "\n".join(lines) + "\n"


def write_report(outcomes: list[Outcome], out: Path, *, run: Optional[dict] = None) -> tuple[Path, Path]:
    """Write ``report.md`` and ``verdicts.json`` into ``out`` (created); ``run`` (quick, seed,
    seconds, ...) is recorded in both. Returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = run or {}
    header = ", ".join(f"{key}: {value}" for key, value in run.items())
    report, verdicts = out / "report.md", out / "verdicts.json"
    write_text_atomic(report, markdown(outcomes, header))
    document = {"run": run, "counts": counts(outcomes), "targets": [asdict(o) for o in outcomes]}
    write_text_atomic(verdicts, json.dumps(document, indent=2, default=float) + "\n")
    return report, verdicts

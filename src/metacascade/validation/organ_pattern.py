"""The organ-pattern analysis in a validation run: how much of diSibio 2008's organ involvement
delivery alone, delivery x organ soil and seed–soil explain (``calibration.organotropism``), as a
terminal table and ``organ_pattern.md`` beside ``report.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..calibration.organotropism import LEVELS, analyse, autopsy_matrix
from ..catalog import load_anatomy
from .report import write_atomic
from .targets import disibio_matrix

#: Bootstrap refits of the organ soil factors (full run; the quick run reports no interval).
REPLICATES = 50
HEADER = (
    "Explained share of each primary's organ pattern (1 - residual / variance around its mean "
    "involvement): (a) delivery alone (first-pass routing of 12.4 µm cells, uniform soil), (b) "
    "delivery x one soil factor per organ, shared by all primaries (b-LOO: soil fitted on the other "
    "39 primaries), (c) delivery x seed-soil per primary (saturated: 1). Fitted by maximum binomial "
    "likelihood to diSibio & French 2008 (disibio2008_full_matrix), anatomy human_adult."
)


def organ_pattern(quick: bool, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(explained shares per primary, last row ``all``; organ soil factors of level (b))."""
    return analyse(load_anatomy("human_adult"), autopsy_matrix(disibio_matrix()),
                   replicates=0 if quick else REPLICATES, seed=seed)


def print_organ_pattern(table: pd.DataFrame, soil: pd.DataFrame, *, console: Any = None) -> None:
    """The overall shares, then the primaries with the most autopsies."""
    from rich.console import Console

    console = console or Console()
    overall = table.loc["all"]
    console.print("organ pattern (diSibio 2008), share explained over all primaries: " + ", ".join(
        f"{level.replace('_', ' ')} {overall[level]:.2f}" for level in LEVELS
    ), soft_wrap=True, highlight=False)
    largest = table.drop(index="all").sort_values("autopsies", ascending=False).head(10)
    console.print(largest[["autopsies", "organ", *LEVELS]].round(2).to_string(), highlight=False)
    console.print(f"least and most permissive organ soil (level b): {_extremes(soil['soil'])}", soft_wrap=True,
                  highlight=False)


def _extremes(soil: pd.Series) -> str:
    ordered = soil.sort_values()
    return ", ".join(f"{site} {value:.3g}" for site, value in [*ordered.head(3).items(), *ordered.tail(3).items()])


def write_organ_pattern(table: pd.DataFrame, soil: pd.DataFrame, out: Path) -> Path:
    """``organ_pattern.md`` in ``out``: the header, the per-primary shares and the soil factors."""
    text = "\n\n".join([
        "# Organ pattern: anatomy, organ soil, seed-soil", HEADER,
        _markdown(table.round(3)), "## Organ soil factors of level (b) (geometric mean 1)",
        _markdown(soil.round(4).sort_values("soil")),
    ]) + "\n"
    path = Path(out) / "organ_pattern.md"
    write_atomic(path, text)
    return path


def _markdown(frame: pd.DataFrame) -> str:
    """A markdown table of ``frame``, its index first."""
    header = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[str(label), *map(str, values)] for label, values in zip(frame.index, frame.to_numpy())]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows])

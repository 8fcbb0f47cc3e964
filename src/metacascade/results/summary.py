"""The short fate summary: fractions of injected cells in the headline states at each observation.

Columns (fractions of the cells injected, all clones together unless ``by_clone``):
``arrested_<organ>`` for the organs where most cells arrested (``arrested_elsewhere`` for the rest),
``in_vessel``, ``extravasated`` (cumulative: left the vessel alive), ``solitary`` (single cells,
not dormant), ``dormant`` (solitary dormant), ``micrometastases`` (avascular colonies, growing or
at the bound), ``macrometastases`` and ``dead`` (every terminal fate, transit included). The
arrested, extravasated and dead count cells ever so by then (``is_cumulative``); the others the
cells in that state at that time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..engine.outcome import GROWING_STATES, TERMINAL_FATES
from .formatting import compact_table, human_time, rich_table
from .tables import CIRCULATION, ORGAN_STATES

TOP_ORGANS = 3
#: Columns of ``fate_summary`` that count cells ever in a state by then (with every ``arrested_*``).
CUMULATIVE: tuple[str, ...] = ("extravasated", "dead")


def fate_summary(
    observations: pd.DataFrame, entered: pd.Series, *, by_clone: bool = False, top_organs: int = TOP_ORGANS
) -> pd.DataFrame:
    """One row per observation time (and clone when ``by_clone``), fractions of the cells that
    entered the circulation by then (``entered``: index (time, clone))."""
    keys = ["clone", "time"] if by_clone else ["time"]
    wide = observations.pivot_table(
        index=keys, columns="state", values="count", aggfunc="sum", fill_value=0, sort=False
    )
    organs = observations[observations["organ"] != CIRCULATION]
    arrested = organs[organs["state"].isin(ORGAN_STATES)].pivot_table(
        index=keys, columns="organ", values="count", aggfunc="sum", fill_value=0, sort=False
    )
    ranking = arrested.sum().sort_values(ascending=False, kind="stable")
    top = [organ for organ in ranking.index[:top_organs] if ranking[organ] > 0]

    def column(*states: str) -> pd.Series:
        present = [state for state in states if state in wide.columns]
        return wide[present].sum(axis=1) if present else pd.Series(0, index=wide.index)

    summary = pd.DataFrame(index=wide.index)
    for organ in top:
        summary[f"arrested_{organ}"] = arrested[organ]
    summary["arrested_elsewhere"] = arrested.drop(columns=top).sum(axis=1)
    summary["in_vessel"] = column("in_vessel")
    summary["extravasated"] = arrested.sum(axis=1) - column("in_vessel", "dead_in_vessel")
    summary["solitary"] = column("solitary")
    summary["dormant"] = column("solitary_dormant")
    summary["micrometastases"] = column(*GROWING_STATES, "dormant_micromet")
    summary["macrometastases"] = column("macromet")
    summary["dead"] = column("dead_in_transit", *TERMINAL_FATES)
    if by_clone:
        denominator = entered.reorder_levels(["clone", "time"]).reindex(summary.index)
    else:
        denominator = entered.groupby(level="time").sum().reindex(summary.index)
    return summary.div(denominator.to_numpy(), axis=0).astype(float)


def is_cumulative(column: str) -> bool:
    """Whether a ``fate_summary`` column counts cells ever in a state by then (arrested,
    extravasated, dead), rather than those in it at that time."""
    return column.startswith("arrested_") or column in CUMULATIVE


def print_summary(summary: pd.DataFrame, *, title: str = "", console: Any = None) -> None:
    """Print a fate summary (from ``fate_summary``) as a rich table: one row per quantity, the
    cumulative ones first, one column per observation time (and clone), times in the unit that fits
    them, values in % of the cells that entered the circulation."""
    from rich.console import Console

    table = compact_table(title)
    table.add_column("% of cells entered", min_width=18, max_width=24, no_wrap=True, overflow="ellipsis")
    cells = summary.map(_percent)
    names = summary.index.names
    for position, index in enumerate(summary.index):
        labels = index if isinstance(index, tuple) else (index,)
        table.add_column(
            " ".join(human_time(label) if name == "time" else str(label) for name, label in zip(names, labels)),
            justify="right", min_width=int(cells.iloc[position].str.len().max()),
        )
    for heading, cumulative in (("cumulative, by then:", True), ("at that time:", False)):
        table.add_row(f"[italic]{heading}[/]")
        for column in summary.columns:
            if is_cumulative(column) == cumulative:
                table.add_row(" " + column.replace("_", " "), *cells[column])
    (console or Console()).print(table)


def print_published(comparison: pd.DataFrame, *, title: str = "", console: Any = None) -> None:
    """Print published values beside simulated ones: ``comparison`` has the columns ``target``,
    ``quantity``, ``published`` and ``simulated`` (fractions, shown in %)."""
    from rich.console import Console

    shown = comparison.assign(published=comparison["published"].map(_percent),
                              simulated=comparison["simulated"].map(_percent))
    (console or Console()).print(rich_table(shown[["target", "quantity", "published", "simulated"]], title,
                                            prose=("quantity",)))


def _percent(fraction: float) -> str:
    if fraction != fraction:  # NaN
        return "-"
    if fraction == 0:
        return "0"
    percent = 100.0 * fraction
    return f"{percent:.3g}%" if percent >= 0.01 else f"{percent:.1e}%".replace("e-0", "e-")

"""The organ-pattern analysis in a validation run: how much of diSibio 2008's organ involvement
delivery alone, delivery x organ soil and seed–soil explain (``analysis.organotropism``), and
how much the calibrated catalogue scenarios reproduce (``calibration.soil``), as a terminal table and
``organ_pattern.md`` beside ``report.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..files import write_text_atomic
from ..results.formatting import to_markdown
from ..analysis.organotropism import LEVELS, analyse, autopsy_matrix
from ..catalog import load_anatomy
from ..parallel import single_threaded
from ..analysis.targets import disibio_matrix

#: Bootstrap refits of the organ soil factors (full run; the quick run reports no interval).
REPLICATES = 50
HEADER = (
    "Explained share of each primary's organ pattern (1 - residual / variance around its mean "
    "involvement): (a) delivery alone (first-pass routing of 12.4 µm cells, uniform soil), (b) "
    "delivery x one soil factor per organ, shared by all primaries (b-LOO: soil fitted on the other "
    "39 primaries), (c) delivery x seed-soil per primary (saturated: 1). Fitted by maximum binomial "
    "likelihood to diSibio & French 2008 (disibio2008_full_matrix), anatomy human_adult. Calibrated: "
    "the share the calibrated catalogue scenario of the primary reproduces in the simulator (autopsies "
    "of the fresh cohort that closed its organ-soil calibration; the scenario is named)."
)


@single_threaded()
def organ_pattern(quick: bool, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(explained shares per primary, last row ``all``, with the calibrated scenarios' shares;
    organ soil factors of level (b))."""
    table, soil = analyse(load_anatomy("human_adult"), autopsy_matrix(disibio_matrix()),
                          replicates=0 if quick else REPLICATES, seed=seed)
    calibrated = calibrated_shares()
    table["scenario"] = pd.Series({primary: name for primary, (name, _) in calibrated.items()})
    table["calibrated"] = pd.Series({primary: share for primary, (_, share) in calibrated.items()}, dtype=float)
    return table, soil


def calibrated_shares() -> dict[str, tuple[str, float]]:
    """diSibio primary -> (catalogue scenario, explained share recorded by its organ-soil calibration)."""
    from ..calibration.spec import SoilSpec, catalogue_specs
    from ..catalog import load_scenario

    shares = {}
    for name, spec in catalogue_specs().items():
        record = load_scenario(name).calibration if isinstance(spec, SoilSpec) else None
        if record is not None and "explained_share" in record.diagnostics:
            shares[spec.primary] = (name, float(record.diagnostics["explained_share"]))
    return shares


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
    calibrated = table.dropna(subset=["calibrated"])
    console.print("calibrated catalogue scenarios, share of their primary's pattern reproduced: " + ", ".join(
        f"{row.scenario} {row.calibrated:.2f} (delivery alone {row.delivery:.2f})" for row in calibrated.itertuples()
    ), soft_wrap=True, highlight=False)
    console.print(f"least and most permissive organ soil (level b): {_extremes(soil['soil'])}", soft_wrap=True,
                  highlight=False)


def _extremes(soil: pd.Series) -> str:
    ordered = soil.sort_values()
    return ", ".join(f"{site} {value:.3g}" for site, value in [*ordered.head(3).items(), *ordered.tail(3).items()])


def write_organ_pattern(table: pd.DataFrame, soil: pd.DataFrame, out: Path) -> Path:
    """``organ_pattern.md`` in ``out``: the header, the per-primary shares and the soil factors."""
    text = "\n\n".join([
        "# Organ pattern: anatomy, organ soil, seed-soil", HEADER,
        _indexed_markdown(table.round(3).astype(object).where(table.notna(), "—")),
        "## Organ soil factors of level (b) (geometric mean 1)",
        _indexed_markdown(soil.round(4).sort_values("soil")),
    ]) + "\n"
    path = Path(out) / "organ_pattern.md"
    write_text_atomic(path, text)
    return path


def _indexed_markdown(frame: pd.DataFrame) -> str:
    """A markdown table of ``frame``, its index as the first column."""
    return to_markdown(frame.rename_axis(frame.index.name or "").reset_index()).rstrip("\n")

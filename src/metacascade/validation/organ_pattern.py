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
    "the share the calibrated catalogue scenario of the primary reproduces in the simulator, where the "
    "catalogue's patient scenarios share one soil and each has its own seed (level (b) in the simulator: "
    "autopsies of the cohorts that closed the joint seed-soil calibration; the scenario is named): "
    "calibrated_b with one soil and a seed each, calibrated_b_loo with the soil fitted without that primary "
    "(its seed on its own row, one fresh cohort), calibrated with the primary's seed-soil pairing on top "
    "(the catalogue's values)."
)


@single_threaded()
def organ_pattern(quick: bool, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(explained shares per primary, last row ``all``, with the calibrated scenarios' shares;
    organ soil factors of level (b))."""
    table, soil = analyse(load_anatomy("human_adult"), autopsy_matrix(disibio_matrix()),
                          replicates=0 if quick else REPLICATES, seed=seed)
    calibrated = calibrated_shares()
    table = table.join(calibrated, how="left")
    return table, soil


#: The calibrated scenarios' explained shares: one soil and a seed each (level b in the simulator), the
#: soil fitted without the primary, and with the primary's pairing on top (level c: the catalogue's values).
CALIBRATED = ("calibrated_b", "calibrated_b_loo", "calibrated")


def calibrated_shares() -> pd.DataFrame:
    """[diSibio primary] the catalogue scenario standing for it, and the explained shares its joint
    seed-soil calibration recorded (``CALIBRATED``)."""
    from ..calibration.spec import joint_spec
    from ..catalog import load_scenario

    rows = {}
    for name, primary in joint_spec().members.items():
        record = load_scenario(name).calibration
        if record is not None and record.method == "seed-soil":
            rows[primary] = {"scenario": name, **{column: float(record.diagnostics[key]) for column, key in (
                ("calibrated_b", "explained_share_joint"), ("calibrated_b_loo", "leave_one_out"),
                ("calibrated", "explained_share"))}}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["scenario", *CALIBRATED])


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
    console.print("calibrated catalogue scenarios, share of their primary's pattern reproduced in the simulator "
                  "with one soil and a seed each / the soil fitted without it / with its pairing (the catalogue's): "
                  + ", ".join(f"{row.scenario} {row.calibrated_b:.2f} / {row.calibrated_b_loo:.2f} / "
                              f"{row.calibrated:.2f}" for row in calibrated.itertuples()
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

"""What every figure shares: an off-screen (Agg) figure, how counts and times are written, and the
title line naming the run."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.autopsy import DAYS_PER_YEAR
from .runs import Run, is_cohort

#: Runs shorter than this many days are drawn in days, longer ones in years.
YEARS_FROM_DAYS = 2 * DAYS_PER_YEAR
#: Colours of the fates of a cell: moving on in the cascade, dying, still where it was at the end.
PROGRESS, DEATH, REMAINING = "#3b75af", "#9e9e9e", "#e0a030"
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches drawn by Agg (no display, no pyplot state)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def cells_text(cells: float) -> str:
    """A count of cells as a reader writes it: ``12,247``, or ``6.5×10¹³`` from 10⁶ on."""
    return f"{cells:,.0f}" if cells < 1e6 else _scientific(cells)


def time_unit(times_days: Sequence[float]) -> tuple[float, str]:
    """(days per unit, unit name) to draw ``times_days``: days for a run of up to two years, years beyond."""
    longest = max(times_days, default=0.0)
    return (DAYS_PER_YEAR, "years") if longest > YEARS_FROM_DAYS else (1.0, "days")


def run_title(run: Run) -> str:
    """The scenario, the patients of a cohort and the seed: ``breast_patient, 30 patients, seed 1``."""
    patients = f", {run.num_patients} patients" if is_cohort(run) else ""
    return f"{run.scenario_name}{patients}, seed {run.random_seed}"


def share_text(share: float) -> str:
    """A share as a percentage with three digits: ``99.3%``, ``0.0412%``, ``4×10⁻⁷%``."""
    percent = 100.0 * share
    return f"{percent:.3g}%" if percent == 0 or percent >= 1e-3 else f"{_scientific(percent)}%"


def time_label(unit: str) -> str:
    """The label of a time axis in ``unit`` (``time_unit``)."""
    return f"time ({unit} since the start of the run)"


def _scientific(value: float) -> str:
    """``value`` > 0 as two digits times a power of ten: ``6.5×10¹³``."""
    exponent = math.floor(math.log10(value))
    return f"{value / 10**exponent:.2g}×10{str(exponent).translate(SUPERSCRIPTS)}"

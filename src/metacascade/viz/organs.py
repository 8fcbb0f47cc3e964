"""The organ pattern against autopsies: a cohort's share of patients with each site involved at
death beside diSibio & French 2008's for its primary (binomial 95% intervals on both), and the
three-level analysis of how much of diSibio's pattern delivery, organ soil and seed–soil explain
(``analysis.organotropism``)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import beta

from ..analysis.autopsy import explained_share, published_row
from ..analysis.organotropism import PRIMARY_ORGANS, analyse, autopsy_matrix
from ..analysis.targets import disibio_matrix
from ..catalog import load_anatomy
from ..results import Cohort
from .runs import Run, is_cohort
from .style import new_figure, run_title

CONFIDENCE = 0.95
#: The levels of the organotropism analysis drawn, and what they mean.
LEVELS: dict[str, str] = {
    "delivery": "(a) delivery alone",
    "delivery_x_soil": "(b) delivery × organ soil",
    "seed_soil": "(c) delivery × seed–soil",
}
SIMULATED, PUBLISHED = "#c0392b", "black"


def disibio_primary(run: Run, primary: str | None = None) -> str | None:
    """The diSibio 2008 primary (row) that ``run`` stands for: ``primary`` if given, else the one
    its calibration fitted, else the only one whose organ is the scenario's primary site; ``None``
    where there is none (an assay, or a site several primaries share, such as colon and rectum)."""
    primaries = disibio_matrix()["primaries"]
    if primary is not None:
        if primary not in primaries:
            raise ValueError(f"primary: unknown diSibio 2008 primary {primary!r}; allowed: {', '.join(primaries)}")
        return primary
    scenario = run.scenario
    fitted = ((scenario.get("calibration") or {}).get("diagnostics") or {}).get("primary")
    if fitted in primaries:
        return fitted
    site = (scenario.get("primary") or {}).get("site")
    candidates = [name for name, organ in PRIMARY_ORGANS.items() if organ == site and name in primaries]
    return candidates[0] if len(candidates) == 1 else None


def has_primary_pattern(run: Run) -> bool:
    """Whether ``run`` is a cohort of a diSibio primary with at least one autopsy (a death in follow-up)."""
    if not is_cohort(run) or disibio_primary(run) is None:
        return False
    pattern = run.organ_pattern()
    return not pattern.empty and pattern["autopsies"].max() > 0


def binomial_interval(successes, trials, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson (exact) interval of ``successes`` out of ``trials``: (low, high) shares."""
    k, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    tail = (1.0 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, beta.ppf(tail, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1 - tail, k + 1, n - k), 1.0)
    return low, high


def pattern_points(run: Cohort, primary: str | None = None) -> pd.DataFrame:
    """Per diSibio site (index, most involved in diSibio first): ``published`` share of ``autopsies``
    and its interval (``published_low``, ``published_high``); ``simulated``: the cohort's share of
    the patients who died with the site involved (``organ_pattern()["involved_at_autopsy"]``) out of
    ``deaths``, and its interval."""
    name = disibio_primary(run, primary)
    if name is None:
        raise ValueError(f"{run.scenario_name}: no diSibio 2008 primary stands for this run; name one (primary=...)")
    counts, published, autopsies = published_row(name)
    pattern = run.organ_pattern()
    deaths = int(pattern["autopsies"].max()) if not pattern.empty else 0
    if deaths == 0:
        raise ValueError(f"{run.scenario_name}: no patient died within follow-up, so there is no autopsy to compare")
    simulated = pattern["involved_at_autopsy"].reindex(published.index).fillna(0.0)
    points = pd.DataFrame({"published": published, "autopsies": autopsies, "simulated": simulated, "deaths": deaths})
    points["published_low"], points["published_high"] = binomial_interval(counts, autopsies)
    points["simulated_low"], points["simulated_high"] = binomial_interval(np.round(simulated * deaths), deaths)
    points.attrs["primary"] = name
    return points.sort_values("published", ascending=False, kind="stable")


@lru_cache(maxsize=1)
def organotropism_levels() -> pd.DataFrame:
    """Explained shares of the three levels per diSibio primary and over all (``analysis.organotropism``
    on the human_adult anatomy; no leave-one-out refits), computed once per process."""
    return analyse(load_anatomy("human_adult"), autopsy_matrix(disibio_matrix()), leave_one_out=False)[0]


def organ_pattern(run: Cohort, *, primary: str | None = None) -> Figure:
    """Left: per diSibio site, the share of autopsies with the site involved in diSibio 2008 (black)
    and in ``run`` (red), 95% binomial intervals. Right: the share of the primary's pattern (and of
    all primaries') that each level of the organotropism analysis explains, and that the run reproduces."""
    points = pattern_points(run, primary)
    name = points.attrs["primary"]
    figure = new_figure(12.0, 8.0)
    dots, bars = figure.subplots(1, 2, width_ratios=(2.2, 1.0))
    y = np.arange(len(points))[::-1]
    for column, colour, offset, label in (
        ("published", PUBLISHED, 0.15, f"diSibio 2008, {points['autopsies'].iloc[0]} autopsies"),
        ("simulated", SIMULATED, -0.15, f"simulated, {points['deaths'].iloc[0]} patients who died"),
    ):
        share = points[column].to_numpy()
        error = [share - points[f"{column}_low"].to_numpy(), points[f"{column}_high"].to_numpy() - share]
        drawn = dots.errorbar(share, y + offset, xerr=error, fmt="o", ms=4, color=colour, ecolor=colour,
                              elinewidth=1, capsize=2, label=label)
        drawn.lines[0].set_gid(f"points:{column}")
    dots.set_yticks(y, [site.replace("_", " ") for site in points.index], fontsize=8)
    dots.set_xlim(0.0, 1.0)
    dots.set_xlabel("share of autopsies with the site involved (95% binomial interval)")
    dots.grid(axis="x", alpha=0.3)
    dots.legend(loc="lower right", fontsize=8)
    dots.set_title(f"Organ pattern at autopsy: {run_title(run)} vs diSibio 2008 ({name} primary)", fontsize=10)
    _levels(bars, name, explained_share(points["published"], points["simulated"]))
    return figure


def _levels(axes, primary: str, reproduced: float) -> None:
    """Grouped bars: explained share of each level for ``primary`` and for all primaries, and ``reproduced``."""
    table = organotropism_levels()
    labels = [*LEVELS.values(), "this run (simulated)"]
    values = {primary: [*table.loc[primary, list(LEVELS)], reproduced], "all primaries": [*table.loc["all", list(LEVELS)],
                                                                                          np.nan]}
    y = np.arange(len(labels))[::-1]
    for (group, shares), offset, colour in zip(values.items(), (0.18, -0.18), ("#3b75af", "#bbbbbb")):
        bars = axes.barh(y + offset, shares, height=0.34, color=colour, label=group.replace("_", " "),
                         gid=f"levels:{group}")
        axes.bar_label(bars, labels=["" if np.isnan(v) else f"{v:.2f}" for v in shares], fontsize=7, padding=2)
    axes.set_yticks(y, labels, fontsize=8)
    axes.set_xlim(min(0.0, np.nanmin([*values[primary], *values["all primaries"]]) - 0.1), 1.15)
    axes.axvline(0.0, color="black", lw=0.6)
    axes.set_xlabel("share of the pattern explained\n(1 − residual / variance)")
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title("What explains diSibio's pattern", fontsize=10)

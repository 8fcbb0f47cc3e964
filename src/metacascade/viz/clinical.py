"""What the observation plan sees of patients: Kaplan–Meier survival with 95% bands and the
numbers at risk (``analysis.survival``), and CTC counts in the blood draws."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from ..analysis.survival import ENDPOINTS, confidence_band, durations, kaplan_meier
from ..results import Cohort
from .runs import Run, is_cohort, scenario_of
from .style import new_figure, run_title, time_label, time_unit

#: Times (evenly spaced from 0 to the longest follow-up) at which the patients at risk are counted.
AT_RISK_TICKS = 6
#: CellSearch's threshold of a poor prognosis in metastatic breast cancer, CTCs per 7.5 mL.
CTC_THRESHOLD = 5


def survival(runs: Cohort | Mapping[str, Cohort], *, endpoints: tuple[str, ...] = tuple(ENDPOINTS)) -> Figure:
    """Kaplan–Meier curves of ``endpoints`` (one panel each: ``analysis.survival.ENDPOINTS``) for a
    cohort or several (name -> cohort, e.g. the arms of a trial), with pointwise 95% bands
    (log-log) and the patients at risk under each axis."""
    named = dict(runs) if isinstance(runs, Mapping) else {runs.scenario_name: runs}
    follow_up = max(float(cohort.patients["follow_up_time"].max()) for cohort in named.values())
    divisor, unit = time_unit([follow_up])
    ticks = np.linspace(0.0, follow_up / divisor, AT_RISK_TICKS).round(1)
    figure = new_figure(6.0 * len(endpoints), 5.0 + 0.25 * len(named))
    grid = figure.add_gridspec(2, len(endpoints), height_ratios=(12.0, 1.0 + 0.6 * len(named)), wspace=0.25)
    palette = colormaps["tab10"]
    for column, endpoint in enumerate(endpoints):
        axes = figure.add_subplot(grid[0, column])
        table = figure.add_subplot(grid[1, column], sharex=axes)
        for i, (name, cohort) in enumerate(named.items()):
            curve = survival_curve(cohort.patients, endpoint)
            colour = palette(i % palette.N)
            axes.step(curve.index / divisor, curve["survival"], where="post", color=colour, lw=1.8,
                      label=f"{name} ({len(cohort.patients)} patients)", gid=f"km:{endpoint}:{name}")
            axes.fill_between(curve.index / divisor, curve["low"], curve["high"], step="post", color=colour,
                              alpha=0.2, lw=0)
            elapsed, _ = durations(cohort.patients, endpoint)
            for tick in ticks:
                table.text(tick, -i, str(int((elapsed >= tick * divisor).sum())), ha="center", va="center",
                           fontsize=8, color=colour, gid=f"at_risk:{endpoint}:{name}")
        table.set_ylim(-len(named) + 0.5, 0.5)
        table.set_yticks(-np.arange(len(named)), list(named) if column == 0 else [], fontsize=8)
        table.tick_params(length=0, labelbottom=False)
        table.tick_params(axis="y", pad=14)
        table.set_title("patients at risk", fontsize=8, loc="left")
        for side in table.spines.values():
            side.set_visible(False)
        axes.tick_params(labelbottom=True)
        axes.set_xticks(ticks)
        axes.set_xlim(0.0, follow_up / divisor)
        axes.set_ylim(0.0, 1.02)
        axes.set_xlabel(time_label(unit))
        axes.set_ylabel(f"{endpoint.replace('_', '-')} survival (95% band)")
        axes.set_title(f"{endpoint.replace('_', '-')} survival\nevent: {ENDPOINTS[endpoint]}", fontsize=10)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8, loc="lower left")
    first = next(iter(named.values()))
    figure.suptitle(f"Kaplan–Meier survival: {run_title(first) if len(named) == 1 else ', '.join(named)}",
                    fontsize=11)
    return figure


def survival_curve(patients: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """The Kaplan–Meier step function of ``endpoint`` (index: time in days, from 0 to the last
    follow-up): ``survival`` from each time on, and its pointwise 95% band (``low``, ``high``; NaN
    where it has none: ``analysis.survival.confidence_band``)."""
    sf = kaplan_meier(patients, endpoint)
    band = confidence_band(sf)
    times = np.r_[0.0, sf.quantiles, patients["follow_up_time"].max()]
    survival = np.r_[1.0, sf.probabilities, sf.probabilities[-1:]]
    low, high = (np.r_[1.0, values, values[-1:]] for values in (band.low.probabilities, band.high.probabilities))
    curve = pd.DataFrame({"survival": survival, "low": low, "high": high}, index=pd.Index(times, name="time"))
    return curve[~curve.index.duplicated(keep="last")]


def ctc_counts(run: Run) -> pd.DataFrame:
    """Per blood draw (and patient, for a cohort): ``time`` (days), ``count`` (CTCs counted, all
    clones) and, where the run keeps it (not a summary cohort), ``expected`` (mean CTCs per draw)."""
    keys = ["patient", "time"] if is_cohort(run) else ["time"]
    columns = [column for column in ("count", "expected") if column in run.ctc.columns]
    return run.ctc.groupby(keys, observed=True)[columns].sum().reset_index()


def ctc(run: Run) -> Figure:
    """CTCs counted per blood draw over time: each draw (one run), or every patient's draws and the
    share of patients drawn with at least 1 and at least 5 CTCs (a cohort); the expected count as a
    line where the run keeps it."""
    draws = ctc_counts(run)
    volume = scenario_of(run).observation.draw_volume_ml
    divisor, unit = time_unit(run.observation_times)
    figure = new_figure(10.0, 7.0 if is_cohort(run) else 4.5)
    panels = figure.subplots(2, 1, sharex=True, height_ratios=(2.0, 1.0)) if is_cohort(run) else [
        figure.add_subplot()]
    counts = panels[0]
    rng = np.random.default_rng(0)  # jitter only
    spread = np.diff(np.unique(draws["time"])).min() * 0.25 if draws["time"].nunique() > 1 else 1.0
    jitter = rng.uniform(-spread, spread, len(draws)) if is_cohort(run) else 0.0
    counts.plot((draws["time"] + jitter) / divisor, draws["count"], "o", ms=3 if is_cohort(run) else 6, alpha=0.6,
                color="#3b75af", zorder=3,
                label="CTCs counted in a draw" + (" (patients spread around its time)" if is_cohort(run) else ""),
                gid="ctc:count")
    if "expected" in draws:
        mean = draws.groupby("time")["expected"].mean()
        counts.plot(mean.index / divisor, mean.to_numpy(), color="black", lw=1.5, gid="ctc:expected",
                    label="expected (mean over the patients drawn)" if is_cohort(run) else "expected")
    counts.axhline(CTC_THRESHOLD, color="#c0392b", ls="--", lw=1, label=f"{CTC_THRESHOLD} CTCs (CellSearch cut-off)")
    counts.set_yscale("symlog", linthresh=1.0)
    counts.set_ylim(0.0, 3.0 * max(draws["count"].max(), CTC_THRESHOLD))
    counts.set_ylabel(f"CTCs per draw ({volume:g} mL of blood)")
    counts.legend(fontsize=8, loc="upper left")
    counts.grid(alpha=0.3)
    if is_cohort(run):
        share = draws.groupby("time")["count"].agg(at_least_1=lambda c: (c >= 1).mean(),
                                                   at_least_5=lambda c: (c >= CTC_THRESHOLD).mean())
        shares = panels[1]
        shares.plot(share.index / divisor, share["at_least_1"], "o-", color="#3b75af", label="≥ 1 CTC")
        shares.plot(share.index / divisor, share["at_least_5"], "s-", color="#c0392b", label=f"≥ {CTC_THRESHOLD} CTCs")
        shares.set_ylim(0.0, 1.02)
        shares.set_ylabel("share of the patients drawn")
        shares.legend(fontsize=8, loc="lower right")
        shares.grid(alpha=0.3)
    panels[-1].set_xlabel(time_label(unit))
    figure.suptitle(f"Circulating tumour cells per blood draw: {run_title(run)}", fontsize=11)
    return figure

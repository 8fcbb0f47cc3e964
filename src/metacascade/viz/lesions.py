"""Lesion timelines: the size of each tracked lesion of one run (or one patient of a full cohort)
over time on a log axis, on its exact curve (``engine.observation.lesion_sizes``: the avascular
bound M from the bound time, Gompertz growth from the angiogenic switch, nothing after regression),
with the founding, the switch, regression, detection on imaging and death marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..engine.handoff import handoff_sizes, pooled_max_cells
from ..engine.lower import Lowered, lower
from ..engine.observation import lesion_sizes, primary_size, regional_nodes
from ..engine.outcome import Lesions
from ..engine.patient import run_lowered
from ..results import Results
from ..results.tables import size_column
from .runs import Run, is_cohort, scenario_of
from .style import new_figure, run_title, time_label, time_unit

MAX_LESIONS = 12
#: Events marked on a lesion's curve: marker and legend text.
MARKERS = {"switch": "^", "seen": "o", "regressed": "x"}
EVENTS = {"switch": "angiogenic switch", "seen": "seen on imaging", "regressed": "regressed"}
#: Points of each curve between the first founding and the end of follow-up (observation times added).
POINTS = 400


def lesion_curves(run: Results, times) -> pd.DataFrame:
    """[time, lesion] cells in each tracked lesion of ``run`` at ``times`` (days), on its exact curve
    from the avascular bound on (0 before its bound time and from regression)."""
    return _curves(_lowered(run), run.lesions, times)


def _curves(lowered: Lowered, table: pd.DataFrame, times) -> pd.DataFrame:
    """``lesion_curves`` of the lesions in ``table`` on the engine arrays ``lowered``."""
    lesions = Lesions(
        clone=np.array([lowered.clone_names.index(c) for c in table["clone"]], dtype=np.int64),
        organ=np.array([lowered.organ_names.index(o) for o in table["organ"]], dtype=np.int64),
        tracked_time=table["tracked_time"].to_numpy(float), bound_time=table["bound_time"].to_numpy(float),
        switch_time=table["switch_time"].to_numpy(float), regression_time=table["regression_time"].to_numpy(float),
        size=np.empty((len(table), 0)),
    )
    sizes = lesion_sizes(lowered, lesions, times)
    return pd.DataFrame(sizes, index=pd.Index(times, name="time"), columns=pd.Index(table["lesion"], name="lesion"))


def lesion_timelines(run: Run, *, patient: int | None = None, max_lesions: int = MAX_LESIONS) -> Figure:
    """Sizes of the tracked lesions of ``run`` over time (a cohort: of ``patient``, by default the
    first with a macrometastasis), the ``max_lesions`` largest at the end (then the latest to regress):
    dotted from the size at which the engine starts following it (its handoff size: 1 cell for a
    patient's colonies, up to ``handoff.POOLED_MAX_CELLS + 1`` in a large assay) through the sizes observed on the way to the avascular bound
    (growth there is random: only these points are known), then the exact curve: flat while dormant
    at the bound, rising after the switch. The primary, the detection threshold and death where the
    run has them."""
    one = _one_run(run, patient)
    scenario = scenario_of(one)
    observation_end = max(one.observation_times)
    follow_up = float(one.patients["follow_up_time"].iloc[0]) if not one.patients.empty else observation_end
    table = one.lesions
    first = float(np.nanmin(table["tracked_time"])) if len(table) else 0.0
    events = table[["bound_time", "switch_time"]].to_numpy().ravel()
    just_before = np.nextafter(table["regression_time"].to_numpy(), -np.inf)  # the last moment at the bound
    times = np.union1d(np.linspace(first, follow_up, POINTS), np.r_[one.observation_times, events, just_before])
    times = times[(times >= first) & (times <= follow_up)]
    lowered = _lowered(one)  # once: each lowering resolves the scenario again
    curves = _curves(lowered, table, times)
    bounds = dict(zip(table["lesion"], _bounds(lowered, table)))
    tracked = dict(zip(table["lesion"], _tracked_cells(lowered, table)))
    shown = _largest(table, curves, max_lesions)
    divisor, unit = time_unit([follow_up])
    figure = new_figure(11.0, 6.0)
    axes = figure.add_subplot()
    organs = list(dict.fromkeys(table.loc[shown, "organ"]))
    palette = colormaps["tab10" if len(organs) <= 10 else "tab20"]
    colour = {organ: palette(i % palette.N) for i, organ in enumerate(organs)}
    detected = one.detections.set_index("lesion")["detection_time"] if not one.detections.empty else pd.Series()
    marked = set()
    for row in table.loc[shown].itertuples():
        early = [(time, getattr(row, size_column(i))) for i, time in enumerate(one.observation_times)
                 if row.tracked_time < time < row.bound_time]
        marked |= _lesion(axes, row, tracked[row.lesion], curves[row.lesion], bounds[row.lesion], early,
                          colour[row.organ], divisor, detected.get(row.lesion, np.nan))
    if lowered.primary is not None:
        axes.plot(times / divisor, primary_size(lowered, times).ravel(), color="#333333", lw=2.5, label="primary tumour",
                  gid="primary")
    if lowered.observation is not None:
        axes.axhline(lowered.observation.detection_cells, color="#777777", ls=":", lw=1,
                     label=f"detection threshold ({lowered.observation.detection_cells:.2g} cells)")
    for bound in sorted(set(lowered.rates["avascular_bound_cells"].ravel()) & set(_bounds(lowered, table))):
        axes.axhline(bound, color="#777777", ls="--", lw=0.8, label=f"avascular bound ({bound:.2g} cells)")
    death = one.patients["death_time"].iloc[0] if not one.patients.empty else np.nan
    if np.isfinite(death):
        cause = one.patients["death_cause"].iloc[0].replace("_", " ")
        axes.axvline(death / divisor, color="black", ls="-.", lw=1.5, label=f"death ({cause})")
    axes.set_yscale("log")
    axes.set_ylim(bottom=1.0)
    axes.set_xlabel(time_label(unit))
    axes.set_ylabel("cells in the lesion (log scale)")
    axes.legend(handles=[*axes.get_legend_handles_labels()[0], *_marker_handles(marked, {tracked[lesion] for lesion in table.loc[shown, "lesion"]}), *[
        Line2D([], [], color=colour[organ], lw=2, label=organ.replace("_", " ")) for organ in organs]],
        fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    who = f"{run_title(run)}, patient {one.provenance['patient']}" if is_cohort(run) else run_title(run)
    axes.set_title(f"Lesion timelines: {who}\n{len(shown)} of {len(table)} tracked lesions (the largest at the "
                   f"end); {scenario.anatomy.name}", fontsize=10)
    return figure


def _one_run(run: Run, patient: int | None) -> Results:
    """``run`` itself, or patient ``patient`` of a full cohort (default: the first with a switched lesion)."""
    if not is_cohort(run):
        return run
    if patient is None:
        switched = run.lesions.loc[run.lesions["switch_time"].notna(), "patient"]
        patient = int(switched.min()) if len(switched) else 0
    return run.patient(patient)


def _lowered(run: Results) -> Lowered:
    """The engine arrays ``run`` ran on: a cohort patient's own primary and host, and the run's therapy
    as it was given (timed from its own diagnosis and first distant metastasis seen), its niches."""
    lowered = lower(scenario_of(run))
    patient = run.provenance.get("patient")
    metastasis = _first_distant_seen(lowered, run.detections) if lowered.waits_for_metastasis else np.nan
    return run_lowered(lowered, run.random_seed, None if patient is None else int(patient), metastasis)


def _first_distant_seen(lowered: Lowered, detections: pd.DataFrame) -> float:
    """The first imaging (days) of ``detections`` that saw a lesion outside the regional nodes; NaN if none."""
    distant = [name for name, regional in zip(lowered.organ_names, regional_nodes(lowered)) if not regional]
    return float(detections.loc[detections["organ"].isin(distant), "detection_time"].min())


def _bounds(lowered: Lowered, table: pd.DataFrame) -> list[float]:
    """The avascular bound of each lesion's clone and organ."""
    return [float(lowered.rates["avascular_bound_cells"][lowered.clone_names.index(c), lowered.organ_names.index(o)])
            for c, o in zip(table["clone"], table["organ"])]


def _tracked_cells(lowered: Lowered, table: pd.DataFrame) -> list[float]:
    """The size at which each lesion was first followed one by one (``engine.handoff``)."""
    sizes = handoff_sizes(lowered.rates, lowered.deterministic_threshold, pooled_max_cells(lowered))
    return [float(sizes[lowered.clone_names.index(c), lowered.organ_names.index(o)])
            for c, o in zip(table["clone"], table["organ"])]


def _largest(table: pd.DataFrame, curves: pd.DataFrame, count: int) -> list[int]:
    """Row labels of the ``count`` lesions largest at the end, then the latest to regress."""
    last = curves.iloc[-1].to_numpy()
    order = np.lexsort((-np.nan_to_num(table["regression_time"].to_numpy(), nan=-np.inf), -last))
    return [table.index[i] for i in order[:count]]


def _lesion(axes, row, tracked: float, curve: pd.Series, bound: float, early: list[tuple[float, float]], colour,
            divisor: float, detection: float) -> set[str]:
    """One lesion: dotted from its ``tracked`` cells when first followed through the ``early`` (time,
    size) observed to the ``bound``, its exact curve after, and its events marked (returned)."""
    gid = f"lesion:{row.lesion}"
    start, end = (row.tracked_time, tracked), (row.bound_time, bound)
    times, sizes = np.array([start, *early, end]).T
    axes.plot(times / divisor, sizes, ls=":", marker="o", ms=2.5, markevery=slice(0, -1), color=colour, lw=1,
              gid=f"founding:{row.lesion}")
    alive = curve[curve > 0]  # empty for a lesion at its bound only between two times drawn
    if alive.size:
        axes.plot(alive.index / divisor, alive.to_numpy(), color=colour, lw=1.4, gid=gid)
    events = set()
    for time, event in ((row.switch_time, "switch"), (detection, "seen")):
        if np.isfinite(time) and time <= curve.index[-1] and alive.size:
            size = np.interp(time, alive.index, alive.to_numpy())
            axes.plot([time / divisor], [size], marker=MARKERS[event], ms=6, color=colour, mec="black", mew=0.6,
                      ls="none")
            events.add(event)
    if np.isfinite(row.regression_time) and row.regression_time <= curve.index[-1]:
        axes.plot([row.regression_time / divisor], [bound], marker=MARKERS["regressed"], ms=6, color=colour, mew=1.5,
                  ls="none")
        events.add("regressed")
    return events


def _marker_handles(events: set[str], tracked: set[float]) -> list[Line2D]:
    """Legend entries of the curves' parts (the lesions first followed at ``tracked`` cells) and of
    the ``events`` marked."""
    grey = {"color": "#999999", "ls": "none", "mec": "black", "mew": 0.6}
    cells = " or ".join(f"{size:g}" for size in sorted(tracked))
    return [
        Line2D([], [], color="#999999", ls=":", marker="o", ms=2.5,
               label=f"followed from {cells} cell{'s' if tracked != {1.0} else ''}, sizes observed on the way to the bound"),
        Line2D([], [], color="#999999", lw=1.4, label="flat: dormant at the bound"),
        *(Line2D([], [], marker=MARKERS[event], ms=6, label=label, **grey)
          for event, label in EVENTS.items() if event in events),
    ]


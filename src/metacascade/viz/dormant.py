"""The dormant pool: solitary cells (extravasated, neither dividing nor dead) and dormant solitary
cells per organ over time; the mean per patient for a cohort (from ``dormant_cells``, summed over
the patients of each chunk, at summary detail; from ``observations`` at full detail), the run's own
founders for one run."""

from __future__ import annotations

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from .runs import Run, is_cohort
from .style import new_figure, run_title, time_label, time_unit

STATES: dict[str, str] = {"solitary": "solitary cells (extravasated, not dividing)",
                          "solitary_dormant": "dormant solitary cells"}
#: Organs drawn one by one (those with the most dormant cells at the end); the rest are summed.
TOP_ORGANS = 7
OTHERS = "other organs"


def dormant_counts(run: Run) -> pd.DataFrame:
    """[time, organ] x ``STATES``: founders in each state, summed over clones, per patient (the mean
    of a cohort: its chunk sums, or its patients' counts, summed and divided by the number of
    patients) or of one run."""
    if is_cohort(run) and run.detail == "summary":
        table = run.dormant_cells.groupby(["time", "organ"], observed=True)[list(STATES)].sum()
    else:
        observed = run.observations[run.observations["state"].isin(list(STATES))]
        table = observed.pivot_table(index=["time", "organ"], columns="state", values="count", aggfunc="sum",
                                     observed=True).reindex(columns=list(STATES), fill_value=0)
    table = table.astype(float) / (run.num_patients if is_cohort(run) else 1)
    table.columns.name = None
    return table.fillna(0.0)


def dormant_pool(run: Run, *, organs: int = TOP_ORGANS) -> Figure:
    """Solitary and dormant cells per organ over time (log axis): the ``organs`` with the most
    dormant cells at the last observation, the others summed."""
    counts = dormant_counts(run)
    last = counts.xs(counts.index.get_level_values("time").max(), level="time")
    ranked = last.sort_values(["solitary_dormant", "solitary"], ascending=False).index
    top = [organ for organ in ranked[:organs] if last.loc[organ].sum() > 0]
    divisor, unit = time_unit(run.observation_times)
    figure = new_figure(12.0, 5.0)
    panels = figure.subplots(1, len(STATES), sharey=True)
    palette = colormaps["tab10"]
    for axes, (state, meaning) in zip(panels, STATES.items()):
        wide = counts[state].unstack("organ", fill_value=0.0)
        rest = wide.drop(columns=top).sum(axis=1)
        lines = {**{organ: wide[organ] for organ in top}, **({OTHERS: rest} if (rest > 0).any() else {})}
        for i, (organ, values) in enumerate(lines.items()):
            axes.plot(values.index / divisor, values.to_numpy(), marker="o", ms=3, color=palette(i % palette.N),
                      label=organ.replace("_", " "), gid=f"{state}:{organ}")
        axes.set_yscale("symlog", linthresh=1.0)
        axes.set_ylim(bottom=0.0)
        axes.set_xlabel(time_label(unit))
        axes.set_title(meaning, fontsize=10)
        axes.grid(alpha=0.3)
    who = "per patient (cohort mean)" if is_cohort(run) else "founder cells"
    panels[0].set_ylabel(f"cells, {who}")
    panels[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.suptitle(f"The dormant pool: {run_title(run)}", fontsize=11)
    return figure

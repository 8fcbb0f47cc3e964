"""Invariants of result tables (ARCHITECTURE.md §8): no negative counts, cells conserved everywhere.

One mechanism for one run and for a cohort at either output level: each invariant is checked on
the tables there are, and ``by`` adds leading keys (``("patient",)``) so a cohort is checked in one
vectorised pass, patient by patient, with the same rules as a single run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .ledger import STEP_STATES, ledger_balance
from .tables import DORMANT_STATES

#: The ledger steps that hold the states of ``dormant_cells`` (one each), in the same order.
DORMANT_STEPS: tuple[str, ...] = tuple(
    step for state in DORMANT_STATES for step, held in STEP_STATES.items() if held == (state,)
)


def entered_cells(
    ledger: pd.DataFrame, observation_times: Sequence[float], clone_names: Sequence[str], by: Sequence[str] = ()
) -> pd.Series:
    """Cells that entered the circulation (injected + shed) by each observation, from the ledger.

    Index (*by, time, clone): every observation time and clone for each ``by`` group present in
    the ledger's transit rows (a group absent there had none enter); int64, named ``entered``.
    """
    by = list(by)
    transit = ledger[(ledger["step"] == "transit") & (ledger["flow"] == "entered")]
    sums = transit.groupby([*by, "window_end", "clone"], sort=False)["count"].sum()
    sums.index = sums.index.set_names("time", level="window_end")
    levels = [sorted(transit[key].unique()) for key in by] + [list(observation_times), list(clone_names)]
    full = pd.MultiIndex.from_product(levels, names=[*by, "time", "clone"])
    per_window = sums.reindex(full, fill_value=0)
    cumulative = per_window.groupby(level=[*by, "clone"], sort=False).cumsum()
    return cumulative.astype("int64").rename("entered")


#: The columns of each table that may not be negative.
COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "observations": ("count",), "ledger": ("count",), "chunk_ledger": ("count",), "burden": ("cells",),
    "ctc": ("count",), "autopsy": ("macrometastases",), "dormant_cells": DORMANT_STATES,
}


def check_tables(
    tables: Mapping[str, pd.DataFrame],
    *,
    observation_times: Sequence[float],
    clone_names: Sequence[str],
    by: Sequence[str] = (),
) -> None:
    """Raise ``ValueError`` unless the ``tables`` there are (a run's, or a cohort's at either output
    level) pass their invariants: no negative counts; every observation accounts for every cell that
    entered, and every ledger row balances (per ``by`` group: a cohort's patients are checked one by
    one, in one pass); every row of ``chunk_ledger`` balances, and its solitary and dormant founders
    are those of ``dormant_cells`` (both summed over each chunk's patients); no clinical event
    falls after the end of its patient's follow-up, and no lesion is seen before it is large enough."""
    by = list(by)
    problems = []
    for name, columns in COUNT_COLUMNS.items():
        if name in tables:
            frame = tables[name]
            negative = frame[(frame[list(columns)] < 0).any(axis=1)]
            if len(negative):
                problems.append(f"{name}: {len(negative)} negative value(s), e.g.\n{negative.head()}")
    sizes = tables["lesions"].filter(like="size_t")
    if (sizes.to_numpy() < 0).any():
        problems.append("lesions: negative sizes")
    if "observations" in tables:
        problems += _founders_add_up(tables["observations"], tables["ledger"], observation_times, clone_names, by)
    for name, keys in (("ledger", by), ("chunk_ledger", ["chunk"])):
        if name in tables:
            balance = ledger_balance(tables[name], by=keys)
            broken = balance[balance["imbalance"] != 0]
            if len(broken):
                problems.append(f"{name}: {len(broken)} row(s) do not conserve cells, e.g.\n{broken.head()}")
    if "dormant_cells" in tables:
        problems += _dormant_cells_in_ledger(tables["dormant_cells"], tables["chunk_ledger"])
    patients, detections = tables["patients"], tables["detections"]
    events = patients.filter(like="_time").drop(columns="follow_up_time")
    late = patients[events.gt(patients["follow_up_time"], axis=0).any(axis=1)]
    if len(late):
        problems.append(f"patients: {len(late)} with events after the end of follow-up, e.g.\n{late.head()}")
    early = detections[detections["detection_time"] < detections["reach_time"]]
    if len(early):
        problems.append(f"detections: {len(early)} lesion(s) seen before they reach the threshold, e.g.\n{early.head()}")
    if problems:
        raise ValueError("results fail their invariants:\n" + "\n".join(problems))


def _founders_add_up(
    observations: pd.DataFrame, ledger: pd.DataFrame, observation_times: Sequence[float],
    clone_names: Sequence[str], by: list[str],
) -> list[str]:
    """Founders in all states at each observation = cells that entered the circulation by then."""
    totals = observations.groupby([*by, "time", "clone"], sort=False)["count"].sum()
    expected = entered_cells(ledger, observation_times, clone_names, by=by).reindex(totals.index, fill_value=0)
    unbalanced = totals[totals.to_numpy() != expected.to_numpy()]
    if len(unbalanced):
        return [f"observations: founders do not add up to the cells that entered:\n{unbalanced}"]
    return []


def _dormant_cells_in_ledger(dormant: pd.DataFrame, ledger: pd.DataFrame) -> list[str]:
    """The rows of ``dormant_cells`` are the non-zero ``remaining`` of the solitary and dormant steps
    of ``chunk_ledger`` at each window's end, per (chunk, time, organ) (summed over clones)."""
    problems = []
    empty = dormant[(dormant[list(DORMANT_STATES)] == 0).all(axis=1)]
    if len(empty):
        problems.append(f"dormant_cells: {len(empty)} row(s) with no solitary or dormant founder, e.g.\n{empty.head()}")
    keys = ["chunk", "time", "organ"]
    listed = dormant.groupby(keys)[list(DORMANT_STATES)].sum()
    remaining = ledger[(ledger["flow"] == "remaining") & ledger["step"].isin(DORMANT_STEPS)]
    held = remaining.rename(columns={"window_end": "time"}).groupby([*keys, "step"])["count"].sum().unstack("step")
    held = held.reindex(columns=list(DORMANT_STEPS)).set_axis(list(DORMANT_STATES), axis=1)
    difference = listed.sub(held, fill_value=0).fillna(0)
    different = difference[(difference != 0).any(axis=1)]
    if len(different):
        problems.append(f"dormant_cells: {len(different)} (chunk, time, organ) do not add up to the solitary and "
                        f"dormant founders of chunk_ledger (listed - ledger), e.g.\n{different.head()}")
    return problems

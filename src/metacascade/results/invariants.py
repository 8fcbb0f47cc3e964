"""Invariants of result tables (ARCHITECTURE.md §8): no negative counts, cells conserved everywhere.

One mechanism for one run and for a cohort: ``by`` adds leading keys (``("patient",)``) so a
cohort is checked in one vectorised pass, patient by patient, with the same rules as a single run.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .ledger import ledger_balance


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


def check_tables(
    *,
    observations: pd.DataFrame,
    burden: pd.DataFrame,
    ledger: pd.DataFrame,
    lesions: pd.DataFrame,
    patients: pd.DataFrame,
    detections: pd.DataFrame,
    ctc: pd.DataFrame,
    autopsy: pd.DataFrame,
    observation_times: Sequence[float],
    clone_names: Sequence[str],
    by: Sequence[str] = (),
) -> None:
    """Raise ``ValueError`` unless counts are non-negative and cells are conserved everywhere:
    every observation accounts for every cell that entered, and every ledger row balances
    (per ``by`` group: a cohort's patients are checked one by one, in one pass); no clinical event
    falls after the end of its patient's follow-up, and no lesion is seen before it is large enough."""
    by = list(by)
    problems = []
    for name, frame, column in (("observations", observations, "count"), ("ledger", ledger, "count"),
                                ("burden", burden, "cells"), ("ctc", ctc, "count"),
                                ("autopsy", autopsy, "macrometastases")):
        negative = frame[frame[column] < 0]
        if len(negative):
            problems.append(f"{name}: {len(negative)} negative value(s), e.g.\n{negative.head()}")
    sizes = lesions.filter(like="size_t")
    if (sizes.to_numpy() < 0).any():
        problems.append("lesions: negative sizes")
    totals = observations.groupby([*by, "time", "clone"], sort=False)["count"].sum()
    expected = entered_cells(ledger, observation_times, clone_names, by=by).reindex(totals.index, fill_value=0)
    unbalanced = totals[totals.to_numpy() != expected.to_numpy()]
    if len(unbalanced):
        problems.append(f"observations: founders do not add up to the cells that entered:\n{unbalanced}")
    balance = ledger_balance(ledger, by=by)
    broken = balance[balance["imbalance"] != 0]
    if len(broken):
        problems.append(f"ledger: {len(broken)} row(s) do not conserve cells, e.g.\n{broken.head()}")
    events = patients.filter(like="_time").drop(columns="follow_up_time")
    late = patients[events.gt(patients["follow_up_time"], axis=0).any(axis=1)]
    if len(late):
        problems.append(f"patients: {len(late)} with events after the end of follow-up, e.g.\n{late.head()}")
    early = detections[detections["detection_time"] < detections["reach_time"]]
    if len(early):
        problems.append(f"detections: {len(early)} lesion(s) seen before they reach the threshold, e.g.\n{early.head()}")
    if problems:
        raise ValueError("results fail their invariants:\n" + "\n".join(problems))

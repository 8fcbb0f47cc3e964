"""Long pandas tables of an ``RunOutcome``: founder states, tumour burden and lesion records.

``observations``: one row per (time, clone, organ, state) with the number of *founders* (injected
cells) in that state or with that terminal fate (cumulative), MODEL.md §5. Organs carry
``outcome.ALIVE_STATES + outcome.TERMINAL_FATES``; the pseudo-organ ``circulation`` carries
``in_transit`` and ``dead_in_transit``.

``burden``: tumour cells alive per (time, clone, organ) (a colony counts all its cells).

``lesions``: one row per tracked lesion (a colony that reached 17 cells and then the avascular
bound): ``lesion`` (id), ``clone``, ``organ``, ``tracked_time``, ``bound_time``, ``switch_time``,
``regression_time`` (days, NaN when the event did not happen), and its size in cells at every
observation time as columns ``size_t0``, ``size_t1``, ... in the order of ``observation_times``
(0 before tracking or after regression). ``lesion_sizes`` gives the same sizes as a long table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine.outcome import ALIVE_STATES, TERMINAL_FATES, RunOutcome, Lesions, summed

#: The pseudo-organ that holds cells in the blood (and those that died there).
CIRCULATION = "circulation"
#: States reported on the ``circulation`` pseudo-organ.
CIRCULATION_STATES: tuple[str, ...] = ("in_transit", "dead_in_transit")
#: States reported on every organ, in table order.
ORGAN_STATES: tuple[str, ...] = ALIVE_STATES + TERMINAL_FATES
#: Every state of the ``observations`` table.
STATES: tuple[str, ...] = CIRCULATION_STATES + ORGAN_STATES

OBSERVATION_COLUMNS = ("time", "clone", "organ", "state", "count")
BURDEN_COLUMNS = ("time", "clone", "organ", "cells")
#: The states of the ``dormant_cells`` table, one column each.
DORMANT_STATES: tuple[str, ...] = ("solitary", "solitary_dormant")
LESION_EVENT_COLUMNS = ("tracked_time", "bound_time", "switch_time", "regression_time")


def size_column(index: int) -> str:
    """Name of the lesions column with sizes at observation ``index``."""
    return f"size_t{index}"


def string_column(labels: Sequence, index: np.ndarray) -> pd.Series:
    """``labels[index]`` as a string column (taken from the few labels, not built row by row)."""
    return pd.Series(pd.array([str(label) for label in labels], dtype=str).take(np.asarray(index, dtype=np.intp)))


def frame_of(columns: Mapping[str, Any], num_rows: int) -> pd.DataFrame:
    """A frame of ``num_rows`` rows (a ``RangeIndex``) from ``columns`` (arrays or ``string_column``s
    of that length, in order), built at once rather than column by column."""
    return pd.DataFrame(dict(columns), index=pd.RangeIndex(num_rows))


def long_columns(
    values: np.ndarray,
    axes: Sequence[tuple[str, Sequence]],
    value_name: str,
    dtype: str,
    keep: np.ndarray | None = None,
) -> dict[str, Any]:
    """The columns of ``long_frame`` (its arguments), in order."""
    values = np.asarray(values)
    shape = tuple(len(labels) for _, labels in axes)
    if values.shape != shape:
        raise ValueError(f"values of shape {values.shape} do not match axes of shape {shape}")
    if keep is None:
        rows = np.arange(values.size)
    else:
        rows = np.flatnonzero(np.broadcast_to(keep, shape))
    indices = np.unravel_index(rows, shape)
    columns: dict[str, Any] = {}
    for position, (name, labels) in enumerate(axes):
        labels = np.asarray(list(labels))
        if labels.dtype.kind in "fiu":
            columns[name] = labels[indices[position]]
        else:
            columns[name] = string_column(labels, indices[position])
    columns[value_name] = values.ravel()[rows].astype(dtype)
    return columns


def long_frame(
    values: np.ndarray,
    axes: Sequence[tuple[str, Sequence]],
    value_name: str,
    dtype: str,
    keep: np.ndarray | None = None,
) -> pd.DataFrame:
    """A long table from an n-d array: one column per axis (row-major order), then the values.

    Numeric axis labels (times) stay numeric; other labels become strings. ``keep`` (boolean,
    broadcastable to the values' shape) selects the cells that become rows.
    """
    columns = long_columns(values, axes, value_name, dtype, keep)
    return frame_of(columns, len(columns[value_name]))


def patient_axis(patients: Sequence[int] | None) -> list[tuple[str, Sequence]]:
    """The leading ``patient`` axis of a cohort's tables (none for a single run)."""
    return [] if patients is None else [("patient", np.asarray(patients, dtype=np.int64))]


def _check_patients(num_outcomes: int, patients: Sequence[int] | None) -> None:
    if patients is None and num_outcomes != 1:
        raise ValueError(f"{num_outcomes} outcomes need patient labels")
    if patients is not None and num_outcomes != len(patients):
        raise ValueError(f"{num_outcomes} outcomes for {len(patients)} patients")


def stacked(arrays: list[np.ndarray], patients: Sequence[int] | None) -> np.ndarray:
    """Per-outcome arrays with a leading patient axis, or the single run's array."""
    _check_patients(len(arrays), patients)
    return arrays[0] if patients is None else np.stack(arrays)


def _observation_values(outcome: RunOutcome, num_clones: int, num_organs: int) -> np.ndarray:
    """[T, C, 1 + O, S]: the circulation's states, then every organ's (impossible pairs are 0)."""
    values = np.zeros((len(outcome.snapshots), num_clones, 1 + num_organs, len(STATES)), dtype=np.int64)
    for t, snap in enumerate(outcome.snapshots):
        values[t, :, 0, 0] = snap.in_transit
        values[t, :, 0, 1] = snap.died_in_transit
        for s, state in enumerate(ORGAN_STATES, start=len(CIRCULATION_STATES)):
            values[t, :, 1:, s] = snap.counts[state]
    return values


def observations_frame(
    outcomes: Sequence[RunOutcome],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    patients: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Founders in every state per (time, clone, organ); circulation first, then organs.

    ``outcomes`` of one run, or of ``patients`` (then a leading ``patient`` column)."""
    if CIRCULATION in organ_names:
        raise ValueError(f"organ name {CIRCULATION!r} is reserved for the circulation")
    times = [snap.time for snap in outcomes[0].snapshots]
    values = [_observation_values(outcome, len(clone_names), len(organ_names)) for outcome in outcomes]
    on_circulation = np.arange(1 + len(organ_names)) == 0
    circulation_state = np.isin(STATES, CIRCULATION_STATES)
    return long_frame(
        stacked(values, patients),
        [*patient_axis(patients), ("time", times), ("clone", clone_names), ("organ", [CIRCULATION, *organ_names]),
         ("state", STATES)],
        "count",
        "int64",
        keep=on_circulation[:, None] == circulation_state[None, :],  # [organ, state], broadcast
    )


def burden_frame(
    outcomes: Sequence[RunOutcome],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    patients: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Tumour cells alive per (time, clone, organ) (and patient)."""
    times = [snap.time for snap in outcomes[0].snapshots]
    cells = [
        np.array([snap.cells for snap in outcome.snapshots], dtype=float).reshape(
            len(times), len(clone_names), len(organ_names)
        )
        for outcome in outcomes
    ]
    return long_frame(
        stacked(cells, patients),
        [*patient_axis(patients), ("time", times), ("clone", clone_names), ("organ", organ_names)],
        "cells",
        "float64",
    )


def dormant_cells_frame(outcomes: Sequence[RunOutcome], organ_names: Sequence[str], chunk: int) -> pd.DataFrame:
    """Solitary and solitary-dormant founders of ``outcomes`` (the patients of chunk ``chunk``) per
    (time, organ), summed over the patients and their clones, with a leading ``chunk`` column; only
    rows where either is non-zero (counts are integers: the sums over chunks are exact, and do not
    depend on the chunk size)."""
    total = summed(outcomes)
    times = [snap.time for snap in total.snapshots]
    values = np.array([[snap.counts[state].sum(axis=0) for state in DORMANT_STATES] for snap in total.snapshots],
                      dtype=np.int64)[None]  # [1, T, state, O]
    keep = (values != 0).any(axis=2)
    columns = long_columns(values[:, :, 0], [("chunk", np.array([chunk], dtype=np.int64)), ("time", times),
                                             ("organ", organ_names)], DORMANT_STATES[0], "int64", keep=keep)
    for position, state in enumerate(DORMANT_STATES[1:], start=1):
        columns[state] = values[:, :, position][keep]
    return frame_of(columns, int(np.count_nonzero(keep)))


def lesions_frame(
    lesions: Sequence[Lesions | None],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    num_times: int,
    patients: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row per tracked lesion, sizes at each observation as ``size_t{i}`` columns; ``lesions``
    of one run, or of ``patients`` (then a leading ``patient`` column; lesion ids count per patient)."""
    _check_patients(len(lesions), patients)
    records = [Lesions.empty(num_times) if record is None else record for record in lesions]
    counts = [len(np.asarray(record.clone)) for record in records]

    def joined(name: str, dtype: type) -> np.ndarray:
        return np.concatenate([np.asarray(getattr(record, name), dtype=dtype).ravel() for record in records])

    clone_index, organ_index = joined("clone", np.int64), joined("organ", np.int64)
    columns: dict[str, Any] = {}
    if patients is not None:
        columns["patient"] = np.repeat(np.asarray(patients, dtype=np.int64), counts)
    columns["lesion"] = np.concatenate([np.arange(n, dtype=np.int64) for n in counts])
    columns["clone"] = string_column(clone_names, clone_index)
    columns["organ"] = string_column(organ_names, organ_index)
    for name in LESION_EVENT_COLUMNS:
        columns[name] = joined(name, float)
    sizes = joined("size", float).reshape(len(clone_index), num_times)
    for t in range(num_times):
        columns[size_column(t)] = sizes[:, t]
    return frame_of(columns, len(clone_index))


def lesion_sizes(lesions: pd.DataFrame, observation_times: Sequence[float]) -> pd.DataFrame:
    """The sizes of ``lesions`` as a long table [lesion, clone, organ, time, cells]."""
    columns = [size_column(t) for t in range(len(observation_times))]
    long = lesions.melt(
        id_vars=["lesion", "clone", "organ"], value_vars=columns, var_name="time", value_name="cells"
    )
    long["time"] = long["time"].map(dict(zip(columns, map(float, observation_times)))).astype(float)
    return long.sort_values(["lesion", "time"], kind="stable").reset_index(drop=True)

"""Long pandas tables of an ``AssayOutcome``: founder states, tumour burden and lesion records.

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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..engine.outcome import ALIVE_STATES, TERMINAL_FATES, AssayOutcome, Lesions

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
LESION_EVENT_COLUMNS = ("tracked_time", "bound_time", "switch_time", "regression_time")


def size_column(index: int) -> str:
    """Name of the lesions column with sizes at observation ``index``."""
    return f"size_t{index}"


def long_frame(values: np.ndarray, axes: Sequence[tuple[str, Sequence]], value_name: str, dtype: str) -> pd.DataFrame:
    """A long table from an n-d array: one column per axis (row-major order), then the values.

    Numeric axis labels (times) stay numeric; other labels become strings.
    """
    values = np.asarray(values)
    shape = tuple(len(labels) for _, labels in axes)
    if values.shape != shape:
        raise ValueError(f"values of shape {values.shape} do not match axes of shape {shape}")
    indices = np.indices(shape).reshape(len(shape), -1)
    frame = pd.DataFrame(index=pd.RangeIndex(values.size))
    for position, (name, labels) in enumerate(axes):
        labels = np.asarray(list(labels))
        if labels.dtype.kind in "fiu":
            frame[name] = labels[indices[position]]
        else:
            frame[name] = pd.Series(labels.astype(object)[indices[position]], dtype=str)
    frame[value_name] = values.ravel().astype(dtype)
    return frame


def observations_frame(
    outcome: AssayOutcome, clone_names: Sequence[str], organ_names: Sequence[str]
) -> pd.DataFrame:
    """Founders in every state per (time, clone, organ); circulation first, then organs."""
    if CIRCULATION in organ_names:
        raise ValueError(f"organ name {CIRCULATION!r} is reserved for the circulation")
    times = [snap.time for snap in outcome.snapshots]
    organs = [CIRCULATION, *organ_names]
    num_c, num_o = len(clone_names), len(organ_names)
    # [T, C, 1 + O, S]; impossible (organ, state) pairs are dropped below
    values = np.zeros((len(times), num_c, 1 + num_o, len(STATES)), dtype=np.int64)
    for t, snap in enumerate(outcome.snapshots):
        values[t, :, 0, 0] = snap.in_transit
        values[t, :, 0, 1] = snap.died_in_transit
        for s, state in enumerate(ORGAN_STATES, start=len(CIRCULATION_STATES)):
            values[t, :, 1:, s] = snap.counts[state]
    frame = long_frame(
        values,
        [("time", times), ("clone", clone_names), ("organ", organs), ("state", STATES)],
        "count",
        "int64",
    )
    on_circulation = (frame["organ"] == CIRCULATION).to_numpy()
    circulation_state = frame["state"].isin(CIRCULATION_STATES).to_numpy()
    return frame[on_circulation == circulation_state].reset_index(drop=True)


def burden_frame(outcome: AssayOutcome, clone_names: Sequence[str], organ_names: Sequence[str]) -> pd.DataFrame:
    """Tumour cells alive per (time, clone, organ)."""
    times = [snap.time for snap in outcome.snapshots]
    cells = np.array([snap.cells for snap in outcome.snapshots], dtype=float).reshape(
        len(times), len(clone_names), len(organ_names)
    )
    return long_frame(
        cells, [("time", times), ("clone", clone_names), ("organ", organ_names)], "cells", "float64"
    )


def lesions_frame(
    lesions: Lesions | None,
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    num_times: int,
) -> pd.DataFrame:
    """One row per tracked lesion, sizes at each observation as ``size_t{i}`` columns."""
    if lesions is None:
        lesions = Lesions.empty(num_times)
    clone_index = np.asarray(lesions.clone, dtype=np.int64)
    organ_index = np.asarray(lesions.organ, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "lesion": np.arange(len(clone_index), dtype=np.int64),
            "clone": np.asarray(list(clone_names), dtype=object)[clone_index],
            "organ": np.asarray(list(organ_names), dtype=object)[organ_index],
        }
    )
    frame["clone"] = frame["clone"].astype(str)
    frame["organ"] = frame["organ"].astype(str)
    for name in LESION_EVENT_COLUMNS:
        frame[name] = np.asarray(getattr(lesions, name), dtype=float)
    sizes = np.asarray(lesions.size, dtype=float).reshape(len(clone_index), num_times)
    for t in range(num_times):
        frame[size_column(t)] = sizes[:, t]
    return frame


def lesion_sizes(lesions: pd.DataFrame, observation_times: Sequence[float]) -> pd.DataFrame:
    """The sizes of ``lesions`` as a long table [lesion, clone, organ, time, cells]."""
    columns = [size_column(t) for t in range(len(observation_times))]
    long = lesions.melt(
        id_vars=["lesion", "clone", "organ"], value_vars=columns, var_name="time", value_name="cells"
    )
    long["time"] = long["time"].map(dict(zip(columns, map(float, observation_times)))).astype(float)
    return long.sort_values(["lesion", "time"], kind="stable").reset_index(drop=True)

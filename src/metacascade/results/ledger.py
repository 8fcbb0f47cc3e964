"""The fate ledger: cells entering each step of the cascade and leaving it by each fate (MODEL.md §5).

Windows run between observation times, [0, t1], [t1, t2], ..., from a virtual all-zero snapshot
at time 0. For every (window, clone, organ, step) the ledger has ``in`` flows (``carried_in``: in
the step at the window's start; ``entered``: arrived during the window) and ``out`` flows (one per
fate, counting cells that left during the window, and ``remaining``: still in the step at the
window's end). Counts are founders (injected cells); a colony counts once. Every row conserves
cells: sum(in) == sum(out). ``Δx`` below is the change of a cumulative count over the window.

==========================  =========================================  ==========================================
step (organ)                in                                         out
==========================  =========================================  ==========================================
transit (``circulation``)   carried_in, entered (Δinjected + shed)    died (Δdead_in_transit), arrested, remaining
vessel                      carried_in, entered (Δarrested)            died (Δdead_in_vessel), extravasated, remaining
solitary                    carried_in, entered (= extravasated)       apoptosis, dormancy, started_dividing, remaining
dormant                     carried_in, entered (= dormancy)           died, reactivated, remaining
micrometastasis             carried_in, entered (Δfounded_*)           extinct, cleared, reached_bound, remaining
dormant_micrometastasis     carried_in, entered (= reached_bound)      switched, regressed, remaining
macrometastasis             carried_in, entered (= switched)           resected, remaining
==========================  =========================================  ==========================================

Transit lasts seconds to minutes, so cells that enter in a window arrest or die in that window.
``extravasated`` is what the vessel step lost to neither death nor
the window's end (so a negative value reveals an inconsistent outcome); every other flow is read
from the outcome, so the balance of the other steps is a real check of founder conservation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..engine.outcome import GROWING_STATES, SNAPSHOT_FIELDS, RunOutcome, summed
from .tables import CIRCULATION, frame_of, long_columns, patient_axis, stacked, string_column

LEDGER_COLUMNS = ("window_start", "window_end", "clone", "organ", "step", "direction", "flow", "count")
#: Steps in cascade order, each with its ``in`` flows and ``out`` flows (``remaining`` last).
STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "transit": (("carried_in", "entered"), ("died", "arrested", "remaining")),
    "vessel": (("carried_in", "entered"), ("died", "extravasated", "remaining")),
    "solitary": (("carried_in", "entered"), ("apoptosis", "dormancy", "started_dividing", "remaining")),
    "dormant": (("carried_in", "entered"), ("died", "reactivated", "remaining")),
    "micrometastasis": (("carried_in", "entered"), ("extinct", "cleared", "reached_bound", "remaining")),
    "dormant_micrometastasis": (("carried_in", "entered"), ("switched", "regressed", "remaining")),
    "macrometastasis": (("carried_in", "entered"), ("resected", "remaining")),
}
ORGAN_STEPS: tuple[str, ...] = tuple(step for step in STEPS if step != "transit")
#: The founder states (``tables.STATES``) each step holds: its ``remaining`` at a window's end.
STEP_STATES: dict[str, tuple[str, ...]] = {
    "transit": ("in_transit",),
    "vessel": ("in_vessel",),
    "solitary": ("solitary",),
    "dormant": ("solitary_dormant",),
    "micrometastasis": GROWING_STATES,
    "dormant_micrometastasis": ("dormant_micromet",),
    "macrometastasis": ("macromet",),
}
#: The terminal fate (a cumulative state of ``tables.STATES``) that each (step, out flow) adds to.
DEATH_FLOWS: dict[tuple[str, str], str] = {
    ("transit", "died"): "dead_in_transit",
    ("vessel", "died"): "dead_in_vessel",
    ("solitary", "apoptosis"): "dead_apoptosis",
    ("dormant", "died"): "dead_dormant",
    ("micrometastasis", "extinct"): "extinct",
    ("micrometastasis", "cleared"): "cleared",
    ("dormant_micrometastasis", "regressed"): "regressed",
    ("macrometastasis", "resected"): "resected",
}


class _Series:
    """Counts at the window boundaries: index 0 is the virtual zero snapshot at time 0."""

    def __init__(self, values: np.ndarray):
        self.values = values  # [T + 1, ...]

    @property
    def start(self) -> np.ndarray:
        return self.values[:-1]

    @property
    def end(self) -> np.ndarray:
        return self.values[1:]

    @property
    def delta(self) -> np.ndarray:
        return self.values[1:] - self.values[:-1]

    def __add__(self, other: _Series) -> _Series:
        return _Series(self.values + other.values)


def _boundary_series(outcome: RunOutcome) -> tuple[Callable[[str], _Series], dict[str, _Series]]:
    """Per-organ snapshot fields and the circulation's counts, each with a leading zero snapshot."""
    snapshots = outcome.snapshots

    def stacked(values: list[np.ndarray]) -> _Series:
        array = np.array(values, dtype=np.int64)
        return _Series(np.concatenate([np.zeros_like(array[:1]), array]))

    def field(name: str) -> _Series:
        return stacked([snap.counts[name] for snap in snapshots])

    arrested = stacked([snap.arrested for snap in snapshots])  # [T + 1, C, O]
    circulation = {
        "in_transit": stacked([snap.in_transit for snap in snapshots]),
        "entered": stacked([snap.entered for snap in snapshots]),
        "dead_in_transit": stacked([snap.died_in_transit for snap in snapshots]),
        "arrested_total": _Series(arrested.values.sum(axis=2)),
        "arrested": arrested,
    }
    return field, circulation


def ledger_arrays(outcome: RunOutcome) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Flows as arrays: ``{step/direction/flow: [W, C]}`` for transit, ``[W, C, O]`` for organs."""
    missing = [name for name in SNAPSHOT_FIELDS if outcome.snapshots and name not in outcome.snapshots[0].counts]
    if missing:
        raise ValueError(f"outcome snapshots lack counts for {missing}")
    field, circ = _boundary_series(outcome)

    transit = {
        "carried_in": circ["in_transit"].start,
        "entered": circ["entered"].delta,
        "died": circ["dead_in_transit"].delta,
        "arrested": circ["arrested_total"].delta,
        "remaining": circ["in_transit"].end,
    }

    in_vessel, solitary, dormant = field("in_vessel"), field("solitary"), field("solitary_dormant")
    growing = field(GROWING_STATES[0])
    for name in GROWING_STATES[1:]:
        growing = growing + field(name)
    dormant_micro, macro = field("dormant_micromet"), field("macromet")
    founded_direct, founded_reactivated = field("founded_direct"), field("founded_reactivated")
    reached_bound, switched = field("reached_bound"), field("switched")
    dead_dormant = field("dead_dormant")

    entered_vessel = circ["arrested"].delta
    died_vessel = field("dead_in_vessel").delta
    extravasated = in_vessel.start + entered_vessel - died_vessel - in_vessel.end
    dormancy = (dormant + dead_dormant + founded_reactivated).delta
    organ = {
        "vessel": {
            "carried_in": in_vessel.start,
            "entered": entered_vessel,
            "died": died_vessel,
            "extravasated": extravasated,
            "remaining": in_vessel.end,
        },
        "solitary": {
            "carried_in": solitary.start,
            "entered": extravasated,
            "apoptosis": field("dead_apoptosis").delta,
            "dormancy": dormancy,
            "started_dividing": founded_direct.delta,
            "remaining": solitary.end,
        },
        "dormant": {
            "carried_in": dormant.start,
            "entered": dormancy,
            "died": dead_dormant.delta,
            "reactivated": founded_reactivated.delta,
            "remaining": dormant.end,
        },
        "micrometastasis": {
            "carried_in": growing.start,
            "entered": founded_direct.delta + founded_reactivated.delta,
            "extinct": field("extinct").delta,
            "cleared": field("cleared").delta,
            "reached_bound": reached_bound.delta,
            "remaining": growing.end,
        },
        "dormant_micrometastasis": {
            "carried_in": dormant_micro.start,
            "entered": reached_bound.delta,
            "switched": switched.delta,
            "regressed": field("regressed").delta,
            "remaining": dormant_micro.end,
        },
        "macrometastasis": {
            "carried_in": macro.start,
            "entered": switched.delta,
            "resected": field("resected").delta,
            "remaining": macro.end,
        },
    }
    return transit, organ


def _flow_keys(steps: Sequence[str]) -> list[tuple[str, str, str]]:
    return [
        (step, direction, flow)
        for step in steps
        for direction, flows in zip(("in", "out"), STEPS[step])
        for flow in flows
    ]


def _ledger_values(outcome: RunOutcome, num_clones: int, num_organs: int) -> np.ndarray:
    """[W, C, 1 + O, F]: the circulation's transit flows, then each organ's flows (``_ledger_keys``)."""
    transit, organ = ledger_arrays(outcome)
    transit_keys, organ_keys = _flow_keys(["transit"]), _flow_keys(ORGAN_STEPS)
    values = np.zeros(
        (len(outcome.snapshots), num_clones, 1 + num_organs, len(transit_keys) + len(organ_keys)), dtype=np.int64
    )
    for f, (_, _, flow) in enumerate(transit_keys):
        values[:, :, 0, f] = transit[flow]
    for f, (step, _, flow) in enumerate(organ_keys, start=len(transit_keys)):
        values[:, :, 1:, f] = organ[step][flow]
    return values


def fate_ledger(
    outcomes: Sequence[RunOutcome],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    observation_times: Sequence[float],
    patients: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The fate ledger as a long table (columns ``LEDGER_COLUMNS``), all-zero organs dropped;
    ``outcomes`` of one run, or of ``patients`` (then a leading ``patient`` column, and organs
    dropped patient by patient)."""
    values = stacked([_ledger_values(outcome, len(clone_names), len(organ_names)) for outcome in outcomes], patients)
    return _ledger_frame(values, patient_axis(patients), clone_names, organ_names, observation_times)


def chunk_ledger(
    outcomes: Sequence[RunOutcome],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    observation_times: Sequence[float],
    chunk: int,
) -> pd.DataFrame:
    """The fate ledger of ``outcomes`` (the patients of chunk ``chunk``) summed over them, with a
    leading ``chunk`` column: ``fate_ledger`` of the patients summed by all other columns (the flows
    are sums and differences of integer counts: those of the summed outcome, ``outcome.summed``);
    organs all zero in every patient are dropped."""
    values = _ledger_values(summed(outcomes), len(clone_names), len(organ_names))
    return _ledger_frame(values[None], [("chunk", np.array([chunk], dtype=np.int64))], clone_names, organ_names,
                         observation_times)


def _ledger_frame(
    values: np.ndarray,
    leading: list[tuple[str, Sequence]],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    observation_times: Sequence[float],
) -> pd.DataFrame:
    """The long ledger of ``values`` [*leading, W, C, 1 + O, F]: ``leading`` axes first (a cohort's
    patients), then ``LEDGER_COLUMNS``; (*leading, clone, organ) with no cells in any window dropped.
    Rows run through the windows of each (*leading, clone, organ, flow) in turn."""
    times = np.asarray(observation_times, dtype=float)
    transit_keys, organ_keys = _flow_keys(["transit"]), _flow_keys(ORGAN_STEPS)
    keys = transit_keys + organ_keys
    # rows: transit flows on the circulation, organ flows on organs, and only (leading,) clone and
    # organ pairs with cells in some window (the other flows of a pair are 0 by construction)
    valid = np.zeros((1 + len(organ_names), len(keys)), dtype=bool)  # [organ, key]
    valid[0, : len(transit_keys)] = True
    valid[1:, len(transit_keys):] = True
    # each flow's windows in a row (a series that changes slowly: ~20% smaller in Parquet than by window)
    values = np.moveaxis(values, values.ndim - 4, -1)  # [*leading, C, 1 + O, F, W]
    active = (values != 0).any(axis=(-2, -1))  # [*leading, C, 1 + O]
    keep = (valid & active[..., None])[..., None]
    columns = long_columns(
        values,
        [
            *leading,
            ("clone", clone_names),
            ("organ", [CIRCULATION, *organ_names]),
            ("key", np.arange(len(keys))),
            ("window", np.arange(len(times))),
        ],
        "count",
        "int64",
        keep=keep,
    )
    key, window = columns.pop("key"), columns.pop("window")
    starts = np.concatenate([[0.0], times[:-1]])
    labels = {name: string_column([k[position] for k in keys], key)
              for position, name in enumerate(("step", "direction", "flow"))}
    ordered = {"window_start": starts[window], "window_end": times[window], **columns, **labels}
    return frame_of({name: ordered[name] for name in (*(name for name, _ in leading), *LEDGER_COLUMNS)}, len(key))


def ledger_balance(ledger: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per (window, clone, organ, step): cells in, cells out, and their difference (0 when conserved).

    ``by`` adds leading keys (``("patient",)`` for a cohort's ledger)."""
    keys = [*by, "window_start", "window_end", "clone", "organ", "step"]
    signed = ledger.assign(
        cells_in=np.where(ledger["direction"] == "in", ledger["count"], 0),
        cells_out=np.where(ledger["direction"] == "out", ledger["count"], 0),
    )
    balance = signed.groupby(keys, sort=False)[["cells_in", "cells_out"]].sum().reset_index()
    balance["imbalance"] = balance["cells_in"] - balance["cells_out"]
    return balance


def step_efficiencies(ledger: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Share of the cells entering each step that left it by each fate, summed over windows.

    Columns: ``*by``, ``step``, ``fate``, ``count`` (cells that left by ``fate``; ``remaining``
    counts those still in the step at the last observation), ``entered`` (cells that entered the
    step), ``share`` (= count / entered) and ``of_entered`` (= count / cells that entered the
    circulation, injected or shed; of the clone when grouped by clone).
    """
    by = list(by)
    allowed = {"clone", "organ"}
    if not set(by) <= allowed:
        raise ValueError(f"by: can group by {sorted(allowed)} (got {by})")
    last_end = ledger["window_end"].max()
    out = ledger[
        (ledger["direction"] == "out") & ((ledger["flow"] != "remaining") | (ledger["window_end"] == last_end))
    ]
    entered = ledger[(ledger["direction"] == "in") & (ledger["flow"] == "entered")]
    counts = out.groupby([*by, "step", "flow"], sort=False)["count"].sum().rename("count").reset_index()
    totals = entered.groupby([*by, "step"], sort=False)["count"].sum().rename("entered").reset_index()
    table = counts.merge(totals, on=[*by, "step"], how="left").rename(columns={"flow": "fate"})
    table["entered"] = table["entered"].fillna(0).astype(np.int64)
    table["share"] = table["count"] / table["entered"].where(table["entered"] > 0)
    transit = ledger[(ledger["step"] == "transit") & (ledger["flow"] == "entered")]
    circulation = transit.groupby("clone")["count"].sum().astype(float)
    denominator = table["clone"].map(circulation) if "clone" in by else circulation.sum()
    table["of_entered"] = table["count"] / denominator
    order = {step: i for i, step in enumerate(STEPS)}
    fate_order = {(step, flow): i for step, (_, outs) in STEPS.items() for i, flow in enumerate(outs)}
    table["_step"] = table["step"].map(order)
    table["_fate"] = [fate_order[(s, f)] for s, f in zip(table["step"], table["fate"])]
    table = table.sort_values([*by, "_step", "_fate"], kind="stable").drop(columns=["_step", "_fate"])
    return table.reset_index(drop=True)

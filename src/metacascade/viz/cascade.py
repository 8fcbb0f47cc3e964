"""The cascade as a fate Sankey diagram on a log scale: the cells entering each step and leaving it
by each fate, from the run's fate ledger (``step_efficiencies``: one run's, or a cohort's summed)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from ..results.ledger import STEPS
from .runs import Run, is_cohort
from .style import DEATH, PROGRESS, REMAINING, cells_text, new_figure, run_title, share_text

#: (step, fate) -> the step that the cells go on to; every other fate leaves the cascade
#: (``remaining``: still in the step at the last observation).
NEXT_STEP: dict[tuple[str, str], str] = {
    ("transit", "arrested"): "vessel",
    ("vessel", "extravasated"): "solitary",
    ("solitary", "dormancy"): "dormant",
    ("solitary", "started_dividing"): "micrometastasis",
    ("dormant", "reactivated"): "micrometastasis",
    ("micrometastasis", "reached_bound"): "dormant_micrometastasis",
    ("dormant_micrometastasis", "switched"): "macrometastasis",
}
#: The step drawn below the main line (dormant solitary cells branch off it and come back).
BRANCH = "dormant"
STEP_NAMES: dict[str, str] = {
    "transit": "in transit\n(circulation)",
    "vessel": "arrested\nin a vessel",
    "solitary": "extravasated\nsolitary cell",
    "dormant": "dormant\nsolitary cell",
    "micrometastasis": "micro-\nmetastasis",
    "dormant_micrometastasis": "at the\navascular bound",
    "macrometastasis": "macro-\nmetastasis",
}
FATE_NAMES: dict[str, str] = {"remaining": "still there", "started_dividing": "divided",
                              "reached_bound": "reached bound", "dormancy": "went dormant"}
#: Column of each step, one unit apart.
COLUMN = {step: float(i) for i, step in enumerate(STEPS)}
NODE_WIDTH, STUB = 0.08, 0.22
#: Empty space between the bands of a node, and between the main line and the dormant row, decades.
GAP, ROW_GAP = 2.0, 8.0

Slot = tuple[float, float]


def cascade_flows(run: Run) -> pd.DataFrame:
    """The flows the diagram draws, one row per step and fate with cells (``step_efficiencies``,
    remaining cells at the last observation): ``step``, ``fate``, ``target`` (the next step, or
    empty where the cells leave the cascade), ``cells``, ``entered`` (cells that entered the step),
    ``width`` (the band's width, log10(cells + 1) decades)."""
    table = run.step_efficiencies()
    flows = pd.DataFrame({
        "step": table["step"].astype(str),
        "fate": table["fate"].astype(str),
        "cells": table["count"].astype(float),
        "entered": table["entered"].astype(float),
    })
    flows = flows[flows["cells"] > 0].reset_index(drop=True)
    flows.insert(2, "target", [NEXT_STEP.get((s, f), "") for s, f in zip(flows["step"], flows["fate"])])
    flows["width"] = [math.log10(1.0 + cells) for cells in flows["cells"]]
    return flows


def cascade(run: Run) -> Figure:
    """The fate Sankey of ``run``: a bar per step of the cascade (named with the cells that entered
    it) and a band per fate with width log10(cells + 1), labelled with the cells and their share of
    the step. Blue bands go on to the next step, grey ones die there, amber ones are the cells still
    in the step at the last observation."""
    flows = cascade_flows(run)
    layout = _Layout(flows)
    figure = new_figure(14.0, 7.0)
    axes = figure.add_subplot()
    for step, (low, high) in layout.nodes.items():
        x = COLUMN[step]
        axes.add_patch(Rectangle((x - NODE_WIDTH / 2, low), NODE_WIDTH, high - low, color="#444444", zorder=3))
        entered = flows.loc[flows["step"] == step, "entered"].max() if step in set(flows["step"]) else (
            flows.loc[flows["target"] == step, "cells"].sum())
        axes.text(x, high + GAP / 2, f"{STEP_NAMES[step]}\n{cells_text(entered)}", ha="center", va="bottom",
                  fontsize=8, fontweight="bold")
    for flow in flows.itertuples():
        low, high = layout.outs[(flow.step, flow.fate)]
        start = COLUMN[flow.step] + NODE_WIDTH / 2
        if flow.target:
            end = layout.ins[(flow.step, flow.fate)]
            _band(axes, flow, start, (low, high), COLUMN[flow.target] - NODE_WIDTH / 2, end, PROGRESS)
            _label(axes, flow, start + STUB + 0.08, (low + high) / 2, ha="left")
        else:
            _band(axes, flow, start, (low, high), start + STUB, (low, high),
                  REMAINING if flow.fate == "remaining" else DEATH)
            _label(axes, flow, start + STUB + 0.02, (low + high) / 2, ha="left")
    axes.set_xlim(-0.3, max(COLUMN[step] for step in layout.nodes) + 0.75)
    low, high = min(low for low, _ in layout.nodes.values()), max(high for _, high in layout.nodes.values())
    axes.set_ylim(low - 0.02 * (high - low), high + 0.14 * (high - low))  # room for the steps' names
    axes.set_axis_off()
    kind = "all patients' cells summed" if is_cohort(run) else "founder cells"
    axes.set_title(f"The metastatic cascade: {run_title(run)} ({kind})\nband width ∝ log10(cells + 1); "
                   "blue: on to the next step, grey: died there, amber: still in the step at the last observation",
                   fontsize=10)
    return figure


class _Layout:
    """Where each band leaves its step (``outs``) and enters the next (``ins``), (low, high) in
    decades, and each step's bar (``nodes``). On the main line the band on to the next step runs
    straight at height 0: cells still there stack above it, the deaths below, and the band to the
    dormant row at the bottom; the dormant row hangs below the main line."""

    def __init__(self, flows: pd.DataFrame):
        self.outs: dict[tuple[str, str], Slot] = {}
        self.ins: dict[tuple[str, str], Slot] = {}
        self.nodes: dict[str, Slot] = {}
        keyed = {(row.step, row.fate): row for row in flows.itertuples()}
        steps = [step for step in STEPS if step in set(flows["step"]) | set(flows["target"])]
        for step in [s for s in steps if s != BRANCH]:
            mine = [row for row in keyed.values() if row.step == step]
            order = sorted(mine, key=lambda row: (row.fate != "remaining", row.target == BRANCH, row.target == ""))
            main = [row for row in order if row.target and row.target != BRANCH]
            into = sorted((row for row in keyed.values() if row.target == step), key=lambda row: row.step == BRANCH)
            self._stack(step, order, main[0] if main else None, 0.0, self.outs)
            self._stack(step, into, into[0] if into else None, 0.0, self.ins)
        if BRANCH in steps:
            lowest = min(low for key, (low, _) in [*self.outs.items(), *self.ins.items()])
            mine = sorted((row for row in keyed.values() if row.step == BRANCH),
                          key=lambda row: (row.target == "", row.fate == "remaining"))
            into = [row for row in keyed.values() if row.target == BRANCH]
            height = max(_height(mine), _height(into))
            centre = lowest - ROW_GAP - height / 2
            self._stack(BRANCH, mine, None, centre, self.outs)
            self._stack(BRANCH, into, None, centre, self.ins)
        for step in steps:
            slots = [slot for (s, f), slot in self.outs.items() if s == step]
            slots += [slot for key, slot in self.ins.items() if keyed[key].target == step]
            self.nodes[step] = (min(low for low, _ in slots), max(high for _, high in slots))

    @staticmethod
    def _stack(step: str, rows: list, anchor, centre: float, slots: dict) -> None:
        """Stack ``rows`` from the top, ``anchor``'s band (or the whole stack) centred on ``centre``."""
        tops, top = [], 0.0
        for row in rows:
            tops.append(top)
            top -= row.width + GAP
        shift = centre - (tops[rows.index(anchor)] - anchor.width / 2 if anchor is not None else -_height(rows) / 2)
        for row, top in zip(rows, tops):
            slots[(row.step, row.fate)] = (top + shift - row.width, top + shift)


def _height(rows: Iterable) -> float:
    """Height of ``rows`` stacked at a bar, decades."""
    widths = [row.width for row in rows]
    return sum(widths) + GAP * max(len(widths) - 1, 0)


def _band(axes: Axes, flow, x0: float, start: Slot, x1: float, end: Slot, colour: str) -> None:
    """A band from ``start`` (low, high) at ``x0`` to ``end`` at ``x1``, edges as smooth S-curves;
    its id names the step and fate (``flow:STEP:FATE``)."""
    middle = (x0 + x1) / 2
    vertices = [(x0, start[1]), (middle, start[1]), (middle, end[1]), (x1, end[1]), (x1, end[0]),
                (middle, end[0]), (middle, start[0]), (x0, start[0]), (x0, start[1])]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4, Path.CURVE4,
             Path.CURVE4, Path.CLOSEPOLY]
    patch = PathPatch(Path(vertices, codes), facecolor=colour, edgecolor="none", alpha=0.6, zorder=2)
    patch.set_gid(f"flow:{flow.step}:{flow.fate}")
    axes.add_patch(patch)


def _label(axes: Axes, flow, x: float, y: float, *, ha: str) -> None:
    """The fate, its cells and their share of the step's (id ``label:STEP:FATE``)."""
    text = f"{FATE_NAMES.get(flow.fate, flow.fate)}\n{cells_text(flow.cells)} ({share_text(flow.cells / flow.entered)})"
    axes.text(x, y, text, ha=ha, va="center", fontsize=6.5, linespacing=1.0, zorder=4,
              gid=f"label:{flow.step}:{flow.fate}")

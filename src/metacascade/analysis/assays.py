"""How the assay targets (Luzzi 1998 liver, Fidler 1970 lung) are read from one run of their
catalogue scenario, and a run's values beside the published ones.

Fractions are of injected cells (founders), read from ``Results.summary()`` (or the fate ledger):
``extravasated`` (cumulative), ``macrometastases``, ``dormant`` (solitary dormant cells), ``dead``;
Luzzi's day-3 micrometastases are the clusters videomicroscopy counted, colonies of 4 cells and more
(``MICROMETASTASIS_STATES``, from the observations), both where they began and where they persisted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .targets import load_targets


def replicate_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent seeds derived from ``seed``."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(count)]


def _flow(results, step: str, flow: str, by_day: float) -> float:
    """Founders that left ``step`` by ``flow`` in the ledger's windows ending by ``by_day``."""
    ledger = results.ledger
    rows = (ledger.step == step) & (ledger.flow == flow) & (ledger.direction == "out") & (ledger.window_end <= by_day)
    return float(ledger.loc[rows, "count"].sum())


#: Luzzi's micrometastases: the clusters of cells counted at day 3 ("4-16 cells", most of them), here
#: avascular colonies of 4 cells and more, growing or dormant at the bound.
MICROMETASTASIS_STATES = ("micromet_4_16", "micromet_17plus", "dormant_micromet")


def _count(results, day: float, states) -> float:
    """Founders in ``states`` at observation ``day`` (every clone and organ)."""
    table = results.observations
    return float(table.loc[(table.time == day) & table.state.isin(states), "count"].sum())


def _began_to_grow(results, summary) -> float:
    """Micrometastases at day 3 / cells extravasated by day 3."""
    return _count(results, 3.0, MICROMETASTASIS_STATES) / _flow(results, "vessel", "extravasated", 3.0)


def _persisted(results, summary) -> float:
    """Macrometastases at day 13 / micrometastases at day 3 (the same clusters as ``_began_to_grow``'s)."""
    return _count(results, 13.0, ("macromet",)) / _count(results, 3.0, MICROMETASTASIS_STATES)


def _at(day: float, column: str):
    """The ``summary()`` fraction ``column`` at ``day``."""
    def quantity(results, summary) -> float:
        return summary.loc[day, column]

    return quantity


@dataclass(frozen=True)
class AssayQuantity:
    """How one assay target is read from a run of its catalogue scenario."""

    scenario: str
    read: Callable  # (Results, its summary()) -> float
    meaning: str


#: target id -> the scenario that reproduces it and how to read the quantity from one of its runs.
QUANTITIES: dict[str, AssayQuantity] = {
    "luzzi1998_survive_extravasate_d3": AssayQuantity(
        "luzzi1998_liver", _at(3.0, "extravasated"), "extravasated (alive, left the vessel) by day 3"),
    "luzzi1998_micromet_initiation_d3": AssayQuantity(
        "luzzi1998_liver", _began_to_grow,
        "micrometastases (colonies of 4 cells and more) at day 3 / cells extravasated by day 3"),
    "luzzi1998_macromet_persistence_d13": AssayQuantity(
        "luzzi1998_liver", _persisted, "macrometastases at day 13 / micrometastases (4 cells and more) at day 3"),
    "luzzi1998_overall_macromet_efficiency": AssayQuantity(
        "luzzi1998_liver", _at(13.0, "macrometastases"), "macrometastases at day 13 per injected cell"),
    "luzzi1998_solitary_dormant_d13": AssayQuantity(
        "luzzi1998_liver", _at(13.0, "dormant"), "solitary dormant cells at day 13 per injected cell"),
    "fidler1970_alive_24h": AssayQuantity(
        "fidler1970_lung", lambda results, summary: 1.0 - summary.loc[1.0, "dead"], "1 - dead at 24 h, per injected cell"),
}


def read(results, target_ids) -> list[float]:
    """The quantities of ``target_ids`` in one run, its ``summary()`` computed once."""
    summary = results.summary()
    return [QUANTITIES[target_id].read(results, summary) for target_id in target_ids]


def beside_published(results, target_ids) -> pd.DataFrame:
    """The published value and the value in ``results`` (one run) of each of ``target_ids`` that
    one run gives (``QUANTITIES``; a run without the time it is read at gives none): columns
    ``target``, ``quantity`` (how it is read), ``published`` and ``simulated``."""
    targets, summary, rows = load_targets(), results.summary(), []
    for target_id in target_ids:
        quantity = QUANTITIES.get(target_id)
        if quantity is None or not isinstance(targets[target_id].value, (int, float)):
            continue
        try:
            simulated = quantity.read(results, summary)
        except KeyError:  # the run was not observed when the target is read
            continue
        rows.append((target_id, quantity.meaning, float(targets[target_id].value), float(simulated)))
    return pd.DataFrame(rows, columns=["target", "quantity", "published", "simulated"])

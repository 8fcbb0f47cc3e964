"""Checks of the injected-cell assays (Luzzi 1998 liver, Fidler 1970 lung): replicate runs of the
catalogue scenario; each replicate gives the quantity, their spread its Monte Carlo error.

Fractions are of injected cells (founders), read from ``Results.summary()`` (or the fate ledger):
``extravasated`` (cumulative), ``micrometastases`` (avascular colonies of every size, growing or
dormant), ``macrometastases``, ``dormant`` (solitary dormant cells), ``dead``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from .rules import Outcome, check, compare, mean_se
from .targets import Target

#: Replicate runs of an assay: quick, full.
REPLICATES = {True: 3, False: 20}


def replicate_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent seeds derived from ``seed``."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(count)]


@cache
def runs(scenario: str, quick: bool, seed: int) -> tuple:
    """The ``Results`` of each replicate run of ``scenario``."""
    from ..simulate import simulate

    return tuple(simulate(scenario, random_seed=s) for s in replicate_seeds(seed, REPLICATES[quick]))


def _flow(results, step: str, flow: str, by_day: float) -> float:
    """Founders that left ``step`` by ``flow`` in the ledger's windows ending by ``by_day``."""
    ledger = results.ledger
    rows = (ledger.step == step) & (ledger.flow == flow) & (ledger.direction == "out") & (ledger.window_end <= by_day)
    return float(ledger.loc[rows, "count"].sum())


def _began_to_grow(results, summary) -> float:
    """Colonies founded by day 3 (directly or by reactivation) / cells extravasated by day 3."""
    founded = _flow(results, "solitary", "started_dividing", 3.0) + _flow(results, "dormant", "reactivated", 3.0)
    return founded / _flow(results, "vessel", "extravasated", 3.0)


def _at(day: float, column: str, per: tuple[float, str] | None = None):
    """The ``summary()`` fraction ``column`` at ``day`` (divided by ``per``'s, if given)."""
    def quantity(results, summary) -> float:
        value = summary.loc[day, column]
        return value / summary.loc[per] if per else value

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
        "luzzi1998_liver", _began_to_grow, "colonies founded by day 3 / cells extravasated by day 3 (fate ledger)"),
    "luzzi1998_macromet_persistence_d13": AssayQuantity(
        "luzzi1998_liver", _at(13.0, "macrometastases", per=(3.0, "micrometastases")),
        "macrometastases at day 13 / micrometastases at day 3"),
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


@cache
def _quantities(scenario: str, quick: bool, seed: int) -> tuple[dict[str, float], ...]:
    """Every quantity of ``scenario``'s targets, per replicate run."""
    ids = [target_id for target_id, quantity in QUANTITIES.items() if quantity.scenario == scenario]
    return tuple(dict(zip(ids, read(results, ids))) for results in runs(scenario, quick, seed))


@check(*QUANTITIES)
def assay_quantity(target: Target, quick: bool, seed: int) -> Outcome:
    quantity = QUANTITIES[target.id]
    value, se = mean_se([run[target.id] for run in _quantities(quantity.scenario, quick, seed)])
    return compare(target, target.value, value, se, reason=f"{quantity.meaning} ({quantity.scenario})")

"""Checks of the injected-cell assays (Luzzi 1998 liver, Fidler 1970 lung): replicate runs of the
catalogue scenario; each replicate gives the quantity, their spread its Monte Carlo error.

Fractions are of injected cells (founders), read from ``Results.summary()`` (or the fate ledger):
``extravasated`` (cumulative), ``micrometastases`` (avascular colonies of every size, growing or
dormant), ``macrometastases``, ``dormant`` (solitary dormant cells), ``dead``.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

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


def summaries(scenario: str, quick: bool, seed: int) -> tuple[pd.DataFrame, ...]:
    """``summary()`` of each replicate run of ``scenario`` (indexed by observation day)."""
    return tuple(results.summary() for results in runs(scenario, quick, seed))


def _flow(results, step: str, flow: str, by_day: float) -> float:
    """Founders that left ``step`` by ``flow`` in the ledger's windows ending by ``by_day``."""
    ledger = results.ledger
    rows = (ledger.step == step) & (ledger.flow == flow) & (ledger.direction == "out") & (ledger.window_end <= by_day)
    return float(ledger.loc[rows, "count"].sum())


#: Why an assay quantity may not match yet (appended to each reason).
PLACEHOLDERS = "the catalogue's fate rates are placeholders awaiting calibration"


def _luzzi(quick: bool, seed: int, quantity) -> tuple[float, float]:
    return mean_se([quantity(s) for s in summaries("luzzi1998_liver", quick, seed)])


@check("luzzi1998_survive_extravasate_d3")
def survive_extravasate(target: Target, quick: bool, seed: int) -> Outcome:
    value, se = _luzzi(quick, seed, lambda s: s.loc[3.0, "extravasated"])
    return compare(target, target.value, value, se, reason="extravasated (alive, left the vessel) by day 3; " + PLACEHOLDERS)


@check("luzzi1998_micromet_initiation_d3")
def micromet_initiation(target: Target, quick: bool, seed: int) -> Outcome:
    def began_to_grow(results) -> float:  # colonies founded (directly or by reactivation) / extravasated
        founded = _flow(results, "solitary", "started_dividing", 3.0) + _flow(results, "dormant", "reactivated", 3.0)
        return founded / _flow(results, "vessel", "extravasated", 3.0)

    value, se = mean_se([began_to_grow(r) for r in runs("luzzi1998_liver", quick, seed)])
    return compare(target, target.value, value, se,
                   reason="colonies founded by day 3 / cells extravasated by day 3 (fate ledger); " + PLACEHOLDERS)


@check("luzzi1998_macromet_persistence_d13")
def macromet_persistence(target: Target, quick: bool, seed: int) -> Outcome:
    value, se = _luzzi(quick, seed, lambda s: s.loc[13.0, "macrometastases"] / s.loc[3.0, "micrometastases"])
    return compare(target, target.value, value, se, reason="macrometastases at day 13 / micrometastases at day 3; " + PLACEHOLDERS)


@check("luzzi1998_overall_macromet_efficiency")
def overall_efficiency(target: Target, quick: bool, seed: int) -> Outcome:
    value, se = _luzzi(quick, seed, lambda s: s.loc[13.0, "macrometastases"])
    return compare(target, target.value, value, se, reason="macrometastases at day 13 per injected cell; " + PLACEHOLDERS)


@check("luzzi1998_solitary_dormant_d13")
def solitary_dormant(target: Target, quick: bool, seed: int) -> Outcome:
    value, se = _luzzi(quick, seed, lambda s: s.loc[13.0, "dormant"])
    return compare(target, target.value, value, se, reason="solitary dormant cells at day 13 per injected cell; " + PLACEHOLDERS)


@check("fidler1970_alive_24h")
def fidler_alive(target: Target, quick: bool, seed: int) -> Outcome:
    runs = summaries("fidler1970_lung", quick, seed)
    value, se = mean_se([1.0 - s.loc[1.0, "dead"] for s in runs])
    return compare(target, target.value, value, se, reason="1 - dead at 24 h, per injected cell; " + PLACEHOLDERS)

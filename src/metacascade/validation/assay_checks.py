"""Checks of the injected-cell assays (Luzzi 1998 liver, Fidler 1970 lung): replicate runs of the
catalogue scenario; each replicate gives the quantity, their spread its Monte Carlo error.

How each target is read from a run: ``analysis.assays.QUANTITIES``.
"""

from __future__ import annotations

from functools import cache

from ..analysis.assays import QUANTITIES, read, replicate_seeds
from ..analysis.targets import Target
from .rules import Outcome, check, compare, mean_se

#: Replicate runs of an assay: quick, full.
REPLICATES = {True: 3, False: 20}


@cache
def runs(scenario: str, quick: bool, seed: int) -> tuple:
    """The ``Results`` of each replicate run of ``scenario``."""
    from ..simulate import simulate

    return tuple(simulate(scenario, random_seed=s) for s in replicate_seeds(seed, REPLICATES[quick]))


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

"""The registry of checks: one per numeric published target (and the diSibio matrix), id -> check.

Checks live by what they run: :mod:`.assay_checks` (replicate assay runs), :mod:`.anatomy` (anatomy and
routing closed forms), :mod:`.parameters` (model inputs through the model and engine),
:mod:`.patients` (cohorts), :mod:`.primaries` (cohorts of every diSibio primary), :mod:`.clinical` (treated
cohorts), :mod:`.therapy_assays` (treated assays beside their controls); the targets the simulator cannot
compute yet are registered here with the reason (none at present). Tolerances and verdicts: :mod:`.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from ..parallel import single_threaded
from . import anatomy, assay_checks, clinical, parameters, patients, primaries, therapy_assays  # noqa: F401  (they register their checks)
from .rules import REGISTRY, Outcome, check, not_yet
from ..analysis.targets import Target, load_targets

#: Targets the simulator cannot compute yet -> why.
NOT_YET: dict[str, str] = {}
#: Qualitative targets with no number to compare -> why (reported, not checked).
QUALITATIVE_REASON = "qualitative target: no number to compare; reproduced by the model's design (see MODEL.md)"


@check(*NOT_YET)
def _not_yet(target: Target, quick: bool, seed: int) -> Outcome:
    return not_yet(target, NOT_YET[target.id])


CHECKS = REGISTRY


@single_threaded()
def run_checks(quick: bool, seed: int, ids: Optional[Iterable[str]] = None, *, checks=None) -> list[Outcome]:
    """The outcome for every target (those in ``ids`` if given), in targets.yaml order; a target
    with no check is reported ``not yet`` as qualitative. ``checks`` replaces the registry (tests)."""
    checks = CHECKS if checks is None else checks
    targets = load_targets()
    wanted = list(targets) if ids is None else list(ids)
    outcomes = []
    for target_id in wanted:
        target = targets[target_id]
        function = checks.get(target_id)
        outcomes.append(function(target, quick, seed) if function else not_yet(target, QUALITATIVE_REASON))
    return outcomes

"""A trial design as data: a scenario, its arms and what to compare (issue 10).

An arm adds interventions to the scenario's own therapy (``Scenario.therapy``, e.g. the surgery at
diagnosis every arm shares) and may set other values on it (``Scenario.with_values`` paths). Every
arm runs on the same virtual patients (``metacascade.trial``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from ._base import Frozen
from .bounds import number
from .therapy import Intervention

#: An arm's name: its run directory's name too.
ARM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_arm_name(name: str) -> None:
    """Raise ``ValueError`` if ``name`` cannot name an arm (its run directory)."""
    if not ARM_NAME.fullmatch(name):
        raise ValueError(f"the arm name {name!r} is not a directory name; use letters, digits, '_', '.' and '-'")


class ArmDesign(Frozen):
    """One arm: interventions added to the scenario's own schedule, and values set on it."""

    description: str = Field(default="", description="what the arm gives, with its source")
    interventions: tuple[Intervention, ...] = Field(
        default=(), description="interventions added to the scenario's therapy (each with its kind)"
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="values set on the scenario at dotted paths (host.menopausal_status: ...)"
    )


class TrialDesign(Frozen):
    """A virtual trial: the scenario its patients come from, its arms (the first is the reference),
    the endpoints its table compares and the restricted-mean horizon (years)."""

    name: str = Field(description="the design's name")
    description: str = Field(default="", description="what the trial asks, with its sources")
    citation: str = Field(default="", description="the trials or meta-analyses it mirrors")
    scenario: str = Field(description="the catalogue scenario (or YAML path) of the patients")
    arms: dict[str, ArmDesign] = Field(description="arm name -> arm, the reference first")
    endpoints: tuple[str, ...] = Field(
        default=("overall", "metastasis_free"), description="endpoints of the trial table (analysis.survival)"
    )
    horizon_years: number(gt=0.0, le=100.0) = Field(default=5.0, description="restricted mean survival horizon, years")

    @field_validator("arms")
    @classmethod
    def _named_arms(cls, arms: dict[str, ArmDesign]) -> dict[str, ArmDesign]:
        if not arms:
            raise ValueError("a trial needs at least one arm")
        for name in arms:
            check_arm_name(name)
        return arms

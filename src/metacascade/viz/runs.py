"""What the figures ask of a run, whether one run (``Results``) or a cohort (``Cohort``)."""

from __future__ import annotations

from typing import Union

from ..catalog import scenario_from_data
from ..model import Scenario
from ..results import Cohort, Results

Run = Union[Results, Cohort]


def is_cohort(run: Run) -> bool:
    return isinstance(run, Cohort)


def scenario_of(run: Run) -> Scenario:
    """The resolved scenario that ``run`` simulated (from its provenance)."""
    return scenario_from_data(run.scenario, source="the run's provenance")


def lesion_sizes_kept(run: Run) -> bool:
    """Whether ``run`` keeps its lesions' sizes (one run, or a cohort at full detail)."""
    return not is_cohort(run) or run.detail == "full"

"""Helpers for engine tests: small assay scenarios on the mouse anatomy, lowered to engine arrays."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import Lowered, lower


def build_lowered(
    *,
    clones: dict[str, dict[str, Any]],
    injections: list[tuple[str, str, int]],
    observation_times: list[float],
    deterministic_threshold_cells: float = 1e4,
    anatomy: str = "mouse",
    **extra: Any,
) -> Lowered:
    """Lower a terse assay: ``clones`` as ``Clone`` fields, ``injections`` as (clone, vessel, cells),
    ``extra`` further ``Scenario`` fields (a ``primary``, ``paravertebral_route``)."""
    scenario = scenario_from_data(
        {
            "name": "engine_test",
            "anatomy": anatomy,
            "clones": clones,
            "injections": [{"clone": c, "vessel": v, "num_cells": n} for c, v, n in injections],
            "observation_times": observation_times,
            "deterministic_threshold_cells": deterministic_threshold_cells,
            **extra,
        }
    )
    return lower(scenario)


@pytest.fixture(scope="session")
def make_lowered() -> Callable[..., Lowered]:
    """``build_lowered``: a small lowered assay from terse arguments."""
    return build_lowered

"""Fixtures for the results tests: a hand-built outcome with a known ledger, and small real runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from outcome_builders import hand_lowered, hand_outcome, hand_provenance

SMALL_SCENARIO = Path(__file__).resolve().parents[1] / "data" / "valid" / "small_liver_assay.yaml"


@pytest.fixture
def hand_results():
    from metacascade import Results

    return Results.from_outcome(hand_outcome(), hand_lowered(), hand_provenance())


@pytest.fixture(scope="session")
def small_scenario():
    from metacascade import load_scenario

    return load_scenario(SMALL_SCENARIO)


@pytest.fixture(scope="session", params=["exact", "reference"])
def small_run(request, small_scenario):
    from metacascade import simulate

    return simulate(small_scenario, random_seed=20240601, engine=request.param)

"""The verbs: simulate accepts a Scenario, a catalogue name or a path; seeds and engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from metacascade import Results, ScenarioError, load_scenario, simulate

SMALL = Path(__file__).resolve().parent / "data" / "valid" / "small_liver_assay.yaml"


@pytest.mark.parametrize("given", [SMALL, str(SMALL), "scenario-object"])
def test_simulate_accepts_scenario_path_or_object(given):
    scenario = load_scenario(SMALL) if given == "scenario-object" else given
    results = simulate(scenario, random_seed=3)
    assert isinstance(results, Results)
    assert results.scenario_name == "small_liver_assay"
    assert results.provenance["call"] == {
        "verb": "simulate", "scenario": "small_liver_assay", "random_seed": 3, "engine": "exact",
    }
    results.check()


def test_simulate_accepts_a_catalogue_name():
    results = simulate("fidler1970_lung", random_seed=1)
    assert results.scenario_name == "fidler1970_lung"
    results.check()


def test_the_seed_is_what_decides_the_draws():
    a = simulate(SMALL, random_seed=1)
    b = simulate(SMALL, random_seed=1)
    assert a.equals(b)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ValueError, match="random_seed"):
        simulate(SMALL, random_seed=seed)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="allowed: exact, reference"):
        simulate(SMALL, random_seed=1, engine="warp")


def test_unknown_scenario_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="unknown scenario"):
        simulate("no_such_scenario")

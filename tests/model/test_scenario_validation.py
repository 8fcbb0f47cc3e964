"""Scenario files are data: a valid corpus loads, and every file of the invalid corpus fails with a
ScenarioError naming the field path, the bad value and what is allowed (ARCHITECTURE.md §6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from metacascade import Scenario, ScenarioError, load_scenario
from metacascade.catalog import scenario_from_data

DATA = Path(__file__).resolve().parents[1] / "data"
VALID = sorted((DATA / "valid").glob("*.yaml"))
INVALID = sorted((DATA / "invalid").glob("*.yaml"))

#: file stem -> substrings the message must contain: (field path, bad value, what is allowed).
EXPECTED: dict[str, tuple[str, ...]] = {
    "wrong_type_num_cells": ("injections.0.num_cells", "'many'", "valid integer"),
    "fractional_num_cells": ("injections.0.num_cells", "2.5", "valid integer"),
    "zero_num_cells": ("injections.0.num_cells", "got 0", "greater than 0"),
    "wrong_type_observation_times": ("observation_times", "'soon'", "valid tuple"),
    "wrong_type_diameter": ("clones.A.diameter_um", "'wide'", "valid number"),
    "missing_observation_times": ("observation_times", "Field required"),
    "unknown_field_top_level": ("colour", "'blue'", "not permitted", "allowed: name, description"),
    "unknown_field_clone": ("clones.A.colour", "'blue'", "not permitted", "allowed: diameter_um"),
    "negative_rate": ("clones.A.fates.apoptosis_rate", "-1.0", "greater than or equal to 0"),
    "negative_rate_organ_override": (
        "clones.A.organ_fates.liver.division_rate",
        "-0.1",
        "greater than or equal to 0",
    ),
    "negative_transit_death_rate": ("clones.A.transit_death_rate", "-10", "greater than or equal to 0"),
    "avascular_bound_too_small": ("clones.A.fates.avascular_bound_cells", "got 10", "greater than 16"),
    "shares_not_summing_to_one": ("cardiac_output_fraction", "got 1.1", "must sum to 1"),
    "unknown_organ_in_drains_to": (
        "anatomy.organs.bone.drains_to",
        "'kidney'",
        "'caval', 'portal' or 'pulmonary'",
    ),
    "lung_not_pulmonary": ("organs.lung.drains_to", "'caval'", "must be 'pulmonary'"),
    "pulmonary_drainage_not_lung": ("organs.bone.drains_to", "'pulmonary'", "only the lung"),
    "unknown_entry_vessel_target": ("entry_vessels.tail_vein", "'spleen'", "allowed: arterial, caval, portal"),
    "unknown_cavity_surface": ("cavities.peritoneal.surfaces", "'omentum'", "allowed: bone, liver, lung"),
    "lymph_drains_to_not_a_node": ("anatomy.organs.liver.lymph_drains_to", "'bone'", "allowed: nodes"),
    "lymph_loop": ("anatomy.organs.node_a.lymph_drains_to", "node_a -> node_b -> node_a", "loops"),
    "unknown_organ_in_organ_fates": ("clones.A.organ_fates", "'pancreas2'", "allowed: lung, liver"),
    "unknown_vessel": ("injections.0.vessel", "'aorta'", "allowed: tail_vein"),
    "unknown_clone_in_injection": ("injections.0.clone", "'B'", "allowed: A"),
    "non_increasing_observation_times": ("observation_times", "[3.0, 1.0]", "strictly increasing"),
    "repeated_observation_times": ("observation_times", "[1.0, 1.0]", "strictly increasing"),
    "end_time_before_last_observation": ("end_time", "2.0 < 7.0", "at or after the last observation"),
    "unknown_anatomy": ("anatomy", "'martian'", "allowed: human_adult, mouse"),
    "bad_name": ("name", "'my scenario'", "match pattern"),
    "bad_yaml": ("invalid YAML", "bad_yaml.yaml", "line 4"),
    "top_level_not_a_mapping": ("top level", "got list", "expected a mapping"),
}


def test_corpora_are_not_empty_and_every_invalid_file_has_expectations():
    assert VALID and INVALID
    assert sorted(path.stem for path in INVALID) == sorted(EXPECTED)


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_invalid_scenario_fails_with_a_clear_message(path: Path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    for expected in EXPECTED[path.stem]:
        assert expected in message, f"{expected!r} not in:\n{message}"


@pytest.mark.parametrize("path", VALID, ids=lambda path: path.stem)
def test_valid_scenario_loads_and_its_resolved_form_round_trips(path: Path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    resolved = scenario.resolved()
    again = scenario_from_data(resolved)
    assert again.resolved() == resolved
    assert resolved["end_time"] == scenario.resolved_end_time


def test_scenario_objects_are_frozen():
    scenario = load_scenario(VALID[0])
    with pytest.raises(ValidationError, match="frozen"):
        scenario.name = "changed"  # type: ignore[misc]

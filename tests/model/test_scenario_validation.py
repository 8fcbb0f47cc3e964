"""Scenario files are data: a valid corpus loads, and every file of the invalid corpus fails with a
ScenarioError naming the field path, the bad value and what is allowed (ARCHITECTURE.md §6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from metacascade import Scenario, ScenarioError, load_scenario
from metacascade.catalog import MAX_BYTES_VARIABLE, scenario_from_data

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
    "unknown_field_top_level": ("colour", "'blue'", "not permitted", "allowed: schema_version, name, description"),
    "unknown_field_clone": ("clones.A.colour", "'blue'", "not permitted", "allowed: diameter_um"),
    "negative_rate": ("clones.A.fates.apoptosis_rate", "-1.0", "greater than or equal to 0"),
    "negative_rate_organ_override": (
        "clones.A.organ_fates.liver.division_rate",
        "-0.1",
        "greater than or equal to 0",
    ),
    "negative_transit_death_rate": ("clones.A.transit_death_rate", "-10", "greater than or equal to 0"),
    "deformable_fraction_above_one": ("clones.A.deformable_fraction", "1.5", "less than or equal to 1"),
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
    "lymph_chain_to_a_missing_node": ("anatomy.organs.node_b.lymph_drains_to", "'node_c'", "allowed: node_a, node_b"),
    "unknown_organ_in_organ_fates": ("clones.A.organ_fates", "'pancreas2'", "allowed: lung, liver"),
    "unknown_vessel": ("injections.0.vessel", "'aorta'", "allowed: tail_vein"),
    "therapy_unknown_organ": ("therapy.interventions.0.organ", "'lungs'", "allowed: lung, liver"),
    "therapy_from_diagnosis_without_observation": (
        "therapy.interventions.0.relative_to", "'diagnosis' needs an observation plan", "allowed without one: start",
    ),
    "unknown_clone_in_injection": ("injections.0.clone", "'B'", "allowed: A"),
    "non_increasing_observation_times": ("observation_times", "[3.0, 1.0]", "strictly increasing"),
    "repeated_observation_times": ("observation_times", "[1.0, 1.0]", "strictly increasing"),
    "end_time_before_last_observation": ("end_time", "2.0 < 7.0", "at or after the last observation"),
    "unknown_anatomy": ("anatomy", "'martian'", "allowed: human_adult, mouse"),
    "bad_name": ("name", "'my scenario'", "match pattern"),
    "schema_version_from_the_future": ("schema_version", "version 2", "newer than this metacascade reads", "at most 1"),
    "bad_yaml": ("invalid YAML", "bad_yaml.yaml", "line 4"),
    "top_level_not_a_mapping": ("top level", "got list", "expected a mapping"),
    # files that would hang the reader or be misread (catalog/reading.py)
    "duplicate_key": ("invalid YAML", "duplicate key 'division_rate'", "first on line 7", "line 8"),
    "alias_bomb": ("more than 100,000 values", "aliases are expanded", "alias bomb", "line 9"),
    "recursive_alias": ("recursive alias", "line 5"),
    "nested_too_deep": ("nest more than 50 levels", "line 8"),
    "non_utf8": ("not UTF-8", "byte 0xe9 at offset 174", "line 4"),
    "larger_than_its_limit": ("is 476 bytes", "at most 256 bytes", "METACASCADE_MAX_SCENARIO_BYTES"),
    # numbers beyond physics (model/bounds.py)
    "rate_beyond_physics": ("clones.A.fates.birth_rate", "got 1e+308", "less than or equal to 1000000000"),
    "boolean_rate": ("clones.A.fates.division_rate", "got True", "not a boolean"),
    "nan_rate": ("clones.A.fates.death_rate", "got nan", "finite number"),
    "end_time_beyond_a_century": ("end_time", "got 40000.0", "less than or equal to 36525"),
    "too_many_observation_times": ("observation_times", "at most 1000 items", "not 1001"),
    "primary_beyond_a_body": ("primary.growth", "exponential", "7.12e+109 cells by day 365", "more than 1e+13"),
    "sheds_more_than_its_cells": ("primary.shedding_rate_per_g_day", "got 1e+09", "at most cells_per_g"),
    # combinations that leave a probability undefined
    "cells_never_leave_the_vessel": (
        "clones.A.organ_fates.liver", "vessel_death_rate and extravasation_rate", "must not both be 0",
    ),
    "cells_never_leave_the_circulation": ("clones.A.transit_death_rate", "1 µm", "inf days", "at most 365"),
}
#: file stem -> environment the file is read in.
ENVIRONMENT: dict[str, dict[str, str]] = {"larger_than_its_limit": {MAX_BYTES_VARIABLE: "256"}}


def test_corpora_are_not_empty_and_every_invalid_file_has_expectations():
    assert VALID and INVALID
    assert sorted(path.stem for path in INVALID) == sorted(EXPECTED)


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_invalid_scenario_fails_with_a_clear_message(path: Path, monkeypatch: pytest.MonkeyPatch):
    for variable, value in ENVIRONMENT.get(path.stem, {}).items():
        monkeypatch.setenv(variable, value)
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

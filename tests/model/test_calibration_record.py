"""A scenario's calibration block: its values are applied over the rest of the file, and the
record is checked like every other field."""

import pytest

from metacascade.catalog import load_scenario, scenario_from_data
from metacascade.model import ScenarioError


def _fidler(parameters: list[dict]) -> dict:
    data = load_scenario("fidler1970_lung").model_dump(mode="json", exclude={"calibration"})
    data["calibration"] = {
        "method": "abc-smc", "targets": ["fidler1970_alive_24h"], "random_seed": 1, "package_version": "0",
        "created": "2026-11-22", "parameters": parameters,
    }
    return data


def test_calibrated_values_are_applied_over_the_fields_they_name():
    scenario = scenario_from_data(_fidler([
        {"path": "clones.B16.organ_fates.lung.vessel_death_rate", "value": 7.0, "low": 5.0, "high": 9.0},
        {"path": "clones.B16.organ_fates.brain.division_rate", "value": 0.25},  # a new override is created
    ]))
    assert scenario.clones["B16"].fates_in("lung").vessel_death_rate == 7.0
    assert scenario.clones["B16"].fates_in("brain").division_rate == 0.25
    assert scenario.calibration.parameters[0].low == 5.0


def test_resolving_a_calibrated_scenario_is_idempotent():
    scenario = scenario_from_data(_fidler([{"path": "clones.B16.fates.apoptosis_rate", "value": 0.75}]))
    again = scenario_from_data(scenario.resolved())
    assert again == scenario.model_copy(update={"end_time": scenario.resolved_end_time})


@pytest.mark.parametrize("parameters, message", [
    ([{"path": "clones.B16.fates.apoptosis_rate", "value": 2.0, "low": 0.1, "high": 1.0}], "must lie in [low, high]"),
    ([{"path": "clones.B16.fates.apoptosis_rate", "value": 1.0}] * 2, "each path once"),
    ([{"path": "name.anything", "value": 1.0}], "goes through 'name'"),
    ([{"path": "clones.B16.fates.apoptosis_rat", "value": 1.0}], "apoptosis_rat"),
    ([{"path": "clones.B16.fates.apoptosis_rate", "value": -1.0}], "apoptosis_rate"),
    ([], "parameters"),
])
def test_a_bad_record_names_the_field_and_what_is_allowed(parameters, message):
    with pytest.raises(ScenarioError, match=None) as error:
        scenario_from_data(_fidler(parameters))
    assert message in str(error.value)

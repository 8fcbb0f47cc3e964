"""A scenario's calibration block: its values are applied over the rest of the file, the record
is checked like every other field, and it cannot describe a file its fit did not start from."""

import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from metacascade.catalog import SCENARIO_DIR, load_scenario, scenario_from_data
from metacascade.model import Scenario, ScenarioError, StaleCalibrationWarning
from metacascade.model.paths import value_in_force

COLON = SCENARIO_DIR / "colon_patient.yaml"
LIVER_RATE = "clones.A.organ_fates.liver.division_rate"


def _fidler(parameters: list[dict]) -> dict:
    """fidler1970_lung (its calibrated values as plain values) with a record of ``parameters``,
    each starting, unless it says otherwise, from the value in force at its path."""
    scenario = load_scenario("fidler1970_lung").with_values({})
    data = scenario.model_dump(mode="json")
    for parameter in parameters:
        if "start" not in parameter:
            try:
                parameter["start"] = value_in_force(scenario, parameter["path"])
            except ValueError:
                parameter["start"] = 1.0  # a path to nothing: the record's application reports it
    data["calibration"] = {
        "method": "abc-smc", "targets": ["fidler1970_alive_24h"], "random_seed": 1, "package_version": "0",
        "created": "2026-11-22", "command": "metacascade calibrate fidler1970_lung", "parameters": parameters,
    }
    return data


def _edited_colon(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the catalogue's colon_patient.yaml with the line ``old`` replaced by ``new``, as a user edits it."""
    text = COLON.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "my_colon.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


#: The user's edit: a liver division rate of 5e-6 in a copy of colon_patient.yaml (the catalogue
#: file writes liver: *permissive, the start of its soil fit: 1e-7 for both rates).
USER_EDIT = ("      liver: *permissive\n", "      liver: {division_rate: 5.0e-6, reactivation_rate: 1.0e-7}\n")


def test_calibrated_values_are_applied_over_the_fields_they_name():
    scenario = scenario_from_data(_fidler([
        {"path": "clones.B16.organ_fates.lung.vessel_death_rate", "value": 7.0, "low": 5.0, "high": 9.0},
        {"path": "clones.B16.organ_fates.brain.division_rate", "value": 0.25},  # a new override is created
    ]))
    assert scenario.clones["B16"].fates_in("lung").vessel_death_rate == 7.0
    assert scenario.clones["B16"].fates_in("brain").division_rate == 0.25
    assert scenario.calibration.parameters[0].low == 5.0
    # the brain rate started from the clone's own rate, in force where no organ overrides it
    assert scenario.calibration.parameters[1].start == scenario.clones["B16"].fates.division_rate != 0.25


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
    ([{"path": "clones.B16.fates.apoptosis_rate", "value": 1.0, "start": None}], "start"),
])
def test_a_bad_record_names_the_field_and_what_is_allowed(parameters, message):
    with pytest.raises(ScenarioError, match=None) as error:
        scenario_from_data(_fidler(parameters))
    assert message in str(error.value)


def test_a_record_without_the_value_its_fit_started_from_is_refused():
    data = _fidler([{"path": "clones.B16.fates.apoptosis_rate", "value": 0.75}])
    del data["calibration"]["parameters"][0]["start"]
    with pytest.raises(ScenarioError, match=r"calibration\.parameters\.0\.start: Field required"):
        scenario_from_data(data)


def test_a_copy_edited_at_a_calibrated_path_names_the_path_both_values_and_the_way_out(tmp_path):
    with pytest.raises(ScenarioError) as error:
        load_scenario(_edited_colon(tmp_path, *USER_EDIT))
    message = str(error.value)
    calibrated = value_in_force(load_scenario("colon_patient"), LIVER_RATE)
    assert f"{LIVER_RATE} is 5e-06 in the file, the fit started from 1e-07 (and calibrated it to {calibrated:g})" in message
    assert "at 1 of its calibrated path(s)" in message  # the reactivation rate kept its start
    assert load_scenario("colon_patient").calibration.command in message
    for way_out in ("Remove the calibration block", "metacascade derive", "--drop-stale-calibration"):
        assert way_out in message


def test_a_changed_default_that_organ_rates_started_from_is_a_change_at_their_paths(tmp_path):
    path = _edited_colon(tmp_path, "      division_rate: 1.0e-8\n", "      division_rate: 1.0e-6\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    # the 30 diSibio sites less the 11 organs the file overrides start from the clone's own rate
    assert "at 19 of its calibrated path(s)" in str(error.value) and "and 16 more" in str(error.value)
    assert "clones.A.organ_fates.bladder.division_rate is 1e-06 in the file, the fit started from 1e-08" in str(
        error.value)


def test_an_invalid_value_at_a_calibrated_path_is_reported_not_overwritten(tmp_path):
    path = _edited_colon(tmp_path, *(line.replace("5.0e-6", "-5.0e-6") for line in USER_EDIT))
    with pytest.raises(ScenarioError, match=rf"{LIVER_RATE}: Input should be greater than or equal to 0 \(got -5e-06"):
        load_scenario(path)


def test_dropping_a_stale_record_loads_the_files_own_values_with_a_warning(tmp_path):
    path = _edited_colon(tmp_path, *USER_EDIT)
    with pytest.warns(StaleCalibrationWarning, match=f"calibration record dropped: .*{LIVER_RATE} is 5e-06"):
        scenario = load_scenario(path, stale_calibration="drop")
    assert scenario.calibration is None
    clone = scenario.clones["A"]
    assert clone.fates_in("liver").division_rate == 5e-6
    assert clone.fates_in("bladder").division_rate == clone.fates.division_rate == 1e-8  # not the calibrated value


def test_an_unchanged_record_loads_without_a_warning_whatever_the_option():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = load_scenario(COLON, stale_calibration="drop")
    assert kept == load_scenario("colon_patient") and kept.calibration is not None


def test_the_pydantic_path_checks_the_record_too_and_takes_the_option_as_context(tmp_path):
    data = load_scenario("colon_patient").model_dump(mode="json")
    data["clones"]["A"]["organ_fates"]["liver"]["division_rate"] = 5e-6
    with pytest.raises(ValidationError, match=f"{LIVER_RATE} is 5e-06 in the file"):
        Scenario.model_validate(data)
    with pytest.warns(StaleCalibrationWarning):
        assert Scenario.model_validate(data, context={"stale_calibration": "drop"}).calibration is None


def test_an_unknown_option_names_the_allowed_ones():
    with pytest.raises(ScenarioError, match=r"stale_calibration: must be one of error, drop \(got 'keep'\)"):
        load_scenario("colon_patient", stale_calibration="keep")


def test_with_values_sets_the_values_and_keeps_the_calibrated_ones_as_plain_values():
    calibrated = load_scenario("colon_patient")
    derived = calibrated.with_values({"primary.shedding_rate_per_g_day": 1e6, LIVER_RATE: 5e-6})
    assert derived.calibration is None and calibrated.calibration is not None
    assert derived.primary.shedding_rate_per_g_day == 1e6 and value_in_force(derived, LIVER_RATE) == 5e-6
    bladder = "clones.A.organ_fates.bladder.division_rate"
    assert value_in_force(derived, bladder) == value_in_force(calibrated, bladder) != 1e-8  # the file's start
    assert calibrated.primary.shedding_rate_per_g_day == 3.2e6  # the original is unchanged
    assert scenario_from_data(derived.model_dump(mode="json")) == derived


def test_with_values_reaches_list_items_and_organs_not_overridden_yet():
    assay = load_scenario("luzzi1998_liver")
    derived = assay.with_values({"injections.0.num_cells": 1000, "clones.B16F1.organ_fates.lung.division_rate": 0.5})
    assert derived.injections[0].num_cells == 1000 and "lung" not in assay.clones["B16F1"].organ_fates
    assert derived.clones["B16F1"].fates_in("lung").division_rate == 0.5


@pytest.mark.parametrize("path, value, message", [
    ("clones.B.fates.division_rate", 0.5, "clones.B.fates.division_rate: no 'B' in clones; there: B16F1"),
    ("clones.B16F1.fates.division_rat", 0.5, "no 'division_rat' in clones.B16F1.fates; there: vessel_death_rate,"),
    ("clones.B16F1.organ_fates.livr.division_rate", 0.5, "no organ 'livr' in the anatomy; organs: "),
    ("clones.B16F1.organ_fates.lung.division_rat", 0.5, "division_rat: Extra inputs are not permitted; allowed: "),
    ("primary.shedding_rate_per_g_day", 1e6, "primary.shedding_rate_per_g_day: primary is null (not set)"),
    ("injections.1.num_cells", 10, "injections holds 1 item(s), numbered from 0 (got '1')"),
    ("observation_times.0.days", 1.0, "observation_times.0 is a float, with nothing inside"),
    ("clones.B16F1.fates.division_rate", -0.5, "division_rate: Input should be greater than or equal to 0"),
])
def test_with_values_names_a_path_that_names_nothing_and_what_is_there(path, value, message):
    with pytest.raises(ScenarioError) as error:
        load_scenario("luzzi1998_liver").with_values({path: value})
    assert message in str(error.value)

"""A scenario as the values in force: organ overrides merged, one section, one organ, a diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from metacascade import load_scenario
from metacascade.catalog.in_force import differences, in_force, organ_rows, section
from metacascade.model import FateRates

DATA = Path(__file__).resolve().parents[1] / "data" / "valid"
TWO_CLONES = DATA / "two_clones_inline_anatomy.yaml"  # clone 'large' overrides bone's division rate (0.5)


def leaves(data, path=""):
    """Every (dotted path, value) under ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    else:
        yield path, data


@pytest.mark.parametrize("name", ["breast_patient", "luzzi1998_liver", TWO_CLONES])
def test_every_organ_override_holds_the_rates_in_force_there(name):
    scenario = load_scenario(name)
    data = in_force(scenario)
    for clone_name, clone in scenario.clones.items():
        for organ, rates in data["clones"][clone_name]["organ_fates"].items():
            assert rates == clone.fates_in(organ).model_dump(mode="json")
            assert None not in rates.values() and set(rates) == set(FateRates.model_fields)


def test_an_organ_without_overrides_shows_the_clones_own_rates():
    scenario = load_scenario(TWO_CLONES)
    rows = organ_rows(in_force(scenario, organs=("liver",)), "liver")
    assert rows["anatomy"]["organs"]["liver"]["mass_g"] == 2.0
    assert rows["clones"]["small"]["organ_fates"]["liver"] == scenario.clones["small"].fates.model_dump(mode="json")
    assert set(rows["clones"]) == {"small", "large"}


def test_an_unknown_organ_is_named_with_the_organs_there():
    with pytest.raises(ValueError, match=r"organ: no organ 'spleen' in the anatomy 'tiny'; organs: lung, liver, bone"):
        in_force(load_scenario(TWO_CLONES), organs=("spleen",))


def test_the_diff_holds_what_the_scenario_sets_and_where_an_organ_differs():
    scenario = load_scenario(TWO_CLONES)
    found = differences(scenario, in_force(scenario))
    assert found["clones"] == {
        "small": {"diameter_um": 8.0},
        "large": {"diameter_um": 18.0, "organ_fates": {"bone": {"division_rate": 0.5}}},
    }
    assert found["observation_times"] == [1.0, 7.0] and found["end_time"] == 10.0
    assert "deterministic_threshold_cells" not in found and "schema_version" not in found
    # an inline anatomy has no catalogue defaults: its values are shown, less the models' defaults
    assert found["anatomy"]["organs"]["bone"] == {
        "mass_g": 3.0, "cardiac_output_fraction": 0.6, "drains_to": "caval", "bed_diameter_um": 8.0}


def test_a_catalogue_anatomy_left_as_it_is_is_not_in_the_diff():
    scenario = load_scenario("luzzi1998_liver")
    found = differences(scenario, in_force(scenario))
    assert "anatomy" not in found
    liver = found["clones"]["B16F1"]["organ_fates"]["liver"]
    in_liver = scenario.clones["B16F1"].fates_in("liver")
    everywhere = scenario.clones["B16F1"].fates
    assert liver == {name: value for name, value in in_liver.model_dump().items()
                     if value != getattr(everywhere, name)} and liver
    assert found["calibration"]["parameters"].startswith(f"{len(scenario.calibration.parameters)} calibrated values")
    assert "end_time" not in found  # the last observation, as by default


def test_the_diff_of_one_organ_is_its_differing_rates_only():
    scenario = load_scenario(TWO_CLONES)
    data = in_force(scenario, organs=("bone",))
    assert organ_rows(differences(scenario, data), "bone")["clones"] == {
        "large": {"organ_fates": {"bone": {"division_rate": 0.5}}}}
    data = in_force(scenario, organs=("lung",))
    assert "clones" not in organ_rows(differences(scenario, data), "lung")  # no clone's soil differs there


def test_a_section_is_found_by_dotted_path_or_named_where_it_is_not():
    data = in_force(load_scenario(TWO_CLONES))
    assert section(data, "clones.large.organ_fates.bone.division_rate") == {
        "clones.large.organ_fates.bone.division_rate": 0.5}
    assert section(data, "injections.1.num_cells") == {"injections.1.num_cells": 1000}
    with pytest.raises(ValueError, match=r"only: no 'x' in clones \(path 'clones.x'\); there: small, large"):
        section(data, "clones.x")
    with pytest.raises(ValueError, match=r"injections holds 2 item\(s\), numbered from 0"):
        section(data, "injections.5")
    with pytest.raises(ValueError, match=r"clones.small.diameter_um is a value, with nothing inside"):
        section(data, "clones.small.diameter_um.x")


def test_the_values_in_force_leave_no_null_in_a_clone():
    data = in_force(load_scenario("breast_patient"))
    assert not [path for path, value in leaves(data["clones"]) if value is None]

"""The form of the web page (web/form.py): each field carries its schema description (units) and
bounds, narrowed by the page's limits; a filled form gives the scenario with those values written
at their paths and nothing else changed, and a value outside its range is refused by name."""

from __future__ import annotations

import json

import pytest

from metacascade import ScenarioError, load_scenario
from metacascade.catalog.schema import SCHEMA_FILE
from metacascade.web.form import PATIENTS, SEED, YEARS, apply_form, key_fields, schema_node
from metacascade.web.limits import MAX_INJECTED_CELLS, MAX_PATIENTS, MAX_YEARS

SHIPPED = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
GROWTH_RATE = SHIPPED["$defs"]["GrowthLaw"]["properties"]["rate_per_day"]
SHEDDING_RATE = SHIPPED["$defs"]["PrimaryTumour"]["properties"]["shedding_rate_per_g_day"]
NUM_CELLS = SHIPPED["$defs"]["Injection"]["properties"]["num_cells"]


def form_values(scenario, **changes):
    """What the page sends for ``scenario``'s form: every field's value, with ``changes`` (key -> value)."""
    return {**{field.key: field.value for field in key_fields(scenario)}, **changes}


def test_a_patient_form_has_the_primary_the_follow_up_and_the_run_options_with_units_and_schema_bounds():
    scenario = load_scenario("breast_patient")
    fields = {field.key: field for field in key_fields(scenario)}
    assert list(fields) == ["primary.growth.rate_per_day", "primary.shedding_rate_per_g_day",
                            "primary.vascularisation_cells", YEARS, PATIENTS, SEED]
    growth = fields["primary.growth.rate_per_day"]
    assert (growth.help, growth.value) == (GROWTH_RATE["description"], scenario.primary.growth.rate_per_day)
    assert "per day" in growth.help
    assert (growth.minimum, growth.minimum_excluded, growth.maximum) == (
        GROWTH_RATE["exclusiveMinimum"], True, GROWTH_RATE["maximum"])
    assert growth.range_text == "above 0, at most 1e+09"
    shedding = fields["primary.shedding_rate_per_g_day"]
    assert shedding.help.startswith("cells shed per gram per day")
    assert (shedding.minimum, shedding.minimum_excluded, shedding.maximum) == (
        SHEDDING_RATE["minimum"], False, SHEDDING_RATE["maximum"])
    assert (fields[YEARS].value, fields[YEARS].maximum, fields[YEARS].integer) == (10, MAX_YEARS, True)
    assert (fields[PATIENTS].minimum, fields[PATIENTS].maximum) == (1, MAX_PATIENTS)
    assert fields[PATIENTS].range_text == f"from 1 to {MAX_PATIENTS}"


def test_an_assay_form_has_its_injected_cells_bounded_by_the_page_and_no_follow_up():
    scenario = load_scenario("luzzi1998_liver")
    fields = {field.key: field for field in key_fields(scenario)}
    assert list(fields) == ["injections.0.num_cells", PATIENTS, SEED]
    cells = fields["injections.0.num_cells"]
    assert cells.label == "cells injected (B16F1, mesenteric_vein)"
    assert (cells.value, cells.integer, cells.help) == (300_000, True, NUM_CELLS["description"])
    assert (cells.minimum, cells.maximum) == (NUM_CELLS["minimum"], MAX_INJECTED_CELLS)
    assert MAX_INJECTED_CELLS < NUM_CELLS["maximum"]
    assert cells.range_text == "from 1 to 10,000,000"
    assert fields[PATIENTS].value == 1


def test_a_form_sent_unchanged_runs_the_catalogue_scenario_as_it_is_with_its_calibration():
    scenario = load_scenario("luzzi1998_liver")
    same, patients, seed = apply_form(scenario, form_values(scenario, seed=7))
    assert same is scenario and same.calibration is not None
    assert (patients, seed) == (1, 7)


def test_changed_values_are_written_at_their_paths_and_years_as_a_yearly_schedule():
    scenario = load_scenario("breast_patient")
    changed, patients, seed = apply_form(scenario, form_values(
        scenario, **{"primary.growth.rate_per_day": 0.001, YEARS: 3, PATIENTS: 12}))
    yearly = [365.25, 730.5, 1095.75]
    assert changed == scenario.with_values({
        "primary.growth.rate_per_day": 0.001, "observation_times": yearly,
        "observation.imaging_times": yearly, "observation.draw_times": yearly,
    })
    assert changed.primary.growth.rate_per_day == 0.001 and list(changed.observation_times) == yearly
    assert changed.primary.shedding_rate_per_g_day == scenario.primary.shedding_rate_per_g_day
    assert (patients, seed) == (12, 1)


def test_values_that_are_not_numbers_in_their_range_are_refused_naming_each_field():
    scenario = load_scenario("breast_patient")
    with pytest.raises(ScenarioError) as refusal:
        apply_form(scenario, form_values(scenario, **{
            "primary.growth.rate_per_day": 0.0, "primary.shedding_rate_per_g_day": None, PATIENTS: 201,
            SEED: 2.5, YEARS: "ten",
        }))
    assert str(refusal.value).split("; ") == [
        "primary growth rate: enter a number above 0, at most 1e+09 (got 0.0)",
        "primary shedding rate: enter a number from 0 to 1e+10",
        "follow-up: enter a whole number from 1 to 30 (got 'ten')",
        "patients: enter a whole number from 1 to 200 (got 201)",
        "random seed: enter a whole number from 0 to 4,294,967,295 (got 2.5)",
    ]


def test_schema_nodes_are_the_shipped_schema_fields_and_an_unknown_path_is_named():
    assert schema_node("injections.0.num_cells") == NUM_CELLS
    assert schema_node("primary.growth.rate_per_day") == GROWTH_RATE
    assert schema_node("clones.A.fates.division_rate") == SHIPPED["$defs"]["FateRates"]["properties"]["division_rate"]
    with pytest.raises(KeyError, match="primary.growth.speed: the scenario schema has nothing at 'speed'"):
        schema_node("primary.growth.speed")


def test_a_new_follow_up_moves_the_end_of_a_scenario_that_sets_one():
    scenario = load_scenario("breast_patient").with_values({"end_time": 3652.5})
    changed, _, _ = apply_form(scenario, form_values(scenario, **{YEARS: 2}))
    assert (list(changed.observation_times), changed.end_time) == ([365.25, 730.5], 730.5)

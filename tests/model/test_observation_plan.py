"""The observation plan: defaults from their sources, validation errors that name field, value and
rule, and its lowering to engine numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metacascade import ScenarioError
from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import lower
from metacascade.model import ObservationPlan


def patient(primary: bool = True, **plan) -> dict:
    data = {
        "name": "observed", "anatomy": "human_adult", "clones": {"A": {}},
        "observation_times": [365.0, 730.0],
        "observation": plan,
    }
    if primary:
        data["primary"] = {"site": "breast", "growth": {"rate_per_day": 0.002}, "clone_mix": {"A": 1.0}}
    else:
        data["injections"] = [{"clone": "A", "vessel": "tail_vein", "num_cells": 10}]
    return data


def test_defaults_come_from_their_sources():
    plan = ObservationPlan()
    assert plan.lethal_burden_cells == 1e12  # lethal_burden_nmax
    assert plan.detection_threshold_cells == 1e9  # ~1 cm3 (delmonte2009_cells_per_cm3)
    assert plan.draw_volume_ml == 7.5
    assert plan.imaging_times == () and plan.draw_times == () and plan.organ_lethal_cells == {}
    assert plan.symptom_rate_per_cm3_year == 0.0 and plan.screening  # diagnosed by imaging alone, as before


@pytest.mark.parametrize(
    "plan, primary, expected",
    [
        ({"imaging_times": [300.0, 100.0]}, True,
         ("observation.imaging_times", "[300.0, 100.0]", "strictly increasing")),
        ({"draw_times": [10.0, 10.0]}, True, ("observation.draw_times", "[10.0, 10.0]", "strictly increasing")),
        ({"draw_volume_ml": 6000.0}, True,
         ("observation.draw_volume_ml", "got 6000", "must not exceed blood_volume_ml = 5000 mL")),
        ({"detection_threshold_cells": 0}, True, ("observation.detection_threshold_cells", "got 0", "greater than or equal to 1")),
        ({"ctc_half_life_min": 90.0}, True, ("observation.ctc_half_life_min", "allowed: imaging_times")),  # follows from the circulation
        ({"organ_lethal_cells": {"livr": 1e11}}, True,
         ("observation.organ_lethal_cells", "'livr'", "allowed: lung, liver")),
        ({"organ_lethal_cells": {"liver": -1}}, True,
         ("observation.organ_lethal_cells.liver", "got -1", "greater than or equal to 1")),
        ({"draw_times": [100.0, 800.0]}, True,
         ("observation.draw_times", "[100.0, 800.0]", "at or before the last of observation_times (730 days)")),
        ({"imaging_times": [1000.0]}, True, ("observation.imaging_times", "[1000.0]", "(730 days)")),
        ({"colour": "blue"}, True, ("observation.colour", "'blue'", "allowed: imaging_times")),
        ({"symptom_rate_per_cm3_year": -0.1}, True,
         ("observation.symptom_rate_per_cm3_year", "got -0.1", "greater than or equal to 0")),
        ({"screening": "sometimes"}, True, ("observation.screening", "'sometimes'", "valid boolean")),
        ({"screening_uptake": 1.5}, True, ("observation.screening_uptake", "got 1.5", "less than or equal to 1")),
        ({"screening": False, "screening_uptake": 0.7}, True,
         ("observation", "screening_uptake: 0.7 needs screening: true")),
        ({}, False, ("observation", "needs a primary tumour")),
    ],
)
def test_invalid_plans_name_field_value_and_rule(plan, primary, expected):
    with pytest.raises(ScenarioError) as error:
        scenario_from_data(patient(primary, **plan))
    message = str(error.value)
    for part in expected:
        assert part in message, message


def test_the_plan_lowers_to_days_shares_and_organ_limits():
    scenario = scenario_from_data(patient(imaging_times=[100.0, 200.0], draw_times=[150.0],
                                          blood_volume_ml=6000.0, organ_lethal_cells={"liver": 1e11}))
    assert scenario.resolved()["observation"]["lethal_burden_cells"] == 1e12
    observation = lower(scenario).observation
    np.testing.assert_array_equal(observation.imaging_times, [100.0, 200.0])
    np.testing.assert_array_equal(observation.draw_times, [150.0])
    assert observation.draw_fraction == 7.5 / 6000.0
    symptomatic = lower(scenario_from_data(patient(symptom_rate_per_cm3_year=0.73, screening=False))).observation
    assert symptomatic.symptom_rate == pytest.approx(0.73 / 365.25) and not symptomatic.screening
    limits = dict(zip(scenario.anatomy.organ_names, observation.organ_lethal_cells))
    assert limits.pop("liver") == 1e11 and all(limit == math.inf for limit in limits.values())


def test_a_scenario_without_a_plan_lowers_to_none():
    data = patient()
    del data["observation"]
    assert lower(scenario_from_data(data)).observation is None

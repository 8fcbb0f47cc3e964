"""PatientVariation: no variation by default, readable errors, and the lognormal it describes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metacascade.catalog import scenario_from_data
from metacascade.model import PatientVariation, ScenarioError
from metacascade.model.variation import lognormal_sigma


def breast(variation=None):
    primary = {"site": "breast", "growth": {"rate_per_day": 0.0006}, "clone_mix": {"A": 1.0}}
    if variation is not None:
        primary["variation"] = variation
    return scenario_from_data({
        "name": "varied", "anatomy": "human_adult", "clones": {"A": {}}, "primary": primary,
        "observation_times": [100.0],
    })


def test_by_default_no_patient_differs():
    variation = breast().primary.variation
    assert variation == PatientVariation()
    assert (variation.growth_rate_cv, variation.shedding_rate_cv, variation.clone_mix_concentration) == (0, 0, None)
    assert variation.growth_rate_sigma == variation.shedding_rate_sigma == 0.0


def test_a_scenario_states_its_variation_and_resolves_it():
    scenario = breast({"growth_rate_cv": 0.6, "clone_mix_concentration": 20})
    assert scenario.primary.variation.growth_rate_cv == 0.6
    assert scenario.resolved()["primary"]["variation"] == {
        "growth_rate_cv": 0.6, "shedding_rate_cv": 0.0, "clone_mix_concentration": 20.0,
        "node_avid_fraction": 0.0, "node_avid_log10": 0.0, "node_other_log10": 0.0,
    }


@pytest.mark.parametrize(
    "variation, expected",
    [
        ({"growth_rate_cv": -0.1}, ("primary.variation.growth_rate_cv", "greater than or equal to 0", "-0.1")),
        ({"shedding_rate_cv": "wide"}, ("primary.variation.shedding_rate_cv", "valid number", "'wide'")),
        ({"node_avid_log10": 4.0}, ("primary.variation.node_avid_log10", "less than or equal to 3", "4.0")),
        ({"node_avid_fraction": 1.5}, ("primary.variation.node_avid_fraction", "less than or equal to 1", "1.5")),
        ({"clone_mix_concentration": 0}, ("primary.variation.clone_mix_concentration", "greater than 0", "got 0")),
        ({"growth_cv": 0.5}, ("primary.variation.growth_cv", "Extra inputs", "allowed: growth_rate_cv")),
    ],
)
def test_bad_variation_names_field_value_and_rule(variation, expected):
    with pytest.raises(ScenarioError) as info:
        breast(variation)
    for part in expected:
        assert part in str(info.value)


@pytest.mark.parametrize("cv", [0.1, 0.6, 1.0, 3.0])
def test_sigma_gives_a_lognormal_with_that_coefficient_of_variation(cv):
    sigma = lognormal_sigma(cv)
    assert math.sqrt(math.expm1(sigma**2)) == pytest.approx(cv, rel=1e-12)
    # the breast choice: median 164 days with CV 0.6 has mean ~191 and SD ~115 days
    # (breast_tvdt_clinical: 185 ± 126, median 164)
    mean = 164 * math.exp(lognormal_sigma(0.6) ** 2 / 2)
    assert mean == pytest.approx(164 * np.sqrt(1.36))

"""The host is data: factors on immune killing (varying across patients or not) and reactivation, a
menopausal status and a sex, each given or drawn with a chance, and pre-metastatic niches; its defaults are a host
that changes nothing, and bad values name the field, the value and what is allowed."""

from __future__ import annotations

import pytest

from metacascade import ScenarioError
from metacascade.catalog import scenario_from_data
from metacascade.model import Host
from metacascade.model.host import NICHE_RATES, PreMetastaticNiche

LUNG = {"organ": "lung", "max_factor": 10.0, "half_mass_g": 2.0}


def scenario_data(host) -> dict:
    return {"name": "hosted", "anatomy": "mouse", "clones": {"A": {}}, "observation_times": [10.0],
            "injections": [{"clone": "A", "vessel": "tail_vein", "num_cells": 100}], "host": host}


def error_of(host: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(scenario_data(host))
    return str(caught.value)


AGE = {"mean_years": 57.0, "sd_years": 13.0}
MORTALITY = {"makeham_per_year": 2e-4, "gompertz_at_50_per_year": 0.0027, "slope_per_year": 0.09}


def test_the_default_host_changes_nothing_and_its_status_is_unknown():
    host = Host()
    assert (host.immune_status, host.immune_status_sigma, host.reactivation_factor) == (1.0, 0.0, 1.0)
    assert host.postmenopausal is None and host.niches == ()


def test_the_menopausal_status_is_a_chance_of_being_postmenopausal():
    assert Host(menopausal_status="postmenopausal").postmenopausal == 1.0
    assert Host(menopausal_status="premenopausal").postmenopausal == 0.0
    assert Host(postmenopausal_probability=0.63).postmenopausal == 0.63


def test_the_sex_is_a_chance_of_being_female_and_unknown_by_default():
    assert Host().female is None
    assert (Host(sex="female").female, Host(sex="male").female, Host(female_probability=0.35).female) == (1.0, 0.0, 0.35)


def test_a_host_round_trips_through_the_resolved_form():
    host = {"immune_status": 0.5, "immune_status_sigma": 0.4, "reactivation_factor": 3.0, "menopausal_status": None,
            "postmenopausal_probability": 0.63, "sex": None, "female_probability": 0.4,
            "niches": [{**LUNG, "rates": ["extravasation_rate", "vessel_death_rate"], "function": "saturating"}],
            "age_at_start": {**AGE, "min_years": 20.0, "max_years": 95.0, "source": "SEER"},
            "other_cause_mortality": {**MORTALITY, "source": "life table"}}
    scenario = scenario_from_data(scenario_data(host))
    resolved = scenario.resolved()
    assert resolved["host"] == host
    assert scenario_from_data(resolved).resolved() == resolved


def test_ages_and_death_from_other_causes_are_off_by_default_and_the_mortality_needs_ages():
    assert Host().age_at_start is None and Host().other_cause_mortality is None
    host = Host(age_at_start=AGE, other_cause_mortality=MORTALITY)
    assert (host.age_at_start.min_years, host.age_at_start.max_years) == (18.0, 100.0)


@pytest.mark.parametrize(("host", "words"), [
    ({"immune_status": 0.0}, ["host.immune_status", "greater than 0"]),
    ({"immune_status": 1e4}, ["host.immune_status", "less than or equal to 1000"]),
    ({"reactivation_factor": 0.5}, ["host.reactivation_factor", "greater than or equal to 1"]),
    ({"menopausal_status": "perimenopausal"}, ["host.menopausal_status", "premenopausal", "postmenopausal"]),
    ({"postmenopausal_probability": 1.5}, ["host.postmenopausal_probability", "less than or equal to 1"]),
    ({"menopausal_status": "premenopausal", "postmenopausal_probability": 0.5},
     ["postmenopausal_probability", "either menopausal_status", "'premenopausal'", "0.5", "not both"]),
    ({"sex": "other"}, ["host.sex", "'female'", "'male'", "'other'"]),
    ({"sex": "male", "female_probability": 0.5}, ["female_probability", "either sex", "'male'", "0.5", "not both"]),
    ({"female_probability": -0.1}, ["host.female_probability", "greater than or equal to 0"]),
    ({"immune_status": True}, ["host.immune_status", "not a boolean"]),
    ({"immune_status_sigma": -0.1}, ["host.immune_status_sigma", "greater than or equal to 0", "-0.1"]),
    ({"niches": [{**LUNG, "organ": "breast"}]}, ["host.niches.0.organ", "'breast'", "allowed: lung, liver"]),
    ({"niches": [{**LUNG, "rates": ["gompertz_rate"]}]},
     ["host.niches.0.rates", "'gompertz_rate' fixes a lesion's size", "allowed: vessel_death_rate"]),
    ({"niches": [{**LUNG, "rates": ["arrest_rate"]}]}, ["host.niches.0.rates", "'arrest_rate' is not a fate rate"]),
    ({"niches": [{**LUNG, "rates": ["division_rate", "division_rate"]}]}, ["'division_rate' listed twice"]),
    ({"niches": [{**LUNG, "max_factor": 0.5}]}, ["host.niches.0.max_factor", "greater than or equal to 1", "0.5"]),
    ({"niches": [{**LUNG, "half_mass_g": 0.0}]}, ["host.niches.0.half_mass_g", "greater than or equal to", "0.0"]),
    ({"niches": [{**LUNG, "function": "linear"}]}, ["host.niches.0.function", "'saturating'", "'linear'"]),
    ({"other_cause_mortality": MORTALITY}, ["other_cause_mortality", "needs age_at_start"]),
    ({"age_at_start": {"mean_years": 10.0}}, ["host.age_at_start", "mean_years", "[18, 100]", "10"]),
    ({"age_at_start": {"mean_years": 200.0}}, ["host.age_at_start.mean_years", "less than or equal to 125"]),
    ({"age_at_start": AGE, "other_cause_mortality": {**MORTALITY, "slope_per_year": 2.0}},
     ["host.other_cause_mortality.slope_per_year", "less than or equal to 1"]),
])
def test_invalid_values_name_the_field_the_value_and_what_is_allowed(host, words):
    message = error_of(host)
    for word in words:
        assert word in message


def test_a_niche_raises_extravasation_and_division_by_default_and_may_raise_any_rate_but_the_fixed_two():
    assert PreMetastaticNiche(**LUNG).rates == ("extravasation_rate", "division_rate")
    assert PreMetastaticNiche(**LUNG).function == "saturating"
    assert "avascular_bound_cells" not in NICHE_RATES and "gompertz_rate" not in NICHE_RATES
    assert PreMetastaticNiche(**LUNG, rates=NICHE_RATES).rates == NICHE_RATES

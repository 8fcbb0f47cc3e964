"""What one request of the web page may ask for (web/limits.py): patients, injected cells, years
of follow-up and estimated CPU time, each refused by name with a TooMuchWork before anything is
drawn; every catalogue scenario, as its form first offers it, is within them."""

from __future__ import annotations

import pytest

from metacascade import load_scenario, scenario_names
from metacascade.engine.estimate import estimate
from metacascade.engine.lower import lower
from metacascade.errors import TooMuchWork
from metacascade.web.form import PATIENTS, key_fields
from metacascade.web.limits import MAX_CPU_SECONDS, MAX_PATIENTS, check_request


@pytest.mark.parametrize("name", scenario_names())
def test_every_catalogue_scenario_is_within_the_limits_with_the_patients_its_form_offers(name):
    scenario = load_scenario(name)
    patients = next(field.value for field in key_fields(scenario) if field.key == PATIENTS)
    cost = check_request(scenario, patients)
    assert cost == estimate(lower(scenario)) and cost.cpu_seconds * patients <= MAX_CPU_SECONDS


def test_more_patients_than_the_page_runs_are_refused():
    with pytest.raises(TooMuchWork) as refusal:
        check_request(load_scenario("breast_patient"), MAX_PATIENTS + 1)
    assert str(refusal.value) == "patients: from 1 to 200 on this page (got 201); run it with `metacascade run` instead"


def test_more_injected_cells_than_the_page_injects_are_refused():
    scenario = load_scenario("luzzi1998_liver").with_values({"injections.0.num_cells": 10**7 + 1})
    with pytest.raises(TooMuchWork, match=r"^injections.num_cells: at most 10,000,000 cells injected in all on this "
                                          r"page \(got 10,000,001\)"):
        check_request(scenario, 1)


@pytest.mark.parametrize("field", ["observation_times", "end_time"])
def test_a_follow_up_beyond_thirty_years_is_refused_naming_the_field_that_sets_it(field):
    scenario = load_scenario("fidler1970_lung").with_values({field: [31 * 365.25] if field == "observation_times"
                                                             else 31 * 365.25})
    with pytest.raises(TooMuchWork, match=rf"^{field}: at most 30 years of follow-up on this page \(got 31\)"):
        check_request(scenario, 1)


def test_every_limit_exceeded_is_named_at_once():
    scenario = load_scenario("luzzi1998_liver").with_values({"injections.0.num_cells": 2 * 10**7})
    with pytest.raises(TooMuchWork) as refusal:
        check_request(scenario, 500)
    assert str(refusal.value).startswith("patients: from 1 to 200 on this page (got 500); injections.num_cells:")


def test_patients_within_the_limit_whose_estimated_cpu_time_is_beyond_the_page_are_refused():
    scenario = load_scenario("luzzi1998_liver").with_values({"injections.0.num_cells": 10**7})
    seconds = estimate(lower(scenario)).cpu_seconds
    patients = int(MAX_CPU_SECONDS / seconds) + 1
    assert patients <= MAX_PATIENTS  # the CPU limit, not the patients', refuses it
    check_request(scenario, patients - 1)
    with pytest.raises(TooMuchWork, match=rf"^patients: {patients} runs of ~{seconds:.3g} s each need ~.* s of CPU "
                                          r"\(at most 60 s on this page\)"):
        check_request(scenario, patients)

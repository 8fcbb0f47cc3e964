"""Therapy schedules are data: each kind validates its factors, the scenario checks them against
its anatomy, primary and observation plan, and the schedule round-trips through the resolved form."""

from __future__ import annotations

import pytest

from metacascade import ScenarioError
from metacascade.catalog import scenario_from_data
from metacascade.model.therapy import (
    AntiAngiogenic, Chemotherapy, Endocrine, HostPretreatment, Surgery, Targeted, Therapy,
)

PLAN = {"imaging_times": [300.0, 600.0]}


def scenario_data(*interventions, observation=PLAN, primary=True) -> dict:
    """A small patient (or, without ``primary``, an assay) with ``interventions``."""
    data = {
        "name": "treated", "anatomy": "mouse", "clones": {"A": {"hormone_sensitive": True}},
        "observation_times": [300.0, 600.0], "therapy": {"interventions": list(interventions)},
    }
    if primary:
        data["primary"] = {"site": "lung", "growth": {"law": "exponential", "rate_per_day": 0.04},
                           "clone_mix": {"A": 1.0}}
    else:
        data["injections"] = [{"clone": "A", "vessel": "tail_vein", "num_cells": 1000}]
    if observation is not None and primary:
        data["observation"] = observation
    return data


def error_of(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    return str(caught.value)


def test_every_kind_loads_and_round_trips_through_the_resolved_form():
    data = scenario_data(
        {"kind": "surgery", "relative_to": "diagnosis", "residual_fraction": 0.01},
        {"kind": "endocrine", "relative_to": "diagnosis", "duration_days": 1826.0, "division_factor": 0.5,
         "reactivation_factor": 0.2},
        {"kind": "anti_angiogenic", "start_days": 10.0, "duration_days": 28.0, "switch_factor": 0.1,
         "rebound_factor": 3.0, "rebound_days": 14.0},
        {"kind": "immunotherapy", "start_days": 50.0, "clearance_factor": 4.0},
        {"kind": "anti_soil", "organ": "bone", "factor": 0.5},
        {"kind": "host_pretreatment", "start_days": 1.0, "duration_days": 56.0, "factor": 10.0},
        {"kind": "bone_targeted", "relative_to": "diagnosis", "factor": 0.7},
    )
    scenario = scenario_from_data(data)
    kinds = [item.kind for item in scenario.therapy.interventions]
    assert kinds == ["surgery", "endocrine", "anti_angiogenic", "immunotherapy", "anti_soil", "host_pretreatment",
                     "bone_targeted"]
    assert scenario.therapy.surgery.residual_fraction == 0.01 and len(scenario.therapy.courses) == 6
    resolved = scenario.resolved()
    assert scenario_from_data(resolved).resolved() == resolved
    assert resolved["therapy"]["interventions"][3]["duration_days"] is None  # open-ended


def test_defaults_surgery_at_the_start_of_nothing_host_pretreatment_in_the_lung():
    assert Surgery(start_days=5.0).residual_fraction == 0.0
    assert HostPretreatment(factor=2.0).organ == "lung"
    assert Therapy().interventions == () and Therapy().surgery is None


def test_each_kind_names_the_rates_it_changes():
    assert Endocrine(division_factor=0.5, reactivation_factor=0.2).rate_factors() == {
        "division_rate": 0.5, "reactivation_rate": 0.2}
    pretreatment = HostPretreatment(factor=4.0).rate_factors()
    assert pretreatment == {"extravasation_rate": 4.0, "vessel_death_rate": 0.25, "apoptosis_rate": 0.25}
    rebound = AntiAngiogenic(switch_factor=0.0, duration_days=7.0, rebound_factor=2.0, rebound_days=7.0)
    assert rebound.rate_factors() == {"switch_rate": 0.0} and rebound.rebound() == (7.0, {"switch_rate": 2.0})
    assert AntiAngiogenic(switch_factor=0.0).rebound() is None
    assert AntiAngiogenic(switch_factor=0.0).vascular_growth_factor() == 1.0  # growth not slowed unless it says so
    assert AntiAngiogenic(switch_factor=0.0, growth_factor=0.4).vascular_growth_factor() == 0.4
    assert Endocrine(division_factor=0.5, reactivation_factor=0.2).vascular_growth_factor() == 1.0


@pytest.mark.parametrize("interventions, expected", [
    ([{"kind": "surgery", "start_days": 10.0}, {"kind": "surgery", "start_days": 20.0}],
     ("therapy.interventions", "at most one surgery", "items [0, 1]")),
    ([{"kind": "radiotherapy"}],
     ("therapy.interventions.0", "'radiotherapy'", "'surgery', 'endocrine', 'anti_angiogenic'", "'targeted'")),
    ([{"kind": "endocrine", "division_factor": 1.5, "reactivation_factor": 0.5}],
     ("therapy.interventions.0.endocrine.division_factor", "1.5", "less than or equal to 1")),
    ([{"kind": "immunotherapy", "clearance_factor": 0.5}],
     ("therapy.interventions.0.immunotherapy.clearance_factor", "0.5", "greater than or equal to 1")),
    ([{"kind": "immunotherapy", "clearance_factor": 2.0, "duration_days": 0.0}],
     ("therapy.interventions.0.immunotherapy.duration_days", "0.0", "greater than 0")),
    ([{"kind": "anti_angiogenic", "switch_factor": 0.1, "rebound_factor": 2.0, "rebound_days": 7.0}],
     ("therapy.interventions.0.anti_angiogenic.duration_days", "needs a duration")),
    ([{"kind": "anti_angiogenic", "duration_days": 7.0, "switch_factor": 0.1, "rebound_factor": 2.0}],
     ("therapy.interventions.0.anti_angiogenic.rebound_days", "rebound_factor 2", "rebound_days None")),
    ([{"kind": "anti_angiogenic", "switch_factor": 0.1, "growth_factor": 0.0}],
     ("therapy.interventions.0.anti_angiogenic.growth_factor", "0.0", "greater than 0")),
    ([{"kind": "anti_soil", "organ": "bones", "factor": 0.5}],
     ("therapy.interventions.0.organ", "'bones'", "allowed: lung, liver")),
    ([{"kind": "host_pretreatment", "organ": "breast", "factor": 5.0}],
     ("therapy.interventions.0.organ", "'breast'", "allowed: lung")),
    ([{"kind": "surgery", "start_days": 10.0, "duration_days": 5.0}],
     ("therapy.interventions.0.surgery.duration_days", "(got 5.0)",
      "allowed: start_days, relative_to, kind, residual_fraction")),
    ([{"kind": "surgery", "start_days": 0.0}],
     ("therapy.interventions.0.start_days", "after time 0", "got 0")),
    ([{"kind": "immunotherapy", "start_days": 600.0, "clearance_factor": 2.0}],
     ("therapy.interventions.0.start_days", "end of the run (600 days)", "got 600")),
    ([{"kind": "chemotherapy", "cycles": 0, "log_kill": 1.0}],
     ("therapy.interventions.0.chemotherapy.cycles", "0", "greater than or equal to 1")),
    ([{"kind": "chemotherapy", "cycles": 6, "log_kill": -1.0}],
     ("therapy.interventions.0.chemotherapy.log_kill", "-1.0", "greater than or equal to 0")),
    ([{"kind": "chemotherapy", "cycles": 6, "log_kill": 1.0, "interval_days": 0.0}],
     ("therapy.interventions.0.chemotherapy.interval_days", "0.0", "greater than 0")),
    ([{"kind": "chemotherapy", "cycles": 6, "log_kill": 1.0, "dormant_micromet_kill": 1.5}],
     ("therapy.interventions.0.chemotherapy.dormant_micromet_kill", "1.5", "less than or equal to 1")),
    ([{"kind": "targeted", "cycles": 6, "log_kill": 1.0}],
     ("therapy.interventions.0.targeted.trait", "Field required")),
    ([{"kind": "targeted", "trait": "EGFR", "cycles": 6, "log_kill": 1.0}],
     ("therapy.interventions.0.trait", "no clone carries 'EGFR'", "traits of the clones: none")),
])
def test_invalid_schedules_name_the_field_the_value_and_what_is_allowed(interventions, expected):
    message = error_of(scenario_data(*interventions))
    for part in expected:
        assert part in message, f"{part!r} not in:\n{message}"


def test_surgery_needs_a_primary_and_diagnosis_needs_an_observation_plan():
    message = error_of(scenario_data({"kind": "surgery", "start_days": 10.0}, primary=False))
    assert "therapy.interventions.0.kind: surgery resects the primary, and there is none" in message
    message = error_of(scenario_data({"kind": "bone_targeted", "relative_to": "diagnosis", "factor": 0.5},
                                     observation=None))
    assert "therapy.interventions.0.relative_to: 'diagnosis' needs an observation plan" in message
    assert "allowed without one: start" in message


def test_a_clone_is_not_hormone_sensitive_unless_it_says_so():
    scenario = scenario_from_data(scenario_data())
    assert scenario.clones["A"].hormone_sensitive
    assert not scenario_from_data({**scenario_data(), "clones": {"A": {}}}).clones["A"].hormone_sensitive


def test_chemotherapy_and_targeted_therapy_are_cycles_of_log_kill():
    """Skipper's log-kill: each cycle leaves 10**-log_kill of the dividing cells it hits; cycles are
    ``interval_days`` apart from ``start_days``; targeted therapy hits only clones with its trait."""
    data = scenario_data(
        {"kind": "chemotherapy", "relative_to": "diagnosis", "cycles": 4, "log_kill": 2.0,
         "dormant_micromet_kill": 0.3},
        {"kind": "targeted", "start_days": 10.0, "cycles": 2, "interval_days": 14.0, "log_kill": 0.5, "trait": "HER2"},
    )
    data["clones"]["A"]["traits"] = ["HER2", "ER"]
    scenario = scenario_from_data(data)
    chemo, targeted = scenario.therapy.cycles
    assert isinstance(chemo, Chemotherapy) and isinstance(targeted, Targeted) and scenario.therapy.courses == ()
    assert chemo.cycle_days() == (0.0, 21.0, 42.0, 63.0) and chemo.surviving_fraction == pytest.approx(0.01)
    assert targeted.cycle_days() == (10.0, 24.0) and targeted.surviving_fraction == pytest.approx(10**-0.5)
    assert chemo.hits(()) and targeted.hits(("ER", "HER2")) and not targeted.hits(("ER",))
    resolved = scenario.resolved()
    assert scenario_from_data(resolved).resolved() == resolved
    assert resolved["clones"]["A"]["traits"] == ["HER2", "ER"]


def test_a_clone_carries_no_trait_unless_it_says_so_and_a_target_no_clone_carries_is_refused():
    assert scenario_from_data(scenario_data()).clones["A"].traits == ()
    data = scenario_data({"kind": "targeted", "trait": "EGFR", "cycles": 1, "log_kill": 1.0})
    data["clones"]["A"]["traits"] = ["HER2", "ER"]
    message = error_of(data)
    assert "therapy.interventions.0.trait: no clone carries 'EGFR'" in message
    assert "traits of the clones: ER, HER2" in message

"""Reading autopsy series from cohorts: a scenario followed up long enough to die."""

from __future__ import annotations

from metacascade import load_scenario
from metacascade.analysis.autopsy import DAYS_PER_YEAR, followed_up

YEARS = [DAYS_PER_YEAR * k for k in range(1, 26)]


def test_followed_up_observes_images_and_bleeds_yearly_to_the_horizon():
    longer = followed_up(load_scenario("breast_patient"), 25)
    assert longer.observation_times == tuple(YEARS)
    assert longer.observation.imaging_times == longer.observation.draw_times == tuple(YEARS)


def test_a_scenario_followed_further_already_is_itself():
    scenario = load_scenario("breast_patient_operated")  # followed 20 years
    assert followed_up(scenario, 15) is scenario

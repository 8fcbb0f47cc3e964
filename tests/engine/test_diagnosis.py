"""Diagnosis by symptoms or screening, the imaging that stages it, the stage then, and death from
other causes, on hand-built patients (``observed_patients``: an exponential primary from one cell,
N = e^{r t}, whose summed hazard of symptoms h (e^{r t} - 1) / r inverts in closed form)."""

import math
from dataclasses import replace

import numpy as np
import pytest
from observed_patients import IMAGING, RATE, lesions, outcome_of, patient
from scipy import stats

from metacascade.engine import course
from metacascade.engine.observation import (
    DISTANT, LOCALIZED, OTHER_CAUSES, REGIONAL, SCREENING, SYMPTOMS, diagnosis, imaging_schedule, observe,
)
from metacascade.engine.patient import patient_lowered
from seeded import FALSE_ALARM

PER_CM3_YEAR = 0.5  # hazard of symptoms per cm³ of primary per year
CELLS_PER_CM3 = 1e9  # the primary's cells_per_g, at 1 g/cm³
SCREEN_SEES = 700.0  # the first imaging after the primary reaches 1e9 cells (day 690.8)


def symptomatic(threshold: float, **plan):
    """A patient diagnosed by symptoms once their summed hazard reaches ``threshold``."""
    lowered = patient(symptom_rate_per_cm3_year=PER_CM3_YEAR, **plan)
    return replace(lowered, symptom_threshold=threshold)


def hazard_per_cell_day() -> float:
    return PER_CM3_YEAR / 365.25 / CELLS_PER_CM3


def closed_form_symptoms(threshold: float) -> float:
    """Days at which h (e^{r t} - 1) / r reaches ``threshold``."""
    return math.log1p(threshold * RATE / hazard_per_cell_day()) / RATE


@pytest.mark.parametrize("threshold", [0.01, 1.0, 5.0])
def test_symptoms_come_when_their_summed_hazard_reaches_the_patients_draw(threshold):
    assert course.symptom_time(symptomatic(threshold)) == pytest.approx(closed_form_symptoms(threshold), rel=1e-9)


def test_after_a_resection_the_hazard_is_the_residuals():
    removed, left = 500.0, 0.01
    lowered = symptomatic(1.0)
    primary = replace(lowered.primary, removal_time=removed, residual_fraction=left)
    h, grown = hazard_per_cell_day(), math.expm1(RATE * removed) / RATE
    before = h * grown  # summed by the removal
    expected = math.log(math.exp(RATE * removed) + (1.0 - before) * RATE / (h * left)) / RATE
    assert course.summed_hazard_time(primary, h, 1.0) == pytest.approx(expected, rel=1e-9)
    assert course.summed_hazard_time(replace(primary, residual_fraction=0.0), h, 1.0) == math.inf


@pytest.mark.parametrize("threshold", np.linspace(0.1, 7.0, 25))
def test_a_resection_at_the_symptomatic_diagnosis_keeps_that_diagnosis(threshold):
    """The summed hazard meets the draw where the primary is removed: found there despite rounding."""
    lowered = symptomatic(threshold, screening=False)
    at = course.symptom_time(lowered)
    resected = replace(lowered, primary=replace(lowered.primary, removal_time=at, residual_fraction=0.0))
    assert diagnosis(resected) == (at, SYMPTOMS)


def test_the_primary_at_diagnosis_is_its_size_before_a_resection_then():
    """The T size a patient is diagnosed with: e^{r t} at the symptoms, also where the primary is
    resected at that very time (its size after is 0)."""
    lowered = symptomatic(3.0, screening=False)
    at = closed_form_symptoms(3.0)
    resected = replace(lowered, primary=replace(lowered.primary, removal_time=course.symptom_time(lowered)))
    for patient in (lowered, resected):
        seen = observe(patient, outcome_of(lesions(patient)), np.random.default_rng(0))
        assert seen.primary_cells_at_diagnosis == pytest.approx(math.exp(RATE * at), rel=1e-9)
    assert course.size(resected.primary, at + 1e-9) == 0.0


def test_each_patients_summed_hazard_at_its_symptoms_is_a_standard_exponential(any_seed):
    base = patient(horizon=990.0, symptom_rate_per_cm3_year=PER_CM3_YEAR)
    drawn = np.array([patient_lowered(base, any_seed, i).symptom_threshold for i in range(400)])
    times = np.array([course.symptom_time(replace(base, symptom_threshold=e)) for e in drawn])
    summed = hazard_per_cell_day() * np.expm1(RATE * times) / RATE
    assert stats.kstest(summed, "expon").pvalue > FALSE_ALARM


def test_a_share_of_patients_attends_screening_drawn_on_their_host_stream_and_the_others_go_unscreened(any_seed):
    uptake, num = 0.6, 1000
    full = patient(horizon=990.0, symptom_rate_per_cm3_year=PER_CM3_YEAR)
    partial = replace(full, observation=replace(full.observation, screening_uptake=uptake))
    drawn = [patient_lowered(partial, any_seed, i) for i in range(num)]
    screened = np.array([one.observation.screening for one in drawn])
    assert all(one.observation.screening_uptake == 1.0 for one in drawn)  # decided for each patient
    assert stats.binomtest(int(screened.sum()), num, uptake).pvalue > FALSE_ALARM
    for i, one in enumerate(drawn[:20]):  # nothing else of the patient moves: its other host draws neither
        everyone = patient_lowered(full, any_seed, i)
        assert one.symptom_threshold == everyone.symptom_threshold
        assert one == replace(everyone, observation=replace(everyone.observation, screening=bool(screened[i])))


def test_the_diagnosis_is_the_earlier_of_symptoms_and_screening():
    early, late = closed_form_symptoms(0.01), closed_form_symptoms(1e6)
    assert early < SCREEN_SEES < late
    assert diagnosis(symptomatic(0.01)) == (pytest.approx(early), SYMPTOMS)
    assert diagnosis(symptomatic(1e6)) == (SCREEN_SEES, SCREENING)
    unscreened = symptomatic(1e6, screening=False)
    assert np.isnan(diagnosis(unscreened)[0]) and diagnosis(unscreened)[1] == ""  # symptoms after follow-up
    assert diagnosis(replace(unscreened, symptom_threshold=0.01)) == (pytest.approx(early), SYMPTOMS)


def test_imaging_stages_the_diagnosis_and_follows_it_and_screens_before_it_only_where_there_is_screening():
    at = closed_form_symptoms(3.0)
    screened, unscreened = symptomatic(3.0), symptomatic(3.0, screening=False)
    assert imaging_schedule(screened, at).tolist() == sorted([*IMAGING, at])
    assert imaging_schedule(unscreened, at).tolist() == [at, *(t for t in IMAGING if t > at)]
    assert imaging_schedule(unscreened, np.nan).size == 0


def test_the_stage_is_read_by_the_staging_imaging_at_a_symptomatic_diagnosis():
    lowered = symptomatic(3.0, screening=False)
    at = closed_form_symptoms(3.0)
    nodes = "lymph_nodes_regional" if "lymph_nodes_regional" in lowered.organ_names else None
    assert nodes is not None
    cases = {  # lesions (organ, bound, switch, regression): the stage at diagnosis
        LOCALIZED: [("lung", at + 50.0, np.nan, np.nan)],  # bound after the diagnosis
        REGIONAL: [(nodes, at - 100.0, np.nan, np.nan)],  # a nodal micrometastasis: N+
        DISTANT: [("lung", 10.0, 20.0, np.nan)],  # switched long before: seen by the staging imaging
    }
    for stage, rows in cases.items():
        seen = observe(lowered, outcome_of(lesions(lowered, *rows)), np.random.default_rng(0))
        assert (seen.diagnosis_time, seen.diagnosis_mode, seen.stage) == (pytest.approx(at), SYMPTOMS, stage)
    distant = observe(lowered, outcome_of(lesions(lowered, *cases[DISTANT])), np.random.default_rng(0))
    assert distant.lesion_detection_time[0] == pytest.approx(at)  # no imaging before: the staging sees it


def test_a_death_from_other_causes_ends_follow_up_unless_the_cancer_kills_first():
    lowered = replace(patient(), other_cause_death=600.0)
    seen = observe(lowered, outcome_of(lesions(lowered)), np.random.default_rng(0))
    assert (seen.death_time, seen.death_cause, seen.follow_up_time) == (600.0, OTHER_CAUSES, 600.0)
    assert np.isnan(seen.diagnosis_time)  # the primary reached 1e9 cells only at day 690.8
    assert seen.draw_times.max(initial=0.0) <= 600.0
    longer = replace(patient(horizon=990.0), other_cause_death=950.0)  # 1e12 cells, lethal, at day 921.0
    cancer = observe(longer, outcome_of(lesions(longer)), np.random.default_rng(0))
    assert cancer.death_cause == "lethal_burden" and cancer.death_time == pytest.approx(math.log(1e12) / RATE)


def test_the_engine_reads_every_organs_largest_colony_at_a_symptomatic_diagnosis():
    """The symptoms end an engine window; there the largest colony of each organ is recorded before
    any therapy then (the N stage reads the regional nodes': ``n_stage``). A lesion at its bound
    then is such a colony, so the organ's largest holds at least the bound."""
    from metacascade.catalog import load_scenario
    from metacascade.engine.epochs import step_ends
    from metacascade.engine.lower import lower
    from metacascade.engine.observation import diagnosis_time
    from metacascade.engine.timeline import run_timeline

    cohort = lower(load_scenario("breast_patient_symptomatic"))
    recorded = 0
    for number in range(6):
        own = patient_lowered(cohort, 5, number)
        at = diagnosis_time(own)
        outcome = run_timeline(own, np.random.default_rng(number))
        if np.isnan(at) or outcome.largest_at_diagnosis is None:
            continue  # not diagnosed, or dead of the cancer first
        recorded += 1
        assert at in step_ends(own)
        found = outcome.lesions
        there = (found.bound_time <= at) & ~(found.regression_time <= at)
        bound = own.rates["avascular_bound_cells"][found.clone[there], found.organ[there]]
        assert np.all(outcome.largest_at_diagnosis[found.organ[there]] >= bound * (1 - 1e-12))
        assert outcome.largest_at_diagnosis.shape == (len(own.organ_names),) and outcome.largest_at_diagnosis.min() >= 0
    assert recorded >= 3

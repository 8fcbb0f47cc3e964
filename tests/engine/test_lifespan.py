"""A patient's age and its death from other causes: the Gompertz–Makeham survival function inverted
exactly, the draws of the host stream, and the engine stopping at that death."""

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from metacascade.catalog import load_scenario
from metacascade.engine.lifespan import age_at_start, other_cause_death
from metacascade.engine.lower import DAYS_PER_YEAR, Lifespan, lower
from metacascade.engine.patient import host_draws, patient_lowered, with_host
from metacascade.engine.timeline import run_timeline
from seeded import FALSE_ALARM

MAKEHAM, AT_50, SLOPE = 2e-4, 0.0027, 0.09  # per year; per year of age
LIFESPAN = Lifespan(age=(57.0, 13.0, 20.0, 95.0), mortality=(MAKEHAM, AT_50, SLOPE))


def cumulative_hazard(age: float, years):
    """∫ from age to age + years of makeham + at_50 e^{slope (a - 50)} da."""
    return MAKEHAM * years + AT_50 / SLOPE * math.exp(SLOPE * (age - 50.0)) * np.expm1(SLOPE * np.asarray(years))


@pytest.mark.parametrize("age", [20.0, 57.0, 95.0])
@pytest.mark.parametrize("uniform", [1e-9, 0.3, 0.999999])
def test_the_death_from_other_causes_is_where_the_survival_function_falls_to_the_draw(age, uniform):
    years = other_cause_death(LIFESPAN, age, uniform) / DAYS_PER_YEAR
    assert math.exp(-cumulative_hazard(age, years)) == pytest.approx(1.0 - uniform, rel=1e-9)


def test_without_a_gompertz_term_the_hazard_is_constant_and_without_mortality_there_is_no_such_death():
    constant = Lifespan(age=LIFESPAN.age, mortality=(0.01, 0.0, SLOPE))
    assert other_cause_death(constant, 60.0, 0.5) == pytest.approx(math.log(2.0) / 0.01 * DAYS_PER_YEAR)
    assert other_cause_death(Lifespan(age=LIFESPAN.age, mortality=None), 60.0, 0.5) == math.inf


def test_the_age_is_the_normal_clipped_to_its_range():
    assert age_at_start(LIFESPAN, 1.0) == 70.0
    assert (age_at_start(LIFESPAN, -10.0), age_at_start(LIFESPAN, 10.0)) == (20.0, 95.0)


def clinical_patients(seed: int, patients: int):
    base = lower(load_scenario("breast_patient_symptomatic"))
    return base, [patient_lowered(base, seed, i) for i in range(patients)]


def test_patients_deaths_from_other_causes_follow_the_survival_function_of_their_ages(any_seed):
    _, drawn = clinical_patients(any_seed, 500)
    ages = np.array([p.age_at_start for p in drawn])
    years = np.array([p.other_cause_death for p in drawn]) / DAYS_PER_YEAR
    # each death, through its own age's survival function, is uniform
    assert stats.kstest([1.0 - math.exp(-cumulative_hazard(a, y)) for a, y in zip(ages, years)], "uniform").pvalue > FALSE_ALARM
    assert stats.kstest((ages - 57.0) / 13.0, "norm").pvalue > FALSE_ALARM  # the clipping at 20 and 95 is ~2.8 SD out


def test_the_lifespan_draws_come_after_the_host_draws_that_were_there_before_them(any_seed):
    draws = host_draws(any_seed, 3)
    rng = np.random.default_rng(np.random.SeedSequence([any_seed, 3], spawn_key=(3,)))
    assert (draws.menopause, draws.immune) == (rng.random(), rng.standard_normal())
    base, drawn = clinical_patients(any_seed, 4)
    assert drawn[3].other_cause_death == other_cause_death(base.lifespan, drawn[3].age_at_start, draws.death)
    assert math.isnan(with_host(lower(load_scenario("breast_patient")), any_seed, 3).age_at_start)  # no ages there


def test_the_engine_stops_at_the_first_observation_at_or_after_a_death_from_other_causes():
    base, drawn = clinical_patients(2026, 1)
    times = base.observation_times
    dying = replace(drawn[0], other_cause_death=float(times[3]) - 10.0)
    snapshots = run_timeline(dying, np.random.default_rng(5)).snapshots
    assert [s.time for s in snapshots] == times.tolist()
    for later in snapshots[4:]:
        assert all(np.array_equal(later.counts[name], snapshots[3].counts[name]) for name in later.counts)

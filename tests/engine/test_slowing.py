"""Anti-angiogenic therapy slows vascular growth while given (MODEL.md §4, docs/engine.md §7): the
Gompertz law being autonomous, a lesion slowed by f on [t0, t1) runs its curve at speed f there, so
its size, hitting times and shedding are the untreated lesion's at the warped time; the primary's
law is slowed the same way; a factor of 1 changes nothing, draw for draw."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from metacascade import simulate
from metacascade.catalog import load_scenario, scenario_from_data
from metacascade.engine import course, pool
from metacascade.engine.colonies import MACRO, Colonies, sizes_at
from metacascade.engine.growth import size_at
from metacascade.engine.lower import Kills, Slowing, lower
from metacascade.engine.observation import lesion_sizes, reach_times
from metacascade.engine.outcome import Lesions
from metacascade.engine.routes import routes
from metacascade.engine.spread import metastasis_source
from metacascade.engine.therapy import apply_therapy

F, T0, T1 = 0.3, 300.0, 500.0  # slowed to 0.3 of its rate from day 300 to day 500
SLOWING = Slowing(np.array([T0, T1]), np.array([F, 1.0]))


def warped(t):
    """The curve time (days) at ``t`` of a tumour slowed by F on [T0, T1)."""
    return np.minimum(t, T0) + F * np.clip(t - T0, 0.0, T1 - T0) + np.maximum(t - T1, 0.0)


def switched(switch_time: float) -> tuple[Colonies, Lesions]:
    colonies = Colonies.founded(0, 0, 1e6, np.zeros(1), 1)
    colonies.phase[:], colonies.bound_time[:], colonies.switch_time[:] = MACRO, switch_time, switch_time
    return colonies, Lesions(colonies.clone, colonies.organ, colonies.tracked_time, colonies.bound_time,
                             colonies.switch_time, colonies.regression_time, colonies.history)


@pytest.fixture(scope="module")
def untreated():
    return lower(load_scenario("breast_patient"))


def lesion_law(lowered):
    return (table[0, 0] for table in (lowered.rates["avascular_bound_cells"], lowered.rates["gompertz_rate"],
                                      lowered.capacity))


@pytest.mark.parametrize("switch", [100.0, 400.0, 600.0])
def test_a_slowed_lesion_is_the_untreated_one_at_its_warped_curve_time(untreated, switch):
    slowed = replace(untreated, slowing=SLOWING)
    colonies, lesions = switched(switch)
    bound, rate, capacity = lesion_law(untreated)
    times = np.array([switch, 350.0, 450.0, 499.0, 500.0, 650.0, 900.0])
    times = times[times >= switch]
    closed = size_at("gompertz", bound, warped(times) - warped(switch), rate, capacity)
    np.testing.assert_allclose(lesion_sizes(slowed, lesions, times)[:, 0], closed, rtol=1e-12)
    np.testing.assert_allclose([sizes_at(colonies, t, slowed)[0] for t in times], closed, rtol=1e-12)
    if switch <= T0:  # switched before the window: the untreated lesion at the warped time
        np.testing.assert_allclose(closed, lesion_sizes(untreated, lesions, warped(times))[:, 0], rtol=1e-12)


def test_a_slowed_lesion_reaches_a_size_when_its_curve_says(untreated):
    slowed = replace(untreated, slowing=SLOWING)
    _, lesions = switched(100.0)
    for threshold in (1e7, 1e8, 1e9):
        observation = replace(untreated.observation, detection_cells=threshold)
        reach = float(reach_times(replace(slowed, observation=observation), lesions)[1][0])
        assert lesion_sizes(slowed, lesions, [reach])[0, 0] == pytest.approx(threshold, rel=1e-9)
        assert lesion_sizes(slowed, lesions, [reach - 1e-3])[0, 0] < threshold


def test_a_slowed_lesion_sheds_what_the_untreated_one_sheds_over_its_warped_window(untreated):
    """Over [350, 450] the lesion runs 30 days of its curve: it sheds the untreated lesion's cells of
    the warped window [315, 345], spread over 1/F times the time, and at each time at its warped rate."""
    slowed = replace(untreated, slowing=SLOWING)
    colonies = switched(100.0)[0]
    grid = np.linspace(350.0, 450.0, pool.GRID)
    source = metastasis_source(slowed, routes(slowed), colonies, np.array([0]), grid)
    reference = metastasis_source(untreated, routes(untreated), colonies, np.array([0]), warped(grid))
    assert source.means.sum() > 0
    np.testing.assert_allclose(source.means, reference.means / F, rtol=1e-9)
    np.testing.assert_allclose(source.curves, reference.curves, rtol=1e-12)


def test_a_kill_inside_a_slow_window_shrinks_the_slowed_curve_which_then_runs_slowed(untreated):
    kills = Kills(np.array([400.0]), np.full((1, 4), 0.01), np.zeros((1, 4)))
    both = replace(untreated, slowing=SLOWING, kills=kills)
    _, lesions = switched(100.0)
    bound, rate, capacity = lesion_law(untreated)
    at_kill = 0.01 * size_at("gompertz", bound, warped(400.0) - 100.0, rate, capacity)
    times = np.array([450.0, 800.0])
    expected = size_at("gompertz", at_kill, warped(times) - warped(400.0), rate, capacity)
    np.testing.assert_allclose(lesion_sizes(both, lesions, times)[:, 0], expected, rtol=1e-12)


@pytest.mark.parametrize("law", ["gompertz", "exponential", "logistic", "power_law"])
def test_the_primary_runs_its_law_slowed_by_the_same_warp(untreated, law):
    primary = replace(untreated.primary, law=law, initial_cells=1e6, rate=0.02, capacity=1e12, exponent=0.7,
                      vascularisation_cells=1.0)
    slowed = replace(primary, speeds=tuple(zip(SLOWING.times.tolist(), SLOWING.speed.tolist())))
    times = np.array([100.0, 400.0, 700.0])
    np.testing.assert_allclose(course.size(slowed, times), course.size(primary, warped(times)), rtol=1e-10)
    cells = float(course.size(slowed, 600.0))
    assert course.reach_time(slowed, cells) == pytest.approx(600.0, rel=1e-9)
    assert float(course.shed_mean(slowed, 350.0, 450.0)) == pytest.approx(
        float(course.shed_mean(primary, warped(350.0), warped(450.0))) / F, rel=1e-9)


ANTI_ANGIOGENIC = {"kind": "anti_angiogenic", "start_days": 300.0, "duration_days": 200.0, "switch_factor": 1.0}


def therapy_data(*interventions) -> dict:
    data = load_scenario("breast_patient").model_dump(mode="json", exclude_none=True)
    return {**data, "therapy": {"interventions": list(interventions)}}


def test_a_course_slows_from_its_start_to_its_stop_and_a_factor_of_1_is_no_course():
    lowered = lower(scenario_from_data(therapy_data({**ANTI_ANGIOGENIC, "growth_factor": F},
                                                    {**ANTI_ANGIOGENIC, "start_days": 400.0, "growth_factor": 0.5})))
    slowing = apply_therapy(lowered, np.nan).slowing
    np.testing.assert_array_equal(slowing.times, [300.0, 400.0, 500.0, 600.0])
    np.testing.assert_allclose(slowing.speed, [F, 0.5 * F, 0.5, 1.0])
    assert apply_therapy(lowered, np.nan).primary.speeds == tuple(zip(slowing.times, slowing.speed))
    neutral = lower(scenario_from_data(therapy_data({**ANTI_ANGIOGENIC, "growth_factor": 1.0})))
    assert apply_therapy(neutral, np.nan).slowing is None


def test_a_factor_of_1_gives_the_cohort_without_it_and_slowing_delays_death():
    def run(*interventions):
        return simulate(scenario_from_data(therapy_data(*interventions)), num_patients=3, random_seed=5)

    untreated, neutral = run(), run({**ANTI_ANGIOGENIC, "growth_factor": 1.0})
    assert neutral.equals(untreated, provenance=False)
    slowed = run({**ANTI_ANGIOGENIC, "start_days": 0.0, "duration_days": None, "growth_factor": 0.5})
    assert not slowed.equals(untreated, provenance=False)

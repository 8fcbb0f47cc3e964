"""The observation plan on hand-built lesions: sizes, detection, CTC draws, N stage, death, autopsy.

The primary grows exponentially (N = e^{r t} from one cell), so every expectation has an
independent closed form; lesions are written by hand (``Lesions``) and never simulated.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from metacascade.engine.observation import (
    Burden,
    circulating_cells,
    death,
    expected_ctc,
    lesion_sizes,
    n_stage,
    observe,
)
from metacascade.engine.growth import size_at
from metacascade.engine.logkill import anchors
from metacascade.engine.lower import Kills, Slowing
from metacascade.engine.routes import routes
from metacascade.engine.outcome import RunOutcome
from observed_patients import BOUND, GOMPERTZ, IMAGING, LYMPHATIC, RATE, SHEDDING, lesions, outcome_of, patient


def on_curve(lowered, organ, elapsed):
    """Gompertz size from the bound after ``elapsed`` days in ``organ`` (clone A)."""
    capacity = lowered.capacity[0, lowered.organ_names.index(organ)]
    return BOUND * np.exp(math.log(BOUND / capacity) * np.expm1(-GOMPERTZ * np.asarray(elapsed)))


def test_a_lesion_is_empty_before_its_bound_holds_m_while_dormant_then_grows_or_regresses():
    lowered = patient()
    records = lesions(lowered, ("liver", 100.0, 200.0, np.nan), ("lung", 150.0, np.nan, 300.0))
    sizes = lesion_sizes(lowered, records, [50.0, 120.0, 250.0, 310.0])
    np.testing.assert_allclose(sizes[:, 0], [0.0, BOUND, on_curve(lowered, "liver", 50.0), on_curve(lowered, "liver", 110.0)],
                               rtol=1e-12)
    np.testing.assert_array_equal(sizes[:, 1], [0.0, 0.0, BOUND, 0.0])


def test_the_burden_is_the_primary_plus_every_lesion_in_its_organ():
    lowered = patient()
    rng = np.random.default_rng(5)
    bound = rng.uniform(0, 800, 200)
    switch = np.where(rng.random(200) < 0.5, bound + rng.exponential(50, 200), np.nan)
    regress = np.where(np.isnan(switch) & (rng.random(200) < 0.5), bound + rng.exponential(80, 200), np.nan)
    organs = rng.choice(["lung", "liver", "bone", "breast"], 200)
    records = lesions(lowered, *[(o, b, s, r, c) for o, b, s, r, c in zip(organs, bound, switch, regress, rng.integers(0, 2, 200))])
    times = np.sort(rng.uniform(0, 900, 50))
    expected = lesion_sizes(lowered, records, times) @ np.eye(len(lowered.organ_names))[records.organ]
    expected[:, lowered.organ_names.index("breast")] += np.exp(RATE * times)
    burden = Burden(lowered, records)
    np.testing.assert_allclose(burden.organs(times), expected, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(burden.total(times), expected.sum(axis=1), rtol=1e-12)


def test_the_curves_read_once_per_patient_are_the_anchors_at_every_time_bit_for_bit():
    lowered = patient()
    kills = Kills(np.array([250.0, 400.0]), np.array([[0.1, 1.0], [0.01, 0.5]]), np.zeros((2, 2)))
    treated = replace(lowered, kills=kills, slowing=Slowing(np.array([300.0, 600.0]), np.array([0.5, 1.0])))
    records = lesions(treated, ("liver", 100.0, 150.0, np.nan), ("lung", 100.0, 260.0, 700.0, 1),
                      ("bone", 200.0, 400.0, np.nan), ("liver", 300.0, 650.0, np.nan, 1),
                      ("lung", 50.0, np.nan, 500.0), ("bone", 120.0, np.nan, np.nan))
    times = np.sort(np.r_[np.linspace(0.0, 900.0, 37), 250.0, 300.0, 400.0, 600.0, np.nextafter(400.0, 0.0)])
    where = (records.clone, records.organ)
    bound, rate, capacity = (treated.rates["avascular_bound_cells"][where], treated.rates["gompertz_rate"][where],
                             treated.capacity[where])
    t = times[:, None]
    at, cells, now = anchors(treated, records.clone, records.switch_time, bound, rate, capacity, t)
    present = (t >= records.bound_time) & ~(t >= records.regression_time)
    elapsed = np.where(t >= records.switch_time, t - at, 0.0)
    expected = np.where(present, size_at("gompertz", cells, elapsed, now, capacity), 0.0)
    for kept in (times >= 0.0, (times > 400.0) & (times < 600.0), times > 900.0):  # all, no change among them, none
        np.testing.assert_array_equal(lesion_sizes(treated, records, times[kept]), expected[kept])


def test_steps_at_one_time_in_one_organ_add_up_there():
    lowered = patient()
    burden = Burden(lowered, lesions(lowered, ("liver", 100.0, np.nan, 300.0), ("liver", 300.0, np.nan, np.nan),
                                     ("lung", 300.0, 400.0, np.nan)))
    liver, lung = lowered.organ_names.index("liver"), lowered.organ_names.index("lung")
    np.testing.assert_array_equal(burden.lesions([299.0, 300.0])[:, [liver, lung]],
                                  [[BOUND, 0.0], [BOUND, BOUND]])


def test_detection_happens_at_the_first_imaging_after_the_closed_form_hitting_time():
    lowered = patient(lethal_burden_cells=1e13)
    records = lesions(lowered, ("liver", 100.0, 200.0, np.nan), ("lung", 120.0, np.nan, np.nan),
                      ("bone", 600.0, 895.0, np.nan))
    seen = observe(lowered, outcome_of(records), np.random.default_rng(0))
    assert seen.primary_reach_time == pytest.approx(math.log(1e9) / RATE, rel=1e-12)  # 690.8 days
    assert seen.diagnosis_time == 700.0
    capacity = lowered.capacity[0, lowered.organ_names.index("liver")]
    liver = 200.0 + math.log(math.log(BOUND / capacity) / math.log(1e9 / capacity)) / GOMPERTZ
    assert seen.lesion_reach_time[0] == pytest.approx(liver, rel=1e-12)
    assert on_curve(lowered, "liver", liver - 200.0) == pytest.approx(1e9, rel=1e-9)
    assert seen.lesion_detection_time[0] == min(t for t in IMAGING if t >= liver)
    assert np.isnan(seen.lesion_reach_time[1]) and np.isnan(seen.lesion_detection_time[1])  # dormant: never 1e9
    assert np.isnan(seen.lesion_reach_time[2])  # reaches 1e9 after the end of follow-up
    assert seen.first_metastasis_time == seen.lesion_detection_time[0]


def test_a_threshold_below_the_bound_sees_a_lesion_from_its_bound_until_it_regresses():
    lowered = patient(detection_threshold_cells=1e5)
    records = lesions(lowered, ("lung", 400.0, np.nan, 450.0), ("lung", 600.0, np.nan, 720.0))
    seen = observe(lowered, outcome_of(records), np.random.default_rng(0))
    np.testing.assert_array_equal(seen.lesion_reach_time, [400.0, 600.0])
    assert np.isnan(seen.lesion_detection_time[0])  # regressed before the imaging at 500 days
    assert seen.lesion_detection_time[1] == 650.0


def test_death_is_where_the_total_burden_reaches_the_lethal_burden():
    lowered = patient(lethal_burden_cells=1e11)
    time, cause, organ = death(Burden(lowered, lesions(lowered)), 900.0)
    assert (time, cause, organ) == (pytest.approx(math.log(1e11) / RATE, rel=1e-10), "lethal_burden", -1)
    records = lesions(lowered, ("liver", 100.0, 150.0, np.nan), ("lung", 300.0, 310.0, np.nan))
    burden = Burden(lowered, records)
    time, cause, _ = death(burden, 900.0)
    assert time < math.log(1e11) / RATE and cause == "lethal_burden"
    assert burden.total([time])[0] == pytest.approx(1e11, rel=1e-9)
    assert burden.total([time - 1e-6])[0] < 1e11 <= burden.total([time + 1e-6])[0]


def test_an_organ_limit_can_kill_first_and_a_lesion_can_cross_it_on_reaching_its_bound():
    lowered = patient(lethal_burden_cells=1e11, organ_lethal_cells={"liver": 1e10, "brain": BOUND})
    burden = Burden(lowered, lesions(lowered, ("liver", 100.0, 150.0, np.nan)))
    time, cause, organ = death(burden, 900.0)
    assert (cause, lowered.organ_names[organ]) == ("organ_limit", "liver")
    assert burden.organs([time])[0, organ] == pytest.approx(1e10, rel=1e-9)
    jump = Burden(lowered, lesions(lowered, ("brain", 400.0, np.nan, np.nan)))  # 0 -> M cells at 400 days
    time, cause, organ = death(jump, 900.0)
    assert time == pytest.approx(400.0, abs=1e-8) and lowered.organ_names[organ] == "brain"


def test_a_patient_alive_at_the_end_of_follow_up_has_a_censored_autopsy():
    lowered = patient(lethal_burden_cells=1e13)
    records = lesions(lowered, ("liver", 100.0, 150.0, np.nan), ("lung", 300.0, np.nan, np.nan))
    seen = observe(lowered, outcome_of(records), np.random.default_rng(0))
    assert np.isnan(seen.death_time) and seen.death_cause == "" and seen.follow_up_time == 900.0
    liver, lung = lowered.organ_names.index("liver"), lowered.organ_names.index("lung")
    assert seen.macrometastases[liver] == 1 and seen.macrometastases.sum() == 1  # the dormant lung lesion is not one
    assert seen.metastatic_cells[lung] == BOUND
    assert seen.metastatic_cells[liver] == pytest.approx(on_curve(lowered, "liver", 750.0), rel=1e-12)


def test_the_autopsy_counts_the_lesions_switched_by_death():
    lowered = patient(lethal_burden_cells=1e11)
    records = lesions(lowered, ("liver", 100.0, np.nan, np.nan), ("bone", 700.0, 800.0, np.nan),
                      ("lung", 700.0, 780.0, np.nan), ("bone", 820.0, 860.0, np.nan))  # death at ~844 days
    seen = observe(lowered, outcome_of(records), np.random.default_rng(0))
    assert seen.death_time < 860.0
    involved = {lowered.organ_names[o]: n for o, n in enumerate(seen.macrometastases) if n}
    assert involved == {"lung": 1, "bone": 1}  # dormant in the liver; switched after death in bone


def test_n_stage_counts_regional_nodes_only():
    lowered = patient()
    diagnosis = 700.0
    cases = {
        "N+": [("lymph_nodes_regional", 500.0, np.nan, np.nan)],
        "N0": [("lymph_nodes_distant", 500.0, np.nan, np.nan),  # distant nodes are M1, not N
               ("lymph_nodes_regional", 500.0, np.nan, 600.0),  # regressed before diagnosis
               ("lymph_nodes_regional", 750.0, np.nan, np.nan)],  # reached the bound after it
    }
    for stage, rows in cases.items():
        assert n_stage(lowered, lesions(lowered, *rows), diagnosis) == stage
    assert n_stage(patient(site="brain"), lesions(lowered, *cases["N+"]), diagnosis) == "NX"  # no lymph from the brain
    seen = observe(lowered, outcome_of(lesions(lowered, *cases["N+"])), np.random.default_rng(0))
    assert seen.n_stage == "N+"


def test_the_mean_ctc_count_in_a_draw_is_the_closed_form(any_seed):
    draws = [605.0, 615.0, 625.0, 635.0]
    lowered = patient(draw_times=draws, blood_volume_ml=5000.0, draw_volume_ml=7.5,
                      clone={"deformable_fraction": 0.5, "deformable_arrest_probability": 0.002})
    records = lesions(lowered, ("liver", 500.0, 600.0, np.nan, 1), ("lung", 300.0, np.nan, np.nan, 0))
    t = np.array(draws)
    per_cell = SHEDDING / 1e9
    # a switched lesion sheds like the primary; each cell shed spends the routing's time in the blood past a bed
    circulating = routes(lowered).circulating  # [C, O + 1] days, by the organ that sheds
    breast, liver = (lowered.organ_names.index(organ) for organ in ("breast", "liver"))
    primary = np.exp(RATE * t)  # vascularised (1e6 cells) at 460 days
    cells = per_cell * np.c_[0.75 * primary * circulating[0, breast],
                             0.25 * primary * circulating[1, breast]
                             + on_curve(lowered, "liver", t - 600.0) * circulating[1, liver]]
    np.testing.assert_allclose(circulating_cells(lowered, records, t), cells, rtol=1e-12)
    mean = cells * 7.5 / 5000.0
    np.testing.assert_allclose(expected_ctc(lowered, records, t), mean, rtol=1e-12)
    assert 1.0 < mean.min() and mean.max() < 100.0
    num_patients = 250
    counts = np.array([observe(lowered, outcome_of(records), np.random.default_rng([any_seed, patient])).ctc_count
                       for patient in range(num_patients)])
    z = (counts.mean(axis=0) - mean) / np.sqrt(mean / num_patients)
    assert np.all(np.abs(z) < 4.5), z
    dispersion = counts.var(axis=0, ddof=1) / mean  # Poisson: variance = mean
    dispersion_sd = np.sqrt((2.0 + 1.0 / mean) / num_patients)  # of a Poisson sample's variance / mean
    assert np.all(np.abs(dispersion - 1.0) < 4.5 * dispersion_sd), dispersion


def test_ctcs_are_drawn_only_before_shedding_starts_as_zero_and_only_during_follow_up():
    lowered = patient(draw_times=[300.0, 850.0], lethal_burden_cells=1e11)  # vascularised at 460 d, dead at 844 d
    seen = observe(lowered, outcome_of(lesions(lowered)), np.random.default_rng(0))
    np.testing.assert_array_equal(seen.draw_times, [300.0])
    np.testing.assert_array_equal(seen.ctc_count, [[0, 0]])


def test_only_the_ctc_counts_use_the_random_stream():
    lowered = patient(draw_times=[700.0, 800.0], lethal_burden_cells=1e13, clone={"deformable_fraction": 0.01})
    records = lesions(lowered, ("liver", 100.0, 150.0, np.nan), ("lymph_nodes_regional", 300.0, np.nan, np.nan))
    first, again, other = (observe(lowered, outcome_of(records), np.random.default_rng(seed)) for seed in (1, 1, 2))
    np.testing.assert_array_equal(first.ctc_count, again.ctc_count)
    assert not np.array_equal(first.ctc_count, other.ctc_count)
    for name in ("death_time", "diagnosis_time", "n_stage", "follow_up_time"):
        assert getattr(first, name) == getattr(other, name) or np.isnan(getattr(first, name))


def test_a_regional_deposit_above_the_micrometastasis_size_at_diagnosis_is_n_plus():
    """The pathologist's rule: a node deposit of more than ``node_positive_cells`` (200) is a
    micrometastasis (N+); isolated tumour cells, and deposits in distant nodes, are not."""
    lowered = patient()
    regional, distant = (lowered.organ_names.index(name) for name in ("lymph_nodes_regional", "lymph_nodes_distant"))
    none = lesions(lowered)

    def largest(**cells):
        out = np.zeros(len(lowered.organ_names))
        for organ, value in cells.items():
            out[{"regional": regional, "distant": distant}[organ]] = value
        return out

    assert n_stage(lowered, none, 700.0, largest(regional=201.0)) == "N+"
    assert n_stage(lowered, none, 700.0, largest(regional=200.0)) == "N0"
    assert n_stage(lowered, none, 700.0, largest(distant=1e5)) == "N0"
    assert n_stage(lowered, none, 700.0, None) == "N0"  # no deposits read (the reference engine): lesions only
    seen = observe(lowered, RunOutcome(injected=np.zeros(2, dtype=np.int64), lesions=none,
                                       largest_at_diagnosis=largest(regional=5e3)), np.random.default_rng(0))
    assert (seen.n_stage, seen.stage) == ("N+", "regional")

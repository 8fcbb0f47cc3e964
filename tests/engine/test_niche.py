"""Pre-metastatic niches lowered to the engine: an organ's rates times a saturating factor of the
primary's mass, constant in each of the engine's windows at the factor's time average there, and
multiplied with the therapy's epochs. A niche that raises nothing gives the run without it, draw
for draw; a niche raises colonies in its own organ only, and falls back once the primary is gone."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metacascade import ScenarioError, simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.epochs import combined, epoch_at, rates_in_force, step_ends
from metacascade.engine.lower import Epochs, lower
from metacascade.engine.niche import window_factors
from metacascade.engine.patient import patient_lowered

from test_therapy import cohort, patient_data, same_tables
from seeded import FALSE_ALARM

LIVER = {"organ": "liver", "max_factor": 5.0, "half_mass_g": 1.0}


def with_host(data: dict, **host) -> dict:
    return {**data, "host": host}


def own(data: dict):
    """The niches of ``data`` as numbers, and patient 0's lowered scenario, its therapy and niches resolved."""
    lowered = lower(scenario_from_data(data))
    return lowered.niches, patient_lowered(lowered, 11, 0)


def mean_factor(primary, start_cells: float, duration: float, max_factor: float = 5.0, half_mass_g: float = 1.0):
    """Closed-form time average of the saturating factor over ``duration`` days of an exponential
    primary's growth from ``start_cells``: the mean of m / (m + h) is ln((m1 + h) / (m0 + h)) / (r t)."""
    m0 = start_cells / primary.cells_per_g
    m1 = m0 * np.exp(primary.rate * duration)
    return 1.0 + (max_factor - 1.0) * np.log((m1 + half_mass_g) / (m0 + half_mass_g)) / (primary.rate * duration)


def liver_factors(lowered, name: str = "division_rate") -> np.ndarray:
    """The factor on ``name`` in the liver in each epoch of ``lowered``."""
    return lowered.epochs.rate_multipliers[name][:, 0, lowered.organ_names.index("liver")]


def test_a_host_without_niches_or_with_a_niche_that_raises_nothing_gives_the_cohort_without_it():
    plain = cohort(patient_data(None))
    assert plain.patients.diagnosis_time.notna().sum() >= 2  # lesions to change
    for host in ({"niches": []}, {"niches": [{**LIVER, "max_factor": 1.0}], "immune_status_sigma": 0.0}):
        same_tables(cohort(with_host(patient_data(None), **host)), plain)


def test_the_window_factor_is_the_time_average_of_the_saturating_factor_for_an_exponential_primary():
    (niche,), lowered = own(with_host(patient_data(None, varies=False), niches=[LIVER]))
    primary = lowered.primary
    assert primary.law == "exponential"
    ends = np.array([100.0, 500.0, 600.0, 700.0, 800.0])
    starts = np.r_[0.0, ends[:-1]]
    cells = primary.initial_cells * np.exp(primary.rate * starts)
    factors = window_factors(primary, niche, ends)
    np.testing.assert_allclose(factors, mean_factor(primary, cells, ends - starts), rtol=1e-12)
    assert factors[0] < 1.01 and factors[-1] > 4  # from no raise to most of it
    # and the patient's epochs carry them, one per window of the engine, which the niche does not split
    np.testing.assert_array_equal(step_ends(lowered), [500.0, 600.0, 700.0, 800.0])
    np.testing.assert_array_equal(lowered.epochs.times, [0.0, 500.0, 600.0, 700.0])
    np.testing.assert_allclose(liver_factors(lowered), window_factors(primary, niche, step_ends(lowered)), rtol=1e-15)


def test_a_niche_raises_the_rates_it_names_in_its_organ_only_and_the_host_has_no_niche_left():
    _, lowered = own(with_host(patient_data(None, varies=False), niches=[{**LIVER, "rates": ["extravasation_rate"]}]))
    assert set(lowered.epochs.rate_multipliers) == {"extravasation_rate"} and lowered.niches == ()
    factors = lowered.epochs.rate_multipliers["extravasation_rate"]
    liver = lowered.organ_names.index("liver")
    assert (factors[:, :, liver] > 1).all()
    assert (np.delete(factors, liver, axis=2) == 1).all()


def test_niches_multiply_each_other_and_the_therapy_in_force():
    immunotherapy = {"kind": "immunotherapy", "clearance_factor": 3.0, "start_days": 550.0, "duration_days": 100.0}
    data = patient_data(immunotherapy, varies=False)
    niche = {**LIVER, "rates": ["division_rate", "clearance_rate"]}
    niches, lowered = own(with_host(data, niches=[niche, {**niche, "max_factor": 2.0}]))
    np.testing.assert_array_equal(lowered.epochs.times, [0.0, 500.0, 550.0, 600.0, 650.0, 700.0])
    alone = [window_factors(lowered.primary, n, step_ends(lowered)) for n in niches]
    np.testing.assert_allclose(liver_factors(lowered), alone[0] * alone[1], rtol=1e-14)
    np.testing.assert_allclose(liver_factors(lowered, "clearance_rate"),
                               alone[0] * alone[1] * [1, 1, 3, 3, 1, 1], rtol=1e-14)


def test_combined_epochs_change_at_either_time_and_multiply_where_they_overlap():
    shape = (1, 2)
    first = Epochs(np.array([1.0, 3.0]), {"division_rate": np.array([np.full(shape, 2.0), np.full(shape, 5.0)])},
                   np.array([1.0, 0.0]))
    second = Epochs(np.array([0.0, 3.0, 4.0]), {"apoptosis_rate": np.ones((3, *shape)) * [[[7.0]], [[1.0]], [[11.0]]],
                                                "division_rate": np.ones((3, *shape)) * [[[3.0]], [[1.0]], [[1.0]]]},
                    np.array([0.5, 1.0, 1.0]))
    both = combined(first, second)
    np.testing.assert_array_equal(both.times, [0.0, 1.0, 3.0, 4.0])
    np.testing.assert_array_equal(both.rate_multipliers["division_rate"][:, 0, 0], [3.0, 6.0, 5.0, 5.0])
    np.testing.assert_array_equal(both.rate_multipliers["apoptosis_rate"][:, 0, 0], [7.0, 7.0, 1.0, 11.0])
    np.testing.assert_array_equal(both.shedding, [0.5, 0.5, 0.0, 0.0])
    assert combined(None, second) is second and combined(first, None) is first


def test_after_surgery_the_niche_falls_back_to_its_residuals_factor():
    surgery = {"kind": "surgery", "start_days": 750.0}
    _, lowered = own(with_host(patient_data(surgery, varies=False), niches=[LIVER]))
    np.testing.assert_array_equal(step_ends(lowered), [500.0, 600.0, 700.0, 750.0, 800.0])
    factors = liver_factors(lowered)
    assert factors[3] > 3 and factors[4] == 1  # nothing left to drive it
    _, left = own(with_host(patient_data({**surgery, "residual_fraction": 0.01}, varies=False), niches=[LIVER]))
    residual, primary = liver_factors(left), left.primary
    np.testing.assert_array_equal(residual[:4], factors[:4])
    cells = 0.01 * primary.initial_cells * np.exp(primary.rate * 750.0)  # left by the surgery, which regrow
    np.testing.assert_allclose(residual[4], mean_factor(primary, cells, 50.0), rtol=1e-12)
    assert 1 < residual[4] < factors[3] / 2
    liver = left.organ_names.index("liver")
    assert rates_in_force(left, epoch_at(left, 760.0))["division_rate"][0, liver] == (
        residual[4] * left.rates["division_rate"][0, liver])


def test_the_reference_engine_refuses_a_niche_before_it_runs():
    data = with_host(patient_data(None, varies=False), niches=[LIVER])
    with pytest.raises(ScenarioError, match="host.niches: the reference engine follows constant rates only"):
        simulate(scenario_from_data(data), random_seed=1, engine="reference")


def colonies(data: dict, seed: int) -> np.ndarray:
    """Colonies founded in each organ by the end of a single run: thinned Poisson shedding, so Poisson
    in each organ, independent across organs and runs (no lesion switches, so none sheds)."""
    ledger = simulate(scenario_from_data(data), random_seed=seed).ledger
    founded = ledger[(ledger.step == "micrometastasis") & (ledger.flow == "entered")]
    return founded.groupby("organ", sort=False)["count"].sum()


@pytest.mark.seeds(2)
def test_a_niche_raises_colonies_in_its_organ_and_in_no_other(any_seed):
    """Exact conditional tests: two independent Poisson counts with the same mean split 1:1 given their
    sum (binomial); in the niche's organ the run with the niche holds more than that allows."""
    data = patient_data(None, varies=False, fates={"division_rate": 0.2, "switch_rate": 0.0})
    without = colonies(data, any_seed)
    raised = colonies(with_host(data, niches=[{**LIVER, "max_factor": 20.0, "half_mass_g": 0.01}]), any_seed + 10**6)
    total = without + raised
    liver = stats.binomtest(int(raised["liver"]), int(total["liver"]), 0.5, alternative="greater").pvalue
    assert liver < 1e-6
    others = [stats.binomtest(int(raised[o]), int(total[o]), 0.5).pvalue for o in total.index
              if o != "liver" and total[o] > 0]
    assert len(others) > 10 and total.drop("liver").sum() > 10_000
    assert min(others) > FALSE_ALARM / len(others)  # Bonferroni: a false alarm in 1 of 1000 runs

"""One patient's primary drawn from the scenario's distributions: lognormal rate multipliers of
median 1 with the stated CV, a Dirichlet clone mix around the scenario's, in a fixed draw order; its
metastases grow at its own pace."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from metacascade.engine.lower import NO_VARIATION, Primary, Variation
from metacascade.catalog import load_scenario
from metacascade.engine import pool
from metacascade.engine.handoff import pooled_max_cells
from metacascade.engine.lower import lower
from metacascade.engine.patient import patient_lowered
from metacascade.engine.observation import regional_nodes
from metacascade.engine.variation import COLONISATION_RATES, draw_patient, draw_primary, node_multiplier
from metacascade.model.variation import lognormal_sigma
from seeded import FALSE_ALARM

NUM_DRAWS = 4000


def primary(variation: Variation = NO_VARIATION, shares=(0.6, 0.3, 0.0, 0.1)) -> Primary:
    return Primary(
        site=0, law="gompertz", initial_cells=1.0, rate=6e-4, capacity=1e12, exponent=2 / 3,
        cells_per_g=1e9, shedding_rate_per_g_day=3.2e6, vascularisation_cells=1e6,
        lymphatic_fraction=0.3, clone_share=np.array(shares), variation=variation,
    )


def draws(base: Primary, seed: int) -> list[Primary]:
    rng = np.random.default_rng(seed)
    return [draw_primary(base, rng) for _ in range(NUM_DRAWS)]


def test_without_variation_every_patient_is_the_scenario(any_seed):
    base = primary()
    for drawn in draws(base, any_seed)[:20]:
        assert drawn.rate == base.rate and drawn.shedding_rate_per_g_day == base.shedding_rate_per_g_day
        np.testing.assert_array_equal(drawn.clone_share, base.clone_share)


@pytest.mark.parametrize("field, attribute, value", [
    ("growth_rate_sigma", "rate", 6e-4), ("shedding_rate_sigma", "shedding_rate_per_g_day", 3.2e6),
])
def test_rate_multipliers_are_lognormal_with_median_one_and_the_stated_cv(field, attribute, value, any_seed):
    cv = 0.6
    varied = primary(Variation(**{field: lognormal_sigma(cv)}))
    drawn = np.array([getattr(p, attribute) for p in draws(varied, any_seed)])
    logs = np.log(drawn / value)
    assert stats.kstest(logs, stats.norm(scale=lognormal_sigma(cv)).cdf).pvalue > FALSE_ALARM
    assert np.median(drawn / value) == pytest.approx(1.0, abs=0.05)
    assert drawn.std() / drawn.mean() == pytest.approx(cv, rel=0.1)


def test_clone_shares_are_dirichlet_around_the_scenario_mix(any_seed):
    concentration = 20.0
    base = primary(Variation(clone_mix_concentration=concentration))
    shares = np.array([p.clone_share for p in draws(base, any_seed)])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-12)
    assert (shares[:, 2] == 0).all()  # a clone the primary does not shed stays absent
    mean = base.clone_share
    np.testing.assert_allclose(shares.mean(axis=0), mean, atol=4 * np.sqrt(0.25 / 21 / NUM_DRAWS))
    np.testing.assert_allclose(shares.var(axis=0), mean * (1 - mean) / (concentration + 1), rtol=0.1, atol=1e-12)


def test_a_drawn_patient_has_no_variation_left():
    varied = primary(Variation(growth_rate_sigma=0.5, shedding_rate_sigma=1.0, clone_mix_concentration=5.0))
    assert varied.variation.varies and not NO_VARIATION.varies
    drawn = draw_primary(varied, np.random.default_rng(0))
    assert drawn.variation == NO_VARIATION
    assert replace(drawn, rate=varied.rate, shedding_rate_per_g_day=varied.shedding_rate_per_g_day,
                   clone_share=varied.clone_share, variation=varied.variation) == varied


def test_turning_one_distribution_on_leaves_the_others_draws_unchanged(any_seed):
    growth_only = draws(primary(Variation(growth_rate_sigma=0.5)), any_seed)
    everything = draws(primary(Variation(growth_rate_sigma=0.5, shedding_rate_sigma=1.0, clone_mix_concentration=5.0)),
                       any_seed)
    assert growth_only[0].rate == everything[0].rate
    assert everything[0].shedding_rate_per_g_day != 3.2e6


NODES = {"node_avid_fraction": 0.25, "node_avid_log10": 1.5, "node_other_log10": -0.25}


def breast(nodes: dict | None = None):
    """``breast_patient`` lowered, its patients' regional-node colonisation as ``nodes`` says (default: alike)."""
    alike = {name: 0.0 for name in NODES}
    return lower(load_scenario("breast_patient").with_values(
        {f"primary.variation.{name}": value for name, value in (nodes or alike).items()}))


def test_a_patients_metastases_grow_by_its_primarys_multiplier_and_nothing_else_of_the_clones_moves(any_seed):
    lowered = breast()
    patient = draw_patient(lowered, np.random.default_rng(any_seed))
    primary = draw_primary(lowered.primary, np.random.default_rng(any_seed))
    assert patient.primary.rate == primary.rate and patient.primary.shedding_rate_per_g_day == primary.shedding_rate_per_g_day
    multiplier = patient.primary.rate / lowered.primary.rate
    assert multiplier != 1.0
    np.testing.assert_allclose(patient.rates["gompertz_rate"], multiplier * lowered.rates["gompertz_rate"], rtol=1e-15)
    for name in set(lowered.rates) - {"gompertz_rate"}:
        assert patient.rates[name] is lowered.rates[name], name


def test_patients_growing_at_their_own_pace_share_the_pools_kernels():
    lowered = breast()
    first, second = (patient_lowered(lowered, 1, i) for i in (0, 1))
    assert not np.array_equal(first.rates["gompertz_rate"], second.rates["gompertz_rate"])
    chains = [pool.shared_chains(p.rates, pooled_max_cells(p), np.full(p.rates["birth_rate"].shape, 1))
              for p in (first, second)]
    assert chains[0] is chains[1]  # the Gompertz growth acts on tracked lesions, not in a pooled chain


def test_a_share_of_tumours_colonise_their_nodes_readily_and_the_rest_at_their_own_level(any_seed):
    variation, rng = Variation(**NODES), np.random.default_rng(any_seed)
    levels = np.array([np.log10(node_multiplier(variation, rng)) for _ in range(NUM_DRAWS)])
    avid = np.isclose(levels, 1.5)
    assert (avid | np.isclose(levels, -0.25)).all()
    assert stats.binomtest(int(avid.sum()), NUM_DRAWS, 0.25).pvalue > FALSE_ALARM
    assert node_multiplier(NO_VARIATION, rng) == 1.0


def test_the_node_multiplier_scales_colonisation_in_the_regional_nodes_only_and_moves_no_other_draw(any_seed):
    plain, varied = breast(), breast(NODES)
    nodes = regional_nodes(plain)
    patient = draw_patient(varied, np.random.default_rng(any_seed))
    alone = draw_patient(plain, np.random.default_rng(any_seed))
    assert patient.primary.rate == alone.primary.rate  # drawn after the primary: its draws do not move
    assert patient.primary.shedding_rate_per_g_day == alone.primary.shedding_rate_per_g_day
    np.testing.assert_array_equal(patient.primary.clone_share, alone.primary.clone_share)
    rng = np.random.default_rng(any_seed)
    draw_primary(varied.primary, rng)
    multiplier = node_multiplier(varied.primary.variation, rng)
    for name in COLONISATION_RATES:
        np.testing.assert_allclose(patient.rates[name][:, nodes], multiplier * plain.rates[name][:, nodes], rtol=1e-15)
        np.testing.assert_array_equal(patient.rates[name][:, ~nodes], plain.rates[name][:, ~nodes])
    for name in set(plain.rates) - set(COLONISATION_RATES):
        np.testing.assert_array_equal(patient.rates[name], alone.rates[name])


def test_patients_at_the_same_node_level_share_the_pools_kernels():
    lowered = breast(NODES)
    patients = [patient_lowered(lowered, 1, i) for i in range(40)]
    level = [float(p.rates["division_rate"][0, regional_nodes(p)][0]) for p in patients]
    assert len(set(level)) == 2  # the two levels
    for value in set(level):
        first, second = [p for p, at in zip(patients, level) if at == value][:2]
        chains = [pool.shared_chains(p.rates, pooled_max_cells(p), np.full(p.rates["birth_rate"].shape, 1))
                  for p in (first, second)]
        assert chains[0] is chains[1]

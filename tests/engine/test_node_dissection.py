"""Regional node dissection at surgery (MODEL.md §4): at the primary's removal every founder in its
regional lymph nodes is removed (single cells dead where they are, growing colonies cleared, dormant
micrometastases regressed, switched lesions resected); the other organs draw what they drew until
then, the N stage at diagnosis is read before it, and every founder stays accounted for."""

from __future__ import annotations

import numpy as np
import pytest

from metacascade import simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine import pool
from metacascade.engine.colonies import BOUND, CLEARED, GROWING, MACRO, REGRESSED, RESECTED, Colonies, dissect
from metacascade.engine.lower import lower
from metacascade.engine.outcome import ALIVE_STATES
from metacascade.engine.patient import engine_function, run_patient
from metacascade.results.ledger import fate_ledger, ledger_balance

SURGERY_DAY = 600.0


def patient_data(**surgery) -> dict:
    """Breast primaries shedding into the lymph (30%) and into fast-switching lesions, resected on day
    600 (an observation time) with ``surgery``'s fields."""
    return {
        "name": "dissected_patient", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, "fates": {"division_rate": 0.2, "clearance_rate": 0.1,
                                                        "switch_rate": 0.05, "gompertz_rate": 0.005}}},
        "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.03},
                    "shedding_rate_per_g_day": 300.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0}},
        "observation": {"imaging_times": [550.0, 600.0, 650.0, 700.0], "lethal_burden_cells": 3e10},
        "observation_times": [500.0, 550.0, 600.0, 650.0, 700.0],
        "therapy": {"interventions": [{"kind": "surgery", "start_days": SURGERY_DAY, **surgery}]},
    }


def run(data: dict, patient: int):
    lowered = lower(scenario_from_data(data))
    return lowered, *run_patient(lowered, engine_function("exact"), 7, patient)


@pytest.fixture(scope="module")
def patient() -> int:
    """The first patient of seed 7 whose regional nodes hold a switched lesion at surgery."""
    for patient in range(40):
        lowered, kept, _ = run(patient_data(), patient)
        nodes = lowered.routing.lymph_drain[lowered.primary.site] > 0
        at_surgery = kept.snapshots[int(np.searchsorted(lowered.observation_times, SURGERY_DAY))]
        if at_surgery.counts["macromet"][:, nodes].any():
            return patient
    pytest.fail("no patient of the first 40 has a switched lesion in its regional nodes at surgery")


@pytest.fixture(scope="module")
def runs(patient):
    return run(patient_data(), patient), run(patient_data(node_dissection=True), patient)


def test_without_dissection_surgery_is_the_resection_alone(runs, patient):
    (_, kept, _), (_, again, _) = runs[0], run(patient_data(node_dissection=False), patient)
    for a, b in zip(kept.snapshots, again.snapshots):
        for name in a.counts:
            np.testing.assert_array_equal(a.counts[name], b.counts[name])


def test_dissection_empties_the_regional_nodes_and_leaves_the_rest_as_drawn_until_then(runs):
    (lowered, kept, _), (_, dissected, _) = runs
    nodes = lowered.routing.lymph_drain[lowered.primary.site] > 0
    times = lowered.observation_times
    at = int(np.searchsorted(times, SURGERY_DAY))
    before = kept.snapshots[at].counts
    assert sum(before[name][:, nodes].sum() for name in ALIVE_STATES) > 0  # the nodes held founders
    for k, (a, b) in enumerate(zip(kept.snapshots, dissected.snapshots)):
        for name in a.counts:
            if k < at:
                np.testing.assert_array_equal(a.counts[name], b.counts[name])
            elif k == at:  # the same draws everywhere else, the nodes emptied
                np.testing.assert_array_equal(a.counts[name][:, ~nodes], b.counts[name][:, ~nodes])
    after = dissected.snapshots[at].counts
    assert all(after[name][:, nodes].sum() == 0 for name in ALIVE_STATES)
    assert after["resected"][:, nodes].sum() > 0  # a switched lesion among them
    removed = ("dead_in_vessel", "dead_apoptosis", "dead_dormant", "cleared", "regressed", "resected")
    assert sum((after[name] - before[name])[:, nodes].sum() for name in removed) == sum(
        before[name][:, nodes].sum() for name in ALIVE_STATES)


def test_the_n_stage_at_diagnosis_is_read_before_the_dissection_and_the_ledger_balances():
    data = patient_data(node_dissection=True)
    data["therapy"]["interventions"][0].update(start_days=0.0, relative_to="diagnosis")
    treated = simulate(scenario_from_data(data), num_patients=4, random_seed=3)
    untreated = simulate(scenario_from_data({**data, "therapy": {"interventions": []}}), num_patients=4,
                         random_seed=3)
    assert (treated.patients.n_stage == untreated.patients.n_stage).all()
    assert (treated.patients.n_stage == "N+").any()
    lowered = lower(scenario_from_data(data))
    for patient in range(4):
        outcome = run_patient(lowered, engine_function("exact"), 3, patient)[0]
        ledger = fate_ledger([outcome], lowered.clone_names, lowered.organ_names, lowered.observation_times)
        assert (ledger_balance(ledger)["imbalance"] == 0).all()


def test_each_colony_in_a_node_leaves_by_its_own_fate_and_pooled_founders_die_where_they_are():
    colonies = Colonies.founded(0, np.array([0, 0, 0, 1]), 50.0, np.zeros(4), 1)
    colonies.phase[:] = [GROWING, BOUND, MACRO, MACRO]
    dissect(colonies, 600.0, np.array([True, False]))
    np.testing.assert_array_equal(colonies.phase, [CLEARED, REGRESSED, RESECTED, MACRO])
    np.testing.assert_array_equal(colonies.regression_time[1:], [600.0, 600.0, np.nan])
    chain = pool.layout(3)
    counts = np.arange(2 * chain.num_states).reshape(1, 2, -1)
    out = pool.dissect(counts, chain, np.array([True, False]))
    np.testing.assert_array_equal(out[0, 1], counts[0, 1])
    assert out[0, 0].sum() == counts[0, 0].sum()
    transient = [pool.V, pool.E, pool.D, *range(chain.colony_bases[0], chain.colony_bases[1] + 3)]
    assert not out[0, 0, transient].any()
    assert out[0, 0, chain.cleared[1]] == counts[0, 0, chain.cleared[1]] + counts[0, 0, 6:9].sum()

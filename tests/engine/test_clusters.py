"""Clusters in the exact engine: shed as founders of their own, they colonise 'multiplier' times
more readily than single cells (aceto2014) and pass capillaries, arresting with a probability of their
own at each bed (au2016)."""

import numpy as np

from metacascade.catalog import scenario_from_data
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower
from metacascade.engine.shedding import expected_shed

RATE, TIMES, FRACTION, CELLS = 0.02, [700.0, 760.0], 0.3, 5.0


def clustered_patient(multiplier: float):
    return scenario_from_data({
        "name": "clusters", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0,
                         "fates": {"division_rate": 0.01, "clearance_rate": 0.3, "switch_rate": 0.0,
                                   "reactivation_rate": 0.0},
                         "cluster": {"mean_cells": CELLS, "colonisation_multiplier": multiplier,
                                     "arrest_probability": 0.05, "transit_death_rate": 10.0}}},
        "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": RATE},
                    "shedding_rate_per_g_day": 3.2e4, "cluster_fraction": FRACTION, "clone_mix": {"A": 1.0}},
        "observation_times": TIMES,
    })


def test_shed_singles_and_clusters_are_poisson_with_their_shares_of_the_cells_shed(any_seed):
    lowered = lower(clustered_patient(30.0))
    shed = expected_shed("exponential", 1.0, 0.0, TIMES[-1], RATE, shedding_rate_per_g_day=3.2e4, cells_per_g=1e9,
                         vascularisation_cells=1e6)
    entered = np.array([run_timeline(lowered, np.random.default_rng([any_seed, run])).snapshots[-1].entered
                        for run in range(30)])
    expected = np.array([(1 - FRACTION) * shed, FRACTION * shed / CELLS])
    z = (entered.mean(axis=0) - expected) / np.sqrt(expected / len(entered))
    assert np.all(np.abs(z) < 4.5), z


def test_cluster_founders_start_colonies_multiplier_times_more_often_than_single_cells(any_seed):
    """Per arrested founder, colonies are founded at 30x the rate (wherever they arrest)."""
    lowered = lower(clustered_patient(30.0))
    founded, arrested = np.zeros(2), np.zeros(2)
    for run in range(10):
        last = run_timeline(lowered, np.random.default_rng([any_seed, run])).snapshots[-1]
        founded += last.counts["founded_direct"].sum(axis=1)
        arrested += last.arrested.sum(axis=1)
    # extravasation 1.0 against vessel death 0.5, then division 0.01 (x30 for clusters) against
    # apoptosis 0.5 and dormancy 0.5: P(found a colony) = 2/3 x r / (r + 1)
    p = np.array([2 / 3 * 0.01 / 1.01, 2 / 3 * 0.3 / 1.3])
    z = (founded - arrested * p) / np.sqrt(arrested * p * (1 - p))
    assert np.all(np.abs(z) < 4.5), (founded / arrested, p)
    assert founded[1] / arrested[1] > 10 * founded[0] / arrested[0]


def test_ctc_events_count_a_cluster_once():
    from metacascade.engine.observation import circulating_cells
    from metacascade.engine.routes import routes

    lowered = lower(clustered_patient(30.0))
    out = run_timeline(lowered, np.random.default_rng(0))  # switch_rate 0: only the primary sheds
    t = np.array([720.0])
    events = circulating_cells(lowered, out.lesions, t)[0]
    cells = 3.2e4 / 1e9 * np.exp(RATE * t[0])
    days = routes(lowered).circulating[:, lowered.organ_names.index("breast")]  # in the blood per event shed
    np.testing.assert_allclose(events, [(1 - FRACTION) * cells, FRACTION * cells / CELLS] * days, rtol=1e-12)

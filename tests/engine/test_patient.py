"""A growing primary that sheds: exact Poisson shed counts, conservation, and where cells go."""

import numpy as np
import pytest

from metacascade import simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.assay import simulate_assay
from metacascade.engine.lower import lower
from metacascade.engine.outcome import ALIVE_STATES, TERMINAL_FATES
from metacascade.engine.reference import simulate_reference
from metacascade.engine.shedding import expected_shed

RATE, TIMES = 0.02, [700.0, 730.0, 800.0]


def patient(site="breast", lymphatic_fraction=0.3, shedding=3.2e4, coelomic_fraction=0.0, fates=None, **extra):
    """A patient whose primary invades its serosa (if in a cavity) when it starts shedding (1e6 cells)."""
    return scenario_from_data({
        "name": f"{site}_test_patient", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, "fates": fates or {"division_rate": 0.2, "clearance_rate": 0.2}}},
        "primary": {
            "site": site, "growth": {"law": "exponential", "rate_per_day": RATE},
            "shedding_rate_per_g_day": shedding, "lymphatic_fraction": lymphatic_fraction,
            "coelomic_fraction": coelomic_fraction, "serosal_invasion_cells": 1e6, "clone_mix": {"A": 1.0},
        },
        "observation_times": TIMES, **extra,
    })


def expected(t0, t1, shedding=3.2e4):
    return expected_shed("exponential", 1.0, t0, t1, RATE, shedding_rate_per_g_day=shedding,
                         cells_per_g=1e9, vascularisation_cells=1e6)


def test_every_shed_cell_is_accounted_for_at_every_observation():
    out = simulate_assay(lower(patient()), np.random.default_rng(1))
    for snap in out.snapshots:
        total = snap.in_transit + snap.died_in_transit + snap.total_alive_and_dead()
        np.testing.assert_array_equal(total, snap.entered)
        np.testing.assert_array_equal(snap.arrested.sum(axis=1) + snap.died_in_transit, snap.entered)
    assert out.snapshots[-1].entered[0] > 0


@pytest.mark.parametrize("engine", [simulate_assay, simulate_reference], ids=["exact", "reference"])
def test_every_shed_cell_is_in_one_state_where_it_arrested_whichever_route_it_took(engine):
    """Blood, lymph and the peritoneal cavity all take cells (~600 shed). Per clone and organ, the
    founders that arrested there are each in one state or fate there; with the deaths in transit
    (blood, lymph) or in the cavity's fluid they are every cell shed so far."""
    fates = {"division_rate": 0.5, "clearance_rate": 0.1, "avascular_bound_cells": 100, "switch_rate": 0.1}
    lowered = lower(patient("ovaries", shedding=1.5e3, coelomic_fraction=0.4, fates=fates))
    out = engine(lowered, np.random.default_rng(8))
    for snap in out.snapshots:
        in_organs = sum(snap.counts[name] for name in ALIVE_STATES + TERMINAL_FATES)
        np.testing.assert_array_equal(in_organs, snap.arrested)
        np.testing.assert_array_equal(snap.arrested.sum(axis=1) + snap.died_in_transit + snap.in_transit, snap.entered)
    assert np.all(np.diff([snap.entered[0] for snap in out.snapshots]) > 0)
    organs, last = lowered.organ_names, out.snapshots[-1]
    by_route = {
        "venous blood": last.arrested[0, organs.index("lung")],
        "lymph": last.arrested[0, organs.index("lymph_nodes_regional")],
        "cavity": sum(last.arrested[0, organs.index(s)] for s in ("peritoneum", "omentum", "diaphragm")),
        "died": last.died_in_transit[0],
    }
    assert min(by_route.values()) > 0, by_route


def test_shed_counts_follow_the_poisson_closed_form():
    lowered = lower(patient())
    totals = np.array([
        [s.entered[0] for s in simulate_assay(lowered, np.random.default_rng(seed)).snapshots]
        for seed in range(40)
    ])
    means = np.array([expected(0.0, t) for t in TIMES])
    z = (totals.mean(axis=0) - means) / np.sqrt(means / len(totals))
    assert np.all(np.abs(z) < 4.5), z
    increments = np.diff(np.c_[np.zeros(len(totals)), totals], axis=1)
    assert np.all(increments >= 0)


def test_no_cell_is_shed_before_the_primary_is_vascularised():
    scenario = patient().model_copy(update={"observation_times": (100.0, 600.0, 690.0)})  # 1e6 cells at ~691 d
    out = simulate_assay(lower(scenario), np.random.default_rng(2))
    assert [s.entered[0] for s in out.snapshots] == [0, 0, 0]


def test_lymph_and_blood_routes_both_appear_in_the_ledger():
    results = simulate(patient(lymphatic_fraction=0.5), random_seed=3)
    results.check()  # founders add up to the cells that entered; every ledger row balances
    ledger = results.ledger
    arrived = ledger[(ledger.step == "vessel") & (ledger.flow == "entered")].groupby("organ")["count"].sum()
    assert arrived["lymph_nodes_regional"] > arrived["lymph_nodes_distant"] > 0
    assert arrived["lung"] > 0
    entered = ledger[(ledger.step == "transit") & (ledger.flow == "entered")]["count"].sum()
    assert entered == results.entered().groupby(level="time").sum().iloc[-1]


@pytest.mark.parametrize("site, first", [("breast", "lung"), ("large_intestine", "liver")])
def test_blood_borne_cells_arrest_first_where_the_venous_outflow_leads(site, first):
    out = simulate_assay(lower(patient(site, lymphatic_fraction=0.0)), np.random.default_rng(4))
    arrested = out.snapshots[-1].arrested[0]
    organs = lower(patient(site)).organ_names
    assert organs[int(np.argmax(arrested))] == first


def test_the_paravertebral_route_takes_prostate_cells_to_bone():
    closed = simulate_assay(lower(patient("prostate", lymphatic_fraction=0.0)), np.random.default_rng(5))
    opened = simulate_assay(lower(patient("prostate", lymphatic_fraction=0.0, paravertebral_route=True)),
                            np.random.default_rng(5))
    bone = lower(patient("prostate")).organ_names.index("bone")
    assert opened.snapshots[-1].arrested[0, bone] > 10 * max(closed.snapshots[-1].arrested[0, bone], 1)

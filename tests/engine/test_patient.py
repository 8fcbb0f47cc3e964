"""A growing primary that sheds: exact Poisson shed counts, conservation, and where cells go."""

import numpy as np
import pytest

from metacascade import simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower
from metacascade.engine.outcome import ALIVE_STATES, TERMINAL_FATES
from metacascade.engine.reference import simulate_reference
from metacascade.engine.growth import cell_days
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
    out = run_timeline(lower(patient()), np.random.default_rng(1))
    for snap in out.snapshots:
        total = snap.in_transit + snap.died_in_transit + snap.total_alive_and_dead()
        np.testing.assert_array_equal(total, snap.entered)
        np.testing.assert_array_equal(snap.arrested.sum(axis=1) + snap.died_in_transit, snap.entered)
    assert out.snapshots[-1].entered[0] > 0


@pytest.mark.parametrize("engine", [run_timeline, simulate_reference], ids=["exact", "reference"])
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


def test_shed_counts_follow_the_poisson_closed_form(any_seed):
    lowered = lower(patient(fates={"division_rate": 0.2, "clearance_rate": 0.2, "switch_rate": 0.0}))  # no spread
    totals = np.array([
        [s.entered[0] for s in run_timeline(lowered, np.random.default_rng([any_seed, run])).snapshots]
        for run in range(40)
    ])
    means = np.array([expected(0.0, t) for t in TIMES])
    z = (totals.mean(axis=0) - means) / np.sqrt(means / len(totals))
    assert np.all(np.abs(z) < 4.5), z
    increments = np.diff(np.c_[np.zeros(len(totals)), totals], axis=1)
    assert np.all(increments >= 0)


def test_no_cell_is_shed_before_the_primary_is_vascularised():
    scenario = patient().model_copy(update={"observation_times": (100.0, 600.0, 690.0)})  # 1e6 cells at ~691 d
    out = run_timeline(lower(scenario), np.random.default_rng(2))
    assert [s.entered[0] for s in out.snapshots] == [0, 0, 0]


def test_lymph_and_blood_routes_both_appear_in_the_ledger():
    """The primary's lymph reaches its regional nodes first (no metastasis sheds here: a switched one
    in a distant node would send it more cells than the primary's lymph does in some runs)."""
    no_spread = {"division_rate": 0.2, "clearance_rate": 0.2, "switch_rate": 0.0}
    results = simulate(patient(lymphatic_fraction=0.5, fates=no_spread), random_seed=3)
    results.check()  # founders add up to the cells that entered; every ledger row balances
    ledger = results.ledger
    arrived = ledger[(ledger.step == "vessel") & (ledger.flow == "entered")].groupby("organ")["count"].sum()
    assert arrived["lymph_nodes_regional"] > arrived["lymph_nodes_distant"] > 0
    assert arrived["lung"] > 0
    entered = ledger[(ledger.step == "transit") & (ledger.flow == "entered")]["count"].sum()
    assert entered == results.entered().groupby(level="time").sum().iloc[-1]


@pytest.mark.parametrize("site, first", [("breast", "lung"), ("large_intestine", "liver")])
def test_blood_borne_cells_arrest_first_where_the_venous_outflow_leads(site, first):
    """Cells shed by the primary arrest first where its venous outflow leads (metastases that seed
    elsewhere later, by secondary spread, come after: here the first observation precedes them)."""
    out = run_timeline(lower(patient(site, lymphatic_fraction=0.0)), np.random.default_rng(4))
    arrested = out.snapshots[0].arrested[0]
    organs = lower(patient(site)).organ_names
    assert organs[int(np.argmax(arrested))] == first


def test_the_paravertebral_route_takes_prostate_cells_to_bone():
    """Cells shed by the primary itself (no metastasis switches, so none sheds in its turn)."""
    primary_only = {"division_rate": 0.2, "clearance_rate": 0.2, "switch_rate": 0.0}
    closed = run_timeline(lower(patient("prostate", lymphatic_fraction=0.0, fates=primary_only)),
                            np.random.default_rng(5))
    opened = run_timeline(lower(patient("prostate", lymphatic_fraction=0.0, fates=primary_only,
                                          paravertebral_route=True)), np.random.default_rng(5))
    bone = lower(patient("prostate")).organ_names.index("bone")
    assert opened.snapshots[-1].arrested[0, bone] > 10 * max(closed.snapshots[-1].arrested[0, bone], 1)


def test_macrometastases_shed_like_a_primary_from_their_switch_on(any_seed):
    """Secondary spread: given the lesions a run produced, the cells that entered the circulation in
    each window beyond the primary's are Poisson with mean rate/cells_per_g x the exact cell-days of
    every macrometastasis from its switch on (MODEL.md §2)."""
    fates = {"division_rate": 0.05, "clearance_rate": 0.1, "avascular_bound_cells": 1e4, "switch_rate": 0.5,
             "gompertz_rate": 0.01}
    lowered = lower(patient(fates=fates))
    times = np.r_[0.0, TIMES]
    observed, expected_extra = 0.0, 0.0
    for run in range(5):
        out = run_timeline(lowered, np.random.default_rng([any_seed, run]))
        entered = np.r_[0.0, [s.entered[0] for s in out.snapshots]]
        switched, bound = out.lesions.switch_time, 1e4
        capacity = lowered.capacity[0, out.lesions.organ]
        for k in range(1, len(times)):
            shedding = switched <= times[k]
            age = times[k] - switched[shedding]
            lesion_days = cell_days("gompertz", bound, np.maximum(age - (times[k] - times[k - 1]), 0.0), age, 0.01,
                                    capacity[shedding]).sum()
            observed += entered[k] - entered[k - 1] - expected(times[k - 1], times[k])
            expected_extra += 3.2e4 / 1e9 * lesion_days
    primary_variance = 5 * expected(0.0, TIMES[-1])
    assert expected_extra > 50 * np.sqrt(primary_variance)  # the metastases shed far more than the noise
    z = (observed - expected_extra) / np.sqrt(expected_extra + primary_variance)
    assert abs(z) < 4.5, (observed, expected_extra)


def test_nothing_changes_after_death():
    """The patient dies when the primary reaches 2e6 cells (day ~725): the observation at day 800
    repeats the one at day 730, the first at which the engine finds the patient dead."""
    lowered = lower(patient(observation={"lethal_burden_cells": 2e6}))
    out = run_timeline(lowered, np.random.default_rng(3))
    at_death, after = out.snapshots[1], out.snapshots[2]
    assert after.time == 800.0
    np.testing.assert_array_equal(after.entered, at_death.entered)
    for name in ALIVE_STATES + TERMINAL_FATES:
        np.testing.assert_array_equal(after.counts[name], at_death.counts[name])
    alive = run_timeline(lower(patient()), np.random.default_rng(3))
    assert alive.snapshots[2].entered[0] > alive.snapshots[1].entered[0]


def test_too_many_colonies_to_follow_is_refused_before_they_are_drawn(monkeypatch):
    from metacascade.engine import pool

    monkeypatch.setattr(pool, "MAX_TRACKED_COLONIES", 5)
    with pytest.raises(pool.TooManyColonies, match="lower division_rate"):
        run_timeline(lower(patient(fates={"division_rate": 0.5, "clearance_rate": 0.0})), np.random.default_rng(0))


def test_shedding_beyond_what_the_engine_draws_is_one_documented_error_naming_the_fields():
    from dataclasses import replace

    from metacascade.catalog import load_scenario
    from metacascade.engine.spread import TooManyCells

    lowered = lower(load_scenario("breast_patient"))
    flooded = replace(lowered, primary=replace(lowered.primary, shedding_rate_per_g_day=1e20))  # past validation
    with pytest.raises(TooManyCells, match="primary.shedding_rate_per_g_day"):
        run_timeline(flooded, np.random.default_rng(0))

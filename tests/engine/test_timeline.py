"""The exact assay engine: invariants on catalogue and stress scenarios, and closed forms."""

import numpy as np
import pytest
from scipy import stats

from metacascade.catalog import load_scenario
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower
from metacascade.engine.outcome import ALIVE_STATES, SNAPSHOT_FIELDS, TERMINAL_FATES
from metacascade.engine.routing import delivery_matrix
from seeded import FALSE_ALARM


def with_cells(scenario, num_cells):
    injection = scenario.injections[0].model_copy(update={"num_cells": num_cells})
    return scenario.model_copy(update={"injections": (injection,)})


@pytest.fixture(scope="module", params=["luzzi1998_liver", "fidler1970_lung"])
def outcome(request):
    lowered = lower(load_scenario(request.param))
    return lowered, run_timeline(lowered, np.random.default_rng(7))


def test_every_founder_is_accounted_for_at_every_observation(outcome):
    lowered, out = outcome
    for snap in out.snapshots:
        total = snap.in_transit + out.died_in_transit + snap.total_alive_and_dead()
        np.testing.assert_array_equal(total, out.injected)


def test_no_count_is_negative_and_tallies_never_decrease(outcome):
    _, out = outcome
    for snap in out.snapshots:
        assert all(snap.counts[name].min() >= 0 for name in SNAPSHOT_FIELDS)
        assert snap.cells.min() >= 0
    for name in TERMINAL_FATES + ("founded_direct", "founded_reactivated", "reached_bound", "switched"):
        series = np.array([s.counts[name] for s in out.snapshots])
        assert np.all(np.diff(series, axis=0) >= 0), name


def test_lesions_are_the_colonies_that_reached_the_bound(outcome):
    _, out = outcome
    last = out.snapshots[-1].counts
    assert out.lesions.clone.size == last["reached_bound"].sum()
    assert np.all(out.lesions.bound_time >= out.lesions.tracked_time)
    switched = ~np.isnan(out.lesions.switch_time)
    assert switched.sum() == last["switched"].sum()
    assert np.all(out.lesions.switch_time[switched] >= out.lesions.bound_time[switched])
    assert np.all(np.diff(out.lesions.bound_time) >= 0)  # numbered in the order they reached it


def test_a_lesion_keeps_its_number_when_the_run_is_followed_longer():
    scenario = load_scenario("breast_patient")
    times = scenario.observation_times
    full = run_timeline(lower(scenario), np.random.default_rng(11)).lesions
    last = int(np.searchsorted(times, full.bound_time[0]))  # the short run ends with the first lesion's year
    short = scenario.with_values({"observation_times": times[:last + 1], "observation.imaging_times": times[:last + 1],
                                  "observation.draw_times": times[:last + 1]})
    lesions = run_timeline(lower(short), np.random.default_rng(11)).lesions
    early = lesions.bound_time <= times[last]
    assert full.bound_time.size > early.sum() > 0  # lesions before the cut and after it
    for name in ("organ", "clone", "bound_time"):
        np.testing.assert_array_equal(getattr(lesions, name)[early], getattr(full, name)[: early.sum()])


def test_same_generator_seed_gives_identical_counts():
    lowered = lower(load_scenario("luzzi1998_liver"))
    a = run_timeline(lowered, np.random.default_rng(3))
    b = run_timeline(lowered, np.random.default_rng(3))
    for sa, sb in zip(a.snapshots, b.snapshots):
        for name in SNAPSHOT_FIELDS:
            np.testing.assert_array_equal(sa.counts[name], sb.counts[name])


@pytest.mark.seeds(3)
def test_arrests_follow_the_delivery_matrix(any_seed, chisquare_p):
    lowered = lower(load_scenario("luzzi1998_liver"))
    out = run_timeline(lowered, np.random.default_rng(any_seed))
    expected = delivery_matrix(lowered.routing, 0)[lowered.injection_vessel[0]] * out.injected[0]
    observed = np.r_[out.arrested[0], out.died_in_transit[0]]
    assert chisquare_p(observed, expected) > FALSE_ALARM


@pytest.mark.parametrize("num_cells", [1, 10**7])
def test_extreme_injections_conserve_founders(num_cells):
    scenario = with_cells(load_scenario("fidler1970_lung"), num_cells)
    out = run_timeline(lower(scenario), np.random.default_rng(5))
    for snap in out.snapshots:
        np.testing.assert_array_equal(snap.total_alive_and_dead() + out.died_in_transit, [num_cells])


def test_alive_states_cover_every_cell_in_the_burden(outcome):
    _, out = outcome
    for snap in out.snapshots:
        alive = sum(snap.counts[name] for name in ALIVE_STATES)
        assert np.all((alive > 0) | (snap.cells == 0))
        assert np.all(snap.cells >= alive)


@pytest.mark.seeds(3)
@pytest.mark.parametrize("block", [None, 1000])  # 1000: the 20,000 colonies jump in 20 blocks
def test_colonies_match_birth_death_closed_forms_through_the_whole_engine(any_seed, block, monkeypatch):
    """Founders that divide at once: extinction alpha(t) and mean size e^{(b-d)t} (Kendall), whether
    the colonies jump at once or block by block (``colonies.GROW_BLOCK``)."""
    from metacascade.catalog import scenario_from_data
    from metacascade.engine import colonies
    from metacascade.engine.samplers import birth_death_alpha_beta

    if block is not None:
        monkeypatch.setattr(colonies, "GROW_BLOCK", block)

    fast, b, d, t, n = 1000.0, 1.0, 0.4, 4.0, 20_000
    scenario = scenario_from_data({
        "name": "closed_form", "anatomy": "mouse",
        "clones": {"A": {"transit_death_rate": 0.0, "diameter_um": 30.0, "fates": {
            "vessel_death_rate": 0.0, "extravasation_rate": fast, "apoptosis_rate": 0.0,
            "dormancy_rate": 0.0, "division_rate": fast, "birth_rate": b, "death_rate": d,
            "clearance_rate": 0.0, "avascular_bound_cells": 1e9}}},
        "injections": [{"clone": "A", "vessel": "tail_vein", "num_cells": n}],
        "observation_times": [t],
    })
    snap = run_timeline(lower(scenario), np.random.default_rng(any_seed)).snapshots[0]
    delay = (fast / (fast + (b - d))) ** 2  # E[exp(-(b-d) x)] for x = sum of two Exp(fast) delays
    alpha, _ = birth_death_alpha_beta(b, d, t)
    extinct = snap.counts["extinct"].sum()
    assert stats.binomtest(int(extinct), n, alpha).pvalue > FALSE_ALARM
    mean = np.exp((b - d) * t) * delay
    alpha, beta = birth_death_alpha_beta(b, d, t)
    sd = np.sqrt((1 - alpha) * (1 + beta) / (1 - beta) ** 2 - mean**2)
    assert abs(snap.cells.sum() / n - mean) < 4.5 * sd / np.sqrt(n)

"""The per-cell reference engine against its own invariants and the model's closed forms.

Statistical checks draw from ``any_seed`` (three seeds each) and hold a per-test significance of 1e-3
(Bonferroni-corrected where a test makes several comparisons), so they pass for any seed but a rare one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from metacascade.engine.outcome import ALIVE_STATES, GROWING_STATES, SNAPSHOT_FIELDS, TALLIES, TERMINAL_FATES
from metacascade.engine.reference import simulate_reference
from metacascade.engine.routing import delivery_matrix
from seeded import FALSE_ALARM

#: Effectively instantaneous, per day: makes a step happen at t ~ 1e-9 days.
NOW = 1e9

#: A clone whose cells meet every state and fate within 12 days (deterministic regime above 40 cells).
EVERYTHING = {
    "diameter_um": 9.0,
    "transit_death_rate": 500.0,
    "cells_per_g": 1e6,
    "fates": {
        "vessel_death_rate": 0.5,
        "extravasation_rate": 1.0,
        "apoptosis_rate": 0.3,
        "dormancy_rate": 0.3,
        "division_rate": 0.6,
        "dormant_death_rate": 0.1,
        "reactivation_rate": 0.2,
        "birth_rate": 1.5,
        "death_rate": 0.5,
        "clearance_rate": 0.05,
        "avascular_bound_cells": 100,
        "switch_rate": 0.3,
        "regression_rate": 0.2,
        "gompertz_rate": 0.2,
    },
}


def colony_clone(**fates: float) -> dict:
    """A clone whose arrested cells extravasate and start dividing at once (colonies founded at t ~ 0)."""
    base = {"vessel_death_rate": 0.0, "extravasation_rate": NOW, "apoptosis_rate": 0.0, "dormancy_rate": 0.0,
            "division_rate": NOW, "clearance_rate": 0.0, "switch_rate": 0.0, "regression_rate": 0.0}
    return {"transit_death_rate": 0.0, "fates": {**base, **fates}}


def chisquare_gof(observed: np.ndarray, probabilities: np.ndarray) -> float:
    """p-value of a chi-square goodness of fit; categories with expected counts < 5 are pooled."""
    observed = np.asarray(observed, float)
    expected = observed.sum() * np.asarray(probabilities, float)
    assert not np.any((expected == 0) & (observed > 0)), "a count in an impossible category"
    small = expected < 5
    if small.any():
        observed = np.append(observed[~small], observed[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    keep = expected > 0
    return float(stats.chisquare(observed[keep], expected[keep]).pvalue)


def total(outcome, k: int, name: str) -> int:
    return int(outcome.snapshots[k].counts[name].sum())


# --- invariants --------------------------------------------------------------------------------


@pytest.mark.seeds(3)
def test_conservation_and_ledger_identities(make_lowered, any_seed):
    lowered = make_lowered(
        clones={"a": EVERYTHING, "b": {**EVERYTHING, "diameter_um": 14.0}},
        injections=[("a", "tail_vein", 1500), ("b", "mesenteric_vein", 1000), ("a", "left_ventricle", 500)],
        observation_times=[0.5, 2.0, 6.0, 12.0],
        deterministic_threshold_cells=40,
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))

    np.testing.assert_array_equal(out.injected, [2000, 1000])
    np.testing.assert_array_equal(out.arrested.sum(axis=1) + out.died_in_transit, out.injected)
    assert out.arrested.min() >= 0 and out.died_in_transit.min() >= 0
    previous = None
    for snap in out.snapshots:
        c = snap.counts
        assert set(c) == set(SNAPSHOT_FIELDS)
        shape = (2, len(lowered.organ_names))
        assert all(v.dtype == np.int64 and v.shape == shape and v.min() >= 0 for v in c.values())
        np.testing.assert_array_equal(snap.in_transit, 0)
        # every injected founder is accounted for, per clone and per organ
        np.testing.assert_array_equal(snap.in_transit + out.died_in_transit + snap.total_alive_and_dead(), out.injected)
        np.testing.assert_array_equal(sum(c[name] for name in ALIVE_STATES + TERMINAL_FATES), out.arrested)
        # the fate ledger: colonies founded = colonies in every later state or fate
        after_founding = (*GROWING_STATES, "dormant_micromet", "macromet", "extinct", "cleared", "regressed",
                          "resected")
        colonies = sum(c[name] for name in after_founding)
        np.testing.assert_array_equal(c["founded_direct"] + c["founded_reactivated"], colonies)
        np.testing.assert_array_equal(c["reached_bound"],
                                      c["dormant_micromet"] + c["macromet"] + c["regressed"] + c["resected"])
        np.testing.assert_array_equal(c["switched"], c["macromet"] + c["resected"])
        # every alive founder holds at least one cell, and only alive founders hold cells
        alive = sum(c[name] for name in ALIVE_STATES)
        assert np.all(snap.cells >= alive) and np.all((snap.cells > 0) == (alive > 0))
        if previous is not None:
            assert snap.time > previous.time
            for name in TERMINAL_FATES + TALLIES:
                assert np.all(c[name] >= previous.counts[name]), name
        previous = snap

    # the scenario meets every state, fate and tally but a node dissection's (the reference refuses surgery)
    seen = {name for snap in out.snapshots for name, v in snap.counts.items() if v.sum() > 0}
    assert seen == set(SNAPSHOT_FIELDS) - {"resected"}

    lesions = out.lesions
    last = out.snapshots[-1].counts
    assert len(lesions.clone) == last["reached_bound"].sum()
    np.testing.assert_array_equal(
        np.bincount(lesions.clone * len(lowered.organ_names) + lesions.organ, minlength=last["reached_bound"].size),
        last["reached_bound"].ravel(),
    )
    assert np.all(lesions.tracked_time <= lesions.bound_time)
    assert not np.any(~np.isnan(lesions.switch_time) & ~np.isnan(lesions.regression_time))
    assert np.all(~(lesions.switch_time < lesions.bound_time) & ~(lesions.regression_time < lesions.bound_time))
    assert lesions.size.shape == (len(lesions.clone), 4) and lesions.size.min() >= 0


def test_same_seed_same_outcome(make_lowered, any_seed):
    lowered = make_lowered(
        clones={"a": EVERYTHING}, injections=[("a", "tail_vein", 400)], observation_times=[1.0, 8.0, 12.0],
        deterministic_threshold_cells=40,
    )
    first, second = (simulate_reference(lowered, np.random.default_rng(any_seed)) for _ in range(2))
    other = simulate_reference(lowered, np.random.default_rng(any_seed + 1000))
    for a, b in zip(first.snapshots, second.snapshots):
        for name in SNAPSHOT_FIELDS:
            np.testing.assert_array_equal(a.counts[name], b.counts[name])
        np.testing.assert_array_equal(a.cells, b.cells)
    np.testing.assert_array_equal(first.arrested, second.arrested)
    for name in ("clone", "organ", "tracked_time", "bound_time", "switch_time", "regression_time", "size"):
        np.testing.assert_array_equal(getattr(first.lesions, name), getattr(second.lesions, name))
    assert not np.array_equal(first.snapshots[-1].cells, other.snapshots[-1].cells)


# --- transit (MODEL.md §1) ---------------------------------------------------------------------


@pytest.mark.seeds(3)
@pytest.mark.parametrize("vessel", ["tail_vein", "mesenteric_vein", "left_ventricle", "intrasplenic"])
def test_arrest_frequencies_match_the_delivery_matrix(make_lowered, vessel, any_seed):
    # small, short-lived cells: many pass beds and some die between them
    lowered = make_lowered(
        clones={"small": {"diameter_um": 8.0, "transit_death_rate": 2000.0}},
        injections=[("small", vessel, 10_000)],
        observation_times=[1e-3],
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    expected = delivery_matrix(lowered.routing, 0)[lowered.routing.vessel_names.index(vessel)]
    observed = np.append(out.arrested[0], out.died_in_transit[0])
    assert 0.02 < expected[-1] < 0.9  # the test exercises death in transit
    assert chisquare_gof(observed, expected) > FALSE_ALARM


# --- post-arrest fates (MODEL.md §3) -----------------------------------------------------------


@pytest.mark.seeds(3)
def test_in_vessel_survival_is_exponential(make_lowered, any_seed):
    vessel_death, extravasation = 0.7, 0.5
    times = [0.3, 1.0, 2.5]
    lowered = make_lowered(
        clones={"a": {"fates": {"vessel_death_rate": vessel_death, "extravasation_rate": extravasation}}},
        injections=[("a", "tail_vein", 5000)],
        observation_times=times,
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    arrested = int(out.arrested.sum())
    comparisons = len(times) + 1
    for k, t in enumerate(times):
        p = math.exp(-(vessel_death + extravasation) * t)
        pvalue = stats.binomtest(total(out, k, "in_vessel"), arrested, p).pvalue
        assert pvalue > FALSE_ALARM / comparisons, (t, pvalue)
    # the first fate splits by the ratio of the rates
    left = arrested - total(out, len(times) - 1, "in_vessel")
    died = total(out, len(times) - 1, "dead_in_vessel")
    assert stats.binomtest(died, left, vessel_death / (vessel_death + extravasation)).pvalue > FALSE_ALARM / comparisons


@pytest.mark.seeds(3)
def test_single_cells_split_by_rate_ratios(make_lowered, any_seed):
    rates = {"apoptosis_rate": 0.6, "dormancy_rate": 0.3, "division_rate": 0.1}
    lowered = make_lowered(
        clones={"a": colony_clone(**rates, dormant_death_rate=0.0, reactivation_rate=0.0, birth_rate=0.0)},
        injections=[("a", "tail_vein", 4000)],
        observation_times=[60.0],
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    observed = [total(out, 0, "dead_apoptosis"), total(out, 0, "solitary_dormant"), total(out, 0, "founded_direct")]
    assert sum(observed) == 4000
    assert chisquare_gof(observed, np.array(list(rates.values())) / sum(rates.values())) > FALSE_ALARM


@pytest.mark.seeds(3)
def test_colony_sizes_follow_kendall(make_lowered, any_seed):
    # linear birth-death from one cell at t=0: extinct with p0(t), else geometric with parameter beta(t)
    birth, death, times = 1.0, 0.5, [1.0, 3.0]
    lowered = make_lowered(
        clones={"a": colony_clone(birth_rate=birth, death_rate=death, avascular_bound_cells=1e6)},
        injections=[("a", "tail_vein", 3000)],
        observation_times=times,
        deterministic_threshold_cells=1e6,
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    for k, t in enumerate(times):
        growth = math.exp((birth - death) * t)
        extinct = death * (growth - 1) / (birth * growth - death)
        beta = birth * (growth - 1) / (birth * growth - death)
        size_at_most = lambda n: 1 - beta**n  # P(size <= n | alive), geometric on 1, 2, ...
        alive = np.diff([0, size_at_most(1), size_at_most(3), size_at_most(16), 1.0])
        expected = np.append(extinct, (1 - extinct) * alive)
        observed = [total(out, k, name) for name in ("extinct", *GROWING_STATES)]
        pvalue = chisquare_gof(observed, expected)
        assert pvalue > FALSE_ALARM / (2 * len(times)), (t, pvalue)
        # mean size (extinct colonies count 0): exp((b - d) t), variance (b + d)/(b - d) m (m - 1)
        cells = out.snapshots[k].cells.sum()
        sd = math.sqrt(3000 * (birth + death) / (birth - death) * growth * (growth - 1))
        z = (cells - 3000 * growth) / sd
        assert 2 * stats.norm.sf(abs(z)) > FALSE_ALARM / (2 * len(times)), (t, z)


@pytest.mark.seeds(3)
@pytest.mark.parametrize(("birth", "death", "bound"), [(1.0, 0.6, 40), (1.0, 1.0, 20)])
def test_probability_of_reaching_the_bound_is_gamblers_ruin(make_lowered, birth, death, bound, any_seed):
    # the bound is absorbing: P(reach M before 0 from 1) = (1 - q) / (1 - q^M), q = d/b (1/M if b = d)
    lowered = make_lowered(
        clones={"a": colony_clone(birth_rate=birth, death_rate=death, avascular_bound_cells=bound)},
        injections=[("a", "tail_vein", 3000)],
        observation_times=[80.0],
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    q = death / birth
    p_bound = 1 / bound if q == 1 else (1 - q) / (1 - q**bound)
    reached, extinct = total(out, 0, "reached_bound"), total(out, 0, "extinct")
    assert reached + extinct == 3000 == total(out, 0, "dormant_micromet") + extinct
    assert stats.binomtest(reached, 3000, p_bound).pvalue > FALSE_ALARM
    np.testing.assert_array_equal(out.lesions.size[:, 0], bound)
    # a small assay founds few colonies: each is followed from its first cell (engine/handoff.py)
    assert np.all(out.lesions.tracked_time < out.lesions.bound_time)


@pytest.mark.seeds(3)
def test_lesion_sizes_follow_the_deterministic_laws(make_lowered, any_seed):
    # above the threshold, n(t) = n_thr exp((b - d)(t - t_thr)) reaches the bound M at
    # t + ln(M / n(t)) / (b - d); after the switch, Gompertz from M towards the organ capacity
    birth, death, threshold, bound, gompertz = 2.0, 0.5, 30, 300, 0.3
    times = [float(t) for t in np.arange(1.0, 15.0, 0.5)]
    lowered = make_lowered(
        clones={"a": {**colony_clone(birth_rate=birth, death_rate=death, avascular_bound_cells=bound,
                                     clearance_rate=0.05, switch_rate=0.4, regression_rate=0.2,
                                     gompertz_rate=gompertz), "cells_per_g": 1e5}},
        injections=[("a", "tail_vein", 300)],
        observation_times=times,
        deterministic_threshold_cells=threshold,
    )
    out = simulate_reference(lowered, np.random.default_rng(any_seed))
    les = out.lesions
    assert len(les.clone) > 20 and np.isfinite(les.switch_time).sum() > 5 and np.isfinite(les.regression_time).sum() > 2
    seen = set()
    for i in range(len(les.clone)):
        capacity = lowered.capacity[les.clone[i], les.organ[i]]
        for k, t in enumerate(times):
            size = les.size[i, k]
            if t < les.tracked_time[i] or t >= les.regression_time[i]:
                assert size == 0
            elif t < les.bound_time[i]:
                if size >= threshold:
                    seen.add("deterministic")
                    assert les.bound_time[i] == pytest.approx(t + math.log(bound / size) / (birth - death), rel=1e-9)
                else:  # followed from its first cell: the stochastic regime, a whole number of cells
                    seen.add("stochastic")
                    assert size == int(size) and 1 <= size < threshold
            elif not t >= les.switch_time[i]:
                seen.add("dormant")
                assert size == bound
            else:
                seen.add("macromet")
                age = t - les.switch_time[i]
                gompertz_size = capacity * math.exp(math.log(bound / capacity) * math.exp(-gompertz * age))
                assert size == pytest.approx(gompertz_size)
    assert seen == {"stochastic", "deterministic", "dormant", "macromet"}
    # the organ totals include the lesions at their sizes
    for k in range(len(times)):
        assert out.snapshots[k].cells.sum() >= les.size[:, k].sum() - 1e-6

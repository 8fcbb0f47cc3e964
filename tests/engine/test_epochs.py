"""Epochs: rates that change at given times, composed exactly; the primary's resection."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import expm

from metacascade.catalog import load_scenario
from metacascade.engine import pool
from metacascade.engine.timeline import run_timeline
from metacascade.engine.epochs import with_epochs
from metacascade.engine.lower import RATE_NAMES, Epochs, lower
from metacascade.engine.outcome import SNAPSHOT_FIELDS
from seeded import FALSE_ALARM



def fidler(times=(0.5, 2.0)):
    scenario = load_scenario("fidler1970_lung")
    return replace(lower(scenario), observation_times=np.array(times), end_time=float(times[-1]))


def epochs_for(lowered, times, shedding=None, **multipliers):
    shape = (len(times), len(lowered.clone_names), len(lowered.organ_names))
    return Epochs(
        times=np.array(times, dtype=float),
        rate_multipliers={name: np.broadcast_to(np.asarray(value, dtype=float)[:, None, None], shape)
                          for name, value in multipliers.items()},
        shedding=np.ones(len(times)) if shedding is None else np.array(shedding, dtype=float),
    )


def same_outcome(a, b):
    for sa, sb in zip(a.snapshots, b.snapshots):
        for name in SNAPSHOT_FIELDS:
            np.testing.assert_array_equal(sa.counts[name], sb.counts[name])
        np.testing.assert_array_equal(sa.cells, sb.cells)
        np.testing.assert_array_equal(sa.entered, sb.entered)


@pytest.mark.parametrize("name", ["fidler1970_lung", "breast_patient"])
def test_an_epoch_that_changes_nothing_gives_the_run_without_it_draw_for_draw(name):
    lowered = lower(load_scenario(name))
    if name == "breast_patient":
        lowered = replace(lowered, observation_times=lowered.observation_times[:3],
                          end_time=float(lowered.observation_times[2]))
    neutral = with_epochs(lowered, epochs_for(lowered, [100.0, 500.0], division_rate=[1.0, 1.0]))
    same_outcome(run_timeline(lowered, np.random.default_rng(5)), run_timeline(neutral, np.random.default_rng(5)))


def test_a_change_at_t_is_running_to_t_and_continuing_with_the_new_rates(any_seed):
    """Cells arrested in the lung at time 0 split, at day 2, as P(0.1) then P'(1.9) predict, where P'
    has apoptosis cut fivefold and dormancy raised fivefold from day 0.1 (Markov property)."""
    lowered = fidler()
    changed = with_epochs(lowered, epochs_for(lowered, [0.1], apoptosis_rate=[0.2], dormancy_rate=[5.0]))
    states = ("in_vessel", "solitary", "solitary_dormant", "dead_in_vessel", "dead_apoptosis")
    organ = lowered.organ_names.index("lung")
    observed = np.zeros(len(states))
    for run in range(4):
        counts = run_timeline(changed, np.random.default_rng([any_seed, run])).snapshots[-1].counts
        observed += [counts[state][:, organ].sum() for state in states]
    rates = {name: lowered.rates[name][0, organ] for name in RATE_NAMES}
    later = {**rates, "apoptosis_rate": 0.2 * rates["apoptosis_rate"], "dormancy_rate": 5 * rates["dormancy_rate"]}
    chain = pool.layout(0)

    def generator(r):
        return pool.generators({k: np.array(v) for k, v in r.items()}, chain, np.array(1))

    p = (expm(generator(rates) * 0.1) @ expm(generator(later) * 1.9))[pool.V]
    expected = p[[pool.V, pool.E, pool.D, chain.dead_vessel, chain.dead_apoptosis]]
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > FALSE_ALARM
    # and it differs from the run without the change
    without = (expm(generator(rates) * 2.0))[pool.V][[pool.V, pool.E, pool.D, chain.dead_vessel, chain.dead_apoptosis]]
    assert stats.chisquare(observed, without * observed.sum() / without.sum()).pvalue < 1e-6


def short_breast(years=4):
    lowered = lower(load_scenario("breast_patient"))
    times = lowered.observation_times[:years]
    return replace(lowered, observation_times=times, end_time=float(times[-1]))


def test_removing_the_primary_stops_its_shedding_at_that_time():
    lowered = short_breast()
    removal = float(lowered.observation_times[1])
    out = run_timeline(with_epochs(lowered, removal_time=removal), np.random.default_rng(3))
    entered = np.array([snap.entered.sum() for snap in out.snapshots])
    metastases = sum(snap.counts["macromet"].sum() for snap in out.snapshots)
    assert entered[1] > 0
    if metastases == 0:  # nothing else sheds
        np.testing.assert_array_equal(entered[2:], entered[1])
    from metacascade.engine import course

    resected = with_epochs(lowered, removal_time=removal).primary
    assert course.size(resected, removal + 1.0) == 0 and course.shed_mean(resected, removal, removal + 9.0) == 0


def test_a_residual_regrows_from_its_share_and_sheds_in_proportion():
    from metacascade.engine import course

    lowered = short_breast()
    removal = float(lowered.observation_times[1])
    primary = with_epochs(lowered, removal_time=removal, residual_fraction=0.01).primary
    before = course.size(primary, removal - 1e-9)
    assert course.size(primary, removal) == pytest.approx(0.01 * before, rel=1e-6)
    assert course.size(primary, removal + 200) > course.size(primary, removal)
    rate = primary.shedding_rate_per_g_day / primary.cells_per_g
    assert course.shedding(primary, removal + 10.0) == pytest.approx(rate * course.size(primary, removal + 10.0))


def test_shedding_switched_off_sheds_nothing_in_that_epoch():
    lowered = short_breast()
    t1, t2 = lowered.observation_times[1:3]
    quiet = with_epochs(lowered, epochs_for(lowered, [t1, t2], shedding=[0.0, 1.0]))
    out = run_timeline(quiet, np.random.default_rng(4))
    entered = [snap.entered.sum() for snap in out.snapshots]
    assert entered[2] == entered[1] < entered[3]


@pytest.mark.parametrize("field, epochs, message", [
    ("gompertz", dict(gompertz_rate=[2.0]), "cannot change"),
    ("unknown", dict(spin_rate=[2.0]), "cannot change"),
    ("negative", dict(division_rate=[-1.0]), ">= 0"),
])
def test_epochs_that_cannot_be_run_are_refused_by_name(field, epochs, message):
    lowered = fidler()
    with pytest.raises(ValueError, match=message):
        with_epochs(lowered, epochs_for(lowered, [1.0], **epochs))


def test_times_must_increase_and_the_reference_engine_refuses_epochs():
    from metacascade.engine.reference import simulate_reference

    lowered = fidler()
    with pytest.raises(ValueError, match="strictly increasing"):
        with_epochs(lowered, epochs_for(lowered, [1.0, 1.0], division_rate=[1.0, 2.0]))
    with pytest.raises(ValueError, match="constant rates"):
        simulate_reference(with_epochs(lowered, epochs_for(lowered, [1.0], division_rate=[2.0])),
                           np.random.default_rng(0))

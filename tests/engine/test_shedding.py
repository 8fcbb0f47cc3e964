"""Shedding: the Poisson mean is the integral of the intensity; counts and times sample it exactly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad

from metacascade.engine.growth import LAWS, cell_days, size_at, time_to_reach
from metacascade.engine.shedding import arrival_times, expected_shed, sample_shed, shedding_intensity
from seeded import FALSE_ALARM

K = 1e12
SHED = {"shedding_rate_per_g_day": 3.2e6, "cells_per_g": 1e9}  # butler1975, conventional 1e9/g
#: law -> (rate, capacity, exponent)
PARAMS = {
    "gompertz": (0.01, K, None),
    "exponential": (0.02, None, None),
    "logistic": (0.02, K, None),
    "power_law": (3.0, None, 2 / 3),
}
N0 = 1e4
VASCULAR = 1e6


def _intensity(law, t):
    rate, capacity, exponent = PARAMS[law]
    size = size_at(law, N0, t, rate, capacity, exponent)
    return SHED["shedding_rate_per_g_day"] / SHED["cells_per_g"] * size * (size >= VASCULAR)


def _shed_args(law, t0, t1):
    return (law, N0, t0, t1, *PARAMS[law])


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("t0, t1", [(0.0, 300.0), (250.0, 600.0), (400.0, 410.0)])
def test_expected_shed_is_the_integral_of_the_intensity(law, t0, t1):
    t_v = time_to_reach(law, N0, VASCULAR, *PARAMS[law])
    points = [t_v] if t0 < t_v < t1 else None
    expected = quad(lambda t: _intensity(law, t), t0, t1, points=points, epsrel=1e-11, limit=200)[0]
    got = expected_shed(*_shed_args(law, t0, t1), **SHED, vascularisation_cells=VASCULAR)
    assert got == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("law", LAWS)
def test_no_shedding_before_vascularisation(law, any_seed):
    rng = np.random.default_rng(any_seed)
    t_v = time_to_reach(law, N0, VASCULAR, *PARAMS[law])
    assert 0 < t_v < np.inf
    before = expected_shed(*_shed_args(law, 0.0, t_v), **SHED, vascularisation_cells=VASCULAR)
    assert before == 0.0
    counts = sample_shed(rng, *_shed_args(law, np.zeros(100), np.full(100, 0.999 * t_v)), **SHED,
                         vascularisation_cells=VASCULAR)
    assert np.all(counts == 0)
    whole = expected_shed(*_shed_args(law, 0.0, t_v + 50), **SHED, vascularisation_cells=VASCULAR)
    after = expected_shed(*_shed_args(law, t_v, t_v + 50), **SHED, vascularisation_cells=VASCULAR)
    assert whole == pytest.approx(after, rel=1e-14) and whole > 0
    times = arrival_times(rng, 500, *_shed_args(law, 0.0, t_v + 50), vascularisation_cells=VASCULAR)
    assert times.min() >= t_v and times.max() <= t_v + 50


def test_a_tumour_that_never_vascularises_never_sheds():
    mean = expected_shed("gompertz", 1e4, 0.0, 1e5, 0.01, 1e6, **SHED, vascularisation_cells=2e6)
    assert mean == 0.0
    with pytest.raises(ValueError, match="no vascularised time"):
        arrival_times(np.random.default_rng(0), 3, "gompertz", 1e4, 0.0, 1e5, 0.01, 1e6, vascularisation_cells=2e6)
    assert arrival_times(np.random.default_rng(0), 0, "gompertz", 1e4, 0.0, 1e5, 0.01, 1e6,
                         vascularisation_cells=2e6).size == 0


def test_shedding_scales_with_rate_over_cells_per_gram():
    args = ("gompertz", 1e8, 0.0, 30.0, 0.01, K)
    base = expected_shed(*args, **SHED, vascularisation_cells=1.0)
    denser = expected_shed(*args, shedding_rate_per_g_day=3.2e6, cells_per_g=1e8, vascularisation_cells=1.0)
    assert denser == pytest.approx(10 * base, rel=1e-14)
    # a 1 g tumour (1e9 cells) held at capacity sheds 3.2e6 cells a day
    one_gram = expected_shed("gompertz", 1e9, 0.0, 1.0, 0.01, 1e9, **SHED, vascularisation_cells=1.0)
    assert one_gram == pytest.approx(3.2e6, rel=1e-12)


@pytest.mark.seeds(5)
@pytest.mark.parametrize("law", ["gompertz", "power_law"])
def test_poisson_counts_have_the_closed_form_mean_and_variance(law, any_seed):
    rng = np.random.default_rng(any_seed)
    n = 20_000
    t0 = np.linspace(200.0, 400.0, n)  # a vector of windows, to exercise broadcasting
    t1 = t0 + 0.5
    means = expected_shed(*_shed_args(law, t0, t1), **SHED, vascularisation_cells=VASCULAR)
    counts = sample_shed(rng, *_shed_args(law, t0, t1), **SHED, vascularisation_cells=VASCULAR)
    assert counts.dtype.kind == "i" and counts.shape == (n,)
    # sum of independent Poissons: total ~ Poisson(sum of means)
    z_total = (counts.sum() - means.sum()) / np.sqrt(means.sum())
    assert abs(z_total) < 4.5
    # identical windows just after vascularisation: sample mean and variance
    t_v = time_to_reach(law, N0, VASCULAR, *PARAMS[law])
    mean = expected_shed(*_shed_args(law, 0.0, t_v + 0.02), **SHED, vascularisation_cells=VASCULAR)
    assert 10.0 < mean < 1e3
    draws = sample_shed(rng, *_shed_args(law, np.zeros(n), t_v + 0.02), **SHED, vascularisation_cells=VASCULAR)
    z_mean = (draws.mean() - mean) / np.sqrt(mean / n)
    z_var = (draws.var(ddof=1) - mean) / np.sqrt((mean + 2 * mean**2) / n)
    assert abs(z_mean) < 4.5 and abs(z_var) < 4.5


def _exact_cdf(law, start, t1):
    rate, capacity, exponent = PARAMS[law]
    total = cell_days(law, N0, start, t1, rate, capacity, exponent)
    return lambda t: cell_days(law, N0, start, np.clip(t, start, t1), rate, capacity, exponent) / total


@pytest.mark.seeds(5)
@pytest.mark.parametrize("law", LAWS)
def test_arrival_times_follow_the_exact_cdf(law, any_seed):
    rng = np.random.default_rng(any_seed)
    t0, t1 = 0.0, 700.0
    times = arrival_times(rng, 3000, *_shed_args(law, t0, t1), vascularisation_cells=VASCULAR)
    start = time_to_reach(law, N0, VASCULAR, *PARAMS[law])
    assert times.shape == (3000,) and times.min() >= start and times.max() <= t1
    assert stats.kstest(times, _exact_cdf(law, start, t1)).pvalue > FALSE_ALARM


@pytest.mark.seeds(3)
def test_arrival_times_for_many_windows_are_grouped_by_window(any_seed):
    rng = np.random.default_rng(any_seed)
    num = np.array([2000, 0, 2000])
    t0 = np.array([0.0, 10.0, 500.0])
    t1 = np.array([300.0, 20.0, 900.0])
    times = arrival_times(rng, num, "gompertz", N0, t0, t1, 0.01, K, vascularisation_cells=VASCULAR)
    assert times.shape == (4000,)
    first, last = times[:2000], times[2000:]
    start = time_to_reach("gompertz", N0, VASCULAR, 0.01, K)
    assert stats.kstest(first, lambda t: _exact_cdf("gompertz", start, 300.0)(t)).pvalue > FALSE_ALARM
    assert stats.kstest(last, lambda t: _exact_cdf("gompertz", 500.0, 900.0)(t)).pvalue > FALSE_ALARM


def test_the_shedding_intensity_integrates_to_the_expected_count_and_is_zero_before_vascularisation():
    options = dict(shedding_rate_per_g_day=3.2e6, cells_per_g=1e9, vascularisation_cells=1e6)
    t = np.linspace(0.0, 900.0, 200_001)
    rate = shedding_intensity("gompertz", 10.0, t, 0.02, 1e12, **options)
    assert rate[0] == 0.0 and rate[-1] > 0.0
    np.testing.assert_allclose(np.trapezoid(rate, t), expected_shed("gompertz", 10.0, 0.0, 900.0, 0.02, 1e12, **options),
                               rtol=1e-4)

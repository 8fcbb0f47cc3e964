"""Growth closed forms against numerical ODE solutions and quadrature; edge cases stay finite."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from metacascade.engine.growth import LAWS, cell_days, invert_cell_days, size_at, time_to_reach

K = 1e12
#: law -> (rate, capacity, exponent, dN/dt)
PARAMS = {
    "gompertz": (0.01, K, None, lambda n: 0.01 * n * np.log(K / n)),
    "exponential": (0.05, None, None, lambda n: 0.05 * n),
    "logistic": (0.05, K, None, lambda n: 0.05 * n * (1 - n / K)),
    "power_law": (0.3, None, 2 / 3, lambda n: 0.3 * n ** (2 / 3)),
}
INITIAL = [1.0, 1e6, 1e11]


def _args(law):
    rate, capacity, exponent, _ = PARAMS[law]
    return rate, capacity, exponent


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("n0", INITIAL)
def test_size_at_solves_the_ode(law, n0):
    rhs = PARAMS[law][3]
    times = np.array([0.0, 0.5, 10.0, 200.0, 400.0])
    # integrate ln N (smooth over many orders of magnitude)
    sol = solve_ivp(lambda _, y: [rhs(np.exp(y[0])) / np.exp(y[0])], (0, times[-1]), [np.log(n0)],
                    t_eval=times, rtol=1e-11, atol=1e-12, method="DOP853")
    np.testing.assert_allclose(size_at(law, n0, times, *_args(law)), np.exp(sol.y[0]), rtol=1e-7)


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("n0", INITIAL)
@pytest.mark.parametrize("t0, t1", [(0.0, 1e-7), (0.0, 0.3), (5.0, 50.0), (0.0, 400.0), (100.0, 900.0)])
def test_cell_days_is_the_integral_of_size(law, n0, t0, t1):
    args = _args(law)
    expected = quad(lambda s: size_at(law, n0, s, *args), t0, t1, epsrel=1e-12, limit=200)[0]
    assert cell_days(law, n0, t0, t1, *args) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("law", LAWS)
def test_cell_days_is_additive_and_vectorised(law):
    args = _args(law)
    t = np.array([0.0, 3.0, 40.0, 300.0])
    pieces = cell_days(law, 10.0, t[:-1], t[1:], *args)
    assert pieces.shape == (3,)
    assert pieces.sum() == pytest.approx(cell_days(law, 10.0, 0.0, 300.0, *args), rel=1e-12)


@pytest.mark.parametrize("law", LAWS)
@pytest.mark.parametrize("n0", INITIAL)
def test_time_to_reach_inverts_size_at(law, n0):
    args = _args(law)
    sizes = n0 * np.array([1.5, 10.0, 1e3, 5e5])
    sizes = sizes[sizes < 0.99 * K]
    t = time_to_reach(law, n0, sizes, *args)
    assert np.all(np.isfinite(t)) and np.all(t > 0)
    np.testing.assert_allclose(size_at(law, n0, t, *args), sizes, rtol=1e-10)


@pytest.mark.parametrize("law", LAWS)
def test_time_to_reach_edge_cases(law):
    args = _args(law)
    assert time_to_reach(law, 1e6, 1e6, *args) == 0.0  # already there
    assert time_to_reach(law, 1e6, 10.0, *args) == 0.0
    if law in ("gompertz", "logistic"):
        assert time_to_reach(law, 1e6, K, *args) == np.inf  # capacity is never reached
        assert time_to_reach(law, 1e6, 2 * K, *args) == np.inf
        assert time_to_reach(law, 2 * K, 3 * K, *args) == np.inf  # above capacity it shrinks
    else:
        assert np.isfinite(time_to_reach(law, 1e6, 1e15, *args))


@pytest.mark.parametrize("law", LAWS)
def test_time_zero_and_zero_length_windows(law):
    args = _args(law)
    assert size_at(law, 123.0, 0.0, *args) == pytest.approx(123.0, rel=1e-15)
    assert cell_days(law, 123.0, 7.0, 7.0, *args) == 0.0


@pytest.mark.parametrize("law", ["gompertz", "logistic"])
def test_at_capacity_the_size_stays_and_cell_days_are_k_t(law):
    args = _args(law)
    t = np.array([1e-9, 0.1, 10.0, 1e4, 1e7])
    np.testing.assert_allclose(size_at(law, K, t, *args), K, rtol=1e-14)
    np.testing.assert_allclose(cell_days(law, K, 0.0, t, *args), K * t, rtol=1e-12)
    # just off capacity (both sides) the closed forms stay accurate
    for n0 in (K * (1 - 1e-9), K * (1 + 1e-6)):
        expected = quad(lambda s: size_at(law, n0, s, *args), 0, 50.0, epsrel=1e-13)[0]
        assert cell_days(law, n0, 0.0, 50.0, *args) == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("law", ["gompertz", "logistic"])
def test_huge_times_saturate_without_overflow(law):
    args = _args(law)
    t = np.array([1e5, 1e8, 1e12])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        sizes = size_at(law, 1.0, t, *args)
        days = cell_days(law, 1.0, 0.0, t, *args)
    np.testing.assert_allclose(sizes, K, rtol=1e-12)
    # ∫ N = K t minus the deficit of the growth phase, which is fixed once saturated
    deficit = K * t - days
    assert np.all(np.isfinite(days)) and np.all(deficit > 0)
    assert deficit[1] == pytest.approx(deficit[0], rel=1e-6) or deficit[1] < 1e-10 * K * t[1]


def test_huge_times_grow_without_bound_for_unbounded_laws():
    with np.errstate(over="ignore"):
        assert size_at("exponential", 1.0, 1e6, 0.05) == np.inf
    power = size_at("power_law", 1.0, 1e12, 0.3, None, 2 / 3)
    assert np.isfinite(power) and power == pytest.approx((0.3 / 3 * 1e12) ** 3, rel=1e-9)


@pytest.mark.parametrize("law", LAWS)
def test_invert_cell_days_finds_the_exact_root(law):
    args = _args(law)
    n0 = np.array([[1.0], [1e6], [2e12]])
    horizon = 500.0
    total = cell_days(law, n0, 0.0, horizon, *args)
    target = np.linspace(1e-6, 1.0, 50) * total
    tau = invert_cell_days(law, n0, target, horizon, *args)
    assert tau.shape == (3, 50) and np.all((tau > 0) & (tau <= horizon))
    np.testing.assert_allclose(cell_days(law, n0, 0.0, tau, *args), target, rtol=1e-12)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="law: unknown growth law 'linear'; allowed: gompertz"):
        size_at("linear", 1.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="capacity: required by the gompertz law"):
        size_at("gompertz", 1.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="exponent: required by the power_law law"):
        cell_days("power_law", 1.0, 0.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="0 <= t0 <= t1"):
        cell_days("exponential", 1.0, 2.0, 1.0, 0.1)

"""Closed forms of the primary's growth laws (MODEL.md §2): size, cell-days and hitting times.

Engine side: takes the law's name and plain parameters (floats or numpy arrays, broadcast
together), never model objects. A tumour has ``n0`` cells at time 0; ``rate`` a is per day,
``capacity`` K in cells (required by Gompertz and logistic), ``exponent`` g in (0, 1) (required
by the power law); a parameter the law does not use is ignored and may be None. The engine does
not re-check signs (the model validates them): n0 > 0, rate > 0, K > 0. With c = ln(n0/K), m = 1 - g:

=========== ====================== ============================================== =================================================
law         dN/dt                  N(t)                                           cell-days F(t) = ∫_0^t N(s) ds
=========== ====================== ============================================== =================================================
gompertz    a N ln(K/N)            n0 exp(c expm1(-a t))  (= K exp(c e^{-a t}))    (K/a) [Ei(c) - Ei(c e^{-a t})]
exponential a N                    n0 e^{a t}                                     n0 expm1(a t) / a
logistic    a N (1 - N/K)          n0 / (e^{-a t} - (n0/K) expm1(-a t))           (K/a) log1p(n0 expm1(a t) / K)
power_law   a N^g                  n0 (1 + x)^{1/m},  x = m a t / n0^m            n0^{2-g} expm1((2-g)/m log1p(x)) / ((2-g) a)
=========== ====================== ============================================== =================================================

Ei is ``scipy.special.expi``. Numerics: the forms above avoid cancellation for small times
(expm1/log1p); for very large times the logistic log and the Gompertz Ei of a vanishing argument
switch to their asymptotic forms, so no overflow or ``inf - inf`` occurs. The Gompertz difference
of Ei values cancels when a t is small; there (a t max(|c|, 1) < 1/2) the integral is taken by
16-point Gauss–Legendre quadrature of the smooth integrand, exact to rounding. Domain:
1e-300 < n0/K < e^700 for Gompertz (beyond, Ei under- or overflows).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expi

LAWS = ("gompertz", "exponential", "logistic", "power_law")

_EULER_GAMMA = 0.57721566490153286061
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_GL_NODES = 0.5 * (_GL_NODES + 1.0)  # on [0, 1]
_GL_WEIGHTS = 0.5 * _GL_WEIGHTS

Arrays = tuple[np.ndarray, ...]


def _arrays(law: str, *values, capacity=None, exponent=None) -> Arrays:
    """Check ``law`` and its parameters; the values, capacity and exponent as broadcast floats."""
    if law not in LAWS:
        raise ValueError(f"law: unknown growth law {law!r}; allowed: {', '.join(LAWS)}")
    if capacity is None:
        if law in ("gompertz", "logistic"):
            raise ValueError(f"capacity: required by the {law} law (cells)")
        capacity = np.inf
    if exponent is None:
        if law == "power_law":
            raise ValueError("exponent: required by the power_law law, in (0, 1)")
        exponent = 0.5
    arrays = [np.asarray(v, dtype=float) for v in (*values, capacity, exponent)]
    shape = np.broadcast(*arrays).shape
    return tuple(a if a.shape == shape else np.broadcast_to(a, shape) for a in arrays)


def _scalar_or_array(x: np.ndarray):
    return x[()] if x.ndim == 0 else x


# ---------------------------------------------------------------------------------------- size


def _size(law: str, n0, t, a, k, g) -> np.ndarray:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if law == "gompertz":
            return gompertz_size(n0, np.log(n0 / k), t, a)
        if law == "exponential":
            return n0 * np.exp(a * t)
        if law == "logistic":
            return n0 / (np.exp(-a * t) - (n0 / k) * np.expm1(-a * t))
        m = 1.0 - g
        x = m * a * t / n0**m
        return n0 * np.exp(np.log1p(x) / m)


def gompertz_size(n0, log_ratio, t, rate) -> np.ndarray:
    """Gompertz cells at ``t`` days from ``n0`` cells at time 0 (the module table's form), given
    ``log_ratio`` = ln(n0 / K), for callers that reuse it over many times; arrays broadcast."""
    return n0 * np.exp(log_ratio * np.expm1(-rate * t))


def _specific_rate(law: str, n, a, k, g) -> np.ndarray:
    """Per-capita growth rate (dN/dt)/N at n cells, per day."""
    if law == "gompertz":
        return a * np.log(k / n)
    if law == "exponential":
        return a
    if law == "logistic":
        return a * (1.0 - n / k)
    return a * n ** (g - 1.0)


def size_at(law: str, n0, t, rate, capacity=None, exponent=None):
    """Cells at time ``t`` (days) of a tumour with ``n0`` cells at time 0 (see the module table)."""
    n0, t, a, k, g = _arrays(law, n0, t, rate, capacity=capacity, exponent=exponent)
    return _scalar_or_array(_size(law, n0, t, a, k, g))


# ----------------------------------------------------------------------------------- cell-days


def _ei_of_shrunk(c: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Ei(c e^{-h}), with the small-argument form γ + ln|c| - h + x when x = c e^{-h} is tiny."""
    x = c * np.exp(-h)
    tiny = np.abs(x) < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        small_form = _EULER_GAMMA + np.log(np.abs(c)) - h + x
    return np.where(tiny, small_form, expi(np.where(tiny, -1.0, x)))


def gompertz_cell_days(n0: np.ndarray, t: np.ndarray, a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """∫_0^t N ds (cell-days) of Gompertz curves from ``n0`` cells at rate ``a`` (per day) towards
    ``k`` cells, over ``t`` days: float arrays of one shape (``cell_days`` checks and broadcasts)."""
    c = np.log(n0 / k)
    h = a * t
    out = np.empty_like(c)
    flat = c == 0.0  # at capacity: N = K throughout
    out[flat] = n0[flat] * t[flat]
    short = ~flat & (h * np.maximum(np.abs(c), 1.0) < 0.5)
    if short.any():  # Ei difference cancels: Gauss–Legendre on [0, t] instead
        n, tt, aa, cc = (v[short][..., None] for v in (n0, t, a, c))
        s = tt * _GL_NODES
        integrand = n * np.exp(cc * np.expm1(-aa * s))
        out[short] = tt[..., 0] * (integrand @ _GL_WEIGHTS)
    closed = ~flat & ~short
    if closed.any():
        cc, hh = c[closed], h[closed]
        out[closed] = k[closed] / a[closed] * (expi(cc) - _ei_of_shrunk(cc, hh))
    return out


def _logistic_cell_days(n0, t, a, k) -> np.ndarray:
    """(K/a) ln(1 + z), z = (n0/K) expm1(a t); ln z itself once z > e^40 (1/z below rounding)."""
    h = a * t
    ratio = n0 / k
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_z = np.log(ratio) + h + np.log(-np.expm1(-h))
        direct = np.log1p(ratio * np.expm1(np.minimum(h, 700.0)))
    return k / a * np.where(log_z > 40.0, log_z, direct)


def _cell_days(law: str, n0, t, a, k, g) -> np.ndarray:
    """∫_0^t N(s) ds from n0 cells at time 0 (broadcast float arrays, t >= 0)."""
    with np.errstate(over="ignore"):
        if law == "gompertz":
            return gompertz_cell_days(n0, t, a, k)
        if law == "exponential":
            return n0 * np.expm1(a * t) / a
        if law == "logistic":
            return _logistic_cell_days(n0, t, a, k)
        m = 1.0 - g
        x = m * a * t / n0**m
        return n0 ** (2.0 - g) * np.expm1((2.0 - g) / m * np.log1p(x)) / ((2.0 - g) * a)


def cell_days(law: str, n0, t0, t1, rate, capacity=None, exponent=None):
    """∫_{t0}^{t1} N(s) ds in cell-days, exactly, for a tumour with ``n0`` cells at time 0.

    Requires 0 <= t0 <= t1. Computed from N(t0) over t1 - t0 (the laws are autonomous), which
    avoids the cancellation of F(t1) - F(t0).
    """
    n0, t0, t1, a, k, g = _arrays(law, n0, t0, t1, rate, capacity=capacity, exponent=exponent)
    if (t0 < 0).any() or (t1 < t0).any():
        raise ValueError("cell_days: requires 0 <= t0 <= t1")
    start = _size(law, n0, t0, a, k, g)
    return _scalar_or_array(_cell_days(law, start, t1 - t0, a, k, g))


# -------------------------------------------------------------------------------- hitting time


def _time_to_reach(law: str, n0, size, a, k, g) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if law == "exponential":
            t = np.log(size / n0) / a
        elif law == "power_law":
            m = 1.0 - g
            t = n0**m * np.expm1(m * np.log(size / n0)) / (m * a)
        else:
            below = (n0 < k) & (size < k)
            if law == "gompertz":  # ln(c / c_S) / a with c = ln(n0/K), c_S = ln(S/K)
                t = np.log1p(np.log(n0 / size) / np.log(size / k)) / a
            else:  # logistic: e^{a t} = S (K - n0) / (n0 (K - S))
                t = (np.log(size / n0) + np.log1p((size - n0) / (k - size))) / a
            t = np.where(below, t, np.inf)
    return np.where(size <= n0, 0.0, t)


def time_to_reach(law: str, n0, size, rate, capacity=None, exponent=None):
    """First time t >= 0 (days) with N(t) >= ``size`` from ``n0`` cells at time 0; inf if never.

    0 when n0 >= size already; inf for Gompertz and logistic growth when size >= capacity (or
    n0 >= capacity, where the tumour does not grow).
    """
    n0, size, a, k, g = _arrays(law, n0, size, rate, capacity=capacity, exponent=exponent)
    return _scalar_or_array(_time_to_reach(law, n0, size, a, k, g))


# ------------------------------------------------------------------------- inverse cell-days


def invert_cell_days(law: str, n0, target, horizon, rate, capacity=None, exponent=None,
                     *, max_iterations: int = 200) -> np.ndarray:
    """The τ in (0, horizon] with ∫_0^τ N(s) ds = ``target`` (0 < target <= F(horizon)), exactly.

    Newton's method on ln F(τ) - ln target, started below the root (see the code), where it is
    <= 0. ln F is concave for every law here (the per-capita growth rate never increases along a
    trajectory), so the iterates rise monotonically to the root; iterated to machine precision.
    """
    n0, target, horizon, a, k, g = _arrays(law, n0, target, horizon, rate, capacity=capacity, exponent=exponent)
    shape = n0.shape
    n0, target, horizon, a, k, g = (v.ravel() for v in (n0, target, horizon, a, k, g))
    # two starts below the root: target / max N; and, where the tumour grows, the time an
    # exponential at the initial per-capita rate λ0 (the largest along the path) needs
    top = np.maximum(n0, _size(law, n0, horizon, a, k, g))
    lam = _specific_rate(law, n0, a, k, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponential = np.where(lam > 0, np.log1p(lam * target / n0) / lam, 0.0)
    tau = np.minimum(np.maximum(target / top, exponential), horizon)
    log_target = np.log(target)
    active = np.flatnonzero(tau < horizon)
    for _ in range(max_iterations):
        if active.size == 0:
            break
        ta = tau[active]
        args = (n0[active], ta, a[active], k[active], g[active])
        f = _cell_days(law, *args)
        step = (log_target[active] - np.log(f)) * f / _size(law, *args)
        new = np.minimum(ta + step, horizon[active])
        tau[active] = new
        done = new - ta <= 4 * np.finfo(float).eps * new  # a step <= 0 is rounding at the root
        active = active[~done]
    return tau.reshape(shape)



"""Exact draws for the cascade (MODEL.md §6): linear birth–death jumps and inverse-CDF times.

Linear birth–death from one cell with birth b and death d per cell per day, after time t
(Kendall 1948): P(extinct) = alpha, and given survival the size is geometric on {1, 2, ...} with
P(n) = (1 - beta) beta^(n-1), where with r = b - d and E = expm1(r t):
    alpha = d E / (b E + r),    beta = b E / (b E + r)        (alpha = beta = b t / (1 + b t) if b = d).
From n0 cells the lineages are independent: survivors ~ Binomial(n0, 1 - alpha), and the size is
survivors + NegativeBinomial(survivors, 1 - beta).
"""

from __future__ import annotations

import numpy as np

#: Above this expected lineage size the negative binomial is drawn as its gamma mixing alone (the
#: geometric's exponential limit, relative error below 1e-12), which avoids int64 overflow for long
#: supercritical jumps.
_GAMMA_LIMIT = 1e12


def _floats(*values) -> tuple[np.ndarray, ...]:
    """``values`` as float arrays (broadcast by the arithmetic that uses them)."""
    return tuple(np.asarray(x, dtype=float) for x in values)


def birth_death_alpha_beta(
    birth_rate: np.ndarray, death_rate: np.ndarray, time: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, beta) of a linear birth–death process from one cell after ``time`` days."""
    alpha, excess = _kendall(birth_rate, death_rate, time)
    return alpha, (excess / (1.0 + excess)).clip(0.0, 1.0)


def _kendall(birth_rate: np.ndarray, death_rate: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, b E / r) after ``time`` days: extinction of one cell's lineage, and a surviving lineage's
    mean size less one, 1 / (1 - beta) - 1, without the cancellation of 1 - beta once beta rounds to 1
    (b t and alpha = b t / (1 + b t) if b = d; E = expm1(r t) capped at e^700: sizes beyond ~1e300
    cells are meaningless)."""
    b, d, t = _floats(birth_rate, death_rate, time)
    r = b - d
    rt = r * t
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.expm1(np.minimum(rt, 700.0))
        alpha, excess = d / (b + r / e), b * e / r
    if (critical := np.abs(rt) < 1e-9).any():
        alpha, excess = np.where(critical, d * t / (1 + b * t), alpha), np.where(critical, b * t, excess)
    return alpha.clip(0.0, 1.0), excess


def extinction_probability(birth_rate: float, death_rate: float) -> float:
    """Eventual extinction of a linear birth–death process from one cell: min(1, d/b)."""
    return 1.0 if birth_rate <= death_rate else death_rate / birth_rate


def sample_birth_death(
    rng: np.random.Generator,
    size: np.ndarray,
    birth_rate: np.ndarray,
    death_rate: np.ndarray,
    time: np.ndarray,
) -> np.ndarray:
    """Exact sizes after ``time`` days of colonies of ``size`` cells (vectorised; float64 cells).

    The negative binomial is drawn as its Poisson–gamma mixture, Poisson(Gamma(survivors) b E / r)
    (Gamma(0) = 0: extinct colonies need no mask), and as the gamma alone beyond ``_GAMMA_LIMIT``."""
    alpha, excess = _kendall(birth_rate, death_rate, time)
    survivors = rng.binomial(np.round(size).astype(np.int64), 1.0 - alpha)
    mixing = rng.standard_gamma(survivors) * excess
    small = excess <= _GAMMA_LIMIT
    return survivors + np.where(small, rng.poisson(np.where(small, mixing, 0.0)), mixing)


def sample_birth_death_tail(
    rng: np.random.Generator,
    size: np.ndarray,
    birth_rate: np.ndarray,
    death_rate: np.ndarray,
    time: np.ndarray,
    ceiling: np.ndarray,
) -> np.ndarray:
    """Sizes (float64 cells) after ``time`` days of colonies of ``size`` cells, drawn only as far as
    a fate that turns on reaching ``ceiling`` cells needs: 0 (extinct), the size where it is at least
    ``ceiling``, nan for a size in [1, ceiling) left undrawn (a value there may also come out drawn).
    Exact: those events, and the size on the last, follow Kendall's law as in ``sample_birth_death``.

    A bound on the size, on the same variates: had all n0 lineages survived they would add
    Y0 = Poisson(G0 b E / r) cells, G0 ~ Gamma(n0). Split G0 = Gamma(S) + Gamma(n0 - S) between the
    S survivors and the rest: the survivors add Binomial(Y0, B) cells, B = Gamma(S) / G0 ~
    Beta(S, n0 - S) (their NegativeBinomial(S, 1 - beta)), and (G0, Y0) is independent of S.
    Y0 >= K = ceiling - n0 exactly when the K-th point of a unit Poisson process, Gamma(K), comes
    before G0 b E / r, and then Y0 = K + Poisson(the rest). Where it does not, the size is below
    ``ceiling``, and 0 with probability alpha^n0: two gammas and an exponential a colony instead of a
    binomial, a gamma and a Poisson (for ~95% of the 1e9-cell Luzzi assay's cleared colonies). Beyond
    ``_GAMMA_LIMIT`` every size is drawn."""
    lineages = np.round(size).astype(np.int64)
    alpha, excess = (np.broadcast_to(x, lineages.shape) for x in _kendall(birth_rate, death_rate, time))
    missing = np.maximum(np.ceil(ceiling) - lineages, 0.0)  # K
    mixing = rng.standard_gamma(lineages) * excess
    kth = rng.standard_gamma(missing)
    with np.errstate(divide="ignore", invalid="ignore"):  # e^-Exp < alpha^n0 (0 x log 0: no lineage)
        out = np.where(rng.standard_exponential(lineages.shape) <= -lineages * np.log(alpha), np.nan, 0.0)
    high = np.flatnonzero((mixing >= kth) | (excess > _GAMMA_LIMIT))
    if high.size:
        n, mixing, small = lineages[high], mixing[high], excess[high] <= _GAMMA_LIMIT
        growth = missing[high] + rng.poisson(np.where(small, mixing - kth[high], 0.0))  # Y0
        survivors = rng.binomial(n, 1.0 - alpha[high])
        theirs = rng.standard_gamma(survivors)
        share = theirs / (theirs + rng.standard_gamma(n - survivors))  # B
        thinned = rng.binomial(np.where(small, growth, 0.0).astype(np.int64), share)
        out[high] = survivors + np.where(small, thinned, share * mixing)
    return out

"""A patient's age and its death from other causes (``lower.Lifespan``), drawn from the host's
stream (``engine.patient``): exact inversion of the Gompertz–Makeham survival function."""

from __future__ import annotations

import numpy as np

from .lower import DAYS_PER_YEAR, Lifespan

#: Newton steps at most (from the right of a convex increasing function: a few suffice).
_NEWTON_STEPS = 60


def age_at_start(lifespan: Lifespan, normal: float) -> float:
    """The age (years) of a patient whose standard normal draw is ``normal``: the normal of the
    lifespan's mean and SD, clipped to its [min, max]."""
    mean, sd, low, high = lifespan.age
    return float(np.clip(mean + sd * normal, low, high))


def other_cause_death(lifespan: Lifespan, age: float, uniform: float) -> float:
    """Days from the start to death from other causes of a patient of ``age`` years whose uniform
    draw on [0, 1) is ``uniform``: the time y (years) at which the cumulative hazard
    H(y) = m y + (g / s) e^{s (age - 50)} (e^{s y} - 1) reaches -ln(1 - uniform); inf without mortality."""
    if lifespan.mortality is None:
        return np.inf
    makeham, gompertz, slope = lifespan.mortality
    target = -np.log1p(-uniform)
    at_age = gompertz * np.exp(slope * (age - 50.0))
    if slope == 0.0 or at_age == 0.0:
        total = makeham + at_age
        return np.inf if total == 0.0 else float(target / total * DAYS_PER_YEAR)
    years = np.log1p(slope * target / at_age) / slope  # the Gompertz part alone: at or after the root
    for _ in range(_NEWTON_STEPS):
        excess = makeham * years + at_age / slope * np.expm1(slope * years) - target
        step = excess / (makeham + at_age * np.exp(slope * years))
        years -= step
        if abs(step) <= 1e-12 * max(years, 1.0):
            break
    return float(years * DAYS_PER_YEAR)

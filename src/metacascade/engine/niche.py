"""Pre-metastatic niches (``lower.Niche``; MODEL.md §3) as epochs: the soil of an organ rising
with the primary's mass, piecewise constant between the ends of the engine's windows.

In each window the factor on a niche's rates is the time average over the window of its soil
modifier at the primary's closed-form mass (``course.size``, removal included), so a niche adds
no window (each costs ~1 ms) and keeps each rate's integral over each window; how far the
constant factor lies from the moving one is in docs/engine.md §7. The average is a Gauss-Legendre
rule of ``NODES`` points per window: the primary's course is smooth inside a window (its removal
ends one).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .course import size
from .epochs import combined, step_ends, with_epochs
from .lower import Epochs, Lowered, Niche, Primary

#: Gauss-Legendre points per window: the saturating factor of an exponential primary that grows
#: e^30-fold (1 to 1e13 cells) in one window is averaged to ~1e-9 of its raise; a Gompertz primary at
#: 0.5/day (1 cell to 1e12 in days) in a yearly window, to ~4e-4 (docs/engine.md §7).
NODES = 64
_POINTS, _WEIGHTS = np.polynomial.legendre.leggauss(NODES)


def saturating(mass_g, max_factor: float, half_mass_g: float):
    """1 + (max_factor - 1) m / (m + half_mass_g) at primary mass m (g): 1 without a primary,
    half the raise at ``half_mass_g``, ``max_factor`` as m grows without bound."""
    return 1.0 + (max_factor - 1.0) * mass_g / (mass_g + half_mass_g)


#: Soil modifiers by name (``model.host.SoilModifier``): factor(mass_g, max_factor, half_mass_g).
SOIL_MODIFIERS = {"saturating": saturating}


def window_factors(primary: Primary, niche: Niche, ends: np.ndarray) -> np.ndarray:
    """[K] time average of ``niche``'s factor over each window [0, ends[0]], [ends[0], ends[1]], ...
    (days), none of which holds the primary's removal inside it."""
    starts = np.r_[0.0, ends[:-1]]
    half = (ends - starts)[:, None] / 2
    mass_g = size(primary, starts[:, None] + half * (1.0 + _POINTS)) / primary.cells_per_g
    return SOIL_MODIFIERS[niche.function](mass_g, niche.max_factor, niche.half_mass_g) @ _WEIGHTS / 2


def with_niches(lowered: Lowered) -> Lowered:
    """``lowered`` with its niches' factors in each of its windows as epochs, multiplied with the
    epochs it has (``epochs.combined``), and no niches left; ``lowered`` itself without a primary
    or without a niche that raises anything. Call it once the removal is known (``engine.therapy``)."""
    niches = [niche for niche in lowered.niches if niche.max_factor > 1]
    if lowered.primary is None or not niches:
        return lowered
    ends = step_ends(lowered)
    shape = (ends.size, len(lowered.clone_names), len(lowered.organ_names))
    multipliers: dict[str, np.ndarray] = {}
    for niche in niches:
        factors = window_factors(lowered.primary, niche, ends)
        for name in niche.rate_names:
            multipliers.setdefault(name, np.ones(shape))[:, :, niche.organ] *= factors[:, None]
    epochs = Epochs(np.r_[0.0, ends[:-1]], multipliers, np.ones(ends.size))
    return replace(with_epochs(lowered, combined(lowered.epochs, epochs)), niches=())

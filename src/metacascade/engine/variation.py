"""Patient-level variation: one virtual patient's primary, drawn from the scenario's distributions
(``model/variation.py``), its metastases growing at its own pace, and its own colonisation of its
regional nodes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .lower import NO_VARIATION, Lowered, Primary
from .observation import regional_nodes


def draw_primary(primary: Primary, rng: np.random.Generator) -> Primary:
    """One patient's primary: growth and shedding rates times lognormal multipliers of median 1, and
    clone shares ~ Dirichlet(concentration x shares) over the clones it sheds; no variation left.

    The draws come in a fixed order (two normals, then the Dirichlet when the mix varies), so
    turning one distribution on or off leaves the draws of the others unchanged.
    """
    variation = primary.variation
    sigma = np.array([variation.growth_rate_sigma, variation.shedding_rate_sigma])
    growth, shedding = np.exp(sigma * rng.standard_normal(2))
    shares = primary.clone_share
    if np.isfinite(variation.clone_mix_concentration):
        present = shares > 0
        shares = np.zeros_like(shares)
        shares[present] = rng.dirichlet(variation.clone_mix_concentration * primary.clone_share[present])
    return replace(
        primary,
        rate=primary.rate * growth,
        shedding_rate_per_g_day=primary.shedding_rate_per_g_day * shedding,
        clone_share=shares,
        variation=NO_VARIATION,
    )


#: A patient's regional-node colonisation multiplier is drawn on the soil's grid (quarter decades), so
#: that patients with the same level share the pools' kernels (one per distinct rate set).
NODE_STEPS_PER_DECADE = 4
#: The rates a regional-node colonisation multiplier scales.
COLONISATION_RATES = ("division_rate", "reactivation_rate")


def node_multiplier(sd_log10: float, rng: np.random.Generator) -> float:
    """A patient's multiplier of colonisation in its regional nodes: 10^x with x ~ normal(0, ``sd_log10``)
    rounded to the nearest quarter decade (one standard normal drawn, whatever ``sd_log10``)."""
    steps = np.round(NODE_STEPS_PER_DECADE * sd_log10 * rng.standard_normal())
    return float(10.0 ** (steps / NODE_STEPS_PER_DECADE))


def draw_patient(lowered: Lowered, rng: np.random.Generator) -> Lowered:
    """``lowered`` with one patient's primary (``draw_primary``), its macrometastases growing at
    the patient's own pace: every clone x organ's Gompertz rate times the primary's growth
    multiplier, and its clones' colonisation of its regional nodes times its own multiplier
    (``node_multiplier``, drawn after the primary's). How fast a cancer grows is its own, wherever
    it grows: untreated breast cancer killed slowly or fast with the histological grade of the
    primary (Bloom HJG et al. BMJ 1962;2:213-221); ASSUMPTION: the whole multiplier, and on the
    Gompertz growth alone (the colonies' birth-death phase, and so the founding of metastases, is
    the clones')."""
    sd_log10 = lowered.primary.variation.node_colonisation_sd_log10
    drawn = draw_primary(lowered.primary, rng)
    rates = {**lowered.rates, "gompertz_rate": lowered.rates["gompertz_rate"] * (drawn.rate / lowered.primary.rate)}
    node = node_multiplier(sd_log10, rng)
    if node != 1.0:
        nodes = regional_nodes(lowered)
        for name in COLONISATION_RATES:
            rates[name] = rates[name].copy()
            rates[name][:, nodes] *= node
    return replace(lowered, primary=drawn, rates=rates)

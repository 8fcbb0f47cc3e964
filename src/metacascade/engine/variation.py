"""Patient-level variation: one virtual patient's primary, drawn from the scenario's distributions
(``model/variation.py``), its metastases growing at its own pace, and its own colonisation of its
regional nodes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .lower import NO_VARIATION, Lowered, Primary, Variation
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


#: The rates a regional-node colonisation multiplier scales.
COLONISATION_RATES = ("division_rate", "reactivation_rate")


def node_multiplier(variation: Variation, rng: np.random.Generator) -> float:
    """A patient's multiplier of colonisation in its regional nodes: 10^node_avid_log10 with probability
    node_avid_fraction, else 10^node_other_log10 (one uniform drawn, whatever the variation): two levels,
    so that a cohort's patients share the pools' kernels."""
    avid = rng.random() < variation.node_avid_fraction
    return float(10.0 ** (variation.node_avid_log10 if avid else variation.node_other_log10))


def draw_patient(lowered: Lowered, rng: np.random.Generator) -> Lowered:
    """``lowered`` with one patient's primary (``draw_primary``), its macrometastases growing at
    the patient's own pace: every clone x organ's Gompertz rate times the primary's growth
    multiplier, and its clones' colonisation of its regional nodes times its own multiplier
    (``node_multiplier``, drawn after the primary's). How fast a cancer grows is its own, wherever
    it grows: untreated breast cancer killed slowly or fast with the histological grade of the
    primary (Bloom HJG et al. BMJ 1962;2:213-221); ASSUMPTION: the whole multiplier, and on the
    Gompertz growth alone (the colonies' birth-death phase, and so the founding of metastases, is
    the clones')."""
    variation = lowered.primary.variation
    drawn = draw_primary(lowered.primary, rng)
    rates = {**lowered.rates, "gompertz_rate": lowered.rates["gompertz_rate"] * (drawn.rate / lowered.primary.rate)}
    node = node_multiplier(variation, rng)
    if node != 1.0:
        nodes = regional_nodes(lowered)
        for name in COLONISATION_RATES:
            rates[name] = rates[name].copy()
            rates[name][:, nodes] *= node
    return replace(lowered, primary=drawn, rates=rates)

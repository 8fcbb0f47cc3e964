"""Checks of targets the catalogue uses as model inputs (growth laws, shedding, sizes, clusters),
computed through the model's own methods or the engine where there is one. A pass here confirms the
input is wired in as cited; it is not an emergent reproduction.
"""

from __future__ import annotations

import numpy as np

from ..catalog import load_scenario
from ..engine.shedding import sample_shed
from ..analysis.assays import replicate_seeds
from .assay_checks import REPLICATES
from .rules import Outcome, check, compare, compare_table, mean_se
from ..analysis.targets import Target

#: Butler & Gullino's isolated tumours weighed 2-4 g: the primary is measured at 3 g.
BUTLER_TUMOUR_G = 3.0
#: mendelaar2021_ctc_diameters entry -> patient scenario whose first clone it sizes.
CTC_DIAMETER_SCENARIOS = {"breast_CTC": "breast_patient", "prostate_CTC": "prostate_patient",
                          "colorectal_CTC": "colon_patient"}


def _breast():
    return load_scenario("breast_patient")


@check("butler1975_shedding_rate")
def shedding_rate(target: Target, quick: bool, seed: int) -> Outcome:
    primary = _breast().primary
    growth = primary.growth
    cells = BUTLER_TUMOUR_G * primary.cells_per_g
    # one day of shedding by a primary of BUTLER_TUMOUR_G (growth over a day is negligible)
    samples = [
        sample_shed(np.random.default_rng(s), growth.law, cells, 0.0, 1.0, growth.rate_per_day,
                    growth.capacity_cells, growth.exponent, shedding_rate_per_g_day=primary.shedding_rate_per_g_day,
                    cells_per_g=primary.cells_per_g, vascularisation_cells=primary.vascularisation_cells) / BUTLER_TUMOUR_G
        for s in replicate_seeds(seed, REPLICATES[quick])
    ]
    value, se = mean_se(samples)
    return compare(target, target.value["growing"], value, se, reason=(
        "cells shed in one day by a 3 g breast_patient primary (engine.shedding), per g; compared with the "
        "growing-tumour value (no regressing primary is modelled)"))


@check("breast_tvdt_clinical")
def doubling_time(target: Target, quick: bool, seed: int) -> Outcome:
    growth = _breast().primary.growth
    return compare(target, target.value["zhang2017_median_days"], growth.doubling_time_days(1e9), reason=(
        "breast_patient primary doubling time at 1e9 cells (1 cm3) vs the median (the patient variation "
        "spreads it around this value)"))


@check("delmonte2009_cells_per_cm3")
def cells_per_cm3(target: Target, quick: bool, seed: int) -> Outcome:
    return compare(target, target.value["conventional"], _breast().primary.cells_per_g,
                   reason="breast_patient primary cells_per_g vs the conventional 1e9 (1 g ~ 1 cm3)")


@check("lethal_burden_nmax")
def lethal_burden(target: Target, quick: bool, seed: int) -> Outcome:
    return compare(target, target.value, _breast().observation.lethal_burden_cells,
                   reason="breast_patient observation plan lethal burden")


@check("iwata2000_parameters")
def iwata(target: Target, quick: bool, seed: int) -> Outcome:
    scenario = _breast()
    simulated = {"a_gompertz_per_day": scenario.clones["A"].fates.gompertz_rate,
                 "alpha_fractal_dim": scenario.primary.growth.exponent}
    return compare_table(target, target.value, simulated, reason=(
        "metastasis Gompertz rate of breast_patient clone A; power-law exponent of the primary. b (7.3e10 cells) "
        "and m are not model parameters (colonies stop at the lethal burden; shedding is per gram)"))


@check("mendelaar2021_ctc_diameters")
def ctc_diameters(target: Target, quick: bool, seed: int) -> Outcome:
    simulated = {}
    for entry, name in CTC_DIAMETER_SCENARIOS.items():
        scenario = load_scenario(name)
        simulated[entry] = next(iter(scenario.clones.values())).diameter_um
    return compare_table(target, target.value, simulated, reason=(
        "first clone of breast/prostate/colon_patient; bladder CTCs, leukocytes and cell lines have no scenario"))


@check("aceto2014_cluster_metastatic_potential")
def cluster_potential(target: Target, quick: bool, seed: int) -> Outcome:
    multiplier = _breast().clones["A"].cluster.colonisation_multiplier
    return compare(target, target.value, multiplier,
                   reason="breast_patient cluster colonisation multiplier (a model input, per cluster vs single cell)")

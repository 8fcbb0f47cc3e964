"""Checks over every diSibio 2008 primary: a cohort of each primary's patient scenario (hand-written
or generated, ``catalog.primaries``), followed ``FOLLOW_UP_YEARS`` years as the organ-soil calibration
follows its cohorts, so that nearly every patient has an autopsy at death (``analysis.autopsy``).
The 40 cohorts are simulated once per (quick, seed) and shared by the checks.

What was fitted to what: every scenario's colonisation is the joint seed–soil fit's
(``seed_soil.yaml``: one soil shared by all, a seed per primary fitted to its row, and for the ten
hand-written scenarios a seed–soil pairing on top; a primary it does not list takes the median seed, a
PLACEHOLDER). The shares checked here are read off those rows, so they check that the fits add up
over the case mix: consistency, not independent prediction.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd

from ..analysis.autopsy import followed_up, involvement
from ..analysis.targets import Target, disibio_matrix
from .clinical import own_seed
from .patients import _no_autopsy, fit_explains
from .rules import Outcome, check, compare_table, mean_se

#: Years each cohort is followed (as ``calibrations.yaml`` follows the organ-soil fits).
FOLLOW_UP_YEARS = 25
#: Patients per primary: quick, full.
PATIENTS = {True: 20, False: 200}
#: Worker processes of a full run's cohort (a quick one runs in this process: spawning workers for
#: 40 small cohorts would cost more than it saves).
MAX_WORKERS = 4
TESTIS = "testis"


@cache
def primary_autopsies(quick: bool, seed: int) -> dict[str, pd.DataFrame]:
    """diSibio primary -> [patient x site] involved (bool) at the autopsies of its scenario's cohort."""
    from ..catalog import load_scenario
    from ..catalog.primaries import read_primaries
    from ..simulate import simulate

    patients = PATIENTS[quick]
    workers = 1 if quick else max(1, min(os.cpu_count() or 1, MAX_WORKERS))
    tables = {}
    for primary, name in read_primaries().scenarios().items():
        scenario = followed_up(load_scenario(name), FOLLOW_UP_YEARS)
        cohort = simulate(scenario, num_patients=patients, random_seed=own_seed(seed, name), num_workers=workers,
                          chunk_size=-(-patients // workers))
        tables[primary] = involvement(cohort)
    return tables


def site_shares(involved: Mapping[str, pd.DataFrame], weights: Mapping[str, float]) -> tuple[pd.Series, pd.Series]:
    """(% of all metastases at each site, its standard error in %) over the primaries of ``involved``.

    share_s = Σ_p w_p ŷ_ps / Σ_p Σ_s' w_p ŷ_ps', with ŷ_ps the share of primary p's autopsies with site s
    involved and w_p its weight (diSibio's autopsies); the standard error is the delta method's for this
    ratio of means over each primary's patients. One primary gives its own profile."""
    means = {p: table.to_numpy(dtype=float).mean(axis=0) for p, table in involved.items()}
    sites = next(iter(involved.values())).columns
    total = sum(weights[p] * m.sum() for p, m in means.items())
    share = sum(weights[p] * m for p, m in means.items()) / total
    variance = np.zeros(len(sites))
    for p, table in involved.items():
        x = table.to_numpy(dtype=float)
        if len(x) > 1:
            residual = x - x.sum(axis=1, keepdims=True) * share  # the ratio's linearisation, per patient
            variance += weights[p] ** 2 * residual.var(axis=0, ddof=1) / len(x)
    return pd.Series(100.0 * share, index=sites), pd.Series(100.0 * np.sqrt(variance) / total, index=sites)


@check("disibio2008_site_share_of_all_metastases")
def site_share_of_all_metastases(target: Target, quick: bool, seed: int) -> Outcome:
    matrix = disibio_matrix()["primaries"]
    tables = primary_autopsies(quick, seed)
    dead = {p: table for p, table in tables.items() if not table.empty}
    if not dead:
        return _no_autopsy(target)
    share, se = site_shares(dead, {p: matrix[p]["n_autopsies"] for p in dead})
    left_out = sorted(set(matrix) - set(dead))
    unknown = sum(matrix["unknown_primary"]["counts"]) / sum(sum(row["counts"]) for row in matrix.values())
    return compare_table(target, target.value, share[list(target.value)].to_dict(), se.to_dict(), reason=(
        f"% of all involved sites at the autopsies ({sum(map(len, dead.values()))}) of {len(dead)} cohorts of "
        f"{PATIENTS[quick]} patients, one per diSibio primary's patient scenario, followed {FOLLOW_UP_YEARS} years; "
        "each primary's involvement shares weighted by its diSibio autopsies. Left out: "
        f"{', '.join(left_out)} (no scenario, or no death), whose metastases the published shares include "
        f"(unknown_primary: {100 * unknown:.1f}% of them). A consistency check, not a prediction: the colonisation is "
        "the joint seed-soil fit's (one soil shared, a seed per primary fitted to its row, the hand-written "
        "scenarios' pairing on top)"))


@check("disibio2008_metastases_per_primary")
def metastases_per_primary(target: Target, quick: bool, seed: int) -> Outcome:
    tables = primary_autopsies(quick, seed)
    simulated, se = {}, {}
    for primary in target.value:
        if len(tables[primary]):
            simulated[primary], se[primary] = mean_se(tables[primary].sum(axis=1))
    if not simulated:
        return _no_autopsy(target)
    return compare_table(target, target.value, simulated, se, reason=(
        "involved sites per autopsy of each primary's cohort (" + ", ".join(
            f"{primary} {len(tables[primary])}" for primary in target.value) + f" autopsies, followed "
        f"{FOLLOW_UP_YEARS} years); the seeds are fitted to these rows, so the count is a consistency check; "
        f"{fit_explains(target.value)}. A row of few autopsies (duodenum: 11, with 7 involved sites in all) does "
        "not fix its seed's level and lymphatic share: its own-seed fit (two steps from the median seed, the soil "
        "held) did not find them"))


@check("disibio2008_testis_profile")
def testis_profile(target: Target, quick: bool, seed: int) -> Outcome:
    from ..catalog.primaries import read_primaries
    from ..catalog.seed_soil import read_seed_soil

    involved = primary_autopsies(quick, seed)[TESTIS]
    total = int(involved.to_numpy().sum())
    if involved.empty or total == 0:
        return _no_autopsy(target)
    share, se = site_shares({TESTIS: involved}, {TESTIS: 1.0})
    name = read_primaries().scenarios()[TESTIS]
    seeded = "its seed fitted to the testis row" if TESTIS in read_seed_soil().seed else (
        "a PLACEHOLDER seed (the median of seed_soil.yaml's, none fitted to the testis row yet)")
    return compare_table(target, target.value, share[list(target.value)].to_dict(), se.to_dict(), reason=(
        f"% of the {total} involved sites over {len(involved)} {name} autopsies (cohort of {PATIENTS[quick]}, "
        f"followed {FOLLOW_UP_YEARS} years); {name} is generated (catalog.primaries), its colonisation the joint "
        f"seed-soil fit's with {seeded}: where fitted, a consistency check of that fit, not a prediction; "
        f"{fit_explains([TESTIS])}"))

"""Checks against autopsy and clinical series: cohorts of virtual patients of a catalogue scenario
(small with --quick). Per-patient shares carry the binomial standard error sqrt(p(1-p)/n); means
over patients their standard error.

An organ is "involved" at autopsy as ``Cohort.autopsy`` says (a macrometastasis there); the diSibio
counts are one per patient per site, so a patient's metastases are the sites involved. Only
autopsies at death count (patients alive at the end of follow-up are censored).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from .assays import replicate_seeds
from .rules import Outcome, check, compare, compare_table, mean_se
from .targets import Target, disibio_matrix

#: Patients per cohort: quick, full.
PATIENTS = {True: 12, False: 400}


@cache
def cohort(scenario: str, quick: bool, seed: int):
    """A cohort of ``scenario`` (its own seed derived from ``seed`` and the name)."""
    from ..simulate import simulate

    own_seed = replicate_seeds(seed + sum(map(ord, scenario)), 1)[0]
    return simulate(scenario, num_patients=PATIENTS[quick], random_seed=own_seed)


def autopsies(scenario: str, quick: bool, seed: int) -> pd.DataFrame:
    """[patient x diSibio site] involved (bool) at the autopsies at death."""
    table = cohort(scenario, quick, seed).autopsy
    table = table[~table["censored"]]
    involved = table.pivot_table(index="patient", columns="organ", values="involved", aggfunc="any")
    return involved.reindex(columns=disibio_matrix()["sites"], fill_value=False).fillna(False).astype(bool)


def _share_se(p: np.ndarray, n: int) -> np.ndarray:
    return np.sqrt(p * (1.0 - p) / max(n, 1))


def _no_autopsy(target: Target) -> Outcome:
    return Outcome(target.id, target.quantity, "—", "no autopsy", "—", "mismatch",
                   "no patient of the cohort died within follow-up")


@check("disibio2008_full_matrix")
def breast_row(target: Target, quick: bool, seed: int) -> Outcome:
    matrix = disibio_matrix()
    row = matrix["primaries"]["breast"]
    published = dict(zip(matrix["sites"], np.asarray(row["counts"]) / row["n_autopsies"]))
    involved = autopsies("breast_patient", quick, seed)
    if involved.empty:
        return _no_autopsy(target)
    share = involved.mean()
    se = _share_se(share.to_numpy(), len(involved))
    return compare_table(target, published, share.to_dict(), dict(zip(share.index, se)), reason=(
        f"breast row: share of {len(involved)} breast_patient autopsies with each site involved "
        "(other primaries have no or untuned scenarios)"))


@check("disibio2008_metastases_per_primary")
def metastases_per_primary(target: Target, quick: bool, seed: int) -> Outcome:
    involved = autopsies("breast_patient", quick, seed)
    if involved.empty:
        return _no_autopsy(target)
    value, se = mean_se(involved.sum(axis=1))
    return compare(target, target.value["breast"], value, se, reason=(
        f"breast: involved sites per breast_patient autopsy ({len(involved)}); testis and duodenum have no scenario"))


@check("disibio2008_prostate_profile")
def prostate_profile(target: Target, quick: bool, seed: int) -> Outcome:
    involved = autopsies("prostate_patient", quick, seed)
    total = involved.to_numpy().sum()
    if involved.empty or total == 0:
        return _no_autopsy(target)
    share = 100.0 * involved.sum() / total
    se = 100.0 * _share_se(share.to_numpy() / 100.0, int(total))
    sites = list(target.value)
    return compare_table(target, target.value, share[sites].to_dict(), dict(zip(share.index, se)), reason=(
        f"% of the {int(total)} involved sites over {len(involved)} prostate_patient autopsies"))


@check("blood_cell_and_ctc_sizes_review")
def ctc_concentration(target: Target, quick: bool, seed: int) -> Outcome:
    from ..catalog import load_scenario

    scenario = load_scenario("breast_patient")
    simulated, se = {"CTCs": scenario.clones["A"].diameter_um}, {}
    patients = cohort("breast_patient", quick, seed).patients.set_index("patient")
    ctc = cohort("breast_patient", quick, seed).ctc.groupby(["patient", "time"], as_index=False)["count"].sum()
    seen = ctc["time"].to_numpy() >= patients.loc[ctc["patient"], "first_metastasis_time"].to_numpy()
    per_ml = ctc.loc[seen, "count"] / scenario.observation.draw_volume_ml
    if len(per_ml):
        simulated["CTC_concentration_per_mL"], se["CTC_concentration_per_mL"] = mean_se(per_ml)
    return compare_table(target, target.value, simulated, se, reason=(
        "breast_patient clone A diameter; mean CTCs per mL in the draws after metastases are seen "
        "(blood cells are not modelled)"))

"""Checks against autopsy and clinical series: cohorts of virtual patients of a catalogue scenario
(small with --quick). Per-patient shares carry the binomial standard error sqrt(p(1-p)/n); means
over patients their standard error.

An organ is "involved" at autopsy as ``Cohort.autopsy`` says (a macrometastasis there); the diSibio
counts are one per patient per site, so a patient's metastases are the sites involved. Only
autopsies at death count (patients alive at the end of follow-up are censored).
"""

from __future__ import annotations

from functools import cache
from typing import Optional

import numpy as np
import pandas as pd

from ..analysis.assays import replicate_seeds
from ..analysis.autopsy import followed_up, involvement
from ..analysis.targets import Target, disibio_matrix
from .rules import Outcome, check, compare_table, mean_se, share_se

#: Patients per cohort: quick, full.
PATIENTS = {True: 12, False: 400}


@cache
def cohort(scenario: str, quick: bool, seed: int, follow_up_years: Optional[int] = None):
    """A cohort of ``scenario`` (its own seed derived from ``seed`` and the name), followed for
    ``follow_up_years`` if given (else the scenario's own horizon)."""
    from ..catalog import load_scenario
    from ..simulate import simulate

    own_seed = replicate_seeds(seed + sum(map(ord, scenario)), 1)[0]
    loaded = load_scenario(scenario)
    if follow_up_years is not None:
        loaded = followed_up(loaded, follow_up_years)
    return simulate(loaded, num_patients=PATIENTS[quick], random_seed=own_seed)


def autopsies(scenario: str, quick: bool, seed: int, follow_up_years: Optional[int] = None) -> pd.DataFrame:
    """[patient x diSibio site] involved (bool) at the autopsies at death."""
    return involvement(cohort(scenario, quick, seed, follow_up_years))


def _no_autopsy(target: Target) -> Outcome:
    return Outcome(target.id, target.quantity, "—", "no autopsy", "—", "mismatch",
                   "no patient of the cohort died within follow-up")


#: Calibrated patient scenarios whose diSibio row the quick run checks (the full run checks all).
QUICK_ROWS = ("breast_patient", "prostate_patient")


def fit_explains(primaries) -> str:
    """What the joint seed-soil fit in force (``seed_soil.yaml``) explained of each primary's diSibio row
    on its last cohorts: with the seed-soil pairing where it has one, else at the joint level."""
    from ..catalog.seed_soil import read_seed_soil

    fit = read_seed_soil().calibration
    shares = {p: fit["with_pairing"].get(p, fit["explained_share"].get(p)) for p in primaries}
    return (f"the fit in force (seed_soil.yaml, {fit['created']}) explained of each row on its own cohorts: "
            + ", ".join(f"{p} {share:.2f}" if share is not None else f"{p} (not fitted)" for p, share in shares.items())
            + "; a row it explains well and this check's cohorts miss has drifted from the fit since (a change of "
            "the model the record was not refitted after)")


@check("disibio2008_full_matrix")
def disibio_rows(target: Target, quick: bool, seed: int) -> Outcome:
    from ..calibration.spec import joint_spec

    matrix, spec = disibio_matrix(), joint_spec()
    rows = {name: primary for name, primary in spec.members.items() if not quick or name in QUICK_ROWS}
    published, simulated, se, deaths = {}, {}, {}, []
    for name, primary in rows.items():
        involved = autopsies(name, quick, seed, spec.follow_up_years)  # followed as its calibration was
        if involved.empty:
            return _no_autopsy(target)
        row = matrix["primaries"][primary]
        share = involved.mean()
        deaths.append(f"{primary} {len(involved)}")
        for site, count, value, error in zip(matrix["sites"], row["counts"], share, share_se(share.to_numpy(), len(involved))):
            key = f"{primary}/{site}"
            published[key], simulated[key], se[key] = count / row["n_autopsies"], float(value), float(error)
    return compare_table(target, published, simulated, se, reason=(
        f"share of the autopsies (deaths: {', '.join(deaths)}) of each calibrated patient scenario with each site "
        "involved, against its diSibio row; the calibration fits these rows on its own cohorts (one soil shared, "
        "a seed and a seed-soil pairing each: seed-soil)"
        + (f"; followed {spec.follow_up_years} years, as in the calibration" if spec.follow_up_years else "")
        + f"; {fit_explains(rows.values())}. Breast's regional nodes are left out of its fit (its women had radical "
        "mastectomies) and its metastases now grow at each patient's own pace (engine.variation), which the fit in "
        "force predates: its row is over at most sites"))


@check("disibio2008_prostate_profile")
def prostate_profile(target: Target, quick: bool, seed: int) -> Outcome:
    from ..calibration.spec import joint_spec

    years = joint_spec().follow_up_years  # long enough for a slow primary's patients to die: the full matrix's cohort
    involved = autopsies("prostate_patient", quick, seed, years)
    total = involved.to_numpy().sum()
    if involved.empty or total == 0:
        return _no_autopsy(target)
    share = 100.0 * involved.sum() / total
    se = 100.0 * share_se(share.to_numpy() / 100.0, int(total))
    sites = list(target.value)
    return compare_table(target, target.value, share[sites].to_dict(), dict(zip(share.index, se)), reason=(
        f"% of the {int(total)} involved sites over {len(involved)} prostate_patient autopsies (followed {years} "
        "years, as in its calibration)"))


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

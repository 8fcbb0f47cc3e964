"""Checks against clinical series of treated patients: a cohort of a catalogue patient scenario given
the series' treatment, the stage read from each simulated patient at its own diagnosis.

Treatment here is surgery of the primary at diagnosis only (``model.therapy``): the systemic
therapies the series' patients also had (chemotherapy, endocrine, ...) are not all built yet, so a
disagreement in survival may come from them as much as from the natural history. The model has no
death from other causes, so its observed survival is compared with the series' relative survival.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from ..analysis.assays import replicate_seeds
from ..analysis.autopsy import DAYS_PER_YEAR, followed_up
from ..analysis.survival import REGIONAL_NODES, confidence_band
from ..analysis.targets import Target
from .patients import PATIENTS
from .rules import Outcome, check, compare_table

#: SEER summary stages, in order.
STAGES = ("localized", "regional", "distant")
#: The primary resected at its diagnosis, nothing else.
SURGERY_AT_DIAGNOSIS = {"interventions": [{"kind": "surgery", "relative_to": "diagnosis", "start_days": 0.0}]}
#: Years a treated cohort is followed: diagnosis (years 1–5 of a breast_patient) plus 5 years and more.
FOLLOW_UP_YEARS = 15
#: Survival is read this long after diagnosis (days).
SURVIVAL_DAYS = 5 * DAYS_PER_YEAR


def stage_at_diagnosis(patients: pd.DataFrame, detections: pd.DataFrame) -> pd.Series:
    """SEER summary stage of each diagnosed patient (index ``patient``): ``distant`` if the imaging
    that diagnoses the primary also sees a lesion outside the regional nodes, else ``regional`` if the
    regional nodes are involved (N+, or a nodal lesion seen then), else ``localized``."""
    diagnosed = patients.dropna(subset=["diagnosis_time"]).set_index("patient")
    seen = detections.merge(diagnosed["diagnosis_time"], left_on="patient", right_index=True)
    seen = seen[seen["detection_time"] <= seen["diagnosis_time"]]
    distant = set(seen.loc[seen["organ"] != REGIONAL_NODES, "patient"])
    nodal = set(seen.loc[seen["organ"] == REGIONAL_NODES, "patient"]) | set(diagnosed.index[diagnosed["n_stage"] == "N+"])
    stage = pd.Series("localized", index=diagnosed.index, name="stage")
    stage[stage.index.isin(nodal)] = "regional"
    stage[stage.index.isin(distant)] = "distant"
    return stage


def survival_after_diagnosis(patients: pd.DataFrame, days: float) -> tuple[float, float]:
    """Kaplan–Meier survival ``days`` after diagnosis of ``patients`` (diagnosed ones; censored at the
    end of follow-up) and its standard error from the 95% log-log band (NaN without patients)."""
    from scipy import stats

    if patients.empty:
        return float("nan"), float("nan")
    elapsed = (patients["follow_up_time"] - patients["diagnosis_time"]).to_numpy(float)
    died = patients["death_time"].notna().to_numpy()
    sf = stats.ecdf(stats.CensoredData(uncensored=elapsed[died], right=elapsed[~died])).sf
    band = confidence_band(sf)
    low, high = float(band.low.evaluate(days)), float(band.high.evaluate(days))
    return float(sf.evaluate(days)), (high - low) / (2 * 1.96) if np.isfinite(high - low) else 0.0


@cache
def treated_cohort(scenario: str, quick: bool, seed: int):
    """A cohort of ``scenario`` followed ``FOLLOW_UP_YEARS`` years, its primary resected at diagnosis
    (its own seed derived from ``seed`` and the name)."""
    from ..catalog import load_scenario
    from ..simulate import simulate

    own_seed = replicate_seeds(seed + sum(map(ord, scenario)), 1)[0]
    treated = followed_up(load_scenario(scenario), FOLLOW_UP_YEARS).with_values({"therapy": SURGERY_AT_DIAGNOSIS})
    return simulate(treated, num_patients=PATIENTS[quick], random_seed=own_seed)


@check("seer_breast_stage_survival")
def seer_stage_survival(target: Target, quick: bool, seed: int) -> Outcome:
    cohort = treated_cohort("breast_patient", quick, seed)
    patients = cohort.patients.set_index("patient")
    stage = stage_at_diagnosis(cohort.patients, cohort.detections)
    published = target.value["era_1995_2002"]
    wanted, simulated, se = {}, {}, {}
    for name in STAGES:
        share = float((stage == name).mean()) if len(stage) else float("nan")
        key = f"stage_pct/{name}"
        wanted[key], simulated[key] = published["stage_distribution_pct"][name], 100.0 * share
        se[key] = 100.0 * np.sqrt(share * (1.0 - share) / max(len(stage), 1))
        value, error = survival_after_diagnosis(patients.loc[stage.index[stage == name]], SURVIVAL_DAYS)
        key = f"survival_5y_pct/{name}"
        wanted[key], simulated[key], se[key] = published[name], 100.0 * value, 100.0 * error
    return compare_table(target, wanted, simulated, se, reason=(
        f"{len(stage)} of {len(patients)} breast_patient patients diagnosed in {FOLLOW_UP_YEARS} years; stage "
        "at the imaging that diagnoses (distant: a lesion outside the regional nodes seen then; regional: N+); "
        "Kaplan–Meier survival 5 years after diagnosis with the primary resected then and no systemic therapy "
        "(not built); no death from other causes, so observed survival is set against relative survival; "
        "published stage shares include 2% unknown"))

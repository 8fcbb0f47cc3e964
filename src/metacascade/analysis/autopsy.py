"""Reading autopsies: a cohort's organ involvement at death on diSibio 2008's sites, diSibio's row of
a primary, how much of it a simulated pattern explains, and a scenario followed up long enough for
its patients to die.

An organ is "involved" at autopsy as ``Cohort.autopsy`` says (a macrometastasis there); the diSibio
counts are one per patient per site, so a patient's metastases are the sites involved. Only
autopsies at death count (patients alive at the end of follow-up are censored).
"""

from __future__ import annotations

import pandas as pd

from ..catalog import scenario_from_data
from ..model import ScenarioError
from .targets import disibio_matrix

DAYS_PER_YEAR = 365.25


def followed_up(scenario, years: int):
    """``scenario`` observed yearly to ``years`` years (days 365.25 k), or as it is if it goes further;
    its observation plan's imaging and blood draws go on yearly after their last, to the same horizon."""
    horizon = years * DAYS_PER_YEAR
    if scenario.observation_times[-1] >= horizon:
        return scenario
    yearly = [DAYS_PER_YEAR * k for k in range(1, years + 1)]
    data = scenario.model_dump(mode="json")
    data.update(observation_times=sorted({*scenario.observation_times, *yearly}), end_time=None)
    plan = data.get("observation")
    for name in ("imaging_times", "draw_times") if plan else ():
        last = max(plan[name], default=0.0)
        plan[name] = [*plan[name], *(time for time in yearly if time > last)]
    return scenario_from_data(data, source=f"{scenario.name} followed for {years} years")


def involvement(cohort) -> pd.DataFrame:
    """[patient x diSibio site] involved (bool) at the autopsies at death of ``cohort``."""
    table = cohort.autopsy
    table = table[~table["censored"]]
    involved = table.pivot_table(index="patient", columns="organ", values="involved", aggfunc="any")
    return involved.reindex(columns=disibio_matrix()["sites"], fill_value=False).fillna(False).astype(bool)


def published_row(primary: str) -> tuple[pd.Series, pd.Series, int]:
    """(involved patients per site, share, autopsies) of ``primary`` in diSibio 2008."""
    matrix = disibio_matrix()
    if primary not in matrix["primaries"]:
        raise ScenarioError(f"primary: unknown diSibio 2008 primary {primary!r}; allowed: {', '.join(matrix['primaries'])}")
    row = matrix["primaries"][primary]
    counts = pd.Series(row["counts"], index=pd.Index(matrix["sites"], name="site"), dtype=float)
    return counts, counts / row["n_autopsies"], int(row["n_autopsies"])


def explained_share(published: pd.Series, simulated: pd.Series) -> float:
    """1 - Σ (published - simulated)² / Σ (published - its mean)²: the organ pattern explained."""
    return float(1.0 - ((published - simulated) ** 2).sum() / ((published - published.mean()) ** 2).sum())

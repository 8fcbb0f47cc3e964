"""Reading autopsies: a cohort's organ involvement at death on diSibio 2008's sites, and a scenario
followed up long enough for its patients to die.

An organ is "involved" at autopsy as ``Cohort.autopsy`` says (a macrometastasis there); the diSibio
counts are one per patient per site, so a patient's metastases are the sites involved. Only
autopsies at death count (patients alive at the end of follow-up are censored).
"""

from __future__ import annotations

import pandas as pd

from ..catalog import scenario_from_data
from .targets import disibio_matrix

DAYS_PER_YEAR = 365.25


def followed_up(scenario, years: int):
    """``scenario`` observed yearly to ``years`` years (days 365.25 k), or as it is if it goes further."""
    horizon = years * DAYS_PER_YEAR
    if scenario.observation_times[-1] >= horizon:
        return scenario
    times = sorted({*scenario.observation_times, *(DAYS_PER_YEAR * k for k in range(1, years + 1))})
    data = scenario.model_dump(mode="json")
    data.update(observation_times=times, end_time=None)
    return scenario_from_data(data, source=f"{scenario.name} followed for {years} years")


def involvement(cohort) -> pd.DataFrame:
    """[patient x diSibio site] involved (bool) at the autopsies at death of ``cohort``."""
    table = cohort.autopsy
    table = table[~table["censored"]]
    involved = table.pivot_table(index="patient", columns="organ", values="involved", aggfunc="any")
    return involved.reindex(columns=disibio_matrix()["sites"], fill_value=False).fillna(False).astype(bool)

"""Kaplan–Meier survival of a cohort's patients (``Cohort.patients``, ``results/clinical.py``), by
``scipy.stats.ecdf`` on right-censored times (days): overall survival (the event: death) and
metastasis-free survival (the first imaging that sees a metastasis, or death, whichever comes first);
a patient without the event is censored at the end of its follow-up (``follow_up_time``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: endpoint -> what ends it.
ENDPOINTS: dict[str, str] = {
    "overall": "death",
    "metastasis_free": "a metastasis seen on imaging, or death",
}
#: Pointwise confidence bands: level and ``scipy.stats`` method.
CONFIDENCE_LEVEL, CONFIDENCE_METHOD = 0.95, "log-log"


def event_times(patients: pd.DataFrame, endpoint: str) -> pd.Series:
    """Per patient: the time of ``endpoint``'s event (days), NaN where it did not happen in follow-up."""
    if endpoint == "overall":
        return patients["death_time"]
    if endpoint == "metastasis_free":
        return pd.Series(np.fmin(patients["first_metastasis_time"], patients["death_time"]), index=patients.index)
    raise ValueError(f"endpoint: unknown {endpoint!r}; the endpoints are {', '.join(ENDPOINTS)}")


def durations(patients: pd.DataFrame, endpoint: str) -> tuple[np.ndarray, np.ndarray]:
    """Per patient: the time (days) to ``endpoint``'s event, or to the end of follow-up where it did
    not happen; and whether it happened."""
    times = event_times(patients, endpoint)
    happened = times.notna().to_numpy()
    return np.where(happened, times.to_numpy(), patients["follow_up_time"].to_numpy()), happened


def censored(patients: pd.DataFrame, endpoint: str) -> stats.CensoredData:
    """``durations`` as ``scipy.stats.CensoredData``: events uncensored, the rest right-censored."""
    times, happened = durations(patients, endpoint)
    return stats.CensoredData(uncensored=times[happened], right=times[~happened])


def kaplan_meier(patients: pd.DataFrame, endpoint: str):
    """The Kaplan–Meier estimate of ``endpoint``'s survival function (``scipy.stats`` ``ECDFResult.sf``)."""
    return stats.ecdf(censored(patients, endpoint)).sf


def confidence_band(sf):
    """The pointwise 95% band (log-log) of a Kaplan–Meier estimate ``sf`` (``low``, ``high``
    step functions); NaN where the formula has none (no event yet, or none left at risk), silently."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The confidence interval is undefined", RuntimeWarning)
        return sf.confidence_interval(CONFIDENCE_LEVEL, method=CONFIDENCE_METHOD)


def median_time(patients: pd.DataFrame, endpoint: str) -> float:
    """The first time (days) at which the Kaplan–Meier survival is at most 1/2; NaN if not reached."""
    sf = kaplan_meier(patients, endpoint)
    reached = sf.quantiles[sf.probabilities <= 0.5]
    return float(reached[0]) if reached.size else float("nan")


def survival_at(patients: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
    """Per endpoint and time (index [endpoint, time], days): ``at_risk`` (patients followed without
    the event until then), ``events`` by then, the Kaplan–Meier ``survival`` and its pointwise 95%
    band (``low``, ``high``: ``confidence_band``)."""
    rows = []
    for endpoint in ENDPOINTS:
        elapsed, happened = durations(patients, endpoint)
        sf = kaplan_meier(patients, endpoint)
        band = confidence_band(sf)
        for time in times:
            rows.append((endpoint, float(time), int((elapsed >= time).sum()),
                         int((happened & (elapsed <= time)).sum()), float(sf.evaluate(time)),
                         float(band.low.evaluate(time)), float(band.high.evaluate(time))))
    frame = pd.DataFrame(rows, columns=["endpoint", "time", "at_risk", "events", "survival", "low", "high"])
    return frame.set_index(["endpoint", "time"])

"""Kaplan–Meier survival of a cohort's patients (``Cohort.patients``, ``results/clinical.py``), by
``scipy.stats.ecdf`` on right-censored times (days): overall survival (the event: death) and
metastasis-free survival (the first imaging that sees a metastasis, or death, whichever comes first);
a patient without the event is censored at the end of its follow-up (``follow_up_time``).
More endpoints (``MORE_ENDPOINTS``) read the ``detections`` table too; and arms of a trial are
compared by the log-rank test, a Cox hazard ratio (``statsmodels``, the ``[trial]`` extra) and the
restricted mean survival time."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

#: endpoint -> what ends it.
ENDPOINTS: dict[str, str] = {
    "overall": "death",
    "metastasis_free": "a metastasis seen on imaging, or death",
}
#: More endpoints -> what ends them (``ORGAN_RELAPSE`` endpoints name any organ: ``relapse_in_bone``).
MORE_ENDPOINTS: dict[str, str] = {
    "time_to_metastasis": "a metastasis seen on imaging (censored at death)",
    "late_relapse": "a distant metastasis seen more than 5 years after diagnosis, among the patients "
                    "alive and free of one then (days since diagnosis)",
    **{f"relapse_in_{organ}": f"a lesion seen in the {organ} (censored at death)" for organ in ("bone", "brain", "liver")},
}
#: The prefix of an organ's relapse endpoint: ``relapse_in_`` + the organ's name.
ORGAN_RELAPSE = "relapse_in_"
#: The regional lymph nodes: not a distant metastasis (TNM's N, not M).
REGIONAL_NODES = "lymph_nodes_regional"
#: Late relapse: the landmark after diagnosis (days: 5 years).
LATE_RELAPSE_LANDMARK = 1826.0
#: Pointwise confidence bands: level and ``scipy.stats`` method.
CONFIDENCE_LEVEL, CONFIDENCE_METHOD = 0.95, "log-log"


def first_detection(patients: pd.DataFrame, detections: pd.DataFrame | None, organs=None, *,
                    excluding=None) -> pd.Series:
    """Per patient: the first imaging (days) that sees a lesion in ``organs`` (every organ if
    ``None``) but not in ``excluding``; NaN if none. ``detections`` is the table of the same run
    (``patient`` column in a cohort's)."""
    if detections is None:
        raise ValueError("detections: this endpoint reads the detections table; pass the run's detections")
    seen = detections[detections["detection_time"].notna()]
    if organs is not None:
        seen = seen[seen["organ"].isin(organs)]
    if excluding is not None:
        seen = seen[~seen["organ"].isin(excluding)]
    if "patient" not in patients:
        return pd.Series([seen["detection_time"].min() if len(seen) else np.nan], index=patients.index, dtype=float)
    first = seen.groupby("patient")["detection_time"].min()
    return pd.Series(patients["patient"].map(first).to_numpy(dtype=float), index=patients.index)


def event_times(patients: pd.DataFrame, endpoint: str, detections: pd.DataFrame | None = None) -> pd.Series:
    """Per patient: the time of ``endpoint``'s event (days), NaN where it did not happen in follow-up
    (``late_relapse``: days since diagnosis, and only the patients at risk at its landmark)."""
    if endpoint == "overall":
        return patients["death_time"]
    if endpoint == "metastasis_free":
        return pd.Series(np.fmin(patients["first_metastasis_time"], patients["death_time"]), index=patients.index)
    if endpoint == "time_to_metastasis":
        return patients["first_metastasis_time"]
    if endpoint.startswith(ORGAN_RELAPSE) and len(endpoint) > len(ORGAN_RELAPSE):
        return first_detection(patients, detections, [endpoint.removeprefix(ORGAN_RELAPSE)])
    if endpoint == "late_relapse":
        since = first_detection(patients, detections, excluding=[REGIONAL_NODES]) - patients["diagnosis_time"]
        return since[_late_relapse_at_risk(patients, since)]
    raise ValueError(f"endpoint: unknown {endpoint!r}; the endpoints are "
                     f"{', '.join([*ENDPOINTS, *MORE_ENDPOINTS])} and {ORGAN_RELAPSE}ORGAN for any organ")


def _late_relapse_at_risk(patients: pd.DataFrame, since: pd.Series) -> pd.Series:
    """The patients diagnosed and followed past the landmark without a distant metastasis seen by then."""
    followed = patients["follow_up_time"] - patients["diagnosis_time"] > LATE_RELAPSE_LANDMARK
    return followed & ~(since <= LATE_RELAPSE_LANDMARK)


def durations(patients: pd.DataFrame, endpoint: str, detections: pd.DataFrame | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per patient (at risk of ``endpoint``): the time (days) to ``endpoint``'s event, or to the end
    of follow-up where it did not happen; and whether it happened."""
    times = event_times(patients, endpoint, detections)
    follow_up = patients["follow_up_time"]
    if endpoint == "late_relapse":
        follow_up = follow_up - patients["diagnosis_time"]
    happened = times.notna().to_numpy()
    return np.where(happened, times.to_numpy(), follow_up.loc[times.index].to_numpy()), happened


def censored(patients: pd.DataFrame, endpoint: str, detections: pd.DataFrame | None = None) -> stats.CensoredData:
    """``durations`` as ``scipy.stats.CensoredData``: events uncensored, the rest right-censored."""
    return _censored(*durations(patients, endpoint, detections))


def _censored(times: np.ndarray, happened: np.ndarray) -> stats.CensoredData:
    return stats.CensoredData(uncensored=times[happened], right=times[~happened])


def kaplan_meier(patients: pd.DataFrame, endpoint: str, detections: pd.DataFrame | None = None):
    """The Kaplan–Meier estimate of ``endpoint``'s survival function (``scipy.stats`` ``ECDFResult.sf``)."""
    return stats.ecdf(censored(patients, endpoint, detections)).sf


def confidence_band(sf):
    """The pointwise 95% band (log-log) of a Kaplan–Meier estimate ``sf`` (``low``, ``high``
    step functions); NaN where the formula has none (no event yet, or none left at risk), silently."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The confidence interval is undefined", RuntimeWarning)
        return sf.confidence_interval(CONFIDENCE_LEVEL, method=CONFIDENCE_METHOD)


def survival_with_error(durations: tuple[np.ndarray, np.ndarray], time: float) -> tuple[float, float]:
    """The Kaplan–Meier survival at ``time`` (days) of ``durations`` (times and whether the event
    happened) and its standard error read from the pointwise 95% band (``confidence_band``: half its
    width over 1.96; 0 where the band is undefined)."""
    sf = stats.ecdf(_censored(*durations)).sf
    band = confidence_band(sf)
    low, high = float(band.low.evaluate(time)), float(band.high.evaluate(time))
    return float(sf.evaluate(time)), (high - low) / (2 * 1.96) if np.isfinite(high - low) else 0.0


def median_time(patients: pd.DataFrame, endpoint: str, detections: pd.DataFrame | None = None) -> float:
    """The first time (days) at which the Kaplan–Meier survival is at most 1/2; NaN if not reached."""
    return _median(kaplan_meier(patients, endpoint, detections))


def _median(sf) -> float:
    reached = sf.quantiles[sf.probabilities <= 0.5]
    return float(reached[0]) if reached.size else float("nan")


def restricted_mean(sf, horizon: float) -> float:
    """The restricted mean survival time (days) of a Kaplan–Meier estimate ``sf`` to ``horizon``
    (days): the area under its step function from 0 to ``horizon`` (flat past its last time)."""
    if not horizon > 0:
        raise ValueError(f"horizon: must be a time > 0 days (got {horizon!r})")
    steps = sf.quantiles[sf.quantiles < horizon]
    edges = np.concatenate([[0.0], steps, [horizon]])
    levels = np.concatenate([[1.0], sf.evaluate(steps)])
    return float(np.sum(np.diff(edges) * levels))


def logrank_p(arm: tuple[np.ndarray, np.ndarray], reference: tuple[np.ndarray, np.ndarray]) -> float:
    """The two-sided p-value of the log-rank test between two arms' ``durations``; NaN without a
    patient in each or without an event."""
    if not (arm[0].size and reference[0].size and (arm[1].any() or reference[1].any())):
        return float("nan")
    with warnings.catch_warnings():  # no variance: no event while both arms are at risk
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        return float(stats.logrank(_censored(*arm), _censored(*reference)).pvalue)


def hazard_ratio(arm: tuple[np.ndarray, np.ndarray], reference: tuple[np.ndarray, np.ndarray],
                 ) -> tuple[float, float, float]:
    """The hazard ratio of ``arm`` to ``reference`` (their ``durations``) and its 95% confidence
    interval, from a Cox proportional-hazards model with the arm as its one covariate (Breslow
    ties; ``statsmodels``' ``PHReg``: ``pip install 'metacascade[trial]'``). NaN where either arm
    has no event (the estimate is 0 or infinite, its interval undefined)."""
    from statsmodels.duration.hazard_regression import PHReg

    (times, happened), (reference_times, reference_happened) = arm, reference
    if not happened.any() or not reference_happened.any():
        return (np.nan, np.nan, np.nan)
    in_arm = np.concatenate([np.ones(times.size), np.zeros(reference_times.size)])
    fit = PHReg(np.concatenate([times, reference_times]), in_arm[:, None],
                status=np.concatenate([happened, reference_happened]).astype(float)).fit()
    low, high = np.exp(fit.conf_int(alpha=1 - CONFIDENCE_LEVEL)[0])
    return float(np.exp(fit.params[0])), float(low), float(high)


def compare(arms: Mapping[str, tuple[np.ndarray, np.ndarray]], horizon: float, reference: str | None = None,
            ) -> pd.DataFrame:
    """Per arm (index ``arm``; ``arms`` maps a name to its ``durations``): ``patients``, ``events``,
    the Kaplan–Meier ``median`` (days; NaN if not reached), against the ``reference`` arm (default:
    the first) the ``hazard_ratio`` and its 95% interval (``hr_low``, ``hr_high``) and the log-rank
    ``p_value``, and the restricted mean survival time to ``horizon`` (days): ``rmst`` and
    ``rmst_difference`` (this arm's minus the reference's). An arm without patients (none at risk of
    ``late_relapse``) has NaN statistics."""
    reference = next(iter(arms)) if reference is None else reference
    if reference not in arms:
        raise ValueError(f"reference: {reference!r} is not an arm; the arms are {', '.join(arms)}")
    if not horizon > 0:
        raise ValueError(f"horizon: must be a time > 0 days (got {horizon!r})")
    curves = {name: stats.ecdf(_censored(*arm)).sf if arm[0].size else None for name, arm in arms.items()}
    rmst = {name: np.nan if sf is None else restricted_mean(sf, horizon) for name, sf in curves.items()}
    rows = []
    for name, arm in arms.items():
        versus = name != reference
        rows.append({
            "arm": name, "patients": int(arm[0].size), "events": int(arm[1].sum()),
            "median": np.nan if curves[name] is None else _median(curves[name]),
            **dict(zip(("hazard_ratio", "hr_low", "hr_high"),
                       hazard_ratio(arm, arms[reference]) if versus else (1.0, np.nan, np.nan))),
            "p_value": logrank_p(arm, arms[reference]) if versus else np.nan,
            "rmst": rmst[name], "rmst_difference": rmst[name] - rmst[reference],
        })
    return pd.DataFrame(rows).set_index("arm")


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

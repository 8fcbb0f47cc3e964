"""A therapy plan (``lower.TherapyPlan``) resolved for one patient: its windows and surgery timed
from the start or from the patient's own diagnosis, as the engine's epochs and removal
(``epochs.with_epochs``). Rates are piecewise constant: in each piece, the product of the
multipliers of the windows in force."""

from __future__ import annotations

import numpy as np

from .epochs import with_epochs
from .lower import Epochs, Lowered
from .observation import diagnosis_time


def _offset(from_diagnosis, diagnosis: float) -> np.ndarray:
    """Days to add to a start timed from the diagnosis (NaN: never diagnosed) or the start (0)."""
    return np.where(from_diagnosis, diagnosis, 0.0)


def apply_therapy(lowered: Lowered, diagnosis: float) -> Lowered:
    """``lowered`` with its therapy plan as epochs and removal, for a patient diagnosed at
    ``diagnosis`` (days; NaN: never, and then none of the interventions timed from it happen) whose
    menopausal status is known or unknown, not a chance (``engine.patient`` draws it): a patient
    known to be premenopausal gets none of the postmenopausal-only interventions."""
    plan = lowered.therapy
    if plan is None:
        return lowered
    if lowered.postmenopausal not in (None, 0.0, 1.0):
        raise ValueError(
            f"postmenopausal: draw the patient's status first (engine.patient; got a chance of {lowered.postmenopausal:g})"
        )
    start = plan.start + _offset(plan.from_diagnosis, diagnosis)
    given = ~np.isnan(start) & ~(plan.postmenopausal_only & (lowered.postmenopausal == 0.0))
    start, end = start[given], start[given] + plan.duration[given]
    times = np.unique(np.r_[start, end[np.isfinite(end)]])
    epochs = None
    if times.size:
        active = (start <= times[:, None]) & (times[:, None] < end)  # [E, W]
        multipliers = {name: np.prod(np.where(active[:, :, None, None], values[given], 1.0), axis=1)
                       for name, values in plan.rate_multipliers.items()}
        epochs = Epochs(times, multipliers, np.ones(times.size))
    removal = float(plan.surgery_start + _offset(plan.surgery_from_diagnosis, diagnosis))
    return with_epochs(lowered, epochs, removal_time=np.inf if np.isnan(removal) else removal,
                       residual_fraction=plan.residual_fraction)


def treated(lowered: Lowered) -> Lowered:
    """``lowered`` with its therapy for the patient it describes: diagnosed when its observation
    plan first sees its primary (``observation.diagnosis_time``), after a surgery timed from the
    start if there is one; ``lowered`` itself without therapy."""
    plan = lowered.therapy
    if plan is None:
        return lowered
    if lowered.observation is None or not (plan.from_diagnosis.any() or plan.surgery_from_diagnosis):
        return apply_therapy(lowered, np.nan)  # nothing timed from a diagnosis (validation's rule without a plan)
    removal = np.inf if plan.surgery_from_diagnosis or np.isnan(plan.surgery_start) else plan.surgery_start
    operated = with_epochs(lowered, removal_time=removal, residual_fraction=plan.residual_fraction)
    return apply_therapy(lowered, diagnosis_time(operated))

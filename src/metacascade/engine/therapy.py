"""A therapy plan (``lower.TherapyPlan``) resolved for one patient: its windows, surgery and
log-kill cycles timed from the start, from the patient's own diagnosis or from its first distant
metastasis seen, as the engine's epochs, removal (``epochs.with_epochs``), kills (``lower.Kills``,
and the primary's share of each) and slowing of vascular growth (``lower.Slowing``). Rates and
growth speeds are piecewise constant: in each piece, the product of the factors of the windows in
force. Cycles at the same time compose: their survivals multiply, and so do the chances that a
dormant micrometastasis escapes each."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .epochs import with_epochs
from .lower import Epochs, Kills, Lowered, Slowing, TherapyPlan
from .observation import diagnosis_time


def _offset(relative_to, diagnosis: float, metastasis: float) -> np.ndarray:
    """Days to add to a start timed from each event (``REFERENCES``: the start, the diagnosis, the
    first distant metastasis seen; NaN where the patient never has it)."""
    return np.array([0.0, diagnosis, metastasis])[relative_to]


def apply_therapy(lowered: Lowered, diagnosis: float, metastasis: float = np.nan) -> Lowered:
    """``lowered`` with its therapy plan as epochs, removal and kills, for a patient diagnosed at
    ``diagnosis`` whose first distant metastasis is seen at ``metastasis`` (days; NaN: never, and
    then none of the interventions timed from it happen) and whose menopausal status is known or
    unknown, not a chance (``engine.patient`` draws it): a patient known to be premenopausal gets
    none of the postmenopausal-only interventions."""
    plan = lowered.therapy
    if plan is None:
        return lowered
    if lowered.postmenopausal not in (None, 0.0, 1.0):
        raise ValueError(
            f"postmenopausal: draw the patient's status first (engine.patient; got a chance of {lowered.postmenopausal:g})"
        )
    start = plan.start + _offset(plan.relative_to, diagnosis, metastasis)
    given = ~np.isnan(start) & ~(plan.postmenopausal_only & (lowered.postmenopausal == 0.0))
    start, end = start[given], start[given] + plan.duration[given]
    times = np.unique(np.r_[start, end[np.isfinite(end)]])
    epochs, slowing = None, None
    if times.size:
        active = (start <= times[:, None]) & (times[:, None] < end)  # [E, W]
        multipliers = {name: np.prod(np.where(active[:, :, None, None], values[given], 1.0), axis=1)
                       for name, values in plan.rate_multipliers.items()}
        epochs = Epochs(times, multipliers, np.ones(times.size))
        slowing = _slowing(times, np.prod(np.where(active, plan.growth_factor[given], 1.0), axis=1))
    removal = float(plan.surgery_start + _offset(plan.surgery_relative_to, diagnosis, metastasis))
    lowered = with_epochs(lowered, epochs, removal_time=np.inf if np.isnan(removal) else removal,
                          residual_fraction=plan.residual_fraction, node_dissection=plan.node_dissection)
    return with_slowing(with_kills(lowered, _kills(plan, diagnosis, metastasis)), slowing)


def _slowing(times: np.ndarray, speed: np.ndarray) -> Slowing | None:
    """The growth speeds ``speed`` in force from ``times`` (days) on, at the times it changes only,
    so that windows that slow nothing give the run without them, draw for draw. None: no change."""
    changes = speed != np.r_[1.0, speed[:-1]]
    return Slowing(times[changes], speed[changes]) if changes.any() else None


def with_slowing(lowered: Lowered, slowing: Slowing | None) -> Lowered:
    """``lowered`` with ``slowing``, of its switched lesions and of its primary (ASSUMPTION: the
    whole primary, vascularised or not yet, as its law is one curve)."""
    if slowing is None:
        return lowered
    primary = lowered.primary
    if primary is not None:
        primary = replace(primary, speeds=tuple(zip(slowing.times.tolist(), slowing.speed.tolist())))
    return replace(lowered, slowing=slowing, primary=primary)


def _kills(plan: TherapyPlan, diagnosis: float, metastasis: float) -> Kills | None:
    """The cycles given to a patient diagnosed at ``diagnosis`` and with a first distant metastasis
    seen at ``metastasis``, one event per time; cycles that
    change nothing (survival 1, no micrometastasis killed) are left out, so that a schedule of them
    gives the run without it, draw for draw. None: no event."""
    start = plan.kill_start + _offset(plan.kill_relative_to, diagnosis, metastasis)
    acts = ~np.isnan(start) & ((plan.kill_survival < 1.0) | (plan.kill_micromet > 0.0)).any(axis=1)
    if not acts.any():
        return None
    times, event = np.unique(start[acts], return_inverse=True)
    survival, spared = np.ones((2, times.size, plan.kill_survival.shape[1]))
    np.multiply.at(survival, event, plan.kill_survival[acts])
    np.multiply.at(spared, event, 1.0 - plan.kill_micromet[acts])
    return Kills(times, survival, 1.0 - spared)


def with_kills(lowered: Lowered, kills: Kills | None) -> Lowered:
    """``lowered`` with ``kills``, and the primary's share of each: its surviving cells are
    sum_c share_c survival_c (ASSUMPTION: the clone mix is kept, though a targeted kill leaves the
    resistant clones a larger share)."""
    if kills is None:
        return lowered
    primary = lowered.primary
    if primary is not None:
        left = kills.survival @ primary.clone_share / primary.clone_share.sum()
        primary = replace(primary, kills=tuple(zip(kills.times.tolist(), left.tolist())))
    return replace(lowered, kills=kills, primary=primary)


def treated(lowered: Lowered, metastasis: float = np.nan) -> Lowered:
    """``lowered`` with its therapy for the patient it describes: diagnosed when its observation
    plan first sees its primary (``observation.diagnosis_time``), after the surgery and cycles timed
    from the start if there are any, and with its first distant metastasis seen at ``metastasis``
    (days; NaN: none of the interventions timed from it); ``lowered`` itself without therapy."""
    plan = lowered.therapy
    if plan is None:
        return lowered
    from_start = apply_therapy(lowered, np.nan, np.nan)
    if lowered.observation is None or not (plan.events() > 0).any():
        return from_start  # nothing timed from the patient's events (validation's rule without a plan)
    return apply_therapy(lowered, diagnosis_time(from_start), metastasis)

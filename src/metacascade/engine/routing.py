"""Whole-body routing as an absorbing Markov chain over capillary beds (MODEL.md §1).

A cell entering a vessel travels one segment (surviving with probability s) to a bed; there it
arrests with probability r_b, or passes and travels one segment to the next bed given by venous
drainage. With T[b, b'] = (1 - r_b) s drain[b, b'] and arrivals a = s entry_bed, the expected
visits are h = a (I - T)^-1 (one linear solve); P(arrest in b) = h_b r_b and the rest die in transit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .lower import Routing

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..model import Anatomy, Clone

DIED_IN_TRANSIT = "died_in_transit"


def expected_visits(routing: Routing, clone: int) -> np.ndarray:
    """[V, O] expected number of arrivals at each bed for a cell entering each vessel."""
    survival = routing.segment_survival[clone]
    transfer = (1.0 - routing.arrest[clone])[:, None] * survival * routing.drain
    identity = np.eye(transfer.shape[0])
    return np.linalg.solve((identity - transfer).T, (survival * routing.entry_bed).T).T


def delivery_matrix(routing: Routing, clone: int) -> np.ndarray:
    """[V, O + 1] P(arrest in each organ) and, last, P(death in transit); rows sum to 1."""
    arrested = expected_visits(routing, clone) * routing.arrest[clone]
    died = np.clip(1.0 - arrested.sum(axis=1, keepdims=True), 0.0, 1.0)
    return np.hstack([arrested, died])


def mean_residence_time(routing: Routing, clone: int) -> np.ndarray:
    """[V] expected time in the circulation before arrest or death, days (whole segments)."""
    visits = expected_visits(routing, clone)
    segments = 1.0 + (visits * (1.0 - routing.arrest[clone])).sum(axis=1)
    return segments * routing.segment_time


def delivery_frame(anatomy: Anatomy, clone: Clone) -> pd.DataFrame:
    """``delivery_matrix`` for a model anatomy and clone, labelled (vessel x organ/death)."""
    import pandas as pd

    from .lower import lower_routing

    routing = lower_routing(anatomy, (clone,))
    return pd.DataFrame(
        delivery_matrix(routing, 0),
        index=pd.Index(routing.vessel_names, name="vessel"),
        columns=pd.Index([*routing.organ_names, DIED_IN_TRANSIT], name="fate"),
    )

"""The model's closed forms, without simulating (ARCHITECTURE.md convention 2): where a cell that
enters the circulation ends up, and how long it circulates (MODEL.md §1). The engine's solver
(``engine.routing``) computes them; this module labels them for a reader."""

from __future__ import annotations

import pandas as pd

from ..engine.lower import lower_routing
from ..engine.routing import DIED_IN_TRANSIT, delivery_from, entries, mean_residence_time
from ..model import Anatomy, Clone


def delivery_matrix(anatomy: Anatomy, clone: Clone, *, paravertebral: bool = False) -> pd.DataFrame:
    """Exact fate of a cell of ``clone`` entering the circulation of ``anatomy``: P(arrest in organ),
    P(death in transit).

    Rows: the entry vessels, then ``venous:<organ>`` (a cell shed into an organ's venous outflow)
    and ``lymph:<organ>`` (shed into its lymph); columns: organs then ``died_in_transit``. Rows sum
    to 1. ``paravertebral`` switches the Batson route on.
    """
    routing = lower_routing(anatomy, (clone,), paravertebral=paravertebral)
    names, first = entries(routing)
    return pd.DataFrame(
        delivery_from(routing, 0, first),
        index=pd.Index(names, name="entry"),
        columns=pd.Index([*routing.organ_names, DIED_IN_TRANSIT], name="fate"),
    )


def residence_time_days(anatomy: Anatomy, clone: Clone, *, paravertebral: bool = False) -> pd.Series:
    """Mean time a cell of ``clone`` spends in blood and lymph before it arrests or dies, days, by
    entry point (the rows of ``delivery_matrix``)."""
    routing = lower_routing(anatomy, (clone,), paravertebral=paravertebral)
    names, first = entries(routing)
    return pd.Series(mean_residence_time(routing, 0, first), index=pd.Index(names, name="entry"), name="days")

"""The model's closed forms, without simulating (ARCHITECTURE.md convention 2): where a cell that
enters the circulation ends up (MODEL.md §1). The engine's solver
(``engine.routing``) computes them; this module labels them for a reader."""

from __future__ import annotations

import pandas as pd

from ..engine.lower import lower_routing
from ..engine.routing import DIED_IN_TRANSIT, delivery_from, entries
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

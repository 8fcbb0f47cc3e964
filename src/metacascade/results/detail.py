"""Output levels of a cohort (``detail``): which tables it keeps, and building them for a chunk.

- ``"full"``: the tables of ``Results`` (``TABLES``) for every patient, with a leading ``patient``
  column: every founder state, the burden and the fate ledger at every observation (~54 kB per
  10-year ``breast_patient`` patient).
- ``"summary"`` (the default): what clinical and trial readouts use (``SUMMARY_TABLES``; ~1.8 kB
  per calibrated 10-year ``breast_patient`` patient in chunks of 100: the lesions ~1.0 kB, the
  summed ledger ~0.6 kB): ``patients``, ``lesions`` (without the ``size_t*`` columns, and without
  ``tracked_time``: when the engine took the colony out of its pool, which depends on the handoff
  size it chose, not on the model), ``detections``, ``ctc`` (without ``expected``), ``autopsy`` as
  at full detail, with a leading ``patient`` column; and, summed over
  the patients of each chunk with a leading ``chunk`` column (``CHUNK_TABLES``: their rows depend on
  the chunk size, their sums over chunks do not), ``dormant_cells``, the solitary and dormant
  founders per time and organ, non-zero rows only (``tables.dormant_cells_frame``), and
  ``chunk_ledger``, the fate ledger (``ledger.chunk_ledger``).

Any patient at full detail is ``simulate(scenario, random_seed=seed, patient=i)`` whatever the level
(each patient has its own random streams).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ..engine.outcome import summed
from .clinical import clinical_tables
from .ledger import chunk_ledger
from .results import outcome_tables, snapshot_times
from .rundir import CHUNK_TABLES, SUMMARY_TABLES, check_detail, cohort_detail, detail_tables  # noqa: F401 (re-exported)
from .tables import dormant_cells_frame, lesions_frame, size_column

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.lower import Lowered
    from ..engine.observation import PatientObservations
    from ..engine.outcome import RunOutcome

def cohort_tables(
    outcomes: Sequence[RunOutcome],
    lowered: Lowered,
    patients: Sequence[int],
    observed: Sequence[PatientObservations | None],
    *,
    detail: str,
    chunk: int,
) -> dict[str, pd.DataFrame]:
    """The tables of chunk ``chunk`` (``patients``' outcomes and what their observation plan saw) at
    output level ``detail``, each with a leading ``patient`` column (``chunk`` for ``CHUNK_TABLES``)."""
    if check_detail(detail) == "full":
        return outcome_tables(outcomes, lowered, patients, observed)
    clones, organs = lowered.clone_names, lowered.organ_names
    times = snapshot_times(outcomes, lowered)
    lesions = [outcome.lesions for outcome in outcomes]
    total = summed(outcomes)  # the chunk's founders, summed once for its two summed tables
    clinical = clinical_tables(observed, lesions, clones, organs, patients)
    engine_only = [*(size_column(t) for t in range(len(times))), "tracked_time"]
    return {
        "patients": clinical["patients"],
        "lesions": lesions_frame(lesions, clones, organs, len(times), patients).drop(columns=engine_only),
        "detections": clinical["detections"],
        "ctc": clinical["ctc"].drop(columns="expected"),
        "autopsy": clinical["autopsy"],
        "dormant_cells": dormant_cells_frame([total], organs, chunk),
        "chunk_ledger": chunk_ledger([total], clones, organs, times, chunk),
    }

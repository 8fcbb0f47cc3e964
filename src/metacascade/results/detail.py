"""Output levels of a cohort (``detail``): which tables it keeps, and building them for a chunk.

- ``"full"``: the tables of ``Results`` (``TABLES``) for every patient, with a leading ``patient``
  column: every founder state, the burden and the fate ledger at every observation (~54 kB per
  10-year ``breast_patient`` patient).
- ``"summary"`` (the default): what clinical and trial readouts use (``SUMMARY_TABLES``; ~1.5 kB
  per calibrated 10-year ``breast_patient`` patient in chunks of 100: the lesions ~0.62 kB, the
  summed ledger ~0.59 kB): ``patients``, ``lesions`` (without the ``size_t*`` columns, and without
  ``tracked_time``: when the engine took the colony out of its pool, which depends on the handoff
  size it chose, not on the model), ``detections``, ``ctc`` (without ``expected``), ``autopsy`` as
  at full detail, with a leading ``patient`` column; and, summed over
  the patients of each chunk with a leading ``chunk`` column (``CHUNK_TABLES``: their rows depend on
  the chunk size, their sums over chunks do not), ``dormant_cells``, the solitary and dormant
  founders per time and organ, non-zero rows only (``tables.dormant_cells_frame``), and
  ``chunk_ledger``, the fate ledger (``ledger.chunk_ledger``). The lesions' event times are float32
  days (``SUMMARY_FLOAT32``); every other column has its type at full detail.

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

#: Columns the summary level keeps as float32 days, by table: the lesions' event times (random, so
#: incompressible: as float64 ~90% of the lesions' bytes; as float32 ~0.7 kB less per patient).
#: float32 steps are 2.4e-4 day (~21 s) from 2048 to 4096 days (~11 years), 9.8e-4 day (~84 s) up
#: to 16384 days (~45 years); a time is rounded to the nearest, within half a step (2^-24 of it),
#: far below any clock of the model. Other times stay float64: those on the observation and
#: imaging grid (``time``, ``window_*``, ``detection_time``, ...) equal the scenario's times, and
#: the patients' event times are compared with their ``follow_up_time``.
SUMMARY_FLOAT32: dict[str, tuple[str, ...]] = {"lesions": ("bound_time", "switch_time", "regression_time")}


def summary_types(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The summary ``tables`` with the columns of ``SUMMARY_FLOAT32`` as float32."""
    return {name: frame.astype(dict.fromkeys(SUMMARY_FLOAT32[name], "float32")) if name in SUMMARY_FLOAT32 else frame
            for name, frame in tables.items()}


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
    return summary_types({
        "patients": clinical["patients"],
        "lesions": lesions_frame(lesions, clones, organs, len(times), patients).drop(columns=engine_only),
        "detections": clinical["detections"],
        "ctc": clinical["ctc"].drop(columns="expected"),
        "autopsy": clinical["autopsy"],
        "dormant_cells": dormant_cells_frame([total], organs, chunk),
        "chunk_ledger": chunk_ledger([total], clones, organs, times, chunk),
    })

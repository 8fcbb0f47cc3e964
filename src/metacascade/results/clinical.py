"""Clinical tables of patients followed by an observation plan (MODEL.md §5; ``engine/observation.py``).

Times in days, NaN where an event does not happen within follow-up (until death, or the last
observation time if alive). Scenarios without an observation plan have these tables empty.

``patients``: one row per patient: ``diagnosis_time`` and ``diagnosis_mode`` (``symptoms``, or
``screening``: the first screening imaging that sees the primary; empty if not diagnosed),
``primary_reach_time`` (the primary first holds the detection threshold),
``primary_cells_at_diagnosis`` (its T size: cells, at ``cells_per_g`` per cm³), ``n_stage`` at
diagnosis (``N0``; ``N+``: a regional node holds a micrometastasis, > ``node_positive_cells``;
``NX``: the primary's lymph reaches no node; empty if not diagnosed), ``stage`` at diagnosis (SEER summary stage: ``localized``, ``regional``,
``distant``: a lesion outside the regional nodes seen by the staging imaging; empty if not
diagnosed), ``first_metastasis_time`` (first imaging that sees a lesion), ``death_time``,
``death_cause`` (``lethal_burden``, ``organ_limit``, ``other_causes``, empty if alive),
``death_organ`` (the organ of an organ-limit death, else empty), ``follow_up_time`` (death, or the
end of follow-up), ``age_at_start`` (years at time 0; NaN where ages are not modelled), ``sex``
(``female``, ``male``; empty where the host gives none).

``detections``: one row per lesion that holds the detection threshold within follow-up:
``lesion`` (its id in ``lesions``), ``clone``, ``organ``, ``reach_time`` (closed-form hitting
time of the threshold), ``detection_time`` (first imaging at or after it; NaN if none).

``ctc``: one row per blood draw within follow-up and clone: ``time``, ``clone``, ``expected`` (mean
CTCs in the draw) and ``count`` (CTCs counted, Poisson).

``autopsy``: one row per organ at ``follow_up_time``: ``macrometastases`` (switched lesions),
``involved`` (at least one: comparable with diSibio2008's organ involvement), ``metastatic_cells``
(cells in lesions) and ``censored`` (alive at the end of follow-up: no autopsy).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..engine.observation import DEATH_CAUSES, DIAGNOSIS_MODES, N_STAGES, SEXES, STAGES, PatientObservations
from ..engine.outcome import Lesions
from .tables import frame_of, string_column

CLINICAL_TABLES: tuple[str, ...] = ("patients", "detections", "ctc", "autopsy")

Observed = Sequence[PatientObservations | None]


def _observed(observed: Observed, patients: Sequence[int] | None, *aligned: Sequence) -> list[tuple]:
    """(patient, observations, *aligned items) of the patients observed, in order (patient 0 for
    one run); a patient observed as ``None`` (no observation plan) is left out."""
    labels = [0] if patients is None else [int(p) for p in patients]
    if len(observed) != len(labels):
        raise ValueError(f"{len(observed)} observation records for {len(labels)} patients")
    return [row for row in zip(labels, observed, *aligned) if row[1] is not None]


def _joined(arrays: Iterable, dtype: type) -> np.ndarray:
    return np.concatenate([np.empty(0, dtype), *(np.asarray(a, dtype=dtype).ravel() for a in arrays)])


def _frame(rows: list[tuple], counts: Sequence[int], patients: Sequence[int] | None, columns: dict) -> pd.DataFrame:
    """The frame of ``columns`` (sum(``counts``) rows, ``counts`` per row of ``rows``), after the
    ``patient`` column of a cohort."""
    leading = {} if patients is None else {
        "patient": np.repeat(np.array([row[0] for row in rows], dtype=np.int64), counts)}
    return frame_of({**leading, **columns}, int(sum(counts)))


def _label_index(labels: Sequence[str], value: str) -> int:
    """Index of ``value`` in ("", *labels): the empty label stands for none."""
    return 0 if value == "" else 1 + list(labels).index(value)


def patients_frame(observed: Observed, organ_names: Sequence[str], patients: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per observed patient."""
    rows = _observed(observed, patients)
    records = [record for _, record in rows]

    def times(name: str) -> np.ndarray:
        return np.array([getattr(record, name) for record in records], dtype=float)

    def labels(name: str, allowed: Sequence[str]) -> pd.Series:
        return string_column(("", *allowed), [_label_index(allowed, getattr(r, name)) for r in records])

    columns = {
        "diagnosis_time": times("diagnosis_time"),
        "diagnosis_mode": labels("diagnosis_mode", DIAGNOSIS_MODES),
        "primary_reach_time": times("primary_reach_time"),
        "primary_cells_at_diagnosis": times("primary_cells_at_diagnosis"),
        "n_stage": labels("n_stage", N_STAGES),
        "stage": labels("stage", STAGES),
        "first_metastasis_time": times("first_metastasis_time"),
        "death_time": times("death_time"),
        "death_cause": labels("death_cause", DEATH_CAUSES),
        "death_organ": string_column(("", *organ_names), [r.death_organ + 1 for r in records]),
        "follow_up_time": times("follow_up_time"),
        "age_at_start": times("age_at_start"),
        "sex": labels("sex", SEXES),
    }
    return _frame(rows, [1] * len(rows), patients, columns)


def detections_frame(
    observed: Observed,
    lesions: Sequence[Lesions | None],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    patients: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row per lesion that holds the detection threshold within follow-up."""
    rows = _observed(observed, patients, lesions)
    seen = [np.flatnonzero(~np.isnan(record.lesion_reach_time)) for _, record, _ in rows]
    columns = {"lesion": _joined(seen, np.int64)}
    for name, labels in (("clone", clone_names), ("organ", organ_names)):
        columns[name] = string_column(labels, _joined(
            [getattr(record, name)[ids] for (_, _, record), ids in zip(rows, seen) if ids.size], np.intp))
    for name, column in (("reach_time", "lesion_reach_time"), ("detection_time", "lesion_detection_time")):
        columns[name] = _joined([getattr(record, column)[ids] for (_, record, _), ids in zip(rows, seen)], float)
    return _frame(rows, [ids.size for ids in seen], patients, columns)


def ctc_frame(observed: Observed, clone_names: Sequence[str], patients: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per blood draw within follow-up and clone."""
    rows = _observed(observed, patients)
    num_clones = len(clone_names)
    columns = {
        "time": _joined([np.repeat(record.draw_times, num_clones) for _, record in rows], float),
        "clone": string_column(clone_names, _joined(
            [np.tile(np.arange(num_clones), record.draw_times.size) for _, record in rows], np.intp)),
        "expected": _joined([record.ctc_expected for _, record in rows], float),
        "count": _joined([record.ctc_count for _, record in rows], np.int64),
    }
    return _frame(rows, [record.draw_times.size * num_clones for _, record in rows], patients, columns)


def autopsy_frame(observed: Observed, organ_names: Sequence[str], patients: Sequence[int] | None = None) -> pd.DataFrame:
    """One row per organ of each observed patient at the end of its follow-up."""
    rows = _observed(observed, patients)
    num_organs = len(organ_names)
    macrometastases = _joined([record.macrometastases for _, record in rows], np.int64)
    columns = {
        "organ": string_column(organ_names, np.tile(np.arange(num_organs), len(rows))),
        "macrometastases": macrometastases,
        "involved": macrometastases > 0,
        "metastatic_cells": _joined([record.metastatic_cells for _, record in rows], float),
        "censored": np.repeat(np.array([np.isnan(record.death_time) for _, record in rows], dtype=bool), num_organs),
    }
    return _frame(rows, [num_organs] * len(rows), patients, columns)


def clinical_tables(
    observed: Observed,
    lesions: Sequence[Lesions | None],
    clone_names: Sequence[str],
    organ_names: Sequence[str],
    patients: Sequence[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """The clinical tables of one run (``[observations]``) or of ``patients`` (then with a leading
    ``patient`` column); ``lesions`` are the engine's lesion records, aligned with ``observed``."""
    return {
        "patients": patients_frame(observed, organ_names, patients),
        "detections": detections_frame(observed, lesions, clone_names, organ_names, patients),
        "ctc": ctc_frame(observed, clone_names, patients),
        "autopsy": autopsy_frame(observed, organ_names, patients),
    }

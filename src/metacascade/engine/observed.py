"""What the observation plan reports of a patient (MODEL.md §5); computed by ``engine/observe.py``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Causes of death: the total burden, or one organ's burden.
LETHAL_BURDEN, ORGAN_LIMIT = "lethal_burden", "organ_limit"
DEATH_CAUSES: tuple[str, ...] = (LETHAL_BURDEN, ORGAN_LIMIT)
#: N stages: no regional node involved, at least one, no regional node to assess (TNM's NX).
N_STAGES: tuple[str, ...] = ("N0", "N+", "NX")


@dataclass(frozen=True)
class PatientObservations:
    """One patient's observations (times in days; NaN where an event does not happen in follow-up)."""

    follow_up_time: float  # death, or the end of follow-up (last observation time) if alive
    death_time: float
    death_cause: str  # LETHAL_BURDEN, ORGAN_LIMIT, or "" if alive
    death_organ: int  # organ index of an ORGAN_LIMIT death, -1 otherwise
    primary_reach_time: float  # the primary first holds the detection threshold
    diagnosis_time: float  # first imaging that sees the primary
    n_stage: str  # at diagnosis: "N0", "N+", "NX" (no regional node), "" if not diagnosed
    lesion_reach_time: np.ndarray  # [L] a lesion first holds the detection threshold
    lesion_detection_time: np.ndarray  # [L] first imaging that sees it
    draw_times: np.ndarray  # [D] draws in follow-up
    ctc_expected: np.ndarray  # [D, C] mean CTCs per draw
    ctc_count: np.ndarray  # [D, C] int64 CTCs counted
    macrometastases: np.ndarray  # [O] int64 switched lesions per organ at follow_up_time
    metastatic_cells: np.ndarray  # [O] cells in lesions per organ at follow_up_time

    @property
    def first_metastasis_time(self) -> float:
        """First imaging that sees a lesion (NaN if none)."""
        seen = self.lesion_detection_time[~np.isnan(self.lesion_detection_time)]
        return float(seen.min()) if seen.size else np.nan

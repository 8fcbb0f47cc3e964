"""What a cohort shows at a glance (MODEL.md §5): where metastases are, when imaging sees them, and
how many cells each step of the cascade loses. Each readout is one DuckDB query over a cohort's
tables, so it runs chunk by chunk on a run directory.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .ledger import LEDGER_COLUMNS, step_efficiencies

Query = Callable[[str], pd.DataFrame]


def organ_pattern(query: Query, num_patients: int) -> pd.DataFrame:
    """Per organ (index, most involved first): ``involved``, the share of patients with a
    macrometastasis there at the end of follow-up (death, or the last observation), and
    ``involved_at_autopsy``, the same share among the patients who died (the autopsy view,
    comparable with diSibio 2008's organ involvement); ``autopsies``: patients who died."""
    frame = query(
        f"""select organ,
                   sum(involved::int)::double / {num_patients} as involved,
                   sum((involved and not censored)::int)::double
                       / nullif(sum((not censored)::int), 0) as involved_at_autopsy,
                   sum((not censored)::int) as autopsies
            from autopsy group by organ order by involved desc, organ"""
    )
    return frame.set_index("organ")


def detection_by_time(query: Query, num_patients: int) -> pd.DataFrame:
    """Per imaging time (index, days): the share of patients whose primary (``primary_seen``) and
    whose metastases (``metastasis_seen``) imaging has seen by then, and who died by then (``dead``)."""
    return query(
        f"""with times as (select distinct detection_time as time from detections
                           where detection_time is not null
                           union select distinct diagnosis_time from patients where diagnosis_time is not null)
            select t.time,
                   count(*) filter (where p.diagnosis_time <= t.time)::double / {num_patients} as primary_seen,
                   count(*) filter (where p.first_metastasis_time <= t.time)::double / {num_patients}
                       as metastasis_seen,
                   count(*) filter (where p.death_time <= t.time)::double / {num_patients} as dead
            from times t cross join patients p group by t.time order by t.time"""
    ).set_index("time")


def cohort_step_efficiencies(query: Query) -> pd.DataFrame:
    """``Results.step_efficiencies`` over every patient of the cohort (ledgers summed)."""
    keys = ", ".join(column for column in LEDGER_COLUMNS if column != "count")
    ledger = query(f"select {keys}, sum(count) as count from ledger group by {keys}")
    return step_efficiencies(ledger)

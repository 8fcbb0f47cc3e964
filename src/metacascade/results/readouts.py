"""What a cohort shows at a glance (MODEL.md §5): founders in each state, where metastases are, when
imaging sees them, and how many cells each step of the cascade loses. Each readout is one DuckDB
query over a cohort's tables, so it runs chunk by chunk on a run directory; the founder states come
from ``observations`` at full detail and from ``chunk_ledger`` and ``lesions`` at summary detail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .ledger import DEATH_FLOWS, LEDGER_COLUMNS, STEP_STATES, step_efficiencies
from .tables import STATES

Query = Callable[[str], pd.DataFrame]
#: The column of ``ledger_states`` for each alive state: its own, or its step's for the growing
#: size classes, which the ledger holds as one step (``micrometastasis``).
_COLUMN_OF: dict[str, str] = {
    state: state if len(held) == 1 else step for step, held in STEP_STATES.items() for state in held
}
#: The columns of ``ledger_states``: ``STATES`` in order, the growing size classes as one.
LEDGER_STATES: tuple[str, ...] = tuple(dict.fromkeys(_COLUMN_OF.get(state, state) for state in STATES))


def observed_states(query: Query, num_patients: int) -> pd.DataFrame:
    """Per observation time (index): the mean number of founders per patient in each state
    (columns ``STATES``, summed over clones and organs), from ``observations`` (full detail)."""
    states = query(
        f"select time, state, sum(count)::double / {num_patients} as mean from observations group by time, state"
    )
    wide = states.pivot(index="time", columns="state", values="mean").reindex(columns=list(STATES))
    return wide.fillna(0.0).sort_index()


def ledger_states(query: Query, num_patients: int, times: Sequence[float]) -> pd.DataFrame:
    """``observed_states`` from ``chunk_ledger`` (summary detail), at ``times`` (the observation
    times): each step's ``remaining`` at the window's end, and each terminal fate summed over the
    windows so far (``DEATH_FLOWS``); columns ``LEDGER_STATES`` (the growing size classes as one)."""
    flows = query(
        f"""select window_end as time, step, flow, sum(count)::double / {num_patients} as mean
            from chunk_ledger where direction = 'out' group by all"""
    )
    wide = flows.pivot_table(index="time", columns=["step", "flow"], values="mean", aggfunc="sum")
    wide = wide.reindex(list(times)).fillna(0.0)

    def flow(step: str, name: str) -> pd.Series:
        return wide.get((step, name), pd.Series(0.0, index=wide.index))

    columns = {_COLUMN_OF[held[0]]: flow(step, "remaining") for step, held in STEP_STATES.items()}
    columns.update({fate: flow(step, name).cumsum() for (step, name), fate in DEATH_FLOWS.items()})
    states = pd.DataFrame(columns, index=wide.index)[list(LEDGER_STATES)]
    states.index.name, states.columns.name = "time", None
    return states


def observed_macromet_share(query: Query, num_patients: int) -> pd.Series:
    """Per observation time: the share of patients with at least one macrometastasis, from
    ``observations`` (full detail)."""
    return query(
        f"""select time, count(*) filter (where macromets > 0)::double / {num_patients} as with_macromet
            from (select patient, time, sum(count) filter (where state = 'macromet') as macromets
                  from observations group by patient, time)
            group by time"""
    ).set_index("time")["with_macromet"]


def lesion_macromet_share(query: Query, num_patients: int, times: Sequence[float]) -> pd.Series:
    """``observed_macromet_share`` from ``lesions`` (either detail), at ``times``: a patient has a
    macrometastasis from the first angiogenic switch of one of its lesions on (macrometastases stay)."""
    values = ", ".join(f"({float(time)!r}::double)" for time in times)
    return query(
        f"""select t.time, count(distinct l.patient)::double / {num_patients} as with_macromet
            from (values {values}) t(time) left join lesions l on l.switch_time <= t.time
            group by t.time"""
    ).set_index("time")["with_macromet"]


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


def cohort_step_efficiencies(query: Query, table: str) -> pd.DataFrame:
    """``Results.step_efficiencies`` over every patient of the cohort: the ledger ``table``
    (``ledger`` of each patient, or ``chunk_ledger`` of each chunk) summed."""
    keys = ", ".join(column for column in LEDGER_COLUMNS if column != "count")
    ledger = query(f"select {keys}, sum(count) as count from {table} group by {keys}")
    return step_efficiencies(ledger)

"""``Cohort``: the tables of many virtual patients, in memory or in a run directory of Parquet chunks.

The tables of ``Results`` with a leading ``patient`` column (int64, 0 .. num_patients - 1),
patients in order; lesion ids count per patient. Patient ``i`` ran on the random stream
``numpy.random.SeedSequence(random_seed, spawn_key=(i,))``, whatever the number of patients or the
chunk size: ``cohort.patient(i)`` is exactly ``simulate(scenario, random_seed=seed, patient=i)``,
and ``replay(cohort.patient(i))`` runs that patient again on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import catalogue, readouts
from .chunks import (
    CATALOGUE_FILE,
    chunk_files,
    chunk_path,
    is_cohort,
    missing_chunks,
    num_chunks,
    read_provenance,
    read_table,
)
from .invariants import check_tables
from .io import PathLike
from .provenance import ProvenanceLabels, patient_provenance, replayable
from .results import TABLES, Results
from .summary import compact_table
from .tables import STATES

PATIENT = "patient"
#: The columns of ``Cohort.print_summary``: groups of ``summary()`` columns.
HEADLINE_GROUPS: dict[str, tuple[str, ...]] = {
    "entered": ("entered",),
    "dormant": ("solitary_dormant",),
    "micromets": ("dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus"),
    "at_bound": ("dormant_micromet",),
    "macromets": ("macromet",),
    "dead": ("dead_in_transit", "dead_in_vessel", "dead_apoptosis", "dead_dormant", "extinct", "cleared",
             "regressed"),
}


class Cohort(ProvenanceLabels):
    """What a cohort run reports: ``observations``, ``burden``, ``ledger``, ``lesions`` and the
    clinical ``patients``, ``detections``, ``ctc``, ``autopsy`` (as in ``Results``, with a leading
    ``patient`` column) and a provenance record (version, engine,
    resolved scenario, ``random_seed``, ``num_patients``, ``chunk_size``, call).

    A cohort read from a run directory (``load_cohort``, or ``simulate(..., out=DIR)``) loads a
    table only when it is first used; ``query``, ``summary``, ``check`` and ``patient`` work
    chunk by chunk or through DuckDB and never hold the whole cohort in memory.
    """

    def __init__(
        self,
        *,
        provenance: Mapping[str, Any],
        tables: Mapping[str, pd.DataFrame] | None = None,
        directory: PathLike | None = None,
    ):
        if (tables is None) == (directory is None):
            raise ValueError("a Cohort needs either its tables or its run directory")
        self.provenance = dict(provenance)
        self.directory = None if directory is None else Path(directory)
        self._tables: dict[str, pd.DataFrame] = dict(tables or {})

    # -- tables -------------------------------------------------------------------------------

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = read_table(chunk_files(self.directory, name))
        return self._tables[name]

    @property
    def observations(self) -> pd.DataFrame:
        return self._table("observations")

    @property
    def burden(self) -> pd.DataFrame:
        return self._table("burden")

    @property
    def ledger(self) -> pd.DataFrame:
        return self._table("ledger")

    @property
    def lesions(self) -> pd.DataFrame:
        return self._table("lesions")

    @property
    def patients(self) -> pd.DataFrame:
        return self._table("patients")

    @property
    def detections(self) -> pd.DataFrame:
        return self._table("detections")

    @property
    def ctc(self) -> pd.DataFrame:
        return self._table("ctc")

    @property
    def autopsy(self) -> pd.DataFrame:
        return self._table("autopsy")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (read from the run directory if not yet in memory)."""
        return {name: self._table(name) for name in TABLES}

    def chunks(self) -> Iterator[dict[str, pd.DataFrame]]:
        """The tables chunk by chunk (one chunk: everything, for a cohort held in memory)."""
        if self.directory is None:
            yield self.tables()
            return
        for chunk in range(num_chunks(self.num_patients, self.chunk_size)):
            yield {name: read_table([chunk_path(self.directory, name, chunk)]) for name in TABLES}

    # -- labels -------------------------------------------------------------------------------

    @property
    def num_patients(self) -> int:
        return int(self.provenance["num_patients"])

    @property
    def chunk_size(self) -> int:
        return int(self.provenance["chunk_size"])

    @property
    def catalogue(self) -> Path | None:
        """The DuckDB catalogue file of a cohort written to a directory."""
        return None if self.directory is None else self.directory / CATALOGUE_FILE

    # -- one patient ---------------------------------------------------------------------------

    def patient(self, index: int) -> Results:
        """Patient ``index`` as ``Results`` (its provenance replays it on its own)."""
        if not 0 <= index < self.num_patients:
            raise IndexError(f"patient: {index} is not in 0 .. {self.num_patients - 1}")
        chunk = index // self.chunk_size
        source = {
            name: self._tables[name] if name in self._tables else read_table([chunk_path(self.directory, name, chunk)])
            for name in TABLES
        }  # a table not in memory is read from the patient's chunk only
        tables = {
            name: frame[frame[PATIENT] == index].drop(columns=PATIENT).reset_index(drop=True)
            for name, frame in source.items()
        }
        return Results(**tables, provenance=patient_provenance(self.provenance, index))

    # -- views --------------------------------------------------------------------------------

    def query(self, sql: str) -> pd.DataFrame:
        """Run DuckDB ``sql`` over the tables of ``TABLES`` (``observations``, ..., ``autopsy``)
        (the catalogue's views over the Parquet chunks, or the frames of an in-memory cohort)."""
        if self.directory is not None:
            return catalogue.query(sql, directory=self.directory)
        return catalogue.query(sql, tables=self.tables())

    def summary(self) -> pd.DataFrame:
        """Per observation time (index): the mean number of founders per patient that ``entered``
        the circulation and in each state (columns of ``STATES``, summed over clones and organs),
        and ``with_macromet``, the share of patients with at least one macrometastasis."""
        n = self.num_patients
        states = self.query(
            f"select time, state, sum(count)::double / {n} as mean from observations group by time, state"
        )
        wide = states.pivot(index="time", columns="state", values="mean").reindex(columns=list(STATES))
        wide = wide.fillna(0.0).sort_index()
        wide.insert(0, "entered", wide.sum(axis=1))
        macro = self.query(
            f"""select time, count(*) filter (where macromets > 0)::double / {n} as with_macromet
                from (select patient, time, sum(count) filter (where state = 'macromet') as macromets
                      from observations group by patient, time)
                group by time"""
        ).set_index("time")["with_macromet"]
        wide["with_macromet"] = macro.reindex(wide.index).fillna(0.0)
        wide.index.name, wide.columns.name = "time", None
        return wide

    def organ_pattern(self) -> pd.DataFrame:
        """Share of patients with a macrometastasis in each organ, at the end of follow-up and at
        autopsy (``readouts.organ_pattern``; empty without an observation plan)."""
        return readouts.organ_pattern(self.query, self.num_patients)

    def detection_by_time(self) -> pd.DataFrame:
        """Share of patients whose primary and metastases imaging has seen, and who died, by each
        imaging time (``readouts.detection_by_time``; empty without an observation plan)."""
        return readouts.detection_by_time(self.query, self.num_patients)

    def step_efficiencies(self) -> pd.DataFrame:
        """``Results.step_efficiencies`` of the whole cohort (every patient's ledger summed)."""
        return readouts.cohort_step_efficiencies(self.query)

    def print_summary(self, *, console: Any = None) -> None:
        """Print the headline of ``summary()`` by observation day (founders per patient in a few
        groups of states, and the share of patients with a macrometastasis), then the organ
        pattern, detection by imaging time and the cohort's step efficiencies."""
        from rich.console import Console

        console = console or Console()
        summary = self.summary()
        headline = pd.DataFrame({
            label: summary[list(states)].sum(axis=1) for label, states in HEADLINE_GROUPS.items()
        }, index=summary.index)
        headline["patients"] = summary["with_macromet"]
        headline.index = pd.Index(np.round(summary.index.to_numpy(), 1), name="day")
        console.print(_frame_table(
            headline,
            f"{self.scenario_name}: {self.num_patients} patients, seed {self.random_seed}, {self.engine} engine. "
            "Founders per patient (mean, all organs; at bound: dormant micrometastases); patients: the "
            "share of patients with a macromet",
            percent=("patients",),
        ))
        pattern = self.organ_pattern()
        if not pattern.empty:
            console.print(_frame_table(
                pattern[pattern["involved"] > 0].head(15), "organs with a macrometastasis (share of patients)",
                percent=("involved", "involved_at_autopsy"),
            ))
            console.print(_frame_table(
                self.detection_by_time(), "seen on imaging, and dead, by day (share of patients)",
                percent=("primary_seen", "metastasis_seen", "dead"),
            ))
        efficiencies = self.step_efficiencies()
        console.print(_frame_table(
            efficiencies[["step", "fate", "count", "entered", "share", "of_entered"]].set_index("step"),
            "step efficiencies, all patients (share: of the cells that entered the step; of entered: of those "
            "that entered the circulation)", percent=("share", "of_entered"),
        ))

    # -- checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise ``ValueError`` unless every patient passes the invariants of ``Results.check``
        (non-negative counts, cells conserved in every observation and ledger row); chunk by chunk."""
        for tables in self.chunks():
            check_tables(**tables, observation_times=self.observation_times, clone_names=self.clone_names,
                         by=(PATIENT,))

    # -- comparison ---------------------------------------------------------------------------

    def equals(self, other: Cohort, *, provenance: bool = True) -> bool:
        """Identical tables (and provenance, creation time aside, when ``provenance``)."""
        same = all(getattr(self, name).equals(getattr(other, name)) for name in TABLES)
        if provenance:
            same = same and replayable(self.provenance) == replayable(other.provenance)
        return same

    def __repr__(self) -> str:
        where = f" in {self.directory}" if self.directory is not None else ""
        return (f"<Cohort {self.scenario_name!r} seed={self.random_seed} engine={self.engine!r}: "
                f"{self.num_patients} patients{where}>")


def load_cohort(directory: PathLike) -> Cohort:
    """The cohort written to ``directory`` by ``simulate(..., out=directory)`` (tables load lazily)."""
    source = Path(directory)
    provenance = read_provenance(source)
    if not is_cohort(provenance):
        raise FileNotFoundError(f"{source} is not a metacascade cohort directory (no cohort provenance.json)")
    missing = missing_chunks(source, provenance)
    if missing:
        total = num_chunks(provenance["num_patients"], provenance["chunk_size"])
        raise FileNotFoundError(
            f"{source} holds an incomplete cohort ({total - len(missing)} of {total} chunks written); "
            "run the same simulation again to complete it"
        )
    return Cohort(provenance=provenance, directory=source)


def _frame_table(frame: pd.DataFrame, title: str, *, percent: tuple[str, ...] = ()) -> Any:
    """A rich table of ``frame`` (index first), the ``percent`` columns as percentages."""
    table = compact_table(title)
    for column in (frame.index.name or "", *frame.columns):
        name = str(column).replace("_", " ")
        table.add_column(name, justify="left" if column == frame.index.name else "right", min_width=len(name))
    for label, row in frame.iterrows():
        cells = [
            "" if pd.isna(value) else f"{100 * value:.3g}%" if column in percent
            else f"{value:.3g}" if isinstance(value, (int, float, np.number)) else str(value)
            for column, value in row.items()
        ]
        table.add_row(f"{label:g}" if isinstance(label, float) else str(label), *cells)
    return table

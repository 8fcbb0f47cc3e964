"""``Cohort``: the tables of many virtual patients, in memory or in a run directory of Parquet chunks.

The tables of its output level (``detail.py``) with a leading ``patient`` column (int64, 0 ..
num_patients - 1), patients in order (``dormant_cells`` and ``chunk_ledger``, summed over the
patients of each chunk: a leading ``chunk`` column instead); lesion ids count per patient.
Patient ``i`` ran on the random stream ``numpy.random.SeedSequence(random_seed, spawn_key=(i,))``,
whatever the number of patients or the chunk size: ``simulate(scenario, random_seed=seed,
patient=i)`` runs it again at full detail, and on a full cohort ``cohort.patient(i)`` is exactly
that (``replay(cohort.patient(i))`` too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import database, readouts
from .chunks import chunk_files, chunk_path, missing_chunks, num_chunks, read_table
from .detail import cohort_detail, detail_tables
from .formatting import compact_table
from .invariants import check_tables
from .io import PathLike
from .provenance import ProvenanceLabels, patient_provenance, replayable
from .results import Results
from .rundir import CATALOGUE_FILE, is_cohort, read_provenance

PATIENT = "patient"
#: The columns of ``Cohort.print_summary``: groups of ``summary()`` columns.
HEADLINE_GROUPS: dict[str, tuple[str, ...]] = {
    "entered": ("entered",),
    "dormant": ("solitary_dormant",),
    "micromets": ("dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus", "micrometastasis"),
    "at_bound": ("dormant_micromet",),
    "macromets": ("macromet",),
    "dead": ("dead_in_transit", "dead_in_vessel", "dead_apoptosis", "dead_dormant", "extinct", "cleared",
             "regressed", "resected"),
}


class Cohort(ProvenanceLabels):
    """What a cohort run reports: the tables of its output level ``detail`` (``detail.py``). At
    ``"summary"``: the clinical ``patients``, ``detections``, ``ctc``, ``autopsy``, the ``lesions``
    (without sizes), and summed over each chunk's patients ``dormant_cells`` and ``chunk_ledger``;
    at ``"full"``: the tables of ``Results`` (``observations``, ``burden``, ``ledger``, ``lesions``
    and the clinical ones) with a leading ``patient`` column. A table the level does not keep is an
    ``AttributeError``. And a provenance record (version, engine, resolved scenario,
    ``random_seed``, ``num_patients``, ``chunk_size``, ``detail``, call).

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
        if name not in self.table_names:
            raise AttributeError(
                f"{name}: a cohort at detail={self.detail!r} keeps {', '.join(self.table_names)}; run it with "
                "detail='full' for every table of each patient, or one patient again with "
                "simulate(scenario, random_seed=seed, patient=i)"
            )
        if name not in self._tables:
            self._tables[name] = read_table(chunk_files(self.directory, name, self.provenance))
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

    @property
    def dormant_cells(self) -> pd.DataFrame:
        return self._table("dormant_cells")

    @property
    def chunk_ledger(self) -> pd.DataFrame:
        return self._table("chunk_ledger")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name (read from the run directory if not yet in memory)."""
        return {name: self._table(name) for name in self.table_names}

    def chunks(self) -> Iterator[dict[str, pd.DataFrame]]:
        """The tables chunk by chunk (one chunk: everything, for a cohort held in memory)."""
        if self.directory is None:
            yield self.tables()
            return
        for chunk in range(num_chunks(self.num_patients, self.chunk_size)):
            yield {name: read_table([chunk_path(self.directory, name, chunk)]) for name in self.table_names}

    # -- labels -------------------------------------------------------------------------------

    @property
    def num_patients(self) -> int:
        return int(self.provenance["num_patients"])

    @property
    def chunk_size(self) -> int:
        return int(self.provenance["chunk_size"])

    @property
    def detail(self) -> str:
        """The output level: ``"summary"`` or ``"full"`` (``detail.py``)."""
        return cohort_detail(self.provenance)

    @property
    def table_names(self) -> tuple[str, ...]:
        """The tables of this cohort's output level."""
        return detail_tables(self.detail)

    @property
    def catalogue(self) -> Path | None:
        """The DuckDB catalogue file of a cohort written to a directory."""
        return None if self.directory is None else self.directory / CATALOGUE_FILE

    # -- one patient ---------------------------------------------------------------------------

    def patient(self, index: int) -> Results:
        """Patient ``index`` of a full cohort as ``Results`` (its provenance replays it on its own);
        a ``ValueError`` on a summary cohort, which keeps no per-patient states: ``simulate(scenario,
        random_seed=seed, patient=index)`` runs the patient again, exactly."""
        if not 0 <= index < self.num_patients:
            raise IndexError(f"patient: {index} is not in 0 .. {self.num_patients - 1}")
        if self.detail != "full":
            raise ValueError(
                f"patient: a cohort at detail={self.detail!r} keeps no per-patient observations, burden or ledger; "
                f"run patient {index} again at full detail (exactly the same patient) with "
                f"metacascade.simulate(scenario, random_seed={self.random_seed}, engine={self.engine!r}, "
                f"patient={index})"
            )
        chunk = index // self.chunk_size
        source = {
            name: self._tables[name] if name in self._tables else read_table([chunk_path(self.directory, name, chunk)])
            for name in self.table_names
        }  # a table not in memory is read from the patient's chunk only
        tables = {
            name: frame[frame[PATIENT] == index].drop(columns=PATIENT).reset_index(drop=True)
            for name, frame in source.items()
        }
        return Results(**tables, provenance=patient_provenance(self.provenance, index))

    # -- views --------------------------------------------------------------------------------

    def query(self, sql: str) -> pd.DataFrame:
        """Run DuckDB ``sql`` over the tables of the cohort's level (``table_names``): the
        catalogue's views over the Parquet chunks, or the frames of an in-memory cohort."""
        if self.directory is not None:
            return database.query(sql, self.provenance, directory=self.directory)
        return database.query(sql, self.provenance, tables=self.tables())

    def summary(self) -> pd.DataFrame:
        """Per observation time (index): the mean number of founders per patient that ``entered``
        the circulation and in each state (summed over clones and organs: columns ``STATES`` at
        full detail, ``readouts.LEDGER_STATES`` at summary detail, where the growing size classes
        are one column, ``micrometastasis``), and ``with_macromet``, the share of patients with at
        least one macrometastasis."""
        n = self.num_patients
        if self.detail == "full":
            wide = readouts.observed_states(self.query, n)
            macro = readouts.observed_macromet_share(self.query, n)
        else:
            wide = readouts.ledger_states(self.query, n, self.observation_times)
            macro = readouts.lesion_macromet_share(self.query, n, self.observation_times)
        wide.insert(0, "entered", wide.sum(axis=1))
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
        """``Results.step_efficiencies`` of the whole cohort (every patient's ledger summed, from
        ``ledger`` or ``chunk_ledger``: the same at either level)."""
        return readouts.cohort_step_efficiencies(self.query, "ledger" if self.detail == "full" else "chunk_ledger")

    def print_summary(self, *, console: Any = None) -> None:
        """Print the headline of ``summary()`` by observation day (founders per patient in a few
        groups of states, and the share of patients with a macrometastasis), then the organ
        pattern, detection by imaging time and the cohort's step efficiencies."""
        from rich.console import Console

        console = console or Console()
        summary = self.summary()
        headline = pd.DataFrame({
            label: summary.reindex(columns=list(states), fill_value=0.0).sum(axis=1)
            for label, states in HEADLINE_GROUPS.items()
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
        """Raise ``ValueError`` unless the tables of the cohort's level pass their invariants, chunk
        by chunk (``invariants.check_tables``): at full detail every patient passes those of
        ``Results.check`` (non-negative counts, cells conserved in every observation and ledger row);
        at summary detail counts are non-negative, every row of the chunk ledger conserves cells and
        ``dormant_cells`` are its solitary and dormant founders; at both, the clinical tables are
        consistent."""
        for tables in self.chunks():
            check_tables(tables, observation_times=self.observation_times, clone_names=self.clone_names,
                         by=(PATIENT,))

    # -- comparison ---------------------------------------------------------------------------

    def equals(self, other: Cohort, *, provenance: bool = True) -> bool:
        """Identical tables (and provenance, creation time aside, when ``provenance``)."""
        same = self.table_names == other.table_names and all(
            getattr(self, name).equals(getattr(other, name)) for name in self.table_names
        )
        if provenance:
            same = same and replayable(self.provenance) == replayable(other.provenance)
        return same

    def __repr__(self) -> str:
        where = f" in {self.directory}" if self.directory is not None else ""
        return (f"<Cohort {self.scenario_name!r} seed={self.random_seed} engine={self.engine!r}: "
                f"{self.num_patients} patients{where}>")


def load_cohort(directory: PathLike) -> Cohort:
    """The cohort written to ``directory`` by ``simulate(..., out=directory)`` (tables load lazily);
    a ``rundir.ProvenanceError`` if its provenance is damaged."""
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

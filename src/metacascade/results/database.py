"""The DuckDB catalogue of a cohort: one view per table over its Parquet chunks (imported lazily).

``DIR/catalogue.duckdb`` holds one view per table of the cohort's output level (``detail.py``:
``patients``, ``lesions``, ``detections``, ``ctc``, ``autopsy`` and ``dormant_cells``,
``chunk_ledger`` (rows per chunk, not per patient) or ``observations``, ``burden``, ``ledger``),
each ``select * from read_parquet(['DIR/<table>/chunk-00000.parquet', ...])`` listing the cohort's
chunk files by their absolute paths (DuckDB globs even listed paths: their ``*``, ``?`` and ``[``
are escaped, so a directory named ``g[1]`` reads its own chunks, not those of ``g1``), and a
one-row table ``provenance`` (``PROVENANCE_COLUMNS``; ``random_seed`` as text: a seed may not fit
64 bits, and runs of earlier versions drew 128-bit ones). ``query`` makes the same tables in
memory, for a cohort or for the tables of one run. Open the file with the DuckDB command-line
tool or module::

    duckdb runs/cohort/catalogue.duckdb "select organ, count(*) from lesions group by organ"

The views name absolute paths: after moving a run directory, ``write_catalogue`` rebuilds them
(``load_cohort(...).query(...)`` does not need the file: it makes the same views in memory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..files import write_atomic
from .chunks import chunk_files
from .detail import cohort_detail, detail_tables
from .rundir import CATALOGUE_FILE

#: Characters that make a DuckDB path a glob pattern.
GLOB_CHARACTERS = re.compile(r"([*?\[])")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_list(paths: Iterable[Path]) -> str:
    """A DuckDB list literal naming exactly the files ``paths`` (each glob character in brackets)."""
    return "[" + ", ".join(_literal(GLOB_CHARACTERS.sub(r"[\1]", str(path))) for path in paths) + "]"


#: The columns of the one-row ``provenance`` table (``record``: the whole provenance as JSON).
PROVENANCE_COLUMNS: tuple[str, ...] = ("scenario", "random_seed", "num_patients", "chunk_size", "detail", "engine",
                                       "version", "created", "record")


def provenance_row(provenance: Mapping[str, Any]) -> list[Any]:
    """The ``provenance`` table's row of a run (a single run: one patient, no chunks, full detail)."""
    return [provenance["scenario"]["name"], str(provenance["random_seed"]), provenance.get("num_patients", 1),
            provenance.get("chunk_size"), cohort_detail(provenance), provenance["engine"], provenance["version"],
            provenance.get("created", ""), json.dumps(provenance)]


def create_provenance(connection: Any, provenance: Mapping[str, Any]) -> None:
    """The one-row table ``provenance`` on a DuckDB ``connection``."""
    values = ", ".join(f"? as {column}" for column in PROVENANCE_COLUMNS)
    connection.execute(f"create or replace table provenance as select {values}", provenance_row(provenance))


def create_views(connection: Any, directory: Path, provenance: Mapping[str, Any]) -> None:
    """Views of the tables of the cohort ``provenance`` describes, written in ``directory``, on a
    DuckDB ``connection``."""
    root = Path(directory).resolve()
    for name in detail_tables(cohort_detail(provenance)):
        files = file_list(chunk_files(root, name, provenance))
        connection.execute(f"create or replace view {name} as select * from read_parquet({files})")


def register_frames(connection: Any, tables: Mapping[str, pd.DataFrame]) -> None:
    """Views of in-memory cohort tables on a DuckDB ``connection``."""
    for name, frame in tables.items():
        connection.register(name, frame)


def write_catalogue(directory: Path, provenance: Mapping[str, Any]) -> Path:
    """Write ``directory/catalogue.duckdb`` (atomically) over the chunks already there."""
    import duckdb

    target = Path(directory) / CATALOGUE_FILE

    def write(path: Path) -> None:
        connection = duckdb.connect(str(path))
        try:
            create_views(connection, directory, provenance)
            create_provenance(connection, provenance)
        finally:
            connection.close()

    write_atomic(target, write)
    return target


def query(sql: str, provenance: Mapping[str, Any], *, directory: Path | None = None,
          tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Run ``sql`` over the tables of the run ``provenance`` describes (a cohort: views over its
    chunks in ``directory``; a cohort in memory or one run: the frames ``tables``) and its
    ``provenance`` table."""
    import duckdb

    connection = duckdb.connect()
    try:
        if directory is not None:
            create_views(connection, directory, provenance)
        else:
            register_frames(connection, tables or {})
        create_provenance(connection, provenance)
        return connection.execute(sql).df()
    finally:
        connection.close()

"""The DuckDB catalogue of a cohort: one view per table over its Parquet chunks (imported lazily).

``DIR/catalogue.duckdb`` holds one view per table of the cohort's output level (``detail.py``:
``patients``, ``lesions``, ``detections``, ``ctc``, ``autopsy`` and ``dormant_cells``,
``chunk_ledger`` or ``observations``, ``burden``, ``ledger``), each ``select * from
read_parquet('DIR/<table>/chunk-*.parquet')`` with the directory's absolute path, and a one-row
table ``provenance`` (``random_seed`` as text: drawn seeds have 128 bits). Open it with the DuckDB
command-line tool or module::

    duckdb runs/cohort/catalogue.duckdb "select organ, count(*) from lesions group by organ"

The views name absolute paths: after moving a run directory, ``write_catalogue`` rebuilds them
(``load_cohort(...).query(...)`` does not need the file: it makes the same views in memory).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .chunks import CATALOGUE_FILE, CHUNK_PATTERN, _atomic_write
from .detail import cohort_detail, detail_tables


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_views(connection: Any, directory: Path, tables: Iterable[str]) -> None:
    """Views of the cohort ``tables`` in ``directory`` on a DuckDB ``connection``."""
    root = Path(directory).resolve()
    for name in tables:
        glob = _literal(str(root / name / CHUNK_PATTERN))
        connection.execute(f"create or replace view {name} as select * from read_parquet({glob})")


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
            detail = cohort_detail(provenance)
            create_views(connection, directory, detail_tables(detail))
            connection.execute(
                "create table provenance as select ? as scenario, ? as random_seed, ? as num_patients, "
                "? as chunk_size, ? as detail, ? as engine, ? as version, ? as created, ? as record",
                [provenance["scenario"]["name"], str(provenance["random_seed"]), provenance["num_patients"],
                 provenance["chunk_size"], detail, provenance["engine"], provenance["version"],
                 provenance.get("created", ""), json.dumps(provenance)],
            )
        finally:
            connection.close()

    _atomic_write(target, write)
    return target


def query(sql: str, *, directory: Path | None = None, names: Iterable[str] = (),
          tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Run ``sql`` over a cohort's tables: views over the chunks of the tables ``names`` in
    ``directory``, or the frames ``tables``."""
    import duckdb

    connection = duckdb.connect()
    try:
        if directory is not None:
            create_views(connection, directory, names)
        else:
            register_frames(connection, tables or {})
        return connection.execute(sql).df()
    finally:
        connection.close()

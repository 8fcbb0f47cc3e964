"""The DuckDB catalogue of a cohort: one view per table over its Parquet chunks (imported lazily).

``DIR/catalogue.duckdb`` holds the views ``observations``, ``burden``, ``ledger``, ``lesions``,
``patients``, ``detections``, ``ctc`` and ``autopsy`` (each ``select * from
read_parquet('DIR/<table>/chunk-*.parquet')``, with the directory's absolute path) and a one-row table ``provenance`` (``random_seed`` as text: drawn seeds have 128 bits). Open it with the DuckDB command-line tool or module::

    duckdb runs/cohort/catalogue.duckdb "select organ, count(*) from lesions group by organ"

The views name absolute paths: after moving a run directory, ``write_catalogue`` rebuilds them
(``load_cohort(...).query(...)`` does not need the file: it makes the same views in memory).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .chunks import CATALOGUE_FILE, CHUNK_PATTERN, _atomic_write
from .results import TABLES


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_views(connection: Any, directory: Path) -> None:
    """Views of the cohort tables in ``directory`` on a DuckDB ``connection``."""
    root = Path(directory).resolve()
    for name in TABLES:
        glob = _literal(str(root / name / CHUNK_PATTERN))
        connection.execute(f"create or replace view {name} as select * from read_parquet({glob})")


def register_frames(connection: Any, tables: Mapping[str, pd.DataFrame]) -> None:
    """Views of in-memory cohort tables on a DuckDB ``connection``."""
    for name in TABLES:
        connection.register(name, tables[name])


def write_catalogue(directory: Path, provenance: Mapping[str, Any]) -> Path:
    """Write ``directory/catalogue.duckdb`` (atomically) over the chunks already there."""
    import duckdb

    target = Path(directory) / CATALOGUE_FILE

    def write(path: Path) -> None:
        connection = duckdb.connect(str(path))
        try:
            create_views(connection, directory)
            connection.execute(
                "create table provenance as select ? as scenario, ? as random_seed, ? as num_patients, "
                "? as chunk_size, ? as engine, ? as version, ? as created, ? as record",
                [provenance["scenario"]["name"], str(provenance["random_seed"]), provenance["num_patients"],
                 provenance["chunk_size"], provenance["engine"], provenance["version"],
                 provenance.get("created", ""), json.dumps(provenance)],
            )
        finally:
            connection.close()

    _atomic_write(target, write)
    return target


def query(sql: str, *, directory: Path | None = None, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Run ``sql`` over a cohort's tables (views over the chunks of ``directory``, or ``tables``)."""
    import duckdb

    connection = duckdb.connect()
    try:
        if directory is not None:
            create_views(connection, directory)
        else:
            register_frames(connection, tables or {})
        return connection.execute(sql).df()
    finally:
        connection.close()

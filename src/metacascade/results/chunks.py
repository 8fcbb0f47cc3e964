"""A cohort run directory: provenance first, then the tables in chunks of patients, then a catalogue.

::

    DIR/provenance.json                    written first (atomically); says what the run is
    DIR/patients/chunk-00000.parquet       patients 0 .. chunk_size - 1, then chunk-00001, ...
    DIR/lesions/, detections/, ctc/, autopsy/   (the clinical tables are empty without an observation plan)
    DIR/dormant_cells/, chunk_ledger/      at detail "summary" (the default)
    DIR/observations/, burden/, ledger/    at detail "full" (instead of dormant_cells and chunk_ledger)
    DIR/catalogue.duckdb                   written last: one DuckDB view per table over its chunks

The tables of each level are in ``detail.py``. Every file is written to a hidden temporary name
beside its target and renamed into place, so a file that exists is complete. A chunk is done when
all its table files exist; an interrupted run leaves whole chunks behind, and the same call again
writes only the missing ones. Chunk files have a fixed Arrow schema per table, so the chunks of a
table always read as one; they are compressed with zstd (and dictionary-encoded) and carry no
pandas metadata (the frames read back the same without it).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .detail import cohort_detail, detail_tables
from .io import PROVENANCE_FILE, _fsync

CATALOGUE_FILE = "catalogue.duckdb"
CHUNK_PATTERN = "chunk-*.parquet"
TEMPORARY_SUFFIX = ".tmp"
#: Provenance keys that must agree for a directory to be resumed.
RESUME_KEYS: tuple[str, ...] = ("version", "engine", "random_seed", "num_patients", "chunk_size", "detail",
                                 "scenario")
#: Parquet options of chunk files: small, and read by pyarrow and DuckDB alike.
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd"}


def num_chunks(num_patients: int, chunk_size: int) -> int:
    return -(-num_patients // chunk_size)


def chunk_patients(chunk: int, num_patients: int, chunk_size: int) -> range:
    """The patients of chunk ``chunk``."""
    return range(chunk * chunk_size, min((chunk + 1) * chunk_size, num_patients))


def chunk_path(directory: Path, table: str, chunk: int) -> Path:
    return Path(directory) / table / f"chunk-{chunk:05d}.parquet"


def _atomic_write(path: Path, write: Any) -> None:
    """``write(temporary_path)``, then rename the temporary file to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}"
    try:
        write(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json_atomic(data: Mapping[str, Any], path: Path) -> None:
    _atomic_write(path, lambda target: target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8"))


def arrow_table(frame: pd.DataFrame) -> Any:
    """``frame`` as an Arrow table with a fixed type per column (int64, float64, string), so that
    an empty chunk has the same schema as a full one (and no pandas metadata)."""
    import pyarrow as pa

    def arrow_type(dtype: Any) -> Any:
        if pd.api.types.is_integer_dtype(dtype):
            return pa.int64()
        if pd.api.types.is_float_dtype(dtype):
            return pa.float64()
        if pd.api.types.is_bool_dtype(dtype):
            return pa.bool_()
        return pa.string()

    schema = pa.schema([(name, arrow_type(dtype)) for name, dtype in frame.dtypes.items()])
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)


def write_chunk(directory: Path, chunk: int, tables: Mapping[str, pd.DataFrame]) -> None:
    """The tables of one chunk, in order, each file atomically (the chunk is done when all exist)."""
    import pyarrow.parquet as pq

    for name, frame in tables.items():
        table = arrow_table(frame)
        _atomic_write(chunk_path(directory, name, chunk),
                      lambda target, table=table: pq.write_table(table, target, **PARQUET_OPTIONS))


def chunk_done(directory: Path, chunk: int, tables: Iterable[str]) -> bool:
    """All files of chunk ``chunk`` of ``tables`` exist."""
    return all(chunk_path(directory, name, chunk).is_file() for name in tables)


def chunk_files(directory: Path, table: str) -> list[Path]:
    """The chunk files of ``table``, in patient order."""
    return sorted((Path(directory) / table).glob(CHUNK_PATTERN))


def remove_temporaries(directory: Path) -> None:
    """Delete what an interrupted run left half-written (hidden ``*.tmp`` files)."""
    for folder in [Path(directory), *(path for path in Path(directory).iterdir() if path.is_dir())]:
        for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
            path.unlink(missing_ok=True)


def read_provenance(directory: Path) -> dict[str, Any] | None:
    """The provenance of a run directory, ``None`` if it has none."""
    path = Path(directory) / PROVENANCE_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def is_cohort(provenance: Mapping[str, Any] | None) -> bool:
    return provenance is not None and "num_patients" in provenance


def mismatches(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """What differs between an existing cohort's provenance and the run asked for (``RESUME_KEYS``)."""
    different = []
    for key in RESUME_KEYS:
        there, here = existing.get(key), wanted.get(key)
        if there != here:
            if key == "scenario":
                different.append(f"scenario: {_scenario_difference(there or {}, here or {})}")
            else:
                different.append(f"{key}: {there!r} there, {here!r} asked")
    return different


def _scenario_difference(there: Mapping[str, Any], here: Mapping[str, Any]) -> str:
    keys = [key for key in dict.fromkeys([*there, *here]) if there.get(key) != here.get(key)]
    return f"the resolved scenarios differ in {', '.join(keys)}"


def missing_chunks(directory: Path, provenance: Mapping[str, Any]) -> list[int]:
    """Chunks of the cohort described by ``provenance`` that are not (completely) written yet."""
    total = num_chunks(provenance["num_patients"], provenance["chunk_size"])
    tables = detail_tables(cohort_detail(provenance))
    return [chunk for chunk in range(total) if not chunk_done(directory, chunk, tables)]


def read_table(paths: Iterable[Path]) -> pd.DataFrame:
    """The chunks in ``paths`` as one frame (in order, index reset)."""
    frames = [pd.read_parquet(path, engine="pyarrow") for path in paths]
    return concat(frames)


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of one table (same columns and dtypes) as one, skipping empty ones unless all are."""
    if not frames:
        raise ValueError("no frames to concatenate")
    full = [frame for frame in frames if len(frame)]
    if len(full) <= 1:
        return (full or frames)[0].reset_index(drop=True)
    return pd.concat(full, ignore_index=True)

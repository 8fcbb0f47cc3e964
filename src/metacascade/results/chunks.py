"""A cohort run directory: provenance first, then the tables in chunks of patients, then a catalogue.

::

    DIR/provenance.json                    written first (atomically); says what the run is
    DIR/patients/chunk-00000.parquet       patients 0 .. chunk_size - 1, then chunk-00001, ...
    DIR/lesions/, detections/, ctc/, autopsy/   (the clinical tables are empty without an observation plan)
    DIR/dormant_cells/, chunk_ledger/      at detail "summary" (the default; summed over each chunk's patients)
    DIR/observations/, burden/, ledger/    at detail "full" (instead of dormant_cells and chunk_ledger)
    DIR/catalogue.duckdb                   written last: one DuckDB view per table over its chunks

The tables of each level are in ``detail.py``; what else may be there (the lock of the process
writing it, temporary files) in ``rundir.py``. Every file is written to a hidden temporary name
beside its target and renamed into place, so a file that exists is complete. A chunk is done when
all its table files exist; an interrupted run leaves whole chunks behind, and the same call again
writes only the missing ones. Chunk files have a fixed Arrow schema per table, so the chunks of a
table always read as one; they are compressed with zstd, their strings dictionary-encoded
(``parquet_options``), and carry no pandas metadata or Arrow schema (the frames read back the same
without them), but the run's identity: each file's
Parquet key-value metadata ``metacascade`` holds, as JSON, the run's ``RESUME_KEYS`` (the resolved
scenario as its SHA-256), the chunk and the table. A resumed run checks every chunk file's footer:
one that does not read as Parquet (truncated, empty) is written again, one that records another
run is a ``ForeignChunk`` error naming it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ForeignChunk
from ..files import TEMPORARY_SUFFIX, write_atomic, write_text_atomic
from .detail import cohort_detail, detail_tables

#: Provenance keys that must agree for a directory to be resumed.
RESUME_KEYS: tuple[str, ...] = ("version", "engine", "random_seed", "num_patients", "chunk_size", "detail",
                                 "scenario")
#: Parquet options of chunk files: small, and read by pyarrow and DuckDB alike (``parquet_options``).
#: zstd at level 3, not pyarrow's 1: ~13% smaller summary chunks at no cost in time; higher levels
#: cost more time than the simulation at full detail (level 15: another ~6% off summary chunks, but
#: ~10 s per chunk of 100 full patients). No Arrow schema (~0.09 kB per summary patient, most of it
#: the run's identity a second time): the Parquet types read back the same (int64, float32, float64,
#: bool, string).
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 3, "store_schema": False}
#: The key columns of chunk files: the only ones with column statistics (min and max, which let
#: DuckDB skip the chunks a ``where patient = ...`` cannot match; those of other columns would cost
#: ~30 bytes per summary patient in file footers, and every chunk holds all times and organs).
KEY_COLUMNS: tuple[str, ...] = ("patient", "chunk")
#: Integer columns of chunk files that count up row by row (a patient's number, a lesion's within
#: it): delta-encoded, nearly free.
COUNTING_COLUMNS: tuple[str, ...] = ("patient", "lesion")
#: The Parquet key-value metadata key of a chunk file's run identity.
IDENTITY_KEY = b"metacascade"



def num_chunks(num_patients: int, chunk_size: int) -> int:
    return -(-num_patients // chunk_size)


def chunk_patients(chunk: int, num_patients: int, chunk_size: int) -> range:
    """The patients of chunk ``chunk``."""
    return range(chunk * chunk_size, min((chunk + 1) * chunk_size, num_patients))


def chunk_path(directory: Path, table: str, chunk: int) -> Path:
    return Path(directory) / table / f"chunk-{chunk:05d}.parquet"


def chunk_files(directory: Path, table: str, provenance: Mapping[str, Any]) -> list[Path]:
    """The chunk files of ``table`` of the cohort ``provenance`` describes, in patient order."""
    return [chunk_path(directory, table, chunk)
            for chunk in range(num_chunks(provenance["num_patients"], provenance["chunk_size"]))]


def run_identity(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """What every chunk file of the cohort ``provenance`` describes records of the run: its
    ``RESUME_KEYS``, with its output level and the SHA-256 of its resolved scenario."""
    identity = {key: provenance[key] for key in RESUME_KEYS if key not in ("detail", "scenario")}
    scenario = json.dumps(provenance["scenario"], sort_keys=True, separators=(",", ":"))
    return {**identity, "detail": cohort_detail(provenance),
            "scenario_sha256": hashlib.sha256(scenario.encode("utf-8")).hexdigest()}


def _chunk_identity(run: Mapping[str, Any], chunk: int, table: str) -> dict[str, Any]:
    return {**run, "chunk": chunk, "table": table}


def write_json_atomic(data: Mapping[str, Any], path: Path) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def arrow_table(frame: pd.DataFrame) -> Any:
    """``frame`` as an Arrow table with a fixed type per column (int64, float32 where the frame's
    is, float64, bool, string), so that an empty chunk has the same schema as a full one (and no
    pandas metadata)."""
    import pyarrow as pa

    def arrow_type(dtype: Any) -> Any:
        if pd.api.types.is_integer_dtype(dtype):
            return pa.int64()
        if pd.api.types.is_float_dtype(dtype):
            return pa.float32() if dtype == "float32" else pa.float64()
        if pd.api.types.is_bool_dtype(dtype):
            return pa.bool_()
        return pa.string()

    schema = pa.schema([(name, arrow_type(dtype)) for name, dtype in frame.dtypes.items()])
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False).replace_schema_metadata(None)


def parquet_options(table: Any) -> dict[str, Any]:
    """``PARQUET_OPTIONS`` for the Arrow ``table``: its string columns dictionary-encoded (labels
    repeat; numbers compress smaller plain: ~0.18 kB less per summary patient), its event times
    (``*_time``) byte-stream split (their bytes of like rank together: the lesions ~13% smaller,
    lossless), its ``COUNTING_COLUMNS`` delta-encoded (ids that count up: ~0.08 kB less per
    summary patient), statistics for its ``KEY_COLUMNS`` only."""
    import pyarrow as pa

    strings = [field.name for field in table.schema if pa.types.is_string(field.type)]
    encodings = {
        **{field.name: "BYTE_STREAM_SPLIT" for field in table.schema
           if pa.types.is_floating(field.type) and field.name.endswith("_time")},
        **{name: "DELTA_BINARY_PACKED" for name in COUNTING_COLUMNS if name in table.column_names},
    }
    keys = [name for name in KEY_COLUMNS if name in table.column_names]
    return {**PARQUET_OPTIONS, "use_dictionary": strings or False, "write_statistics": keys or False,
            "column_encoding": encodings or None}


def write_parquet(table: Any, target: Path, metadata: Mapping[bytes, bytes]) -> None:
    """The Arrow ``table`` as Parquet at ``target`` (``parquet_options``) with the key-value
    ``metadata`` (on a pyarrow too old to add it to the file alone, carried by the Arrow schema)."""
    import pyarrow.parquet as pq

    options = parquet_options(table)
    if not hasattr(pq.ParquetWriter, "add_key_value_metadata"):  # pragma: no cover (pyarrow < 15)
        pq.write_table(table.replace_schema_metadata(metadata), target, **{**options, "store_schema": True})
        return
    with pq.ParquetWriter(target, table.schema, **options) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata(metadata)


def write_chunk(directory: Path, chunk: int, tables: Mapping[str, pd.DataFrame], run: Mapping[str, Any]) -> None:
    """The tables of one chunk, in order, each file atomically (the chunk is done when all exist),
    each recording the identity ``run`` (``run_identity``) with the chunk and its table."""
    for name, frame in tables.items():
        identity = json.dumps(_chunk_identity(run, chunk, name), sort_keys=True).encode("utf-8")
        write_atomic(chunk_path(directory, name, chunk),
                     lambda target, table=arrow_table(frame), identity=identity:
                     write_parquet(table, target, {IDENTITY_KEY: identity}))


def chunk_done(directory: Path, chunk: int, tables: Iterable[str]) -> bool:
    """All files of chunk ``chunk`` of ``tables`` exist."""
    return all(chunk_path(directory, name, chunk).is_file() for name in tables)


def chunk_written(directory: Path, chunk: int, table: str, run: Mapping[str, Any]) -> bool:
    """Whether the file of chunk ``chunk`` of ``table`` holds it for the run ``run`` (``run_identity``):
    ``False`` if it is missing or its footer does not read as Parquet (a truncated or empty file); a
    ``ForeignChunk`` error if it records another run, or none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = chunk_path(directory, table, chunk)
    if not path.is_file():
        return False
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    try:
        found = json.loads(metadata[IDENTITY_KEY])
    except (KeyError, ValueError):
        found = None
    expected = _chunk_identity(run, chunk, table)
    if found == expected:
        return True
    if not isinstance(found, dict):
        what = "it records no metacascade run"
    else:
        what = "; ".join(f"{key}: {found.get(key)!r} there, {value!r} here"
                         for key, value in expected.items() if found.get(key) != value)
    raise ForeignChunk(
        f"{path} was not written by this run ({what}); move it out of the directory and run again to redo its "
        "chunk, or pass overwrite=True to start the cohort again"
    )


def remove_temporaries(directory: Path) -> None:
    """Delete what an interrupted run left half-written (hidden ``*.tmp`` files; call it holding
    the directory's lock, ``rundir.locked``)."""
    for folder in [Path(directory), *(path for path in Path(directory).iterdir() if path.is_dir())]:
        for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
            if path.is_file():
                path.unlink(missing_ok=True)


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


def missing_chunks(directory: Path, provenance: Mapping[str, Any], *, verify: bool = False) -> list[int]:
    """Chunks of the cohort described by ``provenance`` that are not (completely) written yet: a
    file is missing or, with ``verify``, does not read as Parquet (``chunk_written``: a
    ``ForeignChunk`` error for a file that another run wrote)."""
    total = num_chunks(provenance["num_patients"], provenance["chunk_size"])
    tables = detail_tables(cohort_detail(provenance))
    if not verify:
        return [chunk for chunk in range(total) if not chunk_done(directory, chunk, tables)]
    run = run_identity(provenance)
    return [chunk for chunk in range(total)
            if not all([chunk_written(directory, chunk, name, run) for name in tables])]  # every file checked


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

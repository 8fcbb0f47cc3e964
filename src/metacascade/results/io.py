"""Results on disk: one Parquet file per table plus ``provenance.json``, written atomically.

A results directory is complete or absent: the files are written into a hidden staging directory
beside the target and renamed into place at the end, so an interrupted write leaves nothing
behind (and an overwritten directory is only retired once the new one is ready). ``overwrite``
replaces only a run directory that metacascade wrote and no process is writing (``rundir.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import pandas as pd

from ..files import fsync
from .rundir import PROVENANCE_FILE, TABLE_FILES, check_ours, check_unlocked, is_empty, read_provenance

PathLike = Union[str, "os.PathLike[str]"]


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """One table as Parquet (pyarrow, no index; deterministic for identical frames)."""
    frame.to_parquet(path, engine="pyarrow", index=False)


def write_json(data: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def check_target(target: Path, overwrite: bool, *, how: str = "overwrite=True") -> None:
    """Raise ``FileExistsError`` unless ``target`` is absent, an empty folder, or may be replaced
    (``overwrite``; the message says to pass ``how``)."""
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a directory")
        if not is_empty(target) and not overwrite:
            raise FileExistsError(f"{target} exists and is not empty (pass {how} to replace it)")


def check_run_target(target: Path, overwrite: bool, *, how: str = "overwrite=True") -> None:
    """``check_target``, and a folder to replace must be a run directory that metacascade wrote
    (``rundir.check_ours``) and that no process is writing (``DirectoryInUse``)."""
    check_target(target, overwrite, how=how)
    if target.is_dir():
        check_unlocked(target)
        if not is_empty(target):
            check_ours(target, how=how)


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    provenance: Mapping[str, Any],
    directory: PathLike,
    *,
    overwrite: bool = False,
) -> Path:
    """Write ``tables`` (keys of ``TABLE_FILES``) and ``provenance`` to ``directory`` atomically.

    Refuses an existing non-empty directory unless ``overwrite``, and then replaces only a run
    directory that metacascade wrote (``check_run_target``). Returns the directory.
    """
    target = Path(directory)
    check_run_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        os.chmod(staging, _default_mode())
        for name, filename in TABLE_FILES.items():
            write_table(tables[name], staging / filename)
        write_json(provenance, staging / PROVENANCE_FILE)
        for path in staging.iterdir():
            fsync(path)
        _swap_in(staging, target, overwrite)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync(target.parent)
    return target


def _swap_in(staging: Path, target: Path, overwrite: bool) -> None:
    """Rename ``staging`` to ``target``, retiring an existing ``target`` only once that succeeded."""
    check_run_target(target, overwrite)  # again: something may have appeared meanwhile
    if not target.exists():
        os.rename(staging, target)
        return
    retired = target.parent / f".{target.name}.{uuid.uuid4().hex}.retired"
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def read_tables(directory: PathLike) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables and provenance of a results directory written by ``write_tables``."""
    source = Path(directory)
    missing = [name for name in [*TABLE_FILES.values(), PROVENANCE_FILE] if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source} is not a metacascade results directory (missing {', '.join(missing)})")
    provenance = read_provenance(source)  # a ProvenanceError if damaged
    tables = {name: pd.read_parquet(source / filename, engine="pyarrow") for name, filename in TABLE_FILES.items()}
    return tables, provenance

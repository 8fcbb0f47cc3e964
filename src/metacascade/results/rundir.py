"""Run directories as metacascade writes them: their names, their provenance read with clear
errors, whether a directory is one that metacascade wrote (``overwrite`` replaces nothing else),
and the lock that keeps a second writer out.

A single run (``io.py``) holds ``TABLE_FILES`` and ``provenance.json``; a cohort (``chunks.py``)
holds ``provenance.json``, ``catalogue.duckdb`` and one folder of ``chunk-NNNNN.parquet`` files per
table of its output level (``DETAILS``), each chunk ``chunk_size`` patients. Either may hold hidden ``*.tmp`` files that an interrupted write left,
and a cohort that a process is writing holds ``.lock`` (that process's pid and host). Either may
hold its HTML report (``REPORT_FILE``) and figures (``FIGURE_FILES``), which ``overwrite`` replaces
with the rest.

A directory whose ``provenance.json`` is damaged is not one metacascade recognises as its own, even
if everything else in it looks like a run: what it holds cannot be told, so ``overwrite`` refuses
it, naming the file and what is wrong (remove the directory by hand if it is yours).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Optional

from ..errors import DirectoryInUse, ProvenanceError
from ..files import TEMPORARY_SUFFIX

#: Table name -> file name of a single run, in writing order.
TABLE_FILES: dict[str, str] = {
    "observations": "observations.parquet",
    "burden": "burden.parquet",
    "ledger": "ledger.parquet",
    "lesions": "lesions.parquet",
    "patients": "patients.parquet",
    "detections": "detections.parquet",
    "ctc": "ctc.parquet",
    "autopsy": "autopsy.parquet",
}
PROVENANCE_FILE = "provenance.json"
#: The run's HTML report (``metacascade report``), which a run directory may hold beside its tables.
REPORT_FILE = "report.html"
#: The figures of ``metacascade plot`` (``metacascade.viz``), which a run directory may hold too, as
#: KIND.png or KIND.svg.
FIGURE_KINDS: tuple[str, ...] = (
    "cascade", "body_map", "lesion_timelines", "organ_pattern", "survival", "dormant_pool", "ctc",
)
FIGURE_FILES: frozenset[str] = frozenset(f"{kind}{suffix}" for kind in FIGURE_KINDS for suffix in (".png", ".svg"))
#: A cohort's output levels (``detail.py``), and the default.
DETAILS: tuple[str, ...] = ("summary", "full")
DEFAULT_DETAIL = "summary"
#: Patients per Parquet chunk of a cohort run directory (and per task of a worker process).
DEFAULT_CHUNK_SIZE = 100
CATALOGUE_FILE = "catalogue.duckdb"
LOCK_FILE = ".lock"
CHUNK_NAME = re.compile(r"chunk-\d{5,}\.parquet")


# -- output levels -------------------------------------------------------------------------------


#: The tables of a cohort at the summary level (``detail.py``); at full detail, those of ``TABLE_FILES``.
SUMMARY_TABLES: tuple[str, ...] = ("patients", "lesions", "detections", "ctc", "autopsy", "dormant_cells",
                                   "chunk_ledger")
#: The summary tables summed over the patients of each chunk (a leading ``chunk`` column, not ``patient``).
CHUNK_TABLES: tuple[str, ...] = ("dormant_cells", "chunk_ledger")


def check_detail(detail: Any) -> str:
    """``detail`` if it is one of ``DETAILS``, else a ``ValueError`` naming what is allowed."""
    if detail not in DETAILS:
        raise ValueError(f"detail: unknown output level {detail!r}; allowed: {', '.join(map(repr, DETAILS))}")
    return detail


def detail_tables(detail: str) -> tuple[str, ...]:
    """The tables a cohort at output level ``detail`` holds."""
    return tuple(TABLE_FILES) if check_detail(detail) == "full" else SUMMARY_TABLES


def cohort_detail(provenance: Mapping[str, Any]) -> str:
    """The output level a cohort's provenance records (cohorts written before levels were full)."""
    return provenance.get("detail", "full")


# -- provenance --------------------------------------------------------------------------------


def _count(least: int) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= least


#: What the keys of a provenance record hold: (test, description); the cohort's when it has num_patients.
FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "version": (lambda value: isinstance(value, str), "a string"),
    "engine": (lambda value: isinstance(value, str), "a string"),
    "random_seed": (_count(0), "a non-negative integer"),
    "scenario": (lambda value: isinstance(value, dict) and isinstance(value.get("name"), str),
                 "a resolved scenario with a name"),
}
COHORT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "num_patients": (_count(1), "a positive integer"),
    "chunk_size": (_count(1), "a positive integer"),
}


def provenance_problem(record: Any) -> Optional[str]:
    """What keeps ``record`` from being a metacascade provenance record, ``None`` if nothing."""
    if not isinstance(record, dict):
        return "it is not a JSON object"
    if record.get("package") != "metacascade":
        return f"it was not written by metacascade (package: {record.get('package')!r})"
    fields = {**FIELDS, **(COHORT_FIELDS if "num_patients" in record else {})}
    missing = [key for key in fields if key not in record]
    if missing:
        return f"it lacks {', '.join(missing)}"
    wrong = [f"{key} is {record[key]!r}, not {what}" for key, (test, what) in fields.items() if not test(record[key])]
    if "num_patients" in record and record.get("detail", "full") not in DETAILS:
        wrong.append(f"detail is {record['detail']!r}, not one of {', '.join(DETAILS)}")
    return "; ".join(wrong) or None


def read_provenance(directory: Path) -> Optional[dict[str, Any]]:
    """The provenance of a run directory, ``None`` if it has none; a ``ProvenanceError`` naming the
    file and what is wrong if it is damaged."""
    path = Path(directory) / PROVENANCE_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProvenanceError(f"{path} is damaged: it does not read as JSON ({exc})") from None
    problem = provenance_problem(record)
    if problem:
        raise ProvenanceError(f"{path} is damaged: {problem}")
    return record


def is_cohort(provenance: Optional[Mapping[str, Any]]) -> bool:
    return provenance is not None and "num_patients" in provenance


# -- what a run writes ---------------------------------------------------------------------------


def _leftover(path: Path) -> bool:
    """The lock, or a hidden temporary file of an interrupted write."""
    name = path.name
    temporary = name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)
    return (name == LOCK_FILE or temporary) and path.is_file() and not path.is_symlink()


def is_empty(directory: Path) -> bool:
    """No entries but the lock and the temporary files of an interrupted write."""
    return all(_leftover(path) for path in Path(directory).iterdir())


def _foreign_entries(directory: Path, provenance: Mapping[str, Any]) -> list[str]:
    """The entries of ``directory`` that a run described by ``provenance`` does not write."""
    if is_cohort(provenance):
        folders, files = set(detail_tables(cohort_detail(provenance))), {PROVENANCE_FILE, CATALOGUE_FILE, REPORT_FILE,
                                                                         *FIGURE_FILES}
    else:
        folders, files = set(), {PROVENANCE_FILE, REPORT_FILE, *FIGURE_FILES, *TABLE_FILES.values()}
    foreign = []
    for path in sorted(Path(directory).iterdir()):
        if path.is_symlink():
            foreign.append(path.name)
        elif path.is_dir() and path.name in folders:
            foreign += [f"{path.name}/{inner.name}" for inner in sorted(path.iterdir()) if not (
                _leftover(inner) or CHUNK_NAME.fullmatch(inner.name) and inner.is_file() and not inner.is_symlink())]
        elif not (_leftover(path) or path.name in files and path.is_file()):
            foreign.append(path.name)
    return foreign


def check_ours(directory: Path, *, how: str = "overwrite=True") -> None:
    """Raise ``FileExistsError`` unless ``directory`` is a run directory that metacascade wrote: a
    valid ``provenance.json`` and nothing but what that run writes (``how`` replaces only those)."""
    try:
        provenance = read_provenance(directory)
    except ProvenanceError as exc:
        reason = str(exc)
    else:
        foreign = [] if provenance is None else _foreign_entries(directory, provenance)
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        reason = ("it holds no metacascade run (no provenance.json)" if provenance is None
                  else f"it holds {shown}, which a run does not write" if foreign else "")
    if reason:
        raise FileExistsError(
            f"{directory} is not a run directory that metacascade wrote: {reason}. {how} replaces only those; "
            "move or remove it yourself, or choose another directory"
        )


# -- the lock ----------------------------------------------------------------------------------


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (``True`` where that cannot be told)."""
    if pid <= 0 or os.name == "nt":  # Windows: os.kill(pid, 0) would stop the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _holder(text: str) -> Optional[str]:
    """Who holds a lock that reads ``text``; ``None`` if it is stale (its process is gone from this host)."""
    try:
        record = json.loads(text)
        pid, host = int(record["pid"]), str(record["host"])
    except (ValueError, TypeError, KeyError):
        return "an unknown process (the lock file does not say which)"
    if host == socket.gethostname() and not _alive(pid):
        return None
    return f"process {pid} on {host}"


def _in_use(directory: Path, holder: str) -> DirectoryInUse:
    return DirectoryInUse(
        f"{directory} is being written by {holder}: wait for that run to finish, or remove "
        f"{directory / LOCK_FILE} if no run is writing there"
    )


def check_unlocked(directory: Path) -> None:
    """Raise ``DirectoryInUse`` if a running process holds the lock of ``directory``."""
    text = _read(Path(directory) / LOCK_FILE)
    holder = None if text is None else _holder(text)
    if holder is not None:
        raise _in_use(directory, holder)


def _remove_stale(lock: Path, text: str) -> None:
    """Remove the stale ``lock`` that read ``text`` (put back the lock of a process that took it over first)."""
    aside = lock.with_name(f"{LOCK_FILE}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return
    if _read(aside) != text:
        with contextlib.suppress(FileExistsError):
            os.link(aside, lock)
    aside.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold ``directory/.lock`` (the directory is created if need be) while the body runs. The lock
    is created exclusively and holds this process's pid and host; one whose process is gone from
    this host is taken over; any other is a ``DirectoryInUse`` error naming its holder."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lock = directory / LOCK_FILE
    mine = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    while True:  # each turn takes the lock, fails, or finds that another process changed it
        try:
            descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            text = _read(lock)
            holder = None if text is None else _holder(text)
            if holder is not None:
                raise _in_use(directory, holder) from None
            if text is not None:
                _remove_stale(lock, text)
            continue
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(mine)
        break
    try:
        yield
    finally:
        if _read(lock) == mine:
            lock.unlink(missing_ok=True)

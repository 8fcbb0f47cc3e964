"""Running a cohort: independent virtual patients in chunks, in memory or into a run directory
(Parquet chunks + DuckDB catalogue, resumable), with a progress bar, in this process or on an
executor (local processes or Dask, ``parallel.executor``).

``simulate(scenario, num_patients=N, ...)`` is the public door; this module does the work. The
layout of a run directory is in ``results/chunks.py``, what a run may leave there, its lock and
what ``overwrite`` replaces in ``results/rundir.py``; what a cohort reports, in ``results/cohort.py``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pandas as pd

from .engine.patient import engine_function, resolve_seed, run_patient
from .model import Scenario
from .parallel import executor, single_threaded
from .results.chunks import (
    chunk_patients,
    concat,
    mismatches,
    missing_chunks,
    num_chunks,
    remove_temporaries,
    run_identity,
    write_chunk,
    write_json_atomic,
)
from .results.cohort import Cohort, load_cohort
from .results.database import write_catalogue
from .results.detail import cohort_detail, cohort_tables, detail_tables
from .results.provenance import make_provenance, simulate_call
from .results.rundir import LOCK_FILE, PROVENANCE_FILE, check_ours, is_cohort, is_empty, locked, read_provenance

if TYPE_CHECKING:  # pragma: no cover
    from .engine.lower import Lowered


def chunk_tables(
    lowered: Lowered, engine: str, random_seed: int, detail: str, chunk: int, patients: range,
    advance: Callable[[int], Any] = lambda n: None,
) -> dict[str, pd.DataFrame]:
    """The tables of chunk ``chunk``, ``patients`` (one engine call each, then their observation
    plan), at output level ``detail`` (``results.detail``); built for the whole chunk at once, each
    patient's rows as its own run's."""
    run = engine_function(engine)
    outcomes, observed = [], []
    for patient in patients:
        outcome, seen = run_patient(lowered, run, random_seed, patient)
        outcomes.append(outcome)
        observed.append(seen)
        advance(1)
    return cohort_tables(outcomes, lowered, list(patients), observed, detail=detail, chunk=chunk)


def _chunk_job(
    lowered: Lowered, engine: str, random_seed: int, detail: str, patients: range, directory: Optional[Path],
    run: dict[str, Any], chunk: int,
) -> Optional[dict[str, pd.DataFrame]]:
    """One chunk in a worker: written to ``directory`` as the run ``run`` (``run_identity``; returns
    nothing) or returned."""
    with single_threaded():
        tables = chunk_tables(lowered, engine, random_seed, detail, chunk, patients)
    if directory is None:
        return tables
    write_chunk(directory, chunk, tables, run)
    return None


def _clear(directory: Path) -> None:
    """Remove everything in ``directory`` but its lock."""
    for path in directory.iterdir():
        if path.name == LOCK_FILE:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def prepare_directory(directory: Path, provenance: dict[str, Any], overwrite: bool) -> dict[str, Any]:
    """Make ``directory``, whose lock this process holds (``rundir.locked``), ready for the cohort
    ``provenance`` describes; return the provenance in force.

    A new or empty directory gets ``provenance.json`` first. A directory holding the same cohort
    (``RESUME_KEYS`` agree) is resumed with its own provenance. Anything else is a
    ``FileExistsError`` (a ``rundir.ProvenanceError`` if its provenance is damaged), unless
    ``overwrite`` and it is a run directory that metacascade wrote (``rundir.check_ours``): then it
    is emptied first.
    """
    if not is_empty(directory):
        if overwrite:
            check_ours(directory)
            _clear(directory)
        else:
            existing = read_provenance(directory)
            if existing is None:
                raise FileExistsError(
                    f"{directory} is not empty and holds no metacascade run; choose another directory"
                )
            if not is_cohort(existing):
                raise FileExistsError(
                    f"{directory} holds a single run, not a cohort (pass overwrite=True to replace it)"
                )
            different = mismatches(existing, provenance)
            if different:
                raise FileExistsError(
                    f"{directory} holds a different cohort ({'; '.join(different)}); "
                    "pass overwrite=True to replace it, or choose another directory"
                )
            remove_temporaries(directory)
            return existing
    remove_temporaries(directory)
    write_json_atomic(provenance, directory / PROVENANCE_FILE)
    return provenance


@contextlib.contextmanager
def _progress_bar(show: bool, *, total: int, done: int, label: str) -> Iterator[Callable[[int], Any]]:
    """An ``advance(patients)`` callable, drawing a rich progress bar on stderr when ``show`` (after
    a note of the patients already written, when resuming)."""
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("patients"),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    console = Console(stderr=True)
    if done:
        console.print(f"resumed: {done} of {total} patients already written", highlight=False)
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=total, completed=done)
        yield lambda n: bar.advance(task, n)


def run_cohort(
    model: Scenario,
    lowered: Lowered,
    *,
    num_patients: int,
    random_seed: Optional[int],
    engine: str,
    chunk_size: int,
    detail: str,
    out: Optional[Path],
    overwrite: bool,
    progress: bool,
    num_workers: int,
    backend: str = "local",
    scheduler: Optional[str] = None,
) -> Cohort:
    """Simulate ``num_patients`` patients of ``model``, its ``lowered`` form (see ``simulate``); return the ``Cohort``.
    A run into ``out`` holds its lock (``rundir.locked``) from preparing it to writing its catalogue,
    and writes the chunks that are missing or damaged (``missing_chunks(..., verify=True)``)."""
    if random_seed is None and out is not None and not overwrite:
        existing = read_provenance(out) if out.is_dir() else None
        if is_cohort(existing):
            random_seed = existing["random_seed"]  # resume: the same call draws no new seed
    seed = resolve_seed(random_seed)
    resolved = json.loads(json.dumps(model.resolved()))  # as it reads back from provenance.json
    fields = {"num_patients": num_patients, "chunk_size": chunk_size, "detail": detail}
    provenance = make_provenance(
        scenario=resolved, random_seed=seed, engine=engine,
        call=simulate_call(model.name, seed, engine, **fields), **fields,
    )
    if out is None:
        results = _run_chunks(model, lowered, provenance, range(num_chunks(num_patients, chunk_size)), None,
                              progress=progress, num_workers=num_workers, backend=backend, scheduler=scheduler)
        tables = {name: concat([results[chunk][name] for chunk in sorted(results)]) for name in detail_tables(detail)}
        return Cohort(provenance=provenance, tables=tables)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory")
    with locked(out):
        provenance = prepare_directory(out, provenance, overwrite)
        _run_chunks(model, lowered, provenance, missing_chunks(out, provenance, verify=True), out,
                    progress=progress, num_workers=num_workers, backend=backend, scheduler=scheduler)
        write_catalogue(out, provenance)
    return load_cohort(out)


def _run_chunks(
    model: Scenario, lowered: Lowered, provenance: dict[str, Any], chunks: Sequence[int], out: Optional[Path], *,
    progress: bool, num_workers: int, backend: str, scheduler: Optional[str],
) -> dict[int, dict[str, pd.DataFrame]]:
    """The ``chunks`` of the cohort ``provenance`` describes, written into ``out`` (none returned)
    or returned. They run in this process when there is one to run, or one worker and no ``scheduler``."""
    engine, seed, detail = provenance["engine"], provenance["random_seed"], cohort_detail(provenance)
    num_patients, run = provenance["num_patients"], run_identity(provenance)
    jobs = {chunk: chunk_patients(chunk, num_patients, provenance["chunk_size"]) for chunk in chunks}
    done = num_patients - sum(len(patients) for patients in jobs.values())
    label = model.name
    results: dict[int, dict[str, pd.DataFrame]] = {}
    if len(jobs) <= 1 or (num_workers == 1 and scheduler is None):
        with _progress_bar(progress, total=num_patients, done=done, label=label) as advance:
            for chunk, patients in jobs.items():
                tables = chunk_tables(lowered, engine, seed, detail, chunk, patients, advance)
                if out is None:
                    results[chunk] = tables
                else:
                    write_chunk(out, chunk, tables, run)
    else:
        with executor(backend, min(num_workers, len(jobs)), scheduler) as pool:
            results = _run_on(pool, jobs, lowered, engine, seed, detail, out, run,
                              progress=progress, total=num_patients, done=done, label=label)
    return results


def _run_on(
    pool: Executor, jobs: dict[int, range], lowered: Lowered, engine: str, seed: int, detail: str,
    out: Optional[Path], run: dict[str, Any], *, progress: bool, total: int, done: int, label: str,
) -> dict[int, dict[str, pd.DataFrame]]:
    """The chunks of ``jobs`` submitted to ``pool`` (each chunk on its own streams, so the output
    does not depend on the executor, its workers or the order they finish in). The workers write
    into ``out`` themselves: a remote cluster's workers must see it (a shared file system)."""
    results: dict[int, dict[str, pd.DataFrame]] = {}
    directory = None if out is None else out.absolute()
    futures = {pool.submit(_chunk_job, lowered, engine, seed, detail, patients, directory, run, chunk): chunk
               for chunk, patients in jobs.items()}
    with _progress_bar(progress, total=total, done=done, label=label) as advance:
        for future in as_completed(futures):
            chunk = futures[future]
            tables = future.result()
            if tables is not None:
                results[chunk] = tables
            advance(len(jobs[chunk]))
    return results

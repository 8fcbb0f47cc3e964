"""The verbs: ``simulate`` a scenario (one run or a cohort of patients) and ``replay`` a run from its
provenance (ARCHITECTURE.md §3-5, 11, 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from .catalog import load_scenario, scenario_from_data
from .engine.patient import engine_function, resolve_seed, run_patient, run_single
from .model import Scenario, ScenarioError
from .parallel import check_backend, single_threaded
from .results import Results
from .results.cohort import Cohort
from .results.detail import check_detail
from .results.provenance import make_provenance, simulate_call
from .results.rundir import DEFAULT_CHUNK_SIZE, DEFAULT_DETAIL


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: must be an integer >= {minimum} (got {value!r})")
    return int(value)


@single_threaded()
def simulate(
    scenario: Union[Scenario, str, Path],
    *,
    num_patients: int = 1,
    random_seed: Optional[int] = None,
    engine: str = "exact",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    detail: str = DEFAULT_DETAIL,
    out: Union[str, Path, None] = None,
    overwrite: bool = False,
    progress: bool = False,
    num_workers: int = 1,
    backend: str = "local",
    scheduler: Optional[str] = None,
    patient: Optional[int] = None,
    force: bool = False,
) -> Union[Results, Cohort]:
    """Run ``scenario`` (a ``Scenario``, a catalogue name or a YAML path).

    One run (``num_patients=1``, no ``out``) returns its ``Results``. ``random_seed`` fixes every
    random draw (``None`` draws one and records it in the provenance); ``engine`` is ``"exact"``
    (cohort draws, MODEL.md §6) or ``"reference"`` (one cell at a time).

    A cohort (``num_patients > 1``, or any ``out``) returns a ``Cohort``: independent virtual
    patients, patient ``i`` on the stream ``SeedSequence(random_seed, spawn_key=(i,))`` and with its
    own primary drawn from ``primary.variation`` (``patient_lowered``), so the output is the same
    for any ``chunk_size`` or ``num_workers``. A one-run call without ``patient`` is the scenario's
    own (median) patient. With ``out``, patients are
    written in chunks of ``chunk_size`` as Parquet under ``out`` with a DuckDB catalogue
    (``out/catalogue.duckdb``) and memory stays bounded by a chunk; an interrupted run resumes when
    called again with the same arguments (``random_seed=None`` then takes the recorded seed), and a
    directory holding a different run is an error unless ``overwrite``. ``progress`` shows a
    progress bar (on stderr). ``detail`` is the cohort's output level (``results.detail``):
    ``"summary"`` keeps the clinical tables, the lesions, the solitary and dormant cells and the
    fate ledger summed per chunk (~1.2 kB per 10-year breast patient); ``"full"`` every table of
    ``Results`` for every patient (~54 kB). One run keeps every table whatever ``detail``.

    Where the chunks run is not part of the results, which are bit for bit the same everywhere:
    ``backend="local"`` runs them in ``num_workers`` local processes (in this process when 1);
    ``backend="dask"`` on the Dask cluster at ``scheduler`` (an address such as
    ``"tcp://host:8786"``; its workers must see ``out``), or without one on a ``LocalCluster`` of
    ``num_workers`` processes started for the call (``pip install 'metacascade[dist]'``). Worker
    processes are spawned: a script that asks for them needs the ``if __name__ == "__main__":``
    guard. Every process runs the engine with one BLAS thread (``parallel.single_threaded``).

    ``patient=i`` runs patient ``i`` of the cohort with this seed on its own and returns its
    ``Results`` at full detail (identical to ``cohort.patient(i)`` of a full cohort).

    Before anything is drawn or written, the work is estimated from closed forms
    (``engine.estimate``): a run beyond the machine (the per-cell reference engine on a patient
    that sheds 1e11 cells, a billion patients, memory for more colonies than it holds) raises
    ``TooMuchWork`` with the numbers and the field to change, unless ``force``.
    """
    from .engine.estimate import check_work
    from .engine.lower import lower

    model = load_scenario(scenario)
    run = engine_function(engine)
    check_backend(backend, scheduler)
    check_detail(detail)
    num_patients = _count("num_patients", num_patients, 1)
    lowered = lower(model)
    if engine == "reference" and model.therapy is not None:
        raise ScenarioError("therapy: the reference engine follows constant rates only (no epochs, no resection); "
                            "run a therapy on the exact engine")
    if engine == "reference" and lowered.niches:
        raise ScenarioError("host.niches: the reference engine follows constant rates only, and a niche's rise with "
                            "the primary is not; run niches on the exact engine")
    if not force:
        check_work(lowered, engine, num_patients)
    if num_patients == 1 and out is None:
        seed = resolve_seed(random_seed)
        if patient is None:
            outcome, observed = run_single(lowered, run, seed)
            fields: dict[str, Any] = {}
        else:
            patient = _count("patient", patient, 0)
            outcome, observed = run_patient(lowered, run, seed, patient)
            fields = {"patient": patient}
        provenance = make_provenance(
            scenario=model.resolved(), random_seed=seed, engine=engine,
            call=simulate_call(model.name, seed, engine, **fields), **fields,
        )
        return Results.from_outcome(outcome, lowered, provenance, observed)
    if patient is not None:
        raise ValueError("patient: runs one patient on its own; it does not go with num_patients > 1 or out")
    from .runner import run_cohort

    return run_cohort(
        model,
        lowered,
        num_patients=num_patients,
        random_seed=random_seed,
        engine=engine,
        chunk_size=_count("chunk_size", chunk_size, 1),
        detail=detail,
        out=None if out is None else Path(out),
        overwrite=overwrite,
        progress=progress,
        num_workers=_count("num_workers", num_workers, 1),
        backend=backend,
        scheduler=scheduler,
    )


def replay(results: Union[Results, Cohort], **options: Any) -> Union[Results, Cohort]:
    """Run again what ``results`` record (resolved scenario, seed, engine; patients, chunk size and
    output level of a cohort, or the patient of a one-patient ``Results``): the tables come out identical.
    ``options`` (``out``, ``progress``, ``num_workers``, ``backend``, ``scheduler``) go to ``simulate``
    for a cohort."""
    provenance = results.provenance
    scenario = scenario_from_data(provenance["scenario"], source="provenance scenario")
    common = {"random_seed": provenance["random_seed"], "engine": provenance["engine"]}
    if isinstance(results, Cohort):
        return simulate(scenario, num_patients=results.num_patients, chunk_size=results.chunk_size,
                        detail=results.detail, **common, **options)
    if options:
        raise TypeError(f"replay: options {sorted(options)} apply to cohorts only")
    return simulate(scenario, patient=provenance.get("patient"), **common)

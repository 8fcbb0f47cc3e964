"""``Results``: the labelled tables of one run, its provenance, and how to save and load them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import tables as _tables
from .clinical import CLINICAL_TABLES, clinical_tables
from .invariants import check_tables, entered_cells
from .io import PathLike, read_tables, write_tables
from .ledger import fate_ledger, ledger_balance
from .ledger import step_efficiencies as _step_efficiencies
from .provenance import ProvenanceLabels, injected_by_clone, replayable
from .summary import fate_summary
from .summary import print_summary as _print_summary

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.lower import Lowered
    from ..engine.observation import PatientObservations
    from ..engine.outcome import RunOutcome

TABLES: tuple[str, ...] = ("observations", "burden", "ledger", "lesions", *CLINICAL_TABLES)


def outcome_tables(
    outcomes: Sequence[RunOutcome],
    lowered: Lowered,
    patients: Sequence[int] | None = None,
    observed: Sequence[PatientObservations | None] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of one run's outcome (``[outcome]``), or of ``patients``' outcomes at once (then
    with a leading ``patient`` column, each patient's rows as its own run's); ``observed``: what the
    observation plan saw of each (``engine.observation``), none without a plan (empty clinical tables)."""
    clones, organs = lowered.clone_names, lowered.organ_names
    times = snapshot_times(outcomes, lowered)
    return {
        "observations": _tables.observations_frame(outcomes, clones, organs, patients),
        "burden": _tables.burden_frame(outcomes, clones, organs, patients),
        "ledger": fate_ledger(outcomes, clones, organs, times, patients),
        "lesions": _tables.lesions_frame([o.lesions for o in outcomes], clones, organs, len(times), patients),
        **clinical_tables(observed or [None] * len(outcomes), [o.lesions for o in outcomes], clones, organs, patients),
    }


def snapshot_times(outcomes: Sequence[RunOutcome], lowered: Lowered) -> list[float]:
    """The snapshot times of ``outcomes``, checked against ``lowered``'s observation times."""
    for outcome in outcomes:
        times = [snap.time for snap in outcome.snapshots]
        if not np.allclose(times, lowered.observation_times, rtol=0, atol=1e-12):
            raise ValueError(f"outcome snapshots at {times} do not match the observation times "
                             f"{list(lowered.observation_times)}")
    return [snap.time for snap in outcomes[0].snapshots]


class Results(ProvenanceLabels):
    """What a run reports (MODEL.md §5), as pandas tables plus a provenance record.

    Tables (long format, one row per label combination):

    - ``observations`` [time, clone, organ, state, count]: founders (injected cells) in each state
      at each observation day; terminal fates are cumulative; organ ``circulation`` holds
      ``in_transit`` and ``dead_in_transit``.
    - ``burden`` [time, clone, organ, cells]: tumour cells alive.
    - ``ledger`` [window_start, window_end, clone, organ, step, direction, flow, count]: the fate
      ledger (see ``metacascade.results.ledger``); every (window, clone, organ, step) conserves cells.
    - ``lesions``: one row per tracked lesion with event times and ``size_t{i}`` columns
      (see ``metacascade.results.tables``); ``lesion_sizes()`` gives the long form.
    - ``patients``, ``detections``, ``ctc``, ``autopsy``: what the scenario's observation plan saw
      (diagnosis, N stage, death; lesions seen on imaging; CTC counts in blood draws; organ
      involvement at death), see ``metacascade.results.clinical``; empty without a plan.
    - ``provenance``: version, resolved scenario, seed, engine, call, creation time.
    """

    def __init__(
        self,
        *,
        observations: pd.DataFrame,
        burden: pd.DataFrame,
        ledger: pd.DataFrame,
        lesions: pd.DataFrame,
        patients: pd.DataFrame,
        detections: pd.DataFrame,
        ctc: pd.DataFrame,
        autopsy: pd.DataFrame,
        provenance: Mapping[str, Any],
    ):
        self.observations = observations
        self.burden = burden
        self.ledger = ledger
        self.lesions = lesions
        self.patients = patients
        self.detections = detections
        self.ctc = ctc
        self.autopsy = autopsy
        self.provenance = dict(provenance)

    @classmethod
    def from_outcome(
        cls, outcome: RunOutcome, lowered: Lowered, provenance: Mapping[str, Any],
        observed: PatientObservations | None = None,
    ) -> Results:
        """Tables from what an assay engine returned for ``lowered`` (and what its observation plan saw)."""
        return cls(**outcome_tables([outcome], lowered, observed=[observed]), provenance=provenance)

    # -- labels -------------------------------------------------------------------------------

    @property
    def injected(self) -> dict[str, int]:
        """Cells injected per clone."""
        return injected_by_clone(self.provenance)

    def entered(self) -> pd.Series:
        """Cells that entered the circulation (injected + shed) by each observation, index (time, clone)."""
        return entered_cells(self.ledger, self.observation_times, self.clone_names)

    # -- views --------------------------------------------------------------------------------

    def summary(self, *, by_clone: bool = False) -> pd.DataFrame:
        """Fractions of injected cells in the headline states, one row per observation day."""
        return fate_summary(self.observations, self.entered(), by_clone=by_clone)

    def print_summary(self, *, by_clone: bool = False, console: Any = None) -> None:
        """Print ``summary()`` as a rich table."""
        title = f"{self.scenario_name}: seed {self.random_seed}, {self.engine} engine"
        _print_summary(self.summary(by_clone=by_clone), title=title, console=console)

    def step_efficiencies(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """Per step and fate: cells that left by that fate, as a share of those that entered the step.

        ``by`` may add ``"clone"`` and/or ``"organ"``; otherwise everything is summed.
        """
        return _step_efficiencies(self.ledger, by=by)

    def ledger_balance(self) -> pd.DataFrame:
        """Cells in and out of every ledger row; ``imbalance`` is 0 where cells are conserved."""
        return ledger_balance(self.ledger)

    def to_xarray(self) -> Any:
        """The observations as an ``xarray.Dataset``: ``count`` [time, clone, organ, state] (founders)
        and ``cells`` [time, clone, organ] (tumour cells alive); provenance in ``attrs``."""
        try:
            import xarray as xr  # lazy: an optional extra, not needed to simulate
        except ImportError:
            raise ImportError("Results.to_xarray needs xarray: pip install 'metacascade[xarray]'") from None

        count = self.observations.set_index(["time", "clone", "organ", "state"])["count"]
        cells = self.burden.set_index(["time", "clone", "organ"])["cells"]
        dataset = xr.Dataset({"count": count.to_xarray().fillna(0).astype("int64"), "cells": cells.to_xarray()})
        dataset["count"].attrs["units"] = "founder cells (injected cells), one per colony"
        dataset["cells"].attrs["units"] = "cells"
        dataset["time"].attrs["units"] = "days"
        dataset.attrs.update(
            scenario=self.scenario_name, random_seed=self.random_seed, engine=self.engine,
            metacascade_version=str(self.provenance.get("version", "")),
        )
        return dataset

    def lesion_sizes(self) -> pd.DataFrame:
        """Lesion sizes as a long table [lesion, clone, organ, time, cells]."""
        return _tables.lesion_sizes(self.lesions, self.observation_times)

    # -- checks -------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise ``ValueError`` unless counts are non-negative and cells are conserved everywhere:
        every observation accounts for every injected cell, and every ledger row balances."""
        check_tables(self.tables(), observation_times=self.observation_times, clone_names=self.clone_names)

    # -- comparison and I/O ---------------------------------------------------------------------

    def equals(self, other: Results, *, provenance: bool = True) -> bool:
        """Identical tables (and provenance, creation time aside, when ``provenance``)."""
        same = all(getattr(self, name).equals(getattr(other, name)) for name in TABLES)
        if provenance:
            same = same and replayable(self.provenance) == replayable(other.provenance)
        return same

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {name: getattr(self, name) for name in TABLES}

    def write(self, directory: PathLike, *, overwrite: bool = False) -> Path:
        """Write Parquet tables and ``provenance.json`` to ``directory`` atomically; returns its path."""
        return write_tables(self.tables(), self.provenance, directory, overwrite=overwrite)

    def __repr__(self) -> str:
        return (
            f"<Results {self.scenario_name!r} seed={self.random_seed} engine={self.engine!r}: "
            f"{len(self.observation_times)} observations, {len(self.ledger)} ledger rows, "
            f"{len(self.lesions)} lesions>"
        )


def load_results(directory: PathLike) -> Results:
    """A ``Results`` from a directory written by ``Results.write``."""
    tables, provenance = read_tables(directory)
    return Results(**tables, provenance=provenance)

"""The ``trial`` verb: arms of a virtual trial on the same virtual patients, and their survival
compared (issue 10; ``analysis/survival.py``).

A trial is given as a scenario and its arms, or as a trial design (``model.trial_design``: a catalogue
name such as ``breast_adjuvant`` or a YAML file), which names the scenario, its arms (interventions
added to the scenario's own therapy) and the endpoints its table compares.

Every arm is a cohort of ``simulate`` with the same ``random_seed``: patient ``i`` runs on the same
random stream in every arm (common random numbers, ``engine/patient.py``), so what differs between
arms is what the arms change, and a patient whose arm changes nothing has the same outcome in
each. A trial into ``out`` keeps each arm's run directory in ``out/ARM`` and its record in
``out/trial.json``; called again with the same arguments it resumes every arm.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Union

import pandas as pd

from ._version import __version__
from .analysis import survival
from .analysis.autopsy import DAYS_PER_YEAR
from .catalog import load_scenario
from .catalog.trials import trial_design
from .engine.patient import resolve_seed
from .files import write_text_atomic
from .files import write_atomic
from .model import Scenario
from .model.trial_design import ArmDesign, TrialDesign, check_arm_name
from .results.cohort import Cohort, load_cohort
from .simulate import _count, simulate

#: The trial's record in its directory.
TRIAL_FILE = "trial.json"
#: The trial table (``Trial.table`` with its defaults) in its directory.
TABLE_FILE = "table.parquet"
#: The restricted mean survival time's default horizon (days: 5 years).
DEFAULT_HORIZON = 5 * DAYS_PER_YEAR
#: The endpoints of the trial table (``Trial.table``).
TABLE_ENDPOINTS: tuple[str, ...] = ("overall", "metastasis_free")
#: An arm: a scenario, a catalogue name or YAML path, values to set on the trial's scenario
#: (``Scenario.with_values``: ``{"primary.shedding_rate": 0.5}``; ``{}`` is the scenario itself), or
#: an ``ArmDesign`` (interventions added to the scenario's therapy, and values).
Arm = Union[Scenario, str, Path, Mapping[str, Any], ArmDesign]


class Trial:
    """The arms of a trial (``arms``: name -> ``Cohort``, in the order given) and its record
    (``record``: the arms, the seed and the call); ``directory`` where it was written, if it was."""

    def __init__(self, arms: Mapping[str, Cohort], record: Mapping[str, Any], directory: Optional[Path] = None):
        self.arms = dict(arms)
        self.record = dict(record)
        self.directory = directory

    @property
    def random_seed(self) -> int:
        return self.record["random_seed"]

    @property
    def num_patients(self) -> int:
        return self.record["num_patients"]

    def durations(self, endpoint: str) -> dict[str, tuple[Any, Any]]:
        """Per arm: ``survival.durations`` of ``endpoint`` (days; whether the event happened)."""
        return {name: survival.durations(cohort.patients, endpoint, cohort.detections)
                for name, cohort in self.arms.items()}

    def survival(self, endpoint: str) -> dict[str, Any]:
        """Per arm: the Kaplan–Meier estimate of ``endpoint``'s survival (``survival.kaplan_meier``)."""
        return {name: survival.kaplan_meier(cohort.patients, endpoint, cohort.detections)
                for name, cohort in self.arms.items()}

    def compare(self, endpoint: str, reference: Optional[str] = None, horizon: float = DEFAULT_HORIZON) -> pd.DataFrame:
        """Per arm, against ``reference`` (default: the first arm): ``survival.compare`` of ``endpoint``
        (patients, events, median, hazard ratio and its 95% interval, log-rank p, RMST to
        ``horizon`` days and its difference)."""
        return survival.compare(self.durations(endpoint), horizon, reference)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The endpoints its table compares by default: its design's, else ``TABLE_ENDPOINTS``."""
        return tuple(self.record.get("endpoints", TABLE_ENDPOINTS))

    @property
    def horizon(self) -> float:
        """The restricted mean's default horizon (days): its design's, else ``DEFAULT_HORIZON``."""
        return float(self.record.get("horizon_days", DEFAULT_HORIZON))

    def table(self, endpoints: Optional[tuple[str, ...]] = None, reference: Optional[str] = None,
              horizon: Optional[float] = None) -> pd.DataFrame:
        """``compare`` of each of ``endpoints`` (default: ``self.endpoints``) to ``horizon`` days
        (default: ``self.horizon``), one row per endpoint and arm (columns ``endpoint``, ``arm``
        first): the table ``metacascade trial`` prints and writes."""
        endpoints = self.endpoints if endpoints is None else endpoints
        horizon = self.horizon if horizon is None else horizon
        frames = [self.compare(endpoint, reference, horizon).reset_index().assign(endpoint=endpoint)
                  for endpoint in endpoints]
        frame = pd.concat(frames, ignore_index=True)
        return frame[["endpoint", *frame.columns.drop("endpoint")]]

    def __repr__(self) -> str:
        return f"Trial({', '.join(self.arms)}; {self.num_patients} patients, seed {self.random_seed})"


def _arm_scenario(base: Scenario, name: str, arm: Arm) -> Scenario:
    try:
        check_arm_name(name)
    except ValueError as exc:
        raise ValueError(f"arms: {exc}") from None
    if isinstance(arm, ArmDesign):
        return _designed(base, arm)
    if isinstance(arm, Mapping):
        return base.with_values(arm)
    return load_scenario(arm)


def _designed(base: Scenario, arm: ArmDesign) -> Scenario:
    """``base`` with ``arm``'s values and its interventions after the scenario's own."""
    if not arm.interventions:
        return base.with_values(arm.values) if arm.values else base
    own = () if base.therapy is None else base.therapy.interventions
    schedule = [item.model_dump(mode="json") for item in (*own, *arm.interventions)]
    return base.with_values({**arm.values, "therapy": {"interventions": schedule}})


def _source(arm: Arm) -> Any:
    """How an arm was given, for the record: its design, its values, its catalogue name or path, or
    its scenario's name."""
    if isinstance(arm, ArmDesign):
        return {"design": arm.model_dump(mode="json")}
    if isinstance(arm, Mapping):
        return {"values": dict(arm)}
    return {"scenario": arm.name if isinstance(arm, Scenario) else str(arm)}


def trial(
    scenario: Union[Scenario, str, Path, TrialDesign],
    arms: Optional[Mapping[str, Arm]] = None,
    *,
    num_patients: int,
    random_seed: Optional[int] = None,
    out: Union[str, Path, None] = None,
    num_workers: int = 1,
    backend: str = "local",
    scheduler: Optional[str] = None,
    progress: bool = False,
) -> Trial:
    """Run each of ``arms`` (name -> ``Arm``: a scenario, a catalogue name or YAML path, values to
    set on ``scenario``, or an ``ArmDesign``) on the same ``num_patients`` virtual patients
    (``random_seed``: ``None`` draws one, or takes the one recorded in ``out`` to resume) and return
    the ``Trial``. Without ``arms``, ``scenario`` is a trial design (a ``TrialDesign``, a catalogue
    name or a YAML file), whose scenario, arms, endpoints and horizon the trial takes.

    With ``out``, arm ``ARM`` is written to ``out/ARM`` (a cohort run directory) and the trial's record
    to ``out/trial.json``; ``load_trial(out)`` reads it back. A directory holding another trial is an
    error. ``num_workers``, ``backend``, ``scheduler`` and ``progress`` go to ``simulate``.
    """
    design = None
    if arms is None:
        design = scenario if isinstance(scenario, TrialDesign) else _design(scenario)
        scenario, arms = design.scenario, design.arms
    base = load_scenario(scenario)
    if not arms:
        raise ValueError("arms: a trial needs at least one arm (name -> scenario, or values to set on the scenario)")
    models = {name: _arm_scenario(base, name, arm) for name, arm in arms.items()}
    num_patients = _count("num_patients", num_patients, 2)
    directory = None if out is None else Path(out)
    if random_seed is None and directory is not None and (directory / TRIAL_FILE).is_file():
        random_seed = _read_record(directory)["random_seed"]  # resume: the same call draws no new seed
    record = {
        "version": __version__, "scenario": base.name,
        "arms": {name: _source(arm) for name, arm in arms.items()},
        "num_patients": num_patients, "random_seed": resolve_seed(random_seed),
    }
    if design is not None:
        record |= {"design": design.name, "endpoints": list(design.endpoints),
                   "horizon_days": design.horizon_years * DAYS_PER_YEAR}
    if directory is not None:
        _write_record(directory, json.loads(json.dumps(record)))
    cohorts = {
        name: simulate(model, num_patients=num_patients, random_seed=record["random_seed"],
                       out=None if directory is None else directory / name, progress=progress,
                       num_workers=num_workers, backend=backend, scheduler=scheduler)
        for name, model in models.items()
    }
    return Trial(cohorts, record, directory)


def _design(name_or_path: Union[str, Path]) -> TrialDesign:
    design = trial_design(name_or_path)
    if design is None:
        raise ValueError(f"arms: {name_or_path} is a scenario, not a trial design; give its arms")
    return design


def write_table(trial: Trial, table: pd.DataFrame) -> Path:
    """Write ``table`` (``Trial.table``) to the trial's directory as Parquet; returns its path."""
    path = trial.directory / TABLE_FILE
    write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
    return path


def _read_record(directory: Path) -> dict[str, Any]:
    path = directory / TRIAL_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{directory}: holds no trial ({TRIAL_FILE} missing)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a trial record ({exc})") from None


def _write_record(directory: Path, record: dict[str, Any]) -> None:
    """Write ``record`` to ``directory/trial.json``; one there already must be the same trial."""
    if (directory / TRIAL_FILE).is_file():
        existing = _read_record(directory)
        if {**existing, "version": None} != {**record, "version": None}:
            raise FileExistsError(f"{directory} holds another trial ({TRIAL_FILE}: {json.dumps(existing)}); "
                                  "write this one to another directory")
        return
    write_text_atomic(directory / TRIAL_FILE, json.dumps(record, indent=2) + "\n")


def load_trial(directory: Union[str, Path]) -> Trial:
    """The trial written to ``directory`` (``trial(..., out=directory)``)."""
    directory = Path(directory)
    record = _read_record(directory)
    return Trial({name: load_cohort(directory / name) for name in record["arms"]}, record, directory)

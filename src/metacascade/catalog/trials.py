"""Trial designs of the catalogue (``catalog/trials/*.yaml``, ``model.trial_design``): a scenario,
its arms and the endpoints compared; ``metacascade trial NAME`` runs one."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

from pydantic import ValidationError

from ..model import ScenarioError, format_validation_error
from ..model.trial_design import TrialDesign
from .reading import MAX_SCENARIO_BYTES, read_yaml

TRIAL_DIR = Path(__file__).parent / "trials"


def trial_names() -> list[str]:
    """Names of the trial designs in the catalogue."""
    return sorted(path.stem for path in TRIAL_DIR.glob("*.yaml"))


def trial_design(name_or_path: Union[str, Path]) -> Optional[TrialDesign]:
    """The validated trial design that ``name_or_path`` names: a catalogue name, or a YAML file that
    holds one (``arms:``); None if it names none (a scenario, say)."""
    text = str(name_or_path)
    catalogued = text in trial_names()
    path = TRIAL_DIR / f"{text}.yaml" if catalogued else Path(text)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return None
    data = read_yaml(path, max_bytes=MAX_SCENARIO_BYTES)
    if not catalogued and not (isinstance(data, dict) and "arms" in data):
        return None
    try:
        return TrialDesign.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=str(path), model=TrialDesign)) from None


def load_trial_design(name_or_path: Union[str, Path]) -> TrialDesign:
    """A validated ``TrialDesign`` from a catalogue name or a YAML path."""
    design = trial_design(name_or_path)
    if design is None:
        raise ScenarioError(f"unknown trial design {str(name_or_path)!r}: not a catalogue name "
                            f"({', '.join(trial_names())}) nor a YAML file holding one")
    return design

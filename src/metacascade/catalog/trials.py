"""Trial designs of the catalogue (``catalog/trials/*.yaml``, ``model.trial_design``): a scenario,
its arms and the endpoints compared; ``metacascade trial NAME`` runs one."""

from __future__ import annotations

from pathlib import Path
from typing import Union

from pydantic import ValidationError

from ..model import ScenarioError, format_validation_error
from ..model.trial_design import TrialDesign
from .reading import MAX_SCENARIO_BYTES, read_yaml

TRIAL_DIR = Path(__file__).parent / "trials"


def trial_names() -> list[str]:
    """Names of the trial designs in the catalogue."""
    return sorted(path.stem for path in TRIAL_DIR.glob("*.yaml"))


def is_trial_design(name_or_path: Union[str, Path]) -> bool:
    """Whether ``name_or_path`` names a catalogue trial design or a YAML file holding one (``arms:``)."""
    text = str(name_or_path)
    if text in trial_names():
        return True
    path = Path(text)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    data = read_yaml(path, max_bytes=MAX_SCENARIO_BYTES)
    return isinstance(data, dict) and "arms" in data


def load_trial_design(name_or_path: Union[str, Path]) -> TrialDesign:
    """A validated ``TrialDesign`` from a catalogue name or a YAML path."""
    text = str(name_or_path)
    path = TRIAL_DIR / f"{text}.yaml" if text in trial_names() else Path(text)
    if not path.is_file():
        raise ScenarioError(f"unknown trial design {text!r}: not a catalogue name ({', '.join(trial_names())}) "
                            "nor a YAML file")
    try:
        return TrialDesign.model_validate(read_yaml(path, max_bytes=MAX_SCENARIO_BYTES))
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=str(path), model=TrialDesign)) from None

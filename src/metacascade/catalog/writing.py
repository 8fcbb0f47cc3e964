"""Writing a scenario as a YAML file that ``load_scenario`` reads back into the same scenario.

The file is terse: fields at their defaults are left out and a catalogue anatomy is written by its
name. It is written beside its path and renamed into place, so an interrupted write leaves the
old file (or none), never half a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Union

import yaml

from ..files import write_text_atomic
from ..model import Scenario
from . import anatomy_names, load_anatomy


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The terse mapping of ``scenario``: no field at its default, a catalogue anatomy by name."""
    data = _with_kinds(scenario.model_dump(mode="json", exclude_defaults=True), scenario.model_dump(mode="json"))
    named = [name for name in anatomy_names() if load_anatomy(name) == scenario.anatomy]
    if named:
        data["anatomy"] = named[0]
    return data


def _with_kinds(terse: Any, full: Any) -> Any:
    """``terse`` with the ``kind`` of every mapping that ``full`` gives one: the discriminator of a
    union (a therapy's interventions) must be written even when it is its class's default."""
    if isinstance(terse, dict) and isinstance(full, dict):
        kind = {"kind": full["kind"]} if "kind" in full else {}
        return {**kind, **{key: _with_kinds(value, full.get(key)) for key, value in terse.items()}}
    if isinstance(terse, list) and isinstance(full, list) and len(terse) == len(full):
        return [_with_kinds(a, b) for a, b in zip(terse, full)]
    return terse


def write_scenario(scenario: Scenario, path: Union[str, Path], *, overwrite: bool = False, header: str = "",
                   how: str = "overwrite=True") -> Path:
    """Write ``scenario`` (terse) to the YAML file ``path``, ``header`` as comment lines on top.
    An existing file is replaced only with ``overwrite`` (else ``FileExistsError``, saying to pass ``how``)."""
    path = Path(path)
    if path.is_dir():
        raise FileExistsError(f"{path} is a directory: name the YAML file to write")
    if not overwrite and (path.exists() or path.is_symlink()):
        raise FileExistsError(f"{path} exists (pass {how} to replace it)")
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    text = comments + yaml.safe_dump(scenario_data(scenario), sort_keys=False, allow_unicode=True, width=110)
    write_text_atomic(path, text)
    return path

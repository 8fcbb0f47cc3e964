"""Where the page's scenario comes from: the catalogue, by a name it lists (never a path, so a
request cannot make the server read a file), or a file uploaded to the page, read from memory (it
is never written anywhere) and validated as ``metacascade run FILE`` validates a file: the same
limits and the same messages, naming the file by the name it was uploaded with."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..catalog import load_scenario, scenario_from_yaml, scenario_names
from ..model import Scenario, ScenarioError


def catalogue_scenario(name: Any) -> Scenario:
    """The catalogue scenario ``name``; a ``ScenarioError`` for anything but a name it lists."""
    if name not in scenario_names():
        raise ScenarioError(f"unknown catalogue scenario {name!r}; the catalogue: {', '.join(scenario_names())}")
    return load_scenario(name)


def uploaded_scenario(contents: Any, filename: str) -> Scenario:
    """The scenario in ``contents``, an upload as the browser sends it (a ``data:`` URL holding
    the file in base64); a ``ScenarioError`` saying what is wrong with it."""
    header, _, encoded = contents.partition(",") if isinstance(contents, str) else ("", "", "")
    try:
        data = base64.b64decode(encoded, validate=True) if header.endswith(";base64") else None
    except binascii.Error:
        data = None
    if data is None:
        raise ScenarioError(f"{filename}: the upload did not arrive as a file (a base64 data: URL)")
    return scenario_from_yaml(data, source=filename)

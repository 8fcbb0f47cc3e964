"""The scenario file format as a JSON Schema, for editors and other tools (``metacascade schema``).

It is pydantic's schema of ``Scenario`` as a file writes it: ``anatomy`` may name a catalogue
anatomy, and the bounds of the number types (``model/bounds.py``) are JSON Schema's ``minimum``,
``maximum``, ``exclusiveMinimum`` and ``exclusiveMaximum``. The package ships the schema as
``catalog/scenario.schema.json``; a test keeps that file equal to what this module generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import Scenario
from ..model.scenario import SCHEMA_VERSION

SCHEMA_FILE = Path(__file__).with_name("scenario.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: pydantic's name of a bound it cannot state in JSON Schema -> the keyword, and the tighter of two.
_BOUNDS = {"ge": ("minimum", max), "gt": ("exclusiveMinimum", max), "le": ("maximum", min),
           "lt": ("exclusiveMaximum", min)}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file of format ``SCHEMA_VERSION``."""
    from . import anatomy_names

    schema = _with_json_bounds(Scenario.model_json_schema())
    schema["properties"]["anatomy"] = {
        "description": "a catalogue anatomy by name, or a whole anatomy",
        "anyOf": [{"enum": anatomy_names()}, schema["properties"]["anatomy"]],
    }
    return {"$schema": DIALECT, **schema, "title": f"metacascade scenario (format {SCHEMA_VERSION})"}


def scenario_schema_text() -> str:
    """The schema as the shipped file holds it: JSON, indented by 2, ending in a newline."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def _with_json_bounds(node: Any) -> Any:
    """``node`` with pydantic's ``ge``/``gt``/``le``/``lt`` of a number written as JSON Schema keywords."""
    if isinstance(node, list):
        return [_with_json_bounds(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _with_json_bounds(value) for key, value in node.items()}
    if node.get("type") in ("number", "integer"):
        for name, (keyword, tighter) in _BOUNDS.items():
            if name in node:
                bound = node.pop(name)
                node[keyword] = tighter(bound, node[keyword]) if keyword in node else bound
    return node

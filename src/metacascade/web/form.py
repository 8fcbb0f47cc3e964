"""The form of the web page: a short list of key parameters, each a number field whose help (units
included) and allowed range come from the scenario's JSON Schema (``catalog.schema``), narrowed to
what one request may ask for (``web.limits``); and the scenario and run options a filled form gives.

Fields are keyed by a dotted scenario path (``Scenario.with_values``) or by one of the run options
``patients``, ``years`` (yearly follow-up) and ``seed``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Optional

from ..catalog.schema import scenario_schema
from ..model import Scenario, ScenarioError
from ..model.paths import value_in_force
from .limits import DAYS_PER_YEAR, MAX_INJECTED_CELLS, MAX_PATIENTS, MAX_YEARS

PATIENTS, YEARS, SEED = "patients", "years", "seed"
#: Key parameters of a scenario with a primary tumour: dotted path -> label.
PRIMARY_PATHS = {
    "primary.growth.rate_per_day": "primary growth rate",
    "primary.shedding_rate_per_g_day": "primary shedding rate",
    "primary.vascularisation_cells": "primary size when shedding starts",
}
#: Patients of a request by default: a cohort of patients, one run of an assay.
DEFAULT_PATIENTS = {True: 20, False: 1}
DEFAULT_SEED = 1


@dataclass(frozen=True)
class KeyField:
    """One number field of the form."""

    key: str  # a dotted scenario path, or PATIENTS, YEARS or SEED
    label: str
    help: str  # what it is, units included
    value: float
    minimum: float
    maximum: float
    integer: bool
    minimum_excluded: bool = False  # the value must be above ``minimum``

    @property
    def range_text(self) -> str:
        """The allowed range as a reader writes it: ``from 1 to 200``, ``above 0, at most 1e+09``."""
        low, high = (f"{bound:,.0f}" if self.integer else f"{bound:g}" for bound in (self.minimum, self.maximum))
        return f"above {low}, at most {high}" if self.minimum_excluded else f"from {low} to {high}"


def key_fields(scenario: Scenario) -> list[KeyField]:
    """The form of ``scenario``: its key parameters (the primary's growth, shedding and
    vascularisation, or each injection's cells), then the run options."""
    if scenario.primary is not None:
        fields = [_schema_field(scenario, path, label) for path, label in PRIMARY_PATHS.items()]
        fields.append(KeyField(
            YEARS, "follow-up", f"years of yearly observation, imaging and blood draws ({DAYS_PER_YEAR} days each)",
            max(1, round(scenario.resolved_end_time / DAYS_PER_YEAR)), 1, MAX_YEARS, True,
        ))
    else:
        fields = [_schema_field(scenario, f"injections.{i}.num_cells",
                                f"cells injected ({injection.clone}, {injection.vessel})", maximum=MAX_INJECTED_CELLS)
                  for i, injection in enumerate(scenario.injections)]
    fields.append(KeyField(PATIENTS, "patients", "virtual patients (or animals) run with this scenario",
                           DEFAULT_PATIENTS[scenario.primary is not None], 1, MAX_PATIENTS, True))
    fields.append(KeyField(SEED, "random seed", "fixes every random draw of the run", DEFAULT_SEED, 0, 2**32 - 1, True))
    return fields


def apply_form(scenario: Scenario, values: Mapping[str, Any]) -> tuple[Scenario, int, int]:
    """(the scenario with the values of the form, patients, seed) from ``values`` (key -> number, as
    the page sends them; ``None`` where a field is empty or out of its range). Only values that
    differ from the scenario's are written (a form sent unchanged keeps a calibration record). A
    value that is not a number in its field's range is a ``ScenarioError`` naming every such field."""
    fields = {field.key: field for field in key_fields(scenario)}
    numbers = {key: _number(field, values.get(key)) for key, field in fields.items()}
    wrong = [f"{fields[key].label}: enter a {'whole ' if fields[key].integer else ''}number {fields[key].range_text}"
             + ("" if values.get(key) is None else f" (got {values[key]!r})")  # None: empty, or out of range
             for key, number in numbers.items() if number is None]
    if wrong:
        raise ScenarioError("; ".join(wrong))
    changed: dict[str, Any] = {}
    for key, number in numbers.items():
        if key not in (PATIENTS, SEED) and number != fields[key].value:
            changed.update(_yearly_follow_up(scenario, int(number)) if key == YEARS else {key: number})
    return (scenario.with_values(changed) if changed else scenario), int(numbers[PATIENTS]), int(numbers[SEED])


def _number(field: KeyField, raw: Any) -> Optional[float]:
    """``raw`` as the number ``field`` takes (an ``int`` for a whole one), or ``None`` if it is no
    such number in the field's range."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        return None
    above = raw > field.minimum if field.minimum_excluded else raw >= field.minimum
    if not (above and raw <= field.maximum) or field.integer and not float(raw).is_integer():
        return None
    return int(raw) if field.integer else float(raw)


def _yearly_follow_up(scenario: Scenario, years: int) -> dict[str, Any]:
    """The paths and values that observe ``scenario`` yearly for ``years`` years (days): observation
    times, the plan's imaging and blood draws where it has them, and the end where it sets one."""
    schedule = [DAYS_PER_YEAR * year for year in range(1, years + 1)]
    values: dict[str, Any] = {"observation_times": schedule}
    if scenario.end_time is not None:
        values["end_time"] = schedule[-1]
    plan = scenario.observation
    for name in ("imaging_times", "draw_times"):
        if plan is not None and getattr(plan, name):
            values[f"observation.{name}"] = schedule
    return values


def _schema_field(scenario: Scenario, path: str, label: str, *, maximum: float = float("inf")) -> KeyField:
    """The field at ``path``: its value in force, its schema description and bounds (``maximum``
    narrowing the schema's; every number of a scenario has both, ``model.bounds``)."""
    node = schema_node(path)
    low, above = node.get("minimum", -float("inf")), node.get("exclusiveMinimum", -float("inf"))
    return KeyField(path, label, node.get("description", ""), value_in_force(scenario, path), max(low, above),
                    min(node["maximum"], maximum), node.get("type") == "integer", above >= low)


@cache
def _schema() -> dict[str, Any]:
    return scenario_schema()


def schema_node(path: str) -> dict[str, Any]:
    """The JSON Schema of the field at the dotted ``path`` of a scenario (a list item by its index,
    a mapping's entry by its key); a ``KeyError`` naming the path where it names nothing."""
    node = _schema()
    for key in path.split("."):
        node = _resolved(node)
        if key in node.get("properties", {}):
            node = node["properties"][key]
        elif node.get("type") == "array" and key.isdigit():
            node = node["items"]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            raise KeyError(f"{path}: the scenario schema has nothing at {key!r}")
    return _resolved(node)


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` followed and an optional value (``anyOf`` [X, null]) read as X."""
    while True:
        if "$ref" in node:
            node = {**_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]],
                    **{key: value for key, value in node.items() if key != "$ref"}}
        elif "anyOf" in node:
            branches = [branch for branch in node["anyOf"] if branch.get("type") != "null"]
            node = {**branches[0], **{key: value for key, value in node.items() if key != "anyOf"}}
        else:
            return node

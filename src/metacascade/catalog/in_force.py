"""A scenario as the values in force (``metacascade resolve``): the resolved form with each clone's
per-organ overrides merged into its own rates (no ``null``), and the views that narrow it: one
section by dotted path, one organ's rows, or only what differs from the defaults.

The defaults are the models' own field defaults, the catalogue anatomy a scenario names (for its
``anatomy``), and a clone's own ``fates`` (for its rates in an organ), so a diff shows what the
scenario sets and, organ by organ, where the soil differs from the clone's rates everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ..model import Scenario
from . import anatomy_names, load_anatomy

#: A field without a default: whatever it holds differs from it.
REQUIRED = object()
#: What ``_differing`` finds where a value is its default.
_SAME = object()


def in_force(scenario: Scenario, *, organs: tuple[str, ...] = ()) -> dict[str, Any]:
    """``scenario.resolved()`` with ``clones.C.organ_fates.O`` the rates in force in organ ``O``
    (the clone's ``fates`` with that organ's overrides merged in), for each organ a clone
    overrides and each of ``organs`` (a ``ValueError`` naming the organs if one is not)."""
    known = scenario.anatomy.organ_names
    unknown = [organ for organ in organs if organ not in known]
    if unknown:
        raise ValueError(f"organ: no organ {unknown[0]!r} in the anatomy {scenario.anatomy.name!r}; organs: "
                         f"{', '.join(known)}")
    data = scenario.resolved()
    for name, clone in scenario.clones.items():
        shown = dict.fromkeys([*clone.organ_fates, *organs])
        data["clones"][name]["organ_fates"] = {organ: clone.fates_in(organ).model_dump(mode="json") for organ in shown}
    return data


def organ_rows(data: Mapping[str, Any], organ: str) -> dict[str, Any]:
    """What ``data`` (``in_force(..., organs=(organ,))``, or its ``differences``) holds about
    ``organ``: its anatomy entry and each clone's rates there."""
    rows: dict[str, Any] = {}
    anatomy = data.get("anatomy", {}).get("organs", {})
    if organ in anatomy:
        rows["anatomy"] = {"organs": {organ: anatomy[organ]}}
    clones = {
        name: {"organ_fates": {organ: clone["organ_fates"][organ]}}
        for name, clone in data.get("clones", {}).items() if organ in clone.get("organ_fates", {})
    }
    if clones:
        rows["clones"] = clones
    return rows


def section(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    """``{path: what data holds at the dotted path}`` (a ``ValueError`` naming what exists where
    the path fails)."""
    node: Any = data
    keys = path.split(".")
    for depth, key in enumerate(keys):
        here = ".".join(keys[:depth]) or "the scenario"
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping):
            there = ", ".join(map(str, node)) or "nothing"
            raise ValueError(f"only: no {key!r} in {here} (path {path!r}); there: {there}")
        elif isinstance(node, list):
            raise ValueError(f"only: {here} holds {len(node)} item(s), numbered from 0 (got {key!r} in {path!r})")
        else:
            raise ValueError(f"only: {here} is a value, with nothing inside (path {path!r})")
    return {path: node}


def differences(scenario: Scenario, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` (``in_force(scenario)``) that differ from the defaults; the
    calibration record without its values (those are in force above)."""
    defaults = _defaults(scenario)
    if scenario.anatomy.name in anatomy_names():
        defaults["anatomy"] = load_anatomy(scenario.anatomy.name).model_dump(mode="json")
    if scenario.end_time is None:
        defaults["end_time"] = data["end_time"]  # the last observation, as by default
    for name, clone in defaults["clones"].items():
        fates = data["clones"][name]["fates"]
        clone["organ_fates"] = {organ: fates for organ in data["clones"][name]["organ_fates"]}
    found = _differing(data, defaults)
    found = {} if found is _SAME else found
    if scenario.calibration is not None:
        found["calibration"] = {
            **{key: value for key, value in data["calibration"].items() if key != "parameters"},
            "parameters": f"{len(scenario.calibration.parameters)} calibrated values, in force above",
        }
    return found


def _differing(value: Any, default: Any) -> Any:
    if default is REQUIRED:
        return value
    if isinstance(value, Mapping) and isinstance(default, Mapping):
        found = {key: _differing(item, default.get(key, REQUIRED)) for key, item in value.items()}
        found = {key: item for key, item in found.items() if item is not _SAME}
        return found or _SAME
    return _SAME if value == default else value


def _defaults(model: BaseModel) -> dict[str, Any]:
    """Per field of ``model``: its default as JSON data, or ``REQUIRED`` if it has none; field by
    field for a model where the default is none (``primary``, ``observation``) or no model, and for
    each model of a mapping of them."""
    defaults: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        if isinstance(value, Mapping) and value and all(isinstance(item, BaseModel) for item in value.values()):
            defaults[name] = {key: _defaults(item) for key, item in value.items()}
        elif isinstance(value, BaseModel) and default is None:
            defaults[name] = _defaults(value)
        elif field.is_required():
            defaults[name] = REQUIRED
        else:
            defaults[name] = default.model_dump(mode="json") if isinstance(default, BaseModel) else _json(default)
    return defaults


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value

"""Dotted paths into a scenario (``clones.A.organ_fates.liver.division_rate``, ``injections.0.num_cells``):
writing values at them, checking that they name something, and reading the value in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from .tumour import Clone


def with_values(data: dict[str, Any], values: Mapping[str, Any], *, where: str = "values") -> dict[str, Any]:
    """A copy of the mapping ``data`` with each ``values[path]`` written at its dotted path
    (mappings missing on the way are created; a list is entered by the index of an item it has)."""
    data = _copy(data)
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node: Any = data
        for depth, key in enumerate(parents):
            index = _index(node, key, path, ".".join(parents[:depth]), where)
            if isinstance(node, dict):
                node.setdefault(index, {})
            node = node[index]
        node[_index(node, leaf, path, ".".join(parents), where)] = value
    return data


def check_paths(data: Mapping[str, Any], paths: Iterable[str], *, organs: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless each dotted path names a field that the complete scenario
    mapping ``data`` (a ``model_dump``) holds, or a rate of an organ of ``organs`` that a clone's
    ``organ_fates`` does not override yet. The message names the path and what exists where it fails."""
    for path in paths:
        node: Any = data
        keys = path.split(".")
        for depth, key in enumerate(keys):
            here = ".".join(keys[:depth])
            if depth and keys[depth - 1] == "organ_fates" and isinstance(node, Mapping) and key not in node:
                if key in organs:
                    break  # a new override: the model checks its fields
                raise ValueError(f"{path}: no organ {key!r} in the anatomy; organs: {', '.join(organs)}")
            if isinstance(node, list):
                if not (key.isdigit() and int(key) < len(node)):
                    raise ValueError(f"{path}: {here} holds {len(node)} item(s), numbered from 0 (got {key!r})")
                node = node[int(key)]
            elif isinstance(node, Mapping):
                if key not in node:
                    raise ValueError(f"{path}: no {key!r} in {here or 'the scenario'}; there: {', '.join(node)}")
                node = node[key]
            else:
                raise ValueError(f"{path}: {here} is {_kind(node)}, with nothing inside")


def value_in_force(scenario: BaseModel, path: str) -> Any:
    """The value in force at the dotted ``path`` of the validated ``scenario``: what the path holds
    or, for an organ's fate rate (``clones.C.organ_fates.O.F``) that the organ does not override,
    the clone's own rate (``clones.C.fates.F``), as the engine sees it."""
    keys = iter(path.split("."))
    node: Any = scenario
    for key in keys:
        if isinstance(node, Clone) and key == "organ_fates":
            node = node.fates_in(next(keys, ""))
        elif isinstance(node, BaseModel) and key in type(node).model_fields:
            node = getattr(node, key)
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, tuple) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise ValueError(f"{path}: the scenario has nothing at {key!r}")
    return node


def _index(node: Any, key: str, path: str, here: str, where: str) -> Any:
    """The index of ``key`` in ``node``, the mapping or list found at ``here`` on the way along ``path``."""
    if isinstance(node, dict):
        return key
    if isinstance(node, list) and key.isdigit() and int(key) < len(node):
        return int(key)
    raise ValueError(f"{where}: the path {path!r} goes through {here!r}, which is {_kind(node)}, not a mapping")


def _kind(value: Any) -> str:
    if value is None:
        return "null (not set)"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return f"a {type(value).__name__}"


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value

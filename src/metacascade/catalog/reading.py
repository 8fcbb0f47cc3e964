"""Reading a YAML data file so that no file can hang the reader or be misread.

A file larger than its size limit is refused before it is read (the limit: ``max_bytes=``, else
the environment variable ``METACASCADE_MAX_SCENARIO_BYTES``, else ``MAX_SCENARIO_BYTES``); bytes
that are not UTF-8 are refused with their offset; the YAML is read by ``ScenarioLoader``, a safe
loader that refuses duplicate keys (YAML would keep the last silently), nesting deeper than
``MAX_DEPTH`` and documents that expand to more than ``MAX_NODES`` values once aliases are
expanded (an alias bomb: a few lines that expand to billions). Every refusal is a ``ScenarioError``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Optional

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from ..model import ScenarioError

#: Largest file read, bytes: 40x the largest catalogue scenario (breast_patient, 24 kB).
MAX_SCENARIO_BYTES = 1 << 20
#: Environment variable that overrides ``MAX_SCENARIO_BYTES`` (bytes).
MAX_BYTES_VARIABLE = "METACASCADE_MAX_SCENARIO_BYTES"
#: Values a document may hold once aliases are expanded: 25x the resolved breast_patient (~4,100).
MAX_NODES = 100_000
#: Nesting depth of a document: a resolved scenario nests 7 levels.
MAX_DEPTH = 50

_MERGE_TAG = "tag:yaml.org,2002:merge"


class ScenarioLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, deep nesting and alias bombs (``MAX_NODES``)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0  # values composed so far, each alias counted as the values it expands to
        self._sizes: dict[int, int] = {}  # id(node) -> values it expands to, once composed

    def _count(self, values: int, mark: Any) -> None:
        self._expanded += values
        if self._expanded > MAX_NODES:
            raise ComposerError(
                None, None, f"the document expands to more than {MAX_NODES:,} values once its aliases are expanded "
                "(an alias bomb?)", mark,
            )

    def compose_node(self, parent: Optional[Node], index: Any) -> Node:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise ComposerError(None, None, "found an alias to a value that contains it (a recursive alias)", mark)
            self._count(self._sizes[id(node)], mark)
            return node
        mark = self.peek_event().start_mark
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"values nest more than {MAX_DEPTH} levels deep", mark)
        start = self._expanded
        self._count(1, mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = self._expanded - start
        return node

    def compose_mapping_node(self, anchor: Optional[str]) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        seen: dict[tuple[str, str], ScalarNode] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
                continue
            first = seen.setdefault((key.tag, key.value), key)
            if first is not key:
                raise ComposerError(
                    "while composing a mapping", node.start_mark,
                    f"found duplicate key {key.value!r} (first on line {first.start_mark.line + 1})", key.start_mark,
                )
        return node


def size_limit(max_bytes: Optional[int] = None) -> int:
    """The size limit of a file, bytes: ``max_bytes``, else ``$METACASCADE_MAX_SCENARIO_BYTES``,
    else ``MAX_SCENARIO_BYTES``."""
    if max_bytes is not None:
        return max_bytes
    text = os.environ.get(MAX_BYTES_VARIABLE)
    if text is None:
        return MAX_SCENARIO_BYTES
    try:
        return int(text)
    except ValueError:
        raise ScenarioError(f"{MAX_BYTES_VARIABLE}: must be a whole number of bytes (got {text!r})") from None


def read_yaml(path: Path, *, max_bytes: Optional[int] = None) -> Any:
    """The data of the YAML file at ``path``, read safely (see the module docstring)."""
    limit = size_limit(max_bytes)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise _too_large(str(path), path.stat().st_size, limit)
    return parse_yaml(data, source=str(path), max_bytes=limit)


def parse_yaml(data: bytes, *, source: str, max_bytes: Optional[int] = None) -> Any:
    """The data of a YAML document held in memory (an upload), read as safely as a file;
    ``source`` names it in messages."""
    limit = size_limit(max_bytes)
    if len(data) > limit:
        raise _too_large(source, len(data), limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{source} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}): "
            f"{exc.reason}; save the file as UTF-8"
        ) from None
    stream = io.StringIO(text)
    stream.name = source  # marks in messages name the file
    try:
        loader = ScenarioLoader(stream)  # reads the first characters already
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML in {source}: {exc}") from None


def _too_large(source: str, size: int, limit: int) -> ScenarioError:
    """The refusal of a document of ``size`` bytes over ``limit`` (a file may have grown since its
    first ``limit`` + 1 bytes were read: then its size is no longer known to exceed it)."""
    return ScenarioError(
        f"{source} is {f'{size:,} bytes' if size > limit else 'larger than the limit'}: scenario files are at most "
        f"{limit:,} bytes (catalogue scenarios are 2-25 kB); a larger one needs max_bytes= or the "
        f"environment variable {MAX_BYTES_VARIABLE}"
    )

"""Packages whose public names load on first use, so that ``metacascade --help`` imports neither
pandas, pyarrow nor scipy (ARCHITECTURE.md convention 10: light core, lazy heavy imports)."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any


class LazyPackage(types.ModuleType):
    """A package whose ``_exports`` (name -> relative module) are imported when first read. A
    submodule named like an export (``metacascade.simulate``) does not replace the export."""

    _exports: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        exports = self.__dict__.get("_exports", {})
        if name not in exports:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], self.__name__), name)
        types.ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if not (name in self.__dict__.get("_exports", {}) and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self.__dict__.get("_exports", {})})


def lazy_exports(package: str, exports: Mapping[str, str]) -> None:
    """Make the module ``package`` a ``LazyPackage`` exporting ``exports`` (name -> module, relative
    to the package)."""
    module = sys.modules[package]
    module.__class__ = LazyPackage
    module._exports = dict(exports)

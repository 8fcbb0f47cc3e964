"""MkDocs hook: one API reference page per module of ``src/metacascade``, found at build time.

The pages and their navigation are generated from the package's files, so a module that is added,
moved or renamed appears under its new name without any edit here. Each page is a mkdocstrings
``::: module`` block (the docstrings, read statically by griffe; nothing is imported).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

PACKAGE = "metacascade"
SOURCE = Path(__file__).resolve().parents[2] / "src" / PACKAGE
REFERENCE = "reference"
SECTION = "API reference"


def modules() -> list[str]:
    """Dotted names of the package and its public modules (no ``_private`` ones), packages first."""
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts):
            continue
        names.append(".".join(parts))
    return sorted(names, key=lambda name: name.split("."))


def page(name: str) -> str:
    """The reference page of module ``name``, relative to the docs folder."""
    return f"{REFERENCE}/{name.replace('.', '/')}.md"


def _nav(names: list[str], prefix: str) -> list[Any]:
    """Nested navigation: a package's own page first, then its modules and subpackages."""
    entries: list[Any] = []
    for name in names:
        rest = name[len(prefix):]
        if not rest or "." in rest:
            continue
        children = [n for n in names if n.startswith(name + ".")]
        entries.append({name: [{name: page(name)}, *_nav(children, name + ".")]} if children else {name: page(name)})
    return entries


def on_config(config: Any) -> Any:
    names = modules()
    nav = [entry for entry in config["nav"] if SECTION not in entry]
    config["nav"] = [*nav, {SECTION: [{PACKAGE: page(PACKAGE)}, *_nav(names, PACKAGE + ".")]}]
    return config


def on_files(files: Files, config: Any) -> Files:
    for name in modules():
        files.append(File.generated(config, page(name), content=f"# `{name}`\n\n::: {name}\n"))
    return files

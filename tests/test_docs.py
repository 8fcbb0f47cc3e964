"""The documentation works: every code block of the home page and the tutorial runs, in order, and
the site (with its API reference) builds under ``mkdocs build --strict``.

Each page runs in an empty folder of its own. Its ```python blocks run in one namespace (a later
block sees what an earlier one made); a ```yaml block titled ``title="FILE"`` is written to FILE;
the lines of a ```console or ```bash block that start with ``metacascade`` (or ``$ metacascade``)
run through the CLI's ``main`` and must exit 0. A block right after ``<!-- docs-test: skip -->``
is illustrative and does not run. A failure names the page, the block and its line.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from metacascade.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [DOCS / "index.md", *sorted((DOCS / "tutorial").glob("*.md"))]
SKIP = "<!-- docs-test: skip -->"
FENCE = re.compile(r"^```(?P<lang>\w*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
TITLE = re.compile(r'title="(?P<title>[^"]+)"')
COMMANDS = ("console", "bash", "sh")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its number on the page (from 1), first line, language, title and text."""

    number: int
    line: int
    lang: str
    title: Optional[str]
    body: str
    skip: bool

    def where(self, page: Path) -> str:
        return f"{page.relative_to(ROOT)}: block {self.number} ({self.lang}, line {self.line})"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for number, match in enumerate(FENCE.finditer(text), start=1):
        title = TITLE.search(match["attrs"])
        found.append(Block(
            number, text.count("\n", 0, match.start()) + 1, match["lang"], title["title"] if title else None,
            match["body"], text[: match.start()].rstrip().endswith(SKIP),
        ))
    return found


def commands(body: str) -> list[str]:
    """The ``metacascade`` command lines of a shell block (continued lines joined; output lines left out)."""
    lines = body.replace("\\\n", " ").splitlines()
    stripped = (line.strip().removeprefix("$ ") for line in lines)
    return [line for line in stripped if line.startswith("metacascade ")]


def runnable(block: Block) -> bool:
    if block.skip:
        return False
    return (block.lang == "python" or (block.lang == "yaml" and block.title is not None)
            or (block.lang in COMMANDS and bool(commands(block.body))))


def run_block(block: Block, page: Path, namespace: dict) -> None:
    where = block.where(page)
    if block.lang == "yaml":
        Path(block.title).write_text(block.body, encoding="utf-8")
    elif block.lang == "python":
        try:
            exec(compile(block.body, where, "exec"), namespace)
        except Exception:
            pytest.fail(f"{where} raised:\n{traceback.format_exc()}", pytrace=False)
    else:
        for command in commands(block.body):
            code = main(shlex.split(command, comments=True)[1:])
            assert code == 0, f"{where}: `{command}` exited {code}"


def test_the_tutorial_has_its_pages_and_each_runs_code():
    names = [page.stem for page in PAGES[1:]]
    assert names == sorted(names) and len(names) >= 6, names
    for page in PAGES:
        assert any(runnable(block) for block in blocks(page)), f"{page.name} has no code that runs"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_every_code_block_of_the_page_runs_in_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for block in blocks(page):
        if runnable(block):
            run_block(block, page, namespace)


def test_the_site_builds_strictly_with_its_api_reference(tmp_path):
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    for page in ("index.html", "glossary/index.html", "model/index.html", "tutorial/01-assay/index.html",
                 "reference/metacascade/index.html", "reference/metacascade/model/scenario/index.html"):
        assert (site / page).is_file(), f"{page} not built"
    assert "schema_version" in (site / "reference/metacascade/model/scenario/index.html").read_text(encoding="utf-8")

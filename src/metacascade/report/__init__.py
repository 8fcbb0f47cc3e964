"""The report of a run as one self-contained HTML file (``metacascade report``) that opens offline:
the scenario and the provenance, the figures (``metacascade.viz``, embedded as PNG), the key tables
(an assay's fate summary, its published values beside the run's and its step efficiencies; a
cohort's organ pattern, detection by imaging time, survival and step efficiencies) and, for the
output folder of ``metacascade validate``, its verdicts. No script, no external resource; every
text that comes from a file is escaped.

>>> from metacascade.report import write_report
>>> write_report("runs/breast_patient")          # -> runs/breast_patient/report.html

Sits above ``validation`` (it shows what ``validate`` wrote) and below the CLI and the web page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Optional, Union

from .._version import __version__
from ..files import write_text_atomic
from ..results import Cohort, Results
from ..results.io import PathLike
from ..results.query import load_run
from ..results.rundir import PROVENANCE_FILE, REPORT_FILE
from . import html
from .sections import (Run, assay_tables, cohort_tables, figures_section, pattern_section, provenance_section,
                       scenario_section, verdicts_section)

#: What ``metacascade validate --out DIR`` writes that the report shows.
VERDICTS_FILE, PATTERN_FILE = "verdicts.json", "organ_pattern.md"


def report_html(run: Optional[Run] = None, *, verdicts: Optional[dict[str, Any]] = None,
                organ_pattern: Optional[str] = None) -> str:
    """The report page of ``run`` and/or of a validation (its ``verdicts.json`` as read, and its
    ``organ_pattern.md``)."""
    if run is None and verdicts is None:
        raise ValueError("a report needs a run or the verdicts of a validation")
    parts = []
    if run is not None:
        kind = f"{run.num_patients} patients" if isinstance(run, Cohort) else "one run"
        title = f"{run.scenario_name}: {kind}, seed {run.random_seed}"
        tables = cohort_tables(run) if isinstance(run, Cohort) else assay_tables(run)
        parts += [scenario_section(run.provenance), figures_section(run), tables]
    else:
        title = "metacascade validation"
    if verdicts is not None:
        parts.append(verdicts_section(verdicts))
    if organ_pattern is not None:
        parts.append(pattern_section(organ_pattern))
    if run is not None:
        parts.append(provenance_section(run.provenance))
    written = datetime.now(UTC).isoformat(timespec="seconds")
    return html.page(title, html.heading(title, 1),
                     html.paragraph(f"report written by metacascade {__version__} on {written}"), *parts)


def _read_validation(directory: Path) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    """The verdicts and organ pattern that ``metacascade validate`` wrote to ``directory``, if any."""
    verdicts = directory / VERDICTS_FILE
    document = None
    if verdicts.is_file():
        try:
            document = json.loads(verdicts.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{verdicts} does not read as JSON ({exc})") from None
    pattern = directory / PATTERN_FILE
    return document, pattern.read_text(encoding="utf-8") if document is not None and pattern.is_file() else None


def write_report(run_or_dir: Union[Run, PathLike], out: Optional[PathLike] = None) -> Path:
    """Write the report of a run (``Results``, ``Cohort``, or its run directory) or of the output
    folder of ``metacascade validate`` to ``out`` (default: ``report.html`` in the directory),
    atomically, replacing a file there; returns its path. An ``IsADirectoryError`` if ``out`` is a
    directory, a ``FileNotFoundError`` if the directory holds neither a run nor verdicts."""
    if out is not None and Path(out).is_dir():  # before loading the run
        raise IsADirectoryError(f"{out} is a directory: name the HTML file to write, e.g. {Path(out) / REPORT_FILE}")
    verdicts = pattern = None
    if isinstance(run_or_dir, (Results, Cohort)):
        run, directory = run_or_dir, getattr(run_or_dir, "directory", None)
    else:
        directory = Path(run_or_dir)
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory} is not a directory")
        run = load_run(directory) if (directory / PROVENANCE_FILE).exists() else None
        verdicts, pattern = _read_validation(directory)
        if run is None and verdicts is None:
            raise FileNotFoundError(f"{directory} holds neither a run ({PROVENANCE_FILE}) nor the verdicts of "
                                    f"metacascade validate ({VERDICTS_FILE})")
    if out is None and directory is None:
        raise ValueError("write_report: a run held in memory needs out, the file to write")
    out = Path(out) if out is not None else directory / REPORT_FILE
    write_text_atomic(out, report_html(run, verdicts=verdicts, organ_pattern=pattern))
    return out


__all__ = ["report_html", "write_report"]

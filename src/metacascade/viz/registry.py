"""The figures by kind (``FIGURES``), the kinds that make sense for a run (``kinds_for``), one
entry point (``figure``) and a writer (``save``): used by ``metacascade plot``, the HTML report
and the web page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ..files import write_atomic
from .body_map import body_map
from .cascade import cascade
from .clinical import ctc, survival
from .dormant import dormant_pool
from .kinds import KINDS
from .lesions import lesion_timelines
from .organs import has_primary_pattern, organ_pattern
from .runs import Run, is_cohort, lesion_sizes_kept

#: kind -> figure function (``function(run, **options) -> Figure``), in ``KINDS`` order.
FIGURES: dict[str, Callable[..., Figure]] = {
    "cascade": cascade,
    "body_map": body_map,
    "lesion_timelines": lesion_timelines,
    "organ_pattern": organ_pattern,
    "survival": survival,
    "dormant_pool": dormant_pool,
    "ctc": ctc,
}
#: What a kind needs that a run may lack (``kinds_for``).
NEEDS: dict[str, str] = {
    "lesion_timelines": "tracked lesions with their sizes: one run, or a cohort at detail='full'",
    "organ_pattern": "a cohort of a diSibio 2008 primary with at least one death in follow-up",
    "survival": "a cohort followed by an observation plan",
    "ctc": "blood draws in the observation plan",
}
#: Resolution of saved PNG files, dots per inch.
DPI = 150
FORMATS = (".png", ".svg")


#: kind -> whether it shows something for a run, for the kinds that need something (``NEEDS``).
AVAILABLE: dict[str, Callable[[Run], bool]] = {
    "lesion_timelines": lambda run: lesion_sizes_kept(run) and not run.lesions.empty,
    "organ_pattern": has_primary_pattern,
    "survival": lambda run: is_cohort(run) and not run.patients.empty,
    "ctc": lambda run: not run.ctc.empty,
}


def _shows(run: Run, kind: str) -> bool:
    return kind not in AVAILABLE or AVAILABLE[kind](run)


def kinds_for(run: Run) -> list[str]:
    """The kinds that show something for ``run``, in ``KINDS`` order (``NEEDS`` says what the others lack)."""
    return [kind for kind in KINDS if _shows(run, kind)]


def figure(run: Run, kind: str, **options: Any) -> Figure:
    """The figure ``kind`` of ``run`` (``FIGURES[kind](run, **options)``); a ``ValueError`` naming
    the kinds for an unknown kind, or for one that shows nothing for ``run``."""
    if kind not in FIGURES:
        raise ValueError(f"unknown figure kind {kind!r}; the kinds are {', '.join(FIGURES)}")
    if not _shows(run, kind):  # only this kind's test: the others may read whole tables
        raise ValueError(f"{kind}: nothing to show for {run.scenario_name}: it needs {NEEDS[kind]}; "
                         f"the figures of this run are {', '.join(kinds_for(run))}")
    return FIGURES[kind](run, **options)


def save(drawn: Figure, path: str | Path) -> Path:
    """Write ``drawn`` to ``path`` as PNG (``DPI``) or SVG, by its suffix, atomically."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: a figure is written as {' or '.join(FORMATS)} (got {path.suffix or 'no suffix'!r})")
    write_atomic(path, lambda temporary: drawn.savefig(temporary, format=path.suffix[1:].lower(), dpi=DPI))
    return path

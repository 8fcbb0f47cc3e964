"""The published targets shipped with the package: a byte copy of ``shared/data/targets.yaml``, and
the targets the package adds with their sources (``ADDED_TARGETS_FILE``, after them).

Each target is a frozen :class:`Target`: id, category, quantity, published value (a number, a
``[low, high]`` range, a table of numbers, or text for qualitative targets), units, and the optional
``range`` the source states for a lower-bound value. The diSibio 2008 autopsy matrix (per primary:
autopsies and metastasis counts over 30 sites) is :func:`disibio_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Optional

import yaml

#: Relative tolerance of a published number with no stated range, by category (``validation.rules``).
TOLERANCE: dict[str, float] = {
    "cell_fate": 0.25,
    "hemodynamics": 0.05,
    "hemodynamics_arrest": 0.5,
    "hemodynamics_sizes": 0.25,
    "shedding_ctc": 0.25,
    "organotropism": 0.5,
    "growth_kinetics": 0.1,
    "clinical_survival": 0.25,
    "clinical_recurrence": 0.25,
    "clinical_stage": 0.25,
    "therapy": 0.25,
}
#: The shipped copy, relative to this package.
TARGETS_FILE = "data/targets.yaml"
#: The targets the package adds, in the same fields, relative to this package.
ADDED_TARGETS_FILE = "data/added_targets.yaml"


@dataclass(frozen=True)
class Target:
    """One published measurement (fields as in targets.yaml)."""

    id: str
    category: str
    quantity: str
    value: Any
    units: str
    range: Optional[Any] = None

    @property
    def numeric(self) -> bool:
        """True when the published value holds a number (scalar, range or table of numbers)."""
        return _has_number(self.value)


def _has_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_number(v) for v in value)
    if isinstance(value, dict):
        return any(_has_number(v) for v in value.values())
    return False


def targets_text() -> str:
    """The shipped targets.yaml, verbatim."""
    return resources.files(__package__).joinpath(TARGETS_FILE).read_text(encoding="utf-8")


@cache
def _document() -> dict:
    return yaml.safe_load(targets_text())


@cache
def _added() -> list[dict]:
    text = resources.files(__package__).joinpath(ADDED_TARGETS_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)["targets"]


def load_targets() -> dict[str, Target]:
    """Every published target by id: the shared file's in its order, then the package's own."""
    shared = _document()["targets"]
    clash = {t["id"] for t in shared} & {t["id"] for t in _added()}
    if clash:
        raise ValueError(f"{ADDED_TARGETS_FILE}: ids already in {TARGETS_FILE}: {', '.join(sorted(clash))}")
    return {
        t["id"]: Target(t["id"], t["category"], t["quantity"], t["value"], t["units"], t.get("range"))
        for t in (*shared, *_added())
    }


def disibio_matrix() -> dict:
    """The diSibio 2008 autopsy matrix: ``sites`` (30 names) and ``primaries`` (name ->
    n_autopsies, metastases_total, counts per site in the order of ``sites``)."""
    return _document()["disibio2008_matrix"]


def tolerance_of(target: Target) -> float:
    """The category's relative tolerance (ValueError naming the category if it has none)."""
    try:
        return TOLERANCE[target.category]
    except KeyError:
        raise ValueError(
            f"target {target.id}: category {target.category!r} has no tolerance (known: {sorted(TOLERANCE)})"
        ) from None

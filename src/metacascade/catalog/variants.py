"""Catalogue variants (``variants.yaml``): a scenario file of the catalogue with some values set,
listed and loaded by name as a file is (``load_scenario("breast_adjuvant")``).

A variant names its ``base`` (a scenario file of the catalogue), its own ``description`` and
``citation`` (``{base}`` in them stands for the base's name; the base's citation follows its own)
and ``values`` at dotted paths, as ``Scenario.with_values`` takes them (``host.postmenopausal_probability``;
a whole section: ``therapy``). The values are written into the base file's data before validation,
so a variant keeps its base's calibration record, checked as a file's is; a value at, inside or
above a calibrated path is refused (the record would no longer describe the scenario:
``metacascade derive`` changes such values and drops the record).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..model import ScenarioError, format_validation_error
from ..model._base import Frozen
from ..model.paths import with_values
from .reading import MAX_SCENARIO_BYTES, read_yaml

#: The catalogue's variants: name -> variant.
VARIANTS_FILE = Path(__file__).parent / "variants.yaml"
#: Stands for the base's name in a variant's description and citation.
BASE = "{base}"


class Variant(Frozen):
    """A scenario file of the catalogue with some values set."""

    base: str = Field(description="the catalogue scenario file it starts from (its name)")
    description: str = Field(min_length=1, description="what it is and what its base's calibration still claims")
    citation: str = Field(default="", description="sources of its values; the base's citation follows")
    values: dict[str, Any] = Field(min_length=1, description="dotted path -> value set on the base")

    def applied(self, name: str, base: dict[str, Any]) -> dict[str, Any]:
        """The scenario mapping of the variant ``name``: the base file's mapping ``base`` with the
        values set, named and described (a ``ScenarioError`` if a value touches a calibrated path)."""
        calibrated = [item.get("path") for item in (base.get("calibration") or {}).get("parameters", ())
                      if isinstance(item, dict)]
        for path in self.values:
            touched = [c for c in calibrated if isinstance(c, str) and (f"{c}.".startswith(f"{path}.")
                                                                         or path.startswith(f"{c}."))]
            if touched:
                raise ScenarioError(
                    f"variant {name}: values.{path}: sets {len(touched)} calibrated value(s) of {self.base} "
                    f"({touched[0]}{', ...' if len(touched) > 1 else ''}); a variant keeps its base's calibrated "
                    "values: set other paths, or change these with `metacascade derive` (which drops the record)"
                )
        try:
            data = with_values(base, self.values, where=f"variant {name}: values")
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        citation = " ".join(filter(None, (self.citation, base.get("citation", ""))))
        return {**data, "name": name, "description": self.description.replace(BASE, self.base),
                "citation": citation.replace(BASE, self.base)}


def read_variants(data: Any, *, source: str) -> dict[str, Variant]:
    """The variants of the mapping ``data`` (name -> variant), each validated (``source`` names the file)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"invalid {source}: expected a mapping of variant names (got {type(data).__name__})")
    variants = {}
    for name, entry in data.items():
        try:
            variants[str(name)] = Variant.model_validate(entry)
        except ValidationError as exc:
            raise ScenarioError(format_validation_error(exc, source=f"variant {name} of {source}", model=Variant)) from None
    return variants


def catalogue_variants() -> dict[str, Variant]:
    """The catalogue's variants (``VARIANTS_FILE``), by name."""
    return read_variants(read_yaml(VARIANTS_FILE, max_bytes=MAX_SCENARIO_BYTES), source=VARIANTS_FILE.name)

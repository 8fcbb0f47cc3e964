"""The catalogue: default anatomies and published scenarios, as YAML data files with citations.

A scenario file may name a catalogue anatomy (``anatomy: mouse``); loading resolves the name to
the full anatomy before validation, so a ``Scenario`` is always complete. A variant
(``catalog.variants``) is a scenario file with some values set, and a generated patient
(``catalog.primaries``) a diSibio 2008 primary without a hand-written scenario; both are listed and
loaded by name as a file is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

from pydantic import ValidationError

from ..engine.lower import check_runnable
from ..model import Anatomy, Scenario, ScenarioError, format_validation_error
from .primaries import PRIMARIES_FILE, generated_scenario, read_primaries
from .reading import MAX_BYTES_VARIABLE, MAX_SCENARIO_BYTES, parse_yaml, read_yaml
from .variants import VARIANTS_FILE, Variant, catalogue_variants

CATALOG_DIR = Path(__file__).parent
ANATOMY_DIR = CATALOG_DIR / "anatomy"
SCENARIO_DIR = CATALOG_DIR / "scenarios"


def _names(folder: Path) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.yaml"))


def scenario_names() -> list[str]:
    """Names of the published scenarios in the catalogue: its files, its variants and its generated patients."""
    return sorted([*_names(SCENARIO_DIR), *variant_names(), *generated_names()])


def variant_names() -> list[str]:
    """Names of the catalogue's variants (``catalog.variants``)."""
    return sorted(catalogue_variants())


def generated_names() -> list[str]:
    """Names of the patient scenarios generated for the diSibio 2008 primaries (``catalog.primaries``)."""
    return sorted(read_primaries().generated())


def anatomy_names() -> list[str]:
    """Names of the anatomies in the catalogue."""
    return _names(ANATOMY_DIR)


def load_anatomy(name: str) -> Anatomy:
    """A catalogue anatomy by name."""
    if name not in anatomy_names():
        raise ScenarioError(f"anatomy: unknown anatomy {name!r}; allowed: {', '.join(anatomy_names())}")
    return Anatomy.model_validate(read_yaml(ANATOMY_DIR / f"{name}.yaml", max_bytes=MAX_SCENARIO_BYTES))


def scenario_path(name_or_path: Union[str, Path]) -> Path:
    text = str(name_or_path)
    if text in _names(SCENARIO_DIR):
        return SCENARIO_DIR / f"{text}.yaml"
    variants = catalogue_variants()
    if text in variants:
        raise ScenarioError(f"{text} is a variant of {variants[text].base} ({VARIANTS_FILE.name}), not a file: "
                            f"its file is {variants[text].base}'s")
    if text in generated_names():
        raise ScenarioError(f"{text} is generated from its record in {PRIMARIES_FILE.name} (catalog.primaries), "
                            "not a file")
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ScenarioError(f"scenario file not found: {path}")
        return path
    raise ScenarioError(
        f"unknown scenario {text!r}: not a catalogue name ({', '.join(scenario_names())}) nor a YAML file"
    )


def scenario_from_data(data: Any, *, source: str = "scenario", stale_calibration: str = "error") -> Scenario:
    """Validate a terse scenario mapping (anatomy may be a catalogue name) into a ``Scenario``.

    A calibration block whose fit started from other values than the mapping holds at its paths
    is an error, or with ``stale_calibration="drop"`` is left out with a
    ``model.StaleCalibrationWarning`` (``model.calibration_record``)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"invalid {source}: expected a mapping at the top level (got {type(data).__name__})")
    anatomy = data.get("anatomy")
    if isinstance(anatomy, str):
        data = {**data, "anatomy": load_anatomy(anatomy).model_dump()}
    try:
        scenario = Scenario.model_validate(data, context={"stale_calibration": stale_calibration})
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=source, model=Scenario)) from None
    try:
        check_runnable(scenario)
    except ScenarioError as exc:
        raise ScenarioError(f"invalid {source}: 1 error(s)\n  {exc}") from None
    return scenario


def scenario_from_yaml(
    content: bytes, *, source: str = "uploaded scenario", max_bytes: Optional[int] = None,
    stale_calibration: str = "error",
) -> Scenario:
    """A validated ``Scenario`` from the bytes of a YAML file held in memory (an upload), read and
    validated as ``load_scenario`` reads a file: the same limits and messages, ``source`` naming it."""
    data = parse_yaml(content, source=source, max_bytes=max_bytes)
    return scenario_from_data(data, source=source, stale_calibration=stale_calibration)


def load_scenario(
    name_or_path: Union[str, Path, Scenario], *, calibrated: bool = True, max_bytes: Optional[int] = None,
    stale_calibration: str = "error",
) -> Scenario:
    """A validated ``Scenario`` from a catalogue name, a YAML path, or a ``Scenario`` (returned as is).

    ``calibrated=False`` leaves out the file's calibration block: the values written in the file
    itself, which the calibration started from; ``stale_calibration`` is as in ``scenario_from_data``.
    A file is read safely (``catalog.reading``): at most ``max_bytes`` bytes (default: the
    environment variable ``METACASCADE_MAX_SCENARIO_BYTES``, else 1 MiB), UTF-8, without duplicate
    keys or alias bombs; anything else is a ``ScenarioError``.
    """
    if isinstance(name_or_path, Scenario):
        return name_or_path
    variants = catalogue_variants()
    if str(name_or_path) in variants:
        return load_variant(str(name_or_path), variants[str(name_or_path)], calibrated=calibrated, max_bytes=max_bytes,
                            stale_calibration=stale_calibration)
    if str(name_or_path) in generated_names():
        return scenario_from_data(generated_scenario(str(name_or_path)), source=f"generated {name_or_path} "
                                  f"({PRIMARIES_FILE.name})", stale_calibration=stale_calibration)
    path = scenario_path(name_or_path)
    data = read_yaml(path, max_bytes=max_bytes)
    if not calibrated and isinstance(data, dict):
        data = {key: value for key, value in data.items() if key != "calibration"}
    return scenario_from_data(data, source=str(path), stale_calibration=stale_calibration)


def load_variant(
    name: str, variant: Variant, *, calibrated: bool = True, max_bytes: Optional[int] = None,
    stale_calibration: str = "error",
) -> Scenario:
    """The scenario of the variant ``name``: its base file read as ``load_scenario`` reads it (the
    same arguments), its values set (``Variant.applied``), validated."""
    files = _names(SCENARIO_DIR)
    if variant.base not in files:
        raise ScenarioError(f"variant {name}: base: unknown catalogue scenario file {variant.base!r}; "
                            f"allowed: {', '.join(files)}")
    base = read_yaml(SCENARIO_DIR / f"{variant.base}.yaml", max_bytes=max_bytes)
    if not calibrated:
        base = {key: value for key, value in base.items() if key != "calibration"}
    source = f"variant {name} of {variant.base} ({VARIANTS_FILE.name})"
    return scenario_from_data(variant.applied(name, base), source=source, stale_calibration=stale_calibration)


__all__ = [
    "MAX_BYTES_VARIABLE",
    "MAX_SCENARIO_BYTES",
    "anatomy_names",
    "generated_names",
    "load_anatomy",
    "load_scenario",
    "load_variant",
    "scenario_from_data",
    "scenario_from_yaml",
    "scenario_names",
    "variant_names",
]

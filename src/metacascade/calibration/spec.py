"""What to calibrate in a scenario, and how: the calibration specs (data, like scenarios).

The catalogue ships one spec per calibrated scenario (``catalog/calibrations.yaml``); a user passes
their own with ``metacascade calibrate SCENARIO --spec FILE``. Two methods:

- ``abc-smc``: likelihood-free, for targets read from simulated runs (``calibration.assay_fit``):
  log-uniform priors on the fields named by their dotted paths;
- ``organ-soil``: seed–soil compatibility from an autopsy row of diSibio 2008
  (``calibration.soil``): per-organ multipliers of every clone's colonisation rates.

The catalogue's patient scenarios are fitted together instead (``seed-soil``, the file's
``seed_soil`` entry, ``calibration.seed_soil``): one soil shared by all, one seed each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import yaml
from pydantic import Field, TypeAdapter, ValidationError, model_validator

from ..catalog import CATALOG_DIR
from ..model import ScenarioError, format_validation_error
from ..model._base import Frozen

SPEC_FILE = CATALOG_DIR / "calibrations.yaml"


class Prior(Frozen):
    """Log-uniform prior bounds of one positive parameter."""

    low: float = Field(gt=0.0)
    high: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"high: must exceed low (got low {self.low}, high {self.high})")
        return self


class AbcSpec(Frozen):
    """ABC-SMC over the fields at ``priors``' paths against assay targets."""

    method: Literal["abc-smc"]
    targets: tuple[str, ...] = Field(min_length=1)
    priors: dict[str, Prior] = Field(min_length=1, description="dotted path -> log-uniform bounds")
    population_size: int = Field(default=150, ge=10)
    generations: int = Field(default=5, ge=1)
    replicates: int = Field(default=1, ge=1, description="runs averaged per particle")


class FixedPoint(Frozen):
    """The cohorts and steps of a fixed point on simulated autopsies (``SoilSpec``, ``JointSpec``)."""

    num_patients: int = Field(default=200, ge=10, description="patients of a first cohort")
    min_deaths: int = Field(default=80, ge=1, description="autopsies a cohort should give (it grows until then)")
    max_patients: int = Field(default=800, ge=10, description="the largest cohort")
    max_step: float = Field(default=30.0, gt=1.0, description="largest change of a rate per iteration")
    damping: float = Field(default=0.75, gt=0.0, le=1.0, description="power of the hazard ratio applied")
    follow_up_years: Optional[int] = Field(
        default=None, ge=1, description="years the cohorts are followed for their autopsies (default: the scenario's)")


class SoilSpec(FixedPoint):
    """Per-organ seed–soil multipliers of ``rates`` against one diSibio 2008 row."""

    method: Literal["organ-soil"]
    targets: tuple[Literal["disibio2008_full_matrix"]] = ("disibio2008_full_matrix",)
    primary: str = Field(description="the diSibio 2008 primary (row) the scenario stands for")
    rates: tuple[str, ...] = ("division_rate", "reactivation_rate")
    iterations: int = Field(default=5, ge=1)
    held_sites: tuple[str, ...] = Field(
        default=(), description="sites of the row that steer nothing: their multiplier stays 1 (JointSpec.unfitted_sites)")


class JointSpec(FixedPoint):
    """One soil shared by the patient scenarios ``members`` and a seed each, against their diSibio 2008 rows."""

    method: Literal["seed-soil"]
    members: dict[str, str] = Field(min_length=2, description="scenario name -> the diSibio 2008 primary it stands for")
    iterations: int = Field(default=4, ge=1)
    pairing_iterations: int = Field(
        default=4, ge=0, description="organ-soil steps of each member's seed–soil pairing on top of the joint fit (0: none)")
    seed_rounds: int = Field(
        default=2, ge=0, description="steps of the own seed of each generated primary (catalog.primaries), soil held (0: none)")
    unfitted_sites: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="diSibio primary -> sites of its row that steer neither the soil nor its seed (weight 0; its "
                    "pairing held at 1): shares that measure the series' operations, not the natural history; "
                    "still simulated and reported")

    @model_validator(mode="after")
    def _unfitted_of_members(self) -> JointSpec:
        unknown = sorted(set(self.unfitted_sites) - set(self.members.values()))
        if unknown:
            raise ValueError(f"unfitted_sites: {', '.join(unknown)} not among the members' primaries "
                             f"({', '.join(self.members.values())})")
        return self


#: The entry of the catalogue's spec file that holds the joint fit.
JOINT_ENTRY = "seed_soil"
CalibrationSpec = Annotated[Union[AbcSpec, SoilSpec], Field(discriminator="method")]
_SPEC = TypeAdapter(CalibrationSpec)


def parse_spec(data: object, *, source: str) -> Union[AbcSpec, SoilSpec]:
    """A validated spec, or a ``ScenarioError`` naming the field, the value and what is allowed."""
    try:
        return _SPEC.validate_python(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=source)) from None


def _document() -> dict:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def catalogue_specs() -> dict[str, Union[AbcSpec, SoilSpec]]:
    """The catalogue's spec of each scenario calibrated alone, by scenario name."""
    return {name: parse_spec(data, source=f"{SPEC_FILE.name}: {name}")
            for name, data in _document().items() if name != JOINT_ENTRY}


def joint_spec(path: Optional[Path] = None) -> JointSpec:
    """The joint seed–soil spec in ``path``, or the catalogue's (its ``seed_soil`` entry)."""
    source = f"{SPEC_FILE.name}: {JOINT_ENTRY}" if path is None else f"calibration spec {path}"
    try:
        data = _document()[JOINT_ENTRY] if path is None else yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return JointSpec.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read the calibration spec {path}: {exc}") from None
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=source)) from None


def load_spec(scenario: str, path: Optional[Path] = None) -> Union[AbcSpec, SoilSpec]:
    """The spec in ``path``, or the catalogue's for ``scenario``."""
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ScenarioError(f"cannot read the calibration spec {path}: {exc}") from None
        return parse_spec(data, source=f"calibration spec {path}")
    specs = catalogue_specs()
    if scenario in joint_spec().members:
        raise ScenarioError(f"{scenario!r} is fitted with the other patient scenarios (one soil shared, a seed each): "
                            "run `metacascade calibrate-joint`, or pass a spec of your own with --spec FILE")
    if scenario not in specs:
        raise ScenarioError(
            f"no calibration spec for {scenario!r} in the catalogue (calibrated: {', '.join(specs)}); "
            "pass one with --spec FILE"
        )
    return specs[scenario]

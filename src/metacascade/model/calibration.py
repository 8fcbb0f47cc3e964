"""Where a scenario's calibrated values came from: the record ``metacascade calibrate`` writes.

A scenario may carry a ``calibration`` block. Each of its parameters names a field of the scenario
by its dotted path (``clones.B16F1.organ_fates.liver.vessel_death_rate``) and gives the calibrated
value, its interval and, for Bayesian fits, the prior. Loading applies the values over the rest of
the file, so the record is the one place a calibrated number is written; ``metacascade resolve``
shows the result.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import Field, model_validator

from ._base import Frozen
from .bounds import Finite, Fraction, number

#: Allowed characters of a path segment (organ, clone and field names).
PATH_PATTERN = r"^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)+$"


class CalibratedValue(Frozen):
    """One calibrated field: its value, the interval around it and the prior it was drawn from."""

    path: str = Field(pattern=PATH_PATTERN, description="dotted path of the field in the scenario")
    value: Finite = Field(description="the calibrated value (bounded by the field it is written to)")
    low: Optional[Finite] = Field(default=None, description="lower end of the interval")
    high: Optional[Finite] = Field(default=None, description="upper end of the interval")
    prior: Optional[tuple[Finite, Finite]] = Field(default=None, description="log-uniform prior bounds")

    @model_validator(mode="after")
    def _ordered(self) -> CalibratedValue:
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value: must lie in [low, high] (got {self.value} not in [{self.low}, {self.high}])")
        return self


class Calibration(Frozen):
    """The provenance of a calibrated parameter set: targets, method, seed, version, diagnostics."""

    method: str = Field(description="e.g. abc-smc, organ-soil fixed point, closed-form root")
    targets: tuple[str, ...] = Field(min_length=1, description="target ids in targets.yaml")
    random_seed: Optional[number(int, ge=0)] = Field(default=None, description="seed of the fit (None: deterministic)")
    package_version: str
    created: str = Field(description="ISO date of the fit")
    command: str = Field(default="", description="the command that reproduces the fit")
    interval: Fraction = Field(default=0.9, gt=0.0, lt=1.0, description="probability of each [low, high]")
    parameters: tuple[CalibratedValue, ...] = Field(min_length=1)
    diagnostics: dict[str, Union[Annotated[float, Field(allow_inf_nan=True)], int, str]] = Field(
        default_factory=dict, description="numbers of the fit (a record: an ABC epsilon may be inf)"
    )

    @model_validator(mode="after")
    def _distinct(self) -> Calibration:
        paths = [p.path for p in self.parameters]
        repeated = sorted({p for p in paths if paths.count(p) > 1})
        if repeated:
            raise ValueError(f"parameters: each path once (repeated: {', '.join(repeated)})")
        return self


def apply_calibration(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the scenario mapping ``data`` with the calibrated values of its ``calibration``
    block written at their paths."""
    record = data.get("calibration")
    if not isinstance(record, dict) or not isinstance(record.get("parameters"), (list, tuple)):
        return data
    values = {
        parameter["path"]: parameter["value"]
        for parameter in record["parameters"]
        if isinstance(parameter, dict) and isinstance(parameter.get("path"), str) and "value" in parameter
    }  # a malformed entry is reported by the record's own validation
    return with_values(data, values, where="calibration.parameters")


def with_values(data: dict[str, Any], values: dict[str, Any], *, where: str = "values") -> dict[str, Any]:
    """A copy of the mapping ``data`` with each ``values[path]`` written at its dotted path
    (mappings missing on the way are created)."""
    data = _copy(data)
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node = data
        for depth, key in enumerate(parents):
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ValueError(
                    f"{where}: the path {path!r} goes through {'.'.join(parents[: depth + 1])!r}, "
                    f"which is a {type(child).__name__}, not a mapping"
                )
            node = child
        node[leaf] = value
    return data


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    return value

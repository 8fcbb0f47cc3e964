"""Where a scenario's calibrated values came from: the record ``metacascade calibrate`` writes.

A scenario may carry a ``calibration`` block. Each of its parameters names a field of the scenario
by its dotted path (``clones.B16F1.organ_fates.liver.vessel_death_rate``) and gives the value the
fit started from (``start``), the calibrated value, its interval and, for Bayesian fits, the prior.
Loading applies the values over the rest of the file, so the record is the one place a calibrated
number is written; ``metacascade resolve`` shows the result.

A record cannot describe a file it was not fitted to: at each of its paths the file must still hold
the value the fit started from (or the calibrated value itself, as a resolved scenario does). A file
edited there (a copy of a catalogue scenario with another rate) is refused, naming the path and
both values; ``stale_calibration="drop"`` loads it with its own values and without the record, with
a ``StaleCalibrationWarning``. ``Scenario.with_values`` and ``metacascade derive`` change values the
honest way: the result keeps the calibrated values as plain values and carries no record.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Callable, Optional, Union

from pydantic import Field, ValidationError, model_validator

from ..errors import StaleCalibrationWarning  # noqa: F401 (re-exported)
from ._base import Frozen
from .bounds import Finite, Fraction, number
from .paths import value_in_force, with_values

#: Allowed characters of a path segment (organ, clone and field names).
PATH_PATTERN = r"^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)+$"
#: What loading does with a stale record (see the module docstring).
STALE_CALIBRATION = ("error", "drop")
#: Stale paths named in an error; the others are counted.
SHOWN_PATHS = 3



class CalibratedValue(Frozen):
    """One calibrated field: where its fit started, its value, the interval around it and the prior."""

    path: str = Field(pattern=PATH_PATTERN, description="dotted path of the field in the scenario")
    start: Finite = Field(
        description="the value in force at the path when the fit started: the file's value there or, where the file "
        "wrote none, the default that applied (for an organ's rate, the clone's own rate in `fates`)"
    )
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


def apply_calibration(
    data: dict[str, Any], uncalibrated: Callable[[dict[str, Any]], Any], *, stale: str = "error"
) -> dict[str, Any]:
    """A copy of the scenario mapping ``data`` with the calibrated values of its ``calibration``
    block written at their paths, once checked that the record describes ``data``.

    ``uncalibrated`` validates ``data`` without its block (where the fit started) into a scenario,
    or gives None if that is invalid: then ``data`` without its block is returned, so that its
    validation reports the file's own errors, at calibrated paths too. A stale record raises
    ``ValueError``, or with ``stale="drop"`` is left out (``data`` without its block is returned)
    with a ``StaleCalibrationWarning``. A malformed record is returned as it is, for its own
    validation to report.
    """
    if stale not in STALE_CALIBRATION:
        raise ValueError(f"stale_calibration: must be one of {', '.join(STALE_CALIBRATION)} (got {stale!r})")
    if data.get("calibration") is None:
        return data
    try:
        record = Calibration.model_validate(data["calibration"])
    except ValidationError:
        return data
    base = {key: value for key, value in data.items() if key != "calibration"}
    start = uncalibrated(base)
    if start is None:
        return base
    changed = _stale_values(record, start)
    if not changed:
        return with_values(data, {p.path: p.value for p in record.parameters}, where="calibration.parameters")
    message = _stale_message(record, changed)
    if stale == "error":
        raise ValueError(
            f"calibration: {message}. Remove the calibration block (the file's own values then apply), change "
            "values with `metacascade derive` (which writes no calibration claim), recalibrate with `metacascade "
            "calibrate`, or load it without the record (--drop-stale-calibration; stale_calibration='drop')"
        )
    warnings.warn(f"calibration record dropped: {message}; the file's own values apply", StaleCalibrationWarning)
    return base


def _stale_values(record: Calibration, start: Any) -> dict[str, Any]:
    """Path -> value in force in ``start`` (the scenario without its record) of each of ``record``'s
    parameters where ``start`` holds neither the value the fit started from nor the calibrated value."""
    changed = {}
    for parameter in record.parameters:
        try:
            value = value_in_force(start, parameter.path)
        except ValueError:
            continue  # a path to nothing: applying the record reports it with what is allowed there
        if value not in (parameter.start, parameter.value):
            changed[parameter.path] = value
    return changed


def _stale_message(record: Calibration, changed: dict[str, Any]) -> str:
    parameters = {p.path: p for p in record.parameters}
    shown = [
        f"{path} is {value!r} in the file, the fit started from {parameters[path].start!r} "
        f"(and calibrated it to {parameters[path].value!r})"
        for path, value in list(changed.items())[:SHOWN_PATHS]
    ]
    more = len(changed) - len(shown)
    fit = f"the fit `{record.command}`" if record.command else f"the {record.method} fit of {record.created}"
    return (f"the file no longer holds the values {fit} started from at {len(changed)} of its calibrated path(s): "
            + "; ".join(shown) + (f"; and {more} more" if more else ""))

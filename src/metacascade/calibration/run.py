"""``metacascade calibrate``: fit a scenario to its targets and write the calibrated set with its
provenance (targets, method, seed, version, diagnostics).

The output folder holds ``scenario.yaml`` (the scenario file with its ``calibration`` block
replaced: comments kept, loadable by ``metacascade run``), ``calibration.yaml`` (the block alone),
``fit.csv`` (published vs simulated), ``diagnostics.csv`` (per ABC generation or soil iteration)
and, for ABC, ``particles.parquet`` (the final population). It is written beside and renamed into
place, so an interrupted fit leaves nothing half-written. The catalogue's calibrated scenarios are
such ``scenario.yaml`` files (``make calibrate``).
"""

from __future__ import annotations

import datetime
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

import pandas as pd
import yaml

from .._version import __version__
from ..catalog import load_scenario, scenario_path
from ..model import Calibration
from ..model.paths import value_in_force
from ..parallel import single_threaded
from ..results.io import check_target
from ..results.rundir import is_empty
from . import assay_fit, soil
from .spec import AbcSpec, SoilSpec

#: Significant digits of the calibrated values written to the record.
DIGITS = 4
#: The comment line that opens a calibration block in a scenario file, and how every version of it starts.
BLOCK_MARK = "# Written by `metacascade calibrate`"
BLOCK_COMMENT = f"{BLOCK_MARK}: each value replaces the field its path names, which must still hold the fit's `start`"


@dataclass(frozen=True)
class CalibrationRun:
    """A finished fit: the record, the per-target (or per-site) fit and the per-step diagnostics."""

    record: Calibration
    fit: pd.DataFrame
    diagnostics: pd.DataFrame
    particles: Optional[pd.DataFrame] = None


def _rounded(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


@single_threaded()
def calibrate(
    scenario: Union[str, Path], spec: Union[AbcSpec, SoilSpec], *, random_seed: int, workers: int = 1,
    backend: str = "local", scheduler: Optional[str] = None, command: str = "",
    progress: Optional[Callable[[int, float], None]] = None,
) -> CalibrationRun:
    """Fit ``scenario`` (a catalogue name or a YAML path) as ``spec`` says, from the values its file
    writes (its calibration block left out), so that the record's command replays the fit. The
    simulations run in ``workers`` local processes or on Dask (``backend``, ``scheduler``: as in
    ``simulate``); the fit does not depend on where."""
    loaded = load_scenario(scenario, calibrated=False)
    where = {"workers": workers, "backend": backend, "scheduler": scheduler}
    if isinstance(spec, AbcSpec):
        result = assay_fit.fit(loaded.model_dump(mode="json"), spec, random_seed=random_seed, progress=progress, **where)
        parameters, diagnostics = assay_fit.record_fields(result, spec, 0.9)
        fit, steps, particles = assay_fit.fit_table(result, spec), result.diagnostics(), result.particles()
    else:
        result = soil.fit(loaded, spec, random_seed=random_seed, progress=progress, **where)
        parameters, diagnostics = soil.record_fields(result, spec)
        fit, steps, particles = result.table, result.iterations, None
    for parameter in parameters:
        for key in ("value", "low", "high"):
            parameter[key] = _rounded(parameter[key])
        parameter["start"] = value_in_force(loaded, parameter["path"])
    record = Calibration(
        method=spec.method, targets=spec.targets, random_seed=random_seed, package_version=__version__,
        created=datetime.date.today().isoformat(), command=command, parameters=parameters,
        diagnostics={k: (_rounded(v) if isinstance(v, float) else v) for k, v in diagnostics.items()},
    )
    return CalibrationRun(record, fit, steps, particles)


def with_block(text: str, record: Calibration) -> str:
    """The scenario file ``text`` with its calibration block (if any) replaced by ``record``'s, last."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith(BLOCK_MARK) or re.match(r"^calibration\s*:", line):
            skipping = True
            continue
        if skipping and line and not line[0].isspace() and not line.startswith("#"):
            skipping = False
        if not skipping:
            kept.append(line)
    body = yaml.safe_dump({"calibration": record.model_dump(mode="json", exclude_none=True)}, sort_keys=False,
                          width=110)
    return "\n".join([*kept, BLOCK_COMMENT, body.rstrip("\n")]) + "\n"


#: What ``write`` puts in a calibration folder: a folder holding anything else is never replaced.
CALIBRATION_FILES = ("scenario.yaml", "calibration.yaml", "fit.csv", "diagnostics.csv", "particles.parquet")


def _check_ours(out: Path) -> None:
    """Raise ``FileExistsError`` unless ``out`` is a calibration folder that ``write`` wrote."""
    foreign = sorted(entry.name for entry in out.iterdir() if entry.name not in CALIBRATION_FILES)
    if foreign or not (out / "calibration.yaml").is_file():
        reason = f"it holds {', '.join(foreign[:5])}" if foreign else "it has no calibration.yaml"
        raise FileExistsError(f"{out} is not a calibration folder that metacascade wrote ({reason}); --overwrite "
                              "replaces only those: move or remove it yourself, or choose another folder")


def write(run: CalibrationRun, scenario: Union[str, Path], out: Union[str, Path], *, overwrite: bool = False) -> Path:
    """Write ``run`` into the folder ``out`` (created; an existing one only with ``overwrite``, and
    only a calibration folder that this function wrote)."""
    out = Path(out)
    check_target(out, overwrite, how="--overwrite")
    if out.is_dir() and not is_empty(out):
        _check_ours(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        source = scenario_path(scenario)
        (staging / "scenario.yaml").write_text(with_block(source.read_text(encoding="utf-8"), run.record), encoding="utf-8")
        (staging / "calibration.yaml").write_text(
            yaml.safe_dump(run.record.model_dump(mode="json", exclude_none=True), sort_keys=False, width=110),
            encoding="utf-8")
        run.fit.to_csv(staging / "fit.csv")
        run.diagnostics.to_csv(staging / "diagnostics.csv")
        if run.particles is not None:
            run.particles.to_parquet(staging / "particles.parquet")
        load_scenario(staging / "scenario.yaml")  # the written file must load
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out

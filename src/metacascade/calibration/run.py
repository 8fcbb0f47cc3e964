"""``metacascade calibrate``: fit a scenario to its targets and write the calibrated set with its
provenance (targets, method, seed, version, diagnostics).

The output folder holds ``scenario.yaml`` (the scenario file with its ``calibration`` block
replaced: comments kept, loadable by ``metacascade run``), ``calibration.yaml`` (the block alone),
``fit.csv`` (published vs simulated), ``diagnostics.csv`` (per ABC generation or soil iteration)
and, for ABC, ``particles.parquet`` (the final population). It is written beside and renamed into
place, so an interrupted fit leaves nothing half-written. The catalogue's calibrated scenarios are
such ``scenario.yaml`` files (``make calibrate``).

``metacascade calibrate-joint`` fits the catalogue's patient scenarios together (``seed_soil``) and
writes ``seed_soil.yaml`` (the shared soil, every seed and the fit's provenance), each member's
``scenarios/NAME.yaml``, ``fit.csv`` (per primary and site), ``diagnostics.csv`` (per iteration and
primary) and ``shares.csv`` (explained shares, joint and leave-one-primary-out).
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
from ..catalog.seed_soil import SEED_SOIL_FILE, read_seed_soil
from ..model import Calibration
from ..model.paths import value_in_force
from ..parallel import single_threaded
from ..results.io import check_target
from ..results.rundir import is_empty
from . import assay_fit, seed_soil, soil
from .spec import AbcSpec, JointSpec, SoilSpec

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
    return CalibrationRun(_record(loaded, spec.method, spec.targets, random_seed, command, parameters, diagnostics),
                          fit, steps, particles)


def _record(loaded, method: str, targets, random_seed: int, command: str, parameters: list[dict],
            diagnostics: dict) -> Calibration:
    """The calibration record of ``parameters`` (path, value, low, high) fitted in the uncalibrated
    scenario ``loaded``: values rounded, each with the value in force where the fit started."""
    for parameter in parameters:
        for key in ("value", "low", "high"):
            if key in parameter:
                parameter[key] = _rounded(parameter[key])
        parameter["start"] = value_in_force(loaded, parameter["path"])
    return Calibration(
        method=method, targets=targets, random_seed=random_seed, package_version=__version__,
        created=datetime.date.today().isoformat(), command=command, parameters=parameters,
        diagnostics={k: (_rounded(v) if isinstance(v, float) else v) for k, v in diagnostics.items()},
    )


@dataclass(frozen=True)
class JointRun:
    """A finished joint fit: the record file's content and each member's calibration record."""

    fit: seed_soil.JointFit
    record_file: dict
    records: dict[str, Calibration]


@single_threaded()
def calibrate_joint(
    spec: JointSpec, *, start: Path = SEED_SOIL_FILE, random_seed: int, workers: int = 1,
    backend: str = "local", scheduler: Optional[str] = None, command: str = "",
    progress: Optional[Callable[[str], None]] = None,
) -> JointRun:
    """Fit ``spec.members`` together from the seed-soil record ``start`` (``seed_soil.fit``)."""
    initial = seed_soil.State.of(read_seed_soil(start))
    result = seed_soil.fit(spec, initial, random_seed=random_seed, workers=workers, backend=backend,
                           scheduler=scheduler, progress=progress)
    return joint_run(result, spec, start=initial, random_seed=random_seed, command=command)


def joint_run(result: seed_soil.JointFit, spec: JointSpec, *, start: seed_soil.State, random_seed: int,
              command: str) -> JointRun:
    """``result`` with its record file and the members' calibration records."""
    provenance = seed_soil.record(result, spec, random_seed=random_seed, command=command, start=start)
    records = {}
    for name, primary in spec.members.items():
        loaded = load_scenario(name, calibrated=False)
        parameters = [{"path": path, "value": value}
                      for path, value in seed_soil.values(loaded, primary, result.state).items()]
        shares = result.shares.loc[primary]
        records[name] = _record(loaded, "seed-soil", ("disibio2008_full_matrix",), random_seed, command, parameters, {
            "primary": primary, "explained_share": float(shares["with_pairing"]),
            "explained_share_joint": float(shares["explained_share"]), "leave_one_out": float(shares["leave_one_out"]),
            "colonisation_log10": float(result.state.colonisation[primary]), "record": "catalog/seed_soil.yaml"})
    record_file = seed_soil.as_data(result.state.record(provenance))
    return JointRun(result, record_file, records)


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


#: What ``write`` (``write_joint``) puts in a calibration folder: a folder holding anything else is never replaced.
CALIBRATION_FILES = ("scenario.yaml", "calibration.yaml", "fit.csv", "diagnostics.csv", "particles.parquet")
JOINT_FILES = ("seed_soil.yaml", "scenarios", "fit.csv", "diagnostics.csv", "shares.csv")


def _check_ours(out: Path, files: tuple[str, ...], marker: str) -> None:
    """Raise ``FileExistsError`` unless ``out`` is a calibration folder of ``files`` with its ``marker`` file."""
    foreign = sorted(entry.name for entry in out.iterdir() if entry.name not in files)
    if foreign or not (out / marker).is_file():
        reason = f"it holds {', '.join(foreign[:5])}" if foreign else f"it has no {marker}"
        raise FileExistsError(f"{out} is not a calibration folder that metacascade wrote ({reason}); --overwrite "
                              "replaces only those: move or remove it yourself, or choose another folder")


def _staged(out: Path, overwrite: bool, files: tuple[str, ...], marker: str, fill: Callable[[Path], None]) -> Path:
    """Write a calibration folder ``out`` by ``fill`` (staging folder) and rename it into place (an
    existing folder only with ``overwrite``, and only one of ``files`` that this module wrote)."""
    out = Path(out)
    check_target(out, overwrite, how="--overwrite")
    if out.is_dir() and not is_empty(out):
        _check_ours(out, files, marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(staging)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=110)


def write(run: CalibrationRun, scenario: Union[str, Path], out: Union[str, Path], *, overwrite: bool = False) -> Path:
    """Write ``run`` into the folder ``out`` (created; an existing one only with ``overwrite``, and
    only a calibration folder that this function wrote)."""
    def fill(staging: Path) -> None:
        source = scenario_path(scenario)
        (staging / "scenario.yaml").write_text(with_block(source.read_text(encoding="utf-8"), run.record), encoding="utf-8")
        (staging / "calibration.yaml").write_text(_yaml(run.record.model_dump(mode="json", exclude_none=True)),
                                                  encoding="utf-8")
        run.fit.to_csv(staging / "fit.csv")
        run.diagnostics.to_csv(staging / "diagnostics.csv")
        if run.particles is not None:
            run.particles.to_parquet(staging / "particles.parquet")
        load_scenario(staging / "scenario.yaml")  # the written file must load

    return _staged(out, overwrite, CALIBRATION_FILES, "calibration.yaml", fill)


def write_joint(run: JointRun, out: Union[str, Path], *, overwrite: bool = False) -> Path:
    """Write ``run`` into the folder ``out`` (as ``write``): ``seed_soil.yaml``, ``scenarios/NAME.yaml``
    for each member, ``fit.csv``, ``diagnostics.csv`` and ``shares.csv``."""
    def fill(staging: Path) -> None:
        (staging / "seed_soil.yaml").write_text(seed_soil.RECORD_HEADER + _yaml(run.record_file), encoding="utf-8")
        (staging / "scenarios").mkdir()
        for name, record in run.records.items():
            path = staging / "scenarios" / f"{name}.yaml"
            path.write_text(with_block(scenario_path(name).read_text(encoding="utf-8"), record), encoding="utf-8")
            load_scenario(path)  # the written file must load
        run.fit.table.to_csv(staging / "fit.csv")
        run.fit.iterations.to_csv(staging / "diagnostics.csv")
        run.fit.shares.to_csv(staging / "shares.csv")

    return _staged(out, overwrite, JOINT_FILES, "seed_soil.yaml", fill)

"""The diSibio 2008 primaries (``primaries.yaml``) and the patient scenarios generated from them.

Every primary of diSibio & French 2008 with a site (40) has a record: its anatomy site, the
hand-written catalogue scenario standing for it if any, its lymphatic and coelomic shares, its
paravertebral route, its share of women and its growth (a volume doubling time at 1e9 cells, days, with its source).
Each primary without a hand-written scenario gets ``<primary>_patient`` (``generated_scenario``): the
generic carcinoma clone ``A`` of ``kidney_patient.yaml`` (``TEMPLATE``: its fates, diameter, transit
death, deformable fraction; its primary's shedding, vascularisation and patient variation; its yearly
10-year observation with organ failure) with the record's site, growth, shares, route and host, and the
colonisation rates of the joint seed–soil fit (``seed_soil.SeedSoil.organ_fates``) in every site.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import Field, ValidationError, model_validator

from ..engine.growth import size_at
from ..model import GrowthLaw, ScenarioError, format_validation_error
from ..model._base import Frozen
from ..model.bounds import Days, Fraction
from .reading import MAX_SCENARIO_BYTES, read_yaml
from .seed_soil import SeedSoil, read_seed_soil

PRIMARIES_FILE = Path(__file__).with_name("primaries.yaml")
#: The scenario file whose generic carcinoma clone ``A``, primary and observation the generated scenarios share.
TEMPLATE = "kidney_patient"
TEMPLATE_FILE = Path(__file__).parent / "scenarios" / f"{TEMPLATE}.yaml"
#: The catalogue's convention: time 0 is this many days before the median primary reaches
#: ``DETECTION_CELLS`` (~1 cm³, delmonte2009_cells_per_cm3), or its first cell if that comes later.
LEAD_TIME_DAYS = 3 * 365.25
DETECTION_CELLS = 1e9
#: Name of the scenario generated for a primary.
SUFFIX = "_patient"


class Growth(Frozen):
    """A primary's volume doubling time at ``DETECTION_CELLS`` and where it comes from."""

    doubling_time_days: Days = Field(description="volume doubling time at 1e9 cells, days")
    source: str = Field(min_length=1, description="target id or reference, or ASSUMPTION and why")

    def law(self) -> GrowthLaw:
        """The Gompertz law with this doubling time at 1e9 cells (capacity 1e12 cells, lethal_burden_nmax)."""
        return GrowthLaw.from_doubling_time(self.doubling_time_days, at_cells=DETECTION_CELLS)

    def initial_cells(self) -> float:
        """Cells at time 0: ``LEAD_TIME_DAYS`` before 1e9 cells (3 significant digits), at least one."""
        law = self.law()
        cells = float(size_at(law.law, DETECTION_CELLS, -LEAD_TIME_DAYS, law.rate_per_day, law.capacity_cells,
                              law.exponent))
        return max(1.0, float(f"{cells:.3g}"))


class PrimaryRecord(Frozen):
    """One diSibio 2008 primary (``primaries.yaml`` says where each value comes from)."""

    site: str = Field(min_length=1, description="anatomy organ whose drainage stands for the primary's")
    scenario: Optional[str] = Field(default=None, description="the hand-written catalogue scenario standing for it")
    lymphatic_fraction: Fraction = Field(
        description="share of shed cells entering lymph (at the template's lymphatic_surface_cells)")
    coelomic_fraction: Fraction = Field(default=0.0, description="share shed into the site's cavity once through the serosa")
    paravertebral_route: bool = Field(default=False, description="the vertebral (Batson) venous route to bone")
    female: Fraction = Field(description="share of the primary's patients who are women (its scenario's host)")
    growth: Union[str, Growth] = Field(description="a histology class of the file, or the primary's own growth")


class Primaries(Frozen):
    """The records of ``primaries.yaml``: histology classes and one record per primary."""

    histology: dict[str, Growth] = Field(default_factory=dict, description="class -> growth")
    primaries: dict[str, PrimaryRecord] = Field(min_length=1, description="diSibio primary -> record")

    @model_validator(mode="after")
    def _known_classes(self) -> Primaries:
        for name, record in self.primaries.items():
            if isinstance(record.growth, str) and record.growth not in self.histology:
                raise ValueError(f"primaries.{name}.growth: unknown histology class {record.growth!r}; allowed: "
                                 f"{', '.join(self.histology)} or {{doubling_time_days, source}}")
        return self

    def growth(self, primary: str) -> Growth:
        """The primary's growth, its histology class resolved."""
        growth = self.primaries[primary].growth
        return self.histology[growth] if isinstance(growth, str) else growth

    def scenarios(self) -> dict[str, str]:
        """diSibio primary -> its patient scenario: the hand-written one, else ``<primary>_patient``."""
        return {name: record.scenario or f"{name}{SUFFIX}" for name, record in self.primaries.items()}

    def generated(self) -> dict[str, str]:
        """Generated scenario name -> its primary (the primaries without a hand-written scenario)."""
        return {f"{name}{SUFFIX}": name for name, record in self.primaries.items() if record.scenario is None}


def parse_primaries(data: Any, *, source: str) -> Primaries:
    """The validated records of the mapping ``data`` (a ``ScenarioError`` naming field and value)."""
    try:
        return Primaries.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=source, model=Primaries)) from None


def read_primaries(path: Path = PRIMARIES_FILE) -> Primaries:
    """The records of ``primaries.yaml`` (or of ``path``), read again only when the file changes
    (``scenario_names`` and ``load_scenario`` read them on every call)."""
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int, size: int) -> Primaries:
    return parse_primaries(read_yaml(path, max_bytes=MAX_SCENARIO_BYTES), source=path.name)


def generated_scenario(name: str, primaries: Optional[Primaries] = None,
                       seed_soil: Optional[SeedSoil] = None) -> dict[str, Any]:
    """The terse scenario mapping of the generated scenario ``name`` (validated by ``load_scenario``)."""
    primaries = read_primaries() if primaries is None else primaries
    seed_soil = read_seed_soil() if seed_soil is None else seed_soil
    primary = primaries.generated()[name]
    record, growth = primaries.primaries[primary], primaries.growth(primary)
    template = read_yaml(TEMPLATE_FILE, max_bytes=MAX_SCENARIO_BYTES)
    fitted_lymph = seed_soil.lymphatic_fraction(primary)
    clone = {key: value for key, value in template["clones"]["A"].items() if key != "organ_fates"}
    clone.update(
        source=f"{primary} carcinoma cells as shed: the catalogue's generic carcinoma clone ({TEMPLATE} A); "
               "PLACEHOLDER seed rates; colonisation from the joint seed-soil fit (seed_soil.yaml)",
        organ_fates=seed_soil.organ_fates(primary),
    )
    tumour = {
        **template["primary"], "site": record.site, "growth": growth.law().model_dump(),
        "initial_cells": growth.initial_cells(), "coelomic_fraction": record.coelomic_fraction,
        "lymphatic_fraction": record.lymphatic_fraction if fitted_lymph is None else fitted_lymph,
    }
    data = {key: value for key, value in template.items() if key != "calibration"}
    return {
        **data, "name": name, "description": _description(primary, primaries, seed_soil),
        "reproduces": ["disibio2008_full_matrix"], "clones": {"A": clone}, "primary": tumour,
        "paravertebral_route": record.paravertebral_route, "host": host_of(record.female),
        **({"calibration": _calibration(primary, clone, tumour, record, seed_soil)}
           if _fitted(primary, seed_soil) else {}),
    }


def host_of(female: float) -> dict[str, Any]:
    """The host of patients who are women with chance ``female``: one sex, or a chance drawn per patient."""
    return {"sex": "female"} if female == 1 else {"sex": "male"} if female == 0 else {"female_probability": female}


def _fitted(primary: str, seed_soil: SeedSoil) -> bool:
    """Whether the joint fit that wrote ``seed_soil`` fitted ``primary``'s own seed."""
    return primary in seed_soil.seed and primary in seed_soil.calibration.get("explained_share", {})


def _calibration(primary: str, clone: dict, tumour: dict, record: PrimaryRecord, seed_soil: SeedSoil) -> dict[str, Any]:
    """The calibration record of a generated scenario whose seed the joint fit fitted: its colonisation
    rates and lymphatic share (started from the template clone's rates and the primary's record)."""
    fit = seed_soil.calibration
    fates = clone["fates"]
    parameters = [{"path": f"clones.A.organ_fates.{site}.{rate}", "start": fates[rate], "value": value}
                  for site, rates in clone["organ_fates"].items() for rate, value in rates.items()]
    parameters.append({"path": "primary.lymphatic_fraction", "start": record.lymphatic_fraction,
                       "value": tumour["lymphatic_fraction"]})
    return {
        "method": fit["method"], "targets": fit["targets"], "random_seed": fit["random_seed"],
        "package_version": fit["package_version"], "created": fit["created"], "command": fit["command"],
        "parameters": parameters, "diagnostics": {
            "primary": primary, "explained_share": fit["explained_share"][primary], "record": "catalog/seed_soil.yaml"},
    }


def _description(primary: str, primaries: Primaries, seed_soil: SeedSoil) -> str:
    """What the generated scenario is, and which of its values are ASSUMPTIONS or PLACEHOLDERS."""
    record, growth = primaries.primaries[primary], primaries.growth(primary)
    label = primary.replace("_", " ")
    if primary in seed_soil.seed:
        seed = f"{primary}'s fitted seed (10^{seed_soil.colonisation_log10(primary):g})"
        lymph = f"lymphatic share {seed_soil.lymphatic_fraction(primary):g} (fitted)"
    else:
        seed = (f"PLACEHOLDER seed: seed_soil.yaml lists none for {primary}, so the median of its listed seeds "
                f"(10^{seed_soil.median_colonisation_log10:g})")
        lymph = (f"lymphatic share {record.lymphatic_fraction:g} (ASSUMPTION: the organ-soil fit's lymph share, "
                 "primaries.yaml)")
    routes = "".join([
        f"; coelomic share {record.coelomic_fraction:g} (ASSUMPTION)" if record.coelomic_fraction else "",
        "; paravertebral route on (ASSUMPTION: Batson 1940)" if record.paravertebral_route else "",
    ])
    return (
        f"An untreated {label} primary growing and shedding for 10 years (natural history), observed yearly; "
        f"generated from its record in primaries.yaml and {TEMPLATE}'s generic carcinoma clone. It grows at the "
        f"anatomy's {record.site} with a volume doubling time of {growth.doubling_time_days:g} days at 1e9 cells "
        f"({growth.source}); {lymph}{routes}. Colonisation in diSibio 2008's sites: base x 10^(soil + seed) of the "
        f"joint seed-soil fit (seed_soil.yaml), with {seed}. Other fate rates are PLACEHOLDERS."
    )

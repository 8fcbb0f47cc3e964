"""Scenario: anatomy + clones + injections and/or a primary tumour + observation times (MODEL.md §0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from ._base import Frozen, IncreasingDays, ScenarioError, format_validation_error
from .anatomy import Anatomy
from .bounds import Cells, Days, NumCells, number
from .calibration_record import Calibration, apply_calibration
from .fates import SMALL_COLONY_MAX_CELLS
from .host import Host
from .observation import ObservationPlan
from .paths import check_paths, with_values
from .therapy import Surgery, Targeted, Therapy
from .tumour import Clone, PrimaryTumour


class Injection(Frozen):
    """``num_cells`` cells of ``clone`` injected into ``vessel`` at time 0."""

    clone: str
    vessel: str
    num_cells: NumCells = Field(gt=0, description="cells injected")

    @field_validator("num_cells", mode="before")
    @classmethod
    def _integral(cls, value: object) -> object:
        # YAML writes 1e6 as a string or float; accept any integral number.
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


#: The scenario format this package writes; it reads every version from 1 up to it.
SCHEMA_VERSION = 1
SchemaVersion = number(int, ge=1, le=SCHEMA_VERSION)


class Scenario(Frozen):
    """A complete, validated description of one simulation. The engine never sees it directly."""

    schema_version: SchemaVersion = Field(
        default=SCHEMA_VERSION,
        description=f"version of the scenario file format (this metacascade reads 1 to {SCHEMA_VERSION})",
    )
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    citation: str = ""
    reproduces: tuple[str, ...] = Field(
        default=(), description="target ids in targets.yaml that its runs reproduce (besides calibration.targets)"
    )
    inputs: tuple[str, ...] = Field(
        default=(), description="target ids in targets.yaml whose values it takes as given, not reproduces"
    )
    anatomy: Anatomy
    clones: dict[str, Clone] = Field(min_length=1)
    injections: tuple[Injection, ...] = Field(default=(), description="cells injected at time 0 (assays)")
    primary: Optional[PrimaryTumour] = Field(default=None, description="a growing, shedding primary (patients)")
    observation: Optional[ObservationPlan] = Field(
        default=None, description="imaging, blood draws and death of a patient (needs a primary)"
    )
    therapy: Optional[Therapy] = Field(
        default=None, description="interventions, timed from the start or from each patient's diagnosis (MODEL.md §4)"
    )
    host: Optional[Host] = Field(
        default=None, description="the patient's immune status, immunosuppression and menopausal status (none: neutral)"
    )
    observation_times: IncreasingDays = Field(min_length=1, description="days after injection")
    end_time: Optional[Days] = Field(default=None, description="days; defaults to the last observation")
    paravertebral_route: bool = Field(
        default=False, description="open the vertebral (Batson) venous route to bone (MODEL.md §1)"
    )
    deterministic_threshold_cells: Cells = Field(
        default=1e4,
        gt=SMALL_COLONY_MAX_CELLS,
        description="colonies above this size grow deterministically (MODEL.md §6), cells",
    )
    calibration: Optional[Calibration] = Field(
        default=None, description="calibrated values, applied over the rest, and where they came from"
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _known_version(cls, version: object) -> object:
        integral = isinstance(version, int) and not isinstance(version, bool) or (
            isinstance(version, float) and version.is_integer()
        )
        if integral and version > SCHEMA_VERSION:
            raise ValueError(
                f"version {version:g} of the scenario format is newer than this metacascade reads: must be at most "
                f"{SCHEMA_VERSION} (a newer metacascade may read it)"
            )
        return version

    @model_validator(mode="before")
    @classmethod
    def _apply_calibration(cls, data: object, info: ValidationInfo) -> object:
        if not isinstance(data, dict):
            return data
        context = info.context or {}

        def uncalibrated(base: dict[str, Any]) -> Optional[Scenario]:
            try:
                return cls.model_validate(base, context=context)
            except ValidationError:
                return None

        return apply_calibration(data, uncalibrated, stale=context.get("stale_calibration", "error"))

    def with_values(self, values: Mapping[str, Any]) -> Scenario:
        """A new, validated scenario with each ``values[path]`` set at its dotted path
        (``{"clones.A.organ_fates.liver.division_rate": 5e-6}``; a list item by its index:
        ``injections.0.num_cells``) and no calibration record: the calibrated values stay, as plain
        values, but the record's claim (a fit of this scenario to its targets) no longer holds.

        A path that names nothing raises ``ScenarioError`` naming it and what exists there; a value
        out of bounds, as in a file.
        """
        data = self.model_dump(mode="json", exclude={"calibration"})
        try:
            check_paths(data, values, organs=self.anatomy.organ_names)
            return type(self).model_validate(with_values(data, values))
        except ValidationError as exc:
            source = f"{self.name} with new values"
            raise ScenarioError(format_validation_error(exc, source=source, model=type(self))) from None
        except ValueError as exc:
            raise ScenarioError(f"invalid {self.name} with new values: {exc}") from None

    @model_validator(mode="after")
    def _check_references(self) -> Scenario:
        organs = self.anatomy.organ_names
        for name, clone in self.clones.items():
            for organ in clone.organ_fates:
                if organ not in organs:
                    raise ValueError(
                        f"clones.{name}.organ_fates: unknown organ {organ!r}; "
                        f"allowed: {', '.join(organs)}"
                    )
        if not self.injections and self.primary is None:
            raise ValueError("injections: a scenario needs injections, a primary tumour, or both")
        if self.primary is not None:
            if self.primary.site not in organs:
                raise ValueError(
                    f"primary.site: unknown organ {self.primary.site!r}; allowed: {', '.join(organs)}"
                )
            for clone in self.primary.clone_mix:
                if clone not in self.clones:
                    raise ValueError(
                        f"primary.clone_mix: unknown clone {clone!r}; allowed: {', '.join(self.clones)}"
                    )
            if self.primary.coelomic_fraction > 0 and self.anatomy.cavity_of(self.primary.site) is None:
                inside = sorted(organ for cavity in self.anatomy.cavities.values() for organ in cavity.organs)
                raise ValueError(
                    f"primary.coelomic_fraction: the site {self.primary.site!r} lies in no cavity, so it must be 0 "
                    f"(got {self.primary.coelomic_fraction}); sites in a cavity: {', '.join(inside) or 'none'}"
                )
        for i, injection in enumerate(self.injections):
            if injection.clone not in self.clones:
                raise ValueError(
                    f"injections.{i}.clone: unknown clone {injection.clone!r}; "
                    f"allowed: {', '.join(self.clones)}"
                )
            if injection.vessel not in self.anatomy.entry_vessels:
                raise ValueError(
                    f"injections.{i}.vessel: unknown vessel {injection.vessel!r}; "
                    f"allowed: {', '.join(self.anatomy.entry_vessels)}"
                )
        if self.observation is not None:
            self._check_observation(organs)
        self._check_sex()
        for i, niche in enumerate(() if self.host is None else self.host.niches):
            if niche.organ not in organs:
                raise ValueError(f"host.niches.{i}.organ: unknown organ {niche.organ!r}; allowed: {', '.join(organs)}")
        if self.end_time is not None and self.end_time < self.observation_times[-1]:
            raise ValueError(
                f"end_time: must be at or after the last observation "
                f"({self.end_time} < {self.observation_times[-1]})"
            )
        if self.therapy is not None:
            self._check_therapy(organs)
        return self

    def _check_sex(self) -> None:
        """A primary, or an organ's artery injected, in an organ of one sex needs hosts of that sex."""
        female = None if self.host is None else self.host.female
        if female is None:
            return
        places = [] if self.primary is None else [("primary.site", self.primary.site)]
        places += [(f"injections.{i}.vessel", self.anatomy.entry_vessels[injection.vessel])
                   for i, injection in enumerate(self.injections)]
        for where, organ in places:
            sex = self.anatomy.organs[organ].sex if organ in self.anatomy.organs else None
            if sex is not None and female != float(sex == "female"):
                wanted = "sex: female (or female_probability: 1)" if sex == "female" else "sex: male (or female_probability: 0)"
                raise ValueError(
                    f"host: {where} is in the {organ}, an organ of {sex} bodies, but the host may be of the other sex "
                    f"(female chance {female:g}); allowed: host {wanted}, or neither (sex unknown)"
                )

    def _check_therapy(self, organs: tuple[str, ...]) -> None:
        end = self.resolved_end_time
        for i, item in enumerate(self.therapy.interventions):
            where = f"therapy.interventions.{i}"
            if item.relative_to != "start" and self.observation is None:
                raise ValueError(
                    f"{where}.relative_to: {item.relative_to!r} needs an observation plan, whose imaging sees it "
                    "(observation is not set); allowed without one: start"
                )
            if item.relative_to == "first_metastasis":
                self._check_imaging_on_steps(where)
            if item.relative_to == "start" and not item.start_days < end:
                raise ValueError(
                    f"{where}.start_days: a start after the end of the run ({end:g} days) changes nothing "
                    f"(got {item.start_days:g})"
                )
            organ = getattr(item, "target_organ", None)
            if organ is not None and organ not in organs:
                field = "kind" if item.kind == "bone_targeted" else "organ"
                raise ValueError(
                    f"{where}.{field}: {item.kind} acts in organ {organ!r}, which the anatomy lacks; "
                    f"allowed: {', '.join(organs)}"
                )
            if isinstance(item, Targeted):
                self._check_trait(where, item.trait)
            if isinstance(item, Surgery):
                if self.primary is None:
                    raise ValueError(
                        f"{where}.kind: surgery resects the primary, and there is none (primary is not set)"
                    )
                if item.relative_to == "start" and item.start_days == 0:
                    raise ValueError(f"{where}.start_days: surgery from the start must come after time 0 (got 0)")

    def _check_imaging_on_steps(self, where: str) -> None:
        """An intervention timed from the first metastasis seen starts after a run that sees it; the
        run again with the intervention is the same run up to then only if every imaging is an
        observation time (the engine's windows end there)."""
        off = sorted(set(self.observation.imaging_times) - set(self.observation_times))
        if off:
            raise ValueError(
                f"{where}.relative_to: 'first_metastasis' needs every observation.imaging_times among "
                f"observation_times, where the engine's windows end (not among them: {off})"
            )

    def _check_trait(self, where: str, trait: str) -> None:
        """A targeted therapy must hit some clone: a trait no clone carries is most likely a typo."""
        traits = sorted({name for clone in self.clones.values() for name in clone.traits})
        if trait not in traits:
            raise ValueError(
                f"{where}.trait: no clone carries {trait!r}, so the targeted therapy would hit nothing; "
                f"traits of the clones: {', '.join(traits) or 'none (set clones.<name>.traits)'}"
            )

    def _check_observation(self, organs: tuple[str, ...]) -> None:
        plan = self.observation
        if self.primary is None:
            raise ValueError("observation: an observation plan needs a primary tumour (primary is not set)")
        for organ in plan.organ_lethal_cells:
            if organ not in organs:
                raise ValueError(
                    f"observation.organ_lethal_cells: unknown organ {organ!r}; allowed: {', '.join(organs)}"
                )
        horizon = self.observation_times[-1]
        for name in ("imaging_times", "draw_times"):
            times = getattr(plan, name)
            if times and times[-1] > horizon:
                raise ValueError(
                    f"observation.{name}: must be at or before the last of observation_times ({horizon:g} days), "
                    f"up to which the engine follows the lesions (got {list(times)})"
                )

    @property
    def resolved_end_time(self) -> float:
        return self.end_time if self.end_time is not None else self.observation_times[-1]

    def resolved(self) -> dict:
        """The fully resolved machine form: every default filled in."""
        data = self.model_dump(mode="json")
        data["end_time"] = self.resolved_end_time
        return data

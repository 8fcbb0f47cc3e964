"""Anatomy: organs, venous drainage, capillary beds, lymph nodes and body cavities (MODEL.md §1).

The anatomy only describes. Routing through it is solved by ``engine.routing``; its delivery
matrix, as a labelled table, is ``analysis.theory.delivery_matrix``.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ._base import Frozen
from .bounds import Fraction, LengthUm, MassG, TransitTimeS, Weight

Drainage = Literal["caval", "portal", "pulmonary"]
OrganKind = Literal["parenchyma", "lymph_node", "serosa"]
#: A body's sex, where an organ exists in one sex only (``Organ.sex``, ``Host.sex``).
Sex = Literal["female", "male"]

#: Entry targets that are not organs: the systemic veins (-> lung), the portal vein (-> liver),
#: and the arterial tree (-> every bed by its share of cardiac output).
CIRCULATIONS = ("caval", "portal", "arterial")
#: Fractions must sum to one within this tolerance.
SUM_TOLERANCE = 1e-6


class Organ(Frozen):
    """One organ: a compartment with a mass, an arterial inflow, a venous drainage and a bed."""

    mass_g: MassG = Field(description="organ mass, g")
    cardiac_output_fraction: Fraction = Field(description="share of cardiac output reaching the organ by its arteries")
    drains_to: Drainage = Field(
        description="caval: systemic veins -> right heart -> lung; portal: portal vein -> liver; "
        "pulmonary: pulmonary veins -> left heart -> arteries (the lung only)"
    )
    bed_diameter_um: LengthUm = Field(
        description="effective diameter of the capillary bed, µm (arrest rises as cells exceed it)"
    )
    kind: OrganKind = "parenchyma"
    lymph_drains_to: Optional[str] = Field(
        default=None,
        description="lymph-node organ that this organ's lymph reaches first; None: the lymph joins "
        "the venous blood (thoracic duct -> caval)",
    )
    lymph_arrest_probability: Fraction = Field(
        default=0.0, description="probability that a cell in lymph arrests in this node"
    )
    paravertebral_fraction: Fraction = Field(
        default=0.0,
        lt=1.0,
        description="share of the venous outflow that takes the vertebral (Batson) plexus to bone "
        "when the paravertebral route is on",
    )
    sex: Optional[Sex] = Field(
        default=None,
        description="the sex whose bodies have the organ (prostate, testes: male; ovaries, uterus, vagina: female); "
        "in a host of the other sex (Host.sex) no blood, lymph or cavity fluid leads to it; null: every body",
    )
    source: str = Field(default="", description="where mass, flow and bed come from, or the assumption made")


class Cavity(Frozen):
    """A body cavity (peritoneal, pleural): the organs in it, the serosal surfaces that line it,
    and where cells shed into its fluid implant (the transcoelomic route, MODEL.md §1).

    A cell in the fluid implants on a surface with probability ``implantation_probability``, the
    surface drawn by ``surface_weights``; otherwise it dies in the fluid.
    """

    surfaces: tuple[str, ...] = Field(min_length=1, description="organs that line the cavity")
    organs: tuple[str, ...] = Field(
        default=(),
        description="organs that lie in the cavity: a primary there sheds into its fluid once it invades the "
        "serosa (PrimaryTumour.coelomic_fraction); an organ lies in one cavity at most",
    )
    surface_weights: dict[str, Weight] = Field(
        default_factory=dict,
        description="surface -> relative share of the implanting cells, normalised over the surfaces; "
        "empty: equal shares",
    )
    implantation_probability: Fraction = Field(
        default=0.1,
        description="probability that a cell shed into the fluid implants on a surface; the rest die in the "
        "fluid (anoikis). ASSUMPTION: not measured",
    )
    source: str = ""

    @model_validator(mode="after")
    def _check_weights(self) -> Cavity:
        if self.surface_weights and set(self.surface_weights) != set(self.surfaces):
            raise ValueError(
                f"surface_weights: must name every surface once; allowed: {', '.join(self.surfaces)} "
                f"(got {', '.join(self.surface_weights)})"
            )
        if self.surface_weights and sum(self.surface_weights.values()) <= 0:
            raise ValueError(f"surface_weights: must not all be zero (got {self.surface_weights})")
        return self

    @property
    def surface_shares(self) -> dict[str, float]:
        """surface -> share of the implanting cells (sums to 1)."""
        weights = self.surface_weights or dict.fromkeys(self.surfaces, 1.0)
        total = sum(weights.values())
        return {surface: weights[surface] / total for surface in self.surfaces}


class Anatomy(Frozen):
    """Organs connected by blood flow. Portal organs drain to the liver, caval ones to the lung."""

    name: str
    species: str
    organs: dict[str, Organ] = Field(min_length=2)
    entry_vessels: dict[str, str] = Field(
        min_length=1,
        description="vessel name -> 'caval' | 'portal' | 'arterial' | an organ (its feeding artery)",
    )
    segment_transit_time_s: TransitTimeS = Field(
        description="blood transit time from one capillary bed to the next, s (about one circuit time)"
    )
    arrest_width_um: LengthUm = Field(
        default=1.5,
        description="width of the logistic arrest curve r(d) = 1/(1+exp(-(d - bed)/width)), µm "
        "(cell deformability)",
    )
    cavities: dict[str, Cavity] = Field(default_factory=dict)
    source: str = ""

    @model_validator(mode="after")
    def _check_circulation(self) -> Anatomy:
        for required, drainage in (("lung", "pulmonary"), ("liver", "caval")):
            if required not in self.organs:
                raise ValueError(f"organs: the anatomy needs an organ named {required!r}")
            if self.organs[required].drains_to != drainage:
                raise ValueError(
                    f"organs.{required}.drains_to: must be {drainage!r} "
                    f"(got {self.organs[required].drains_to!r})"
                )
        for name in ("lung", "liver"):
            if self.organs[name].sex is not None:
                raise ValueError(
                    f"organs.{name}.sex: every body has a {name}, so it must be null (got {self.organs[name].sex!r})"
                )
        for name, organ in self.organs.items():
            if organ.drains_to == "pulmonary" and name != "lung":
                raise ValueError(f"organs.{name}.drains_to: only the lung drains to 'pulmonary'")
        total = sum(organ.cardiac_output_fraction for organ in self.organs.values())
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(
                f"organs.*.cardiac_output_fraction: shares must sum to 1 (got {total:.6g})"
            )
        nodes = [name for name, organ in self.organs.items() if organ.kind == "lymph_node"]
        for name, organ in self.organs.items():
            if organ.lymph_drains_to is not None and organ.lymph_drains_to not in nodes:
                raise ValueError(
                    f"organs.{name}.lymph_drains_to: {organ.lymph_drains_to!r} is not a lymph node; "
                    f"allowed: {', '.join(nodes) or 'none (no organ has kind lymph_node)'}"
                )
            if organ.lymph_drains_to is not None and self.organs[organ.lymph_drains_to].sex is not None:
                raise ValueError(f"organs.{name}.lymph_drains_to: {organ.lymph_drains_to!r} exists in one sex only "
                                 f"({self.organs[organ.lymph_drains_to].sex}); lymph must reach a node every body has")
        for name, organ in self.organs.items():
            seen = [name]
            while (following := self.organs[seen[-1]].lymph_drains_to) is not None:
                if following in seen:
                    raise ValueError(f"organs.{name}.lymph_drains_to: lymph loops ({' -> '.join(seen + [following])})")
                seen.append(following)
            if organ.paravertebral_fraction > 0 and "bone" not in self.organs:
                raise ValueError(f"organs.{name}.paravertebral_fraction: needs an organ named 'bone'")
        allowed = sorted(CIRCULATIONS) + sorted(self.organs)
        for vessel, target in self.entry_vessels.items():
            if target not in CIRCULATIONS and target not in self.organs:
                raise ValueError(
                    f"entry_vessels.{vessel}: unknown target {target!r}; allowed: "
                    f"{', '.join(allowed)}"
                )
        inside: dict[str, str] = {}
        for cavity_name, cavity in self.cavities.items():
            for field in ("surfaces", "organs"):
                for organ in getattr(cavity, field):
                    if organ not in self.organs:
                        raise ValueError(
                            f"cavities.{cavity_name}.{field}: unknown organ {organ!r}; "
                            f"allowed: {', '.join(sorted(self.organs))}"
                        )
            for organ in cavity.organs:
                if organ in inside:
                    raise ValueError(
                        f"cavities.{cavity_name}.organs: {organ!r} already lies in the {inside[organ]} cavity; "
                        "an organ lies in one cavity at most"
                    )
                inside[organ] = cavity_name
        return self

    def cavity_of(self, organ: str) -> Optional[str]:
        """The cavity that ``organ`` lies in (``Cavity.organs``), or None."""
        return next((name for name, cavity in self.cavities.items() if organ in cavity.organs), None)

    @property
    def organ_names(self) -> tuple[str, ...]:
        return tuple(self.organs)

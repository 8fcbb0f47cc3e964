"""The host (MODEL.md §3, niches and host): the patient's immune status, immunosuppression and
menopausal status, constant over the run (the immune status may vary across patients), the
pre-metastatic niches that the primary prepares (an organ's soil rising with the primary's mass),
and its age and death from other causes (``lifespan``). The defaults are a host that changes
nothing and never dies of anything else.
"""

from __future__ import annotations

import math
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from ._base import Frozen
from .anatomy import Sex
from .bounds import MAX_MULTIPLIER, Fraction, MassG, number
from .fates import FIXED_RATES, FateRates
from .lifespan import AgeAtStart, OtherCauseMortality
from .therapy import Raise

#: A factor > 0 on the immune killing rates (1: an ordinary host).
ImmuneFactor = number(gt=0.0, le=MAX_MULTIPLIER)
#: SD of the log of a multiplier of median 1: at the bound, +-2 SD spans 1/MAX_MULTIPLIER to MAX_MULTIPLIER.
LogSigma = number(ge=0.0, le=math.log(MAX_MULTIPLIER) / 2)
#: Soil modifiers by name, each a function of the primary's mass (engine/niche.py adds its function).
SoilModifier = Literal["saturating"]
#: Fate rates a niche may raise: all but those that fix a lesion's size in closed form.
NICHE_RATES = tuple(name for name in FateRates.model_fields if name not in FIXED_RATES)


class PreMetastaticNiche(Frozen):
    """A pre-metastatic niche: the primary prepares one organ's soil before tumour cells arrive
    (Kaplan RN et al. Nature 2005;438:820-827: VEGFR1+ bone-marrow cells cluster in the lung's
    future metastatic sites; Peinado H et al. Nat Med 2012;18:883-891: melanoma exosomes educate
    bone-marrow progenitors; Hoshino A et al. Nature 2015;527:329-335: exosome integrins choose the
    organ). It multiplies ``rates`` of every clone in ``organ`` by a factor of the primary's mass m
    (g; after surgery its residual's; no primary: 1), by the soil modifier ``function``:
    ``saturating`` (the only one so far), 1 + (max_factor - 1) m / (m + half_mass_g).
    ASSUMPTION: no published value fixes the rates raised, max_factor or half_mass_g.
    """

    organ: str = Field(description="organ of the anatomy whose soil it raises")
    rates: tuple[str, ...] = Field(
        default=("extravasation_rate", "division_rate"), min_length=1,
        description=(
            "fate rates it raises there (FateRates names but avascular_bound_cells and gompertz_rate). "
            "ASSUMPTION: the niche lets arrested cells out and start to grow (Kaplan 2005: cells adhere "
            "and form colonies at the bone-marrow clusters)"
        ),
    )
    function: SoilModifier = Field(
        default="saturating", description="soil modifier: saturating, 1 + (max_factor - 1) m / (m + half_mass_g)"
    )
    max_factor: Raise = Field(
        description="factor (>= 1) on the rates as the primary's mass grows without bound, dimensionless. ASSUMPTION"
    )
    half_mass_g: MassG = Field(
        description="primary mass at which half the raise (max_factor - 1) is reached, g. ASSUMPTION"
    )

    @field_validator("rates")
    @classmethod
    def _raisable(cls, rates: tuple[str, ...]) -> tuple[str, ...]:
        for name in rates:
            if name not in NICHE_RATES or rates.count(name) > 1:
                why = "listed twice" if name in NICHE_RATES else (
                    "fixes a lesion's size in closed form" if name in FIXED_RATES else "is not a fate rate")
                raise ValueError(f"{name!r} {why} (got {list(rates)}); allowed: {', '.join(NICHE_RATES)}")
        return rates


class Host(Frozen):
    """The patient's host: factors on the fate rates of every clone in every organ (the immune
    status's varying across patients with ``immune_status_sigma``), the pre-metastatic niches that
    raise one organ's rates with the primary's mass, and the menopausal status that bone-targeted
    therapy needs (``ebctcg2015_bisphosphonates``: the bone recurrence rate ratio 0.72 holds in
    postmenopausal women; no effect is assumed in premenopausal ones).

    With neither ``menopausal_status`` nor ``postmenopausal_probability`` the status is unknown and
    bone-targeted therapy acts in every patient (the published, postmenopausal effect).
    """

    immune_status: ImmuneFactor = Field(
        default=1.0,
        description=(
            "factor on immune killing: the clones' transit_death_rate (NK cells in the circulation) and "
            "clearance_rate (T cells against avascular colonies), dimensionless; < 1 immunosuppressed, "
            "> 1 a stronger response. ASSUMPTION: one factor on both, no published value"
        ),
    )
    immune_status_sigma: LogSigma = Field(
        default=0.0,
        description=(
            "SD of the log of a multiplier of median 1 on immune_status, drawn for each patient (and for a "
            "single run) on the host's stream; 0: every patient has immune_status. ASSUMPTION: no published spread"
        ),
    )
    reactivation_factor: Raise = Field(
        default=1.0,
        description=(
            "factor (>= 1) on reactivation_rate of dormant cells in every organ, dimensionless: "
            "immunosuppression wakes dormant cells (occult melanoma from transplanted organs, MODEL.md §3). "
            "ASSUMPTION: no published value"
        ),
    )
    menopausal_status: Optional[Literal["premenopausal", "postmenopausal"]] = Field(
        default=None,
        description="every patient's status; bone_targeted therapy acts in postmenopausal hosts only; null: unknown",
    )
    postmenopausal_probability: Optional[Fraction] = Field(
        default=None,
        description=(
            "chance that a patient is postmenopausal, drawn for each patient (and for a single run) on its "
            "own stream; instead of menopausal_status. ebctcg2015_bisphosphonates: 11767 of 18766 women (0.63)"
        ),
    )
    sex: Optional[Sex] = Field(
        default=None,
        description=(
            "every patient's sex: the organs of the other sex (Organ.sex) are absent, and the blood, lymph and "
            "cavity fluid that would reach them go to the other organs in proportion; null: unknown, every organ present"
        ),
    )
    female_probability: Optional[Fraction] = Field(
        default=None,
        description="chance that a patient is female, drawn for each patient (and for a single run) on its own "
        "stream; instead of sex",
    )
    niches: tuple[PreMetastaticNiche, ...] = Field(
        default=(), description="pre-metastatic niches the primary prepares (none: the soil does not change)"
    )
    age_at_start: Optional[AgeAtStart] = Field(
        default=None, description="the patients' age at the start of the run (null: ages are not modelled)"
    )
    other_cause_mortality: Optional[OtherCauseMortality] = Field(
        default=None,
        description="the hazard of death from other causes by age (needs age_at_start; null: no such death)",
    )

    @model_validator(mode="after")
    def _given_or_drawn(self) -> Host:
        for given, chance in (("menopausal_status", "postmenopausal_probability"), ("sex", "female_probability")):
            if getattr(self, given) is not None and getattr(self, chance) is not None:
                raise ValueError(f"{chance}: give either {given} (got {getattr(self, given)!r}) or {chance} "
                                 f"(got {getattr(self, chance):g}), not both")
        return self

    @model_validator(mode="after")
    def _mortality_needs_age(self) -> Host:
        if self.other_cause_mortality is not None and self.age_at_start is None:
            raise ValueError("other_cause_mortality: needs age_at_start (the hazard is by age; got no age_at_start)")
        return self

    def _chance(self, given: str, chance: str, value: str) -> Optional[float]:
        """Chance of ``value``: 1 or 0 when the field ``given`` holds a status, else the field ``chance``."""
        status = getattr(self, given)
        return getattr(self, chance) if status is None else float(status == value)

    @property
    def postmenopausal(self) -> Optional[float]:
        """Chance that a patient is postmenopausal (1 or 0 when the status is given); None: unknown."""
        return self._chance("menopausal_status", "postmenopausal_probability", "postmenopausal")

    @property
    def female(self) -> Optional[float]:
        """Chance that a patient is female (1 or 0 when the sex is given); None: unknown."""
        return self._chance("sex", "female_probability", "female")

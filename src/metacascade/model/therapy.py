"""Therapy: a schedule of interventions, each timed from the start of the run, from the patient's
own diagnosis or from its first distant metastasis seen (MODEL.md §4). Times in days.

Courses multiply named fate rates (``FateRates``) of chosen clones in chosen organs while they are
given, the window [start, start + duration); surgery resects the primary once; chemotherapy and
targeted therapy (``Cycles``) kill a share of the dividing cells at each cycle (log-kill).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Optional, Union

from pydantic import Field, model_validator

from ._base import Frozen
from .bounds import MAX_DAYS, MAX_MULTIPLIER, Days, Fraction, number

#: Days from the reference time at which an intervention starts (0: at it).
StartDays = number(ge=0.0, le=MAX_DAYS)
#: A factor >= 1 on a rate (1: no effect).
Raise = number(ge=1.0, le=MAX_MULTIPLIER)
#: A factor in (0, 1] on a growth rate (1: no effect; a tumour is slowed, never stopped).
Slowdown = number(gt=0.0, le=1.0)
#: Decades of dividing cells killed by one cycle (0: none; 20 leaves 1e-20, none of a body's cells).
LogKill = number(ge=0.0, le=20.0)
#: Cycles of one course, at most.
MAX_CYCLES = 1_000
NumCycles = number(int, ge=1, le=MAX_CYCLES)


#: The events an intervention may be timed from, in the order the engine numbers them.
REFERENCES: tuple[str, ...] = ("start", "diagnosis", "first_metastasis")


class Timed(Frozen):
    """When an intervention starts: ``start_days`` after the start of the run, after the patient's
    diagnosis (the first imaging that sees its primary), or after its first distant metastasis seen
    (the first imaging that sees a lesion outside the regional nodes: a relapse after a surgery at
    diagnosis). A patient in whom the event is never seen gets none of the interventions timed from it."""

    start_days: StartDays = Field(default=0.0, description="days after relative_to at which it starts")
    relative_to: Literal["start", "diagnosis", "first_metastasis"] = Field(
        default="start",
        description=(
            "start: the start of the run (time 0); diagnosis: the patient's own diagnosis; first_metastasis: "
            "the first imaging that sees one of the patient's distant metastases (relapse)"
        ),
    )


class Course(Timed):
    """An intervention given over a window: it multiplies ``rate_factors`` of the clones it acts on
    (``hormone_sensitive_only``) in the organs it acts on (``target_organ``; None: every organ)."""

    duration_days: Optional[Days] = Field(
        default=None, description="days it is given; unset: until the end of the run"
    )
    hormone_sensitive_only: ClassVar[bool] = False
    postmenopausal_only: ClassVar[bool] = False  # acts in no host known to be premenopausal

    @property
    def target_organ(self) -> Optional[str]:
        return None

    def rate_factors(self) -> dict[str, float]:  # pragma: no cover - every kind defines it
        """Fate-rate name -> factor while given."""
        raise NotImplementedError

    def rebound(self) -> Optional[tuple[float, dict[str, float]]]:
        """(days, fate-rate name -> factor) of an effect that follows the stop; None: none."""
        return None

    def vascular_growth_factor(self) -> float:
        """Factor on the growth rate of vascularised tumours (switched lesions, the primary) while given."""
        return 1.0


class Surgery(Timed):
    """Resection of the primary at one time: it stops shedding; ``residual_fraction`` of its cells
    are left and regrow (and shed) by the primary's law. With ``node_dissection``, every cell and
    lesion in the primary's regional lymph nodes (those its lymph reaches first) is removed then
    too. One per schedule, and only with a primary."""

    kind: Literal["surgery"] = "surgery"
    residual_fraction: Fraction = Field(default=0.0, description="share of the primary's cells left behind")
    node_dissection: bool = Field(
        default=False, description="also remove every cell and lesion in the primary's regional lymph nodes"
    )


class Endocrine(Course):
    """Endocrine therapy (tamoxifen, aromatase inhibitors): slows the start of division of single
    cells (``division_rate``) and the reactivation of dormant cells, in hormone-sensitive clones
    only (``Clone.hormone_sensitive``), in every organ."""

    kind: Literal["endocrine"] = "endocrine"
    division_factor: Fraction = Field(description="factor on division_rate while given")
    reactivation_factor: Fraction = Field(description="factor on reactivation_rate while given")
    hormone_sensitive_only: ClassVar[bool] = True

    def rate_factors(self) -> dict[str, float]:
        return {"division_rate": self.division_factor, "reactivation_rate": self.reactivation_factor}


class AntiAngiogenic(Course):
    """Anti-angiogenic therapy (VEGF(R) inhibitors): lowers the angiogenic switch of dormant
    micrometastases while given and slows vascular growth (MODEL.md §4): switched lesions and the
    primary, of every clone in every organ, grow at ``growth_factor`` times their rate (their
    Gompertz curves, the primary's law, run at that speed: slowed, never shrunk). ASSUMPTION: no
    published value; VEGF(R) inhibitors slow established tumours but rarely shrink them (stable
    disease rather than response; ebos2009_sunitinib_acceleration: sunitinib inhibited the growth
    of the primary). After it stops, an optional rebound raises the switch for ``rebound_days``
    (withdrawal; ebos2009_sunitinib_acceleration reports short-term sunitinib accelerating
    metastasis, a qualitative target: the rebound's size is a free parameter); growth is not
    rebounded."""

    kind: Literal["anti_angiogenic"] = "anti_angiogenic"
    switch_factor: Fraction = Field(description="factor on switch_rate while given")
    growth_factor: Slowdown = Field(
        default=1.0, description="factor on the growth rate of switched lesions and of the primary while given "
        "(ASSUMPTION: no published value; VEGF(R) inhibitors slow but rarely shrink established tumours; 1: not slowed)"
    )
    rebound_factor: Raise = Field(default=1.0, description="factor on switch_rate after it stops (1: no rebound)")
    rebound_days: Optional[Days] = Field(default=None, description="days the rebound lasts after it stops")

    @model_validator(mode="after")
    def _rebound_after_a_stop(self) -> AntiAngiogenic:
        if (self.rebound_factor != 1.0) != (self.rebound_days is not None):
            raise ValueError(
                f"rebound_days: a rebound needs both rebound_factor > 1 and rebound_days (got rebound_factor "
                f"{self.rebound_factor:g} and rebound_days {self.rebound_days})"
            )
        if self.rebound_days is not None and self.duration_days is None:
            raise ValueError("duration_days: a rebound follows the stop, so the course needs a duration (got none)")
        return self

    def rate_factors(self) -> dict[str, float]:
        return {"switch_rate": self.switch_factor}

    def vascular_growth_factor(self) -> float:
        return self.growth_factor

    def rebound(self) -> Optional[tuple[float, dict[str, float]]]:
        return None if self.rebound_days is None else (self.rebound_days, {"switch_rate": self.rebound_factor})


class Immunotherapy(Course):
    """Immunotherapy: raises immune clearance of avascular colonies (``clearance_rate``), every
    clone, every organ."""

    kind: Literal["immunotherapy"] = "immunotherapy"
    clearance_factor: Raise = Field(description="factor on clearance_rate while given")

    def rate_factors(self) -> dict[str, float]:
        return {"clearance_rate": self.clearance_factor}


class AntiSoil(Course):
    """Anti-seed-soil therapy (e.g. chemokine-receptor blockade): lowers one organ's compatibility,
    its extravasation, start of division and reactivation, for every clone."""

    kind: Literal["anti_soil"] = "anti_soil"
    organ: str = Field(description="organ of the anatomy it acts in")
    factor: Fraction = Field(description="factor on extravasation_rate, division_rate and reactivation_rate there")

    @property
    def target_organ(self) -> Optional[str]:
        return self.organ

    def rate_factors(self) -> dict[str, float]:
        return dict.fromkeys(("extravasation_rate", "division_rate", "reactivation_rate"), self.factor)


class HostPretreatment(Course):
    """Cyclophosphamide-like pretreatment of the host: raises colonisation of one organ (the lung)
    for a window. carmel1977_cyclophosphamide_lung: ~100-fold more lung colonies, the effect
    largest 24 h before injection and lasting 2 h to 8 weeks, not reversed by aspirin or warfarin
    (not a clotting effect on arrest); vollmer1984_cyclophosphamide_organ_specificity: lung only.
    ASSUMPTION (the abstracts give no mechanism): the damaged organ lets arrested cells out and keeps
    them alive, so ``factor`` multiplies extravasation_rate and divides vessel_death_rate and
    apoptosis_rate there; arrest is unchanged. The fold increase in colonies follows from the rates:
    it levels off (~106 for the catalogue's B16 lung rates) however large ``factor`` is, so the fold
    bounds the factor from below only (the catalogue's 30 is chosen by hand, ``carmel1977_lung``)."""

    kind: Literal["host_pretreatment"] = "host_pretreatment"
    organ: str = Field(default="lung", description="organ of the anatomy it acts in")
    factor: Raise = Field(
        description="factor on extravasation_rate, and divisor of vessel_death_rate and apoptosis_rate, there"
    )

    @property
    def target_organ(self) -> Optional[str]:
        return self.organ

    def rate_factors(self) -> dict[str, float]:
        return {"extravasation_rate": self.factor, "vessel_death_rate": 1.0 / self.factor,
                "apoptosis_rate": 1.0 / self.factor}


class BoneTargeted(Course):
    """Bone-targeted therapy (bisphosphonates, denosumab): lowers the bone soil, the start of
    division and the reactivation there, for every clone. The published effect holds in
    postmenopausal hosts only (ebctcg2015_bisphosphonates): it acts in no premenopausal patient
    (``Host``), and in every patient whose status is unknown. Needs an organ named bone."""

    kind: Literal["bone_targeted"] = "bone_targeted"
    factor: Fraction = Field(description="factor on bone's division_rate and reactivation_rate while given")
    postmenopausal_only: ClassVar[bool] = True

    @property
    def target_organ(self) -> Optional[str]:
        return "bone"

    def rate_factors(self) -> dict[str, float]:
        return dict.fromkeys(("division_rate", "reactivation_rate"), self.factor)


class Cycles(Timed):
    """Cycles of a drug that kills dividing cells (Skipper's log-kill hypothesis: each cycle kills
    the same share of them, whatever their number; Skipper HE et al. Cancer Chemother Rep
    1964;35:1-111). A cycle leaves 10**-log_kill of the dividing cells of every clone
    it hits (``hits``): in the primary, in growing micrometastases and in macrometastases; a
    dormant micrometastasis (at the avascular bound) is eradicated with ``dormant_micromet_kill``.
    Solitary cells, dormant or not, do not divide and are spared (MODEL.md §4)."""

    cycles: NumCycles = Field(description="number of cycles")
    interval_days: Days = Field(default=21.0, description="days from one cycle to the next (21: three-weekly)")
    log_kill: LogKill = Field(
        description="decades of dividing cells killed per cycle: a cycle leaves 10**-log_kill of them, whatever "
        "their number (log-kill hypothesis: Skipper HE et al. Cancer Chemother Rep 1964;35:1-111)"
    )
    dormant_micromet_kill: Fraction = Field(
        default=0.0, description="chance per cycle that a dormant micrometastasis (at the avascular bound) is "
        "eradicated (ASSUMPTION: no published value; 0: dormant micrometastases are spared)"
    )

    def hits(self, traits: tuple[str, ...]) -> bool:
        """Whether it kills the dividing cells of a clone with ``traits``."""
        return True

    @property
    def surviving_fraction(self) -> float:
        """Share of dividing cells a cycle leaves."""
        return 10.0 ** -self.log_kill

    def cycle_days(self) -> tuple[float, ...]:
        """Days of each cycle after ``relative_to``."""
        return tuple(self.start_days + k * self.interval_days for k in range(self.cycles))


class Chemotherapy(Cycles):
    """Cytotoxic chemotherapy: cycles of log-kill on every clone."""

    kind: Literal["chemotherapy"] = "chemotherapy"


class Targeted(Cycles):
    """Targeted therapy (e.g. an anti-HER2 antibody, an EGFR inhibitor): cycles of log-kill on the
    clones that carry ``trait`` (``Clone.traits``) only; a clone without it is resistant."""

    kind: Literal["targeted"] = "targeted"
    trait: str = Field(description="the trait of the clones it hits (one of some clone's traits, e.g. HER2)")

    def hits(self, traits: tuple[str, ...]) -> bool:
        return self.trait in traits


Intervention = Annotated[
    Union[Surgery, Endocrine, AntiAngiogenic, Immunotherapy, AntiSoil, HostPretreatment, BoneTargeted, Chemotherapy,
          Targeted],
    Field(discriminator="kind"),
]


class Therapy(Frozen):
    """A schedule of interventions (any order; windows that overlap multiply their factors)."""

    interventions: tuple[Intervention, ...] = Field(default=(), description="the interventions, each with its kind")

    @model_validator(mode="after")
    def _one_surgery(self) -> Therapy:
        surgeries = [i for i, item in enumerate(self.interventions) if isinstance(item, Surgery)]
        if len(surgeries) > 1:
            raise ValueError(
                f"interventions: at most one surgery per schedule (got surgeries at items {surgeries})"
            )
        return self

    @property
    def surgery(self) -> Optional[Surgery]:
        return next((item for item in self.interventions if isinstance(item, Surgery)), None)

    @property
    def courses(self) -> tuple[Course, ...]:
        return tuple(item for item in self.interventions if isinstance(item, Course))

    @property
    def cycles(self) -> tuple[Cycles, ...]:
        """The log-kill interventions (chemotherapy, targeted therapy)."""
        return tuple(item for item in self.interventions if isinstance(item, Cycles))

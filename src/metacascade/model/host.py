"""The host (MODEL.md §3, niches and host): the patient's immune status, immunosuppression and
menopausal status. Constant over the run; the defaults are a host that changes nothing.

The pre-metastatic niche (an organ's soil rising with the primary's mass) is not built.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ._base import Frozen
from .bounds import MAX_MULTIPLIER, Fraction, number
from .therapy import Raise

#: A factor > 0 on the immune killing rates (1: an ordinary host).
ImmuneFactor = number(gt=0.0, le=MAX_MULTIPLIER)


class Host(Frozen):
    """The patient's host: factors on the fate rates of every clone in every organ, and the
    menopausal status that bone-targeted therapy needs (``ebctcg2015_bisphosphonates``: the bone
    recurrence rate ratio 0.72 holds in postmenopausal women; no effect is assumed in premenopausal ones).

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

    @model_validator(mode="after")
    def _one_menopause(self) -> Host:
        if self.menopausal_status is not None and self.postmenopausal_probability is not None:
            raise ValueError(
                f"postmenopausal_probability: give either menopausal_status (got {self.menopausal_status!r}) or "
                f"postmenopausal_probability (got {self.postmenopausal_probability:g}), not both"
            )
        return self

    @property
    def postmenopausal(self) -> Optional[float]:
        """Chance that a patient is postmenopausal (1 or 0 when the status is given); None: unknown."""
        if self.menopausal_status is not None:
            return float(self.menopausal_status == "postmenopausal")
        return self.postmenopausal_probability

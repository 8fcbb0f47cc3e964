"""Rates of the post-arrest cascade for one clone in one organ (MODEL.md §3), all per day.

In the vessel a cell dies or extravasates; a single extravasated cell dies (apoptosis), becomes
solitary-dormant, or starts dividing; a dormant cell dies or reactivates (and starts dividing).
A dividing colony is a linear birth–death process, also cleared whole by immune surveillance,
up to the avascular bound; there it is a dormant micrometastasis until the angiogenic switch
(or regression); a switched (vascularised) macrometastasis grows by Gompertz towards the
organ's capacity.
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, create_model

from ._base import Frozen
from .bounds import Cells, PositiveRate, Rate

#: Colonies up to this size are reported by exact size class (1, 2-3, 4-16); larger ones are 17+,
#: and the avascular bound lies above.
SMALL_COLONY_MAX_CELLS = 16
#: Fate rates that set a lesion's size after its switch in closed form: no epoch or niche may change them.
FIXED_RATES = ("avascular_bound_cells", "gompertz_rate")


class FateRates(Frozen):
    """Competing-risk rates of every post-arrest step, per day, plus the avascular bound."""

    vessel_death_rate: Rate = Field(default=0.5, description="death in the vessel, /day")
    extravasation_rate: Rate = Field(default=1.0, description="extravasation, /day")
    apoptosis_rate: Rate = Field(default=0.5, description="apoptosis of a single extravasated cell, /day")
    dormancy_rate: Rate = Field(default=0.5, description="entry into solitary dormancy, /day")
    division_rate: Rate = Field(default=0.05, description="start of division (founds a colony), /day")
    dormant_death_rate: Rate = Field(default=0.005, description="death of a dormant cell, /day")
    reactivation_rate: Rate = Field(default=0.0005, description="reactivation of a dormant cell, /day")
    birth_rate: Rate = Field(default=1.0, description="per-cell division rate in a colony, /day")
    death_rate: Rate = Field(default=0.3, description="per-cell death rate in a colony, /day")
    clearance_rate: Rate = Field(default=0.0, description="immune clearance of a whole avascular colony, /day")
    avascular_bound_cells: Cells = Field(
        default=1e6,
        gt=SMALL_COLONY_MAX_CELLS,
        description="size at which an avascular colony stops growing (~1-2 mm), cells",
    )
    switch_rate: Rate = Field(default=0.01, description="angiogenic switch at the bound, /day")
    regression_rate: Rate = Field(default=0.001, description="regression of a dormant micrometastasis, /day")
    gompertz_rate: PositiveRate = Field(default=0.02, description="Gompertz rate of a vascularised metastasis, /day")


#: The same fields, each optional: a per-organ override of a clone's default rates.
FateOverrides = create_model(
    "FateOverrides",
    __base__=Frozen,
    __doc__="Per-organ overrides of FateRates; unset fields keep the clone's default.",
    **{
        name: (Optional[Annotated[(field.annotation, *field.metadata)]], None)
        for name, field in FateRates.model_fields.items()
    },
)


def merge_fates(base: FateRates, override: Optional[Frozen]) -> FateRates:
    """``base`` with the fields that ``override`` sets."""
    if override is None:
        return base
    return base.model_copy(update=override.model_dump(exclude_none=True))

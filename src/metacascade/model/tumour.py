"""Clones: the seed side of seed–soil (MODEL.md §2). Each clone is a vector of traits for every step."""

from __future__ import annotations

from pydantic import Field, PositiveFloat

from ._base import Frozen
from .fates import FateOverrides, FateRates, merge_fates


class Clone(Frozen):
    """A population of identical cells: size, survival in transit, and post-arrest fate rates."""

    diameter_um: PositiveFloat = Field(default=15.0, description="cell (or cluster) diameter, µm")
    transit_death_rate: float = Field(
        default=10.0,
        ge=0.0,
        description="death hazard in the circulation (shear, anoikis, NK cells), /day",
    )
    cells_per_g: PositiveFloat = Field(
        default=1e9, description="cells per gram of tumour tissue (delmonte2009_cells_per_cm3)"
    )
    fates: FateRates = Field(default_factory=FateRates, description="rates in every organ unless overridden")
    organ_fates: dict[str, FateOverrides] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="organ name -> rates that differ there (seed–soil)"
    )
    source: str = ""

    def fates_in(self, organ: str) -> FateRates:
        """The fate rates of this clone in ``organ``."""
        return merge_fates(self.fates, self.organ_fates.get(organ))

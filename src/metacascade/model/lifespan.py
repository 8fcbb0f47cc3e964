"""A patient's age and death from other causes (MODEL.md §5): the age at the start of the run drawn
per patient, and a Gompertz–Makeham hazard of dying of anything but the cancer, so that a cohort
has the deaths an autopsy series has, with few or no metastases among them.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ._base import Frozen
from .bounds import number

#: Ages, years: from birth to past the oldest recorded human (122 y).
Years = number(ge=0.0, le=125.0)
#: Hazards, per year: 10/year is a median survival of ~25 days.
HazardPerYear = number(ge=0.0, le=10.0)
#: Gompertz slope, per year of age: human mortality doubles every ~7-8 years (0.085-0.1/year).
SlopePerYear = number(ge=0.0, le=1.0)


class AgeAtStart(Frozen):
    """The age at the start of the run (time 0: the primary at its initial cells), drawn per patient
    from a normal distribution clipped to [min_years, max_years]."""

    mean_years: Years = Field(description="mean age at the start of the run, years")
    sd_years: Years = Field(default=0.0, description="its standard deviation across patients, years")
    min_years: Years = Field(default=18.0, description="the youngest age drawn (the normal clipped there), years")
    max_years: Years = Field(default=100.0, description="the oldest age drawn (the normal clipped there), years")
    source: str = Field(default="", description="where the numbers come from, or the assumptions made")

    @model_validator(mode="after")
    def _ordered(self) -> AgeAtStart:
        if not self.min_years <= self.mean_years <= self.max_years:
            raise ValueError(
                f"mean_years: must lie in [min_years, max_years] = [{self.min_years:g}, {self.max_years:g}] "
                f"(got {self.mean_years:g})"
            )
        return self


class OtherCauseMortality(Frozen):
    """The hazard of death from other causes at age a (years), per year:
    makeham_per_year + gompertz_at_50_per_year x exp(slope_per_year x (a - 50))
    (Gompertz B. Phil Trans R Soc 1825;115:513-583; Makeham WM. J Inst Actuaries 1860;8:301-310)."""

    makeham_per_year: HazardPerYear = Field(description="the age-independent hazard, per year")
    gompertz_at_50_per_year: HazardPerYear = Field(description="the age-dependent hazard at age 50, per year")
    slope_per_year: SlopePerYear = Field(description="its rise per year of age (ln 2 / doubling time), per year")
    source: str = Field(default="", description="where the numbers come from, or the assumptions made")

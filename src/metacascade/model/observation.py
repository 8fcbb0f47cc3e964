"""The observation plan of a virtual patient (MODEL.md §0, §5): diagnosis, imaging, blood draws, death.

A patient is diagnosed by symptoms (a hazard proportional to its primary's volume) or, when imaging
before diagnosis is screening, by the first imaging that sees its primary, whichever comes first;
a staging workup images the whole body at diagnosis. Imaging at given days detects a tumour once
it holds ``detection_threshold_cells``; blood draws
count circulating tumour cells (CTCs) in ``draw_volume_ml`` (how many the blood holds follows from
the circulation: ``engine/routing.py``); the patient dies when the total
tumour burden reaches ``lethal_burden_cells`` or an organ reaches its limit. The engine side
(``engine/observation.py``) computes these from the exact size curves.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ._base import Frozen, IncreasingDays
from .bounds import Cells, Fraction, VolumeMl, number

#: Hazard of symptoms per cm³ of primary per year: 1e3 would be symptoms within hours of 1 cm³.
SymptomRate = number(ge=0.0, le=1e3)


class ObservationPlan(Frozen):
    """When a patient is imaged and bled, what imaging can see, and what burden kills."""

    imaging_times: IncreasingDays = Field(
        default=(), description="days at which the patient is imaged (strictly increasing)"
    )
    detection_threshold_cells: Cells = Field(
        default=1e9,
        description="cells a tumour must hold to be seen on imaging: ~1 cm³ at 1e9 cells per cm³, the clinical "
        "convention quoted with delmonte2009_cells_per_cm3",
    )
    draw_times: IncreasingDays = Field(
        default=(), description="days at which blood is drawn for a CTC count (strictly increasing)"
    )
    draw_volume_ml: VolumeMl = Field(default=7.5, description="blood per draw, mL (the CellSearch standard)")
    blood_volume_ml: VolumeMl = Field(
        default=5000.0, description="blood volume of the patient, mL (ASSUMPTION: ~70 mL/kg for a 70 kg adult)"
    )
    lethal_burden_cells: Cells = Field(
        default=1e12, description="total tumour cells at death (lethal_burden_nmax: 1e12 cells ~ 1 kg)"
    )
    organ_lethal_cells: dict[str, Cells] = Field(
        default_factory=dict,
        description="organ name -> tumour cells in that organ (the primary included, at its site) at which the "
        "patient dies; none by default",
    )
    node_positive_cells: Cells = Field(
        default=200.0,
        description=(
            "cells a deposit in a regional node must exceed for the node to count as involved at diagnosis (N+): the "
            "pathologist's micrometastasis (pN1mi, > 0.2 mm or > ~200 cells); smaller deposits are isolated tumour "
            "cells, staged N0(i+) (AJCC Cancer Staging Manual, 8th ed., 2017: breast)"
        ),
    )
    symptom_rate_per_cm3_year: SymptomRate = Field(
        default=0.0,
        description=(
            "hazard that the primary causes the symptoms that lead to its diagnosis, per cm³ of primary (its cells "
            "over its cells_per_g, at 1 g/cm³) per year: a hazard proportional to the tumour's volume (Plevritis SK "
            "et al. Stat Med 2007;26:581-595, the Stanford CISNET breast model); 0: no diagnosis by symptoms"
        ),
    )
    screening: bool = Field(
        default=True,
        description=(
            "whether imaging before diagnosis is screening, which diagnoses a primary it sees and sees lesions "
            "too; false: an unscreened population, diagnosed by symptoms alone, imaged from its diagnosis on"
        ),
    )
    screening_uptake: Fraction = Field(
        default=1.0,
        description=(
            "share of patients who attend the screening (with screening true), drawn per patient: each attends "
            "every screening imaging or none, and one who does not is diagnosed by symptoms alone, as without "
            "screening (a population with partial uptake)"
        ),
    )
    source: str = Field(default="", description="where the plan's numbers come from, or the assumptions made")


    @model_validator(mode="after")
    def _uptake_needs_screening(self) -> ObservationPlan:
        if self.screening_uptake < 1.0 and not self.screening:
            raise ValueError(
                f"screening_uptake: {self.screening_uptake:g} needs screening: true (without screening nobody is "
                "screened; leave it at 1)"
            )
        return self

    @model_validator(mode="after")
    def _draw_fits_in_blood(self) -> ObservationPlan:
        if self.draw_volume_ml > self.blood_volume_ml:
            raise ValueError(
                f"draw_volume_ml: must not exceed blood_volume_ml = {self.blood_volume_ml:g} mL "
                f"(got {self.draw_volume_ml:g})"
            )
        return self

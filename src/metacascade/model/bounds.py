"""Bounds that no real scenario reaches, each with its reason, and the number types that carry them.

Every number of the model is one of the types below: finite (the base config refuses inf and
nan), not a boolean (YAML reads ``yes`` as true, which would pass for 1), and inside bounds a
patient or an experiment never comes near, so that a number beyond physics is refused at
validation with its field named, before it overflows the engine's exact draws. Units as
everywhere: days, µm, g, cells, per day.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

#: Rates, per day. The fastest processes of the cascade stay under 100/day (death of a CTC,
#: half-life 1-2.4 h: meng2004_ctc_half_life, ~10/day; a cell cycle takes at least ~8 h, 3/day);
#: 1e9/day is "at once" (an event within ~0.1 ms), the most a step can be asked to be.
MAX_RATE_PER_DAY = 1e9
#: Cells in a tumour, a colony, an injection or a threshold, from one cell up. A human body holds
#: ~3.7e13 cells and dies of a tumour burden near 1e12 (lethal_burden_nmax); 1e13 is ~10 kg of tumour.
MIN_CELLS, MAX_CELLS = 1.0, 1e13
#: Days: a follow-up of 100 years outlasts every patient.
MAX_DAYS = 36_525.0
#: Times in one schedule (observations, imaging, blood draws): monthly for 83 years, weekly for 19.
#: The engine's cost grows with the distinct gaps between them (~10 ms each).
MAX_TIMES = 1_000
#: Lengths, µm: cells are 5-30 µm, capillaries 3-10 µm, sinusoids ~10 µm, and clusters unfold to
#: a cell's width (au2016_cluster_capillary_transit); nothing below 0.1 µm (a virus) or above 1 mm
#: takes part in arrest.
MIN_LENGTH_UM, MAX_LENGTH_UM = 0.1, 1_000.0
#: Organ masses, g: from below the smallest organ of the catalogue's mouse (4 mg) to above a whole
#: human (~70 kg).
MIN_MASS_G, MAX_MASS_G = 1e-4, 1e5
#: Cells per gram of tissue: 1e3 would be packed cells of 1 mm, larger than any cell; 1e10,
#: packed cells of 4.6 µm, smaller than any tumour cell (delmonte2009_cells_per_cm3: 1e8-1e9).
MIN_CELLS_PER_G, MAX_CELLS_PER_G = 1e3, 1e10
#: Cells shed per day per cell of the tumour: at most all of them (butler1975_shedding_rate,
#: 3.2e6 per g per day, is ~3e-3 per cell at 1e9 cells per g).
MAX_SHED_PER_CELL_DAY = 1.0
#: Blood transit time from one capillary bed to the next, s: a circuit takes ~1 min in a human and
#: ~10 s in a mouse; an hour is beyond any circulation.
MAX_TRANSIT_TIME_S = 3_600.0
#: Volumes, mL: a human holds ~5 L of blood; 100 L is twenty humans.
MAX_VOLUME_ML = 1e5
#: Mean time a cell stays in blood and lymph before it arrests or dies, days: CTCs have a
#: half-life of hours (meng2004_ctc_half_life); a year means cells that never leave the circulation.
MAX_RESIDENCE_DAYS = 365.0
#: Coefficient of variation across patients: 10 spans ~4 orders of magnitude at +-2 SD (lognormal);
#: clinical doubling times vary with a CV of ~0.7 (breast_tvdt_clinical).
MAX_CV = 10.0
#: A multiplier's log10 across patients, decades: 1e-3 to 1e3 is beyond any spread between tumours.
MAX_DECADES = 3.0
#: Dirichlet concentration of a clone mix: at 1e6 every patient has the mix to within 1e-3.
MAX_CONCENTRATION = 1e6
#: Factor on a cluster's colonisation rates: clusters are 23-50x more metastatic than single cells
#: (aceto2014_cluster_metastatic_potential); 1000 is 20x the highest.
MAX_MULTIPLIER = 1e3
#: Relative weights (normalised by their sum): a ratio above 1e6 between two is a zero.
MAX_WEIGHT = 1e6


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        raise PydanticCustomError("number_type", "Input should be a number, not a boolean")
    return value


#: The validator of every number type: refuses booleans (and numpy's).
NOT_A_BOOLEAN = BeforeValidator(_not_a_boolean)


def number(kind: type = float, **bounds: float) -> Any:
    """A number type of ``kind`` (float or int) that refuses booleans, with pydantic ``bounds``."""
    return Annotated[kind, NOT_A_BOOLEAN, Field(**bounds)]


#: A finite number that is not a boolean (records of a fit, whose fields carry the bounds).
Finite = number()
Rate = number(ge=0.0, le=MAX_RATE_PER_DAY)
PositiveRate = number(gt=0.0, le=MAX_RATE_PER_DAY)
Cells = number(ge=MIN_CELLS, le=MAX_CELLS)
NumCells = number(int, ge=MIN_CELLS, le=MAX_CELLS)
Days = number(gt=0.0, le=MAX_DAYS)
Fraction = number(ge=0.0, le=1.0)
LengthUm = number(ge=MIN_LENGTH_UM, le=MAX_LENGTH_UM)
MassG = number(ge=MIN_MASS_G, le=MAX_MASS_G)
CellsPerG = number(ge=MIN_CELLS_PER_G, le=MAX_CELLS_PER_G)
SheddingRate = number(ge=0.0, le=MAX_CELLS_PER_G * MAX_SHED_PER_CELL_DAY)
TransitTimeS = number(gt=0.0, le=MAX_TRANSIT_TIME_S)
VolumeMl = number(gt=0.0, le=MAX_VOLUME_ML)
Cv = number(ge=0.0, le=MAX_CV)
Decades = number(ge=-MAX_DECADES, le=MAX_DECADES)
Concentration = number(gt=0.0, le=MAX_CONCENTRATION)
Multiplier = number(ge=0.0, le=MAX_MULTIPLIER)
Weight = number(ge=0.0, le=MAX_WEIGHT)

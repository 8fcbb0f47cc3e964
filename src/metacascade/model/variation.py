"""Patient-level variation (MODEL.md §0, cohorts): how one virtual patient's primary differs from
the scenario's. Drawn once per patient of a cohort; the defaults give every patient the scenario's
primary."""

from __future__ import annotations

import math
from typing import Optional

from pydantic import Field

from ._base import Frozen
from .bounds import Concentration, Cv, Decades, Fraction


def lognormal_sigma(cv: float) -> float:
    """Standard deviation of log X for a lognormal X with coefficient of variation ``cv``."""
    return math.sqrt(math.log1p(cv * cv))


class PatientVariation(Frozen):
    """Distributions across patients of a primary's growth rate, shedding rate, clone mix and
    colonisation of its regional nodes.

    Rates are the scenario's value times a lognormal multiplier of median 1 (the scenario describes
    the median patient); a growth-rate multiplier m divides the doubling time at every size by m,
    so the doubling time has the same coefficient of variation. A one-patient run without
    ``patient`` (``simulate(scenario, random_seed=s)``) is the median patient.
    """

    growth_rate_cv: Cv = Field(
        default=0.0,
        description=(
            "coefficient of variation of the growth rate across patients (lognormal, median = "
            "growth.rate_per_day), dimensionless; breast_tvdt_clinical: doubling times 185 ± 126 "
            "days, median 164 (Zhang 2017), i.e. a CV of ~0.6-0.7; the patient's macrometastases grow by the "
            "same multiplier (their Gompertz rates)"
        ),
    )
    shedding_rate_cv: Cv = Field(
        default=0.0,
        description=(
            "coefficient of variation of shedding_rate_per_g_day across patients (lognormal, median = "
            "the scenario's rate), dimensionless; no published spread (butler1975_shedding_rate "
            "measured a few rat tumours): an assumption"
        ),
    )
    clone_mix_concentration: Optional[Concentration] = Field(
        default=None,
        description=(
            "Dirichlet concentration c: a patient's clone shares ~ Dirichlet(c x clone_mix), mean "
            "clone_mix, variance share (1 - share) / (c + 1); None: every patient has clone_mix"
        ),
    )

    node_avid_fraction: Fraction = Field(
        default=0.0,
        description=(
            "share of patients whose tumours colonise their regional lymph nodes readily (the rest at "
            "node_other_log10): a subset present from the start, as Sopik V, Narod SA (Breast Cancer Res Treat "
            "2018;170:647-656) read the N+ share's slow rise with size (carter1989_node_positivity_by_size); "
            "lymphovascular invasion is seen in ~25% of breast cancers (Rakha EA et al. Cancer 2012, as recalled)"
        ),
    )
    node_avid_log10: Decades = Field(
        default=0.0, description="log10 of those tumours' multiplier of their clones' division and reactivation "
                                 "rates in the regional nodes, decades")
    node_other_log10: Decades = Field(
        default=0.0, description="log10 of the other tumours' multiplier there, decades")

    @property
    def growth_rate_sigma(self) -> float:
        """SD of the log growth-rate multiplier."""
        return lognormal_sigma(self.growth_rate_cv)

    @property
    def shedding_rate_sigma(self) -> float:
        """SD of the log shedding-rate multiplier."""
        return lognormal_sigma(self.shedding_rate_cv)

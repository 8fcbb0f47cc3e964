"""Growth laws of a tumour in cells (MODEL.md §2): Gompertz by default; exponential, logistic, power law.

Rates per day, sizes in cells. The engine's closed forms (size, cell-days, hitting times) live in
``engine/growth.py``; here is the description and its local theory (specific growth rate and
doubling time at a size), which is what the published doubling times constrain.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from ._base import Frozen
from .bounds import Cells, Fraction, PositiveRate

#: The laws and their equations (N in cells, t in days).
GROWTH_EQUATIONS = {
    "gompertz": "dN/dt = a N ln(K/N)",
    "exponential": "dN/dt = a N",
    "logistic": "dN/dt = a N (1 - N/K)",
    "power_law": "dN/dt = a N^gamma",
}

GrowthLawName = Literal["gompertz", "exponential", "logistic", "power_law"]
#: The laws with a carrying capacity: a tumour never exceeds max(initial size, capacity).
CAPPED_LAWS = ("gompertz", "logistic")


class GrowthLaw(Frozen):
    """How a tumour grows in cells over days; one of the four laws of ``GROWTH_EQUATIONS``.

    Example: ``GrowthLaw.from_doubling_time(164, at_cells=1e9)`` is a Gompertz law whose volume
    doubling time at 1e9 cells (~1 cm³) is the clinical breast median of 164 days
    (``breast_tvdt_clinical``), with capacity 1e12 cells (``lethal_burden_nmax``).
    """

    law: GrowthLawName = Field(
        default="gompertz",
        description=(
            "growth law; Gompertz fits breast and lung tumour growth best "
            "(benzekry2014_model_selection)"
        ),
    )
    rate_per_day: PositiveRate = Field(
        description=(
            "a, per day: the Gompertz rate (iwata2000_parameters: 0.00286/day for a liver "
            "metastasis), the exponential or logistic rate r, or the power-law coefficient "
            "(cells^(1-gamma) per day: the rate per day at one cell); see GrowthLaw.from_doubling_time"
        ),
    )
    capacity_cells: Cells = Field(
        default=1e12,
        description="K, cells: Gompertz and logistic carrying capacity (lethal_burden_nmax: 1e12 cells ~ 1 kg)",
    )
    exponent: Fraction = Field(
        default=2.0 / 3.0,
        gt=0.0,
        lt=1.0,
        description=(
            "gamma of the power law dN/dt = a N^gamma, dimensionless; 2/3 is surface-limited growth "
            "(iwata2000_parameters: alpha = 2/3, the fractal dimension of the vascularised surface)"
        ),
    )

    def specific_rate_per_day(self, cells: float) -> float:
        """Per-capita growth rate (dN/dt)/N at ``cells``, per day (negative above capacity)."""
        a, k = self.rate_per_day, self.capacity_cells
        if self.law == "gompertz":
            return a * math.log(k / cells)
        if self.law == "exponential":
            return a
        if self.law == "logistic":
            return a * (1.0 - cells / k)
        return a * cells ** (self.exponent - 1.0)

    def doubling_time_days(self, cells: float) -> float:
        """Volume doubling time at ``cells``: ln 2 / specific rate, days (inf if not growing there).

        This is the instantaneous doubling time, the limit of the Schwartz formula
        Δt ln 2 / ln(V2/V1) used on two clinical measurements as they come close.
        """
        rate = self.specific_rate_per_day(cells)
        return math.log(2.0) / rate if rate > 0 else math.inf

    @classmethod
    def from_doubling_time(
        cls,
        days: float,
        at_cells: float,
        law: GrowthLawName = "gompertz",
        capacity_cells: float = 1e12,
        exponent: float = 2.0 / 3.0,
    ) -> "GrowthLaw":
        """The law whose volume doubling time at ``at_cells`` is ``days`` (``doubling_time_days``).

        Sets a from ln 2 / days = a ln(K/N) (Gompertz), a (exponential), a (1 - N/K) (logistic),
        a N^(gamma-1) (power law). Breast: 164 days (``breast_tvdt_clinical`` median).
        """
        checks = [
            ("days", days, days > 0 and math.isfinite(days), "must be a finite number > 0"),
            ("at_cells", at_cells, at_cells > 0 and math.isfinite(at_cells), "must be a finite number > 0"),
        ]
        for name, value, ok, rule in checks:
            if not ok:
                raise ValueError(f"{name}: {rule} (got {value!r})")
        probe = cls(law=law, rate_per_day=1.0, capacity_cells=capacity_cells, exponent=exponent)
        unit_rate = probe.specific_rate_per_day(at_cells)
        if unit_rate <= 0:
            raise ValueError(
                f"at_cells: must be below capacity_cells = {capacity_cells:g} for a {law} law, "
                f"which does not grow at or above it (got {at_cells!r})"
            )
        rate = math.log(2.0) / (days * unit_rate)
        return cls(law=law, rate_per_day=rate, capacity_cells=capacity_cells, exponent=exponent)

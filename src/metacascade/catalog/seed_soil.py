"""The joint seed–soil record (``seed_soil.yaml``, MODEL.md §3): one soil level per diSibio 2008 site,
shared by every primary, and per primary its seed (colonisation level and lymphatic share) and, for
the primaries fitted with a pairing, its seed–soil compatibility with each site.

A primary's division and reactivation rates in site ``o`` are
``base_rate_per_day x 10^(soil[o] + colonisation_log10 + pairing_log10[o])`` per day
(``SeedSoil.multiplier``, ``SeedSoil.organ_fates``). The record is data written by the joint fit
(``calibration.seed_soil``); this module only reads and validates it.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, ValidationError, field_validator

from ..model import FateRates, ScenarioError, format_validation_error
from ..model._base import Frozen
from ..model.bounds import Fraction, PositiveRate
from .reading import MAX_SCENARIO_BYTES, read_yaml

SEED_SOIL_FILE = Path(__file__).with_name("seed_soil.yaml")


class Seed(Frozen):
    """A primary's seed: its colonisation level and the share of its shed cells that enter lymph."""

    colonisation_log10: float = Field(description="log10 of the primary's colonisation factor, added to each site's soil")
    lymphatic_fraction: Fraction = Field(
        description="share of shed cells that enter lymph (at the scenario's lymphatic_surface_cells, if set)")
    pairing_log10: dict[str, float] = Field(
        default_factory=dict, description="site -> log10 seed–soil compatibility on top of soil and seed (0 if absent)")


class SeedSoil(Frozen):
    """The joint seed–soil record: ``base_rate_per_day x 10^(soil[site] + seed[primary])``."""

    base_rate_per_day: PositiveRate = Field(description="rate at soil and seed level 0, per day")
    rates: tuple[str, ...] = Field(min_length=1, description="the fate rates the levels set (FateRates fields)")
    soil: dict[str, float] = Field(min_length=1, description="site -> log10 soil level, shared by every primary")
    seed: dict[str, Seed] = Field(min_length=1, description="diSibio primary -> its fitted seed")
    calibration: dict[str, Any] = Field(default_factory=dict, description="the fit's provenance and explained shares")

    @field_validator("rates")
    @classmethod
    def _known_rates(cls, rates: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [rate for rate in rates if rate not in FateRates.model_fields]
        if unknown:
            raise ValueError(f"unknown fate rate(s) {', '.join(map(repr, unknown))}; allowed: "
                             f"{', '.join(FateRates.model_fields)}")
        return rates

    @property
    def median_colonisation_log10(self) -> float:
        """The median colonisation level of the listed seeds: the level of a primary without one."""
        return statistics.median(seed.colonisation_log10 for seed in self.seed.values())

    def colonisation_log10(self, primary: str) -> float:
        """The primary's fitted colonisation level, else the median of the listed seeds."""
        seed = self.seed.get(primary)
        return self.median_colonisation_log10 if seed is None else seed.colonisation_log10

    def lymphatic_fraction(self, primary: str) -> Optional[float]:
        """The primary's fitted lymphatic share, or None if it has no seed."""
        seed = self.seed.get(primary)
        return None if seed is None else seed.lymphatic_fraction

    def multiplier(self, primary: str, site: str) -> float:
        """10^(soil + seed + pairing) of ``primary`` in ``site``: its rates there over the base."""
        seed = self.seed.get(primary)
        pairing = 0.0 if seed is None else seed.pairing_log10.get(site, 0.0)
        return 10.0 ** (self.soil[site] + self.colonisation_log10(primary) + pairing)

    def organ_fates(self, primary: str) -> dict[str, dict[str, float]]:
        """site -> {rate: base x ``multiplier``} for every site of the soil, per day."""
        return {site: dict.fromkeys(self.rates, self.base_rate_per_day * self.multiplier(primary, site))
                for site in self.soil}


def read_seed_soil(path: Path = SEED_SOIL_FILE) -> SeedSoil:
    """The validated record at ``path`` (a ``ScenarioError`` naming the field and value if invalid)."""
    try:
        return SeedSoil.model_validate(read_yaml(path, max_bytes=MAX_SCENARIO_BYTES))
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source=path.name, model=SeedSoil)) from None

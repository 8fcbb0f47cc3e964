"""What the catalogue lists about each scenario (``metacascade scenarios``): its kind, its site,
whether it is calibrated, and the published targets it reproduces or takes as given."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Scenario
from . import load_scenario, scenario_names


@dataclass(frozen=True)
class Entry:
    """One scenario as the catalogue lists it."""

    name: str
    #: ``patient`` (a growing, shedding primary) or ``assay`` (cells injected at time 0).
    kind: str
    #: The primary's organ, or the vessels cells are injected into.
    site: str
    calibrated: bool
    description: str
    #: Target ids its runs reproduce: those it names and those its calibration fits.
    reproduces: tuple[str, ...]
    #: Target ids whose values it takes as given.
    inputs: tuple[str, ...]
    citation: str

    @property
    def summary(self) -> str:
        """The first sentence of the description."""
        text = " ".join(self.description.split())
        end = text.find(". ")
        return text if end < 0 else text[: end + 1]


def entry(scenario: Scenario) -> Entry:
    """How the catalogue lists ``scenario``."""
    calibrated = scenario.calibration is not None
    fitted = scenario.calibration.targets if calibrated else ()
    if scenario.primary is not None:
        kind, site = "patient", scenario.primary.site
    else:
        kind, site = "assay", ", ".join(dict.fromkeys(injection.vessel for injection in scenario.injections))
    return Entry(
        name=scenario.name, kind=kind, site=site, calibrated=calibrated,
        description=" ".join(scenario.description.split()),
        reproduces=tuple(dict.fromkeys((*scenario.reproduces, *fitted))), inputs=scenario.inputs,
        citation=" ".join(scenario.citation.split()),
    )


def catalogue_entries() -> list[Entry]:
    """Every scenario of the catalogue, by name."""
    return [entry(load_scenario(name)) for name in scenario_names()]

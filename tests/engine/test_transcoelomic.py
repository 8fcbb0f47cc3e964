"""The transcoelomic route: cells shed into a cavity's fluid implant on its surfaces by weight or
die there, from the time the primary has invaded its serosa (MODEL.md §1)."""

from __future__ import annotations

import numpy as np
import pytest

from metacascade.catalog import load_anatomy, scenario_from_data
from metacascade.engine.timeline import run_timeline
from metacascade.engine.lower import lower, lower_routing
from metacascade.engine.reference import simulate_reference
from metacascade.engine.routing import DIED_IN_TRANSIT, entries, mean_residence_time
from metacascade.engine.shedding import expected_shed
from metacascade.model import Clone
from metacascade.analysis import theory
from seeded import FALSE_ALARM

SURFACES = ("peritoneum", "omentum", "diaphragm")
#: The human peritoneal cavity: implantation probability and surface shares (catalogue ASSUMPTIONS).
IMPLANT, SHARES = 0.1, np.array([0.6, 0.2, 0.2])
COELOMIC, RATE, N0, VASCULAR, SHEDDING = 0.5, 0.1, 1e5, 2e5, 4e5
#: A 30 µm clone arrests in the lung on first pass (also after the lymph nodes and thoracic duct),
#: so the serosal surfaces receive cells through the cavity only: the blood reaches them with ~5e-10
#: per cell (a 20 µm clone: ~4e-7, and the runs of CI seed 1871470965 drew one).
LUNG_STOPPED = {"diameter_um": 30.0, "transit_death_rate": 10.0,
                "fates": {"vessel_death_rate": 2.0, "extravasation_rate": 0.5, "division_rate": 0.1}}


def ovarian_patient(serosal_invasion_cells: float, times: list[float]):
    return scenario_from_data({
        "name": "ovarian_test_patient", "anatomy": "human_adult", "clones": {"A": LUNG_STOPPED},
        "primary": {"site": "ovaries", "initial_cells": N0, "vascularisation_cells": VASCULAR,
                    "serosal_invasion_cells": serosal_invasion_cells,
                    "growth": {"law": "exponential", "rate_per_day": RATE}, "shedding_rate_per_g_day": SHEDDING,
                    "lymphatic_fraction": 0.2, "coelomic_fraction": COELOMIC, "clone_mix": {"A": 1.0}},
        "observation_times": times,
    })


def shed_mean(t0: float, t1: float) -> float:
    return expected_shed("exponential", N0, t0, t1, RATE, shedding_rate_per_g_day=SHEDDING, cells_per_g=1e9,
                         vascularisation_cells=VASCULAR)


def surface_arrests(out, lowered) -> np.ndarray:
    """[T, 3] founders arrested on the peritoneum, omentum and diaphragm by each observation."""
    index = [lowered.organ_names.index(s) for s in SURFACES]
    return np.array([snap.arrested[0, index] for snap in out.snapshots])


@pytest.mark.parametrize("clone", [Clone(diameter_um=8.0, transit_death_rate=0.0), Clone(diameter_um=20.0)])
def test_a_cell_in_the_peritoneal_fluid_implants_on_its_surfaces_by_weight_or_dies_there(clone):
    row = theory.delivery_matrix(load_anatomy("human_adult"), clone).loc["cavity:peritoneal"]
    np.testing.assert_allclose(row[list(SURFACES)], IMPLANT * SHARES, rtol=1e-12)
    assert row[DIED_IN_TRANSIT] == pytest.approx(1.0 - IMPLANT)
    assert row.drop([*SURFACES, DIED_IN_TRANSIT]).abs().max() == 0.0


def test_the_pleural_fluid_seeds_the_pleura_and_the_diaphragm_and_takes_no_time_in_blood():
    human = load_anatomy("human_adult")
    routing = lower_routing(human, (Clone(),))
    names, first = entries(routing)
    row = theory.delivery_matrix(human, Clone()).loc["cavity:pleural"]
    assert set(row[row > 0].index) == {"pleura", "diaphragm", DIED_IN_TRANSIT}
    assert mean_residence_time(routing, 0, first[[names.index("cavity:pleural")]])[0] == 0.0


@pytest.mark.seeds(3)
def test_an_ovarian_primary_seeds_the_peritoneum_omentum_and_diaphragm(any_seed, chisquare_p):
    """Invaded from the start: of the cells shed, COELOMIC x IMPLANT x share implant on each surface."""
    lowered = lower(ovarian_patient(serosal_invasion_cells=N0, times=[8.0, 11.0, 15.0]))
    runs = [run_timeline(lowered, np.random.default_rng([any_seed, run])) for run in range(10)]
    entered = sum(out.snapshots[-1].entered[0] for out in runs)
    z = (entered - 10 * shed_mean(0.0, 15.0)) / np.sqrt(10 * shed_mean(0.0, 15.0))
    assert abs(z) < 4.5, z
    on_surfaces = sum(surface_arrests(out, lowered)[-1] for out in runs)
    probabilities = COELOMIC * IMPLANT * SHARES
    observed = np.r_[on_surfaces, entered - on_surfaces.sum()]
    assert chisquare_p(observed, entered * np.r_[probabilities, 1 - probabilities.sum()]) > FALSE_ALARM


@pytest.mark.parametrize("engine", [run_timeline, simulate_reference], ids=["exact", "reference"])
@pytest.mark.seeds(3)
def test_the_cavity_opens_when_the_primary_invades_its_serosa(any_seed, engine):
    """Invasion (5e5 cells, day 16.09) after vascularisation (day 6.93), inside a window: no cell
    implants before it; after it, implants are Poisson with mean COELOMIC x IMPLANT x shed(t_s, t)."""
    invasion = np.log(5e5 / N0) / RATE
    lowered = lower(ovarian_patient(serosal_invasion_cells=5e5, times=[10.0, 16.0, 20.0]))
    runs = [engine(lowered, np.random.default_rng([any_seed, run])) for run in range(10)]
    implanted = np.array([surface_arrests(out, lowered).sum(axis=1) for out in runs])
    assert implanted[:, :2].sum() == 0
    mean = 10 * COELOMIC * IMPLANT * shed_mean(invasion, 20.0)
    assert abs(implanted[:, 2].sum() - mean) / np.sqrt(mean) < 4.5
    entered = sum(out.snapshots[-1].entered[0] for out in runs)
    assert abs(entered - 10 * shed_mean(0.0, 20.0)) / np.sqrt(10 * shed_mean(0.0, 20.0)) < 4.5


def test_a_serosa_invaded_after_the_last_observation_seeds_no_surface():
    lowered = lower(ovarian_patient(serosal_invasion_cells=5e5, times=[10.0, 16.0]))
    out = run_timeline(lowered, np.random.default_rng(7))
    assert out.snapshots[-1].entered[0] > 1000
    assert surface_arrests(out, lowered).sum() == 0

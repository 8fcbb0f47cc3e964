"""Lymph entered through the primary's surface (``lymphatic_surface_cells``): functional lymphatics
lie at the tumour's margin only, so the lymph takes cells in proportion to N^(2/3) while the venous
outflow takes them in proportion to N (MODEL.md §1-2; Padera 2002, Science 296:1883)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import quad

from metacascade.catalog import scenario_from_data
from metacascade.engine import course
from metacascade.errors import ScenarioError
from metacascade.engine.growth import size_at
from metacascade.engine.lower import lower
from metacascade.engine.routes import SURFACE_POWER, routes
from metacascade.engine.timeline import run_timeline

SHARE, SURFACE, PER_CELL = 0.2, 1e9, 3.2e6 / 1e9
LAWS = {
    "gompertz": {"law": "gompertz", "rate_per_day": 0.002, "capacity_cells": 1e12},
    "exponential": {"law": "exponential", "rate_per_day": 0.01},
    "power_law": {"law": "power_law", "rate_per_day": 0.05, "exponent": 0.8},
}


def patient(growth: dict, surface: float | None = SURFACE, **primary) -> dict:
    return {
        "name": "surface_lymph_patient", "anatomy": "human_adult", "clones": {"A": {"fates": {"division_rate": 0.0, "reactivation_rate": 0.0}}},  # no colony
        "primary": {"site": "breast", "initial_cells": 1e6, "vascularisation_cells": 2e6, "growth": growth,
                    "lymphatic_fraction": SHARE, "lymphatic_surface_cells": surface, "clone_mix": {"A": 1.0},
                    **primary},
        "observation_times": [365.0, 730.0],
    }


def lowered_primary(growth: dict, surface: float | None = SURFACE, **primary):
    return lower(scenario_from_data(patient(growth, surface, **primary)))


@pytest.mark.parametrize("law", LAWS)
def test_the_powered_course_is_the_course_to_the_power(law):
    primary = lowered_primary(LAWS[law]).primary
    primary = replace(primary, removal_time=400.0, residual_fraction=0.01)  # a restart on the way
    t = np.array([0.0, 50.0, 399.0, 401.0, 700.0])
    (name, capacity, exponent), pieces = course.powered(primary, SURFACE_POWER)
    powered = [size_at(name, cells, t - start, rate, capacity, exponent) for start, cells, _, rate in pieces]
    expected = np.where(t < 400.0, powered[0], powered[1])
    np.testing.assert_allclose(expected, course.size(primary, t) ** SURFACE_POWER, rtol=1e-10)


@pytest.mark.parametrize("law", LAWS)
def test_the_surface_shedding_integrates_to_its_mean(law):
    primary = replace(lowered_primary(LAWS[law]).primary, removal_time=400.0, residual_fraction=0.01)
    for t0, t1 in [(0.0, 200.0), (200.0, 400.0), (350.0, 720.0)]:
        integral = quad(lambda t: float(course.shedding(primary, t, power=SURFACE_POWER)), t0, t1,
                        points=[400.0] if t0 < 400.0 < t1 else None, limit=200, epsabs=0.0)[0]
        assert float(course.shed_mean(primary, t0, t1, SURFACE_POWER)) == pytest.approx(integral, rel=1e-8)


def test_without_a_surface_the_primary_has_one_entry_the_routes_of_today():
    lowered = lowered_primary(LAWS["gompertz"], surface=None)
    paths = routes(lowered)
    (entry,) = paths.entries
    assert (entry.scale, entry.power) == (1.0, 1.0)
    np.testing.assert_array_equal(entry.before_invasion, paths.before_invasion)
    np.testing.assert_array_equal(entry.after_invasion, paths.after_invasion)


def test_the_venous_outflow_sheds_by_volume_and_the_lymph_by_surface_equal_to_the_share_at_its_size():
    lowered = lowered_primary(LAWS["gompertz"])
    venous, lymph = routes(lowered).entries
    assert (venous.scale, venous.power) == (1.0 - SHARE, 1.0)
    assert lymph.power == SURFACE_POWER
    for cells, share in [(SURFACE, SHARE), (SURFACE / 1000.0, None)]:
        into_lymph = lymph.scale * cells**lymph.power
        total = venous.scale * cells + into_lymph
        if share is not None:
            assert into_lymph / total == pytest.approx(share)
        else:  # ten times smaller across: ten times more surface per cell
            assert into_lymph / (venous.scale * cells) == pytest.approx(10.0 * SHARE / (1.0 - SHARE))
    regional = lowered.organ_names.index("lymph_nodes_regional")
    assert lymph.before_invasion[0, regional] > 0.5 > 1e3 * venous.before_invasion[0, regional]


def test_a_small_primary_seeds_its_nodes_more_with_surface_entry_than_by_volume():
    """Same share at 1e9 cells; the primary stays below it, so the surface sends more cells to lymph:
    the cells that arrest in the regional nodes by the end are ~(1e9 / N)^(1/3) times more."""
    regional = None
    arrested = {}
    for surface in (None, SURFACE):
        lowered = lowered_primary(LAWS["exponential"], surface=surface, initial_cells=1e6)
        regional = lowered.organ_names.index("lymph_nodes_regional")
        arrested[surface] = np.mean([run_timeline(lowered, np.random.default_rng(seed)).snapshots[0]
                                     .arrested[0, regional] for seed in range(5)])
    times = np.linspace(0.0, 365.0, 20001)
    sizes, shed = course.size(lowered.primary, times), course.shedding(lowered.primary, times)  # 2e6 .. 4e7 cells
    weight = shed / shed.sum()
    fold = float(weight @ (SURFACE / sizes) ** (1.0 - SURFACE_POWER))
    assert arrested[SURFACE] / arrested[None] == pytest.approx(fold, rel=0.02)


def test_a_logistic_primary_cannot_have_surface_entry():
    with pytest.raises(ScenarioError, match="lymphatic_surface_cells.*logistic"):
        scenario_from_data(patient({"law": "logistic", "rate_per_day": 0.01, "capacity_cells": 1e12}))

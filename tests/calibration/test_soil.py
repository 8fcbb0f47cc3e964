"""The organ-soil fixed point: hazard-ratio updates of every clone's colonisation rates per site,
held on a quarter-decade grid, with intervals from the autopsy counts."""

import math

import numpy as np
import pandas as pd
import pytest

from metacascade.calibration import soil
from metacascade.calibration.spec import SoilSpec
from metacascade.catalog import load_scenario
from metacascade.model import ScenarioError


def test_multipliers_are_held_on_quarter_decades():
    assert soil.quantised(np.array([1.0, 1.2, 1.9, 0.05, 30.0])) == pytest.approx(
        [1.0, 1.0, 10**0.25, 10**-1.25, 10**1.5])


def test_a_site_multiplier_scales_every_clones_rates_there():
    scenario = load_scenario("breast_patient")
    sites = pd.Index(["liver", "bone"])
    values = soil._scaled(scenario, sites, np.array([10.0, 0.1]), ("division_rate",))
    for clone_name, clone in scenario.clones.items():
        assert values[f"clones.{clone_name}.organ_fates.liver.division_rate"] == pytest.approx(
            10 * clone.fates_in("liver").division_rate)
        assert values[f"clones.{clone_name}.organ_fates.bone.division_rate"] == pytest.approx(
            0.1 * clone.fates_in("bone").division_rate)
    assert len(values) == 2 * len(scenario.clones)


def test_explained_share_is_one_for_the_published_pattern_and_zero_for_its_mean():
    published = pd.Series([0.1, 0.5, 0.3])
    assert soil.explained_share(published, published) == 1.0
    assert soil.explained_share(published, pd.Series([0.3, 0.3, 0.3])) == pytest.approx(0.0)


def test_the_published_row_is_diSibios_counts_over_autopsies():
    counts, share, n = soil.published_row("breast")
    assert n == 432 and share["lung"] == pytest.approx(counts["lung"] / 432)
    with pytest.raises(ScenarioError, match="unknown diSibio 2008 primary 'breasts'"):
        soil.published_row("breasts")


@pytest.fixture(scope="module")
def small_fit(any_seed):
    spec = SoilSpec(method="organ-soil", primary="breast", num_patients=24, min_deaths=40, max_patients=48,
                    iterations=1)
    # from the file's own soil, where the lung is involved in every autopsy and the pleura in almost none
    return soil.fit(load_scenario("breast_patient", calibrated=False), spec, random_seed=any_seed), spec


def test_a_fit_moves_each_site_towards_its_published_share(small_fit):
    result, spec = small_fit
    table = result.table
    assert list(result.iterations.index) == [0, 1]
    # a cohort with fewer autopsies than asked for grows for the next iteration, up to the largest
    first, second = result.iterations["patients"]
    deaths = result.iterations["deaths"].iloc[0]
    assert first == 24 and second == min(48, max(24, math.ceil(24 * 40 / deaths)))
    assert set(table.columns) >= {"published", "low", "high", "simulated", "multiplier"}
    # sites over-involved before the fit lose soil, under-involved ones gain it
    lung, pleura = table.loc["lung"], table.loc["pleura"]
    assert lung["multiplier"] < 1 < pleura["multiplier"]
    uncalibrated = load_scenario("breast_patient", calibrated=False)
    for path, value in result.values.items():
        *_, site, rate = path.split(".")
        clone = path.split(".")[1]
        base = getattr(uncalibrated.clones[clone].fates_in(site), rate)
        assert value == pytest.approx(base * table.loc[site, "multiplier"], rel=1e-9)


def test_the_record_brackets_each_value_by_the_published_counts(small_fit):
    result, spec = small_fit
    parameters, diagnostics = soil.record_fields(result, spec)
    assert len(parameters) == len(result.values)
    assert all(p["low"] <= p["value"] <= p["high"] for p in parameters)
    assert diagnostics["primary"] == "breast" and -np.inf < diagnostics["explained_share"] <= 1


def test_a_held_site_keeps_its_rates_while_the_others_move(monkeypatch):
    """A simulator whose autopsies show every site at half its published share: one step raises every
    site's rates but the held one's (``SoilSpec.held_sites``, the joint fit's unfitted sites)."""
    published = soil.published_row("breast")[1]
    monkeypatch.setattr(soil, "cohort_shares", lambda *args, **kwargs: (published / 2, 400))
    spec = SoilSpec(method="organ-soil", primary="breast", iterations=1, held_sites=("lymph_nodes_regional",))
    multiplier = soil.fit(load_scenario("breast_patient", calibrated=False), spec, random_seed=1).table["multiplier"]
    assert multiplier["lymph_nodes_regional"] == 1.0
    assert (multiplier[(published > 0) & (multiplier.index != "lymph_nodes_regional")] > 1.0).all()

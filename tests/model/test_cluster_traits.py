"""A clone shed as clusters: one founder per cluster, with the cluster's transit and colonisation."""

import pytest

from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import CLUSTER_SUFFIX, lower
from metacascade.model import Clone


def test_a_cluster_clone_has_the_cluster_traits_and_multiplied_colonisation_everywhere():
    clone = Clone.model_validate({
        "diameter_um": 15.0, "deformable_fraction": 0.01,
        "fates": {"division_rate": 0.01, "reactivation_rate": 0.001, "apoptosis_rate": 0.7},
        "organ_fates": {"bone": {"division_rate": 0.1}, "liver": {"apoptosis_rate": 0.2}},
        "cluster": {"arrest_probability": 0.08, "transit_death_rate": 1.0, "colonisation_multiplier": 25.0},
    })
    cluster = clone.as_cluster()
    # every cluster passes capillaries like a deformable cell, arresting with its own probability
    assert (cluster.transit_death_rate, cluster.deformable_fraction, cluster.deformable_arrest_probability) == (1.0, 1.0, 0.08)
    assert cluster.fates_in("lung").division_rate == pytest.approx(0.25)
    assert cluster.fates_in("lung").reactivation_rate == pytest.approx(0.025)
    assert cluster.fates_in("lung").apoptosis_rate == 0.7
    assert cluster.fates_in("bone").division_rate == pytest.approx(2.5)
    assert cluster.fates_in("liver").division_rate == pytest.approx(0.25)
    assert cluster.fates_in("liver").apoptosis_rate == 0.2


@pytest.mark.parametrize("value", [1.5, 60.0])
def test_a_cluster_holds_2_to_50_cells(value):
    with pytest.raises(ValueError, match="mean_cells"):
        Clone.model_validate({"cluster": {"mean_cells": value}})


def scenario(cluster_fraction):
    return scenario_from_data({
        "name": "clusters", "anatomy": "human_adult",
        "clones": {"A": {"cluster": {"mean_cells": 5.0}}, "B": {}},
        "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.02},
                    "cluster_fraction": cluster_fraction, "clone_mix": {"A": 0.75, "B": 0.25}},
        "observation_times": [10.0],
    })


def test_cluster_clones_exist_only_when_the_primary_sheds_clusters():
    assert lower(scenario(0.0)).clone_names == ("A", "B")
    lowered = lower(scenario(0.2))
    assert lowered.clone_names == ("A", "B", "A" + CLUSTER_SUFFIX, "B" + CLUSTER_SUFFIX)
    primary = lowered.primary
    # per cell shed: 80% leave alone; 20% leave in clusters (A: 5 cells, B: the default 4), one founder each
    assert primary.clone_share @ primary.founders_per_cell == pytest.approx([0.6, 0.2, 0.75 * 0.2 / 5, 0.25 * 0.2 / 4])
    assert list(primary.parent_clone) == [0, 1, 0, 1]

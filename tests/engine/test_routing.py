"""Routing: the delivery matrix is a proper absorbing-chain solution and follows anatomy."""

import numpy as np
import pytest

from metacascade.catalog import load_anatomy
from metacascade.engine.lower import lower_routing
from metacascade.engine.routing import DIED_IN_TRANSIT, delivery_matrix, mean_residence_time
from metacascade.model import Clone


@pytest.fixture(scope="module")
def human():
    return load_anatomy("human_adult")


def test_rows_are_probability_distributions(human):
    for diameter in (6.0, 10.0, 15.0, 25.0):
        matrix = human.delivery_matrix(Clone(diameter_um=diameter))
        assert np.all(matrix.to_numpy() >= 0)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)


def test_portal_entry_arrests_in_the_liver_on_first_pass(human):
    # ishii_liver_first_pass_escape: ~0.5% of portal cells pass the liver and implant in the lung
    row = human.delivery_matrix(Clone(diameter_um=15.0, transit_death_rate=0.0)).loc["portal_vein"]
    assert row["liver"] == pytest.approx(0.995, abs=0.002)
    assert row["lung"] == pytest.approx(0.005, abs=0.002)


def test_caval_entry_arrests_first_in_the_lung(human):
    row = human.delivery_matrix(Clone(diameter_um=15.0)).loc["antecubital_vein"]
    assert row.drop(DIED_IN_TRANSIT).idxmax() == "lung" and row["lung"] > 0.98


def test_arterial_entry_splits_by_cardiac_output_for_large_cells(human):
    # a cell much larger than every bed arrests in the first bed it reaches: the arterial shares
    row = human.delivery_matrix(Clone(diameter_um=40.0, transit_death_rate=0.0)).loc["left_ventricle"]
    shares = np.array([o.cardiac_output_fraction for o in human.organs.values()])
    np.testing.assert_allclose(row.drop(DIED_IN_TRANSIT).to_numpy(), shares / shares.sum(), atol=1e-6)


def test_small_cells_pass_beds_and_are_delivered_more_widely(human):
    big = human.delivery_matrix(Clone(diameter_um=15.0)).loc["antecubital_vein"]
    small = human.delivery_matrix(Clone(diameter_um=7.0)).loc["antecubital_vein"]
    assert small["lung"] < big["lung"]
    assert (small.drop(["lung", DIED_IN_TRANSIT]) >= big.drop(["lung", DIED_IN_TRANSIT]) - 1e-12).all()


def test_transit_death_grows_with_residence_time(human):
    slow = lower_routing(human, (Clone(diameter_um=6.0, transit_death_rate=10.0),))
    fast = lower_routing(human, (Clone(diameter_um=20.0, transit_death_rate=10.0),))
    v = slow.vessel_names.index("antecubital_vein")
    assert mean_residence_time(slow, 0)[v] > mean_residence_time(fast, 0)[v]
    assert delivery_matrix(slow, 0)[v, -1] > delivery_matrix(fast, 0)[v, -1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delivery_matrix_matches_a_walk_through_the_beds(human, seed, chisquare_p):
    rng = np.random.default_rng(seed)
    routing = lower_routing(human, (Clone(diameter_um=9.0, transit_death_rate=30.0),))
    v = routing.vessel_names.index("left_ventricle")
    organs = len(routing.organ_names)
    tally = np.zeros(organs + 1)
    for _ in range(20_000):
        bed = rng.choice(organs, p=routing.entry_bed[v])
        while True:
            if rng.random() > routing.segment_survival[0]:
                tally[-1] += 1
                break
            if rng.random() < routing.arrest[0, bed]:
                tally[bed] += 1
                break
            bed = rng.choice(organs, p=routing.drain[bed])
    assert chisquare_p(tally, delivery_matrix(routing, 0)[v] * tally.sum()) > 1e-4

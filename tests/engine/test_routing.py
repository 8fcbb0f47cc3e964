"""Routing: the delivery matrix is a proper absorbing-chain solution and follows anatomy."""

import numpy as np
import pytest

from metacascade.catalog import load_anatomy
from metacascade.engine.lower import absent_organs, lower_routing, organ_sexes
from metacascade.engine.routing import (
    DIED_IN_TRANSIT, circulating_time, deformable_half_life, delivery_from, delivery_matrix, entries, mean_residence_time,
    without,
)
from metacascade.model import Clone
from metacascade.analysis import theory
from seeded import FALSE_ALARM


@pytest.fixture(scope="module")
def human():
    return load_anatomy("human_adult")


def test_rows_are_probability_distributions(human):
    for diameter in (6.0, 10.0, 15.0, 25.0):
        matrix = theory.delivery_matrix(human, Clone(diameter_um=diameter))
        assert np.all(matrix.to_numpy() >= 0)
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)


def test_portal_entry_arrests_in_the_liver_on_first_pass(human):
    # ishii_liver_first_pass_escape: ~0.5% of portal cells pass the liver and implant in the lung
    row = theory.delivery_matrix(human, Clone(diameter_um=15.0, transit_death_rate=0.0)).loc["portal_vein"]
    assert row["liver"] == pytest.approx(0.995, abs=0.002)
    assert row["lung"] == pytest.approx(0.005, abs=0.002)


def test_caval_entry_arrests_first_in_the_lung(human):
    row = theory.delivery_matrix(human, Clone(diameter_um=15.0)).loc["antecubital_vein"]
    assert row.drop(DIED_IN_TRANSIT).idxmax() == "lung" and row["lung"] > 0.98


def test_arterial_entry_splits_by_cardiac_output_for_large_cells(human):
    # a cell much larger than every bed arrests in the first bed it reaches: the arterial shares
    row = theory.delivery_matrix(human, Clone(diameter_um=40.0, transit_death_rate=0.0)).loc["left_ventricle"]
    shares = np.array([o.cardiac_output_fraction for o in human.organs.values()])
    np.testing.assert_allclose(row.drop(DIED_IN_TRANSIT).to_numpy(), shares / shares.sum(), atol=1e-6)


def test_a_body_without_the_other_sexs_organs_shares_their_arterial_blood_among_the_rest(human):
    # large cells arrest in the first bed they reach: the cardiac output of the organs the body has, renormalised
    routing = lower_routing(human, (Clone(diameter_um=40.0, transit_death_rate=0.0),))
    for female in (True, False):
        absent = absent_organs(organ_sexes(human), female)
        shares = np.array([o.cardiac_output_fraction for o in human.organs.values()]) * ~absent
        row = delivery_matrix(without(routing, absent), 0)[routing.vessel_names.index("left_ventricle")]
        np.testing.assert_allclose(row[:-1], shares / shares.sum(), atol=1e-6)
        assert (row[:-1][absent] == 0).all()


@pytest.mark.parametrize("entry", ["left_ventricle", "lymph:breast", "venous:breast"])
def test_what_led_to_an_absent_organ_goes_to_the_other_places_of_its_row_in_proportion(human, entry):
    routing = lower_routing(human, (WALKED,), paravertebral=True)
    absent = absent_organs(organ_sexes(human), female=False)  # a man's body: no ovaries, uterus or vagina
    names, first = entries(routing)
    before, after = (delivery_from(r, 0, entries(r)[1][[names.index(entry)]])[0] for r in (routing, without(routing, absent)))
    assert (after[:-1][absent] == 0).all() and before[:-1][absent].sum() > 0
    for rows in ("entry_bed", "drain", "lymph_drain", "implant"):
        old, new = getattr(routing, rows), getattr(without(routing, absent), rows)
        np.testing.assert_allclose(new.sum(axis=1), old.sum(axis=1), rtol=1e-12)  # each row keeps its sum
        kept = old[:, ~absent].sum(axis=1) > 0
        np.testing.assert_allclose(new[kept][:, ~absent] * old[kept][:, ~absent].sum(axis=1, keepdims=True),
                                   old[kept][:, ~absent] * new[kept][:, ~absent].sum(axis=1, keepdims=True), rtol=1e-12)
    for rows in ("entry_bed", "drain", "lymph_drain", "implant"):  # a body with every organ: the same routing
        np.testing.assert_array_equal(getattr(without(routing, np.zeros_like(absent)), rows), getattr(routing, rows))


def test_small_cells_pass_beds_and_are_delivered_more_widely(human):
    big = theory.delivery_matrix(human, Clone(diameter_um=15.0)).loc["antecubital_vein"]
    small = theory.delivery_matrix(human, Clone(diameter_um=7.0)).loc["antecubital_vein"]
    assert small["lung"] < big["lung"]
    assert (small.drop(["lung", DIED_IN_TRANSIT]) >= big.drop(["lung", DIED_IN_TRANSIT]) - 1e-12).all()


def test_transit_death_grows_with_residence_time(human):
    slow = lower_routing(human, (Clone(diameter_um=6.0, transit_death_rate=10.0),))
    fast = lower_routing(human, (Clone(diameter_um=20.0, transit_death_rate=10.0),))
    v = slow.vessel_names.index("antecubital_vein")
    first = entries(slow)[1]
    assert mean_residence_time(slow, 0, first)[v] > mean_residence_time(fast, 0, first)[v]
    assert delivery_matrix(slow, 0)[v, -1] > delivery_matrix(fast, 0)[v, -1]


def walk(rng, routing, entry, num_cells):
    """Per-cell walk through blood beds, lymph stations and cavity fluids, each cell first drawn
    deformable or stiff; returns arrest counts and deaths, and the mean number of segments a cell
    travels in venous blood after passing a bed of the body (not the lung)."""
    organs = len(routing.organ_names)
    names, first = entries(routing)
    lung = routing.organ_names.index("lung")
    tally, past_a_bed = np.zeros(organs + 1), 0
    for _ in range(num_cells):
        state = rng.choice(first.shape[1], p=first[names.index(entry)])
        deformable = rng.random() < routing.deformable_fraction[0]
        bed_arrest = np.full(organs, routing.deformable_arrest[0]) if deformable else routing.arrest[0]
        while True:
            if state >= 2 * organs:  # a cavity's fluid: implant on a surface, or die there
                implant = routing.implant[state - 2 * organs]
                tally[rng.choice(organs + 1, p=np.r_[implant, 1.0 - implant.sum()])] += 1
                break
            if rng.random() > routing.segment_survival[0]:
                tally[-1] += 1
                break
            lymph, organ = divmod(state, organs)
            arrest = routing.lymph_arrest[organ] if lymph else bed_arrest[organ]
            if rng.random() < arrest:
                tally[organ] += 1
                break
            if not lymph:
                past_a_bed += organ != lung
                state = rng.choice(organs, p=routing.drain[organ])
            elif routing.lymph_drain[organ].sum() > 0:
                state = organs + rng.choice(organs, p=routing.lymph_drain[organ])
            else:
                state = lung  # thoracic duct -> caval blood -> lung bed
    return tally, past_a_bed / num_cells


#: A clone with stiff cells of 9 µm and, a third of them, deformable ones that arrest at 5% of beds.
WALKED = Clone(diameter_um=9.0, transit_death_rate=30.0, deformable_fraction=0.3, deformable_arrest_probability=0.05)


@pytest.mark.seeds(3)
@pytest.mark.parametrize("entry", ["left_ventricle", "lymph:breast", "venous:prostate", "cavity:peritoneal"])
def test_delivery_matches_a_walk_through_beds_and_nodes(human, any_seed, entry, chisquare_p):
    routing = lower_routing(human, (WALKED,), paravertebral=True)
    tally, past_a_bed = walk(np.random.default_rng(any_seed), routing, entry, 8_000)
    names, first = entries(routing)
    expected = delivery_from(routing, 0, first[[names.index(entry)]])[0]
    assert chisquare_p(tally, expected * tally.sum()) > FALSE_ALARM
    days = circulating_time(routing, 0, first[[names.index(entry)]])[0]
    # segments past a bed are at most ~1 / (death + arrest) per cell: a loose 5-sigma bound on the mean
    sd = np.sqrt(days / routing.segment_time / (1.0 - routing.segment_survival[0] * 0.95) / 8_000)
    assert abs(past_a_bed - days / routing.segment_time) < 5.0 * sd + 1e-9


def test_a_deformable_cell_that_never_arrests_circulates_until_it_dies(human):
    routing = lower_routing(human, (Clone(deformable_fraction=1.0, deformable_arrest_probability=0.0),))
    names, first = entries(routing)
    arm = first[[names.index("antecubital_vein")]]
    # after its first segment (to the lung) it loops lung -> artery -> bed -> vein (-> liver -> vein) -> lung:
    # a half (caval beds) to two thirds (portal beds) of its segments in venous blood
    looping = mean_residence_time(routing, 0, arm)[0] - routing.segment_time
    assert 0.5 * looping < circulating_time(routing, 0, arm)[0] < 2.0 / 3.0 * looping
    assert delivery_matrix(routing, 0)[:, -1] == pytest.approx(1.0)  # none arrests: all die in the blood
    # 10/day of transit death: half of them gone in ln 2 / 10 days (1.66 h), meng2004_ctc_half_life's 1-2.4 h
    assert deformable_half_life(routing, 0) == pytest.approx(np.log(2.0) / 10.0, rel=1e-9)


def test_deformable_cells_halve_with_death_and_arrest_at_each_bed(human):
    routing = lower_routing(human, (Clone(deformable_fraction=0.01, deformable_arrest_probability=0.002),))
    s, p = routing.segment_survival[0], 0.002
    assert deformable_half_life(routing, 0) == pytest.approx(np.log(2.0) / -np.log(s * (1 - p)) * routing.segment_time)
    assert 1.0 <= deformable_half_life(routing, 0) * 24.0 <= 2.4  # hours: meng2004_ctc_half_life


def test_stiff_cells_barely_circulate_and_deformable_ones_carry_the_draw(human):
    stiff = Clone(diameter_um=12.4)  # mendelaar2021_ctc_diameters: breast CTCs
    mixed = stiff.model_copy(update={"deformable_fraction": 0.001})
    names, first = entries(lower_routing(human, (stiff,)))
    row = first[[names.index("venous:breast")]]
    alone, with_deformable = (circulating_time(lower_routing(human, (c,)), 0, row)[0] for c in (stiff, mixed))
    assert alone * 24 * 3600 < 0.1  # seconds: 99% of stiff cells stop in the lung, nearly all the rest in the next bed
    assert with_deformable > 100 * alone  # one deformable cell in 1,000 is nearly all of the count


def test_a_clone_without_deformable_cells_routes_as_before(human):
    clone = Clone(diameter_um=12.4)
    routing = lower_routing(human, (clone, clone.model_copy(update={"deformable_fraction": 1e-300})))
    np.testing.assert_allclose(delivery_matrix(routing, 0), delivery_matrix(routing, 1), rtol=0, atol=1e-15)


def test_colon_cells_reach_the_liver_before_the_lung(human):
    row = theory.delivery_matrix(human, Clone(diameter_um=12.0)).loc["venous:large_intestine"]
    assert row.drop(DIED_IN_TRANSIT).idxmax() == "liver" and row["liver"] > 20 * row["lung"]


def test_breast_cells_arrest_first_in_the_lung(human):
    row = theory.delivery_matrix(human, Clone(diameter_um=12.4)).loc["venous:breast"]  # mendelaar2021_ctc_diameters
    assert row.drop(DIED_IN_TRANSIT).idxmax() == "lung"


def test_lymph_goes_to_regional_then_distant_nodes_then_the_lung(human):
    row = theory.delivery_matrix(human, Clone(diameter_um=12.4)).loc["lymph:breast"]
    assert row["lymph_nodes_regional"] > row["lymph_nodes_distant"] > 0
    assert row["lung"] > 0 and row.drop(["lymph_nodes_regional", "lymph_nodes_distant"]).idxmax() == "lung"


def test_prostate_reaches_bone_through_the_paravertebral_route_only_when_it_is_on(human):
    clone = Clone(diameter_um=10.3)  # mendelaar2021_ctc_diameters, prostate CTCs
    closed = theory.delivery_matrix(human, clone).loc["venous:prostate", "bone"]
    opened = theory.delivery_matrix(human, clone, paravertebral=True).loc["venous:prostate", "bone"]
    assert closed < 0.01 and opened > 10 * closed

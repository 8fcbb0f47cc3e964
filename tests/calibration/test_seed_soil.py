"""Seed and soil apart: the joint fit's projection onto one soil per site and one level per primary,
the lymphatic share that takes the nodes' shortfall, the values it writes into each member, and the
fixed point itself on a simulator whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis.autopsy import published_row
from metacascade.calibration import seed_soil
from metacascade.calibration import soil as organ_soil
from metacascade.calibration.run import joint_run, write_joint
from metacascade.calibration.soil import hazard
from metacascade.calibration.spec import JointSpec, joint_spec, load_spec
from metacascade.catalog import load_scenario, scenario_names
from metacascade.catalog.primaries import read_primaries
from metacascade.catalog.seed_soil import read_seed_soil
from metacascade.model import ScenarioError


def _state(soil: dict, seeds: dict, lymph: dict) -> seed_soil.State:
    return seed_soil.State(pd.Series(soil, dtype=float), pd.Series(seeds, dtype=float), pd.Series(lymph, dtype=float))


def test_the_projection_recovers_an_additive_table_whatever_the_weights():
    rng = np.random.default_rng(3)
    level, soil = rng.normal(size=4), rng.normal(size=6)
    targets = pd.DataFrame(level[:, None] + soil[None, :], index=list("abcd"), columns=list("uvwxyz"))
    weights = pd.DataFrame(rng.uniform(0.1, 10.0, size=(4, 6)), index=targets.index, columns=targets.columns)
    fitted_level, fitted_soil = seed_soil.project(targets, weights)
    assert fitted_soil.mean() == pytest.approx(0.0, abs=1e-12)  # the soil is centred; the levels take the rest
    np.testing.assert_allclose(fitted_level.to_numpy()[:, None] + fitted_soil.to_numpy()[None, :], targets, atol=1e-10)


def test_a_primary_weighs_by_its_autopsies_and_a_site_with_no_case_weighs_little():
    published = pd.Series({"liver": 0.5, "testes": 0.0})
    small, large = seed_soil._weights(published, 100), seed_soil._weights(published, 400)
    assert large["liver"] == pytest.approx(4 * small["liver"])
    assert small["testes"] < 1.0 < small["liver"]


def test_each_members_rates_are_the_base_times_its_seed_and_the_shared_soil():
    scenario = load_scenario("breast_patient", calibrated=False)
    state = _state({"liver": -1.0, "bone": 0.5}, {"breast": 1.25}, {"breast": 0.3})
    values = seed_soil.values(scenario, "breast", state)
    assert values["clones.A.organ_fates.liver.division_rate"] == pytest.approx(1e-8 * 10**0.25)
    assert values["clones.A.organ_fates.bone.reactivation_rate"] == pytest.approx(1e-8 * 10**1.75)
    # the bone-tropic clone keeps its own pairing with bone (10x clone A's in the file), and only that
    assert values["clones.bone_tropic.organ_fates.bone.division_rate"] == pytest.approx(10 * 1e-8 * 10**1.75)
    assert values["clones.bone_tropic.organ_fates.liver.division_rate"] == pytest.approx(1e-8 * 10**0.25)
    assert values["primary.lymphatic_fraction"] == 0.3
    assert len(values) == 2 * 2 * 2 + 1  # clones x sites x rates, and the lymphatic share


def test_what_the_nodes_still_miss_after_the_projection_moves_the_lymphatic_share():
    sites = ["liver", "lung", *seed_soil.NODE_SITES]
    state = _state(dict.fromkeys(sites, 0.0), {"a": 0.0, "b": 0.0}, {"a": 0.2, "b": 0.2})
    targets = pd.DataFrame(0.0, index=["a", "b"], columns=sites)
    targets.loc["a", list(seed_soil.NODE_SITES)] = 1.0  # a's nodes want 10x the hazard, b's as they are
    moved = seed_soil._step(state, targets, pd.DataFrame(1.0, index=targets.index, columns=sites))
    assert moved.lymphatic["a"] > 0.2 > moved.lymphatic["b"]
    assert (moved.lymphatic >= seed_soil.LYMPHATIC_BOUNDS[0]).all() and (moved.lymphatic <= 0.9).all()


def test_a_site_left_unfitted_weighs_nothing_in_the_projection_nor_in_the_lymphatic_share():
    """The catalogue leaves the breast row's regional nodes unfitted (radical mastectomy in the series'
    era): whatever they ask for moves neither the soil, nor the breast seed, nor its lymphatic share."""
    spec = JointSpec(method="seed-soil", members={"breast_patient": "breast", "lung_patient": "lung"},
                     unfitted_sites={"breast": ["lymph_nodes_regional"]})
    weights = seed_soil._Members.of(spec).weights
    assert weights.loc["breast", "lymph_nodes_regional"] == 0.0 < weights.loc["lung", "lymph_nodes_regional"]
    state = _state(dict.fromkeys(weights.columns, 0.0), {"breast": 0.0, "lung": 0.0}, {"breast": 0.2, "lung": 0.2})
    targets = pd.DataFrame(0.0, index=weights.index, columns=weights.columns)
    moved = seed_soil._step(state, targets, weights)
    targets.loc["breast", "lymph_nodes_regional"] = 3.0  # a thousand times the hazard, asked by an unfitted site
    wild = seed_soil._step(state, targets, weights)
    pd.testing.assert_series_equal(wild.soil, moved.soil)
    pd.testing.assert_series_equal(wild.colonisation, moved.colonisation)
    pd.testing.assert_series_equal(wild.lymphatic, moved.lymphatic)
    assert joint_spec().unfitted_sites == {"breast": ("lymph_nodes_regional",)}


def test_unfitted_sites_must_belong_to_a_members_primary(tmp_path):
    path = tmp_path / "joint.yaml"
    path.write_text("method: seed-soil\nmembers: {breast_patient: breast, lung_patient: lung}\n"
                    "unfitted_sites: {colon: [liver]}\n")
    with pytest.raises(ScenarioError, match="unfitted_sites: colon not among the members' primaries"):
        joint_spec(path)


MEMBERS = {"breast_patient": "breast", "kidney_patient": "kidney", "lung_patient": "lung"}
GENERATED = {"testis_patient": "testis"}
#: A soil and seeds the fake simulator below is built on, and where the fit starts.
TRUE_LEVEL = {"breast": 1.0, "kidney": 0.5, "lung": -0.25, "testis": 0.75}
START_LEVEL = {"breast": 0.0, "kidney": 0.0, "lung": 0.0}
TRUE_LYMPH = {"breast": 0.3, "kidney": 0.15, "lung": 0.4, "testis": 0.2}


def _true_soil(sites) -> pd.Series:
    return pd.Series(np.linspace(-1.0, 1.0, len(sites)), index=sites)


@pytest.fixture(scope="module")
def fake_fit():
    """The joint fit on a simulator whose autopsies are diSibio's when the rates are the true ones,
    and whose hazards scale with the rates (and, at the nodes, with the lymphatic share)."""
    sites = published_row("breast")[1].index
    soil = _true_soil(sites)

    def fake_shares(scenario, follow_up_years, num_patients, random_seed, **where):
        primary = {**MEMBERS, **GENERATED}[scenario.name]
        published, n = published_row(primary)[1:]
        clone = scenario.clones["A"]
        rate = pd.Series({site: clone.fates_in(site).division_rate for site in sites})
        exponent = np.log10(rate / 1e-8) - soil - TRUE_LEVEL[primary]
        nodes = list(seed_soil.NODE_SITES)
        exponent[nodes] += np.log10(scenario.primary.lymphatic_fraction / TRUE_LYMPH[primary])
        return pd.Series(1 - np.exp(-hazard(published, n) * 10**exponent), index=sites), 100

    patch = pytest.MonkeyPatch()
    patch.setattr(seed_soil, "cohort_shares", fake_shares)
    patch.setattr(organ_soil, "cohort_shares", fake_shares)  # the pairing's organ-soil steps
    primaries = read_primaries()  # one generated primary, whose seed is fitted with the soil held
    patch.setattr(seed_soil, "read_primaries", lambda: primaries.model_copy(update={"primaries": {
        "testis": primaries.primaries["testis"], **{p: primaries.primaries[p] for p in MEMBERS.values()}}}))
    start = _state(dict.fromkeys(sites, 0.0), START_LEVEL, {"breast": 0.2, "kidney": 0.2, "lung": 0.2})
    spec = JointSpec(method="seed-soil", members=MEMBERS, iterations=8, damping=1.0, pairing_iterations=2,
                     seed_rounds=3)
    try:
        yield seed_soil.fit(spec, start, random_seed=1), spec, start
    finally:
        patch.undo()


def test_the_fixed_point_finds_the_soil_and_seeds_that_reproduce_every_row(fake_fit):
    result, _, _ = fake_fit
    # from a uniform start; the rates are applied on quarter decades, so the last steps dither by ~1/8 decade
    assert (result.iterations.loc[0, "explained_share"] < 0.4).all()
    assert (result.shares.loc[list(MEMBERS.values()), "explained_share"] > 0.88).all()
    # identified up to the gauge (soil centred): each member's level + soil is the true one, within the grid
    sites = result.state.soil.index
    fitted = result.state.colonisation.to_numpy()[:, None] + result.state.soil.to_numpy()[None, :]
    truth = np.array([TRUE_LEVEL[p] for p in result.state.colonisation.index])[:, None] + _true_soil(sites).to_numpy()
    assert np.median(np.abs(fitted - truth)) < 0.15
    # the nodes' soil and the lymphatic shares' common scale are one unknown: their ratios are identified
    ratios = result.state.lymphatic / result.state.lymphatic["kidney"]
    assert ratios.to_dict() == pytest.approx({p: f / TRUE_LYMPH["kidney"] for p, f in TRUE_LYMPH.items()}, rel=0.3)
    # a simulator that is additive is predicted as well left out as fitted
    assert (result.shares["leave_one_out"] > 0.85).all()
    # a generated primary's own seed, fitted on its row with the soil held, reproduces it too
    assert result.shares.loc["testis", "scenario"] == "testis_patient"
    assert result.state.colonisation["testis"] - result.state.colonisation["kidney"] == pytest.approx(0.25, abs=0.2)
    assert list(result.iterations.index.get_level_values("iteration").unique()) == list(range(9))
    # a member's pairing takes what one soil and one seed leave: here only the grid's dither and no-case sites
    pairing = result.table["pairing_log10"].unstack()
    assert (pairing.drop(columns="testes").abs().median(axis=1) <= 0.25).all()
    assert (result.shares["with_pairing"].dropna() > 0.85).all()


def test_the_joint_fit_writes_its_record_and_every_member_with_its_calibration_block(fake_fit, tmp_path):
    result, spec, start = fake_fit
    run = joint_run(result, spec, start=start, random_seed=1, command="metacascade calibrate-joint --seed 1")
    out = write_joint(run, tmp_path / "joint")
    record = read_seed_soil(out / "seed_soil.yaml")
    assert set(record.seed) == {*MEMBERS.values(), *GENERATED.values()}
    provenance = record.calibration
    assert provenance["method"] == "seed-soil" and set(provenance["leave_one_out"]) == set(record.seed)
    assert provenance["start"]["seed"]["breast"]["colonisation_log10"] == 0.0  # the start, written whole
    for name, primary in MEMBERS.items():
        written = load_scenario(out / "scenarios" / f"{name}.yaml")
        assert written.calibration.method == "seed-soil"
        assert written.calibration.diagnostics["primary"] == primary
        assert written.clones["A"].fates_in("liver").division_rate == pytest.approx(
            1e-8 * record.multiplier(primary, "liver"), rel=1e-3)
        assert written.calibration.diagnostics["explained_share"] == pytest.approx(
            result.shares.loc[primary, "with_pairing"], rel=1e-3)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a calibration folder"):
        write_joint(run, tmp_path / "foreign", overwrite=True)


def test_the_catalogue_fits_its_hand_written_patient_scenarios_together():
    spec = joint_spec()
    assert set(spec.members) <= set(scenario_names())
    assert set(spec.members.values()) <= set(read_seed_soil().seed)
    with pytest.raises(ScenarioError, match="fitted with the other patient scenarios"):
        load_spec("breast_patient")


def test_a_joint_spec_needs_two_members_and_says_which_field_is_wrong(tmp_path):
    path = tmp_path / "joint.yaml"
    path.write_text("method: seed-soil\nmembers: {breast_patient: breast}\n")
    with pytest.raises(ScenarioError, match="members"):
        joint_spec(path)

"""The diSibio 2008 primaries (catalog/primaries.yaml) and the patient scenarios generated from them:
every record validates and agrees with what it stands for, a bad record names its field and value,
every generated scenario loads, lowers and runs, and its colonisation is the joint seed-soil fit's."""

from __future__ import annotations

import jsonschema
import pytest

from metacascade import ScenarioError, load_scenario, scenario_names, simulate
from metacascade.analysis.organotropism import analyse, autopsy_matrix
from metacascade.analysis.targets import disibio_matrix
from metacascade.catalog import SCENARIO_DIR, generated_names, load_anatomy, scenario_path, variant_names
from metacascade.catalog.primaries import (
    DETECTION_CELLS, LEAD_TIME_DAYS, Growth, generated_scenario, parse_primaries, read_primaries,
)
from metacascade.catalog.schema import scenario_schema
from metacascade.catalog.seed_soil import SEED_SOIL_FILE, SeedSoil, read_seed_soil
from metacascade.engine.growth import time_to_reach
from metacascade.engine.lower import lower

PRIMARIES = read_primaries()
SEED_SOIL = read_seed_soil()
FILES = {path.stem for path in SCENARIO_DIR.glob("*.yaml")}
HAND_WRITTEN = {p: r.scenario for p, r in PRIMARIES.primaries.items() if r.scenario}
TWO_YEARS = [365.25, 730.5]


def test_there_is_a_record_for_every_disibio_primary_with_a_site():
    assert set(PRIMARIES.primaries) == set(disibio_matrix()["primaries"]) - {"unknown_primary"}
    assert len(PRIMARIES.primaries) == 40
    organs = load_anatomy("human_adult").organ_names
    assert {record.site for record in PRIMARIES.primaries.values()} <= set(organs)


def test_the_ten_hand_written_scenarios_stand_for_their_primaries_and_are_not_regenerated():
    assert len(HAND_WRITTEN) == 10 and set(HAND_WRITTEN.values()) <= FILES
    assert not set(generated_names()) & (FILES | set(variant_names()))
    assert sorted(PRIMARIES.scenarios().values()) == sorted([*HAND_WRITTEN.values(), *generated_names()])
    assert set(generated_names()) <= set(scenario_names()) and len(generated_names()) == 30
    assert load_scenario("breast_patient").calibration is not None  # the file, with its calibration


@pytest.mark.parametrize("primary", sorted(HAND_WRITTEN))
def test_a_hand_written_record_holds_its_files_values(primary):
    # the lymphatic share the file writes, where the joint fit started (its seed-soil record holds the fitted one)
    record, scenario = PRIMARIES.primaries[primary], load_scenario(HAND_WRITTEN[primary], calibrated=False)
    tumour = scenario.primary
    assert (record.site, record.lymphatic_fraction, record.coelomic_fraction, record.paravertebral_route, record.female) == (
        tumour.site, tumour.lymphatic_fraction, tumour.coelomic_fraction, scenario.paravertebral_route, scenario.host.female)
    assert tumour.growth.doubling_time_days(DETECTION_CELLS) == pytest.approx(
        PRIMARIES.growth(primary).doubling_time_days, rel=1e-3)


def test_a_generated_scenarios_patients_are_women_with_the_records_share():
    for name, primary in PRIMARIES.generated().items():
        assert load_scenario(name).host.female == PRIMARIES.primaries[primary].female, name
    assert load_scenario("testis_patient").host.sex == "male" and load_scenario("cervix_patient").host.sex == "female"


def test_a_generated_records_lymphatic_share_is_the_organ_soil_fits():
    table, _ = analyse(load_anatomy("human_adult"), autopsy_matrix(disibio_matrix()), leave_one_out=False)
    for name, primary in PRIMARIES.generated().items():
        assert PRIMARIES.primaries[primary].lymphatic_fraction == round(table.loc[primary, "lymph_share"], 2), name


@pytest.mark.parametrize("change, message", [
    ({"lymphatic_fraction": 1.5}, r"primaries\.testis\.lymphatic_fraction: .*\(got 1\.5\)"),
    ({"growth": "teratoma"}, r"primaries\.testis\.growth: unknown histology class 'teratoma'; allowed: germ_cell"),
    ({"growth": {"doubling_time_days": -3, "source": "x"}}, r"primaries\.testis\.growth\.Growth\.doubling_time_days"
                                                            r": .*\(got -3\)"),
    ({"colour": "blue"}, r"primaries\.testis\.colour: .*allowed: site, scenario"),
])
def test_a_bad_record_names_its_field_and_value(change, message):
    record = {"site": "testes", "lymphatic_fraction": 0.22, "female": 0, "growth": "germ_cell", **change}
    data = {"histology": {"germ_cell": {"doubling_time_days": 30, "source": "ASSUMPTION"}},
            "primaries": {"testis": record}}
    with pytest.raises(ScenarioError, match=message):
        parse_primaries(data, source="primaries.yaml")


def test_a_bad_seed_soil_record_names_its_field_and_value(tmp_path):
    path = tmp_path / "seed_soil.yaml"
    path.write_text(SEED_SOIL_FILE.read_text(encoding="utf-8").replace("- reactivation_rate", "- growth_rate"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"rates: unknown fate rate\(s\) 'growth_rate'; allowed: .*division_rate"):
        read_seed_soil(path)


@pytest.mark.parametrize("name", generated_names())
def test_a_generated_scenario_loads_lowers_and_runs_two_patients_for_two_years(name):
    scenario = load_scenario(name)
    assert scenario.name == name and "generated" in scenario.description and "PLACEHOLDER" in scenario.description
    assert lower(scenario).primary is not None
    short = scenario.with_values({"observation_times": TWO_YEARS, "observation.imaging_times": TWO_YEARS,
                                  "observation.draw_times": TWO_YEARS})
    simulate(short, num_patients=2, random_seed=1).check()


@pytest.mark.parametrize("name", generated_names())
def test_a_generated_scenario_colonises_each_site_at_base_times_ten_to_soil_plus_seed(name):
    primary = PRIMARIES.generated()[name]
    clone = load_scenario(name).clones["A"]
    level = SEED_SOIL.colonisation_log10(primary)
    for site, soil in SEED_SOIL.soil.items():
        expected = SEED_SOIL.base_rate_per_day * 10 ** (soil + level)
        for rate in SEED_SOIL.rates:
            assert getattr(clone.fates_in(site), rate) == pytest.approx(expected, rel=1e-12), (site, rate)


def test_a_primary_without_a_fitted_seed_takes_the_median_and_with_one_its_own():
    seeds = SEED_SOIL.model_dump()["seed"]
    unfitted = SeedSoil.model_validate({**SEED_SOIL.model_dump(), "seed": {
        primary: seed for primary, seed in seeds.items() if primary != "testis"}})
    levels = sorted(seed["colonisation_log10"] for primary, seed in seeds.items() if primary != "testis")
    assert unfitted.colonisation_log10("testis") == unfitted.median_colonisation_log10 == pytest.approx(
        (levels[(len(levels) - 1) // 2] + levels[len(levels) // 2]) / 2)
    assert "median" in generated_scenario("testis_patient", seed_soil=unfitted)["description"]
    fitted = SeedSoil.model_validate({**SEED_SOIL.model_dump(), "seed": {
        **seeds, "testis": {"colonisation_log10": 2.0, "lymphatic_fraction": 0.4}}})
    data = generated_scenario("testis_patient", seed_soil=fitted)
    assert data["primary"]["lymphatic_fraction"] == 0.4
    assert data["clones"]["A"]["organ_fates"]["liver"]["division_rate"] == pytest.approx(
        fitted.base_rate_per_day * 10 ** (fitted.soil["liver"] + 2.0))
    assert "fitted seed" in data["description"]


@pytest.mark.parametrize("name", generated_names())
def test_a_generated_primary_follows_the_catalogues_growth_convention(name):
    scenario = load_scenario(name)
    growth = PRIMARIES.growth(PRIMARIES.generated()[name])
    assert scenario.primary.growth.doubling_time_days(DETECTION_CELLS) == pytest.approx(growth.doubling_time_days)
    law, n0, rate, capacity, exponent = lower(scenario).primary.growth
    lead = time_to_reach(law, n0, DETECTION_CELLS, rate, capacity, exponent)
    if n0 > 1:  # three years before 1e9 cells; a primary too fast for that starts from its first cell
        assert lead == pytest.approx(LEAD_TIME_DAYS, rel=1e-2)
    else:
        assert lead < LEAD_TIME_DAYS
    assert scenario.observation_times == pytest.approx([365.25 * k for k in range(1, 11)])
    template = load_scenario("kidney_patient", calibrated=False)
    assert scenario.clones["A"].fates == template.clones["A"].fates
    assert scenario.observation.organ_lethal_cells == template.observation.organ_lethal_cells


def test_a_fast_primary_starts_from_one_cell():
    assert Growth(doubling_time_days=30, source="x").initial_cells() == 1.0
    assert Growth(doubling_time_days=164, source="x").initial_cells() == 1.36e6  # breast_patient's


def test_generated_scenarios_satisfy_the_scenario_schema():
    validator = jsonschema.Draft202012Validator(scenario_schema())
    for name in generated_names():
        errors = [error.message for error in validator.iter_errors(load_scenario(name).model_dump(mode="json"))]
        assert not errors, (name, errors)


def test_a_generated_scenario_has_no_file_and_says_so():
    with pytest.raises(ScenarioError, match="testis_patient is generated from its record in primaries.yaml"):
        scenario_path("testis_patient")


def test_a_generated_scenario_whose_seed_was_fitted_carries_the_joint_fits_record():
    fitted = load_scenario("testis_patient")
    assert fitted.calibration.method == "seed-soil" and fitted.calibration.diagnostics["primary"] == "testis"
    assert fitted.calibration.diagnostics["explained_share"] == SEED_SOIL.calibration["explained_share"]["testis"]
    paths = {parameter.path for parameter in fitted.calibration.parameters}
    assert "primary.lymphatic_fraction" in paths and "clones.A.organ_fates.liver.division_rate" in paths
    unfitted = SeedSoil.model_validate({**SEED_SOIL.model_dump(), "calibration": {}})
    assert "calibration" not in generated_scenario("testis_patient", seed_soil=unfitted)

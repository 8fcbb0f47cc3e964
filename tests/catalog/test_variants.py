"""Catalogue variants (catalog/variants.yaml): a scenario file with some values set, loaded by name,
runnable, keeping its base's calibrated values; a variant that cannot be built says why."""

from __future__ import annotations

import pytest

from metacascade import ScenarioError, load_scenario, scenario_names, simulate
from metacascade.catalog import SCENARIO_DIR, load_variant, scenario_path, variant_names
from metacascade.catalog.variants import Variant, catalogue_variants, read_variants
from metacascade.model.paths import value_in_force

VARIANTS = catalogue_variants()
PATIENT_FILES = [path.stem for path in sorted(SCENARIO_DIR.glob("*_patient.yaml"))]


def variant(**fields) -> Variant:
    return Variant(**{"base": "breast_patient", "description": "a test variant", "values": {}, **fields})


def test_the_catalogue_lists_its_variants_beside_its_files():
    assert set(variant_names()) <= set(scenario_names())
    assert not set(variant_names()) & {path.stem for path in SCENARIO_DIR.glob("*.yaml")}


@pytest.mark.parametrize("name", variant_names())
def test_a_variant_loads_by_name_and_keeps_its_bases_calibrated_values(name):
    scenario, base = load_scenario(name), load_scenario(VARIANTS[name].base)
    assert scenario.name == name and "{base}" not in scenario.description and VARIANTS[name].base in scenario.description
    assert scenario.citation.endswith(base.citation)
    assert scenario.calibration == base.calibration
    for parameter in base.calibration.parameters:
        assert value_in_force(scenario, parameter.path) == value_in_force(base, parameter.path) == parameter.value
    assert load_scenario(name, calibrated=False).calibration is None


@pytest.mark.parametrize("name", PATIENT_FILES)
def test_every_patient_scenario_has_a_clinical_variant_operated_at_diagnosis(name):
    operated = load_scenario(f"{name}_operated")
    assert [(item.kind, item.relative_to, item.start_days) for item in operated.therapy.interventions] == [
        ("surgery", "diagnosis", 0.0)]
    assert operated.observation_times[-1] == operated.observation.imaging_times[-1] == 20 * 365.25


def test_breast_adjuvant_is_breast_patient_operated_with_the_trials_hosts_and_an_er_positive_cancer():
    adjuvant, operated = load_scenario("breast_adjuvant"), load_scenario("breast_patient_operated")
    assert VARIANTS["breast_adjuvant"].base == "breast_patient"
    assert adjuvant.host.postmenopausal_probability == 0.63  # ebctcg2015: 11767 of 18766 women
    assert all(clone.hormone_sensitive for clone in adjuvant.clones.values())
    as_operated = adjuvant.with_values({f"clones.{name}.hormone_sensitive": False for name in adjuvant.clones})
    different = {"name", "description", "citation", "host", "calibration"}  # with_values drops the record
    assert as_operated.model_dump(exclude=different) == operated.model_dump(exclude=different)
    assert adjuvant.calibration == operated.calibration


def test_a_variant_runs_as_a_cohort_and_each_patient_is_operated_at_its_diagnosis():
    cohort = simulate("breast_adjuvant", num_patients=3, random_seed=1)
    cohort.check()
    assert cohort.scenario["name"] == "breast_adjuvant" and cohort.patients["diagnosis_time"].notna().any()


def test_a_variant_of_an_unknown_base_names_the_allowed_files():
    with pytest.raises(ScenarioError, match=r"^variant v: base: unknown catalogue scenario file 'breast'; allowed: .*"
                                            r"breast_patient, "):
        load_variant("v", variant(base="breast", values={"host.postmenopausal_probability": 0.5}))


def test_a_bad_value_names_its_path_the_value_and_what_is_allowed():
    with pytest.raises(ScenarioError) as error:
        load_variant("v", variant(values={"host.postmenopausal_probability": 1.5}))
    assert str(error.value).splitlines() == [
        "invalid variant v of breast_patient (variants.yaml): 1 error(s)",
        "  host.postmenopausal_probability: Input should be less than or equal to 1 (got 1.5)"]
    with pytest.raises(ScenarioError, match=r"  hots: Extra inputs are not permitted; allowed: schema_version, "):
        load_variant("v", variant(values={"hots.immune_status": 2.0}))


@pytest.mark.parametrize("path", ["clones.A.organ_fates.bone.division_rate", "clones.A", "clones"])
def test_a_variant_may_not_set_a_calibrated_value(path):
    with pytest.raises(ScenarioError, match=rf"^variant v: values\.{path}: sets \d+ calibrated value\(s\) of "
                                            r"breast_patient \(clones\.A\.organ_fates\..*`metacascade derive`"):
        load_variant("v", variant(values={path: {}}))


def test_a_variant_entry_with_an_unknown_field_names_the_allowed_ones():
    with pytest.raises(ScenarioError, match=r"valuse: Extra inputs are not permitted; allowed: base, description, "
                                            r"citation, values"):
        read_variants({"v": {"base": "breast_patient", "description": "d", "valuse": {}}}, source="variants.yaml")


def test_a_variant_is_not_a_file_to_write_a_calibration_into():
    with pytest.raises(ScenarioError, match=r"^breast_adjuvant is a variant of breast_patient \(variants.yaml\), not a file"):
        scenario_path("breast_adjuvant")

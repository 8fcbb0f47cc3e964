"""Calibration specs: data, validated like scenarios, one per calibrated catalogue scenario."""

import pytest

from metacascade.calibration.spec import AbcSpec, catalogue_specs, joint_spec, load_spec, parse_spec
from metacascade.catalog import generated_names, load_scenario, scenario_names
from metacascade.model import ScenarioError
from metacascade.analysis.targets import disibio_matrix, load_targets


def test_every_catalogue_spec_names_a_scenario_and_known_targets():
    targets = load_targets()
    for name, spec in catalogue_specs().items():
        assert name in scenario_names()
        assert set(spec.targets) <= set(targets)


def test_abc_priors_name_fields_of_their_scenario():
    for name, spec in catalogue_specs().items():
        if isinstance(spec, AbcSpec):
            resolved = load_scenario(name).resolved()
            for path in spec.priors:
                node = resolved
                for key in path.split("."):
                    node = node[key]
                assert isinstance(node, float), path


def test_every_hand_written_patient_scenario_is_fitted_jointly_against_a_disibio_row():
    # the generated ones (catalog.primaries) take the joint fit's soil and their own seeds
    written = {name for name in scenario_names() if name.endswith("_patient") and name not in generated_names()}
    members = joint_spec().members
    assert written == set(members)
    assert set(members.values()) <= set(disibio_matrix()["primaries"])


@pytest.mark.parametrize("data, message", [
    ({"method": "abc-smc", "targets": ["x"], "priors": {"a.b": {"low": 2.0, "high": 1.0}}}, "high: must exceed low"),
    ({"method": "abc-smc", "targets": [], "priors": {"a.b": {"low": 1.0, "high": 2.0}}}, "targets"),
    ({"method": "grid", "targets": ["x"]}, "abc-smc"),
    ({"method": "organ-soil", "primary": "breast", "num_patients": 2}, "num_patients"),
])
def test_a_bad_spec_names_the_field(data, message):
    with pytest.raises(ScenarioError) as error:
        parse_spec(data, source="spec")
    assert message in str(error.value)


def test_a_scenario_without_spec_asks_for_one():
    with pytest.raises(ScenarioError, match="--spec FILE"):
        load_spec("no_such_scenario")

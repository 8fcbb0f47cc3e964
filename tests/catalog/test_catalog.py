"""The catalogue: every scenario loads and cites its targets; the default human anatomy is built
from targets.yaml (organ_blood_flow_fractions, organ_masses_reference) and covers every site of
the diSibio 2008 autopsy matrix."""

from __future__ import annotations

import numpy as np
import pytest

from metacascade import Scenario, load_scenario, scenario_names
from metacascade.catalog import anatomy_names, load_anatomy
from metacascade.engine.lower import lower
from metacascade.validation.anatomy import FLOW_ENTRIES, MASS_ENTRIES  # human_adult organ -> table entries
from metacascade.analysis.targets import disibio_matrix, load_targets
from metacascade.analysis import theory


@pytest.fixture(scope="module")
def human():
    return load_anatomy("human_adult")


def test_catalogue_has_the_published_assays():
    assert {"luzzi1998_liver", "fidler1970_lung"} <= set(scenario_names())
    assert {"human_adult", "mouse"} <= set(anatomy_names())


@pytest.mark.parametrize("name", scenario_names())
def test_every_catalogue_scenario_loads_lowers_and_cites_its_source(name: str):
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.name == name
    assert scenario.citation and (scenario.reproduces or scenario.calibration)
    lowered = lower(scenario)
    assert lowered.injection_cells.sum() > 0 or lowered.primary is not None  # an assay or a patient


@pytest.mark.parametrize("name", scenario_names())
def test_catalogue_scenarios_name_known_targets_each_as_reproduced_or_as_input(name: str):
    scenario = load_scenario(name)
    reproduced = {*scenario.reproduces, *(scenario.calibration.targets if scenario.calibration else ())}
    assert reproduced and reproduced | set(scenario.inputs) <= set(load_targets())
    assert not reproduced & set(scenario.inputs)


@pytest.mark.parametrize("name", anatomy_names())
def test_every_organ_states_its_source(name: str):
    anatomy = load_anatomy(name)
    assert anatomy.source
    missing = [organ for organ, spec in anatomy.organs.items() if not spec.source.strip()]
    assert not missing


@pytest.mark.parametrize("name", anatomy_names())
def test_delivery_matrix_rows_sum_to_one(name: str):
    anatomy = load_anatomy(name)
    clone = load_scenario("luzzi1998_liver").clones["B16F1"]
    delivery = theory.delivery_matrix(anatomy, clone)
    np.testing.assert_allclose(delivery.sum(axis=1), 1.0, atol=1e-12)
    assert (delivery.to_numpy() >= 0).all()


def test_human_anatomy_covers_every_disibio_site(human):
    sites = disibio_matrix()["sites"]
    missing = sorted(set(sites) - set(human.organ_names))
    assert not missing, f"diSibio 2008 sites without an organ: {missing}"


def test_human_flows_are_the_reference_table_normalised(human):
    table = load_targets()["organ_blood_flow_fractions"].value
    total = sum(table.values())
    assert total == pytest.approx(102.55)  # the documented /1.0255 normalisation
    for organ, entries in FLOW_ENTRIES.items():
        expected = sum(table[entry] for entry in entries) / total
        actual = human.organs[organ].cardiac_output_fraction
        assert actual == pytest.approx(expected, abs=1e-6), organ
    # organs the table lumps into 'other' share exactly its 3.2%
    lumped = sum(o.cardiac_output_fraction for name, o in human.organs.items() if name not in FLOW_ENTRIES)
    assert lumped == pytest.approx(table["other"] / total, abs=1e-5)


def test_human_masses_are_the_reference_table(human):
    table = load_targets()["organ_masses_reference"].value
    for organ, entries in MASS_ENTRIES.items():
        expected_g = 1000.0 * sum(table[entry] for entry in entries)
        assert human.organs[organ].mass_g == pytest.approx(expected_g, rel=1e-9), organ


def test_organs_outside_the_flow_table_state_their_assumption(human):
    for name, organ in human.organs.items():
        if name not in FLOW_ENTRIES:
            assert "assumption" in organ.source.lower(), name

"""What the catalogue lists about each scenario: kind, site, calibrated, the targets it reproduces."""

from __future__ import annotations

import pytest

from metacascade import load_scenario, scenario_names
from metacascade.catalog import CATALOG_DIR
from metacascade.catalog.entries import catalogue_entries, entry
from metacascade.analysis.targets import load_targets

INPUTS = ("butler1975_shedding_rate", "breast_tvdt_clinical", "mendelaar2021_ctc_diameters")


def test_every_catalogue_scenario_is_listed_once_in_order():
    assert [e.name for e in catalogue_entries()] == scenario_names()


@pytest.mark.parametrize("name", scenario_names())
def test_an_entry_says_kind_site_and_calibration_as_the_scenario_does(name):
    scenario, listed = load_scenario(name), entry(load_scenario(name))
    if scenario.primary is not None:
        assert (listed.kind, listed.site) == ("patient", scenario.primary.site)
    else:
        assert listed.kind == "assay" and listed.site == scenario.injections[0].vessel
    assert listed.calibrated == (scenario.calibration is not None)
    assert listed.summary and "\n" not in listed.summary and listed.description.startswith(listed.summary)


@pytest.mark.parametrize("name", [n for n in scenario_names() if n.endswith("_patient")])
def test_a_patient_reproduces_the_targets_it_is_fitted_to_and_none_of_its_inputs(name):
    listed = entry(load_scenario(name))
    assert "disibio2008_full_matrix" in listed.reproduces
    assert not set(listed.reproduces) & set(INPUTS)
    assert "butler1975_shedding_rate" in listed.inputs


def test_the_assays_reproduce_their_papers():
    luzzi, fidler = entry(load_scenario("luzzi1998_liver")), entry(load_scenario("fidler1970_lung"))
    assert {"luzzi1998_survive_extravasate_d3", "luzzi1998_solitary_dormant_d13"} <= set(luzzi.reproduces)
    assert "fidler1970_alive_24h" in fidler.reproduces
    assert (luzzi.kind, luzzi.site, fidler.site) == ("assay", "mesenteric_vein", "tail_vein")


def test_every_listed_target_is_a_published_one():
    known = set(load_targets())
    for listed in catalogue_entries():
        assert set(listed.reproduces) | set(listed.inputs) <= known, listed.name


def test_catalogue_files_say_what_they_mean_not_which_issue():
    for path in sorted((CATALOG_DIR / "scenarios").glob("*.yaml")):
        assert "issue 4" not in path.read_text(encoding="utf-8"), path.name

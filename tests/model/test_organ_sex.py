"""Organs of one sex: the anatomy says which organs only women's or men's bodies have, a host says its
patients' sex (or their chance of being women), and a primary or an injected artery in an organ of one
sex needs hosts of that sex. Bad values name the field, the value and what is allowed."""

from __future__ import annotations

import pytest

from metacascade import ScenarioError, load_scenario
from metacascade.catalog import load_anatomy, scenario_from_data


def error_of(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    return str(caught.value)


def prostate_data(host) -> dict:
    data = load_scenario("prostate_patient", calibrated=False).resolved()
    return {**data, "host": {**data["host"], "sex": None, **host}}


def test_the_human_anatomy_has_the_organs_of_each_sex_and_every_other_organ_in_every_body():
    organs = load_anatomy("human_adult").organs
    assert {name: organ.sex for name, organ in organs.items() if organ.sex} == {
        "testes": "male", "prostate": "male", "ovaries": "female", "uterus": "female", "vagina": "female"}
    assert organs["breast"].sex is None  # men have breast tissue too


@pytest.mark.parametrize("host", [{"sex": "female"}, {"female_probability": 0.01}])
def test_a_prostate_primary_in_a_host_that_may_be_a_woman_is_refused_by_name(host):
    message = error_of(prostate_data(host))
    for words in ("host: primary.site", "prostate", "organ of male bodies", "allowed: host sex: male"):
        assert words in message


@pytest.mark.parametrize("host", [{"sex": "male"}, {"female_probability": 0.0}, {}])
def test_a_prostate_primary_runs_in_men_or_in_a_host_of_unknown_sex(host):
    assert scenario_from_data(prostate_data(host)).primary.site == "prostate"


def test_an_injection_into_an_artery_of_an_organ_of_one_sex_needs_hosts_of_that_sex():
    anatomy = load_anatomy("human_adult").model_dump(mode="json")
    anatomy["entry_vessels"]["ovarian_artery"] = "ovaries"
    data = {"name": "injected", "anatomy": anatomy, "clones": {"A": {}}, "observation_times": [10.0],
            "injections": [{"clone": "A", "vessel": "ovarian_artery", "num_cells": 100}]}
    assert "injections.0.vessel is in the ovaries, an organ of female bodies" in error_of({**data, "host": {"sex": "male"}})
    assert scenario_from_data({**data, "host": {"sex": "female"}}).host.female == 1.0


@pytest.mark.parametrize(("organ", "change", "words"), [
    ("lung", {"sex": "female"}, ["organs.lung.sex", "every body has a lung", "'female'"]),
    ("liver", {"sex": "male"}, ["organs.liver.sex", "every body has a liver"]),
    ("lymph_nodes_regional", {"sex": "male"}, ["organs.lung.lymph_drains_to", "'lymph_nodes_regional'",
                                              "exists in one sex only (male)", "a node every body has"]),
    ("testes", {"sex": "both"}, ["sex", "'female' or 'male'", "'both'"]),
])
def test_an_organ_every_body_needs_cannot_be_of_one_sex(organ, change, words):
    anatomy = load_anatomy("human_adult").model_dump(mode="json")
    anatomy["organs"][organ].update(change)
    message = error_of({"name": "sexed", "anatomy": anatomy, "clones": {"A": {}}, "observation_times": [10.0],
                        "injections": [{"clone": "A", "vessel": "antecubital_vein", "num_cells": 100}]})
    for word in words:
        assert word in message

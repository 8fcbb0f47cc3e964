"""Cavities and the transcoelomic route are validated: organs and surfaces exist, an organ lies in
one cavity at most, surface weights name every surface, and only a primary in a cavity sheds into one."""

from __future__ import annotations

from typing import Any

import pytest

from metacascade import ScenarioError
from metacascade.catalog import load_anatomy, scenario_from_data


def ovarian_patient(site: str = "ovaries", cavities: dict[str, Any] | None = None, **primary: Any) -> dict:
    anatomy = load_anatomy("human_adult").model_dump()
    for name, changes in (cavities or {}).items():
        anatomy["cavities"][name] = {**anatomy["cavities"][name], **changes}
    return {
        "name": "transcoelomic_validation", "anatomy": anatomy, "clones": {"A": {}},
        "primary": {"site": site, "growth": {"rate_per_day": 0.01}, "clone_mix": {"A": 1.0},
                    "coelomic_fraction": 0.3, **primary},
        "observation_times": [100.0],
    }


def message_of(data: dict) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    return str(caught.value)


def test_an_ovarian_primary_may_shed_into_the_peritoneal_cavity():
    scenario = scenario_from_data(ovarian_patient())
    assert scenario.anatomy.cavity_of("ovaries") == "peritoneal"
    assert scenario.primary.coelomic_fraction == 0.3


@pytest.mark.parametrize("site", ["breast", "bone"])
def test_a_primary_in_no_cavity_cannot_shed_into_one(site):
    message = message_of(ovarian_patient(site))
    for expected in ("primary.coelomic_fraction", repr(site), "lies in no cavity", "got 0.3", "ovaries, pancreas"):
        assert expected in message, message


def test_a_primary_in_no_cavity_sheds_nothing_into_one_by_default():
    assert scenario_from_data(ovarian_patient("breast", coelomic_fraction=0.0)).primary.coelomic_fraction == 0.0


@pytest.mark.parametrize("field, value, expected", [
    ("coelomic_fraction", 1.5, "less than or equal to 1"),
    ("coelomic_fraction", -0.1, "greater than or equal to 0"),
    ("serosal_invasion_cells", 0.0, "greater than or equal to 1"),
])
def test_primary_transcoelomic_fields_have_bounds(field, value, expected):
    message = message_of(ovarian_patient(**{field: value}))
    assert f"primary.{field}" in message and expected in message, message


@pytest.mark.parametrize("changes, expected", [
    ({"organs": ["ovaries", "appendix"]},
     ("anatomy.cavities.peritoneal.organs", "unknown organ 'appendix'", "allowed: adipose")),
    ({"organs": ["lung", "ovaries"]},
     ("anatomy.cavities.pleural.organs", "'lung' already lies in the peritoneal cavity", "one cavity at most")),
    ({"surface_weights": {"peritoneum": 1.0, "omentum": 1.0}},
     ("anatomy.cavities.peritoneal.surface_weights", "allowed: peritoneum, omentum, diaphragm",
      "got peritoneum, omentum")),
    ({"surface_weights": {"peritoneum": 0.0, "omentum": 0.0, "diaphragm": 0.0}},
     ("anatomy.cavities.peritoneal.surface_weights", "must not all be zero")),
    ({"surface_weights": {"peritoneum": -1.0, "omentum": 1.0, "diaphragm": 1.0}},
     ("anatomy.cavities.peritoneal.surface_weights.peritoneum", "greater than or equal to 0")),
    ({"implantation_probability": 1.2},
     ("anatomy.cavities.peritoneal.implantation_probability", "less than or equal to 1", "1.2")),
])
def test_invalid_cavities_fail_with_the_field_the_value_and_what_is_allowed(changes, expected):
    message = message_of(ovarian_patient(cavities={"peritoneal": changes}))
    for part in expected:
        assert part in message, message


def test_surface_shares_are_the_normalised_weights_or_equal():
    cavities = load_anatomy("human_adult").cavities
    assert cavities["peritoneal"].surface_shares == pytest.approx({"peritoneum": 0.6, "omentum": 0.2, "diaphragm": 0.2})
    equal = cavities["peritoneal"].model_copy(update={"surface_weights": {}})
    assert equal.surface_shares == pytest.approx(dict.fromkeys(("peritoneum", "omentum", "diaphragm"), 1 / 3))


def test_the_human_cavities_hold_the_sites_of_transcoelomic_spread():
    anatomy = load_anatomy("human_adult")
    expected = {"ovaries": "peritoneal", "stomach": "peritoneal", "large_intestine": "peritoneal",
                "pancreas": "peritoneal", "lung": "pleural", "heart": "pericardial",
                "breast": None, "bone": None, "kidney": None, "diaphragm": None}
    assert {organ: anatomy.cavity_of(organ) for organ in expected} == expected

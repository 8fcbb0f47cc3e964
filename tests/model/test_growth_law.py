"""GrowthLaw: declarative validation with readable errors; from_doubling_time hits its target."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from metacascade.engine.growth import size_at, time_to_reach
from metacascade.model._base import format_validation_error
from metacascade.model.growth import GrowthLaw

LAWS = ["gompertz", "exponential", "logistic", "power_law"]


def _message(**fields) -> str:
    with pytest.raises(ValidationError) as info:
        GrowthLaw(**fields)
    return format_validation_error(info.value, source="growth law", model=GrowthLaw)


def test_defaults_are_gompertz_with_the_lethal_burden_as_capacity():
    law = GrowthLaw(rate_per_day=0.01)
    assert (law.law, law.capacity_cells, law.exponent) == ("gompertz", 1e12, pytest.approx(2 / 3))
    with pytest.raises(ValidationError):
        law.rate_per_day = 1.0  # frozen


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"law": "linear", "rate_per_day": 0.1}, ("law", "'linear'", "'gompertz', 'exponential', 'logistic' or 'power_law'")),
        ({"rate_per_day": 0.0}, ("rate_per_day", "got 0.0", "greater than 0")),
        ({"rate_per_day": -1}, ("rate_per_day", "got -1", "greater than 0")),
        ({"rate_per_day": math.inf}, ("rate_per_day", "got inf", "finite number")),
        ({"rate_per_day": "fast"}, ("rate_per_day", "'fast'", "valid number")),
        ({"rate_per_day": 0.1, "capacity_cells": -5}, ("capacity_cells", "got -5", "greater than or equal to 1")),
        ({"rate_per_day": 0.1, "exponent": 1.0}, ("exponent", "got 1.0", "less than 1")),
        ({"rate_per_day": 0.1, "exponent": 0}, ("exponent", "got 0", "greater than 0")),
        ({"rate_per_day": 0.1, "colour": "red"}, ("colour", "'red'", "not permitted", "allowed: law, rate_per_day")),
        ({}, ("rate_per_day", "Field required")),
    ],
)
def test_invalid_fields_name_path_value_and_rule(fields, expected):
    message = _message(**fields)
    for part in expected:
        assert part in message, message


@pytest.mark.parametrize(
    "args, expected",
    [
        ((0.0, 1e9), ("days", "got 0.0", "> 0")),
        ((-164, 1e9), ("days", "got -164", "> 0")),
        ((math.nan, 1e9), ("days", "got nan", "finite")),
        ((164, 0.0), ("at_cells", "got 0.0", "> 0")),
        ((164, 1e12), ("at_cells", "got 1000000000000.0", "below capacity_cells")),
        ((164, 2e12, "logistic"), ("at_cells", "got 2000000000000.0", "below capacity_cells")),
    ],
)
def test_from_doubling_time_rejects_impossible_targets(args, expected):
    with pytest.raises(ValueError) as info:
        GrowthLaw.from_doubling_time(*args)
    for part in expected:
        assert part in str(info.value), str(info.value)


def test_from_doubling_time_rejects_unknown_laws_through_validation():
    with pytest.raises(ValidationError, match="law"):
        GrowthLaw.from_doubling_time(164, 1e9, law="linear")  # type: ignore[arg-type]


def _engine_args(law: GrowthLaw) -> tuple:
    return (law.law, law.rate_per_day, law.capacity_cells, law.exponent)


@pytest.mark.parametrize("name", LAWS)
@pytest.mark.parametrize("days, at_cells", [(164.0, 1e9), (66.0, 1e6), (521.0, 3e10)])
def test_from_doubling_time_reproduces_it_in_simulated_growth(name, days, at_cells):
    law = GrowthLaw.from_doubling_time(days, at_cells, law=name)
    assert law.doubling_time_days(at_cells) == pytest.approx(days, rel=1e-12)
    kind, rate, capacity, exponent = _engine_args(law)
    # Schwartz formula on two "scans" close together around at_cells
    step = days * 1e-6
    later = size_at(kind, at_cells, step, rate, capacity, exponent)
    assert step * math.log(2) / math.log(later / at_cells) == pytest.approx(days, rel=1e-5)
    # and over a real doubling the time is close to it (exactly it for exponential growth)
    doubled = time_to_reach(kind, at_cells, 2 * at_cells, rate, capacity, exponent)
    if name == "exponential":
        assert doubled == pytest.approx(days, rel=1e-12)
    else:  # growth slows, so a real doubling takes longer, but not by much far from capacity
        assert days < doubled < 1.3 * days


def test_breast_default_takes_years_from_one_cell_to_one_gram():
    law = GrowthLaw.from_doubling_time(164, 1e9)  # breast_tvdt_clinical median at ~1 cm³
    years = time_to_reach(law.law, 1.0, 1e9, law.rate_per_day, law.capacity_cells) / 365.25
    assert 4 < years < 10  # ~6.2 years of occult growth

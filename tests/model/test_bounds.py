"""Numbers within physics (model/bounds.py): every rate, size, count and time of a scenario is a
finite number, not a boolean, with an upper bound that no real scenario reaches; combinations that
leave a probability of the engine undefined are refused at validation with the field named; and
scenarios at the bounds still run."""

from __future__ import annotations

import math
import re
import types
import typing
from typing import Annotated, Any, Iterator, Union

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import metacascade as mc
from metacascade.catalog import scenario_from_data
from metacascade.engine.pool import TooManyColonies
from metacascade.model import FateRates, Scenario
from metacascade.model.bounds import MAX_DAYS, MAX_RATE_PER_DAY, MAX_TIMES, NOT_A_BOOLEAN

#: Numbers without an upper bound of their own: a calibration record's values are bounded where
#: they are applied (the fields their paths name), a seed is any non-negative integer, and the
#: diagnostics of a fit are a record that nothing reads (an ABC epsilon may be inf).
UNBOUNDED = {("CalibratedValue", "start"), ("CalibratedValue", "value"), ("CalibratedValue", "low"),
             ("CalibratedValue", "high"), ("CalibratedValue", "prior"), ("Calibration", "random_seed"),
             ("Calibration", "diagnostics")}


def _models(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """``model`` and every model its fields hold, by name."""
    seen[model.__name__] = model
    for field in model.model_fields.values():
        for inner in _flatten(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner.__name__ not in seen:
                _models(inner, seen)
    return seen


def _flatten(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _flatten(arg)


def _numbers(annotation: Any, metadata: tuple = ()) -> Iterator[tuple]:
    """The metadata (constraints, validators) of every number that ``annotation`` holds."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        yield from _numbers(base, metadata + tuple(extra))
    elif annotation in (int, float):
        yield tuple(m for item in metadata for m in (item.metadata if isinstance(item, FieldInfo) else [item]))
    elif origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _numbers(arg, metadata)  # Optional[X]: X's metadata
    else:
        for arg in typing.get_args(annotation):
            yield from _numbers(arg)  # the items of a container have their own


NUMBER_FIELDS = [
    (model.__name__, name, numbers)
    for model in _models(Scenario, {}).values()
    for name, field in model.model_fields.items()
    for numbers in _numbers(field.annotation, tuple(field.metadata))
]


def test_the_walk_finds_the_numbers_of_every_part_of_a_scenario():
    models = {model for model, _, _ in NUMBER_FIELDS}
    assert {"FateRates", "FateOverrides", "Clone", "ClusterTraits", "PrimaryTumour", "GrowthLaw", "Organ", "Cavity",
            "Anatomy", "ObservationPlan", "PatientVariation", "Injection", "Scenario", "Calibration"} <= models
    assert len(NUMBER_FIELDS) > 60


@pytest.mark.parametrize("model, name, metadata", NUMBER_FIELDS, ids=lambda x: x if isinstance(x, str) else "")
def test_every_number_refuses_booleans_and_has_an_upper_bound(model, name, metadata):
    if (model, name) != ("Calibration", "diagnostics"):
        assert NOT_A_BOOLEAN in metadata
    if (model, name) not in UNBOUNDED:
        assert any(isinstance(m, (annotated_types.Le, annotated_types.Lt)) for m in metadata)


def _shapes(data: Any, path: tuple = ()) -> dict[str, tuple]:
    """One path to a number per field of the scenario (organ, clone and index names as ``*``)."""
    found: dict[str, tuple] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shape = re.sub(r"\.(organs|organ_fates|clones|clone_mix|injections|parameters|observation_times"
                           r"|imaging_times|draw_times)\.[^.]+", r".\1.*", ".".join(map(str, path + (key,))))
            found.setdefault(shape, path + (key,))
        else:
            for shape, inner in _shapes(value, path + (key,)).items():
                found.setdefault(shape, inner)
    return found


def _with(data: dict, path: tuple, value: Any) -> dict:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


RESOLVED = {name: mc.load_scenario(name).resolved() for name in ("breast_patient", "ovary_patient", "luzzi1998_liver")}
SAMPLE = sorted({
    (name, path) for name, data in RESOLVED.items() for shape, path in _shapes(data).items()
    if path[0] != "calibration"  # a record (UNBOUNDED); its values land in the fields sampled here
})


@pytest.mark.parametrize("name, path", SAMPLE, ids=lambda x: ".".join(map(str, x)) if isinstance(x, tuple) else x)
@pytest.mark.parametrize("value, rule", [
    (True, "not a boolean"), (math.nan, "finite number"), (math.inf, "finite number"), (1e308, "less than"),
])
def test_a_scenario_refuses_booleans_nan_inf_and_1e308_in_every_number_naming_it(name, path, value, rule):
    import copy

    data = _with(copy.deepcopy(RESOLVED[name]), path, value)
    data.pop("calibration")  # it would write its values over those changed here
    with pytest.raises(mc.ScenarioError) as caught:
        scenario_from_data(data)
    field = ".".join(map(str, path))
    lines = [line for line in str(caught.value).splitlines() if line.strip().startswith(field)]
    assert lines, str(caught.value)
    assert rule in lines[0] or value == 1e308 and "must be at most" in lines[0], str(caught.value)


def test_integers_are_numbers_and_booleans_are_not():
    assert FateRates(birth_rate=2).birth_rate == 2.0
    for boolean in (True, False):
        with pytest.raises(ValueError, match="not a boolean"):
            FateRates(birth_rate=boolean)


# ---------------------------------------------------------------------------------- schedules


def minimal(**changes) -> dict:
    return {"name": "edge", "anatomy": "mouse", "clones": {"A": {}},
            "injections": [{"clone": "A", "vessel": "tail_vein", "num_cells": 100}],
            "observation_times": [1.0], **changes}


def test_a_schedule_may_be_monthly_for_50_years_or_daily_to_its_bound_but_not_longer():
    monthly = [round(30.4375 * month, 4) for month in range(1, 50 * 12 + 1)]
    assert len(scenario_from_data(minimal(observation_times=monthly)).observation_times) == 600
    daily = [float(day) for day in range(1, MAX_TIMES + 2)]
    assert len(scenario_from_data(minimal(observation_times=daily[:-1])).observation_times) == MAX_TIMES
    with pytest.raises(mc.ScenarioError, match=f"at most {MAX_TIMES} items"):
        scenario_from_data(minimal(observation_times=daily))


def test_a_horizon_may_be_a_century_but_not_longer():
    assert scenario_from_data(minimal(observation_times=[1.0, MAX_DAYS])).resolved_end_time == MAX_DAYS
    with pytest.raises(mc.ScenarioError, match="end_time: Input should be less than or equal to 36525"):
        scenario_from_data(minimal(end_time=MAX_DAYS + 1))


# -------------------------------------------------------------- probabilities the engine needs


def test_an_arrested_cell_must_be_able_to_leave_its_vessel():
    stuck = {"vessel_death_rate": 0, "extravasation_rate": 0}
    with pytest.raises(mc.ScenarioError, match=r"clones\.A\.fates: vessel_death_rate and extravasation_rate"):
        scenario_from_data(minimal(clones={"A": {"fates": stuck}}))
    # the organ whose rates make it so is named; an override that lets cells out rescues the default
    with pytest.raises(mc.ScenarioError, match=r"clones\.A\.organ_fates\.lung: vessel_death_rate"):
        scenario_from_data(minimal(clones={"A": {"organ_fates": {"lung": stuck}}}))
    scenario_from_data(minimal(clones={"A": {"fates": {"extravasation_rate": 0}}}))  # all die in the vessel


def test_cells_must_leave_the_circulation_but_may_do_so_without_dying_in_transit():
    scenario_from_data(minimal(clones={"A": {"transit_death_rate": 0}}))  # they arrest in the lung
    message = r"clones\.A\.transit_death_rate: cells of 0\.1 µm that die in transit at 0/day stay .* days"
    wide = {**mc.load_scenario("luzzi1998_liver").anatomy.model_dump(), "arrest_width_um": 0.1}
    wide["organs"] = {name: {**organ, "bed_diameter_um": 1000.0} for name, organ in wide["organs"].items()}
    with pytest.raises(mc.ScenarioError, match=message):
        scenario_from_data(minimal(anatomy=wide, clones={"A": {"transit_death_rate": 0, "diameter_um": 0.1}}))
    # deformable cells that never arrest nor die circulate for ever, however few
    immortal = {"transit_death_rate": 0, "deformable_fraction": 1e-6, "deformable_arrest_probability": 0}
    with pytest.raises(mc.ScenarioError, match=r"clones\.A\.transit_death_rate: .*1e-06 of them deformable.*"
                                               r"or deformable_arrest_probability"):
        scenario_from_data(minimal(clones={"A": immortal}))
    scenario_from_data(minimal(clones={"A": {**immortal, "transit_death_rate": 10.0}}))  # they die in hours


def patient(**primary) -> dict:
    return minimal(injections=[], primary={"site": "lung", "growth": {"rate_per_day": 0.01}, "clone_mix": {"A": 1.0},
                                           **primary}, observation_times=[365.0, MAX_DAYS])


def test_a_primary_without_a_capacity_may_not_outgrow_a_body_by_the_end_of_the_run():
    slow = {"law": "exponential", "rate_per_day": 1e-3}  # 1 cell -> 7e15 in a century; 38 in 10 years
    with pytest.raises(mc.ScenarioError, match=r"primary\.growth: the primary \(exponential law"):
        scenario_from_data(patient(growth=slow))
    scenario_from_data({**patient(growth=slow), "observation_times": [365.0, 3650.0]})
    scenario_from_data(patient(growth={"rate_per_day": 1.0, "capacity_cells": 1e13}))  # Gompertz stops at K


def test_a_primary_sheds_at_most_its_own_cells_a_day():
    scenario_from_data(patient(cells_per_g=1e8, shedding_rate_per_g_day=1e8))
    with pytest.raises(mc.ScenarioError, match=r"primary\.shedding_rate_per_g_day: must be at most cells_per_g"):
        scenario_from_data(patient(cells_per_g=1e8, shedding_rate_per_g_day=1.01e8))


@pytest.mark.parametrize("rate", [name for name in FateRates.model_fields if name.endswith("_rate")])
def test_an_assay_runs_with_any_fate_rate_at_its_bound(rate):
    scenario = scenario_from_data(minimal(clones={"A": {"fates": {rate: MAX_RATE_PER_DAY}}},
                                          observation_times=[0.5, 3.0, 13.0]))
    try:
        results = mc.simulate(scenario, random_seed=1)
    except TooManyColonies:
        return
    results.check()

"""The catalogue's calibrated scenarios (catalog/calibrations.yaml): each carries the record of the
fit that made it (`make calibrate`), and that record is what the scenario resolves to."""

import pytest

from metacascade.calibration.spec import AbcSpec, catalogue_specs
from metacascade.catalog import load_scenario
from metacascade.model.paths import value_in_force
from metacascade.analysis.targets import disibio_matrix

SPECS = catalogue_specs()


def _at(resolved: dict, path: str):
    for key in path.split("."):
        resolved = resolved[key]
    return resolved


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_calibrated_scenario_records_the_fit_its_spec_asks_for(name):
    spec, scenario = SPECS[name], load_scenario(name)
    record = scenario.calibration
    assert record is not None, f"{name} has no calibration block: run `make calibrate`"
    assert record.method == spec.method and record.targets == spec.targets
    assert record.random_seed is not None and record.command.startswith(f"metacascade calibrate {name}")
    paths = {parameter.path for parameter in record.parameters}
    if isinstance(spec, AbcSpec):
        assert paths == set(spec.priors)
        assert all(p.prior == (spec.priors[p.path].low, spec.priors[p.path].high) for p in record.parameters)
    else:
        sites = disibio_matrix()["sites"]
        assert paths == {f"clones.{clone}.organ_fates.{site}.{rate}"
                         for clone in scenario.clones for site in sites for rate in spec.rates}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_calibrated_scenario_records_where_its_fit_started_the_files_own_values(name):
    start = load_scenario(name, calibrated=False)
    for parameter in load_scenario(name).calibration.parameters:
        assert parameter.start == value_in_force(start, parameter.path), parameter.path


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_calibrated_scenario_resolves_to_its_recorded_values(name):
    scenario = load_scenario(name)
    resolved = scenario.resolved()
    for parameter in scenario.calibration.parameters:
        assert _at(resolved, parameter.path) == parameter.value, parameter.path
        assert parameter.low <= parameter.value <= parameter.high

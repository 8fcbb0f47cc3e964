"""ABC-SMC of assay scenarios: particles are read exactly as the validation suite reads runs,
and the distance weighs each target by its validation tolerance."""

import numpy as np
import pytest

from metacascade import simulate
from metacascade.calibration import assay_fit
from metacascade.catalog import load_scenario
from metacascade.model import ScenarioError
from metacascade.analysis.assays import read


def test_the_distance_is_zero_at_the_published_values_and_counts_tolerances():
    published, scale = np.array([0.8, 0.01]), np.log1p([0.25, 0.25])
    assert assay_fit.log_distance(published, published=published, scale=scale) == 0.0
    once = assay_fit.log_distance(published * np.array([1.25, 1.0]), published=published, scale=scale)
    assert once == pytest.approx(np.sqrt(0.5))
    assert assay_fit.log_distance(np.array([np.nan, 0.01]), published=published, scale=scale) == np.inf


def test_only_targets_an_assay_run_can_reproduce_are_accepted():
    assert assay_fit.published_values(("fidler1970_alive_24h",)) == pytest.approx([0.01])
    with pytest.raises(ScenarioError, match="cannot be read from an assay run"):
        assay_fit.published_values(("seer_breast_stage_survival",))


def test_a_particles_statistics_are_the_validation_quantities_of_its_run():
    data = load_scenario("fidler1970_lung").model_dump(mode="json", exclude={"calibration"})
    path = "clones.B16.organ_fates.lung.vessel_death_rate"
    value = assay_fit.statistics({path: 3.0}, 11, scenario=data, targets=("fidler1970_alive_24h",), replicates=1)
    scenario = load_scenario("fidler1970_lung")
    changed = scenario.model_copy(update={"calibration": None})
    seed = int(np.random.SeedSequence(11).generate_state(1)[0])
    from metacascade.catalog import scenario_from_data
    from metacascade.model.paths import with_values

    run = simulate(scenario_from_data(with_values(changed.model_dump(mode="json"), {path: 3.0})), random_seed=seed)
    assert value == pytest.approx(read(run, ("fidler1970_alive_24h",)))

"""Work is estimated from closed forms before anything is drawn, and work beyond the machine is
refused with numbers and the field to change."""

from dataclasses import replace

import numpy as np
import pytest

from metacascade.catalog import load_scenario
from metacascade.engine.timeline import run_timeline
from metacascade.engine.estimate import MAX_REFERENCE_CELLS, TooMuchWork, check_work, estimate
from metacascade.engine.lower import lower


def test_the_cells_of_an_assay_are_its_injection_and_its_colonies_about_what_it_founds(any_seed):
    lowered = lower(load_scenario("fidler1970_lung"))
    cost = estimate(lowered)
    assert cost.cells == lowered.injection_cells.sum()
    founded = sum(run_timeline(lowered, np.random.default_rng([any_seed, run])).snapshots[-1].counts["founded_direct"].sum()
                  for run in range(3)) / 3
    assert 0.5 * founded < cost.colonies < 2 * founded + 10


def test_a_patient_is_refused_by_the_reference_engine_before_anything_is_drawn():
    lowered = lower(load_scenario("breast_patient"))
    assert estimate(lowered, "reference").cells > 1e11
    with pytest.raises(TooMuchWork, match=r"engine: the reference engine .* \d\.\d+e\+11 cells .* engine='exact'"):
        check_work(lowered, "reference")
    small = lower(load_scenario("luzzi1998_liver"))
    assert estimate(small, "reference").cells <= MAX_REFERENCE_CELLS
    check_work(small, "reference")


def test_a_billion_patients_and_fifty_years_of_monthly_observations_are_named():
    lowered = lower(load_scenario("breast_patient"))
    with pytest.raises(TooMuchWork, match="num_patients: 1,000,000,000 runs"):
        check_work(lowered, "exact", num_patients=10**9)
    monthly = np.arange(1, 50 * 12 + 1) * 30.4375
    long = replace(lowered, observation_times=monthly, end_time=float(monthly[-1]))
    cost = check_work(long, "exact", num_patients=10)
    assert cost.windows == 600 and cost.cpu_seconds > estimate(lowered).cpu_seconds


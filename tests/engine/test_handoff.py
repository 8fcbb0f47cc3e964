"""Where the pool ends (``engine.handoff``): a run follows its colonies one by one from the first
division unless it founds too many, and a shedding run may found more before it pools them."""

from dataclasses import replace

import numpy as np

from metacascade.catalog import load_scenario
from metacascade.engine import course, handoff
from metacascade.engine.handoff import POOLED_MAX_CELLS, expected_founders, pooled_max_cells
from metacascade.engine.lower import lower


def test_an_injection_pools_colonies_beyond_1e5_founders():
    lowered = lower(load_scenario("luzzi1998_liver"))  # ~3e4 founders from 3e5 cells
    assert pooled_max_cells(lowered) == 0
    tenfold = replace(lowered, injection_cells=lowered.injection_cells * 10)
    assert expected_founders(tenfold) > handoff.MAX_FOUNDERS_TRACKED_FROM_ONE
    assert pooled_max_cells(tenfold) == POOLED_MAX_CELLS


def test_a_shedding_patient_follows_up_to_1e6_founders_one_by_one():
    """A breast patient who sheds 300 times the scenario's rate founds ~7e5 colonies in 10 years: more
    than an injection keeps out of the pool, within what a shedding run follows."""
    lowered = lower(load_scenario("breast_patient"))
    primary = replace(lowered.primary, shedding_rate_per_g_day=lowered.primary.shedding_rate_per_g_day * 300)
    heavy = replace(lowered, primary=primary)
    founders = expected_founders(heavy)
    assert handoff.MAX_FOUNDERS_TRACKED_FROM_ONE < founders <= handoff.MAX_SHED_FOUNDERS_TRACKED_FROM_ONE
    assert pooled_max_cells(heavy) == 0
    assert pooled_max_cells(heavy, founders=np.nextafter(handoff.MAX_SHED_FOUNDERS_TRACKED_FROM_ONE, np.inf)) == POOLED_MAX_CELLS


def test_an_injection_founding_tens_of_millions_pools_larger_colonies():
    """The 1e9-cell Luzzi assay (~1e8 founders) pools colonies up to 256 cells; a primary never does."""
    lowered = lower(load_scenario("luzzi1998_liver"))
    huge = replace(lowered, injection_cells=lowered.injection_cells * 3000)
    assert expected_founders(huge) > handoff.LARGE_POOL_FOUNDERS
    assert pooled_max_cells(huge) == handoff.LARGE_POOLED_MAX_CELLS
    patient = lower(load_scenario("breast_patient"))
    assert pooled_max_cells(patient, founders=10 * handoff.LARGE_POOL_FOUNDERS) == POOLED_MAX_CELLS


def test_a_patient_sheds_founders_only_until_its_untreated_primary_or_another_cause_kills_it():
    """The founders that choose the pool's end are counted up to the patient's death from other causes
    or its untreated primary's lethal size: following a patient ten years longer adds none, and the
    same primary without an observation plan (nobody dies) counts them to the run's end."""
    lowered = lower(load_scenario("breast_patient"))
    lethal = handoff.shedding_horizon(lowered)
    assert lethal < lowered.end_time
    assert lethal == course.reach_time(replace(lowered.primary, removal_time=np.inf, kills=(), speeds=()),
                                        lowered.observation.organ_lethal_cells[lowered.primary.site])
    longer = replace(lowered, end_time=lowered.end_time + 3652.5)
    assert expected_founders(longer) == expected_founders(lowered)
    unobserved = replace(longer, observation=None)
    assert handoff.shedding_horizon(unobserved) == longer.end_time
    assert expected_founders(unobserved) > expected_founders(lowered)
    early = replace(lowered, other_cause_death=lethal / 2)
    assert handoff.shedding_horizon(early) == lethal / 2
    assert expected_founders(early) < expected_founders(lowered)

"""Cohort readouts: organ pattern, detection by imaging time and step efficiencies agree with the
tables they summarise, and are the same at both output levels."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from metacascade import simulate
from metacascade.catalog import scenario_from_data
from metacascade.results.chunks import chunk_files
from metacascade.results.detail import SUMMARY_FLOAT32

TIMES = [200.0, 260.0, 320.0]


@pytest.fixture(scope="module")
def scenario():
    return scenario_from_data({
        "name": "readout_patients", "anatomy": "human_adult",
        "clones": {"A": {"diameter_um": 12.0, "fates": {
            "division_rate": 0.001, "clearance_rate": 0.1, "avascular_bound_cells": 1e4, "switch_rate": 0.2,
            "gompertz_rate": 0.005}}},
        "primary": {"site": "breast", "initial_cells": 1e6, "growth": {"law": "exponential", "rate_per_day": 0.04},
                    "shedding_rate_per_g_day": 2e3, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0}},
        "observation": {"imaging_times": TIMES, "detection_threshold_cells": 1e8, "lethal_burden_cells": 1e12},
        "observation_times": TIMES,
    })


@pytest.fixture(scope="module")
def cohort(scenario):
    return simulate(scenario, num_patients=12, random_seed=5, chunk_size=5, detail="full")


@pytest.fixture(scope="module")
def summary(scenario):
    return simulate(scenario, num_patients=12, random_seed=5, chunk_size=5)


def test_the_organ_pattern_is_the_share_of_patients_with_an_involved_organ(cohort):
    pattern = cohort.organ_pattern()
    autopsy = cohort.autopsy
    expected = autopsy.groupby("organ")["involved"].sum() / cohort.num_patients
    pd.testing.assert_series_equal(pattern["involved"].sort_index(), expected.sort_index().astype(float),
                                   check_names=False)
    assert pattern["involved"].is_monotonic_decreasing and pattern["involved"].max() > 0


def test_detection_by_time_counts_patients_seen_by_each_imaging_time(cohort):
    seen = cohort.detection_by_time()
    patients = cohort.patients
    for time, row in seen.iterrows():
        assert row["primary_seen"] == pytest.approx((patients["diagnosis_time"] <= time).mean())
        assert row["metastasis_seen"] == pytest.approx((patients["first_metastasis_time"] <= time).mean())
        assert row["dead"] == pytest.approx((patients["death_time"] <= time).mean())
    assert seen["primary_seen"].is_monotonic_increasing and seen["primary_seen"].iloc[-1] > 0


def test_cohort_step_efficiencies_sum_every_patients_ledger(cohort):
    together = cohort.step_efficiencies().set_index(["step", "fate"])
    by_patient = pd.concat([cohort.patient(i).step_efficiencies() for i in range(cohort.num_patients)])
    counts = by_patient.groupby(["step", "fate"])["count"].sum()
    np.testing.assert_array_equal(together["count"].to_numpy(), counts.reindex(together.index).to_numpy())
    shares = together.groupby("step")["share"].sum()
    np.testing.assert_allclose(shares[shares.notna() & (shares > 0)], 1.0)


def test_the_readouts_are_the_same_at_both_output_levels(cohort, summary):
    assert summary.detail == "summary" and cohort.detail == "full"
    for readout in ("organ_pattern", "detection_by_time", "step_efficiencies"):
        pd.testing.assert_frame_equal(getattr(summary, readout)(), getattr(cohort, readout)(), check_exact=True)
    assert summary.organ_pattern()["involved"].max() > 0 and len(summary.detection_by_time()) > 0
    for name in ("patients", "detections", "autopsy"):
        pd.testing.assert_frame_equal(getattr(summary, name), getattr(cohort, name), check_exact=True)
    summary.check()


def test_the_summary_lesions_are_the_full_ones_with_their_event_times_rounded_to_float32(scenario, cohort, summary,
                                                                                           tmp_path):
    """The summary level keeps the lesions' event times as float32 days (``SUMMARY_FLOAT32``): the full
    level's float64 times rounded to the nearest float32, so within 2**-24 of each time (~10 s at 10
    years); in memory, in every Parquet chunk (FLOAT) and in DuckDB alike. Every other time stays
    float64, on the scenario's observation times exactly."""
    times = list(SUMMARY_FLOAT32["lesions"])
    full, got = cohort.lesions[summary.lesions.columns], summary.lesions
    assert got[times].notna().any().all()  # every event happens in some lesion
    pd.testing.assert_frame_equal(got, full.astype(dict.fromkeys(times, "float32")), check_exact=True)
    error = (got[times].astype(float) - full[times]).abs().to_numpy()
    assert np.nanmax(error / full[times].to_numpy()) <= 2.0**-24 and np.nanmax(error) > 0
    written = simulate(scenario, num_patients=12, random_seed=5, chunk_size=5, out=tmp_path / "run")
    for path in chunk_files(written.directory, "lesions", written.provenance):
        schema = pq.read_schema(path)
        assert [str(schema.field(name).type) for name in times] == ["float"] * len(times), path.name
    pd.testing.assert_frame_equal(written.lesions, got, check_exact=True)
    typed = written.query(f"select {', '.join(f'typeof(any_value({name}))' for name in times)} from lesions")
    assert typed.iloc[0].tolist() == ["FLOAT"] * len(times)
    for name, column in (("chunk_ledger", "window_start"), ("chunk_ledger", "window_end"), ("dormant_cells", "time"),
                         ("detections", "detection_time"), ("patients", "follow_up_time")):
        assert getattr(written, name)[column].dtype == np.float64, (name, column)
    assert set(written.chunk_ledger["window_end"]) == set(TIMES)


def test_both_levels_print_the_same_headline(cohort, summary):
    from rich.console import Console

    printed = []
    for level in (cohort, summary):
        console = Console(record=True, width=200)
        level.print_summary(console=console)
        printed.append(console.export_text())
    assert printed[0] == printed[1] and "macromets" in printed[0]


def test_the_printed_headline_groups_every_settled_state_once():
    """Cells in transit, in a vessel or solitary (hours to days after arrival) are left out of
    the headline; every other state falls in exactly one of its groups, at either output level
    (the summary's ``micrometastasis`` holds the growing size classes)."""
    from metacascade.results.cohort import HEADLINE_GROUPS
    from metacascade.results.readouts import LEDGER_STATES
    from metacascade.results.tables import STATES

    grouped = [state for name, states in HEADLINE_GROUPS.items() if name != "entered" for state in states]
    settled = [state for state in grouped if state != "micrometastasis"]
    assert sorted(settled + ["in_transit", "in_vessel", "solitary"]) == sorted(STATES)
    from_ledger = [state for state in grouped if state in LEDGER_STATES]
    assert sorted(from_ledger + ["in_transit", "in_vessel", "solitary"]) == sorted(LEDGER_STATES)

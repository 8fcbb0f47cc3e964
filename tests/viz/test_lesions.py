"""Lesion timelines: each lesion on its exact size curve, with its events and the patient's death."""

import numpy as np
import pytest
from figure_reading import artists, texts

from metacascade.results.tables import size_column
from metacascade.viz.lesions import MAX_LESIONS, lesion_curves, lesion_timelines


def test_the_curves_pass_through_the_sizes_the_run_observed_from_the_bound_on(assay):
    times = np.asarray(assay.observation_times)
    curves = lesion_curves(assay, times)
    lesions = assay.lesions.set_index("lesion")
    compared = 0
    for i, time in enumerate(times):
        bounded = (lesions["bound_time"] <= time).to_numpy()
        np.testing.assert_allclose(curves.loc[time, bounded], lesions.loc[bounded, size_column(i)], rtol=1e-12)
        assert (curves.loc[time, ~bounded] == 0).all()
        compared += bounded.sum()
    assert compared > 0


def test_on_the_way_to_the_bound_the_dotted_line_joins_the_sizes_observed(assay):
    figure = lesion_timelines(assay)
    lesions = assay.lesions.set_index("lesion")
    joined = 0
    for gid, line in artists(figure, "founding:").items():
        lesion = lesions.loc[int(gid.split(":")[1])]
        early = {time: lesion[size_column(i)] for i, time in enumerate(assay.observation_times)
                 if lesion["tracked_time"] < time < lesion["bound_time"]}
        assert dict(zip(line.get_xdata()[1:-1], line.get_ydata()[1:-1])) == early
        assert line.get_ydata()[0] == 1 and line.get_ydata()[-1] == 20000  # ~1e4 founders: followed from one cell
        joined += len(early)
    assert joined > 0


def test_the_largest_lesions_at_the_end_are_drawn_on_their_curves(assay):
    figure = lesion_timelines(assay)
    lines = artists(figure, "lesion:")
    assert len(lines) == MAX_LESIONS < len(assay.lesions)
    last = assay.lesions.set_index("lesion")[size_column(len(assay.observation_times) - 1)]
    shown = sorted(int(gid.split(":")[1]) for gid in lines)
    assert last[shown].min() >= last.drop(index=shown).max()
    for gid, line in lines.items():
        lesion = assay.lesions.set_index("lesion").loc[int(gid.split(":")[1])]
        for i, time in enumerate(assay.observation_times):
            if time >= lesion["bound_time"] and lesion[size_column(i)] > 0:
                (at,) = np.flatnonzero(line.get_xdata() == time)  # days
                assert line.get_ydata()[at] == pytest.approx(lesion[size_column(i)], rel=1e-12)
    words = texts(figure)
    assert "avascular bound (2e+04 cells)" in words and "angiogenic switch" in words and "liver" in words
    assert figure.axes[0].get_yscale() == "log" and "days" in figure.axes[0].get_xlabel()


def test_a_full_cohort_shows_its_first_patient_with_a_macrometastasis(full_cohort):
    switched = full_cohort.lesions.loc[full_cohort.lesions["switch_time"].notna(), "patient"]
    assert f"patient {int(switched.min())}" in texts(lesion_timelines(full_cohort))


def test_a_patient_who_died_is_shown_until_death(full_cohort):
    switched = full_cohort.lesions.loc[full_cohort.lesions["switch_time"].notna(), "patient"]
    died = full_cohort.patients.index[full_cohort.patients["death_time"].notna()]
    patient = int(min(set(switched) & set(died)))
    figure = lesion_timelines(full_cohort, patient=patient)
    death = full_cohort.patients.loc[patient, "death_time"]
    words = texts(figure)
    cause = full_cohort.patients.loc[patient, "death_cause"].replace("_", " ")
    assert f"patient {patient}" in words and f"death ({cause})" in words and "primary tumour" in words
    starts = {line.get_ydata()[0] for line in artists(figure, "founding:").values()}
    assert starts == {1.0} and "followed from 1 cell, sizes observed on the way to the bound" in words
    years = max(line.get_xdata().max() for line in artists(figure, "lesion:").values())
    assert years == pytest.approx(death / 365.25)
    assert "years" in figure.axes[0].get_xlabel()


def test_another_patient_on_request(full_cohort):
    figure = lesion_timelines(full_cohort, patient=3, max_lesions=2)
    assert "patient 3" in texts(figure)
    assert len(artists(figure, "lesion:")) == min(2, int((full_cohort.lesions["patient"] == 3).sum()))


TREATED = {
    "name": "treated_single_run", "anatomy": "human_adult",
    "clones": {"A": {"diameter_um": 12.0, "fates": {"division_rate": 0.2, "clearance_rate": 0.1, "switch_rate": 0.05,
                                                    "gompertz_rate": 0.005}}},
    "primary": {"site": "breast", "growth": {"law": "exponential", "rate_per_day": 0.03},
                "shedding_rate_per_g_day": 300.0, "lymphatic_fraction": 0.3, "clone_mix": {"A": 1.0}},
    "observation": {"imaging_times": [600.0, 700.0, 800.0], "draw_times": [700.0], "lethal_burden_cells": 3e10},
    "observation_times": [600.0, 700.0, 800.0],
    "therapy": {"interventions": [
        {"kind": "chemotherapy", "start_days": 620.0, "cycles": 3, "log_kill": 1.0},
        {"kind": "anti_angiogenic", "start_days": 700.0, "duration_days": 50.0, "switch_factor": 1.0,
         "growth_factor": 0.5}]},
}


def test_a_treated_runs_curves_are_the_ones_it_ran_on_through_its_kills_and_slowing():
    from metacascade import simulate
    from metacascade.catalog import scenario_from_data

    run = simulate(scenario_from_data(TREATED), random_seed=3)
    times = np.asarray(run.observation_times)
    curves = lesion_curves(run, times)
    lesions = run.lesions.set_index("lesion")
    switched = (lesions["switch_time"] < 620.0).to_numpy()  # on their curves when the kills came
    assert switched.sum() >= 1
    for i, time in enumerate(times):
        bounded = (lesions["bound_time"] <= time).to_numpy() & ~(lesions["regression_time"] <= time).to_numpy()
        np.testing.assert_allclose(curves.loc[time, bounded], lesions.loc[bounded, size_column(i)], rtol=1e-9)


def test_a_therapy_timed_from_the_first_metastasis_is_drawn_from_the_one_the_run_saw():
    from metacascade import simulate
    from metacascade.catalog import scenario_from_data
    from metacascade.viz.lesions import _lowered

    at_relapse = {"kind": "chemotherapy", "relative_to": "first_metastasis", "cycles": 2, "log_kill": 1.0}
    times = [600.0, 650.0, 700.0, 750.0, 800.0]  # imaged every 50 days: a lung metastasis is seen by day 750
    data = {**TREATED, "therapy": {"interventions": [at_relapse]}, "observation_times": times,
            "observation": {**TREATED["observation"], "imaging_times": times}}
    run = simulate(scenario_from_data(data), random_seed=3)
    seen = run.detections[run.detections["organ"] != "lymph_nodes_regional"]["detection_time"].min()
    assert np.isfinite(seen)
    np.testing.assert_array_equal(_lowered(run).kills.times, [seen, seen + 21.0])

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


def test_a_full_cohort_shows_its_first_patient_with_a_macrometastasis_until_death(full_cohort):
    switched = full_cohort.lesions.loc[full_cohort.lesions["switch_time"].notna(), "patient"]
    patient = int(switched.min())
    figure = lesion_timelines(full_cohort)
    death = full_cohort.patients.loc[patient, "death_time"]
    assert np.isfinite(death)
    words = texts(figure)
    assert f"patient {patient}" in words and "death (lethal burden)" in words and "primary tumour" in words
    starts = {line.get_ydata()[0] for line in artists(figure, "founding:").values()}
    assert starts == {1.0} and "followed from 1 cell, sizes observed on the way to the bound" in words
    years = max(line.get_xdata().max() for line in artists(figure, "lesion:").values())
    assert years == pytest.approx(death / 365.25)
    assert "years" in figure.axes[0].get_xlabel()


def test_another_patient_on_request(full_cohort):
    figure = lesion_timelines(full_cohort, patient=3, max_lesions=2)
    assert "patient 3" in texts(figure)
    assert len(artists(figure, "lesion:")) == min(2, int((full_cohort.lesions["patient"] == 3).sum()))

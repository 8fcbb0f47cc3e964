"""Survival (Kaplan–Meier against scipy.stats.ecdf, numbers at risk) and CTC counts per draw."""

import numpy as np
import pandas as pd
import pytest
from figure_reading import all_with, artists, texts
from scipy import stats

from metacascade.viz.clinical import CTC_THRESHOLD, ctc, ctc_counts, survival, survival_curve


def _ecdf(patients: pd.DataFrame, event: pd.Series):
    """scipy's Kaplan–Meier of ``event`` times (NaN: censored at the end of follow-up)."""
    happened = event.notna().to_numpy()
    times = np.where(happened, event, patients["follow_up_time"])
    return stats.ecdf(stats.CensoredData(uncensored=times[happened], right=times[~happened])).sf, times


def _events(patients: pd.DataFrame) -> dict[str, pd.Series]:
    return {"overall": patients["death_time"],
            "metastasis_free": patients[["first_metastasis_time", "death_time"]].min(axis=1)}


@pytest.mark.parametrize("endpoint", ["overall", "metastasis_free"])
def test_the_curves_steps_are_scipys_kaplan_meier_with_its_log_log_band(cohort, endpoint):
    patients = cohort.patients
    sf, _ = _ecdf(patients, _events(patients)[endpoint])
    assert 0 < sf.probabilities[-1] < 1  # events and survivors: a curve that says something
    band = sf.confidence_interval(0.95, method="log-log")
    curve = survival_curve(patients, endpoint)
    np.testing.assert_allclose(curve.loc[sf.quantiles, "survival"], sf.probabilities)
    np.testing.assert_allclose(curve.loc[sf.quantiles, "low"], band.low.probabilities)
    np.testing.assert_allclose(curve.loc[sf.quantiles, "high"], band.high.probabilities)
    assert curve.index[0] == 0 and curve["survival"].iloc[0] == 1
    assert curve.index[-1] == patients["follow_up_time"].max()
    (line,) = all_with(survival(cohort), f"km:{endpoint}:breast_patient")
    np.testing.assert_allclose(line.get_ydata(), curve["survival"])
    np.testing.assert_allclose(line.get_xdata(), curve.index / 365.25)


def test_the_patients_at_risk_are_those_followed_without_the_event_until_each_tick(cohort):
    figure = survival(cohort)
    for endpoint, event in _events(cohort.patients).items():
        _, times = _ecdf(cohort.patients, event)
        labels = all_with(figure, f"at_risk:{endpoint}:breast_patient")
        ticks = [label.get_position()[0] for label in labels]
        assert [int(label.get_text()) for label in labels] == [int((times >= t * 365.25).sum()) for t in ticks]
        assert labels[0].get_text() == "30" and int(labels[-1].get_text()) < 30
    words = texts(figure)
    assert "patients at risk" in words and "event: death" in words and "years" in words


def test_several_cohorts_are_several_curves_named_in_the_legend(cohort, full_cohort):
    figure = survival({"summary": cohort, "full": full_cohort}, endpoints=("overall",))
    summary, full = all_with(figure, "km:overall:summary"), all_with(figure, "km:overall:full")
    np.testing.assert_array_equal(summary[0].get_ydata(), full[0].get_ydata())  # the same patients
    assert "summary (30 patients)" in texts(figure) and "full (30 patients)" in texts(figure)


def test_a_runs_draws_are_its_ctc_counts_summed_over_clones():
    import metacascade as mc

    run = mc.simulate("breast_patient", random_seed=3)
    draws = ctc_counts(run)
    expected = run.ctc.groupby("time")[["count", "expected"]].sum()
    np.testing.assert_array_equal(draws["count"], expected["count"])
    figure = ctc(run)
    points = artists(figure, "ctc:count")["ctc:count"]
    np.testing.assert_array_equal(points.get_xdata(), expected.index / 365.25)
    np.testing.assert_array_equal(points.get_ydata(), expected["count"])
    np.testing.assert_allclose(artists(figure, "ctc:expected")["ctc:expected"].get_ydata(), expected["expected"])


def test_a_cohorts_draws_are_every_patients_and_the_share_with_ctcs(cohort):
    draws = ctc_counts(cohort)
    assert len(draws) == cohort.ctc.groupby(["patient", "time"]).ngroups
    figure = ctc(cohort)
    assert sorted(artists(figure, "ctc:count")["ctc:count"].get_ydata()) == sorted(draws["count"])
    shares = {line.get_label(): line.get_ydata() for line in figure.axes[1].get_lines()}
    by_time = draws.groupby("time")["count"]
    np.testing.assert_allclose(shares["≥ 1 CTC"], by_time.apply(lambda c: (c >= 1).mean()))
    np.testing.assert_allclose(shares[f"≥ {CTC_THRESHOLD} CTCs"], by_time.apply(lambda c: (c >= 5).mean()))
    assert "CTCs per draw (7.5 mL of blood)" in texts(figure)

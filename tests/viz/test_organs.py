"""Organ pattern against diSibio 2008, and the three-level organotropism analysis, as one figure."""

from types import SimpleNamespace

import numpy as np
import pytest
from figure_reading import all_with, artists, texts
from scipy import stats

from metacascade.analysis.autopsy import explained_share
from metacascade.analysis.targets import disibio_matrix
from metacascade.viz.organs import (LEVELS, binomial_interval, disibio_primary, organ_pattern,
                                    organotropism_levels, pattern_points)


def test_the_points_are_the_cohorts_autopsy_shares_and_diSibios(cohort):
    points = pattern_points(cohort)
    row = disibio_matrix()["primaries"]["breast"]
    published = dict(zip(disibio_matrix()["sites"], np.array(row["counts"]) / row["n_autopsies"]))
    assert points["published"].to_dict() == pytest.approx(published)
    pattern = cohort.organ_pattern()
    assert points["simulated"].to_dict() == pytest.approx(pattern["involved_at_autopsy"][points.index].to_dict())
    assert points["deaths"].iloc[0] == pattern["autopsies"].max() > 0
    assert (points["published_low"] <= points["published"]).all() and (points["published"] <= points["published_high"]).all()
    assert (points["simulated_low"] <= points["simulated"]).all() and (points["simulated"] <= points["simulated_high"]).all()
    assert points["published"].is_monotonic_decreasing


def test_the_intervals_are_exact_binomial_ones():
    low, high = binomial_interval([0, 7, 30], [30, 30, 30])
    expected = [stats.binomtest(k, 30).proportion_ci(0.95, method="exact") for k in (0, 7, 30)]
    np.testing.assert_allclose(low, [ci.low for ci in expected])
    np.testing.assert_allclose(high, [ci.high for ci in expected])


def test_the_dot_plot_draws_those_points_per_site(cohort):
    figure = organ_pattern(cohort)
    points = pattern_points(cohort)
    for column in ("published", "simulated"):
        np.testing.assert_allclose(artists(figure, f"points:{column}")[f"points:{column}"].get_xdata(), points[column])
    sites = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert sites == [site.replace("_", " ") for site in points.index]  # most involved in diSibio on top
    words = texts(figure)
    assert "diSibio 2008, 432 autopsies" in words and f"{points['deaths'].iloc[0]} patients who died" in words
    assert "share of autopsies with the site involved (95% binomial interval)" in words


def test_the_levels_panel_shows_the_analysis_and_what_the_run_reproduces(cohort):
    figure = organ_pattern(cohort)
    levels = organotropism_levels()
    points = pattern_points(cohort)
    breast = [bar.get_width() for bar in all_with(figure, "levels:breast")]
    overall = [bar.get_width() for bar in all_with(figure, "levels:all primaries")]
    np.testing.assert_allclose(breast[:-1], levels.loc["breast", list(LEVELS)])
    assert breast[-1] == pytest.approx(explained_share(points["published"], points["simulated"]))
    np.testing.assert_allclose(overall[:-1], levels.loc["all", list(LEVELS)])
    assert levels.loc["breast", "seed_soil"] == 1.0
    assert all(name in texts(figure) for name in LEVELS.values())


@pytest.mark.parametrize(("scenario", "primary"), [
    ({"primary": {"site": "lung"}}, "lung"),
    ({"primary": {"site": "large_intestine"}}, None),  # colon, rectum, anus and appendix share it
    ({"primary": {"site": "large_intestine"}, "calibration": {"diagnostics": {"primary": "rectum"}}}, "rectum"),
    ({"injections": []}, None),
])
def test_the_primary_is_the_calibrations_or_the_only_one_of_its_site(scenario, primary):
    assert disibio_primary(SimpleNamespace(scenario=scenario)) == primary


def test_an_unknown_primary_is_refused_naming_the_known_ones(cohort):
    assert disibio_primary(cohort, "colon") == "colon"
    with pytest.raises(ValueError, match="unknown diSibio 2008 primary 'breasts'; allowed: adrenal, anus"):
        disibio_primary(cohort, "breasts")

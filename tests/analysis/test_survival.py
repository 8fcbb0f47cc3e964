"""Kaplan–Meier survival of a cohort's patients, checked by hand on four patients."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis import survival

NAN = float("nan")
#: p0 dies at 100 with a metastasis seen at 50; p1 is followed to 300 without either; p2 dies at 200
#: without one seen; p3 is followed to 150 with a metastasis seen at 120.
PATIENTS = pd.DataFrame({
    "first_metastasis_time": [50.0, NAN, NAN, 120.0],
    "death_time": [100.0, NAN, 200.0, NAN],
    "follow_up_time": [100.0, 300.0, 200.0, 150.0],
})


def test_overall_survival_steps_at_deaths_and_drops_the_censored_from_the_risk_set():
    sf = survival.kaplan_meier(PATIENTS, "overall")
    # 100: 1 of 4 dies -> 3/4; 150: censored; 200: 1 of the 2 at risk dies -> 3/8
    assert sf.evaluate([0.0, 100.0, 150.0, 199.0, 200.0, 300.0]) == pytest.approx([1, 0.75, 0.75, 0.75, 0.375, 0.375])
    assert survival.median_time(PATIENTS, "overall") == 200.0


def test_metastasis_free_survival_ends_at_the_first_metastasis_seen_or_death():
    times, happened = survival.durations(PATIENTS, "metastasis_free")
    assert times.tolist() == [50.0, 300.0, 200.0, 120.0] and happened.tolist() == [True, False, True, True]
    # 50: 3/4; 120: x 2/3 = 1/2; 200: x 1/2 = 1/4
    assert survival.kaplan_meier(PATIENTS, "metastasis_free").evaluate([50.0, 120.0, 200.0]) == pytest.approx(
        [0.75, 0.5, 0.25])
    assert survival.median_time(PATIENTS, "metastasis_free") == 120.0


def test_median_not_reached_is_nan():
    alive = PATIENTS.assign(death_time=NAN, first_metastasis_time=NAN)
    assert np.isnan(survival.median_time(alive, "overall"))


def test_survival_at_counts_the_patients_at_risk_and_the_events_by_each_time():
    table = survival.survival_at(PATIENTS, [0.0, 120.0, 250.0])
    assert table.index.names == ["endpoint", "time"]
    assert table.loc["overall", ["at_risk", "events"]].to_numpy().tolist() == [[4, 0], [3, 1], [1, 2]]
    assert table.loc["metastasis_free", ["at_risk", "events"]].to_numpy().tolist() == [[4, 0], [3, 2], [1, 3]]
    assert table["survival"].tolist() == pytest.approx([1, 0.75, 0.375, 1, 0.5, 0.25])
    defined = table.dropna()
    assert len(defined) >= 4 and ((defined["low"] <= defined["survival"]) & (defined["survival"] <= defined["high"])).all()


def test_the_band_is_nan_where_it_is_undefined_without_a_warning():
    everyone_dies = PATIENTS.assign(death_time=PATIENTS["follow_up_time"])
    sf = survival.kaplan_meier(everyone_dies, "overall")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        band = survival.confidence_band(sf)
    assert sf.evaluate(300.0) == 0 and np.isnan(band.low.evaluate(300.0))
    assert band.low.evaluate(150.0) < sf.evaluate(150.0) < band.high.evaluate(150.0)


def test_an_unknown_endpoint_names_the_endpoints():
    with pytest.raises(ValueError, match="overall, metastasis_free"):
        survival.event_times(PATIENTS, "progression_free")

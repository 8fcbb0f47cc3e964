"""The dormant pool: solitary and dormant cells per organ over time."""

import numpy as np
import pandas as pd
from figure_reading import artists, texts

from metacascade.viz.dormant import OTHERS, dormant_counts, dormant_pool


def test_a_cohorts_pool_per_patient_is_the_same_at_either_output_level(cohort, full_cohort):
    summary, full = dormant_counts(cohort), dormant_counts(full_cohort)
    pd.testing.assert_frame_equal(summary, full.reindex(summary.index), check_dtype=False)
    assert (summary["solitary_dormant"] > 0).any()


def test_a_runs_pool_is_its_founders_in_those_states(assay):
    counts = dormant_counts(assay)
    observed = assay.observations.set_index(["time", "organ", "state"])["count"]
    for (time, organ), row in counts.iterrows():
        assert row["solitary"] == observed.get((time, organ, "solitary"), 0)
        assert row["solitary_dormant"] == observed.get((time, organ, "solitary_dormant"), 0)


def test_the_lines_are_the_top_organs_and_the_rest_summed(cohort):
    figure = dormant_pool(cohort, organs=3)
    counts = dormant_counts(cohort)["solitary_dormant"].unstack("organ", fill_value=0.0)
    lines = artists(figure, "solitary_dormant:")
    top = counts.iloc[-1].sort_values(ascending=False).index[:3]
    assert set(lines) == {f"solitary_dormant:{organ}" for organ in [*top, OTHERS]}
    for organ in top:
        np.testing.assert_allclose(lines[f"solitary_dormant:{organ}"].get_ydata(), counts[organ])
    np.testing.assert_allclose(lines[f"solitary_dormant:{OTHERS}"].get_ydata(), counts.drop(columns=top).sum(axis=1))
    words = texts(figure)
    assert "dormant solitary cells" in words and "per patient (cohort mean)" in words and "lung" in words

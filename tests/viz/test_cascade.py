"""The cascade's fate Sankey: its flows are the fate ledger's, on a log scale."""

import math

import numpy as np
import pandas as pd
import pytest
from figure_reading import artists, texts

from metacascade.results.ledger import STEPS
from metacascade.viz.cascade import NEXT_STEP, cascade, cascade_flows
from metacascade.viz.style import cells_text, share_text


@pytest.mark.parametrize("name", ["assay", "cohort"])
def test_the_flows_are_the_ledgers_step_efficiencies(name, request):
    run = request.getfixturevalue(name)
    efficiencies = run.step_efficiencies()
    expected = efficiencies[efficiencies["count"] > 0]
    flows = cascade_flows(run)
    assert flows["step"].tolist() == expected["step"].tolist()
    assert flows["fate"].tolist() == expected["fate"].tolist()
    np.testing.assert_array_equal(flows["cells"], expected["count"].astype(float))
    np.testing.assert_array_equal(flows["entered"], expected["entered"].astype(float))
    np.testing.assert_allclose(flows["width"], np.log10(1.0 + flows["cells"]))


def test_a_cohort_shows_the_same_cascade_at_either_output_level(cohort, full_cohort):
    pd.testing.assert_frame_equal(cascade_flows(cohort), cascade_flows(full_cohort))


def test_cells_that_move_on_enter_the_next_step_and_the_others_leave(assay):
    flows = cascade_flows(assay).set_index(["step", "fate"])
    for (step, fate), target in NEXT_STEP.items():
        assert list(STEPS).index(target) > list(STEPS).index(step)
        assert flows.loc[(step, fate), "target"] == target
    assert (flows.loc[("solitary", "apoptosis"), "target"], flows.loc[("dormant", "remaining"), "target"]) == ("", "")
    # what the next step takes in is what moved on into it
    entered = flows.groupby("step")["entered"].first()
    moved_on = flows[flows["target"] != ""].groupby("target")["cells"].sum()
    pd.testing.assert_series_equal(moved_on, entered.reindex(moved_on.index), check_names=False)


@pytest.mark.parametrize("name", ["assay", "cohort"])
def test_each_band_is_as_wide_as_log10_of_its_cells_and_labelled_with_them(name, request):
    run = request.getfixturevalue(name)
    figure = cascade(run)
    bands, labels = artists(figure, "flow:"), artists(figure, "label:")
    flows = cascade_flows(run)
    assert set(bands) == {f"flow:{row.step}:{row.fate}" for row in flows.itertuples()}
    for row in flows.itertuples():
        start = bands[f"flow:{row.step}:{row.fate}"].get_path().vertices
        assert start[0, 1] - start[-2, 1] == pytest.approx(math.log10(1 + row.cells))  # top minus bottom edge
        label = labels[f"label:{row.step}:{row.fate}"].get_text()
        assert label.endswith(f"{cells_text(row.cells)} ({share_text(row.cells / row.entered)})")
    assert run.scenario_name in texts(figure) and "log10(cells + 1)" in texts(figure)


def test_counts_and_shares_read_as_a_reader_writes_them():
    assert [cells_text(n) for n in (52, 12247, 999_999, 6.5e13)] == ["52", "12,247", "999,999", "6.5×10¹³"]
    assert [share_text(p) for p in (1.0, 0.99257, 0.000412, 3.98e-9)] == ["100%", "99.3%", "0.0412%", "4×10⁻⁷%"]

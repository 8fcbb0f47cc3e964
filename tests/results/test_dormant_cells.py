"""``dormant_cells`` (summary detail): the solitary and dormant founders of a chunk's patients per
(time, organ), summed over the patients and their clones; non-zero rows only."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from outcome_builders import ORGANS, hand_outcome

from metacascade.results.tables import dormant_cells_frame


def test_the_hand_built_outcome_holds_its_liver_cells_and_no_empty_rows():
    frame = dormant_cells_frame([hand_outcome()], ORGANS, chunk=4)
    assert tuple(frame.columns) == ("chunk", "time", "organ", "solitary", "solitary_dormant")
    assert (frame.dtypes[["chunk", "solitary", "solitary_dormant"]] == np.int64).all()
    assert frame["time"].dtype == np.float64 and pd.api.types.is_string_dtype(frame["organ"])
    expected = pd.DataFrame({"chunk": [4, 4], "time": [1.0, 5.0], "organ": ["liver", "liver"],
                             "solitary": [29, 0], "solitary_dormant": [20, 30]})
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)  # the lung holds none: no rows


def test_the_rows_are_the_sums_over_the_chunks_patients():
    other = hand_outcome()
    for snap in other.snapshots:
        snap.counts["solitary"] = snap.counts["solitary"] * 3 + np.array([[1, 0]])  # the lung now holds one
    frame = dormant_cells_frame([hand_outcome(), other], ORGANS, chunk=0)
    got = frame.set_index(["time", "organ"])[["solitary", "solitary_dormant"]]
    assert got.loc[(1.0, "liver")].tolist() == [29 + 87, 40]
    assert got.loc[(5.0, "liver")].tolist() == [0, 60]
    assert got.loc[(1.0, "lung")].tolist() == [1, 0] and got.loc[(5.0, "lung")].tolist() == [1, 0]
    assert len(frame) == 4


def test_a_chunk_without_solitary_or_dormant_cells_has_no_rows():
    empty = copy.deepcopy(hand_outcome())
    for snap in empty.snapshots:
        for state in ("solitary", "solitary_dormant"):
            snap.counts[state] = np.zeros_like(snap.counts[state])
    frame = dormant_cells_frame([empty, empty], ORGANS, chunk=2)
    assert frame.empty and tuple(frame.columns) == ("chunk", "time", "organ", "solitary", "solitary_dormant")

"""The fate ledger conserves cells in every row, on a hand-built outcome and on real runs."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from outcome_builders import HAND_COUNTS, hand_lowered, hand_outcome, hand_provenance

from metacascade import Results
from metacascade.results.ledger import LEDGER_COLUMNS, STEPS


def _flows(results: Results, window_end: float, organ: str, step: str) -> dict[str, int]:
    ledger = results.ledger
    rows = ledger[(ledger.window_end == window_end) & (ledger.organ == organ) & (ledger.step == step)]
    return dict(zip(rows.direction + ":" + rows.flow, rows["count"]))


def test_ledger_columns_and_dtypes(hand_results):
    ledger = hand_results.ledger
    assert tuple(ledger.columns) == LEDGER_COLUMNS
    assert ledger["count"].dtype == np.int64
    assert set(ledger.direction) == {"in", "out"}
    assert set(ledger.step) == set(STEPS)


def test_hand_built_ledger_has_the_worked_out_flows(hand_results):
    assert _flows(hand_results, 1.0, "circulation", "transit") == {
        "in:carried_in": 0, "in:entered": 100, "out:died": 2, "out:arrested": 98, "out:remaining": 0,
    }
    assert _flows(hand_results, 5.0, "circulation", "transit") == {
        "in:carried_in": 0, "in:entered": 0, "out:died": 0, "out:arrested": 0, "out:remaining": 0,
    }
    assert _flows(hand_results, 1.0, "liver", "vessel") == {
        "in:carried_in": 0, "in:entered": 90, "out:died": 10, "out:extravasated": 70, "out:remaining": 10,
    }
    assert _flows(hand_results, 5.0, "liver", "solitary") == {
        "in:carried_in": 29, "in:entered": 8, "out:apoptosis": 15, "out:dormancy": 15,
        "out:started_dividing": 7, "out:remaining": 0,
    }
    assert _flows(hand_results, 5.0, "liver", "dormant") == {
        "in:carried_in": 20, "in:entered": 15, "out:died": 3, "out:reactivated": 2, "out:remaining": 30,
    }
    assert _flows(hand_results, 5.0, "liver", "micrometastasis") == {
        "in:carried_in": 7, "in:entered": 9, "out:extinct": 4, "out:cleared": 2, "out:reached_bound": 3,
        "out:remaining": 7,
    }
    assert _flows(hand_results, 5.0, "liver", "dormant_micrometastasis") == {
        "in:carried_in": 1, "in:entered": 3, "out:switched": 2, "out:regressed": 1, "out:remaining": 1,
    }
    assert _flows(hand_results, 5.0, "liver", "macrometastasis") == {
        "in:carried_in": 0, "in:entered": 2, "out:resected": 0, "out:remaining": 2,
    }
    assert _flows(hand_results, 5.0, "lung", "vessel") == {
        "in:carried_in": 3, "in:entered": 0, "out:died": 3, "out:extravasated": 0, "out:remaining": 0,
    }


def test_every_hand_built_row_conserves_cells(hand_results):
    balance = hand_results.ledger_balance()
    assert (balance.imbalance == 0).all()
    assert len(balance) == 2 * (1 + 2 * (len(STEPS) - 1))  # windows x (circulation + organs x steps)
    hand_results.check()


def test_all_zero_organs_are_dropped():
    counts = copy.deepcopy(HAND_COUNTS)
    lowered = hand_lowered()
    lowered.organ_names = ("lung", "liver", "brain")
    outcome = hand_outcome(counts)
    for snap in outcome.snapshots:
        snap.counts = {name: np.hstack([value, np.zeros((1, 1), np.int64)]) for name, value in snap.counts.items()}
        snap.cells = np.hstack([snap.cells, np.zeros((1, 1))])
        snap.arrested = np.hstack([snap.arrested, np.zeros((1, 1), np.int64)])
    provenance = hand_provenance()
    provenance["scenario"]["anatomy"]["organs"]["brain"] = {}
    results = Results.from_outcome(outcome, lowered, provenance)
    assert "brain" not in set(results.ledger.organ)
    assert "brain" in set(results.observations.organ)  # observations stay complete
    results.check()


def test_an_outcome_that_loses_a_founder_is_caught():
    counts = copy.deepcopy(HAND_COUNTS)
    counts[5.0]["liver"]["extinct"] -= 1  # one colony vanishes from the books
    results = Results.from_outcome(hand_outcome(counts), hand_lowered(), hand_provenance())
    balance = results.ledger_balance()
    broken = balance[balance.imbalance != 0]
    assert list(broken.step) == ["micrometastasis"] and list(broken.window_end) == [5.0]
    with pytest.raises(ValueError, match="do not conserve cells"):
        results.check()


def test_negative_flows_are_caught():
    counts = copy.deepcopy(HAND_COUNTS)
    counts[5.0]["liver"]["dead_in_vessel"] = 25  # more vessel deaths than cells there
    counts[5.0]["liver"]["dead_apoptosis"] = 12
    results = Results.from_outcome(hand_outcome(counts), hand_lowered(), hand_provenance())
    with pytest.raises(ValueError, match="negative"):
        results.check()


def test_step_efficiencies_of_the_hand_built_outcome(hand_results):
    table = hand_results.step_efficiencies()
    vessel = table[table.step == "vessel"].set_index("fate")
    assert vessel.loc["died", "count"] == 5 + 3 + 12  # lung 5 + 3, liver 12
    assert vessel.loc["died", "entered"] == 98
    assert vessel.loc["extravasated", "share"] == pytest.approx(78 / 98)
    assert vessel.loc["extravasated", "of_entered"] == pytest.approx(0.78)
    shares = table.groupby("step", sort=False)["share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    by_organ = hand_results.step_efficiencies(by=["organ"])
    assert set(by_organ.organ) == {"circulation", "lung", "liver"}
    with pytest.raises(ValueError, match="can group by"):
        hand_results.step_efficiencies(by=["window"])


def test_real_runs_conserve_cells_in_every_row(small_run):
    small_run.check()
    balance = small_run.ledger_balance()
    assert (balance.imbalance == 0).all()
    assert (small_run.ledger["count"] >= 0).all()
    # the fates out of the cascade are all visited in this scenario
    table = small_run.step_efficiencies()
    shares = table.groupby("step", sort=False)["share"].sum().dropna()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    visited = table[table["count"] > 0]
    assert {"vessel", "solitary", "dormant", "micrometastasis"} <= set(visited.step)


def test_ledger_totals_match_the_observations(small_run):
    """Cells remaining in a step at a window's end equal the founders observed in that state."""
    obs = small_run.observations
    ledger = small_run.ledger
    last = obs[obs.time == obs.time.max()]
    remaining = ledger[(ledger.window_end == obs.time.max()) & (ledger.flow == "remaining")]
    per_step = remaining.groupby("step")["count"].sum()
    states = last.groupby("state")["count"].sum()
    assert per_step["vessel"] == states["in_vessel"]
    assert per_step["dormant"] == states["solitary_dormant"]
    assert per_step["macrometastasis"] == states["macromet"]
    growing = states[["dividing_single", "micromet_2_3", "micromet_4_16", "micromet_17plus"]].sum()
    assert per_step["micrometastasis"] == growing
    entered = ledger[(ledger.step == "transit") & (ledger.flow == "entered")]["count"].sum()
    assert entered == sum(small_run.injected.values())
    assert isinstance(small_run.summary(), pd.DataFrame)

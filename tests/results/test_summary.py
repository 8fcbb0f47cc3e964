"""The short fate summary: fractions of injected cells per observation day."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from metacascade import simulate

TWO_CLONES = Path(__file__).resolve().parents[1] / "data" / "valid" / "two_clones_inline_anatomy.yaml"


def test_hand_built_summary_has_the_worked_out_fractions(hand_results):
    summary = hand_results.summary()
    assert list(summary.index) == [1.0, 5.0]
    last = summary.loc[5.0]
    expected = {
        "arrested_liver": 0.90,
        "arrested_lung": 0.08,
        "arrested_elsewhere": 0.0,
        "in_vessel": 0.0,
        "extravasated": 0.78,
        "solitary": 0.0,
        "dormant": 0.30,
        "micrometastases": 0.08,
        "macrometastases": 0.02,
        "dead": 0.60,
    }
    assert list(last.index) == list(expected)
    for name, value in expected.items():
        assert last[name] == pytest.approx(value), name
    first = summary.loc[1.0]
    assert first["in_vessel"] == pytest.approx(0.13) and first["solitary"] == pytest.approx(0.29)


def test_summary_by_clone_and_printing():
    results = simulate(TWO_CLONES, random_seed=4)
    by_clone = results.summary(by_clone=True)
    assert set(by_clone.index.get_level_values("clone")) == {"small", "large"}
    assert ((by_clone >= 0) & (by_clone <= 1)).all().all()
    console = Console(record=True, width=160)
    results.print_summary(by_clone=True, console=console)
    text = console.export_text()
    assert "two_clones_inline_anatomy" in text and "day 7" in text and "large" in text and "dead" in text

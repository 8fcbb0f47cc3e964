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
    assert "two_clones_inline_anatomy" in text and "7 d" in text and "large" in text and "dead" in text


def test_the_printed_summary_marks_cumulative_rows_and_writes_times_in_their_unit(hand_results):
    console = Console(record=True, width=120)
    hand_results.print_summary(console=console)
    lines = [line.strip() for line in console.export_text().splitlines()]
    assert "1 d" in lines[2] and "5 d" in lines[2]
    cumulative, current = lines.index("cumulative, by then:"), lines.index("at that time:")
    by_then = [line.split()[0] for line in lines[cumulative + 1:current]]
    at_that_time = [line.split()[0] for line in lines[current + 1:] if line]
    assert by_then == ["arrested", "arrested", "arrested", "extravasated", "dead"]
    assert at_that_time == ["in", "solitary", "dormant", "micrometastases", "macrometastases"]

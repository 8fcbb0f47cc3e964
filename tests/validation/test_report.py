"""The verdict table, report.md and verdicts.json from a run of fake checks."""

from __future__ import annotations

import json

from rich.console import Console

from metacascade.validation.checks import run_checks
from metacascade.validation.report import print_table, write_report
from metacascade.validation.rules import compare

IDS = ["luzzi1998_survive_extravasate_d3", "fidler1970_alive_24h", "mook2003_liver_size_restriction"]
FAKE = {
    IDS[0]: lambda target, quick, seed: compare(target, target.value, 0.81, 0.01, reason="fake"),
    IDS[1]: lambda target, quick, seed: compare(target, target.value, 0.5, 0.0, reason="fake rates"),
}


def test_fake_checks_make_the_table_report_and_json(tmp_path):
    outcomes = run_checks(quick=True, seed=0, ids=IDS, checks=FAKE)
    assert [o.verdict for o in outcomes] == ["pass", "mismatch", "not yet"]
    console = Console(record=True, width=200)
    print_table(outcomes, console=console)
    text = console.export_text()
    assert "0.81 ± 0.0196" in text and "mismatch fidler1970_alive_24h: fake rates" in text
    assert "1 pass, 1 mismatch, 1 not yet" in text
    report, verdicts = write_report(outcomes, tmp_path / "out", run={"quick": True, "seed": 0})
    markdown = report.read_text()
    assert "| fidler1970_alive_24h |" in markdown and "**mook2003_liver_size_restriction** (not yet)" in markdown
    document = json.loads(verdicts.read_text())
    assert document["counts"] == {"pass": 1, "mismatch": 1, "not yet": 1}
    assert document["targets"][0]["entries"]["value"]["simulated"] == 0.81
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.md", "verdicts.json"]

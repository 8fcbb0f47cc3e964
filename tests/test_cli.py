"""The command line: run / scenarios / resolve, and bad scenarios exit 2 writing nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from metacascade import load_results, load_scenario, scenario_names
from metacascade.cli import main

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "valid" / "small_liver_assay.yaml"
BAD = DATA / "invalid" / "negative_rate.yaml"


def test_run_writes_results_and_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(SMALL), "--seed", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "small_liver_assay" in printed and "arrested liver" in printed and str(out) in printed
    results = load_results(out)
    assert results.random_seed == 5 and results.engine == "exact"
    results.check()


def test_run_default_directory_names_scenario_and_seed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SMALL), "--seed", "11", "--engine", "reference"]) == 0
    out = tmp_path / "runs" / "small_liver_assay-seed11"
    assert load_results(out).engine == "reference"
    # a second run refuses to overwrite, before simulating, unless asked
    assert main(["run", str(SMALL), "--seed", "11"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["run", str(SMALL), "--seed", "11", "--overwrite"]) == 0
    assert load_results(out).engine == "exact"


def test_bad_scenario_exits_2_with_the_message_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BAD), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "clones.A.fates.apoptosis_rate" in err and "-1.0" in err and "greater than or equal to 0" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["resolve", str(BAD)]) == 2
    assert main(["run", "no_such_scenario", "--out", str(out)]) == 2
    assert "unknown scenario 'no_such_scenario'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_scenarios_lists_the_catalogue_with_citations(capsys):
    assert main(["scenarios"]) == 0
    printed = capsys.readouterr().out
    for name in scenario_names():
        assert name in printed
    assert "Luzzi" in printed and "Fidler" in printed


def test_resolve_prints_the_complete_machine_form(capsys):
    assert main(["resolve", "luzzi1998_liver"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == load_scenario("luzzi1998_liver").resolved()
    assert printed["clones"]["B16F1"]["fates"]["regression_rate"] is not None  # defaults filled


def test_bad_arguments_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", str(SMALL), "--seed", "-3"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main(["run", str(SMALL), "--engine", "warp"])


def test_console_entry_point_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "metacascade", "run", str(BAD), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "apoptosis_rate" in done.stderr and done.stdout == ""
    assert not (tmp_path / "x").exists()

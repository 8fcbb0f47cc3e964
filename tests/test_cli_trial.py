"""metacascade trial: arms from scenario files on the same patients, the trial table printed."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from metacascade import load_trial
from metacascade.cli import main


@pytest.fixture(scope="module")
def shed_more(tmp_path_factory):
    path = tmp_path_factory.mktemp("arms") / "shed_more.yaml"
    assert main(["derive", "breast_patient", "--set", "primary.shedding_rate_per_g_day=3.2e7", "--out", str(path)]) == 0
    return path


def test_trial_runs_the_arms_and_prints_the_table_in_years(tmp_path, shed_more, capsys):
    out = tmp_path / "trial"
    command = ["trial", "breast_patient", "--arm", "control=breast_patient", "--arm", f"more={shed_more}",
               "--patients", "6", "--seed", "4", "--out", str(out), "--horizon-years", "8", "--format", "csv"]
    assert main(command) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["endpoint"], row["arm"]) for row in rows] == [
        ("overall", "control"), ("overall", "more"), ("metastasis_free", "control"), ("metastasis_free", "more")]
    trial = load_trial(out)
    expected = trial.compare("overall", horizon=8 * 365.25)
    assert float(rows[1]["rmst_years"]) == pytest.approx(expected.loc["more", "rmst"] / 365.25)
    assert float(rows[1]["hazard_ratio"]) == pytest.approx(expected.loc["more", "hazard_ratio"])
    assert trial.record["arms"]["more"] == {"scenario": str(shed_more)} and trial.random_seed == 4
    assert main(command[:-2] + ["--endpoint", "relapse_in_bone", "--format", "json"]) == 0  # resumed
    assert '"endpoint": "relapse_in_bone"' in capsys.readouterr().out


@pytest.mark.parametrize(("arguments", "status", "message"), [
    (["--arm", "a=breast_patient", "--arm", "a=breast_patient"], 1, "--arm: each arm needs its own name"),
    (["--arm", "a=breast_patient", "--endpoint", "nope"], 1, "endpoint: unknown 'nope'"),
    (["--arm", "a=no_such_scenario"], 2, "unknown scenario 'no_such_scenario'"),
])
def test_a_malformed_trial_exits_with_the_message(tmp_path, capsys, arguments, status, message):
    command = ["trial", "breast_patient", "--patients", "2", "--seed", "1", "--out", str(tmp_path / "t"), *arguments]
    assert main(command) == status
    assert message in capsys.readouterr().err


def test_an_arm_is_a_name_and_a_scenario(capsys):
    with pytest.raises(SystemExit):
        main(["trial", "breast_patient", "--arm", "control", "--patients", "2"])
    assert "expected NAME=SCENARIO" in capsys.readouterr().err


def test_plot_draws_the_survival_of_a_trials_arms_together(tmp_path, shed_more, capsys):
    out = tmp_path / "trial"
    assert main(["trial", "breast_patient", "--arm", "control=breast_patient", "--arm", f"more={shed_more}",
                 "--patients", "3", "--seed", "2", "--out", str(out), "--format", "csv"]) == 0
    assert main(["plot", str(out), "survival", "--out", str(tmp_path / "arms.svg")]) == 0
    drawn = (tmp_path / "arms.svg").read_text()
    assert all(f"km:{endpoint}:{arm}" in drawn for endpoint in ("overall", "metastasis_free") for arm in ("control", "more"))
    assert main(["plot", str(out), "cascade"]) == 2
    assert "cascade: a trial's figure is survival" in capsys.readouterr().err


def test_a_trial_design_runs_its_own_arms_and_writes_its_table(tmp_path, capsys):
    design = tmp_path / "design.yaml"
    design.write_text("name: two\nscenario: breast_patient\narms:\n  a: {}\n  b: {}\nendpoints: [overall]\n")
    out = tmp_path / "trial"
    assert main(["trial", str(design), "--patients", "2", "--seed", "3", "--out", str(out), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["endpoint"], row["arm"]) for row in rows] == [("overall", "a"), ("overall", "b")]
    written = pd.read_parquet(out / "table.parquet")
    assert written["arm"].tolist() == ["a", "b"] and float(written["rmst"][1]) == pytest.approx(
        float(rows[1]["rmst_years"]) * 365.25)


def test_a_scenario_without_arms_exits_with_the_message(tmp_path, capsys):
    assert main(["trial", "breast_patient", "--patients", "2", "--seed", "1", "--out", str(tmp_path / "t")]) == 1
    assert "breast_patient is a scenario, not a trial design; give its arms" in capsys.readouterr().err

"""What query, scenarios, resolve and validate print: a table on a terminal, CSV into a pipe, JSON or
markdown when asked, and never a number cut short."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from metacascade import load_results, load_scenario, scenario_names
from metacascade.cli import FAILED, OK, main
from metacascade.validation.report import FIELDS

SMALL = Path(__file__).resolve().parent / "data" / "valid" / "small_liver_assay.yaml"
LONG_NUMBER = "1095.7534246575342"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "one"
    assert main(["run", str(SMALL), "--seed", "5", "--out", str(out)]) == OK
    return out


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "cohort"
    assert main(["run", str(SMALL), "--patients", "3", "--chunk-size", "2", "--seed", "8", "--out", str(out)]) == OK
    return out


# -- query -------------------------------------------------------------------------------------


def test_query_opens_a_single_run_directory(one_run, capsys):
    capsys.readouterr()
    assert main(["query", str(one_run), "select count(*) as n, sum(count) as cells from observations"]) == OK
    [row] = rows(capsys.readouterr().out)
    observations = load_results(one_run).observations
    assert (int(row["n"]), float(row["cells"])) == (len(observations), observations["count"].sum())


def test_query_exposes_the_provenance_of_a_run_and_of_a_cohort(one_run, cohort, capsys):
    capsys.readouterr()
    sql = "select scenario, random_seed, num_patients, chunk_size, detail, engine from provenance"
    assert main(["query", str(one_run), sql]) == OK
    assert rows(capsys.readouterr().out) == [{"scenario": "small_liver_assay", "random_seed": "5", "num_patients": "1",
                                              "chunk_size": "", "detail": "full", "engine": "exact"}]
    assert main(["query", str(cohort), sql]) == OK
    assert rows(capsys.readouterr().out) == [{"scenario": "small_liver_assay", "random_seed": "8", "num_patients": "3",
                                              "chunk_size": "2", "detail": "summary", "engine": "exact"}]
    assert main(["query", str(cohort), "select json_extract(record, '$.random_seed') as seed from provenance"]) == OK
    assert rows(capsys.readouterr().out) == [{"seed": "8"}]


def test_query_prints_every_digit_in_every_format(one_run, capsys, monkeypatch):
    sql = f"select {LONG_NUMBER}::double as t, 'liver' as organ, 12345678901234::bigint as n"
    capsys.readouterr()
    assert main(["query", str(one_run), sql]) == OK  # into a pipe: CSV
    assert capsys.readouterr().out == f"t,organ,n\n{LONG_NUMBER},liver,12345678901234\n"
    assert main(["query", str(one_run), sql, "--format", "json"]) == OK
    assert json.loads(capsys.readouterr().out) == [{"t": float(LONG_NUMBER), "organ": "liver", "n": 12345678901234}]
    assert main(["query", str(one_run), sql, "--format", "markdown"]) == OK
    assert f"| {LONG_NUMBER} | liver | 12345678901234 |" in capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "60")  # a terminal: a table
    assert main(["query", str(one_run), sql, "--format", "table"]) == OK
    assert f"{LONG_NUMBER}  liver  12345678901234" in capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "16")  # narrower than the row's numbers: one line per cell, whole
    assert main(["query", str(one_run), sql, "--format", "table"]) == OK
    assert capsys.readouterr().out.splitlines() == ["t      " + LONG_NUMBER, "organ  liver", "n      12345678901234"]


def test_query_names_what_is_wrong(one_run, tmp_path, capsys):
    assert main(["query", str(tmp_path), "select 1"]) == FAILED
    assert "is not a metacascade run directory: it has no provenance.json" in capsys.readouterr().err
    assert main(["query", str(one_run), "select * from nowhere"]) == FAILED
    err = capsys.readouterr().err
    assert err.startswith("metacascade: error: SQL: ") and "nowhere" in err
    with pytest.raises(SystemExit):
        main(["query", str(one_run), "select 1", "--format", "xml"])
    assert "invalid choice: 'xml'" in capsys.readouterr().err


# -- scenarios ---------------------------------------------------------------------------------


def test_scenarios_as_json_say_kind_site_calibration_and_targets(capsys):
    assert main(["scenarios", "--format", "json"]) == OK
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert list(listed) == scenario_names()
    assert listed["luzzi1998_liver"]["kind"] == "assay" and listed["luzzi1998_liver"]["site"] == "mesenteric_vein"
    assert listed["breast_patient"]["kind"] == "patient" and listed["breast_patient"]["site"] == "breast"
    assert listed["breast_patient"]["calibrated"] == "yes"
    assert listed["breast_patient"]["reproduces"] == ["disibio2008_full_matrix"]  # its inputs are not in it
    assert "fidler1970_alive_24h" in listed["fidler1970_lung"]["reproduces"]
    assert "citation" not in listed["breast_patient"]


def test_scenarios_table_is_one_line_per_entry_at_80_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["scenarios", "--format", "table"]) == OK
    lines = capsys.readouterr().out.splitlines()
    rule = next(index for index, line in enumerate(lines) if "─" in line)
    entries = [line for line in lines[rule + 1:] if line.strip()]
    assert [line.split()[0] for line in entries] == scenario_names()
    assert all(len(line) <= 80 for line in lines)


def test_scenarios_long_as_markdown_has_inputs_and_citations(capsys):
    assert main(["scenarios", "--long", "--format", "markdown"]) == OK
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "| name | kind | site | calibrated | reproduces | inputs | citation | description |"
    assert "butler1975_shedding_rate" in printed and "Luzzi KJ et al." in printed


# -- resolve -----------------------------------------------------------------------------------


def resolved(capsys, *arguments: str) -> dict:
    assert main(["resolve", *arguments]) == OK
    return yaml.safe_load(capsys.readouterr().out)


def test_resolve_one_organ_shows_its_rates_in_force_without_nulls(capsys):
    scenario = load_scenario("breast_patient")
    printed = resolved(capsys, "breast_patient", "--organ", "liver")
    assert set(printed) == {"anatomy", "clones"} and list(printed["anatomy"]["organs"]) == ["liver"]
    for name, clone in scenario.clones.items():
        assert printed["clones"][name]["organ_fates"] == {"liver": clone.fates_in("liver").model_dump()}


def test_resolve_only_prints_one_section(capsys):
    printed = resolved(capsys, "breast_patient", "--only", "clones.A.fates")
    assert printed == {"clones.A.fates": load_scenario("breast_patient").clones["A"].fates.model_dump()}


def test_resolve_diff_is_short_and_holds_the_calibrated_soil(capsys):
    assert main(["resolve", "breast_patient", "--diff"]) == OK
    text = capsys.readouterr().out
    printed = yaml.safe_load(text)
    assert len(text.splitlines()) < 400 and "anatomy" not in printed
    liver = load_scenario("breast_patient").clones["A"].fates_in("liver")
    assert printed["clones"]["A"]["organ_fates"]["liver"]["division_rate"] == liver.division_rate
    assert resolved(capsys, "breast_patient", "--diff", "--organ", "liver", "--only", "clones.A") == {
        "clones.A": {"organ_fates": {"liver": printed["clones"]["A"]["organ_fates"]["liver"]}}}


def test_resolve_names_an_unknown_organ_or_path(capsys):
    assert main(["resolve", "luzzi1998_liver", "--organ", "spleeen"]) == FAILED
    assert "--organ: no organ 'spleeen' in the anatomy 'mouse'; organs: lung, liver" in capsys.readouterr().err
    assert main(["resolve", "luzzi1998_liver", "--only", "clones.A"]) == FAILED
    assert "--only: no 'A' in clones (path 'clones.A'); there: B16F1" in capsys.readouterr().err


# -- validate ----------------------------------------------------------------------------------



def test_validate_only_judges_the_targets_named_and_leaves_out_the_organ_pattern(tmp_path, capsys):
    ids = ["delmonte2009_cells_per_cm3", "lethal_burden_nmax"]
    assert main(["validate", "--quick", "--out", str(tmp_path), *(f"--only={i}" for i in ids), "--format", "csv"]) == OK
    captured = capsys.readouterr()
    assert [row["target_id"] for row in rows(captured.out)] == ids
    assert "organ pattern" not in captured.err and not (tmp_path / "organ_pattern.md").exists()
    assert json.loads((tmp_path / "verdicts.json").read_text())["run"]["only"] == ids


def test_validate_only_names_an_unknown_target(tmp_path, capsys):
    assert main(["validate", "--quick", "--out", str(tmp_path), "--only", "nope2026"]) == FAILED
    assert "--only: unknown target id 'nope2026'; the targets: luzzi1998_survive_extravasate_d3" in capsys.readouterr().err


def test_validate_into_a_pipe_prints_the_verdicts_as_csv_and_the_rest_on_stderr(one_mismatch, tmp_path, capsys):
    assert main(["validate", "--quick", "--out", str(tmp_path)]) == OK
    captured = capsys.readouterr()
    [row] = rows(captured.out)
    assert tuple(row) == FIELDS and (row["target_id"], row["verdict"], row["reason"]) == (
        "fidler1970_alive_24h", "mismatch", "fake")
    assert "organ pattern" in captured.err and "verdicts.json" in captured.err
    assert main(["validate", "--quick", "--out", str(tmp_path), "--format", "json"]) == OK
    assert json.loads(capsys.readouterr().out)[0]["target_id"] == "fidler1970_alive_24h"

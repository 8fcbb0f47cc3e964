"""The command line: run / scenarios / resolve, and bad scenarios exit 2 writing nothing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from metacascade import load_cohort, load_results, load_scenario, scenario_names
from metacascade.cli import main
from metacascade.results.rundir import locked

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


def test_work_beyond_the_machine_exits_2_before_anything_is_drawn_or_written(tmp_path, capsys):
    out = tmp_path / "reference"
    assert main(["run", "breast_patient", "--engine", "reference", "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "the reference engine follows every cell" in message and "engine='exact'" in message
    assert not out.exists()
    assert main(["run", "breast_patient", "--patients", "1000000000", "--out", str(out)]) == 2
    assert "num_patients: 1,000,000,000 runs" in capsys.readouterr().err and not out.exists()


def test_scenarios_lists_one_line_per_entry_and_the_citations_when_long(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name,kind,site,calibrated,reproduces,description"
    assert [line.split(",")[0] for line in lines[1:]] == scenario_names()
    assert main(["scenarios", "--long"]) == 0
    printed = capsys.readouterr().out
    assert "Luzzi KJ et al." in printed and "Fidler IJ." in printed and "butler1975_shedding_rate" in printed


def test_resolve_prints_the_values_in_force(capsys):
    assert main(["resolve", "luzzi1998_liver"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    scenario = load_scenario("luzzi1998_liver")
    assert printed["clones"]["B16F1"]["fates"]["regression_rate"] is not None  # defaults filled
    assert printed["clones"]["B16F1"]["organ_fates"]["liver"] == scenario.clones["B16F1"].fates_in("liver").model_dump()
    assert {key: value for key, value in printed.items() if key != "clones"} == {
        key: value for key, value in scenario.resolved().items() if key != "clones"}


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


def test_run_patients_writes_a_cohort_with_its_catalogue_and_resumes(tmp_path, capsys):
    out = tmp_path / "cohort"
    arguments = ["run", str(SMALL), "--patients", "4", "--seed", "3", "--out", str(out), "--chunk-size", "3"]
    assert main(arguments) == 0
    captured = capsys.readouterr()
    assert "4 patients" in captured.out and "macromets" in captured.out and "step efficiencies" in captured.out
    assert str(out / "catalogue.duckdb") in captured.out and "metacascade query" in captured.out
    assert "4/4" in captured.err  # the progress bar
    cohort = load_cohort(out)
    assert (cohort.num_patients, cohort.chunk_size, cohort.random_seed) == (4, 3, 3)
    cohort.check()
    assert main(arguments) == 0  # complete: resumes with nothing to do
    assert "resumed: 4 of 4 patients already written" in capsys.readouterr().err
    assert main([*arguments[:-4], "--seed", "4", *arguments[-4:]]) == 1
    assert "different cohort (random_seed: 3 there, 4 asked)" in capsys.readouterr().err
    assert main(["run", str(SMALL), "--patients", "4", "--seed", "4", "--out", str(out), "--overwrite"]) == 0
    assert load_cohort(out).random_seed == 4


def test_run_patients_default_directory_and_one_patient(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SMALL), "--patients", "1", "--seed", "2"]) == 0
    out = tmp_path / "runs" / "small_liver_assay-seed2-1patients"
    assert load_cohort(out).num_patients == 1
    assert "arrested liver" in capsys.readouterr().out  # one patient: its fate summary


@pytest.mark.parametrize("detail, table, key", [("summary", "dormant_cells", "chunk"),
                                                ("full", "observations", "patient")])
def test_query_runs_sql_over_a_cohort(tmp_path, capsys, detail, table, key):
    out = tmp_path / "cohort"
    assert main(["run", str(SMALL), "--patients", "2", "--seed", "1", "--out", str(out), "--detail", detail,
                 "--chunk-size", "1"]) == 0
    assert f"views {', '.join(load_cohort(out).table_names)}" in capsys.readouterr().out
    assert load_cohort(out).detail == detail
    assert main(["query", str(out), f"select count(distinct {key}) as patients from {table}"]) == 0
    printed = capsys.readouterr().out
    assert "patients" in printed and "2" in printed
    assert main(["query", str(out), "select nonsense from nowhere"]) == 1
    assert "SQL" in capsys.readouterr().err
    assert main(["query", str(tmp_path), "select 1"]) == 1
    assert f"{tmp_path} is not a metacascade run directory: it has no provenance.json" in capsys.readouterr().err


def test_cohort_options_need_patients(tmp_path, capsys):
    assert main(["run", str(SMALL), "--chunk-size", "3", "--out", str(tmp_path / "x")]) == 1
    assert "--patients" in capsys.readouterr().err
    assert main(["run", str(SMALL), "--detail", "full", "--out", str(tmp_path / "x")]) == 1
    assert "--detail go with --patients" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", str(SMALL), "--patients", "2", "--detail", "everything"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["run", str(SMALL), "--patients", "0"])
    assert caught.value.code == 2


def test_a_cohort_runs_on_dask_as_it_runs_locally(tmp_path, dask_scheduler):
    arguments = ["run", str(SMALL), "--patients", "4", "--seed", "3", "--chunk-size", "2", "--workers", "2"]
    assert main([*arguments, "--out", str(tmp_path / "local")]) == 0
    assert main([*arguments, "--out", str(tmp_path / "dask"), "--backend", "dask", "--scheduler", dask_scheduler]) == 0
    assert load_cohort(tmp_path / "dask").equals(load_cohort(tmp_path / "local"))


def test_backend_options_are_checked(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", str(SMALL), "--patients", "2", "--backend", "spark"])
    assert caught.value.code == 2 and "invalid choice: 'spark'" in capsys.readouterr().err
    cohort = ["run", str(SMALL), "--patients", "2", "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1"]
    assert main(cohort) == 1
    assert "--scheduler goes with --backend dask" in capsys.readouterr().err
    assert main(["run", str(SMALL), "--backend", "dask", "--out", str(tmp_path / "y")]) == 1
    assert "go with --patients" in capsys.readouterr().err
    assert main(["calibrate", "fidler1970_lung", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "z")]) == 1
    assert "--scheduler goes with --backend dask" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_cohort_run_without_seed_resumes_with_the_recorded_one(tmp_path, capsys):
    out = tmp_path / "cohort"
    assert main(["run", str(SMALL), "--patients", "2", "--out", str(out)]) == 0
    seed = load_cohort(out).random_seed
    assert main(["run", str(SMALL), "--patients", "2", "--out", str(out)]) == 0
    assert "resumed: 2 of 2 patients" in capsys.readouterr().err
    assert load_cohort(out).random_seed == seed


PATIENT = """
name: cli_patient
anatomy: human_adult
clones:
  A: {diameter_um: 12.0, fates: {division_rate: 0.001, clearance_rate: 0.1, avascular_bound_cells: 1.0e4,
                                 switch_rate: 0.2, gompertz_rate: 0.005}}
primary:
  site: breast
  initial_cells: 1.0e6
  growth: {law: exponential, rate_per_day: 0.04}
  shedding_rate_per_g_day: 2000
  lymphatic_fraction: 0.3
  clone_mix: {A: 1.0}
observation: {imaging_times: [200, 260, 320], detection_threshold_cells: 1.0e8}
observation_times: [200, 260, 320]
"""


def test_run_patients_prints_the_organ_pattern_detection_and_step_efficiencies(tmp_path, capsys):
    scenario = tmp_path / "cli_patient.yaml"
    scenario.write_text(PATIENT)
    assert main(["run", str(scenario), "--patients", "3", "--seed", "1", "--out", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    for heading in ("organs with a macrometastasis", "seen on imaging, and dead", "step efficiencies"):
        assert heading in printed


def test_rates_that_make_too_many_colonies_exit_2_and_write_nothing(tmp_path, capsys, monkeypatch):
    from metacascade.engine import pool

    monkeypatch.setattr(pool, "MAX_TRACKED_COLONIES", 0)
    scenario = tmp_path / "cli_patient.yaml"
    scenario.write_text(PATIENT.replace("division_rate: 0.001", "division_rate: 0.5"))
    out = tmp_path / "one"
    assert main(["run", str(scenario), "--seed", "1", "--out", str(out)]) == 2
    assert "lower division_rate" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_writes_the_calibrated_set_and_prints_the_fit(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({
        "method": "abc-smc", "targets": ["fidler1970_alive_24h"], "population_size": 10, "generations": 1,
        "priors": {"clones.B16.organ_fates.lung.vessel_death_rate": {"low": 1.0, "high": 10.0}},
    }))
    assert main(["calibrate", "fidler1970_lung", "--spec", str(spec), "--out", str(tmp_path / "fit"), "--seed", "3"]) == 0
    assert "fidler1970_alive_24h" in capsys.readouterr().out
    record = yaml.safe_load((tmp_path / "fit" / "calibration.yaml").read_text())
    assert record["command"].startswith("metacascade calibrate fidler1970_lung --seed 3") and "--spec" in record["command"]
    assert load_scenario(tmp_path / "fit" / "scenario.yaml").calibration.random_seed == 3


def test_calibrate_with_a_bad_spec_or_target_exits_2_naming_it(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"method": "abc-smc", "targets": ["fidler1970_alive_24h"], "priors": {}}))
    assert main(["calibrate", "fidler1970_lung", "--spec", str(spec), "--out", str(tmp_path / "a")]) == 2
    assert "priors" in capsys.readouterr().err
    assert main(["calibrate", "fidler1970_lung", "--targets", "seer_breast_stage_survival",
                 "--out", str(tmp_path / "b")]) == 2
    assert "cannot be read from an assay run" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_overwrite_leaves_a_folder_of_user_files_alone(tmp_path, capsys):
    home = tmp_path / "myhome"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "thesis.tex").write_text("chapter 1")
    (home / "notes.txt").write_text("mine")
    for cohort in ([], ["--patients", "2"]):
        assert main(["run", str(SMALL), "--seed", "1", "--out", str(home), "--overwrite", *cohort]) == 1
        err = capsys.readouterr().err
        assert f"{home} is not a run directory that metacascade wrote: it holds no metacascade run" in err
        assert "--overwrite replaces only those" in err
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == [
        "Documents", "Documents/thesis.tex", "notes.txt"]
    assert (home / "Documents" / "thesis.tex").read_text() == "chapter 1"


def test_a_resume_refuses_the_chunks_of_another_run(tmp_path, capsys):
    cohort = ["run", str(SMALL), "--patients", "4", "--chunk-size", "2"]
    seed3, seed4 = tmp_path / "seed3", tmp_path / "seed4"
    assert main([*cohort, "--seed", "3", "--out", str(seed3)]) == 0
    assert main([*cohort, "--seed", "4", "--out", str(seed4)]) == 0
    for table in (path.name for path in seed3.iterdir() if path.is_dir()):
        shutil.copy(seed3 / table / "chunk-00001.parquet", seed4 / table / "chunk-00001.parquet")
    capsys.readouterr()
    assert main([*cohort, "--seed", "4", "--out", str(seed4)]) == 1
    err = capsys.readouterr().err
    assert f"{seed4 / 'patients' / 'chunk-00001.parquet'} was not written by this run (random_seed: 3 there, 4 " \
           "here); move it out of the directory and run again to redo its chunk, or pass --overwrite" in err


def test_a_directory_named_like_a_glob_queries_its_own_chunks(tmp_path, capsys):
    scenario = tmp_path / "cli_patient.yaml"
    scenario.write_text(PATIENT)
    for name, patients in (("g1", "7"), ("g[1]", "3")):
        arguments = ["run", str(scenario), "--patients", patients, "--seed", "1", "--chunk-size", "2"]
        assert main([*arguments, "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    assert main(["query", str(tmp_path / "g[1]"), "select count(*) as n from patients"]) == 0
    printed = capsys.readouterr().out
    assert "3" in printed and "7" not in printed
    cohort = load_cohort(tmp_path / "g[1]")
    assert cohort.patients["patient"].tolist() == [0, 1, 2]
    connection = duckdb.connect(str(cohort.catalogue), read_only=True)
    try:
        assert connection.execute("select count(*) from patients").fetchone() == (3,)
    finally:
        connection.close()


def test_a_second_writer_is_stopped_by_the_lock(tmp_path, capsys):
    out = tmp_path / "cohort"
    cohort = ["run", str(SMALL), "--patients", "2", "--seed", "1", "--out", str(out)]
    with locked(out):  # another process writing there
        for arguments in (cohort, [*cohort, "--overwrite"], ["run", str(SMALL), "--out", str(out), "--overwrite"]):
            assert main(arguments) == 1
            err = capsys.readouterr().err
            assert f"{out} is being written by process {os.getpid()} on {socket.gethostname()}" in err
        assert [p.name for p in out.iterdir()] == [".lock"]
    assert main(cohort) == 0 and not (out / ".lock").exists()
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    (out / ".lock").write_text(json.dumps({"pid": done.pid, "host": socket.gethostname()}))  # its writer is gone
    assert main(cohort) == 0 and not (out / ".lock").exists()


@pytest.mark.parametrize("damage", ['{"package": "metacascade", "vers', "[]", '{"package": "metacascade"}'])
def test_a_damaged_provenance_is_a_clear_error_on_resume_query_and_overwrite(tmp_path, capsys, damage):
    out = tmp_path / "cohort"
    cohort = ["run", str(SMALL), "--patients", "2", "--out", str(out)]
    assert main([*cohort, "--seed", "1"]) == 0
    (out / "provenance.json").write_text(damage)
    capsys.readouterr()
    for arguments in (cohort, [*cohort, "--seed", "1"], ["query", str(out), "select 1"], [*cohort, "--overwrite"],
                      ["run", str(SMALL), "--out", str(out), "--overwrite"]):
        assert main(arguments) == 1
        assert f"{out / 'provenance.json'} is damaged: " in capsys.readouterr().err
    assert (out / "provenance.json").read_text() == damage and (out / "catalogue.duckdb").is_file()


def test_a_run_without_seed_draws_one_below_2_to_the_32_and_names_its_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SMALL)]) == 0
    assert main(["run", str(SMALL), "--patients", "2"]) == 0
    one, cohort = sorted((tmp_path / "runs").iterdir(), key=lambda path: path.name.endswith("patients"))
    seed = load_results(one).random_seed
    assert one.name == f"small_liver_assay-seed{seed}" and 1 <= seed < 2**32
    seed = load_cohort(cohort).random_seed
    assert cohort.name == f"small_liver_assay-seed{seed}-2patients" and 1 <= seed < 2**32


def test_drawn_seeds_lie_in_1_to_2_to_the_32():
    from metacascade.engine.patient import DRAWN_SEEDS, resolve_seed

    seeds = [resolve_seed(None) for _ in range(2000)]
    assert DRAWN_SEEDS == (1, 2**32) and all(1 <= seed < 2**32 for seed in seeds)
    assert len(set(seeds)) > 1990 and max(seeds) > 2**31  # drawn over the whole range


def test_an_assay_run_prints_the_published_values_beside_its_own(tmp_path, capsys):
    from metacascade.analysis.assays import QUANTITIES

    out = tmp_path / "luzzi"
    assert main(["run", "luzzi1998_liver", "--seed", "1", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-6:] == ["90", "min", "3", "d", "13", "d"]
    assert "cumulative, by then:" in lines[4] and any("at that time:" in line for line in lines)
    results = load_results(out)
    for target, published in (("luzzi1998_survive_extravasate_d3", "80%"), ("luzzi1998_solitary_dormant_d13", "36%")):
        row = next(line.split() for line in lines if line.split()[:1] == [target])
        simulated = QUANTITIES[target].read(results, results.summary())
        assert row[-2:] == [published, f"{100 * simulated:.3g}%"]
    assert "reproduces too, not read from one run: ishii_liver_first_pass_escape" in "\n".join(lines)

"""`metacascade derive`: a new scenario file with the user's values and no calibration claim, written
whole or not at all; and `--drop-stale-calibration` on the commands that load a scenario."""

from __future__ import annotations

import pytest

from metacascade.catalog import SCENARIO_DIR, load_scenario
from metacascade.cli import main
from metacascade.model.paths import value_in_force

LIVER_RATE = "clones.A.organ_fates.liver.division_rate"
BLADDER_RATE = "clones.A.organ_fates.bladder.division_rate"  # calibrated, not set by the user


def test_derive_writes_a_scenario_that_loads_with_the_users_values_and_no_calibration(tmp_path, capsys):
    out = tmp_path / "my.yaml"
    assert main(["derive", "colon_patient", "--set", f"{LIVER_RATE}=5e-6", "--set",
                 "primary.shedding_rate_per_g_day=1.0e6", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    derived, source = load_scenario(out), load_scenario("colon_patient")
    assert derived.name == "colon_patient-derived" and derived.calibration is None
    assert value_in_force(derived, LIVER_RATE) == 5e-6 and derived.primary.shedding_rate_per_g_day == 1e6
    assert value_in_force(derived, BLADDER_RATE) == value_in_force(source, BLADDER_RATE)  # kept as a plain value
    assert derived == source.with_values({"name": "colon_patient-derived", LIVER_RATE: 5e-6,
                                          "primary.shedding_rate_per_g_day": 1e6})
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Derived from colon_patient by metacascade") and "anatomy: human_adult" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my.yaml"]  # no temporary file left


def test_derive_names_the_scenario_as_asked_and_reads_values_as_yaml(tmp_path):
    out = tmp_path / "assay.yaml"
    assert main(["derive", "luzzi1998_liver", "--name", "fewer_cells", "--set", "injections.0.num_cells=1000",
                 "--set", "paravertebral_route=true", "--out", str(out)]) == 0
    derived = load_scenario(out)
    assert derived.name == "fewer_cells" and derived.injections[0].num_cells == 1000 and derived.paravertebral_route


def test_a_derived_therapy_keeps_the_kind_of_each_intervention(tmp_path):
    out = tmp_path / "surgery.yaml"
    schedule = "therapy={interventions: [{kind: surgery, start_days: 0, relative_to: diagnosis}]}"
    assert main(["derive", "breast_patient", "--set", schedule, "--out", str(out)]) == 0
    (surgery,) = load_scenario(out).therapy.interventions  # "kind: surgery" is its class's default, yet written
    assert (surgery.kind, surgery.start_days, surgery.relative_to) == ("surgery", 0.0, "diagnosis")


def test_derive_refuses_to_replace_a_file_without_overwrite(tmp_path, capsys):
    out = tmp_path / "my.yaml"
    out.write_text("my notes\n", encoding="utf-8")
    assert main(["derive", "colon_patient", "--set", f"{LIVER_RATE}=5e-6", "--out", str(out)]) == 1
    assert "exists (pass --overwrite to replace it)" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my notes\n"
    assert main(["derive", "colon_patient", "--set", f"{LIVER_RATE}=5e-6", "--out", str(out), "--overwrite"]) == 0
    assert value_in_force(load_scenario(out), LIVER_RATE) == 5e-6


@pytest.mark.parametrize("assignment, message", [
    (f"{LIVER_RATE.replace('liver', 'livr')}=5e-6", "no organ 'livr' in the anatomy"),
    (f"{LIVER_RATE}=-1", f"{LIVER_RATE}: Input should be greater than or equal to 0"),
    ("primary.shedding_rate=1e6", "no 'shedding_rate' in primary; there: "),
])
def test_derive_with_a_bad_path_or_value_exits_2_naming_it_and_writes_nothing(tmp_path, capsys, assignment, message):
    assert main(["derive", "colon_patient", "--set", assignment, "--out", str(tmp_path / "my.yaml")]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_derive_needs_path_equals_value(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["derive", "colon_patient", "--set", "nothing", "--out", str(tmp_path / "my.yaml")])
    assert exit_.value.code == 2 and "expected PATH=VALUE" in capsys.readouterr().err


@pytest.fixture
def stale_copy(tmp_path):
    """A copy of colon_patient.yaml whose liver division rate the user set to 5e-6."""
    text = (SCENARIO_DIR / "colon_patient.yaml").read_text(encoding="utf-8")
    old = "      liver: *permissive\n"
    assert text.count(old) == 1
    path = tmp_path / "my_colon.yaml"
    edited = text.replace(old, "      liver: {division_rate: 5.0e-6, reactivation_rate: 1.0e-7}\n")
    path.write_text(edited, encoding="utf-8")
    return path


def test_resolve_refuses_a_stale_copy_and_drops_its_record_when_asked(stale_copy, capsys):
    assert main(["resolve", str(stale_copy)]) == 2
    assert f"{LIVER_RATE} is 5e-06 in the file, the fit started from 1e-07" in capsys.readouterr().err
    assert main(["resolve", str(stale_copy), "--drop-stale-calibration"]) == 0
    printed = capsys.readouterr()
    assert "metacascade: warning: calibration record dropped" in printed.err
    assert "calibration: null" in printed.out and "division_rate: 5.0e-06" in printed.out


def test_derive_from_a_stale_copy_with_the_flag(stale_copy, tmp_path):
    out = tmp_path / "clean.yaml"
    assert main(["derive", str(stale_copy), "--set", "primary.shedding_rate_per_g_day=1.0e6", "--out", str(out),
                 "--drop-stale-calibration"]) == 0
    derived = load_scenario(out)
    assert derived.calibration is None and value_in_force(derived, LIVER_RATE) == 5e-6


def test_run_refuses_a_stale_copy_before_simulating(stale_copy, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(stale_copy), "--seed", "1", "--out", str(out)]) == 2
    assert "--drop-stale-calibration" in capsys.readouterr().err and not out.exists()

"""`calibrate` + `write`: a calibrated set with its provenance, reproducible from its seed, written
whole or not at all, in a scenario file that keeps its comments and loads."""

import pandas as pd
import pytest
import yaml

from metacascade.calibration.run import BLOCK_COMMENT, calibrate, with_block, write
from metacascade.calibration.spec import parse_spec
from metacascade.catalog import load_scenario

TINY = {
    "method": "abc-smc", "targets": ["fidler1970_alive_24h"], "population_size": 10, "generations": 2,
    "priors": {
        "clones.B16.organ_fates.lung.vessel_death_rate": {"low": 0.5, "high": 20.0},
        "clones.B16.organ_fates.lung.extravasation_rate": {"low": 0.005, "high": 1.0},
    },
}


@pytest.fixture(scope="module")
def fitted():
    return calibrate("fidler1970_lung", parse_spec(TINY, source="test"), random_seed=5, command="test")


def test_the_record_says_what_was_fitted_how_and_from_which_seed(fitted):
    record = fitted.record
    assert record.method == "abc-smc" and record.targets == ("fidler1970_alive_24h",) and record.random_seed == 5
    assert record.package_version and record.created and record.command == "test"
    assert {p.path for p in record.parameters} == set(TINY["priors"])
    assert all(p.prior and p.low <= p.value <= p.high for p in record.parameters)
    assert record.diagnostics["generations"] == 2 and record.diagnostics["simulations"] >= 20
    assert list(fitted.fit.index) == ["fidler1970_alive_24h"] and len(fitted.particles) == 10


def test_the_record_says_where_the_fit_started_the_values_the_file_writes(fitted):
    starts = {p.path: p.start for p in fitted.record.parameters}
    lung = load_scenario("fidler1970_lung", calibrated=False).clones["B16"].fates_in("lung")
    assert starts == {path: getattr(lung, path.rsplit(".", 1)[1]) for path in TINY["priors"]}
    assert starts != {p.path: p.value for p in fitted.record.parameters}  # not the calibrated values


def test_the_same_seed_gives_the_same_calibrated_set(fitted):
    again = calibrate("fidler1970_lung", parse_spec(TINY, source="test"), random_seed=5, command="test")
    assert again.record == fitted.record


def test_the_written_scenario_keeps_its_comments_and_loads_with_the_calibrated_values(fitted, tmp_path):
    out = write(fitted, "fidler1970_lung", tmp_path / "fit")
    assert sorted(p.name for p in out.iterdir()) == [
        "calibration.yaml", "diagnostics.csv", "fit.csv", "particles.parquet", "scenario.yaml"]
    text = (out / "scenario.yaml").read_text()
    assert text.startswith("# Fidler IJ.") and text.count(BLOCK_COMMENT) == 1
    scenario = load_scenario(out / "scenario.yaml")
    for parameter in fitted.record.parameters:
        rate = parameter.path.rsplit(".", 1)[1]
        assert getattr(scenario.clones["B16"].fates_in("lung"), rate) == parameter.value
    assert yaml.safe_load((out / "calibration.yaml").read_text())["random_seed"] == 5
    assert len(pd.read_csv(out / "diagnostics.csv")) == 2


def test_writing_again_needs_overwrite_and_replaces_the_block(fitted, tmp_path):
    out = write(fitted, "fidler1970_lung", tmp_path / "fit")
    with pytest.raises(FileExistsError, match="--overwrite"):
        write(fitted, "fidler1970_lung", out)
    rewritten = with_block((out / "scenario.yaml").read_text(), fitted.record)
    assert rewritten == (out / "scenario.yaml").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["fit"]  # no staging folder left behind


def test_overwrite_replaces_a_calibration_folder_but_never_a_folder_of_user_files(fitted, tmp_path):
    out = write(fitted, "fidler1970_lung", tmp_path / "fit")
    write(fitted, "fidler1970_lung", out, overwrite=True)
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a calibration folder .* Documents, notes.txt"):
        write(fitted, "fidler1970_lung", home, overwrite=True)
    assert (home / "notes.txt").read_text() == "mine" and (home / "Documents").is_dir()

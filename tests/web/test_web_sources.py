"""Where the web page's scenario comes from (web/sources.py): a catalogue name, never a path; or a
file uploaded to the page, read from memory and validated as `metacascade run FILE` validates the
file: every file of the invalid corpus gets the message that loading it from disk gives, naming the
file by its uploaded name; a good file is the scenario."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from metacascade import ScenarioError, load_scenario
from metacascade.catalog import MAX_BYTES_VARIABLE, SCENARIO_DIR
from metacascade.cli import main
from metacascade.web.sources import catalogue_scenario, uploaded_scenario

INVALID = sorted((Path(__file__).resolve().parents[1] / "data" / "invalid").glob("*.yaml"))
#: file stem -> environment the file is refused in (as in tests/model/test_scenario_validation.py).
ENVIRONMENT = {"larger_than_its_limit": {MAX_BYTES_VARIABLE: "256"}}


def upload(data: bytes) -> str:
    """``data`` as a browser uploads it (dcc.Upload's ``contents``)."""
    return "data:application/x-yaml;base64," + base64.b64encode(data).decode("ascii")


def test_a_catalogue_name_is_the_catalogue_scenario():
    assert catalogue_scenario("fidler1970_lung") == load_scenario("fidler1970_lung")


@pytest.mark.parametrize("name", [str(SCENARIO_DIR / "fidler1970_lung.yaml"), "../scenarios/fidler1970_lung.yaml",
                                  "fidler1970_lung.yaml", None, ["fidler1970_lung"]])
def test_anything_but_a_catalogue_name_is_refused_even_a_path_to_a_scenario_file(name):
    with pytest.raises(ScenarioError, match=r"^unknown catalogue scenario .*; the catalogue: .*\bfidler1970_lung\b"):
        catalogue_scenario(name)


def test_an_uploaded_catalogue_file_is_the_catalogue_scenario():
    data = (SCENARIO_DIR / "luzzi1998_liver.yaml").read_bytes()
    assert uploaded_scenario(upload(data), "luzzi1998_liver.yaml") == load_scenario("luzzi1998_liver")


@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_an_invalid_upload_gets_the_message_that_loading_the_file_gives(path: Path, monkeypatch):
    for variable, value in ENVIRONMENT.get(path.stem, {}).items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ScenarioError) as from_disk:
        load_scenario(path)
    with pytest.raises(ScenarioError) as uploaded:
        uploaded_scenario(upload(path.read_bytes()), path.name)
    assert str(uploaded.value) == str(from_disk.value).replace(str(path), path.name)


def test_the_message_of_an_invalid_upload_is_what_metacascade_run_prints(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_bytes((SCENARIO_DIR / "fidler1970_lung.yaml").read_bytes().replace(b"num_cells: 50000",
                                                                                  b"num_cells: -3"))
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    with pytest.raises(ScenarioError) as uploaded:
        uploaded_scenario(upload(path.read_bytes()), "mine.yaml")
    assert "injections.0.num_cells: Input should be greater than 0 (got -3)" in str(uploaded.value)
    printed = capsys.readouterr().err
    assert printed == f"metacascade: error: {uploaded.value}\n".replace("mine.yaml", str(path))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("contents", ["hello", "data:application/x-yaml,name: a", "data:;base64,not base64!", None])
def test_an_upload_that_is_not_a_base64_file_is_refused(contents):
    with pytest.raises(ScenarioError, match=r"^odd.yaml: the upload did not arrive as a file \(a base64 data: URL\)$"):
        uploaded_scenario(contents, "odd.yaml")

"""The scenario JSON Schema: the shipped file is what the code generates, it is a valid draft 2020-12
schema, every scenario file the package reads satisfies it, and `metacascade schema` writes it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from metacascade.catalog import SCENARIO_DIR
from metacascade.catalog.schema import SCHEMA_FILE, scenario_schema, scenario_schema_text
from metacascade.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(SCENARIO_DIR.glob("*.yaml")) + sorted((DATA / "valid").glob("*.yaml"))


class Yaml12Loader(yaml.SafeLoader):
    """Reads numbers as YAML 1.2 does (and editors with it): ``1.0e6`` is a number, not a string."""


Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(scenario_schema())


def test_the_shipped_schema_is_what_the_code_generates():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == scenario_schema_text(), (
        f"{SCHEMA_FILE.name} is stale: run `metacascade schema --out src/metacascade/catalog/{SCHEMA_FILE.name}`"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema_with_json_bounds():
    jsonschema.Draft202012Validator.check_schema(scenario_schema())
    text = scenario_schema_text()
    assert not re.search(r'"(ge|gt|le|lt)":', text), "pydantic's bounds must be JSON Schema keywords"
    mean_cells = scenario_schema()["$defs"]["ClusterTraits"]["properties"]["mean_cells"]
    assert (mean_cells["minimum"], mean_cells["maximum"]) == (2.0, 50.0)  # the field's own, tighter than Cells'


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_every_scenario_file_the_package_reads_satisfies_the_schema(path, validator):
    errors = [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
              for error in validator.iter_errors(yaml.load(path.read_text(encoding="utf-8"), Yaml12Loader))]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("change, where", [
    ({"schema_version": 2}, "schema_version"),
    ({"anatomy": "martian"}, "anatomy"),
    ({"colour": "blue"}, ""),
])
def test_the_schema_refuses_what_loading_refuses(change, where, validator):
    data = {**yaml.load((DATA / "valid" / "minimal.yaml").read_text(encoding="utf-8"), Yaml12Loader), **change}
    errors = list(validator.iter_errors(data))
    assert [".".join(map(str, error.absolute_path)) for error in errors] == [where]


def test_schema_command_prints_the_schema_or_writes_it_to_a_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == scenario_schema_text()
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["properties"]["schema_version"]["maximum"] == 1

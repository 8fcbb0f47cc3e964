"""Reading a scenario file cannot hang or misread (catalog/reading.py): files over the size limit,
bytes that are not UTF-8, duplicate keys, alias bombs, recursive aliases and deep nesting are each
refused quickly with a ScenarioError that says what and where; the CLI exits 2 on each."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from metacascade import ScenarioError, load_scenario
from metacascade.catalog import MAX_BYTES_VARIABLE, MAX_SCENARIO_BYTES
from metacascade.catalog.reading import MAX_DEPTH, MAX_NODES, read_yaml
from metacascade.cli import main

INVALID = Path(__file__).resolve().parents[1] / "data" / "invalid"
VALID = Path(__file__).resolve().parents[1] / "data" / "valid" / "minimal.yaml"
#: Seconds within which any refusal comes.
QUICK = 2.0


def write(tmp_path: Path, content: str | bytes, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refusal(path: Path, **options) -> str:
    """The message of the ScenarioError that loading ``path`` raises, which must come quickly."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, **options)
    assert time.perf_counter() - start < QUICK
    return str(caught.value)


@pytest.mark.parametrize("text, key, lines", [
    ("a: 1\nb: 2\na: 3\n", "a", ("first on line 1", "line 3")),
    ("clones:\n  A:\n    fates: {division_rate: 0.1, birth_rate: 1, division_rate: 2}\n", "division_rate",
     ("first on line 3", "line 3, column 48")),
    ("x:\n  - {y: 1}\n  - {y: 1, y: 2}\n", "y", ("first on line 3", "line 3")),
])
def test_a_duplicate_key_is_refused_naming_the_key_and_its_lines(tmp_path, text, key, lines):
    message = refusal(write(tmp_path, text))
    assert f"duplicate key {key!r}" in message
    for line in lines:
        assert line in message, message


def test_keys_repeated_in_different_mappings_or_overriding_a_merge_are_not_duplicates(tmp_path):
    text = "base: &base {a: 1, b: 2}\nother: {a: 1}\nderived:\n  <<: *base\n  a: 3\n"
    assert read_yaml(write(tmp_path, text)) == {"base": {"a": 1, "b": 2}, "other": {"a": 1}, "derived": {"a": 3, "b": 2}}


def _bomb(levels: int, width: int = 10) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]" for k in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands():
    message = refusal(INVALID / "alias_bomb.yaml")  # 1e9 values from 11 lines
    assert f"more than {MAX_NODES:,} values" in message and "alias bomb" in message


def test_aliases_that_expand_to_fewer_values_than_the_limit_are_read(tmp_path):
    data = read_yaml(write(tmp_path, _bomb(4)))  # 10 + 100 + 1,000 + 10,000 values
    assert len(data["l3"]) == 10 and data["l3"][0][0][0] == ["lol"] * 10


def test_a_recursive_alias_is_refused(tmp_path):
    assert "recursive alias" in refusal(write(tmp_path, "a: &a [1, *a]\n"))


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    assert f"nest more than {MAX_DEPTH} levels" in refusal(write(tmp_path, f"a: {deep}\n"))


@pytest.mark.parametrize("raw, offset, reason", [
    (b"name: caf\xe9\n", 9, "invalid continuation byte"),  # Latin-1
    (b"name: \x80\n", 6, "invalid start byte"),
    (b"a: 1\nb: 2\nname: \xff\xfe\n", 16, "invalid start byte"),
    (b"name: \xe2\x82", 6, "unexpected end of data"),  # a character cut short
])
def test_bytes_that_are_not_utf8_are_refused_naming_the_byte_and_its_offset(tmp_path, raw, offset, reason):
    message = refusal(write(tmp_path, raw))
    line = raw[:offset].count(b"\n") + 1
    for expected in ("not UTF-8", f"byte 0x{raw[offset]:02x} at offset {offset} (line {line})", reason):
        assert expected in message, message


@pytest.mark.parametrize("raw", [b"\x00name: bad\n", b"name: bad\x07\n"])
def test_a_control_character_is_refused_wherever_it_is(tmp_path, raw):
    assert "unacceptable character" in refusal(write(tmp_path, raw))


def with_description(folder: Path, num_bytes: int) -> Path:
    """The minimal valid scenario with a description that makes it ``num_bytes`` long or more."""
    path = folder / f"description_{num_bytes}.yaml"
    path.write_text(VALID.read_text(encoding="utf-8") + "description: " + "x" * num_bytes + "\n", encoding="utf-8")
    return path


def test_a_20_MB_file_is_refused_naming_its_size_and_the_limit(tmp_path):
    path = with_description(tmp_path, 20_000_000)
    message = refusal(path)
    for expected in (f"{path.stat().st_size:,} bytes", f"at most {MAX_SCENARIO_BYTES:,} bytes", "max_bytes=",
                     MAX_BYTES_VARIABLE):
        assert expected in message, message


def test_the_size_limit_is_raised_by_keyword_or_environment(tmp_path, monkeypatch):
    path = with_description(tmp_path, 2 * MAX_SCENARIO_BYTES)
    assert "at most" in refusal(path)
    assert load_scenario(path, max_bytes=3 * MAX_SCENARIO_BYTES).description.startswith("xxx")
    monkeypatch.setenv(MAX_BYTES_VARIABLE, str(3 * MAX_SCENARIO_BYTES))
    assert load_scenario(path).description.startswith("xxx")
    assert "at most 100 bytes" in refusal(VALID, max_bytes=100)  # the keyword comes before the environment


def test_a_limit_in_the_environment_that_is_not_a_number_is_named(monkeypatch):
    monkeypatch.setenv(MAX_BYTES_VARIABLE, "1MB")
    assert f"{MAX_BYTES_VARIABLE}: must be a whole number of bytes (got '1MB')" in refusal(VALID)


def test_a_catalogue_anatomy_is_read_whatever_the_limit_on_scenario_files(monkeypatch):
    monkeypatch.setenv(MAX_BYTES_VARIABLE, "300")
    assert load_scenario(VALID).anatomy.name == "mouse"  # the file names the 3 kB mouse anatomy


@pytest.mark.parametrize("name", ["duplicate_key", "alias_bomb", "non_utf8", "rate_beyond_physics", "boolean_rate"])
def test_the_cli_exits_2_with_the_message(name, capsys):
    assert main(["resolve", str(INVALID / f"{name}.yaml")]) == 2
    assert str(INVALID / f"{name}.yaml") in capsys.readouterr().err

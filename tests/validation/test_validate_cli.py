"""`metacascade validate`: exit code non-zero only with --strict on a mismatch; the quick run end to end."""

from __future__ import annotations

import json

import pytest

import metacascade.validation.organ_pattern as organ_pattern
from metacascade.cli import FAILED, OK, main
from metacascade.analysis.targets import load_targets


@pytest.fixture
def pattern_once(monkeypatch):
    """The quick organ pattern computed once (it plays no part in the exit code)."""
    pattern = organ_pattern.organ_pattern(quick=True, seed=0)
    monkeypatch.setattr(organ_pattern, "organ_pattern", lambda quick, seed: pattern)


def test_a_mismatch_fails_only_with_strict(one_mismatch, pattern_once, tmp_path, capsys):
    assert main(["validate", "--out", str(tmp_path)]) == OK
    assert main(["validate", "--strict", "--out", str(tmp_path)]) == FAILED
    assert "mismatch" in capsys.readouterr().out


def test_quick_validation_end_to_end(tmp_path, capsys):
    assert main(["validate", "--quick", "--seed", "7", "--out", str(tmp_path), "--format", "table"]) == OK
    printed = capsys.readouterr().out
    assert "luzzi1998_solitary_dormant_d13" in printed and "verdicts.json" in printed
    document = json.loads((tmp_path / "verdicts.json").read_text())
    assert {o["target_id"] for o in document["targets"]} == set(load_targets())
    assert document["run"]["quick"] is True
    assert "share explained over all primaries" in printed
    assert "| breast | 432 | breast |" in (tmp_path / "organ_pattern.md").read_text()

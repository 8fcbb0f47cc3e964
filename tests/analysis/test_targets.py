"""The package ships the published targets: a byte copy of shared/data/targets.yaml (the one test
that needs ../shared beside the clone: marked ``shared``, left out of ``make test`` and run by CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from metacascade.analysis import targets as shipped
from metacascade.analysis.targets import disibio_matrix, load_targets, targets_text

SHARED_TARGETS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "targets.yaml"


@pytest.mark.shared
def test_shipped_targets_are_the_shared_file():
    assert SHARED_TARGETS.is_file(), f"{SHARED_TARGETS} is missing: check out the project's shared/ beside the clone"
    assert targets_text() == SHARED_TARGETS.read_text(encoding="utf-8"), (
        f"src/metacascade/analysis/data/targets.yaml differs from {SHARED_TARGETS}: copy the shared file"
    )


def test_targets_load_as_records_with_unique_ids():
    targets = load_targets()
    assert len(targets) == 38 + 2  # the shared file's, then the package's own (added_targets.yaml)
    assert list(targets)[-2:] == ["bloom1962_untreated_breast_survival", "carter1989_node_positivity_by_size"]
    assert targets["luzzi1998_solitary_dormant_d13"].value == pytest.approx(0.36)
    assert targets["au2016_cluster_capillary_transit"].range == [0.9, 1.0]


def test_numeric_targets_hold_a_number_and_qualitative_ones_do_not():
    targets = load_targets()
    assert targets["meng2004_ctc_half_life"].numeric  # a range
    assert targets["butler1975_shedding_rate"].numeric  # a table
    assert not targets["mook2003_liver_size_restriction"].numeric
    assert not targets["disibio2008_full_matrix"].numeric  # its numbers are in the matrix block


def test_disibio_matrix_rows_have_a_count_per_site():
    matrix = disibio_matrix()
    assert len(matrix["sites"]) == 30
    assert all(len(row["counts"]) == 30 for row in matrix["primaries"].values())


def test_a_target_the_package_adds_may_not_reuse_a_published_id(monkeypatch):
    published = shipped._document()["targets"][0]
    monkeypatch.setattr(shipped, "_added", lambda: [published])
    with pytest.raises(ValueError, match=f"added_targets.yaml: ids already in data/targets.yaml: {published['id']}"):
        load_targets()

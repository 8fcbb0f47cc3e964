"""``metacascade plot RUN_DIR KIND [--out FILE]``."""

import pytest
from figure_reading import decoded

from metacascade.cli import main
from metacascade.results.rundir import check_ours
from metacascade.viz.registry import DPI


@pytest.fixture
def run_dir(assay, tmp_path):
    return assay.write(tmp_path / "luzzi")


def test_plot_writes_the_figure_into_the_run_directory_as_png(run_dir, capsys):
    assert main(["plot", str(run_dir), "cascade"]) == 0
    path = run_dir / "cascade.png"
    assert f"cascade written to {path}" in capsys.readouterr().out
    assert decoded(path).shape[:2] == (7 * DPI, 14 * DPI)
    check_ours(run_dir)  # a figure does not make the run directory foreign: --overwrite still replaces it


def test_plot_writes_svg_where_asked(run_dir, tmp_path):
    out = tmp_path / "figures" / "lesions.svg"
    assert main(["plot", str(run_dir), "lesion_timelines", "--out", str(out)]) == 0
    assert "<svg" in out.read_text()


def test_an_unknown_kind_exits_2_listing_the_kinds(run_dir, capsys):
    assert main(["plot", str(run_dir), "sankey"]) == 2
    assert ("unknown figure kind 'sankey'; the kinds are cascade, body_map, lesion_timelines, organ_pattern, survival, "
            "dormant_pool, ctc") in capsys.readouterr().err


def test_a_kind_the_run_has_no_data_for_exits_2_listing_its_kinds(run_dir, capsys):
    assert main(["plot", str(run_dir), "survival"]) == 2
    assert "the figures of this run are cascade, body_map, lesion_timelines, dormant_pool" in capsys.readouterr().err
    assert not (run_dir / "survival.png").exists()


def test_a_directory_without_a_run_exits_1(tmp_path, capsys):
    assert main(["plot", str(tmp_path), "cascade"]) == 1
    assert "is not a metacascade run directory" in capsys.readouterr().err

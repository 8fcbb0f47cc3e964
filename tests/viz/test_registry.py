"""The registry the report and the web page use, and ``import metacascade`` staying light."""

import subprocess
import sys

import pytest
from figure_reading import decoded, texts

from metacascade import viz
from metacascade.results.rundir import FIGURE_KINDS


def test_every_kind_has_a_figure_and_a_caption():
    assert tuple(viz.FIGURES) == tuple(viz.KINDS) == FIGURE_KINDS
    assert all(caption.endswith(".") for caption in viz.KINDS.values())


def test_the_kinds_of_a_run_are_those_it_has_data_for(assay, cohort, full_cohort):
    assert viz.kinds_for(assay) == ["cascade", "body_map", "lesion_timelines", "dormant_pool"]
    assert viz.kinds_for(cohort) == ["cascade", "body_map", "organ_pattern", "survival", "dormant_pool", "ctc"]
    assert viz.kinds_for(full_cohort) == list(viz.KINDS)


def test_a_kind_that_does_not_exist_or_shows_nothing_is_refused_naming_the_kinds(assay):
    with pytest.raises(ValueError, match="unknown figure kind 'sankey'; the kinds are cascade, body_map"):
        viz.figure(assay, "sankey")
    with pytest.raises(ValueError, match="survival: nothing to show for luzzi1998_liver: it needs a cohort"):
        viz.figure(assay, "survival")


@pytest.mark.parametrize("name", ["assay", "full_cohort"])
def test_every_figure_of_a_run_saves_as_a_png_of_its_size_naming_the_run(name, request, tmp_path):
    run = request.getfixturevalue(name)
    for kind in viz.kinds_for(run):
        figure = viz.figure(run, kind)
        assert run.scenario_name in texts(figure)
        path = viz.save(figure, tmp_path / f"{kind}.png")
        pixels = decoded(path)
        width, height = figure.get_size_inches() * 150
        assert pixels.shape[:2] == (int(height), int(width))
        assert pixels[..., :3].min() < 0.2 and pixels[..., :3].max() == 1.0  # something dark drawn on white


def test_svg_is_written_and_other_formats_are_refused(assay, tmp_path):
    figure = viz.figure(assay, "cascade")
    assert viz.save(figure, tmp_path / "cascade.svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match=r"a figure is written as \.png or \.svg \(got '\.jpg'\)"):
        viz.save(figure, tmp_path / "cascade.jpg")


def test_import_metacascade_does_not_import_matplotlib():
    code = "import sys, metacascade; metacascade.Results; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"

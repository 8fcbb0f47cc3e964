"""The HTML report (``metacascade report``): one self-contained file that opens offline, holding the
scenario, the provenance, every figure the run has, its key tables and a validation's verdicts."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

import metacascade as mc
from metacascade import viz
from metacascade.analysis.assays import beside_published
from metacascade.catalog.entries import entry
from metacascade.cli import main
from metacascade.report import write_report
from metacascade.report.html import percent
from metacascade.results.rundir import REPORT_FILE, check_ours
from metacascade.validation.report import write_report as write_verdicts
from metacascade.validation.rules import Outcome

HOSTILE = '<script>alert("x")</script>'


class Page(HTMLParser):
    """What a browser would see of a page: its text, tables (caption -> rows of cell texts), images,
    figure captions, and every attribute that could fetch or run something."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tables: dict[str, list[list[str]]] = {}
        self.figcaptions: list[str] = []
        self.words: list[str] = []
        self._open: list[str] = []
        self._caption = ""
        self.feed(text)
        self.close()
        self.text = " ".join(self.words)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._open.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset") or name.startswith("on"):
                self.fetching.append((tag, name, value or ""))
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "tr":
            self.tables[self._caption].append([])
        if tag == "td" or tag == "th":
            self.tables[self._caption][-1].append("")
        if tag == "caption":
            self._caption = ""

    def handle_endtag(self, tag):
        self._open.pop()
        if tag == "caption":
            self.tables[self._caption] = []

    def handle_data(self, data):
        self.words.append(data)
        where = self._open[-1] if self._open else ""
        if where == "caption":
            self._caption += data
        elif where in ("td", "th"):
            self.tables[self._caption][-1][-1] += data
        elif where == "figcaption":
            self.figcaptions.append(data)

    def table(self, starts: str) -> list[list[str]]:
        """The rows (header first) of the table whose caption starts with ``starts``."""
        found = [rows for caption, rows in self.tables.items() if caption.startswith(starts)]
        assert len(found) == 1, f"no one table captioned {starts!r}: {list(self.tables)}"
        return found[0]


def decoded_images(page: Page) -> list[Image.Image]:
    images = []
    for source in page.images:
        header, _, data = source.partition(",")
        assert header == "data:image/png;base64"
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        image.load()
        images.append(image)
    return images


def assert_self_contained(page: Page) -> None:
    """No script, no stylesheet or frame to fetch, and no attribute that names a URL: only data URIs."""
    assert not {"script", "link", "iframe", "object", "embed"} & set(page.tags)
    assert [(tag, name) for tag, name, value in page.fetching if not value.startswith("data:image/png;base64,")] == []


@pytest.fixture(scope="module")
def assay(tmp_path_factory):
    results = mc.simulate("luzzi1998_liver", random_seed=7)
    return results, results.write(tmp_path_factory.mktemp("assay") / "run")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "run"
    return mc.simulate("breast_patient", num_patients=20, random_seed=3, out=out), out


def test_an_assay_report_holds_the_scenario_provenance_figures_and_tables(assay):
    results, directory = assay
    written = write_report(directory)
    assert written == directory / REPORT_FILE == directory / "report.html"
    page = Page(written.read_text(encoding="utf-8"))
    assert_self_contained(page)
    assert "luzzi1998_liver" in page.text and "Luzzi KJ et al." in page.text
    assert "random_seed 7" in " ".join(page.text.split()) and mc.__version__ in page.text
    assert results.provenance["created"] in page.text
    # every figure that shows something for the run, as a PNG that decodes
    kinds = viz.kinds_for(results)
    assert "cascade" in kinds and page.figcaptions == [viz.KINDS[kind] for kind in kinds]
    assert all(image.size[0] > 100 and image.size[1] > 100 for image in decoded_images(page))
    assert len(page.images) == len(kinds)
    # the published values beside this run's, as beside_published reads them
    published = page.table("published values beside this run's")
    expected = beside_published(results, entry(mc.load_scenario("luzzi1998_liver")).reproduces)
    assert published[0] == ["target", "quantity", "published", "simulated"]
    assert published[1:] == [[row.target, row.quantity, percent(row.published), percent(row.simulated)]
                             for row in expected.itertuples()]
    # the fate summary: a row per quantity, a column per observation time
    fates = page.table("fates of the cells that entered the circulation")
    assert fates[0] == ["% of cells entered", "90 min", "3 d", "13 d"]
    dormant = next(row for row in fates if row[0] == "dormant")
    assert dormant[1:] == [percent(value) for value in results.summary()["dormant"]]
    efficiencies = page.table("step efficiencies")
    assert len(efficiencies) == 1 + len(results.step_efficiencies())


def test_a_cohort_report_holds_the_organ_pattern_detection_survival_and_efficiencies(cohort):
    run, directory = cohort
    page = Page(write_report(directory).read_text(encoding="utf-8"))
    assert_self_contained(page)
    assert "breast_patient: 20 patients, seed 3" in page.text
    pattern = page.table("organ pattern")
    involved = run.organ_pattern().query("involved > 0")
    assert [row[0] for row in pattern[1:]] == list(involved.index)
    assert [row[1] for row in pattern[1:]] == [percent(value) for value in involved["involved"]]
    detection = page.table("seen on imaging")
    assert len(detection) == 1 + len(run.detection_by_time())
    survival = page.table("Kaplan–Meier survival of 20 patients")
    assert survival[0] == ["endpoint", "time", "at risk", "events", "survival", "low", "high"]
    assert {row[0] for row in survival[1:]} == {"overall", "metastasis_free"}
    assert page.table("step efficiencies")
    kinds = viz.kinds_for(run)
    assert {"cascade", "survival"} <= set(kinds) and len(decoded_images(page)) == len(kinds)


def test_a_run_directory_holding_its_report_is_still_one_that_overwrite_replaces(tmp_path):
    out = tmp_path / "run"
    mc.simulate("breast_patient", num_patients=2, random_seed=1, out=out)
    (out / REPORT_FILE).write_text("<!DOCTYPE html>")  # what write_report writes there by default
    check_ours(out)  # the report is not a foreign file
    mc.simulate("breast_patient", num_patients=2, random_seed=2, out=out, overwrite=True)
    assert not (out / REPORT_FILE).exists()


@pytest.fixture
def validation(tmp_path):
    """The output folder of ``metacascade validate``, written by its own writer, one reason hostile."""
    outcomes = [
        Outcome("luzzi1998_survive_extravasate_d3", "extravasated by day 3", "0.8", "0.84 ± 0.01", "± 0.1", "pass"),
        Outcome("disibio_breast_lung", "share with lung metastases", "0.71", "0.52 ± 0.04", "± 0.1", "mismatch",
                reason=f"too few lungs {HOSTILE}"),
        Outcome("future_target", "not simulated", "1.0", "—", "—", "not yet", reason="needs therapy"),
    ]
    write_verdicts(outcomes, tmp_path, run={"quick": True, "seed": 2026, "seconds": 12.5})
    (tmp_path / "organ_pattern.md").write_text("# Organ pattern\n\n| organ | share |\n| lung | 0.5 |\n")
    return tmp_path


def test_a_validation_report_shows_every_verdict_escaped(validation):
    text = write_report(validation).read_text(encoding="utf-8")
    page = Page(text)
    assert_self_contained(page)
    assert "<script" not in text and "&lt;script&gt;" in text
    verdicts = page.table("every published target")
    document = json.loads((validation / "verdicts.json").read_text())
    assert [row[0] for row in verdicts[1:]] == [target["target_id"] for target in document["targets"]]
    assert [row[5] for row in verdicts[1:]] == ["pass", "mismatch", "not yet"]
    assert verdicts[2][6] == f"too few lungs {HOSTILE}"
    assert "1 pass, 1 mismatch, 1 not yet" in page.text and "| lung | 0.5 |" in page.text


def test_the_cli_writes_the_report_replacing_a_file(assay, tmp_path, capsys):
    _, directory = assay
    out = tmp_path / "assay.html"
    out.write_text("an older report")
    assert main(["report", str(directory), "--out", str(out)]) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    assert "luzzi1998_liver: one run, seed 7" in Page(out.read_text(encoding="utf-8")).text
    assert sorted(path.name for path in tmp_path.iterdir()) == ["assay.html"]  # no temporary file left


def test_the_cli_refuses_a_directory_as_out_and_a_folder_without_a_run(assay, tmp_path, capsys):
    _, directory = assay
    assert main(["report", str(directory), "--out", str(tmp_path)]) == 1
    assert f"{tmp_path} is a directory" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["report", str(tmp_path)]) == 1
    assert "holds neither a run (provenance.json) nor the verdicts" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]

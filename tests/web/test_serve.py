"""`metacascade serve` end to end, in a real browser (Debian's headless Chromium under Playwright;
tests/web/conftest.py): pick a catalogue scenario, change its patients, run it, see its report (the
fate table, the organ pattern and decoded figures), download the run; upload an invalid file and
read the message that `metacascade run` prints for it. The page fetches nothing from elsewhere, the
server writes nowhere but its own temporary folder, which goes when it stops. Also: the command
line of `serve`, and that neither `import metacascade` nor `metacascade --help` imports Dash."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from metacascade import ScenarioError, load_scenario
from metacascade.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "invalid" / "negative_rate.yaml"
#: What the page shows for BAD uploaded as bad.yaml.
BAD_LINE = "clones.A.fates.apoptosis_rate: Input should be greater than or equal to 0 (got -1.0)"
#: Milliseconds the page may take to run 10 patients and draw their report.
RUN_MS = 60_000
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_page_runs_a_chosen_scenario_shows_its_report_and_refuses_an_invalid_upload(browser, server, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, elsewhere = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: request.url.startswith((server.url, "data:")) or elsewhere.append(request.url))
    page.goto(server.url)

    page.click("#scenario")
    page.get_by_role("option", name="breast_patient", exact=True).click()
    patients = page.locator(".field", has_text="patients").locator("input")
    expect(patients).to_have_value("20")
    patients.fill("10")
    page.click("#run")

    report = page.frame_locator("#report")
    fates = report.locator("table", has=report.locator("caption", has_text="step efficiencies"))
    expect(fates).to_be_visible(timeout=RUN_MS)
    expect(page.locator("#run-name")).to_have_text("run breast_patient-seed1-10patients")
    expect(report.locator("h1")).to_have_text("breast_patient: 10 patients, seed 1")
    for step_and_fate in ("transit\tarrested", "vessel\textravasated", "solitary\tstarted_dividing"):
        assert step_and_fate in fates.inner_text()
    expect(report.locator("caption", has_text="organ pattern")).to_be_visible()
    figures = report.locator("figure img")
    assert figures.count() >= 2
    for index in range(figures.count()):
        assert figures.nth(index).evaluate("image => image.complete && image.naturalWidth > 100")

    with page.expect_download() as download:
        page.click("#download-button")
    assert download.value.suggested_filename == "breast_patient-seed1-10patients.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        names = set(archive.namelist())
    assert {"breast_patient-seed1-10patients/provenance.json", "breast_patient-seed1-10patients/report.html"} <= names

    page.set_input_files("#upload input[type=file]",
                         files=[{"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": BAD.read_bytes()}])
    message = page.locator("#upload-message .error")
    expect(message).to_contain_text(BAD_LINE)
    with pytest.raises(ScenarioError) as from_disk:
        load_scenario(BAD)
    assert message.inner_text() == str(from_disk.value).replace(str(BAD), "bad.yaml")
    expect(page.locator("#form h2")).to_have_text("breast_patient (catalogue)")  # what was chosen before stays

    screenshot = tmp_path / "serve.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes().startswith(PNG) and screenshot.stat().st_size > 10_000
    assert errors == [] and elsewhere == []
    assert server.stop() == 0
    assert list(server.tmp.iterdir()) == [] and list(server.cwd.iterdir()) == []


def test_serve_takes_a_port_and_a_host_and_refuses_a_port_out_of_range(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help = capsys.readouterr().out
    assert "--port" in help and "default: 127.0.0.1" in help and "metacascade serve --port 8080" in help
    with pytest.raises(SystemExit) as refusal:
        main(["serve", "--port", "70000"])
    assert refusal.value.code == 2
    assert "must be a port number from 1 to 65535 (got '70000')" in capsys.readouterr().err


def test_neither_import_metacascade_nor_its_help_imports_dash():
    code = ("import sys, metacascade, metacascade.cli as cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(name for name in sys.modules if name.split('.')[0] in ('dash', 'flask', 'playwright')))")
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.splitlines()[-1] == "[]"

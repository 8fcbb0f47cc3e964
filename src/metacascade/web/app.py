"""The page (Dash): pick a catalogue scenario or upload a YAML file, change its key parameters,
run it, see its report (figures, fate table, organ pattern: ``metacascade.report``) and download
the run directory as a zip. Everything it runs goes through the public API; every run lives in its
own directory under the server's folder (``web.runs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import dash
from dash import ALL, Input, Output, State, dcc, html

from ..catalog import scenario_names
from ..catalog.reading import size_limit
from ..errors import MetacascadeError
from ..model import Scenario, ScenarioError
from ..results.rundir import REPORT_FILE
from .form import KeyField, apply_form, key_fields
from .runs import RunStore
from .sources import catalogue_scenario, uploaded_scenario

TITLE = "metacascade"
ASSETS = Path(__file__).with_name("assets")


def create_app(folder: Path) -> dash.Dash:
    """The page, keeping its runs under ``folder`` (the server's own)."""
    store = RunStore(folder / "runs")
    app = dash.Dash(__name__, title=TITLE, assets_folder=str(ASSETS), suppress_callback_exceptions=True,
                    update_title=None)
    # bytes a request may carry: a file at the scenario size limit, in base64 (4/3), with room to spare
    app.server.config["MAX_CONTENT_LENGTH"] = 2 * size_limit() + 2**16
    app.layout = _layout()

    @app.callback(
        Output("chosen", "data"), Output("form", "children"), Output("upload-message", "children"),
        Output("run", "disabled"),
        Input("scenario", "value"), Input("upload", "contents"), State("upload", "filename"),
        prevent_initial_call=True,
    )
    def choose(name: Optional[str], contents: Optional[str], filename: Optional[str]) -> tuple[Any, ...]:
        if dash.ctx.triggered_id == "upload":
            try:
                scenario = uploaded_scenario(contents, filename)
            except MetacascadeError as exc:  # the scenario chosen before stays
                return dash.no_update, dash.no_update, html.Pre(str(exc), className="error"), dash.no_update
            chosen = {"upload": contents, "filename": filename}
            return chosen, _form(scenario, f"uploaded {filename}"), f"{filename}: {scenario.name} read", False
        return {"name": name}, _form(catalogue_scenario(name), "catalogue"), "", False

    @app.callback(
        Output("results", "children"), Output("run-id", "data"),
        Input("run", "n_clicks"), State("chosen", "data"),
        State({"field": ALL}, "value"), State({"field": ALL}, "id"),
        prevent_initial_call=True,
    )
    def run(_: int, chosen: Any, values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, ...]:
        try:
            scenario = _chosen_scenario(chosen)
            scenario, patients, seed = apply_form(scenario, {id["field"]: value for id, value in zip(ids, values)})
            run_id = store.run(scenario, patients, seed)
        except MetacascadeError as exc:  # a scenario, a request or a run that cannot be: say why
            return html.Pre(str(exc), className="error", id="run-error"), None
        return _report(store.directory(run_id) / REPORT_FILE, store.name(run_id)), run_id

    @app.callback(
        Output("download", "data"), Input("download-button", "n_clicks"), State("run-id", "data"),
        prevent_initial_call=True,
    )
    def download(_: int, run_id: Optional[str]) -> Any:
        return dcc.send_bytes(store.zipped(run_id), f"{store.name(run_id)}.zip")

    return app


def _layout() -> html.Div:
    return html.Div(className="page", children=[
        html.H1(TITLE),
        html.P("Simulate the metastatic cascade: pick a published scenario or upload a scenario file of your own, "
               "change its key parameters, run it, and see and download what it gives."),
        html.Div(className="choose", children=[
            html.Label("scenario from the catalogue", htmlFor="scenario"),
            dcc.Dropdown(id="scenario", options=scenario_names(), placeholder="pick a scenario", clearable=False),
            dcc.Upload(id="upload", className="upload", accept=".yaml,.yml",
                       children=html.Div(["or drop a scenario YAML file here, or ", html.A("choose one")])),
            html.Div(id="upload-message", className="message"),
        ]),
        dcc.Store(id="chosen"),
        html.Div(id="form"),
        html.Button("run", id="run", disabled=True),
        dcc.Loading(id="running", type="circle", children=html.Div(id="results")),
        dcc.Store(id="run-id"),
        dcc.Download(id="download"),
    ])


def _chosen_scenario(chosen: Any) -> Scenario:
    """The scenario that ``chosen`` (the page's ``chosen`` store, as sent back) names."""
    if not isinstance(chosen, dict):
        raise ScenarioError("pick a scenario or upload a scenario file first")
    if "name" in chosen:
        return catalogue_scenario(chosen["name"])
    return uploaded_scenario(chosen.get("upload"), str(chosen.get("filename")))


def _form(scenario: Scenario, origin: str) -> list[Any]:
    """The heading and the number fields of ``scenario`` (``web.form.key_fields``)."""
    return [
        html.H2(f"{scenario.name} ({origin})"),
        html.P(scenario.description, className="description"),
        html.Div(className="fields", children=[_field(field) for field in key_fields(scenario)]),
    ]


def _field(field: KeyField) -> html.Label:
    """One labelled number input whose browser check is the field's range."""
    return html.Label(className="field", children=[
        html.Span(field.label),
        dcc.Input(id={"field": field.key}, type="number", value=field.value, min=field.minimum, max=field.maximum,
                  step=1 if field.integer else "any", required=True),
        html.Small(f"{field.help}; {field.range_text}"),
    ])


def _report(report: Path, name: str) -> list[Any]:
    """The run's report (``metacascade.report``: figures, tables, scenario, provenance) in a frame
    that runs no script, and the download button."""
    return [
        html.Div(className="run-bar", children=[
            html.Span(f"run {name}", id="run-name"),
            html.Button("download the run (zip)", id="download-button"),
        ]),
        html.Iframe(id="report", srcDoc=report.read_text(encoding="utf-8"), sandbox="", className="report"),
    ]

"""The sections of a run's report, each an HTML string: the scenario, the provenance, the key tables
of an assay or a cohort, the figures (``metacascade.viz``) and the verdicts of a validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

import pandas as pd

from ..analysis import survival
from ..analysis.assays import beside_published
from ..analysis.autopsy import DAYS_PER_YEAR
from ..catalog import scenario_from_data
from ..catalog.entries import Entry, entry
from ..results import Cohort, Results
from ..results.formatting import human_time, human_times
from ..results.summary import is_cumulative
from ..validation.report import COLUMNS, FIELDS
from . import html

Run = Union[Results, Cohort]
#: Dotted paths of the resolved scenario shown as its key parameters (those it has), units in their names.
KEY_PARAMETERS: tuple[str, ...] = (
    "anatomy.name", "anatomy.species", "clones", "injections", "primary.site", "primary.initial_cells",
    "primary.growth.law", "primary.growth.rate_per_day", "primary.shedding_rate_per_g_day",
    "primary.lymphatic_fraction", "primary.lymphatic_surface_cells", "primary.cluster_fraction", "primary.clone_mix",
    "observation.detection_threshold_cells", "observation.lethal_burden_cells", "end_time",
)
#: Survival is shown at these times (years) within the longest follow-up.
SURVIVAL_YEARS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 20.0)
#: Provenance keys shown elsewhere (the scenario) or not at all.
PROVENANCE_HIDDEN: tuple[str, ...] = ("scenario",)


def catalogue_entry(provenance: Mapping[str, Any]) -> Entry:
    """How the catalogue lists the scenario a run simulated (its resolved form in ``provenance``)."""
    return entry(scenario_from_data(provenance["scenario"], source="provenance.json"))


def _at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of ``data``; ``None`` where it has none."""
    for key in path.split("."):
        if not isinstance(data, Mapping) or data.get(key) is None:
            return None
        data = data[key]
    return data


def scenario_section(provenance: Mapping[str, Any]) -> str:
    """Name, description, citation, kind, the targets it reproduces, its key parameters and its
    calibrated values."""
    scenario, listed = provenance["scenario"], catalogue_entry(provenance)
    about = {"name": listed.name, "kind": f"{listed.kind} ({listed.site})", "description": listed.description,
             "citation": listed.citation, "reproduces": listed.reproduces or "—",
             "observation times": human_times(scenario["observation_times"])}
    keys = {path: _at(scenario, path) for path in KEY_PARAMETERS}
    keys["clones"] = list(scenario["clones"])
    keys["end_time"] = human_time(scenario["end_time"])  # resolved: always set
    parts = [html.definitions(about), html.heading("Key parameters (the resolved scenario; units in the names)", 3),
             html.definitions({path: value for path, value in keys.items() if value not in (None, [], {})})]
    calibration = scenario.get("calibration")
    if calibration:
        fitted = pd.DataFrame(calibration["parameters"])[["path", "value", "low", "high"]]
        parts.append(html.details(
            f"{len(fitted)} calibrated values ({calibration['method']}, {calibration['created']}): click to show",
            html.table(fitted, f"low and high: the {calibration['interval']:.0%} interval of the fit")))
    return html.section("Scenario", *parts)


def provenance_section(provenance: Mapping[str, Any]) -> str:
    """Everything the provenance records but the scenario (version, seed, engine, call, date ...)."""
    return html.section("Provenance", html.definitions(
        {key: value for key, value in provenance.items() if key not in PROVENANCE_HIDDEN}))


def assay_tables(results: Results) -> str:
    """The fate summary (rows: quantities, columns: observation times), the published values beside
    this run's, and the step efficiencies."""
    summary = results.summary()
    shown = summary.T.set_axis(human_times(summary.index), axis=1)
    shown.index = [f"{name.replace('_', ' ')}{' (by then)' if is_cumulative(name) else ''}" for name in shown.index]
    shown.index.name = "% of cells entered"
    parts = [html.table(shown, "fates of the cells that entered the circulation, at each observation time "
                               "(by then: cumulative; else: in that state at that time)",
                        percent_columns=tuple(shown.columns))]
    comparison = beside_published(results, catalogue_entry(results.provenance).reproduces)
    if not comparison.empty:
        parts.append(html.table(comparison, "published values beside this run's",
                                percent_columns=("published", "simulated")))
    return html.section("Tables", *parts, _efficiencies(results))


def cohort_tables(cohort: Cohort) -> str:
    """The organ pattern, detection by imaging time, survival and the step efficiencies."""
    parts = []
    if not cohort.patients.empty:  # followed by an observation plan
        pattern = cohort.organ_pattern()
        involved = pattern[pattern["involved"] > 0]
        parts.append(html.table(involved, "organ pattern: share of patients with a macrometastasis in each organ "
                                          "(involved: at the end of follow-up; at autopsy: among those who died)",
                                percent_columns=("involved", "involved_at_autopsy")))
        detection = cohort.detection_by_time()
        detection.index = pd.Index(human_times(detection.index), name="imaging time")
        parts.append(html.table(detection, "seen on imaging, and dead, by each imaging time (share of patients)",
                                percent_columns=("primary_seen", "metastasis_seen", "dead")))
        parts.append(_survival(cohort.patients))
    return html.section("Tables", *parts, _efficiencies(cohort))


def _survival(patients: pd.DataFrame) -> str:
    """Kaplan–Meier survival at whole years within follow-up, and the median of each endpoint."""
    longest = float(patients["follow_up_time"].max())
    times = [years * DAYS_PER_YEAR for years in SURVIVAL_YEARS if years * DAYS_PER_YEAR <= longest]
    frame = survival.survival_at(patients, times).reset_index()
    frame["time"] = human_times(frame["time"])
    medians = "; ".join(
        f"{endpoint.replace('_', ' ')} ({ends}): {_median(survival.median_time(patients, endpoint))}"
        for endpoint, ends in survival.ENDPOINTS.items()
    )
    return html.table(frame, f"Kaplan–Meier survival of {len(patients)} patients with its pointwise 95% band "
                             f"(low, high); median: {medians}",
                      percent_columns=("survival", "low", "high"))


def _median(days: float) -> str:
    return "not reached" if days != days else human_time(days)


def _efficiencies(run: Run) -> str:
    efficiencies = run.step_efficiencies()[["step", "fate", "count", "entered", "share", "of_entered"]]
    return html.table(efficiencies, "step efficiencies (share: of the cells that entered the step; of entered: "
                                    "of those that entered the circulation)",
                      percent_columns=("share", "of_entered"))


def figures_section(run: Run) -> str:
    """Every figure that shows something for ``run`` (``viz.kinds_for``), as embedded PNG captioned
    with what it shows (``viz.KINDS``)."""
    try:
        from .. import viz  # lazy: matplotlib, the [viz] extra
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "matplotlib":
            raise
        raise ModuleNotFoundError("the report draws its figures with matplotlib: pip install 'metacascade[viz]'",
                                  name=exc.name) from exc

    return html.section("Figures", *(html.figure(viz.figure(run, kind), viz.KINDS[kind]) for kind in viz.kinds_for(run)))


def verdicts_section(document: Mapping[str, Any]) -> str:
    """The verdicts of ``metacascade validate`` (its ``verdicts.json``): counts, how it ran, and one
    row per target with the reason."""
    targets = pd.DataFrame(document["targets"], columns=list(FIELDS))
    targets.columns = [*COLUMNS, "reason"]
    counts = ", ".join(f"{number} {verdict}" for verdict, number in document.get("counts", {}).items())
    css = {"verdict": [verdict.replace(" ", "-") for verdict in targets["verdict"]]}
    return html.section(
        "Validation", html.paragraph(counts), html.definitions(document.get("run", {})),
        html.table(targets, "every published target: the simulated value beside the published one", css=css),
    )


def pattern_section(markdown: str) -> str:
    """The organ pattern of a validation (its ``organ_pattern.md``), as written."""
    return html.section("Organ pattern (organ_pattern.md)", html.preformatted(markdown))

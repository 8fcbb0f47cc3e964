"""A body map: organs where they sit in a human or a mouse, the routes that carry cells from the
entry site (an injection, or the primary) to where they first arrest, as arrows weighted by the
delivery matrix (``analysis.theory.delivery_matrix``), and metastatic burden per organ as colour."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Ellipse, FancyArrowPatch, FancyBboxPatch

from ..analysis.theory import delivery_matrix
from ..model import Scenario
from .runs import Run, is_cohort, scenario_of
from .style import new_figure, run_title, time_unit

Point = tuple[float, float]
#: Organ centres on a human seen from the front (the patient's right on the left of the page).
HUMAN: dict[str, Point] = {
    "brain": (0.0, 2.03), "thyroid": (0.0, 1.8), "lymph_nodes_distant": (0.22, 1.67),
    "lymph_nodes_regional": (-0.33, 1.6), "breast": (0.3, 1.55), "lung": (-0.16, 1.5), "pleura": (-0.34, 1.42),
    "heart": (0.07, 1.42), "pericardium": (0.2, 1.36), "diaphragm": (0.0, 1.27), "liver": (-0.2, 1.17),
    "gallbladder": (-0.1, 1.0), "adrenal": (-0.33, 1.08), "kidney": (-0.3, 0.97), "stomach": (0.17, 1.17),
    "spleen": (0.34, 1.15), "pancreas": (0.1, 1.08), "omentum": (0.22, 0.99), "small_intestine": (0.02, 0.92),
    "large_intestine": (0.26, 0.86), "peritoneum": (-0.17, 0.85), "adipose": (0.38, 0.74), "uterus": (-0.12, 0.74),
    "ovaries": (0.13, 0.74), "bladder": (0.0, 0.68), "vagina": (-0.1, 0.6), "prostate": (0.1, 0.6),
    "testes": (0.0, 0.5), "bone": (-0.2, 0.2), "skeletal_muscle": (0.21, 0.25), "skin": (-0.64, 1.0),
    "other_tissue": (0.64, 1.0),
}
#: Organ centres on a mouse seen from the side, head to the right.
MOUSE: dict[str, Point] = {
    "brain": (1.02, 0.12), "lung": (0.55, 0.08), "heart": (0.47, -0.1), "liver": (0.28, -0.06),
    "stomach": (0.14, 0.12), "spleen": (0.02, 0.2), "pancreas": (0.0, 0.02), "adrenal": (-0.12, 0.3),
    "kidney": (-0.18, 0.18), "small_intestine": (-0.18, -0.12), "large_intestine": (-0.45, -0.06),
    "adipose": (-0.42, 0.22), "skin": (0.05, 0.4), "other_tissue": (-0.68, 0.1), "bone": (-0.5, -0.42),
    "skeletal_muscle": (0.38, -0.42),
}
#: Where cells enter: a named vessel, else the part of the circulation it leads to.
VESSELS: dict[str, dict[str, Point]] = {
    "human": {"antecubital_vein": (-0.62, 1.25), "tail_vein": (0.24, -0.12), "caval": (-0.03, 1.34),
              "portal": (-0.08, 1.1), "mesenteric_vein": (0.1, 0.82), "arterial": (0.12, 1.47), "brain": (0.06, 1.88), "liver": (-0.1, 1.2)},
    "mouse": {"tail_vein": (-1.25, -0.1), "jugular_vein": (0.72, -0.08), "mesenteric_vein": (-0.05, -0.3), "caval": (0.4, -0.02),
              "portal": (0.15, -0.25), "arterial": (0.5, -0.2), "brain": (0.82, 0.04), "liver": (0.3, -0.16)},
}
ORGAN_RADIUS = 0.045
BLOOD, LYMPH = "#c0392b", "#2e8b57"
#: Arrows for the routes that carry at least this share of the cells; how much they bend.
MIN_SHARE, BEND = 1e-3, 0.2


def layout(scenario: Scenario) -> tuple[str, dict[str, Point]]:
    """("mouse" or "human", organ -> centre) for ``scenario``'s anatomy; organs the picture does not
    know stand in a row under it."""
    body = "mouse" if scenario.anatomy.species.lower().startswith("mouse") else "human"
    known = MOUSE if body == "mouse" else HUMAN
    unknown = [organ for organ in scenario.anatomy.organ_names if organ not in known]
    bottom = -0.75 if body == "mouse" else -0.65
    extra = {organ: (-0.9 + 0.3 * (i % 7), bottom - 0.14 * (i // 7)) for i, organ in enumerate(unknown)}
    return body, {organ: known.get(organ, extra.get(organ)) for organ in scenario.anatomy.organ_names}


def routes(run: Run) -> pd.DataFrame:
    """Where the cells that enter the circulation first arrest, by route: ``entry`` (the injected
    vessel, or ``venous:SITE`` and ``lymph:SITE`` of the primary), ``route`` (blood or lymph),
    ``organ``, ``share`` (of the cells entering by all routes: the delivery matrix's row times the
    route's share of the injected or shed cells). A primary's cells are of its main clone, routed
    before it breaches a serosa (``coelomic_fraction`` left out); with its lymph entered through its
    surface, the shares are those at ``lymphatic_surface_cells``."""
    scenario = scenario_of(run)
    if scenario.primary is not None:
        primary = scenario.primary
        clone = max(primary.clone_mix, key=primary.clone_mix.get)
        entries = {f"venous:{primary.site}": ("blood", 1.0 - primary.lymphatic_fraction),
                   f"lymph:{primary.site}": ("lymph", primary.lymphatic_fraction)}
    else:
        injected = pd.Series({(i.clone, i.vessel): float(i.num_cells) for i in scenario.injections})
        clone = injected.groupby(level=0).sum().idxmax()
        entries = {vessel: ("blood", cells / injected.sum()) for (_, vessel), cells in injected.items()}
    delivery = delivery_matrix(scenario.anatomy, scenario.clones[clone], paravertebral=scenario.paravertebral_route)
    rows = [(entry, route, organ, weight * float(delivery.at[entry, organ]))
            for entry, (route, weight) in entries.items() if weight > 0 for organ in scenario.anatomy.organ_names]
    return pd.DataFrame(rows, columns=["entry", "route", "organ", "share"])


def burden(run: Run) -> tuple[pd.Series, str]:
    """(value per organ, what it is): for one run, tumour cells alive at the last observation
    (``burden``); for a cohort, the share of patients with a macrometastasis there at the end of
    follow-up (``organ_pattern``; without an observation plan, from the lesions switched by the last
    observation)."""
    if not is_cohort(run):
        last = run.burden["time"].max()
        cells = run.burden[run.burden["time"] == last].groupby("organ", observed=True)["cells"].sum()
        divisor, unit = time_unit(run.observation_times)
        return cells.astype(float), f"tumour cells alive at {last / divisor:.3g} {unit} (log scale)"
    pattern = run.organ_pattern()
    if not pattern.empty:
        return pattern["involved"], "share of patients with a macrometastasis (end of follow-up)"
    switched = run.query("""select organ, count(distinct patient) as patients from lesions
                            where switch_time is not null group by organ""")
    share = switched.set_index("organ")["patients"] / run.num_patients
    return share.astype(float), "share of patients with a macrometastasis (last observation)"


def body_map(run: Run, *, min_share: float = MIN_SHARE) -> Figure:
    """Organs on a human or mouse outline coloured by ``burden``, and arrows from the entry site to
    each organ where at least ``min_share`` of the entering cells first arrest (``routes``: width ∝
    share; red: blood, green dashed: lymph)."""
    scenario = scenario_of(run)
    body, centres = layout(scenario)
    values, meaning = burden(run)
    values = values.reindex(scenario.anatomy.organ_names).fillna(0.0)
    figure = new_figure(8.0, 8.0) if body == "human" else new_figure(11.0, 5.0)
    axes = figure.add_subplot()
    _outline(axes, body)
    cells = not is_cohort(run)
    norm = LogNorm(1.0, max(values.max(), 10.0)) if cells else Normalize(0.0, 1.0)
    colours = colormaps["YlOrRd"]
    for organ, (x, y) in centres.items():
        value = values[organ]
        face = colours(norm(value)) if value > 0 else "white"
        axes.add_patch(Circle((x, y), ORGAN_RADIUS, facecolor=face, edgecolor="#555555", lw=0.6, zorder=4,
                              gid=f"organ:{organ}"))
        left = x < -0.12 if body == "human" else False
        axes.text(x + (-1 if left else 1) * (ORGAN_RADIUS + 0.01), y, organ.replace("_", " "), fontsize=6.5,
                  ha="right" if left else "left", va="center", zorder=5)
    flows = routes(run)
    starts = {entry: _entry_point(scenario, body, centres, entry) for entry in flows["entry"].unique()}
    for row in flows[flows["share"] >= min_share].itertuples():
        _arrow(axes, starts[row.entry], centres[row.organ], row)
    for (x, y), entry in {point: entry for entry, point in starts.items()}.items():
        axes.plot([x], [y], marker="*", markersize=11, color="black", zorder=6)
        axes.text(x, y - 0.06, "primary" if scenario.primary else entry.replace("_", " "), fontsize=7,
                  fontweight="bold", ha="center", va="top", zorder=6)
    scale = figure.colorbar(ScalarMappable(norm=norm, cmap=colours), ax=axes, shrink=0.5, pad=0.02)
    scale.set_label(f"{meaning}\nwhite: none")
    styles = {"blood": {"color": BLOOD}, "lymph": {"color": LYMPH, "ls": "--"}}
    axes.legend(handles=[
        Line2D([], [], lw=2, label=f"{route}: share of the cells first arresting there (width)", **styles[route])
        for route in styles if route in set(flows["route"])
    ], loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=7, frameon=False)
    axes.set_aspect("equal")
    axes.autoscale_view()
    axes.set_axis_off()
    where = f"primary in the {scenario.primary.site}" if scenario.primary else "injected: " + ", ".join(
        sorted({i.vessel for i in scenario.injections}))
    axes.set_title(f"Where cells go and where tumours grow: {run_title(run)}\n{where}; anatomy "
                   f"{scenario.anatomy.name}", fontsize=10)
    return figure


def _entry_point(scenario: Scenario, body: str, centres: dict[str, Point], entry: str) -> Point:
    """Where the cells of ``entry`` (of ``routes``) start on the picture: the primary's site, the
    injected vessel, or the part of the circulation the vessel leads to."""
    if scenario.primary is not None:
        return centres[scenario.primary.site]
    vessels = VESSELS[body]
    return vessels.get(entry, vessels.get(scenario.anatomy.entry_vessels.get(entry, ""), vessels["caval"]))


def _arrow(axes: Axes, start: Point, end: Point, row) -> None:
    """An arrow from ``start`` to the edge of the organ at ``end``, width ∝ ``row.share``."""
    blood = row.route == "blood"
    arrow = FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={BEND}", arrowstyle="-|>", mutation_scale=9,
                            shrinkB=8, lw=0.4 + 6.0 * row.share, color=BLOOD if blood else LYMPH,
                            ls="-" if blood else "--", alpha=0.75, zorder=3, gid=f"route:{row.route}:{row.organ}")
    axes.add_patch(arrow)
    if row.share >= 0.01:
        (x0, y0), (x1, y1) = start, end
        bend = np.array([(x0 + x1) / 2 + BEND * (y1 - y0), (y0 + y1) / 2 - BEND * (x1 - x0)])  # arc3's control point
        t = 0.75  # on the arrow, near the organ it reaches
        x, y = (1 - t) ** 2 * np.asarray(start) + 2 * (1 - t) * t * bend + t**2 * np.asarray(end)
        axes.text(x, y, f"{row.share:.0%}", fontsize=6.5, color=arrow.get_edgecolor(), ha="center", va="center",
                  zorder=5, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _outline(axes: Axes, body: str) -> None:
    """A pale silhouette: head, trunk and limbs of a human, or a mouse's body, head and tail."""
    skin = {"facecolor": "#f1ebe4", "edgecolor": "#c9bcb0", "lw": 1.0, "zorder": 1}
    if body == "mouse":
        axes.add_patch(Ellipse((-0.05, 0.0), 1.6, 0.95, **skin))
        axes.add_patch(Ellipse((0.95, 0.08), 0.5, 0.4, **skin))
        axes.add_line(Line2D([-0.85, -1.1, -1.4], [-0.05, -0.15, -0.05], color="#c9bcb0", lw=3, zorder=0))
        for x in (-0.5, 0.38):
            axes.add_line(Line2D([x, x], [-0.3, -0.55], color="#c9bcb0", lw=8, solid_capstyle="round", zorder=0))
        return
    axes.add_patch(Circle((0.0, 2.02), 0.17, **skin))
    axes.add_patch(FancyBboxPatch((-0.44, 0.55), 0.88, 1.15, boxstyle="round,pad=0,rounding_size=0.12", **skin))
    limbs = [([-0.4, -0.66, -0.7], [1.62, 1.15, 0.7]), ([0.4, 0.66, 0.7], [1.62, 1.15, 0.7]),
             ([-0.2, -0.22, -0.24], [0.6, 0.1, -0.15]), ([0.2, 0.22, 0.24], [0.6, 0.1, -0.15])]
    for xs, ys in limbs:
        axes.add_line(Line2D(xs, ys, color="#f1ebe4", lw=22, solid_capstyle="round", zorder=0))

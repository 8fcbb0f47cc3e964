"""The body map: organs where they sit, arrows weighted by the delivery matrix, colour by burden."""

import numpy as np
import pytest
from figure_reading import artists, texts
from matplotlib.colors import to_rgb

from metacascade.analysis.theory import delivery_matrix
from metacascade.catalog import load_anatomy
from metacascade.viz.body_map import HUMAN, MIN_SHARE, MOUSE, body_map, burden, routes
from metacascade.viz.runs import scenario_of


def _lightness(colour) -> float:
    return float(np.dot(to_rgb(colour), [0.299, 0.587, 0.114]))


@pytest.mark.parametrize(("anatomy", "layout"), [("human_adult", HUMAN), ("mouse", MOUSE)])
def test_every_catalogue_organ_has_its_place_on_the_picture(anatomy, layout):
    assert set(load_anatomy(anatomy).organ_names) == set(layout)
    assert len(set(layout.values())) == len(layout)


def test_an_assays_arrows_are_the_delivery_matrix_row_of_its_injected_vessel(assay):
    scenario = scenario_of(assay)
    (injection,) = scenario.injections
    row = delivery_matrix(scenario.anatomy, scenario.clones[injection.clone]).loc[injection.vessel]
    table = routes(assay).set_index("organ")
    assert set(table["entry"]) == {injection.vessel} and set(table["route"]) == {"blood"}
    np.testing.assert_allclose(table["share"], row[table.index])


def test_a_primarys_arrows_split_its_shed_cells_between_blood_and_lymph(cohort):
    scenario = scenario_of(cohort)
    primary = scenario.primary
    clone = max(primary.clone_mix, key=primary.clone_mix.get)
    delivery = delivery_matrix(scenario.anatomy, scenario.clones[clone], paravertebral=scenario.paravertebral_route)
    table = routes(cohort).pivot(index="organ", columns="route", values="share")
    lymph = primary.lymphatic_fraction
    assert 0 < lymph < 1
    np.testing.assert_allclose(table["blood"], (1 - lymph) * delivery.loc[f"venous:{primary.site}", table.index])
    np.testing.assert_allclose(table["lymph"], lymph * delivery.loc[f"lymph:{primary.site}", table.index])


def test_arrows_are_drawn_where_cells_go_with_width_growing_with_their_share(cohort):
    figure = body_map(cohort)
    arrows = artists(figure, "route:")
    table = routes(cohort)
    drawn = table[table["share"] >= MIN_SHARE]
    assert set(arrows) == {f"route:{row.route}:{row.organ}" for row in drawn.itertuples()}
    widths = [arrows[f"route:{row.route}:{row.organ}"].get_linewidth() for row in drawn.sort_values("share").itertuples()]
    assert widths == sorted(widths) and widths[-1] > 3 * widths[0]


@pytest.mark.parametrize("name", ["assay", "cohort"])
def test_organs_darken_with_their_burden_and_stay_white_without(name, request):
    run = request.getfixturevalue(name)
    figure = body_map(run)
    values, meaning = burden(run)
    circles = artists(figure, "organ:")
    assert set(circles) == {f"organ:{organ}" for organ in scenario_of(run).anatomy.organ_names}
    lightness = {gid.split(":", 1)[1]: _lightness(circle.get_facecolor()) for gid, circle in circles.items()}
    burdened = values[values > 0].sort_values()
    assert len(burdened) >= 2  # the assay: its liver and whatever passed it (the lung at least)
    shades = [lightness[organ] for organ in burdened.index]
    assert shades == sorted(shades, reverse=True) and shades[0] > shades[-1]
    assert all(lightness[organ] == pytest.approx(1.0) for organ in lightness if organ not in burdened.index)
    assert meaning in texts(figure)


def test_a_runs_burden_is_its_cells_per_organ_at_the_last_observation_and_a_cohorts_its_organ_pattern(assay, cohort):
    cells, meaning = burden(assay)
    last = assay.burden[assay.burden["time"] == assay.burden["time"].max()]
    assert cells.to_dict() == pytest.approx(last.groupby("organ", observed=True)["cells"].sum().to_dict())
    assert "13 days" in meaning and "cells" in meaning
    shares, meaning = burden(cohort)
    assert shares.to_dict() == cohort.organ_pattern()["involved"].to_dict()
    assert "share of patients" in meaning


def test_the_map_names_the_entry_the_anatomy_and_the_routes(assay, cohort):
    words = texts(body_map(assay))
    assert "mesenteric vein" in words and "anatomy mouse" in words and "blood: share of the cells" in words
    words = texts(body_map(cohort))
    assert "primary in the breast" in words and "lymph: share" in words and "lymph nodes regional" in words

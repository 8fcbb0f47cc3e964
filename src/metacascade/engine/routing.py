"""Whole-body routing as an absorbing Markov chain over capillary beds and lymph stations (MODEL.md §1).

Transient states are the blood beds (one per organ) and the lymph stations (lymph-node organs
reached through lymph). A cell travels one segment (surviving with probability s) to a state:
- at blood bed b it arrests with probability r_b, or passes into the bed that b's venous blood
  drains to (caval -> lung, portal -> liver, lung -> arteries by cardiac output; with the
  paravertebral route on, a share of pelvic outflow goes to bone);
- at lymph station n it arrests with probability q_n, or passes on to the next station, and
  from the last one through the thoracic duct into caval blood (-> lung);
- in the fluid of a body cavity k (entered directly, no segment: the transcoelomic route) it
  implants on surface o with probability m_ko, or dies there; it goes nowhere else.
A clone's cells are of two kinds: stiff ones arrest at a bed by size (r_b above), deformable ones
(a share of them) squeeze through and arrest with one small probability at any bed, so they
circulate for hours; each kind is its own chain, and what a cell of the clone does is their mixture.
States are ordered blood beds [O], lymph stations [O], cavity fluids [K]. With transfer matrix T
and first arrivals a, the expected visits are h = a (I - T)^-1 (one linear solve);
P(arrest in organ o) = h_blood[o] r_o + h_lymph[o] q_o + sum_k h_cavity[k] m_ko, and the rest die
in transit (or in a cavity's fluid).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

DIED_IN_TRANSIT = "died_in_transit"


@dataclass(frozen=True)
class Routing:
    """The circulation as arrays: where cells go, where they stop, and survival per segment.

    Blood beds and lymph stations are indexed by organ; a lymph station is a lymph-node organ
    reached through lymph, with its own arrest probability. The fluid of a body cavity is a third
    kind of place (the transcoelomic route): a cell there implants on one of its surfaces or dies.
    """

    organ_names: tuple[str, ...]
    vessel_names: tuple[str, ...]
    entry_bed: np.ndarray  # [V, O] distribution of the first bed reached from each vessel
    drain: np.ndarray  # [O, O] next bed after passing a bed (venous drainage, Batson route included)
    arrest: np.ndarray  # [C, O] probability of arrest at each visit to a bed (a stiff cell)
    deformable_fraction: np.ndarray  # [C] share of cells that are deformable
    deformable_arrest: np.ndarray  # [C] probability that a deformable cell arrests at a visit to any bed
    lymph_drain: np.ndarray  # [O, O] lymph station reached by each organ's (or node's) lymph; zero row: thoracic duct
    lymph_arrest: np.ndarray  # [O] probability of arrest at a lymph station
    segment_survival: np.ndarray  # [C] survival of one segment (blood or lymph)
    segment_time: float  # days per segment
    cavity_names: tuple[str, ...]
    implant: np.ndarray  # [K, O] P(a cell in each cavity's fluid implants on each surface); the rest die there


def without(routing: Routing, absent: np.ndarray) -> Routing:
    """The circulation of a body without the organs ``absent`` [O] (bool; an organ of the other sex):
    no vessel, drainage, lymph or cavity fluid leads to them, and what led there goes to the other
    places of the same row in proportion (each row keeps its sum: the arterial tree's share of
    cardiac output, a cavity's implantation probability)."""

    def redirected(rows: np.ndarray) -> np.ndarray:
        kept = np.where(absent, 0.0, rows)
        total, left = rows.sum(axis=-1, keepdims=True), kept.sum(axis=-1, keepdims=True)
        return kept * np.divide(total, left, out=np.zeros_like(total), where=left > 0)

    return replace(routing, entry_bed=redirected(routing.entry_bed), drain=redirected(routing.drain),
                   lymph_drain=redirected(routing.lymph_drain), implant=redirected(routing.implant))


def _thoracic_duct(routing: Routing) -> np.ndarray:
    """[O, O] caval destination (the lung bed) of lymph that leaves each station with no next node."""
    lung = np.zeros(len(routing.organ_names))
    lung[routing.organ_names.index("lung")] = 1.0
    return (1.0 - routing.lymph_drain.sum(axis=1))[:, None] * lung


def arrest_of(routing: Routing, clone: int, deformable: bool) -> np.ndarray:
    """[O] probability that a stiff (by size) or a deformable cell of the clone arrests at a visit to
    each bed."""
    return np.full(len(routing.organ_names), routing.deformable_arrest[clone]) if deformable else routing.arrest[clone]


def kinds(routing: Routing, clone: int) -> list[tuple[float, np.ndarray]]:
    """(share, ``arrest_of``) of the clone's stiff and deformable cells, leaving out a kind with no share."""
    share = float(routing.deformable_fraction[clone])
    return [(w, arrest_of(routing, clone, kind)) for w, kind in ((1.0 - share, False), (share, True)) if w > 0]


def _transfer(routing: Routing, clone: int, arrest: np.ndarray) -> np.ndarray:
    """[2O + K, 2O + K] transfer between blood beds, lymph stations and cavity fluids (which
    transfer nowhere) of a cell that arrests at a bed with ``arrest`` [O]."""
    s = routing.segment_survival[clone]
    passing_blood = (1.0 - arrest)[:, None]
    passing_lymph = (1.0 - routing.lymph_arrest)[:, None]
    zeros = np.zeros_like(routing.drain)
    vessels = s * np.block([
        [passing_blood * routing.drain, zeros],
        [passing_lymph * _thoracic_duct(routing), passing_lymph * routing.lymph_drain],
    ])
    return np.pad(vessels, (0, len(routing.cavity_names)))


def entries(routing: Routing) -> tuple[tuple[str, ...], np.ndarray]:
    """Named entry points and [E, 2O + K] first-state distributions: the entry vessels, then
    ``venous:<organ>`` (into an organ's venous outflow), ``lymph:<organ>`` (into its lymph) and
    ``cavity:<name>`` (into a body cavity's fluid)."""
    organs, cavities = routing.organ_names, routing.cavity_names
    num_vessels, num_organs = len(routing.vessel_names), len(organs)
    first = np.zeros((num_vessels + 2 * num_organs + len(cavities), 2 * num_organs + len(cavities)))
    venous, lymph, cavity = num_vessels, num_vessels + num_organs, num_vessels + 2 * num_organs
    first[:venous, :num_organs] = routing.entry_bed
    first[venous:lymph, :num_organs] = routing.drain
    first[lymph:cavity, :num_organs] = _thoracic_duct(routing)
    first[lymph:cavity, num_organs:2 * num_organs] = routing.lymph_drain
    first[cavity:, 2 * num_organs:] = np.eye(len(cavities))
    names = (
        *routing.vessel_names, *(f"venous:{o}" for o in organs), *(f"lymph:{o}" for o in organs),
        *(f"cavity:{c}" for c in cavities),
    )
    return names, first


def expected_visits(routing: Routing, clone: int, first: np.ndarray, arrest: np.ndarray) -> np.ndarray:
    """[E, 2O + K] expected arrivals at each blood bed, lymph station and cavity fluid from
    first-state rows ``first`` of a cell that arrests at a bed with ``arrest`` [O] (reaching a bed or
    station takes a segment; a cavity's fluid not)."""
    transfer = _transfer(routing, clone, arrest)
    survival = np.ones(transfer.shape[0])
    survival[: 2 * len(routing.organ_names)] = routing.segment_survival[clone]
    return np.linalg.solve((np.eye(transfer.shape[0]) - transfer).T, (first * survival).T).T


def delivery_from(routing: Routing, clone: int, first: np.ndarray) -> np.ndarray:
    """[E, O + 1] P(arrest in each organ) and, last, P(death in transit), from first-state rows."""
    organs = len(routing.organ_names)
    arrested = 0.0
    for share, arrest in kinds(routing, clone):
        visits = expected_visits(routing, clone, first, arrest)
        arrested = arrested + share * (
            visits[:, :organs] * arrest
            + visits[:, organs:2 * organs] * routing.lymph_arrest
            + visits[:, 2 * organs:] @ routing.implant
        )
    died = np.clip(1.0 - arrested.sum(axis=1, keepdims=True), 0.0, 1.0)
    return np.hstack([arrested, died])


def delivery_matrix(routing: Routing, clone: int) -> np.ndarray:
    """[V, O + 1] delivery from each entry vessel; rows sum to 1."""
    return delivery_from(routing, clone, entries(routing)[1][: len(routing.vessel_names)])


def mean_residence_time(routing: Routing, clone: int, first: np.ndarray) -> np.ndarray:
    """[E] expected time in blood and lymph before arrest or death, days (counting whole segments;
    time in a cavity's fluid is not counted)."""
    organs = len(routing.organ_names)
    days = 0.0
    for share, arrest in kinds(routing, clone):
        visits = expected_visits(routing, clone, first, arrest)[:, : 2 * organs]
        passing = np.r_[1.0 - arrest, 1.0 - routing.lymph_arrest]
        days = days + share * (first[:, : 2 * organs].sum(axis=1) + (visits * passing).sum(axis=1))
    return days * routing.segment_time


def circulating_time(routing: Routing, clone: int, first: np.ndarray) -> np.ndarray:
    """[E] expected time a cell from ``first`` spends in the venous blood after it has passed a
    capillary bed of the body (any bed but the lung's), days: what a peripheral blood draw samples.
    Not the segment from the tumour that shed it to its first bed (a draw is not taken from the
    tumour's vein), nor arterial blood, nor lymph."""
    organs = len(routing.organ_names)
    body = np.arange(organs) != routing.organ_names.index("lung")
    days = 0.0
    for share, arrest in kinds(routing, clone):
        visits = expected_visits(routing, clone, first, arrest)[:, :organs]
        days = days + share * (visits * (1.0 - arrest))[:, body].sum(axis=1)
    return days * routing.segment_time


def deformable_half_life(routing: Routing, clone: int) -> float:
    """Half-life in the blood of a clone's deformable cells, days: at every segment one survives with
    s and passes its bed with 1 - p, so once shedding stops (the primary removed) their number halves
    in ln 2 / -ln(s (1 - p)) segments (lymph aside: it carries few)."""
    keep = routing.segment_survival[clone] * (1.0 - routing.deformable_arrest[clone])
    return float(np.log(2.0) * routing.segment_time / -np.log(keep))

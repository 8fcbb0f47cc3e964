"""Expected counts of a patient scenario, computed from the engine's own pieces without simulating.

- cells shed: ``engine.shedding.expected_shed`` (exact Poisson mean) per time step;
- where a shed cell arrests: ``engine.routing.delivery_from`` on the site's venous outflow and
  lymph, mixed by the lymphatic fraction (as the engine does);
- an arrested founder's colony outgrowing ``GROWN`` (16) cells within a lag u:
  ``expm(Q u)[V, escaped]`` of the engine's pooled chain (``engine.pool``) handing off at 17 cells;
  ``escape_probability`` is its limit u -> inf (absorption probabilities of the chain); the same
  with the engine's own handoff size (``pool.handoff_sizes``) counts the colonies it tracks;
- a colony of 17 cells reaching the avascular bound M: the hitting probability of M before 0 of the
  linear birth–death process with whole-colony clearance (a tridiagonal solve over 1..M); the
  time to get there is taken as the deterministic ln(M / 17) / (b - d);
- a colony at the bound switching (a macrometastasis): switch / (switch + regression), within u
  days with probability that times 1 - exp(-(switch + regression) u).

Expectations at time T add up, over shedding times s, shed(s) x arrest x P(escape within T - s) and
so on: a convolution on a grid of ``STEPS`` steps. Approximate where said (deterministic growth time
from 17 cells to the bound); exact otherwise, up to the grid.

Run ``.venv/bin/python tests/catalog/patient_expectations.py`` for the table of the catalogue's
patient scenarios (their median patient over the 10-year horizon, and a patient at the 90th
percentile of growth rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from statistics import NormalDist

import numpy as np
from scipy.linalg import expm, solve_banded

from metacascade.catalog import SCENARIO_DIR, load_scenario
from metacascade.engine import pool
from metacascade.engine.lower import Lowered, lower
from metacascade.engine.routing import delivery_from, entries
from metacascade.engine.shedding import expected_shed
from metacascade.model import Scenario

#: A colony is "grown" once it has more than this many cells (the old pool's handoff).
GROWN = 16
#: Time steps of the convolution grid over the horizon.
STEPS = 365


def shed_rows(lowered: Lowered) -> np.ndarray:
    """[C, O] probability that a cell shed by the primary arrests in each organ."""
    primary = lowered.primary
    names, first = entries(lowered.routing)
    site = lowered.organ_names[primary.site]
    mix = (1.0 - primary.lymphatic_fraction) * first[names.index(f"venous:{site}")] + (
        primary.lymphatic_fraction * first[names.index(f"lymph:{site}")]
    )
    return np.array([delivery_from(lowered.routing, c, mix[None])[0, :-1] for c in range(len(lowered.clone_names))])


def _chain(rates: dict[str, float], handoff: int) -> tuple[np.ndarray, pool.Layout]:
    """The engine's pooled chain for one clone x organ, handing off at ``handoff`` cells."""
    chain = pool.layout(handoff - 1)
    arrays = {name: np.array(value) for name, value in rates.items()}
    return pool.generators(arrays, chain, np.array(handoff)), chain


def escape_probability(rates: dict[str, float]) -> float:
    """P(an arrested founder's colony ever outgrows ``GROWN`` cells), directly or after dormancy."""
    q, chain = _chain(rates, GROWN + 1)
    transient = chain.num_transient
    absorbed = np.linalg.solve(-q[:transient, :transient], q[:transient, transient:])
    return float(absorbed[pool.V, [s - transient for s in chain.escaped]].sum())


def escape_curve(rates: dict[str, float], lags: np.ndarray, handoff: int = GROWN + 1) -> np.ndarray:
    """[G] P(an arrested founder's colony has reached ``handoff`` cells within each lag), days;
    ``lags`` is a uniform grid from 0."""
    q, chain = _chain(rates, handoff)
    step = expm(q * (lags[1] - lags[0]))
    row = np.eye(chain.num_states)[pool.V]
    curve = np.empty(lags.size)
    for g in range(lags.size):
        curve[g] = row[list(chain.escaped)].sum()
        row = row @ step
    return np.maximum.accumulate(np.clip(curve, 0.0, 1.0))


@lru_cache(maxsize=None)
def bound_probability(birth: float, death: float, clearance: float, start: int, bound: float) -> float:
    """P(a colony of ``start`` cells reaches ``bound`` before extinction or clearance).

    h(0) = 0, h(M) = 1 and ((b + d) n + c) h(n) = b n h(n + 1) + d n h(n - 1) for 0 < n < M: a
    diagonally dominant tridiagonal system, solved exactly."""
    top = int(math.ceil(bound))
    if start >= top:
        return 1.0
    n = np.arange(1, top, dtype=float)
    bands = np.zeros((3, n.size))
    bands[0, 1:] = -birth * n[:-1]
    bands[1] = (birth + death) * n + clearance
    bands[2, :-1] = -death * n[1:]
    right = np.zeros(n.size)
    right[-1] = birth * n[-1]
    return float(solve_banded((1, 1), bands, right)[start - 1])


def growth_time(birth: float, death: float, start: float, bound: float) -> float:
    """Deterministic time (days) from ``start`` cells to ``bound`` at net rate b - d (inf if b <= d)."""
    return math.log(bound / start) / (birth - death) if birth > death else math.inf


@dataclass(frozen=True)
class Fate:
    """What becomes of a founder arrested in one clone x organ (the rates of ``lowered.rates``)."""

    rates: dict[str, float]

    @cached_property
    def reach(self) -> float:
        """P(a colony of GROWN + 1 cells reaches the avascular bound)."""
        r = self.rates
        return bound_probability(r["birth_rate"], r["death_rate"], r["clearance_rate"], GROWN + 1, r["avascular_bound_cells"])

    @cached_property
    def delay(self) -> float:
        """Days from GROWN + 1 cells to the bound (deterministic growth; approximate)."""
        return growth_time(self.rates["birth_rate"], self.rates["death_rate"], GROWN + 1, self.rates["avascular_bound_cells"])

    def switched(self, waited: np.ndarray) -> np.ndarray:
        """P(a colony at the bound has switched within ``waited`` days (before regressing))."""
        total = self.rates["switch_rate"] + self.rates["regression_rate"]
        return self.rates["switch_rate"] / total * -np.expm1(-total * np.asarray(waited))

    @cached_property
    def macro_probability(self) -> float:
        """P(an arrested founder ever founds a macrometastasis)."""
        return escape_probability(self.rates) * self.reach * float(self.switched(np.inf))


def fates(lowered: Lowered) -> dict[tuple[int, int], Fate]:
    """(clone, organ) -> its Fate, one object per distinct rate set."""
    by_rates: dict[tuple, Fate] = {}
    out = {}
    for clone, organ in np.ndindex(lowered.rates["birth_rate"].shape):
        rates = {name: float(values[clone, organ]) for name, values in lowered.rates.items()}
        out[clone, organ] = by_rates.setdefault(tuple(rates.values()), Fate(rates))
    return out


def macro_per_shed_cell(lowered: Lowered) -> float:
    """P(a cell shed by the primary ever founds a macrometastasis), over clones and organs."""
    rows = shed_rows(lowered) * lowered.primary.clone_share[:, None]
    return float(sum(rows[key] * fate.macro_probability for key, fate in fates(lowered).items() if rows[key]))


@dataclass(frozen=True)
class Expectations:
    """Expected counts for one patient by the horizon, per clone x organ where an array."""

    organs: tuple[str, ...]
    shed: float  # cells shed by the horizon
    macro_per_shed_cell: float  # P(a shed cell ever founds a macrometastasis)
    grown: np.ndarray  # [C, O] founders whose colony outgrew GROWN cells by the horizon
    tracked: np.ndarray | None  # [C, O] colonies the engine tracks one by one (reached its handoff size)
    at_bound: np.ndarray  # [C, O] colonies that reached the avascular bound by the horizon (approx.)
    macro: np.ndarray  # [C, O] macrometastases by the horizon (approx.)


def expectations(lowered: Lowered, horizon: float, *, steps: int = STEPS, with_tracked: bool = False) -> Expectations:
    """Expected counts of the patient ``lowered`` (its primary as lowered) by ``horizon`` days, on a
    grid of ``steps``; ``with_tracked`` adds the colonies the engine tracks (slower: larger chains)."""
    primary = lowered.primary
    law, n0, rate, capacity, exponent = primary.growth
    edges = np.linspace(0.0, horizon, steps + 1)
    shed = expected_shed(
        law, n0, edges[:-1], edges[1:], rate, capacity, exponent,
        shedding_rate_per_g_day=primary.shedding_rate_per_g_day, cells_per_g=primary.cells_per_g,
        vascularisation_cells=primary.vascularisation_cells,
    )  # [steps] cells shed in each step
    mid = 0.5 * (edges[:-1] + edges[1:])
    rows = shed_rows(lowered) * primary.clone_share[:, None]  # [C, O] per shed cell
    grown, tracked, at_bound, macro = (np.zeros(rows.shape) for _ in range(4))
    handoffs = pool.handoff_sizes(lowered.rates, lowered.deterministic_threshold)
    curves: dict[tuple[int, int], np.ndarray] = {}  # (id of a Fate, handoff) -> escape curve on edges
    for (clone, organ), fate in fates(lowered).items():
        if not rows[clone, organ]:
            continue
        if (id(fate), GROWN + 1) not in curves:
            curves[id(fate), GROWN + 1] = escape_curve(fate.rates, edges)
        curve = curves[id(fate), GROWN + 1]
        arrived = shed * rows[clone, organ]  # [steps] arrests by shedding step

        def escaped_by(times: np.ndarray, curve: np.ndarray = curve) -> np.ndarray:
            return np.interp(times[:, None] - mid, edges, curve, left=0.0) @ arrived

        grown[clone, organ] = escaped_by(edges[-1:])[0]
        if with_tracked:
            key = id(fate), int(handoffs[clone, organ])
            if key not in curves:
                curves[key] = escape_curve(fate.rates, edges, key[1])
            tracked[clone, organ] = escaped_by(edges[-1:], curves[key])[0]
        if fate.delay < horizon:
            # colonies that outgrew GROWN cells in each step reach the bound fate.delay later
            times = edges[edges <= horizon - fate.delay]
            new = np.diff(escaped_by(times))
            at_bound[clone, organ] = fate.reach * new.sum()
            waited = horizon - fate.delay - 0.5 * (times[1:] + times[:-1])
            macro[clone, organ] = fate.reach * new @ fate.switched(waited)
    return Expectations(
        organs=lowered.organ_names, shed=float(shed.sum()), macro_per_shed_cell=macro_per_shed_cell(lowered),
        grown=grown, tracked=tracked if with_tracked else None, at_bound=at_bound, macro=macro,
    )


def scenario_expectations(
    scenario: Scenario, growth_quantile: float = 0.5, horizon: float | None = None, **options
) -> Expectations:
    """Expectations of ``scenario``'s patient whose growth rate is at ``growth_quantile`` of its
    variation (0.5: the median patient, the scenario as written), by ``horizon`` days (default:
    the last observation); ``options`` go to ``expectations``."""
    lowered = lower(scenario)
    z = NormalDist().inv_cdf(growth_quantile)
    primary = replace(lowered.primary, rate=lowered.primary.rate * math.exp(lowered.primary.variation.growth_rate_sigma * z))
    horizon = float(lowered.observation_times[-1]) if horizon is None else horizon
    return expectations(replace(lowered, primary=primary), horizon, **options)


def patient_scenarios() -> list[str]:
    """The catalogue's hand-written patient scenarios (the files with a primary; not their variants nor
    the patients generated for the other diSibio primaries)."""
    return [path.stem for path in sorted(SCENARIO_DIR.glob("*.yaml")) if load_scenario(path.stem).primary is not None]


def _table() -> str:
    """The expectations of every patient scenario, as a Markdown table."""
    lines = [
        "| scenario | patient | cells shed | P(macro) per shed cell | colonies > 16 cells | tracked colonies "
        "| at the bound | macrometastases (year 5) | macrometastases | top organs (macrometastases) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in patient_scenarios():
        scenario = load_scenario(name)
        for label, quantile in (("median", 0.5), ("growth p90", 0.9)):
            e = scenario_expectations(scenario, quantile, with_tracked=True)
            early = scenario_expectations(scenario, quantile, horizon=5 * 365.25).macro.sum()
            by_organ = e.macro.sum(axis=0)
            top = ", ".join(f"{e.organs[o]} {by_organ[o]:.2g}" for o in np.argsort(by_organ)[::-1][:3] if by_organ[o] > 0)
            lines.append(
                f"| {name} | {label} | {e.shed:.2g} | {e.macro_per_shed_cell:.2g} | {e.grown.sum():.3g} | "
                f"{e.tracked.sum():.3g} | {e.at_bound.sum():.3g} | {early:.3g} | {e.macro.sum():.3g} | {top} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(_table())

"""Seed and soil apart: one colonisation soil per diSibio 2008 site, shared by every primary, and
each primary's own seed, fitted jointly on the simulated autopsies of several patient scenarios
(level (b) of ``analysis.organotropism``, in the simulator itself).

A primary p's division and reactivation rates in site o are

    base x 10^(soil[o] + colonisation[p])   (per day; base: the record's ``base_rate_per_day``)

times the clone's own pairing with the site (a bone-tropic clone's ratio to the first clone, as its
scenario file writes it), and its ``lymphatic_fraction`` is the seed's. The fit is the organ-soil
fixed point (``calibration.soil``) with every step projected onto that form: each iteration
simulates a cohort of every member, takes each site's damped log hazard ratio as a target for
colonisation[p] + soil[o], and solves the weighted least squares for both (weights: the inverse
binomial variance of the log hazard of the published share, so a primary counts by its autopsies
and a site by its information). What the regional and distant nodes still miss after the projection
is the primary's lymphatic share (their hazard grows with it, the node soil being shared), which
takes that residual. Levels are applied on the quarter-decade grid of ``soil.quantised``, as the
record (``catalog.seed_soil``) writes them.

Leave-one-primary-out: the soil of the last step projected without a primary, that primary's
colonisation level fitted on its own targets, and one fresh cohort of it: how well a shared soil
fitted on the others predicts its pattern.

Then each member's seed–soil pairing: the organ-soil fixed point started from the joint state, its
multipliers what one soil and one seed leave (MODEL.md §3: compatibility, a clone x organ modifier
of the soil); and each primary the catalogue generates a scenario for (``catalog.primaries``) gets
its own seed on its own row, the soil held. The record (``catalog.seed_soil``) holds all of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

from .._version import __version__
from ..catalog import load_scenario, scenario_from_data
from ..catalog.primaries import generated_scenario, read_primaries
from ..catalog.seed_soil import Seed, SeedSoil
from ..model import Scenario, ScenarioError
from ..model.paths import with_values
from ..analysis.autopsy import explained_share, published_row
from . import soil
from .soil import STEPS_PER_DECADE, cohort_shares, hazard
from .spec import FixedPoint, JointSpec, SoilSpec

#: The comment that opens the record file.
RECORD_HEADER = """\
# The joint seed-soil fit of the catalogue's patient scenarios (calibration.seed_soil, issue 12 item 3):
# one soil per diSibio 2008 site, shared by every primary; per primary its seed (colonisation level,
# lymphatic share) and, for the ten hand-written scenarios, its seed-soil pairing with each site on top.
# A primary's division and reactivation rates in site o are
#   base_rate_per_day x 10^(soil[o] + seed[primary].colonisation_log10 + seed[primary].pairing_log10[o])
# per day. Written by `metacascade calibrate-joint` (the calibration block says how); its explained shares
# are those of the last cohorts: joint (one soil, a seed each), leave-one-primary-out, and with the pairing.
# To replay the fit, save its calibration.start as START.yaml and run the command it records.
"""
#: The sites whose shortfall after the projection is the primary's lymphatic share.
NODE_SITES = ("lymph_nodes_regional", "lymph_nodes_distant")
#: Bounds of a fitted lymphatic share.
LYMPHATIC_BOUNDS = (0.02, 0.9)


def grid(level: float) -> float:
    """``level`` (log10) on the quarter-decade grid of ``soil.quantised`` (-0.0 as 0.0)."""
    return float(np.round(level * STEPS_PER_DECADE) / STEPS_PER_DECADE) + 0.0


@dataclass(frozen=True)
class State:
    """The fit's state, unrounded: log10 soil per site, log10 colonisation level and lymphatic share
    per diSibio primary, and [primary x site] log10 pairing (quarter decades). ``record`` rounds it
    into the catalogue's record, which is what a scenario applies."""

    soil: pd.Series
    colonisation: pd.Series
    lymphatic: pd.Series
    base_rate_per_day: float = 1e-8
    rates: tuple[str, ...] = ("division_rate", "reactivation_rate")
    pairing: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def of(cls, record: SeedSoil) -> State:
        seed = record.seed
        return cls(pd.Series(record.soil, dtype=float), pd.Series({p: s.colonisation_log10 for p, s in seed.items()}),
                   pd.Series({p: s.lymphatic_fraction for p, s in seed.items()}), record.base_rate_per_day,
                   record.rates, pd.DataFrame({p: s.pairing_log10 for p, s in seed.items()}).T.fillna(0.0))

    def with_levels(self, soil: pd.Series, colonisation: pd.Series, lymphatic: pd.Series) -> State:
        """This state with other levels (and no pairing)."""
        return State(soil, colonisation, lymphatic, self.base_rate_per_day, self.rates)

    def record(self, calibration: Optional[dict] = None) -> SeedSoil:
        """The catalogue's record of this state: levels on the quarter-decade grid, shares to 3 digits."""
        return SeedSoil(
            base_rate_per_day=self.base_rate_per_day, rates=self.rates, calibration=calibration or {},
            soil={site: grid(v) for site, v in self.soil.items()},
            seed={p: Seed(colonisation_log10=grid(self.colonisation[p]),
                          lymphatic_fraction=float(f"{self.lymphatic[p]:.3g}"), pairing_log10=self._pairing_of(p))
                  for p in self.colonisation.index},
        )

    def _pairing_of(self, primary: str) -> dict[str, float]:
        if primary not in self.pairing.index:
            return {}
        return {site: grid(v) for site, v in self.pairing.loc[primary].items() if grid(v) != 0}


def as_data(record: SeedSoil) -> dict[str, Any]:
    """The record file's content (the seed's pairing only where there is one)."""
    data = record.model_dump(mode="json", exclude={"calibration"})
    for seed in data["seed"].values():
        if not seed["pairing_log10"]:
            del seed["pairing_log10"]
    return {**data, **({"calibration": record.calibration} if record.calibration else {})}


def values(scenario: Scenario, primary: str, state: State) -> dict[str, float]:
    """Dotted path -> value of ``scenario`` (standing for diSibio ``primary``) under ``state``'s record:
    every clone's rates in each soil site (``SeedSoil.multiplier`` times the clone's own pairing with
    the site as the file writes it, relative to the first clone), and the primary's lymphatic share."""
    record, first = state.record(), next(iter(scenario.clones.values()))
    out = {}
    for name, clone in scenario.clones.items():
        for site in record.soil:
            for rate in record.rates:
                own = getattr(clone.fates_in(site), rate) / getattr(first.fates_in(site), rate)
                out[f"clones.{name}.organ_fates.{site}.{rate}"] = record.base_rate_per_day * own * record.multiplier(
                    primary, site)
    out["primary.lymphatic_fraction"] = float(record.lymphatic_fraction(primary))
    return out


def _weights(published: pd.Series, n: int) -> pd.Series:
    """Inverse binomial variance of the log hazard of each published share of ``n`` autopsies."""
    y = np.clip(published, 0.5 / n, 1.0 - 0.5 / n)
    return n * (1.0 - y) * np.log1p(-y) ** 2 / y


def project(targets: pd.DataFrame, weights: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(colonisation per primary, soil per site): the weighted least-squares fit of
    colonisation[p] + soil[o] to ``targets`` [primary x site] (log10), the soil centred on 0."""
    num_p, num_o = targets.shape
    design = np.zeros((num_p * num_o, num_p + num_o))
    design[np.arange(num_p * num_o), np.repeat(np.arange(num_p), num_o)] = 1.0
    design[np.arange(num_p * num_o), num_p + np.tile(np.arange(num_o), num_p)] = 1.0
    root = np.sqrt(weights.to_numpy().ravel())
    solution = np.linalg.lstsq(design * root[:, None], targets.to_numpy().ravel() * root, rcond=None)[0]
    level, soil = solution[:num_p], solution[num_p:]
    centre = soil.mean()
    return (pd.Series(level + centre, index=targets.index), pd.Series(soil - centre, index=targets.columns))


@dataclass(frozen=True)
class JointFit:
    """The fitted state (with each member's pairing), the per primary x site table of the joint
    state's last cohorts, the iterations, and the explained shares: joint, leave-one-primary-out,
    and with the pairing."""

    state: State
    table: pd.DataFrame  # index (primary, site): autopsies, published, simulated, fitted_log10, pairing_log10
    iterations: pd.DataFrame  # index (iteration, primary): patients, deaths, explained_share
    shares: pd.DataFrame  # index primary: scenario, explained_share, leave_one_out, with_pairing


@dataclass(frozen=True)
class _Members:
    """The members' uncalibrated scenarios and their published rows, in the spec's order."""

    scenarios: dict[str, Scenario]
    published: pd.DataFrame  # [primary x site]
    autopsies: pd.Series  # [primary]
    weights: pd.DataFrame  # [primary x site] ``_weights`` of each published share

    @classmethod
    def of(cls, spec: JointSpec) -> _Members:
        """The members of ``spec``; a site it leaves unfitted for a primary weighs 0 in that row."""
        rows = {primary: published_row(primary) for primary in spec.members.values()}
        published = pd.DataFrame({p: row[1] for p, row in rows.items()}).T
        autopsies = pd.Series({p: row[2] for p, row in rows.items()})
        weights = pd.DataFrame({p: _weights(published.loc[p], autopsies[p]) for p in published.index}).T
        for primary, sites in spec.unfitted_sites.items():
            weights.loc[primary, list(sites)] = 0.0
        return cls({name: load_scenario(name, calibrated=False) for name in spec.members}, published, autopsies, weights)

    def current(self, name: str, primary: str, state: State) -> Scenario:
        """Member ``name`` under ``state``."""
        scenario = self.scenarios[name]
        data = with_values(scenario.model_dump(mode="json", exclude={"calibration"}), values(scenario, primary, state))
        return scenario_from_data(data, source="seed-soil iterate")


def fit(spec: JointSpec, start: State, *, random_seed: int, workers: int = 1, backend: str = "local",
        scheduler: Optional[str] = None, progress: Optional[Callable[[str], None]] = None) -> JointFit:
    """Iterate the projected fixed point ``spec.iterations`` times from ``start`` over ``spec.members``,
    measure every member, leave each out once, then fit each member's pairing on top
    (``spec.pairing_iterations`` organ-soil steps; none with 0)."""
    where = {"workers": workers, "backend": backend, "scheduler": scheduler}
    say = progress or (lambda message: None)
    members = _Members.of(spec)
    missing = sorted(set(members.published.columns) - set(start.soil.index))
    if missing:
        raise ScenarioError(f"soil: the start has no level for the diSibio sites {', '.join(missing)}")
    primaries = list(spec.members.values())
    joint, left_out, paired_seeds, own = np.random.SeedSequence(random_seed).spawn(4)
    state = start.with_levels(start.soil[members.published.columns], start.colonisation[primaries],
                              start.lymphatic[primaries])
    state, simulated, targets, history = _joint(spec, state, members, iter(joint.generate_state(spec.iterations + 1)),
                                                where, say)
    loo = _leave_one_out(spec, state, targets, members, iter(left_out.generate_state(len(primaries))), where, say)
    paired, with_pairing = _pairing(spec, state, members, iter(paired_seeds.generate_state(len(primaries))), where, say)
    paired, others = _own_seeds(spec, paired, own, where, say)
    fitted = state.colonisation[primaries].to_numpy()[:, None] + state.soil.to_numpy()[None, :]
    published = members.published
    table = pd.DataFrame({
        "autopsies": np.repeat(members.autopsies.to_numpy(), published.shape[1]),
        "published": published.to_numpy().ravel(), "simulated": simulated.to_numpy(dtype=float).ravel(),
        "fitted_log10": fitted.ravel(), "pairing_log10": paired.pairing.reindex_like(published).to_numpy().ravel(),
    }, index=pd.MultiIndex.from_product([published.index, published.columns], names=["primary", "site"]))
    last = history[history["iteration"] == spec.iterations].set_index("primary")["explained_share"]
    shares = pd.DataFrame({"scenario": list(spec.members), "explained_share": last[primaries].to_numpy(),
                           "leave_one_out": loo, "with_pairing": with_pairing}, index=pd.Index(primaries, name="primary"))
    return JointFit(paired, table, history.set_index(["iteration", "primary"]), pd.concat([shares, others]))


def _joint(spec, state, members, seeds, where, say):
    """The projected fixed point: (the fitted state, the shares its last cohorts gave [primary x site],
    the targets they ask for, one row per iteration and primary)."""
    published, autopsies, weights = members.published, members.autopsies, members.weights
    primaries = list(published.index)
    patients, deaths = dict.fromkeys(primaries, spec.num_patients), dict.fromkeys(primaries, 0)
    history, simulated = [], pd.DataFrame(index=primaries, columns=published.columns, dtype=float)
    for iteration in range(spec.iterations + 1):
        seed = int(next(seeds))
        for name, primary in spec.members.items():
            shares, deaths[primary] = cohort_shares(members.current(name, primary, state), spec.follow_up_years,
                                                    patients[primary], seed, **where)
            simulated.loc[primary] = shares.reindex(published.columns)
            history.append({"iteration": iteration, "primary": primary, "patients": patients[primary],
                            "deaths": deaths[primary],
                            "explained_share": explained_share(published.loc[primary], simulated.loc[primary])})
            patients[primary] = min(spec.max_patients, max(patients[primary], int(np.ceil(
                patients[primary] * spec.min_deaths / deaths[primary]))))
            say(f"iteration {iteration}: {name} explains {history[-1]['explained_share']:.2f}")
        targets = _targets(state, published, simulated, autopsies, deaths, spec)
        if iteration == spec.iterations:
            break  # the last cohorts measure the fitted state (and give the targets left out below)
        state = _step(state, targets, weights)
    return state, simulated, targets, pd.DataFrame(history)


def _targets(state: State, published: pd.DataFrame, simulated: pd.DataFrame, autopsies: pd.Series,
             deaths: dict[str, int], spec: JointSpec) -> pd.DataFrame:
    """[primary x site] log10 colonisation[p] + soil[o] that the damped hazard ratio asks for."""
    step = np.stack([_damped_step(published.loc[p], autopsies[p], simulated.loc[p], deaths[p], spec)
                     for p in published.index])
    level = state.colonisation.to_numpy()[:, None] + state.soil.to_numpy()[None, :]
    return pd.DataFrame(level + step, index=published.index, columns=published.columns)


def _damped_step(published: pd.Series, autopsies: int, simulated: pd.Series, deaths: int, spec: JointSpec) -> np.ndarray:
    """[site] log10 of the hazard ratio published / simulated, damped and bounded by ``spec``."""
    ratio = np.log10(hazard(published, autopsies) / hazard(simulated, deaths))
    return np.clip(spec.damping * ratio, -np.log10(spec.max_step), np.log10(spec.max_step))


def _level(target: pd.Series, soil: pd.Series, weights: pd.Series) -> float:
    """A primary's colonisation level from its ``target`` levels [site] and the ``soil``: their weighted mean difference."""
    return float((weights * (target - soil)).sum() / weights.sum())


def _lymphatic_moved(lymphatic, residual, weights):
    """Lymphatic shares (one, or [primary]) times 10^(the weighted mean of the nodes' ``residual`` log10
    levels [site], or [primary x site]), held in ``LYMPHATIC_BOUNDS``."""
    nodes, axis = list(NODE_SITES), residual.ndim - 1
    total = weights[nodes].sum(axis=axis)
    shortfall = (residual[nodes] * weights[nodes]).sum(axis=axis) / np.where(total > 0, total, 1.0)
    return np.clip(lymphatic * 10.0 ** shortfall, *LYMPHATIC_BOUNDS)


def _step(state: State, targets: pd.DataFrame, weights: pd.DataFrame) -> State:
    """``state`` moved to the projection of ``targets``; the nodes' residual moves each lymphatic share."""
    colonisation, soil = project(targets, weights)
    residual = targets - (colonisation.to_numpy()[:, None] + soil.to_numpy()[None, :])
    return state.with_levels(soil, colonisation, _lymphatic_moved(state.lymphatic, residual, weights))


def _leave_one_out(spec, state, targets, members, seeds, where, say) -> list[float]:
    """Explained share of each member's fresh cohort under the soil projected from the others'
    targets (those the fitted state's cohorts ask for), its colonisation level fitted on its own
    (the weighted mean of its targets less that soil)."""
    weights, shares = members.weights, []
    for name, primary in spec.members.items():
        others = targets.index != primary
        _, soil = project(targets[others], weights[others])
        colonisation = state.colonisation.copy()
        colonisation[primary] = _level(targets.loc[primary], soil, weights.loc[primary])
        held_out = state.with_levels(soil, colonisation, state.lymphatic)
        simulated, _ = cohort_shares(members.current(name, primary, held_out), spec.follow_up_years,
                                     spec.num_patients, int(next(seeds)), **where)
        shares.append(explained_share(members.published.loc[primary], simulated.reindex(members.published.columns)))
        say(f"left out: {name} explains {shares[-1]:.2f}")
    return shares


def _pairing(spec, state, members, seeds, where, say) -> tuple[State, list[float]]:
    """``state`` with each member's seed–soil compatibility: the organ-soil fixed point
    (``calibration.soil``) started from the joint state, its multipliers the pairing; and the
    explained share of each pairing fit's last cohort (NaN without a pairing fit)."""
    if spec.pairing_iterations == 0:
        return state, [np.nan] * len(spec.members)
    pairing, shares = {}, []
    for name, primary in spec.members.items():
        own = SoilSpec(method="organ-soil", primary=primary, iterations=spec.pairing_iterations,
                       held_sites=spec.unfitted_sites.get(primary, ()),
                       **spec.model_dump(include=set(FixedPoint.model_fields)))
        result = soil.fit(members.current(name, primary, state), own, random_seed=int(next(seeds)), **where)
        pairing[primary] = np.log10(result.table["multiplier"])
        shares.append(float(result.iterations["explained_share"].iloc[-1]))
        say(f"pairing: {name} explains {shares[-1]:.2f}")
    return replace(state, pairing=pd.DataFrame(pairing).T), shares


def _own_seeds(spec, state, seeds, where, say) -> tuple[State, pd.DataFrame]:
    """``state`` with the seed of every diSibio primary the catalogue generates a scenario for
    (``catalog.primaries``) fitted on its own row, the soil held: ``spec.seed_rounds`` steps of its
    colonisation level (the weighted mean of its damped targets less the soil) and lymphatic share
    (the nodes' shortfall), then one cohort that measures it. Returns the explained shares, with the
    soil fitted without them (``leave_one_out``, equal to ``explained_share``)."""
    primaries = read_primaries()
    generated = primaries.generated() if spec.seed_rounds else {}
    colonisation, lymphatic, rows = state.colonisation.copy(), state.lymphatic.copy(), {}
    draws = iter(seeds.generate_state(len(generated) * (spec.seed_rounds + 1)))
    for name, primary in generated.items():
        published, n = published_row(primary)[1:]
        weights = _weights(published, n)
        colonisation[primary] = float(np.median(state.colonisation))
        lymphatic[primary] = primaries.primaries[primary].lymphatic_fraction
        for step in range(spec.seed_rounds + 1):
            current = replace(state, colonisation=colonisation, lymphatic=lymphatic)
            scenario = scenario_from_data(generated_scenario(name, seed_soil=current.record()), source=name)
            shares, deaths = cohort_shares(scenario, spec.follow_up_years, spec.num_patients, int(next(draws)), **where)
            shares = shares.reindex(published.index)
            if step == spec.seed_rounds:
                break
            target = colonisation[primary] + state.soil[published.index] + _damped_step(
                published, n, shares, deaths, spec)
            colonisation[primary] = _level(target, state.soil, weights)
            lymphatic[primary] = float(_lymphatic_moved(
                lymphatic[primary], target - state.soil - colonisation[primary], weights))
        share = explained_share(published, shares)
        rows[primary] = {"scenario": name, "explained_share": share, "leave_one_out": share, "with_pairing": np.nan}
        say(f"own seed: {name} explains {share:.2f}")
    return replace(state, colonisation=colonisation, lymphatic=lymphatic), pd.DataFrame.from_dict(rows, orient="index")


def record(result: JointFit, spec: JointSpec, *, random_seed: int, command: str, start: State) -> dict[str, Any]:
    """The provenance written with the fitted state into the record file (its command names the start
    ``START.yaml``: the ``start`` written here): explained shares per primary
    (members and generated ones) and pooled over them by autopsies, and ``start`` (the state the fit
    started from, written whole: saved as a file, it is the ``--start`` that replays the fit)."""
    shares = result.shares
    weights = pd.Series({primary: published_row(primary)[2] for primary in shares.index})

    def pooled(column: str) -> float:
        """The autopsy-weighted mean of ``column`` over the primaries that have it."""
        known = shares[column].notna()
        return float((shares[column][known] * weights[known]).sum() / weights[known].sum())

    return {
        "method": "seed-soil", "targets": ["disibio2008_full_matrix"], "random_seed": random_seed,
        "package_version": __version__, "created": datetime.date.today().isoformat(), "command": command,
        "members": dict(spec.members), "iterations": spec.iterations,
        **({"unfitted_sites": {p: list(sites) for p, sites in spec.unfitted_sites.items()}} if spec.unfitted_sites else {}),
        "explained_share": {p: round(float(v), 3) for p, v in shares["explained_share"].items()},
        "leave_one_out": {p: round(float(v), 3) for p, v in shares["leave_one_out"].items()},
        "with_pairing": {p: round(float(v), 3) for p, v in shares["with_pairing"].dropna().items()},
        "explained_share_all": round(pooled("explained_share"), 3),
        "leave_one_out_all": round(pooled("leave_one_out"), 3),
        "with_pairing_all": round(pooled("with_pairing"), 3),
        "start": as_data(start.record()),
    }

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
takes that residual. Values are applied on the quarter-decade grid of ``soil.quantised``.

Leave-one-primary-out: the soil of the last step projected without a primary, that primary's
colonisation level fitted on its own targets, and one fresh cohort of it: how well a shared soil
fitted on the others predicts its pattern.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd
import yaml

from .._version import __version__
from ..catalog import CATALOG_DIR, load_scenario, scenario_from_data
from ..model import Scenario, ScenarioError
from ..model.paths import with_values
from ..analysis.autopsy import cohort_shares, explained_share, published_row
from . import soil
from .soil import STEPS_PER_DECADE, hazard, quantised
from .spec import JointSpec, SoilSpec

#: The catalogue's record of the joint fit.
SEED_SOIL_FILE = CATALOG_DIR / "seed_soil.yaml"
#: The comment that opens the record file.
RECORD_HEADER = """\
# The joint seed-soil fit of the catalogue's patient scenarios (calibration.seed_soil, issue 12 item 3):
# one soil per diSibio 2008 site, shared by every primary, and per primary its seed (colonisation
# level, lymphatic share). A primary's division and reactivation rates in site o are
#   base_rate_per_day x 10^(soil[o] + seed[primary].colonisation_log10)   (per day)
# Written by `metacascade calibrate-joint` (the calibration block says how); the explained shares are
# those of the last cohorts, joint and leave-one-primary-out.
"""
#: The sites whose shortfall after the projection is the primary's lymphatic share.
NODE_SITES = ("lymph_nodes_regional", "lymph_nodes_distant")
#: Bounds of a fitted lymphatic share.
LYMPHATIC_BOUNDS = (0.02, 0.9)


@dataclass(frozen=True)
class SeedSoil:
    """Log10 soil per site, log10 colonisation level and lymphatic share per diSibio primary."""

    soil: pd.Series
    colonisation: pd.Series
    lymphatic: pd.Series
    base_rate_per_day: float = 1e-8
    rates: tuple[str, ...] = ("division_rate", "reactivation_rate")
    record: dict = field(default_factory=dict)
    #: [primary x site] log10 seed–soil compatibility on top of soil and seed (multiples of a quarter decade)
    pairing: pd.DataFrame = field(default_factory=pd.DataFrame)

    def compatibility(self, primary: str, site: str) -> float:
        """log10 pairing of ``primary`` with ``site`` (0 where none was fitted)."""
        known = primary in self.pairing.index and site in self.pairing.columns
        return float(self.pairing.loc[primary, site]) if known else 0.0

    def with_levels(self, soil: pd.Series, colonisation: pd.Series, lymphatic: pd.Series) -> SeedSoil:
        """This state with other levels (and no pairing)."""
        return SeedSoil(soil, colonisation, lymphatic, self.base_rate_per_day, self.rates)

    def as_data(self) -> dict[str, Any]:
        """The record file's content (quantised levels; shares to 3 digits)."""
        step = 1.0 / STEPS_PER_DECADE
        grid = lambda v: float(np.round(v / step) * step) + 0.0  # noqa: E731 (-0.0 written as 0.0)
        return {
            "base_rate_per_day": self.base_rate_per_day, "rates": list(self.rates),
            "soil": {site: grid(v) for site, v in self.soil.items()},
            "seed": {p: {"colonisation_log10": grid(self.colonisation[p]),
                         "lymphatic_fraction": float(f"{self.lymphatic[p]:.3g}"),
                         **({"pairing_log10": pairing} if (pairing := self._pairing_of(p)) else {})}
                     for p in self.colonisation.index},
            **({"calibration": self.record} if self.record else {}),
        }


    def _pairing_of(self, primary: str) -> dict[str, float]:
        if primary not in self.pairing.index:
            return {}
        row = self.pairing.loc[primary]
        return {site: float(v) for site, v in row.items() if v != 0}


def read(path: Path = SEED_SOIL_FILE) -> SeedSoil:
    """The joint fit's record (``SEED_SOIL_FILE`` by default)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        seed = data["seed"]
        return SeedSoil(
            soil=pd.Series(data["soil"], dtype=float, name="soil"),
            colonisation=pd.Series({p: s["colonisation_log10"] for p, s in seed.items()}, dtype=float),
            lymphatic=pd.Series({p: s["lymphatic_fraction"] for p, s in seed.items()}, dtype=float),
            base_rate_per_day=float(data["base_rate_per_day"]), rates=tuple(data["rates"]),
            record=data.get("calibration", {}),
            pairing=pd.DataFrame({p: s.get("pairing_log10", {}) for p, s in seed.items()}).T.fillna(0.0),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ScenarioError(f"cannot read the seed-soil record {path}: {exc!r}") from None


def values(scenario: Scenario, primary: str, state: SeedSoil) -> dict[str, float]:
    """Dotted path -> value of ``scenario`` (standing for diSibio ``primary``) under ``state``: every
    clone's rates in each soil site (soil and seed on the quarter-decade grid, times the primary's
    pairing with the site and the clone's own, as the file writes it, relative to the first clone),
    and the primary's lymphatic share."""
    first = next(iter(scenario.clones.values()))
    out = {}
    for name, clone in scenario.clones.items():
        for site, level in state.soil.items():
            multiplier = quantised(10.0 ** np.array(level + state.colonisation[primary]))
            multiplier = multiplier * 10.0 ** state.compatibility(primary, site)
            for rate in state.rates:
                own = getattr(clone.fates_in(site), rate) / getattr(first.fates_in(site), rate)
                out[f"clones.{name}.organ_fates.{site}.{rate}"] = float(state.base_rate_per_day * own * multiplier)
    out["primary.lymphatic_fraction"] = float(state.lymphatic[primary])
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

    state: SeedSoil
    table: pd.DataFrame  # index (primary, site): autopsies, published, simulated, fitted_log10, pairing_log10
    iterations: pd.DataFrame  # index (iteration, primary): patients, deaths, explained_share
    shares: pd.DataFrame  # index primary: scenario, explained_share, leave_one_out, with_pairing


@dataclass(frozen=True)
class _Members:
    """The members' uncalibrated scenarios and their published rows, in the spec's order."""

    scenarios: dict[str, Scenario]
    published: pd.DataFrame  # [primary x site]
    autopsies: pd.Series  # [primary]

    @classmethod
    def of(cls, spec: JointSpec) -> _Members:
        rows = {primary: published_row(primary) for primary in spec.members.values()}
        return cls({name: load_scenario(name, calibrated=False) for name in spec.members},
                   pd.DataFrame({p: row[1] for p, row in rows.items()}).T, pd.Series({p: row[2] for p, row in rows.items()}))

    def weights(self) -> pd.DataFrame:
        return pd.DataFrame({p: _weights(self.published.loc[p], self.autopsies[p]) for p in self.published.index}).T

    def current(self, name: str, primary: str, state: SeedSoil) -> Scenario:
        """Member ``name`` under ``state``."""
        scenario = self.scenarios[name]
        data = with_values(scenario.model_dump(mode="json", exclude={"calibration"}), values(scenario, primary, state))
        return scenario_from_data(data, source="seed-soil iterate")


def fit(spec: JointSpec, start: SeedSoil, *, random_seed: int, workers: int = 1, backend: str = "local",
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
    seeds = iter(np.random.SeedSequence(random_seed).generate_state(spec.iterations + 1 + 2 * len(primaries)))
    state = start.with_levels(start.soil[members.published.columns], start.colonisation[primaries],
                              start.lymphatic[primaries])
    state, simulated, targets, history = _joint(spec, state, members, seeds, where, say)
    loo = _leave_one_out(spec, state, targets, members, seeds, where, say)
    paired, with_pairing = _pairing(spec, state, members, seeds, where, say)
    fitted = state.colonisation.to_numpy()[:, None] + state.soil.to_numpy()[None, :]
    published = members.published
    table = pd.DataFrame({
        "autopsies": np.repeat(members.autopsies.to_numpy(), published.shape[1]),
        "published": published.to_numpy().ravel(), "simulated": simulated.to_numpy(dtype=float).ravel(),
        "fitted_log10": fitted.ravel(), "pairing_log10": paired.pairing.reindex_like(published).to_numpy().ravel(),
    }, index=pd.MultiIndex.from_product([published.index, published.columns], names=["primary", "site"]))
    last = history[history["iteration"] == spec.iterations].set_index("primary")["explained_share"]
    shares = pd.DataFrame({"scenario": list(spec.members), "explained_share": last[primaries].to_numpy(),
                           "leave_one_out": loo, "with_pairing": with_pairing}, index=pd.Index(primaries, name="primary"))
    return JointFit(paired, table, history.set_index(["iteration", "primary"]), shares)


def _joint(spec, state, members, seeds, where, say):
    """The projected fixed point: (the fitted state, the shares its last cohorts gave [primary x site],
    the targets they ask for, one row per iteration and primary)."""
    published, autopsies, weights = members.published, members.autopsies, members.weights()
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


def _targets(state: SeedSoil, published: pd.DataFrame, simulated: pd.DataFrame, autopsies: pd.Series,
             deaths: dict[str, int], spec: JointSpec) -> pd.DataFrame:
    """[primary x site] log10 colonisation[p] + soil[o] that the damped hazard ratio asks for."""
    ratio = np.stack([np.log10(hazard(published.loc[p], autopsies[p]) / hazard(simulated.loc[p], deaths[p]))
                      for p in published.index])
    step = np.clip(spec.damping * ratio, -np.log10(spec.max_step), np.log10(spec.max_step))
    level = state.colonisation.to_numpy()[:, None] + state.soil.to_numpy()[None, :]
    return pd.DataFrame(level + step, index=published.index, columns=published.columns)


def _step(state: SeedSoil, targets: pd.DataFrame, weights: pd.DataFrame) -> SeedSoil:
    """``state`` moved to the projection of ``targets``; the nodes' residual moves each lymphatic share."""
    colonisation, soil = project(targets, weights)
    residual = targets - (colonisation.to_numpy()[:, None] + soil.to_numpy()[None, :])
    nodes = list(NODE_SITES)
    shortfall = (residual[nodes] * weights[nodes]).sum(axis=1) / weights[nodes].sum(axis=1)
    lymphatic = np.clip(state.lymphatic * 10.0 ** shortfall, *LYMPHATIC_BOUNDS)
    return state.with_levels(soil, colonisation, lymphatic)


def _leave_one_out(spec, state, targets, members, seeds, where, say) -> list[float]:
    """Explained share of each member's fresh cohort under the soil projected from the others'
    targets (those the fitted state's cohorts ask for), its colonisation level fitted on its own
    (the weighted mean of its targets less that soil)."""
    weights, shares = members.weights(), []
    for name, primary in spec.members.items():
        others = targets.index != primary
        _, soil = project(targets[others], weights[others])
        colonisation = state.colonisation.copy()
        colonisation[primary] = float((weights.loc[primary] * (targets.loc[primary] - soil)).sum()
                                      / weights.loc[primary].sum())
        held_out = state.with_levels(soil, colonisation, state.lymphatic)
        simulated, _ = cohort_shares(members.current(name, primary, held_out), spec.follow_up_years,
                                     spec.num_patients, int(next(seeds)), **where)
        shares.append(explained_share(members.published.loc[primary], simulated.reindex(members.published.columns)))
        say(f"left out: {name} explains {shares[-1]:.2f}")
    return shares


def _pairing(spec, state, members, seeds, where, say) -> tuple[SeedSoil, list[float]]:
    """``state`` with each member's seed–soil compatibility: the organ-soil fixed point
    (``calibration.soil``) started from the joint state, its multipliers the pairing; and the
    explained share of each pairing fit's last cohort (NaN without a pairing fit)."""
    if spec.pairing_iterations == 0:
        return state, [np.nan] * len(spec.members)
    pairing, shares = {}, []
    for name, primary in spec.members.items():
        own = SoilSpec(method="organ-soil", primary=primary, iterations=spec.pairing_iterations,
                       num_patients=spec.num_patients, min_deaths=spec.min_deaths, max_patients=spec.max_patients,
                       max_step=spec.max_step, damping=spec.damping, follow_up_years=spec.follow_up_years)
        result = soil.fit(members.current(name, primary, state), own, random_seed=int(next(seeds)), **where)
        pairing[primary] = np.log10(result.table["multiplier"])
        shares.append(float(result.iterations["explained_share"].iloc[-1]))
        say(f"pairing: {name} explains {shares[-1]:.2f}")
    paired = state.with_levels(state.soil, state.colonisation, state.lymphatic)
    return replace(paired, pairing=pd.DataFrame(pairing).T), shares


def record(result: JointFit, spec: JointSpec, *, random_seed: int, command: str, start: SeedSoil) -> dict[str, Any]:
    """The provenance written with the fitted state into the record file; ``start`` (the state the
    fit started from, written whole: saved as a file, it is the ``--start`` that replays the fit)."""
    shares = result.shares
    weights = result.table["autopsies"].groupby("primary").first()
    pooled = lambda column: float((shares[column] * weights[shares.index]).sum() / weights[shares.index].sum())  # noqa: E731
    return {
        "method": "seed-soil", "targets": ["disibio2008_full_matrix"], "random_seed": random_seed,
        "package_version": __version__, "created": datetime.date.today().isoformat(), "command": command,
        "members": dict(spec.members), "iterations": spec.iterations,
        "explained_share": {p: round(float(v), 3) for p, v in shares["explained_share"].items()},
        "leave_one_out": {p: round(float(v), 3) for p, v in shares["leave_one_out"].items()},
        "with_pairing": {p: round(float(v), 3) for p, v in shares["with_pairing"].items()},
        "explained_share_all": round(pooled("explained_share"), 3),
        "leave_one_out_all": round(pooled("leave_one_out"), 3),
        "with_pairing_all": round(pooled("with_pairing"), 3),
        "start": replace(start, record={}).as_data(),
    }

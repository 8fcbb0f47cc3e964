"""Seed–soil compatibility of a patient scenario from its diSibio 2008 autopsy row (level (c) of
``analysis.organotropism``, in the simulator itself).

A site's involvement at autopsy is about 1 - exp(-Λ), where the hazard Λ grows in proportion to the
colonisation rates of the cells delivered there (division and reactivation are small next to
apoptosis and dormant death, so the probability that an arrested cell founds a colony is linear in
them). The fit is a fixed point on simulated cohorts: each iteration simulates ``num_patients``
patients and multiplies every clone's ``rates`` in each site by

    m = log(1 - y_published) / log(1 - y_simulated),

the ratio of the hazards, raised to the power ``damping`` (< 1: sites interact through death and
secondary spread, so full steps overshoot) and bounded by ``max_step``; shares are held inside
[0.5/n, 1 - 0.5/n] of their counts. The accumulated multiplier is applied rounded to a quarter
decade (±33% in hazard), so that sites with the same soil share the engine's cached kernels.
Delivery, timing, death and secondary spread are the simulator's own, so what the multipliers
absorb is the soil. Sites with no case (y = 0) are driven down until the simulator shows none.

Only the patients who die within follow-up have an autopsy, and less seeding means fewer deaths,
so a cohort grows (up to ``max_patients``) until it gives about ``min_deaths`` autopsies. Within
the scenario's horizon only the patients who die early (the most metastatic) are seen, while an
autopsy series sees patients whenever they die; ``follow_up_years`` follows the cohorts longer, at
a cost (a 30-year breast cohort runs several times slower than a 10-year one, its metastases
shedding for decades), so the catalogue uses it only where the horizon leaves almost no deaths.

The interval of a calibrated rate maps the 90% Jeffreys interval of the published share through
the same hazard ratio: it is the autopsy series' counting uncertainty, not the simulator's Monte
Carlo error (which the last iteration's table shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd
from scipy.stats import beta

from ..model import Scenario, ScenarioError
from ..model.paths import with_values
from ..analysis.autopsy import explained_share, followed_up, involvement, published_row
from .spec import SoilSpec

#: Multipliers are held on a grid of quarter decades, so that sites with the same soil share one
#: pooled chain (the engine caches a kernel per distinct rate set, MODEL.md §6).
STEPS_PER_DECADE = 4


@dataclass(frozen=True)
class SoilFit:
    """The calibrated scenario mapping, the per-site table of the last cohort, and the iterations."""

    scenario: dict
    table: pd.DataFrame  # index site: autopsies, published, low, high, simulated, multiplier
    iterations: pd.DataFrame  # index iteration: deaths, explained_share, largest_step
    values: dict[str, float]  # dotted path -> calibrated rate


def hazard(share: pd.Series | np.ndarray, n: int) -> np.ndarray:
    """-log(1 - share) of shares of ``n`` patients, held inside [0.5/n, 1 - 0.5/n]."""
    bounded = np.clip(np.asarray(share, dtype=float), 0.5 / n, 1.0 - 0.5 / n)
    return -np.log1p(-bounded)


def _scaled(scenario: Scenario, sites: pd.Index, multiplier: np.ndarray, rates: tuple[str, ...]) -> dict[str, float]:
    """Dotted path -> every clone's ``rates`` in each site times its multiplier."""
    return {
        f"clones.{name}.organ_fates.{site}.{rate}": float(getattr(clone.fates_in(site), rate) * factor)
        for name, clone in scenario.clones.items()
        for site, factor in zip(sites, multiplier)
        for rate in rates
    }


def cohort_shares(scenario, follow_up_years, num_patients: int, random_seed: int, *, workers: int = 1,
                  backend: str = "local", scheduler=None) -> tuple[pd.Series, int]:
    """(share of the autopsies at death with each diSibio site involved, autopsies) of a cohort of
    ``num_patients`` of ``scenario`` followed ``follow_up_years`` years (``None``: its own horizon),
    simulated where ``workers``, ``backend`` and ``scheduler`` say (``simulate``)."""
    from ..simulate import simulate

    if follow_up_years is not None:
        scenario = followed_up(scenario, follow_up_years)
    cohort = simulate(scenario, num_patients=num_patients, random_seed=random_seed, num_workers=workers,
                      backend=backend, scheduler=scheduler)
    involved = involvement(cohort)
    if involved.empty:
        raise ScenarioError(f"no patient of {scenario.name!r} died within follow-up: no autopsy to calibrate against")
    return involved.mean(), len(involved)


def quantised(multiplier: np.ndarray) -> np.ndarray:
    """``multiplier`` rounded to the nearest power of 10^(1/``STEPS_PER_DECADE``)."""
    return 10.0 ** (np.round(np.log10(multiplier) * STEPS_PER_DECADE) / STEPS_PER_DECADE)


def fit(scenario: Scenario, spec: SoilSpec, *, random_seed: int, workers: int = 1, backend: str = "local",
        scheduler: Optional[str] = None, progress: Optional[Callable[[int, float], None]] = None) -> SoilFit:
    """Iterate the hazard-ratio update ``spec.iterations`` times from ``scenario``'s own rates (the
    cohorts simulated where ``workers``, ``backend`` and ``scheduler`` say: ``simulate``)."""
    from ..catalog import scenario_from_data

    counts, published, n = published_row(spec.primary)
    missing = [site for site in published.index if site not in scenario.anatomy.organ_names]
    if missing:
        raise ScenarioError(f"anatomy: the diSibio sites {', '.join(missing)} are not organs of {scenario.anatomy.name!r}")
    start = scenario.model_dump(mode="json", exclude={"calibration"})
    seeds = np.random.SeedSequence(random_seed).generate_state(spec.iterations + 1)
    rows, total, data, patients = [], np.ones(len(published)), start, spec.num_patients
    for iteration, seed in enumerate(seeds):
        shares, deaths = cohort_shares(scenario_from_data(data, source="calibration iterate"), spec.follow_up_years,
                                       patients, int(seed), workers=workers, backend=backend, scheduler=scheduler)
        simulated = shares.reindex(published.index)
        share = explained_share(published, simulated)
        ratio = hazard(published, n) / hazard(simulated, deaths)
        step = np.clip(ratio**spec.damping, 1.0 / spec.max_step, spec.max_step)
        step[published.index.isin(spec.held_sites)] = 1.0
        rows.append({"iteration": iteration, "patients": patients, "deaths": deaths, "explained_share": share,
                     "largest_step": float(np.abs(np.log10(step)).max())})
        patients = min(spec.max_patients, max(patients, int(np.ceil(patients * spec.min_deaths / deaths))))
        if progress:
            progress(iteration, share)
        if iteration == spec.iterations:
            break  # the last cohort only measures the calibrated scenario
        total = total * step
        data = with_values(start, _scaled(scenario, published.index, quantised(total), spec.rates))
    final = scenario_from_data(data, source="calibrated scenario")
    values = _scaled(final, published.index, np.ones(len(published)), spec.rates)
    low, high = beta.ppf([[0.05], [0.95]], counts.to_numpy() + 0.5, n - counts.to_numpy() + 0.5)
    table = pd.DataFrame({
        "autopsies": n, "published": published, "low": low, "high": high, "simulated": simulated,
        "multiplier": quantised(total),
    })
    return SoilFit(data, table, pd.DataFrame(rows).set_index("iteration"), values)


def record_fields(result: SoilFit, spec: SoilSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(calibrated values with the intervals of the published shares; diagnostics)."""
    table = result.table
    n = int(table["autopsies"].iloc[0])
    centre = hazard(table["published"], n)
    bounds = {side: -np.log1p(-table[side]) / centre for side in ("low", "high")}
    parameters = []
    for path, value in result.values.items():
        site = path.split(".")[3]
        parameters.append({"path": path, "value": value, "low": value * float(bounds["low"][site]),
                           "high": value * float(bounds["high"][site])})
    last = result.iterations.iloc[-1]
    diagnostics = {
        "primary": spec.primary, "num_patients": int(last["patients"]), "iterations": spec.iterations,
        "deaths": int(last["deaths"]), "explained_share": float(last["explained_share"]),
        "explained_share_before": float(result.iterations["explained_share"].iloc[0]),
        "largest_remaining_step_decades": float(last["largest_step"]),
    }
    return parameters, diagnostics

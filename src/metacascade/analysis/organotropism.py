"""How much of the diSibio 2008 organ pattern is anatomy, organ soil, or seed–soil pairing.

diSibio & French 2008 (``disibio2008_full_matrix``) give, for each of 41 primaries (n_i autopsies),
the number k_ij of patients with site j involved. Three nested models of the per-patient
involvement probability p_ij, each fitted by maximum binomial likelihood:

(a) delivery alone (uniform soil): p_ij = 1 - exp(-λ_i d_ij(f_i)), where d_ij(f) is where a cell
    shed by the primary's organ arrests (``Anatomy`` routing: its venous outflow, or its lymph with
    probability f), λ_i the primary's seeding pressure and f_i its lymphatic share;
(b) delivery x organ soil: p_ij = 1 - exp(-λ_i d_ij(f_i) s_j), one soil factor per site shared by
    every primary (normalised to a geometric mean of 1); also scored leave-one-primary-out (soil
    fitted on the other primaries, λ and f of the held-out one on its own counts);
(c) delivery x seed–soil: one factor per primary x site, the saturated model p_ij = k_ij / n_i.

The explained share of a model is 1 - Σ_j (y_ij - p_ij)² / Σ_j (y_ij - ȳ_i)² with y = k / n and
ȳ_i the primary's mean involvement: the organ pattern beyond each primary's overall burden, which
λ_i absorbs in every model. Per primary, and over all primaries weighted by n_i; (c) explains all
of it by construction, so 1 - (b) is the seed–soil share. Delivery is first-pass routing of single
cells of one diameter, without secondary spread (a metastasis seeding further sites): what the
delivery share leaves unexplained includes spread from metastases as well as soil.

What the data cannot tell apart: a site that cells reach almost only through lymph (the regional
nodes) has a soil factor confounded with the primaries' lymphatic shares f_i, and a site with few
involved autopsies has a wide interval; the factors of blood-borne sites are identified up to the
common normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..catalog.primaries import read_primaries
from ..engine.lower import lower_routing
from ..engine.routing import delivery_from, entries
from ..model import Anatomy, Clone

#: Anatomy organ standing for each diSibio primary (its venous and lymphatic drainage): the records'
#: sites (``catalog/primaries.yaml``, which states the ASSUMPTIONS); "unknown_primary" has no site.
PRIMARY_ORGANS: dict[str, str] = {name: record.site for name, record in read_primaries().primaries.items()}
#: Diameter of the shed cells routed, µm (mendelaar2021_ctc_diameters: median breast CTC).
CELL_DIAMETER_UM = 12.4
LEVELS = ("delivery", "delivery_x_soil", "delivery_x_soil_loo", "seed_soil")


@dataclass(frozen=True)
class AutopsyMatrix:
    """Patients with each site involved (k [P, S]) among n [P] autopsies of each primary."""

    primaries: tuple[str, ...]
    sites: tuple[str, ...]
    involved: np.ndarray  # [P, S] patients
    autopsies: np.ndarray  # [P]

    @property
    def frequency(self) -> np.ndarray:
        return self.involved / self.autopsies[:, None]


def autopsy_matrix(block: dict) -> AutopsyMatrix:
    """The diSibio 2008 matrix from the ``disibio2008_matrix`` block of ``targets.yaml``
    (``analysis.targets.disibio_matrix()``), primaries with an organ (``PRIMARY_ORGANS``)."""
    rows = {name: row for name, row in block["primaries"].items() if name in PRIMARY_ORGANS}
    return AutopsyMatrix(
        primaries=tuple(rows),
        sites=tuple(block["sites"]),
        involved=np.array([row["counts"] for row in rows.values()], dtype=float),
        autopsies=np.array([row["n_autopsies"] for row in rows.values()], dtype=float),
    )


def delivery(anatomy: Anatomy, matrix: AutopsyMatrix, clone: Clone | None = None) -> tuple[np.ndarray, np.ndarray]:
    """([P, S] venous, [P, S] lymphatic) probability that a cell shed by each primary's organ into
    its venous outflow (or its lymph) arrests first in each site (first-pass routing)."""
    clone = clone or Clone(diameter_um=CELL_DIAMETER_UM)
    routing = lower_routing(anatomy, (clone,))
    names, first = entries(routing)
    site_columns = [anatomy.organ_names.index(site) for site in matrix.sites]
    organs = [PRIMARY_ORGANS[p] for p in matrix.primaries]
    rows = [first[[names.index(f"venous:{o}") for o in organs]], first[[names.index(f"lymph:{o}") for o in organs]]]
    venous, lymph = (delivery_from(routing, 0, r)[:, site_columns] for r in rows)
    return venous, lymph


def _unpack(theta: np.ndarray, num_primaries: int, num_sites: int, with_soil: bool):
    log_pressure, logit_lymph = theta[:num_primaries], theta[num_primaries : 2 * num_primaries]
    log_soil = theta[2 * num_primaries :] if with_soil else np.zeros(num_sites)
    return log_pressure, logit_lymph, log_soil


def _nll(theta, k, n, venous, lymph, with_soil: bool, fixed_soil: np.ndarray | None):
    """Negative binomial log-likelihood of p = 1 - exp(-λ d(f) s) and its gradient."""
    num_primaries, num_sites = k.shape
    log_pressure, logit_lymph, log_soil = _unpack(theta, num_primaries, num_sites, with_soil)
    if fixed_soil is not None:
        log_soil = fixed_soil
    f = 1.0 / (1.0 + np.exp(-logit_lymph))
    d = (1.0 - f)[:, None] * venous + f[:, None] * lymph
    scale = np.exp(log_pressure)[:, None] * np.exp(log_soil)[None, :]
    x = np.maximum(scale * d, 1e-300)
    p = -np.expm1(-x)
    nll = -(k * np.log(np.maximum(p, 1e-300)) - (n[:, None] - k) * x).sum()
    g = (n[:, None] - k) - k * np.exp(-x) / np.maximum(p, 1e-300)  # dNLL/dx
    grad = [(g * x).sum(axis=1), (g * scale * (lymph - venous)).sum(axis=1) * f * (1.0 - f)]
    if with_soil and fixed_soil is None:
        grad.append((g * x).sum(axis=0))
    return nll, np.concatenate(grad)


def _fit(k, n, venous, lymph, *, with_soil: bool, fixed_soil: np.ndarray | None = None) -> np.ndarray:
    """[P, S] fitted involvement probabilities (and the soil factors, via ``fit_soil``)."""
    return _fit_parameters(k, n, venous, lymph, with_soil=with_soil, fixed_soil=fixed_soil)[0]


def _fit_parameters(k, n, venous, lymph, *, with_soil: bool, fixed_soil: np.ndarray | None = None):
    num_primaries, num_sites = k.shape
    frequency = np.clip(k.sum(axis=1) / (n * num_sites), 1e-3, None)
    start = [np.log(frequency / np.maximum((venous + lymph).mean(axis=1) / 2, 1e-12)), np.zeros(num_primaries)]
    free_soil = with_soil and fixed_soil is None
    if free_soil:
        start.append(np.zeros(num_sites))
    result = minimize(_nll, np.concatenate(start), args=(k, n, venous, lymph, free_soil, fixed_soil), jac=True,
                      method="L-BFGS-B", options={"maxiter": 5000})
    log_pressure, logit_lymph, log_soil = _unpack(result.x, num_primaries, num_sites, free_soil)
    if fixed_soil is not None:
        log_soil = fixed_soil
    f = 1.0 / (1.0 + np.exp(-logit_lymph))
    d = (1.0 - f)[:, None] * venous + f[:, None] * lymph
    p = -np.expm1(-np.exp(log_pressure)[:, None] * np.exp(log_soil)[None, :] * d)
    return p, log_soil - log_soil.mean(), f


def _explained(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """[P] 1 - SS_res / SS_tot of each primary's involvement pattern around its own mean."""
    residual = ((y - p) ** 2).sum(axis=1)
    total = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return 1.0 - residual / np.where(total > 0, total, np.nan)


def _pooled(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> float:
    residual = (weights[:, None] * (y - p) ** 2).sum()
    total = (weights[:, None] * (y - y.mean(axis=1, keepdims=True)) ** 2).sum()
    return float(1.0 - residual / total)


def analyse(
    anatomy: Anatomy, matrix: AutopsyMatrix, *, replicates: int = 0, seed: int = 0, leave_one_out: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Explained shares of the three levels per primary (rows; last row ``all``, weighted by
    autopsies), and the organ soil factors of level (b) (geometric mean 1) with a 90% interval
    from ``replicates`` parametric bootstrap refits (autopsies redrawn from the fitted model).
    Without ``leave_one_out`` (one refit per primary, most of the time) ``delivery_x_soil_loo`` is NaN."""
    k, n, y = matrix.involved, matrix.autopsies, matrix.frequency
    venous, lymph = delivery(anatomy, matrix)
    p_delivery, _, lymph_share = _fit_parameters(k, n, venous, lymph, with_soil=False)
    p_soil, log_soil, _ = _fit_parameters(k, n, venous, lymph, with_soil=True)
    p_loo = np.full_like(y, np.nan)
    for i in range(len(matrix.primaries) if leave_one_out else 0):
        others = np.arange(len(matrix.primaries)) != i
        _, soil_of_others, _ = _fit_parameters(k[others], n[others], venous[others], lymph[others], with_soil=True)
        p_loo[i] = _fit(k[[i]], n[[i]], venous[[i]], lymph[[i]], with_soil=True, fixed_soil=soil_of_others)[0]
    shares = {
        "delivery": p_delivery, "delivery_x_soil": p_soil, "delivery_x_soil_loo": p_loo, "seed_soil": y,
    }
    table = pd.DataFrame(
        {level: _explained(y, p) for level, p in shares.items()}, index=pd.Index(matrix.primaries, name="primary")
    )
    table.insert(0, "autopsies", n.astype(int))
    table.insert(1, "organ", [PRIMARY_ORGANS[p] for p in matrix.primaries])
    table.insert(2, "lymph_share", lymph_share)
    table.loc["all"] = [int(n.sum()), "", np.nan, *(_pooled(y, p, n) for p in shares.values())]
    rng = np.random.default_rng(seed)
    redrawn = [
        _fit_parameters(rng.binomial(n.astype(np.int64)[:, None], p_soil).astype(float), n, venous, lymph,
                        with_soil=True)[1]
        for _ in range(replicates)
    ]
    soil = pd.DataFrame({"soil": np.exp(log_soil)}, index=pd.Index(matrix.sites, name="site"))
    if redrawn:
        soil["low"], soil["high"] = np.exp(np.quantile(redrawn, [0.05, 0.95], axis=0))
    return table, soil

"""How a simulated quantity is judged against a published one, and the registry checks join.

A published value is a number, a ``[low, high]`` range, or a table of them (one entry per organ,
cell type, ...). A simulated value comes with its Monte Carlo standard error ``se`` (0 for closed
forms and model parameters). The verdict is

- ``pass``: for a range, the simulated 95% interval (value ± 1.96 se) overlaps it; for a number,
  |simulated - published| <= tolerance × |published| + 1.96 se; for a table, every compared entry
  passes;
- ``mismatch``: it does not (reported with the reason, never hidden);
- ``not yet``: the simulator cannot compute the quantity yet (the reason says what is missing).

Relative tolerances by category (``analysis.targets.TOLERANCE``), for a published number with no stated range:
cell_fate 25% (fractions recalled from secondary text), hemodynamics 5% (reference tables the
anatomy is built from), hemodynamics_arrest 50% (single imaging studies, ~0.5% escape),
hemodynamics_sizes 25%, shedding_ctc 25%, organotropism 50% (autopsy series, case mix),
growth_kinetics 10%, clinical_* 25%, therapy 25%.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

import numpy as np

from ..analysis.targets import Target, tolerance_of

Verdict = Literal["pass", "mismatch", "not yet"]
#: z of the two-sided 95% Monte Carlo interval.
Z95 = 1.96


@dataclass(frozen=True)
class Outcome:
    """The verdict on one target: published and simulated values as shown, and why."""

    target_id: str
    quantity: str
    published: str
    simulated: str
    tolerance: str
    verdict: Verdict
    reason: str = ""
    #: per-entry numbers for verdicts.json: name -> {published, simulated, se}
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)


#: target id -> check(target, quick, seed) -> Outcome
CheckFunction = Callable[[Target, bool, int], Outcome]
REGISTRY: dict[str, CheckFunction] = {}


def check(*target_ids: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` as the check of ``target_ids``."""

    def register(function: CheckFunction) -> CheckFunction:
        for target_id in target_ids:
            if target_id in REGISTRY:
                raise ValueError(f"target {target_id!r} has two checks")
            REGISTRY[target_id] = function
        return function

    return register


def agrees(published: Any, simulated: float, se: float, rel_tol: float) -> bool:
    """True if ``simulated`` ± 1.96 se agrees with a published number (within ``rel_tol``) or range."""
    if isinstance(published, (list, tuple)):
        low, high = published
        return simulated + Z95 * se >= low and simulated - Z95 * se <= high
    return abs(simulated - published) <= rel_tol * abs(published) + Z95 * se


def fmt(value: Any) -> str:
    """A number or range, 3 significant digits."""
    if isinstance(value, (list, tuple)):
        return "–".join(fmt(v) for v in value)
    return f"{value:.3g}"


def fmt_ci(simulated: float, se: float) -> str:
    return fmt(simulated) if se == 0 else f"{fmt(simulated)} ± {fmt(Z95 * se)}"


def tolerance_text(published: Any, rel_tol: float) -> str:
    return "range" if isinstance(published, (list, tuple)) else f"±{rel_tol:.0%}"


def compare(
    target: Target, published: Any, simulated: float, se: float = 0.0, *, reason: str = "",
    rel_tol: Optional[float] = None,
) -> Outcome:
    """The outcome for one number (``reason`` says how it was computed, and why a mismatch)."""
    rel_tol = tolerance_of(target) if rel_tol is None else rel_tol
    ok = bool(np.isfinite(simulated)) and agrees(published, simulated, se, rel_tol)
    return Outcome(
        target.id, target.quantity, fmt(published), fmt_ci(simulated, se), tolerance_text(published, rel_tol),
        "pass" if ok else "mismatch", reason,
        {"value": {"published": published, "simulated": float(simulated), "se": float(se)}},
    )


def compare_table(
    target: Target, published: Mapping[str, Any], simulated: Mapping[str, float],
    se: Optional[Mapping[str, float]] = None, *, reason: str = "", rel_tol: Optional[float] = None,
) -> Outcome:
    """The outcome for a table: every entry of ``simulated`` is compared with ``published``;
    the shown simulated value names the entry furthest out (relative to its tolerance)."""
    rel_tol = tolerance_of(target) if rel_tol is None else rel_tol
    se = se or {}
    entries, failing = {}, []
    for name, value in simulated.items():
        err = se.get(name, 0.0)
        entries[name] = {"published": published[name], "simulated": float(value), "se": float(err)}
        if not (np.isfinite(value) and agrees(published[name], value, err, rel_tol)):
            failing.append(name)

    def distance(name: str) -> float:
        pub, value = published[name], simulated[name]
        centre = float(np.mean(pub)) if isinstance(pub, (list, tuple)) else pub
        return abs(value - centre) / max(abs(centre), 1e-300)

    worst = max(failing or simulated, key=distance)
    shown = f"{len(simulated) - len(failing)}/{len(simulated)} agree; worst {worst} {fmt_ci(simulated[worst], se.get(worst, 0.0))}"
    return Outcome(
        target.id, target.quantity, f"{len(published)} entries ({worst} {fmt(published[worst])})", shown,
        tolerance_text(published[worst], rel_tol), "mismatch" if failing else "pass",
        (f"out of tolerance: {', '.join(failing)}. " if failing else "") + reason, entries,
    )


def not_yet(target: Target, reason: str) -> Outcome:
    """The outcome for a quantity the simulator cannot compute yet."""
    published = fmt(target.value) if isinstance(target.value, (int, float, list)) else "see targets.yaml"
    return Outcome(target.id, target.quantity, published, "—", "—", "not yet", reason)


def share_se(share: Any, n: int) -> Any:
    """Binomial standard error of a ``share`` (or shares) of ``n`` trials."""
    return np.sqrt(share * (1.0 - share) / max(n, 1))


def percent_se(flags: Any) -> tuple[float, float]:
    """The share (%) of true ``flags`` and its binomial standard error; NaN for none."""
    flags = np.asarray(flags, dtype=bool)
    share = float(flags.mean()) if flags.size else float("nan")
    return 100.0 * share, 100.0 * float(share_se(share, flags.size))


def mean_se(samples: Any) -> tuple[float, float]:
    """Mean and its standard error over replicate values (se 0 for a single one)."""
    values = np.asarray(samples, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0.0
    return float(values.mean()), float(se)

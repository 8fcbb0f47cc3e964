"""One patient's run (or one assay's): the engines by name, the random streams of a run and of
each patient of a cohort, the patient's own parameters and what its observation plan sees
(ARCHITECTURE.md convention 4). The verbs (``simulate``) and the cohort runner both call this.

Streams: a single run draws from ``SeedSequence(seed)``; patient ``i`` of a cohort from
``SeedSequence(seed, spawn_key=(i,))`` for the engine, and from streams keyed by ``[seed, stream]``
and ``i`` for its own parameters, its host and its observations, so that none of them shifts
another and none depends on the chunk size, the number of workers or the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .lower import Lowered
    from .observation import PatientObservations
    from .outcome import RunOutcome

#: Engine name -> (module, function); each takes (Lowered, numpy Generator) -> RunOutcome.
ENGINES: dict[str, tuple[str, str]] = {
    "exact": ("metacascade.engine.timeline", "run_timeline"),
    "reference": ("metacascade.engine.reference", "simulate_reference"),
}
#: Where drawn seeds lie, [low, high): 32 bits, short enough to read, type and name a directory with.
DRAWN_SEEDS = (1, 2**32)
#: Second entropy word of the patients' variation streams (``variation_seed_sequence``).
VARIATION_STREAM = 1
#: Second entropy word of the observation plan's streams (``observation_seed_sequence``).
OBSERVATION_STREAM = 2
#: Second entropy word of the host's streams (``host_seed_sequence``).
HOST_STREAM = 3


def engine_function(name: str) -> Callable[..., Any]:
    """The engine called ``name`` (imported on first use)."""
    if name not in ENGINES:
        raise ValueError(f"engine: unknown engine {name!r}; allowed: {', '.join(ENGINES)}")
    module, function = ENGINES[name]
    return getattr(importlib.import_module(module), function)


def draw_seed() -> int:
    """A fresh seed in ``DRAWN_SEEDS`` from the operating system's entropy."""
    return int(np.random.default_rng().integers(*DRAWN_SEEDS))


def resolve_seed(random_seed: Optional[int]) -> int:
    """``random_seed`` checked, or a fresh one (``draw_seed``) when ``None``."""
    if random_seed is None:
        return draw_seed()
    if isinstance(random_seed, (bool, np.bool_)) or not isinstance(random_seed, (int, np.integer)) or random_seed < 0:
        raise ValueError(f"random_seed: must be a non-negative integer or None (got {random_seed!r})")
    return int(random_seed)


def patient_seed_sequence(random_seed: int, patient: int) -> np.random.SeedSequence:
    """The random stream of patient ``patient`` of a cohort: keyed by the patient alone, so it does
    not depend on the number of patients, the chunk size or the number of workers (convention 4)."""
    return np.random.SeedSequence(random_seed, spawn_key=(patient,))


def variation_seed_sequence(random_seed: int, patient: int) -> np.random.SeedSequence:
    """The stream of patient ``patient``'s own parameters (``PatientVariation``): apart from its
    engine stream, so that turning variation on or off shifts no engine draw."""
    return np.random.SeedSequence([random_seed, VARIATION_STREAM], spawn_key=(patient,))


def host_seed_sequence(random_seed: int, patient: Optional[int]) -> np.random.SeedSequence:
    """The stream of the host's draws (menopausal status) of patient ``patient``, or of a single run
    (``None``): apart from every other stream, so that drawing the host shifts no other draw."""
    return np.random.SeedSequence([random_seed, HOST_STREAM], spawn_key=() if patient is None else (patient,))


class HostDraws(NamedTuple):
    """The draws of a host stream, in the fixed order they are drawn, so that drawing one trait shifts
    no draw of another."""

    menopause: float  # uniform on [0, 1): postmenopausal below the chance
    immune: float  # standard normal: the log multiplier on immune killing over its SD
    age: float  # standard normal: the age at the start (``lifespan.age_at_start``)
    death: float  # uniform on [0, 1): death from other causes (``lifespan.other_cause_death``)
    symptoms: float  # standard exponential: the summed hazard of symptoms at diagnosis
    screened: float  # uniform on [0, 1): attends screening below the uptake (``with_screening``)
    sex: float  # uniform on [0, 1): female below the chance (``with_sex``)


def host_draws(random_seed: int, patient: Optional[int]) -> HostDraws:
    """The draws of the host stream of patient ``patient`` (``None``: a single run)."""
    rng = np.random.default_rng(host_seed_sequence(random_seed, patient))
    return HostDraws(float(rng.random()), float(rng.standard_normal()), float(rng.standard_normal()),
                     float(rng.random()), float(rng.standard_exponential()), float(rng.random()),
                     float(rng.random()))


#: The host draws of a patient, drawn when a trait first needs them (``with_host``).
Draws = Callable[[], HostDraws]


def with_menopause(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with the patient's menopausal status when its host gives only a chance of it
    (``Host.postmenopausal_probability``); ``lowered`` itself otherwise."""
    chance = lowered.postmenopausal
    if chance is None or chance in (0.0, 1.0):
        return lowered
    return replace(lowered, postmenopausal=float(draws().menopause < chance))


def with_sex(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with the patient's sex when its host gives only a chance of it
    (``Host.female_probability``): its circulation without the other sex's organs
    (``routing.without``); ``lowered`` itself otherwise (a known sex is in its routing already)."""
    from .lower import absent_organs
    from .routing import without

    chance = lowered.female
    if chance is None or chance in (0.0, 1.0):
        return lowered
    female = draws().sex < chance
    routing = without(lowered.routing, absent_organs(lowered.organ_sex, female))
    return replace(lowered, routing=routing, female=float(female))


def with_immune_status(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with the patient's immune status when its host varies it
    (``Host.immune_status_sigma``): a lognormal multiplier of median 1 on its transit death rates and
    clearance rates; ``lowered`` itself otherwise."""
    sigma = lowered.immune_status_sigma
    if sigma == 0:
        return lowered
    factor = np.exp(sigma * draws().immune)
    routing = replace(lowered.routing, segment_survival=lowered.routing.segment_survival ** factor)
    rates = {**lowered.rates, "clearance_rate": lowered.rates["clearance_rate"] * factor}
    return replace(lowered, routing=routing, rates=rates, immune_status_sigma=0.0)


def with_lifespan(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with the patient's age at the start and its death from other causes
    (``engine.lifespan``) when its host has ages; ``lowered`` itself otherwise."""
    from .lifespan import age_at_start, other_cause_death

    if lowered.lifespan is None:
        return lowered
    age = age_at_start(lowered.lifespan, draws().age)
    return replace(lowered, age_at_start=age, other_cause_death=other_cause_death(lowered.lifespan, age, draws().death))


def with_symptoms(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with the patient's threshold of symptoms (``course.symptom_time``) when its plan
    diagnoses by symptoms; ``lowered`` itself otherwise."""
    plan = lowered.observation
    if plan is None or plan.symptom_rate == 0:
        return lowered
    return replace(lowered, symptom_threshold=draws().symptoms)


def with_screening(lowered: Lowered, draws: Draws) -> Lowered:
    """``lowered`` with whether the patient attends screening when only a share of patients do
    (``ObservationPlan.screening_uptake``): one who does not is diagnosed by symptoms alone;
    ``lowered`` itself otherwise."""
    plan = lowered.observation
    if plan is None or plan.screening_uptake == 1.0:
        return lowered
    screened = draws().screened < plan.screening_uptake
    return replace(lowered, observation=replace(plan, screening=bool(screened), screening_uptake=1.0))


def with_host(lowered: Lowered, random_seed: int, patient: Optional[int]) -> Lowered:
    """``lowered`` with the host traits of patient ``patient`` (``None``: a single run) drawn on its
    host stream (``with_menopause``, ``with_sex``, ``with_immune_status``, ``with_lifespan``,
    ``with_symptoms``, ``with_screening``), drawn once if any trait needs them."""
    draws = cache(partial(host_draws, random_seed, patient))
    for trait in (with_menopause, with_sex, with_immune_status, with_lifespan, with_symptoms, with_screening):
        lowered = trait(lowered, draws)
    return lowered


def patient_drawn(lowered: Lowered, random_seed: int, patient: Optional[int]) -> Lowered:
    """``lowered`` with patient ``patient``'s own primary, its growth rate (its metastases' too),
    shedding rate and clone mix drawn from its ``variation`` on the patient's variation stream
    (``engine.variation.draw_patient``), and its host traits on its host stream (``with_host``);
    ``patient`` None: the single run, the scenario's own primary and its host traits drawn."""
    from .variation import draw_patient

    primary = lowered.primary
    if patient is not None and primary is not None and primary.variation.varies:
        lowered = draw_patient(lowered, np.random.default_rng(variation_seed_sequence(random_seed, patient)))
    return with_host(lowered, random_seed, patient)


def resolved(drawn: Lowered, metastasis: float = np.nan) -> Lowered:
    """A drawn patient (``patient_drawn``) with its therapy timed from its own diagnosis and from its
    first distant metastasis seen at ``metastasis`` (days; ``engine.therapy.treated``), and its
    niches from its primary's course (``engine.niche``)."""
    from .niche import with_niches
    from .therapy import treated

    return with_niches(treated(drawn, metastasis))


def run_lowered(lowered: Lowered, random_seed: int, patient: Optional[int], metastasis: float = np.nan) -> Lowered:
    """The lowered scenario that patient ``patient`` (None: the single run) of ``random_seed`` ran on,
    its first distant metastasis seen at ``metastasis`` (days; NaN: none, or no intervention timed
    from it): what a figure of the run reads its curves from."""
    return resolved(patient_drawn(lowered, random_seed, patient), metastasis)


def patient_lowered(lowered: Lowered, random_seed: int, patient: int) -> Lowered:
    """The lowered scenario that patient ``patient`` runs on (``patient_drawn``, then ``resolved``),
    before any intervention timed from its first distant metastasis (``run_patient`` sees when that
    is); ``lowered`` itself when nothing varies and nothing is given."""
    return resolved(patient_drawn(lowered, random_seed, patient))


def observation_seed_sequence(random_seed: int, patient: Optional[int]) -> np.random.SeedSequence:
    """The stream of the observation plan's draws (CTC counts) of patient ``patient``, or of a single
    run (``None``): apart from the engine and variation streams, so observing shifts no other draw."""
    return np.random.SeedSequence([random_seed, OBSERVATION_STREAM], spawn_key=() if patient is None else (patient,))


def observe_run(
    lowered: Lowered, outcome: RunOutcome, random_seed: int, patient: Optional[int]
) -> Optional[PatientObservations]:
    """What the observation plan of ``lowered`` sees of ``outcome`` (``engine.observation``) on its own
    stream; ``None`` without a plan."""
    if lowered.observation is None:
        return None
    from .observation import observe

    return observe(lowered, outcome, np.random.default_rng(observation_seed_sequence(random_seed, patient)))


def run_patient(
    lowered: Lowered, run: Callable[..., Any], random_seed: int, patient: int
) -> tuple[RunOutcome, Optional[PatientObservations]]:
    """Patient ``patient``'s outcome, one call of the engine ``run`` on its own stream, and what its
    observation plan sees of it (``observe_run``), both on the patient's own parameters."""
    drawn = patient_drawn(lowered, random_seed, patient)
    return _run_treated(drawn, run, patient_seed_sequence(random_seed, patient), random_seed, patient)


def run_single(lowered: Lowered, run: Callable[..., Any], random_seed: int) -> tuple[RunOutcome, Optional[PatientObservations]]:
    """One run of the scenario itself (no patient variation; its host traits drawn as a patient's,
    ``with_host``; its therapy and niches, ``resolved``) on the stream ``SeedSequence(random_seed)``,
    and what its observation plan sees of it."""
    drawn = patient_drawn(lowered, random_seed, None)
    return _run_treated(drawn, run, np.random.SeedSequence(random_seed), random_seed, None)


def _run_treated(
    drawn: Lowered, run: Callable[..., Any], stream: np.random.SeedSequence, random_seed: int, patient: Optional[int]
) -> tuple[RunOutcome, Optional[PatientObservations]]:
    """Run a drawn patient (``resolved``) on ``stream`` and observe it. With interventions timed
    from the first distant metastasis seen, a patient in whom one is seen runs again on the same
    stream with them: every imaging ends a window of the engine (``Scenario`` checks it), so the
    second run draws what the first drew up to that imaging, sees the same metastasis then, and is
    treated from it on (twice the engine's time for those patients)."""
    from .observation import first_distant_metastasis_time

    own = resolved(drawn)
    outcome = run(own, np.random.default_rng(stream))
    observed = observe_run(own, outcome, random_seed, patient)
    if observed is None or not drawn.waits_for_metastasis:
        return outcome, observed
    metastasis = first_distant_metastasis_time(own, outcome.lesions, observed)
    if np.isnan(metastasis):
        return outcome, observed
    own = resolved(drawn, metastasis)
    outcome = run(own, np.random.default_rng(stream))
    return outcome, observe_run(own, outcome, random_seed, patient)

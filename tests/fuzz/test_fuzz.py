"""Bad input never crashes, hangs or lies: a mutated catalogue scenario (mutations.py) either loads,
runs and passes its invariants, or is refused with a documented error, within a time limit.

The quick property runs a few dozen files in ``make test``; the slow one (``make validate-stats``)
a few hundred. A campaign of many files, each in a process of its own, is ``tests/fuzz/campaign.py``.
"""

from __future__ import annotations

import random
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import MUTATIONS, attempt, short_form

import metacascade as mc

#: Seconds a file may take to load and run (a short form runs in ~0.1-1 s).
TIME_LIMIT = 20


class Hang(Exception):
    """No answer within ``TIME_LIMIT``."""


@contextmanager
def time_limit(seconds: int):
    """Raise ``Hang`` in this (main) thread after ``seconds``."""

    def expire(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_file(name: str, mutation, rng: random.Random) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.yaml"
        path.write_bytes(mutation(short_form(name), rng))
        with time_limit(TIME_LIMIT):
            return attempt(path)


FILES = dict(name=st.sampled_from(mc.scenario_names()), mutation=st.sampled_from(MUTATIONS),
             rng=st.randoms(use_true_random=False))
SETTINGS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=30, **SETTINGS)
@given(**FILES)
def test_a_mutated_scenario_runs_or_is_refused_in_time(name, mutation, rng):
    assert check_file(name, mutation, rng) in ("ran", "refused")


@pytest.mark.slow
@settings(max_examples=400, **SETTINGS)
@given(**FILES)
def test_many_mutated_scenarios_run_or_are_refused_in_time(name, mutation, rng):
    assert check_file(name, mutation, rng) in ("ran", "refused")


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda mutation: mutation.__name__)
def test_every_mutation_makes_a_file_that_is_refused_or_runs(mutation):
    assert check_file("luzzi1998_liver", mutation, random.Random(0)) in ("ran", "refused")

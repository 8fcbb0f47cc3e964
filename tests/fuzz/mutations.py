"""Mutated scenario files for fuzzing the loader and the engine (issue: bad input never crashes,
hangs or lies).

A mutation starts from a catalogue scenario in its resolved form, shortened so that a run takes a
fraction of a second (``short_form``), breaks it one way (``MUTATIONS``: extreme numbers, wrong
types, deleted keys, odd schedules, duplicate keys, non-UTF-8 bytes, alias bombs, huge files,
stray characters) and returns the bytes of a scenario file. ``attempt`` loads such a file and runs
it: a run's results must pass their invariants, and a bad file must raise a documented error
(``REFUSALS``); anything else propagates.
"""

from __future__ import annotations

import copy
import math
import random
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

import metacascade as mc
from metacascade.catalog.reading import MAX_SCENARIO_BYTES
from metacascade.engine.estimate import TooMuchWork
from metacascade.engine.pool import TooManyColonies
from metacascade.engine.spread import TooManyCells
from metacascade.model import bounds

#: The documented errors of a bad scenario (the CLI exits 2 on each).
REFUSALS = (mc.ScenarioError, TooManyColonies, TooManyCells, TooMuchWork)
#: Injected cells of a short form, at most.
SHORT_INJECTION = 1_000

_BOUNDS = [value for name, value in vars(bounds).items() if name.isupper() and isinstance(value, (int, float))]
#: Numbers a mutation writes: zero, signs, the extremes of float64, nan and inf, booleans, numbers
#: as strings, and every bound of the model, at it and just past it.
EXTREMES: list[Any] = [
    0, -1, 0.5, 1e-300, -1e-300, 1e308, -1e308, math.nan, math.inf, -math.inf, True, False, "many", "1e308", 2**64,
    *_BOUNDS, *(value * 1.001 for value in _BOUNDS),
]
#: Schedules (observation, imaging, blood-draw times) a mutation writes.
SCHEDULES: list[Any] = [
    [], [0.0], [-1.0], [1e308], [math.inf], [math.nan], [True], "soon", 7.0, [1.0, 1.0], [3.0, 1.0],
    [1e-300, 2e-300], [1.0, 1.0 + 1e-12], [bounds.MAX_DAYS], [bounds.MAX_DAYS * 1.001],
    [float(day) for day in range(1, bounds.MAX_TIMES + 1)], [float(day) for day in range(1, bounds.MAX_TIMES + 2)],
    [0.5 * k for k in range(1, 20_001)],
]
SCHEDULE_FIELDS = (("observation_times",), ("end_time",), ("observation", "imaging_times"), ("observation", "draw_times"))
#: Values a mutation puts where any value was.
ODD_VALUES: list[Any] = [None, [], {}, "text", 1, True, {"x": 1}, [1, 2]]


@lru_cache(maxsize=None)
def _short_form(name: str) -> dict:
    data = mc.load_scenario(name).resolved()
    horizon = data["observation_times"][min(1, len(data["observation_times"]) - 1)]
    data["observation_times"] = [t for t in data["observation_times"] if t <= horizon]
    data["end_time"] = horizon
    for schedule in ("imaging_times", "draw_times"):
        if data["observation"] is not None:
            data["observation"][schedule] = [t for t in data["observation"][schedule] if t <= horizon]
    for injection in data["injections"]:
        injection["num_cells"] = min(injection["num_cells"], SHORT_INJECTION)
    return data


def short_form(name: str) -> dict:
    """Catalogue scenario ``name``, resolved, followed to its second observation (the first two
    years of a patient), with at most ``SHORT_INJECTION`` cells injected: a run of ~0.1-1 s."""
    return copy.deepcopy(_short_form(name))


def _paths(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every value below ``data``, depth first."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield path + (key,), value
        yield from _paths(value, path + (key,))


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _dump(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


def _numbers(data: dict) -> list[tuple]:
    return [path for path, value in _paths(data) if isinstance(value, (int, float)) and not isinstance(value, bool)]


def extreme_numbers(data: dict, rng: random.Random) -> bytes:
    """One to three numbers set to extremes (``EXTREMES``)."""
    numbers = _numbers(data)
    for _ in range(rng.randint(1, 3)):
        _set(data, rng.choice(numbers), rng.choice(EXTREMES))
    return _dump(data)


def scaled_numbers(data: dict, rng: random.Random) -> bytes:
    """One to five numbers set to zero or scaled by up to 1e15 either way: mostly valid, and extreme."""
    numbers = _numbers(data)
    for _ in range(rng.randint(1, 5)):
        path = rng.choice(numbers)
        value = dict(_paths(data))[path]
        _set(data, path, 0 if rng.random() < 0.2 else type(value)(value * 10.0 ** rng.randint(-15, 15)))
    return _dump(data)


def odd_value(data: dict, rng: random.Random) -> bytes:
    """Any value replaced by one of another type (``ODD_VALUES``)."""
    _set(data, rng.choice([path for path, _ in _paths(data)]), rng.choice(ODD_VALUES))
    return _dump(data)


def deleted_key(data: dict, rng: random.Random) -> bytes:
    """A key of any mapping deleted."""
    mappings = [value for _, value in _paths(data) if isinstance(value, dict) and value] + [data]
    mapping = rng.choice(mappings)
    del mapping[rng.choice(list(mapping))]
    return _dump(data)


def odd_schedule(data: dict, rng: random.Random) -> bytes:
    """An observation, imaging or blood-draw schedule, or the end time, set to an odd one (``SCHEDULES``)."""
    path = rng.choice([path for path in SCHEDULE_FIELDS if path[0] in data and data[path[0]] is not None])
    _set(data, path, rng.choice(SCHEDULES))
    if rng.random() < 0.5:
        data["end_time"] = None
    return _dump(data)


def duplicate_key(data: dict, rng: random.Random) -> bytes:
    """A ``key: value`` line of the YAML written twice."""
    lines = _dump(data).decode("utf-8").splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines) if re.match(r"^ *[\w:.-]+: \S", line)]
    i = rng.choice(candidates)
    lines.insert(i + 1, lines[i])
    return "".join(lines).encode("utf-8")


def non_utf8(data: dict, rng: random.Random) -> bytes:
    """A byte that cannot start a UTF-8 character, or a lone lead byte, inserted anywhere."""
    text = _dump(data)
    at = rng.randrange(len(text))
    return text[:at] + bytes([rng.randrange(0x80, 0x100)]) + text[at:]


def alias_bomb(data: dict, rng: random.Random) -> bytes:
    """A billion-laughs chain of anchors (2-9 levels of 2-10 aliases each) written into the description."""
    levels, width = rng.randint(2, 9), rng.randint(2, 10)
    lines = [f"lol0: &lol0 [{', '.join(['lol'] * width)}]"]
    lines += [f"lol{k}: &lol{k} [{', '.join([f'*lol{k - 1}'] * width)}]" for k in range(1, levels)]
    data["description"] = "BOMB"
    text = _dump(data).decode("utf-8").replace("description: BOMB", f"description: *lol{levels - 1}")
    return ("\n".join(lines) + "\n" + text).encode("utf-8")


def huge_file(data: dict, rng: random.Random) -> bytes:
    """A description that makes the file larger than the size limit, up to 20 MiB."""
    data["description"] = "HUGE"
    return _dump(data).replace(b"description: HUGE", b"description: " + b"x" * rng.randint(MAX_SCENARIO_BYTES, 20 * 2**20))


def stray_character(data: dict, rng: random.Random) -> bytes:
    """A character deleted, or one with a meaning in YAML inserted, anywhere."""
    text = _dump(data)
    at = rng.randrange(len(text))
    if rng.random() < 0.3:
        return text[:at] + text[at + 1:]
    return text[:at] + bytes([rng.choice(b":{}[]&*!|>'\"%@`#-? \t\n\x00")]) + text[at:]


#: Every mutation: a function (short form, random source) -> the bytes of a scenario file.
MUTATIONS: tuple[Callable[[dict, random.Random], bytes], ...] = (
    extreme_numbers, scaled_numbers, odd_value, deleted_key, odd_schedule, duplicate_key, non_utf8, alias_bomb, huge_file,
    stray_character,
)


def attempt(path: Path, *, random_seed: int = 0) -> str:
    """Load the scenario file ``path`` and run it: "ran" (its results pass ``Results.check``) or
    "refused" (one of ``REFUSALS``); anything else raises."""
    try:
        results = mc.simulate(mc.load_scenario(path), random_seed=random_seed)
    except REFUSALS:
        return "refused"
    results.check()
    return "ran"

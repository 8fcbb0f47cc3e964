"""A hand-built assay outcome whose ledger is worked out by hand (helpers for the results tests)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from metacascade.engine.outcome import SNAPSHOT_FIELDS, RunOutcome, Lesions, Snapshot

ORGANS = ("lung", "liver")
TIMES = (1.0, 5.0)

#: Founder counts per time and organ (fields not listed are 0). 100 cells injected, 2 die in
#: transit, 8 arrest in the lung and 90 in the liver. Worked out by hand to conserve founders.
HAND_COUNTS = {
    1.0: {
        "lung": {"in_vessel": 3, "dead_in_vessel": 5},
        "liver": {
            "in_vessel": 10, "solitary": 29, "solitary_dormant": 20, "dead_in_vessel": 10,
            "dead_apoptosis": 10, "dividing_single": 2, "micromet_2_3": 3, "micromet_4_16": 1,
            "micromet_17plus": 1, "dormant_micromet": 1, "extinct": 2, "cleared": 1,
            "founded_direct": 11, "reached_bound": 1,
        },
    },
    5.0: {
        "lung": {"dead_in_vessel": 8},
        "liver": {
            "solitary_dormant": 30, "dead_dormant": 3, "founded_reactivated": 2, "dead_in_vessel": 12,
            "dead_apoptosis": 25, "dividing_single": 1, "micromet_2_3": 2, "micromet_4_16": 2,
            "micromet_17plus": 2, "extinct": 6, "cleared": 3, "reached_bound": 4, "dormant_micromet": 1,
            "switched": 2, "macromet": 2, "regressed": 1, "founded_direct": 18,
        },
    },
}


def hand_outcome(counts: dict = HAND_COUNTS) -> RunOutcome:
    snapshots = []
    for time, organs in counts.items():
        fields = {name: np.zeros((1, len(ORGANS)), np.int64) for name in SNAPSHOT_FIELDS}
        for o, organ in enumerate(ORGANS):
            for name, value in organs.get(organ, {}).items():
                fields[name][0, o] = value
        cells = np.array([[3.0, 1000.0 * time]])
        snapshots.append(Snapshot(
            time=time, counts=fields, cells=cells, in_transit=np.zeros(1, np.int64),
            entered=np.array([100]), arrested=np.array([[8, 90]]), died_in_transit=np.array([2]),
        ))
    lesions = Lesions(
        clone=np.array([0, 0]),
        organ=np.array([1, 1]),
        tracked_time=np.array([0.5, 2.0]),
        bound_time=np.array([0.9, 3.0]),
        switch_time=np.array([np.nan, 4.0]),
        regression_time=np.array([np.nan, np.nan]),
        size=np.array([[150.0, 200.0], [0.0, 5e4]]),
    )
    return RunOutcome(
        injected=np.array([100]),
        snapshots=snapshots,
        lesions=lesions,
    )


def hand_lowered() -> SimpleNamespace:
    return SimpleNamespace(clone_names=("A",), organ_names=ORGANS, observation_times=np.array(TIMES))


def hand_provenance() -> dict:
    return {
        "package": "metacascade",
        "version": "test",
        "engine": "hand",
        "random_seed": 0,
        "call": {"verb": "hand"},
        "scenario": {
            "name": "hand_built",
            "anatomy": {"organs": {organ: {} for organ in ORGANS}},
            "clones": {"A": {}},
            "injections": [{"clone": "A", "vessel": "tail_vein", "num_cells": 100}],
            "observation_times": list(TIMES),
        },
        "created": "2000-01-01T00:00:00+00:00",
    }



"""Hand-built patients for observation tests: an exponential primary (N = e^{r t} from one cell),
so that every expectation has an independent closed form, and lesions written by hand."""

import numpy as np

from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import lower
from metacascade.engine.outcome import RunOutcome, Lesions

RATE = 0.03  # per day: the primary holds e^{0.03 t} cells
BOUND, GOMPERTZ = 1e6, 0.01  # avascular bound (cells) and Gompertz rate of lesions (per day)
SHEDDING, LYMPHATIC = 3.2e6, 0.25
IMAGING = [300.0, 500.0, 650.0, 700.0, 750.0, 800.0, 850.0, 900.0]


def patient(site="breast", horizon=900.0, clone=None, **plan):
    """A lowered patient whose primary at ``site`` reaches 1e9 cells at ln(1e9)/0.03 = 690.8 days;
    ``clone``: traits of both its clones."""
    traits = {"fates": {"avascular_bound_cells": BOUND, "gompertz_rate": GOMPERTZ}, **(clone or {})}
    return lower(scenario_from_data({
        "name": "observed_patient", "anatomy": "human_adult",
        "clones": {"A": traits, "B": traits},
        "primary": {"site": site, "growth": {"law": "exponential", "rate_per_day": RATE},
                    "shedding_rate_per_g_day": SHEDDING, "lymphatic_fraction": LYMPHATIC,
                    "clone_mix": {"A": 0.75, "B": 0.25}},
        "observation_times": [horizon],
        "observation": {"imaging_times": IMAGING, **plan},
    }))


def lesions(lowered, *rows):
    """Lesions from rows (organ, bound_time, switch_time, regression_time[, clone]); NaN: never."""
    organ = [lowered.organ_names.index(row[0]) for row in rows]
    clone = [row[4] if len(row) > 4 else 0 for row in rows]
    times = np.array([row[1:4] for row in rows], dtype=float).reshape(-1, 3)
    return Lesions(
        clone=np.array(clone, dtype=np.int64), organ=np.array(organ, dtype=np.int64),
        tracked_time=times[:, 0] - 10.0, bound_time=times[:, 0], switch_time=times[:, 1],
        regression_time=times[:, 2], size=np.zeros((len(rows), lowered.observation_times.size)),
    )


def outcome_of(records):
    return RunOutcome(injected=np.zeros(2, dtype=np.int64), lesions=records)

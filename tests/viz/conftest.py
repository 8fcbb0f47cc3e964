"""Small real runs for the figure tests, simulated once per session: a Luzzi 1998 liver assay, and
a 30-patient breast cohort at summary and at full detail (the same patients: same seed)."""

import pytest

import metacascade as mc

SEED = 1
PATIENTS = 30


@pytest.fixture(scope="session")
def assay():
    return mc.simulate("luzzi1998_liver", random_seed=SEED)


@pytest.fixture(scope="session")
def cohort():
    return mc.simulate("breast_patient", num_patients=PATIENTS, random_seed=SEED)


@pytest.fixture(scope="session")
def full_cohort():
    return mc.simulate("breast_patient", num_patients=PATIENTS, random_seed=SEED, detail="full")

"""Clinical checks of treated cohorts: the SEER summary stage read from each patient at its own
diagnosis, and survival counted from diagnosis."""

import numpy as np
import pandas as pd
import pytest

from metacascade.analysis.targets import load_targets
from metacascade.validation.clinical import (
    CLINICAL_BREAST, STAGES, seer_stage_survival, stage_at_diagnosis, survival_after_diagnosis, treated_cohort,
)

NAN = np.nan


def test_the_stage_is_each_diagnosed_patients_own_stage_at_diagnosis():
    patients = pd.DataFrame({
        "patient": [0, 1, 2, 3],
        "diagnosis_time": [365.25, 400.0, 730.5, NAN],
        "stage": ["localized", "regional", "distant", ""],
    })
    assert stage_at_diagnosis(patients).to_dict() == {0: "localized", 1: "regional", 2: "distant"}


def test_net_survival_censors_the_deaths_from_other_causes():
    # diagnosed at 0: a cancer death at 1 y, another cause at 2 y, one alive at 6 y
    patients = pd.DataFrame({
        "diagnosis_time": [0.0, 0.0, 0.0],
        "death_time": [365.25, 730.5, NAN],
        "death_cause": ["lethal_burden", "other_causes", ""],
        "follow_up_time": [365.25, 730.5, 2191.5],
    })
    assert survival_after_diagnosis(patients, 1826.25)[0] == pytest.approx(1.0 / 3.0)
    assert survival_after_diagnosis(patients, 1826.25, net=True)[0] == pytest.approx(2.0 / 3.0)


def test_survival_is_counted_from_each_patients_diagnosis():
    # diagnosed at 365 and 1000: deaths 2 and 4 years after diagnosis, one censored at 6 years
    patients = pd.DataFrame({
        "diagnosis_time": [365.0, 1000.0, 365.0, 365.0],
        "death_time": [365.0 + 730.0, 1000.0 + 1461.0, NAN, NAN],
        "follow_up_time": [365.0 + 730.0, 1000.0 + 1461.0, 365.0 + 2191.5, 365.0 + 1000.0],
    })
    value, se = survival_after_diagnosis(patients, 1826.25)
    # Kaplan–Meier: 3/4 after the death at 2 y; the patient censored at 1000 d leaves 2 at risk; 1/2 after 4 y
    assert value == pytest.approx(0.75 * 0.5) and se > 0
    assert np.isnan(survival_after_diagnosis(patients.iloc[:0], 1826.25)[0])


def test_the_seer_check_compares_stage_shares_and_five_year_survival_per_stage():
    target = load_targets()["seer_breast_stage_survival"]
    outcome = seer_stage_survival(target, True, 2026)
    assert set(outcome.entries) == {f"{what}/{stage}" for what in ("stage_pct", "survival_5y_pct") for stage in STAGES}
    cohort = treated_cohort(CLINICAL_BREAST, True, 2026)
    assert cohort.provenance["scenario"]["therapy"]["interventions"][0]["kind"] == "surgery"
    assert cohort.provenance["scenario"]["observation"]["screening"] is False
    stage = stage_at_diagnosis(cohort.patients)
    shares = sum(outcome.entries[f"stage_pct/{name}"]["simulated"] for name in STAGES)
    assert len(stage) > 0 and shares == pytest.approx(100.0)
    assert outcome.verdict in ("pass", "mismatch") and "no systemic therapy" in outcome.reason


def test_late_recurrence_is_read_among_node_negative_patients_free_of_metastasis_at_five_years():
    from metacascade.validation.clinical import late_distant_recurrence

    target = load_targets()["pan2017_late_distant_recurrence"]
    outcome = late_distant_recurrence(target, True, 2026)
    cohort = treated_cohort("breast_patient", True, 2026, endocrine=True)
    therapy = cohort.provenance["scenario"]["therapy"]["interventions"]
    assert [intervention["kind"] for intervention in therapy] == ["surgery", "endocrine"]
    assert all(clone["hormone_sensitive"] for clone in cohort.provenance["scenario"]["clones"].values())
    assert 0.0 <= float(outcome.simulated.split()[0]) <= 1.0 and "5 to 20 years after diagnosis" in outcome.reason


def test_untreated_survival_is_read_from_each_patients_diagnosis_without_therapy():
    from metacascade.validation.clinical import untreated_breast_survival, untreated_cohort

    target = load_targets()["bloom1962_untreated_breast_survival"]
    outcome = untreated_breast_survival(target, True, 2026)
    cohort = untreated_cohort(CLINICAL_BREAST, True, 2026)
    assert cohort.provenance["scenario"].get("therapy") is None
    assert set(outcome.entries) == {"median_years", "survival_5y_pct", "survival_10y_pct"}
    diagnosed = cohort.patients.dropna(subset=["diagnosis_time"])
    five_years, _ = survival_after_diagnosis(diagnosed, 5 * 365.25)
    assert outcome.entries["survival_5y_pct"]["simulated"] == pytest.approx(100.0 * five_years)
    assert outcome.verdict in ("pass", "mismatch") and "from their first symptom" in outcome.reason

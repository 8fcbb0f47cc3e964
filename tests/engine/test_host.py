"""The host lowered to the engine: constant factors on the base rates (immune killing in transit and
of micrometastases, reactivation), the immune status's own factor drawn per patient, a
menopausal status, given or drawn per patient on a stream of its own (the host's), that decides
whether bone-targeted therapy acts, and a sex, given or drawn, whose body lacks the other sex's organs. A host that changes nothing gives the
run without it, draw for draw."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from scipy import stats

from metacascade import ScenarioError, load_scenario, simulate
from metacascade.catalog import scenario_from_data
from metacascade.engine.lower import absent_organs, lower
from metacascade.engine.patient import host_draws, patient_lowered, with_host, with_menopause, with_sex
from metacascade.engine.routing import delivery_matrix

from test_therapy import ENDOCRINE, cohort, patient_data, same_tables
from seeded import FALSE_ALARM

BONE = {"kind": "bone_targeted", "factor": 0.5}


def hosted(host, *interventions, **clone) -> dict:
    """``patient_data`` of test_therapy with ``host`` (None: no host) and ``interventions``."""
    data = patient_data(*interventions, **clone) if interventions else patient_data(None, **clone)
    return data if host is None else {**data, "host": host}


def lowered_patient(host, *interventions, patient: int = 0):
    return patient_lowered(lower(scenario_from_data(hosted(host, *interventions))), 11, patient)


@pytest.fixture(scope="module")
def treated():
    return cohort(hosted(None, ENDOCRINE, BONE, hormone_sensitive=True))


def test_a_host_that_changes_nothing_gives_the_cohort_without_a_host(treated):
    assert treated.patients.diagnosis_time.notna().sum() >= 2  # patients treated from their diagnosis
    for host in ({}, {"immune_status": 1.0, "reactivation_factor": 1.0, "menopausal_status": "postmenopausal"}):
        same_tables(cohort(hosted(host, ENDOCRINE, BONE, hormone_sensitive=True)), treated)


def test_drawing_the_menopausal_status_moves_no_other_draw(treated):
    """Without bone-targeted therapy the status changes nothing: the cohort is the one without a host."""
    no_bone = cohort(hosted(None, ENDOCRINE, hormone_sensitive=True))
    same_tables(cohort(hosted({"postmenopausal_probability": 0.5}, ENDOCRINE, hormone_sensitive=True)), no_bone)
    assert not no_bone.equals(treated, provenance=False)  # while bone-targeted therapy does act


def test_immune_status_multiplies_transit_death_and_clearance_and_the_host_raises_reactivation():
    base = lower(scenario_from_data(hosted(None)))
    host = lower(scenario_from_data(hosted({"immune_status": 2.0, "reactivation_factor": 3.0})))
    np.testing.assert_allclose(host.routing.segment_survival, base.routing.segment_survival ** 2)
    assert (base.routing.segment_survival < 1).all()  # cells do die in transit
    np.testing.assert_allclose(host.rates["clearance_rate"], 2.0 * base.rates["clearance_rate"])
    np.testing.assert_allclose(host.rates["reactivation_rate"], 3.0 * base.rates["reactivation_rate"])
    assert base.rates["clearance_rate"].min() > 0 and base.rates["reactivation_rate"].min() > 0
    unchanged = set(base.rates) - {"clearance_rate", "reactivation_rate"}
    for name in unchanged:
        np.testing.assert_array_equal(host.rates[name], base.rates[name])


def assay(host) -> dict:
    return {"name": "immune_assay", "anatomy": "mouse",
            "clones": {"A": {"transit_death_rate": 3000.0,
                             "fates": {"division_rate": 1.0, "clearance_rate": 0.5, "birth_rate": 0.3}}},
            "injections": [{"clone": "A", "vessel": "tail_vein", "num_cells": 20000}],
            "observation_times": [3.0, 14.0], "host": host}


def shares(host, seed: int) -> tuple[float, float]:
    """Shares of the injected cells that died in transit, and of the micrometastases that were cleared."""
    ledger = simulate(scenario_from_data(assay(host)), random_seed=seed).ledger
    count = ledger.groupby(["step", "flow"])["count"].sum()
    return (count["transit", "died"] / count["transit", "entered"],
            count["micrometastasis", "cleared"] / count["micrometastasis", "entered"])


def test_a_stronger_immune_response_kills_more_cells_in_transit_and_clears_more_micrometastases(any_seed):
    died, cleared = shares(None, any_seed)
    assert 0.05 < died < 0.9 and 0.05 < cleared < 0.9  # room to rise
    stronger_died, stronger_cleared = shares({"immune_status": 2.0}, any_seed)
    assert stronger_died > died + 0.05 and stronger_cleared > cleared + 0.05


def bone_factor(own) -> np.ndarray:
    """The factor on bone's division rate in each of ``own``'s epochs (none: [])."""
    if own.epochs is None:
        return np.array([])
    bone = own.organ_names.index("bone")
    return own.epochs.rate_multipliers["division_rate"][:, 0, bone]


def test_bone_targeted_therapy_acts_in_a_postmenopausal_or_unknown_host_and_not_in_a_premenopausal_one():
    np.testing.assert_array_equal(bone_factor(lowered_patient({"menopausal_status": "postmenopausal"}, BONE)), [0.5])
    np.testing.assert_array_equal(bone_factor(lowered_patient({}, BONE)), [0.5])
    np.testing.assert_array_equal(bone_factor(lowered_patient(None, BONE)), [0.5])
    assert lowered_patient({"menopausal_status": "premenopausal"}, BONE).epochs is None
    # the rest of the schedule still acts in a premenopausal host
    immunotherapy = {"kind": "immunotherapy", "clearance_factor": 3.0}
    premenopausal = lowered_patient({"menopausal_status": "premenopausal"}, BONE, immunotherapy)
    np.testing.assert_array_equal(bone_factor(premenopausal), [1.0])
    assert (premenopausal.epochs.rate_multipliers["clearance_rate"] == 3.0).all()


@pytest.mark.seeds(3)
def test_each_patient_is_postmenopausal_with_the_asked_probability_and_keeps_its_other_draws(any_seed):
    chance, patients = 0.3, 2000
    lowered = lower(scenario_from_data(hosted({"postmenopausal_probability": chance})))
    drawn = [with_menopause(lowered, partial(host_draws, any_seed, patient)).postmenopausal
             for patient in range(patients)]
    assert set(drawn) == {0.0, 1.0}
    assert stats.binomtest(int(sum(drawn)), patients, chance).pvalue > FALSE_ALARM
    without = lower(scenario_from_data(hosted(None)))
    for patient in range(3):
        own, plain = patient_lowered(lowered, any_seed, patient), patient_lowered(without, any_seed, patient)
        assert own.primary.rate == plain.primary.rate != lowered.primary.rate  # the same, varying, draw


@pytest.mark.seeds(3)
def test_each_patients_immune_status_is_lognormal_around_the_hosts_and_moves_no_other_draw(any_seed):
    sigma, patients, chance = 0.5, 1000, {"postmenopausal_probability": 0.3}
    base = lower(scenario_from_data(hosted({"immune_status": 2.0, **chance})))
    varied = lower(scenario_from_data(hosted({"immune_status": 2.0, "immune_status_sigma": sigma, **chance})))
    own = [with_host(varied, any_seed, patient) for patient in range(patients)]
    factors = np.array([o.rates["clearance_rate"][0, 0] / base.rates["clearance_rate"][0, 0] for o in own])
    assert stats.kstest(np.log(factors) / sigma, "norm").pvalue > FALSE_ALARM
    for patient in range(3):
        drawn = own[patient]
        np.testing.assert_allclose(drawn.routing.segment_survival, base.routing.segment_survival ** factors[patient],
                                   rtol=1e-12)
        for name in set(base.rates) - {"clearance_rate"}:
            np.testing.assert_array_equal(drawn.rates[name], base.rates[name])
        assert drawn.postmenopausal == with_menopause(base, partial(host_draws, any_seed, patient)).postmenopausal
        rates = [patient_lowered(lowered, any_seed, patient).primary.rate for lowered in (varied, base)]
        assert rates[0] == rates[1] != base.primary.rate  # the same, varying, draw
    assert {o.postmenopausal for o in own} == {0.0, 1.0}


def test_a_single_run_draws_its_status_too_and_a_known_one_is_not_drawn():
    lowered = lower(scenario_from_data(hosted({"postmenopausal_probability": 0.5})))
    assert {with_menopause(lowered, partial(host_draws, seed, None)).postmenopausal for seed in range(20)} == {0.0, 1.0}
    known = lower(scenario_from_data(hosted({"menopausal_status": "premenopausal"})))
    assert with_menopause(known, partial(host_draws, 1, 0)) is known


def test_an_immune_status_that_keeps_cells_in_the_circulation_for_years_is_refused_by_name():
    """Cells too small to arrest leave the blood only by dying: at 0.01/day in 100 days, at 0.1x that in 1000."""
    wide = {**load_scenario("luzzi1998_liver").anatomy.model_dump(), "arrest_width_um": 0.1}
    wide["organs"] = {name: {**organ, "bed_diameter_um": 1000.0} for name, organ in wide["organs"].items()}
    data = {**assay(None), "anatomy": wide, "clones": {"A": {"transit_death_rate": 0.01, "diameter_um": 0.1}}}
    lower(scenario_from_data(data))
    with pytest.raises(ScenarioError, match=r"clones\.A\.transit_death_rate: .* at 0\.01/day times "
                                            r"host\.immune_status 0\.1 stay 1e\+03 days"):
        lower(scenario_from_data({**data, "host": {"immune_status": 0.1}}))


@pytest.mark.seeds(3)
def test_each_patient_is_a_woman_with_the_asked_probability_whose_body_lacks_mens_organs(any_seed):
    chance, patients = 0.35, 2000
    lowered = lower(scenario_from_data(hosted({"female_probability": chance})))
    assert lowered.female == chance and np.isin(["prostate", "vagina"], lowered.organ_names).all()
    drawn = [with_sex(lowered, partial(host_draws, any_seed, patient)) for patient in range(patients)]
    women = np.array([patient.female for patient in drawn])
    assert set(women) == {0.0, 1.0}
    assert stats.binomtest(int(women.sum()), patients, chance).pvalue > FALSE_ALARM
    organs = lowered.organ_names
    for patient in drawn[:20]:
        arrests = delivery_matrix(patient.routing, 0)[:, :-1]  # from every entry vessel
        absent = absent_organs(lowered.organ_sex, bool(patient.female))
        assert (arrests[:, absent] == 0).all() and (arrests[:, ~absent].sum(axis=1) > 0).all()
        assert {organs[i] for i in np.flatnonzero(absent)} == (
            {"prostate", "testes"} if patient.female else {"ovaries", "uterus", "vagina"})
    without = lower(scenario_from_data(hosted(None)))
    for patient in range(3):  # drawing the sex moves no other draw
        own, plain = patient_lowered(lowered, any_seed, patient), patient_lowered(without, any_seed, patient)
        assert own.primary.rate == plain.primary.rate != lowered.primary.rate


def test_a_known_sex_is_in_the_lowered_routing_and_not_drawn_and_an_unknown_one_keeps_every_organ():
    woman = lower(scenario_from_data(hosted({"sex": "female"})))
    assert with_sex(woman, partial(host_draws, 1, 0)) is woman and woman.female == 1.0
    arrests = delivery_matrix(woman.routing, 0)[:, :-1]
    organs = np.array(woman.organ_names)
    assert (arrests[:, np.isin(organs, ["prostate", "testes"])] == 0).all()
    assert (arrests[:, np.isin(organs, ["ovaries", "uterus", "vagina"])] > 0).all()
    unknown = lower(scenario_from_data(hosted(None)))
    assert unknown.female is None and (delivery_matrix(unknown.routing, 0)[:, :-1][:, organs != "lung"] > 0).any(axis=0).all()


def test_the_patients_table_says_each_patients_sex_where_the_host_gives_one():
    drawn = cohort(hosted({"female_probability": 0.5})).patients.sex
    assert set(drawn) <= {"female", "male"} and len(drawn) == 4
    assert list(cohort(hosted({"sex": "male"})).patients.sex) == ["male"] * 4
    assert list(cohort(hosted(None)).patients.sex) == [""] * 4

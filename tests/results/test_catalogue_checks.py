"""Every catalogue scenario's results pass their invariants (cluster clones included), one run and
a small cohort at both output levels."""

import pytest

from metacascade import simulate
from metacascade.catalog import scenario_names


@pytest.mark.parametrize("name", scenario_names())
def test_every_catalogue_scenario_passes_its_invariants(name):
    results = simulate(name, random_seed=1)
    results.check()
    assert set(results.clone_names) == set(results.observations["clone"])


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_a_cohort_with_clusters_passes_its_invariants(detail):
    cohort = simulate("breast_patient", num_patients=3, random_seed=2, chunk_size=2, detail=detail)
    assert any(name.endswith(":cluster") for name in cohort.clone_names)
    cohort.check()

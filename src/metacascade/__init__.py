"""metacascade: whole-body simulation of the cancer metastatic cascade.

>>> import metacascade as mc
>>> results = mc.simulate("luzzi1998_liver", random_seed=1998)
>>> results.summary()                      # fractions of injected cells per observation day
>>> results.ledger                         # the fate ledger (pandas)
>>> results.write("runs/luzzi")            # Parquet + provenance.json
>>> mc.replay(mc.load_results("runs/luzzi")).equals(results)
True
>>> cohort = mc.simulate("luzzi1998_liver", num_patients=100, random_seed=1, out="runs/cohort")
>>> cohort.query("select organ, count(*) from lesions group by organ")   # SQL over Parquet chunks
"""

from ._version import __version__
from .catalog import load_scenario, scenario_names
from .model import Anatomy, Clone, FateRates, Injection, Scenario, ScenarioError
from .results import Cohort, Results, load_cohort, load_results
from .simulate import replay, simulate

__all__ = [
    "Anatomy",
    "Clone",
    "Cohort",
    "FateRates",
    "Injection",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_cohort",
    "load_results",
    "load_scenario",
    "replay",
    "scenario_names",
    "simulate",
]

"""metacascade: whole-body simulation of the cancer metastatic cascade.

>>> import metacascade as mc
>>> results = mc.simulate("luzzi1998_liver", random_seed=1998)
>>> results.summary()                      # fractions of injected cells per observation day
>>> results.ledger                         # the fate ledger (pandas)
>>> results.write("runs/luzzi")            # Parquet + provenance.json
>>> mc.replay(mc.load_results("runs/luzzi")).equals(results)
True
"""

from ._version import __version__
from .catalog import load_scenario, scenario_names
from .model import Anatomy, Clone, FateRates, Injection, Scenario, ScenarioError
from .results import Results, load_results
from .simulate import replay, simulate

__all__ = [
    "Anatomy",
    "Clone",
    "FateRates",
    "Injection",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_results",
    "load_scenario",
    "replay",
    "scenario_names",
    "simulate",
]

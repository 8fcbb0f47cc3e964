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

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from ._version import __version__

if TYPE_CHECKING:  # for type checkers and API documentation; EXPORTS imports them at run time
    from .catalog import load_scenario, scenario_names
    from .model import Anatomy, Clone, FateRates, Injection, Scenario, ScenarioError
    from .results import Cohort, Results, load_cohort, load_results
    from .simulate import replay, simulate
    from .trial import Trial, load_trial, trial

#: The public API: name -> the module it is imported from on first use (``_lazy``).
EXPORTS = {
    **dict.fromkeys(("load_scenario", "scenario_names"), ".catalog"),
    **dict.fromkeys(("Anatomy", "Clone", "FateRates", "Injection", "Scenario", "ScenarioError"), ".model"),
    **dict.fromkeys(("Cohort", "Results", "load_cohort", "load_results"), ".results"),
    **dict.fromkeys(("replay", "simulate"), ".simulate"),
    **dict.fromkeys(("Trial", "load_trial", "trial"), ".trial"),
}
lazy_exports(__name__, EXPORTS)

__all__ = [
    "Anatomy",
    "Clone",
    "Cohort",
    "FateRates",
    "Injection",
    "Results",
    "Scenario",
    "ScenarioError",
    "Trial",
    "__version__",
    "load_cohort",
    "load_results",
    "load_scenario",
    "load_trial",
    "replay",
    "scenario_names",
    "simulate",
    "trial",
]

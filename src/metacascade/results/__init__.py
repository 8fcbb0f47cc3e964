"""Results of a run: labelled pandas tables (observations, burden, fate ledger, lesions) and
provenance, saved as Parquet + JSON; a cohort's tables at its output level (``detail``: summary or
full), in Parquet chunks with a DuckDB catalogue. Imports the engine's outcome types, never the reverse."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and API documentation; EXPORTS imports them at run time
    from .cohort import Cohort, load_cohort
    from .io import PROVENANCE_FILE, TABLE_FILES
    from .ledger import STEPS
    from .results import TABLES, Results, load_results

#: The public names: name -> the module it is imported from on first use (``metacascade._lazy``).
EXPORTS = {
    **dict.fromkeys(("PROVENANCE_FILE", "TABLE_FILES"), ".io"),
    "STEPS": ".ledger",
    **dict.fromkeys(("TABLES", "Results", "load_results"), ".results"),
    **dict.fromkeys(("Cohort", "load_cohort"), ".cohort"),
}
lazy_exports(__name__, EXPORTS)

__all__ = ["PROVENANCE_FILE", "STEPS", "TABLES", "TABLE_FILES", "Cohort", "Results", "load_cohort", "load_results"]

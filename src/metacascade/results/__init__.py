"""Results of a run: labelled pandas tables (observations, burden, fate ledger, lesions) and
provenance, saved as Parquet + JSON; a cohort's tables at its output level (``detail``: summary or
full), in Parquet chunks with a DuckDB catalogue. Imports the engine's outcome types, never the reverse."""

from .io import PROVENANCE_FILE, TABLE_FILES
from .ledger import STEPS
from .results import TABLES, Results, load_results
from .cohort import Cohort, load_cohort  # noqa: E402 (needs .results first)

__all__ = ["PROVENANCE_FILE", "STEPS", "TABLES", "TABLE_FILES", "Cohort", "Results", "load_cohort", "load_results"]

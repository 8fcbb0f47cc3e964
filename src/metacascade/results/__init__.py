"""Results of a run: labelled pandas tables (observations, burden, fate ledger, lesions) and
provenance, saved as Parquet + JSON. Imports the engine's outcome types, never the reverse."""

from .io import PROVENANCE_FILE, TABLE_FILES
from .ledger import STEPS
from .results import TABLES, Results, load_results

__all__ = ["PROVENANCE_FILE", "STEPS", "TABLES", "TABLE_FILES", "Results", "load_results"]

"""SQL over any run directory (``metacascade query DIR SQL``): a cohort's chunks or one run's
tables, with the one-row ``provenance`` table (``database.PROVENANCE_COLUMNS``)."""

from __future__ import annotations

from typing import Union

import pandas as pd

from . import database
from .cohort import Cohort, load_cohort
from .io import PathLike
from .results import Results, load_results
from .rundir import PROVENANCE_FILE, is_cohort, read_provenance


def load_run(directory: PathLike) -> Union[Results, Cohort]:
    """The run written to ``directory``: a ``Cohort`` or ``Results``. A ``FileNotFoundError`` if it
    holds no run, a ``rundir.ProvenanceError`` if its provenance is damaged."""
    provenance = read_provenance(directory)
    if provenance is None:
        raise FileNotFoundError(f"{directory} is not a metacascade run directory: it has no {PROVENANCE_FILE}")
    return load_cohort(directory) if is_cohort(provenance) else load_results(directory)


def query_run(directory: PathLike, sql: str) -> pd.DataFrame:
    """Run DuckDB ``sql`` over the tables and the ``provenance`` of the run in ``directory``."""
    run = load_run(directory)
    if isinstance(run, Cohort):
        return run.query(sql)
    return database.query(sql, run.provenance, tables=run.tables())

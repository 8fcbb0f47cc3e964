"""The public exceptions and warnings of metacascade, in one place so that a caller can catch them
by name (``from metacascade.errors import ScenarioError``) or all at once (``MetacascadeError``).

Each also derives from the built-in exception it refines, so older ``except ValueError`` code
keeps working. This module imports nothing of the package: every layer may raise these.
"""

from __future__ import annotations


class MetacascadeError(Exception):
    """Any error that metacascade raises on purpose (its message says what to change)."""


class ScenarioError(MetacascadeError, ValueError):
    """A scenario (file or object) that cannot be used; the message names field, value and rule."""


class StaleCalibrationWarning(UserWarning):
    """A calibration record left out on loading: the file no longer holds what its fit started from."""


class TooMuchWork(MetacascadeError, ValueError):
    """A run would take more time or memory than the machine has (raised before anything is drawn)."""


class TooManyColonies(MetacascadeError, RuntimeError):
    """The scenario makes more colonies outgrow the pool than the engine follows one by one."""


class TooManyCells(MetacascadeError, RuntimeError):
    """Tumours would shed more cells in a window than the engine can draw (a documented overflow)."""


class ProvenanceError(MetacascadeError, ValueError):
    """A ``provenance.json`` that does not read as a metacascade provenance record."""


class DirectoryInUse(MetacascadeError, FileExistsError):
    """A run directory that another process is writing (it holds that process's ``.lock``)."""


class ForeignChunk(MetacascadeError, FileExistsError):
    """A chunk file in a run directory that records another run (or none)."""

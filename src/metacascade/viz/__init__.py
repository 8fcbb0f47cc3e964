"""Figures of a run (matplotlib, drawn off-screen): each a function taking a ``Results`` or a
``Cohort`` (and options) and returning a ``matplotlib.figure.Figure``.

>>> from metacascade import viz
>>> viz.kinds_for(cohort)                      # the figures that make sense for this run
>>> viz.save(viz.figure(cohort, "survival"), "survival.png")

Importing this package imports matplotlib (the [viz] extra); ``import metacascade`` does not.
"""

from .kinds import KINDS
from .registry import FIGURES, figure, kinds_for, save

__all__ = ["FIGURES", "KINDS", "figure", "kinds_for", "save"]

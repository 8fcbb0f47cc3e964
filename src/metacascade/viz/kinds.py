"""The figure kinds (``results.rundir.FIGURE_KINDS``: the files a run directory may hold) and what
each shows, in a sentence: a caption for the report and the web page."""

from __future__ import annotations

from ..results.rundir import FIGURE_KINDS

#: kind -> what the figure shows (``FIGURE_KINDS`` order).
KINDS: dict[str, str] = dict(zip(FIGURE_KINDS, (
    "The cascade as a fate Sankey diagram: cells entering each step and leaving it by each fate (log scale).",
    "A body map: where entering cells first arrest (arrows weighted by the delivery matrix) and the metastatic "
    "burden per organ (colour).",
    "Lesion timelines: each tracked lesion's size over time (log scale), with the avascular bound, the switch, "
    "detection and death.",
    "The organ pattern at autopsy against diSibio 2008 (95% binomial intervals), and how much of diSibio's pattern "
    "delivery, organ soil and seed-soil explain.",
    "Kaplan-Meier overall and metastasis-free survival with 95% bands and the patients at risk.",
    "The dormant pool: solitary and dormant cells per organ over time.",
    "Circulating tumour cells counted per blood draw over time.",
), strict=True))

"""The pieces of a self-contained HTML page: every text escaped (``html.escape``), figures embedded
as base64 PNG, one inline style sheet, no script and no external resource."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Optional

import numpy as np
import pandas as pd

#: Resolution of the embedded figures (dots per inch).
FIGURE_DPI = 100
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
caption { text-align: left; font-style: italic; padding-bottom: 0.3em; }
th, td { padding: 0.2em 0.6em; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
th { text-align: left; background: #f4f4f4; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; } dt { font-weight: bold; }
dd { margin: 0; } figure { margin: 1em 0 2em; } figure img { max-width: 100%; height: auto; }
figcaption { font-style: italic; } summary { cursor: pointer; margin: 0.5em 0; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; }
.pass { color: #1a7f37; } .mismatch { color: #c62828; } .not-yet { color: #a66b00; }
"""


def page(title: str, *parts: str) -> str:
    """A whole HTML document titled ``title`` holding ``parts`` (HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def paragraph(text: str, *, css: Optional[str] = None) -> str:
    attribute = f' class="{escape(css)}"' if css else ""
    return f"<p{attribute}>{escape(text)}</p>"


def preformatted(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def section(title: str, *parts: str) -> str:
    """A ``<section>`` headed ``title`` holding ``parts`` (HTML)."""
    return "<section>\n" + "\n".join([heading(title), *parts]) + "\n</section>"


def details(summary: str, *parts: str) -> str:
    """``parts`` (HTML) folded under ``summary``, opened by a click (no script needed)."""
    return f"<details><summary>{escape(summary)}</summary>\n" + "\n".join(parts) + "\n</details>"


def definitions(items: Mapping[str, Any]) -> str:
    """A definition list: each key (a term) and its value as text (``text``)."""
    rows = "".join(f"<dt>{escape(str(term))}</dt><dd>{escape(text(value))}</dd>" for term, value in items.items())
    return f"<dl>{rows}</dl>"


def text(value: Any) -> str:
    """One value as a reader sees it: floats to 4 significant digits, lists joined by ``, ``,
    mappings as ``key: value`` pairs, a missing value as ``—``."""
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(text, value))
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, float) and math.isnan(value) or value is pd.NA:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def percent(fraction: float) -> str:
    """A fraction as a percentage to 3 significant digits (``—`` where missing)."""
    if fraction is None or isinstance(fraction, float) and math.isnan(fraction):
        return "—"
    return f"{100.0 * fraction:.3g}%"


def table(frame: pd.DataFrame, caption: str, *, percent_columns: Sequence[str] = (),
          css: Optional[Mapping[str, Iterable[str]]] = None) -> str:
    """``frame`` (its index too, when named) as an HTML table captioned ``caption``, the
    ``percent_columns`` as percentages (``cell``); ``css``: column -> the class of each of its cells."""
    shown = frame.reset_index() if frame.index.name is not None else frame
    classes = {column: list(values) for column, values in (css or {}).items()}
    header = "".join(f"<th>{escape(str(column).replace('_', ' '))}</th>" for column in shown.columns)
    rows = []
    for position, row in enumerate(shown.itertuples(index=False)):
        cells = []
        for column, value in zip(shown.columns, row):
            number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            kind = [*(["number"] if number else []), *([classes[column][position]] if column in classes else [])]
            attribute = f' class="{escape(" ".join(kind))}"' if kind else ""
            cells.append(f"<td{attribute}>{escape(cell(value, as_percent=column in percent_columns))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table>\n<caption>{escape(caption)}</caption>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")


def cell(value: Any, *, as_percent: bool = False) -> str:
    """A table cell's text: a fraction as a percentage (``as_percent``), an integer with thousands
    separators, anything else by ``text``."""
    if as_percent:
        return percent(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return text(value)


def figure(fig: Any, caption: str) -> str:
    """A matplotlib figure as an embedded PNG (``data:`` URI) with ``caption``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure>\n<img src="data:image/png;base64,{data}" alt="{escape(caption)}">\n'
            f"<figcaption>{escape(caption)}</figcaption>\n</figure>")

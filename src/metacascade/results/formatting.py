"""Tables for a terminal and for a pipe, and times in the unit that fits them.

Every command that prints rows prints them here, in one of ``FORMATS``: ``table`` (rich, for a
terminal), ``csv``, ``json`` (a list of objects) or ``markdown``. Without ``--format`` a command
prints a table on a terminal and CSV into a pipe or a file (``default_format``). No format ever
loses a digit: a number is written as its shortest exact text (``repr``); a table too wide for the
terminal wraps its prose, and one too narrow even for its longest numbers prints each row as lines
of ``column  value`` instead (``to_records``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")
#: Units of time, largest first: (label, days).
TIME_UNITS: tuple[tuple[str, float], ...] = (("y", 365.25), ("d", 1.0), ("h", 1.0 / 24.0), ("min", 1.0 / 1440.0))


def default_format(stream: Optional[IO[str]] = None) -> str:
    """``table`` when ``stream`` (default: stdout) is a terminal, else ``csv``."""
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty is not None and isatty() else "csv"


def check_format(format: str) -> str:
    """``format`` if it is one of ``FORMATS``, else a ``ValueError`` naming what is allowed."""
    if format not in FORMATS:
        raise ValueError(f"format: unknown output format {format!r}; allowed: {', '.join(FORMATS)}")
    return format


# -- cells -------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as a plain Python value: numpy scalars unwrapped, missing values ``None``."""
    import pandas as pd  # loaded by then: the rows come in a DataFrame

    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def cell_text(value: Any) -> str:
    """The exact text of one cell: the shortest text that reads back as the same number, ``""``
    for a missing value, ``true``/``false`` for booleans, a list's items joined by ``, ``."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(cell_text, value))
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    value = plain(value)
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"  # JSON has no infinity
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return cell_text(value)


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    return frame[column].dtype.kind in "iuf"


# -- formats -----------------------------------------------------------------------------------


def to_csv(frame: pd.DataFrame) -> str:
    """CSV with a header line; numbers exact, missing values empty."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([str(column) for column in frame.columns])
    writer.writerows([cell_text(value) for value in row] for row in frame.itertuples(index=False))
    return text.getvalue()


def to_json(frame: pd.DataFrame) -> str:
    """A JSON list with one object per row (column -> value); missing values ``null``."""
    columns = [str(column) for column in frame.columns]
    records = [dict(zip(columns, map(_json_value, row))) for row in frame.itertuples(index=False)]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (``|`` escaped, numbers right-aligned)."""
    def escape(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    header = [escape(str(column)) for column in frame.columns]
    rule = ["---:" if _numeric(frame, column) else "---" for column in frame.columns]
    rows = [[escape(cell_text(value)) for value in row] for row in frame.itertuples(index=False)]
    return "".join("| " + " | ".join(cells) + " |\n" for cells in [header, rule, *rows])


def to_records(frame: pd.DataFrame) -> str:
    """Each row as lines of ``column  value``, rows apart by a blank line: the layout of a table
    that does not fit the terminal even with its cells folded at their longest word."""
    width = max((len(str(column)) for column in frame.columns), default=0)
    blocks = ["\n".join(f"{str(column):<{width}}  {cell_text(value)}" for column, value in zip(frame.columns, row))
              for row in frame.itertuples(index=False)]
    return "\n\n".join(blocks) + "\n"


def _least_width(frame: pd.DataFrame, prose: Sequence[str]) -> int:
    """Columns a ``rich_table`` of ``frame`` needs to break no word but those of the ``prose``
    columns (each column as wide as its longest word, one space either side)."""
    def longest_word(texts: Any) -> int:
        return max((len(word) for text in texts for word in text.split()), default=1)

    return sum(
        2 + (1 if column in prose else longest_word([str(column), *map(cell_text, frame[column])]))
        for column in frame.columns
    )


def compact_table(title: str = "") -> Any:
    """An empty rich table in the package's compact style (no vertical rules, one space between
    columns), so that tables fit a terminal."""
    from rich import box
    from rich.table import Table

    return Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 collapse_padding=True)


def rich_table(frame: pd.DataFrame, title: str = "", *, prose: Sequence[str] = (),
               wrap: Sequence[str] = ()) -> Any:
    """``frame`` as a compact rich table for a terminal: its ``wrap`` and ``prose`` columns narrow
    first, the cells of ``wrap`` wrapped onto more lines, those of ``prose`` kept to one and cut with
    an ellipsis; the other columns (numbers, names) stay whole on their line."""
    from rich.text import Text

    table = compact_table(title)
    for column in frame.columns:
        # a column's no_wrap keeps it from narrowing; a cell's, whether it wraps or is cut
        table.add_column(str(column), justify="right" if _numeric(frame, column) else "left",
                         no_wrap=column not in (*prose, *wrap))
    for row in frame.itertuples(index=False):
        table.add_row(*(
            Text(cell_text(value), no_wrap=column in prose, overflow="ellipsis" if column in prose else "fold")
            for column, value in zip(frame.columns, row)
        ))
    return table


def write_frame(frame: pd.DataFrame, format: str, *, title: str = "", prose: Sequence[str] = (),
                wrap: Sequence[str] = (), stream: Optional[IO[str]] = None, console: Any = None) -> None:
    """Write ``frame`` (its columns, not its index) to ``stream`` (default: stdout) in ``format``;
    a ``table`` goes to ``console`` if given and carries ``title``, its ``prose`` columns cut to one
    line and its ``wrap`` columns wrapped (``rich_table``), or its rows as records (``to_records``)
    where the terminal is too narrow for its longest words; the other formats hold the rows only."""
    check_format(format)
    if format == "table":
        from rich.console import Console

        console = console or Console(file=stream)
        if _least_width(frame, prose) <= console.width:
            console.print(rich_table(frame, title, prose=prose, wrap=wrap))
        else:
            console.print("\n".join(filter(None, [title, to_records(frame)])), soft_wrap=True, markup=False,
                          highlight=False, end="")
        return
    text = {"csv": to_csv, "json": to_json, "markdown": to_markdown}[format](frame)
    (stream if stream is not None else sys.stdout).write(text)


# -- times -------------------------------------------------------------------------------------


def _whole(count: float) -> bool:
    return count >= 1 and abs(count - round(count)) <= 1e-9 * count


def human_time(days: float) -> str:
    """A time in days in the unit that fits it: minutes below 2 hours, hours below 2 days, days
    below 2 years, else years (0.0625 -> ``90 min``, 0.3 -> ``7.2 h``, 3 -> ``3 d``); a whole number
    of a larger unit is written in it (1 -> ``1 d``, 365.25 -> ``1 y``). Four significant digits."""
    if not math.isfinite(days) or days == 0:
        return f"{days:g} d"
    size = abs(days)
    fits = next(index for index, (_, unit) in enumerate(TIME_UNITS) if size >= 2 * unit or unit == TIME_UNITS[-1][1])
    whole = [index for index, (_, unit) in enumerate(TIME_UNITS[:fits]) if _whole(size / unit)]
    label, unit = TIME_UNITS[whole[0] if whole else fits]
    count = days / unit
    return f"{round(count)} {label}" if _whole(abs(count)) else f"{count:.4g} {label}"


def human_times(days: Sequence[float]) -> list[str]:
    """``human_time`` of each of ``days``."""
    return [human_time(float(value)) for value in days]

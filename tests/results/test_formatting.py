"""Tables for a terminal and a pipe: every format keeps every digit; times in the unit that fits."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from metacascade.results.formatting import (
    FORMATS,
    check_format,
    default_format,
    human_time,
    to_csv,
    to_json,
    to_markdown,
    write_frame,
)

#: Numbers that a fixed number of significant digits (or a narrow column) would change.
NUMBERS = [1095.7534246575342, 0.1 + 0.2, 1e-300, 123456789012.25, -2.5e-8]
FRAME = pd.DataFrame({
    "organ": ["liver", "lung", "bone | marrow", "brain", "skin"],
    "days": NUMBERS,
    "count": np.arange(5, dtype=np.int64) * 10**15,
})


def rows_below_the_header(text: str) -> list[str]:
    lines = text.splitlines()
    rule = next(index for index, line in enumerate(lines) if "─" in line)
    return [line for line in lines[rule + 1:] if line.strip()]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_table_and_a_pipe_gets_csv():
    assert default_format(Terminal()) == "table"
    assert default_format(io.StringIO()) == "csv"
    assert check_format("json") == "json"
    with pytest.raises(ValueError, match=r"format: unknown output format 'xml'; allowed: table, csv, json, markdown"):
        check_format("xml")


def test_csv_reads_back_every_number_exactly():
    rows = list(csv.DictReader(io.StringIO(to_csv(FRAME))))
    assert [float(row["days"]) for row in rows] == NUMBERS
    assert [int(row["count"]) for row in rows] == FRAME["count"].tolist()
    assert rows[2]["organ"] == "bone | marrow"


def test_json_is_a_list_of_records_with_exact_numbers_and_nulls():
    frame = FRAME.assign(note=[None, np.nan, "x", ("a", "b"), np.inf])
    records = json.loads(to_json(frame))
    assert [record["days"] for record in records] == NUMBERS
    assert [record["count"] for record in records] == FRAME["count"].tolist()
    assert [record["note"] for record in records] == [None, None, "x", ["a", "b"], "inf"]


def test_markdown_escapes_pipes_and_keeps_every_digit():
    text = to_markdown(FRAME)
    lines = text.splitlines()
    assert lines[0] == "| organ | days | count |" and lines[1] == "| --- | ---: | ---: |"
    assert "bone \\| marrow" in text
    for number in NUMBERS:
        assert f"| {number!r} |" in text


@pytest.mark.parametrize("width", [30, 200])
def test_a_table_that_fits_shows_every_number_whole_on_its_row(width):
    console = Console(record=True, width=width)
    write_frame(FRAME[["days"]], "table", console=console)
    assert [line.strip() for line in rows_below_the_header(console.export_text())] == list(map(repr, NUMBERS))


@pytest.mark.parametrize("width", [8, 40])
def test_a_terminal_too_narrow_for_the_numbers_gets_records_not_cut_numbers(width):
    console = Console(record=True, width=width)
    write_frame(FRAME, "table", title="wide", console=console)
    text = console.export_text(styles=False)
    assert "…" not in text and text.startswith("wide\n")
    assert [line.split()[1] for line in text.splitlines() if line.startswith("days")] == list(map(repr, NUMBERS))
    assert "organ  bone | marrow" in text


def test_prose_columns_are_cut_to_one_line_and_numbers_are_not():
    frame = pd.DataFrame({"name": ["a"], "description": ["word " * 40], "value": [1095.7534246575342]})
    console = Console(record=True, width=60)
    write_frame(frame, "table", console=console, prose=("description",))
    rows = rows_below_the_header(console.export_text())
    assert len(rows) == 1
    assert "…" in rows[0] and "1095.7534246575342" in rows[0]


@pytest.mark.parametrize("format", [f for f in FORMATS if f != "table"])
def test_machine_formats_write_the_rows_only(format):
    stream = io.StringIO()
    write_frame(FRAME, format, title="a title", stream=stream)
    assert "a title" not in stream.getvalue() and "1095.7534246575342" in stream.getvalue()


@pytest.mark.parametrize("days, shown", [
    (0.0625, "90 min"), (1 / 1440, "1 min"), (0.3, "7.2 h"), (1.5, "36 h"), (1.0, "1 d"), (3.0, "3 d"),
    (13.0, "13 d"), (200.0, "200 d"), (730.0, "730 d"), (365.25, "1 y"), (3652.5, "10 y"), (1000.0, "2.738 y"),
    (0.0, "0 d"),
])
def test_times_are_written_in_the_unit_that_fits_them(days, shown):
    assert human_time(days) == shown

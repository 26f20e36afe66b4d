"""CSV files for people who open them in Excel: UTF-8 with a byte-order mark, so that Thai shows
correctly, and no cell that Excel would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text (empty for None); a text starting like a formula is quoted, because Excel
    would run it as one when an officer opens the file."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_text(headings: Sequence[str], rows: Iterable[Sequence[object]],
             preamble: Iterable[Sequence[object]] = ()) -> str:
    """The file's text: optional preamble lines (a report's title and criteria), the headings,
    then the rows; every cell made safe."""
    return "".join(csv_lines(headings, rows, preamble))


def csv_lines(headings: Sequence[str], rows: Iterable[Sequence[object]],
              preamble: Iterable[Sequence[object]] = ()) -> Iterator[str]:
    """The same file a line at a time, as `rows` come (an export streams while it reads)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells: Iterable[object]) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield "\ufeff"
    for cells in preamble:
        yield line(cells)
    yield line(headings)
    for row in rows:
        yield line(row)

"""Reading reference strategies from the files the province sends: CSV (UTF-8, with or without a
byte-order mark; Thai Windows encoding accepted too) or Excel (.xlsx, first sheet).

The first row names the columns: a code column (`code`, `รหัส`, `รหัสยุทธศาสตร์`) and a title column
(`title_th`, `title`, `ชื่อ`, `ยุทธศาสตร์`, `ชื่อยุทธศาสตร์`); without such a row the first two columns
are read as code and title. Anything unreadable is refused with the row it failed on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from services.planning.domain import HigherStrategy, InvalidImport

CODE_HEADINGS = {"code", "รหัส", "รหัสยุทธศาสตร์", "ลำดับ/รหัส"}
TITLE_HEADINGS = {"title_th", "title", "ชื่อ", "ยุทธศาสตร์", "ชื่อยุทธศาสตร์", "ประเด็นยุทธศาสตร์"}
MAX_ROWS = 1000


def read_strategies(data: bytes, filename: str = "") -> list[HigherStrategy]:
    """The strategies a CSV or .xlsx file lists (the format is told by its content)."""
    if not data.strip():
        raise InvalidImport("the file is empty")
    rows = _xlsx_rows(data) if data[:2] == b"PK" else _csv_rows(data)
    return strategies_from_rows(rows)


def strategies_from_rows(rows: Iterable[Sequence[Any]]) -> list[HigherStrategy]:
    cleaned = [[_text(v) for v in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        raise InvalidImport("no rows")
    code_at, title_at, start = 0, 1, 0
    heading = [v.lower() for v in cleaned[0]]
    if set(heading) & (CODE_HEADINGS | TITLE_HEADINGS):
        code_at = _index(heading, CODE_HEADINGS, "a code column")
        title_at = _index(heading, TITLE_HEADINGS, "a title column")
        start = 1
    strategies = []
    for number, row in enumerate(cleaned[start:], start=start + 1):
        if len(strategies) >= MAX_ROWS:
            raise InvalidImport(f"more than {MAX_ROWS} rows")
        code = row[code_at] if code_at < len(row) else ""
        title = row[title_at] if title_at < len(row) else ""
        if not code or not title:
            raise InvalidImport(f"row {number}: a code and a title are required", row=number)
        if len(code) > 40 or len(title) > 300:
            raise InvalidImport(f"row {number}: code or title too long", row=number)
        strategies.append(HigherStrategy(code=code, title_th=title))
    if not strategies:
        raise InvalidImport("no strategies under the heading row")
    return strategies


def _index(heading: list[str], names: set[str], what: str) -> int:
    for i, value in enumerate(heading):
        if value in names:
            return i
    raise InvalidImport(f"the heading row has no {what}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp874"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidImport("the CSV is neither UTF-8 nor Thai Windows (cp874) text")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidImport(f"not a CSV file: {error}") from error


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - zip, XML and openpyxl errors alike: not a workbook
        raise InvalidImport(f"not a readable .xlsx workbook: {type(error).__name__}") from error
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception as error:  # noqa: BLE001 - a damaged workbook can fail anywhere inside
        raise InvalidImport(f"the workbook could not be read: {type(error).__name__}") from error
    finally:
        book.close()

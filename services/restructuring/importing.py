"""Reading enrolment files as offices receive them: CSV (UTF-8, or the Thai Windows code page
cp874 that older Excel versions save) and Excel workbooks (.xlsx, the first sheet).

The first row names the columns, in English (`school_code`, `k1`...) or Thai (`รหัสโรงเรียน`,
`อ.1`, `ป.1`, `ม.1`...). A column nobody knows, such as a grade `p7`, rejects the whole file:
guessing what it meant could record wrong figures. Cells become typed values here; every rule
about them is the domain's (`check_snapshot`, `School.record_enrolment`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.restructuring.domain import GRADE_TH, GRADES, LEVEL_TH, RestructuringError

XLSX_MAGIC = b"PK\x03\x04"

# Canonical column → the names accepted for it (compared without spaces, case-insensitively).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "school_code": ("school_code", "code", "รหัสโรงเรียน", "รหัสสถานศึกษา"),
    "name_th": ("name_th", "name", "ชื่อโรงเรียน", "ชื่อสถานศึกษา"),
    "name_en": ("name_en", "ชื่อภาษาอังกฤษ"),
    "district": ("district", "อำเภอ"),
    "subdistrict": ("subdistrict", "ตำบล"),
    "levels": ("levels", "ระดับที่เปิดสอน"),
    "snapshot_date": ("snapshot_date", "date", "วันที่", "วันที่เก็บข้อมูล"),
    "academic_year_be": ("academic_year_be", "academic_year", "ปีการศึกษา"),
    "term": ("term", "ภาคเรียน", "ภาคเรียนที่"),
    "total": ("total", "รวม", "รวมทั้งสิ้น"),
    **{grade: (grade, GRADE_TH[grade]) for grade in GRADES},
}
REQUIRED_COLUMNS = ("school_code", "name_th", "district", "subdistrict", "snapshot_date")
_ALIAS_TO_COLUMN = {
    re.sub(r"\s+", "", alias).lower(): column
    for column, aliases in COLUMN_ALIASES.items() for alias in aliases
}
_LEVEL_BY_NAME = {
    **{level.value: level for level in LEVEL_TH},
    **{name: level for level, name in LEVEL_TH.items()},
}


class FileRejected(RestructuringError):
    """The file as a whole cannot be read (format, columns); nothing is recorded."""

    code = "import-file-rejected"
    title_th = "อ่านไฟล์ข้อมูลนักเรียนไม่ได้"
    title_en = "The enrolment file cannot be read"


class UnknownColumn(FileRejected):
    code = "unknown-column"
    title_th = "ไฟล์มีคอลัมน์ที่ไม่รู้จัก (เช่น ชั้นเรียนที่ไม่มีอยู่)"
    title_en = "The file has columns nobody knows (e.g. a grade that does not exist)"


class CellError(RestructuringError):
    code = "invalid-cell"
    title_th = "ข้อมูลในช่องไม่ถูกต้อง"
    title_en = "Invalid cell"


@dataclass
class ImportRow:
    """One data row with typed cells, or the problems that kept a cell from being read."""

    row_number: int  # as the spreadsheet numbers it: the header is row 1
    school_code: str
    name_th: str
    name_en: str | None
    district: str
    subdistrict: str
    levels: list[Any] | None
    snapshot_date: date | None
    academic_year_be: int | None
    term: int | None
    total: int | None
    pupils_by_grade: dict[str, Any]
    problems: list[RestructuringError] = field(default_factory=list)


def read_rows(content: bytes, *, max_rows: int) -> list[ImportRow]:
    """The rows of a CSV or .xlsx file. Raises `FileRejected` for a file that cannot be read."""
    table = _xlsx_table(content) if content.startswith(XLSX_MAGIC) else _csv_table(content)
    if not table or not any(str(c or "").strip() for c in table[0]):
        raise FileRejected("the file is empty", message_th="ไฟล์ว่าง ไม่มีแถวหัวตาราง")
    columns = _columns(table[0])
    rows: list[ImportRow] = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in cells if c is not None):
            continue  # blank lines at the end of a sheet
        if len(rows) >= max_rows:
            raise FileRejected(f"more than {max_rows} rows",
                               message_th=f"ไฟล์มีข้อมูลเกิน {max_rows:,} แถว")
        rows.append(_row(index, {col: cells[i] if i < len(cells) else None
                                 for i, col in enumerate(columns) if col}))
    if not rows:
        raise FileRejected("no data rows", message_th="ไฟล์ไม่มีข้อมูลนักเรียน")
    return rows


def _csv_table(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp874")
        except UnicodeDecodeError as error:
            raise FileRejected("neither UTF-8 nor cp874 text",
                               message_th="ไฟล์ไม่ใช่ CSV (UTF-8 หรือ TIS-620) หรือ Excel (.xlsx)"
                               ) from error
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise FileRejected(str(error), message_th="รูปแบบ CSV ไม่ถูกต้อง") from error


def _xlsx_table(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    # A damaged or forged workbook fails deep inside the zip and XML readers in many ways; every
    # one of them means the same to the officer: this file cannot be read.
    except Exception as error:  # noqa: BLE001
        raise FileRejected(f"not a readable .xlsx workbook: {error!r}",
                           message_th="เปิดไฟล์ Excel (.xlsx) ไม่ได้") from error


def _columns(header: list[Any]) -> list[str | None]:
    columns: list[str | None] = []
    unknown: list[str] = []
    for cell in header:
        name = re.sub(r"\s+", "", str(cell or "")).lower()
        if not name:
            columns.append(None)
            continue
        column = _ALIAS_TO_COLUMN.get(name)
        if column is None:
            unknown.append(str(cell))
        elif column in columns:
            raise FileRejected(f"column {column} twice", message_th=f"คอลัมน์ {cell} ซ้ำ")
        columns.append(column)
    if unknown:
        raise UnknownColumn(f"unknown columns {unknown}", columns=unknown,
                            message_th=f"ไม่รู้จักคอลัมน์ {', '.join(unknown)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise FileRejected(f"missing columns {missing}", columns=missing,
                           message_th=f"ไฟล์ขาดคอลัมน์ {', '.join(missing)}")
    if not any(c in GRADES for c in columns):
        raise FileRejected("no grade columns",
                           message_th="ไฟล์ไม่มีคอลัมน์จำนวนนักเรียนรายชั้น (อ.1-ม.6)")
    return columns


def _row(number: int, cells: dict[str, Any]) -> ImportRow:
    problems: list[RestructuringError] = []

    def read(column: str, parse: Any) -> Any:
        value = cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse(value)
        except (ValueError, TypeError):
            label = GRADE_TH.get(column, column)
            problems.append(CellError(f"{column}: {value!r}", field=column,
                                      message_th=f"ช่อง {label} มีค่า {value!r} ที่อ่านไม่ได้"))
            return None

    grades: dict[str, int] = {}
    for grade in (g for g in GRADES if g in cells):
        unreadable = len(problems)
        pupils = read(grade, _whole_number)
        if len(problems) == unreadable:
            # An empty grade cell means nobody in that grade (how DMC sheets leave them).
            grades[grade] = 0 if pupils is None else pupils
    return ImportRow(
        row_number=number,
        school_code=_text(cells.get("school_code")),
        name_th=_text(cells.get("name_th")),
        name_en=_text(cells.get("name_en")) or None,
        district=_text(cells.get("district")),
        subdistrict=_text(cells.get("subdistrict")),
        levels=read("levels", _levels),
        snapshot_date=read("snapshot_date", _date),
        academic_year_be=read("academic_year_be", _whole_number),
        term=read("term", _whole_number),
        total=read("total", _whole_number),
        pupils_by_grade=grades,
        problems=problems,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code Excel stored as a number
    return str(value).strip()


def _whole_number(value: Any) -> int:
    """An integer (a negative one too: the domain says why it is refused)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    text = str(value).strip().replace(",", "")
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(value)
    return int(text)


def _date(value: Any) -> date:
    """ISO `2024-06-10`, or `10/6/2567` (a year above 2400 is Buddhist era), or an Excel date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return date.fromisoformat(text)
    match = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year - 543 if year > 2400 else year, month, day)
    raise ValueError(value)


def _levels(value: Any) -> list[Any]:
    names = [n.strip() for n in re.split(r"[;,|]", str(value)) if n.strip()]
    levels = [_LEVEL_BY_NAME.get(n) for n in names]
    if not names or None in levels:
        raise ValueError(value)
    return levels

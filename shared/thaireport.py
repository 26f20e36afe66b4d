"""Documents people read, in Thai: PDF with the bundled Thai font, Excel and CSV that open cleanly in
the spreadsheets officers use, and baht written the way Thai reports write it.

- PDF: `ThaiPdf` (fpdf2) embeds Sarabun from `shared/fonts/` (OFL, bundled, so a fresh machine needs
  no system font) and shapes Thai with HarfBuzz, so vowels and tone marks sit where they belong,
  while the text layer keeps the exact Thai that was written (search, copy, `pdftotext`); Thai
  wrapped between words, in paragraphs and in table cells; headings, paragraphs, bordered tables
  (`grid`), images such as charts (`picture`), a cover page, and a footer with the page number
  and, optionally, the Buddhist-era date it was printed.
- Spreadsheets: `xlsx_sheet` adds a sheet of headings and rows (text cells that start like a
  formula are quoted by `shared.csvfile.safe_cell`, money columns shown in baht); `xlsx_bytes` saves
  an openpyxl workbook.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.line_break import Fragment
from openpyxl.styles import Font

from shared.csvfile import safe_cell
from shared.thaitime import MONTHS_TH_ABBR, MONTHS_TH_FULL, format_thai_datetime

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Sarabun"
REGULAR_FONT = FONT_DIR / "Sarabun-Regular.ttf"
BOLD_FONT = FONT_DIR / "Sarabun-Bold.ttf"
BAHT_FORMAT = "#,##0.00"
Align = Literal["L", "C", "R", "J"]
CELL_PADDING = (0.4, 1.0)  # mm: above and below, left and right of a table cell's text

_MONTHS = "|".join(re.escape(m) for m in (*MONTHS_TH_FULL, *MONTHS_TH_ABBR))
# What a line never splits, though it has spaces in it: a year with its era or its kind
# ("พ.ศ. 2570", "ปีการศึกษา 2569"), a letter's number with its ที่ ("ที่ ศธ 04002/ว 1234",
# "ที่ 15/2569"), a date ("20 พฤศจิกายน 2569"), an area with its number ("เขต 1").
_UNBROKEN = re.compile("|".join((
    r"(?:(?:ปีการศึกษา|ปีงบประมาณ)\s*)?(?:พ\.ศ\.|ค\.ศ\.)\s*\d{4}",
    r"(?:ปีการศึกษา|ปีงบประมาณ)\s*\d{4}",
    r"เขต\s+\d+",
    r"(?:ที่\s+)?(?<![\u0e00-\u0e7f])[ก-ฮ]{1,4}\s*\d{2,5}(?:\.\d+)*/(?:ว\s*)?\d+",
    r"ที่\s+\d+/\d{4}",
    rf"\d{{1,2}}\s+(?:{_MONTHS})(?:\s+(?:พ\.ศ\.\s*)?\d{{4}})?",
)))

_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thai_numerals(text: str | int) -> str:
    """`๑๒` for 12: numbers as the Saraban regulation's samples print them."""
    return str(text).translate(_THAI_DIGITS)


def format_baht(amount: Decimal | int) -> str:
    """`1,234,567.50`: thousands separators, always two places (satang), exact."""
    return f"{Decimal(amount):,.2f}"


def xlsx_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_sheet(workbook: Any, title: str, headings: Sequence[str], rows: Iterable[Sequence[Any]],
               *, money_columns: Sequence[int] = (), width: float = 22) -> Any:
    """A sheet with a bold heading row, then the rows (numbers stay numbers; the 1-based
    `money_columns` shown as baht with thousands separators)."""
    sheet = workbook.create_sheet(title)
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = BAHT_FORMAT
    for index in range(1, len(headings) + 1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    return sheet


class ThaiPdf(FPDF):
    """An A4 PDF in Sarabun with Thai shaping; a running footer with the page number in Thai and,
    given `printed_at`, the Buddhist-era date and time it was printed."""

    def __init__(self, *, landscape: bool = False, footer_th: str = "",
                 printed_at: datetime | None = None) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.footer_th = footer_th
        if printed_at is not None:
            self.footer_th += f"  พิมพ์เมื่อ {format_thai_datetime(printed_at)}"
        self.add_font(FONT_FAMILY, "", str(REGULAR_FONT))
        self.add_font(FONT_FAMILY, "B", str(BOLD_FONT))
        self.set_text_shaping(True)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.alias_nb_pages()
        self.set_font(FONT_FAMILY, size=14)
        self._cover_page: int | None = None

    def _parse_chars(self, text: str, markdown: bool, **kwargs: Any) -> Iterator[Fragment]:
        # fpdf2 (pinned in pyproject.toml) splits text into fragments here and offers no public
        # hook for how a fragment is written: each ordinary fragment becomes one that also says
        # what it reads (`_AsWritten`).
        for fragment in super()._parse_chars(text, markdown, **kwargs):
            yield (_AsWritten(fragment.characters, fragment.graphics_state, fragment.k,
                              fragment.link) if type(fragment) is Fragment else fragment)

    def footer(self) -> None:
        if self.page_no() == self._cover_page:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=10)
        self.cell(0, 6, f"{self.footer_th}    หน้า {self.page_no()}/{{nb}}", align="R")

    def cover(self, title: str, lines: Sequence[str], note: str = "") -> None:
        """A cover page, without the running footer: `title` large and centred a third of the
        way down, `lines` under it (the year, the office), `note` lower down (an approval)."""
        self.add_page()
        self._cover_page = self.page_no()
        self.set_y(self.h * 0.25)
        self.paragraph(title, 28, align="C", bold=True)
        self.ln(8)
        for line in lines:
            self.paragraph(line, 20, align="C")
            self.ln(2)
        if note:
            self.set_y(max(self.get_y() + 10, self.h * 0.62))
            self.paragraph(note, 16, align="C")

    def heading(self, text: str, size: int = 16, *, align: Align = "L",
                space_before: float = 0) -> None:
        if space_before:
            self.ln(space_before)
        self.set_font(FONT_FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, size=14)

    def paragraph(self, text: str, size: int = 14, *, indent: float = 0.0,
                  first_line_indent: float = 0.0, align: Align = "L", bold: bool = False,
                  keep_with_next: float = 0.0) -> None:
        """Text wrapped between Thai words (Thai writes no spaces between them: breaking where the
        line is full would cut a word in two), `indent` mm in from the left margin, the first
        line `first_line_indent` mm further (less, when negative: a hanging indent); each line
        aligned L, C or R. With `keep_with_next`, its last two lines go to the next page with
        the `keep_with_next` mm that follow it when those would not fit below them."""
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        width, height = self.epw - indent, size * 0.45
        lines = self.wrap(text, width, first_line_indent)
        kept_from = max(0, len(lines) - 2)
        for n, line in enumerate(lines):
            if keep_with_next and n == kept_from and \
                    self.get_y() + (len(lines) - n) * height + keep_with_next \
                    > self.page_break_trigger:
                self.add_page()
            shift = first_line_indent if n == 0 else 0.0
            self.set_x(self.l_margin + indent + shift)
            self.cell(width - shift, height, line, align=align, new_x="LMARGIN", new_y="NEXT")

    def wrap(self, text: str, width: float, first_line_indent: float = 0.0) -> list[str]:
        """The lines `text` takes in `width` mm at the current font, broken between words; a
        word longer than a line is cut where the line is full."""
        lines: list[str] = []
        for source in text.splitlines() or [""]:
            line, room = "", width - (first_line_indent if not lines else 0.0)
            for word in _words(source):
                if line and self.get_string_width(line + word) > room:
                    lines.append(line.rstrip())
                    line, room, word = "", width, word.lstrip()
                while word and self.get_string_width(word) > room:  # a word wider than a line
                    cut = _fitting(self, word, room)
                    lines.append(word[:cut])
                    word, room = word[cut:], width
                line += word
            lines.append(line.rstrip())
        return lines

    def picture(self, png: bytes, width: float) -> None:
        """An image (a chart) `width` mm wide, centred on the line."""
        self.image(io.BytesIO(png), x="C", w=width)
        self.ln(2)

    def grid(self, headings: Sequence[str], rows: Iterable[Sequence[str]],
             widths: Sequence[float], *, numeric: Sequence[int] = (), size: int = 12,
             bold_last: bool = False) -> None:
        """A bordered table with a bold heading row; columns in `numeric` align right; the text
        of every cell wrapped between words (`wrap`)."""
        rows = [[str(cell) for cell in row] for row in rows]
        scale = self.epw / sum(widths)  # the table spans the page; `widths` are proportions
        room = [w * scale - 2 * CELL_PADDING[1] - 0.5 for w in widths]  # 0.5: rounding's margin

        def fitted(cells: Sequence[str], bold: bool) -> list[str]:
            self.set_font(FONT_FAMILY, "B" if bold else "", size)
            return ["\n".join(self.wrap(text, r)) for text, r in zip(cells, room, strict=True)]

        headings = fitted(headings, True)
        rows = [fitted(row, bold_last and n == len(rows) - 1) for n, row in enumerate(rows)]
        self.set_font(FONT_FAMILY, size=size)
        with self.table(col_widths=tuple(widths), line_height=size * 0.6, padding=CELL_PADDING,
                        text_align=tuple("RIGHT" if i in numeric else "LEFT"
                                         for i in range(len(widths))),
                        headings_style=_heading_style(), first_row_as_headings=True) as table:
            table.row(list(headings))
            for n, row in enumerate(rows):
                total = bold_last and n == len(rows) - 1
                table.row(row, style=FontFace(emphasis="BOLD") if total else None)
        self.set_font(FONT_FAMILY, size=14)
        self.ln(2)


def wrap_words(text: str, width: int) -> list[str]:
    """`text` in lines of about `width` characters, broken only between words (chart labels,
    where there is no font to measure with)."""
    lines, line = [], ""
    for word in _words(text):
        if line.strip() and len(line + word.rstrip()) > width:
            lines.append(line.rstrip())
            line, word = "", word.lstrip()
        line += word
    return [*lines, line.rstrip()] if line.strip() or not lines else lines


class _AsWritten(Fragment):
    """Shaped Thai as the text it was written from, for every reader (search, copy, `pdftotext`).

    HarfBuzz draws SARA AM as two glyphs (NIKHAHIT, moved before any tone mark, then SARA AA) and
    lifts or shifts marks off the baseline, so the glyphs alone, mapped back through the font's
    ToUnicode table and ordered by where they sit, read as "สํา" or "ท่ี". The PDF's own answer is
    replacement text: each run of glyphs is marked content with /ActualText, the exact string
    that was laid out (ISO 32000-1, 14.9.4), which readers extract instead of guessing."""

    def render_with_text_shaping(self, *args: Any, **kwargs: Any) -> str:
        shown = super().render_with_text_shaping(*args, **kwargs)
        if not shown:
            return shown
        return f"/Span <</ActualText {_text_string(self.string)}>> BDC {shown} EMC"


def _text_string(text: str) -> str:
    """A PDF text string in UTF-16BE with its byte order mark, written in hex."""
    return f"<FEFF{text.encode('utf-16-be').hex().upper()}>"


def _words(text: str) -> list[str]:
    """The places a line may end: Thai words (pythainlp), spaces, and none inside `_UNBROKEN`."""
    from pythainlp.tokenize import word_tokenize  # loaded on first use: it takes a while

    kept = [m.span() for m in _UNBROKEN.finditer(text)]
    words: list[str] = []
    at = 0
    for token in word_tokenize(text, engine="newmm", keep_whitespace=True):
        if words and any(start < at < end for start, end in kept):
            words[-1] += token  # no break here: part of a span that stays on one line
        else:
            words.append(token)
        at += len(token)
    return words


def _fitting(pdf: FPDF, word: str, room: float) -> int:
    """How many leading characters of `word` fit in `room` mm (at least one): a binary search, as
    a run without spaces (a long link) may be thousands of characters."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if pdf.get_string_width(word[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return low


def _heading_style() -> FontFace:
    return FontFace(family=FONT_FAMILY, emphasis="BOLD", fill_color=(230, 230, 230))

"""A document as the printed letter the Saraban regulation lays out (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงาน
สารบรรณ): หนังสือภายนอก, บันทึกข้อความ, คำสั่ง; the other types use the external-letter layout.

Pure: a `PrintedLetter` in, PDF bytes out (the application gathers the facts and signs the file).
The Garuda emblem's place at the top is kept empty: the office's own template prints it. A letter
not yet signed carries "ร่าง" across the page and a blank number, so a draft is never mistaken for
the issued letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from contracts.correspondence.v1 import DocumentType
from shared.thaireport import FONT_FAMILY, Align, ThaiPdf
from shared.thaitime import format_thai_date

RED = (200, 0, 0)
PARAGRAPH_INDENT = 25.0  # mm: the first line of each paragraph, 2.5 cm as the regulation's samples
EMBLEM_HEIGHT = 30.0  # mm kept for the Garuda emblem (3 cm in the regulation's external letter)


@dataclass(frozen=True)
class PrintedLetter:
    doc_type: DocumentType
    number: str  # "ที่ ศธ 04123/15", "ที่ ศธ 04123/ว 3", "ที่ 15/2569"; "" before dispatch
    office_name_th: str
    office_address_th: str
    dated: date | None  # the date of signature; None on a draft (the line is left to fill in)
    subject: str
    addressee: str
    body: str  # paragraphs separated by blank lines
    signer_name_th: str = ""
    signer_position_th: str = ""
    owner_unit_th: str = ""  # ส่วนราชการเจ้าของเรื่อง
    owner_contact_th: str = ""  # โทร. ...
    reference: str = ""  # อ้างถึง
    enclosures: Sequence[str] = field(default_factory=tuple)  # สิ่งที่ส่งมาด้วย
    urgency_th: str = ""  # "ด่วนที่สุด", "ด่วนมาก", "ด่วน"; "" for normal
    secrecy_th: str = ""  # "ลับ", "ลับมาก"; "" for none
    draft: bool = True


class LetterPdf(ThaiPdf):
    """A4 in the regulation's margins; on every page the secrecy stamped at the top and the foot
    and, on a draft, "ร่าง" across it (a page printed alone still says what it is)."""

    def __init__(self, letter: PrintedLetter) -> None:
        super().__init__()
        self.letter = letter
        self.set_margins(30, 25, 20)  # the regulation's samples: 3 cm left, 2 cm right
        self.set_auto_page_break(auto=True, margin=28)

    def header(self) -> None:
        if self.letter.draft:
            with self.local_context(text_color=(215, 215, 215)), self.rotation(35, 105, 150):
                self.set_font(FONT_FAMILY, "B", 110)
                # a cell, not text(): fpdf2 shapes Thai (and keeps it searchable) only in cells
                self.set_xy(55, 175 - 20 - 0.3 * self.font_size)
                self.cell(self.get_string_width("ร่าง"), 40, "ร่าง")
        if self.letter.secrecy_th:
            self._stamp_at(8, self.letter.secrecy_th, "C")
        if self.letter.urgency_th and self.page_no() == 1:
            self._stamp_at(8, self.letter.urgency_th, "L")
        self.set_y(self.t_margin + (8 if self.page_no() == 1 and self._stamped else 0))

    def footer(self) -> None:
        if self.letter.secrecy_th:
            self._stamp_at(self.h - 24, self.letter.secrecy_th, "C")
        super().footer()

    @property
    def _stamped(self) -> bool:
        return bool(self.letter.secrecy_th or self.letter.urgency_th)

    def _stamp_at(self, y: float, text: str, align: Align) -> None:
        """Red and large, as stamped."""
        with self.local_context(text_color=RED):
            self.set_font(FONT_FAMILY, "B", 22)
            self.set_xy(self.l_margin, y)
            self.cell(self.epw, 10, text, align=align)


def render_letter(letter: PrintedLetter) -> bytes:
    pdf = LetterPdf(letter)
    pdf.add_page()
    if letter.doc_type == DocumentType.internal_memo:
        _memo_head(pdf, letter)
    elif letter.doc_type == DocumentType.directive:
        _order_head(pdf, letter)
    else:
        _external_head(pdf, letter)
    _body(pdf, letter)
    _signature(pdf, letter)
    if letter.doc_type not in (DocumentType.internal_memo, DocumentType.directive):
        _owner(pdf, letter)
    return bytes(pdf.output())


def _line(pdf: ThaiPdf, text: str, *, bold: bool = False, align: Align = "L", size: int = 16,
          indent: float = 0.0) -> None:
    pdf.paragraph(text, size, indent=indent, align=align, bold=bold)


def _date_text(letter: PrintedLetter) -> str:
    return format_thai_date(letter.dated, full=True) if letter.dated else ""


def _external_head(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    pdf.ln(EMBLEM_HEIGHT)  # the emblem's place, centred above
    address_top = pdf.get_y()
    _line(pdf, letter.number or "ที่", size=16)
    pdf.set_y(address_top)
    half = pdf.epw / 2
    for part in (letter.office_name_th, letter.office_address_th):
        if part:
            _line(pdf, part, indent=half + 10, size=16)
    pdf.ln(3)
    _line(pdf, _date_text(letter) or " ", indent=half - 15)
    pdf.ln(3)
    _line(pdf, f"เรื่อง  {letter.subject}")
    pdf.ln(2)
    _line(pdf, f"เรียน  {letter.addressee}")
    if letter.reference:
        pdf.ln(2)
        _line(pdf, f"อ้างถึง  {letter.reference}")
    if letter.enclosures:
        pdf.ln(2)
        items = list(letter.enclosures)
        numbered = items if len(items) == 1 else [f"{n}. {item}" for n, item in enumerate(items, 1)]
        _line(pdf, f"สิ่งที่ส่งมาด้วย  {numbered[0]}")
        for item in numbered[1:]:
            _line(pdf, item, indent=28)


def _memo_head(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    _line(pdf, "บันทึกข้อความ", bold=True, align="C", size=29)
    pdf.ln(2)
    _line(pdf, f"ส่วนราชการ  {letter.owner_unit_th or letter.office_name_th}"
               f"{'  ' + letter.owner_contact_th if letter.owner_contact_th else ''}")
    _line(pdf, f"{letter.number or 'ที่'}          วันที่  {_date_text(letter)}")
    _line(pdf, f"เรื่อง  {letter.subject}")
    pdf.ln(3)
    _line(pdf, f"เรียน  {letter.addressee}")


def _order_head(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    pdf.ln(EMBLEM_HEIGHT)
    _line(pdf, f"คำสั่ง{letter.office_name_th}", bold=True, align="C")
    _line(pdf, letter.number or "ที่", bold=True, align="C")
    _line(pdf, f"เรื่อง  {letter.subject}", bold=True, align="C")
    _line(pdf, "-" * 24, align="C")


def _body(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    pdf.ln(3)
    for paragraph in (p.strip() for p in letter.body.split("\n\n")):
        if paragraph:
            pdf.paragraph(" ".join(paragraph.split("\n")), 16, first_line_indent=PARAGRAPH_INDENT)
            pdf.ln(1)
    if letter.doc_type == DocumentType.directive:
        pdf.ln(4)
        _line(pdf, f"สั่ง ณ วันที่  {_date_text(letter)}", indent=pdf.epw / 2 - 25)


def _signature(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    column = pdf.epw / 2 - 10
    pdf.ln(6)
    if letter.doc_type not in (DocumentType.internal_memo, DocumentType.directive):
        _line(pdf, "ขอแสดงความนับถือ", align="C", indent=column)
    pdf.ln(16)  # the signature itself
    if letter.signer_name_th:
        _line(pdf, f"({letter.signer_name_th})", align="C", indent=column)
    if letter.signer_position_th:
        _line(pdf, letter.signer_position_th, align="C", indent=column)


def _owner(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    if not (letter.owner_unit_th or letter.owner_contact_th):
        return
    pdf.ln(8)
    for part in (letter.owner_unit_th, letter.owner_contact_th):
        if part:
            _line(pdf, part, size=14)

"""A document as the printed letter the Saraban regulation lays out (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงาน
สารบรรณ): หนังสือภายนอก, บันทึกข้อความ, คำสั่ง; the other types use the external-letter layout.

Pure: a `PrintedLetter` in, PDF bytes out (the application gathers the facts and signs the file).
The Garuda emblem is the office's own image (a setting), at the regulation's size: 3 cm high at the
top centre of a letter or an order, 1.5 cm at the top left of a memo. Without one, a marked empty
frame holds its place: the issued letter is signed, so nothing can be added to it later, and an
officer must see at once that the emblem is missing. Pages are numbered from the second, centred
at the top ("- ๒ -"). A letter not yet signed carries "ร่าง" across the page and a blank number,
so a draft is never mistaken for the issued letter.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from PIL import Image

from contracts.correspondence.v1 import DocumentType
from shared.thaireport import FONT_FAMILY, Align, ThaiPdf, thai_numerals
from shared.thaitime import format_thai_date

RED = (200, 0, 0)
GREY = (150, 150, 150)
PARAGRAPH_INDENT = 25.0  # mm: the first line of each paragraph, 2.5 cm as the regulation's samples
EMBLEM_TOP = 15.0  # mm from the top edge of the paper
EMBLEM_HEIGHT = 30.0  # mm: the Garuda of a หนังสือภายนอก or คำสั่ง (3 cm)
MEMO_EMBLEM_HEIGHT = 15.0  # mm: the Garuda of a บันทึกข้อความ (1.5 cm)
PAGE_NUMBER_TOP = 12.0  # mm: "- ๒ -" above the text of the second and later pages
LABEL_GAP = "  "  # between เรื่อง, เรียน, ... and their text
LINE_HEIGHT = 16 * 0.45  # mm: a line of 16-point text (`ThaiPdf.paragraph`)


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
    # The head's position when the signer signs on the head's behalf (ปฏิบัติราชการแทน); "" when
    # the head signs.
    signer_acting_for_th: str = ""
    owner_unit_th: str = ""  # ส่วนราชการเจ้าของเรื่อง
    owner_contact_th: str = ""  # โทร. ...
    reference: str = ""  # อ้างถึง
    enclosures: Sequence[str] = field(default_factory=tuple)  # สิ่งที่ส่งมาด้วย
    urgency_th: str = ""  # "ด่วนที่สุด", "ด่วนมาก", "ด่วน"; "" for normal
    secrecy_th: str = ""  # "ลับ", "ลับมาก"; "" for none
    emblem: bytes | None = None  # the office's Garuda image (PNG, JPEG); None: a marked frame
    draft: bool = True


class LetterPdf(ThaiPdf):
    """A4 in the regulation's margins; on every page the secrecy stamped at the top and the foot
    and, on a draft, "ร่าง" across it (a page printed alone still says what it is); from the
    second page its number, centred at the top."""

    def __init__(self, letter: PrintedLetter) -> None:
        super().__init__()
        self.letter = letter
        self.set_margins(30, 25, 20)  # the regulation's samples: 3 cm left, 2 cm right
        self.c_margin = 0  # text starts at the margin itself, not a cell padding inside it
        self.set_auto_page_break(auto=True, margin=28)

    def header(self) -> None:
        if self.letter.draft:
            with self.local_context(text_color=(215, 215, 215)), self.rotation(35, 105, 150):
                self.set_font(FONT_FAMILY, "B", 110)
                # a cell, not text(): fpdf2 shapes Thai (and keeps it searchable) only in cells
                self.set_xy(55, 175 - 20 - 0.3 * self.font_size)
                self.cell(self.get_string_width("ร่าง"), 40, "ร่าง")
        if self.letter.secrecy_th:
            self.stamp_at(3, self.letter.secrecy_th, "C")
        if self.page_no() > 1:
            self.set_font(FONT_FAMILY, size=16)
            self.set_xy(self.l_margin, PAGE_NUMBER_TOP)
            self.cell(self.epw, 7, f"- {thai_numerals(self.page_no())} -", align="C")
        self.set_y(self.t_margin)

    def footer(self) -> None:
        # The regulation numbers pages at the top (see `header`): nothing at the foot but the
        # secrecy stamp.
        if self.letter.secrecy_th:
            self.stamp_at(self.h - 14, self.letter.secrecy_th, "C")

    def stamp_at(self, y: float, text: str, align: Align) -> None:
        """Red and large, as stamped."""
        with self.local_context(text_color=RED):
            self.set_font(FONT_FAMILY, "B", 22)
            self.set_xy(self.l_margin, y)
            self.cell(self.epw, 10, text, align=align)

    def emblem(self, height: float, *, centred: bool) -> None:
        """The Garuda `height` mm high from `EMBLEM_TOP`, centred over the text or at the left
        margin; the marked frame where the office has configured none."""
        y = EMBLEM_TOP
        if self.letter.emblem is not None:
            with Image.open(io.BytesIO(self.letter.emblem)) as image:
                width = height * image.width / image.height
            x = self.l_margin + ((self.epw - width) / 2 if centred else 0)
            self.image(io.BytesIO(self.letter.emblem), x=x, y=y, h=height)
            return
        width = height * 0.9
        x = self.l_margin + ((self.epw - width) / 2 if centred else 0)
        with self.local_context(draw_color=GREY, text_color=GREY, line_width=0.2):
            with self.local_context(dash_pattern={"dash": 1, "gap": 1}):
                self.rect(x, y, width, height)
            self.set_font(FONT_FAMILY, size=10 if height >= 20 else 7)
            self.set_xy(x, y + height / 2 - 2.5)
            self.cell(width, 5, "ตราครุฑ", align="C")


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


def _labelled(pdf: ThaiPdf, label: str, text: str, *, indent: float = 0.0,
              size: int = 16) -> None:
    """`เรื่อง  ...`: a line that wraps under its text, not under its label, as in the
    regulation's samples."""
    pdf.set_font(FONT_FAMILY, size=size)
    hang = pdf.get_string_width(label + LABEL_GAP)
    pdf.paragraph(f"{label}{LABEL_GAP}{text}", size, indent=indent + hang,
                  first_line_indent=-hang)


def _date_text(letter: PrintedLetter) -> str:
    return format_thai_date(letter.dated, full=True) if letter.dated else ""


def _external_head(pdf: LetterPdf, letter: PrintedLetter) -> None:
    pdf.emblem(EMBLEM_HEIGHT, centred=True)
    address_top = EMBLEM_TOP + EMBLEM_HEIGHT + 2
    if letter.urgency_th:  # above the number, at the left, as stamped
        pdf.stamp_at(address_top - 11, letter.urgency_th, "L")
    pdf.set_y(address_top)
    _line(pdf, letter.number or "ที่", size=16)
    pdf.set_y(address_top)
    half = pdf.epw / 2
    for part in (letter.office_name_th, letter.office_address_th):
        if part:
            _line(pdf, part, indent=half + 10, size=16)
    pdf.ln(3)
    _line(pdf, _date_text(letter) or " ", indent=half - 15)
    pdf.ln(3)
    _labelled(pdf, "เรื่อง", letter.subject)
    pdf.ln(2)
    _labelled(pdf, "เรียน", letter.addressee)
    if letter.reference:
        pdf.ln(2)
        _labelled(pdf, "อ้างถึง", letter.reference)
    if letter.enclosures:
        pdf.ln(2)
        label = "สิ่งที่ส่งมาด้วย"
        pdf.set_font(FONT_FAMILY, size=16)
        hang = pdf.get_string_width(label + LABEL_GAP)
        items = list(letter.enclosures)
        numbered = items if len(items) == 1 else [f"{n}. {item}" for n, item in enumerate(items, 1)]
        _labelled(pdf, label, numbered[0])
        for item in numbered[1:]:
            _line(pdf, item, indent=hang)


def _memo_head(pdf: LetterPdf, letter: PrintedLetter) -> None:
    pdf.emblem(MEMO_EMBLEM_HEIGHT, centred=False)
    if letter.urgency_th:  # above the emblem, at the left
        pdf.stamp_at(3, letter.urgency_th, "L")
    pdf.set_y(EMBLEM_TOP + 1)
    _line(pdf, "บันทึกข้อความ", bold=True, align="C", size=29)
    pdf.set_y(max(pdf.get_y(), EMBLEM_TOP + MEMO_EMBLEM_HEIGHT) + 2)
    owner = letter.owner_unit_th or letter.office_name_th
    contact = f"{LABEL_GAP}{letter.owner_contact_th}" if letter.owner_contact_th else ""
    _labelled(pdf, "ส่วนราชการ", owner + contact)
    _line(pdf, f"{letter.number or 'ที่'}          วันที่  {_date_text(letter)}")
    _labelled(pdf, "เรื่อง", letter.subject)
    pdf.ln(3)
    _labelled(pdf, "เรียน", letter.addressee)


def _order_head(pdf: LetterPdf, letter: PrintedLetter) -> None:
    pdf.emblem(EMBLEM_HEIGHT, centred=True)
    pdf.set_y(EMBLEM_TOP + EMBLEM_HEIGHT + 3)
    _line(pdf, f"คำสั่ง{letter.office_name_th}", bold=True, align="C")
    _line(pdf, letter.number or "ที่", bold=True, align="C")
    _line(pdf, f"เรื่อง  {letter.subject}", bold=True, align="C")
    _line(pdf, "-" * 24, align="C")


def _body(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    """The paragraphs; the last two lines of the text go with the signature to its page, which
    never carries the signature alone (nor สั่ง ณ วันที่ of an order)."""
    pdf.ln(3)
    paragraphs = [" ".join(p.strip().split("\n")) for p in letter.body.split("\n\n") if p.strip()]
    ordered = letter.doc_type == DocumentType.directive
    following = _signature_height(pdf, letter) + (4 + LINE_HEIGHT if ordered else 0)
    for n, paragraph in enumerate(paragraphs):
        last = n == len(paragraphs) - 1
        pdf.paragraph(paragraph, 16, first_line_indent=PARAGRAPH_INDENT,
                      keep_with_next=following + 1 if last else 0)
        pdf.ln(1)
    if ordered:
        pdf.ln(4)
        _line(pdf, f"สั่ง ณ วันที่  {_date_text(letter)}", indent=pdf.epw / 2 - 25)


def _signature(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    """ขอแสดงความนับถือ, room to sign, then the signer's name in brackets, position and, for
    one who signs on the head's behalf, ปฏิบัติราชการแทน and the head's position; all centred
    on one axis in the right half, and never split across pages (with the owner's lines of a
    letter, which close its last page)."""
    column = pdf.epw / 2 - 10
    if pdf.get_y() + _signature_height(pdf, letter) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(6)
    if _closing(letter):
        _line(pdf, "ขอแสดงความนับถือ", align="C", indent=column)
    pdf.ln(16)  # the signature itself
    for name in _signer_lines(letter):
        _line(pdf, name, align="C", indent=column)


def _closing(letter: PrintedLetter) -> bool:
    return letter.doc_type not in (DocumentType.internal_memo, DocumentType.directive)


def _signer_lines(letter: PrintedLetter) -> list[str]:
    names = [f"({letter.signer_name_th})" if letter.signer_name_th else "",
             letter.signer_position_th]
    if letter.signer_acting_for_th:
        names += ["ปฏิบัติราชการแทน", letter.signer_acting_for_th]
    return [n for n in names if n]


def _signature_height(pdf: ThaiPdf, letter: PrintedLetter) -> float:
    """mm from the end of the text to the end of the letter: the signature block (and the
    owner's lines of a letter, at the foot of the same page)."""
    pdf.set_font(FONT_FAMILY, size=16)
    lines = sum(len(pdf.wrap(n, pdf.epw / 2 + 10)) for n in _signer_lines(letter))
    closing = _closing(letter)
    return 6 + 16 + (lines + closing) * LINE_HEIGHT + (_owner_height(letter) if closing else 0)


def _owner_parts(letter: PrintedLetter) -> list[str]:
    return [p for p in (letter.owner_unit_th, letter.owner_contact_th) if p]


def _owner_height(letter: PrintedLetter) -> float:
    parts = _owner_parts(letter)
    return 8 + len(parts) * 14 * 0.45 if parts else 0.0


def _owner(pdf: ThaiPdf, letter: PrintedLetter) -> None:
    parts = _owner_parts(letter)
    if not parts:
        return
    pdf.ln(8)
    for part in parts:
        _line(pdf, part, size=14)

"""The one home of Thai PDFs: what the system writes comes back out of the file as the same Thai text
(search, copy and paste, `pdftotext | grep`), and Thai is wrapped only between words."""

from __future__ import annotations

from shared.thaireport import ThaiPdf
from tests.support.pdf import pdftotext

# SARA AM (drawn as two glyphs), tone marks over upper vowels, marks on tall consonants, bold.
PHRASES = (
    "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1",
    "น้ำ ค่ำ ทำ กำลัง ที่ นั้น ปี่ ผู้อำนวยการ ตัวชี้วัด",
    "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2568",
    "ร้อยละของนักเรียนที่มีผลสัมฤทธิ์ระดับดีขึ้นไป",
)


def one_of_each(pdf: ThaiPdf) -> bytes:
    pdf.add_page()
    for size in (20, 16, 12, 10):
        pdf.heading(PHRASES[2], size=size)
        for phrase in PHRASES:
            pdf.paragraph(phrase, size)
    pdf.grid(["ตัวชี้วัด", "หน่วยงาน"], [[PHRASES[3], PHRASES[0]]], (90, 90), size=10)
    return bytes(pdf.output())


def test_the_thai_the_system_wrote_is_the_text_a_reader_extracts() -> None:
    pdf = one_of_each(ThaiPdf())
    for layout in (False, True):
        lines = {" ".join(line.split()) for line in pdftotext(pdf, layout=layout).splitlines()}
        for phrase in PHRASES:
            assert phrase in lines, (layout, phrase, sorted(lines))
    text = pdftotext(pdf)
    assert "\u0e4d" not in text  # NIKHAHIT appears only inside SARA AM, which comes out whole
    assert text.count("สำนักงาน") >= 5

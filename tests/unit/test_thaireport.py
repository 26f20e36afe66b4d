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


def test_a_year_and_a_letter_number_are_never_split_across_lines() -> None:
    pdf = ThaiPdf()
    pdf.set_font("Sarabun", size=16)
    kept = ("พ.ศ. 2570", "ที่ ศธ 04002/ว 1234", "20 พฤศจิกายน 2569", "ปีการศึกษา 2569",
            "เขต 1")
    for filler in range(1, 40):  # every place a line may end
        text = ("ทดสอบ" * filler) + " ตามหนังสือ ที่ ศธ 04002/ว 1234 ลงวันที่ 20 พฤศจิกายน 2569 " \
                                    "แผนพัฒนาการศึกษา พ.ศ. 2570 เป็นต้นไป ข้อมูลนักเรียน " \
                                    "ปีการศึกษา 2569 ของสำนักงานเขตพื้นที่การศึกษา เขต 1 แล้ว"
        lines = pdf.wrap(text, 120)
        for phrase in kept:
            assert any(phrase in line for line in lines), (filler, phrase, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_table_cell_wraps_between_thai_words() -> None:
    from pythainlp.tokenize import word_tokenize

    cell = "แผนพัฒนาการศึกษาขั้นพื้นฐาน ร้อยละของนักเรียนที่มีผลสัมฤทธิ์ระดับดีขึ้นไป"
    pdf = ThaiPdf()
    pdf.add_page()
    pdf.grid(["หัวข้อ", "รายละเอียด"], [[cell, "-"]], (24, 156), size=10)
    first_column = (line.strip().split("  ")[0] for line in
                    pdftotext(bytes(pdf.output()), layout=True).splitlines())
    lines = [line for line in first_column if line and not line.startswith(("หัวข้อ", "หน้า"))]
    assert len(lines) > 2, lines
    boundaries, at = {0}, 0
    for word in word_tokenize(cell.replace(" ", ""), engine="newmm"):
        at += len(word)
        boundaries.add(at)
    at, whole = 0, cell.replace(" ", "")
    for line in lines:  # each line is whole words of the cell, in order
        assert whole.startswith(line.replace(" ", ""), at), (line, lines)
        at += len(line.replace(" ", ""))
        assert at in boundaries, (line, lines)
    assert at == len(whole)


def test_a_chart_label_is_wrapped_between_words_not_cut() -> None:
    from shared.thaireport import wrap_words

    label = "งานสารบรรณ: เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาลงนาม"
    lines = wrap_words(label, 20)
    assert len(lines) > 1 and "".join(lines).replace(" ", "") == label.replace(" ", "")
    assert all(len(line) <= 20 or " " not in line for line in lines)
    assert "ผู้อำนวยการ" in "|".join(lines)  # a word stays whole

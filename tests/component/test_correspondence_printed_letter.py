"""The printed letter: a document's draft laid out as the Saraban regulation's letter, marked as a draft
until signed, then electronically signed by the office so that any change to the file shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote
from uuid import UUID

import pytest
from cryptography import x509
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from services.correspondence.settings import CorrespondenceSettings
from shared.pdfsign import check_signature
from shared.testing import office_client
from shared.thaireport import ThaiPdf
from tests.component.test_correspondence_api import act, hire, register
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.support.http import etag_of, every_item, h
from tests.support.pdf import (
    flat_text,
    page_images,
    pdf_images,
    pdf_pages_text,
    pdf_words,
    pdfsig,
    pdftotext,
)
from tests.support.staff import HEAD_OF_OFFICE_TH, position_th
from tests.support.tsa import local_tsa

REPLY = "สำนักงานเขตพื้นที่การศึกษาขอส่งข้อมูลนักเรียน ปีการศึกษา 2569 ตามที่ขอมา\n\nจึงเรียนมาเพื่อโปรดทราบ"


def letter(client: TestClient, doc: dict, actor: str = "off-1") -> tuple[int, bytes, dict]:
    response = client.get(f"/documents/{doc['document_id']}/letter.pdf", headers=h(actor))
    return response.status_code, response.content, dict(response.headers)


def text_of(pdf: bytes) -> str:
    """The text a reader copies out of the PDF, as one line (a phrase may wrap) with single spaces."""
    return flat_text(pdf)


def office_certificate(correspondence) -> x509.Certificate:  # noqa: ANN001 - the app fixture
    return correspondence.letter_signer.certificate


def to_signature(client: TestClient, doc: dict) -> dict:
    doc = act(client, doc, "assign", "dir-1", {"officer_id": "off-1"})
    doc = act(client, doc, "draft", "off-1", {"text": REPLY, "summary": "ตอบ สพฐ."})
    doc = act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
    return act(client, doc, "approve", "dir-1", {"signer_id": "esa-1"})


def test_a_draft_prints_as_a_marked_draft_without_number_or_signature(directory: TestClient) -> None:
    doc = to_signature(directory, register(directory))
    status, pdf, headers = letter(directory, doc)
    assert status == 200 and headers["content-type"] == "application/pdf"
    text = text_of(pdf)
    assert "ร่าง" in text and "เรื่อง ขอให้รายงานข้อมูลนักเรียน ปีการศึกษา 2569" in text
    # A reply goes back to the office that wrote, not to the director it was addressed to here.
    assert "เรียน สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน" in text
    assert "เรียน ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา" not in text
    # A reply cites the letter it answers, with its Buddhist-era date.
    assert "อ้างถึง หนังสือสำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน ที่ ศธ 04002/ว 1234 " \
           "ลงวันที่ 20 พฤศจิกายน 2569" in text
    assert "ขอแสดงความนับถือ" in text and "ด่วนมาก" in text
    assert "ที่ ศธ 04123/" not in text  # no number before dispatch
    assert not check_signature(pdf, []).signed
    # Signed but not yet sent: still not the issued letter.
    doc = act(directory, doc, "sign", "esa-1")
    _, pdf, _ = letter(directory, doc)
    assert "ร่าง" in text_of(pdf) and not check_signature(pdf, []).signed


def test_the_dispatched_letter_is_issued_once_signed_by_the_office_and_any_change_shows(
        directory: TestClient, correspondence, clock) -> None:  # noqa: ANN001
    doc = act(directory, to_signature(directory, register(directory)), "sign", "esa-1")
    doc = act(directory, doc, "dispatch", "clerk-1")
    status, pdf, headers = letter(directory, doc)
    assert status == 200
    # The letter as issued is kept, not made again: days later, the same bytes (a new rendering
    # would carry a new creation and signing time).
    clock.now += timedelta(days=3)
    assert letter(directory, doc)[1] == pdf
    history = every_item(directory, f"/documents/{doc['document_id']}/history", "off-1")
    assert [e["event"] for e in history][-2:] == ["Dispatched", "LetterIssued"]
    raw = pdftotext(pdf)  # what `pdftotext | grep` sees: SARA AM whole, marks in order
    assert "สำนักงานเขตพื้นที่การศึกษา" in raw and "ถนนราชดำเนิน อำเภอเมือง" in raw
    assert "ขอให้รายงานข้อมูลนักเรียน ปีการศึกษา 2569" in raw and "\u0e4d" not in raw
    text = text_of(pdf)
    assert "ที่ ศธ 04123/1" in text and "(นายใหญ่ ผู้อำนวยการ)" in text
    assert "27 พฤศจิกายน 2569" in text  # signed that day, in Bangkok
    assert "กลุ่มนโยบายและแผน" in text
    assert "ร่าง" not in text.replace("ร่างหนังสือ", "")
    # The file name is the number, in Thai, for browsers that take it.
    assert unquote(headers["content-disposition"].split("filename*=UTF-8''")[1]) == "ที่ศธ04123-1.pdf"

    trusted = [office_certificate(correspondence)]
    check = check_signature(pdf, trusted)
    assert check.signed and check.intact and check.trusted
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1" in check.signer
    assert check.reason == "ลงนามหนังสือ ที่ ศธ 04123/1"
    # A reader that does not trust the office's certificate still sees the file is unchanged.
    assert check_signature(pdf, []).intact and not check_signature(pdf, []).trusted

    # Destroying the document (after its retention) purges the issued letter with the drafts.
    issued = correspondence.document(UUID(doc["document_id"])).letter_sha256
    assert correspondence.blobs.exists(issued)
    correspondence.purge_content([UUID(doc["document_id"])])
    assert not correspondence.blobs.exists(issued)

    changed = bytearray(pdf)
    at = bytes(pdf).index(b"/Contents", 200) - 40  # inside the signed page content's dictionary
    changed[at] = ord(b" ") if changed[at] != ord(b" ") else ord(b"\n")
    assert not check_signature(bytes(changed), trusted).intact


def test_an_internal_memo_and_an_order_have_their_own_layouts(directory: TestClient) -> None:
    for doc_type, heading in (("internal_memo", "บันทึกข้อความ"), ("directive", "คำสั่ง")):
        started = directory.post("/documents/outgoing", headers=h("off-1"), json={
            "subject": "แต่งตั้งคณะกรรมการวิเคราะห์งบประมาณ", "addressee": "ผู้เกี่ยวข้อง",
            "doc_type": doc_type, "draft_text": "ตามที่...", "outgoing_kind": (
                "order" if doc_type == "directive" else None)})
        assert started.status_code == 201, started.text
        status, pdf, _ = letter(directory, started.json())
        assert status == 200
        words = text_of(pdf).split()
        words.remove("ร่าง")  # the mark across the page, wherever a reader places it
        words.remove("ตราครุฑ")  # the emblem's marked place: this office configured none
        text = " ".join(words)
        assert text.startswith(heading), text[:80]
        assert ("ขอแสดงความนับถือ" in text) is False
        if doc_type == "directive":
            assert "สั่ง ณ วันที่" in text


def test_the_letter_is_need_to_know_and_reading_a_classified_one_is_recorded(
        directory: TestClient) -> None:
    doc = to_signature(directory, register(directory, secrecy="002", subject="เรื่องลับ"))
    status, body, _ = letter(directory, doc, actor="off-2")  # not cleared, not assigned
    assert status == 403 and b"not-cleared" in body
    status, pdf, _ = letter(directory, doc)
    assert status == 200 and "ลับ" in text_of(pdf)
    history = every_item(directory, f"/documents/{doc['document_id']}/history", "off-1")
    assert history[-1]["event"] == "ClassifiedContentRead" and history[-1]["actor"] == "off-1"


def test_a_document_without_a_draft_has_no_letter_and_asking_records_nothing(
        directory: TestClient, correspondence) -> None:  # noqa: ANN001
    doc = register(directory, secrecy="002", subject="เรื่องลับ")
    before = correspondence.max_notification_id()
    status, body, _ = letter(directory, doc, actor="dir-1")
    assert status == 409 and b"no-draft-to-print" in body
    assert correspondence.max_notification_id() == before  # not even a classified read


def test_every_page_of_a_long_classified_draft_says_what_it_is(directory: TestClient) -> None:
    doc = act(directory, register(directory, secrecy="002", subject="เรื่องลับ"), "assign", "dir-1",
              {"officer_id": "off-1"})
    long_reply = "\n\n".join(["สำนักงานเขตพื้นที่การศึกษาขอส่งข้อมูลนักเรียนตามที่ขอมา " * 20] * 4
                             + ["https://example.go.th/" + "x" * 3000])  # a link without a break
    doc = act(directory, doc, "draft", "off-1", {"text": long_reply})
    status, pdf, _ = letter(directory, doc)
    assert status == 200
    pages = pdf_pages_text(pdf, layout=True)  # (reading order joins a line ending in "-")
    assert len(pages) >= 2
    for page in pages:  # top and foot of every page; the watermark too
        assert page.count("ลับ") >= 2 and "ร่าง" in page


# --- the letter as a Thai office signs it ----------------------------------------------------------

OBEC = "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน"
OBEC_HEAD = "เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน"
SCHOOL = "โรงเรียนบ้านหนองบัว"
SCHOOL_HEAD = "ผู้อำนวยการโรงเรียนบ้านหนองบัว"
MM = 25.4 / 72  # one PDF point in mm


def squeezed(text: str) -> str:
    """Text without spaces: a line wrapped between Thai words reads back with a space there."""
    return "".join(text.split())


def issue(client: TestClient, doc: dict, signer: str = "esa-1", text: str = REPLY) -> bytes:
    """Through check, signature and dispatch; the issued letter."""
    doc = act(client, doc, "assign", "dir-1", {"officer_id": "off-1"})
    doc = act(client, doc, "draft", "off-1", {"text": text, "summary": "ตอบ"})
    doc = act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
    doc = act(client, doc, "approve", "dir-1", {"signer_id": signer})
    doc = act(client, doc, "sign", signer)
    doc = act(client, doc, "dispatch", "clerk-1")
    status, pdf, _ = letter(client, doc)
    assert status == 200
    return pdf


@contextmanager
def office(tmp_path: Path, clock, **settings: object) -> Iterator[TestClient]:  # noqa: ANN001
    """A correspondence service configured with `settings`, its directory hired."""
    app = CorrespondenceApplication(CorrespondenceSettings(
        var_dir=tmp_path / "office", office_code="ศธ 04123", **settings), clock=clock)
    try:
        yield hire(office_client(create_correspondence(app.settings, app)))
    finally:
        app.close()


@pytest.mark.parametrize(("sender", "head", "their_addressee"), [
    (OBEC, OBEC_HEAD, "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"),
    (SCHOOL, SCHOOL_HEAD, ""),  # a school's letter often names no addressee
])
def test_a_reply_goes_to_the_head_of_the_office_that_wrote_and_the_register_says_so(
        directory: TestClient, sender: str, head: str, their_addressee: str) -> None:
    doc = register(directory, sender=sender, sender_head_position_th=head,
                   addressee=their_addressee)
    assert doc["sender_head_position_th"] == head and doc["letter_addressee"] == head
    text = text_of(issue(directory, doc))
    assert f"เรียน {head}" in text
    assert f"เรียน {sender}" not in text and "เรียน ผู้อำนวยการสำนักงานเขต" not in text

    row, = (r for r in every_item(directory, "/registers/dispatch/2569")
            if r.get("document_id") == doc["document_id"])
    assert row["letter_addressee"] == head  # ถึง in the dispatch register: the letter's เรียน
    register_csv = list(csv.DictReader(io.StringIO(
        directory.get("/registers/dispatch/2569?format=csv").text.lstrip("\ufeff"))))
    assert [r["ถึง"] for r in register_csv] == [head]
    # The receiving register still shows to whom the incoming letter was addressed.
    received, = every_item(directory, "/registers/receiving/2569")
    assert received["addressee"] == their_addressee


def test_a_signer_without_a_position_is_refused_until_the_directory_gives_one(
        directory: TestClient, correspondence) -> None:  # noqa: ANN001
    hired = directory.post("/officers", headers=h("esa-1"), json={
        "officer_id": "sig-2", "name_th": "นายไร้ ตำแหน่ง", "roles": ["signer"],
        "clearance": "secret"})
    assert hired.status_code == 201, hired.text
    doc = act(directory, register(directory), "assign", "dir-1", {"officer_id": "off-1"})
    doc = act(directory, doc, "draft", "off-1", {"text": REPLY})
    doc = act(directory, doc, "submit", "off-1", {"checker_id": "dir-1"})
    before = correspondence.max_notification_id()
    url = f"/documents/{doc['document_id']}"
    refused = directory.post(f"{url}/approve", json={"signer_id": "sig-2"},
                             headers=h("dir-1", **{"If-Match": etag_of(directory, url, "dir-1")}))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "signer-without-position" and problem["officer_id"] == "sig-2"
    assert "ตำแหน่ง" in problem["title_th"] and "position" in problem["title_en"]
    assert correspondence.max_notification_id() == before  # nothing changed

    given = directory.patch("/officers/sig-2", json={
        "position_th": "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"}, headers=h(
        "esa-1", **{"If-Match": etag_of(directory, "/officers/sig-2", "esa-1")}))
    assert given.status_code == 200 and given.json()["position_th"].startswith("รองผู้อำนวยการ")
    assert act(directory, doc, "approve", "dir-1", {"signer_id": "sig-2"})["step"] == \
        "awaiting_signature"


def test_the_signature_block_names_the_signer_with_position_and_acting_for_the_head(
        directory: TestClient) -> None:
    head_signed = text_of(issue(directory, register(directory)))
    assert squeezed(f"(นายใหญ่ ผู้อำนวยการ) {HEAD_OF_OFFICE_TH} กลุ่มนโยบายและแผน") \
        in squeezed(head_signed)
    assert "ปฏิบัติราชการแทน" not in head_signed

    hired = directory.post("/officers", headers=h("esa-1"), json={
        "officer_id": "dep-1", "name_th": "นายรอง ช่วยงาน", "position_th": position_th("dep-1"),
        "roles": ["signer"], "clearance": "secret"})
    assert hired.status_code == 201, hired.text
    deputy_signed = text_of(issue(directory, register(directory, subject="ขอเชิญประชุม"),
                                  signer="dep-1"))
    assert squeezed(f"(นายรอง ช่วยงาน) {position_th('dep-1')} ปฏิบัติราชการแทน "
                    f"{HEAD_OF_OFFICE_TH}") in squeezed(deputy_signed)


def blue_box(png: Path) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) pixels of what is drawn in the test emblem's blue."""
    image = Image.open(png).convert("RGB")
    mask = Image.eval(image.split()[2], lambda v: 255 if v > 200 else 0)
    red, green = (Image.eval(c, lambda v: 255 if v < 60 else 0) for c in image.split()[:2])
    box = ImageChops.multiply(ImageChops.multiply(mask, red), green).getbbox()
    assert box is not None, "no emblem on the page"
    return box


def test_the_garuda_is_the_offices_own_image_at_the_regulations_size(
        tmp_path: Path, clock) -> None:  # noqa: ANN001
    emblem = tmp_path / "garuda.png"
    Image.new("RGB", (270, 300), (0, 0, 255)).save(emblem)  # stands in for the office's file
    dpi, px = 100, 25.4 / 100
    with office(tmp_path, clock, letter_emblem_file=emblem) as client:
        pdf = issue(client, register(client))
        assert len(pdf_images(pdf)) == 1 and "ตราครุฑ" not in text_of(pdf)
        (tmp_path / "letter").mkdir()
        left, top, right, bottom = blue_box(page_images(pdf, tmp_path / "letter", dpi=dpi)[0])
        assert abs((bottom - top) * px - 30) < 0.8  # 3 cm high: หนังสือภายนอก
        assert abs((left + right) / 2 * px - 110) < 1  # centred over the text (3 cm | 2 cm)
        assert abs(top * px - 15) < 0.8  # 1.5 cm from the top of the paper

        memo = client.post("/documents/outgoing", headers=h("off-1"), json={
            "subject": "ขออนุมัติเดินทางไปราชการ", "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
            "doc_type": "internal_memo", "draft_text": "ด้วยกลุ่มนโยบายและแผน..."})
        _, pdf, _ = letter(client, memo.json())
        (tmp_path / "memo").mkdir()
        left, top, right, bottom = blue_box(page_images(pdf, tmp_path / "memo", dpi=dpi)[0])
        assert abs((bottom - top) * px - 15) < 0.8  # 1.5 cm: บันทึกข้อความ
        assert abs(left * px - 30) < 0.8  # at the left margin, "บันทึกข้อความ" centred beside it


def test_without_a_configured_emblem_its_place_is_marked_not_faked(directory: TestClient) -> None:
    pdf = issue(directory, register(directory))
    assert pdf_images(pdf) == []  # nothing pretends to be the Garuda
    top_words = [w.text for w in pdf_words(pdf) if w.page == 1 and w.y_min * MM < 45]
    assert "ตราครุฑ" in top_words  # the marked frame where the emblem belongs


def test_a_long_letter_keeps_numbers_whole_aligns_its_subject_and_numbers_its_pages(
        directory: TestClient) -> None:
    subject = ("ขอให้รายงานข้อมูลนักเรียนและครูตามแผนพัฒนาการศึกษาขั้นพื้นฐาน ระยะที่สอง "
               "เพื่อประกอบการจัดทำแผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570")
    body = "\n\n".join(
        "".join(f"ข้อ {n}.{i} ตามหนังสือ ที่ ศธ 04002/ว 1234 และแผนพัฒนาการศึกษา พ.ศ. 2570 "
                f"ของสำนักงาน{'ให้ดำเนินการ' * (i % 4)} " for i in range(1, 9))
        for n in range(1, 6))
    pdf = issue(directory, register(directory, subject=subject), text=body)
    lines = pdftotext(pdf).splitlines()
    for phrase, count in (("พ.ศ. 2570", 41), ("ที่ ศธ 04002/ว 1234", 41)):
        assert sum(line.count(phrase) for line in lines) == count, phrase  # never split
    assert not any(line.rstrip().endswith(("พ.ศ.", "ที่ ศธ", "04002/ว")) for line in lines)

    words = pdf_words(pdf)
    label = next(w for w in words if w.page == 1 and w.text.startswith("เรื่อง"))
    following = sorted({round(w.y_min, 1) for w in words if w.page == 1 and w.y_min > label.y_min})
    continuation = min((w for w in words if w.page == 1 and round(w.y_min, 1) == following[0]),
                       key=lambda w: w.x_min)
    measure = ThaiPdf()
    measure.set_font("Sarabun", size=16)
    subject_starts = 30 + measure.get_string_width("เรื่อง  ")
    assert abs(label.x_min * MM - 30) < 0.3  # at the regulation's 3 cm margin
    assert abs(continuation.x_min * MM - subject_starts) < 0.3  # under the subject, not the label

    pages = pdf_pages_text(pdf, layout=True)  # (reading order joins a line ending in "-")
    assert len(pages) >= 2
    assert not any("หน้า" in page for page in pages)  # no "หน้า 1/2" at the foot
    assert "- ๑ -" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        mark = f"- {'๐๑๒๓๔๕๖๗๘๙'[number]} -"
        assert page.lstrip().startswith(mark), page[:40]
        shown = next(w for w in words if w.page == number and mark.split()[1] in w.text)
        assert abs((shown.x_min + shown.x_max) / 2 * MM - 110) < 2  # centred over the text
        assert shown.y_max * MM < 25  # at the top, above the text


def test_the_issued_letter_is_a_pades_signature_that_poppler_and_pyhanko_accept(
        directory: TestClient, correspondence) -> None:  # noqa: ANN001
    pdf = issue(directory, register(directory))
    report = pdfsig(pdf)
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    check = check_signature(pdf, [office_certificate(correspondence)])
    assert check.intact and check.trusted and check.subfilter == "/ETSI.CAdES.detached"
    assert check.timestamped_at is None  # B-B: no timestamp authority configured


def test_with_a_timestamp_authority_the_letter_is_pades_b_t(tmp_path: Path, clock) -> None:  # noqa: ANN001
    with local_tsa() as (url, tsa), office(tmp_path, clock, letter_timestamp_url=url) as client:
        pdf = issue(client, register(client))
    report = pdfsig(pdf)
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signature Validation: Signature is Valid." in report
    signing = x509.load_pem_x509_certificates(
        (tmp_path / "office" / "keys" / "letter-signing.pem").read_bytes())[0]
    check = check_signature(pdf, [signing, tsa])
    assert check.intact and check.trusted and check.subfilter == "/ETSI.CAdES.detached"
    assert check.timestamped_at is not None and check.timestamp_trusted
    assert not check_signature(pdf, [signing]).timestamp_trusted  # the authority is who says so

"""The printed letter: a document's draft laid out as the Saraban regulation's letter, marked as a draft
until signed, then electronically signed by the office so that any change to the file shows."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote
from uuid import UUID

from cryptography import x509
from fastapi.testclient import TestClient

from shared.pdfsign import check_signature
from tests.component.test_correspondence_api import act, register
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.support.http import h
from tests.support.pdf import flat_text, pdf_pages_text

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
    history = directory.get(f"/documents/{doc['document_id']}/history", headers=h("off-1")).json()
    assert [e["event"] for e in history][-2:] == ["Dispatched", "LetterIssued"]
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
    history = directory.get(f"/documents/{doc['document_id']}/history", headers=h("off-1")).json()
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
    pages = pdf_pages_text(pdf)
    assert len(pages) >= 2
    for page in pages:  # top and foot of every page; the watermark too
        assert page.count("ลับ") >= 2 and "ร่าง" in page

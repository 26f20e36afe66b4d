"""The saraban path over HTTP with a real store: what a clerk, officer, director and signer see."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from shared.testing import state_changes_since
from tests.support.http import etag_of, every_item, h
from tests.support.staff import position_th

STAFF = [
    ("clerk-1", "นางสาวสมศรี ใจดี", ["clerk"], "secret"),
    ("off-1", "นายสมชาย รักงาน", ["officer"], "confidential"),
    ("off-2", "นางสาววิไล ขยัน", ["officer"], "none"),
    ("dir-1", "นายประเสริฐ นำทาง", ["group_director"], "secret"),
    ("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director", "signer"], "top_secret"),
]


@pytest.fixture
def directory(client: TestClient) -> TestClient:
    return hire(client)


def hire(client: TestClient) -> TestClient:
    """The STAFF in the office's directory, the head first."""
    client.post("/officers", headers=h("bootstrap"), json={
        "officer_id": "esa-1", "name_th": STAFF[4][1], "position_th": position_th("esa-1"),
        "roles": STAFF[4][2], "clearance": STAFF[4][3]})
    for officer_id, name, roles, clearance in STAFF[:4]:
        response = client.post("/officers", headers=h("esa-1"), json={
            "officer_id": officer_id, "name_th": name, "position_th": position_th(officer_id),
            "roles": roles, "clearance": clearance})
        assert response.status_code == 201, response.text
    return client


def incoming(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "received_at": "2026-11-27T09:30:00+07:00",
        "sender": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
        "sender_ref_no": "ศธ 04002/ว 1234",
        "sender_doc_date": "2026-11-20",
        "subject": "ขอให้รายงานข้อมูลนักเรียน ปีการศึกษา 2569",
        "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
        "doc_type": "external_letter",
        "urgency": "003",
        "secrecy": "none",
        "body_text": "ด้วย สพฐ. ขอให้รายงานข้อมูล...",
        "attachments": [{"name": "แบบรายงาน.pdf", "media_type": "application/pdf",
                         "content_base64": base64.b64encode(b"%PDF-1.4 demo").decode()}],
    }
    body.update(overrides)
    return body


def register(client: TestClient, **overrides: object) -> dict:
    response = client.post("/documents/incoming", headers=h("clerk-1"), json=incoming(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def act(client: TestClient, doc: dict, path: str, actor: str, body: dict | None = None) -> dict:
    """A step on the document as a client takes it: read it (ETag), then change that version."""
    response = attempt(client, doc, path, actor, body)
    assert response.status_code == 200, response.text
    return response.json()


def attempt(client: TestClient, doc: dict, path: str, actor: str, body: dict | None = None) -> Any:
    url = f"/documents/{doc['document_id']}"
    return client.post(f"{url}/{path}", json=body or {},
                       headers=h(actor, **{"If-Match": etag_of(client, url, actor)}))


def test_the_whole_saraban_path(directory: TestClient) -> None:
    client = directory
    doc = register(client)
    assert doc["receipt_no"] == 1 and doc["receipt_year_be"] == 2569
    assert doc["urgency"] == "very_urgent" and doc["urgency_code"] == "003"
    assert doc["step"] == "registered" and doc["holder"] == "group_director"

    doc = act(client, doc, "assign", "dir-1", {"officer_id": "off-1", "instructions": "ดำเนินการ",
                                              "due_date": "2026-12-05"})
    assert (doc["step"], doc["holder"], doc["due"]) == ("assigned", "off-1", "2026-12-05")
    assert [d["document_id"] for d in every_item(client, "/work-queue", "off-1")] == [
        doc["document_id"]]

    doc = act(client, doc, "draft", "off-1", {"text": "ร่างหนังสือตอบ", "summary": "ตอบ สพฐ."})
    doc = act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
    doc = act(client, doc, "return", "dir-1", {"comments": "แก้ไขย่อหน้าที่ 2"})
    assert doc["step"] == "revising" and doc["holder"] == "off-1"
    doc = act(client, doc, "draft", "off-1", {"text": "ร่างหนังสือตอบ (แก้ไข)"})
    doc = act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
    doc = act(client, doc, "approve", "dir-1", {"signer_id": "esa-1"})
    assert doc["step"] == "awaiting_signature" and doc["review_rounds"] == 2
    doc = act(client, doc, "sign", "esa-1")
    doc = act(client, doc, "dispatch", "clerk-1")
    assert doc["outgoing_no"] == "ที่ ศธ 04123/1"
    doc = act(client, doc, "file", "clerk-1", {"location": "ตู้ 2 ชั้น 3", "retention_class": "years_10"})
    assert doc["step"] == "filed" and doc["retention_expires_on"] == "2036-11-27"

    history = every_item(client, f"/documents/{doc['document_id']}/history", "dir-1", limit=3)
    first = client.get(f"/documents/{doc['document_id']}/history", params={"limit": 3},
                       headers=h("dir-1")).json()
    assert first["items"] == history[:3] and first["total"] == len(history), "paged, oldest first"
    assert [e["event"] for e in history] == [
        "Registered", "Assigned", "Drafted", "SubmittedForCheck", "ReturnedForRevision",
        "Drafted", "SubmittedForCheck", "CheckApproved", "Signed", "Dispatched", "LetterIssued",
        "Filed"]
    assert [e["actor"] for e in history][:2] == ["clerk-1", "dir-1"]

    report = client.get("/reports/routing/2569").json()
    assert report["documents"] == 1 and report["returned_for_revision"] == 1
    stages = {s["stage"]: s for s in report["stages"]}
    assert stages["receipt_to_dispatch"]["count"] == 1
    assert stages["receipt_to_assignment"]["stage_th"] == "รับหนังสือ → มอบหมาย"

    register_rows = every_item(client, "/registers/receiving/2569")
    assert [r["receipt_no"] for r in register_rows] == [1]
    dispatch_rows = every_item(client, "/registers/dispatch/2569")
    assert [(r["number"], r["outgoing_no"]) for r in dispatch_rows] == [(1, "ที่ ศธ 04123/1")]


def test_receipt_numbers_run_per_bangkok_calendar_year(directory: TestClient, clock) -> None:
    clock.now = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    first = register(directory, received_at="2026-12-31T16:59:00Z", sender_doc_date="2026-12-30")
    second = register(directory, received_at="2026-12-31T17:00:00Z", sender_doc_date="2026-12-30")
    third = register(directory, received_at="2026-12-31T17:30:00Z", sender_doc_date="2026-12-30")
    # 17:00 UTC on 31 Dec is midnight in Bangkok: a new register year, numbered from 1 again.
    assert (first["receipt_year_be"], first["receipt_no"]) == (2569, 1)
    assert (second["receipt_year_be"], second["receipt_no"]) == (2570, 1)
    assert (third["receipt_year_be"], third["receipt_no"]) == (2570, 2)


def test_bad_input_names_the_rule_and_records_nothing(directory: TestClient, correspondence) -> None:
    client = directory
    doc = register(client)
    position = correspondence.max_notification_id()

    def refused(path: str, actor: str, body: dict, status: int, code: str) -> None:
        response = attempt(client, doc, path, actor, body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == code
        assert problem["title_th"] and problem["title_en"]

    refused("assign", "dir-1", {"officer_id": "nobody"}, 404, "unknown-officer")
    refused("assign", "off-1", {"officer_id": "off-1"}, 403, "role-required")
    refused("assign", "dir-1", {"officer_id": "clerk-1"}, 403, "not-an-officer")
    refused("assign", "dir-1", {"officer_id": "off-1", "due_date": "2026-01-01"}, 422,
            "due-before-received")
    refused("sign", "esa-1", {}, 409, "wrong-step")
    refused("dispatch", "clerk-1", {}, 409, "wrong-step")
    refused("borrow", "clerk-1", {"borrower": "x", "purpose": "y", "due_date": "2026-12-01"}, 409,
            "wrong-step")
    refused("assign", "dir-1", {"officer_id": 5}, 422, "validation-error")
    response = client.post("/documents/incoming", headers=h("clerk-1"),
                           json=incoming(received_at="2026-11-27T09:30:00"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "received_at"
    response = client.post("/documents/incoming", headers=h("clerk-1"),
                           json=incoming(sender_doc_date="2026-11-28"))
    assert response.json()["code"] == "sender-date-after-receipt"
    response = client.post("/documents/incoming", headers=h("clerk-1"),
                           json=incoming(received_at="2026-11-28T09:30:00+07:00"))
    assert response.json()["code"] == "received-in-future"
    for extreme in ("0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-12:00"):
        response = client.post("/documents/incoming", headers=h("clerk-1"),
                               json=incoming(received_at=extreme))
        assert response.status_code == 422, response.text
    response = client.post("/documents/incoming", json=incoming())
    assert response.status_code == 401, "the office portal must name the acting officer"
    response = TestClient(client.app).post("/documents/incoming", headers=h("clerk-1"),
                                           json=incoming())
    assert response.status_code == 401, "no token at all"
    assert state_changes_since(correspondence, position) == [], (
        "a refused command records nothing but its refusal")
    assert client.get("/documents/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/documents/not-a-uuid").json()["code"] == "validation-error"


def test_signing_an_unchecked_draft_and_dispatching_twice_are_refused(directory: TestClient) -> None:
    client = directory
    doc = register(client)
    act(client, doc, "assign", "dir-1", {"officer_id": "off-1"})
    act(client, doc, "draft", "off-1", {"text": "ร่าง"})
    response = attempt(client, doc, "sign", "esa-1")
    assert response.status_code == 409 and response.json()["code"] == "draft-not-checked"
    act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
    act(client, doc, "approve", "dir-1", {"signer_id": "esa-1"})
    act(client, doc, "sign", "esa-1")
    act(client, doc, "dispatch", "clerk-1")
    response = attempt(client, doc, "dispatch", "clerk-1")
    assert response.status_code == 409 and response.json()["code"] == "already-dispatched"
    assert client.get("/registers/dispatch/2569").json()["total"] == 1, (
        "no number burnt by the retry")


def test_idempotency_key_gives_the_same_answer_and_one_event(directory: TestClient, correspondence) -> None:
    headers = h("clerk-1", **{"Idempotency-Key": "letter-42"})
    first = directory.post("/documents/incoming", headers=headers, json=incoming())
    position = correspondence.max_notification_id()
    again = directory.post("/documents/incoming", headers=headers, json=incoming())
    assert again.status_code == 201 and again.json() == first.json()
    assert correspondence.max_notification_id() == position
    other = directory.post("/documents/incoming", headers=headers, json=incoming(subject="อื่น"))
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"


def test_if_match_refuses_a_stale_write(directory: TestClient, correspondence) -> None:
    doc = register(directory)
    url = f"/documents/{doc['document_id']}"
    before = correspondence.max_notification_id()
    blind = directory.post(f"{url}/assign", headers=h("dir-1"), json={"officer_id": "off-1"})
    assert blind.status_code == 428 and blind.json()["code"] == "precondition-required"
    assert blind.headers["content-type"].startswith("application/problem+json")
    assert state_changes_since(correspondence, before) == [], "a blind write records nothing"
    etag = directory.get(url).headers["ETag"]
    assert etag == '"2"' or etag.strip('"').isdigit()
    ok = directory.post(f"{url}/assign", headers=h("dir-1", **{"If-Match": etag}),
                        json={"officer_id": "off-1"})
    assert ok.status_code == 200
    stale = directory.post(f"{url}/assign", headers=h("dir-1", **{"If-Match": etag}),
                           json={"officer_id": "off-2"})
    assert stale.status_code == 412 and stale.json()["code"] == "stale-version"


def test_classified_documents_are_need_to_know_and_reads_are_recorded(directory: TestClient) -> None:
    client = directory
    doc = register(client, secrecy="002", subject="รายชื่อผู้ถูกสอบสวนทางวินัย")
    assert doc["secrecy"] == "confidential"
    # A cleared officer not working on it sees only that it exists.
    seen_by_other = client.get(f"/documents/{doc['document_id']}", headers=h("off-1")).json()
    assert seen_by_other["subject"] == "(ลับ)"
    assert client.get(f"/documents/{doc['document_id']}/content",
                      headers=h("off-1")).json()["code"] == "not-cleared"
    act(client, doc, "assign", "dir-1", {"officer_id": "off-1"})
    assert client.get(f"/documents/{doc['document_id']}", headers=h("off-1")).json()["subject"] == (
        "รายชื่อผู้ถูกสอบสวนทางวินัย")
    content = client.get(f"/documents/{doc['document_id']}/content", headers=h("off-1")).json()
    assert content["body_text"].startswith("ด้วย")
    history = every_item(client, f"/documents/{doc['document_id']}/history", "off-1")
    assert history[-1]["event"] == "ClassifiedContentRead" and history[-1]["actor"] == "off-1"
    # An officer without clearance sees neither subject nor history details.
    hidden = every_item(client, f"/documents/{doc['document_id']}/history", "off-2")
    assert hidden[0]["data"]["subject"] == "(ลับ)"
    rows = every_item(client, "/registers/receiving/2569", "off-2")
    assert rows[0]["subject"] == "(ลับ)"


def test_top_secret_documents_are_register_entries_only(directory: TestClient) -> None:
    response = directory.post("/documents/incoming", headers=h("clerk-1"),
                              json=incoming(secrecy="top_secret"))
    assert response.status_code == 422 and response.json()["code"] == "top-secret-paper-only"
    doc = register(directory, secrecy="004", body_text=None, attachments=[])
    assert doc["secrecy"] == "top_secret" and doc["content_available"] is False


def test_circulars_and_orders_have_their_own_series_and_cancelled_numbers_stay(
        directory: TestClient) -> None:
    client = directory

    def outgoing(**extra: object) -> dict:
        response = client.post("/documents/outgoing", headers=h("off-1"), json={
            "subject": "แจ้งปฏิทินการรายงาน", "addressee": "ผู้อำนวยการโรงเรียนในสังกัด",
            "draft_text": "ร่าง", **extra})
        assert response.status_code == 201, response.text
        return response.json()

    def through_signature(doc: dict) -> dict:
        act(client, doc, "submit", "off-1", {"checker_id": "dir-1"})
        act(client, doc, "approve", "dir-1", {"signer_id": "esa-1"})
        act(client, doc, "sign", "esa-1")
        return act(client, doc, "dispatch", "clerk-1")

    circular = through_signature(outgoing(outgoing_kind="circular"))
    order = through_signature(outgoing(doc_type="directive"))
    letter = through_signature(outgoing())
    assert circular["outgoing_no"] == "ที่ ศธ 04123/ว 1"
    assert order["outgoing_no"] == "1/2569"
    assert letter["outgoing_no"] == "ที่ ศธ 04123/1"
    cancelled = act(client, letter, "cancel", "clerk-1", {"reason": "ส่งผิดหน่วยงาน"})
    assert cancelled["step"] == "cancelled"
    rows = every_item(client, "/registers/dispatch/2569")
    assert rows[0]["number_cancelled"] is True and rows[0]["outgoing_no"] == "ที่ ศธ 04123/1"
    text = client.get("/registers/dispatch/2569?format=csv").text
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:3] == ["เลขทะเบียนส่ง", "ที่", "ลงวันที่"]
    assert table[1][1] == "ที่ ศธ 04123/1" and "ยกเลิก" in table[1][7]
    assert "2569" in table[1][2], "dates in the Buddhist era"


def test_borrowing_and_destruction(directory: TestClient, clock, correspondence) -> None:
    client = directory
    doc = register(client, received_at="2026-01-05T09:00:00+07:00", sender_doc_date="2026-01-02")
    act(client, doc, "assign", "dir-1", {"officer_id": "off-1"})
    clock.now = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    act(client, doc, "file", "clerk-1", {"location": "ตู้ 1", "retention_class": "years_1"})
    response = attempt(client, doc, "borrow", "clerk-1", {
        "borrower": "นายภายนอก", "purpose": "ตรวจสอบ", "due_date": "2026-01-20", "outsider": True})
    assert response.json()["code"] == "outsider-needs-approval"
    act(client, doc, "borrow", "clerk-1", {"borrower": "นายภายนอก", "purpose": "ตรวจสอบ",
                                           "due_date": "2026-01-20", "outsider": True,
                                           "approved_by": "dir-1"})
    clock.now = datetime(2026, 1, 25, 3, 0, tzinfo=UTC)
    assert every_item(client, "/loans")[0]["loan_overdue"] is True
    act(client, doc, "return-loan", "clerk-1")

    # The year 2570 (2027) ends; within 60 days the clerk lists what expired by 31 Dec.
    clock.now = datetime(2028, 1, 15, 3, 0, tzinfo=UTC)
    listing = client.post("/destruction-lists", headers=h("clerk-1"), json={"year_be": 2570})
    assert listing.status_code == 201, listing.text
    assert listing.json()["items"] == [doc["document_id"]]
    too_small = on_list(client, 2570, "committee", "esa-1",
                        {"chair_id": "dir-1", "member_ids": ["off-1"]})
    assert too_small.json()["code"] == "committee-too-small"
    assert on_list(client, 2570, "committee", "esa-1",
                   {"chair_id": "dir-1", "member_ids": ["off-1", "off-2"]}).status_code == 200
    assert on_list(client, 2570, "send", "clerk-1").status_code == 200
    clock.now += timedelta(days=30)
    early = on_list(client, 2570, "destroy", "off-1")
    assert early.status_code == 409 and early.json()["code"] == "objection-window-open"
    clock.now += timedelta(days=31)
    done = on_list(client, 2570, "destroy", "off-1")
    assert done.status_code == 200, done.text
    after = client.get(f"/documents/{doc['document_id']}", headers=h("clerk-1")).json()
    assert after["step"] == "destroyed" and after["receipt_no"] == 1, "register entry kept"
    assert after["destruction_year_be"] == 2570
    receiving = client.get("/registers/receiving/2569", params={"format": "csv"}).text
    assert "ทำลายแล้ว" in receiving and "ตามบัญชีหนังสือขอทำลาย พ.ศ. 2570" in receiving
    assert not correspondence.blobs.exists(
        correspondence.document(UUID(after["document_id"])).attachments[0].sha256), "content purged"
    borrow = attempt(client, doc, "borrow", "clerk-1", {
        "borrower": "x", "purpose": "y", "due_date": "2028-12-01"})
    assert borrow.status_code == 409 and borrow.json()["code"] == "document-destroyed"


def on_list(client: TestClient, year_be: int, path: str, actor: str,
            body: dict | None = None) -> Any:
    """A step on the year's destruction list, at the version the actor read."""
    url = f"/destruction-lists/{year_be}"
    return client.post(f"{url}/{path}", json=body or {},
                       headers=h(actor, **{"If-Match": etag_of(client, url, actor)}))


def test_registers_export_thai_csv(directory: TestClient) -> None:
    register(directory)
    register(directory, subject="=HYPERLINK(\"http://x\")")
    response = directory.get("/registers/receiving/2569?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:6] == ["เลขทะเบียนรับ", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง"]
    assert rows[1][0] == "1" and rows[1][2] == "20 พ.ย. 2569" and rows[1][10] == "ด่วนมาก"
    assert rows[2][5].startswith("'="), "a formula is shown as text, never run"


def test_work_in_progress_shows_step_holder_and_since(directory: TestClient, clock) -> None:
    doc = register(directory)
    act(directory, doc, "assign", "dir-1", {"officer_id": "off-1", "due_date": "2026-11-28"})
    clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    rows = every_item(directory, "/work-in-progress")
    assert rows[0]["step"] == "assigned" and rows[0]["holder"] == "off-1"
    assert rows[0]["step_since"].startswith("2026-11-27") and rows[0]["overdue"] is True


def test_routing_report_measures_each_stage(directory: TestClient, clock) -> None:
    doc = register(directory, received_at="2026-11-27T08:00:00+07:00")  # 01:00 UTC
    clock.now = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)  # assigned 4 hours after receipt
    act(directory, doc, "assign", "dir-1", {"officer_id": "off-1", "due_date": "2026-11-30"})
    clock.now = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # drafted a day later
    act(directory, doc, "draft", "off-1", {"text": "ร่าง"})
    clock.now = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    report = directory.get("/reports/routing/2569").json()
    stages = {s["stage"]: s for s in report["stages"]}
    assert stages["receipt_to_assignment"]["mean_hours"] == 4.0
    assert stages["assignment_to_draft"]["median_hours"] == 24.0
    assert stages["receipt_to_dispatch"]["count"] == 0
    assert report["overdue_now"] == 1, "still open after its due date"

    # The same evaluation as a Thai spreadsheet (issue 12 §7: it answered JSON).
    response = directory.get("/reports/routing/2569", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "routing-2569.csv" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["ปี พ.ศ. ที่รับหนังสือ", "ช่วงการเดินหนังสือ", "จำนวนหนังสือ",
                        "เฉลี่ย (ชั่วโมง)", "มัธยฐาน (ชั่วโมง)", "นานที่สุด (ชั่วโมง)",
                        "หนังสือรับทั้งปี", "เกินกำหนดขณะนี้", "ถูกส่งกลับแก้ไข"]
    lines = {row[1]: row for row in table[1:]}
    assert lines["รับหนังสือ → มอบหมาย"][2:4] == ["1", "4.0"]
    assert lines["รับหนังสือ → ส่งหนังสือ"][2:4] == ["0", ""]
    assert len(table) == 1 + len(report["stages"])


def test_the_directory_starts_with_a_director_who_adds_the_others(client: TestClient) -> None:
    first = client.post("/officers", headers=h("setup"), json={
        "officer_id": "clerk-1", "name_th": "สมศรี", "roles": ["clerk"]})
    assert first.status_code == 422 and first.json()["code"] == "first-officer-not-a-director"
    assert client.post("/officers", headers=h("setup"), json={
        "officer_id": "esa-1", "name_th": "ผอ.", "roles": ["esa_director"]}).status_code == 201
    refused = client.post("/officers", headers=h("nobody"), json={
        "officer_id": "x", "name_th": "x", "roles": ["clerk"]})
    assert refused.status_code == 404 and refused.json()["code"] == "unknown-officer"
    assert client.post("/officers", headers=h("esa-1"), json={
        "officer_id": "clerk-1", "name_th": "สมศรี", "roles": ["clerk"]}).status_code == 201
    clerk = client.post("/officers", headers=h("clerk-1"), json={
        "officer_id": "y", "name_th": "y", "roles": ["clerk"]})
    assert clerk.status_code == 403 and clerk.json()["code"] == "role-required"
    assert clerk.json()["roles_needed"] == ["esa_director", "group_director"]


def test_an_idempotency_key_is_the_callers_own(directory: TestClient) -> None:
    doc = register(directory, secrecy="confidential", subject="เรื่องลับมาก")
    url = f"/documents/{doc['document_id']}"
    read = etag_of(directory, url, "dir-1")
    first = directory.post(f"{url}/assign", headers=h("dir-1", **{"Idempotency-Key": "1",
                                                                 "If-Match": read}),
                           json={"officer_id": "off-1"})
    assert first.json()["subject"] == "เรื่องลับมาก"
    # Someone else sending the same key gets their own answer, not the director's.
    other = directory.post(f"{url}/assign", headers=h("off-2", **{"Idempotency-Key": "1",
                                                                 "If-Match": read}),
                           json={"officer_id": "off-1"})
    assert other.status_code == 403 and "เรื่องลับมาก" not in other.text


def change(client: TestClient, officer_id: str, actor: str, body: dict) -> Any:
    url = f"/officers/{officer_id}"
    return client.patch(url, json=body,
                        headers=h(actor, **{"If-Match": etag_of(client, url, actor)}))


def test_nobody_grants_themselves_powers(directory: TestClient) -> None:
    own = change(directory, "dir-1", "dir-1", {"clearance": "top_secret"})
    assert own.status_code == 403 and own.json()["code"] == "role-required"
    assert own.json()["roles_needed"] == ["esa_director"]
    others = change(directory, "off-1", "dir-1", {"roles": ["group_director"]})
    assert others.status_code == 403 and others.json()["code"] == "role-required"
    renamed = change(directory, "off-1", "dir-1", {"position_th": "นักวิเคราะห์นโยบายและแผนชำนาญการ"})
    assert renamed.status_code == 200, "a group director corrects a name or position"
    esa_own = change(directory, "esa-1", "esa-1", {"roles": ["clerk"]})
    assert esa_own.status_code == 403 and esa_own.json()["code"] == "own-record"
    granted = change(directory, "off-1", "esa-1", {"clearance": "secret"})
    assert granted.status_code == 200 and granted.json()["clearance"] == "secret"


def test_classified_details_stay_hidden_in_every_register(directory: TestClient, clock) -> None:
    doc = register(directory, secrecy="confidential", subject="ลับเฉพาะ", sender="หน่วยสืบสวน")
    act(directory, doc, "assign", "dir-1", {"officer_id": "off-1"})
    act(directory, doc, "file", "clerk-1", {"location": "ตู้นิรภัย"})
    act(directory, doc, "borrow", "clerk-1", {"borrower": "นายตรวจ", "purpose": "สอบสวน",
                                              "due_date": "2026-12-01"})
    seen_by_uncleared = " ".join([
        directory.get("/registers/receiving/2569", headers=h("off-2")).text,
        directory.get("/registers/receiving/2569?format=csv", headers=h("off-2")).text,
        directory.get("/loans", headers=h("off-2")).text,
        directory.get("/work-in-progress", headers=h("off-2")).text,
        directory.get(f"/documents/{doc['document_id']}/history", headers=h("off-2")).text,
        directory.get(f"/documents/{doc['document_id']}", headers=h("off-2")).text,
    ])
    for secret in ("ลับเฉพาะ", "หน่วยสืบสวน", "ตู้นิรภัย", "นายตรวจ", "สอบสวน"):
        assert secret not in seen_by_uncleared
    assert "(ลับ)" in seen_by_uncleared


def test_destruction_purges_every_version_but_not_what_others_hold(
        directory: TestClient, clock, correspondence) -> None:
    shared_pdf = base64.b64encode(b"%PDF shared form").decode()
    attachment = [{"name": "แบบฟอร์ม.pdf", "media_type": "application/pdf", "content_base64": shared_pdf}]
    old = register(directory, received_at="2026-01-05T09:00:00+07:00", sender_doc_date="2026-01-02",
                   attachments=attachment, body_text="ฉบับเก่า")
    act(directory, old, "assign", "dir-1", {"officer_id": "off-1"})
    act(directory, old, "draft", "off-1", {"text": "ร่างแรก"})
    act(directory, old, "draft", "off-1", {"text": "ร่างที่สอง"})
    clock.now = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    act(directory, old, "cancel", "clerk-1", {"reason": "ไม่ต้องตอบ"})
    kept = register(directory, received_at="2026-01-09T09:00:00+07:00", sender_doc_date="2026-01-02",
                    attachments=attachment, body_text="ฉบับใหม่")
    old_doc = correspondence.document(UUID(old["document_id"]))
    hashes = {h for h in (old_doc.body_sha256, old_doc.draft_sha256) if h}
    first_draft = hashlib.sha256("ร่างแรก".encode()).hexdigest()
    assert correspondence.blobs.exists(first_draft)

    deleted = correspondence.purge_content([UUID(old["document_id"])])
    assert deleted == 3, "body and both draft versions"
    assert not any(correspondence.blobs.exists(h) for h in hashes | {first_draft})
    shared = correspondence.document(UUID(kept["document_id"])).attachments[0].sha256
    assert correspondence.blobs.exists(shared), "the other letter keeps its attachment"


def test_a_refused_command_stores_no_content(directory: TestClient, correspondence) -> None:
    files_before = sorted(p.name for p in correspondence.blobs.root.rglob("*") if p.is_file())
    response = directory.post("/documents/incoming", headers=h("off-1"),
                              json=incoming(body_text="ไม่ควรถูกเก็บ"))
    assert response.status_code == 403
    files_after = sorted(p.name for p in correspondence.blobs.root.rglob("*") if p.is_file())
    assert files_after == files_before


def test_a_registered_document_is_cited_by_its_register_number(
        directory: TestClient, correspondence) -> None:
    """What a decision citing a document of correspondence's own registers reads: the receipt
    number, then the outgoing number once dispatched (None for what is in neither)."""
    doc = register(directory)
    cited = correspondence.registered_reference(UUID(doc["document_id"]))
    assert (cited.reference, cited.dated.isoformat()) == ("ทะเบียนรับ 1/2569", "2026-11-27")
    for path, actor, body in [("assign", "dir-1", {"officer_id": "off-1"}),
                              ("draft", "off-1", {"text": "ร่าง"}),
                              ("submit", "off-1", {"checker_id": "dir-1"}),
                              ("approve", "dir-1", {"signer_id": "esa-1"}),
                              ("sign", "esa-1", {}), ("dispatch", "clerk-1", {})]:
        act(directory, doc, path, actor, body)
    assert correspondence.registered_reference(UUID(doc["document_id"])).reference == (
        "ที่ ศธ 04123/1")
    outgoing = directory.post("/documents/outgoing", headers=h("off-1"), json={
        "subject": "แจ้งปฏิทิน", "addressee": "โรงเรียน", "draft_text": "ร่าง"}).json()
    assert correspondence.registered_reference(UUID(outgoing["document_id"])) is None

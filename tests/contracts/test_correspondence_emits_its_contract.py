"""Correspondence emits what its committed contract describes, and nothing classified leaks.

The whole saraban path runs in process; every domain event goes through the real translator (as the
relay does) and each envelope is checked against the committed JSON Schema of its type.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.correspondence import v1
from contracts.envelope import AnyEnvelope
from contracts.monitoring.v1 import EvaluationResultsIssued
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.handlers import evaluation_results_handler
from services.correspondence.integration import make_translator
from shared.office.directory import DirectoryEntry, learn_officer
from shared.settings import PROJECT_ROOT
from shared.testing import agency_client
from tests.support.http import etag_of, h
from tests.support.staff import position_th

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
STAFF = [("esa-1", ["esa_director", "signer"]), ("clerk-1", ["clerk"]),
         ("off-1", ["officer"]), ("dir-1", ["group_director"])]


def envelopes_of(app: CorrespondenceApplication) -> list[dict]:
    translate = make_translator(app)
    out = []
    for notification in app.read_notifications(0, 10_000):
        event = app.to_domain_event(notification)
        envelope = translate(event, app.load(event.originator_id, event.originator_version))
        if envelope is not None:
            out.append(json.loads(json.dumps(envelope.model_dump(mode="json"))))
    return out


def test_every_emitted_event_validates_and_classified_facts_stay_inside(
        client: TestClient, correspondence: CorrespondenceApplication) -> None:
    for officer_id, roles in STAFF:
        actor = "esa-1" if officer_id != "esa-1" else "setup"
        client.post("/officers", headers={"X-Actor-Id": actor}, json={
            "officer_id": officer_id, "name_th": officer_id, "position_th": position_th(officer_id),
            "roles": roles, "clearance": "secret"})
    secret_subject = "รายชื่อผู้ถูกสอบสวน"
    for secrecy, subject in (("none", "ขอข้อมูลนักเรียน"), ("secret", secret_subject)):
        doc = client.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
            "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ. ฝ่ายสืบสวน",
            "sender_ref_no": "ศธ 04002/ลับ 7", "subject": subject, "addressee": "ผอ.สพป.",
            "secrecy": secrecy, "body_text": "เนื้อหา"}).json()
        for path, actor, body in [
            ("assign", "dir-1", {"officer_id": "off-1", "due_date": "2026-12-01"}),
            ("draft", "off-1", {"text": "ร่าง", "summary": "สรุปลับ"}),
            ("submit", "off-1", {"checker_id": "dir-1"}),
            ("approve", "dir-1", {"signer_id": "esa-1"}),
            ("sign", "esa-1", {}), ("dispatch", "clerk-1", {}),
            ("file", "clerk-1", {"location": "ตู้นิรภัย"}),
            ("borrow", "clerk-1", {"borrower": "นายตรวจ", "purpose": "สอบสวน",
                                   "due_date": "2026-12-01"}),
        ]:
            url = f"/documents/{doc['document_id']}"
            response = client.post(f"{url}/{path}", json=body, headers={
                "X-Actor-Id": actor, "If-Match": etag_of(client, url, actor)})
            assert response.status_code == 200, response.text

    emitted = envelopes_of(correspondence)
    assert len(emitted) >= 18
    for envelope in emitted:
        schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
        jsonschema.validate(envelope, schema)
    classified = [e for e in emitted if e["secrecy"] == "secret"]
    assert classified, "the secret document's events were published (as facts)"
    text = json.dumps(classified, ensure_ascii=False)
    for secret in (secret_subject, "สพฐ. ฝ่ายสืบสวน", "ศธ 04002/ลับ 7", "ผอ.สพป.", "นายตรวจ",
                   "สรุปลับ", "ตู้นิรภัย"):
        assert secret not in text, f"{secret!r} left the service"


def test_a_letter_from_an_agency_travels_as_a_registration_by_that_agency(
        client: TestClient, correspondence: CorrespondenceApplication) -> None:
    agency, client_id = agency_client(client.app, agency="สำนักงานศึกษาธิการจังหวัดขอนแก่น",
                                      scopes="correspondence:submit")
    response = agency.post("/agency/documents", json={
        "subject": "ขอความร่วมมือสำรวจข้อมูล", "urgency": "002", "sender_ref_no": "ขก 0020/1"})
    assert response.status_code == 201, response.text
    [envelope] = [e for e in envelopes_of(correspondence)
                  if e["type"] == "correspondence.document.registered"]
    schema = json.loads((SCHEMAS / "correspondence.document.registered.v1.json").read_text(
        encoding="utf-8"))
    jsonschema.validate(envelope, schema)
    assert envelope["actor"] == f"agency:{client_id}"
    assert envelope["data"]["sender"] == "สำนักงานศึกษาธิการจังหวัดขอนแก่น"
    assert (envelope["data"]["urgency"], envelope["data"]["urgency_code"]) == ("urgent", "002")
    assert envelope["status"]["holder"] == "group_director"


def drive_procedures_2_to_4(client: TestClient, clock) -> None:
    """Every step of procedures 2-4 once, over HTTP (staff hired by the `staffed` fixture)."""

    def post(path: str, actor: str, body: dict, changes: str | None = None) -> dict:
        """`changes`: the record the command changes, read first for its ETag (If-Match)."""
        headers = {"X-Actor-Id": actor}
        if changes is not None:
            headers["If-Match"] = etag_of(client, changes, actor)
        response = client.post(path, headers=headers, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    request = post("/service-requests", "clerk-1", {
        "requester_kind": "public", "requester_name": "นายมานะ ใจดี", "contact": "081-2345678",
        "channel": "phone", "subject": "ขอสำเนาประกาศรับนักเรียน", "details": "ใช้ยื่นต่อธนาคาร",
        "received_at": "2026-11-26T09:00:00+07:00"})
    sr = f"/service-requests/{request['service_request_id']}"
    post(f"{sr}/route", "dir-1", {"officer_id": "off-1", "due_date": "2026-11-30"}, sr)
    post(f"{sr}/respond", "off-1", {"response": "ส่งสำเนาทางไปรษณีย์ถึงบ้านเลขที่ 99"}, sr)
    post(f"{sr}/satisfaction", "clerk-1", {"score": 5, "comment": "ประทับใจ"}, sr)

    news = post("/news-items", "off-1", {"title": "กลุ่มนโยบายและแผนให้บริการข้อมูลสารสนเทศ",
                                         "body": "ร่างเนื้อหาข่าวที่ยังไม่เผยแพร่"})
    ni = f"/news-items/{news['news_item_id']}"
    post(f"{ni}/submit", "off-1", {"checker_id": "dir-1"}, ni)
    post(f"{ni}/return", "dir-1", {"reason": "เพิ่มภาพกิจกรรม"}, ni)
    post(f"{ni}/submit", "off-1", {"checker_id": "dir-1"}, ni)
    post(f"{ni}/approve", "dir-1", {}, ni)
    post(f"{ni}/publish", "off-1", {}, ni)
    post(f"{ni}/withdraw", "dir-1", {"reason": "ข้อมูลคลาดเคลื่อน"}, ni)

    meeting = post("/meetings", "off-1", {
        "title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569", "starts_at": "2026-12-02T13:30:00+07:00",
        "place": "ห้องประชุมกลุ่มนโยบายและแผน", "chair_id": "dir-1"})
    mt = f"/meetings/{meeting['meeting_id']}"
    post(f"{mt}/agenda-items", "off-1", {"title": "ติดตามผลการเบิกจ่ายงบประมาณ"}, mt)
    post(f"{mt}/agenda-items", "off-2", {"title": "แจ้งกำหนดการอบรม"}, mt)
    post(f"{mt}/agenda-items/approve", "dir-1", {"item_no": 1}, mt)
    post(f"{mt}/agenda-items/drop", "dir-1", {"item_no": 2, "reason": "แจ้งทางหนังสือเวียนแทน"},
         mt)
    post(f"{mt}/notify", "off-1", {"participant_ids": ["off-1", "off-2"]}, mt)
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    post(f"{mt}/hold", "dir-1", {"attendee_ids": ["dir-1", "off-1", "off-2"],
                                 "held_at": "2026-12-02T13:30:00+07:00"}, mt)
    item = post(f"{mt}/action-items", "off-1", {"title": "สรุปผลการเบิกจ่ายไตรมาส 1",
                                                "owner_id": "off-2", "due_date": "2026-12-15"})
    minutes = post(f"{mt}/minutes", "off-1", {"text": "รายงานการประชุม ..."}, mt)
    document = f"/documents/{minutes['minutes_document_id']}"
    for path, actor, body in [("submit", "off-1", {"checker_id": "dir-1"}),
                              ("approve", "dir-1", {"signer_id": "esa-1"}),
                              ("sign", "esa-1", {}), ("dispatch", "clerk-1", {})]:
        post(f"{document}/{path}", actor, body, document)
    post(f"{mt}/circulate", "off-1", {}, mt)
    ai = f"/action-items/{item['action_item_id']}"
    post(f"{ai}/close", "off-2", {"result": "เสนอแล้ว"}, ai)

    for accept in (True, False):
        knowledge = post("/knowledge-items", "off-1", {
            "title": "แนวทางการจัดทำแผนปฏิบัติการ", "body": "ขั้นตอน ...", "tags": ["แผน"],
            "source": "การอบรม สพฐ."})
        ki = f"/knowledge-items/{knowledge['knowledge_item_id']}"
        post(f"{ki}/screen", "dir-1", {"accept": accept, "reason": "" if accept else "ซ้ำ"}, ki)
        if accept:
            post(f"{ki}/publish", "off-1", {"tags": ["แผนปฏิบัติการ", "KM"]}, ki)


def test_procedures_2_to_4_emit_their_contract_with_case_status(
        staffed: TestClient, correspondence: CorrespondenceApplication, clock) -> None:
    drive_procedures_2_to_4(staffed, clock)
    emitted = [e for e in envelopes_of(correspondence)
               if e["type"].split(".")[1] in {"service_request", "meeting", "action_item",
                                              "knowledge_item", "news_item"}]
    for envelope in emitted:
        schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
        jsonschema.validate(envelope, schema)
        assert envelope["status"]["procedure"] in (2, 3, 4)
    new_types = {m.EVENT_TYPE for m in v1.EVENTS} - {
        m.EVENT_TYPE for m in v1.EVENTS if m.EVENT_TYPE.startswith(
            ("correspondence.document.", "correspondence.destruction_list.",
             "correspondence.officer."))}
    assert {e["type"] for e in emitted} == new_types

    items = [e for e in emitted if e["type"].startswith("correspondence.action_item.")]
    assert items[0]["status"] | {"since": None} == {
        "procedure": 3, "case_type": "action_item", "title": "สรุปผลการเบิกจ่ายไตรมาส 1",
        "step": "open", "step_th": "อยู่ระหว่างดำเนินการตามมติที่ประชุม", "holder": "off-2",
        "holder_th": "นางสาววิไล ขยัน", "since": None, "due": "2026-12-15", "closed": False}
    assert items[-1]["status"]["closed"] is True
    news = [e for e in emitted if e["type"].startswith("correspondence.news_item.")]
    assert [(e["type"].split(".")[-1], e["status"]["step"], e["status"]["holder"])
            for e in news] == [
        ("drafted", "draft", "off-1"), ("submitted", "in_review", "dir-1"),
        ("returned", "returned", "off-1"), ("submitted", "in_review", "dir-1"),
        ("approved", "approved", "off-1"), ("published", "published", None),
        ("withdrawn", "withdrawn", None)]
    assert {e["status"]["procedure"] for e in news} == {2} and news[-1]["status"]["closed"]

    # The requester's identity and the texts of the request and the answer stay inside.
    text = json.dumps(emitted, ensure_ascii=False)
    for private in ("นายมานะ ใจดี", "081-2345678", "ใช้ยื่นต่อธนาคาร", "บ้านเลขที่ 99", "ประทับใจ",
                    "ร่างเนื้อหาข่าวที่ยังไม่เผยแพร่"):
        assert private not in text, f"{private!r} left the service"


def test_every_change_of_the_staff_directory_leaves_as_its_contract_event(
        client: TestClient, correspondence: CorrespondenceApplication) -> None:
    """Registered, roles / clearance / name and position changed, deactivated, reactivated: each a
    `correspondence.officer.*` event carrying the whole entry as it now stands, valid against its
    committed schema, in order, and what another service learns from them is the directory."""
    for officer_id, roles in STAFF:
        actor = "esa-1" if officer_id != "esa-1" else "setup"
        response = client.post("/officers", headers=h(actor), json={
            "officer_id": officer_id, "name_th": f"นาย {officer_id}", "roles": roles,
            "position_th": "นักวิเคราะห์นโยบายและแผน"})
        assert response.status_code == 201, response.text

    def change(body: dict, actor: str = "esa-1") -> dict:
        response = client.patch("/officers/off-1", json=body, headers=h(
            actor, **{"If-Match": etag_of(client, "/officers/off-1", actor)}))
        assert response.status_code == 200, response.text
        return response.json()

    change({"roles": ["officer", "clerk"]})
    change({"clearance": "secret"})
    change({"name_th": "นายสมชาย รักงาน", "position_th": "นักวิเคราะห์นโยบายและแผนชำนาญการ"},
           actor="dir-1")  # a group director corrects a name or position
    change({"active": False})
    final = change({"active": True})

    emitted = [e for e in envelopes_of(correspondence)
               if e["type"].startswith("correspondence.officer.")]
    for envelope in emitted:
        schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
        jsonschema.validate(envelope, schema)
    mine = [e for e in emitted if e["data"]["officer_id"] == "off-1"]
    assert [(e["type"].removeprefix("correspondence.officer."), e["sequence"], e["actor"])
            for e in mine] == [
        ("registered", 1, "esa-1"), ("roles_changed", 2, "esa-1"),
        ("clearance_changed", 3, "esa-1"), ("details_changed", 4, "dir-1"),
        ("deactivated", 5, "esa-1"), ("reactivated", 6, "esa-1")]
    assert [(e["data"]["roles"], e["data"]["clearance"], e["data"]["active"]) for e in mine] == [
        (["officer"], "none", True), (["clerk", "officer"], "none", True),
        (["clerk", "officer"], "secret", True), (["clerk", "officer"], "secret", True),
        (["clerk", "officer"], "secret", False), (["clerk", "officer"], "secret", True)]
    assert mine[3]["data"]["name_th"] == "นายสมชาย รักงาน"
    assert mine[3]["data"]["position_th"] == "นักวิเคราะห์นโยบายและแผนชำนาญการ"
    assert mine[4]["data"]["reason"], "a deactivation says why"
    assert {e["data"]["officer_id"] for e in emitted} == {officer_id for officer_id, _ in STAFF}

    # What a service learns from these events is the directory as correspondence keeps it.
    learned: dict = {}

    def load(_: type, entry_id: object) -> DirectoryEntry | None:
        return learned.get(entry_id)

    for envelope in emitted:
        entry = learn_officer(load, AnyEnvelope.model_validate(envelope))
        if entry is not None:
            learned[entry.id] = entry
    member = learned[DirectoryEntry.create_id("off-1")].member()
    assert (sorted(member.roles), member.clearance.value, member.active, member.name_th) == (
        final["roles"], final["clearance"], final["active"], final["name_th"])


def test_a_draft_made_for_another_service_says_who_was_named_and_who_holds_it(
        client: TestClient, correspondence: CorrespondenceApplication) -> None:
    """Evaluation results issued by the ESA director, who does not draft, with no officer named
    as having prepared them: the letter leaves as `outgoing_started` with no drafter yet, the
    officer named, the reason, and the group director holding the case."""
    for officer_id, roles in STAFF:
        actor = "esa-1" if officer_id != "esa-1" else "setup"
        client.post("/officers", headers=h(actor), json={
            "officer_id": officer_id, "name_th": officer_id, "roles": roles})
    example = (PROJECT_ROOT / "contracts" / "examples"
               / "monitoring.evaluation.results_issued.v1.json").read_text(encoding="utf-8")
    issued = AnyEnvelope.model_validate_json(example)
    issued = AnyEnvelope.model_validate({**issued.model_dump(mode="json"),
                                         "data": {**issued.data, "issued_by": "esa-1",
                                                  "prepared_by": None}})
    assert EvaluationResultsIssued.model_validate(issued.data).issued_by == "esa-1"
    handle = evaluation_results_handler(correspondence)
    correspondence.execute(lambda: (None, handle(issued)), tracking=Tracking("monitoring", 1))

    [started] = [e for e in envelopes_of(correspondence)
                 if e["type"] == "correspondence.document.outgoing_started"]
    schema = json.loads((SCHEMAS / "correspondence.document.outgoing_started.v1.json").read_text(
        encoding="utf-8"))
    jsonschema.validate(started, schema)
    assert (started["data"]["officer_id"], started["data"]["named_officer_id"],
            started["data"]["rerouted_reason"]) == (None, "esa-1", "may_not_draft")
    assert (started["status"]["holder"], started["status"]["holder_th"]) == (
        "group_director", "ผู้อำนวยการกลุ่ม")

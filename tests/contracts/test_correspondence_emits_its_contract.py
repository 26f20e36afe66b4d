"""Correspondence emits what its committed contract describes, and nothing classified leaks.

The whole saraban path runs in process; every domain event goes through the real translator (as the
relay does) and each envelope is checked against the committed JSON Schema of its type.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.integration import make_translator
from shared.testing import agency_client

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
            "officer_id": officer_id, "name_th": officer_id, "roles": roles, "clearance": "secret"})
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
            response = client.post(f"/documents/{doc['document_id']}/{path}",
                                   headers={"X-Actor-Id": actor}, json=body)
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

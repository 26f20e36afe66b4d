"""Restructuring emits what its committed contract describes.

An import, corrections, and a case of every type (with returned and rejected rounds, and a
withdrawal) run in process over HTTP, each step by the one whose step it is and with the case's
ETag in `If-Match`; every domain event goes through the real translator (as the relay does) and
each envelope is checked against the committed JSON Schema of its type. What the service learned
of the office (directory, registered documents) is no contract of its own: nothing is emitted for
it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from fastapi.testclient import TestClient

from contracts.restructuring.v1 import EVENTS
from services.restructuring.application import RestructuringApplication
from services.restructuring.integration import translate
from shared.office.testing import OfficeTeacher
from tests.support.http import etag_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "contracts" / "schemas"
SAMPLE = ROOT / "tests" / "data" / "schools-enrolment-2567.csv"
HEADERS = {"X-Actor-Id": "off-1"}
RESOLUTION = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
STEP_ACTOR = {"study": "off-1", "hearing": "off-1", "propose": "dir-1", "decision": "off-2",
              "execute": "esa-1", "withdraw": "dir-1"}


def envelopes_of(app: RestructuringApplication) -> list[dict]:
    out = []
    for notification in app.read_notifications(0, 10_000):
        event = app.to_domain_event(notification)
        envelope = translate(event, app.load(event.originator_id, event.originator_version))
        if envelope is not None:
            out.append(json.loads(json.dumps(envelope.model_dump(mode="json"))))
    return out


def run_case(client: TestClient, body: dict, decisions: list[tuple[str, str | None]],
             execute: bool = True, board: bool | None = True) -> dict:
    case = client.post("/cases", headers=HEADERS, json=body).json()
    url = f"/cases/{case['case_id']}"
    for decision, reason in decisions:
        for path, step_body in [
            ("study", {"summary_th": "ศึกษาแล้ว", "travel_distance_km": "4.25"}),
            ("hearing", {"held_on": "2025-02-20", "participants": 30, "school_board_agreed": board,
                         "community_agreed": True, "summary_th": "เห็นด้วย"}),
            ("propose", {}),
            ("decision", {"decision": decision, "decided_on": "2025-03-03", "reason": reason,
                          "resolution": {"document_id": RESOLUTION}}),
        ]:
            step(client, url, path, step_body)
    return step(client, url, "execute" if execute else "withdraw",
                {"effective_date": "2025-05-16"} if execute else {"reason": "ชะลอ"})


def step(client: TestClient, url: str, path: str, body: dict) -> dict:
    actor = STEP_ACTOR[path]
    response = client.post(f"{url}/{path}", json=body, headers={
        "X-Actor-Id": actor, "If-Match": etag_of(client, url, actor)})
    assert response.status_code == 200, response.text
    return response.json()


def test_every_emitted_event_validates_against_the_committed_schema(
        restructuring: RestructuringApplication, restructuring_client: TestClient) -> None:
    app, client = restructuring, restructuring_client
    OfficeTeacher(app).document(RESOLUTION)
    assert client.post("/schools/import", headers=HEADERS, content=SAMPLE.read_bytes()).is_success
    header, june, november = SAMPLE.read_text(encoding="utf-8").splitlines()[:3]
    june, november = (line.replace("โรงเรียนบ้านนาหนองแคนพัฒนา", "โรงเรียนบ้านนาหนองแคนวิทยา")
                      for line in (june, november))
    corrected = november.replace(",6,8,9,0,0,0,65", ",6,8,10,0,0,0,66")
    again = client.post("/schools/import", headers=HEADERS,
                        content="\n".join([header, june, corrected]).encode()).json()
    assert (again["updated"], again["new"]) == (2, 0)
    empty = client.post("/schools", headers=HEADERS, json={
        "school_code": "40059998", "name_th": "โรงเรียนบ้านร้าง", "district": "ชุมแพ",
        "subdistrict": "นาเพียง", "levels": ["primary"]})
    assert empty.status_code == 201

    run_case(client, {"case_type": "merge", "school_codes": ["40050003"],
                      "receiving_school_code": "40050038"},
             [("return_for_revision", "ศึกษาเพิ่ม"), ("reject", "ยังไม่พร้อม"), ("approve", None)])
    run_case(client, {"case_type": "dissolve", "school_codes": ["40059998"]}, [("approve", None)])
    run_case(client, {"case_type": "transfer_school", "school_codes": ["40050007"],
                      "to_authority": "เทศบาลตำบลขัวเรียง"}, [("approve", None)])
    run_case(client, {"case_type": "class_expansion", "school_codes": ["40050004"],
                      "levels": ["lower_secondary"]}, [("approve", None)])
    run_case(client, {"case_type": "establish", "new_school": {
        "school_code": "40059999", "name_th": "โรงเรียนบ้านใหม่", "district": "ชุมแพ",
        "subdistrict": "นาเพียง", "levels": ["kindergarten", "primary"]}},
        [("approve", None)], board=None)
    run_case(client, {"case_type": "merge", "school_codes": ["40050028"],
                      "receiving_school_code": "40050011"}, [], execute=False)

    emitted = envelopes_of(app)
    validators: dict[str, Any] = {}
    for envelope in emitted:
        if envelope["type"] not in validators:  # checking a schema is slow: once per type
            schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
            jsonschema.validators.validator_for(schema).check_schema(schema)
            validators[envelope["type"]] = jsonschema.validators.validator_for(schema)(schema)
        validators[envelope["type"]].validate(envelope)
    assert {e["type"] for e in emitted} == {model.EVENT_TYPE for model in EVENTS}

    cases = [e for e in emitted if e["type"].startswith("restructuring.case.")]
    assert all(e["status"]["procedure"] == 9 and e["status"]["step_th"] for e in cases)
    assert {e["status"]["case_type"] for e in cases} == {
        "merge", "dissolve", "transfer_school", "class_expansion", "establish"}
    assert all(e["status"] is None for e in emitted if e["type"].startswith("restructuring.school."))
    decided = [e["data"]["approval"] for e in cases if e["type"] == "restructuring.case.decided"]
    assert [(d["round"], d["decision"]) for d in decided[:3]] == [
        (1, "return_for_revision"), (2, "reject"), (3, "approve")]
    assert {(d["resolution"]["document_id"], d["resolution"]["reference"]) for d in decided} == {
        (RESOLUTION, "ทะเบียนรับ 15/2567")}
    assert {e["actor"] for e in cases if e["type"] == "restructuring.case.executed"} == {"esa-1"}
    merged = next(e for e in emitted if e["type"] == "restructuring.school.merged")
    assert sum(merged["data"]["pupils_moved_by_grade"].values()) == 32

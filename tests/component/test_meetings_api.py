"""Internal meetings (procedure 3) over HTTP with a real store: agenda, notice, the meeting, minutes
as a registered record of the saraban, circulation, action items; Thai CSV; bad input refused."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from shared.testing import state_changes_since
from tests.support.http import etag_of, every_item, h, post


def schedule(client: TestClient) -> dict:
    return post(client, "/meetings", "off-1", {
        "title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569", "starts_at": "2026-12-02T13:30:00+07:00",
        "place": "ห้องประชุมกลุ่มนโยบายและแผน", "chair_id": "dir-1"}, expect=201)


def held_meeting(client: TestClient, clock) -> dict:
    meeting = schedule(client)
    path = f"/meetings/{meeting['meeting_id']}"
    notified(client, path)
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    return post(client, f"{path}/hold", "dir-1", {"attendee_ids": ["dir-1", "off-1", "off-2"],
                                                  "held_at": "2026-12-02T13:30:00+07:00"},
                changes=path)


def notified(client: TestClient, path: str) -> dict:
    """An item proposed by an officer, put on the agenda by the director, members notified."""
    post(client, f"{path}/agenda-items", "off-1", {"title": "ติดตามผลการเบิกจ่ายงบประมาณ"},
         changes=path)
    post(client, f"{path}/agenda-items/approve", "dir-1", {"item_no": 1}, changes=path)
    return post(client, f"{path}/notify", "off-1", {"participant_ids": ["off-1", "off-2"]},
                changes=path)


def test_a_meeting_from_agenda_to_circulated_minutes_and_action_items(
        staffed: TestClient, clock) -> None:
    client = staffed
    meeting = schedule(client)
    assert (meeting["step"], meeting["holder"], meeting["chair_name_th"]) == (
        "planned", "off-1", "นายประเสริฐ นำทาง")
    path = f"/meetings/{meeting['meeting_id']}"

    meeting = post(client, f"{path}/agenda-items", "off-1",
                   {"title": "ติดตามผลการเบิกจ่ายงบประมาณ"}, changes=path)
    meeting = post(client, f"{path}/agenda-items", "off-2", {"title": "แจ้งกำหนดการอบรม",
                                                             "details": "อบรมระบบ e-budget"},
                   changes=path)
    assert meeting["holder"] == "group_director"  # items wait for the superior
    post(client, f"{path}/agenda-items/approve", "dir-1", {"item_no": 1}, changes=path)
    meeting = post(client, f"{path}/agenda-items/drop", "dir-1",
                   {"item_no": 2, "reason": "แจ้งทางหนังสือเวียนแทน"}, changes=path)
    assert [(i["status"], i["status_th"]) for i in meeting["agenda"]] == [
        ("approved", "บรรจุระเบียบวาระแล้ว"), ("dropped", "ไม่บรรจุระเบียบวาระ")]

    meeting = post(client, f"{path}/notify", "off-1", {"participant_ids": ["off-1", "off-2"]},
                   changes=path)
    assert [p["officer_id"] for p in meeting["participants"]] == ["dir-1", "off-1", "off-2"]
    assert meeting["step"] == "notified"

    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    meeting = post(client, f"{path}/hold", "dir-1", {"attendee_ids": ["dir-1", "off-1", "off-2"],
                                                     "held_at": "2026-12-02T13:30:00+07:00"},
                   changes=path)
    assert (meeting["step"], meeting["holder"]) == ("held", "off-1")

    item = post(client, f"{path}/action-items", "off-1", {
        "title": "สรุปผลการเบิกจ่ายไตรมาส 1 เสนอผู้อำนวยการ", "owner_id": "off-2",
        "due_date": "2026-12-15"}, expect=201)
    assert (item["owner_name_th"], item["step"], item["overdue"]) == ("นางสาววิไล ขยัน", "open",
                                                                      False)

    meeting = post(client, f"{path}/minutes", "off-1", {
        "text": "รายงานการประชุม ... ที่ประชุมรับทราบผลการเบิกจ่าย", "summary": "ครั้งที่ 12/2569"},
        changes=path)
    minutes_id = meeting["minutes_document_id"]
    assert meeting["step"] == "minutes_recorded" and meeting["minutes_step"] == "drafted"
    minutes = client.get(f"/documents/{minutes_id}").json()
    assert minutes["doc_type"] == "record" and minutes["direction"] == "outgoing"
    assert minutes["subject"] == "รายงานการประชุม ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569"

    refused = client.post(f"{path}/circulate", json={},
                          headers=h("off-1", **{"If-Match": etag_of(client, path, "off-1")}))
    assert refused.status_code == 409 and refused.json()["code"] == "minutes-not-registered"

    for step_path, actor, body in [("submit", "off-1", {"checker_id": "dir-1"}),
                                   ("approve", "dir-1", {"signer_id": "esa-1"}),
                                   ("sign", "esa-1", {}), ("dispatch", "clerk-1", {})]:
        post(client, f"/documents/{minutes_id}/{step_path}", actor, body,
             changes=f"/documents/{minutes_id}")
    dispatch_register = every_item(client, "/registers/dispatch/2569")
    assert [(r["outgoing_no"], r["doc_type"]) for r in dispatch_register] == [
        ("ที่ ศธ 04123/1", "record")]

    meeting = post(client, f"{path}/circulate", "off-1", {}, changes=path)
    assert meeting["step"] == "minutes_circulated" and meeting["holder"] is None
    assert meeting["minutes_outgoing_no"] == "ที่ ศธ 04123/1"
    assert [r["officer_id"] for r in meeting["recipients"]] == ["dir-1", "off-1", "off-2"]
    assert [a["action_item_id"] for a in meeting["action_items"]] == [item["action_item_id"]]

    clock.now = datetime(2026, 12, 16, 3, 0, tzinfo=UTC)
    follow_up = every_item(client, "/action-items", open=True)
    assert [(a["title"], a["overdue"]) for a in follow_up] == [(item["title"], True)]
    response = client.get("/action-items", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["การประชุม", "งานที่ต้องดำเนินการ", "ผู้รับผิดชอบ", "กำหนดเสร็จ", "สถานะ",
                        "เกินกำหนด", "ผลการดำเนินการ"]
    assert table[1][2:6] == ["นางสาววิไล ขยัน", "15 ธ.ค. 2569",
                             "อยู่ระหว่างดำเนินการตามมติที่ประชุม", "เกินกำหนด"]

    closed = client.post(f"/action-items/{item['action_item_id']}/close",
                         headers=h("off-2", **{"If-Match": f'"{item["version"]}"'}),
                         json={"result": "เสนอผู้อำนวยการแล้ว"})
    assert closed.status_code == 200 and closed.json()["closed"] is True
    assert client.get("/action-items", params={"open": True}).json()["items"] == []

    register = client.get("/meetings", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(register.text.lstrip("\ufeff"))))
    line = dict(zip(table[0], table[1], strict=True))
    assert line["วันเวลาประชุม"] == "2 ธ.ค. 2569 13:30 น."
    assert line["เลขที่รายงานการประชุม"] == "ที่ ศธ 04123/1"
    assert line["จำนวนผู้เข้าประชุม"] == "3" and line["งานตามมติที่ยังไม่เสร็จ"] == "0"


def test_bad_input_is_refused_with_problem_details_and_records_nothing(
        staffed: TestClient, correspondence: CorrespondenceApplication, clock) -> None:
    client = staffed
    meeting = schedule(client)
    path = f"/meetings/{meeting['meeting_id']}"
    before = correspondence.max_notification_id()

    def refused(sub: str, actor: str, body: dict, status: int, code: str | None = None) -> None:
        response = client.post(f"{path}{sub}", json=body,
                               headers=h(actor, **{"If-Match": etag_of(client, path, actor)}))
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if code:
            assert response.json()["code"] == code

    refused("/notify", "off-1", {"participant_ids": ["off-2"]}, 409, "no-approved-agenda")
    refused("/agenda-items/approve", "dir-1", {"item_no": 1}, 404, "agenda-item-not-found")
    refused("/agenda-items", "clerk-1", {"title": "วาระ"}, 403, "role-required")
    refused("/hold", "dir-1", {"attendee_ids": ["dir-1", "off-1"]}, 409, "wrong-step")
    refused("/action-items", "off-1", {"title": "งาน", "owner_id": "off-2",
                                       "due_date": "2026-12-20"}, 409, "meeting-not-held")
    refused("/minutes", "off-1", {"text": "รายงาน"}, 409, "wrong-step")
    assert state_changes_since(correspondence, before) == []

    post(client, f"{path}/agenda-items", "off-1", {"title": "วาระที่ 1"}, changes=path)
    post(client, f"{path}/agenda-items/approve", "dir-1", {"item_no": 1}, changes=path)
    before = correspondence.max_notification_id()
    refused("/notify", "off-1", {"participant_ids": ["dir-1"]}, 422, "meeting-too-small")
    refused("/notify", "off-1", {"participant_ids": ["ghost-1"]}, 404, "unknown-officer")
    refused("/agenda-items/approve", "dir-1", {"item_no": 1}, 409, "agenda-item-already-decided")
    assert state_changes_since(correspondence, before) == []

    held = held_meeting(client, clock)
    path = f"/meetings/{held['meeting_id']}"
    before = correspondence.max_notification_id()
    refused("/action-items", "off-1", {"title": "งาน", "owner_id": "off-2",
                                       "due_date": "2026-11-30"}, 422, "due-before-meeting")
    refused("/action-items", "off-1", {"title": "งาน", "owner_id": "ghost-1",
                                       "due_date": "2026-12-20"}, 404, "unknown-officer")
    refused("/circulate", "off-1", {}, 409, "wrong-step")
    assert state_changes_since(correspondence, before) == []


def test_a_meeting_is_held_on_its_day_by_people_who_were_notified(
        staffed: TestClient, correspondence: CorrespondenceApplication, clock) -> None:
    """A meeting called for 8 December is not recorded as held on 6 December, nor with an
    attendee who was never notified (issue 12 §7); nothing is recorded when refused."""
    client = staffed
    meeting = post(client, "/meetings", "off-1", {
        "title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 13/2569",
        "starts_at": "2026-12-08T09:30:00+07:00", "place": "ห้องประชุม 2", "chair_id": "dir-1"},
        expect=201)
    path = f"/meetings/{meeting['meeting_id']}"
    notified(client, path)  # the chair dir-1, off-1 and off-2; not clerk-1
    clock.now = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)
    before = correspondence.max_notification_id()

    def hold(attendees: list[str], held_at: str) -> Any:
        return client.post(f"{path}/hold", json={"attendee_ids": attendees, "held_at": held_at},
                           headers=h("dir-1", **{"If-Match": etag_of(client, path, "dir-1")}))

    early = hold(["dir-1", "off-1"], "2026-12-06T09:30:00+07:00")
    assert early.status_code == 422 and early.json()["code"] == "held-before-scheduled"
    stranger = hold(["dir-1", "off-1", "clerk-1"], "2026-12-08T09:30:00+07:00")
    assert stranger.status_code == 422 and stranger.json()["code"] == "attendee-not-notified"
    assert stranger.json()["officer_ids"] == ["clerk-1"]
    assert state_changes_since(correspondence, before) == []
    held = hold(["dir-1", "off-1"], "2026-12-08T09:40:00+07:00")
    assert held.status_code == 200 and held.json()["step"] == "held"

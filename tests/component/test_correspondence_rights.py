"""Correspondence's decision rights over HTTP, through the gate (issue 11): for every decision of
procedures 1-4, an officer the service has never heard of (a), a real officer without the role (b),
the one whose earlier step excludes them (c) are refused, each refusal on the record with the
officer and nothing else recorded, and the right officer succeeds (e) (`tests/support/rights.py`;
correspondence has no decisions of outside bodies, so no (d)). Decisions a record gives to the
people it names (a committee's members, an action item's owner) are refused to everyone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.rights import RIGHTS
from shared.office.testing import STANDARD_STAFF
from shared.testing import access_refusals, state_changes_since
from tests.support.http import etag_of, every_item, h, post
from tests.support.rights import GHOST, Decision, assert_decision_rights

# The office's people as in every service's tests, and a group director who also signs.
SIGNING_DIRECTOR = ("dir-3", ["group_director", "signer"])


@pytest.fixture
def office(client: TestClient) -> TestClient:
    """The standard staff (esa-1, dir-1, dir-2, off-1, off-2, clerk-1) and dir-3, hired over HTTP:
    the ESA director first (the directory's bootstrap), who adds the others."""
    people = [(s.officer_id, s.name_th, s.position_th, list(s.roles), s.clearance)
              for s in STANDARD_STAFF]
    people.append((*SIGNING_DIRECTOR[:1], "นายวีระ ผู้อำนวยการกลุ่ม", "ผู้อำนวยการกลุ่มนโยบายและแผน",
                   SIGNING_DIRECTOR[1], "secret"))
    for officer_id, name, position, roles, clearance in people:
        response = client.post("/officers", headers=h("esa-1"), json={
            "officer_id": officer_id, "name_th": name, "position_th": position, "roles": roles,
            "clearance": clearance})
        assert response.status_code == 201, response.text
    return client


def incoming(client: TestClient, **overrides: Any) -> str:
    body = {"received_at": "2026-11-27T09:30:00+07:00", "sender": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
            "sender_ref_no": "ศธ 04002/ว 1234", "subject": "ขอให้รายงานข้อมูลนักเรียน",
            "body_text": "ด้วย สพฐ. ขอให้รายงาน", **overrides}
    return post(client, "/documents/incoming", "clerk-1", body, expect=201)["document_id"]


def doc_step(client: TestClient, document_id: str, verb: str, actor: str,
             body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = f"/documents/{document_id}"
    return post(client, f"{url}/{verb}", actor, body or {}, changes=url)


def drafted(client: TestClient, drafter: str = "off-1") -> str:
    """An incoming letter assigned to `drafter`, who drafted the reply."""
    document_id = incoming(client)
    doc_step(client, document_id, "assign", "dir-1", {"officer_id": drafter})
    doc_step(client, document_id, "draft", drafter, {"text": "ร่างหนังสือตอบ"})
    return document_id


def in_check(client: TestClient, drafter: str = "dir-2", checker: str = "dir-1") -> str:
    document_id = drafted(client, drafter)
    doc_step(client, document_id, "submit", drafter, {"checker_id": checker})
    return document_id


def signed(client: TestClient) -> str:
    document_id = in_check(client, drafter="off-1")
    doc_step(client, document_id, "approve", "dir-1", {"signer_id": "esa-1"})
    doc_step(client, document_id, "sign", "esa-1")
    return document_id


def filed(client: TestClient) -> str:
    document_id = signed(client)
    doc_step(client, document_id, "dispatch", "clerk-1")
    doc_step(client, document_id, "file", "clerk-1", {"location": "ตู้ 1"})
    return document_id


def on_document(document_id: str, verb: str, body: dict[str, Any], allowed: str,
                without_role: str, same_person: str | None = None) -> Decision:
    url = f"/documents/{document_id}"
    return Decision(path=f"{url}/{verb}", body=body, record=url, allowed=allowed,
                    without_role=without_role, same_person=same_person)


def assert_refused(client: TestClient, app: CorrespondenceApplication, method: str, path: str,
                   record: str, actor: str, body: dict[str, Any], status: int,
                   code: str) -> None:
    """One refusal of a rule the record itself decides: answered with its problem, recorded with
    the officer, nothing else recorded."""
    before = app.max_notification_id()
    refusals = len(access_refusals(app))
    response = client.request(method, path, json=body, headers=h(
        actor, **{"If-Match": etag_of(client, record, "esa-1")}))
    assert response.status_code == status, (actor, response.text)
    assert response.json()["code"] == code and response.json()["title_th"]
    assert state_changes_since(app, before) == []
    assert [(r["reason"], r["officer"], r["path"]) for r in access_refusals(app)[refusals:]] == [
        (code, actor, path)]


# --- the staff directory ------------------------------------------------------------------------
def test_directors_register_officers(office: TestClient,
                                     correspondence: CorrespondenceApplication) -> None:
    assert_decision_rights(office, correspondence, Decision(
        path="/officers", body={"officer_id": "off-3", "name_th": "นายใหม่ ใจดี",
                                "roles": ["officer"]},
        record="/officers/esa-1", allowed="dir-1", without_role="clerk-1", expect=201))


def test_a_group_director_corrects_a_name_and_only_the_esa_director_grants_powers(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    assert_decision_rights(office, correspondence, Decision(
        path="/officers/off-1", method="PATCH", record="/officers/off-1",
        body={"position_th": "นักวิเคราะห์นโยบายและแผนชำนาญการพิเศษ"},
        allowed="dir-1", without_role="off-2"))
    for body in ({"roles": ["clerk", "officer"]}, {"clearance": "secret"}, {"active": False}):
        answer = assert_decision_rights(office, correspondence, Decision(
            path="/officers/off-2", method="PATCH", record="/officers/off-2", body=body,
            allowed="esa-1", without_role="dir-1"))
        assert {k: answer[k] for k in body} == body
    assert_refused(office, correspondence, "PATCH", "/officers/esa-1", "/officers/esa-1",
                   "esa-1", {"clearance": "secret"}, 403, "own-record")


def test_a_deactivated_officer_can_do_nothing(office: TestClient,
                                              correspondence: CorrespondenceApplication) -> None:
    response = office.patch("/officers/clerk-1", json={"active": False}, headers=h(
        "esa-1", **{"If-Match": etag_of(office, "/officers/clerk-1", "esa-1")}))
    assert response.status_code == 200, response.text
    before = correspondence.max_notification_id()
    refused = office.post("/documents/incoming", headers=h("clerk-1"), json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.", "subject": "เรื่อง"})
    assert refused.status_code == 403 and refused.json()["code"] == "officer-inactive"
    assert state_changes_since(correspondence, before) == []
    assert access_refusals(correspondence)[-1]["officer"] == "clerk-1"


# --- saraban (procedure 1) ----------------------------------------------------------------------
def test_the_clerk_registers_and_the_group_director_assigns(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    assert_decision_rights(office, correspondence, Decision(
        path="/documents/incoming", record="/officers/clerk-1", allowed="clerk-1",
        without_role="off-1", expect=201,
        body={"received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.",
              "subject": "ขอข้อมูล"}))
    document_id = incoming(office)
    answer = assert_decision_rights(office, correspondence, on_document(
        document_id, "assign", {"officer_id": "off-1"}, allowed="dir-1", without_role="off-2"))
    assert (answer["step"], answer["holder"]) == ("assigned", "off-1")


def test_responsible_officers_draft_and_put_drafts_to_the_group_director(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    assert_decision_rights(office, correspondence, Decision(
        path="/documents/outgoing", record="/officers/off-1", allowed="off-1",
        without_role="clerk-1", expect=201,
        body={"subject": "แจ้งปฏิทิน", "addressee": "ผู้อำนวยการโรงเรียนในสังกัด",
              "draft_text": "ร่าง"}))
    document_id = incoming(office)
    doc_step(office, document_id, "assign", "dir-1", {"officer_id": "off-1"})
    assert_decision_rights(office, correspondence, on_document(
        document_id, "draft", {"text": "ร่างหนังสือตอบ"}, allowed="off-1", without_role="clerk-1"))
    assert_decision_rights(office, correspondence, on_document(
        document_id, "submit", {"checker_id": "dir-1"}, allowed="off-1", without_role="clerk-1"))


@pytest.mark.parametrize("verb,body,step", [
    ("approve", {"signer_id": "esa-1"}, "awaiting_signature"),
    ("return", {"comments": "แก้ไขย่อหน้าที่ 2"}, "revising"),
])
def test_the_drafter_never_checks_their_own_draft(
        office: TestClient, correspondence: CorrespondenceApplication, verb: str,
        body: dict[str, Any], step: str) -> None:
    # dir-2 (a group director) wrote the draft and put it to dir-1.
    document_id = in_check(office, drafter="dir-2", checker="dir-1")
    answer = assert_decision_rights(office, correspondence, on_document(
        document_id, verb, body, allowed="dir-1", without_role="off-2", same_person="dir-2"))
    assert answer["step"] == step


def test_the_signer_signs_or_returns_and_never_a_draft_they_wrote(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    document_id = in_check(office, drafter="off-1")
    doc_step(office, document_id, "approve", "dir-1", {"signer_id": "esa-1"})
    assert_decision_rights(office, correspondence, on_document(
        document_id, "return", {"comments": "ปรับถ้อยคำ"}, allowed="esa-1",
        without_role="clerk-1"))
    doc_step(office, document_id, "submit", "off-1", {"checker_id": "dir-1"})
    doc_step(office, document_id, "approve", "dir-1", {"signer_id": "esa-1"})
    answer = assert_decision_rights(office, correspondence, on_document(
        document_id, "sign", {}, allowed="esa-1", without_role="dir-1"))
    assert answer["step"] == "signed"

    # dir-3, a group director who also signs, wrote a draft: it is not put to them to sign (and
    # the table's not_by would refuse them the signature).
    own = in_check(office, drafter="dir-3", checker="dir-1")
    url = f"/documents/{own}"
    assert_refused(office, correspondence, "POST", f"{url}/approve", url, "dir-1",
                   {"signer_id": "dir-3"}, 403, "own-draft-check")
    assert doc_step(office, own, "approve", "dir-1", {"signer_id": "esa-1"})["holder"] == "esa-1"


def dispatched(client: TestClient) -> str:
    document_id = signed(client)
    doc_step(client, document_id, "dispatch", "clerk-1")
    return document_id


def on_loan(client: TestClient) -> str:
    document_id = filed(client)
    doc_step(client, document_id, "borrow", "clerk-1",
             {"borrower": "นายสมชาย รักงาน", "purpose": "ตรวจสอบ", "due_date": "2026-12-10"})
    return document_id


@pytest.mark.parametrize("verb,body,prepare,step", [
    ("dispatch", {}, signed, "dispatched"),
    ("file", {"location": "ตู้ 2 ชั้น 3"}, dispatched, "filed"),
    ("cancel", {"reason": "ส่งผิดหน่วยงาน"}, dispatched, "cancelled"),
    ("borrow", {"borrower": "นายตรวจ", "purpose": "ตรวจสอบ", "due_date": "2026-12-10"}, filed,
     "filed"),
    ("return-loan", {}, on_loan, "filed"),
])
def test_the_clerk_numbers_sends_files_lends_and_cancels(
        office: TestClient, correspondence: CorrespondenceApplication, verb: str,
        body: dict[str, Any], prepare: Callable[[TestClient], str], step: str) -> None:
    answer = assert_decision_rights(office, correspondence, on_document(
        prepare(office), verb, body, allowed="clerk-1", without_role="off-1"))
    assert answer["step"] == step


# --- destruction ----------------------------------------------------------------------------------
COMMITTEE = {"chair_id": "dir-1", "member_ids": ["off-1", "off-2"]}


def expired(client: TestClient, clock: Any) -> str:
    """A letter filed in January 2026 for one year: on the list of 2570 (2027)."""
    clock.now = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    document_id = incoming(client, received_at="2026-01-05T09:00:00+07:00")
    doc_step(client, document_id, "assign", "dir-1", {"officer_id": "off-1"})
    doc_step(client, document_id, "file", "clerk-1", {"location": "ตู้ 1",
                                                      "retention_class": "years_1"})
    clock.now = datetime(2028, 1, 15, 3, 0, tzinfo=UTC)
    return document_id


def list_step(client: TestClient, verb: str, actor: str, body: dict[str, Any] | None = None,
              year_be: int = 2570) -> dict[str, Any]:
    url = f"/destruction-lists/{year_be}"
    return post(client, f"{url}/{verb}", actor, body or {}, changes=url)


def on_list(verb: str, body: dict[str, Any], allowed: str, without_role: str) -> Decision:
    return Decision(path=f"/destruction-lists/2570/{verb}", body=body,
                    record="/destruction-lists/2570", allowed=allowed, without_role=without_role)


def test_the_clerk_lists_the_head_of_office_appoints_the_clerk_sends_and_records_objections(
        office: TestClient, correspondence: CorrespondenceApplication, clock: Any) -> None:
    document_id = expired(office, clock)
    listing = assert_decision_rights(office, correspondence, Decision(
        path="/destruction-lists", body={"year_be": 2570}, record="/officers/clerk-1",
        allowed="clerk-1", without_role="off-1", expect=201))
    assert listing["items"] == [document_id]
    appointed = assert_decision_rights(office, correspondence, on_list(
        "committee", COMMITTEE, allowed="esa-1", without_role="dir-1"))
    assert [m["name_th"] for m in appointed["members"]] == ["นายสมชาย รักงาน", "นางสาวมาลี ขยันยิ่ง"]
    assert appointed["chair"]["officer_id"] == "dir-1"
    assert_decision_rights(office, correspondence, on_list("send", {}, allowed="clerk-1",
                                                           without_role="off-1"))
    objected = assert_decision_rights(office, correspondence, on_list(
        "objection", {"document_ids": [document_id], "reason": "มีคุณค่าทางประวัติศาสตร์"},
        allowed="clerk-1", without_role="off-1"))
    assert objected["items_to_destroy"] == []


def test_the_committee_is_officers_of_the_directory(
        office: TestClient, correspondence: CorrespondenceApplication, clock: Any) -> None:
    expired(office, clock)
    post(office, "/destruction-lists", "clerk-1", {"year_be": 2570}, expect=201)
    record = "/destruction-lists/2570"
    for body, status, code in (
            ({"chair_id": "dir-1", "member_ids": ["off-1", "นายภายนอก"]}, 422, "validation-error"),
            ({"chair_id": "dir-1", "member_ids": ["off-1", "off-9"]}, 404, "unknown-officer")):
        before = correspondence.max_notification_id()
        response = office.post(f"{record}/committee", json=body, headers=h(
            "esa-1", **{"If-Match": etag_of(office, record, "esa-1")}))
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert state_changes_since(correspondence, before) == []


@pytest.mark.parametrize("verb", ["keep", "destroy"])
def test_each_decision_of_the_committee_is_taken_by_a_member_in_person(
        office: TestClient, correspondence: CorrespondenceApplication, clock: Any,
        verb: str) -> None:
    """Nobody records "keep longer" on a member's behalf, and only a member destroys (issue 12
    §7): the acting officer is the member."""
    document_id = expired(office, clock)
    post(office, "/destruction-lists", "clerk-1", {"year_be": 2570}, expect=201)
    list_step(office, "committee", "esa-1", COMMITTEE)
    body: dict[str, Any] = {}
    if verb == "keep":
        body = {"document_id": document_id, "reason": "ใช้อ้างอิงคดี", "retention_class": "years_5"}
    else:
        list_step(office, "send", "clerk-1")
        clock.now += timedelta(days=61)
    path, record = f"/destruction-lists/2570/{verb}", "/destruction-lists/2570"
    assert_refused(office, correspondence, "POST", path, record, GHOST, body, 404,
                   "unknown-officer")
    for outsider in ("clerk-1", "dir-2", "esa-1"):  # listed it, not appointed, appointed them
        assert_refused(office, correspondence, "POST", path, record, outsider, body, 403,
                       "not-a-committee-member")
    done = list_step(office, verb, "off-2", body)
    document = office.get(f"/documents/{document_id}", headers=h("dir-1")).json()
    if verb == "keep":
        assert done["kept"] == [{"document_id": document_id, "reason": "ใช้อ้างอิงคดี",
                                 "retention_class": "years_5", "decided_by": "off-2"}]
        assert document["retention_class"] == "years_5"
    else:
        assert done["destroyed_items"] == [document_id]
        # The destroyed document says which list, of which year, destroyed it.
        assert (document["step"], document["destruction_year_be"]) == ("destroyed", 2570)
        assert document["destruction_list_id"] == done["destruction_list_id"]
        history = every_item(office, f"/documents/{document_id}/history", "dir-1")
        assert history[-1]["event"] == "Destroyed" and history[-1]["actor"] == "off-2"
        assert history[-1]["data"]["destruction_year_be"] == 2570


# --- coordination and service (procedure 2) -------------------------------------------------------
def logged(client: TestClient) -> str:
    return post(client, "/service-requests", "clerk-1", {
        "requester_kind": "school", "requester_name": "โรงเรียนบ้านหนองบัว", "channel": "phone",
        "subject": "ขอข้อมูลจำนวนนักเรียน", "received_at": "2026-11-26T09:00:00+07:00"},
        expect=201)["service_request_id"]


def request_decision(request_id: str, verb: str, body: dict[str, Any], allowed: str,
                     without_role: str, same_person: str | None = None) -> Decision:
    url = f"/service-requests/{request_id}"
    return Decision(path=f"{url}/{verb}", body=body, record=url, allowed=allowed,
                    without_role=without_role, same_person=same_person)


def test_requests_are_routed_by_the_director_answered_by_the_officer_and_rated_by_another(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    request_id = logged(office)
    assert_decision_rights(office, correspondence, request_decision(
        request_id, "route", {"officer_id": "off-1"}, allowed="dir-1", without_role="off-2"))
    assert_decision_rights(office, correspondence, request_decision(
        request_id, "respond", {"response": "ส่งข้อมูลทางอีเมลแล้ว"}, allowed="off-1",
        without_role="clerk-1"))
    # The officer who gave the service does not record how satisfied the requester was.
    rated = assert_decision_rights(office, correspondence, request_decision(
        request_id, "satisfaction", {"score": 5}, allowed="clerk-1", without_role="esa-1",
        same_person="off-1"))
    assert rated["satisfaction"] == 5


# --- news (procedure 2) -----------------------------------------------------------------------------
def news_item(client: TestClient, author: str = "off-1") -> str:
    return post(client, "/news-items", author, {"title": "กลุ่มนโยบายและแผนจัดอบรม",
                                                "body": "เนื้อหาข่าว"},
                expect=201)["news_item_id"]


def news_step(client: TestClient, item_id: str, verb: str, actor: str,
              body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = f"/news-items/{item_id}"
    return post(client, f"{url}/{verb}", actor, body or {}, changes=url)


def news_decision(item_id: str, verb: str, body: dict[str, Any], allowed: str,
                  without_role: str, same_person: str | None = None) -> Decision:
    url = f"/news-items/{item_id}"
    return Decision(path=f"{url}/{verb}", body=body, record=url, allowed=allowed,
                    without_role=without_role, same_person=same_person)


@pytest.mark.parametrize("verb,body,step", [
    ("approve", {"comments": "เห็นชอบ"}, "approved"),
    ("return", {"reason": "เพิ่มภาพกิจกรรม"}, "returned"),
])
def test_news_is_decided_by_the_group_director_it_was_put_to_never_its_author(
        office: TestClient, correspondence: CorrespondenceApplication, verb: str,
        body: dict[str, Any], step: str) -> None:
    item_id = news_item(office, author="dir-2")
    news_step(office, item_id, "submit", "dir-2", {"checker_id": "dir-1"})
    answer = assert_decision_rights(office, correspondence, news_decision(
        item_id, verb, body, allowed="dir-1", without_role="off-2",
        same_person="dir-2" if verb == "approve" else None))
    assert answer["step"] == step


def test_the_author_revises_submits_publishes_and_withdraws_news(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    item_id = news_item(office)
    assert_decision_rights(office, correspondence, news_decision(
        item_id, "revise", {"title": "กลุ่มนโยบายและแผนจัดอบรม (แก้ไข)", "body": "เนื้อหา"},
        allowed="off-1", without_role="esa-1"))
    assert_decision_rights(office, correspondence, news_decision(
        item_id, "submit", {"checker_id": "dir-1"}, allowed="off-1", without_role="esa-1"))
    news_step(office, item_id, "approve", "dir-1")
    assert_decision_rights(office, correspondence, news_decision(
        item_id, "publish", {}, allowed="off-1", without_role="esa-1"))
    withdrawn = assert_decision_rights(office, correspondence, news_decision(
        item_id, "withdraw", {"reason": "ข้อมูลคลาดเคลื่อน"}, allowed="dir-1",
        without_role="esa-1"))
    assert withdrawn["step"] == "withdrawn"


# --- internal meetings (procedure 3) -----------------------------------------------------------------
def meeting(client: TestClient) -> str:
    return post(client, "/meetings", "off-1", {
        "title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569", "starts_at": "2026-11-27T13:30:00+07:00",
        "place": "ห้องประชุมกลุ่มนโยบายและแผน", "chair_id": "dir-1"}, expect=201)["meeting_id"]


def meeting_step(client: TestClient, meeting_id: str, verb: str, actor: str,
                 body: dict[str, Any] | None = None) -> dict[str, Any]:
    url = f"/meetings/{meeting_id}"
    return post(client, f"{url}/{verb}", actor, body or {}, changes=url)


def meeting_decision(meeting_id: str, verb: str, body: dict[str, Any], allowed: str,
                     without_role: str, same_person: str | None = None) -> Decision:
    url = f"/meetings/{meeting_id}"
    return Decision(path=f"{url}/{verb}", body=body, record=url, allowed=allowed,
                    without_role=without_role, same_person=same_person)


def test_the_group_director_decides_each_agenda_item_never_one_they_proposed(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    meeting_id = meeting(office)
    assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "agenda-items", {"title": "ติดตามแผนปฏิบัติการ"}, allowed="dir-2",
        without_role="clerk-1"))
    meeting_step(office, meeting_id, "agenda-items", "off-1", {"title": "เรื่องแจ้งเพื่อทราบ"})
    # Item 1 is dir-2's own: dir-2 may not put it on the agenda, dir-1 may.
    approved = assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "agenda-items/approve", {"item_no": 1}, allowed="dir-1",
        without_role="off-2", same_person="dir-2"))
    assert approved["agenda"][0]["decided_by"] == "dir-1"
    dropped = assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "agenda-items/drop", {"item_no": 2, "reason": "แจ้งทางหนังสือเวียน"},
        allowed="dir-2", without_role="off-2"))
    assert dropped["agenda"][1]["status"] == "dropped"


def test_the_meeting_is_run_by_its_organiser_chair_or_director(
        office: TestClient, correspondence: CorrespondenceApplication, clock: Any) -> None:
    meeting_id = meeting(office)
    meeting_step(office, meeting_id, "agenda-items", "off-1", {"title": "ติดตามแผนปฏิบัติการ"})
    meeting_step(office, meeting_id, "agenda-items/approve", "dir-1", {"item_no": 1})
    assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "notify", {"participant_ids": ["off-1", "off-2"]}, allowed="off-1",
        without_role="clerk-1"))
    clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    held = assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "hold", {"attendee_ids": ["dir-1", "off-1", "off-2"],
                             "held_at": "2026-11-27T13:30:00+07:00"},
        allowed="dir-1", without_role="clerk-1"))
    assert held["step"] == "held"
    item = assert_decision_rights(office, correspondence, Decision(
        path=f"/meetings/{meeting_id}/action-items", record=f"/meetings/{meeting_id}",
        body={"title": "สรุปผลการเบิกจ่าย", "owner_id": "off-2", "due_date": "2026-12-15"},
        allowed="off-1", without_role="clerk-1", expect=201))
    minutes = assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "minutes", {"text": "รายงานการประชุม ..."}, allowed="off-1",
        without_role="esa-1"))
    document_id = minutes["minutes_document_id"]
    doc_step(office, document_id, "submit", "off-1", {"checker_id": "dir-1"})
    doc_step(office, document_id, "approve", "dir-1", {"signer_id": "esa-1"})
    doc_step(office, document_id, "sign", "esa-1")
    doc_step(office, document_id, "dispatch", "clerk-1")
    assert_decision_rights(office, correspondence, meeting_decision(
        meeting_id, "circulate", {}, allowed="off-1", without_role="esa-1"))

    # An action item is closed by its owner (or a group director), nobody else.
    path, record = f"/action-items/{item['action_item_id']}/close", \
        f"/action-items/{item['action_item_id']}"
    body = {"result": "เสนอผู้อำนวยการแล้ว"}
    assert_refused(office, correspondence, "POST", path, record, GHOST, body, 404,
                   "unknown-officer")
    assert_refused(office, correspondence, "POST", path, record, "off-1", body, 403,
                   "not-the-owner")
    assert post(office, path, "off-2", body, changes=record)["closed"] is True


# --- knowledge (procedure 4) ----------------------------------------------------------------------
def test_knowledge_is_screened_by_a_group_director_who_did_not_capture_it(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    item_id = post(office, "/knowledge-items", "dir-2", {
        "title": "แนวทางการจัดทำแผน", "body": "ขั้นตอน", "tags": ["แผน"]},
        expect=201)["knowledge_item_id"]
    url = f"/knowledge-items/{item_id}"
    screened = assert_decision_rights(office, correspondence, Decision(
        path=f"{url}/screen", body={"accept": True}, record=url, allowed="dir-1",
        without_role="off-1", same_person="dir-2"))
    assert screened["screened_by"] == "dir-1"
    published = assert_decision_rights(office, correspondence, Decision(
        path=f"{url}/publish", body={"tags": ["KM"]}, record=url, allowed="dir-2",
        without_role="esa-1"))
    assert published["tags"] == ["แผน", "KM"]


# --- the table itself -------------------------------------------------------------------------------
def test_every_command_that_changes_state_has_a_decision_right() -> None:
    from services.correspondence.main import create_app
    from shared.office.api import unlisted_routes

    assert unlisted_routes(create_app(), RIGHTS, "correspondence") == []


def test_the_table_is_served_for_auditors_in_thai_and_english(office: TestClient) -> None:
    table = office.get("/decision-rights").json()
    assert table["service"] == "correspondence" and len(table["rights"]) == len(RIGHTS.rights)
    approve = next(r for r in table["rights"]
                   if r["route"] == "POST /documents/{document_id}/approve")
    assert (approve["roles"], approve["roles_th"], approve["not_by"]) == (
        ["group_director"], ["ผู้อำนวยการกลุ่ม"], ["Started", "Drafted"])
    assert approve["basis"].startswith("คู่มือ งานสารบรรณ 5.2")
    assert all(r["action_th"] and r["action_en"] for r in table["rights"])
    operators = {r["route"] for r in table["rights"] if r["operator"]}
    assert operators == {"POST /admin/dead-letters/replay"}
    assert [r["route"] for r in table["rights"] if r["agency"]] == ["POST /agency/documents"]


# Creating a record needs no version; every other state-changing route changes an existing one.
CREATIONS = {"POST /officers", "POST /documents/incoming", "POST /documents/outgoing",
             "POST /destruction-lists", "POST /agency/documents", "POST /service-requests",
             "POST /news-items", "POST /meetings", "POST /meetings/{meeting_id}/action-items",
             "POST /knowledge-items"}


def test_every_change_to_an_existing_record_needs_if_match(
        office: TestClient, correspondence: CorrespondenceApplication) -> None:
    """Issue 11 §3: a blind write is 428 problem+json on every route that changes a record, and
    records nothing."""
    params = {"document_id": incoming(office), "officer_id": "off-1", "year_be": "2570",
              "service_request_id": logged(office), "news_item_id": news_item(office),
              "meeting_id": meeting(office), "knowledge_item_id": post(
                  office, "/knowledge-items", "off-1", {"title": "ก", "body": "ข"},
                  expect=201)["knowledge_item_id"],
              "action_item_id": "00000000-0000-4000-8000-000000000001"}
    changing = [r for r in RIGHTS.rights if not r.operator and r.route not in CREATIONS]
    assert len(changing) == len(RIGHTS.rights) - len(CREATIONS) - 1  # the operators' replay
    before = correspondence.max_notification_id()
    for granted in changing:
        path = granted.path.format(**params)
        response = office.request(granted.method, path, headers=h("esa-1"), json={})
        assert response.status_code == 428, (granted.route, response.text)
        assert response.json()["code"] == "precondition-required"
    assert state_changes_since(correspondence, before) == []

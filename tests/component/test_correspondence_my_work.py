"""งานของฉัน: one list of everything in procedures 1-4 waiting for an officer, whoever's it is by name
or by role, overdue first, each with where to find it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from shared.testing import state_changes_since
from tests.component.test_correspondence_api import act, register
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.support.http import etag_of, every_item, h, post


def my_work(client: TestClient, officer: str, **filters: object) -> list[dict]:
    return every_item(client, "/my-work", officer, **filters)


def test_each_officer_sees_what_waits_for_them_across_procedures_1_to_4(
        directory: TestClient, clock) -> None:  # noqa: ANN001
    client = directory
    clock.now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    document = register(client)  # waits for the group director (the role)
    assigned = act(client, register(client, subject="ขอเชิญประชุม"), "assign", "dir-1",
                   {"officer_id": "off-1", "due_date": "2026-11-30"})
    request = post(client, "/service-requests", "clerk-1", {
        "requester_kind": "public", "requester_name": "นายมานะ ใจดี", "channel": "walk_in",
        "subject": "ขอสำเนาประกาศรับนักเรียน", "received_at": "2026-11-27T10:00:00+07:00"},
        expect=201)
    news = post(client, "/news-items", "off-1", {"title": "สพป. จัดอบรมการจัดทำแผน",
                                                 "body": "เมื่อวันที่ ..."}, expect=201)
    post(client, f"/news-items/{news['news_item_id']}/submit", "off-1", {"checker_id": "dir-1"},
         changes=f"/news-items/{news['news_item_id']}")
    knowledge = post(client, "/knowledge-items", "off-2", {
        "title": "สรุปความรู้จากการอบรม", "body": "การจัดทำแผนปฏิบัติการประจำปี", "tags": [],
        "source": "การอบรม สพฐ."}, expect=201)
    meeting = post(client, "/meetings", "off-1", {
        "title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569",
        "starts_at": "2026-12-02T13:30:00+07:00", "place": "ห้องประชุม", "chair_id": "dir-1"},
        expect=201)
    post(client, f"/meetings/{meeting['meeting_id']}/agenda-items", "off-1",
         {"title": "ติดตามผลการเบิกจ่ายงบประมาณ"}, changes=f"/meetings/{meeting['meeting_id']}")

    director = my_work(client, "dir-1")
    assert {(i["procedure"], i["kind"], i["id"]) for i in director} == {
        (1, "document", document["document_id"]),
        (2, "service_request", request["service_request_id"]),
        (2, "news_item", news["news_item_id"]),
        (3, "meeting", meeting["meeting_id"]),
        (4, "knowledge_item", knowledge["knowledge_item_id"]),
    }
    row = next(i for i in director if i["kind"] == "news_item")
    assert (row["title"], row["step_th"], row["kind_th"], row["path"]) == (
        "สพป. จัดอบรมการจัดทำแผน", "เสนอผู้อำนวยการกลุ่มพิจารณา", "ข่าวประชาสัมพันธ์",
        f"/news-items/{news['news_item_id']}")
    assert client.get(row["path"], headers=h("dir-1")).status_code == 200

    # Overdue work comes first; the rest oldest first.
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    officer = my_work(client, "off-1")
    assert [(i["kind"], i["overdue"]) for i in officer][0] == ("document", True)
    assert officer[0]["id"] == assigned["document_id"] and officer[0]["due"] == "2026-11-30"
    assert my_work(client, "off-2") == []  # the knowledge item waits for the director, not them


def test_a_classified_document_shows_only_as_classified_to_a_holder_who_may_not_read_it(
        directory: TestClient) -> None:
    response = directory.post("/officers", headers=h("esa-1"), json={
        "officer_id": "dir-2", "name_th": "นางสาวรองผู้อำนวยการ กลุ่ม", "roles": ["group_director"],
        "clearance": "confidential"})
    assert response.status_code == 201, response.text
    register(directory, secrecy="003", subject="รายชื่อผู้ถูกสอบสวน")  # ลับมาก
    # Both group directors hold it by their role; only the one cleared to ลับมาก reads its subject.
    assert [i["title"] for i in my_work(directory, "dir-1")] == ["รายชื่อผู้ถูกสอบสวน"]
    assert [i["title"] for i in my_work(directory, "dir-2")] == ["(ลับมาก)"]


def test_someone_not_in_the_directory_has_no_work_list(directory: TestClient) -> None:
    response = directory.get("/my-work", headers=h("stranger"))
    assert response.status_code == 404 and response.json()["code"] == "unknown-officer"


def test_an_officer_who_left_holds_nothing_any_more(directory: TestClient) -> None:
    client = directory
    register(client)  # waits for the group director (the role)
    act(client, register(client, subject="ขอเชิญประชุม"), "assign", "dir-1",
        {"officer_id": "off-1", "due_date": "2026-11-30"})
    assert my_work(client, "off-1") and my_work(client, "dir-1")

    for officer in ("off-1", "dir-1"):
        response = client.patch(f"/officers/{officer}", json={"active": False}, headers=h(
            "esa-1", **{"If-Match": etag_of(client, f"/officers/{officer}", "esa-1")}))
        assert response.status_code == 200, response.text

    for officer in ("off-1", "dir-1"):
        assert my_work(client, officer) == []
        queue = client.get("/work-queue", headers=h(officer))
        assert queue.status_code == 200 and queue.json()["items"] == []


def test_an_officer_id_that_is_a_role_name_is_refused(
        directory: TestClient, correspondence: CorrespondenceApplication) -> None:
    before = correspondence.max_notification_id()
    response = directory.post("/officers", headers=h("esa-1"), json={
        "officer_id": "group_director", "name_th": "นายแอบอ้าง บทบาท", "roles": ["officer"]})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (problem["code"], problem["field"]) == ("officer-id-is-a-role", "officer_id")
    assert problem["title_th"] and problem["title_en"]
    assert state_changes_since(correspondence, before) == []
    assert directory.get("/officers/group_director", headers=h("esa-1")).status_code == 404

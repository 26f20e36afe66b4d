"""Correspondence's lists as a client pages through them (issue 13): the registers, the work lists,
the directory and the lists of procedures 2-4; the filters people use and their totals; need to know
on every page and in every search; a bad cursor; a restart that resumes the lists without replaying
the log; the number series loaded from a snapshot; stable stored names."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from xml.etree import ElementTree

import pytest
from eventsourcing.utils import resolve_topic
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import (
    Document,
    DocumentType,
    NumberSeries,
    Role,
    Secrecy,
    SeriesKind,
    Urgency,
)
from services.correspondence.main import create_app
from services.correspondence.meetings.domain import Meeting
from services.correspondence.news import api as news_api
from services.correspondence.settings import CorrespondenceSettings
from shared.context import acting_as
from shared.domain import Snapshot
from shared.eventstore import decode_event
from shared.testing import office_client
from tests.component.test_correspondence_api import act, register
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.component.test_knowledge_api import publish as publish_knowledge
from tests.component.test_meetings_api import held_meeting
from tests.component.test_news_api import publish as publish_news
from tests.component.test_service_requests_api import log_request, step
from tests.support.http import assert_lists_take_junk, every_item, h, post

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def get(client: TestClient, path: str, actor: str = "clerk-1", **params: Any) -> Any:
    response = client.get(path, params=params, headers=h(actor))
    assert response.status_code == 200, response.text
    return response


def next_link(response: Any) -> str | None:
    """The `Link: <...>; rel="next"` a client follows, or None on the last page."""
    link = response.headers.get("Link")
    if link is None:
        return None
    target, rel = link.split(";", 1)
    assert rel.strip() == 'rel="next"'
    return target.strip().strip("<>")


def pages_of(client: TestClient, path: str, actor: str = "clerk-1",
             **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, following its Link header as a client does."""
    response = get(client, path, actor, **params)
    pages = [response.json()]
    while (link := next_link(response)) is not None:
        response = client.get(link, headers=h(actor))
        assert response.status_code == 200, response.text
        pages.append(response.json())
    assert pages[-1]["next_cursor"] is None and "Link" not in response.headers
    return pages


def total(client: TestClient, path: str, actor: str = "clerk-1", **params: Any) -> int:
    return get(client, path, actor, **params).json()["total"]


# --- the registers --------------------------------------------------------------------------------


def test_the_receiving_register_pages_by_its_link_with_no_letter_twice_or_missed(
        directory: TestClient) -> None:
    registered = [register(directory, subject=f"หนังสือฉบับที่ {n}")["document_id"]
                  for n in range(1, 12)]
    pages = pages_of(directory, "/registers/receiving/2569", limit=4)
    assert [len(p["items"]) for p in pages] == [4, 4, 3]
    assert {p["total"] for p in pages} == {11}
    listed = [r for p in pages for r in p["items"]]
    assert [r["receipt_no"] for r in listed] == list(range(1, 12)), "in receipt order"
    assert [r["document_id"] for r in listed] == registered, "each letter once"

    # A letter received while someone pages comes on the pages still to come, once.
    first = get(directory, "/registers/receiving/2569", limit=4).json()
    late = register(directory, subject="หนังสือที่มาระหว่างเปิดดู")["document_id"]
    rest = every_item(directory, "/registers/receiving/2569", "clerk-1", limit=4,
                      cursor=first["next_cursor"])
    assert [r["document_id"] for r in first["items"] + rest] == [*registered, late]


def test_a_cursor_this_list_never_gave_is_refused(directory: TestClient) -> None:
    for n in range(3):
        register(directory, subject=f"หนังสือ {n}")
    work_cursor = get(directory, "/my-work", "dir-1", limit=1).json()["next_cursor"]
    for cursor in ("ไม่ใช่ตัวชี้", "bm90IGEgY3Vyc29y", work_cursor):
        response = directory.get("/registers/receiving/2569", params={"cursor": cursor},
                                 headers=h("clerk-1"))
        assert response.status_code == 422, (cursor, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid-cursor"
    register_cursor = get(directory, "/registers/receiving/2569", limit=1).json()["next_cursor"]
    response = directory.get("/my-work", params={"cursor": register_cursor}, headers=h("dir-1"))
    assert response.status_code == 422 and response.json()["code"] == "invalid-cursor"


def test_the_registers_filter_by_step_holder_overdue_and_text_with_their_totals(
        directory: TestClient, clock) -> None:
    late = act(directory, register(directory, subject="ขอข้อมูลนักเรียนพิการ"), "assign", "dir-1",
               {"officer_id": "off-1", "due_date": "2026-11-28"})
    act(directory, register(directory, subject="ขอข้อมูลครูอัตราจ้าง"), "assign", "dir-1",
        {"officer_id": "off-1", "due_date": "2026-12-20"})
    filed = act(directory, register(directory, subject="แจ้งวันหยุดราชการ"), "assign", "dir-1",
                {"officer_id": "off-1", "due_date": "2026-11-28"})
    act(directory, filed, "file", "clerk-1", {"location": "ตู้ 1"})
    register(directory, subject="เชิญประชุมผู้บริหาร")
    clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    path = "/registers/receiving/2569"

    assert total(directory, path) == 4
    assert total(directory, path, step="assigned") == 2
    assert total(directory, path, step="registered") == 1
    assert total(directory, path, holder="off-1") == 2
    assert total(directory, path, holder="group_director") == 1
    overdue = every_item(directory, path, "clerk-1", overdue=True)
    assert [r["document_id"] for r in overdue] == [late["document_id"]], (
        "only open work is late: the filed letter owes nothing")
    assert total(directory, path, overdue=False) == 3
    assert [r["subject"] for r in every_item(directory, path, "clerk-1", q="ขอข้อมูล")] == [
        "ขอข้อมูลนักเรียนพิการ", "ขอข้อมูลครูอัตราจ้าง"]
    assert total(directory, path, q="ขอข้อมูล", holder="off-1", overdue=False) == 1
    assert total(directory, path, q="100%") == 0, "a % typed is looked for, not a wildcard"
    assert total(directory, path, q="สำนักงานคณะกรรมการการศึกษา") == 4, "the sender too"

    text = get(directory, path, q="ขอข้อมูล", format="csv").text
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:6] == ["เลขทะเบียนรับ", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง"]
    assert [row[5] for row in table[1:]] == ["ขอข้อมูลนักเรียนพิการ", "ขอข้อมูลครูอัตราจ้าง"]

    assert [r["document_id"] for r in every_item(directory, "/work-in-progress", "clerk-1",
                                                 overdue=True)] == [late["document_id"]]
    assert total(directory, "/work-in-progress") == 3, "the filed letter is no longer open"
    assert total(directory, "/work-in-progress", holder="off-1", step="assigned") == 2


def test_a_classified_letter_is_found_by_its_words_only_by_those_who_may_read_them(
        directory: TestClient) -> None:
    secret = register(directory, secrecy="002", subject="ผลการสอบสวนวินัยข้าราชการ",
                      sender="คณะกรรมการสอบสวน")
    register(directory, subject="ขอเชิญประชุมเรื่องการสอบสวน")
    path = "/registers/receiving/2569"

    def found(actor: str) -> list[str]:
        return [r["subject"] for r in every_item(directory, path, actor, q="สอบสวน")]

    assert found("off-2") == ["ขอเชิญประชุมเรื่องการสอบสวน"], "not cleared for ลับ"
    assert found("off-1") == ["ขอเชิญประชุมเรื่องการสอบสวน"], "cleared but no need to know"
    assert found("dir-1") == ["ผลการสอบสวนวินัยข้าราชการ", "ขอเชิญประชุมเรื่องการสอบสวน"]
    assert total(directory, path, "off-2", q="คณะกรรมการสอบสวน") == 0, "nor by its sender"
    # The line itself is in everyone's register, described only to those who may read it.
    shown = {r["document_id"]: r for r in every_item(directory, path, "off-2", limit=1)}
    assert shown[secret["document_id"]]["subject"] == "(ลับ)"
    assert shown[secret["document_id"]]["content_available"] is False
    assert total(directory, path, "off-2") == 2
    csv_text = get(directory, path, "off-2", format="csv").text
    assert "ผลการสอบสวนวินัย" not in csv_text and "(ลับ)" in csv_text
    assert "ผลการสอบสวนวินัย" in get(directory, path, "dir-1", format="csv").text, (
        "the export, written as it streams, is the director's own")

    def alone(actor: str) -> dict:
        return get(directory, f"/documents/{secret['document_id']}", actor).json()

    for actor in ("off-2", "off-1", "dir-1"):
        listed = {r["document_id"]: r for r in every_item(directory, path, actor)}
        assert alone(actor) == listed[secret["document_id"]], f"{actor}: read alone as listed"
    assert alone("off-1")["subject"] == "(ลับ)"

    assigned = act(directory, secret, "assign", "dir-1", {"officer_id": "off-1"})
    assert alone("dir-1") == assigned, "a read says what the command answered"
    assert alone("off-1")["subject"] == "ผลการสอบสวนวินัยข้าราชการ"
    assert found("off-1") == ["ผลการสอบสวนวินัยข้าราชการ", "ขอเชิญประชุมเรื่องการสอบสวน"], (
        "the officer working on it now has the need to know")
    assert found("off-2") == ["ขอเชิญประชุมเรื่องการสอบสวน"]


def test_the_dispatch_register_pages_each_series_of_the_year(directory: TestClient) -> None:
    def dispatched(**extra: object) -> dict:
        doc = post(directory, "/documents/outgoing", "off-1", {
            "subject": "แจ้งปฏิทินการรายงาน", "addressee": "ผู้อำนวยการโรงเรียนในสังกัด",
            "draft_text": "ร่าง", **extra}, expect=201)
        act(directory, doc, "submit", "off-1", {"checker_id": "dir-1"})
        act(directory, doc, "approve", "dir-1", {"signer_id": "esa-1"})
        act(directory, doc, "sign", "esa-1")
        return act(directory, doc, "dispatch", "clerk-1")

    letters = [dispatched() for _ in range(3)]
    dispatched(outgoing_kind="circular")
    pages = pages_of(directory, "/registers/dispatch/2569", limit=2)
    assert [[r["number"] for r in p["items"]] for p in pages] == [[1, 2], [3]]
    assert [r["document_id"] for p in pages for r in p["items"]] == [
        d["document_id"] for d in letters]
    circulars = every_item(directory, "/registers/dispatch/2569", "clerk-1", series="circular")
    assert [(r["number"], r["outgoing_no"], r["series"]) for r in circulars] == [
        (1, "ที่ ศธ 04123/ว 1", "circular")]
    assert total(directory, "/registers/dispatch/2570") == 0


# --- the work lists -------------------------------------------------------------------------------


def test_my_work_puts_overdue_first_across_pages_and_filters_by_procedure_kind_and_overdue(
        directory: TestClient, clock) -> None:
    clock.now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    due_soon = act(directory, register(directory, subject="ก"), "assign", "dir-1",
                   {"officer_id": "off-1", "due_date": "2026-11-28"})
    clock.now += timedelta(hours=1)
    later = act(directory, register(directory, subject="ข"), "assign", "dir-1",
                {"officer_id": "off-1", "due_date": "2026-12-20"})
    clock.now += timedelta(hours=1)
    undated = act(directory, register(directory, subject="ค"), "assign", "dir-1",
                  {"officer_id": "off-1"})
    clock.now += timedelta(hours=1)
    request = log_request(directory)
    request = step(directory, request, "route", "dir-1", {"officer_id": "off-1",
                                                          "due_date": "2026-11-29"})
    clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    pages = pages_of(directory, "/my-work", "off-1", limit=1)
    assert {p["total"] for p in pages} == {4}
    listed = [(i["id"], i["overdue"]) for p in pages for i in p["items"]]
    assert listed == [(due_soon["document_id"], True), (request["service_request_id"], True),
                      (later["document_id"], False), (undated["document_id"], False)], (
        "overdue first, then the longest waiting, each once across the pages")

    def ids(**filters: object) -> list[str]:
        return [i["id"] for i in every_item(directory, "/my-work", "off-1", limit=1, **filters)]

    assert ids(procedure=2) == [request["service_request_id"]]
    assert ids(kind="document") == [due_soon["document_id"], later["document_id"],
                                    undated["document_id"]]
    assert ids(overdue=True) == [due_soon["document_id"], request["service_request_id"]]
    assert ids(overdue=False) == [later["document_id"], undated["document_id"]]
    queue = every_item(directory, "/work-queue", "off-1", limit=2)
    assert [d["document_id"] for d in queue] == [due_soon["document_id"], later["document_id"],
                                                 undated["document_id"]]
    assert [d["document_id"] for d in every_item(directory, "/work-queue", "off-1",
                                                 overdue=True)] == [due_soon["document_id"]]


def test_work_done_leaves_the_work_list(directory: TestClient,
                                        correspondence: CorrespondenceApplication) -> None:
    """The work lists hold what is open: a row per record someone must act on, gone once nobody
    must (so they cost what is open, never what ever was)."""
    documents = [act(directory, register(directory, subject=f"เรื่อง {n}"), "assign", "dir-1",
                     {"officer_id": "off-1"}) for n in range(3)]
    assert correspondence.work.count({"holder": "off-1"}) == 3
    for document in documents[:2]:
        act(directory, document, "file", "clerk-1", {"location": "ตู้ 1"})
    assert correspondence.work.count() == 1, "only the open one is left in the work listing"
    assert correspondence.work.get(UUID(documents[0]["document_id"])) is None
    assert [i["id"] for i in every_item(directory, "/my-work", "off-1")] == [
        documents[2]["document_id"]]
    assert total(directory, "/registers/receiving/2569") == 3, "the register keeps them all"


def test_the_directory_pages_and_filters_by_role_and_active(directory: TestClient) -> None:
    officers = every_item(directory, "/officers", "esa-1", limit=2)
    assert [o["officer_id"] for o in officers] == ["clerk-1", "dir-1", "esa-1", "off-1", "off-2"]
    assert [o["officer_id"] for o in every_item(directory, "/officers", "esa-1",
                                                role="officer")] == ["off-1", "off-2"]
    response = directory.patch("/officers/off-2", json={"active": False}, headers=h(
        "esa-1", **{"If-Match": get(directory, "/officers/off-2").headers["ETag"]}))
    assert response.status_code == 200, response.text
    assert [o["officer_id"] for o in every_item(directory, "/officers", "esa-1",
                                                active=False)] == ["off-2"]
    assert total(directory, "/officers", active=True) == 4


# --- procedures 2-4 ---------------------------------------------------------------------------------


def test_service_requests_page_and_filter_by_status_holder_and_overdue(
        staffed: TestClient, clock) -> None:
    logged = [log_request(staffed, subject=f"คำขอที่ {n}",
                          received_at=f"2026-11-26T09:0{n}:00+07:00") for n in range(5)]
    routed = step(staffed, logged[0], "route", "dir-1", {"officer_id": "off-1",
                                                         "due_date": "2026-11-28"})
    clock.now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    pages = pages_of(staffed, "/service-requests", limit=2)
    assert [len(p["items"]) for p in pages] == [2, 2, 1] and pages[0]["total"] == 5
    assert [r["service_request_id"] for p in pages for r in p["items"]] == [
        r["service_request_id"] for r in logged]
    assert total(staffed, "/service-requests", status="logged") == 4
    late = every_item(staffed, "/service-requests", "clerk-1", overdue=True)
    assert [(r["service_request_id"], r["overdue"], r["officer_name_th"]) for r in late] == [
        (routed["service_request_id"], True, "นายสมชาย รักงาน")]
    assert total(staffed, "/service-requests", overdue=False) == 4
    assert total(staffed, "/service-requests", holder="group_director") == 4


def test_staff_and_public_news_page_and_the_feed_links_its_next_page(
        staffed: TestClient, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    published = []
    for n in range(3):
        clock.now += timedelta(hours=1)
        published.append(publish_news(staffed, f"ข่าวที่ {n}")["news_item_id"])
    visitor = TestClient(staffed.app)
    response = visitor.get("/news", params={"limit": 2})
    page = response.json()
    assert [n["news_item_id"] for n in page["items"]] == published[:0:-1] and page["total"] == 3
    rest = visitor.get(next_link(response)).json()
    assert [n["news_item_id"] for n in rest["items"]] == published[:1]
    assert "version" not in page["items"][0], "the public sees what is published, not the desk"
    assert total(staffed, "/news-items", status="published", year_be=2569) == 3
    assert total(staffed, "/news-items", year_be=2570) == 0

    monkeypatch.setattr(news_api, "FEED_SIZE", 2)
    feed = visitor.get("/news/feed.xml")
    root = ElementTree.fromstring(feed.content)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in root.findall("a:entry", ATOM)]
    assert titles == ["ข่าวที่ 2", "ข่าวที่ 1"]
    following = next(link.get("href") for link in root.findall("a:link", ATOM)
                     if link.get("rel") == "next")
    assert 'rel="next"' in feed.headers["Link"]
    older = ElementTree.fromstring(visitor.get(following.replace("http://testserver", "")).content)
    assert [e.findtext("a:title", namespaces=ATOM) for e in older.findall("a:entry", ATOM)] == [
        "ข่าวที่ 0"]
    assert not [link for link in older.findall("a:link", ATOM) if link.get("rel") == "next"]


def test_meetings_and_action_items_page_and_filter(staffed: TestClient, clock) -> None:
    meeting = held_meeting(staffed, clock)
    path = f"/meetings/{meeting['meeting_id']}"
    items = [post(staffed, f"{path}/action-items", "off-1", {
        "title": f"งานที่ {n}", "owner_id": "off-2" if n else "off-1",
        "due_date": f"2026-12-{10 + n}"}, expect=201) for n in range(3)]
    clock.now = datetime(2026, 12, 11, 3, 0, tzinfo=UTC)
    assert [a["action_item_id"] for a in every_item(staffed, "/action-items", "off-1",
                                                    limit=2)] == [
        a["action_item_id"] for a in items]
    assert [a["title"] for a in every_item(staffed, "/action-items", "off-1",
                                           overdue=True)] == ["งานที่ 0"]
    assert total(staffed, "/action-items", owner_id="off-2") == 2
    assert total(staffed, "/action-items", meeting_id=meeting["meeting_id"]) == 3
    listed = every_item(staffed, "/meetings", "off-1", year_be=2569, status="held")
    assert [(m["meeting_id"], len(m["action_items"])) for m in listed] == [
        (meeting["meeting_id"], 3)]
    assert listed[0]["chair_name_th"] == "นายประเสริฐ นำทาง"
    assert total(staffed, "/meetings", year_be=2570) == 0


def test_knowledge_items_and_their_search_page(staffed: TestClient, clock) -> None:
    found = []
    for n in range(3):
        clock.now += timedelta(hours=1)
        found.append(publish_knowledge(staffed, "off-1", f"แนวทางการจัดทำแผน ฉบับที่ {n}",
                                       "ขั้นตอนการจัดทำแผนปฏิบัติการ", ["แผน"])["knowledge_item_id"])
    post(staffed, "/knowledge-items", "off-2", {"title": "ร่างที่ยังไม่กลั่นกรอง",
                                                "body": "แผนปฏิบัติการ"}, expect=201)
    hits = pages_of(staffed, "/knowledge-items/search", "off-1", q="แผนปฏิบัติการ", limit=2)
    assert [h["knowledge_item_id"] for p in hits for h in p["items"]] == found[::-1], (
        "published only, the most recent first, each once")
    assert hits[0]["total"] == 3
    assert total(staffed, "/knowledge-items") == 4
    assert total(staffed, "/knowledge-items", status="captured") == 1
    assert total(staffed, "/knowledge-items", fiscal_year=2570) == 4
    assert total(staffed, "/knowledge-items", fiscal_year=2569) == 0


def test_destruction_lists_are_a_list_too(directory: TestClient, clock) -> None:
    doc = register(directory, received_at="2026-01-05T09:00:00+07:00",
                   sender_doc_date="2026-01-02")
    act(directory, doc, "assign", "dir-1", {"officer_id": "off-1"})
    clock.now = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    act(directory, doc, "file", "clerk-1", {"location": "ตู้ 1", "retention_class": "years_1"})
    clock.now = datetime(2028, 1, 15, 3, 0, tzinfo=UTC)
    opened = post(directory, "/destruction-lists", "clerk-1", {"year_be": 2570}, expect=201)
    lists = every_item(directory, "/destruction-lists", "clerk-1")
    assert [(d["year_be"], d["items"]) for d in lists] == [(2570, [doc["document_id"]])]
    assert lists[0]["version"] == opened["version"]
    assert total(directory, "/destruction-lists", step="sent") == 0


def test_junk_parameters_of_every_list_never_make_a_500(directory: TestClient) -> None:
    register(directory)
    lists = ["/registers/receiving/2569", "/registers/dispatch/2569", "/work-queue", "/my-work",
             "/work-in-progress", "/loans", "/officers", "/destruction-lists", "/service-requests",
             "/news-items", "/news", "/meetings", "/action-items", "/knowledge-items",
             "/knowledge-items/search"]
    assert assert_lists_take_junk(directory, lists) == 15 * 25


# --- a restart, snapshots, names ------------------------------------------------------------------


def in_process(var_dir: Path) -> CorrespondenceApplication:
    return CorrespondenceApplication(CorrespondenceSettings(var_dir=var_dir,
                                                            office_code="ศธ 04123"))


def hire(app: CorrespondenceApplication) -> None:
    for officer_id, roles in (("esa-1", [Role.esa_director]), ("clerk-1", [Role.clerk])):
        with acting_as("esa-1"):
            app.register_officer(officer_id=officer_id, name_th=officer_id, position_th="",
                                 roles=roles, clearance=Secrecy.secret)


def receive(app: CorrespondenceApplication, subject: str) -> dict[str, Any]:
    with acting_as("clerk-1"):
        return app.register_incoming(
            received_at=datetime.now(UTC) - timedelta(minutes=1), sender="สพฐ.",
            sender_ref_no="ศธ 04002/ว 1", sender_doc_date=None, subject=subject,
            addressee="ผอ.สพท.", doc_type=DocumentType.external_letter, urgency=Urgency.normal,
            secrecy=Secrecy.none, body=None, files=())


def write_directly(app: CorrespondenceApplication, sql: str, **params: Any) -> None:
    with app.read_models.view.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql, params)


def test_a_restart_resumes_the_lists_without_replaying_the_log(tmp_path: Path) -> None:
    app = in_process(tmp_path / "restart")
    hire(app)
    first = receive(app, "หนังสือฉบับแรก")
    receive(app, "หนังสือฉบับที่สอง")
    client = office_client(create_app(app.settings, app))
    year = first["receipt_year_be"]
    assert total(client, f"/registers/receiving/{year}") == 2
    positions = {name: app.read_models.view.position(listing)
                 for name, listing in app.read_models.listings.items()}
    assert set(positions.values()) == {app.max_notification_id()}
    # Were the log replayed at start, the row would be written again from the events: a row
    # changed in the table (nothing else changes it now) shows that it is not.
    write_directly(app, "UPDATE rm_correspondence_documents SET text = 'ไม่ได้อ่านใหม่' "
                        "WHERE id = :id", id=first["document_id"])
    app.close()

    again = in_process(tmp_path / "restart")
    try:
        client = office_client(create_app(again.settings, again))  # declares all its lists
        assert {name: again.read_models.view.position(listing)
                for name, listing in again.read_models.listings.items()} == positions
        path = f"/registers/receiving/{year}"
        assert [r["document_id"] for r in every_item(client, path, "clerk-1",
                                                     q="ไม่ได้อ่านใหม่")] == [
            first["document_id"]], "resumed where it was, nothing replayed"
        third = receive(again, "หนังสือหลังเริ่มใหม่")
        assert [r["receipt_no"] for r in every_item(client, path, "clerk-1")] == [1, 2, 3]
        assert every_item(client, path, "clerk-1", q="หลังเริ่มใหม่")[0]["document_id"] == (
            third["document_id"])
    finally:
        again.close()


def test_the_first_registration_after_a_start_reads_the_series_snapshot_not_the_year(
        tmp_path: Path) -> None:
    app = in_process(tmp_path / "snap")
    hire(app)
    for n in range(205):
        year = receive(app, f"หนังสือ {n}")["receipt_year_be"]
    series_id = NumberSeries.create_id(SeriesKind.receiving, year)
    assert [s.originator_version for s in app.snapshots.get(series_id)] == [100, 200]
    app.close()

    again = in_process(tmp_path / "snap")
    read: list[int] = []
    store = again.repository.event_store
    original = store.get

    def counting(originator_id: UUID, **kwargs: Any) -> Any:
        events = list(original(originator_id, **kwargs))
        if originator_id == series_id:
            read.extend(e.originator_version for e in events)
        return events

    store.get = counting  # type: ignore[method-assign]
    try:
        assert receive(again, "หนังสือฉบับแรกหลังเริ่มใหม่")["receipt_no"] == 206
        assert read == list(range(201, 207)), "the snapshot at 200, then only what came after"
        loaded = again.repository.get(series_id)
        replayed = None
        for event in original(series_id):
            replayed = event.mutate(replayed)
        assert vars(loaded) == vars(replayed)
    finally:
        again.close()

    # Cancelled numbers keep their numbers and reasons through a snapshot.
    series = NumberSeries.open(kind=SeriesKind.dispatch, year_be=2569)
    for _ in range(3):
        series.issue(UUID(int=0))
    series.cancel(2, "ส่งผิดหน่วยงาน")
    restored = Snapshot.take(series).mutate(None)
    assert (restored.cancelled, restored.last_number, restored.kind) == (
        {2: "ส่งผิดหน่วยงาน"}, 3, SeriesKind.dispatch)


def test_correspondence_is_stored_under_stable_names_and_old_names_still_decode(
        directory: TestClient, correspondence: CorrespondenceApplication) -> None:
    before = correspondence.max_notification_id()
    register(directory)
    topics = [n.topic for n in correspondence.read_notifications(before, 10)]
    assert topics == ["correspondence.NumberSeries.Opened",
                      "correspondence.NumberSeries.NumberIssued",
                      "correspondence.Document.Registered"]
    state = correspondence.mapper.transcoder.decode(
        correspondence.read_notifications(before, 10)[-1].state)
    assert state["originator_topic"] == "correspondence.Document"
    # Events stored before the names were pinned carry the module path: they still decode.
    legacy = resolve_topic("services.correspondence.domain:Document.Registered")
    assert legacy is Document.Registered
    assert decode_event(legacy, dict(state)).receipt_no == 1
    for module, name in (("services.correspondence.meetings.domain", "Meeting.Scheduled"),
                         ("services.correspondence.domain", "Officer.Registered"),
                         ("services.correspondence.domain", "DestructionList.Opened")):
        assert resolve_topic(f"{module}:{name}") is resolve_topic(f"correspondence.{name}")
    assert resolve_topic("correspondence.Meeting") is Meeting

"""News of the group's work (procedure 2, step 5.3) over HTTP with a real store: staff draft,
propose, approve (or return), publish and withdraw; the public reads the published news and the
Atom feed without a token; the monthly summary; bad input refused with nothing recorded."""

from __future__ import annotations

import base64
import csv
import io
from datetime import timedelta
from xml.etree import ElementTree

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from shared.testing import state_changes_since
from tests.support.http import etag_of, every_item, h, post

ATOM = {"a": "http://www.w3.org/2005/Atom"}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


def draft(client: TestClient, title: str = "กลุ่มนโยบายและแผนประชุมจัดทำแผนปฏิบัติการ ปี 2570",
          **extra: object) -> dict:
    return post(client, "/news-items", "off-1", {
        "title": title, "body": "เมื่อวันที่ 27 พฤศจิกายน 2569 กลุ่มนโยบายและแผนจัดประชุม ...",
        "summary": "ประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติการประจำปีงบประมาณ 2570", **extra},
        expect=201)


def approve(client: TestClient, item: dict) -> dict:
    path = f"/news-items/{item['news_item_id']}"
    post(client, f"{path}/submit", "off-1", {"checker_id": "dir-1"}, changes=path)
    return post(client, f"{path}/approve", "dir-1", {"comments": "เห็นชอบ"}, changes=path)


def publish(client: TestClient, title: str) -> dict:
    item = approve(client, draft(client, title))
    path = f"/news-items/{item['news_item_id']}"
    return post(client, f"{path}/publish", "off-1", {}, changes=path)


def test_draft_return_revise_approve_publish_and_read_it_publicly(
        staffed: TestClient, clock) -> None:
    client = staffed
    item = draft(client, links=[{"kind": "project", "ref": "โครงการจัดทำแผนปฏิบัติการ"}],
                 image={"name": "ภาพกิจกรรม.png", "media_type": "image/png",
                        "content_base64": PNG})
    assert (item["step"], item["holder"], item["published_at"]) == ("draft", "off-1", None)
    path = f"/news-items/{item['news_item_id']}"
    post(client, f"{path}/submit", "off-1", {"checker_id": "dir-1"}, changes=path)
    returned = post(client, f"{path}/return", "dir-1", {"reason": "ขอเพิ่มรายชื่อผู้เข้าร่วม"},
                    changes=path)
    assert (returned["step"], returned["holder"]) == ("returned", "off-1")
    revised = post(client, f"{path}/revise", "off-1", {
        "title": item["title"], "body": "เนื้อหาพร้อมรายชื่อผู้เข้าร่วม", "summary": item["summary"],
        "links": [{"kind": "project", "ref": "โครงการจัดทำแผนปฏิบัติการ"}]}, changes=path)
    assert revised["revision"] == 2 and revised["image"]["media_type"] == "image/png"
    approved = approve(client, revised)
    assert [(r["round"], r["approved"], r["comments"]) for r in approved["reviews"]] == [
        (1, False, "ขอเพิ่มรายชื่อผู้เข้าร่วม"), (2, True, "เห็นชอบ")]
    assert approved["reviews"][0]["checker_name_th"] == "นายประเสริฐ นำทาง"

    visitor = TestClient(client.app)  # no token: a browser on the office's web page
    assert visitor.get(f"/news/{item['news_item_id']}").status_code == 404, "not yet published"
    clock.now += timedelta(hours=1)
    done = post(client, f"{path}/publish", "off-1", {}, changes=path)
    assert done["step"] == "published"

    shown = visitor.get(f"/news/{item['news_item_id']}")
    assert shown.status_code == 200
    news = shown.json()
    assert news["published_at"] == "2026-11-27T11:00:00+07:00"
    assert news["published_date_th"] == "27 พฤศจิกายน 2569"
    assert news["published_at_th"] == "27 พ.ย. 2569 11:00 น."
    assert "reviews" not in news and "author_id" not in news, "the public sees the news only"
    picture = visitor.get(news["image"]["url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content == base64.b64decode(PNG)


def test_the_public_list_shows_only_published_news_newest_first_and_needs_no_token(
        staffed: TestClient, clock) -> None:
    client = staffed
    first = publish(client, "ข่าวที่หนึ่ง")
    clock.now += timedelta(days=1)
    second = publish(client, "ข่าวที่สอง")
    clock.now += timedelta(days=1)
    withdrawn = publish(client, "ข่าวที่ถอน")
    post(client, f"/news-items/{withdrawn['news_item_id']}/withdraw", "dir-1",
         {"reason": "ตัวเลขผู้เข้าร่วมไม่ถูกต้อง"},
         changes=f"/news-items/{withdrawn['news_item_id']}")
    draft(client, "ร่างข่าวที่ยังไม่เสนอ")
    approve(client, draft(client, "ข่าวที่เห็นชอบแล้วแต่ยังไม่เผยแพร่"))

    visitor = TestClient(client.app)
    listing = visitor.get("/news")
    assert listing.status_code == 200
    assert [n["title"] for n in listing.json()["items"]] == ["ข่าวที่สอง", "ข่าวที่หนึ่ง"]
    assert listing.json()["items"][0]["published_date_th"] == "28 พฤศจิกายน 2569"
    assert listing.json()["total"] == 2
    assert visitor.get(f"/news/{withdrawn['news_item_id']}").status_code == 404
    assert visitor.get("/news-items").status_code == 401, "staff routes need a token"

    staff = every_item(client, "/news-items")
    assert len(staff) == 5
    kept = client.get(f"/news-items/{withdrawn['news_item_id']}").json()
    assert (kept["step"], kept["withdrawal_reason"]) == ("withdrawn", "ตัวเลขผู้เข้าร่วมไม่ถูกต้อง")
    pending = every_item(client, "/news-items", status="approved")
    assert [n["title"] for n in pending] == ["ข่าวที่เห็นชอบแล้วแต่ยังไม่เผยแพร่"]

    feed = visitor.get("/news/feed.xml")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    entries = root.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == ["ข่าวที่สอง",
                                                                         "ข่าวที่หนึ่ง"]
    assert "เผยแพร่เมื่อ 28 พ.ย. 2569" in entries[0].findtext("a:summary", namespaces=ATOM)
    assert entries[1].findtext("a:id", namespaces=ATOM) == f"urn:uuid:{first['news_item_id']}"
    assert entries[0].find("a:link", ATOM).get("href").endswith(f"/news/{second['news_item_id']}")


def test_bad_input_is_refused_with_problem_details_and_records_nothing(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    client = staffed
    item = draft(client)
    path = f"/news-items/{item['news_item_id']}"
    before = correspondence.max_notification_id()

    def refused(sub: str, actor: str, body: dict, status: int, code: str | None = None) -> None:
        response = client.post(f"{path}{sub}", json=body,
                               headers=h(actor, **{"If-Match": etag_of(client, path, actor)}))
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        if code:
            assert problem["code"] == code
        assert problem["title"], "a title naming the rule"

    empty = client.post("/news-items", headers=h("off-1"), json={"title": " ", "body": "x"})
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    for link in ({"kind": "url", "ref": "javascript:alert(1)"},
                 {"kind": "document", "ref": "8d5a3a4e-4c43-4f7e-9a57-6d2b1f0c9e11"}):
        response = client.post("/news-items", headers=h("off-1"),
                               json={"title": "ข่าว", "body": "x", "links": [link]})
        assert response.status_code == 422 and response.json()["code"] == "invalid-news-link"
    pdf = client.post("/news-items", headers=h("off-1"), json={
        "title": "ข่าว", "body": "x",
        "image": {"name": "a.pdf", "media_type": "application/pdf", "content_base64": PNG}})
    assert pdf.status_code == 422 and pdf.json()["code"] == "not-an-image"
    refused("/publish", "off-1", {}, 409, "news-not-approved")
    refused("/submit", "off-1", {"checker_id": "off-2"}, 403, "not-a-group-director")
    refused("/withdraw", "dir-1", {"reason": "ผิด"}, 409, "news-not-published")
    assert state_changes_since(correspondence, before) == []

    post(client, f"{path}/submit", "off-1", {"checker_id": "dir-1"}, changes=path)
    before = correspondence.max_notification_id()
    refused("/approve", "off-1", {}, 403, "role-required")
    refused("/return", "dir-1", {"reason": ""}, 422)
    assert state_changes_since(correspondence, before) == []

    post(client, f"{path}/approve", "dir-1", {}, changes=path)
    post(client, f"{path}/publish", "off-1", {}, changes=path)
    post(client, f"{path}/withdraw", "dir-1", {"reason": "ข้อมูลคลาดเคลื่อน"}, changes=path)
    before = correspondence.max_notification_id()
    refused("/withdraw", "dir-1", {"reason": "อีกครั้ง"}, 409, "news-already-withdrawn")
    problem = client.post(f"{path}/withdraw", json={"reason": "x"}, headers=h(
        "dir-1", **{"If-Match": etag_of(client, path, "dir-1")})).json()
    assert problem["title_th"] == "ข่าวนี้ถอนการเผยแพร่แล้ว"
    assert state_changes_since(correspondence, before) == []
    assert client.get("/news/not-an-id").status_code == 422


def test_a_stale_version_and_a_repeated_key(staffed: TestClient) -> None:
    client = staffed
    body = {"title": "ข่าว", "body": "เนื้อหา"}
    first = client.post("/news-items", headers=h("off-1", **{"Idempotency-Key": "n-1"}), json=body)
    again = client.post("/news-items", headers=h("off-1", **{"Idempotency-Key": "n-1"}), json=body)
    assert first.json()["news_item_id"] == again.json()["news_item_id"]
    assert first.headers["ETag"] == '"1"'
    response = client.post(f"/news-items/{first.json()['news_item_id']}/submit",
                           headers=h("off-1", **{"If-Match": '"7"'}), json={"checker_id": "dir-1"})
    assert response.status_code == 412


def test_news_published_per_month_of_a_fiscal_year_in_json_and_thai_csv(
        staffed: TestClient, clock) -> None:
    client = staffed
    publish(client, "ข่าวพฤศจิกายน 1")
    publish(client, "ข่าวพฤศจิกายน 2")
    clock.now += timedelta(days=10)
    publish(client, "ข่าวธันวาคม")
    draft(client, "ร่าง")

    report = client.get("/reports/news", params={"fiscal_year": 2570}).json()
    assert report["published"] == 3
    assert [m["published"] for m in report["by_month"]] == [0, 2, 1] + [0] * 9
    assert report["by_month"][1]["month_th"] == "พฤศจิกายน 2569"
    assert client.get("/reports/news", params={"fiscal_year": 2569}).json()["published"] == 0

    response = client.get("/reports/news", params={"fiscal_year": 2570, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["หมวด", "รายการ", "จำนวน"]
    assert ["รายเดือน (เผยแพร่)", "พฤศจิกายน 2569", "2"] in table


def test_a_title_that_is_blank_to_the_eye_or_carries_a_control_character_is_refused(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    before = correspondence.max_notification_id()
    for title, code in (("\u200b\u200b\u2060", "field-required"),  # zero-width space, word joiner
                        ("\u200b\u00a0\ufeff", "field-required"),
                        ("ข่าว\x0bหนึ่ง", "control-character"),
                        ("ข่าว\x85หนึ่ง", "control-character")):
        response = staffed.post("/news-items", headers=h("off-1"),
                                json={"title": title, "body": "เนื้อหาข่าว"})
        assert response.status_code == 422, (title, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert (problem["code"], problem["field"]) == (code, "title")
        assert problem["title_th"] and problem["title_en"]
    assert state_changes_since(correspondence, before) == []
    # Thai text with a zero-width space between words is ordinary text.
    assert draft(staffed, "ข่าว\u200bหนึ่ง")["title"] == "ข่าว\u200bหนึ่ง"


def test_the_feed_stays_readable_whatever_characters_an_item_carries(
        staffed: TestClient) -> None:
    item = approve(staffed, draft(staffed, "ข่าวอบรม", summary="สรุป\x0bข่าว\x1b\ufffeอบรม"))
    path = f"/news-items/{item['news_item_id']}"
    post(staffed, f"{path}/publish", "off-1", {}, changes=path)

    feed = TestClient(staffed.app).get("/news/feed.xml")
    assert feed.status_code == 200
    entry = ElementTree.fromstring(feed.content).find("a:entry", ATOM)
    assert entry.findtext("a:summary", namespaces=ATOM).startswith("สรุปข่าวอบรม (เผยแพร่เมื่อ")


def test_a_picture_must_be_one_by_its_bytes_and_is_served_so_browsers_do_not_guess(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    before = correspondence.max_notification_id()
    page = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    for media_type, content in (("image/png", page),
                                ("image/jpeg", PNG)):  # a PNG said to be a JPEG
        response = staffed.post("/news-items", headers=h("off-1"), json={
            "title": "ข่าว", "body": "เนื้อหา",
            "image": {"name": "ภาพ.png", "media_type": media_type, "content_base64": content}})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "not-an-image"
    assert state_changes_since(correspondence, before) == []

    for name, media_type, content in (
            ("a.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
            ("a.gif", "image/gif", b"GIF89a" + b"\x00" * 16),
            ("a.webp", "image/webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8)):
        draft(staffed, image={"name": name, "media_type": media_type,
                              "content_base64": base64.b64encode(content).decode()})

    item = approve(staffed, draft(staffed, image={"name": "ภาพ.png", "media_type": "image/png",
                                                  "content_base64": PNG}))
    path = f"/news-items/{item['news_item_id']}"
    post(staffed, f"{path}/publish", "off-1", {}, changes=path)
    picture = TestClient(staffed.app).get(f"/news/{item['news_item_id']}/image")
    assert picture.status_code == 200
    assert picture.headers["x-content-type-options"] == "nosniff"
    assert picture.headers["cache-control"] == "public, max-age=300"


def test_a_group_director_may_not_approve_their_own_news(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    item = post(staffed, "/news-items", "dir-1", {"title": "ผอ.กลุ่มเขียนข่าวเอง", "body": "..."},
                expect=201)
    path = f"/news-items/{item['news_item_id']}"
    before = correspondence.max_notification_id()
    response = staffed.post(f"{path}/submit", json={"checker_id": "dir-1"},
                            headers=h("dir-1", **{"If-Match": etag_of(staffed, path, "dir-1")}))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "own-news-check"
    assert state_changes_since(correspondence, before) == []
    assert staffed.get(path, headers=h("dir-1")).json()["step"] == "draft"

"""Knowledge management (procedure 4) over HTTP with a real store: capture, screen, publish, Thai
search, the summary in JSON and Thai CSV, and bad input refused with nothing recorded."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from shared.testing import state_changes_since
from tests.support.http import etag_of, every_item, h, post


def publish(client: TestClient, author: str, title: str, body: str, tags: list[str]) -> dict:
    item = post(client, "/knowledge-items", author, {"title": title, "body": body, "tags": tags,
                                                     "source": "การอบรม"}, expect=201)
    path = f"/knowledge-items/{item['knowledge_item_id']}"
    post(client, f"{path}/screen", "dir-1", {"accept": True, "reason": "เป็นประโยชน์ต่อกลุ่ม"},
         changes=path)
    return post(client, f"{path}/publish", author, {}, changes=path)


def test_capture_screen_publish_and_find_it_in_thai(staffed: TestClient) -> None:
    client = staffed
    item = post(client, "/knowledge-items", "off-1", {
        "title": "สรุปความรู้จากการอบรม",
        "body": "การจัดทำแผนปฏิบัติการประจำปีงบประมาณของสำนักงานเขตพื้นที่การศึกษาต้องสอดคล้องกับนโยบาย",
        "tags": ["#อบรม", "แผน"], "source": "การอบรม สพฐ."}, expect=201)
    assert (item["step"], item["holder"], item["tags"]) == ("captured", "group_director",
                                                            ["อบรม", "แผน"])
    path = f"/knowledge-items/{item['knowledge_item_id']}"
    assert client.get("/knowledge-items/search", params={"q": "แผนปฏิบัติการ"}).json()["items"] == []

    item = post(client, f"{path}/screen", "dir-1", {"accept": True}, changes=path)
    assert (item["step"], item["holder"]) == ("accepted", "off-1")
    item = post(client, f"{path}/publish", "off-1", {"tags": ["แผนปฏิบัติการ", "อบรม"]},
                changes=path)
    # Publishing adds tags to those captured (issue 12 §7): nothing captured is lost.
    assert item["step"] == "published" and item["tags"] == ["อบรม", "แผน", "แผนปฏิบัติการ"]

    publish(client, "off-2", "การจัดสรรเงินอุดหนุนรายหัว",
            "เกณฑ์การจัดสรรเงินอุดหนุนรายหัวให้สถานศึกษาตามจำนวนนักเรียน", ["จัดสรร"])
    titled = publish(client, "off-2", "คู่มือแผนปฏิบัติการ", "ขั้นตอนและปฏิทินการดำเนินงาน",
                     ["คู่มือ"])

    hits = every_item(client, "/knowledge-items/search", q="แผนปฏิบัติการ")
    assert [hit["knowledge_item_id"] for hit in hits] == [titled["knowledge_item_id"],
                                                          item["knowledge_item_id"]]
    assert hits[0]["score"]["title"] > 0 and hits[1]["score"]["title"] == 0
    found = every_item(client, "/knowledge-items/search", q="งบประมาณ")
    assert [hit["title"] for hit in found] == ["สรุปความรู้จากการอบรม"]
    assert every_item(client, "/knowledge-items/search", q="ครุภัณฑ์") == []

    assert client.get("/knowledge-items", params={"status": "published"}).json()["total"] == 3


def test_bad_input_is_refused_with_problem_details_and_records_nothing(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    client = staffed
    item = post(client, "/knowledge-items", "off-1", {"title": "เรื่อง", "body": "เนื้อหา"},
                expect=201)
    path = f"/knowledge-items/{item['knowledge_item_id']}"
    before = correspondence.max_notification_id()

    def refused(sub: str, actor: str, body: dict, status: int, code: str | None = None) -> None:
        response = client.post(f"{path}{sub}", json=body,
                               headers=h(actor, **{"If-Match": etag_of(client, path, actor)}))
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if code:
            assert response.json()["code"] == code

    refused("/screen", "dir-1", {"accept": False}, 422, "field-required")
    refused("/screen", "off-1", {"accept": True}, 403, "role-required")
    refused("/publish", "off-1", {}, 409, "wrong-step")
    assert state_changes_since(correspondence, before) == []

    post(client, f"{path}/screen", "dir-1", {"accept": True}, changes=path)
    before = correspondence.max_notification_id()
    refused("/publish", "off-1", {}, 422, "tags-required")
    refused("/publish", "off-2", {"tags": ["KM"]}, 403, "not-the-author")
    assert state_changes_since(correspondence, before) == []
    for params in ({"q": ""}, {}, {"q": "แผน", "limit": 0}):
        response = client.get("/knowledge-items/search", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


def test_the_summary_in_json_and_thai_csv(staffed: TestClient) -> None:
    client = staffed
    publish(client, "off-1", "แนวทางการจัดทำแผน", "ขั้นตอนการจัดทำแผน", ["แผน", "KM"])
    publish(client, "off-2", "การเบิกจ่ายงบประมาณ", "ขั้นตอนการเบิกจ่าย", ["งบประมาณ", "KM"])
    rejected = post(client, "/knowledge-items", "off-2", {"title": "ข่าว", "body": "ข่าวทั่วไป"},
                    expect=201)
    rejected_path = f"/knowledge-items/{rejected['knowledge_item_id']}"
    post(client, f"{rejected_path}/screen", "dir-1",
         {"accept": False, "reason": "ไม่ใช่องค์ความรู้"}, changes=rejected_path)

    report = client.get("/reports/knowledge", params={"fiscal_year": 2570}).json()
    assert report["total"] == 3
    assert {s["step"]: s["count"] for s in report["by_status"]} == {
        "captured": 0, "accepted": 0, "rejected": 1, "published": 2}
    assert report["by_tag"][0] == {"tag": "KM", "count": 2}
    assert report["by_author"][0] == {"author_id": "off-2", "name_th": "นางสาววิไล ขยัน",
                                      "count": 2, "published": 1}
    assert report["by_month"] == [{"month": "2026-11", "month_th": "พ.ย. 2569", "captured": 3,
                                   "published": 2}]
    assert client.get("/reports/knowledge", params={"fiscal_year": 2569}).json()["total"] == 0

    response = client.get("/reports/knowledge", params={"fiscal_year": 2570, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["หมวด", "รายการ", "จำนวน"]
    assert ["สถานะ", "ไม่ผ่านการกลั่นกรอง", "1"] in table
    assert ["ผู้รวบรวม", "นางสาววิไล ขยัน", "2"] in table
    assert ["รายเดือน (เผยแพร่)", "พ.ย. 2569", "2"] in table

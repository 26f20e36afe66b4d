"""Coordination and service (procedure 2) over HTTP with a real store: log, route, respond, rate,
the register and the periodic summary in JSON and Thai CSV, and bad input refused with nothing
recorded."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from shared.testing import state_changes_since
from tests.support.http import etag_of, every_item, h


def log_request(client: TestClient, **overrides: object) -> dict:
    body: dict[str, object] = {
        "requester_kind": "school", "requester_name": "โรงเรียนบ้านหนองบัว",
        "contact": "043-123456", "channel": "phone",
        "subject": "ขอข้อมูลจำนวนนักเรียนปีการศึกษา 2569", "details": "ใช้ประกอบแผนพัฒนาคุณภาพ",
        "received_at": "2026-11-26T09:00:00+07:00"}
    body.update(overrides)
    response = client.post("/service-requests", headers=h("clerk-1"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def step(client: TestClient, request: dict, path: str, actor: str, body: dict,
         expect: int = 200) -> dict:
    response = client.post(f"/service-requests/{request['service_request_id']}/{path}",
                           headers=h(actor, **{"If-Match": f'"{request["version"]}"'}), json=body)
    assert response.status_code == expect, response.text
    return response.json()


def served(client: TestClient, score: int | None = 5, **overrides: object) -> dict:
    request = log_request(client, **overrides)
    request = step(client, request, "route", "dir-1", {"officer_id": "off-1",
                                                      "due_date": "2026-11-30"})
    request = step(client, request, "respond", "off-1", {
        "response": "ส่งข้อมูลทางอีเมลแล้ว", "responded_at": "2026-11-27T09:30:00+07:00"})
    if score is not None:
        request = step(client, request, "satisfaction", "clerk-1", {"score": score})
    return request


def test_a_request_from_logging_to_satisfaction(staffed: TestClient) -> None:
    client = staffed
    response = client.post("/service-requests", headers=h("clerk-1"), json={
        "requester_kind": "public", "requester_name": "นายมานะ ใจดี", "channel": "walk_in",
        "subject": "ขอสำเนาประกาศรับนักเรียน", "received_at": "2026-11-26T09:00:00+07:00"})
    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].startswith("/service-requests/")
    request = response.json()
    assert (request["step"], request["holder"]) == ("logged", "group_director")
    assert request["requester_kind_th"] == "ประชาชนทั่วไป"

    request = step(client, request, "route", "dir-1", {"officer_id": "off-1",
                                                      "due_date": "2026-11-30"})
    assert (request["holder"], request["officer_name_th"]) == ("off-1", "นายสมชาย รักงาน")
    request = step(client, request, "respond", "off-1", {
        "response": "ส่งสำเนาให้แล้ว", "responded_at": "2026-11-27T09:30:00+07:00"})
    assert request["step"] == "responded" and request["response_hours"] == 24.5
    assert request["response_time_th"] == "1 วัน 30 นาที"
    assert (request["holder"], request["overdue"]) == (None, False)
    request = step(client, request, "satisfaction", "clerk-1", {"score": 4, "comment": "ดี"})
    assert (request["satisfaction"], request["satisfaction_th"]) == (4, "มาก")
    assert client.get(f"/service-requests/{request['service_request_id']}").json() == request


def test_bad_input_is_refused_with_problem_details_and_records_nothing(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    client = staffed
    request = log_request(client)
    before = correspondence.max_notification_id()

    def refused(path: str, actor: str, body: dict, status: int, code: str | None = None) -> None:
        url = f"/service-requests/{request['service_request_id']}"
        response = client.post(f"{url}/{path}", json=body,
                               headers=h(actor, **{"If-Match": etag_of(client, url, actor)}))
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["title_th"] and problem["title_en"]
        if code:
            assert problem["code"] == code

    refused("route", "dir-1", {"officer_id": "nobody-9"}, 404, "unknown-officer")
    refused("route", "off-1", {"officer_id": "off-2"}, 403, "role-required")
    refused("route", "dir-1", {"officer_id": "clerk-1"}, 403, "not-an-officer")
    refused("satisfaction", "clerk-1", {"score": 4}, 409, "not-yet-responded")
    refused("respond", "off-1", {"response": "ตอบ"}, 409, "wrong-step")
    assert state_changes_since(correspondence, before) == []

    request = served(client, score=None)
    before = correspondence.max_notification_id()
    refused("satisfaction", "clerk-1", {"score": 0}, 422)
    refused("satisfaction", "clerk-1", {"score": 6}, 422)
    refused("respond", "off-1", {"response": "ตอบอีกครั้ง"}, 409, "already-responded")
    refused("respond", "off-1", {"response": ""}, 422)
    assert state_changes_since(correspondence, before) == []
    current = client.get(f"/service-requests/{request['service_request_id']}").json()
    assert current["version"] == request["version"] and current["satisfaction"] is None

    step(client, current, "satisfaction", "clerk-1", {"score": 5})
    refused("satisfaction", "clerk-1", {"score": 3}, 409, "satisfaction-already-recorded")


def test_a_stale_version_and_a_repeated_key(staffed: TestClient,
                                            correspondence: CorrespondenceApplication) -> None:
    client = staffed
    body = {"requester_kind": "office_group", "requester_name": "กลุ่มส่งเสริมการจัดการศึกษา",
            "subject": "ขอรายชื่อโรงเรียนขนาดเล็ก"}
    first = client.post("/service-requests", headers=h("clerk-1", **{"Idempotency-Key": "r-1"}),
                        json=body).json()
    again = client.post("/service-requests", headers=h("clerk-1", **{"Idempotency-Key": "r-1"}),
                        json=body).json()
    assert first["service_request_id"] == again["service_request_id"]
    assert client.get("/service-requests").json()["total"] == 1
    response = client.post(f"/service-requests/{first['service_request_id']}/route",
                           headers=h("dir-1", **{"If-Match": '"7"'}), json={"officer_id": "off-1"})
    assert response.status_code == 412
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_register_and_the_summary_in_json_and_thai_csv(staffed: TestClient) -> None:
    client = staffed
    served(client, score=5)
    served(client, score=3, requester_kind="agency", requester_name="สำนักงานจังหวัด")
    log_request(client, requester_kind="public", requester_name="นางสาวใจ งาม")
    log_request(client, received_at="2025-09-30T10:00:00+07:00", subject="ปีงบประมาณก่อน")

    rows = every_item(client, "/service-requests", fiscal_year=2570)
    assert len(rows) == 3  # FY 2570 began on 1 October 2026; the September 2025 one is in 2568
    assert len(every_item(client, "/service-requests", fiscal_year=2568)) == 1
    in_range = client.get("/service-requests", params={"from": "2026-11-26", "to": "2026-11-26"})
    assert in_range.json()["total"] == 3

    response = client.get("/service-requests", params={"fiscal_year": 2570, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["วันเวลาที่รับ", "ประเภทผู้รับบริการ", "ชื่อผู้ขอรับบริการ"]
    lines = {line[2]: dict(zip(table[0], line, strict=True)) for line in table[1:]}
    school = lines["โรงเรียนบ้านหนองบัว"]
    assert school["วันเวลาที่รับ"] == "26 พ.ย. 2569 09:00 น."
    assert school["ประเภทผู้รับบริการ"] == "สถานศึกษา"
    assert school["ผู้รับผิดชอบ"] == "นายสมชาย รักงาน"
    assert school["ระยะเวลาตอบสนอง"] == "1 วัน 30 นาที"
    assert school["ความพึงพอใจ"] == "มากที่สุด"
    assert lines["นางสาวใจ งาม"]["สถานะ"] == "รับเรื่องแล้ว รอมอบหมายผู้รับผิดชอบ"

    report = client.get("/reports/service-requests", params={"fiscal_year": 2570}).json()
    assert report["total"] == 3
    assert report["period"]["from_th"] == "1 ตุลาคม 2569"
    kinds = {k["requester_kind"]: k["count"] for k in report["by_requester_kind"]}
    assert kinds == {"school": 1, "office_group": 0, "agency": 1, "public": 1}
    assert {s["step"]: s["count"] for s in report["by_status"]}["rated"] == 2
    assert report["response_time"]["median_th"] == "1 วัน 30 นาที"
    assert report["satisfaction"]["average"] == 4.0
    assert report["satisfaction"]["average_th"] == "มาก"

    response = client.get("/reports/service-requests",
                          params={"fiscal_year": 2570, "format": "csv"})
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0] == ["หมวด", "รายการ", "ค่า"]
    assert ["ภาพรวม", "จำนวนคำขอทั้งหมด", "3"] in table
    assert ["ความพึงพอใจ", "คะแนนเฉลี่ย (เต็ม 5)", "4.00 (มาก)"] in table

    bad = client.get("/reports/service-requests", params={"fiscal_year": 2570, "from": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-period"

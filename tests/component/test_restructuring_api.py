"""The restructuring service over HTTP with a real (SQLite) store: the registry, the DMC import of
the real sample file, restructuring cases, the registry as of a past day, and the report.

The app is built without entering its lifespan (`TestClient(app)` without `with`), so no NATS server
is needed; the clock is fixed on 3 March 2025 (BE 2568), after both DMC dates of 2567. The service
knows the standard staff and the committee's resolution as correspondence's events would teach
it. Each step of a case is taken by the one whose step it is, as the office portal sends it: the
case read first, its ETag sent back in `If-Match`; off-1 keeps the registry and prepares the case,
dir-1 proposes it, off-2 records the committee's decision, esa-1 carries it out
(`tests/component/test_restructuring_rights.py` proves who may not).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import RESTRUCTURING_NOW
from fastapi.testclient import TestClient
from openpyxl import Workbook

from services.restructuring.application import RestructuringApplication
from services.restructuring.main import create_app
from services.restructuring.settings import RestructuringSettings
from shared.office.testing import STANDARD_STAFF, OfficeTeacher, teach
from shared.testing import office_client, state_changes_since
from tests.support.http import etag_of, every_item

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "schools-enrolment-2567.csv"
NOW = RESTRUCTURING_NOW
SMALL, BIG, OTHER_SMALL = "40050003", "40050038", "40050007"  # all in ขัวเรียง, ชุมแพ
EFFECTIVE = "2025-05-16"
# The provincial committee's resolution, registered in correspondence (ทะเบียนรับ 15/2567).
RESOLUTION = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
# Whose step each step of a case is (services/restructuring/rights.py).
STEP_ACTOR = {"study": "off-1", "hearing": "off-1", "propose": "dir-1", "decision": "off-2",
              "execute": "esa-1", "withdraw": "dir-1"}


@pytest.fixture
def client(restructuring: RestructuringApplication, restructuring_client: TestClient
           ) -> TestClient:
    OfficeTeacher(restructuring).document(RESOLUTION)
    return restructuring_client


def h(actor: str = "off-1", **extra: str) -> dict[str, str]:
    """Headers as the acting officer; `If_Match=` becomes `If-Match`."""
    return {"X-Actor-Id": actor, **{k.replace("_", "-"): v for k, v in extra.items()}}


def cited(decision: str = "approve", decided_on: str = "2025-03-03",
          reason: str | None = None) -> dict[str, Any]:
    """A decision of the committee, citing its registered resolution."""
    body: dict[str, Any] = {"decision": decision, "decided_on": decided_on,
                            "resolution": {"document_id": RESOLUTION}}
    if reason is not None:
        body["reason"] = reason
    return body


def upload(client: TestClient, content: bytes, content_type: str = "text/csv",
           **headers: str) -> Any:
    return client.post("/schools/import", content=content,
                       headers=h(**{"Content-Type": content_type, **headers}))


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def to_csv(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def imported(client: TestClient) -> dict[str, Any]:
    response = upload(client, SAMPLE.read_bytes())
    assert response.status_code == 200, response.text
    return response.json()


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:800]
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["title_th"] and problem["title_en"]
    return problem


def step(client: TestClient, case: dict[str, Any], path: str, body: dict[str, Any] | None = None,
         actor: str | None = None, **headers: str) -> Any:
    """A step of the case by the one whose step it is (or `actor`), with the ETag just read in
    `If-Match` unless the test gives its own."""
    actor = actor or STEP_ACTOR[path]
    record = f"/cases/{case['case_id']}"
    if "If_Match" not in headers:
        headers["If_Match"] = etag_of(client, record, actor)
    return client.post(f"{record}/{path}", headers=h(actor, **headers), json=body or {})


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()


def merge_case(client: TestClient, absorbed: str = SMALL, receiving: str = BIG) -> dict[str, Any]:
    return ok(client.post("/cases", headers=h(), json={
        "case_type": "merge", "school_codes": [absorbed], "receiving_school_code": receiving}))


def approved(client: TestClient, case: dict[str, Any]) -> dict[str, Any]:
    ok(step(client, case, "study", {"school_age_population": 30, "travel_distance_km": "3.5",
                                    "summary_th": "เดินทางไปโรงเรียนบ้านหนองตาไก้ได้ มีรถรับส่ง"}))
    ok(step(client, case, "hearing", {"held_on": "2025-02-20", "participants": 54,
                                      "school_board_agreed": True, "community_agreed": True,
                                      "summary_th": "คณะกรรมการสถานศึกษาและผู้ปกครองเห็นด้วย"}))
    ok(step(client, case, "propose"))
    return ok(step(client, case, "decision", cited()))


# --- the DMC import -------------------------------------------------------------------------------


def test_the_real_sample_file_imports_208_schools_and_416_snapshots(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    before = restructuring.max_notification_id()  # what the service learned of the office
    result = imported(client)
    assert (result["rows"], result["new"], result["rejected"]) == (416, 416, 0)
    assert result["schools_registered"] == 208 and result["all_or_nothing"] is True
    assert {r["outcome"] for r in result["results"]} == {"new"}

    schools = every_item(client, "/schools", limit=100)
    assert len(schools) == 208 and client.get("/schools").json()["total"] == 208
    snapshots = [s for school in schools
                 for s in client.get(f"/schools/{school['school_code']}/enrolment").json()["items"]]
    assert len(snapshots) == 416
    assert {(s["snapshot_date"], s["term"], s["academic_year_be"]) for s in snapshots} == {
        ("2024-06-10", 1, 2567), ("2024-11-10", 2, 2567)}
    first = client.get("/schools/40050001")
    assert first.headers["ETag"] == '"3"'
    assert first.json()["school_id"] == "613f44ce-dc65-56b0-868d-608dca005d44"
    assert (first.json()["pupils"], first.json()["size_band"], first.json()["small_school"]) == (
        65, "small", True)
    assert restructuring.max_notification_id() - before == 208 + 416


def test_importing_the_same_file_again_changes_nothing(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    position = restructuring.max_notification_id()
    again = imported(client)
    assert (again["new"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 416, 0)
    assert restructuring.max_notification_id() == position


def test_the_same_data_as_an_excel_workbook_is_the_same_import(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    rows = sample_rows()
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        # As Excel keeps them: numbers as numbers, the date as a date.
        sheet.append([int(v) if v.isdigit() and k != "school_code" else
                      datetime.fromisoformat(v) if k == "snapshot_date" else v
                      for k, v in row.items()])
    data = io.BytesIO()
    book.save(data)
    result = upload(client, data.getvalue(),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").json()
    assert (result["new"], result["schools_registered"]) == (416, 208)
    assert imported(client)["unchanged"] == 416  # the CSV of the same data: nothing new


def test_a_form_upload_and_thai_headings_in_the_thai_code_page_are_read(
        client: TestClient) -> None:
    thai_headings = {"school_code": "รหัสโรงเรียน", "name_th": "ชื่อโรงเรียน", "district": "อำเภอ",
                     "subdistrict": "ตำบล", "snapshot_date": "วันที่เก็บข้อมูล",
                     "academic_year_be": "ปีการศึกษา", "term": "ภาคเรียน", "total": "รวม",
                     **{f"k{n}": f"อ.{n}" for n in range(1, 4)},
                     **{f"p{n}": f"ป.{n}" for n in range(1, 7)},
                     **{f"m{n}": f"ม.{n}" for n in range(1, 4)}}
    rows = [{thai_headings[k]: ("10/06/2567" if k == "snapshot_date" else v)
             for k, v in row.items()} for row in sample_rows()[:1]]
    response = client.post("/schools/import", headers=h(),
                           files={"file": ("dmc.csv", to_csv(rows, "cp874"), "text/csv")})
    assert ok(response)["new"] == 1
    school = client.get("/schools/40050001").json()
    assert school["name_th"] == "โรงเรียนบ้านนาหนองแคนพัฒนา" and school["pupils"] == 61


def test_corrected_figures_are_recorded_and_reported_as_updated(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    rows = sample_rows()
    rows[1] = {**rows[1], "p1": str(int(rows[1]["p1"]) + 2),
               "total": str(int(rows[1]["total"]) + 2)}
    result = ok(upload(client, to_csv(rows)))
    assert (result["updated"], result["unchanged"]) == (1, 415)
    assert client.get("/schools/40050001").json()["pupils"] == 67
    assert [e["event"] for e in client.get("/schools/40050001/history").json()["items"]] == [
        "Registered", "EnrolmentRecorded", "EnrolmentRecorded", "EnrolmentRecorded"]


@pytest.mark.parametrize(("change", "code", "message"), [
    ({"p3": "-4"}, "negative-pupils", "ชั้น ป.3 มีจำนวนนักเรียน -4"),
    ({"snapshot_date": "2024-06-11"}, "not-a-dmc-date", "ไม่ใช่วันเก็บข้อมูล DMC"),
    ({"term": "2"}, "term-mismatch", "ภาคเรียนที่ 1 ไม่ใช่ 2"),
    ({"total": "999"}, "total-mismatch", "ยอดรวม 999 คน"),
    ({"p1": "สิบ"}, "invalid-cell", "ช่อง ป.1"),
    ({"school_code": "4005"}, "invalid-school-code", "รหัสโรงเรียน"),
    ({"name_th": " "}, "field-required", "ต้องระบุชื่อโรงเรียน"),
])
def test_a_bad_row_rejects_the_whole_file_with_thai_row_messages_and_records_nothing(
        client: TestClient, restructuring: RestructuringApplication, change: dict[str, str],
        code: str, message: str) -> None:
    before = restructuring.max_notification_id()
    rows = sample_rows()
    rows[0] = {**rows[0], **change}
    response = upload(client, to_csv(rows))
    problem = assert_problem(response, 422, "import-rejected")
    assert problem["counts"]["rejected"] >= 1 and problem["rows"] == 416
    [bad] = [r for r in problem["rejected"] if r["row"] == 2]
    assert code in [e["code"] for e in bad["errors"]]
    assert any(message in e["message_th"] for e in bad["errors"]), bad
    assert "ไม่ได้บันทึกข้อมูลใด ๆ" in problem["message_th"]
    assert restructuring.max_notification_id() == before
    assert client.get("/schools").json() == {"items": [], "next_cursor": None, "total": 0}


def test_a_known_school_with_pupils_in_a_level_it_does_not_teach_rejects_the_file(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    position = restructuring.max_notification_id()
    rows = sample_rows()
    rows[1] = {**rows[1], "m1": "5", "total": str(int(rows[1]["total"]) + 5)}
    problem = assert_problem(upload(client, to_csv(rows)), 422, "import-rejected")
    [bad] = problem["rejected"]
    assert bad["row"] == 3 and bad["errors"][0]["code"] == "level-not-taught"
    assert "มัธยมศึกษาตอนต้น" in bad["errors"][0]["message_th"]
    assert (problem["counts"]["unchanged"], problem["counts"]["rejected"]) == (415, 1)
    assert restructuring.max_notification_id() == position


def test_one_school_named_two_ways_in_one_file_is_rejected(client: TestClient) -> None:
    rows = sample_rows()[:2]
    rows[1] = {**rows[1], "name_th": "โรงเรียนอื่น"}
    problem = assert_problem(upload(client, to_csv(rows)), 422, "import-rejected")
    [bad] = problem["rejected"]
    assert bad["row"] == 3 and bad["errors"][0]["code"] == "details-differ-in-file"
    assert bad["errors"][0]["message_th"] == "ชื่อหรือที่ตั้งของโรงเรียน 40050001 ไม่ตรงกับแถวที่ 2"


def test_an_unknown_grade_column_rejects_the_file(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    before = restructuring.max_notification_id()
    rows = [{**row, "p7": "0"} for row in sample_rows()[:4]]
    problem = assert_problem(upload(client, to_csv(rows)), 422, "unknown-column")
    assert problem["columns"] == ["p7"] and "p7" in problem["message_th"]
    assert restructuring.max_notification_id() == before


def test_a_file_that_is_not_a_table_is_refused(client: TestClient) -> None:
    assert_problem(upload(client, b"PK\x03\x04 not really a workbook"), 422, "import-file-rejected")
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
        archive.writestr("xl/workbook.xml", "<<")
    assert_problem(upload(client, forged.getvalue()), 422, "import-file-rejected")
    assert_problem(upload(client, b"\xff\xfe\x00\x00"), 422, "import-file-rejected")
    assert_problem(upload(client, b"{}"), 422, "unknown-column")
    assert_problem(upload(client, b""), 422, "http-422")
    assert_problem(upload(client, b"school_code,name_th\n"), 422, "import-file-rejected")


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    settings = RestructuringSettings(var_dir=tmp_path, nats_url="nats://127.0.0.1:9",
                                     max_import_bytes=1000)
    app = RestructuringApplication(settings, clock=lambda: NOW)
    teach(app, STANDARD_STAFF)
    before = app.max_notification_id()
    small_limit = office_client(create_app(settings, app))
    assert_problem(upload(small_limit, SAMPLE.read_bytes()), 413, "http-413")
    response = small_limit.post("/schools/import", headers=h(),
                                files={"file": ("dmc.csv", SAMPLE.read_bytes(), "text/csv")})
    assert_problem(response, 413, "http-413")
    assert app.max_notification_id() == before
    app.close()


# --- one snapshot and one school by hand ----------------------------------------------------------


def test_a_snapshot_with_negative_pupils_is_refused_and_nothing_is_recorded(
        client: TestClient) -> None:
    imported(client)
    before = client.get("/schools/40050001")
    response = client.post("/schools/40050001/enrolment", headers=h(If_Match=before.headers["ETag"]),
                           json={"snapshot_date": "2024-11-10", "pupils_by_grade": {"p1": -1}})
    problem = assert_problem(response, 422, "negative-pupils")
    assert problem["message_th"].startswith("ชั้น ป.1")
    after = client.get("/schools/40050001")
    assert after.headers["ETag"] == before.headers["ETag"] and after.json()["pupils"] == 65


def test_snapshot_by_hand_with_if_match_and_an_unknown_school(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    before = restructuring.max_notification_id()
    body = {"snapshot_date": "2024-11-10", "pupils_by_grade": {"p1": 9}}
    blind = client.post("/schools/40050001/enrolment", headers=h(), json=body)
    assert_problem(blind, 428, "precondition-required")
    stale = client.post("/schools/40050001/enrolment", headers=h(If_Match='"1"'), json=body)
    assert_problem(stale, 412, "stale-version")
    assert restructuring.max_notification_id() == before, "nothing recorded"
    assert_problem(client.post("/schools/49999999/enrolment", headers=h(If_Match='"1"'),
                               json=body), 404, "school-not-found")
    assert_problem(client.get("/schools/49999999"), 404, "school-not-found")
    assert_problem(client.get("/schools/abc"), 422, "invalid-school-code")
    current = etag_of(client, "/schools/40050001", "off-1")
    assert current == '"3"'
    assert_problem(client.post("/schools/40050001/enrolment", headers=h(If_Match=current), json={
        "snapshot_date": "2024-11-10", "pupils_by_grade": {"p9": 9}}), 422, "unknown-grade")
    assert_problem(client.post("/schools/40050001/enrolment", headers=h(If_Match=current), json={
        "snapshot_date": "2024-11-10", "pupils_by_grade": {"p1": 10**30}}), 422,
        "implausible-pupils")
    november = client.get("/schools/40050001/enrolment").json()["items"][-1]["pupils_by_grade"]
    corrected = client.post("/schools/40050001/enrolment", headers=h(If_Match=current), json={
        "snapshot_date": "2024-11-10", "pupils_by_grade": {**november, "p1": november["p1"] + 1}})
    assert ok(corrected)["outcome"] == "corrected" and corrected.headers["ETag"] == '"4"'


def test_a_school_entered_by_hand(client: TestClient) -> None:
    body = {"school_code": "40059999", "name_th": "โรงเรียนบ้านใหม่", "district": "ชุมแพ",
            "subdistrict": "นาเพียง", "levels": ["primary"]}
    created = client.post("/schools", headers=h(**{"Idempotency-Key": "s-1"}), json=body)
    assert created.status_code == 201 and created.headers["Location"] == "/schools/40059999"
    again = client.post("/schools", headers=h(**{"Idempotency-Key": "s-1"}), json=body)
    assert again.json() == created.json()
    assert_problem(client.post("/schools", headers=h(), json=body), 409, "school-already-registered")
    assert created.json()["pupils"] is None and created.json()["small_school"] is None


# --- cases ----------------------------------------------------------------------------------------


def test_bad_merger_requests_are_refused_and_record_nothing(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    position = restructuring.max_notification_id()
    into_itself = client.post("/cases", headers=h(), json={
        "case_type": "merge", "school_codes": [SMALL], "receiving_school_code": SMALL})
    assert_problem(into_itself, 422, "merge-into-itself")
    unknown = client.post("/cases", headers=h(), json={
        "case_type": "merge", "school_codes": ["49999999"], "receiving_school_code": BIG})
    assert_problem(unknown, 404, "school-not-found")
    no_receiver = client.post("/cases", headers=h(), json={
        "case_type": "merge", "school_codes": [SMALL]})
    assert_problem(no_receiver, 422, "field-required")
    with_pupils = client.post("/cases", headers=h(), json={
        "case_type": "dissolve", "school_codes": [SMALL]})
    assert_problem(with_pupils, 409, "school-has-pupils")
    assert restructuring.max_notification_id() == position
    assert client.get("/cases").json()["items"] == []


def test_merging_into_a_closed_school_is_refused(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    ok(step(client, approved(client, merge_case(client)), "execute", {"effective_date": EFFECTIVE}))
    position = restructuring.max_notification_id()
    response = client.post("/cases", headers=h(), json={
        "case_type": "merge", "school_codes": [OTHER_SMALL], "receiving_school_code": SMALL})
    problem = assert_problem(response, 409, "receiving-school-closed")
    assert "ยุบรวมแล้ว" in problem["message_th"]
    assert restructuring.max_notification_id() == position


def test_executing_before_approval_is_refused(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    case = merge_case(client)
    position = restructuring.max_notification_id()
    problem = assert_problem(step(client, case, "execute", {"effective_date": EFFECTIVE}), 409,
                             "not-approved")
    assert problem["step"] == "opened"
    assert restructuring.max_notification_id() == position
    assert_problem(client.post("/cases/00000000-0000-0000-0000-000000000000/execute",
                               headers=h("esa-1", If_Match='"1"'),
                               json={"effective_date": EFFECTIVE}), 404, "case-not-found")


def test_a_merger_case_from_opening_to_the_registry_as_of_a_past_day(client: TestClient) -> None:
    imported(client)
    small_before = client.get(f"/schools/{SMALL}").json()
    big_before = client.get(f"/schools/{BIG}").json()
    case = merge_case(client)
    assert case["title_th"] == "ยุบรวมโรงเรียนหินลาด เข้ากับโรงเรียนบ้านหนองตาไก้"
    assert (case["step"], case["holder"], case["holder_th"]) == ("opened", "off-1",
                                                                 "นายสมชาย รักงาน")
    studied = ok(step(client, case, "study", {"summary_th": "ศึกษาแล้ว"}))
    assert studied["studies"][0]["pupils_affected"] == small_before["pupils"] == 32
    ok(step(client, case, "hearing", {"held_on": "2025-02-20", "participants": 40,
                                      "school_board_agreed": True, "community_agreed": False,
                                      "summary_th": "ชุมชนบางส่วนไม่เห็นด้วย"}))
    proposed = ok(step(client, case, "propose"))
    assert (proposed["holder"], proposed["holder_th"]) == (
        "provincial_committee", "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)")
    assert_problem(step(client, case, "decision", cited("return_for_revision")),
                   422, "reason-required")
    returned = ok(step(client, case, "decision", cited(
        "return_for_revision", reason="ให้รับฟังความคิดเห็นชุมชนอีกครั้ง")))
    assert returned["step"] == "returned" and returned["holder"] == "off-1"
    case = approved(client, case)
    assert case["step"] == "approved"
    assert [(r["round"], r["decision"]["decision"]) for r in case["rounds"]] == [
        (1, "return_for_revision"), (2, "approve")]
    # The resolution as correspondence registered it, whoever typed what.
    assert case["rounds"][-1]["decision"]["resolution"] == {
        "document_id": RESOLUTION, "reference": "ทะเบียนรับ 15/2567", "dated": "2024-11-19"}
    assert case["rounds"][-1]["decision"]["recorded_by"] == "off-2"

    current = client.get(f"/cases/{case['case_id']}", headers=h("esa-1"))
    executed = client.post(f"/cases/{case['case_id']}/execute",
                           headers=h("esa-1", If_Match=current.headers["ETag"]),
                           json={"effective_date": EFFECTIVE})
    executed = ok(executed)
    assert executed["step"] == "executed" and executed["closed"] is True
    assert [s["school_code"] for s in executed["changed_schools"]] == [SMALL, BIG]

    # Today (before the effective date) the merger is scheduled, not yet in effect.
    today = client.get(f"/schools/{SMALL}").json()
    assert today["status"] == "open" and today["closure_scheduled"]["into_school_code"] == BIG

    day_before = {s["school_code"]: s for s in every_item(
        client, "/schools", as_of="2025-05-15", limit=500)}
    on_the_day = {s["school_code"]: s for s in every_item(
        client, "/schools", as_of=EFFECTIVE, limit=500)}
    assert day_before[SMALL]["status"] == "open" and day_before[SMALL]["pupils"] == 32
    assert on_the_day[SMALL]["status"] == "merged" and on_the_day[SMALL]["merged_into"] == BIG
    assert on_the_day[SMALL]["pupils"] == 0 and on_the_day[SMALL]["closed_on"] == EFFECTIVE
    assert "ยุบรวมเข้ากับโรงเรียนรหัส 40050038" in on_the_day[SMALL]["status_th"]
    assert day_before[BIG]["pupils"] == big_before["pupils"]
    assert on_the_day[BIG]["pupils"] == big_before["pupils"] + 32
    assert len(on_the_day) == 208
    open_only = client.get("/schools", params={"as_of": EFFECTIVE, "status": "open"}).json()
    assert open_only["total"] == 207
    # A year earlier the registry is as the June snapshot found it.
    assert client.get(f"/schools/{SMALL}", params={"as_of": "2024-07-01"}).json()["pupils"] == int(
        next(r for r in sample_rows() if r["school_code"] == SMALL)["total"])

    history = client.get(f"/cases/{case['case_id']}/history").json()["items"]
    assert [(e["event"], e["actor"]) for e in history] == [
        ("Opened", "off-1"), ("Studied", "off-1"), ("HearingRecorded", "off-1"),
        ("Proposed", "dir-1"), ("Decided", "off-2"), ("Studied", "off-1"),
        ("HearingRecorded", "off-1"), ("Proposed", "dir-1"), ("Decided", "off-2"),
        ("Executed", "esa-1")]
    assert_problem(step(client, case, "withdraw", {"reason": "x"}), 409, "case-closed")


def test_a_case_step_without_if_match_or_with_a_stale_etag_is_refused(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    imported(client)
    case = merge_case(client)
    ok(step(client, case, "study", {"summary_th": "ศึกษาแล้ว"}))
    before = restructuring.max_notification_id()
    blind = client.post(f"/cases/{case['case_id']}/study", headers=h(),
                        json={"summary_th": "อีกครั้ง"})
    assert_problem(blind, 428, "precondition-required")
    assert_problem(step(client, case, "study", {"summary_th": "อีกครั้ง"}, If_Match='"1"'), 412,
                   "stale-version")
    assert state_changes_since(restructuring, before) == []
    assert client.get(f"/cases/{case['case_id']}").headers["ETag"] == '"2"'


def test_the_responsible_officer_is_named_as_the_directory_names_them(client: TestClient) -> None:
    # An older client still sends a name; the directory's is the one recorded.
    imported(client)
    case = ok(client.post("/cases", headers=h("off-2"), json={
        "case_type": "merge", "school_codes": [SMALL], "receiving_school_code": BIG,
        "officer_name_th": "นายใครก็ได้"}))
    assert (case["holder"], case["holder_th"]) == ("off-2", "นางสาวมาลี ขยันยิ่ง")


def test_restructuring_shows_what_it_learned_of_the_resolution(client: TestClient) -> None:
    known = ok(client.get(f"/registered-documents/{RESOLUTION}"))
    assert (known["reference"], known["dated"], known["citable"]) == (
        "ทะเบียนรับ 15/2567", "2024-11-19", True)
    assert [d["document_id"] for d in ok(client.get("/registered-documents"))["items"]] == [
        RESOLUTION]
    assert_problem(client.get("/registered-documents/00000000-0000-4000-8000-000000000001"),
                   404, "document-not-known")
    officers = ok(client.get("/officers", params={"role": "esa_director"}))
    assert [o["officer_id"] for o in officers["items"]] == ["esa-1"]


def test_opening_a_case_twice_with_one_idempotency_key_opens_one_case(client: TestClient) -> None:
    imported(client)
    body = {"case_type": "transfer_school", "school_codes": [SMALL],
            "to_authority": "องค์การบริหารส่วนตำบลขัวเรียง"}
    first = ok(client.post("/cases", headers=h(**{"Idempotency-Key": "k1"}), json=body))
    second = ok(client.post("/cases", headers=h(**{"Idempotency-Key": "k1"}), json=body))
    assert first == second and client.get("/cases").json()["total"] == 1
    assert first["title_th"] == "โอนโรงเรียนหินลาด ไปสังกัดองค์การบริหารส่วนตำบลขัวเรียง"


def test_an_establish_case_enters_the_new_school_from_its_effective_date(
        client: TestClient) -> None:
    case = ok(client.post("/cases", headers=h(), json={
        "case_type": "establish", "new_school": {
            "school_code": "40059999", "name_th": "โรงเรียนบ้านใหม่พัฒนา", "district": "ชุมแพ",
            "subdistrict": "นาเพียง", "levels": ["kindergarten", "primary"]}}))
    ok(step(client, case, "study", {"school_age_population": 150, "pupils_affected": 0,
                                    "summary_th": "มีประชากรวัยเรียนไม่มีโรงเรียนในรัศมี 6 กม."}))
    ok(step(client, case, "hearing", {"held_on": "2025-02-20", "participants": 120,
                                      "community_agreed": True, "summary_th": "ชุมชนเห็นด้วย"}))
    ok(step(client, case, "propose"))
    ok(step(client, case, "decision", cited()))
    ok(step(client, case, "execute", {"effective_date": EFFECTIVE}))
    assert client.get("/schools", params={"as_of": "2025-05-15"}).json()["items"] == []
    [new] = client.get("/schools", params={"as_of": EFFECTIVE}).json()["items"]
    assert (new["school_code"], new["established_on"], new["levels"]) == (
        "40059999", EFFECTIVE, ["kindergarten", "primary"])


# --- the report -----------------------------------------------------------------------------------


def test_the_small_school_report_explains_its_criterion_and_follows_mergers(
        client: TestClient) -> None:
    imported(client)
    report = client.get("/reports/small-schools").json()
    assert report["open_schools"] == 208 and report["small_schools"] == 102
    assert report["merger_candidates"] == 102 and report["total"] == 102
    assert "ไม่เกิน 120 คน" in report["criterion_th"] and "ตำบลเดียวกัน" in report["criterion_th"]
    entries = every_item(client, "/reports/small-schools", limit=40)
    assert len(entries) == 102
    entry = next(s for s in entries if s["school_code"] == SMALL)
    assert entry["candidate_scope"] == "subdistrict"
    assert entry["receiving_options"][0] == {"school_code": BIG, "name_th": "โรงเรียนบ้านหนองตาไก้",
                                             "subdistrict": "ขัวเรียง", "pupils": 590}
    assert all(s["pupils"] <= 120 for s in entries)

    ok(step(client, approved(client, merge_case(client)), "execute", {"effective_date": EFFECTIVE}))
    later = client.get("/reports/small-schools", params={"as_of": EFFECTIVE}).json()
    assert later["open_schools"] == 207 and later["small_schools"] == 101
    assert SMALL not in {s["school_code"] for s in every_item(
        client, "/reports/small-schools", as_of=EFFECTIVE, limit=500)}

    response = client.get("/reports/small-schools", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffรายงานโรงเรียนขนาดเล็กและโรงเรียนที่ควรพิจารณายุบรวม")
    assert "เกณฑ์: โรงเรียนขนาดเล็ก คือ" in text
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header_at = lines.index(next(line for line in lines if line[:1] == ["รหัสโรงเรียน"]))
    assert len(lines) - header_at - 1 == 102
    assert next(line for line in lines if line[:1] == [SMALL])[6] == "ใช่"


def test_the_registry_as_thai_csv(client: TestClient) -> None:
    imported(client)
    response = client.get("/schools", params={"format": "csv", "as_of": "2025-01-01",
                                              "district": "ชุมแพ", "small": "true"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffทะเบียนสถานศึกษา ข้อมูล ณ วันที่ 1 มกราคม 2568")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[1][:3] == ["รหัสโรงเรียน", "ชื่อโรงเรียน", "ชื่อภาษาอังกฤษ"]
    assert all(line[3] == "ชุมแพ" and line[10] == "ใช่" for line in lines[2:])
    assert lines[2][8] == "10 พ.ย. 2567"

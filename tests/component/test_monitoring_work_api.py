"""Monitoring's own work over HTTP with a real (SQLite) store: monitoring plans fed by planning's
approvals (delivered as the consumer does), progress reports, budget use, inspection and its
recommendations as cases, evaluations, the dashboard's figures and the annual report. Bad input
answers problem+json and records nothing."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from contracts.envelope import AnyEnvelope
from contracts.monitoring.v1 import EvaluationResultsIssued
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import observer
from services.monitoring.integration import translate
from services.monitoring.main import create_app
from services.monitoring.settings import MonitoringSettings
from shared.settings import PROJECT_ROOT
from shared.testing import office_client
from tests.support.pdf import flat_text

EXAMPLES = PROJECT_ROOT / "contracts" / "examples"
OFFICER = {"X-Actor-Id": "off-1"}
DIRECTOR = {"X-Actor-Id": "dir-1"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 1, 10, 3, 0, tzinfo=UTC))  # FY 2568, quarter 2


@pytest.fixture
def api(tmp_path: Path, clock: Clock) -> Iterator[FastAPI]:
    settings = MonitoringSettings(var_dir=tmp_path, nats_url="nats://127.0.0.1:9")
    app = create_app(settings, MonitoringApplication(settings, clock=clock))
    app.state.board.clock = clock
    yield app
    app.state.runtime.app.close()


@pytest.fixture
def client(api: FastAPI) -> TestClient:
    return office_client(api)


def application(api: FastAPI) -> MonitoringApplication:
    return api.state.runtime.app


def deliver(api: FastAPI, envelope: AnyEnvelope, position: int) -> None:
    """As the consumer does: the handler's aggregates saved with the tracking position."""
    app = application(api)
    handle = observer(app)
    app.execute(lambda: (None, handle(envelope)), tracking=Tracking(envelope.source, position))


def example(event_type: str) -> AnyEnvelope:
    return AnyEnvelope.model_validate_json((EXAMPLES / f"{event_type}.v1.json").read_text("utf-8"))


@pytest.fixture
def plan(api: FastAPI, client: TestClient) -> dict[str, Any]:
    deliver(api, example("planning.action_plan.approved"), 1)
    return client.get("/monitoring-plans").json()[0]


def progress(client: TestClient, plan_id: str, headers: dict[str, str] | None = None,
             **body: Any) -> Any:
    payload = {"group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 1, "value": "40",
               **body}
    return client.post(f"/monitoring-plans/{plan_id}/progress", headers=headers or OFFICER,
                       json=payload)


def evidence(content: bytes = b"%PDF-1.4 evidence") -> dict[str, str]:
    return {"name": "หลักฐาน.pdf", "content_base64": base64.b64encode(content).decode()}


def assert_problem(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["title_th"] and body["title_en"]
    if code:
        assert body["code"] == code


# --- monitoring plans ----------------------------------------------------------------------------
def test_an_approved_action_plan_is_tracked_per_project_and_kpi(plan: dict[str, Any],
                                                                client: TestClient) -> None:
    assert (plan["kind"], plan["fiscal_year_be"], plan["periods"]) == (
        "action_plan", 2568, ["q1", "q2", "q3", "q4"])
    group = plan["groups"][0]
    assert group["budget_planned"] == "150000.50" and group["budget_used"] == "0.00"
    assert group["items"][0]["period_targets"] == [{"period": "q2", "target_value": "60"},
                                                   {"period": "q4", "target_value": "95"}]
    by_planning_id = client.get("/monitoring-plans/6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b1a23")
    assert by_planning_id.json()["plan_id"] == plan["plan_id"]
    case = client.get(f"/cases/by-subject/monitoring/{plan['plan_id']}:P68-01").json()
    assert (case["step"], case["holder"], case["due"], case["procedure"]) == (
        "awaiting_q1", "off-1", "2025-01-15", 14)
    assert [c["case_id"] for c in client.get("/cases", params={"service": "monitoring"}).json()] \
        == [case["case_id"]]


def test_policy_and_development_plan_approvals_are_tracked_too(api: FastAPI,
                                                               client: TestClient) -> None:
    deliver(api, example("planning.policy.approved"), 1)
    deliver(api, example("planning.development_plan.approved"), 2)
    kinds = {p["kind"]: p for p in client.get("/monitoring-plans").json()}
    assert kinds["policy"]["groups"][0]["items"][0]["item_code"] == "F1-T1"
    development = kinds["development_plan"]
    assert development["periods"] == ["2566", "2567", "2568", "2569", "2570"]
    response = progress(client, development["plan_id"], group_code="S1", item_code="S1-K1",
                        quarter=None, year_be=2568, value="72")
    assert response.status_code == 201, response.text


def test_a_repeated_approval_changes_nothing(api: FastAPI, plan: dict[str, Any]) -> None:
    before = application(api).max_notification_id()
    deliver(api, example("planning.action_plan.approved"), 2)  # delivered again, new position
    assert application(api).max_notification_id() == before


def test_progress_is_reported_with_evidence_idempotently_and_under_if_match(
        api: FastAPI, client: TestClient, plan: dict[str, Any]) -> None:
    plan_id = plan["plan_id"]
    headers = {**OFFICER, "Idempotency-Key": "report-q1", "If-Match": '"1"'}
    first = progress(client, plan_id, headers, note="ทดสอบ", evidence=evidence())
    again = progress(client, plan_id, headers, note="ทดสอบ", evidence=evidence())
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.headers["etag"] == '"2"'
    report = first.json()["groups"][0]["items"][0]["reports"][0]
    assert (report["period"], report["value"], report["reported_by"]) == ("q1", "40", "off-1")
    stored = client.get(f"/monitoring-plans/evidence/{report['evidence']['sha256']}")
    assert stored.content == b"%PDF-1.4 evidence"

    stale = progress(client, plan_id, {**OFFICER, "If-Match": '"1"'}, quarter=2)
    assert_problem(stale, 412, "stale-version")


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"item_code": "nope"}, 422, "unknown-tracked-item"),
    ({"group_code": "P99"}, 422, "unknown-tracked-item"),
    ({"quarter": None, "year_be": 2568}, 422, "invalid-period"),
    ({"quarter": 5}, 422, "validation-error"),
    ({"quarter": None}, 422, "validation-error"),
    ({"value": "NaN"}, 422, "validation-error"),
    ({"value": "ร้อย"}, 422, "validation-error"),
    ({"evidence": {"name": "x.pdf", "content_base64": "***"}}, 422, "validation-error"),
    ({"unknown": 1}, 422, "validation-error"),
])
def test_bad_progress_reports_answer_problems_and_record_nothing(
        api: FastAPI, client: TestClient, plan: dict[str, Any], changes: dict[str, Any],
        status: int, code: str, tmp_path: Path) -> None:
    before = application(api).max_notification_id()
    assert_problem(progress(client, plan["plan_id"], **changes), status, code)
    assert application(api).max_notification_id() == before
    assert not any((tmp_path / "blobs").rglob("*.*")) if (tmp_path / "blobs").exists() else True


def test_refused_evidence_is_not_stored(api: FastAPI, client: TestClient, plan: dict[str, Any],
                                        tmp_path: Path) -> None:
    response = progress(client, plan["plan_id"], item_code="nope", evidence=evidence(b"refused"))
    assert_problem(response, 422)
    blobs = tmp_path / "blobs" / "monitoring"
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]


def test_reports_need_an_actor_and_an_existing_plan(client: TestClient) -> None:
    assert_problem(client.post(f"/monitoring-plans/{uuid4()}/progress", json={
        "group_code": "P68-01", "item_code": "K", "quarter": 1, "value": "1"}), 401)
    assert_problem(progress(client, str(uuid4())), 404, "monitoring-plan-not-found")
    assert_problem(client.get("/monitoring-plans/not-a-uuid"), 422)


def test_an_overdue_progress_report_is_raised_once_on_the_feed(
        api: FastAPI, client: TestClient, plan: dict[str, Any], clock: Clock) -> None:
    app, board = application(api), api.state.board
    clock.now = datetime(2025, 1, 16, 3, 0, tzinfo=UTC)  # Q1's report was due 15 Jan
    assert app.raise_overdue(board.overdue_unannounced(), clock.now) == 1
    assert app.raise_overdue(board.overdue_unannounced(), clock.now) == 0
    overdue = client.get("/cases", params={"service": "monitoring", "overdue": True}).json()
    assert [c["step"] for c in overdue] == ["awaiting_q1"]
    history = client.get(f"/cases/{overdue[0]['case_id']}/history").json()
    assert [h["event_type"] for h in history] == ["monitoring.plan.tracked",
                                                  "monitoring.case.overdue"]
    summary = client.get("/dashboard/summary").json()
    assert summary["totals"]["overdue_cases"] == 1
    assert summary["overdue"][0]["days_late"] == 1 and summary["overdue"][0]["holder"] == "off-1"

    assert progress(client, plan["plan_id"]).status_code == 201
    case = client.get("/cases", params={"service": "monitoring"}).json()[0]
    assert (case["step"], case["due"], case["overdue"]) == ("awaiting_q2", "2025-04-15", False)


def test_budget_use_comes_from_budgetings_disbursements_only(
        api: FastAPI, client: TestClient, plan: dict[str, Any]) -> None:
    project = plan["groups"][0]["project_id"]

    def moved(movement: str, amount: str, sequence: int) -> AnyEnvelope:
        line = uuid4()
        return AnyEnvelope(
            id=f"budgeting:{line}:{sequence}", type="budgeting.budget_line.balance_changed",
            source="budgeting", subject=str(line), time="2025-01-05T03:00:00Z",
            sequence=sequence, actor="fin-1",
            data={"line_id": str(line), "fiscal_year_be": 2568, "project_id": project,
                  "project_code": "P68-01", "category": "operations", "movement": movement,
                  "amount": amount, "reference": "ฎีกา 1/2568", "balance": {}})

    deliver(api, moved("allocated", "75000.00", 1), 1)
    deliver(api, moved("disbursed", "30000.25", 2), 2)
    deliver(api, moved("disbursed", "0.50", 3), 3)
    group = client.get(f"/monitoring-plans/{plan['plan_id']}").json()["groups"][0]
    assert group["budget_used"] == "30000.75"
    quarters = client.get("/dashboard/summary").json()["budget_by_quarter"]
    assert [q["used"] for q in quarters] == ["0.00", "30000.75", "0.00", "0.00"]


# --- inspection ---------------------------------------------------------------------------------
def open_round(client: TestClient) -> dict[str, Any]:
    response = client.post("/inspections", headers={**OFFICER, "Idempotency-Key": "r1"}, json={
        "fiscal_year_be": 2568, "title_th": "การตรวจราชการ รอบที่ 1/2568",
        "inspector_th": "ผู้ตรวจราชการกระทรวงศึกษาธิการ", "scheduled_on": "2025-01-20",
        "issues": [{"code": "I1", "title_th": "การอ่านออกเขียนได้"}]})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_recommendation_is_a_case_assigned_acted_on_and_closed_with_evidence(
        client: TestClient) -> None:
    round_ = open_round(client)
    rid = round_["round_id"]
    reported = client.post(f"/inspections/{rid}/report", headers=OFFICER,
                           json={"summary_th": "สรุปผลการตรวจราชการ", "evidence": evidence()})
    assert reported.json()["report"]["summary_th"] == "สรุปผลการตรวจราชการ"
    rec = client.post(f"/inspections/{rid}/recommendations", headers=OFFICER,
                      json={"issue_code": "I1", "text_th": "เร่งรัดการพัฒนาการอ่าน"}).json()
    path = f"/recommendations/{rec['recommendation_id']}"
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["procedure"], case["step"], case["holder"]) == (14, "proposed", "group_director")

    due = (date(2025, 1, 10) + timedelta(days=30)).isoformat()
    assigned = client.post(f"{path}/assign", headers={**DIRECTOR, "If-Match": '"1"'}, json={
        "officer_id": "off-1", "officer_name_th": "นายสมชาย รักงาน", "due": due})
    assert assigned.status_code == 200 and assigned.headers["etag"] == '"2"'
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["step"], case["holder"], case["holder_th"], case["due"]) == (
        "assigned", "off-1", "นายสมชาย รักงาน", due)

    assert_problem(client.post(f"{path}/action", headers=DIRECTOR,
                               json={"action_th": "ทำแล้ว"}), 403, "not-the-assignee")
    assert client.post(f"{path}/action", headers=OFFICER,
                       json={"action_th": "จัดอบรมครู"}).status_code == 200
    assert_problem(client.post(f"{path}/close", headers=DIRECTOR, json={"note": "ตรวจแล้ว"}), 422,
                   "evidence-required")
    closed = client.post(f"{path}/close", headers=DIRECTOR,
                         json={"note": "ตรวจแล้ว", "evidence": evidence(b"photo")})
    assert closed.json()["step"] == "closed" and len(closed.json()["evidence"]) == 1
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["closed"], case["due"]) == (True, None)
    history = client.get(f"/cases/{rec['case_id']}/history").json()
    assert [h["event_type"] for h in history] == [
        "monitoring.recommendation.proposed", "monitoring.recommendation.assigned",
        "monitoring.recommendation.acted", "monitoring.recommendation.closed"]
    assert client.get(f"/inspections/{rid}").json()["recommendations"][0]["step"] == "closed"


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/inspections", {"fiscal_year_be": 2568, "title_th": "x", "inspector_th": "y",
                      "scheduled_on": "2025-01-20", "issues": []}, 422, "validation-error"),
    ("/inspections", {"fiscal_year_be": 2568, "title_th": "x", "inspector_th": "y",
                      "scheduled_on": "2025-01-20",
                      "issues": [{"code": "I1", "title_th": "a"}, {"code": "I1", "title_th": "b"}]},
     422, "duplicate-code"),
    ("{round}/recommendations", {"issue_code": "I9", "text_th": "x"}, 422,
     "unknown-inspection-issue"),
    ("{round}/recommendations", {"issue_code": "I1", "text_th": ""}, 422, "validation-error"),
    ("{round}/report", {"summary_th": "   "}, 422, "validation-error"),
    ("{rec}/assign", {"officer_id": "off-1", "officer_name_th": "ก", "due": "2024-12-31"}, 422,
     "due-before-today"),
    ("{rec}/assign", {"officer_id": "off 1", "officer_name_th": "ก", "due": "2025-12-31"}, 422,
     "validation-error"),
    ("{rec}/close", {"note": ""}, 409, "wrong-step"),
    (f"/recommendations/{uuid4()}/close", {"note": ""}, 404, "recommendation-not-found"),
])
def test_bad_inspection_input_answers_problems_and_records_nothing(
        api: FastAPI, client: TestClient, path: str, body: dict[str, Any], status: int,
        code: str) -> None:
    round_ = open_round(client)
    rec = client.post(f"/inspections/{round_['round_id']}/recommendations", headers=OFFICER,
                      json={"issue_code": "I1", "text_th": "ข้อเสนอแนะ"}).json()
    target = path.format(round=f"/inspections/{round_['round_id']}",
                         rec=f"/recommendations/{rec['recommendation_id']}")
    before = application(api).max_notification_id()
    assert_problem(client.post(target, headers=OFFICER, json=body), status, code)
    assert application(api).max_notification_id() == before


# --- evaluation ---------------------------------------------------------------------------------
def test_the_action_plan_evaluation_is_issued_once_as_a_results_issued_contract_event(
        api: FastAPI, client: TestClient, plan: dict[str, Any]) -> None:
    progress(client, plan["plan_id"], quarter=4, value="96")
    created = client.post("/evaluations/action-plan", headers=OFFICER, json={
        "plan_id": plan["plan_id"], "outcomes": {"P68-01": "นักเรียนอ่านออกเขียนได้ตามเป้าหมาย"}})
    assert created.status_code == 201, created.text
    evaluation = created.json()
    result = evaluation["results"][0]
    assert (result["addressee"], result["budget_planned"], result["indicators"][0]["achieved"]) == (
        "off-1", "150000.50", True)
    assert "ผลลัพธ์: นักเรียนอ่านออกเขียนได้ตามเป้าหมาย" in result["text_th"]

    path = f"/evaluations/{evaluation['evaluation_id']}/issue"
    issued = client.post(path, headers={**OFFICER, "If-Match": '"1"'})
    assert issued.status_code == 200 and issued.json()["issued_by"] == "off-1"
    assert_problem(client.post(path, headers=OFFICER), 409, "already-issued")

    app = application(api)
    events = [app.to_domain_event(n) for n in app.read_notifications(0, 1000)]
    envelopes = [e for e in (translate(ev, app.load(ev.originator_id, ev.originator_version))
                             for ev in events) if e is not None]
    issued_envelopes = [e for e in envelopes if e.type == EvaluationResultsIssued.EVENT_TYPE]
    assert len(issued_envelopes) == 1
    letter = issued_envelopes[0].data.results[0]
    assert letter.subject_th == "แจ้งผลการประเมินผลแผนปฏิบัติการประจำปี P68-01 ปีงบประมาณ พ.ศ. 2568"
    assert issued_envelopes[0].status is not None and issued_envelopes[0].status.procedure == 15


def test_mid_plan_and_obec_strategy_evaluations(api: FastAPI, client: TestClient) -> None:
    deliver(api, example("planning.development_plan.approved"), 1)
    development = client.get("/monitoring-plans").json()[0]
    progress(client, development["plan_id"], group_code="S1", item_code="S1-K1", quarter=None,
             year_be=2568, value="68")
    mid = client.post("/evaluations/mid-plan", headers=OFFICER,
                      json={"plan_id": development["plan_id"]}).json()
    indicator = mid["results"][0]["indicators"][0]
    assert (indicator["target_value"], indicator["actual"], indicator["achieved"]) == (
        "70", "68", False)
    assert "2568" in mid["title_th"] and mid["results"][0]["addressee"] == "esa_director"
    assert_problem(client.post("/evaluations/action-plan", headers=OFFICER,
                               json={"plan_id": development["plan_id"]}), 422, "wrong-plan-kind")

    obec = client.post("/evaluations/obec-strategy", headers=OFFICER, json={
        "fiscal_year_be": 2568, "strategies": [{"code": "OBEC-1", "title_th": "ความปลอดภัย",
            "indicators": [{"code": "O1", "name_th": "ร้อยละโรงเรียนปลอดภัย", "unit": "ร้อยละ",
                            "target_value": "100", "actual": "98"}]}]})
    assert obec.status_code == 201, obec.text
    assert obec.json()["results"][0]["addressee_th"].startswith("คณะผู้ประเมิน")


# --- dashboard and the annual report ------------------------------------------------------------
def test_the_dashboard_page_carries_its_first_figures_in_thai(client: TestClient,
                                                              plan: dict[str, Any]) -> None:
    progress(client, plan["plan_id"], quarter=2, value="57")
    page = client.get("/dashboard")
    assert page.status_code == 200 and "แดชบอร์ดติดตามประเมินผลการดำเนินงาน" in page.text
    assert '"attainment_pct":"60.00"' in page.text and "/*INITIAL_DATA*/" not in page.text
    assert client.get("/static/fonts/Sarabun-Regular.ttf").status_code == 200
    assert_problem(client.get("/static/fonts/..%2Fsettings.py"), 404)
    assert_problem(client.get("/dashboard/summary", params={"fiscal_year_be": 99}), 422)


def test_the_annual_report_as_excel_sums_to_the_satang(client: TestClient,
                                                       plan: dict[str, Any]) -> None:
    progress(client, plan["plan_id"], quarter=2, value="57")
    response = client.get("/reports/annual/2568", params={"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["สรุป", "ตัวชี้วัด", "งบประมาณ", "สถานะเรื่อง", "ข้อเสนอแนะ",
                               "ผลการประเมิน"]
    kpis = list(book["ตัวชี้วัด"].iter_rows(values_only=True))
    assert kpis[1][3] == "P68-01-K1" and float(kpis[1][9]) == 60.0
    budget = list(book["งบประมาณ"].iter_rows(values_only=True))
    assert sum(float(row[2]) for row in budget[1:] if row[0] == "งบรายจ่าย") == 150000.50
    pdf = client.get("/reports/annual/2568")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert_problem(client.get("/reports/annual/2568", params={"format": "doc"}), 422)
    assert_problem(client.get("/reports/annual/99999"), 404)


def test_the_annual_report_carries_the_years_mid_plan_evaluation(
        api: FastAPI, client: TestClient) -> None:
    deliver(api, example("planning.development_plan.approved"), 1)
    development = client.get("/monitoring-plans").json()[0]
    progress(client, development["plan_id"], group_code="S1", item_code="S1-K1", quarter=None,
             year_be=2568, value="68")
    mid = client.post("/evaluations/mid-plan", headers=OFFICER, json={
        "plan_id": development["plan_id"],
        "recommendations": {"S1": "เร่งดำเนินงานส่งเสริมการอ่านในโรงเรียนขนาดเล็ก"}}).json()
    heading = "ผลการประเมินผลระยะครึ่งแผนพัฒนาการศึกษาขั้นพื้นฐาน"

    response = client.get("/reports/annual/2568")
    assert response.status_code == 200
    flat = flat_text(response.content)
    for expected in (heading, mid["title_th"], "ประเมินผลเมื่อ 10 ม.ค. 2568 ยังไม่ได้แจ้งผล",
                     # SARA AM and marks over upper vowels come back out as written
                     "รายงานผลการดำเนินงานประจำปีงบประมาณ พ.ศ. 2568", "จากเหตุการณ์ที่บันทึกในระบบ",
                     "ผลการดำเนินงานตามตัวชี้วัด", "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1",
                     "ตัวชี้วัด 1 ตัว บรรลุค่าเป้าหมาย 0 ตัว ไม่บรรลุ 1 ตัว",
                     "ผลการดำเนินงาน 68", "ไม่บรรลุ",
                     "ข้อเสนอแนะ: เร่งดำเนินงานส่งเสริมการอ่านในโรงเรียนขนาดเล็ก"):
        assert expected in flat, f"{expected!r} not in the PDF text"
    assert "พิมพ์เมื่อ 10 ม.ค. 2568" in flat and "หน้า 1/" in flat

    book = load_workbook(io.BytesIO(client.get("/reports/annual/2568",
                                               params={"format": "xlsx"}).content))
    rows = list(book["ผลการประเมิน"].iter_rows(values_only=True))
    mid_rows = [r for r in rows[1:] if r[0] == "ประเมินผลระยะครึ่งแผนพัฒนาการศึกษาขั้นพื้นฐาน"]
    assert len(mid_rows) == 1
    row = dict(zip(rows[0], mid_rows[0], strict=True))
    assert (row["การประเมิน"], row["วันที่ประเมิน"], row["ผล"], row["ผลการประเมิน"],
            row["ข้อเสนอแนะ"]) == (mid["title_th"], "10 ม.ค. 2568", 68, "ไม่บรรลุ",
                                   "เร่งดำเนินงานส่งเสริมการอ่านในโรงเรียนขนาดเล็ก")
    # Another year's report leaves it out.
    other = load_workbook(io.BytesIO(client.get("/reports/annual/2569",
                                                params={"format": "xlsx"}).content))
    assert len(list(other["ผลการประเมิน"].iter_rows(values_only=True))) == 1

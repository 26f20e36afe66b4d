"""Monitoring's own work over HTTP with a real (SQLite) store: monitoring plans fed by planning's
approvals (delivered as the consumer does), progress reports, budget use, inspection and its
recommendations as cases, evaluations, the dashboard's figures and the annual report. Bad input
answers problem+json and records nothing."""

from __future__ import annotations

import base64
import io
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
from shared.settings import PROJECT_ROOT
from shared.testing import state_changes_since
from tests.support.http import etag_of
from tests.support.pdf import flat_text

EXAMPLES = PROJECT_ROOT / "contracts" / "examples"
OFFICER = {"X-Actor-Id": "off-1"}
DIRECTOR = {"X-Actor-Id": "dir-1"}
ESA_DIRECTOR = {"X-Actor-Id": "esa-1"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def monitoring_clock() -> Clock:
    return Clock(datetime(2025, 1, 10, 3, 0, tzinfo=UTC))  # FY 2568, quarter 2


@pytest.fixture
def clock(monitoring_clock: Clock) -> Clock:
    return monitoring_clock


@pytest.fixture
def api(monitoring_api: FastAPI) -> FastAPI:
    """Monitoring in process, the office's staff taught (tests/conftest.py)."""
    return monitoring_api


@pytest.fixture
def client(monitoring_client: TestClient) -> TestClient:
    return monitoring_client


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
    return client.get("/monitoring-plans").json()["items"][0]


def change(client: TestClient, path: str, record: str, headers: dict[str, str],
           body: dict[str, Any] | None = None) -> Any:
    """A command on an existing record, as a client makes it: the record read first, its ETag
    sent back in If-Match (unless the caller sends its own)."""
    if "If-Match" not in headers:
        headers = {**headers, "If-Match": etag_of(client, record, headers["X-Actor-Id"])}
    return client.post(path, headers=headers, json=body if body is not None else {})


def progress(client: TestClient, plan_id: str, headers: dict[str, str] | None = None,
             **body: Any) -> Any:
    payload = {"group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 1, "value": "40",
               **body}
    return change(client, f"/monitoring-plans/{plan_id}/progress",
                  f"/monitoring-plans/{plan_id}", headers or OFFICER, payload)


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
    listed = client.get("/cases", params={"service": "monitoring"}).json()["items"]
    assert [c["case_id"] for c in listed] == [case["case_id"]]


def test_a_projects_reports_are_held_by_its_officer_if_the_directory_lets_them_else_the_director(
        api: FastAPI, client: TestClient) -> None:
    """Planning names the responsible officer; monitoring gives them the work only if its staff
    directory knows them, active and able to hold it. Otherwise the group director holds it, and
    the case says for whom."""
    approved = example("planning.action_plan.approved")
    project = approved.data["projects"][0]
    unknown_id = uuid4()
    unknown = approved.model_copy(update={
        "id": f"planning:{unknown_id}:7", "subject": str(unknown_id),
        "data": {**approved.data, "plan_id": str(unknown_id), "fiscal_year_be": 2569,
                 "projects": [{**project, "code": "P69-01", "project_id": str(uuid4()),
                               "responsible_officer": "off-9",
                               "kpis": [{**project["kpis"][0], "code": "P69-01-K1"}]}]}})
    deliver(api, approved, 1)
    deliver(api, unknown, 2)
    cases = {c["subject"].rsplit(":", 1)[1]: c for c in client.get(
        "/cases", params={"service": "monitoring"}).json()["items"]}
    assert (cases["P68-01"]["holder"], cases["P68-01"]["holder_th"]) == ("off-1", "นายสมชาย รักงาน")
    assert (cases["P69-01"]["holder"], cases["P69-01"]["holder_th"]) == (
        "group_director", "ผู้อำนวยการกลุ่ม (แทน off-9: ไม่พบในทะเบียนเจ้าหน้าที่)")


def test_policy_and_development_plan_approvals_are_tracked_too(api: FastAPI,
                                                               client: TestClient) -> None:
    deliver(api, example("planning.policy.approved"), 1)
    deliver(api, example("planning.development_plan.approved"), 2)
    kinds = {p["kind"]: p for p in client.get("/monitoring-plans").json()["items"]}
    assert kinds["policy"]["groups"][0]["items"][0]["item_code"] == "F1-T1"
    development = kinds["development_plan"]
    assert development["periods"] == ["2566", "2567", "2568", "2569", "2570"]
    response = progress(client, development["plan_id"], group_code="S1", item_code="S1-K1",
                        quarter=None, year_be=2568, value="72")
    assert response.status_code == 201, response.text


def test_plans_inspections_and_evaluations_are_paged_and_filtered(
        api: FastAPI, client: TestClient) -> None:
    deliver(api, example("planning.action_plan.approved"), 1)
    deliver(api, example("planning.policy.approved"), 2)
    deliver(api, example("planning.development_plan.approved"), 3)
    first = client.get("/monitoring-plans", params={"limit": 2}).json()
    rest = client.get("/monitoring-plans", params={"limit": 2,
                                                   "cursor": first["next_cursor"]}).json()
    assert first["total"] == 3 and len(first["items"]) == 2 and rest["next_cursor"] is None
    assert len({p["plan_id"] for p in first["items"] + rest["items"]}) == 3
    assert [p["kind"] for p in client.get("/monitoring-plans", params={
        "kind": "development_plan"}).json()["items"]] == ["development_plan"]
    in_2570 = client.get("/monitoring-plans", params={"fiscal_year_be": 2570}).json()["items"]
    assert [p["kind"] for p in in_2570] == ["development_plan"], "its years are 2566-2570"
    assert client.get("/monitoring-plans", params={"in_force": False}).json()["total"] == 0

    open_round(client)
    assert client.get("/inspections", params={"fiscal_year_be": 2568}).json()["total"] == 1
    assert client.get("/inspections", params={"fiscal_year_be": 2569}).json()["items"] == []
    plan_id = example("planning.action_plan.approved").data["plan_id"]
    client.post("/evaluations/action-plan", headers=OFFICER, json={"plan_id": plan_id})
    listed = client.get("/evaluations", params={"kind": "action_plan", "issued": False}).json()
    assert listed["total"] == 1 and listed["items"][0]["fiscal_year_be"] == 2568
    assert client.get("/evaluations", params={"issued": True}).json()["total"] == 0


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
    blind = client.post(f"/monitoring-plans/{plan_id}/progress", headers=OFFICER, json={
        "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 2, "value": "41"})
    assert_problem(blind, 428, "precondition-required")


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
    assert_problem(progress(client, str(uuid4()), {**OFFICER, "If-Match": '"1"'}), 404,
                   "monitoring-plan-not-found")
    assert_problem(client.get("/monitoring-plans/not-a-uuid"), 422)


def test_an_overdue_progress_report_is_raised_once_on_the_feed(
        api: FastAPI, client: TestClient, plan: dict[str, Any], clock: Clock) -> None:
    app = application(api)
    clock.now = datetime(2025, 1, 16, 3, 0, tzinfo=UTC)  # Q1's report was due 15 Jan
    assert app.raise_overdue(clock.now) == 1
    assert app.raise_overdue(clock.now) == 0
    overdue = client.get("/cases", params={"service": "monitoring",
                                           "overdue": True}).json()["items"]
    assert [c["step"] for c in overdue] == ["awaiting_q1"]
    history = client.get(f"/cases/{overdue[0]['case_id']}/history").json()["items"]
    assert [h["event_type"] for h in history] == ["monitoring.plan.tracked",
                                                  "monitoring.case.overdue"]
    summary = client.get("/dashboard/summary").json()
    assert summary["totals"]["overdue_cases"] == 1
    assert summary["overdue"][0]["days_late"] == 1 and summary["overdue"][0]["holder"] == "off-1"

    assert progress(client, plan["plan_id"]).status_code == 201
    case = client.get("/cases", params={"service": "monitoring"}).json()["items"][0]
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


def amendment_of(envelope: AnyEnvelope, strategies: list[dict[str, Any]]) -> AnyEnvelope:
    """Planning's approval of the next version (another plan of planning) amending `envelope`'s."""
    plan_id = uuid4()
    return envelope.model_copy(update={
        "id": f"planning:{plan_id}:6", "subject": str(plan_id),
        "data": {**envelope.data, "plan_id": str(plan_id), "version": envelope.data["version"] + 1,
                 "amends_plan_id": envelope.data["plan_id"], "strategies": strategies}})


def closed_as_superseded(envelope: AnyEnvelope, by: AnyEnvelope) -> AnyEnvelope:
    closed = example("planning.plan.closed")
    return closed.model_copy(update={
        "id": f"planning:{envelope.subject}:9", "subject": envelope.subject,
        "data": {**closed.data, "plan_id": envelope.data["plan_id"], "plan_kind": "development_plan",
                 "title_th": envelope.data["title_th"], "version": envelope.data["version"],
                 "closed_on": "2025-01-10", "superseded_by": by.data["plan_id"]}})


def test_a_plan_superseded_by_an_amendment_closes_what_it_opened(api: FastAPI,
                                                                client: TestClient) -> None:
    """Planning approves an amendment (a new plan) and closes the version it replaces: the old
    version's KPIs leave the dashboard (never counted twice), its cases close, nothing more is
    reported or evaluated on it, and what was reported on it counts on the amendment."""
    original = example("planning.development_plan.approved")
    deliver(api, original, 1)
    old = client.get(f"/monitoring-plans/{original.data['plan_id']}").json()
    assert progress(client, old["plan_id"], group_code="S1", item_code="S1-K1", quarter=None,
                    year_be=2568, value="68").status_code == 201
    strategy = original.data["strategies"][0]
    added = {**strategy, "code": "S2", "title_th": "เพิ่มโอกาสทางการศึกษา",
             "kpis": [{**strategy["kpis"][0], "code": "S2-K1", "name_th": "อัตราการเข้าเรียน"}]}
    amendment = amendment_of(original, [strategy, added])
    deliver(api, amendment, 2)
    assert client.get("/dashboard/summary").json()["totals"]["kpis"] == 3, \
        "both versions are counted until planning closes the old one"

    deliver(api, closed_as_superseded(original, by=amendment), 3)

    summary = client.get("/dashboard/summary").json()
    assert [k["item_code"] for k in summary["kpis"]] == ["S1-K1", "S2-K1"], "counted once"
    assert summary["kpis"][0]["actual"] == "68", "the report made on the old version counts"
    old_cases = client.get("/cases", params={"service": "monitoring"}).json()["items"]
    by_subject = {c["subject"]: c for c in old_cases}
    superseded = by_subject[f"{old['plan_id']}:S1"]
    assert (superseded["step"], superseded["closed"], superseded["due"]) == (
        "superseded", True, None)
    new_plan = client.get(f"/monitoring-plans/{amendment.data['plan_id']}").json()
    assert by_subject[f"{new_plan['plan_id']}:S1"]["closed"] is False

    before = application(api).max_notification_id()
    refused = client.post("/evaluations/mid-plan", headers=OFFICER, json={"plan_id": old["plan_id"]})
    assert_problem(refused, 409, "plan-superseded")
    assert refused.json()["superseded_by"] == amendment.data["plan_id"]
    assert_problem(progress(client, old["plan_id"], group_code="S1", item_code="S1-K1",
                            quarter=None, year_be=2569, value="70"), 409, "plan-superseded")
    assert state_changes_since(application(api), before) == []
    mid = client.post("/evaluations/mid-plan", headers=OFFICER,
                      json={"plan_id": new_plan["plan_id"]})
    assert mid.status_code == 201, mid.text
    assert mid.json()["results"][0]["indicators"][0]["actual"] == "68"


def test_the_dashboard_opens_on_the_current_fiscal_year_in_bangkok(
        api: FastAPI, client: TestClient, clock: Clock) -> None:
    """Next year's policy is tracked already (approved early): the dashboard still opens on the
    fiscal year in progress, 2568 on 10 January 2025, and 2569 from 1 October 2024 + 1 year."""
    deliver(api, example("planning.action_plan.approved"), 1)
    policy = example("planning.policy.approved")
    plan_id = uuid4()
    deliver(api, policy.model_copy(update={
        "id": f"planning:{plan_id}:5", "subject": str(plan_id),
        "data": {**policy.data, "plan_id": str(plan_id), "fiscal_year_be": 2571}}), 2)
    summary = client.get("/dashboard/summary").json()
    assert summary["fiscal_year_be"] == 2568
    assert summary["totals"]["budget_planned"] == "150000.50"
    assert "ปีงบประมาณ พ.ศ. <strong id=\"fiscal-year\">" in client.get("/dashboard").text
    clock.now = datetime(2025, 9, 30, 17, 0, tzinfo=UTC)  # 1 October 2025, 00:00 in Bangkok
    assert client.get("/dashboard/summary").json()["fiscal_year_be"] == 2569
    assert client.get("/dashboard/summary", params={"fiscal_year_be": 2571}).json()[
        "fiscal_year_be"] == 2571


# --- inspection ---------------------------------------------------------------------------------
def open_round(client: TestClient, scheduled_on: str = "2025-01-08") -> dict[str, Any]:
    response = client.post("/inspections", headers={**OFFICER, "Idempotency-Key": "r1"}, json={
        "fiscal_year_be": 2568, "title_th": "การตรวจราชการ รอบที่ 1/2568",
        "inspector_th": "ผู้ตรวจราชการกระทรวงศึกษาธิการ", "scheduled_on": scheduled_on,
        "issues": [{"code": "I1", "title_th": "การอ่านออกเขียนได้"}]})
    assert response.status_code == 201, response.text
    return response.json()


def recommend(client: TestClient, round_id: str, text_th: str = "ข้อเสนอแนะ",
              headers: dict[str, str] = OFFICER) -> Any:
    return change(client, f"/inspections/{round_id}/recommendations", f"/inspections/{round_id}",
                  headers, {"issue_code": "I1", "text_th": text_th})


def test_a_recommendation_is_a_case_assigned_acted_on_and_closed_with_evidence(
        client: TestClient) -> None:
    round_ = open_round(client)
    rid = round_["round_id"]
    reported = change(client, f"/inspections/{rid}/report", f"/inspections/{rid}", OFFICER,
                      {"summary_th": "สรุปผลการตรวจราชการ", "evidence": evidence()})
    assert reported.json()["report"]["summary_th"] == "สรุปผลการตรวจราชการ"
    rec = recommend(client, rid, "เร่งรัดการพัฒนาการอ่าน").json()
    path = f"/recommendations/{rec['recommendation_id']}"
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["procedure"], case["step"], case["holder"]) == (14, "proposed", "group_director")

    due = (date(2025, 1, 10) + timedelta(days=30)).isoformat()
    assigned = client.post(f"{path}/assign", headers={**DIRECTOR, "If-Match": '"1"'}, json={
        "officer_id": "off-1", "due": due})
    assert assigned.status_code == 200 and assigned.headers["etag"] == '"2"'
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["step"], case["holder"], case["holder_th"], case["due"]) == (
        "assigned", "off-1", "นายสมชาย รักงาน", due), "named as the staff directory names them"

    assert_problem(change(client, f"{path}/action", path, DIRECTOR, {"action_th": "ทำแล้ว"}),
                   403, "not-the-assignee")
    assert change(client, f"{path}/action", path, OFFICER,
                  {"action_th": "จัดอบรมครู"}).status_code == 200
    assert_problem(change(client, f"{path}/close", path, DIRECTOR, {"note": "ตรวจแล้ว"}), 422,
                   "evidence-required")
    closed = change(client, f"{path}/close", path, DIRECTOR,
                    {"note": "ตรวจแล้ว", "evidence": evidence(b"photo")})
    assert closed.json()["step"] == "closed" and len(closed.json()["evidence"]) == 1
    case = client.get(f"/cases/{rec['case_id']}").json()
    assert (case["closed"], case["due"]) == (True, None)
    history = client.get(f"/cases/{rec['case_id']}/history").json()["items"]
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
    ("{rec}/assign", {"officer_id": "off-1", "due": "2024-12-31"}, 422, "due-before-today"),
    ("{rec}/assign", {"officer_id": "off 1", "due": "2025-12-31"}, 422, "validation-error"),
    ("{rec}/close", {"note": ""}, 409, "wrong-step"),
    ("/recommendations/00000000-0000-4000-8000-000000000001/close", {"note": ""}, 404, "recommendation-not-found"),
])
def test_bad_inspection_input_answers_problems_and_records_nothing(
        api: FastAPI, client: TestClient, path: str, body: dict[str, Any], status: int,
        code: str) -> None:
    round_ = open_round(client)
    rec = recommend(client, round_["round_id"]).json()
    target = path.format(round=f"/inspections/{round_['round_id']}",
                         rec=f"/recommendations/{rec['recommendation_id']}")
    # Each by whoever may run it (tests/component/test_monitoring_rights.py checks who may),
    # sending the version it read of the record it changes.
    actor = DIRECTOR if target.endswith(("/assign", "/close")) else OFFICER
    read = client.get(target.rsplit("/", 1)[0], headers=actor)
    headers = {**actor, "If-Match": read.headers.get("ETag", '"1"')}
    before = application(api).max_notification_id()
    assert_problem(client.post(target, headers=headers, json=body), status, code)
    assert state_changes_since(application(api), before) == []


def test_an_inspection_has_no_recommendation_before_its_date(api: FastAPI,
                                                             client: TestClient) -> None:
    round_ = open_round(client, scheduled_on="2025-01-20")  # today is 10 January 2025
    before = application(api).max_notification_id()
    refused = recommend(client, round_["round_id"])
    assert_problem(refused, 409, "before-the-inspection")
    assert refused.json()["scheduled_on"] == "2025-01-20"
    assert state_changes_since(application(api), before) == []


def test_an_assignee_must_be_an_active_officer_this_service_knows_who_can_act_on_it(
        api: FastAPI, client: TestClient) -> None:
    rec = recommend(client, open_round(client)["round_id"]).json()
    path = f"/recommendations/{rec['recommendation_id']}"
    before = application(api).max_notification_id()
    for assignee, status, code in (("ghost-999", 404, "unknown-officer"),
                                   ("clerk-1", 403, "cannot-hold-work"),
                                   ("esa-1", 403, "cannot-hold-work")):
        refused = change(client, f"{path}/assign", path, DIRECTOR,
                         {"officer_id": assignee, "due": "2025-02-28"})
        assert_problem(refused, status, code)
        assert (refused.json()["officer_id"], refused.json()["field"]) == (assignee, "officer_id")
    assert state_changes_since(application(api), before) == []
    assert client.get(path).json()["step"] == "proposed"
    assigned = change(client, f"{path}/assign", path, DIRECTOR,
                      {"officer_id": "off-2", "due": "2025-02-28"}).json()
    assert (assigned["assignee"], assigned["assignee_th"]) == ("off-2", "นางสาวมาลี ขยันยิ่ง")


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

    record = f"/evaluations/{evaluation['evaluation_id']}"
    issued = client.post(f"{record}/issue", headers={**ESA_DIRECTOR, "If-Match": '"1"'})
    assert issued.status_code == 200 and issued.json()["issued_by"] == "esa-1"
    assert_problem(change(client, f"{record}/issue", record, ESA_DIRECTOR), 409, "already-issued")

    app = application(api)
    events = [app.to_domain_event(n) for n in app.read_notifications(0, 1000)]
    envelopes = [e for e in (translate(ev, app.load(ev.originator_id, ev.originator_version))
                             for ev in events) if e is not None]
    issued_envelopes = [e for e in envelopes if e.type == EvaluationResultsIssued.EVENT_TYPE]
    assert len(issued_envelopes) == 1
    letter = issued_envelopes[0].data.results[0]
    assert letter.subject_th == "แจ้งผลการประเมินผลแผนปฏิบัติการประจำปี P68-01 ปีงบประมาณ พ.ศ. 2568"
    # Issued by the ESA director; prepared by the officer who evaluated (who can draft letters).
    assert (issued_envelopes[0].data.issued_by, issued_envelopes[0].data.prepared_by) == (
        "esa-1", "off-1")
    assert issued_envelopes[0].status is not None and issued_envelopes[0].status.procedure == 15


def test_mid_plan_and_obec_strategy_evaluations(api: FastAPI, client: TestClient) -> None:
    deliver(api, example("planning.development_plan.approved"), 1)
    development = client.get("/monitoring-plans").json()["items"][0]
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
    assert '"attainment_pct":"60.00"' in page.text and "INITIAL_DATA" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="application/json" id="initial-data">' in page.text
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
    development = client.get("/monitoring-plans").json()["items"][0]
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

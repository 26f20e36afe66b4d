"""Monitoring's decision rights over HTTP, through the gate: for every command, an officer the
service never heard of (a) and a real officer without the role (b) are refused and recorded; the
one who proposed a recommendation may not decide on it, the one who acted on it may not close it
(c); the right officer succeeds (e) (`tests/support/rights.py`). Monitoring records no decision
of a body outside the office, so no command cites a resolution (d)."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.envelope import AnyEnvelope
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import observer
from shared.office.testing import OfficeTeacher, Staff
from shared.settings import PROJECT_ROOT
from tests.support.http import etag_of, h
from tests.support.rights import Decision, assert_decision_rights

EXAMPLES = PROJECT_ROOT / "contracts" / "examples"
ANALYSTS_ONLY = "clerk-1"  # a real, active officer who holds none of the analysts' roles
ROUND = {"fiscal_year_be": 2568, "title_th": "การตรวจราชการ รอบที่ 1/2568",
         "inspector_th": "ผู้ตรวจราชการกระทรวงศึกษาธิการ", "scheduled_on": "2025-01-08",
         "issues": [{"code": "I1", "title_th": "การอ่านออกเขียนได้"}]}


def deliver(app: MonitoringApplication, event_type: str, position: int) -> AnyEnvelope:
    envelope = AnyEnvelope.model_validate_json(
        (EXAMPLES / f"{event_type}.v1.json").read_text(encoding="utf-8"))
    handle = observer(app)
    app.execute(lambda: (None, handle(envelope)), tracking=Tracking("planning", position))
    return envelope


def post(client: TestClient, path: str, actor: str, body: dict[str, Any],
         record: str | None = None, expect: int = 200) -> Any:
    headers = h(actor)
    if record is not None:
        headers["If-Match"] = etag_of(client, record, actor)
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == expect, response.text
    return response.json()


@pytest.fixture
def client(monitoring_client: TestClient) -> TestClient:
    return monitoring_client


def a_round(client: TestClient) -> str:
    return post(client, "/inspections", "off-1", ROUND, expect=201)["round_id"]


def a_recommendation(client: TestClient, recorded_by: str = "off-1") -> str:
    round_id = a_round(client)
    return post(client, f"/inspections/{round_id}/recommendations", recorded_by,
                {"issue_code": "I1", "text_th": "เร่งรัดการพัฒนาการอ่าน"},
                record=f"/inspections/{round_id}", expect=201)["recommendation_id"]


def assigned(client: TestClient, to: str, recorded_by: str = "off-1") -> str:
    rec = a_recommendation(client, recorded_by)
    post(client, f"/recommendations/{rec}/assign", "dir-1", {"officer_id": to, "due": "2025-02-28"},
         record=f"/recommendations/{rec}")
    return rec


# --- procedure 14: progress and inspection --------------------------------------------------------
def test_progress_is_reported_by_the_groups_analysts(client: TestClient,
                                                     monitoring: MonitoringApplication) -> None:
    deliver(monitoring, "planning.action_plan.approved", 1)
    plan_id = client.get("/monitoring-plans").json()["items"][0]["plan_id"]
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/monitoring-plans/{plan_id}/progress",
        body={"group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 1, "value": "40"},
        record=f"/monitoring-plans/{plan_id}", allowed="off-1", without_role=ANALYSTS_ONLY,
        expect=201))
    assert answer["groups"][0]["items"][0]["reports"][0]["reported_by"] == "off-1"


def test_an_inspection_round_is_recorded_by_the_groups_analysts(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    answer = assert_decision_rights(client, monitoring, Decision(
        path="/inspections", body=ROUND, record=None, allowed="dir-2",
        without_role=ANALYSTS_ONLY, expect=201))
    assert answer["title_th"] == ROUND["title_th"]


def test_the_inspection_report_is_written_by_the_groups_analysts(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    round_id = a_round(client)
    assert_decision_rights(client, monitoring, Decision(
        path=f"/inspections/{round_id}/report", body={"summary_th": "สรุปผลการตรวจราชการ"},
        record=f"/inspections/{round_id}", allowed="off-2", without_role="esa-1"))


def test_a_recommendation_is_analysed_and_proposed_by_the_groups_analysts(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    round_id = a_round(client)
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/inspections/{round_id}/recommendations",
        body={"issue_code": "I1", "text_th": "เร่งรัดการพัฒนาการอ่าน"},
        record=f"/inspections/{round_id}", allowed="off-2", without_role=ANALYSTS_ONLY,
        expect=201))
    assert answer["step"] == "proposed" and answer["holder"] == "group_director"


def test_the_one_who_proposed_a_recommendation_does_not_decide_on_it(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    rec = a_recommendation(client, recorded_by="dir-2")  # a group director proposed it
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/recommendations/{rec}/assign", body={"officer_id": "off-1", "due": "2025-02-28"},
        record=f"/recommendations/{rec}", allowed="dir-1", without_role="off-1",
        same_person="dir-2"))
    assert (answer["step"], answer["assignee"]) == ("assigned", "off-1")


def test_the_action_taken_is_reported_by_an_analyst(client: TestClient,
                                                    monitoring: MonitoringApplication) -> None:
    rec = assigned(client, to="off-2")
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/recommendations/{rec}/action", body={"action_th": "จัดอบรมครูภาษาไทย"},
        record=f"/recommendations/{rec}", allowed="off-2", without_role=ANALYSTS_ONLY))
    assert answer["step"] == "acted"
    # Among analysts, only the one assigned: a rule of the record, refused and recorded too.
    response = client.post(f"/recommendations/{rec}/action", json={"action_th": "ทำแล้ว"},
                           headers={**h("off-1"),
                                    "If-Match": etag_of(client, f"/recommendations/{rec}", "off-1")})
    assert response.status_code == 403 and response.json()["code"] == "not-the-assignee"


def test_the_one_who_acted_on_a_recommendation_does_not_close_it(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    rec = assigned(client, to="dir-2")  # a group director was given the work
    post(client, f"/recommendations/{rec}/action", "dir-2",
         {"action_th": "ปรับแผนการนิเทศ", "evidence": {"name": "แผนนิเทศ.pdf",
                                                        "content_base64": "JVBERi0xLjQ="}},
         record=f"/recommendations/{rec}")
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/recommendations/{rec}/close", body={"note": "ตรวจหลักฐานแล้ว"},
        record=f"/recommendations/{rec}", allowed="dir-1", without_role="off-1",
        same_person="dir-2"))
    assert answer["step"] == "closed"


# --- procedure 15: evaluation ---------------------------------------------------------------------
@pytest.mark.parametrize("path,example,body", [
    ("/evaluations/action-plan", "planning.action_plan.approved", {}),
    ("/evaluations/mid-plan", "planning.development_plan.approved", {}),
    ("/evaluations/obec-strategy", None, {
        "fiscal_year_be": 2568, "strategies": [{"code": "OBEC-1", "title_th": "ความปลอดภัย",
            "indicators": [{"code": "O1", "name_th": "ร้อยละโรงเรียนปลอดภัย", "unit": "ร้อยละ",
                            "target_value": "100", "actual": "98"}]}]}),
])
def test_evaluations_are_made_by_the_groups_analysts(
        client: TestClient, monitoring: MonitoringApplication, path: str, example: str | None,
        body: dict[str, Any]) -> None:
    if example is not None:
        body = {"plan_id": deliver(monitoring, example, 1).data["plan_id"]}
    answer = assert_decision_rights(client, monitoring, Decision(
        path=path, body=body, record=None, allowed="off-2", without_role=ANALYSTS_ONLY,
        expect=201))
    assert answer["issued_at"] is None


def test_evaluation_results_are_issued_by_the_esa_director(
        client: TestClient, monitoring: MonitoringApplication) -> None:
    plan_id = deliver(monitoring, "planning.action_plan.approved", 1).data["plan_id"]
    evaluation = post(client, "/evaluations/action-plan", "off-1", {"plan_id": plan_id},
                      expect=201)["evaluation_id"]
    answer = assert_decision_rights(client, monitoring, Decision(
        path=f"/evaluations/{evaluation}/issue", body={},
        record=f"/evaluations/{evaluation}", allowed="esa-1", without_role="dir-1"))
    assert answer["issued_by"] == "esa-1"


# --- the directory and the table ----------------------------------------------------------------
def test_a_deactivated_officer_can_do_nothing(client: TestClient,
                                              monitoring: MonitoringApplication) -> None:
    teacher = OfficeTeacher(monitoring, versions={"off-2": 1})
    teacher.deactivate("off-2", ["officer"])
    response = client.post("/inspections", headers=h("off-2"), json=ROUND)
    assert response.status_code == 403 and response.json()["code"] == "officer-inactive"
    known = client.get("/officers/off-2").json()
    assert (known["active"], known["known_since_type"]) == (
        False, "correspondence.officer.deactivated")
    # Nor can work be given to them.
    rec = a_recommendation(client)
    refused = client.post(f"/recommendations/{rec}/assign", json={
        "officer_id": "off-2", "due": "2025-02-28"}, headers={
        **h("dir-1"), "If-Match": etag_of(client, f"/recommendations/{rec}", "dir-1")})
    assert refused.status_code == 403 and refused.json()["code"] == "officer-inactive"
    teacher.staff(Staff("off-2", ["officer"]))  # reactivated with the next event
    assert client.post("/inspections", headers=h("off-2"), json=ROUND).status_code == 201


def test_the_table_is_served_with_the_manuals_basis(client: TestClient) -> None:
    table = {r["route"]: r for r in client.get("/decision-rights").json()["rights"]}
    issue = table["POST /evaluations/{evaluation_id}/issue"]
    assert issue["roles"] == ["esa_director"] and "5.3" in issue["basis"]
    assert table["POST /recommendations/{recommendation_id}/close"]["not_by"] == ["Acted"]
    assert table["POST /recommendations/{recommendation_id}/assign"]["not_by"] == ["Recorded"]
    assert all(r["basis"] for r in table.values() if not r["operator"])


def test_every_command_that_changes_state_has_a_decision_right() -> None:
    from services.monitoring.main import create_app
    from services.monitoring.rights import RIGHTS
    from shared.office.api import unlisted_routes

    assert unlisted_routes(create_app(), RIGHTS, "monitoring") == []

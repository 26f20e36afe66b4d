"""Planning's decision rights over HTTP: for every decision, an unknown officer, an officer without
the role, the drafter, an uncited body decision are refused and recorded; the right officer
succeeds (`tests/support/rights.py`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from planning_samples import policy

from services.planning.application import PlanningApplication
from shared.office.testing import OfficeTeacher, Staff
from tests.support.http import etag_of, h
from tests.support.rights import Decision, assert_decision_rights

RESOLUTION = "1bc82a1b-b273-4bb5-9228-418d3e3dbe17"


@pytest.fixture
def client(planning_client: TestClient, planning: PlanningApplication) -> TestClient:
    OfficeTeacher(planning).document(RESOLUTION)
    return planning_client


def drafted(client: TestClient, drafter: str = "off-1") -> str:
    response = client.post("/policies", headers=h(drafter), json=policy())
    assert response.status_code == 201, response.text
    return response.json()["plan_id"]


def submitted(client: TestClient) -> str:
    plan_id = drafted(client)
    response = client.post(f"/plans/{plan_id}/submit", json={}, headers={
        **h("dir-1"), "If-Match": etag_of(client, f"/plans/{plan_id}", "dir-1")})
    assert response.status_code == 200, response.text
    return plan_id


def step(client: TestClient, plan_id: str, verb: str, actor: str, body: dict[str, Any]) -> None:
    response = client.post(f"/plans/{plan_id}/{verb}", json=body, headers={
        **h(actor), "If-Match": etag_of(client, f"/plans/{plan_id}", actor)})
    assert response.status_code == 200, response.text


def test_the_drafter_cannot_propose_their_own_draft(client: TestClient,
                                                    planning: PlanningApplication) -> None:
    # dir-2 drafts; another group director proposes it.
    plan_id = drafted(client, drafter="dir-2")
    assert_decision_rights(client, planning, Decision(
        path=f"/plans/{plan_id}/submit", body={}, record=f"/plans/{plan_id}", allowed="dir-1",
        without_role="off-2", same_person="dir-2"))


@pytest.mark.parametrize("verb,body", [
    ("approve", {"resolution_document_id": RESOLUTION}),
    ("return", {"reason": "ปรับตัวชี้วัด", "resolution_document_id": RESOLUTION}),
    ("reject", {"reason": "ไม่สอดคล้องกับนโยบาย", "resolution_document_id": RESOLUTION}),
])
def test_the_committees_decision_is_recorded_by_someone_who_did_not_draft_it(
        client: TestClient, planning: PlanningApplication, verb: str,
        body: dict[str, Any]) -> None:
    plan_id = submitted(client)
    answer = assert_decision_rights(client, planning, Decision(
        path=f"/plans/{plan_id}/{verb}", body=body, record=f"/plans/{plan_id}", allowed="off-2",
        without_role="clerk-1", same_person="off-1", cites="resolution_document_id"))
    assert answer["rounds"][-1]["decision"]["decision"] == {
        "approve": "approve", "return": "return_for_revision", "reject": "reject"}[verb]


def test_a_plan_put_to_the_esa_director_is_decided_by_the_esa_director_in_person(
        client: TestClient, planning: PlanningApplication) -> None:
    plan_id = drafted(client)
    step(client, plan_id, "submit", "dir-1", {"body": "esa_director"})
    # A recorder of outside bodies' decisions may not decide in the director's place.
    response = client.post(f"/plans/{plan_id}/approve", json={"resolution_document_id": RESOLUTION},
                           headers={**h("off-2"),
                                    "If-Match": etag_of(client, f"/plans/{plan_id}", "off-2")})
    assert response.status_code == 403 and response.json()["code"] == "role-required"
    assert response.json()["roles_needed"] == ["esa_director"]
    step(client, plan_id, "approve", "esa-1", {"resolution_document_id": RESOLUTION})


@pytest.mark.parametrize("verb,body,previous", [
    ("publish", {"published_on": "2024-11-20"}, []),
    ("start-execution", {}, [("publish", {"published_on": "2024-11-20"})]),
    ("close", {}, [("publish", {"published_on": "2024-11-20"})]),
])
def test_publishing_and_running_a_plan_are_the_group_directors(
        client: TestClient, planning: PlanningApplication, verb: str, body: dict[str, Any],
        previous: list[tuple[str, dict[str, Any]]]) -> None:
    plan_id = submitted(client)
    step(client, plan_id, "approve", "off-2", {"resolution_document_id": RESOLUTION})
    for earlier, earlier_body in previous:
        step(client, plan_id, earlier, "dir-1", earlier_body)
    assert_decision_rights(client, planning, Decision(
        path=f"/plans/{plan_id}/{verb}", body=body, record=f"/plans/{plan_id}", allowed="dir-1",
        without_role="off-1"))


def test_closing_a_fiscal_year_is_the_esa_directors(client: TestClient,
                                                    planning: PlanningApplication) -> None:
    before = planning.max_notification_id()
    for actor, status, code in (("ghost-999", 404, "unknown-officer"),
                                ("dir-1", 403, "role-required")):
        response = client.post("/fiscal-years/2568/close", headers=h(actor),
                               json={"reason": "สิ้นปีงบประมาณ"})
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert planning.max_notification_id() > before, "the refusals are on the record"
    response = client.post("/fiscal-years/2568/close", headers=h("esa-1"),
                           json={"reason": "สิ้นปีงบประมาณ"})
    assert response.status_code == 200 and response.json()["closed"] is True


def test_a_deactivated_officer_can_do_nothing(client: TestClient,
                                              planning: PlanningApplication) -> None:
    teacher = OfficeTeacher(planning, versions={"off-2": 1})
    teacher.deactivate("off-2", ["officer"])
    response = client.post("/policies", headers=h("off-2"), json=policy())
    assert response.status_code == 403 and response.json()["code"] == "officer-inactive"
    known = client.get("/officers/off-2").json()
    assert known["active"] is False
    assert known["known_since_type"] == "correspondence.officer.deactivated"
    teacher.staff(Staff("off-2", ["officer"]))  # reactivated with the next event
    assert client.post("/policies", headers=h("off-2"), json=policy()).status_code == 201


def test_every_command_that_changes_state_has_a_decision_right() -> None:
    from services.planning.main import create_app
    from services.planning.rights import RIGHTS
    from shared.office.api import unlisted_routes

    assert unlisted_routes(create_app(), RIGHTS, "planning") == []

"""Restructuring's decision rights over HTTP, through the gate (issue 11: "a ghost or a clerk
decided and executed a merger"). For every decision of a case: an unknown officer, an officer
without the role, the one whose earlier step excludes them, and an uncited decision of the
provincial committee are refused and recorded; the right officer succeeds
(`tests/support/rights.py`). The group's data work (registry, DMC import, opening and preparing a
case) is refused to a ghost, a clerk and a deactivated officer, recorded, and changes nothing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.restructuring.application import RestructuringApplication
from shared.office.testing import OfficeTeacher, Staff
from shared.testing import access_refusals, state_changes_since
from tests.support.http import etag_of, h
from tests.support.rights import GHOST, Decision, assert_decision_rights

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "schools-enrolment-2567.csv"
SMALL, BIG = "40050003", "40050038"  # โรงเรียนหินลาด (32 pupils) into บ้านหนองตาไก้
RESOLUTION = "5d7e1c2a-3b4f-4a6e-9c8d-0e1f2a3b4c5d"
UNREGISTERED = "00000000-0000-4000-8000-0000000000aa"
# A deputy ESA director acting as the group's director: holds both roles, so only the
# separation of duties keeps them from executing a case whose approval they recorded.
DEPUTY = Staff("dep-1", ["esa_director", "group_director"], "นายรอง ผู้อำนวยการ",
               "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา รักษาการผู้อำนวยการกลุ่มนโยบายและแผน")
APPROVE = {"decision": "approve", "decided_on": "2025-03-03",
           "resolution": {"document_id": RESOLUTION}}


@pytest.fixture
def client(restructuring: RestructuringApplication, restructuring_client: TestClient
           ) -> TestClient:
    teacher = OfficeTeacher(restructuring)
    teacher.staff(DEPUTY)
    teacher.document(RESOLUTION)
    with SAMPLE.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["school_code"] in (SMALL, BIG)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    response = restructuring_client.post("/schools/import", content=out.getvalue().encode(),
                                         headers={**h("off-1"), "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    return restructuring_client


def act(client: TestClient, case_id: str, verb: str, actor: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/cases/{case_id}/{verb}", json=body, headers={
        **h(actor), "If-Match": etag_of(client, f"/cases/{case_id}", actor)})
    assert response.status_code == 200, response.text
    return response.json()


def opened(client: TestClient, by: str = "off-1", studied_by: str = "off-1") -> str:
    response = client.post("/cases", headers=h(by), json={
        "case_type": "merge", "school_codes": [SMALL], "receiving_school_code": BIG})
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    act(client, case_id, "study", studied_by, {"summary_th": "เดินทางได้ มีรถรับส่ง"})
    act(client, case_id, "hearing", "off-1", {
        "held_on": "2025-02-20", "participants": 54, "school_board_agreed": True,
        "community_agreed": True, "summary_th": "คณะกรรมการสถานศึกษาและผู้ปกครองเห็นด้วย"})
    return case_id


def proposed(client: TestClient, by: str = "dir-1") -> str:
    case_id = opened(client)
    act(client, case_id, "propose", by, {})
    return case_id


def approved(client: TestClient, recorded_by: str = "off-2") -> str:
    case_id = proposed(client)
    act(client, case_id, "decision", recorded_by, APPROVE)
    return case_id


# --- the decisions ------------------------------------------------------------------------------


@pytest.mark.parametrize("prepared_by", [
    {"by": "dir-2"},  # the group director who opened the case (drafted its plan)
    {"studied_by": "dir-2"},  # the group director who wrote its study
])
def test_the_one_who_prepared_a_case_cannot_propose_it(
        client: TestClient, restructuring: RestructuringApplication,
        prepared_by: dict[str, str]) -> None:
    case_id = opened(client, **prepared_by)
    answer = assert_decision_rights(client, restructuring, Decision(
        path=f"/cases/{case_id}/propose", body={}, record=f"/cases/{case_id}", allowed="dir-1",
        without_role="off-1", same_person="dir-2"))
    assert (answer["step"], answer["holder"]) == ("proposed", "provincial_committee")
    assert answer["rounds"][0]["proposed_by"] == "dir-1"


@pytest.mark.parametrize("body,step", [
    (APPROVE, "approved"),
    ({**APPROVE, "decision": "return_for_revision", "reason": "ให้รับฟังความคิดเห็นชุมชนอีกครั้ง"},
     "returned"),
    ({**APPROVE, "decision": "reject", "reason": "ชุมชนยังไม่พร้อม"}, "rejected"),
])
def test_the_committees_decision_is_recorded_by_an_officer_who_did_not_propose_it_citing_its_resolution(
        client: TestClient, restructuring: RestructuringApplication, body: dict[str, Any],
        step: str) -> None:
    case_id = proposed(client)
    answer = assert_decision_rights(client, restructuring, Decision(
        path=f"/cases/{case_id}/decision", body=body, record=f"/cases/{case_id}",
        allowed="off-2", without_role="clerk-1", same_person="dir-1", cites="resolution"))
    decision = answer["rounds"][-1]["decision"]
    assert answer["step"] == step and decision["recorded_by"] == "off-2"
    assert decision["resolution"]["reference"] == "ทะเบียนรับ 15/2567"


def test_the_officer_who_drafted_the_case_cannot_record_the_committees_decision(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    case_id = proposed(client)  # opened and studied by off-1
    assert_decision_rights(client, restructuring, Decision(
        path=f"/cases/{case_id}/decision", body=APPROVE, record=f"/cases/{case_id}",
        allowed="dir-2", without_role="esa-1", same_person="off-1", cites="resolution"))


def test_a_decision_citing_a_document_correspondence_never_registered_is_refused(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    case_id = proposed(client)
    before = restructuring.max_notification_id()
    response = client.post(f"/cases/{case_id}/decision", headers={
        **h("off-2"), "If-Match": etag_of(client, f"/cases/{case_id}", "off-2")},
        json={**APPROVE, "resolution": {"document_id": UNREGISTERED,
                                        "reference": "มติ กศจ. ครั้งที่ 3/2568",
                                        "dated": "2025-03-03"}})
    assert response.status_code == 403, response.text
    problem = response.json()
    assert (problem["code"], problem["document_id"]) == ("resolution-required", UNREGISTERED)
    assert problem["body_th"] == "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)"
    assert state_changes_since(restructuring, before) == []
    assert client.get(f"/cases/{case_id}").json()["step"] == "proposed"


def test_only_the_esa_director_executes_and_not_the_one_who_recorded_the_approval(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    case_id = approved(client, recorded_by="dep-1")
    answer = assert_decision_rights(client, restructuring, Decision(
        path=f"/cases/{case_id}/execute", body={"effective_date": "2025-05-16"},
        record=f"/cases/{case_id}", allowed="esa-1", without_role="dir-1", same_person="dep-1"))
    assert (answer["step"], answer["closed"]) == ("executed", True)
    assert client.get(f"/schools/{SMALL}", params={"as_of": "2025-05-16"}).json()[
        "status"] == "merged"


@pytest.mark.parametrize("actor", ["off-1", "off-2", "clerk-1"])
def test_the_group_cannot_close_a_school_in_the_esa_directors_place(
        client: TestClient, restructuring: RestructuringApplication, actor: str) -> None:
    case_id = approved(client)
    refusals = len(access_refusals(restructuring))
    response = client.post(f"/cases/{case_id}/execute", json={"effective_date": "2025-05-16"},
                           headers={**h(actor),
                                    "If-Match": etag_of(client, f"/cases/{case_id}", actor)})
    assert response.status_code == 403 and response.json()["code"] == "role-required"
    assert response.json()["roles_needed"] == ["esa_director"]
    assert [r["officer"] for r in access_refusals(restructuring)[refusals:]] == [actor]
    assert client.get(f"/schools/{SMALL}", params={"as_of": "2025-05-16"}).json()[
        "status"] == "open"


@pytest.mark.parametrize("make", [opened, approved])
def test_ending_a_case_is_the_directors(client: TestClient,
                                        restructuring: RestructuringApplication, make: Any) -> None:
    case_id = make(client)
    answer = assert_decision_rights(client, restructuring, Decision(
        path=f"/cases/{case_id}/withdraw", body={"reason": "ชุมชนขอชะลอการยุบรวม"},
        record=f"/cases/{case_id}", allowed="dir-1", without_role="off-1"))
    assert (answer["step"], answer["withdraw_reason"]) == ("withdrawn", "ชุมชนขอชะลอการยุบรวม")


# --- the group's data work -----------------------------------------------------------------------


def test_a_ghost_a_clerk_and_the_esa_director_cannot_keep_the_registry_or_prepare_a_case(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    case_id = opened(client)
    school = {"school_code": "40059999", "name_th": "โรงเรียนบ้านใหม่", "district": "ชุมแพ",
              "subdistrict": "นาเพียง", "levels": ["primary"]}
    commands: list[tuple[str, dict[str, Any], str | None]] = [
        ("/schools", school, None),
        (f"/schools/{SMALL}/enrolment",
         {"snapshot_date": "2024-11-10", "pupils_by_grade": {"p1": 5}}, f"/schools/{SMALL}"),
        ("/cases", {"case_type": "dissolve", "school_codes": [SMALL]}, None),
        (f"/cases/{case_id}/study", {"summary_th": "ศึกษาเพิ่มเติม"}, f"/cases/{case_id}"),
        (f"/cases/{case_id}/hearing", {
            "held_on": "2025-02-21", "participants": 3, "school_board_agreed": True,
            "community_agreed": True, "summary_th": "ประชุมเพิ่ม"}, f"/cases/{case_id}"),
    ]
    for path, body, record in commands:
        for actor, status, code in ((GHOST, 404, "unknown-officer"),
                                    ("clerk-1", 403, "role-required"),
                                    ("esa-1", 403, "role-required")):
            headers = h(actor)
            if record is not None:
                headers["If-Match"] = etag_of(client, record, "off-1")
            before = restructuring.max_notification_id()
            refusals = len(access_refusals(restructuring))
            response = client.post(path, headers=headers, json=body)
            assert (response.status_code, response.json()["code"]) == (status, code), (path, actor)
            assert state_changes_since(restructuring, before) == [], (path, actor)
            assert [(r["reason"], r["officer"], r["path"])
                    for r in access_refusals(restructuring)[refusals:]] == [(code, actor, path)]


def test_a_dmc_file_from_a_ghost_or_a_clerk_is_refused_unread(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    before = restructuring.max_notification_id()
    for actor, status, code in ((GHOST, 404, "unknown-officer"), ("clerk-1", 403, "role-required")):
        response = client.post("/schools/import", content=SAMPLE.read_bytes(),
                               headers={**h(actor), "Content-Type": "text/csv"})
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert state_changes_since(restructuring, before) == []
    assert client.get("/schools").json()["total"] == 2


def test_a_deactivated_officer_can_do_nothing(client: TestClient,
                                              restructuring: RestructuringApplication) -> None:
    case_id = opened(client)
    teacher = OfficeTeacher(restructuring, versions={"off-1": 1})
    teacher.deactivate("off-1", ["officer"])
    response = client.post(f"/cases/{case_id}/study", json={"summary_th": "ศึกษาเพิ่มเติม"},
                           headers={**h("off-1"),
                                    "If-Match": etag_of(client, f"/cases/{case_id}", "off-1")})
    assert response.status_code == 403 and response.json()["code"] == "officer-inactive"
    known = client.get("/officers/off-1").json()
    assert (known["active"], known["known_since_type"]) == (
        False, "correspondence.officer.deactivated")
    teacher.staff(Staff("off-1", ["officer"]))  # reactivated by the next event
    act(client, case_id, "study", "off-1", {"summary_th": "ศึกษาเพิ่มเติม"})


# --- the table ----------------------------------------------------------------------------------


def test_every_command_that_changes_state_has_a_decision_right_and_every_right_a_route() -> None:
    from services.restructuring.main import create_app
    from services.restructuring.rights import RIGHTS
    from shared.http.routes import api_routes
    from shared.office.api import unlisted_routes

    api = create_app()
    assert unlisted_routes(api, RIGHTS, "restructuring") == []
    routes = {f"{method} {route.path}" for route in api_routes(api) for method in route.methods}
    assert [r.route for r in RIGHTS.rights if r.route not in routes] == []
    api.state.runtime.app.close()


def test_the_table_is_served_for_auditors(client: TestClient) -> None:
    table = client.get("/decision-rights").json()
    rights = {r["route"]: r for r in table["rights"]}
    decision = rights["POST /cases/{case_id}/decision"]
    assert (decision["body_decision"], decision["cites"], decision["not_by"]) == (
        True, "resolution.document_id", ["Opened", "Studied", "Proposed"])
    execute = rights["POST /cases/{case_id}/execute"]
    assert (execute["roles"], execute["roles_th"], execute["not_by"]) == (
        ["esa_director"], ["ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"], ["Decided"])
    assert all(r["basis"] for r in table["rights"] if not r["operator"])

"""Budgeting's decision rights over HTTP, through the gate (`services/budgeting/rights.py`).

Every command of the table is tried on a case brought to the step before it: (a) an officer
budgeting never heard of and (b) a real officer without the role are refused and recorded, and
nothing else is; for a decision, (c) whoever proposed the case and (d) a body's decision that
cites no registered document are refused too; (e) the right officer succeeds
(`tests/support/rights.py`). Creating a record is tried the same way, (a), (b) and (e). The
committee's own work is refused to an officer who is not on that case's committee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.budgeting import (
    DIRECTOR,
    RESOLUTION,
    RESOLUTION_ID,
    BudgetClient,
    Deliverer,
    cited,
    decision,
    enrolment,
    registered,
)

from services.budgeting.application import BudgetingApplication
from services.budgeting.main import create_app
from services.budgeting.rights import RIGHTS
from services.budgeting.settings import BudgetingSettings
from shared.office.api import unlisted_routes
from shared.office.testing import STANDARD_STAFF, OfficeTeacher, Staff, teach
from shared.testing import access_refusals, office_client, state_changes_since
from tests.support.rights import GHOST, Decision, assert_decision_rights

# A deputy ESA director (esa_director) who sits on committees, and an analyst on none of them.
DEPUTY = Staff("esa-2", ["esa_director"], "นางรอง ผู้อำนวยการ",
               "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษา")
OUTSIDER = Staff("off-3", ["officer"], "นายนอก คณะกรรมการ", "นักวิเคราะห์นโยบายและแผน")
COMMITTEE = {"chair": "dir-1", "members": ["off-1", "off-2", "esa-2"],
             "appointed_on": "2024-11-25"}
SCHOOL = "40050001"


@pytest.fixture
def office(budgeting_client: TestClient, budgeting: BudgetingApplication) -> Office:
    teacher = OfficeTeacher(budgeting)
    teacher.staff(DEPUTY, OUTSIDER)
    teacher.document(RESOLUTION_ID)
    deliver = Deliverer(budgeting)
    deliver(registered(SCHOOL, "โรงเรียนบ้านนาหนองแคนพัฒนา"),
            enrolment(SCHOOL, 1, {"p1": 10}), enrolment(SCHOOL, 2, {"p1": 12}))
    return Office(BudgetClient(budgeting_client), budgeting)


@dataclass
class Office:
    """Brings a case to any step through the API, each step by someone who may take it."""

    b: BudgetClient
    app: BudgetingApplication
    lines: dict[str, str] = field(default_factory=dict)

    def line(self, code: str = "X-01", category: str = "operations", money: str | None = None
             ) -> str:
        """A line of FY 2568, with `money` on it through an approved allocation."""
        line_id = self.b.post("/lines", {"fiscal_year_be": 2568, "project_code": code,
                                         "title_th": f"โครงการ {code}",
                                         "category": category})["line_id"]
        if money is not None:
            path = self.allocation(line_id, money)
            self.b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
            self.b.step(path, "amounts", {"items": [{**GROUP_ITEM, "amount": money}]})
            self.b.step(path, "submit")
            self.b.step(path, "decision", decision("esa_director"), actor=DIRECTOR)
        return line_id

    def allocation(self, line_id: str | None = None, ceiling: str = "100000.00") -> str:
        case = self.b.post("/allocations", {
            "title_th": "จัดสรรงบประมาณ", "line_id": line_id or self.line(category="subsidies"),
            "ceiling": ceiling, "criteria_th": "ตามจำนวนนักเรียน"})
        return f"/allocations/{case['case_id']}"

    def transfer(self, category: str = "operations") -> str:
        source = self.line("S-01", category, money="1000.00")
        target = self.line("T-01", "subsidies")
        case = self.b.post("/budget-transfers", {"source_line_id": source,
                                                 "target_line_id": target, "amount": "400.00",
                                                 "reason_th": "ปรับแผน"})
        return f"/budget-transfers/{case['case_id']}"

    def analysis(self) -> str:
        case = self.b.post("/budget-analyses", {"fiscal_year_be": 2568,
                                                "title_th": "วิเคราะห์งบประมาณรายจ่าย 2568"})
        return f"/budget-analyses/{case['case_id']}"

    def request(self) -> str:
        case = self.b.post("/budget-requests", {"fiscal_year_be": 2569, "title_th": "คำขอ 2569",
                                                "criteria_th": "ตามนโยบาย สพฐ.",
                                                "due_date": "2026-12-31"})
        return f"/budget-requests/{case['case_id']}"

    def funding(self) -> str:
        case = self.b.post("/external-funding", {
            "fiscal_year_be": 2568, "school_code": SCHOOL, "source_th": "มูลนิธิ",
            "project_th": "ห้องสมุด", "amount": "30000.00", "value_analysis_th": "คุ้มค่า"})
        return f"/external-funding/{case['case_id']}"

    def review(self) -> str:
        self.line(money="500.00")
        case = self.b.post("/leftover-reviews", {"fiscal_year_be": 2568})
        return f"/leftover-reviews/{case['case_id']}"


GROUP_ITEM = {"recipient_kind": "group", "recipient_code": "PLAN",
              "recipient_name_th": "กลุ่มนโยบายและแผน", "amount": "500.00"}
# Each case's steps, in order: (verb, who takes it, body). The deputy (esa-2) does the
# committee's proposal where a decision of the ESA director follows, so that "the one who
# proposed may not decide" is tried on someone who holds the role.
ALLOCATION_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("committee", DIRECTOR, COMMITTEE),
    ("amounts", "esa-2", {"items": [{**GROUP_ITEM, "amount": "1000.00"}]}),
    ("submit", "off-1", {}),
    ("decision", DIRECTOR, decision("esa_director")),
    ("announce", "off-1", {"announced_on": "2024-11-27"}),
]
ANALYSIS_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("survey", "off-1", {"respondents": [SCHOOL], "due_date": "2026-12-31"}),
    ("responses", "off-1", {"respondent": SCHOOL, "summary_th": "ใช้จ่ายตามแผน"}),
    ("committee", DIRECTOR, COMMITTEE),
    ("report-draft", "esa-2", {"summary_th": "รายงาน", "figures": [
        {"item_th": "ค่าวัสดุ", "category": "operations", "amount": "1000.00"}]}),
    ("submit", "off-1", {}),
    ("decision", DIRECTOR, decision("esa_director")),
    ("publish", "off-1", {"published_on": "2024-11-27"}),
    ("report", "off-1", {"reported_on": "2024-11-27"}),
]
REQUEST_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("school-requests", "off-1", {"school_code": SCHOOL, "items": [
        {"title_th": "ซ่อมหลังคา", "category": "investment", "amount": "1000.00"}]}),
    ("committee", DIRECTOR, COMMITTEE),
    ("reviews", "off-2", {"school_code": SCHOOL, "appropriate": True, "agreed": ["900.00"]}),
    ("targets", "off-1", {"party": SCHOOL, "outputs": [
        {"output_th": "อาคารเรียนซ่อมแล้ว", "quantity": 1, "unit_th": "หลัง"}]}),
    ("compile", "off-1", {}),
    ("submit", "off-1", {}),
    ("decision", "dir-1", cited("area_committee")),
    ("results", "off-1", {"announced_on": "2024-11-27"}),
    ("report", "off-1", {"reported_on": "2024-11-27"}),
]
FUNDING_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("decision", DIRECTOR, decision("esa_director")),
    ("notify", "off-1", {"notified_on": "2024-11-27"}),
    ("receipts", "off-1", {"amount": "30000.00", "received_on": "2024-11-27",
                           "reference": "ใบเสร็จ 1/2568"}),
]
REVIEW_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("committee", DIRECTOR, COMMITTEE),
    ("analysis", "off-2", {"success": []}),
    ("guidelines", "off-2", {"guidelines_th": "ซ่อมแซมอาคารเรียน"}),
    ("report", "off-1", {"reported_on": "2024-11-27"}),
]
TRANSFER_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("decision", "off-2", cited("governor")),
    ("report", "off-1", {"reported_on": "2024-11-27"}),
]
CASES: dict[str, tuple[Callable[[Office], str], list[tuple[str, str, dict[str, Any]]]]] = {
    "allocation": (Office.allocation, ALLOCATION_STEPS),
    "analysis": (Office.analysis, ANALYSIS_STEPS),
    "request": (Office.request, REQUEST_STEPS),
    "funding": (Office.funding, FUNDING_STEPS),
    "review": (Office.review, REVIEW_STEPS),
    "transfer": (Office.transfer, TRANSFER_STEPS),
}


def reach(office: Office, kind: str, verb: str) -> tuple[str, dict[str, Any]]:
    """A new case of `kind` with every step before `verb` taken; its path and `verb`'s body."""
    make, steps = CASES[kind]
    path = make(office)
    for step, actor, body in steps:
        if step == verb:
            return path, body
        office.b.step(path, step, body, actor=actor)
    raise AssertionError(f"{kind} has no step {verb}")


# (kind, verb, allowed, without the role, the one who proposed, what a body decision cites)
STEPS = [
    # allocation (12)
    ("allocation", "committee", DIRECTOR, "dir-1", None, None),
    ("allocation", "amounts", "off-1", "clerk-1", None, None),
    ("allocation", "submit", "off-1", "clerk-1", None, None),
    ("allocation", "decision", DIRECTOR, "clerk-1", "esa-2", None),
    ("allocation", "announce", "off-1", "clerk-1", None, None),
    # expenditure analysis (10)
    ("analysis", "survey", "off-1", "clerk-1", None, None),
    ("analysis", "responses", "off-1", "clerk-1", None, None),
    ("analysis", "committee", DIRECTOR, "dir-1", None, None),
    ("analysis", "report-draft", "off-1", "clerk-1", None, None),
    ("analysis", "submit", "off-1", "clerk-1", None, None),
    ("analysis", "decision", DIRECTOR, "clerk-1", "esa-2", None),
    ("analysis", "publish", "off-1", "clerk-1", None, None),
    ("analysis", "report", "off-1", "clerk-1", None, None),
    # budget request (11)
    ("request", "school-requests", "off-1", "clerk-1", None, None),
    ("request", "committee", DIRECTOR, "dir-1", None, None),
    ("request", "reviews", "off-1", "clerk-1", None, None),
    ("request", "targets", "off-1", "clerk-1", None, None),
    ("request", "compile", "off-1", "clerk-1", None, None),
    ("request", "submit", "off-1", "clerk-1", None, None),
    ("request", "decision", "dir-1", "clerk-1", "off-1", "resolution"),
    ("request", "results", "off-1", "clerk-1", None, None),
    ("request", "report", "off-1", "clerk-1", None, None),
    # external funding (11)
    ("funding", "decision", DIRECTOR, "clerk-1", "off-1", None),
    ("funding", "notify", "off-1", "clerk-1", None, None),
    ("funding", "receipts", "off-1", "clerk-1", None, None),
    # leftover funds (13)
    ("review", "committee", DIRECTOR, "dir-1", None, None),
    ("review", "analysis", "off-1", "clerk-1", None, None),
    ("review", "guidelines", "off-1", "clerk-1", None, None),
    ("review", "report", "off-1", "clerk-1", None, None),
    # transfers (13): the maker (off-1) may not record the governor's approval
    ("transfer", "decision", "off-2", "clerk-1", "off-1", "resolution"),
    ("transfer", "report", "off-1", "clerk-1", None, None),
]


@pytest.mark.parametrize(("kind", "verb", "allowed", "without_role", "proposer", "cites"), STEPS,
                         ids=[f"{kind}-{verb}" for kind, verb, *_ in STEPS])
def test_every_step_of_every_case_is_taken_only_by_who_may(
        office: Office, budgeting: BudgetingApplication, kind: str, verb: str, allowed: str,
        without_role: str, proposer: str | None, cites: str | None) -> None:
    path, body = reach(office, kind, verb)
    assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{path}/{verb}", body=body, record=path, allowed=allowed, without_role=without_role,
        same_person=proposer, cites=cites))


def test_the_second_approval_of_a_transfer_is_recorded_citing_the_central_offices_letter(
        office: Office, budgeting: BudgetingApplication) -> None:
    path = office.transfer(category="personnel")
    office.b.step(path, "decision", cited("governor"), actor="off-2")
    answer = assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{path}/decision", body=cited("central_office"), record=path, allowed="dir-1",
        without_role="clerk-1", same_person="off-1", cites="resolution"))
    assert answer["step"] == "approved" and answer["approvals"][-1]["resolution"] == RESOLUTION


@pytest.mark.parametrize(("kind", "verb", "body", "allowed"), [
    ("allocation", "withdraw", {"reason": "ซ้ำซ้อน"}, "dir-1"),
    ("transfer", "withdraw", {"reason": "ไม่จำเป็น"}, "off-1"),
    ("funding", "withdraw", {"reason": "มูลนิธิปิดรับ"}, "off-2"),
])
def test_withdrawing_a_case_is_the_groups(office: Office, budgeting: BudgetingApplication,
                                          kind: str, verb: str, body: dict[str, Any],
                                          allowed: str) -> None:
    path = CASES[kind][0](office)
    answer = assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{path}/{verb}", body=body, record=path, allowed=allowed, without_role="clerk-1"))
    assert answer["step"] == "withdrawn" and answer["closed"]


def test_revising_a_returned_transfer_and_resubmitting_a_returned_request_are_the_groups(
        office: Office, budgeting: BudgetingApplication) -> None:
    transfer = office.transfer()
    office.b.step(transfer, "decision", cited("governor", "reject", "ไม่ชัดเจน"), actor="off-2")
    assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{transfer}/revise", body={"amount": "300.00", "reason_th": "ปรับลด"},
        record=transfer, allowed="off-1", without_role="clerk-1"))
    funding = office.funding()
    office.b.step(funding, "decision", decision("esa_director", "return_for_revision", "ระบุผล"),
                  actor=DIRECTOR)
    assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{funding}/resubmit", body={"amount": "20000.00", "value_analysis_th": "ใหม่"},
        record=funding, allowed="off-1", without_role="clerk-1"))


def test_the_per_head_proposal_is_the_committees(office: Office,
                                                 budgeting: BudgetingApplication) -> None:
    path = office.allocation()
    office.b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
    answer = assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{path}/per-head", body={}, record=path, allowed="off-2", without_role="clerk-1"))
    assert [i["recipient_code"] for i in answer["items"]] == [SCHOOL]


@pytest.mark.parametrize("verb,body", [
    ("commitments", {"amount": "10.00", "reference": "PO 1"}),
    ("disbursements", {"amount": "10.00", "reference": "ฎีกา 1"}),
])
def test_money_on_a_line_is_recorded_by_the_group(office: Office, budgeting: BudgetingApplication,
                                                  verb: str, body: dict[str, Any]) -> None:
    line = f"/lines/{office.line(money='100.00')}"
    assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{line}/{verb}", body=body, record=line, allowed="off-2", without_role="clerk-1"))


def test_a_release_of_a_commitment_is_recorded_by_the_group(
        office: Office, budgeting: BudgetingApplication) -> None:
    line = f"/lines/{office.line(money='100.00')}"
    office.b.step(line, "commitments", {"amount": "10.00", "reference": "PO 1"})
    assert_decision_rights(office.b.client, budgeting, Decision(
        path=f"{line}/commitment-releases", body={"amount": "10.00", "reference": "PO 1"},
        record=line, allowed="dir-1", without_role="clerk-1"))


RATES = {"rates": {"kindergarten": "1700", "primary": "1900", "lower_secondary": "3500",
                   "upper_secondary": "3800"}, "source_th": "หนังสือ สพฐ. ที่ ศธ 04002/ว 100"}


def test_changing_the_rates_of_a_year_is_the_groups(office: Office,
                                                    budgeting: BudgetingApplication) -> None:
    office.b.post("/per-head-rates/2568", RATES, method="PUT")
    changed = {**RATES, "rates": {**RATES["rates"], "primary": "2000"}}
    answer = assert_decision_rights(office.b.client, budgeting, Decision(
        path="/per-head-rates/2568", body=changed, record="/per-head-rates/2568",
        allowed="dir-1", without_role="clerk-1", method="PUT"))
    assert answer["rates"]["primary"] == "2000.00"


# --- creating a record: (a), (b), (e) ------------------------------------------------------------------


def assert_creation_rights(office: Office, app: BudgetingApplication, path: str,
                           body: dict[str, Any], *, allowed: str = "off-1",
                           without_role: str = "clerk-1", method: str = "POST",
                           expect: int = 201) -> Any:
    for actor, status, code in ((GHOST, 404, "unknown-officer"),
                                (without_role, 403, "role-required")):
        before, refusals = app.max_notification_id(), len(access_refusals(app))
        response = office.b.client.request(method, path, json=body, headers={"X-Actor-Id": actor})
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert state_changes_since(app, before) == []
        assert [(r["reason"], r["officer"], r["path"]) for r in access_refusals(app)[refusals:]] \
            == [(code, actor, path)]
    response = office.b.client.request(method, path, json=body, headers={"X-Actor-Id": allowed})
    assert response.status_code == expect, response.text
    return response.json()


@pytest.mark.parametrize("path,body", [
    ("/lines", {"fiscal_year_be": 2568, "project_code": "N-01", "title_th": "โครงการใหม่",
                "category": "operations"}),
    ("/budget-analyses", {"fiscal_year_be": 2568, "title_th": "วิเคราะห์ 2568"}),
    ("/budget-requests", {"fiscal_year_be": 2569, "title_th": "คำขอ 2569",
                          "criteria_th": "ตามนโยบาย", "due_date": "2026-12-31"}),
    ("/external-funding", {"fiscal_year_be": 2568, "school_code": SCHOOL, "source_th": "มูลนิธิ",
                           "project_th": "ทุน", "amount": "1.00", "value_analysis_th": "คุ้มค่า"}),
    ("/leftover-reviews", {"fiscal_year_be": 2568}),
])
def test_opening_a_case_or_a_line_is_the_groups(office: Office, budgeting: BudgetingApplication,
                                                path: str, body: dict[str, Any]) -> None:
    assert_creation_rights(office, budgeting, path, body)


def test_opening_an_allocation_and_proposing_a_transfer_are_the_groups(
        office: Office, budgeting: BudgetingApplication) -> None:
    source, target = office.line("S-01", money="100.00"), office.line("T-01", "subsidies")
    assert_creation_rights(office, budgeting, "/allocations", {
        "title_th": "จัดสรร", "line_id": target, "ceiling": "10.00", "criteria_th": "เกณฑ์"},
        allowed="dir-1")
    transfer = assert_creation_rights(office, budgeting, "/budget-transfers", {
        "source_line_id": source, "target_line_id": target, "amount": "10.00",
        "reason_th": "ปรับแผน"})
    assert transfer["proposed_by"] == "off-1"


def test_recording_a_years_rates_is_the_groups(office: Office,
                                               budgeting: BudgetingApplication) -> None:
    answer = assert_creation_rights(office, budgeting, "/per-head-rates/2570", RATES,
                                    method="PUT", expect=200)
    assert answer["version"] == 1


# --- the rules the table leaves to the case, and the ones around it -------------------------------


@pytest.mark.parametrize(("kind", "verb"), [
    ("allocation", "amounts"), ("analysis", "report-draft"), ("request", "reviews"),
    ("review", "analysis"), ("review", "guidelines"),
])
def test_the_committees_work_is_refused_to_an_officer_not_on_it_and_recorded(
        office: Office, budgeting: BudgetingApplication, kind: str, verb: str) -> None:
    path, body = reach(office, kind, verb)
    before, refusals = budgeting.max_notification_id(), len(access_refusals(budgeting))
    response = office.b.client.post(f"{path}/{verb}", json=body, headers={
        "X-Actor-Id": OUTSIDER.officer_id, "If-Match": office.b.etag(path)})
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "not-a-committee-member"
    assert state_changes_since(budgeting, before) == []
    assert [(r["reason"], r["officer"]) for r in access_refusals(budgeting)[refusals:]] == [
        ("not-a-committee-member", OUTSIDER.officer_id)]


def test_a_citation_of_a_document_correspondence_never_registered_is_refused(
        office: Office, budgeting: BudgetingApplication) -> None:
    path, body = reach(office, "transfer", "decision")
    unregistered = {**body, "resolution": {**RESOLUTION,
                                           "document_id": "00000000-0000-4000-8000-000000000001"}}
    before = budgeting.max_notification_id()
    response = office.b.client.post(f"{path}/decision", json=unregistered, headers={
        "X-Actor-Id": "off-2", "If-Match": office.b.etag(path)})
    assert response.status_code == 403 and response.json()["code"] == "resolution-required"
    assert response.json()["body"] == "governor"
    assert state_changes_since(budgeting, before) == []


def test_the_issue_the_ghost_and_the_clerk_approve_nothing(
        office: Office, budgeting: BudgetingApplication) -> None:
    """Issue 11: a ghost officer or a clerk approved an allocation, an analysis and a transfer."""
    cases = [(*reach(office, "allocation", "decision"), decision("esa_director")),
             (*reach(office, "analysis", "decision"), decision("esa_director")),
             (*reach(office, "transfer", "decision"), cited("governor"))]
    refusals = len(access_refusals(budgeting))
    for path, _, body in cases:
        for actor, status in ((GHOST, 404), ("clerk-1", 403)):
            response = office.b.client.post(f"{path}/decision", json=body, headers={
                "X-Actor-Id": actor, "If-Match": office.b.etag(path)})
            assert response.status_code == status, response.text
        assert office.b.get(path)["approvals"] == []
    assert [(r["officer"], r["path"]) for r in access_refusals(budgeting)[refusals:]] == [
        (actor, f"{path}/decision") for path, _, _ in cases for actor in (GHOST, "clerk-1")]


def test_where_the_office_configures_the_esa_director_to_approve_transfers_they_decide_in_person(
        tmp_path: Any, clock: Any) -> None:
    app = BudgetingApplication(BudgetingSettings(var_dir=tmp_path / "esa-approver",
                                                 transfer_approver="esa_director"), clock=clock)
    try:
        teach(app, [*STANDARD_STAFF, DEPUTY], documents=[RESOLUTION_ID])
        office = Office(BudgetClient(office_client(create_app(app.settings, app))), app)
        path = office.transfer()
        assert office.b.get(path)["awaiting"] == "esa_director"
        # An officer may not record it for the director, citation or not.
        refused = office.b.step(path, "decision", cited("esa_director"), actor="off-2",
                                expect=403)
        assert (refused["code"], refused["roles_needed"]) == ("role-required", ["esa_director"])
        assert office.b.step(path, "decision", decision("esa_director"),
                             actor=DIRECTOR)["step"] == "approved"
    finally:
        app.close()


def test_a_deactivated_officer_can_do_nothing_from_the_moment_budgeting_hears_of_it(
        office: Office, budgeting: BudgetingApplication) -> None:
    teacher = OfficeTeacher(budgeting, versions={"off-2": 1})
    teacher.deactivate("off-2", ["officer"])
    response = office.b.client.post("/lines", headers={"X-Actor-Id": "off-2"}, json={
        "fiscal_year_be": 2568, "project_code": "D-01", "title_th": "ก", "category": "other"})
    assert response.status_code == 403 and response.json()["code"] == "officer-inactive"
    known = office.b.get("/officers/off-2")
    assert known["active"] is False
    assert known["known_since_type"] == "correspondence.officer.deactivated"


def test_the_table_the_directory_and_the_documents_known_to_budgeting_are_shown(
        office: Office) -> None:
    table = office.b.get("/decision-rights")
    assert table["service"] == "budgeting" and len(table["rights"]) == len(RIGHTS.rights)
    by_route = {r["route"]: r for r in table["rights"]}
    allocation = by_route["POST /allocations/{case_id}/decision"]
    assert (allocation["roles"], allocation["not_by"], allocation["body_decision"]) == (
        ["esa_director"], ["Proposed", "Submitted"], True)
    transfer = by_route["POST /budget-transfers/{case_id}/decision"]
    assert (transfer["roles"], transfer["cites"]) == (["group_director", "officer"],
                                                      "resolution.document_id")
    assert all(r["basis"] or r["operator"] or r["action_en"].startswith(("Withdraw", "Revise",
                                                                         "Resubmit"))
               for r in table["rights"])
    officers = office.b.get("/officers", role="esa_director")
    assert [o["officer_id"] for o in officers["items"]] == ["esa-1", "esa-2"]
    # Before recording a body's decision: is its resolution citable here yet?
    document = office.b.get(f"/registered-documents/{RESOLUTION_ID}")
    assert (document["citable"], document["reference"]) == (True, RESOLUTION["reference"])
    unknown = office.b.client.get("/registered-documents/00000000-0000-4000-8000-000000000001")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "document-not-known")


def test_every_command_that_changes_state_has_a_decision_right() -> None:
    assert unlisted_routes(create_app(), RIGHTS, "budgeting") == []


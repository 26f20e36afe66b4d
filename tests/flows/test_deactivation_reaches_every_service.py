"""Issue 11: one staff directory, known to every service. The ESA director deactivates an officer in
correspondence; within seconds that officer's approval is refused in planning and in budgeting,
which learn the directory from correspondence's `correspondence.officer.*` events over NATS
JetStream. All five services as real processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import httpx
from planning_samples import policy

from shared.thaitime import bangkok_date, fiscal_year_be, utc_now
from tests.support.waiting import eventually

DEPUTY = {"officer_id": "esa-2", "name_th": "นางรอง ผู้อำนวยการ",
          "position_th": "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "roles": ["esa_director"]}
ANALYST = {"officer_id": "off-2", "name_th": "นางสาวมาลี ขยันยิ่ง",
           "position_th": "นักวิเคราะห์นโยบายและแผน", "roles": ["officer"]}


class Client:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def send(self, method: str, path: str, actor: str, body: dict | None = None,
             record: str | None = None) -> httpx.Response:
        headers = {"X-Actor-Id": actor}
        if record is not None:  # a change says which version of the record it read
            headers["If-Match"] = self.http.get(record, headers=headers).headers["ETag"]
        return self.http.request(method, path, headers=headers, json=body or {})

    def ok(self, method: str, path: str, actor: str, body: dict | None = None,
           record: str | None = None) -> dict:
        response = self.send(method, path, actor, body, record)
        assert response.status_code in (200, 201), response.text
        return response.json()


def test_a_deactivated_officers_approval_is_refused_in_planning_and_budgeting(
        whole_system: Any) -> None:
    system = whole_system
    saraban = Client(system.correspondence.client(timeout=15.0))
    planning = Client(system.planning.client(timeout=15.0))
    budgeting = Client(system.budgeting.client(timeout=15.0))
    system.saraban.hire_staff()
    for entry in (DEPUTY, ANALYST):
        saraban.ok("POST", "/officers", "esa-1", entry)
    memo = saraban.ok("POST", "/documents/incoming", "clerk-1", {
        "received_at": utc_now().isoformat(), "sender": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
        "subject": "ความเห็นชอบนโยบายของสำนักงาน", "body_text": "เห็นชอบ"})
    for service in (planning, budgeting):
        eventually(lambda s=service: s.http.get("/officers/esa-2").status_code == 200
                   and s.http.get("/officers/esa-2").json()["active"], "esa-2 known and active")
    eventually(lambda: (r := planning.http.get(
        f"/registered-documents/{memo['document_id']}")).status_code == 200
        and r.json()["citable"], "planning knows the memo")

    # Planning: a policy put to the ESA director, waiting for the deputy's decision.
    year = fiscal_year_be(bangkok_date(utc_now()))
    plan = planning.ok("POST", "/policies", "off-1", policy(year))
    plan_path = f"/plans/{plan['plan_id']}"
    planning.ok("POST", f"{plan_path}/submit", "dir-1", {"body": "esa_director"}, plan_path)

    # Budgeting: the year's expenditure analysis, submitted for the ESA director's decision.
    analysis = budgeting.ok("POST", "/budget-analyses", "off-1", {
        "fiscal_year_be": year, "title_th": f"วิเคราะห์งบประมาณรายจ่าย {year}"})
    case = f"/budget-analyses/{analysis['case_id']}"
    today = bangkok_date(utc_now()).isoformat()
    for verb, actor, body in (
            ("survey", "off-1", {"respondents": ["PLAN"], "due_date": today}),
            ("responses", "off-1", {"respondent": "PLAN", "summary_th": "ตามแผน"}),
            ("committee", "esa-1", {"chair": "dir-1", "members": ["off-1", "off-2"],
                                    "appointed_on": today}),
            ("report-draft", "off-2", {"summary_th": "รายงานการวิเคราะห์", "figures": [
                {"item_th": "ค่าวัสดุ", "category": "operations", "amount": "1000.00"}]}),
            ("submit", "off-1", {})):
        budgeting.ok("POST", f"{case}/{verb}", actor, body, case)

    # The ESA director deactivates the deputy, in correspondence, which keeps the directory.
    deactivated_at = time.monotonic()
    saraban.ok("PATCH", "/officers/esa-2", "esa-1", {"active": False}, "/officers/esa-2")

    approve_plan = {"resolution_document_id": memo["document_id"]}
    decide_analysis = {"body": "esa_director", "decision": "approve", "decided_on": today}

    for service in (planning, budgeting):
        eventually(lambda s=service: s.http.get("/officers/esa-2").json()["active"] is False,
                   "the deactivation reaches the service", timeout=10)
    elapsed = time.monotonic() - deactivated_at
    assert elapsed < 10, f"the deactivation took {elapsed:.1f} s to reach both services"
    for service, path, body, record in (
            (planning, f"{plan_path}/approve", approve_plan, plan_path),
            (budgeting, f"{case}/decision", decide_analysis, case)):
        response = service.send("POST", path, "esa-2", body, record)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "officer-inactive"
        known = service.http.get("/officers/esa-2").json()
        assert known["known_since_type"] == "correspondence.officer.deactivated"
    # The ESA director still decides: nothing was recorded by the refusals.
    assert planning.ok("POST", f"{plan_path}/approve", "esa-1", approve_plan,
                       plan_path)["step"] == "approved"
    assert budgeting.ok("POST", f"{case}/decision", "esa-1", decide_analysis,
                        case)["step"] == "approved"

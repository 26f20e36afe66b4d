"""An annual action plan crosses services: a resolution registered in correspondence reaches
planning (its consumer learns the document), the plan is returned once and approved citing it, and
`planning.action_plan.approved` with its projects shows on monitoring's live feed.

Real nats-server, the services as real processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time

from planning_samples import NATIONAL, PROVINCIAL, action_plan, development_plan, policy

from shared.testing import ServiceProcess, read_feed
from shared.thaitime import bangkok_date, fiscal_year_be, utc_now


class Planner:
    """Planning's API as the office portal calls it: off-1 drafts, the group director dir-1
    proposes the draft and records the committee's decisions; a command on an existing plan
    sends back the ETag just read (`If-Match`)."""

    def __init__(self, service: ServiceProcess) -> None:
        self.http = service.client(timeout=10.0)

    def post(self, path: str, body: dict, actor: str = "off-1") -> dict:
        response = self.http.post(path, headers=self.headers(path, actor), json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def headers(self, path: str, actor: str) -> dict[str, str]:
        headers = {"X-Actor-Id": actor}
        if path.startswith("/plans/"):
            plan = path.rsplit("/", 1)[0]
            headers["If-Match"] = self.http.get(plan, headers=headers).headers["ETag"]
        return headers

    def wait_until_known(self, document_id: str, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"/registered-documents/{document_id}")
            if response.status_code == 200 and response.json()["citable"]:
                return response.json()
            time.sleep(0.1)
        raise TimeoutError(f"planning never learnt of document {document_id}")

    def approved(self, path: str, body: dict, resolution: str) -> dict:
        plan = self.post(path, body)
        self.post(f"/plans/{plan['plan_id']}/submit", {}, "dir-1")
        return self.post(f"/plans/{plan['plan_id']}/approve",
                         {"resolution_document_id": resolution}, "dir-1")


def test_an_approved_action_plan_reaches_the_monitoring_feed_with_its_projects(system) -> None:
    saraban = system.saraban
    saraban.hire_staff()
    resolution = saraban.register(subject="แจ้งมติ กศจ. เห็นชอบแผนปฏิบัติการประจำปีงบประมาณ")
    planner = Planner(system.planning)
    known = planner.wait_until_known(resolution["document_id"])
    assert known["reference"] == f"ทะเบียนรับ {resolution['receipt_no']}/" \
                                 f"{resolution['receipt_year_be']}"

    year = fiscal_year_be(bangkok_date(utc_now()))
    unknown = planner.http.post("/policies", headers={"X-Actor-Id": "off-1"}, json=policy(year))
    plan_id = unknown.json()["plan_id"]
    planner.post(f"/plans/{plan_id}/submit", {}, "dir-1")
    refused = planner.http.post(f"/plans/{plan_id}/approve",
                                headers=planner.headers(f"/plans/{plan_id}/approve", "dir-1"),
                                json={"resolution_document_id": "00000000-0000-4000-8000-0000000000aa"})
    assert refused.status_code == 403 and refused.json()["code"] == "resolution-required"
    pol = planner.post(f"/plans/{plan_id}/approve",
                       {"resolution_document_id": resolution["document_id"]}, "dir-1")

    planner.post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
    planner.post("/reference-strategies/national", {"strategies": NATIONAL})
    dp = planner.approved("/development-plans", development_plan(year - 2, year + 2),
                          resolution["document_id"])
    plan = planner.post("/action-plans", action_plan(dp["plan_id"], pol["plan_id"], year))
    plan_id = plan["plan_id"]
    planner.post(f"/plans/{plan_id}/submit", {}, "dir-1")
    planner.post(f"/plans/{plan_id}/return", {"reason": "ให้ปรับตัวชี้วัดโครงการให้วัดผลได้",
                                              "resolution_document_id": resolution["document_id"]},
                 "dir-1")
    planner.post(f"/plans/{plan_id}/submit", {}, "dir-1")
    approved = planner.post(f"/plans/{plan_id}/approve",
                            {"resolution_document_id": resolution["document_id"]}, "dir-1")
    assert approved["approval"]["round"] == 2

    events = read_feed(f"{system.monitoring.url}/feed", timeout=30, until=lambda evs: any(
        e.data["subject"] == plan_id and e.data["type"] == "planning.action_plan.approved"
        for e in evs))
    mine = [e for e in events if e.data["subject"] == plan_id]
    assert [(e.data["type"].split(".", 1)[1], e.data["step"], e.data["step_th"]) for e in mine] == [
        ("plan.drafted", "drafting", "จัดทำร่างแผน"),
        ("plan.submitted", "submitted", "เสนอ กศจ. พิจารณา"),
        ("plan.returned_for_revision", "drafting", "ส่งกลับแก้ไข"),
        ("plan.submitted", "submitted", "เสนอ กศจ. พิจารณา"),
        ("action_plan.approved", "approved", "กศจ. อนุมัติแล้ว")]
    shown = mine[-1].data
    assert (shown["procedure"], shown["case_type"]) == (7, "action_plan")
    assert shown["title"] == f"แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. {year}"
    assert shown["holder_th"] == "นายสมชาย รักงาน" and shown["actor"] == "dir-1"
    assert mine[1].data["holder_th"] == "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)"
    projects = shown["data"]["projects"]
    assert [(p["code"], p["total_budget"]) for p in projects] == [
        ("P68-01", "1000000.50"), ("P68-02", "250000.00")]
    assert projects[0]["budget_lines"][0] == {"category": "operations", "quarter": 1,
                                              "amount": "450000.00"}
    assert projects[0]["kpis"][0]["code"] == "P68-01-K1"
    assert shown["data"]["approval"]["resolution"]["document_id"] == resolution["document_id"]

    monitoring = system.monitoring.client()
    case = monitoring.get(f"/cases/by-subject/planning/{plan_id}").json()
    assert case["step"] == "approved" and case["procedure"] == 7
    history = monitoring.get(f"/cases/{case['case_id']}/history").json()["items"]
    assert history[-1]["data"]["total_budget"] == "1250000.50"

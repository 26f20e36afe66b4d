"""Budgeting test support: the contract events it consumes, built from the producers' contract
models (planning's approved action plan, restructuring's school registry), the sample registry,
and an HTTP driver that walks every procedure once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.envelope import AnyEnvelope, Envelope, IntegrationEvent
from contracts.planning import v1 as planning
from contracts.restructuring import v1 as restructuring
from contracts.vocabulary import (
    ApprovalRecord,
    ApprovingBody,
    Decision,
    ExpenseCategory,
    SchoolLevel,
)
from services.budgeting.application import BudgetingApplication
from services.budgeting.handlers import subscriptions
from shared.context import acting_as
from shared.office.testing import OfficeTeacher
from shared.settings import PROJECT_ROOT

SAMPLE_REGISTRY = PROJECT_ROOT / "benchmarks" / "data" / "schools-enrolment-2567.csv"
PLAN_ID = UUID("6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b1a23")
EVENT_TIME = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


def school_id(code: str) -> UUID:
    """Restructuring's id of a school (its contract: uuid5 of `school:<code>`)."""
    return uuid5(NAMESPACE_URL, f"school:{code}")


def project_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"test-project:{code}")


def envelope(source: str, event: IntegrationEvent, *, subject: UUID, sequence: int,
             actor: str = "off-1", message_id: str | None = None) -> AnyEnvelope:
    """The envelope a producer's relay would publish for `event`."""
    typed = Envelope[type(event)](  # type: ignore[misc]
        id=message_id or Envelope.message_id(source, subject, sequence), type=event.EVENT_TYPE,
        source=source, subject=str(subject), time=EVENT_TIME, sequence=sequence, actor=actor,
        trace_id=uuid4().hex, data=event)
    return AnyEnvelope.model_validate(typed.model_dump(mode="json"))


# --- planning --------------------------------------------------------------------------------------

Project = tuple[str, str, list[tuple[ExpenseCategory, int, str]]]  # code, title, lines
PROJECTS: list[Project] = [
    ("P68-01", "โครงการพัฒนาคุณภาพการอ่านออกเขียนได้",
     [(ExpenseCategory.operations, 1, "45000.00"), (ExpenseCategory.operations, 2, "30000.00"),
      (ExpenseCategory.subsidies, 2, "75000.50")]),
    ("P68-02", "โครงการพัฒนาครูและบุคลากรทางการศึกษา",
     [(ExpenseCategory.personnel, 1, "100000.00"), (ExpenseCategory.investment, 3, "50000.00"),
      (ExpenseCategory.other, 4, "2500.25")]),
]


def action_plan_approved(projects: list[Project] = PROJECTS, *, fiscal_year_be: int = 2568,
                         plan_id: UUID = PLAN_ID, version: int = 1) -> planning.ActionPlanApproved:
    built = []
    for code, title, lines in projects:
        budget_lines = [planning.ProjectBudgetLine(category=c, quarter=q, amount=Decimal(a))
                        for c, q, a in lines]
        built.append(planning.ActionPlanProject(
            project_id=project_id(code), code=code, title_th=title, strategy_code="S1",
            strategy_title_th="พัฒนาคุณภาพผู้เรียนทุกระดับ", objectives=["ผู้เรียนมีคุณภาพ"],
            responsible_group="กลุ่มนโยบายและแผน", responsible_officer="off-1",
            kpis=[planning.ProjectKpi(code=f"{code}-K1", name_th="ร้อยละผู้เรียน", unit="ร้อยละ",
                                      target_value=Decimal(90))],
            starts_on=date(fiscal_year_be - 544, 10, 1), ends_on=date(fiscal_year_be - 543, 9, 30),
            budget_lines=budget_lines,
            total_budget=sum((b.amount for b in budget_lines), Decimal("0"))))
    return planning.ActionPlanApproved(
        plan_id=plan_id, plan_kind=planning.PlanKind.action_plan, version=version,
        title_th=f"แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. {fiscal_year_be}",
        fiscal_year_be=fiscal_year_be,
        approval=ApprovalRecord(body=ApprovingBody.provincial_committee, decision=Decision.approve,
                                decided_on=date(2024, 11, 20), round=1),
        development_plan_id=uuid5(NAMESPACE_URL, "development-plan"),
        total_budget=sum((p.total_budget for p in built), Decimal("0")), projects=built)


def plan_envelope(plan: planning.ActionPlanApproved, sequence: int = 7, **kw: Any) -> AnyEnvelope:
    return envelope("planning", plan, subject=plan.plan_id, sequence=sequence, actor="dir-1", **kw)


# --- restructuring ---------------------------------------------------------------------------------


def registry_rows(limit: int | None = None, path: Path = SAMPLE_REGISTRY) -> list[dict[str, str]]:
    """Rows of the sample registry (208 schools, two terms each), the first `limit` schools."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if limit is None:
        return rows
    codes = sorted({r["school_code"] for r in rows})[:limit]
    return [r for r in rows if r["school_code"] in codes]


def registered(code: str, name_th: str, district: str = "ชุมแพ") -> AnyEnvelope:
    return envelope("restructuring", restructuring.SchoolRegistered(
        school_id=school_id(code), school_code=code, name_th=name_th, district=district,
        subdistrict="นาเพียง", levels=[SchoolLevel.kindergarten, SchoolLevel.primary]),
        subject=school_id(code), sequence=1)


def enrolment(code: str, term: int, grades: dict[str, int], *,
              academic_year_be: int = 2567) -> AnyEnvelope:
    by_level = {level: sum(grades.get(g, 0) for g in names)
                for level, names in restructuring.GRADES_BY_LEVEL.items()
                if any(g in grades for g in names)}
    total = sum(grades.values())
    year_ce = academic_year_be - 543
    return envelope("restructuring", restructuring.EnrolmentSnapshotRecorded(
        school_id=school_id(code), school_code=code,
        snapshot_date=date(year_ce, 6, 10) if term == 1 else date(year_ce, 11, 10),
        academic_year_be=academic_year_be, term=term, pupils_by_grade=grades,
        pupils_by_level=by_level, total=total,
        size_band=restructuring.SizeBand.small if total <= 120 else restructuring.SizeBand.medium,
        small_school=total <= 120), subject=school_id(code), sequence=1 + term)


def merged(code: str, into_code: str, effective: date = date(2025, 5, 16)) -> AnyEnvelope:
    return envelope("restructuring", restructuring.SchoolMerged(
        school_id=school_id(code), school_code=code, into_school_id=school_id(into_code),
        into_school_code=into_code, effective_date=effective, case_id=uuid4()),
        subject=school_id(code), sequence=4, actor="dir-1")


def dissolved(code: str, effective: date = date(2025, 5, 16)) -> AnyEnvelope:
    return envelope("restructuring", restructuring.SchoolDissolved(
        school_id=school_id(code), school_code=code, effective_date=effective, case_id=uuid4()),
        subject=school_id(code), sequence=4, actor="dir-1")


GRADES = ("k1", "k2", "k3", "p1", "p2", "p3", "p4", "p5", "p6", "m1", "m2", "m3")


def registry_envelopes(rows: Iterable[dict[str, str]]) -> list[AnyEnvelope]:
    """What restructuring publishes for the rows: each school registered, then its snapshots."""
    rows = list(rows)
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["school_code"], row["name_th"])
    out = [registered(code, name) for code, name in seen.items()]
    for row in rows:
        out.append(enrolment(row["school_code"], int(row["term"]),
                             {g: int(row[g]) for g in GRADES},
                             academic_year_be=int(row["academic_year_be"])))
    return out


# --- delivering, as the consumer does ----------------------------------------------------------------


class Deliverer:
    """Applies envelopes through budgeting's handlers with the consumer's tracking, in process
    (each at the next position of its source's stream, as the consumer would)."""

    def __init__(self, app: BudgetingApplication) -> None:
        self.app = app
        self.handlers = {s.source: s.handler for s in subscriptions(app)}

    def __call__(self, *envelopes: AnyEnvelope) -> None:
        for item in envelopes:
            position = (self.app.process_recorder.max_tracking_id(item.source) or 0) + 1
            handler = self.handlers[item.source]
            with acting_as(item.actor, item.trace_id or None):
                self.app.execute(lambda h=handler, e=item: (None, h(e)),
                                 tracking=Tracking(item.source, position))

    def document(self, document_id: str) -> None:
        """Correspondence registered this document (a resolution a decision may cite)."""
        OfficeTeacher(self.app).document(document_id)


# --- HTTP ------------------------------------------------------------------------------------------


class BudgetClient:
    """Budgeting over HTTP as the office's staff would use it: a change to an existing line, case
    or rate table names the version read (`If-Match` with the record's ETag, read just before)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, path: str, body: dict | None = None, *, actor: str = "off-1",
             key: str | None = None, if_match: str | None = None, changes: str | None = None,
             expect: int | None = None, method: str = "POST") -> dict:
        """`changes`: the GET path of the record the command changes; its ETag goes in
        If-Match (unless `if_match` gives one)."""
        headers = {"X-Actor-Id": actor}
        if key:
            headers["Idempotency-Key"] = key
        if if_match is None and changes is not None:
            if_match = self.etag(changes)
        if if_match:
            headers["If-Match"] = if_match
        response = self.client.request(method, path, json=body or {}, headers=headers)
        if expect is not None:
            assert response.status_code == expect, response.text
        else:
            assert response.status_code in (200, 201), response.text
        return response.json()

    def step(self, record: str, verb: str, body: dict | None = None, *, actor: str = "off-1",
             expect: int | None = None) -> dict:
        """A step of a case (or a movement on a line): POST `record`/`verb`, If-Match read."""
        return self.post(f"{record}/{verb}", body, actor=actor, changes=record, expect=expect)

    def etag(self, path: str) -> str:
        response = self.client.get(path, headers={"X-Actor-Id": "off-1"})
        assert response.status_code == 200, response.text
        return response.headers["ETag"]

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def items(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list, following `next_cursor` page after page as a client
        does; the total each page gives is the number of items."""
        page = self.get(path, **params)
        items = list(page["items"])
        while page["next_cursor"]:
            page = self.get(path, **{**params, "cursor": page["next_cursor"]})
            items += page["items"]
        assert page["total"] == len(items), (page["total"], len(items))
        return items

    def line_id(self, code: str, category: str, fiscal_year_be: int = 2568) -> str:
        found = self.get("/lines", fiscal_year_be=fiscal_year_be, project_code=code,
                         category=category)
        assert found["total"] == 1, found
        return found["items"][0]["line_id"]


# The office's people (shared.office.testing.STANDARD_STAFF): the ESA director appoints the
# committees; the committee's members do its work; whoever proposed a case does not decide it.
DIRECTOR = "esa-1"
COMMITTEE = {"chair": "dir-1", "members": ["off-1", "off-2"], "appointed_on": "2024-11-25"}
# A resolution (or signed letter) registered in correspondence: what a decision of a body outside
# the office cites. `OfficeTeacher.document` registers it as receipt 15/2567 of 19 November 2024.
RESOLUTION_ID = "1bc82a1b-b273-4bb5-9228-418d3e3dbe17"
RESOLUTION = {"document_id": RESOLUTION_ID, "reference": "ทะเบียนรับ 15/2567",
              "dated": "2024-11-19"}


def decision(body: str, decision: str = "approve", reason: str | None = None,
             on: str = "2024-11-26", resolution: dict | None = None) -> dict:
    return {"body": body, "decision": decision, "decided_on": on, "reason": reason,
            "resolution": resolution}


def cited(body: str, decision_: str = "approve", reason: str | None = None) -> dict:
    """An outside body's decision, citing the registered resolution."""
    return decision(body, decision_, reason, resolution=RESOLUTION)


def walk_everything(b: BudgetClient, deliver: Deliverer) -> dict[str, Any]:
    """Every procedure and every step, once, each by someone who may: the whole vocabulary of
    budgeting's events."""
    out: dict[str, Any] = {}
    deliver.document(RESOLUTION_ID)
    deliver(plan_envelope(action_plan_approved()))
    revised = [(c, t, [*lines[:-1], (lines[-1][0], lines[-1][1], "80000.00")])
               for c, t, lines in PROJECTS]
    deliver(plan_envelope(action_plan_approved(revised, version=2, plan_id=uuid4()), sequence=9))
    deliver(registered("40050001", "โรงเรียนบ้านนาหนองแคนพัฒนา"),
            registered("40050002", "โรงเรียนชุมชนป่ารัง"),
            registered("40050003", "โรงเรียนบ้านโคก"),
            enrolment("40050001", 1, {"k1": 6, "p1": 7}), enrolment("40050001", 2, {"k1": 5, "p1": 9}),
            enrolment("40050002", 1, {"p1": 40, "m1": 10}), enrolment("40050002", 2, {"p1": 41}),
            enrolment("40050003", 1, {"p1": 3}),
            # From FY 2568's first day: its pupils count for the receiver all year.
            merged("40050003", "40050001", date(2024, 10, 1)))
    b.post("/per-head-rates/2568", {"rates": {"kindergarten": "1700", "primary": "1900",
                                              "lower_secondary": "3500",
                                              "upper_secondary": "3800"},
                                    "source_th": "หนังสือ สพฐ. ที่ ศธ 04002/ว 100"}, method="PUT")
    subsidies = b.line_id("P68-01", "subsidies")
    operations = b.line_id("P68-01", "operations")
    personnel = b.line_id("P68-02", "personnel")
    investment = b.line_id("P68-02", "investment")

    # Allocation (12): returned once, then approved and announced.
    allocation = b.post("/allocations", {"title_th": "เงินอุดหนุนรายหัว ภาคเรียนที่ 1-2",
                                         "line_id": subsidies, "ceiling": "500000.00",
                                         "criteria_th": "จำนวนนักเรียน × อัตราต่อหัว"})
    a = f"/allocations/{allocation['case_id']}"
    b.step(a, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(a, "per-head")
    b.step(a, "submit")
    b.step(a, "decision", decision("esa_director", "return_for_revision", "ตรวจสอบจำนวนนักเรียน"),
           actor=DIRECTOR)
    b.step(a, "per-head")
    b.step(a, "submit")
    out["allocation"] = b.step(a, "decision", decision("esa_director", resolution=RESOLUTION),
                               actor=DIRECTOR)
    b.step(a, "announce", {"announced_on": "2024-11-27"})
    spare = b.post("/allocations", {"title_th": "จัดสรรให้กลุ่มงาน", "line_id": operations,
                                    "ceiling": "100000.00", "criteria_th": "ตามแผนงาน"})
    s = f"/allocations/{spare['case_id']}"
    b.step(s, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(s, "amounts", {"items": [
        {"recipient_kind": "group", "recipient_code": "PLAN", "recipient_name_th": "กลุ่มนโยบายและแผน",
         "amount": "60000.00"}]})
    b.step(s, "submit")
    b.step(s, "decision", decision("esa_director"), actor=DIRECTOR)
    for code, line in (("P68-02", personnel), ("P68-02", investment)):
        money = b.post("/allocations", {"title_th": f"จัดสรร {code}", "line_id": line,
                                        "ceiling": "90000.00", "criteria_th": "ตามแผนงาน"})
        path = f"/allocations/{money['case_id']}"
        b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
        b.step(path, "amounts", {"items": [{"recipient_kind": "group", "recipient_code": "HR",
                                            "recipient_name_th": "กลุ่มบริหารงานบุคคล",
                                            "amount": "90000.00"}]})
        b.step(path, "submit")
        b.step(path, "decision", decision("esa_director"), actor=DIRECTOR)
    dropped = b.post("/allocations", {"title_th": "ยกเลิก", "line_id": operations,
                                      "ceiling": "1.00", "criteria_th": "-"})
    b.step(f"/allocations/{dropped['case_id']}", "withdraw", {"reason": "ซ้ำซ้อน"})

    # Spending on the lines.
    o = f"/lines/{operations}"
    b.step(o, "commitments", {"amount": "10000.00", "reference": "PO 1/2568"})
    b.step(o, "commitment-releases", {"amount": "2000.00", "reference": "PO 1/2568"})
    b.step(o, "disbursements", {"amount": "8000.00", "reference": "ฎีกา 1",
                                "settles_commitment": True})
    b.step(o, "disbursements", {"amount": "1000.00", "reference": "ฎีกา 2"})

    # Transfers (13): ordinary (the governor), personnel (the governor, then OBEC; rejected once).
    # The maker (off-1) proposes; another officer records each body's decision, citing its letter.
    ordinary = b.post("/budget-transfers", {"source_line_id": operations, "target_line_id": subsidies,
                                            "amount": "5000.00", "reason_th": "เพิ่มเงินอุดหนุน"})
    t = f"/budget-transfers/{ordinary['case_id']}"
    out["transfer"] = b.step(t, "decision", cited("governor"), actor="off-2")
    b.step(t, "report", {"reported_on": "2024-11-27"})
    higher = b.post("/budget-transfers", {"source_line_id": personnel, "target_line_id": operations,
                                          "amount": "30000.00", "reason_th": "ตำแหน่งว่าง"})
    h = f"/budget-transfers/{higher['case_id']}"
    b.step(h, "decision", cited("governor"), actor="off-2")
    b.step(h, "decision", cited("central_office", "reject", "เกินอำนาจ"), actor="off-2")
    b.step(h, "revise", {"amount": "20000.00", "reason_th": "ตำแหน่งว่าง (ปรับลด)"})
    b.step(h, "decision", cited("governor"), actor="dir-1")
    b.step(h, "decision", cited("central_office"), actor="dir-1")
    withdrawn = b.post("/budget-transfers", {"source_line_id": investment, "target_line_id": operations,
                                             "amount": "100.00", "reason_th": "ทดลอง"})
    b.step(f"/budget-transfers/{withdrawn['case_id']}", "withdraw", {"reason": "ไม่จำเป็น"})

    # Leftover funds (13).
    review = b.post("/leftover-reviews", {"fiscal_year_be": 2568})
    r = f"/leftover-reviews/{review['case_id']}"
    b.step(r, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(r, "analysis", {"success": [{"line_id": investment, "success_met": True}]})
    b.step(r, "guidelines", {"guidelines_th": "ใช้เงินเหลือจ่ายเพื่อซ่อมแซมอาคารเรียน"})
    b.post("/budget-transfers", {"source_line_id": investment, "target_line_id": operations,
                                 "amount": "1000.00", "reason_th": "เงินเหลือจ่าย",
                                 "leftover_review_id": review["case_id"]})
    b.step(r, "report", {"reported_on": "2024-11-27"})

    # Expenditure analysis (10): rejected once, revised, approved, published, reported.
    analysis = b.post("/budget-analyses", {"fiscal_year_be": 2568,
                                           "title_th": "วิเคราะห์งบประมาณรายจ่าย 2568"})
    n = f"/budget-analyses/{analysis['case_id']}"
    b.step(n, "survey", {"respondents": ["40050001", "กลุ่มบริหารงานการเงิน"],
                         "due_date": "2026-12-31"})
    b.step(n, "responses", {"respondent": "40050001", "summary_th": "ใช้จ่ายตามแผน"})
    b.step(n, "committee", COMMITTEE, actor=DIRECTOR)
    figures = [{"item_th": "ค่าจัดการเรียนการสอน", "category": "subsidies", "amount": "150000.50"}]
    b.step(n, "report-draft", {"summary_th": "ฉบับแรก", "figures": figures})
    b.step(n, "submit")
    b.step(n, "decision", decision("esa_director", "reject", "ขาดข้อมูลโรงเรียนขนาดเล็ก"),
           actor=DIRECTOR)
    b.step(n, "report-draft", {"summary_th": "ฉบับแก้ไข", "figures": figures})
    b.step(n, "submit")
    out["analysis"] = b.step(n, "decision", decision("esa_director"), actor=DIRECTOR)
    b.step(n, "publish", {"published_on": "2024-11-27"})
    b.step(n, "report", {"reported_on": "2024-11-27"})

    # Budget request (11): returned once by the area committee; off-1 compiles and submits, the
    # group director records the committee's resolutions.
    request = b.post("/budget-requests", {"fiscal_year_be": 2569,
                                          "title_th": "คำขอตั้งงบประมาณ 2569",
                                          "criteria_th": "ตามนโยบาย สพฐ.", "due_date": "2026-12-31"})
    q = f"/budget-requests/{request['case_id']}"
    b.step(q, "school-requests", {"school_code": "40050001", "items": [
        {"title_th": "ซ่อมหลังคา", "category": "investment", "amount": "250000.00"},
        {"title_th": "วัสดุการเรียน", "category": "operations", "amount": "12000.00"}]})
    b.step(q, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(q, "reviews", {"school_code": "40050001", "appropriate": True,
                          "agreed": ["200000.00", "12000.00"]})
    b.step(q, "targets", {"party": "40050001", "outputs": [
        {"output_th": "อาคารเรียนซ่อมแล้ว", "quantity": 1, "unit_th": "หลัง"}]})
    b.step(q, "compile")
    b.step(q, "submit")
    b.step(q, "decision", cited("area_committee", "return_for_revision", "ทบทวนวงเงิน"),
           actor="dir-1")
    b.step(q, "compile")
    b.step(q, "submit")
    b.step(q, "decision", cited("area_committee"), actor="dir-1")
    b.step(q, "results", {"announced_on": "2024-11-27"})
    b.step(q, "report", {"reported_on": "2024-11-27"})

    # External funding (11): off-1 proposes, the ESA director decides.
    funding = b.post("/external-funding", {
        "fiscal_year_be": 2568, "school_code": "40050002", "source_th": "องค์การบริหารส่วนตำบลนาเพียง",
        "project_th": "อาหารกลางวันเสริม", "amount": "30000.00",
        "value_analysis_th": "นักเรียนได้รับประโยชน์ 300 คน"})
    f = f"/external-funding/{funding['case_id']}"
    b.step(f, "decision", decision("esa_director", "return_for_revision", "ระบุผลลัพธ์"),
           actor=DIRECTOR)
    b.step(f, "resubmit", {"amount": "25000.00",
                           "value_analysis_th": "นักเรียน 300 คน ได้อาหารเสริม"})
    b.step(f, "decision", decision("esa_director"), actor=DIRECTOR)
    b.step(f, "notify", {"notified_on": "2024-11-27"})
    b.step(f, "receipts", {"amount": "25000.00", "received_on": "2024-11-27",
                           "reference": "ใบเสร็จ 12/2568"})
    other = b.post("/external-funding", {
        "fiscal_year_be": 2568, "school_code": "40050001", "source_th": "มูลนิธิ",
        "project_th": "ทุนการศึกษา", "amount": "5000.00", "value_analysis_th": "นักเรียนยากจน"})
    b.step(f"/external-funding/{other['case_id']}", "withdraw", {"reason": "มูลนิธิปิดรับ"})
    return out

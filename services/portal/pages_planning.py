"""Planning (procedures 5-8) in the portal: the policy, development and action plans, listed by
kind, year and step; a plan's page with its rounds of approval, its content (an action plan's
projects and budget by category), its exports (PDF and Excel) and the actions of its step:
propose it to its body, record the body's decision citing the registered resolution (or, put to
the ESA director, decide in person), publish, start, close, amend."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.catalogue import BODY_TH
from services.portal.records import (
    DECISION_TH,
    Action,
    Column,
    Field,
    ListView,
    RecordPage,
    RecordView,
    Table,
    decision_fields,
    events_timeline,
    handed_over,
    list_page,
    next_url,
    register,
    show_list,
    show_record,
)
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.sessions import Session
from services.portal.views import CATEGORY_TH, baht, render, thai_date

SERVICE = "planning"
KIND_TH = {"policy": "นโยบาย จุดเน้น และเป้าหมาย", "development_plan": "แผนพัฒนาการศึกษา",
           "action_plan": "แผนปฏิบัติการประจำปี"}
STEP_TH = {"drafting": "จัดทำร่าง", "submitted": "เสนอพิจารณา", "approved": "อนุมัติแล้ว",
           "published": "เผยแพร่แล้ว", "in_execution": "ดำเนินการตามแผน", "closed": "ปิดแผนแล้ว"}
PLAN_EVENT_TH = {"Drafted": "จัดทำร่างแผน", "Revised": "แก้ไขร่าง", "Submitted": "เสนอพิจารณา",
                 "ReturnedForRevision": "ส่งกลับแก้ไข", "Rejected": "ไม่เห็นชอบ", "Approved": "อนุมัติ",
                 "Published": "เผยแพร่", "ExecutionStarted": "เริ่มดำเนินการตามแผน",
                 "Closed": "ปิดแผน", "Superseded": "ถูกแทนที่ด้วยฉบับปรับปรุง"}
DIRECTOR = frozenset({"group_director"})
BODIES = tuple((b, BODY_TH[b]) for b in ("provincial_committee", "esa_director", "area_committee"))


def _decision_route(values: Any) -> str:
    return {"approve": "/plans/{id}/approve", "return": "/plans/{id}/return",
            "reject": "/plans/{id}/reject"}.get(str(values.get("decision")), "/plans/{id}/approve")


def _decision_body(body: dict[str, Any]) -> dict[str, Any]:
    """Planning takes a decision on three routes, each with its own fields."""
    decision = body.pop("decision", "approve")
    keep = ("resolution_document_id", "decided_on", "effective_from") if decision == "approve" \
        else ("resolution_document_id", "decided_on", "reason")
    return {k: v for k, v in body.items() if k in keep}


ACTIONS = (
    Action("submit", "ตรวจและเสนอร่างแผนต่อผู้พิจารณา", "/plans/{id}/submit", frozenset({"drafting"}),
           roles=DIRECTOR, fields=(Field("body", "เสนอต่อ", "select", required=True,
                                         options=BODIES, default="provincial_committee"),)),
    Action("decide", "บันทึกผลการพิจารณาแผน", "/plans/{id}/approve", frozenset({"submitted"}),
           decision=True, route=_decision_route, shape=_decision_body,
           fields=(*decision_fields(cites="resolution_document_id"),
                   Field("effective_from", "มีผลตั้งแต่ (ถ้าอนุมัติ)", "date"))),
    Action("publish", "เผยแพร่แผนต่อสาธารณชน", "/plans/{id}/publish", frozenset({"approved"}),
           roles=DIRECTOR,
           fields=(Field("published_on", "วันที่เผยแพร่", "date", default="today"),)),
    Action("start-execution", "เริ่มดำเนินการตามแผน", "/plans/{id}/start-execution",
           frozenset({"published"}), roles=DIRECTOR,
           fields=(Field("started_on", "วันที่เริ่ม", "date", default="today"),)),
    Action("close", "ปิดแผน", "/plans/{id}/close", frozenset({"in_execution"}), roles=DIRECTOR,
           fields=(Field("closed_on", "วันที่ปิด", "date", default="today"),)),
    Action("amend", "จัดทำฉบับปรับปรุง", "/plans/{id}/amend",
           frozenset({"approved", "published", "in_execution"}),
           roles=frozenset({"officer", "group_director"}),
           confirm_th="เริ่มร่างฉบับถัดไปของแผนที่อนุมัติแล้ว (ฉบับเดิมใช้ต่อจนฉบับใหม่อนุมัติ)"),
)


def _projects(content: dict[str, Any]) -> list[Table]:
    projects = content.get("projects") or []
    rows = [{"code": p["code"], "title": p["title_th"], "strategy": p.get("strategy_code"),
             "responsible": p.get("responsible_officer") or p.get("responsible_group"),
             "period": f"{thai_date(p.get('starts_on'))} – {thai_date(p.get('ends_on'))}",
             "budget": p.get("total_budget")} for p in projects]
    by_category: dict[str, dict[int, Decimal]] = {}
    for p in projects:
        for line in p.get("budget_lines") or ():
            quarters = by_category.setdefault(line["category"], {})
            quarters[int(line["quarter"])] = quarters.get(int(line["quarter"]), Decimal("0")) \
                + Decimal(str(line["amount"]))
    categories = [{"category": CATEGORY_TH.get(c, c),
                   **{f"q{q}": quarters.get(q) for q in (1, 2, 3, 4)},
                   "total": sum(quarters.values(), Decimal("0"))}
                  for c, quarters in sorted(by_category.items())]
    return [
        Table("โครงการและงบประมาณ", [
            Column("code", "รหัส"), Column("title", "โครงการ"), Column("strategy", "กลยุทธ์"),
            Column("responsible", "ผู้รับผิดชอบ"), Column("period", "ระยะเวลา"),
            Column("budget", "งบประมาณ (บาท)", "baht")], rows, id="projects",
            footer={"title": f"รวม {len(rows)} โครงการ", "budget": content.get("total_budget")}),
        Table("งบประมาณตามหมวดและไตรมาส", [
            Column("category", "หมวดงบ"), *(Column(f"q{q}", f"ไตรมาส {q}", "baht")
                                             for q in (1, 2, 3, 4)),
            Column("total", "รวม", "baht")], categories, id="budget-by-category",
            footer={"category": "รวม", "total": content.get("total_budget")}),
    ]


def _policy(content: dict[str, Any]) -> list[Table]:
    rows = [{"focus": f"{f['code']} {f['title_th']}", "target": t.get("description_th"),
             "value": f"{t.get('target_value') or '—'} {t.get('unit') or ''}".strip()}
            for f in content.get("focus_points") or () for t in (f.get("targets") or [{}])]
    return [Table("จุดเน้นและเป้าหมาย", [Column("focus", "จุดเน้น"), Column("target", "เป้าหมาย"),
                                         Column("value", "ค่าเป้าหมาย")], rows, id="focus-points")]


def _development(content: dict[str, Any]) -> list[Table]:
    rows = [{"strategy": f"{s['code']} {s['title_th']}",
             "kpis": ", ".join(k["name_th"] for k in s.get("kpis") or ()),
             "programmes": ", ".join(s.get("programmes") or ())}
            for s in content.get("strategies") or ()]
    return [Table("กลยุทธ์และตัวชี้วัด", [Column("strategy", "กลยุทธ์"), Column("kpis", "ตัวชี้วัด"),
                                          Column("programmes", "แผนงาน")], rows, id="strategies")]


async def load_plan(request: Request, session: Session, plan_id: str) -> RecordView:
    services = portal_of(request).services
    answer, history = await asyncio.gather(
        services.get(SERVICE, f"/plans/{plan_id}", actor=session.officer_id),
        services.items(SERVICE, f"/plans/{plan_id}/history", actor=session.officer_id))
    plan = answer.data
    years = (f"ปีงบประมาณ พ.ศ. {plan['fiscal_year_be']}" if plan.get("fiscal_year_be")
             else f"พ.ศ. {plan.get('start_year_be')}–{plan.get('end_year_be')}")
    view = RecordView(SERVICE, "plan", plan.get("kind_th") or KIND_TH.get(plan["kind"], ""),
                      plan["title_th"], f"/planning/plans/{plan_id}", plan, answer.etag,
                      badges=[(plan["step_th"], "step"), (years, "badge"),
                              (f"ฉบับที่ {plan.get('plan_version')}", "badge")])
    approval = plan.get("approval") or {}
    view.facts = [("ประเภท", plan.get("kind_th")), ("ช่วงเวลา", years),
                  ("ขั้นตอน", plan["step_th"]), ("ผู้ต้องดำเนินการ", plan.get("holder_th")),
                  ("ผู้จัดทำ", plan.get("drafter_name_th")),
                  ("อนุมัติเมื่อ", thai_date(approval.get("decided_on"))),
                  ("อ้างอิงมติ", (approval.get("resolution") or {}).get("reference")),
                  ("มีผลตั้งแต่", thai_date(plan.get("effective_from"))),
                  ("เผยแพร่เมื่อ", thai_date(plan.get("published_on")))]
    if plan.get("total_budget") is not None:
        view.facts.append(("งบประมาณรวม", f"{baht(plan['total_budget'])} บาท"))
    content = plan.get("content") or {}
    view.tables += {"action_plan": _projects, "policy": _policy,
                    "development_plan": _development}[plan["kind"]](content)
    if content.get("vision_th"):
        view.texts.append(("วิสัยทัศน์", content["vision_th"]))
    view.tables.append(Table("การเสนอพิจารณาแต่ละรอบ", [
        Column("round", "รอบ", "int"), Column("body", "เสนอต่อ"), Column("submitted_at", "เสนอเมื่อ",
                                                                          "date"),
        Column("decision", "ผล"), Column("decided_on", "วันที่พิจารณา", "date"),
        Column("reason", "เหตุผล"), Column("resolution", "อ้างอิง")], [
        {"round": r["round"], "body": r.get("body_th"), "submitted_at": r.get("submitted_at"),
         "decision": DECISION_TH.get((r.get("decision") or {}).get("decision") or "", "รอพิจารณา"),
         "decided_on": (r.get("decision") or {}).get("decided_on"),
         "reason": (r.get("decision") or {}).get("reason"),
         "resolution": ((r.get("decision") or {}).get("resolution") or {}).get("reference")}
        for r in plan.get("rounds") or ()], id="rounds", empty_th="ยังไม่เคยเสนอพิจารณา"))
    if plan["kind"] == "action_plan" and plan["step"] in ("approved", "published", "in_execution",
                                                          "closed"):
        view.links += [(f"/planning/plans/{plan_id}/export.pdf", "ดาวน์โหลด PDF"),
                       (f"/planning/plans/{plan_id}/export.xlsx", "ดาวน์โหลด Excel")]
    view.history = events_timeline(history, PLAN_EVENT_TH)
    return view


PAGE = register(RecordPage(SERVICE, "plan", load_plan, ACTIONS))


def create_router() -> PageRouter:
    router = PageRouter(prefix="/planning", dependencies=[Depends(load_session)])

    @router.get("/plans")
    async def plans(request: Request, kind: str = "", fiscal_year_be: str = "", step: str = "",
                    q: str = "", session: Session = Depends(signed_in)) -> Response:
        params = {"kind": kind if kind in KIND_TH else None,
                  "fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None,
                  "step": step if step in STEP_TH else None}
        page, problem = await list_page(request, session, SERVICE, "/plans", params=params, q=q,
                                        search=("title_th",))
        rows = [{**p, "href": f"/planning/plans/{p['plan_id']}",
                 "year": p.get("fiscal_year_be") or f"{p.get('start_year_be')}–{p.get('end_year_be')}"}
                for p in (page.items if page else [])]
        table = Table("แผน", [
            Column("title_th", "ชื่อแผน", "link"), Column("kind_th", "ประเภท"), Column("year", "ปี"),
            Column("total_budget", "งบประมาณ", "baht"), Column("step_th", "ขั้นตอน"),
            Column("holder_th", "ผู้ต้องดำเนินการ"), Column("step_since", "ตั้งแต่", "date")], rows,
            id="plans")
        return show_list(request, ListView(
            "แผนนโยบาย แผนพัฒนา และแผนปฏิบัติการ", SERVICE, table, [
                Field("kind", "ประเภท", "select", options=tuple(KIND_TH.items())),
                Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number"),
                Field("step", "ขั้นตอน", "select", options=tuple(STEP_TH.items())),
                Field("q", "ค้นหาชื่อแผน")],
            {"kind": kind, "fiscal_year_be": fiscal_year_be, "step": step, "q": q},
            page.total if page else None, next_url(request, page), problem=problem,
            intro="การจัดทำร่างแผนและแก้ไขเนื้อหาแผนยังทำผ่าน API ของระบบนโยบายและแผน"))

    @router.get("/plans/{plan_id}")
    async def plan(request: Request, plan_id: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, PAGE, plan_id)

    @router.get("/plans/{plan_id}/export.{fmt}")
    async def export(request: Request, plan_id: str, fmt: str,
                     session: Session = Depends(signed_in)) -> Response:
        if fmt not in ("pdf", "xlsx"):
            return render(request, "error.html", status_code=404, message="ไม่พบไฟล์นี้")
        return await handed_over(request, session, SERVICE, f"/action-plans/{plan_id}/export",
                                 f"action-plan-{plan_id}.{fmt}", params={"format": fmt})

    return router

"""Planning (procedures 5-8) in the portal: the policy, development and action plans, listed by
kind, year and step; the forms that draft a policy, a development plan or an action plan (their
nested content typed one item a line: `plan_forms.py`); a plan's page with its rounds of approval,
its content (an action plan's projects and budget by category), its exports (PDF and Excel) and
the actions of its step: revise the draft, propose it to its body, record the body's decision
citing the registered resolution (or, put to the ESA director, decide in person), publish, start,
close, amend. The reference strategies (provincial and national) the plans align to, added or
imported one a line; the fiscal years, which the ESA director closes to plan approvals."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.catalogue import BODY_TH
from services.portal.plan_forms import (
    ACTION_PLAN_FIELDS,
    DEVELOPMENT_FIELDS,
    POLICY_FIELDS,
    action_plan_content,
    action_plan_rows,
    development_content,
    development_rows,
    policy_content,
    policy_rows,
)
from services.portal.records import (
    DECISION_TH,
    Action,
    Column,
    Field,
    FormProblem,
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
from services.portal.service_client import Refused, Unavailable
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
DRAFTERS = frozenset({"officer", "group_director"})
ESA_DIRECTOR = frozenset({"esa_director"})
LEVEL_TH = {"provincial": "ยุทธศาสตร์จังหวัด", "national": "ยุทธศาสตร์ชาติ"}
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


# --- drafting: the openings and the revisions ------------------------------------------------------
def _year_of(body: dict[str, Any], name: str) -> int:
    text = str(body.get(name) or "")
    if not (text.isdigit() and 2400 <= int(text) <= 2700):
        raise FormProblem({name: "ต้องเป็นปี พ.ศ. เช่น 2569"})
    return int(text)


def _new_action_plan(body: dict[str, Any]) -> dict[str, Any]:
    return action_plan_content(body, _year_of(body, "fiscal_year_be"))


def _revised_action_plan(body: dict[str, Any]) -> dict[str, Any]:
    # The plan's fiscal year (the record's, not the form's) dates a project typed without dates.
    return action_plan_content(body, int(body.pop("_fiscal_year_be")))


def _new_development_plan(body: dict[str, Any]) -> dict[str, Any]:
    for name in ("start_year_be", "end_year_be"):
        _year_of(body, name)
    return development_content(body)


def _new_policy(body: dict[str, Any]) -> dict[str, Any]:
    _year_of(body, "fiscal_year_be")
    return policy_content(body)


async def plan_choices(request: Request, session: Session) -> dict[str, list[tuple[str, str]]]:
    """The plans an action plan serves: the development plans and the years' policies."""
    services = portal_of(request).services

    async def plans(kind: str) -> list[tuple[str, str]]:
        try:
            page = await services.page(SERVICE, "/plans", actor=session.officer_id, limit=100,
                                       params={"kind": kind})
        except (Refused, Unavailable):
            return []
        return [(p["plan_id"], f"{p['title_th']} (ฉบับที่ {p.get('plan_version')}, {p['step_th']})")
                for p in page.items if p.get("step") != "closed"]

    development, policies = await asyncio.gather(plans("development_plan"), plans("policy"))
    return {"development_plan_id": development, "policy_id": policies}


def _drafted(plan: Any) -> str:
    return f"/planning/plans/{plan['plan_id']}"


TITLE = Field("title_th", "ชื่อแผน", required=True)
SERVES = (Field("development_plan_id", "แผนพัฒนาการศึกษาที่แผนนี้สนองตอบ", "select", required=True),
          Field("policy_id", "นโยบาย จุดเน้น และเป้าหมายของปี", "select"))
FISCAL_YEAR = Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number", required=True)
PERIOD = (Field("start_year_be", "ตั้งแต่ปี (พ.ศ.)", "number", required=True),
          Field("end_year_be", "ถึงปี (พ.ศ.)", "number", required=True))
OPENINGS = (
    Action("draft-action-plan", "จัดทำร่างแผนปฏิบัติการประจำปี", "/action-plans", roles=DRAFTERS,
           if_match=False, lands_on=_drafted, choices=plan_choices, shape=_new_action_plan,
           fields=(TITLE, FISCAL_YEAR, *SERVES, *ACTION_PLAN_FIELDS)),
    Action("draft-development-plan", "จัดทำร่างแผนพัฒนาการศึกษา", "/development-plans",
           roles=DRAFTERS, if_match=False, lands_on=_drafted, shape=_new_development_plan,
           fields=(TITLE, *PERIOD, *DEVELOPMENT_FIELDS)),
    Action("draft-policy", "จัดทำร่างนโยบาย จุดเน้น และเป้าหมาย", "/policies", roles=DRAFTERS,
           if_match=False, lands_on=_drafted, shape=_new_policy,
           fields=(TITLE, FISCAL_YEAR, *POLICY_FIELDS)),
)
# A draft is revised while drafting (a plan returned for revision is drafting again); the form
# starts from the content as it is, and replaces it whole.
REVISIONS = (
    Action("revise-action-plan", "แก้ไขร่างแผน", "/action-plans/{id}/revise",
           frozenset({"action_plan:drafting"}), step_field="kind_step", roles=DRAFTERS,
           fixed=lambda plan: {"_fiscal_year_be": plan["fiscal_year_be"]},
           shape=_revised_action_plan, prefill=action_plan_rows,
           fields=(TITLE, *SERVES, *ACTION_PLAN_FIELDS)),
    Action("revise-development-plan", "แก้ไขร่างแผน", "/development-plans/{id}/revise",
           frozenset({"development_plan:drafting"}), step_field="kind_step", roles=DRAFTERS,
           shape=development_content, prefill=development_rows,
           fields=(TITLE, *DEVELOPMENT_FIELDS)),
    Action("revise-policy", "แก้ไขร่าง", "/policies/{id}/revise", frozenset({"policy:drafting"}),
           step_field="kind_step", roles=DRAFTERS, shape=policy_content, prefill=policy_rows,
           fields=(TITLE, *POLICY_FIELDS)),
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
    plan = {**answer.data, "kind_step": f"{answer.data['kind']}:{answer.data['step']}"}
    if plan["kind_step"] == "action_plan:drafting":
        view_choices = await plan_choices(request, session)
    else:
        view_choices = {}
    years = (f"ปีงบประมาณ พ.ศ. {plan['fiscal_year_be']}" if plan.get("fiscal_year_be")
             else f"พ.ศ. {plan.get('start_year_be')}–{plan.get('end_year_be')}")
    view = RecordView(SERVICE, "plan", plan.get("kind_th") or KIND_TH.get(plan["kind"], ""),
                      plan["title_th"], f"/planning/plans/{plan_id}", plan, answer.etag,
                      badges=[(plan["step_th"], "step"), (years, "badge"),
                              (f"ฉบับที่ {plan.get('plan_version')}", "badge")],
                      choices=view_choices)
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


PAGE = register(RecordPage(SERVICE, "plan", load_plan, (*REVISIONS, *ACTIONS), OPENINGS))


# --- the reference strategies and the fiscal years ---------------------------------------------------
STRATEGY_ACTIONS = (
    Action("add", "เพิ่มหรือแก้ไขชื่อยุทธศาสตร์", "/reference-strategies/{id}", roles=DRAFTERS,
           if_match=False,
           fields=(Field("strategies", "ยุทธศาสตร์", "rows", required=True,
                         columns=(Field("code", "รหัส", required=True),
                                  Field("title_th", "ชื่อยุทธศาสตร์", required=True)),
                         hint="รหัสที่มีอยู่แล้วจะถูกแก้ไขชื่อ รหัสใหม่จะถูกเพิ่ม"),
                   Field("source", "ที่มา (เช่น แผนพัฒนาการศึกษาจังหวัดขอนแก่น พ.ศ. 2566-2570)"))),
)


async def load_strategies(request: Request, session: Session, level: str) -> RecordView:
    if level not in LEVEL_TH:
        raise Refused(SERVICE, 404, "http-404")
    answer = await portal_of(request).services.get(SERVICE, f"/reference-strategies/{level}",
                                                   actor=session.officer_id)
    found = answer.data
    view = RecordView(SERVICE, "strategies", "การบูรณาการยุทธศาสตร์", LEVEL_TH[level],
                      f"/planning/strategies/{level}", found,
                      links=[(f"/planning/strategies/{other}", name)
                             for other, name in LEVEL_TH.items() if other != level])
    view.tables.append(Table(LEVEL_TH[level], [Column("code", "รหัส"),
                                               Column("title_th", "ยุทธศาสตร์")],
                             found.get("strategies") or [], id="strategies",
                             empty_th="ยังไม่มีรายการ: เพิ่มหรือวางจากตาราง Excel ได้ที่แบบฟอร์ม"))
    return view


STRATEGIES = register(RecordPage(SERVICE, "strategies", load_strategies, STRATEGY_ACTIONS))
YEAR_ACTIONS = (
    Action("close-year", "ปิดปีงบประมาณ (ไม่รับการอนุมัติแผนของปีนี้อีก)", "/fiscal-years/{id}/close",
           frozenset({"open"}), step_field="state", roles=ESA_DIRECTOR, if_match=False,
           danger=True, fields=(Field("reason", "เหตุผล", "textarea", required=True),)),
    Action("reopen-year", "เปิดปีงบประมาณอีกครั้ง", "/fiscal-years/{id}/reopen",
           frozenset({"closed"}), step_field="state", roles=ESA_DIRECTOR, if_match=False,
           fields=(Field("reason", "เหตุผล", "textarea", required=True),)),
)


async def load_year(request: Request, session: Session, year: str) -> RecordView:
    if not (year.isdigit() and 2400 <= int(year) <= 2700):
        raise Refused(SERVICE, 404, "http-404")
    services = portal_of(request).services
    answer, plans = await asyncio.gather(
        services.get(SERVICE, f"/fiscal-years/{year}", actor=session.officer_id),
        services.page(SERVICE, "/plans", actor=session.officer_id,
                      params={"fiscal_year_be": year}))
    found = {**answer.data, "state": "closed" if answer.data.get("closed") else "open"}
    state_th = "ปิดแล้ว: ไม่รับการอนุมัติแผนของปีนี้" if found["closed"] else "เปิดอยู่"
    view = RecordView(SERVICE, "year", "ปีงบประมาณ", f"ปีงบประมาณ พ.ศ. {year}",
                      f"/planning/years/{year}", found, badges=[(state_th, "step")],
                      links=[(f"/planning/plans?fiscal_year_be={year}", "แผนทั้งหมดของปีนี้")])
    view.facts = [("สถานะ", state_th), ("เหตุผล", found.get("reason")),
                  ("ปิดโดยการตั้งค่าระบบ", "ใช่" if found.get("closed_by_configuration") else None)]
    view.tables.append(Table("แผนของปีนี้", [
        Column("title_th", "ชื่อแผน", "link"), Column("kind_th", "ประเภท"),
        Column("step_th", "ขั้นตอน")], [{**p, "href": f"/planning/plans/{p['plan_id']}"}
                                         for p in plans.items], id="year-plans",
        empty_th="ยังไม่มีแผนของปีนี้"))
    return view


YEAR = register(RecordPage(SERVICE, "year", load_year, YEAR_ACTIONS))


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
            links=[*PAGE.opening_links(session, "/planning/plans"),
                   ("/planning/strategies/provincial", "ยุทธศาสตร์จังหวัดและชาติ"),
                   ("/planning/years", "ปีงบประมาณ")]))

    @router.get("/plans/{plan_id}")
    async def plan(request: Request, plan_id: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, PAGE, plan_id)

    @router.get("/strategies/{level}")
    async def strategies(request: Request, level: str,
                         session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, STRATEGIES, level)

    @router.get("/years")
    async def years(request: Request, closed: str = "",
                    session: Session = Depends(signed_in)) -> Response:
        page, problem = await list_page(request, session, SERVICE, "/fiscal-years", params={
            "closed": closed if closed in ("true", "false") else None})
        rows = [{**y, "href": f"/planning/years/{y['fiscal_year_be']}",
                 "year": f"พ.ศ. {y['fiscal_year_be']}",
                 "state": "ปิดแล้ว" if y.get("closed") else "เปิดอยู่"}
                for y in (page.items if page else [])]
        table = Table("ปีงบประมาณ", [Column("year", "ปีงบประมาณ", "link"),
                                     Column("state", "การอนุมัติแผน"), Column("reason", "เหตุผล")],
                      rows, id="years")
        return show_list(request, ListView(
            "ปีงบประมาณ", SERVICE, table,
            [Field("closed", "สถานะ", "select", options=(("false", "เปิดอยู่"), ("true", "ปิดแล้ว")))],
            {"closed": closed}, page.total if page else None, next_url(request, page),
            problem=problem,
            intro="ปีงบประมาณที่มีแผนหรือที่ปิดแล้ว ผู้อำนวยการสำนักงานเขตปิดปีได้จากหน้าของปีนั้น"))

    @router.get("/years/{year}")
    async def year(request: Request, year: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, YEAR, year)

    @router.get("/plans/{plan_id}/export.{fmt}")
    async def export(request: Request, plan_id: str, fmt: str,
                     session: Session = Depends(signed_in)) -> Response:
        if fmt not in ("pdf", "xlsx"):
            return render(request, "error.html", status_code=404, message="ไม่พบไฟล์นี้")
        return await handed_over(request, session, SERVICE, f"/action-plans/{plan_id}/export",
                                 f"action-plan-{plan_id}.{fmt}", params={"format": fmt})

    return router

"""Monitoring and evaluation (procedures 14-16) in the portal: monitoring plans with each project's
indicators, targets, progress and budget use, and the progress-report form (value, note, evidence
file); inspection rounds with their report and recommendations (assign, act with evidence,
close); evaluations and issuing their results; the dashboard's figures and the annual report.
An inspection round (with its issues) and each kind of evaluation are opened from their list
pages (`RecordPage.openings`)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.records import (
    Action,
    Choices,
    Column,
    Field,
    ListView,
    RecordPage,
    RecordView,
    Table,
    board_timeline,
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
from services.portal.views import baht, bangkok_today, render, thai_date
from shared.thaitime import fiscal_year_be as fiscal_year_be_of

SERVICE = "monitoring"
ANALYSTS = frozenset({"officer", "group_director"})
PLAN_KIND_TH = {"policy": "นโยบาย จุดเน้น", "development_plan": "แผนพัฒนาการศึกษา",
                "action_plan": "แผนปฏิบัติการประจำปี"}
EVALUATION_KIND_TH = {"action_plan": "ประเมินผลแผนปฏิบัติการประจำปี",
                      "mid_plan": "ประเมินผลระยะครึ่งแผน",
                      "obec_strategy": "ประเมินผลตามยุทธศาสตร์ สพฐ."}


def period_th(period: str | None) -> str:
    if not period:
        return "—"
    return f"ไตรมาส {period[1:]}" if period.startswith("q") else f"ปี พ.ศ. {period}"


def _progress_body(body: dict[str, Any]) -> dict[str, Any]:
    """The form's one choice of indicator and period, as the route takes them."""
    group, _, item = str(body.pop("target", "")).partition("|")
    period = str(body.pop("period", ""))
    shaped = {**body, "group_code": group, "item_code": item}
    if period.startswith("q"):
        shaped["quarter"] = period[1:]
    elif period:
        shaped["year_be"] = period
    return shaped


PLAN_ACTIONS = (
    Action("progress", "รายงานความก้าวหน้า", "/monitoring-plans/{id}/progress", roles=ANALYSTS,
           shape=_progress_body,
           fields=(Field("target", "ตัวชี้วัด", "select", required=True),
                   Field("period", "งวด", "select", required=True),
                   Field("value", "ผลการดำเนินงาน", "number", required=True),
                   Field("note", "รายละเอียด", "textarea"),
                   Field("evidence", "หลักฐาน (ไฟล์)", "file"))),
)
INSPECTION_ACTIONS = (
    Action("report", "บันทึกรายงานการตรวจราชการ", "/inspections/{id}/report", roles=ANALYSTS,
           fields=(Field("summary_th", "สรุปรายงาน", "textarea", required=True),
                   Field("evidence", "ไฟล์รายงาน", "file"))),
    Action("recommendations", "บันทึกข้อเสนอแนะของผู้ตรวจราชการ", "/inspections/{id}/recommendations",
           roles=ANALYSTS, fields=(Field("issue_code", "ประเด็นการตรวจ", "select", required=True),
                                   Field("text_th", "ข้อเสนอแนะ", "textarea", required=True))),
)
RECOMMENDATION_ACTIONS = (
    Action("assign", "แจ้งผู้รับผิดชอบดำเนินการ", "/recommendations/{id}/assign",
           frozenset({"proposed"}), decision=True,
           fields=(Field("officer_id", "ผู้รับผิดชอบ", "officer", required=True),
                   Field("due", "กำหนดเสร็จ", "date", required=True))),
    Action("action", "รายงานการดำเนินการ", "/recommendations/{id}/action", frozenset({"assigned"}),
           fields=(Field("action_th", "สิ่งที่ดำเนินการ", "textarea", required=True),
                   Field("evidence", "หลักฐาน (ไฟล์)", "file"))),
    Action("close", "ตรวจหลักฐานและปิดเรื่อง", "/recommendations/{id}/close", frozenset({"acted"}),
           fields=(Field("note", "หมายเหตุ", "textarea"), Field("evidence", "หลักฐาน (ไฟล์)", "file"))),
)
EVALUATION_ACTIONS = (
    Action("issue", "พิจารณาและแจ้งผลการประเมิน", "/evaluations/{id}/issue",
           frozenset({"evaluated"}), roles=frozenset({"esa_director"}), decision=True,
           confirm_th="ระบบสารบรรณจะร่างหนังสือแจ้งผลถึงผู้เกี่ยวข้องทุกราย"),
)


def _strategies_body(body: dict[str, Any]) -> dict[str, Any]:
    """One indicator a line, grouped by its strategy (in the order first named)."""
    strategies: dict[str, dict[str, Any]] = {}
    for row in body.pop("indicators", None) or ():
        code, title = row.pop("strategy_code"), row.pop("strategy_title_th")
        strategies.setdefault(code, {"code": code, "title_th": title, "indicators": []})[
            "indicators"].append(row)
    return {**body, "strategies": list(strategies.values()),
            "recommendations": _by_code(body.get("recommendations"))}


def _by_code(rows: Any) -> dict[str, str]:
    return {row["code"]: row["text_th"] for row in rows or ()}


def _plan_evaluation_body(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, **({"outcomes": _by_code(body["outcomes"])} if "outcomes" in body else {}),
            "recommendations": _by_code(body.get("recommendations"))}


async def _plans_of(request: Request, session: Session, kind: str) -> list[tuple[str, str]]:
    try:
        plans, _ = await portal_of(request).services.every(
            SERVICE, "/monitoring-plans", actor=session.officer_id, params={"kind": kind},
            most=500)
    except (Refused, Unavailable):
        return []
    return [(str(p["plan_id"]), p["title_th"]) for p in plans]


async def _action_plans(request: Request, session: Session) -> Choices:
    return {"plan_id": await _plans_of(request, session, "action_plan")}


async def _development_plans(request: Request, session: Session) -> Choices:
    return {"plan_id": await _plans_of(request, session, "development_plan")}


def _to_evaluation(created: Any) -> str:
    return f"/monitoring/evaluations/{created['evaluation_id']}"


YEAR_FIELD = Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number", required=True,
                   default="fiscal_year")
RECOMMENDATIONS = Field("recommendations", "ข้อเสนอแนะ", "rows", columns=(
    Field("code", "รหัสโครงการหรือตัวชี้วัด", required=True),
    Field("text_th", "ข้อเสนอแนะ", required=True)))
OPEN_INSPECTION = Action(
    "open", "บันทึกรอบการตรวจราชการ", "/inspections", roles=ANALYSTS, if_match=False,
    lands_on=lambda created: f"/monitoring/inspections/{created['round_id']}",
    fields=(YEAR_FIELD, Field("title_th", "ชื่อรอบการตรวจ", required=True),
            Field("inspector_th", "ผู้ตรวจราชการ", required=True,
                  hint="เช่น ผู้ตรวจราชการกระทรวงศึกษาธิการ ภาค 11"),
            Field("scheduled_on", "กำหนดตรวจ", "date", required=True),
            Field("issues", "ประเด็นการตรวจ", "rows", required=True, columns=(
                Field("code", "รหัสประเด็น", required=True),
                Field("title_th", "ประเด็น", required=True)))))
OPEN_OBEC_EVALUATION = Action(
    "obec-strategy", "ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.", "/evaluations/obec-strategy",
    roles=ANALYSTS, if_match=False, lands_on=_to_evaluation, shape=_strategies_body,
    fields=(YEAR_FIELD,
            Field("title_th", "ชื่อเรื่อง", required=True,
                  default="ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ."),
            Field("indicators", "ตัวชี้วัด (บรรทัดละหนึ่งตัวชี้วัด)", "rows", required=True,
                  columns=(Field("strategy_code", "รหัสยุทธศาสตร์", required=True),
                           Field("strategy_title_th", "ยุทธศาสตร์", required=True),
                           Field("code", "รหัสตัวชี้วัด", required=True),
                           Field("name_th", "ตัวชี้วัด", required=True),
                           Field("unit", "หน่วย", required=True),
                           Field("target_value", "ค่าเป้าหมาย", "number", required=True),
                           Field("actual", "ผล", "number"))),
            RECOMMENDATIONS))
OPEN_ACTION_PLAN_EVALUATION = Action(
    "action-plan", "ประเมินผลแผนปฏิบัติการประจำปี", "/evaluations/action-plan",
    roles=ANALYSTS, if_match=False, lands_on=_to_evaluation, shape=_plan_evaluation_body,
    choices=_action_plans,
    confirm_th="ตัวชี้วัด ผลการดำเนินงาน และการใช้งบประมาณของทุกโครงการ จากแผนกำกับติดตาม",
    fields=(Field("plan_id", "แผนปฏิบัติการ", "select", required=True),
            Field("outcomes", "ผลลัพธ์ของโครงการ", "rows", columns=(
                Field("code", "รหัสโครงการ", required=True),
                Field("text_th", "ผลลัพธ์", required=True))),
            RECOMMENDATIONS))
OPEN_MID_PLAN_EVALUATION = Action(
    "mid-plan", "ประเมินผลระยะครึ่งแผนพัฒนาการศึกษา", "/evaluations/mid-plan",
    roles=ANALYSTS, if_match=False, lands_on=_to_evaluation, shape=_plan_evaluation_body,
    choices=_development_plans,
    fields=(Field("plan_id", "แผนพัฒนาการศึกษา", "select", required=True),
            Field("as_of_year_be", "ประเมิน ณ ปี (พ.ศ.) (ไม่ระบุ: ปีกลางแผน)", "number"),
            RECOMMENDATIONS))


async def load_plan(request: Request, session: Session, plan_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/monitoring-plans/{plan_id}",
                                                   actor=session.officer_id)
    plan = answer.data
    years = (f"ปีงบประมาณ พ.ศ. {plan['fiscal_year_be']}" if plan.get("fiscal_year_be")
             else f"พ.ศ. {plan.get('start_year_be')}–{plan.get('end_year_be')}")
    view = RecordView(SERVICE, "plan", "แผนกำกับติดตาม", plan["title_th"],
                      f"/monitoring/plans/{plan_id}", plan, answer.etag,
                      badges=[(PLAN_KIND_TH.get(plan["kind"], plan["kind"]), "step"),
                              (years, "badge")])
    view.facts = [("ประเภท", PLAN_KIND_TH.get(plan["kind"], plan["kind"])), ("ช่วงเวลา", years),
                  ("อนุมัติเมื่อ", thai_date(plan.get("approved_on"))),
                  ("งวดรายงาน", ", ".join(period_th(p) for p in plan.get("periods") or ())),
                  ("แผนต้นเรื่อง", plan.get("source_plan_id"))]
    targets: list[tuple[str, str]] = []
    for group in plan.get("groups") or ():
        rows = []
        for item in group.get("items") or ():
            targets.append((f"{group['code']}|{item['item_code']}",
                            f"{group['code']} · {item['name_th']}"))
            rows.append({"item": f"{item['item_code']} {item['name_th']}",
                         "target": f"{item['target_value']} {item.get('unit') or ''}",
                         "period": period_th(item.get("period")),
                         "actual": item.get("actual") if item.get("actual") is not None else None,
                         "pct": f"{item['attainment_pct']}%" if item.get("attainment_pct")
                         is not None else None,
                         "achieved": {True: "บรรลุ", False: "ยังไม่บรรลุ"}.get(item.get("achieved"),
                                                                           "ยังไม่รายงาน"),
                         "evidence": ", ".join((r.get("evidence") or {}).get("name") or ""
                                               for r in item.get("reports") or ()
                                               if r.get("evidence")) or None})
        due = (f"รอรายงาน {period_th(group.get('pending_period'))} กำหนด "
               f"{thai_date(group.get('report_due'))}" if group.get("pending_period")
               else "รายงานครบแล้ว")
        view.tables.append(Table(
            f"{group['code']} {group['title_th']} · งบประมาณ {baht(group['budget_planned'])} บาท "
            f"ใช้แล้ว {baht(group['budget_used'])} บาท · {due}", [
                Column("item", "ตัวชี้วัด"), Column("target", "ค่าเป้าหมาย"),
                Column("period", "งวดล่าสุด"), Column("actual", "ผล"), Column("pct", "ร้อยละ"),
                Column("achieved", "ผลการประเมิน"), Column("evidence", "หลักฐาน")], rows,
            id=f"g-{group['code']}"))
    view.choices = {"target": targets,
                    "period": [(p, period_th(p)) for p in plan.get("periods") or ()]}
    return view


async def load_inspection(request: Request, session: Session, round_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/inspections/{round_id}",
                                                   actor=session.officer_id)
    inspection = answer.data
    view = RecordView(SERVICE, "inspection", "การตรวจราชการ", inspection["title_th"],
                      f"/monitoring/inspections/{round_id}", inspection, answer.etag)
    report = inspection.get("report") or {}
    view.facts = [("ปีงบประมาณ", inspection["fiscal_year_be"]),
                  ("ผู้ตรวจราชการ", inspection.get("inspector_th")),
                  ("กำหนดตรวจ", thai_date(inspection.get("scheduled_on"))),
                  ("รายงานการตรวจ", "บันทึกแล้ว" if report else "ยังไม่บันทึก")]
    if report:
        view.texts.append(("สรุปรายงานการตรวจราชการ", report.get("summary_th") or ""))
    issues = inspection.get("issues") or []
    view.tables.append(Table("ประเด็นการตรวจ", [Column("code", "รหัส"), Column("title_th", "ประเด็น")],
                             issues, id="issues"))
    view.tables.append(Table("ข้อเสนอแนะ", [
        Column("text_th", "ข้อเสนอแนะ", "link"), Column("step_th", "ขั้นตอน"),
        Column("assignee_th", "ผู้รับผิดชอบ"), Column("due", "กำหนดเสร็จ", "date")], [
        {**r, "href": f"/monitoring/recommendations/{r['recommendation_id']}"}
        for r in inspection.get("recommendations") or ()], id="recommendations"))
    view.choices = {"issue_code": [(i["code"], f"{i['code']} {i['title_th']}") for i in issues]}
    return view


async def load_recommendation(request: Request, session: Session, rec_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/recommendations/{rec_id}",
                                                   actor=session.officer_id)
    rec = answer.data
    view = RecordView(SERVICE, "recommendation", "ข้อเสนอแนะการตรวจราชการ",
                      f"ข้อเสนอแนะที่ {rec['number']}: {rec['text_th']}",
                      f"/monitoring/recommendations/{rec_id}", rec, answer.etag,
                      badges=[(rec["step_th"], "step")])
    view.facts = [("ประเด็น", f"{rec['issue']['code']} {rec['issue']['title_th']}"),
                  ("ขั้นตอน", rec["step_th"]), ("ผู้รับผิดชอบ", rec.get("assignee_th")),
                  ("กำหนดเสร็จ", thai_date(rec.get("due"))),
                  ("หมายเหตุการปิดเรื่อง", rec.get("closing_note"))]
    view.tables.append(Table("การดำเนินการและหลักฐาน", [
        Column("action_th", "สิ่งที่ดำเนินการ"), Column("evidence", "หลักฐาน")], [
        {"action_th": a["action_th"], "evidence": (a.get("evidence") or {}).get("name")}
        for a in rec.get("actions") or ()], id="actions-taken"))
    view.links.append((f"/monitoring/inspections/{rec['round_id']}", "รอบการตรวจราชการ"))
    view.history, problem = await board_timeline(request, session, SERVICE, rec_id)
    if problem:
        view.problems.append(problem)
    return view


async def load_evaluation(request: Request, session: Session, evaluation_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/evaluations/{evaluation_id}",
                                                   actor=session.officer_id)
    evaluation = answer.data
    issued = evaluation.get("issued_at") is not None
    record = {**evaluation, "step": "results_issued" if issued else "evaluated",
              "holder": None if issued else "esa_director"}
    view = RecordView(SERVICE, "evaluation", EVALUATION_KIND_TH.get(evaluation["kind"], "ประเมินผล"),
                      evaluation["title_th"], f"/monitoring/evaluations/{evaluation_id}", record,
                      answer.etag, badges=[("แจ้งผลแล้ว" if issued else "รอแจ้งผล", "step")])
    view.facts = [("ปีงบประมาณ", evaluation.get("fiscal_year_be")),
                  ("บันทึกเมื่อ", thai_date(evaluation.get("recorded_at"))),
                  ("แจ้งผลเมื่อ", thai_date(evaluation.get("issued_at")))]
    rows = []
    for result in evaluation.get("results") or ():
        for indicator in result.get("indicators") or ():
            rows.append({"code": result["code"], "title": result["title_th"],
                         "indicator": indicator["name_th"],
                         "target": f"{indicator['target_value']} {indicator['unit']}",
                         "actual": indicator.get("actual"),
                         "achieved": {True: "บรรลุ", False: "ไม่บรรลุ"}.get(indicator.get("achieved"),
                                                                        "ยังไม่รายงาน"),
                         "addressee": result.get("addressee_th")})
    view.tables.append(Table("ผลการประเมินรายตัวชี้วัด", [
        Column("code", "รหัส"), Column("title", "เรื่อง"), Column("indicator", "ตัวชี้วัด"),
        Column("target", "เป้าหมาย"), Column("actual", "ผล"), Column("achieved", "ผลการประเมิน"),
        Column("addressee", "แจ้งผลถึง")], rows, id="results"))
    return view


PLAN = register(RecordPage(SERVICE, "plan", load_plan, PLAN_ACTIONS))
INSPECTION = register(RecordPage(SERVICE, "inspection", load_inspection, INSPECTION_ACTIONS,
                                 (OPEN_INSPECTION,)))
RECOMMENDATION = register(RecordPage(SERVICE, "recommendation", load_recommendation,
                                     RECOMMENDATION_ACTIONS))
EVALUATION = register(RecordPage(SERVICE, "evaluation", load_evaluation, EVALUATION_ACTIONS, (
    OPEN_OBEC_EVALUATION, OPEN_ACTION_PLAN_EVALUATION, OPEN_MID_PLAN_EVALUATION)))
YEAR = Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number")


def create_router() -> PageRouter:
    router = PageRouter(prefix="/monitoring", dependencies=[Depends(load_session)])

    @router.get("/plans")
    async def plans(request: Request, fiscal_year_be: str = "", kind: str = "",
                    session: Session = Depends(signed_in)) -> Response:
        params = {"fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None,
                  "kind": kind if kind in PLAN_KIND_TH else None}
        page, problem = await list_page(request, session, SERVICE, "/monitoring-plans",
                                        params=params)
        rows = [{**p, "href": f"/monitoring/plans/{p['plan_id']}",
                 "kind_th": PLAN_KIND_TH.get(p["kind"], p["kind"]),
                 "groups_count": len(p.get("groups") or ()),
                 "pending": sum(1 for g in p.get("groups") or () if g.get("pending_period"))}
                for p in (page.items if page else [])]
        table = Table("แผนกำกับติดตาม", [
            Column("title_th", "แผน", "link"), Column("kind_th", "ประเภท"),
            Column("fiscal_year_be", "ปี"), Column("groups_count", "โครงการ/กลยุทธ์", "int"),
            Column("pending", "รอรายงาน", "int"), Column("approved_on", "อนุมัติเมื่อ", "date")],
            rows, id="monitoring-plans")
        return show_list(request, ListView(
            "แผนกำกับติดตามและรายงานความก้าวหน้า", SERVICE, table,
            [YEAR, Field("kind", "ประเภท", "select", options=tuple(PLAN_KIND_TH.items()))],
            {"fiscal_year_be": fiscal_year_be, "kind": kind}, page.total if page else None,
            next_url(request, page), problem=problem))

    @router.get("/inspections")
    async def inspections(request: Request, fiscal_year_be: str = "",
                          session: Session = Depends(signed_in)) -> Response:
        params = {"fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None}
        page, problem = await list_page(request, session, SERVICE, "/inspections", params=params)
        rows = [{**i, "href": f"/monitoring/inspections/{i['round_id']}",
                 "recommendations_count": len(i.get("recommendations") or ())}
                for i in (page.items if page else [])]
        table = Table("การตรวจราชการ", [
            Column("title_th", "รอบการตรวจ", "link"), Column("fiscal_year_be", "ปี"),
            Column("inspector_th", "ผู้ตรวจราชการ"), Column("scheduled_on", "กำหนดตรวจ", "date"),
            Column("recommendations_count", "ข้อเสนอแนะ", "int")], rows, id="inspections")
        return show_list(request, ListView(
            "การตรวจราชการและข้อเสนอแนะ", SERVICE, table, [YEAR],
            {"fiscal_year_be": fiscal_year_be}, page.total if page else None,
            next_url(request, page), problem=problem,
            links=INSPECTION.opening_links(session, "/monitoring/inspections")))

    @router.get("/evaluations")
    async def evaluations(request: Request, fiscal_year_be: str = "",
                          session: Session = Depends(signed_in)) -> Response:
        params = {"fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None}
        page, problem = await list_page(request, session, SERVICE, "/evaluations", params=params)
        rows = [{**e, "href": f"/monitoring/evaluations/{e['evaluation_id']}",
                 "kind_th": EVALUATION_KIND_TH.get(e["kind"], e["kind"]),
                 "state": "แจ้งผลแล้ว" if e.get("issued_at") else "รอแจ้งผล"}
                for e in (page.items if page else [])]
        table = Table("การประเมินผล", [
            Column("title_th", "เรื่อง", "link"), Column("kind_th", "ประเภท"),
            Column("fiscal_year_be", "ปี"), Column("recorded_at", "บันทึกเมื่อ", "date"),
            Column("state", "สถานะ")], rows, id="evaluations")
        return show_list(request, ListView(
            "การประเมินผล", SERVICE, table, [YEAR], {"fiscal_year_be": fiscal_year_be},
            page.total if page else None, next_url(request, page), problem=problem,
            links=EVALUATION.opening_links(session, "/monitoring/evaluations")))

    for path, page in (("plans", PLAN), ("inspections", INSPECTION),
                       ("recommendations", RECOMMENDATION), ("evaluations", EVALUATION)):
        _detail(router, path, page)

    @router.get("/reports")
    async def reports(request: Request, fiscal_year_be: str = "",
                      session: Session = Depends(signed_in)) -> Response:
        year = int(fiscal_year_be) if fiscal_year_be.isdigit() else fiscal_year_be_of(
            bangkok_today())
        summary, problem = None, None
        try:
            summary = (await portal_of(request).services.get(
                SERVICE, "/dashboard/summary", actor=session.officer_id,
                params={"fiscal_year_be": year})).data
        except (Refused, Unavailable) as error:
            problem = error.message_th
        return render(request, "reports.html", nav="reports", summary=summary, problem=problem,
                      year=year, dashboard_url=portal_of(request).settings.monitoring_public_url
                      + f"/dashboard?fiscal_year_be={year}")

    @router.get("/reports/annual/{year}.{fmt}")
    async def annual(request: Request, year: int, fmt: str,
                     session: Session = Depends(signed_in)) -> Response:
        if fmt not in ("pdf", "xlsx"):
            return render(request, "error.html", status_code=404, message="ไม่พบไฟล์นี้")
        return await handed_over(request, session, SERVICE, f"/reports/annual/{year}",
                                 f"annual-report-{year}.{fmt}", params={"format": fmt})

    return router


def _detail(router: PageRouter, path: str, page: RecordPage) -> None:
    async def detail(request: Request, record_id: str,
                     session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, page, record_id)

    router.add_api_route(f"/{path}/{{record_id}}", detail, methods=["GET"],
                         name=f"monitoring_{path}")

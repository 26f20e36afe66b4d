"""Budgeting (procedures 10-13) in the portal: budget lines with their movements and balance,
allocations (the table of recipients and its total), transfers (the two lines and the rule
table's verdict), the expenditure analysis, budget requests, external funding and the leftover
review; each record's page offers the actions of its current step (`records.Action`), decided by
budgeting, and each list page the forms that open a case (`RecordPage.openings`); the year's
per-head rates have a page of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.catalogue import BODY_TH
from services.portal.records import (
    DECISION_TH,
    Action,
    Choices,
    Column,
    Field,
    ListView,
    RecordPage,
    RecordView,
    Table,
    board_timeline,
    decision_fields,
    list_page,
    next_url,
    register,
    show_list,
    show_record,
)
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import CATEGORY_TH, LEVEL_TH, baht, bangkok_today, thai_date
from shared.thaitime import fiscal_year_be as fiscal_year_be_of

SERVICE = "budgeting"
GROUP = frozenset({"officer", "group_director"})
CATEGORY_OPTIONS = tuple(CATEGORY_TH.items())
MOVEMENT_TH = {"opened": "เปิดรายการ", "plan_revised": "ปรับแผนการใช้จ่าย", "allocated": "ได้รับจัดสรร",
               "transfer_in": "โอนเข้า", "transfer_out": "โอนออก", "committed": "ก่อหนี้ผูกพัน",
               "commitment_released": "ยกเลิกการก่อหนี้ผูกพัน", "disbursed": "เบิกจ่าย"}


def _body_of(record: Any) -> dict[str, Any]:
    """A decision names the body it records: the one the case awaits."""
    return {"body": record.get("awaiting") or record.get("holder")}


def _amounts_body(body: dict[str, Any]) -> dict[str, Any]:
    """The committee's table: each school's amount, named as the registry names it."""
    return {"items": [{"recipient_kind": "school", "recipient_code": row["key"],
                       "recipient_name_th": row["label"].partition(" ")[2] or row["key"],
                       "amount": row["amount"]} for row in body.get("items") or ()]}


def _review_body(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "appropriate": bool(body.get("appropriate")),
            "agreed": [row["amount"] for row in body.get("agreed") or ()]}


def _success_body(body: dict[str, Any]) -> dict[str, Any]:
    return {"success": [{"line_id": row["key"], "success_met": row["success_met"] == "true"}
                        for row in body.get("success") or () if "success_met" in row]}


# --- actions ------------------------------------------------------------------------------------
MOVEMENT_FIELDS = (Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
                   Field("reference", "เลขที่เอกสาร (ฎีกา ใบสั่งซื้อ สัญญา)", required=True))
LINE_ACTIONS = (
    Action("commitments", "บันทึกการก่อหนี้ผูกพัน", "/lines/{id}/commitments", roles=GROUP,
           fields=MOVEMENT_FIELDS),
    Action("commitment-releases", "ยกเลิกการก่อหนี้ผูกพัน", "/lines/{id}/commitment-releases",
           roles=GROUP, fields=MOVEMENT_FIELDS),
    Action("disbursements", "บันทึกการเบิกจ่าย", "/lines/{id}/disbursements", roles=GROUP,
           fields=(*MOVEMENT_FIELDS,
                   Field("settles_commitment", "จ่ายตามการก่อหนี้ผูกพันที่บันทึกไว้", "check"))),
)


REGISTERED = "เลือกจากหนังสือที่ระบบนี้ได้รับแจ้งจากงานสารบรรณแล้ว"
REPORT_FIELDS = (Field("reported_on", "วันที่รายงาน", "date", required=True, default="today"),
                 Field("letter", "หนังสือรายงาน (ถ้ามี)", "document_ref", hint=REGISTERED))


def committee_action(path: str) -> Action:
    return Action("committee", "แต่งตั้งคณะกรรมการ", f"{path}/committee",
                  frozenset({"opened", "surveying", "announced"}), roles=frozenset({"esa_director"}),
                  fields=(Field("chair", "ประธานกรรมการ", "officer", required=True),
                          Field("members", "กรรมการ (อย่างน้อย 2 คน)", "officers", required=True),
                          Field("appointed_on", "วันที่แต่งตั้ง", "date", required=True,
                                default="today"),
                          Field("order", "คำสั่งแต่งตั้ง (ถ้ามี)", "document_ref", hint=REGISTERED)))


# --- what forms choose from -----------------------------------------------------------------------
async def _options(request: Request, session: Session, path: str,
                   params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A list budgeting keeps, read whole for a form's choices (nothing when it cannot answer:
    the form still renders, and the service refuses what it would not take)."""
    try:
        return (await portal_of(request).services.every(
            SERVICE, path, actor=session.officer_id, params=params, most=1000))[0]
    except (Refused, Unavailable):
        return []


def _line_choice(line: dict[str, Any]) -> tuple[str, str]:
    return (str(line["line_id"]),
            f"{line['project_code']} {line['title_th']} ({line['category_th']}) ปี "
            f"{line['fiscal_year_be']} · คงเหลือ {baht(line['available'])} บาท")


async def _open_schools(request: Request, session: Session) -> list[tuple[str, str]]:
    return [(s["school_code"], f"{s['school_code']} {s['name_th']}")
            for s in await _options(request, session, "/schools", {"status": "open"})]


async def _allocation_choices(request: Request, session: Session) -> Choices:
    return {"line_id": [_line_choice(x) for x in await _options(request, session, "/lines")]}


async def _transfer_choices(request: Request, session: Session) -> Choices:
    lines, reviews = await asyncio.gather(_options(request, session, "/lines"),
                                          _options(request, session, "/leftover-reviews",
                                                   {"step": "guidelines_set"}))
    chosen = [_line_choice(x) for x in lines]
    return {"source_line_id": chosen, "target_line_id": chosen,
            "leftover_review_id": [(str(r["case_id"]), r["title_th"]) for r in reviews]}


async def _funding_choices(request: Request, session: Session) -> Choices:
    return {"school_code": await _open_schools(request, session)}


def _landing(page: str) -> Any:
    return lambda created: page.format(id=created["case_id"])


# --- openings -------------------------------------------------------------------------------------
YEAR_FIELD = Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number", required=True,
                   default="fiscal_year")
OPEN_ALLOCATION = Action(
    "open", "เปิดเรื่องจัดสรรงบประมาณ", "/allocations", roles=GROUP, if_match=False,
    lands_on=_landing("/budgeting/allocations/{id}"), choices=_allocation_choices,
    confirm_th="กรอบวงเงินและเกณฑ์ที่ประกาศ แล้ว ผอ.สพท. แต่งตั้งคณะกรรมการจัดสรร",
    fields=(Field("title_th", "ชื่อเรื่อง", required=True),
            Field("line_id", "รายการงบประมาณที่รับเงินจัดสรร", "select", required=True),
            Field("ceiling", "กรอบวงเงิน (บาท)", "money", required=True),
            Field("criteria_th", "หลักเกณฑ์การจัดสรร", "textarea", required=True)))
OPEN_TRANSFER = Action(
    "open", "เสนอขอโอนเปลี่ยนแปลงงบประมาณ", "/budget-transfers", roles=GROUP, if_match=False,
    lands_on=_landing("/budgeting/transfers/{id}"), choices=_transfer_choices,
    confirm_th="ระบบตรวจตามตารางเกณฑ์การโอนและยอดคงเหลือของรายการต้นทาง",
    fields=(Field("source_line_id", "รายการต้นทาง (โอนออก)", "select", required=True),
            Field("target_line_id", "รายการปลายทาง (รับโอน)", "select", required=True),
            Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
            Field("reason_th", "เหตุผลความจำเป็น", "textarea", required=True),
            Field("new_investment_item", "ปลายทางเป็นรายการลงทุนใหม่", "check"),
            Field("leftover_review_id", "เป็นการจัดสรรเงินเหลือจ่ายของเรื่อง (ถ้ามี)", "select")))
OPEN_ANALYSIS = Action(
    "open", "เปิดเรื่องวิเคราะห์งบประมาณรายจ่าย", "/budget-analyses", roles=GROUP,
    if_match=False, lands_on=_landing("/budgeting/analyses/{id}"),
    fields=(YEAR_FIELD, Field("title_th", "ชื่อเรื่อง", required=True)))
OPEN_REQUEST = Action(
    "open", "แจ้งหลักเกณฑ์การจัดตั้งงบประมาณ (เปิดเรื่องคำขอ)", "/budget-requests", roles=GROUP,
    if_match=False, lands_on=_landing("/budgeting/requests/{id}"),
    fields=(YEAR_FIELD,
            Field("kind", "ประเภทคำขอ", "select", required=True,
                  options=(("annual", "คำขอประจำปี"), ("urgent", "กรณีเร่งด่วน"))),
            Field("title_th", "ชื่อเรื่อง", required=True),
            Field("criteria_th", "นโยบาย หลักเกณฑ์ และวิธีการที่แจ้งสถานศึกษา", "textarea",
                  required=True),
            Field("due_date", "กำหนดส่งคำขอ", "date")))
OPEN_FUNDING = Action(
    "open", "เสนอขอรับการสนับสนุนจากหน่วยงานภายนอก", "/external-funding", roles=GROUP,
    if_match=False, lands_on=_landing("/budgeting/funding/{id}"), choices=_funding_choices,
    fields=(YEAR_FIELD, Field("school_code", "สถานศึกษา", "select", required=True),
            Field("source_th", "หน่วยงานหรือผู้ให้การสนับสนุน", required=True),
            Field("project_th", "โครงการ", required=True),
            Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
            Field("value_analysis_th", "การวิเคราะห์ความคุ้มค่า", "textarea", required=True)))
OPEN_LEFTOVER = Action(
    "open", "เปิดเรื่องพิจารณาเงินเหลือจ่ายประจำปี", "/leftover-reviews", roles=GROUP,
    if_match=False, lands_on=_landing("/budgeting/leftover/{id}"),
    confirm_th="ปีละหนึ่งเรื่อง: คณะกรรมการวิเคราะห์ผลการใช้จ่ายของทุกรายการในปีนั้น",
    fields=(YEAR_FIELD,))

QUARTERS = tuple((str(q), f"ไตรมาส {q}") for q in range(1, 5))


def _line_body(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "planned_by_quarter": [{"quarter": int(row["key"]), "amount": row["amount"]}
                                           for row in body.get("planned_by_quarter") or ()]}


OPEN_LINE = Action(
    "open", "เปิดรายการงบประมาณ (โครงการที่ไม่อยู่ในแผนปฏิบัติการ)", "/lines", roles=GROUP,
    if_match=False, shape=_line_body, lands_on=lambda line: f"/budgeting/lines/{line['line_id']}",
    confirm_th="รายการของโครงการในแผนปฏิบัติการเปิดเองเมื่อแผนได้รับอนุมัติ: เปิดด้วยมือเฉพาะโครงการอื่น",
    fields=(YEAR_FIELD, Field("project_code", "รหัสโครงการ", required=True),
            Field("title_th", "ชื่อโครงการ", required=True),
            Field("category", "หมวดงบ", "select", required=True, options=CATEGORY_OPTIONS),
            Field("planned_by_quarter", "แผนการใช้จ่ายรายไตรมาส", "table", options=QUARTERS,
                  columns=(Field("amount", "จำนวนเงิน (บาท)", "money"),))))

# --- per-head rates --------------------------------------------------------------------------------
SET_RATES = Action(
    "set", "บันทึกอัตราเงินอุดหนุนรายหัวที่ สพฐ. กำหนด", "/per-head-rates/{id}", roles=GROUP,
    method="PUT", confirm_th="ทุกระดับ เป็นบาทต่อคนต่อปี ตามหนังสือหรือประกาศของ สพฐ.",
    fields=(*(Field(level, f"{name} (บาท/คน/ปี)", "money", required=True, path=f"rates.{level}")
              for level, name in LEVEL_TH.items()),
            Field("source_th", "หนังสือหรือประกาศ สพฐ. ที่กำหนดอัตรา", required=True)))


def decision_action(path: str, steps: frozenset[str], label: str = "พิจารณา") -> Action:
    return Action("decision", label, f"{path}/decision", steps, decision=True, fixed=_body_of,
                  fields=decision_fields(cites="resolution"))


def withdraw_action(path: str, steps: frozenset[str]) -> Action:
    return Action("withdraw", "ยกเลิกเรื่อง", f"{path}/withdraw", steps, roles=GROUP, danger=True,
                  fields=(Field("reason", "เหตุผล", "textarea", required=True),))


ALLOCATION_ACTIONS = (
    committee_action("/allocations/{id}"),
    Action("per-head", "คำนวณเงินอุดหนุนรายหัวจากข้อมูลนักเรียน", "/allocations/{id}/per-head",
           frozenset({"committee_appointed", "revising"}),
           confirm_th="คำนวณให้ทุกโรงเรียนที่เปิดสอน จากจำนวนนักเรียนและอัตราต่อหัวของปีงบประมาณ"),
    Action("amounts", "คณะกรรมการจัดสรรเป็นจำนวนเงินรายโรงเรียน", "/allocations/{id}/amounts",
           frozenset({"committee_appointed", "proposed", "revising"}), shape=_amounts_body,
           confirm_th="กรอกเฉพาะโรงเรียนที่ได้รับจัดสรร (บาทและสตางค์) รวมไม่เกินกรอบวงเงิน",
           fields=(Field("items", "จำนวนเงินที่จัดสรร", "table", required=True,
                         columns=(Field("amount", "จำนวนเงิน (บาท)", "money"),)),)),
    Action("submit", "เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "/allocations/{id}/submit",
           frozenset({"proposed"})),
    decision_action("/allocations/{id}", frozenset({"submitted"}), "พิจารณาอนุมัติการจัดสรร"),
    Action("announce", "แจ้งผลการจัดสรร", "/allocations/{id}/announce", frozenset({"approved"}),
           fields=(Field("announced_on", "วันที่แจ้ง", "date", required=True, default="today"),)),
    withdraw_action("/allocations/{id}", frozenset({"opened", "committee_appointed", "proposed",
                                                    "revising"})),
)
TRANSFER_ACTIONS = (
    decision_action("/budget-transfers/{id}", frozenset({"proposed"}), "บันทึกการอนุมัติการโอน"),
    Action("revise", "ปรับปรุงคำขอโอน", "/budget-transfers/{id}/revise", frozenset({"revising"}),
           fields=(Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
                   Field("reason_th", "เหตุผล", "textarea", required=True))),
    Action("report", "รายงานการโอนต่อ สพฐ.", "/budget-transfers/{id}/report",
           frozenset({"approved"}),
           fields=REPORT_FIELDS),
    withdraw_action("/budget-transfers/{id}", frozenset({"proposed", "revising"})),
)
FIGURE_COLUMNS = (Field("item_th", "รายการ (แผน โครงการ ผลผลิต)", required=True),
                  Field("category", "หมวดงบ", "select", required=True, options=CATEGORY_OPTIONS),
                  Field("amount", "จำนวนเงิน (บาท)", "money", required=True))
ANALYSIS_ACTIONS = (
    Action("survey", "แจ้งสถานศึกษาและกลุ่มสำรวจและรายงานข้อมูล", "/budget-analyses/{id}/survey",
           frozenset({"opened"}), roles=GROUP,
           fields=(Field("respondents", "สถานศึกษาและกลุ่มที่ต้องรายงาน (บรรทัดละหนึ่ง)", "lines",
                         required=True),
                   Field("due_date", "กำหนดรายงาน", "date"))),
    Action("responses", "บันทึกข้อมูลที่สถานศึกษาหรือกลุ่มรายงาน", "/budget-analyses/{id}/responses",
           frozenset({"surveying", "committee_appointed"}), roles=GROUP,
           fields=(Field("respondent", "ผู้รายงาน", "select", required=True),
                   Field("summary_th", "สรุปข้อมูลที่รายงาน", "textarea", required=True))),
    committee_action("/budget-analyses/{id}"),
    Action("report-draft", "คณะกรรมการจัดทำรายงานการวิเคราะห์", "/budget-analyses/{id}/report-draft",
           frozenset({"committee_appointed", "revising"}),
           fields=(Field("summary_th", "สรุปผลการวิเคราะห์", "textarea", required=True),
                   Field("figures", "ตัวเลขการวิเคราะห์", "rows", columns=FIGURE_COLUMNS))),
    Action("submit", "เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "/budget-analyses/{id}/submit",
           frozenset({"drafted"})),
    decision_action("/budget-analyses/{id}", frozenset({"submitted"}),
                    "พิจารณาเห็นชอบรายงานการวิเคราะห์"),
    Action("publish", "เผยแพร่รายงานการวิเคราะห์", "/budget-analyses/{id}/publish",
           frozenset({"approved"}),
           fields=(Field("published_on", "วันที่เผยแพร่", "date", required=True, default="today"),)),
    Action("report", "รายงาน สพฐ.", "/budget-analyses/{id}/report", frozenset({"published"}),
           fields=REPORT_FIELDS),
)
REQUEST_ITEM_COLUMNS = (
    Field("title_th", "รายการ", required=True),
    Field("category", "หมวดงบ", "select", required=True, options=CATEGORY_OPTIONS),
    Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
    Field("justification_th", "เหตุผลความจำเป็น"))
OUTPUT_COLUMNS = (Field("output_th", "ผลผลิต", required=True), Field("quantity", "จำนวน", "number"),
                  Field("unit_th", "หน่วยนับ"), Field("quality_th", "เชิงคุณภาพ"))
REQUEST_ACTIONS = (
    Action("school-requests", "บันทึกคำขอของบประมาณของสถานศึกษา",
           "/budget-requests/{id}/school-requests", frozenset({"announced", "committee_appointed"}),
           roles=GROUP, fields=(Field("school_code", "สถานศึกษา", "select", required=True),
                                Field("items", "รายการที่ขอ", "rows", required=True,
                                      columns=REQUEST_ITEM_COLUMNS))),
    committee_action("/budget-requests/{id}"),
    Action("reviews", "คณะกรรมการพิจารณาความเหมาะสมของคำขอ", "/budget-requests/{id}/reviews",
           frozenset({"committee_appointed", "revising"}), shape=_review_body,
           fields=(Field("request_of", "คำขอของสถานศึกษา", "select", required=True,
                         path="school_code"),
                   Field("appropriate", "เหมาะสม (ไม่เลือก: ไม่เหมาะสม ไม่ได้รับงบประมาณ)", "check"),
                   Field("agreed", "จำนวนเงินที่เห็นชอบ ตามลำดับรายการที่ขอ", "rows",
                         required=True, columns=(Field("amount", "จำนวนเงิน (บาท)", "money",
                                                       required=True),)),
                   Field("comments_th", "ความเห็น", "textarea"))),
    Action("targets", "กำหนดเป้าหมายและผลผลิตร่วมกับสถานศึกษา", "/budget-requests/{id}/targets",
           frozenset({"committee_appointed", "revising", "compiled"}), roles=GROUP,
           fields=(Field("party", "ผู้ตกลงเป้าหมาย", "select", required=True),
                   Field("outputs", "เป้าหมายและผลผลิต", "rows", required=True,
                         columns=OUTPUT_COLUMNS))),
    Action("compile", "จัดทำคำขอของบประมาณจากยอดที่เห็นชอบ", "/budget-requests/{id}/compile",
           frozenset({"committee_appointed", "revising"}), roles=GROUP),
    Action("submit", "เสนอคณะกรรมการเขตพื้นที่การศึกษา", "/budget-requests/{id}/submit",
           frozenset({"compiled"})),
    decision_action("/budget-requests/{id}", frozenset({"submitted"}),
                    "บันทึกมติคณะกรรมการเขตพื้นที่การศึกษา"),
    Action("results", "แจ้งผลการพิจารณาให้สถานศึกษา", "/budget-requests/{id}/results",
           frozenset({"endorsed"}),
           fields=(Field("announced_on", "วันที่แจ้ง", "date", required=True, default="today"),)),
    Action("report", "รายงาน สพฐ.", "/budget-requests/{id}/report",
           frozenset({"results_announced"}),
           fields=REPORT_FIELDS),
)
FUNDING_ACTIONS = (
    decision_action("/external-funding/{id}", frozenset({"requested"}), "พิจารณาอนุมัติ"),
    Action("resubmit", "ปรับปรุงและเสนอใหม่", "/external-funding/{id}/resubmit",
           frozenset({"revising"}),
           fields=(Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
                   Field("value_analysis_th", "การวิเคราะห์ความคุ้มค่า", "textarea",
                         required=True))),
    Action("notify", "แจ้งผลให้สถานศึกษา", "/external-funding/{id}/notify",
           frozenset({"approved"}),
           fields=(Field("notified_on", "วันที่แจ้ง", "date", required=True, default="today"),)),
    Action("receipts", "บันทึกทรัพยากรที่ได้รับ", "/external-funding/{id}/receipts",
           frozenset({"school_notified"}), roles=GROUP,
           fields=(Field("amount", "จำนวนเงิน (บาท)", "money", required=True),
                   Field("received_on", "วันที่ได้รับ", "date", required=True, default="today"),
                   Field("reference", "เลขที่หลักฐาน", required=True))),
    withdraw_action("/external-funding/{id}", frozenset({"requested", "revising"})),
)
LEFTOVER_ACTIONS = (
    committee_action("/leftover-reviews/{id}"),
    Action("analysis", "คณะกรรมการวิเคราะห์ผลการใช้จ่ายงบประมาณ", "/leftover-reviews/{id}/analysis",
           frozenset({"committee_appointed", "analysed"}), shape=_success_body,
           confirm_th="ทุกรายการของปีงบประมาณ: ยอดใช้จ่ายและเงินเหลือจ่ายจากระบบงบประมาณ",
           fields=(Field("success", "ผลตามเงื่อนไขความสำเร็จของโครงการ", "table",
                         columns=(Field("success_met", "เงื่อนไขความสำเร็จ", "select",
                                        options=(("true", "บรรลุ"), ("false", "ไม่บรรลุ"))),)),)),
    Action("guidelines", "กำหนดแนวทางการใช้เงินเหลือจ่าย", "/leftover-reviews/{id}/guidelines",
           frozenset({"analysed"}),
           fields=(Field("guidelines_th", "แนวทาง", "textarea", required=True),)),
    Action("report", "รายงานผลต่อ สพฐ.", "/leftover-reviews/{id}/report",
           frozenset({"guidelines_set"}),
           fields=REPORT_FIELDS),
)


# --- what each page shows -----------------------------------------------------------------------
def _approvals_table(record: dict[str, Any]) -> Table:
    rows = [{"round": a.get("round"), "body": BODY_TH.get(a.get("body"), a.get("body")),
             "decision": DECISION_TH.get(a.get("decision"), a.get("decision")),
             "decided_on": a.get("decided_on"), "reason": a.get("reason"),
             "resolution": (a.get("resolution") or {}).get("reference")}
            for a in record.get("approvals") or ()]
    return Table("การพิจารณาแต่ละรอบ", [
        Column("round", "รอบ", "int"), Column("body", "ผู้พิจารณา"), Column("decision", "ผล"),
        Column("decided_on", "วันที่", "date"), Column("reason", "เหตุผล"),
        Column("resolution", "อ้างอิง")], rows, empty_th="ยังไม่มีการพิจารณา")


def _case_view(record: dict[str, Any], kind: str, kind_th: str, url: str,
               etag: str | None) -> RecordView:
    view = RecordView(SERVICE, kind, kind_th, record.get("title_th") or kind_th, url, record,
                      etag, badges=[(record.get("step_th") or "", "step")])
    view.facts += [("ปีงบประมาณ", record.get("fiscal_year_be")),
                   ("ขั้นตอน", record.get("step_th")),
                   ("ผู้ต้องดำเนินการ", record.get("holder_th") or "—"),
                   ("ตั้งแต่", thai_date(record.get("since")))]
    committee = record.get("committee")
    if committee:
        view.people += [("ประธานกรรมการ", [committee.get("chair")]),
                        ("กรรมการ", list(committee.get("members") or ()))]
    return view


async def _get(request: Request, session: Session, path: str) -> tuple[dict[str, Any], str | None]:
    answer = await portal_of(request).services.get(SERVICE, path, actor=session.officer_id)
    return answer.data, answer.etag


async def _with_history(request: Request, session: Session, view: RecordView,
                        subject: str) -> RecordView:
    view.history, problem = await board_timeline(request, session, SERVICE, subject)
    if problem:
        view.problems.append(problem)
    return view


async def load_line(request: Request, session: Session, line_id: str) -> RecordView:
    (line, etag), movements = await asyncio.gather(
        _get(request, session, f"/lines/{line_id}"),
        portal_of(request).services.items(SERVICE, f"/lines/{line_id}/movements",
                                        actor=session.officer_id))
    title = f"{line['project_code']} {line['title_th']} ({line['category_th']})"
    view = RecordView(SERVICE, "line", "รายการงบประมาณ", title, f"/budgeting/lines/{line_id}",
                      line, etag, badges=[(f"ปีงบประมาณ {line['fiscal_year_be']}", "step")])
    view.facts = [("ปีงบประมาณ", line["fiscal_year_be"]), ("โครงการ", line["project_code"]),
                  ("หมวดงบ", line["category_th"]),
                  ("ตามแผน", f"{baht(line['planned_total'])} บาท"),
                  ("ได้รับจัดสรร", f"{baht(line['allocated'])} บาท"),
                  ("งบประมาณ (รวมโอน)", f"{baht(line['budget'])} บาท"),
                  ("ก่อหนี้ผูกพัน", f"{baht(line['committed'])} บาท"),
                  ("เบิกจ่าย", f"{baht(line['disbursed'])} บาท"),
                  ("คงเหลือ", f"{baht(line['available'])} บาท")]
    rows = [{"at": m["at"], "movement": MOVEMENT_TH.get(m["movement"], m["movement"]),
             "amount": m.get("amount"), "reference": m.get("reference"), "actor": m["actor"],
             "committed": m["balance"]["committed"], "disbursed": m["balance"]["disbursed"],
             "available": m["balance"]["available"]} for m in movements]
    view.tables.append(Table("ความเคลื่อนไหวและยอดคงเหลือ", [
        Column("at", "วันเวลา", "datetime"), Column("movement", "รายการ"),
        Column("amount", "จำนวนเงิน", "baht"), Column("reference", "อ้างอิง"),
        Column("actor", "ผู้บันทึก"), Column("committed", "ผูกพัน", "baht"),
        Column("disbursed", "เบิกจ่าย", "baht"), Column("available", "คงเหลือ", "baht")], rows,
        id="movements"))
    view.tables.append(Table("แผนการใช้จ่ายรายไตรมาส", [
        Column("quarter", "ไตรมาส", "int"), Column("amount", "จำนวนเงิน", "baht")],
        line.get("planned_by_quarter") or [],
        footer={"quarter": None, "amount": line["planned_total"]}))
    return view


async def load_allocation(request: Request, session: Session, case_id: str) -> RecordView:
    record, etag = await _get(request, session, f"/allocations/{case_id}")
    view = _case_view(record, "allocation", "การจัดสรรงบประมาณ",
                      f"/budgeting/allocations/{case_id}", etag)
    view.facts += [("กรอบวงเงิน", f"{baht(record['ceiling'])} บาท"),
                   ("จัดสรรรวม", f"{baht(record['total'])} บาท"),
                   ("คงเหลือในกรอบ", f"{baht(record['remaining_under_ceiling'])} บาท"),
                   ("เกณฑ์", record.get("criteria_th")),
                   ("วิธีจัดสรร", {"per_head": "ตามจำนวนนักเรียน × อัตราต่อหัว",
                                   "amounts": "ตามจำนวนเงินที่คณะกรรมการกำหนด"}.get(
                                       record.get("method") or "", record.get("method"))),
                   ("รอบการพิจารณา", record.get("round"))]
    if record.get("missing_snapshots"):
        view.problems.append("ยังไม่มีข้อมูลนักเรียนของ: " + ", ".join(record["missing_snapshots"]))
    rows = []
    for item in record.get("items") or ():
        basis = item.get("basis") or {}
        rows.append({"code": item["recipient_code"], "name": item["recipient_name_th"],
                     "term1": sum((basis.get("term1_pupils") or {}).values()) if basis else None,
                     "term2": sum((basis.get("term2_pupils") or {}).values()) if basis else None,
                     "amount": item["amount"]})
    per_head = any(r["term1"] is not None for r in rows)
    view.tables.append(Table("ตารางการจัดสรร", [
        Column("code", "รหัส"), Column("name", "ผู้ได้รับจัดสรร"),
        *((Column("term1", "นักเรียนภาคเรียนที่ 1", "int"),
           Column("term2", "นักเรียนภาคเรียนที่ 2", "int")) if per_head else ()),
        Column("amount", "จำนวนเงิน (บาท)", "baht")], rows,
        footer={"name": f"รวม {len(rows)} ราย", "amount": record["total"],
                **({"term1": sum(r["term1"] or 0 for r in rows),
                    "term2": sum(r["term2"] or 0 for r in rows)} if per_head else {})},
        id="allocation-table", empty_th="คณะกรรมการยังไม่ได้จัดสรร"))
    if record.get("step") in ("committee_appointed", "proposed", "revising"):
        view.choices = {"items": await _open_schools(request, session)}
    if record.get("rates"):
        view.facts.append(("อัตราต่อหัว (บาท/คน/ปี)", ", ".join(
            f"{LEVEL_TH.get(level, level)} {baht(rate)}" for level, rate in record["rates"].items())))
    view.tables.append(_approvals_table(record))
    view.links.append((f"/budgeting/lines/{record['line_id']}", "รายการงบประมาณที่ใช้"))
    return await _with_history(request, session, view, case_id)


async def load_transfer(request: Request, session: Session, case_id: str) -> RecordView:
    record, etag = await _get(request, session, f"/budget-transfers/{case_id}")
    services = portal_of(request).services
    source, target, rules = await asyncio.gather(
        _maybe(services.get(SERVICE, f"/lines/{record['source_line_id']}", actor=session.officer_id)),
        _maybe(services.get(SERVICE, f"/lines/{record['target_line_id']}", actor=session.officer_id)),
        _maybe(services.get(SERVICE, "/transfer-rules", actor=session.officer_id)))
    view = _case_view(record, "transfer", "การโอนเปลี่ยนแปลงงบประมาณ",
                      f"/budgeting/transfers/{case_id}", etag)
    rule = next((r for r in (rules or ()) if r.get("code") == record.get("rule")), None)
    view.facts += [("จำนวนเงินที่ขอโอน", f"{baht(record['amount'])} บาท"),
                   ("เหตุผล", record.get("reason_th")),
                   ("รายการลงทุนใหม่", "ใช่" if record.get("new_investment_item") else "ไม่ใช่"),
                   ("ผู้ขอโอน", record.get("proposed_by")),
                   ("รอการพิจารณาของ", BODY_TH.get(record.get("awaiting") or "", "—"))]
    lines = []
    for role, line in (("ต้นทาง (โอนออก)", source), ("ปลายทาง (รับโอน)", target)):
        if line is None:
            continue
        lines.append({"role": role, "line": f"{line['project_code']} {line['title_th']}",
                      "href": f"/budgeting/lines/{line['line_id']}",
                      "category": line["category_th"], "budget": line["budget"],
                      "available": line["available"]})
    view.tables.append(Table("รายการที่โอน", [
        Column("role", "ฝั่ง"), Column("line", "รายการงบประมาณ", "link"),
        Column("category", "หมวดงบ"), Column("budget", "งบประมาณ", "baht"),
        Column("available", "คงเหลือ", "baht")], lines, id="transfer-lines"))
    verdict = [{"code": record.get("rule"),
                "description": rule.get("description_th") if rule else "—",
                "approvals": " → ".join(BODY_TH.get(b, b) for b in record.get("approvals_required")
                                        or ())}]
    view.tables.append(Table("ผลการตรวจตามตารางเกณฑ์การโอน", [
        Column("code", "ข้อ"), Column("description", "เกณฑ์"),
        Column("approvals", "ผู้มีอำนาจอนุมัติตามลำดับ")], verdict, id="rule-verdict"))
    view.tables.append(_approvals_table(record))
    return await _with_history(request, session, view, case_id)


async def _maybe(call: Any) -> Any:
    try:
        return (await call).data
    except (Refused, Unavailable):
        return None


Extra = Callable[[Request, Session, RecordView], Awaitable[None]]


async def _analysis_parts(request: Request, session: Session, view: RecordView) -> None:
    """Who was asked to report and what each reported; a response is recorded for one of them."""
    record = view.record
    answered = {r["respondent"]: r["summary_th"] for r in record.get("responses") or ()}
    if record.get("respondents"):
        view.facts.append(("กำหนดรายงาน", thai_date(record.get("survey_due"))))
        view.tables.append(Table("การสำรวจและรายงานข้อมูล", [
            Column("respondent", "สถานศึกษา / กลุ่ม"), Column("summary_th", "ข้อมูลที่รายงาน")],
            [{"respondent": r, "summary_th": answered.get(r) or "ยังไม่รายงาน"}
             for r in record["respondents"]], id="responses"))
    view.choices = {"respondent": [(r, r) for r in record.get("respondents") or ()]}


async def _request_parts(request: Request, session: Session, view: RecordView) -> None:
    """Each school's items (what the committee reviews, in order) and the agreed targets."""
    record = view.record
    schools = record.get("schools") or []
    rows = [{"school": f"{s['school_code']} {s['school_name_th']}", "no": n,
             "title_th": item.get("title_th"),
             "category": CATEGORY_TH.get(item.get("category"), item.get("category")),
             "amount": item.get("amount"), "justification_th": item.get("justification_th"),
             "agreed": s["agreed"][n - 1] if s.get("reviewed") and len(s["agreed"]) >= n else None}
            for s in schools for n, item in enumerate(s.get("items") or (), 1)]
    view.tables.append(Table("รายการคำขอของสถานศึกษา", [
        Column("school", "สถานศึกษา"), Column("no", "ลำดับ", "int"), Column("title_th", "รายการ"),
        Column("category", "หมวดงบ"), Column("amount", "ขอ", "baht"),
        Column("agreed", "เห็นชอบ", "baht"), Column("justification_th", "เหตุผล")], rows,
        id="request-items", empty_th="ยังไม่มีสถานศึกษาส่งคำขอ"))
    targets = [{"party": "สำนักงานเขตพื้นที่การศึกษา" if t["party"] == "office" else t["party"],
                "output_th": o.get("output_th"),
                "quantity": " ".join(str(x) for x in (o.get("quantity"), o.get("unit_th"))
                                     if x not in (None, "")),
                "quality_th": o.get("quality_th")}
               for t in record.get("targets") or () for o in t.get("outputs") or ()]
    if targets:
        view.tables.append(Table("เป้าหมายและผลผลิต", [
            Column("party", "ผู้ตกลง"), Column("output_th", "ผลผลิต"),
            Column("quantity", "เชิงปริมาณ"), Column("quality_th", "เชิงคุณภาพ")], targets,
            id="targets"))
    requested = [(s["school_code"], f"{s['school_code']} {s['school_name_th']}") for s in schools]
    view.choices = {"request_of": requested,
                    "party": [("office", "สำนักงานเขตพื้นที่การศึกษา"), *requested]}
    if record.get("step") in ("announced", "committee_appointed"):
        view.choices["school_code"] = await _open_schools(request, session)


async def _leftover_parts(request: Request, session: Session, view: RecordView) -> None:
    """The year's lines, each with its success conditions to assess (the committee's analysis)."""
    if view.record.get("step") in ("committee_appointed", "analysed"):
        lines = await _options(request, session, "/lines",
                               {"fiscal_year_be": view.record["fiscal_year_be"]})
        view.choices = {"success": [(str(x["line_id"]), f"{x['project_code']} {x['title_th']} "
                                     f"({x['category_th']}) คงเหลือ {baht(x['available'])} บาท")
                                    for x in lines]}


def _generic(kind: str, kind_th: str, api: str, page: str, extra: Extra | None = None) -> Any:
    async def load(request: Request, session: Session, case_id: str) -> RecordView:
        record, etag = await _get(request, session, api.format(id=case_id))
        view = _case_view(record, kind, kind_th, page.format(id=case_id), etag)
        if extra is not None:
            await extra(request, session, view)
        for key, label in (("total", "ยอดรวม"), ("amount", "จำนวนเงิน"),
                           ("compiled_total", "คำขอรวม"), ("total_leftover", "เงินเหลือจ่ายรวม")):
            if record.get(key) is not None:
                view.facts.append((label, f"{baht(record[key])} บาท"))
        for key, label in (("summary_th", "สรุปผลการวิเคราะห์"), ("criteria_th", "หลักเกณฑ์"),
                           ("value_analysis_th", "การวิเคราะห์ความคุ้มค่า"),
                           ("guidelines_th", "แนวทางการใช้เงินเหลือจ่าย")):
            if record.get(key):
                view.texts.append((label, record[key]))
        if record.get("figures"):
            view.tables.append(Table("ตัวเลขการวิเคราะห์", [
                Column("item_th", "รายการ"), Column("category", "หมวดงบ"),
                Column("amount", "จำนวนเงิน", "baht")],
                [{**f, "category": CATEGORY_TH.get(f["category"], f["category"])}
                 for f in record["figures"]], footer={"item_th": "รวม",
                                                      "amount": record.get("total")}))
        if record.get("schools"):
            view.tables.append(Table("คำขอของสถานศึกษา (รวม)", [
                Column("school_code", "รหัส"), Column("school_name_th", "สถานศึกษา"),
                Column("requested", "ขอ", "baht"), Column("agreed_total", "เห็นชอบ", "baht")],
                record["schools"], footer={"school_name_th": "รวมที่จัดทำคำขอ",
                                           "agreed_total": record.get("compiled_total")}))
        if record.get("lines"):
            view.tables.append(Table("เงินเหลือจ่ายรายรายการ", [
                Column("project_code", "โครงการ"), Column("category", "หมวดงบ"),
                Column("budget", "งบประมาณ", "baht"), Column("spent", "ใช้แล้ว", "baht"),
                Column("leftover", "เหลือจ่าย", "baht")],
                [{**line, "category": CATEGORY_TH.get(line["category"], line["category"])}
                 for line in record["lines"]],
                footer={"project_code": "รวม", "leftover": record.get("total_leftover")}))
        if record.get("receipts"):
            view.tables.append(Table("ทรัพยากรที่ได้รับ", [
                Column("received_on", "วันที่", "date"), Column("reference", "อ้างอิง"),
                Column("amount", "จำนวนเงิน", "baht")], record["receipts"],
                footer={"reference": "รวม", "amount": record.get("received_total")}))
        if record.get("approvals") is not None:
            view.tables.append(_approvals_table(record))
        return await _with_history(request, session, view, case_id)

    return load


async def load_rates(request: Request, session: Session, year: str) -> RecordView:
    """A fiscal year's per-head rates: recorded (its version the ETag to change it) or, until
    recorded, those the service would use (the rate file or the defaults)."""
    if not year.isdigit():
        raise Refused(SERVICE, 404, "not-found", "ไม่พบปีงบประมาณนี้")
    rates, etag = await _get(request, session, f"/per-head-rates/{year}")
    recorded = rates.get("version") is not None
    view = RecordView(SERVICE, "rates", "อัตราเงินอุดหนุนรายหัว",
                      f"อัตราเงินอุดหนุนรายหัว ปีงบประมาณ พ.ศ. {year}", f"/budgeting/rates/{year}",
                      rates, etag if recorded else None,
                      badges=[("บันทึกแล้ว" if recorded else "ยังไม่บันทึก ใช้อัตราตั้งต้น", "step")])
    view.facts = [("ปีงบประมาณ", year), ("ที่มา", rates.get("source_th") or "—")]
    view.tables.append(Table("อัตราต่อหัว (บาท/คน/ปี)", [
        Column("level", "ระดับ"), Column("rate", "อัตรา", "baht")],
        [{"level": LEVEL_TH.get(level, level), "rate": rate}
         for level, rate in (rates.get("rates") or {}).items()], id="rates"))
    view.links += [(f"/budgeting/rates/{int(year) - 1}", f"ปี {int(year) - 1}"),
                   (f"/budgeting/rates/{int(year) + 1}", f"ปี {int(year) + 1}"),
                   ("/budgeting/allocations", "การจัดสรรงบประมาณ")]
    return view


PAGES = {
    "line": register(RecordPage(SERVICE, "line", load_line, LINE_ACTIONS, (OPEN_LINE,))),
    "allocation": register(RecordPage(SERVICE, "allocation", load_allocation, ALLOCATION_ACTIONS,
                                      (OPEN_ALLOCATION,))),
    "transfer": register(RecordPage(SERVICE, "transfer", load_transfer, TRANSFER_ACTIONS,
                                    (OPEN_TRANSFER,))),
    "analysis": register(RecordPage(SERVICE, "analysis", _generic(
        "analysis", "การวิเคราะห์งบประมาณรายจ่าย", "/budget-analyses/{id}",
        "/budgeting/analyses/{id}", _analysis_parts), ANALYSIS_ACTIONS, (OPEN_ANALYSIS,))),
    "request": register(RecordPage(SERVICE, "request", _generic(
        "request", "คำขอจัดตั้งงบประมาณ", "/budget-requests/{id}", "/budgeting/requests/{id}",
        _request_parts), REQUEST_ACTIONS, (OPEN_REQUEST,))),
    "funding": register(RecordPage(SERVICE, "funding", _generic(
        "funding", "การขอรับการสนับสนุนจากภายนอก", "/external-funding/{id}",
        "/budgeting/funding/{id}"), FUNDING_ACTIONS, (OPEN_FUNDING,))),
    "leftover": register(RecordPage(SERVICE, "leftover", _generic(
        "leftover", "เงินเหลือจ่าย", "/leftover-reviews/{id}", "/budgeting/leftover/{id}",
        _leftover_parts), LEFTOVER_ACTIONS, (OPEN_LEFTOVER,))),
    "rates": register(RecordPage(SERVICE, "rates", load_rates, (SET_RATES,))),
}
# The lists of cases: (portal path, service path, Thai title, the page's kind).
CASE_LISTS = (
    ("allocations", "/allocations", "การจัดสรรงบประมาณ", "allocation"),
    ("transfers", "/budget-transfers", "การโอนเปลี่ยนแปลงงบประมาณ", "transfer"),
    ("analyses", "/budget-analyses", "การวิเคราะห์งบประมาณรายจ่าย", "analysis"),
    ("requests", "/budget-requests", "คำขอจัดตั้งงบประมาณ", "request"),
    ("funding", "/external-funding", "การขอรับการสนับสนุนจากภายนอก", "funding"),
    ("leftover", "/leftover-reviews", "เงินเหลือจ่ายและการโอนเปลี่ยนแปลงงบประมาณ", "leftover"),
)
YEAR = Field("fiscal_year_be", "ปีงบประมาณ (พ.ศ.)", "number")
OPEN_OPTIONS = (("false", "ยังไม่ปิด"), ("true", "ปิดแล้ว"))


def create_router() -> PageRouter:
    router = PageRouter(prefix="/budgeting", dependencies=[Depends(load_session)])

    @router.get("/lines")
    async def lines(request: Request, fiscal_year_be: str = "", category: str = "", q: str = "",
                    session: Session = Depends(signed_in)) -> Response:
        params = {"fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None,
                  "category": category if category in CATEGORY_TH else None}
        page, problem = await list_page(request, session, SERVICE, "/lines", params=params, q=q,
                                        search=("project_code", "title_th"))
        rows = [{**line, "href": f"/budgeting/lines/{line['line_id']}",
                 "name": f"{line['project_code']} {line['title_th']}"}
                for line in (page.items if page else [])]
        table = Table("รายการงบประมาณ", [
            Column("name", "โครงการ", "link"), Column("category_th", "หมวดงบ"),
            Column("fiscal_year_be", "ปี"), Column("budget", "งบประมาณ", "baht"),
            Column("committed", "ผูกพัน", "baht"), Column("disbursed", "เบิกจ่าย", "baht"),
            Column("available", "คงเหลือ", "baht")], rows, id="lines",
            footer=_sum(rows, ("budget", "committed", "disbursed", "available"), "name"))
        return show_list(request, ListView(
            "รายการงบประมาณ", SERVICE, table, [YEAR, Field(
                "category", "หมวดงบ", "select", options=CATEGORY_OPTIONS), Field("q", "ค้นหา")],
            {"fiscal_year_be": fiscal_year_be, "category": category, "q": q},
            page.total if page else None, next_url(request, page), problem=problem,
            links=PAGES["line"].opening_links(session, "/budgeting/lines")))

    for slug, api, title, kind in CASE_LISTS:
        _case_list(router, slug, api, title, kind)

    for kind, page in PAGES.items():
        _detail(router, kind, page)
    return router


def _sum(rows: list[dict[str, Any]], keys: tuple[str, ...], label_key: str) -> dict[str, Any] | None:
    if not rows:
        return None
    total: dict[str, Any] = {k: sum((Decimal(str(r[k])) for r in rows), Decimal("0"))
                             for k in keys}
    total[label_key] = "รวมหน้านี้"
    return total


def _case_list(router: PageRouter, slug: str, api: str, title: str, kind: str) -> None:
    async def listing(request: Request, fiscal_year_be: str = "", closed: str = "",
                      session: Session = Depends(signed_in)) -> Response:
        params = {"fiscal_year_be": fiscal_year_be if fiscal_year_be.isdigit() else None,
                  "closed": closed if closed in ("true", "false") else None}
        page, problem = await list_page(request, session, SERVICE, api, params=params)
        rows = [{**c, "href": f"/budgeting/{slug}/{c['case_id']}",
                 "amount": next((c[k] for k in ("total", "amount", "total_leftover")
                                 if c.get(k) is not None), None)}
                for c in (page.items if page else [])]
        links = PAGES[kind].opening_links(session, f"/budgeting/{slug}")
        if kind == "allocation":
            links.append((f"/budgeting/rates/{fiscal_year_be_of(bangkok_today())}",
                          "อัตราเงินอุดหนุนรายหัว"))
        table = Table(title, [
            Column("title_th", "เรื่อง", "link"), Column("fiscal_year_be", "ปี"),
            Column("amount", "จำนวนเงิน", "baht"), Column("step_th", "ขั้นตอน"),
            Column("holder_th", "ผู้ต้องดำเนินการ"), Column("since", "ตั้งแต่", "date")], rows,
            id=slug)
        return show_list(request, ListView(
            title, SERVICE, table, [YEAR, Field("closed", "สถานะ", "select", options=OPEN_OPTIONS)],
            {"fiscal_year_be": fiscal_year_be, "closed": closed}, page.total if page else None,
            next_url(request, page), links=links, problem=problem))

    router.add_api_route(f"/{slug}", listing, methods=["GET"], name=f"budgeting_{slug}")


def _detail(router: PageRouter, kind: str, page: RecordPage) -> None:
    slug = {"line": "lines", "allocation": "allocations", "transfer": "transfers",
            "analysis": "analyses", "request": "requests", "funding": "funding",
            "leftover": "leftover", "rates": "rates"}[kind]

    async def detail(request: Request, record_id: str,
                     session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, page, record_id)

    router.add_api_route(f"/{slug}/{{record_id}}", detail, methods=["GET"],
                         name=f"budgeting_{kind}")

"""Budgeting (procedures 10-13) in the portal: budget lines with their movements and balance,
allocations (the table of recipients and its total), transfers (the two lines and the rule
table's verdict), the expenditure analysis, budget requests and external funding; each record's
page offers the actions of its current step (`records.Action`), decided by budgeting."""

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
from services.portal.views import CATEGORY_TH, LEVEL_TH, baht, thai_date

SERVICE = "budgeting"
GROUP = frozenset({"officer", "group_director"})
CATEGORY_OPTIONS = tuple(CATEGORY_TH.items())
MOVEMENT_TH = {"opened": "เปิดรายการ", "plan_revised": "ปรับแผนการใช้จ่าย", "allocated": "ได้รับจัดสรร",
               "transfer_in": "โอนเข้า", "transfer_out": "โอนออก", "committed": "ก่อหนี้ผูกพัน",
               "commitment_released": "ยกเลิกการก่อหนี้ผูกพัน", "disbursed": "เบิกจ่าย"}


def _body_of(record: Any) -> dict[str, Any]:
    """A decision names the body it records: the one the case awaits."""
    return {"body": record.get("awaiting") or record.get("holder")}


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


def committee_action(path: str) -> Action:
    return Action("committee", "แต่งตั้งคณะกรรมการ", f"{path}/committee",
                  frozenset({"opened", "surveying", "announced"}), roles=frozenset({"esa_director"}),
                  fields=(Field("chair", "ประธานกรรมการ", "officer", required=True),
                          Field("members", "กรรมการ (อย่างน้อย 2 คน)", "officers", required=True),
                          Field("appointed_on", "วันที่แต่งตั้ง", "date", required=True,
                                default="today")))


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
           fields=(Field("reported_on", "วันที่รายงาน", "date", required=True, default="today"),)),
    withdraw_action("/budget-transfers/{id}", frozenset({"proposed", "revising"})),
)
ANALYSIS_ACTIONS = (
    committee_action("/budget-analyses/{id}"),
    Action("submit", "เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "/budget-analyses/{id}/submit",
           frozenset({"drafted"})),
    decision_action("/budget-analyses/{id}", frozenset({"submitted"}),
                    "พิจารณาเห็นชอบรายงานการวิเคราะห์"),
    Action("publish", "เผยแพร่รายงานการวิเคราะห์", "/budget-analyses/{id}/publish",
           frozenset({"approved"}),
           fields=(Field("published_on", "วันที่เผยแพร่", "date", required=True, default="today"),)),
    Action("report", "รายงาน สพฐ.", "/budget-analyses/{id}/report", frozenset({"published"}),
           fields=(Field("reported_on", "วันที่รายงาน", "date", required=True, default="today"),)),
)
REQUEST_ACTIONS = (
    committee_action("/budget-requests/{id}"),
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
           fields=(Field("reported_on", "วันที่รายงาน", "date", required=True, default="today"),)),
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
    Action("guidelines", "กำหนดแนวทางการใช้เงินเหลือจ่าย", "/leftover-reviews/{id}/guidelines",
           frozenset({"analysed"}),
           fields=(Field("guidelines_th", "แนวทาง", "textarea", required=True),)),
    Action("report", "รายงานผลต่อ สพฐ.", "/leftover-reviews/{id}/report",
           frozenset({"guidelines_set"}),
           fields=(Field("reported_on", "วันที่รายงาน", "date", required=True, default="today"),)),
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


def _generic(kind: str, kind_th: str, api: str, page: str) -> Any:
    async def load(request: Request, session: Session, case_id: str) -> RecordView:
        record, etag = await _get(request, session, api.format(id=case_id))
        view = _case_view(record, kind, kind_th, page.format(id=case_id), etag)
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
            view.tables.append(Table("คำขอของสถานศึกษา", [
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


PAGES = {
    "line": register(RecordPage(SERVICE, "line", load_line, LINE_ACTIONS)),
    "allocation": register(RecordPage(SERVICE, "allocation", load_allocation, ALLOCATION_ACTIONS)),
    "transfer": register(RecordPage(SERVICE, "transfer", load_transfer, TRANSFER_ACTIONS)),
    "analysis": register(RecordPage(SERVICE, "analysis", _generic(
        "analysis", "การวิเคราะห์งบประมาณรายจ่าย", "/budget-analyses/{id}",
        "/budgeting/analyses/{id}"), ANALYSIS_ACTIONS)),
    "request": register(RecordPage(SERVICE, "request", _generic(
        "request", "คำขอจัดตั้งงบประมาณ", "/budget-requests/{id}", "/budgeting/requests/{id}"),
        REQUEST_ACTIONS)),
    "funding": register(RecordPage(SERVICE, "funding", _generic(
        "funding", "การขอรับการสนับสนุนจากภายนอก", "/external-funding/{id}",
        "/budgeting/funding/{id}"), FUNDING_ACTIONS)),
    "leftover": register(RecordPage(SERVICE, "leftover", _generic(
        "leftover", "เงินเหลือจ่าย", "/leftover-reviews/{id}", "/budgeting/leftover/{id}"),
        LEFTOVER_ACTIONS)),
}
# The lists of cases: (portal path, service path, Thai title, the page's kind).
CASE_LISTS = (
    ("allocations", "/allocations", "การจัดสรรงบประมาณ", "allocation"),
    ("transfers", "/budget-transfers", "การโอนเปลี่ยนแปลงงบประมาณ", "transfer"),
    ("analyses", "/budget-analyses", "การวิเคราะห์งบประมาณรายจ่าย", "analysis"),
    ("requests", "/budget-requests", "คำขอจัดตั้งงบประมาณ", "request"),
    ("funding", "/external-funding", "การขอรับการสนับสนุนจากภายนอก", "funding"),
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
            page.total if page else None, next_url(request, page), problem=problem))

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
                 "amount": c.get("total") if c.get("total") is not None else c.get("amount")}
                for c in (page.items if page else [])]
        table = Table(title, [
            Column("title_th", "เรื่อง", "link"), Column("fiscal_year_be", "ปี"),
            Column("amount", "จำนวนเงิน", "baht"), Column("step_th", "ขั้นตอน"),
            Column("holder_th", "ผู้ต้องดำเนินการ"), Column("since", "ตั้งแต่", "date")], rows,
            id=slug)
        return show_list(request, ListView(
            title, SERVICE, table, [YEAR, Field("closed", "สถานะ", "select", options=OPEN_OPTIONS)],
            {"fiscal_year_be": fiscal_year_be, "closed": closed}, page.total if page else None,
            next_url(request, page), problem=problem))

    router.add_api_route(f"/{slug}", listing, methods=["GET"], name=f"budgeting_{slug}")


def _detail(router: PageRouter, kind: str, page: RecordPage) -> None:
    slug = {"line": "lines", "allocation": "allocations", "transfer": "transfers",
            "analysis": "analyses", "request": "requests", "funding": "funding",
            "leftover": "leftover"}[kind]

    async def detail(request: Request, record_id: str,
                     session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, page, record_id)

    router.add_api_route(f"/{slug}/{{record_id}}", detail, methods=["GET"],
                         name=f"budgeting_{kind}")

"""Coordination and service, knowledge and the meetings' action items (procedures 2-4): a service
request taken down by the group's staff, routed by a group director to an officer, answered, and
the requester's satisfaction recorded by someone other than who answered; a knowledge item
captured, screened by a group director and published (the published ones searched by word); an
action item a meeting gave to an officer, reported done. Their lists, paged and filtered."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.records import (
    Action,
    Column,
    Field,
    ListView,
    RecordPage,
    RecordView,
    Table,
    list_page,
    next_url,
    register,
    show_list,
    show_record,
)
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.sessions import Session
from services.portal.views import thai_date, thai_datetime

SERVICE = "correspondence"
GROUP_STAFF = frozenset({"clerk", "officer", "group_director"})
DIRECTOR = frozenset({"group_director"})
REQUESTER_KINDS = (("school", "สถานศึกษา"), ("office_group", "กลุ่มอื่นในสำนักงาน"),
                   ("agency", "หน่วยงานภายนอก"), ("public", "ประชาชนทั่วไป"))
CHANNELS = (("walk_in", "ติดต่อด้วยตนเอง"), ("phone", "โทรศัพท์"), ("email", "อีเมล"),
            ("letter", "หนังสือราชการ"), ("online", "ช่องทางออนไลน์"))
REQUEST_STEPS = (("logged", "รอมอบหมายผู้รับผิดชอบ"), ("routed", "มอบหมายผู้รับผิดชอบแล้ว"),
                 ("responded", "ตอบสนองคำขอแล้ว"), ("rated", "บันทึกความพึงพอใจแล้ว"))
SCORES = (("5", "มากที่สุด (5)"), ("4", "มาก (4)"), ("3", "ปานกลาง (3)"), ("2", "น้อย (2)"),
          ("1", "น้อยที่สุด (1)"))
KNOWLEDGE_STEPS = (("captured", "รอกลั่นกรอง"), ("accepted", "ผ่านการกลั่นกรอง รอเผยแพร่"),
                   ("rejected", "ไม่ผ่านการกลั่นกรอง"), ("published", "เผยแพร่แล้ว"))
OPEN_OR_ALL = (("true", "ยังไม่เสร็จ"), ("false", "ทั้งหมด"))
OVERDUE = (("true", "เกินกำหนด"), ("false", "ยังไม่เกินกำหนด"))


# --- service requests --------------------------------------------------------------------------------
LOG_REQUEST = Action(
    "log", "รับเรื่องคำขอรับบริการ", "/service-requests", roles=GROUP_STAFF, if_match=False,
    lands_on=lambda found: f"/saraban/service-requests/{found['service_request_id']}",
    fields=(Field("subject", "เรื่อง", required=True),
            Field("requester_kind", "ผู้ขอรับบริการเป็น", "select", required=True,
                  options=REQUESTER_KINDS),
            Field("requester_name", "ชื่อผู้ขอรับบริการ", required=True),
            Field("contact", "ช่องทางติดต่อกลับ"),
            Field("channel", "ช่องทางที่รับเรื่อง", "select", required=True, options=CHANNELS,
                  default="walk_in"),
            Field("details", "รายละเอียด", "textarea"),
            Field("received_at", "รับเรื่องเมื่อ", "datetime", hint="เว้นว่าง: เวลานี้")))
REQUEST_ACTIONS = (
    Action("route", "มอบหมายผู้รับผิดชอบ", "/service-requests/{id}/route", frozenset({"logged"}),
           fields=(Field("officer_id", "ผู้รับผิดชอบ", "officer", required=True),
                   Field("due_date", "กำหนดเสร็จ", "date"))),
    Action("respond", "บันทึกการตอบสนองคำขอ", "/service-requests/{id}/respond",
           frozenset({"routed"}),
           fields=(Field("response", "การตอบสนอง / ผลการให้บริการ", "textarea", required=True),
                   Field("responded_at", "ตอบสนองเมื่อ", "datetime", hint="เว้นว่าง: เวลานี้"))),
    Action("satisfaction", "บันทึกความพึงพอใจของผู้รับบริการ", "/service-requests/{id}/satisfaction",
           frozenset({"responded"}), roles=GROUP_STAFF,
           fields=(Field("score", "ระดับความพึงพอใจ", "select", required=True, options=SCORES),
                   Field("comment", "ความเห็นของผู้รับบริการ", "textarea"))),
)


async def load_request(request: Request, session: Session, request_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/service-requests/{request_id}",
                                                   actor=session.officer_id)
    found = answer.data
    view = RecordView(SERVICE, "service_request", "คำขอรับบริการ", found["subject"],
                      f"/saraban/service-requests/{request_id}", found, answer.etag,
                      badges=[(found["step_th"], "step")])
    view.facts = [("ผู้ขอรับบริการ", f"{found['requester_name']} ({found['requester_kind_th']})"),
                  ("ติดต่อกลับ", found.get("contact")), ("ช่องทาง", found.get("channel_th")),
                  ("รับเรื่องเมื่อ", thai_datetime(found.get("received_at"))),
                  ("ขั้นตอน", found["step_th"]),
                  ("ผู้รับผิดชอบ", found.get("officer_name_th") or found.get("officer_id")),
                  ("กำหนดเสร็จ", thai_date(found.get("due"))),
                  ("ระยะเวลาตอบสนอง", found.get("response_time_th")),
                  ("ความพึงพอใจ", found.get("satisfaction_th"))]
    view.people = [("ผู้รับเรื่อง", [found["logged_by"]])]
    view.texts = [("รายละเอียด", found.get("details") or "—")]
    if found.get("response"):
        view.texts.append(("การตอบสนอง", found["response"]))
    return view


# --- knowledge ---------------------------------------------------------------------------------------
CAPTURE = Action(
    "capture", "รวบรวมองค์ความรู้", "/knowledge-items", roles=GROUP_STAFF, if_match=False,
    lands_on=lambda item: f"/saraban/knowledge/{item['knowledge_item_id']}",
    fields=(Field("title", "ชื่อเรื่อง", required=True),
            Field("body", "เนื้อหา", "textarea", required=True),
            Field("tags", "คำสำคัญ (บรรทัดละคำ)", "lines"),
            Field("source", "แหล่งที่มา")))
KNOWLEDGE_ACTIONS = (
    Action("screen", "กลั่นกรององค์ความรู้", "/knowledge-items/{id}/screen",
           frozenset({"captured"}), decision=True,
           fields=(Field("accept", "ผลการกลั่นกรอง", "select", required=True,
                         options=(("true", "ผ่านการกลั่นกรอง"), ("false", "ไม่ผ่าน"))),
                   Field("reason", "เหตุผล (ต้องระบุเมื่อไม่ผ่าน)", "textarea"))),
    Action("publish", "เผยแพร่องค์ความรู้", "/knowledge-items/{id}/publish",
           frozenset({"accepted"}), roles=DIRECTOR,
           fields=(Field("tags", "คำสำคัญที่เพิ่ม (บรรทัดละคำ)", "lines"),)),
)


async def load_knowledge(request: Request, session: Session, item_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/knowledge-items/{item_id}",
                                                   actor=session.officer_id)
    item = answer.data
    view = RecordView(SERVICE, "knowledge", "องค์ความรู้", item["title"],
                      f"/saraban/knowledge/{item_id}", item, answer.etag,
                      badges=[(item["step_th"], "step")])
    view.facts = [("ผู้รวบรวม", item.get("author_name_th") or item["author_id"]),
                  ("รวบรวมเมื่อ", thai_datetime(item.get("captured_at"))),
                  ("คำสำคัญ", ", ".join(item.get("tags") or ()) or None),
                  ("แหล่งที่มา", item.get("source")), ("ขั้นตอน", item["step_th"]),
                  ("เหตุผลการกลั่นกรอง", item.get("screening_reason")),
                  ("เผยแพร่เมื่อ", thai_datetime(item.get("published_at")))]
    view.texts = [("เนื้อหา", item.get("body") or "—")]
    return view


# --- action items of meetings ------------------------------------------------------------------------
ACTION_ITEM_ACTIONS = (
    Action("close", "รายงานผลการดำเนินการ (ปิดงาน)", "/action-items/{id}/close",
           frozenset({"open"}), named=("owner_id",), roles=DIRECTOR,
           fields=(Field("result", "ผลการดำเนินการ", "textarea", required=True),)),
)


async def load_action_item(request: Request, session: Session, item_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/action-items/{item_id}",
                                                   actor=session.officer_id)
    item = answer.data
    view = RecordView(SERVICE, "action_item", "งานตามมติที่ประชุม", item["title"],
                      f"/saraban/action-items/{item_id}", item, answer.etag,
                      badges=[(item["step_th"], "step")]
                      + ([("เกินกำหนด", "badge overdue")] if item.get("overdue") else []))
    view.facts = [("การประชุม", item.get("meeting_title")),
                  ("ผู้รับผิดชอบ", item.get("owner_name_th") or item["owner_id"]),
                  ("กำหนดเสร็จ", thai_date(item.get("due"))), ("ขั้นตอน", item["step_th"]),
                  ("ผลการดำเนินการ", item.get("result"))]
    view.links = [(f"/saraban/meetings/{item['meeting_id']}", "การประชุม")]
    return view


SERVICE_REQUEST = register(RecordPage(SERVICE, "service_request", load_request, REQUEST_ACTIONS,
                                      openings=(LOG_REQUEST,)))
KNOWLEDGE = register(RecordPage(SERVICE, "knowledge", load_knowledge, KNOWLEDGE_ACTIONS,
                                openings=(CAPTURE,)))
ACTION_ITEM = register(RecordPage(SERVICE, "action_item", load_action_item, ACTION_ITEM_ACTIONS))


def create_router() -> PageRouter:
    router = PageRouter(prefix="/saraban", dependencies=[Depends(load_session)])

    @router.get("/service-requests")
    async def service_requests(request: Request, status: str = "", overdue: str = "",
                               fiscal_year: str = "",
                               session: Session = Depends(signed_in)) -> Response:
        params = {"status": status if status in dict(REQUEST_STEPS) else None,
                  "overdue": overdue if overdue in ("true", "false") else None,
                  "fiscal_year": fiscal_year if fiscal_year.isdigit() else None}
        page, problem = await list_page(request, session, SERVICE, "/service-requests",
                                        params=params)
        rows = [{**r, "href": f"/saraban/service-requests/{r['service_request_id']}",
                 "requester": f"{r['requester_name']} ({r['requester_kind_th']})",
                 "officer": r.get("officer_name_th") or r.get("officer_id")}
                for r in (page.items if page else [])]
        table = Table("ทะเบียนคำขอรับบริการ", [
            Column("subject", "เรื่อง", "link"), Column("requester", "ผู้ขอรับบริการ"),
            Column("received_at", "รับเรื่องเมื่อ", "datetime"), Column("step_th", "ขั้นตอน"),
            Column("officer", "ผู้รับผิดชอบ"), Column("due", "กำหนดเสร็จ", "date")], rows,
            id="service-requests", empty_th="ไม่มีคำขอรับบริการในช่วงนี้")
        return show_list(request, ListView(
            "คำขอรับบริการ", "service-requests", table, [
                Field("status", "ขั้นตอน", "select", options=REQUEST_STEPS),
                Field("overdue", "กำหนดเสร็จ", "select", options=OVERDUE),
                Field("fiscal_year", "ปีงบประมาณ (พ.ศ.)", "number",
                      hint="เว้นว่าง: ปีงบประมาณปัจจุบัน")],
            {"status": status, "overdue": overdue, "fiscal_year": fiscal_year},
            page.total if page else None, next_url(request, page),
            links=SERVICE_REQUEST.opening_links(session, "/saraban/service-requests"),
            problem=problem))

    @router.get("/service-requests/{request_id}")
    async def service_request(request: Request, request_id: str,
                              session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, SERVICE_REQUEST, request_id)

    @router.get("/knowledge")
    async def knowledge(request: Request, status: str = "", q: str = "",
                        session: Session = Depends(signed_in)) -> Response:
        # A word searched: the published items that hold it, best first (the service's search).
        path = "/knowledge-items/search" if q.strip() else "/knowledge-items"
        params = {} if q.strip() else {
            "status": status if status in dict(KNOWLEDGE_STEPS) else None}
        page, problem = await list_page(request, session, SERVICE, path, params=params,
                                        q=q.strip())
        rows = [{**k, "href": f"/saraban/knowledge/{k['knowledge_item_id']}",
                 "author": k.get("author_name_th") or k["author_id"],
                 "tags_th": ", ".join(k.get("tags") or ())}
                for k in (page.items if page else [])]
        table = Table("องค์ความรู้", [
            Column("title", "ชื่อเรื่อง", "link"), Column("tags_th", "คำสำคัญ"),
            Column("author", "ผู้รวบรวม"), Column("step_th", "ขั้นตอน"),
            Column("captured_at", "รวบรวมเมื่อ", "datetime")], rows, id="knowledge",
            empty_th="ไม่พบองค์ความรู้")
        return show_list(request, ListView(
            "องค์ความรู้", "knowledge", table, [
                Field("status", "ขั้นตอน", "select", options=KNOWLEDGE_STEPS),
                Field("q", "ค้นหาองค์ความรู้ที่เผยแพร่แล้ว")],
            {"status": status, "q": q}, page.total if page else None, next_url(request, page),
            links=KNOWLEDGE.opening_links(session, "/saraban/knowledge"), problem=problem))

    @router.get("/knowledge/{item_id}")
    async def knowledge_item(request: Request, item_id: str,
                             session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, KNOWLEDGE, item_id)

    @router.get("/action-items")
    async def action_items(request: Request, open: str = "true",  # noqa: A002
                           overdue: str = "", mine: str = "",
                           session: Session = Depends(signed_in)) -> Response:
        params = {"open": "false" if open == "false" else "true",
                  "overdue": overdue if overdue in ("true", "false") else None,
                  "owner_id": session.officer_id if mine == "true" else None}
        page, problem = await list_page(request, session, SERVICE, "/action-items",
                                        params=params)
        rows = [{**a, "href": f"/saraban/action-items/{a['action_item_id']}",
                 "owner": a.get("owner_name_th") or a["owner_id"]}
                for a in (page.items if page else [])]
        table = Table("งานตามมติที่ประชุม", [
            Column("title", "งาน", "link"), Column("meeting_title", "การประชุม"),
            Column("owner", "ผู้รับผิดชอบ"), Column("due", "กำหนดเสร็จ", "date"),
            Column("step_th", "สถานะ")], rows, id="action-items",
            empty_th="ไม่มีงานตามมติที่ประชุม")
        return show_list(request, ListView(
            "ติดตามงานตามมติที่ประชุม", "meetings", table, [
                Field("open", "สถานะ", "select", options=OPEN_OR_ALL),
                Field("overdue", "กำหนดเสร็จ", "select", options=OVERDUE),
                Field("mine", "เฉพาะงานของฉัน", "check")],
            {"open": open, "overdue": overdue, "mine": mine}, page.total if page else None,
            next_url(request, page), problem=problem))

    @router.get("/action-items/{item_id}")
    async def action_item(request: Request, item_id: str,
                          session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, ACTION_ITEM, item_id)

    return router

"""News of the group's work and internal meetings (procedures 2-3). News: drafted by the group's
staff, revised, put to a group director (approve, or return with the reason), published and
withdrawn. A meeting: called (its title, time, place and chair), agenda items proposed and put on
the agenda or dropped by a group director, the participants notified, the meeting held with who
came, its minutes recorded (a record-type document that then runs saraban's path) and circulated,
and the action items its resolutions give to officers. The lists of both, paged and filtered."""

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
from services.portal.views import thai_date, thai_datetime, this_year_be

SERVICE = "correspondence"
GROUP_STAFF = frozenset({"clerk", "officer", "group_director"})
DRAFTERS = frozenset({"officer", "group_director"})
DIRECTOR = frozenset({"group_director"})
NEWS_STEPS = (("draft", "ร่างข่าว"), ("in_review", "เสนอผู้อำนวยการกลุ่มพิจารณา"),
              ("returned", "ส่งกลับให้แก้ไข"), ("approved", "เห็นชอบแล้ว รอเผยแพร่"),
              ("published", "เผยแพร่แล้ว"), ("withdrawn", "ถอนการเผยแพร่แล้ว"))
MEETING_STEPS = (("planned", "เตรียมการประชุม"), ("notified", "แจ้งผู้เข้าร่วมประชุมแล้ว"),
                 ("held", "ประชุมแล้ว รอรายงานการประชุม"),
                 ("minutes_recorded", "จัดทำรายงานการประชุมแล้ว"),
                 ("minutes_circulated", "แจ้งเวียนรายงานการประชุมแล้ว"))
BEFORE_MEETING = frozenset({"planned", "notified"})
AFTER_MEETING = frozenset({"held", "minutes_recorded", "minutes_circulated"})
# Who runs a meeting: its organiser, its chair, or a group director (the service decides).
RUNS_IT = {"named": ("organiser_id", "chair_id"), "roles": DIRECTOR}


NEWS_FIELDS = (Field("title", "หัวข้อข่าว", required=True),
               Field("summary", "สรุปย่อ (แสดงในรายการข่าว)", "textarea"),
               Field("body", "เนื้อหาข่าว", "textarea", required=True),
               Field("image", "ภาพประกอบ (JPEG PNG GIF WebP ถ้ามี)", "file"))


DRAFT_NEWS = Action(
    "draft", "ร่างข่าวประชาสัมพันธ์", "/news-items", roles=GROUP_STAFF, if_match=False,
    lands_on=lambda item: f"/saraban/news/{item['news_item_id']}", fields=NEWS_FIELDS)

NEWS_ACTIONS = (
    Action("revise", "แก้ไขร่างข่าว", "/news-items/{id}/revise", frozenset({"draft", "returned"}),
           fields=NEWS_FIELDS,
           prefill=lambda item: {k: str(item.get(k) or "") for k in ("title", "summary", "body")}),
    Action("submit", "เสนอผู้อำนวยการกลุ่มพิจารณา", "/news-items/{id}/submit",
           frozenset({"draft", "returned"}),
           fields=(Field("checker_id", "ผู้อำนวยการกลุ่ม", "officer", required=True,
                         role="group_director"),)),
    Action("approve", "เห็นชอบข่าว", "/news-items/{id}/approve", frozenset({"in_review"}),
           decision=True, fields=(Field("comments", "ความเห็น (ถ้ามี)", "textarea"),)),
    Action("return", "ส่งกลับแก้ไข", "/news-items/{id}/return", frozenset({"in_review"}),
           decision=True, danger=True, fields=(Field("reason", "เหตุผล", "textarea",
                                                     required=True),)),
    Action("publish", "เผยแพร่ข่าว", "/news-items/{id}/publish", frozenset({"approved"}),
           roles=DIRECTOR),
    Action("withdraw", "ถอนการเผยแพร่", "/news-items/{id}/withdraw", frozenset({"published"}),
           named=("author_id",), roles=DIRECTOR, danger=True,
           fields=(Field("reason", "เหตุผล", "textarea", required=True),)),
)


def _pending_items(record: dict) -> tuple[tuple[str, str], ...]:
    return tuple((str(i["item_no"]), f"{i['item_no']}. {i['title']}")
                 for i in record.get("agenda") or () if i.get("status") == "proposed")


CALL_MEETING = Action(
    "call", "เรียกประชุม", "/meetings", roles=DRAFTERS, if_match=False,
    lands_on=lambda meeting: f"/saraban/meetings/{meeting['meeting_id']}",
    confirm_th="ท่านเป็นผู้จัดการประชุม: รวบรวมระเบียบวาระ แจ้งผู้เข้าร่วม บันทึกการประชุมและรายงานการประชุม",
    fields=(Field("title", "เรื่อง / ชื่อการประชุม", required=True),
            Field("starts_at", "วันเวลาประชุม", "datetime", required=True),
            Field("place", "สถานที่", required=True),
            Field("chair_id", "ประธานในที่ประชุม", "officer", required=True)))

MEETING_ACTIONS = (
    Action("agenda-propose", "เสนอระเบียบวาระ", "/meetings/{id}/agenda-items", BEFORE_MEETING,
           roles=DRAFTERS,
           fields=(Field("title", "ระเบียบวาระที่เสนอ", required=True),
                   Field("details", "รายละเอียด", "textarea"))),
    Action("agenda-approve", "บรรจุระเบียบวาระ", "/meetings/{id}/agenda-items/approve",
           frozenset({"planned", "notified"}), decision=True,
           fields=(Field("item_no", "ระเบียบวาระที่เสนอ", "select", required=True),)),
    Action("agenda-drop", "ไม่บรรจุระเบียบวาระ", "/meetings/{id}/agenda-items/drop",
           frozenset({"planned", "notified"}), decision=True, danger=True,
           fields=(Field("item_no", "ระเบียบวาระที่เสนอ", "select", required=True),
                   Field("reason", "เหตุผล", "textarea", required=True))),
    Action("notify", "แจ้งผู้เข้าร่วมประชุม", "/meetings/{id}/notify", BEFORE_MEETING, **RUNS_IT,
           fields=(Field("participant_ids", "ผู้เข้าร่วมประชุม (ประธานเป็นผู้เข้าร่วมเสมอ)", "officers",
                         required=True),)),
    Action("hold", "บันทึกการประชุมและผู้มาประชุม", "/meetings/{id}/hold", frozenset({"notified"}),
           **RUNS_IT,
           fields=(Field("attendee_ids", "ผู้มาประชุม", "many", required=True),
                   Field("held_at", "ประชุมเมื่อ", "datetime", hint="เว้นว่าง: เวลานี้"))),
    Action("minutes", "บันทึกรายงานการประชุม", "/meetings/{id}/minutes", frozenset({"held"}),
           **RUNS_IT,
           confirm_th="รายงานการประชุมเป็นหนังสือที่เจ้าหน้าที่ทำขึ้นเป็นหลักฐาน: เสนอตรวจทาน ลงนาม "
                      "และลงทะเบียนส่งจากหน้าของหนังสือ",
           fields=(Field("text", "รายงานการประชุม", "textarea", required=True),
                   Field("summary", "สรุปย่อ"))),
    Action("circulate", "แจ้งเวียนรายงานการประชุม", "/meetings/{id}/circulate",
           frozenset({"minutes_recorded"}), **RUNS_IT,
           fields=(Field("recipient_ids", "ผู้เกี่ยวข้อง", "officers",
                         hint="เว้นว่าง: ทุกคนที่เกี่ยวข้องกับการประชุม"),)),
    Action("action-item", "มอบหมายงานตามมติที่ประชุม", "/meetings/{id}/action-items",
           AFTER_MEETING, if_match=False, **RUNS_IT,
           fields=(Field("title", "งานที่ต้องดำเนินการตามมติ", required=True),
                   Field("owner_id", "ผู้รับผิดชอบ", "officer", required=True),
                   Field("due_date", "กำหนดเสร็จ", "date", required=True))),
)


async def load_news(request: Request, session: Session, item_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/news-items/{item_id}",
                                                   actor=session.officer_id)
    item = answer.data
    view = RecordView(SERVICE, "news", "ข่าวประชาสัมพันธ์", item["title"],
                      f"/saraban/news/{item_id}", item, answer.etag,
                      badges=[(item["step_th"], "step")])
    view.facts = [("ผู้เขียน", item.get("author_name_th") or item.get("author_id")),
                  ("ขั้นตอน", item["step_th"]), ("ผู้ต้องดำเนินการ", item.get("holder_name_th")),
                  ("ฉบับแก้ไขที่", item.get("revision")),
                  ("เผยแพร่เมื่อ", item.get("published_date_th"))]
    view.texts = [("สรุป", item.get("summary") or "—"), ("เนื้อข่าว", item.get("body") or "—")]
    view.tables.append(Table("การพิจารณาแต่ละรอบ", [
        Column("round", "รอบ", "int"), Column("checker", "ผู้พิจารณา"),
        Column("submitted_at", "เสนอเมื่อ", "datetime"), Column("result", "ผล"),
        Column("comments", "ความเห็น")], [
        {"round": r["round"], "checker": r.get("checker_name_th") or r["checker_id"],
         "submitted_at": r["submitted_at"],
         "result": {True: "เห็นชอบ", False: "ส่งกลับแก้ไข"}.get(r.get("approved"), "รอพิจารณา"),
         "comments": r.get("comments")} for r in item.get("reviews") or ()], id="reviews"))
    return view


async def load_meeting(request: Request, session: Session, meeting_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/meetings/{meeting_id}",
                                                   actor=session.officer_id)
    meeting = answer.data
    view = RecordView(SERVICE, "meeting", "การประชุม", meeting["title"],
                      f"/saraban/meetings/{meeting_id}", meeting, answer.etag,
                      badges=[(meeting["step_th"], "step")])
    view.facts = [("วันเวลา", thai_date(meeting.get("starts_at"))), ("สถานที่", meeting.get("place")),
                  ("ประธาน", meeting.get("chair_name_th") or meeting.get("chair_id")),
                  ("ขั้นตอน", meeting["step_th"])]
    view.tables.append(Table("ระเบียบวาระ", [
        Column("item_no", "ที่", "int"), Column("title", "เรื่อง"), Column("details", "รายละเอียด"),
        Column("proposed_by", "ผู้เสนอ"), Column("status_th", "สถานะ"),
        Column("reason", "เหตุผล")], meeting.get("agenda") or [], id="agenda"))
    view.people = [("ผู้จัดการประชุม", [meeting["organiser_id"]]),
                   ("ผู้เข้าร่วมประชุม", [p["officer_id"] for p in meeting.get("participants") or ()]),
                   ("ผู้มาประชุม", [p["officer_id"] for p in meeting.get("attendees") or ()])]
    if meeting.get("held_at"):
        view.facts.append(("ประชุมเมื่อ", thai_datetime(meeting["held_at"])))
    if meeting.get("minutes_document_id"):
        view.facts.append(("รายงานการประชุม", " · ".join(x for x in (
            meeting.get("minutes_outgoing_no"), meeting.get("minutes_step_th")) if x)))
        view.links.append((f"/saraban/documents/{meeting['minutes_document_id']}",
                           "รายงานการประชุม (หนังสือ)"))
    view.tables.append(Table("งานตามมติที่ประชุม", [
        Column("title", "งาน", "link"), Column("owner", "ผู้รับผิดชอบ"),
        Column("due", "กำหนดเสร็จ", "date"), Column("step_th", "สถานะ"),
        Column("result", "ผลการดำเนินการ")], [
        {**a, "owner": a.get("owner_name_th") or a["owner_id"],
         "href": f"/saraban/action-items/{a['action_item_id']}"}
        for a in meeting.get("action_items") or ()], id="action-items",
        empty_th="ยังไม่มีงานตามมติ"))
    view.choices = {"item_no": list(_pending_items(meeting)),
                    "attendee_ids": [(p["officer_id"], p.get("name_th") or p["officer_id"])
                                     for p in meeting.get("participants") or ()]}
    return view


NEWS = register(RecordPage(SERVICE, "news", load_news, NEWS_ACTIONS, openings=(DRAFT_NEWS,)))
MEETING = register(RecordPage(SERVICE, "meeting", load_meeting, MEETING_ACTIONS,
                              openings=(CALL_MEETING,)))


def create_router() -> PageRouter:
    router = PageRouter(prefix="/saraban", dependencies=[Depends(load_session)])

    @router.get("/news")
    async def news_items(request: Request, status: str = "", year_be: str = "",
                         session: Session = Depends(signed_in)) -> Response:
        params = {"status": status if status in dict(NEWS_STEPS) else None,
                  "year_be": year_be if year_be.isdigit() else None}
        page, problem = await list_page(request, session, SERVICE, "/news-items", params=params)
        rows = [{**n, "href": f"/saraban/news/{n['news_item_id']}",
                 "author": n.get("author_name_th") or n["author_id"]}
                for n in (page.items if page else [])]
        table = Table("ข่าวประชาสัมพันธ์", [
            Column("title", "หัวข้อข่าว", "link"), Column("author", "ผู้เขียน"),
            Column("step_th", "ขั้นตอน"), Column("drafted_at", "ร่างเมื่อ", "datetime"),
            Column("published_date_th", "เผยแพร่เมื่อ")], rows, id="news",
            empty_th="ยังไม่มีข่าว")
        return show_list(request, ListView(
            "ข่าวประชาสัมพันธ์ผลการดำเนินงาน", "news", table, [
                Field("status", "ขั้นตอน", "select", options=NEWS_STEPS),
                Field("year_be", "ปี พ.ศ. ที่ร่าง", "number")],
            {"status": status, "year_be": year_be}, page.total if page else None,
            next_url(request, page), links=NEWS.opening_links(session, "/saraban/news"),
            problem=problem))

    @router.get("/meetings")
    async def meetings(request: Request, status: str = "", year_be: str = "",
                       session: Session = Depends(signed_in)) -> Response:
        year = year_be if year_be.isdigit() else str(this_year_be())
        params = {"status": status if status in dict(MEETING_STEPS) else None, "year_be": year}
        page, problem = await list_page(request, session, SERVICE, "/meetings", params=params)
        rows = [{**m, "href": f"/saraban/meetings/{m['meeting_id']}",
                 "chair": m.get("chair_name_th") or m["chair_id"]}
                for m in (page.items if page else [])]
        table = Table("ทะเบียนการประชุม", [
            Column("title", "การประชุม", "link"), Column("starts_at", "วันเวลา", "datetime"),
            Column("place", "สถานที่"), Column("chair", "ประธาน"), Column("step_th", "ขั้นตอน")],
            rows, id="meetings", empty_th="ไม่มีการประชุมในปีนี้")
        return show_list(request, ListView(
            f"การประชุมภายใน ปี พ.ศ. {year}", "meetings", table, [
                Field("status", "ขั้นตอน", "select", options=MEETING_STEPS),
                Field("year_be", "ปี พ.ศ.", "number")],
            {"status": status, "year_be": year}, page.total if page else None,
            next_url(request, page), links=[
                *MEETING.opening_links(session, "/saraban/meetings"),
                ("/saraban/action-items", "ติดตามงานตามมติที่ประชุม")],
            problem=problem))

    @router.get("/news/{item_id}")
    async def news(request: Request, item_id: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, NEWS, item_id)

    @router.get("/meetings/{meeting_id}")
    async def meeting(request: Request, meeting_id: str,
                      session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, MEETING, meeting_id)

    return router

"""News of the group's work and internal meetings (procedures 2-3) where they wait for a director:
a news item put to a group director (approve or return with the reason, then publish), and a
meeting's proposed agenda items (put on the agenda, or dropped with the reason). Drafting news
and running meetings are still done through correspondence's API."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.records import (
    Action,
    Column,
    Field,
    RecordPage,
    RecordView,
    Table,
    register,
    show_record,
)
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.sessions import Session
from services.portal.views import thai_date

SERVICE = "correspondence"

NEWS_ACTIONS = (
    Action("approve", "เห็นชอบข่าว", "/news-items/{id}/approve", frozenset({"in_review"}),
           decision=True, fields=(Field("comments", "ความเห็น (ถ้ามี)", "textarea"),)),
    Action("return", "ส่งกลับแก้ไข", "/news-items/{id}/return", frozenset({"in_review"}),
           decision=True, danger=True, fields=(Field("reason", "เหตุผล", "textarea",
                                                     required=True),)),
    Action("publish", "เผยแพร่ข่าว", "/news-items/{id}/publish", frozenset({"approved"})),
)


def _pending_items(record: dict) -> tuple[tuple[str, str], ...]:
    return tuple((str(i["item_no"]), f"{i['item_no']}. {i['title']}")
                 for i in record.get("agenda") or () if i.get("status") == "proposed")


MEETING_ACTIONS = (
    Action("agenda-approve", "บรรจุระเบียบวาระ", "/meetings/{id}/agenda-items/approve",
           frozenset({"planned", "notified"}), decision=True,
           fields=(Field("item_no", "ระเบียบวาระที่เสนอ", "select", required=True),)),
    Action("agenda-drop", "ไม่บรรจุระเบียบวาระ", "/meetings/{id}/agenda-items/drop",
           frozenset({"planned", "notified"}), decision=True, danger=True,
           fields=(Field("item_no", "ระเบียบวาระที่เสนอ", "select", required=True),
                   Field("reason", "เหตุผล", "textarea", required=True))),
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
    view.choices = {"item_no": list(_pending_items(meeting))}
    return view


NEWS = register(RecordPage(SERVICE, "news", load_news, NEWS_ACTIONS))
MEETING = register(RecordPage(SERVICE, "meeting", load_meeting, MEETING_ACTIONS))


def create_router() -> PageRouter:
    router = PageRouter(prefix="/saraban", dependencies=[Depends(load_session)])

    @router.get("/news/{item_id}")
    async def news(request: Request, item_id: str,
                   session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, NEWS, item_id)

    @router.get("/meetings/{meeting_id}")
    async def meeting(request: Request, meeting_id: str,
                      session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, MEETING, meeting_id)

    return router

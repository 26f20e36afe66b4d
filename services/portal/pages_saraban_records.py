"""Saraban's records beyond one document's page (procedure 1): the documents in progress, with the
form that starts a letter the office writes itself (an outgoing letter begins as its drafter's
draft, then runs the document's path: check, signature, dispatch); the loans register; and the
destruction lists of the documents past their retention (the committee, the items it keeps
longer, the National Archives' objection, the destruction). What they show is what correspondence
answers for the signed-in officer: a classified document's subject is never on a page the
service does not show it on.
"""

from __future__ import annotations

import asyncio
from typing import Any

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
    directory,
    list_page,
    names_of,
    next_url,
    register,
    show_list,
    show_record,
)
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import (
    DOCUMENT_TYPE_TH,
    RETENTION_TH,
    ROLE_TH,
    SECRECY_TH,
    URGENCY_TH,
    thai_date,
)

SERVICE = "correspondence"
DRAFTERS = frozenset({"officer", "group_director"})
CLERK = frozenset({"clerk"})
STEP_OPTIONS = (("registered", "ลงทะเบียนรับแล้ว"), ("assigned", "มอบหมายผู้รับผิดชอบแล้ว"),
                ("drafted", "ร่างหนังสือแล้ว"), ("in_check", "เสนอผู้อำนวยการกลุ่มตรวจทาน"),
                ("revising", "ส่งกลับแก้ไข"), ("awaiting_signature", "เสนอผู้มีอำนาจลงนาม"),
                ("signed", "ลงนามแล้ว"), ("dispatched", "ส่งหนังสือแล้ว"))
SERIES_OPTIONS = (("dispatch", "ทะเบียนหนังสือส่ง"), ("circular", "หนังสือเวียน (ว)"),
                  ("order", "คำสั่ง"))
DESTRUCTION_STEPS = (("opened", "จัดทำบัญชีแล้ว"), ("committee_appointed", "แต่งตั้งคณะกรรมการแล้ว"),
                     ("sent", "ส่งบัญชีให้กรมศิลปากรแล้ว"), ("carried_out", "ทำลายแล้ว"))


# --- an outgoing letter, started by the office ----------------------------------------------------
def _with_attachment(body: dict[str, Any]) -> dict[str, Any]:
    attachment = body.pop("attachment", None)
    return {**body, "attachments": [attachment] if attachment else []}


START_OUTGOING = Action(
    "outgoing", "ร่างหนังสือออกของสำนักงาน", "/documents/outgoing", roles=DRAFTERS,
    if_match=False, shape=_with_attachment,
    lands_on=lambda document: f"/saraban/documents/{document['document_id']}",
    confirm_th="หนังสือที่สำนักงานริเริ่มเอง (ไม่ได้ตอบหนังสือรับ): เริ่มเป็นร่างของท่าน "
               "แล้วเสนอตรวจทาน ลงนาม และส่งตามขั้นตอนสารบรรณ",
    fields=(Field("subject", "เรื่อง", required=True),
            Field("addressee", "เรียน (ถึง)", required=True),
            Field("doc_type", "ชนิดหนังสือ", "select", required=True,
                  options=tuple(DOCUMENT_TYPE_TH.items()), default="external_letter"),
            Field("outgoing_kind", "ออกเลขจากทะเบียน", "select", options=SERIES_OPTIONS,
                  hint="เว้นว่าง: ทะเบียนหนังสือส่ง"),
            Field("urgency", "ชั้นความเร็ว", "select", required=True,
                  options=tuple(URGENCY_TH.items()), default="normal"),
            Field("secrecy", "ชั้นความลับ", "select", required=True,
                  options=tuple(SECRECY_TH.items()), default="none"),
            Field("draft_text", "ร่างหนังสือ", "textarea"),
            Field("summary", "สรุปย่อ"),
            Field("attachment", "ไฟล์แนบ (ถ้ามี)", "file")))


async def load_document(request: Request, session: Session, document_id: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/documents/{document_id}",
                                                   actor=session.officer_id)
    document = answer.data
    return RecordView(SERVICE, "document", "หนังสือราชการ", document["subject"],
                      f"/saraban/documents/{document_id}", document, answer.etag,
                      badges=[(document["step_th"], "step")])


# The document's own page and steps are pages_saraban's; this page of the registry carries the
# opening (the form that starts a document), where the list offers it.
DOCUMENT = register(RecordPage(SERVICE, "document", load_document, openings=(START_OUTGOING,)))


# --- destruction lists -----------------------------------------------------------------------------
def _year_page(answer: dict[str, Any]) -> str:
    return f"/saraban/destruction-lists/{answer['year_be']}"


OPEN_LIST = Action(
    "open", "จัดทำบัญชีหนังสือขอทำลาย", "/destruction-lists", roles=CLERK, if_match=False,
    lands_on=_year_page,
    confirm_th="บัญชีรวมหนังสือที่เก็บรักษาไว้และครบอายุการเก็บภายในสิ้นปีปฏิทินที่เลือก "
               "จัดทำได้ภายใน 60 วันหลังสิ้นปี",
    fields=(Field("year_be", "ปีปฏิทิน (พ.ศ.) ที่ครบอายุการเก็บ", "number", required=True,
                  hint="ปีที่เพิ่งสิ้นสุด เช่น 2568"),))
LIST_ACTIONS = (
    Action("committee", "แต่งตั้งคณะกรรมการทำลายหนังสือ", "/destruction-lists/{id}/committee",
           frozenset({"opened"}), roles=frozenset({"esa_director"}),
           fields=(Field("chair_id", "ประธานกรรมการ", "officer", required=True),
                   Field("member_ids", "กรรมการ (อย่างน้อยสองคนนอกจากประธาน)", "officers",
                         required=True))),
    Action("keep", "ให้เก็บไว้ต่อ (กรรมการ)", "/destruction-lists/{id}/keep",
           frozenset({"committee_appointed"}), named=("committee",),
           fields=(Field("document_id", "หนังสือ", "select", required=True),
                   Field("retention_class", "ขยายอายุการเก็บเป็น", "select", required=True,
                         options=tuple(RETENTION_TH.items())),
                   Field("reason", "เหตุผล", "textarea", required=True))),
    Action("send", "ส่งบัญชีให้กรมศิลปากร", "/destruction-lists/{id}/send",
           frozenset({"committee_appointed"}), roles=CLERK,
           confirm_th="เริ่มนับระยะเวลาให้กรมศิลปากรทักท้วง 60 วัน"),
    Action("objection", "บันทึกการทักท้วงของกรมศิลปากร", "/destruction-lists/{id}/objection",
           frozenset({"sent"}), roles=CLERK,
           fields=(Field("document_ids", "หนังสือที่กรมศิลปากรทักท้วง", "many", required=True),
                   Field("reason", "เหตุผลที่ทักท้วง", "textarea", required=True))),
    Action("destroy", "ทำลายหนังสือ (กรรมการ)", "/destruction-lists/{id}/destroy",
           frozenset({"sent"}), named=("committee",), danger=True,
           confirm_th="เนื้อหาและไฟล์ของหนังสือในบัญชีจะถูกลบ ทะเบียนยังคงอยู่และอ้างอิงบัญชีนี้"),
)


async def _subjects(request: Request, session: Session, ids: list[str]) -> dict[str, str]:
    """Each listed document's subject, as correspondence shows it to this officer."""
    services = portal_of(request).services

    async def subject(document_id: str) -> str:
        try:
            found = (await services.get(SERVICE, f"/documents/{document_id}",
                                        actor=session.officer_id)).data
        except (Refused, Unavailable):
            return document_id
        number = found.get("outgoing_no") or (f"รับที่ {found['receipt_no']}/"
                                               f"{found.get('receipt_year_be')}"
                                               if found.get("receipt_no") else "")
        return " · ".join(x for x in (number, str(found.get("subject") or "")) if x)

    found = await asyncio.gather(*(subject(i) for i in ids))
    return dict(zip(ids, found, strict=True))


async def load_list(request: Request, session: Session, year_be: str) -> RecordView:
    answer = await portal_of(request).services.get(SERVICE, f"/destruction-lists/{year_be}",
                                                   actor=session.officer_id)
    listing = answer.data
    items = [str(i) for i in listing.get("items") or ()]
    subjects = await _subjects(request, session, items)
    kept = {str(k["document_id"]): k for k in listing.get("kept") or ()}
    destroyed = {str(i) for i in listing.get("destroyed_items") or ()}
    to_destroy = {str(i) for i in listing.get("items_to_destroy") or ()}
    view = RecordView(SERVICE, "destruction", "บัญชีหนังสือขอทำลาย",
                      f"บัญชีหนังสือขอทำลาย ปี พ.ศ. {listing['year_be']}",
                      f"/saraban/destruction-lists/{listing['year_be']}", listing, answer.etag,
                      badges=[(listing["step_th"], "step")])
    chair = listing.get("chair") or {}
    view.facts = [("ปีที่ครบอายุการเก็บ", listing["year_be"]), ("ขั้นตอน", listing["step_th"]),
                  ("ประธานกรรมการ", chair.get("name_th") or chair.get("officer_id")),
                  ("กรรมการ", ", ".join(m.get("name_th") or m["officer_id"]
                                        for m in listing.get("members") or ()) or None),
                  ("ทำลายได้ตั้งแต่", thai_date(listing.get("destroy_allowed_from")))]

    def fate(document_id: str) -> str:
        if document_id in destroyed:
            return "ทำลายแล้ว"
        if document_id in kept:
            k = kept[document_id]
            return f"เก็บไว้ต่อ ({RETENTION_TH.get(k['retention_class'], k['retention_class'])})"
        return "ขอทำลาย" if document_id in to_destroy else "กรมศิลปากรทักท้วง"

    view.tables.append(Table("หนังสือในบัญชี", [
        Column("subject", "หนังสือ", "link"), Column("fate", "ผล"), Column("reason", "เหตุผล")], [
        {"subject": subjects[i], "href": f"/saraban/documents/{i}", "fate": fate(i),
         "reason": (kept.get(i) or {}).get("reason")} for i in items], id="items"))
    view.choices = {"document_id": [(i, subjects[i]) for i in items if i in to_destroy],
                    "document_ids": [(i, subjects[i]) for i in items if i in to_destroy]}
    return view


DESTRUCTION = register(RecordPage(SERVICE, "destruction", load_list, LIST_ACTIONS,
                                  openings=(OPEN_LIST,)))


# --- pages ---------------------------------------------------------------------------------------
def _holder_th(holder: str | None, names: dict[str, str]) -> str | None:
    return names.get(holder or "") or ROLE_TH.get(holder or "") or holder


def create_router() -> PageRouter:
    router = PageRouter(prefix="/saraban", dependencies=[Depends(load_session)])

    @router.get("/documents")
    async def documents(request: Request, step: str = "", q: str = "", overdue: str = "",
                        session: Session = Depends(signed_in)) -> Response:
        params = {"step": step if step in dict(STEP_OPTIONS) else None,
                  "overdue": overdue if overdue in ("true", "false") else None}
        (page, problem), people = await asyncio.gather(
            list_page(request, session, SERVICE, "/work-in-progress", params=params, q=q),
            directory(request, session))
        names = names_of(people)
        rows = [{**d, "href": f"/saraban/documents/{d['document_id']}",
                 "number": d.get("outgoing_no") or (f"รับที่ {d['receipt_no']}"
                                                    if d.get("receipt_no") else None),
                 "holder_th": _holder_th(d.get("holder"), names),
                 "urgency_th": URGENCY_TH.get(d.get("urgency") or "", d.get("urgency"))}
                for d in (page.items if page else [])]
        table = Table("หนังสือระหว่างดำเนินการ", [
            Column("subject", "เรื่อง", "link"), Column("number", "เลขที่"),
            Column("urgency_th", "ชั้นความเร็ว"), Column("step_th", "ขั้นตอน"),
            Column("holder_th", "ผู้ต้องดำเนินการ"), Column("step_since", "ตั้งแต่", "datetime")],
            rows, id="documents")
        return show_list(request, ListView(
            "หนังสือระหว่างดำเนินการ", "documents", table, [
                Field("step", "ขั้นตอน", "select", options=STEP_OPTIONS),
                Field("overdue", "กำหนดเสร็จ", "select",
                      options=(("true", "เกินกำหนด"), ("false", "ยังไม่เกินกำหนด"))),
                Field("q", "ค้นหา (เรื่อง ผู้ส่ง เลขที่ ถึง)")],
            {"step": step, "overdue": overdue, "q": q}, page.total if page else None,
            next_url(request, page), links=DOCUMENT.opening_links(session, "/saraban/documents"),
            problem=problem,
            intro="หนังสือรับและหนังสือที่สำนักงานริเริ่มซึ่งยังไม่ส่งหรือเก็บ รอนานที่สุดก่อน"))

    @router.get("/loans")
    async def loans(request: Request, overdue: str = "",
                    session: Session = Depends(signed_in)) -> Response:
        params = {"overdue": overdue if overdue in ("true", "false") else None}
        page, problem = await list_page(request, session, SERVICE, "/loans", params=params)
        rows = [{**d, "href": f"/saraban/documents/{d['document_id']}",
                 "state": "เกินกำหนดคืน" if d.get("loan_overdue") else "ยืมอยู่",
                 "badge_class": "overdue" if d.get("loan_overdue") else ""}
                for d in (page.items if page else [])]
        table = Table("ทะเบียนการยืมหนังสือ", [
            Column("subject", "เรื่อง", "link"), Column("borrower", "ผู้ยืม"),
            Column("purpose", "ยืมเพื่อ"), Column("borrowed_at", "ยืมเมื่อ", "datetime"),
            Column("loan_due", "กำหนดคืน", "date"), Column("state", "สถานะ", "badge")],
            rows, id="loans", empty_th="ไม่มีหนังสือที่ถูกยืมอยู่")
        return show_list(request, ListView(
            "ทะเบียนการยืมหนังสือ", "loans", table,
            [Field("overdue", "กำหนดคืน", "select",
                   options=(("true", "เกินกำหนดคืน"), ("false", "ยังไม่ถึงกำหนด")))],
            {"overdue": overdue}, page.total if page else None, next_url(request, page),
            problem=problem, intro="หนังสือที่เก็บรักษาแล้วให้ยืมและรับคืนจากหน้าของหนังสือ "
                                   "(เจ้าหน้าที่สารบรรณ)"))

    @router.get("/destruction-lists")
    async def destruction_lists(request: Request, step: str = "",
                                session: Session = Depends(signed_in)) -> Response:
        params = {"step": step if step in dict(DESTRUCTION_STEPS) else None}
        page, problem = await list_page(request, session, SERVICE, "/destruction-lists",
                                        params=params)
        rows = [{**d, "title": f"ปี พ.ศ. {d['year_be']}",
                 "href": f"/saraban/destruction-lists/{d['year_be']}",
                 "count": len(d.get("items") or ()),
                 "destroyed": len(d.get("destroyed_items") or ())}
                for d in (page.items if page else [])]
        table = Table("บัญชีหนังสือขอทำลาย", [
            Column("title", "บัญชี", "link"), Column("step_th", "ขั้นตอน"),
            Column("count", "หนังสือในบัญชี", "int"), Column("destroyed", "ทำลายแล้ว", "int"),
            Column("destroy_allowed_from", "ทำลายได้ตั้งแต่", "date")], rows, id="lists",
            empty_th="ยังไม่มีบัญชีหนังสือขอทำลาย")
        return show_list(request, ListView(
            "บัญชีหนังสือขอทำลาย", "destruction", table,
            [Field("step", "ขั้นตอน", "select", options=DESTRUCTION_STEPS)], {"step": step},
            page.total if page else None, next_url(request, page),
            links=DESTRUCTION.opening_links(session, "/saraban/destruction-lists"),
            problem=problem))

    @router.get("/destruction-lists/{year_be}")
    async def destruction_list(request: Request, year_be: int,
                               session: Session = Depends(signed_in)) -> Response:
        return await show_record(request, session, DESTRUCTION, str(year_be))

    return router

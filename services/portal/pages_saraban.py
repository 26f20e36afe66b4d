"""Saraban (procedure 1) in the portal: register an incoming letter, the receiving and dispatch
registers of a year (searched, paged, as CSV), and a document's page: its register line, its
attachments, the letter as PDF, its whole history as a timeline, and the actions of its current
step. What a page shows is what correspondence answers for the signed-in officer: a classified
document's subject never reaches a page for someone the service does not show it to.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from services.portal.records import handed_over
from services.portal.security import PageRouter, check_csrf, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import bangkok_today, render
from shared.http.downloads import content_disposition

SERVICE = "correspondence"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
REGISTER_SEARCH = ("receipt_no", "sender", "sender_ref_no", "subject", "addressee", "outgoing_no",
                   "number", "step_th")
REGISTER_LIMIT = 50
INCOMING_FIELDS = ("received_at", "sender", "sender_ref_no", "sender_doc_date", "subject",
                   "addressee", "doc_type", "urgency", "secrecy", "body_text")
DISPATCH_SERIES = ("dispatch", "circular", "order")


@dataclass(frozen=True)
class Action:
    """One step a document's page offers (the service decides whether it is allowed)."""

    name: str
    label_th: str
    steps: frozenset[str]
    fields: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()  # offered to holders of these roles too
    confirm_th: str = ""
    on_loan: bool | None = None  # offered only while the document is (not) lent
    to_holder: bool = True  # offered to whoever holds the document (else by role only)

    def offered(self, document: dict[str, Any], session: Session) -> bool:
        if document.get("step") not in self.steps:
            return False
        if self.on_loan is not None and bool(document.get("on_loan")) != self.on_loan:
            return False
        return ((self.to_holder and session.holds(document.get("holder")))
                or bool(self.roles & session.roles))

    def body(self, form: FormData) -> dict[str, Any]:
        values = {name: str(form.get(name, "")).strip() for name in self.fields}
        if "due_date" in values:
            values["due_date"] = values["due_date"] or None
        if "text" in values:
            values["text"] = str(form.get("text", "")) or None
        if "outsider" in values:  # a ticked box; a group director approves an outsider's loan
            values["outsider"] = values["outsider"] not in ("", "false")
            values["approved_by"] = values.get("approved_by") or None
        return values


CLERK = frozenset({"clerk"})
OPEN_WORK = frozenset({"registered", "assigned", "drafted", "in_check", "revising",
                       "awaiting_signature", "signed"})
ACTIONS = {a.name: a for a in (
    Action("assign", "มอบหมายผู้รับผิดชอบ", frozenset({"registered", "assigned"}),
           ("officer_id", "instructions", "due_date")),
    Action("draft", "บันทึกร่างหนังสือ", frozenset({"assigned", "drafted", "revising"}),
           ("text", "summary")),
    Action("submit", "เสนอตรวจทาน", frozenset({"drafted", "revising"}), ("checker_id",)),
    Action("approve", "ตรวจทานแล้ว เสนอลงนาม", frozenset({"in_check"}), ("signer_id", "comments")),
    Action("return", "ส่งกลับแก้ไข", frozenset({"in_check", "awaiting_signature"}), ("comments",)),
    Action("sign", "ลงนาม", frozenset({"awaiting_signature"}),
           confirm_th="ลงนามในหนังสือฉบับนี้"),
    Action("dispatch", "ส่งหนังสือ (ออกเลขทะเบียนส่ง)", frozenset({"signed"}), roles=CLERK),
    Action("file", "เก็บรักษา", frozenset({"assigned", "dispatched"}),
           ("location", "retention_class"), roles=CLERK),
    Action("borrow", "ให้ยืมหนังสือ", frozenset({"filed"}),
           ("borrower", "purpose", "due_date", "outsider", "approved_by"), roles=CLERK,
           on_loan=False),
    Action("return-loan", "รับคืนหนังสือที่ยืม", frozenset({"filed"}), roles=CLERK, on_loan=True,
           confirm_th="หนังสือที่ยืมได้รับคืนแล้ว"),
    # The register's keeper or a director; a number already given stays in its register.
    Action("cancel", "ยกเลิกหนังสือ", OPEN_WORK | {"dispatched"}, ("reason",),
           roles=frozenset({"clerk", "group_director", "esa_director"}), to_holder=False),
)}


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _directory(request: Request, session: Session) -> list[dict[str, Any]]:
    """The staff directory (names on the page, the people an action can name)."""
    try:
        page = await portal_of(request).services.page(SERVICE, "/officers",
                                                      actor=session.officer_id, limit=500)
    except (Refused, Unavailable):
        return []
    return page.items


def _names(directory: list[dict[str, Any]]) -> dict[str, str]:
    return {o["officer_id"]: o["name_th"] for o in directory}


async def _files(form: FormData) -> tuple[list[dict[str, str]], str | None]:
    files: list[dict[str, str]] = []
    for upload in form.getlist("attachments"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        content = await upload.read(MAX_ATTACHMENT_BYTES + 1)
        if len(content) > MAX_ATTACHMENT_BYTES:
            return [], f"ไฟล์ {upload.filename} ใหญ่เกิน 10 MB"
        files.append({"name": upload.filename,
                      "media_type": upload.content_type or "application/octet-stream",
                      "content_base64": base64.b64encode(content).decode()})
    return files, None


def _incoming_body(values: dict[str, str]) -> dict[str, Any]:
    received = values["received_at"]
    return {
        "received_at": f"{received}:00+07:00" if len(received) == 16 else received,
        "sender": values["sender"], "sender_ref_no": values["sender_ref_no"],
        "sender_doc_date": values["sender_doc_date"] or None, "subject": values["subject"],
        "addressee": values["addressee"], "doc_type": values["doc_type"] or "external_letter",
        "urgency": values["urgency"] or "normal", "secrecy": values["secrecy"] or "none",
        "body_text": values["body_text"] or None,
    }


def _nonce(form: FormData) -> str:
    """The form's own Idempotency-Key (a fresh one if the form came without a usable nonce)."""
    value = str(form.get("form_nonce", ""))
    if 8 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return secrets.token_urlsafe(18)


def create_router() -> PageRouter:
    router = PageRouter(prefix="/saraban", dependencies=[Depends(load_session)])
    csrf = [Depends(check_csrf)]

    # --- register an incoming letter -------------------------------------------------------------
    def incoming_page(request: Request, status: int = 200, **context: Any) -> Response:
        now = bangkok_today()
        context.setdefault("values", {"received_at": "", "doc_type": "external_letter",
                                      "urgency": "normal", "secrecy": "none"})
        return render(request, "saraban_incoming.html", status_code=status, today=now, **context)

    @router.get("/incoming/new")
    async def incoming_form(request: Request, session: Session = Depends(signed_in)) -> Response:
        return incoming_page(request)

    @router.post("/incoming", dependencies=csrf)
    async def register_incoming(request: Request,
                                session: Session = Depends(signed_in)) -> Response:
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in INCOMING_FIELDS}
        values["body_text"] = str(form.get("body_text", ""))
        files, too_big = await _files(form)
        if too_big:
            return incoming_page(request, 413, values=values, alert=too_big,
                                 errors={"attachments": too_big})
        if not values["received_at"]:
            return incoming_page(request, 422, values=values, alert="กรุณาระบุวันเวลาที่รับ",
                                 errors={"received_at": "ต้องระบุ"})
        body = {**_incoming_body(values), "attachments": files}
        try:
            answer = await portal_of(request).services.command(
                SERVICE, "/documents/incoming", actor=session.officer_id, body=body,
                idempotency_key=_nonce(form))
        except (Refused, Unavailable) as error:
            return incoming_page(request, getattr(error, "status", 503), values=values,
                                 alert=error.message_th, errors=getattr(error, "fields", {}))
        return _go(f"/saraban/documents/{answer.data['document_id']}?done=registered")

    # --- registers ------------------------------------------------------------------------------
    # Before the page's route, whose {year_be} would otherwise take "2569.csv".
    @router.get("/registers/{kind}/{year_be}.csv")
    async def register_csv(request: Request, kind: str, year_be: int, series: str = "dispatch",
                           session: Session = Depends(signed_in)) -> Response:
        if kind not in ("receiving", "dispatch"):
            return render(request, "error.html", status_code=404, message="ไม่พบทะเบียนนี้")
        params: dict[str, str] = {"format": "csv"}
        if kind == "dispatch":
            params["series"] = series if series in DISPATCH_SERIES else "dispatch"
        return await handed_over(request, session, SERVICE, f"/registers/{kind}/{year_be}",
                                 f"{kind}-{year_be}.csv", params=params)

    @router.get("/registers/{kind}/{year_be}")
    async def register(request: Request, kind: str, year_be: int, q: str = "",
                       cursor: str | None = None, series: str = "dispatch",
                       session: Session = Depends(signed_in)) -> Response:
        if kind not in ("receiving", "dispatch") or not 2400 <= year_be <= 2800:
            return render(request, "error.html", status_code=404, message="ไม่พบทะเบียนนี้")
        series = series if series in DISPATCH_SERIES else "dispatch"
        params = {"series": series} if kind == "dispatch" else {}
        problem = None
        rows: list[dict[str, Any]] = []
        total, next_cursor = 0, None
        try:
            page = await portal_of(request).services.page(
                SERVICE, f"/registers/{kind}/{year_be}", actor=session.officer_id, q=q,
                search=REGISTER_SEARCH, cursor=cursor, limit=REGISTER_LIMIT, params=params)
            rows, total, next_cursor = page.items, page.total, page.next_cursor
        except (Refused, Unavailable) as error:
            problem = error.message_th
        template = "_register_rows.html" if request.headers.get("hx-request") else "saraban_register.html"
        return render(request, template, kind=kind, year_be=year_be, q=q, rows=rows,
                      total=total, next_cursor=next_cursor, series=series, problem=problem,
                      this_year=bangkok_today().year + 543)

    # --- a document -----------------------------------------------------------------------------
    async def document_page(request: Request, session: Session, document_id: UUID,
                            status: int = 200, **context: Any) -> Response:
        services = portal_of(request).services
        actor = session.officer_id
        try:
            answer, history, directory = await asyncio.gather(
                services.get(SERVICE, f"/documents/{document_id}", actor=actor),
                services.items(SERVICE, f"/documents/{document_id}/history", actor=actor),
                _directory(request, session))
        except Unavailable as error:
            return render(request, "error.html", status_code=503, message=error.message_th)
        except Refused as error:
            return render(request, "error.html", status_code=error.status,
                          message=error.message_th)
        document = answer.data
        content = None
        if document.get("content_available") and document.get("secrecy") == "none":
            try:  # an unclassified document's content is read without a record of the read
                content = (await services.get(SERVICE, f"/documents/{document_id}/content",
                                              actor=actor)).data
            except (Refused, Unavailable):
                content = None
        actions = [a for a in ACTIONS.values() if a.offered(document, session)]
        failed = ACTIONS.get(context.get("failed", ""))
        if failed is not None and failed not in actions:  # the refusal stays beside its form
            actions.insert(0, failed)
        def options(role: str | None) -> list[tuple[str, str]]:
            return [("", "— เลือก —")] + [(o["officer_id"], o["name_th"]) for o in directory
                                          if o["active"] and (role is None or role in o["roles"])]
        return render(request, "saraban_document.html", status_code=status, document=document,
                      etag=answer.etag, history=history, names=_names(directory),
                      content=content, actions=actions, officer_options=options(None),
                      director_options=options("group_director"),
                      signer_options=options("signer"), done=ACTIONS.get(request.query_params.get("done", "")),
                      registered=request.query_params.get("done") == "registered",
                      started=request.query_params.get("done") == "outgoing", **context)

    @router.get("/documents/{document_id}")
    async def document(request: Request, document_id: UUID,
                       session: Session = Depends(signed_in)) -> Response:
        return await document_page(request, session, document_id)

    @router.get("/documents/{document_id}/content")
    async def document_content(request: Request, document_id: UUID,
                               session: Session = Depends(signed_in)) -> Response:
        """A classified document's content, opened on purpose (the service records the read)."""
        try:
            content = (await portal_of(request).services.get(
                SERVICE, f"/documents/{document_id}/content", actor=session.officer_id)).data
        except (Refused, Unavailable) as error:
            return render(request, "_problem.html", message=error.message_th)
        return render(request, "_document_content.html", content=content,
                      document={"document_id": str(document_id)})

    @router.get("/documents/{document_id}/attachments/{index}")
    async def attachment(request: Request, document_id: UUID, index: int,
                         session: Session = Depends(signed_in)) -> Response:
        try:
            content = (await portal_of(request).services.get(
                SERVICE, f"/documents/{document_id}/content", actor=session.officer_id)).data
            item = content["attachments"][index]
            data = base64.b64decode(item["content_base64"] or "", validate=True)
        except (Refused, Unavailable) as error:
            return render(request, "error.html", status_code=503, message=error.message_th)
        except (IndexError, KeyError, binascii.Error):
            return render(request, "error.html", status_code=404, message="ไม่พบไฟล์แนบนี้")
        # Always a download, in a sandbox: an uploaded page must never run as the portal.
        return Response(data, media_type=item["media_type"], headers={
            "Content-Disposition": content_disposition(item["name"]),
            "Content-Security-Policy": "sandbox; default-src 'none'"})

    @router.get("/documents/{document_id}/letter.pdf")
    async def letter(request: Request, document_id: UUID, download: bool = False,
                     session: Session = Depends(signed_in)) -> Response:
        try:
            pdf = await portal_of(request).services.download(
                SERVICE, f"/documents/{document_id}/letter.pdf", actor=session.officer_id)
        except (Refused, Unavailable) as error:
            return render(request, "error.html", status_code=getattr(error, "status", 503),
                          message=error.message_th)
        disposition = pdf.disposition or content_disposition(f"{document_id}.pdf", inline=True)
        if download:
            disposition = disposition.replace("inline", "attachment", 1)
        return Response(pdf.content, media_type="application/pdf", headers={
            "Content-Disposition": disposition,
            # The browser's PDF viewer runs inside the page's frame; only that is allowed.
            "Content-Security-Policy": "frame-ancestors 'self'"})

    @router.post("/documents/{document_id}/{action}", dependencies=csrf)
    async def act(request: Request, document_id: UUID, action: str,
                  session: Session = Depends(signed_in)) -> Response:
        step = ACTIONS.get(action)
        if step is None:
            return render(request, "error.html", status_code=404, message="ไม่พบขั้นตอนนี้")
        form = await request.form()
        body = step.body(form)
        # The officer is the session's, whatever the form says; If-Match is the version the
        # officer saw; the form's nonce makes a double submit record once.
        try:
            await portal_of(request).services.command(
                SERVICE, f"/documents/{document_id}/{action}", actor=session.officer_id,
                body=body, idempotency_key=_nonce(form),
                if_match=str(form.get("version", "")) or None)
        except (Refused, Unavailable) as error:
            return await document_page(
                request, session, document_id, status=getattr(error, "status", 503),
                failed=action, alert=error.message_th, errors=getattr(error, "fields", {}),
                values={k: str(form.get(k, "")) for k in step.fields})
        return _go(f"/saraban/documents/{document_id}?done={action}")

    return router

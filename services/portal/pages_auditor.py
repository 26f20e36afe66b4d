"""The auditor's pages (ผู้ตรวจสอบ): find any case, document, plan, budget line or school by its id
or number; its complete ordered history (who, when, what, why) from the services' auditor APIs,
each event marked verified only when the portal itself checked it against the service's latest
signed head (`audit_proofs`); and the history with its proofs as a file to keep (JSON, or CSV
to read). An auditor writes nothing: these pages only read, and every other page of the portal
refuses an auditor's session (`security.signed_in`).

Auditors are not officers of the staff directory: their accounts are the portal's own (role
`auditor`, created by the ESA director or from the command line), with the second factor required;
the portal reads the services' `/audit/*` routes as itself (scope `<service>:audit`) for them, and
searches the registers as itself, where classified subjects show as `(ลับ)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import re
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.audit_proofs import HistoryCheck
from services.portal.domain import AUDITOR_ROLE
from services.portal.pages_budgeting import MOVEMENT_TH
from services.portal.pages_planning import PLAN_EVENT_TH
from services.portal.pages_restructuring import CASE_EVENT_TH, SCHOOL_EVENT_TH
from services.portal.records import directory, names_of
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.service_client import SERVICE_NAMES_TH, Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import DOCUMENT_EVENT_TH, render, this_year_be
from shared.http.downloads import content_disposition

SERVICES = tuple(SERVICE_NAMES_TH)
RECEIPT = re.compile(r"^(?:รับ\s*)?(\d{1,6})\s*/\s*(\d{4})$")
SCHOOL_CODE = re.compile(r"^\d{8,10}$")
EVENT_TH = {**DOCUMENT_EVENT_TH, **PLAN_EVENT_TH, **CASE_EVENT_TH, **SCHOOL_EVENT_TH,
            **{"Opened": "เปิดเรื่อง/เปิดรายการ", "PlanRevised": MOVEMENT_TH["plan_revised"],
               "Allocated": MOVEMENT_TH["allocated"], "TransferredIn": MOVEMENT_TH["transfer_in"],
               "TransferredOut": MOVEMENT_TH["transfer_out"], "Committed": MOVEMENT_TH["committed"],
               "CommitmentReleased": MOVEMENT_TH["commitment_released"],
               "Disbursed": MOVEMENT_TH["disbursed"]},
            "Approved": "อนุมัติ", "Decided": "บันทึกการพิจารณา", "Proposed": "เสนอ",
            "Submitted": "เสนอพิจารณา", "CommitteeAppointed": "แต่งตั้งคณะกรรมการ",
            "Announced": "แจ้งผล", "Withdrawn": "ยกเลิก", "Revised": "ปรับปรุง",
            "Reported": "รายงาน สพฐ.", "AccessRefused": "ปฏิเสธการเข้าถึง"}


def event_th(event_type: str) -> str:
    """`Allocation.Approved` as an auditor reads it (the English name kept beside it)."""
    name = event_type.rpartition(".")[2]
    return f"{EVENT_TH[name]} ({event_type})" if name in EVENT_TH else event_type


def _is_auditor(session: Session) -> bool:
    return AUDITOR_ROLE in session.roles


async def find(request: Request, q: str) -> tuple[list[dict[str, Any]], list[str]]:
    """What `q` names: an id in any service's log, a receipt number, an outgoing number, a
    budget line's project code, a school code, words of a plan's or a case's title."""
    services = portal_of(request).services
    q = q.strip()
    found: list[dict[str, Any]] = []
    problems: list[str] = []

    def hit(service: str, aggregate_id: str, label: str, kind: str) -> None:
        if not any(f["service"] == service and f["id"] == aggregate_id for f in found):
            found.append({"service": service, "service_th": SERVICE_NAMES_TH[service],
                          "id": aggregate_id, "label": label, "kind": kind,
                          "href": f"/auditor/{service}/{aggregate_id}"})

    async def history(service: str, aggregate_id: str) -> list[dict[str, Any]] | None:
        try:
            return await services.audit_history(service, aggregate_id)
        except Refused:
            return None
        except Unavailable as down:
            problems.append(down.message_th)
            return None

    try:
        uuid = str(UUID(q))
    except ValueError:
        uuid = None
    if uuid is not None:
        histories = await asyncio.gather(*(history(s, uuid) for s in SERVICES))
        for service, events in zip(SERVICES, histories, strict=True):
            if events:
                hit(service, uuid, f"{len(events)} เหตุการณ์ ตั้งแต่ {events[0].get('at_th') or ''}",
                    events[0].get("event_type", "").partition(".")[0])
        # A case of monitoring's board names the record it follows; no such case, or monitoring
        # away: the services' own hits stand.
        with contextlib.suppress(Refused, Unavailable):
            case = (await services.get("monitoring", f"/cases/{uuid}", actor=None)).data
            if case.get("source") in SERVICES:
                hit(case["source"], str(case["subject"]).partition(":")[0],
                    case.get("title") or "(ลับ)", case.get("case_type") or "")
        return found, problems
    receipt = RECEIPT.match(q)
    if receipt:
        number, year = int(receipt.group(1)), int(receipt.group(2))
        try:
            rows, _ = await services.every("correspondence", f"/registers/receiving/{year}",
                                           actor=None)
            for row in rows:
                if row.get("receipt_no") == number and row.get("document_id"):
                    hit("correspondence", str(row["document_id"]),
                        f"ทะเบียนรับ {number}/{year} {row.get('subject') or ''}", "document")
        except (Refused, Unavailable) as error:
            problems.append(error.message_th)
    if SCHOOL_CODE.match(q):  # restructuring's id of a school (its contract: school:<code>)
        hit("restructuring", str(uuid5(NAMESPACE_URL, f"school:{q}")), f"สถานศึกษา {q}", "school")
    searches = (
        ("correspondence", f"/registers/dispatch/{this_year_be()}", ("outgoing_no", "subject"),
         "document_id", "subject", "document"),
        ("budgeting", "/lines", ("project_code", "title_th"), "line_id", "title_th",
         "budget_line"),
        ("planning", "/plans", ("title_th",), "plan_id", "title_th", "plan"),
        ("restructuring", "/cases", ("title_th",), "case_id", "title_th", "case"),
    )

    async def search(service: str, path: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
        try:
            page = await services.page(service, path, actor=None, q=q, search=fields, limit=20)
        except Refused:
            return []
        except Unavailable as down:  # said on the page: what it holds may not be all there is
            problems.append(down.message_th)
            return []
        return page.items

    answers = await asyncio.gather(*(search(s, p, f) for s, p, f, *_ in searches))
    for (service, _, fields, id_key, label_key, kind), rows in zip(searches, answers,
                                                                  strict=True):
        for row in rows:
            if row.get(id_key) and any(q.lower() in str(row.get(f) or "").lower() for f in fields):
                label = " ".join(str(row.get(k) or "") for k in ("project_code", "outgoing_no")
                                 if row.get(k)) + f" {row.get(label_key) or ''}"
                hit(service, str(row[id_key]), label.strip(), kind)
    return found, problems


def _rows(check: HistoryCheck, names: dict[str, str]) -> list[dict[str, Any]]:
    return [{"number": n, "position": e.entry.get("position"), "version": e.entry.get("version"),
             "what": event_th(str(e.entry.get("event_type") or "")),
             "who": names.get(str(e.entry.get("actor")), e.entry.get("actor")),
             "actor": e.entry.get("actor"), "at": e.entry.get("at"), "at_th": e.entry.get("at_th"),
             "why": "; ".join(f"{k}: {v}" for k, v in (e.entry.get("why") or {}).items()),
             "trace_id": e.entry.get("trace_id"), "leaf_index": e.entry.get("leaf_index"),
             "leaf_hash": e.entry.get("leaf_hash"), "verified": e.verified,
             "check_th": e.reason_th, "audit_path": (e.proof or {}).get("audit_path")}
            for n, e in enumerate(check.events, start=1)]


def create_router() -> PageRouter:
    router = PageRouter(prefix="/auditor", dependencies=[Depends(load_session)])

    def refused(request: Request) -> Response:
        return render(request, "error.html", status_code=403,
                      message="หน้านี้สำหรับผู้ตรวจสอบ (บัญชีผู้ตรวจสอบ) เท่านั้น")

    @router.get("")
    async def home(request: Request, q: str = "",
                   session: Session = Depends(signed_in)) -> Response:
        if not _is_auditor(session):
            return refused(request)
        found, problems = await find(request, q) if q.strip() else ([], [])
        return render(request, "auditor_home.html", nav="auditor", q=q, found=found,
                      problems=sorted(set(problems)), searched=bool(q.strip()))

    async def checked(request: Request, service: str,
                      aggregate_id: UUID) -> tuple[HistoryCheck, dict[str, str]]:
        portal = portal_of(request)
        check, people = await asyncio.gather(
            portal.audit.verify(service, str(aggregate_id)), directory(request, None))
        return check, names_of(people)

    @router.get("/{service}/{aggregate_id}")
    async def history(request: Request, service: str, aggregate_id: UUID,
                      session: Session = Depends(signed_in)) -> Response:
        if not _is_auditor(session):
            return refused(request)
        if service not in SERVICES:
            return render(request, "error.html", status_code=404, message="ไม่พบระบบนี้")
        try:
            check, names = await checked(request, service, aggregate_id)
        except (Refused, Unavailable) as error:
            return render(request, "error.html", status_code=getattr(error, "status", 503),
                          message=error.message_th)
        return render(request, "auditor_history.html", nav="auditor", check=check,
                      rows=_rows(check, names), service_th=SERVICE_NAMES_TH[service])

    @router.get("/{service}/{aggregate_id}/export.{fmt}")
    async def export(request: Request, service: str, aggregate_id: UUID, fmt: str,
                     session: Session = Depends(signed_in)) -> Response:
        if not _is_auditor(session):
            return refused(request)
        if service not in SERVICES or fmt not in ("json", "csv"):
            return render(request, "error.html", status_code=404, message="ไม่พบไฟล์นี้")
        try:
            check, names = await checked(request, service, aggregate_id)
        except (Refused, Unavailable) as error:
            return render(request, "error.html", status_code=getattr(error, "status", 503),
                          message=error.message_th)
        rows = _rows(check, names)
        name = f"{service}-{aggregate_id}-history.{fmt}"
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["ลำดับ", "ตำแหน่งในบันทึก", "เหตุการณ์", "ผู้ดำเนินการ", "รหัสผู้ดำเนินการ",
                             "วันเวลา", "เหตุผล", "ผลการตรวจ", "leaf_hash"])
            for r in rows:
                writer.writerow([r["number"], r["position"], r["what"], r["who"], r["actor"],
                                 r["at_th"], r["why"], r["check_th"], r["leaf_hash"]])
            return Response(("\ufeff" + out.getvalue()).encode("utf-8"),
                            media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": content_disposition(name)})
        head = check.head
        document = {
            "format": "esa-portal-audit-history/v1", "service": service,
            "aggregate_id": str(aggregate_id), "verified": check.all_verified,
            "head": vars(head) if head else None, "head_verified": check.head_verified,
            "head_check_th": check.head_reason_th, "key_id": check.key_id,
            "extends_tree_size": check.extends,
            "events": [{**e.entry, "verified": e.verified, "check_th": e.reason_th,
                        "inclusion_proof": e.proof} for e in check.events]}
        return Response(orjson.dumps(document, option=orjson.OPT_INDENT_2),
                        media_type="application/json",
                        headers={"Content-Disposition": content_disposition(name)})

    return router

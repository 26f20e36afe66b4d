"""HTTP API of the correspondence service (saraban, procedure 1).

Plain `def` endpoints: the event store is synchronous, so FastAPI runs them in its thread pool.
Lists (`@quick_read`) run on the event loop, and go to the thread pool only when they would wait
for the read models (`shared.http.reads`).
Every write takes `Idempotency-Key`; a write to an existing record requires `If-Match` with its
`ETag` (428 without it). Every route needs an OAuth2 token (`shared.auth`): `correspondence:read`
for GET, `correspondence:write` for commands, `correspondence:submit` for the agency routes. The
office's portal names the acting officer in `X-Actor-Id`; who may run each command is the
decision-rights table's (`services.correspondence.rights`), read against the staff directory.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from services.correspondence.application import (
    CorrespondenceApplication,
    DocumentFilters,
    NewFile,
)
from services.correspondence.domain import DestructionStep, Role, SeriesKind, Step, reporting_period
from services.correspondence.projections import (
    DISPATCH_COLUMNS,
    RECEIVING_COLUMNS,
    ROUTING_COLUMNS,
    register_csv,
    register_lines,
    routing_rows,
)
from services.correspondence.schemas import (
    AgencyDocumentIn,
    AgencyDocumentOut,
    ApproveIn,
    AssignIn,
    BorrowIn,
    CancelIn,
    CommentsIn,
    CommitteeIn,
    ContentOut,
    DestructionListIn,
    DestructionListOut,
    DispatchEntryOut,
    DocumentOut,
    DraftIn,
    Empty,
    FileDocumentIn,
    HistoryEntryOut,
    IncomingDocumentIn,
    KeepIn,
    LoanOut,
    ObjectionIn,
    OfficerChange,
    OfficerIn,
    OfficerOut,
    OutgoingDocumentIn,
    SubmitIn,
    WorkItemOut,
)
from services.correspondence.work import KINDS
from shared.auth import CallerDep, requires_scope
from shared.http.conditional import Idempotency, IfMatch, set_etag
from shared.http.context import Actor
from shared.http.downloads import csv_download as _csv
from shared.http.downloads import csv_stream, file_download
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read
from shared.thaitime import bangkok_date

# Other agencies hand letters over and follow their own; nothing else of the office's.
SUBMIT = requires_scope("correspondence:submit")

Format = Literal["json", "csv"]
# A Buddhist-era year in a path: a register of another era does not exist.
YearBE = Annotated[int, Path(ge=2400, le=2800, description="ปี พ.ศ. (Buddhist-era year)")]
Kind = Literal[KINDS]  # type: ignore[valid-type]


async def document_filters(  # async: FastAPI would run a plain def in the threadpool
    step: Annotated[Step | None, Query(description="Only documents at this step")] = None,
    holder: Annotated[str | None, Query(min_length=1, max_length=64,
                                        description="Only those held by this officer or role")
                      ] = None,
    overdue: Annotated[bool | None, Query(description="Only those whose assigned work is (not) "
                                                      "past its due date")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200,
                                   description="Text in the subject, sender, reference, addressee "
                                               "or outgoing number, looked for only where you "
                                               "may read it")] = None,
) -> DocumentFilters:
    return DocumentFilters(step=step.value if step else None, holder=holder, overdue=overdue,
                           text=q.strip() or None if q else None)


Filters = Annotated[DocumentFilters, Depends(document_filters)]


def _text(value: str | None) -> bytes | None:
    return value.encode("utf-8") if value else None


def _files(files: list[Any]) -> list[NewFile]:
    return [NewFile(f.name, f.media_type, f.content()) for f in files]


def _answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    set_etag(response, result["version"])
    return result


def create_router(app: CorrespondenceApplication) -> APIRouter:
    router = APIRouter()
    officers = APIRouter(prefix="/officers", tags=["staff directory (ทะเบียนเจ้าหน้าที่)"])
    documents = APIRouter(prefix="/documents", tags=["documents (หนังสือราชการ)"])
    registers = APIRouter(tags=["registers and queues (ทะเบียนและงานค้าง)"])
    destruction = APIRouter(prefix="/destruction-lists", tags=["destruction (การทำลายหนังสือ)"])
    agency = APIRouter(prefix="/agency/documents",
                       tags=["other agencies (หนังสือจากหน่วยงานอื่น)"])

    # --- staff directory ----------------------------------------------------------------------------
    @officers.post("", status_code=201, response_model=OfficerOut,
                   summary="Register an officer (the first entry bootstraps the directory)")
    def register_officer(body: OfficerIn, actor: Actor, idem: Idempotency,
                         response: Response) -> dict[str, Any]:
        return _answer(response, app.register_officer(
            officer_id=body.officer_id, name_th=body.name_th, position_th=body.position_th,
            roles=body.roles, clearance=body.clearance, idempotency=idem.for_body(body)))

    @officers.get("", response_model=Page[OfficerOut], summary="The staff directory")
    @quick_read
    def list_officers(
        paging: Paging,
        role: Annotated[Role | None, Query(description="Only holders of this role")] = None,
        active: Annotated[bool | None, Query()] = None,
    ) -> dict[str, Any]:
        return app.officers_page(paging, role=role, active=active)

    @officers.get("/{officer_id}", response_model=OfficerOut)
    def get_officer(officer_id: str, response: Response) -> dict[str, Any]:
        return _answer(response, app.officer_summary(officer_id))

    @officers.patch("/{officer_id}", response_model=OfficerOut,
                    summary="Change name, position, roles, clearance or active status")
    def change_officer(officer_id: str, body: OfficerChange, actor: Actor, if_match: IfMatch,
                       idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.change_officer(
            officer_id, roles=body.roles, clearance=body.clearance, active=body.active,
            name_th=body.name_th, position_th=body.position_th,
            expected_version=if_match, idempotency=idem.for_body(body)))

    # --- documents ----------------------------------------------------------------------------------
    @documents.post("/incoming", status_code=201, response_model=DocumentOut,
                    summary="ลงทะเบียนรับ: register an incoming document (receipt number per BE year)")
    def register_incoming(body: IncomingDocumentIn, actor: Actor, idem: Idempotency,
                          response: Response) -> dict[str, Any]:
        result = app.register_incoming(
            received_at=body.received_at, sender=body.sender, sender_ref_no=body.sender_ref_no,
            sender_doc_date=body.sender_doc_date, subject=body.subject, addressee=body.addressee,
            doc_type=body.doc_type, urgency=body.urgency, secrecy=body.secrecy,
            sender_head_position_th=body.sender_head_position_th,
            body=_text(body.body_text), files=_files(body.attachments),
            idempotency=idem.for_body(body))
        response.headers["Location"] = f"/documents/{result['document_id']}"
        return _answer(response, result)

    @documents.post("/outgoing", status_code=201, response_model=DocumentOut,
                    summary="Start a document the office writes (begins as the actor's draft)")
    def start_outgoing(body: OutgoingDocumentIn, actor: Actor, idem: Idempotency,
                       response: Response) -> dict[str, Any]:
        result = app.start_outgoing(
            subject=body.subject, addressee=body.addressee, doc_type=body.doc_type,
            urgency=body.urgency, secrecy=body.secrecy, outgoing_kind=body.outgoing_kind,
            draft=_text(body.draft_text), summary=body.summary, files=_files(body.attachments),
            idempotency=idem.for_body(body))
        response.headers["Location"] = f"/documents/{result['document_id']}"
        return _answer(response, result)

    @documents.get("/{document_id}", response_model=DocumentOut,
                   summary="A document's register line, current step, holder and since when")
    # In the thread pool, not a quick read: any document of any year may be asked for, and a row
    # that is not in memory waits for the disk; on the event loop every other request would wait
    # with it (p99 313 against 44 ms just after a start at ten years, benchmarks/README.md).
    def get_document(document_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.document_summary(document_id))

    @documents.get("/{document_id}/history", response_model=Page[HistoryEntryOut],
                   summary="Every event of the document: who, when, what (paged, oldest first)")
    @quick_read
    def document_history(document_id: UUID, paging: Paging) -> dict[str, Any]:
        return app.history(document_id, paging)

    @documents.get("/{document_id}/content", response_model=ContentOut,
                   summary="Body, draft and attachments (need to know; classified reads recorded)")
    def document_content(document_id: UUID, actor: Actor) -> dict[str, Any]:
        content = app.read_content(document_id)
        return {
            "document_id": content.document_id,
            "body_text": content.body.decode("utf-8", "replace") if content.body else None,
            "draft_text": content.draft.decode("utf-8", "replace") if content.draft else None,
            "attachments": [
                {"name": a.name, "media_type": a.media_type, "sha256": a.sha256, "size": a.size,
                 "content_base64": base64.b64encode(data).decode() if data is not None else None}
                for a, data in content.attachments
            ],
        }

    @documents.get("/{document_id}/letter.pdf", response_class=Response,
                   summary="The draft laid out as the letter (หนังสือภายนอก, บันทึกข้อความ, คำสั่ง); "
                           "electronically signed by the office once signed (need to know)",
                   responses={200: {"content": {"application/pdf": {}}}})
    def document_letter(document_id: UUID, actor: Actor) -> Response:
        pdf, filename = app.letter_pdf(document_id)
        return file_download(pdf, "application/pdf", filename, inline=True)

    def step(path: str, summary: str, body_model: type, command: Any) -> None:
        """One saraban step: POST /documents/{id}/<path> with If-Match and Idempotency-Key."""

        def endpoint(document_id: UUID, body: body_model, actor: Actor,  # type: ignore[valid-type]
                     if_match: IfMatch, idem: Idempotency, response: Response) -> dict[str, Any]:
            return _answer(response, command(document_id, body, if_match, idem.for_body(body)))

        endpoint.__annotations__["body"] = body_model  # a closure variable: resolve it here
        documents.add_api_route(f"/{{document_id}}/{path}", endpoint, methods=["POST"],
                                response_model=DocumentOut, summary=summary,
                                name=path.replace("-", "_"))

    step("assign", "มอบหมาย: the group director assigns a responsible officer", AssignIn,
         lambda i, b, v, k: app.assign(i, officer_id=b.officer_id, instructions=b.instructions,
                                       due=b.due_date, expected_version=v, idempotency=k))
    step("draft", "ร่างหนังสือ: the assigned officer records a draft", DraftIn,
         lambda i, b, v, k: app.draft(i, text=_text(b.text), summary=b.summary, doc_type=b.doc_type,
                                      outgoing_kind=b.outgoing_kind, expected_version=v,
                                      idempotency=k))
    step("submit", "เสนอตรวจทาน: submit the draft to a group director", SubmitIn,
         lambda i, b, v, k: app.submit_for_check(i, checker_id=b.checker_id, expected_version=v,
                                                 idempotency=k))
    step("approve", "ตรวจทานแล้ว เสนอลงนาม: approve and forward to a signer", ApproveIn,
         lambda i, b, v, k: app.approve_check(i, signer_id=b.signer_id, comments=b.comments,
                                              expected_version=v, idempotency=k))
    step("return", "ส่งกลับแก้ไข: return the draft for revision", CommentsIn,
         lambda i, b, v, k: app.return_for_revision(i, comments=b.comments, expected_version=v,
                                                    idempotency=k))
    step("sign", "ลงนาม: the authorised signer signs", Empty,
         lambda i, b, v, k: app.sign(i, expected_version=v, idempotency=k))
    step("dispatch", "ส่งหนังสือ: number from the dispatch register and send", Empty,
         lambda i, b, v, k: app.dispatch(i, expected_version=v, idempotency=k))
    step("file", "เก็บรักษา: file with a retention class and location", FileDocumentIn,
         lambda i, b, v, k: app.file(i, location=b.location, retention_class=b.retention_class,
                                     expected_version=v, idempotency=k))
    step("cancel", "ยกเลิก: cancel (a number given stays in the register)", CancelIn,
         lambda i, b, v, k: app.cancel(i, reason=b.reason, expected_version=v, idempotency=k))
    step("borrow", "ยืม: lend the filed document", BorrowIn,
         lambda i, b, v, k: app.borrow(i, borrower=b.borrower, purpose=b.purpose, due=b.due_date,
                                       outsider=b.outsider, approved_by=b.approved_by,
                                       expected_version=v, idempotency=k))
    step("return-loan", "คืน: the borrowed document came back", Empty,
         lambda i, b, v, k: app.return_loan(i, expected_version=v, idempotency=k))

    # --- registers and queues -----------------------------------------------------------------------
    @registers.get("/registers/receiving/{year_be}", response_model=Page[DocumentOut],
                   summary="ทะเบียนหนังสือรับ of a BE calendar year, in receipt order (JSON pages, "
                           "or the whole register as CSV in Thai)",
                   responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def receiving_register(year_be: YearBE, paging: Paging, filters: Filters,
                           format: Format = "json") -> Any:  # noqa: A002
        if format == "csv":
            return csv_stream(register_lines(app.receiving_register_lines(year_be, filters),
                                             RECEIVING_COLUMNS), f"receiving-{year_be}.csv")
        return app.receiving_register(year_be, paging, filters)

    @registers.get("/registers/dispatch/{year_be}", response_model=Page[DispatchEntryOut],
                   summary="ทะเบียนหนังสือส่ง of a BE year: every number in order, cancelled ones "
                           "marked (JSON pages, or the whole register as CSV in Thai)",
                   responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def dispatch_register(year_be: YearBE, paging: Paging, filters: Filters,
                          series: SeriesKind = SeriesKind.dispatch,
                          format: Format = "json") -> Any:  # noqa: A002
        if format == "csv":
            return csv_stream(register_lines(app.dispatch_register_lines(year_be, series, filters),
                                             DISPATCH_COLUMNS, app.settings.office_name_th),
                              f"dispatch-{series.value}-{year_be}.csv")
        return app.dispatch_register(year_be, series, paging, filters)

    @registers.get("/work-queue", response_model=Page[DocumentOut],
                   summary="งานของฉัน: documents waiting for the acting officer (or their role), "
                           "the longest waiting first")
    @quick_read
    def work_queue(actor: Actor, paging: Paging,
                   overdue: Annotated[bool | None, Query()] = None) -> dict[str, Any]:
        return app.work_queue(paging, overdue=overdue)

    @registers.get("/my-work", response_model=Page[WorkItemOut],
                   summary="งานของฉัน: every record of procedures 1-4 waiting for the acting officer "
                           "(or their role), overdue first, then oldest")
    @quick_read
    def my_work(
        actor: Actor, paging: Paging,
        procedure: Annotated[int | None, Query(ge=1, le=4, description="1 saraban, 2 coordination "
                                               "and service, 3 meetings, 4 knowledge")] = None,
        kind: Annotated[Kind | None, Query(description="One kind of record")] = None,
        overdue: Annotated[bool | None, Query()] = None,
    ) -> dict[str, Any]:
        return app.my_work(paging, procedure=procedure, kind=kind, overdue=overdue)

    @registers.get("/work-in-progress", response_model=Page[DocumentOut],
                   summary="งานระหว่างดำเนินการ: every open document, its step, holder, since when, "
                           "the longest waiting first")
    @quick_read
    def work_in_progress(paging: Paging, filters: Filters) -> dict[str, Any]:
        return app.work_in_progress(paging, filters)

    @registers.get("/reports/routing/{year_be}",
                   summary="ประเมินผลการเดินหนังสือ: time per routing stage, overdue, revisions "
                           "(JSON, or CSV in Thai)",
                   responses={200: {"content": {"text/csv": {}}}})
    def routing_report(year_be: YearBE, format: Format = "json") -> Any:  # noqa: A002
        report = app.routing_report(year_be)
        if format == "csv":
            return _csv(register_csv(routing_rows(report), ROUTING_COLUMNS),
                        f"routing-{year_be}.csv")
        return report

    @registers.get("/loans", response_model=Page[LoanOut],
                   summary="ทะเบียนการยืม: documents on loan, the earliest due back first, overdue "
                           "flagged")
    @quick_read
    def loans(paging: Paging, overdue: Annotated[bool | None, Query()] = None) -> dict[str, Any]:
        return app.loans(paging, overdue=overdue)

    # --- destruction --------------------------------------------------------------------------------
    @destruction.post("", status_code=201, response_model=DestructionListOut,
                      summary="บัญชีหนังสือขอทำลาย: list the expired documents of a year")
    def open_list(body: DestructionListIn, actor: Actor, idem: Idempotency,
                  response: Response) -> dict[str, Any]:
        return _answer(response, app.open_destruction_list(body.year_be,
                                                           idempotency=idem.for_body(body)))

    @destruction.get("", response_model=Page[DestructionListOut],
                     summary="บัญชีหนังสือขอทำลาย of every year, the earliest first")
    @quick_read
    def list_lists(paging: Paging,
                   step: Annotated[DestructionStep | None, Query()] = None) -> dict[str, Any]:
        return app.destruction_lists_page(paging, step=step.value if step else None)

    @destruction.get("/{year_be}", response_model=DestructionListOut)
    def get_list(year_be: YearBE, response: Response) -> dict[str, Any]:
        return _answer(response, app.destruction_list_view(year_be))

    def list_step(path: str, summary: str, body_model: type, command: Any) -> None:
        def endpoint(year_be: int, body: body_model, actor: Actor,  # type: ignore[valid-type]
                     if_match: IfMatch, idem: Idempotency, response: Response) -> dict[str, Any]:
            return _answer(response, command(year_be, body, if_match, idem.for_body(body)))

        endpoint.__annotations__["body"] = body_model
        destruction.add_api_route(f"/{{year_be}}/{path}", endpoint, methods=["POST"],
                                  response_model=DestructionListOut, summary=summary,
                                  name=f"destruction_{path}")

    list_step("committee", "แต่งตั้งคณะกรรมการ: a chair and at least two members", CommitteeIn,
              lambda y, b, v, k: app.appoint_destruction_committee(
                  y, chair_id=b.chair_id, member_ids=b.member_ids, expected_version=v,
                  idempotency=k))
    list_step("keep", "a member of the committee keeps an item longer", KeepIn,
              lambda y, b, v, k: app.keep_longer(
                  y, document_id=b.document_id, reason=b.reason,
                  retention_class=b.retention_class, expected_version=v, idempotency=k))
    list_step("send", "ส่งบัญชีให้กรมศิลปากร: starts the 60-day objection window", Empty,
              lambda y, b, v, k: app.send_to_national_archives(y, expected_version=v,
                                                               idempotency=k))
    list_step("objection", "the National Archives object to items", ObjectionIn,
              lambda y, b, v, k: app.record_archives_objection(
                  y, document_ids=b.document_ids, reason=b.reason, expected_version=v,
                  idempotency=k))
    list_step("destroy", "ทำลาย: a member of the committee, after the window; content purged, "
                         "register entries stay and name the list", Empty,
              lambda y, b, v, k: app.carry_out_destruction(y, expected_version=v, idempotency=k))

    # --- other agencies -------------------------------------------------------------------------------
    @agency.post("", status_code=201, response_model=AgencyDocumentOut, openapi_extra=SUBMIT,
                 summary="ส่งหนังสือถึงสำนักงาน: an agency's system submits a letter; answers its "
                         "receipt number")
    def submit_from_agency(body: AgencyDocumentIn, caller: CallerDep, idem: Idempotency,
                           response: Response) -> dict[str, Any]:
        result = app.receive_from_agency(
            client_id=caller.client_id, agency=caller.agency, clearance=caller.clearance,
            sender_ref_no=body.sender_ref_no, sender_doc_date=body.sender_doc_date,
            subject=body.subject, addressee=body.addressee, doc_type=body.doc_type,
            urgency=body.urgency, secrecy=body.secrecy,
            sender_head_position_th=body.sender_head_position_th, body=_text(body.body_text),
            files=_files(body.attachments), idempotency=idem.for_body(body))
        response.headers["Location"] = f"/agency/documents/{result['document_id']}"
        return _answer(response, result)

    @agency.get("", response_model=Page[AgencyDocumentOut], openapi_extra=SUBMIT,
                summary="The letters this agency submitted, in receipt order")
    @quick_read
    def own_submissions(caller: CallerDep, paging: Paging) -> dict[str, Any]:
        return app.agency_submissions(paging, client_id=caller.client_id,
                                      clearance=caller.clearance)

    @agency.get("/{document_id}", response_model=AgencyDocumentOut, openapi_extra=SUBMIT,
                summary="Where one of this agency's letters stands (another's: 404)")
    def own_submission(document_id: UUID, caller: CallerDep, response: Response) -> dict[str, Any]:
        return _answer(response, app.agency_submission(
            document_id, client_id=caller.client_id, clearance=caller.clearance))

    for part in (officers, documents, registers, destruction, agency):
        router.include_router(part)
    return router


def add_step_route(router: APIRouter, path: str, *, id_name: str, summary: str,
                   body_model: type, response_model: type,
                   command: Callable[[UUID, Any, int | None, Any], dict[str, Any]]) -> None:
    """One step on an existing record, as the saraban steps above: POST `path` (which names the
    record's id `{id_name}`) with a body, If-Match and Idempotency-Key; answers the record with
    its ETag. `command(record_id, body, expected_version, idempotency)` does the work."""

    def endpoint(**params: Any) -> dict[str, Any]:
        body = params["body"]
        return _answer(params["response"], command(params[id_name], body, params["if_match"],
                                                   params["idem"].for_body(body)))

    # FastAPI reads the parameters off the signature; the record's id is named per resource.
    endpoint.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
        for name, annotation in ((id_name, UUID), ("body", body_model), ("actor", Actor),
                                 ("if_match", IfMatch), ("idem", Idempotency),
                                 ("response", Response))
    ])
    router.add_api_route(path, endpoint, methods=["POST"], response_model=response_model,
                         summary=summary, name=f"{router.prefix.strip('/')}_{path}".replace(
                             "/", "_").replace("{", "").replace("}", "").replace("-", "_"))


def add_summary_route(router: APIRouter, app: CorrespondenceApplication, path: str, *, name: str,
                      summary: str, file_stem: str,
                      report: Callable[[date, date], dict[str, Any]],
                      rows: Callable[[dict[str, Any]], list[dict[str, Any]]],
                      columns: Any) -> None:
    """A periodic summary of procedures 2-4, as the officers report it: GET `path` for a fiscal year
    or a date range (`period_query`), JSON or Thai CSV (`rows` of the report under `columns`)."""

    def endpoint(period: tuple[date, date] = period_query(app),
                 format: Format = "json") -> Any:  # noqa: A002
        start, end = period
        result = report(start, end)
        if format == "csv":
            return _csv(register_csv(rows(result), columns), f"{file_stem}-{start}-{end}.csv")
        return result

    router.add_api_route(path, endpoint, methods=["GET"], name=name, summary=summary,
                         responses={200: {"content": {"text/csv": {}}}})


def period_query(app: CorrespondenceApplication, *, default: bool = True) -> Any:
    """The reporting period of a periodic summary, from `?fiscal_year=2569` or `?from=…&to=…`
    (Bangkok dates); when neither is given, the current fiscal year (`default`) or no period
    (None: any time). Use as a parameter's default."""

    def period(
        from_date: date | None = Query(default=None, alias="from",
                                       description="First Bangkok date (YYYY-MM-DD)"),
        to_date: date | None = Query(default=None, alias="to",
                                     description="Last Bangkok date (YYYY-MM-DD)"),
        fiscal_year: int | None = Query(default=None,
                                        description="Fiscal year (BE), 1 Oct - 30 Sep"),
    ) -> tuple[date, date] | None:
        if not default and from_date is None and to_date is None and fiscal_year is None:
            return None
        return reporting_period(from_date, to_date, fiscal_year, bangkok_date(app.clock()))

    return Depends(period)

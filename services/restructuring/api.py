"""HTTP API of the restructuring service (procedure 9): the school registry and its cases.

Plain `def` endpoints (the event store is synchronous, FastAPI runs them in its thread pool), except
the file import, which reads the uploaded bytes asynchronously and then runs in the thread pool,
and the lists (`@quick_read`), which run on the event loop and go to the thread pool only when they
would wait for the read models (`shared.http.reads`).
Every write takes `Idempotency-Key`; a write to an existing school or case requires `If-Match` with
its `ETag` (428 without it, 412 when stale). The acting officer is named in `X-Actor-Id` (see
`shared.http.context`); who may run each command is the table in `services.restructuring.rights`,
enforced before the command runs.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from contracts.restructuring.v1 import CaseType, SchoolStatus, SizeBand
from services.restructuring.application import RestructuringApplication
from services.restructuring.domain import CaseStep, SchoolDetails
from services.restructuring.projections import registry_csv, small_schools_csv
from services.restructuring.schemas import (
    CaseIn,
    CaseOut,
    DecisionIn,
    Empty,
    EnrolmentIn,
    ExecuteIn,
    HearingIn,
    HistoryEntryOut,
    ImportOut,
    SchoolIn,
    SchoolOut,
    SmallSchoolsOut,
    SnapshotOut,
    StudyIn,
    WithdrawIn,
)
from shared.http.conditional import Idempotency, IfMatch, set_etag
from shared.http.context import Actor
from shared.http.downloads import csv_stream
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read

Format = Literal["json", "csv"]
AsOf = Annotated[date | None, Query(description="The registry as it stood on this day (default today)")]
District = Annotated[str | None, Query(max_length=300, description="อำเภอ")]
Subdistrict = Annotated[str | None, Query(max_length=300, description="ตำบล")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The DMC enrolment file as received: CSV (UTF-8 or cp874) or Excel .xlsx, "
                       "as the raw body or as the `file` field of a form upload.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        },
    }
}


def _answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    set_etag(response, result["version"])
    return result


def _details(body: SchoolIn) -> SchoolDetails:
    return SchoolDetails.of(name_th=body.name_th, name_en=body.name_en, district=body.district,
                            subdistrict=body.subdistrict)


async def uploaded_file(request: Request, limit: int) -> bytes:
    """The file of an upload: the `file` field of a form, or the raw body; at most `limit` bytes."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "a form upload needs the file in its `file` field")
        content = await upload.read(limit + 1)
    else:
        received = bytearray()
        async for chunk in request.stream():
            received += chunk
            if len(received) > limit:
                break  # no need to read the rest of a file that is refused anyway
        content = bytes(received)
    if len(content) > limit:
        raise HTTPException(413, f"the file is larger than {limit} bytes")
    if not content:
        raise HTTPException(422, "no file was sent")
    return content


def create_router(app: RestructuringApplication) -> APIRouter:
    router = APIRouter()
    schools = APIRouter(prefix="/schools", tags=["school registry (ทะเบียนสถานศึกษา)"])
    reports = APIRouter(prefix="/reports", tags=["reports (รายงาน)"])
    cases = APIRouter(prefix="/cases",
                      tags=["restructuring cases (จัดตั้ง ยุบรวม เลิก โอน ขยายชั้นเรียน)"])

    # --- the registry -------------------------------------------------------------------------------
    @schools.post("", status_code=201, response_model=SchoolOut,
                  summary="Enter a school by hand (most come from the DMC files)")
    def register_school(body: SchoolIn, actor: Actor, idem: Idempotency,
                        response: Response) -> dict[str, Any]:
        result = app.register_school(code=body.school_code, details=_details(body),
                                     levels=body.levels, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/schools/{result['school_code']}"
        return _answer(response, result)

    @schools.get("", response_model=Page[SchoolOut],
                 summary="ทะเบียนสถานศึกษา: the schools as they stood on a day, by code (paged "
                         "JSON, or the whole selection as Thai CSV)",
                 responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def list_schools(
        paging: Paging,
        as_of: AsOf = None,
        district: District = None,
        subdistrict: Subdistrict = None,
        status: Annotated[SchoolStatus | None, Query(description="Status on the day")] = None,
        size_band: Annotated[SizeBand | None, Query(description="Size band on the day")] = None,
        small: Annotated[bool | None, Query(description="Small school (≤ 120 pupils) on the day")
                         ] = None,
        q: Annotated[str | None, Query(
            max_length=200, description="Text in the code, a name, the district or the subdistrict")
        ] = None,
        format: Format = "json",  # noqa: A002
    ) -> Any:
        day = as_of or app.today()
        filters = {"district": district, "subdistrict": subdistrict, "status": status,
                   "size_band": size_band, "small": small, "text": q}
        if format == "csv":
            return csv_stream(registry_csv(app.whole_registry(day, **filters), day),
                              f"schools-{day.isoformat()}.csv")
        return app.registry(paging, day, **filters)

    @schools.post("/import", response_model=ImportOut, openapi_extra=IMPORT_BODY,
                  summary="นำเข้าข้อมูลนักเรียน DMC (CSV or .xlsx): all rows or none; a repeat "
                          "changes nothing")
    async def import_enrolment(request: Request, actor: Actor, idem: Idempotency) -> Any:
        content = await uploaded_file(request, app.settings.max_import_bytes)
        key = idem.for_body({"sha256": hashlib.sha256(content).hexdigest()})
        return await run_in_threadpool(lambda: app.import_enrolment(content, idempotency=key))

    @schools.get("/{code}", response_model=SchoolOut,
                 summary="A school as it stood on a day: status, levels, pupils, size band")
    def get_school(code: str, response: Response, as_of: AsOf = None) -> dict[str, Any]:
        return _answer(response, app.school_summary(code, as_of))

    @schools.get("/{code}/enrolment", response_model=Page[SnapshotOut],
                 summary="The school's enrolment snapshots (DMC dates), oldest first (paged)")
    @quick_read
    def school_enrolment(code: str, paging: Paging) -> dict[str, Any]:
        return app.enrolment_of(code, paging)

    @schools.post("/{code}/enrolment", response_model=SchoolOut,
                  summary="Record one enrolment snapshot (10 June or 10 November)")
    def record_enrolment(code: str, body: EnrolmentIn, actor: Actor, if_match: IfMatch,
                         idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.record_enrolment(
            code, snapshot_date=body.snapshot_date, pupils_by_grade=dict(body.pupils_by_grade),
            academic_year_be=body.academic_year_be, term=body.term, expected_version=if_match,
            idempotency=idem.for_body(body)))

    @schools.get("/{code}/history", response_model=Page[HistoryEntryOut],
                 summary="Every event of the school: who, when, what (paged, oldest first)")
    @quick_read
    def school_history(code: str, paging: Paging) -> dict[str, Any]:
        return app.school_history(code, paging)

    # --- reports ------------------------------------------------------------------------------------
    @reports.get("/small-schools", response_model=SmallSchoolsOut,
                 summary="โรงเรียนขนาดเล็กและโรงเรียนที่ควรพิจารณายุบรวม: the criterion and counts, "
                         "then the small schools by district (paged JSON, or all as Thai CSV)",
                 responses={200: {"content": {"text/csv": {}}}})
    def small_schools(paging: Paging, as_of: AsOf = None, district: District = None,
                      subdistrict: Subdistrict = None,
                      format: Format = "json") -> Any:  # noqa: A002
        day = as_of or app.today()
        if format == "csv":
            summary, entries = app.whole_small_schools(day, district=district,
                                                       subdistrict=subdistrict)
            return csv_stream(small_schools_csv(summary, entries),
                              f"small-schools-{day.isoformat()}.csv")
        return app.small_schools(paging, day, district=district, subdistrict=subdistrict)

    # --- cases --------------------------------------------------------------------------------------
    @cases.post("", status_code=201, response_model=CaseOut,
                summary="เปิดเรื่อง: establish, merge, dissolve, transfer or class expansion")
    def open_case(body: CaseIn, actor: Actor, idem: Idempotency,
                  response: Response) -> dict[str, Any]:
        new_school = (body.new_school.school_code, _details(body.new_school)) \
            if body.new_school else None
        levels = body.new_school.levels if body.new_school else body.levels
        result = app.open_case(
            case_type=body.case_type, school_codes=body.school_codes,
            receiving_code=body.receiving_school_code, new_school=new_school,
            to_authority=body.to_authority, levels=levels, title_th=body.title_th,
            officer_name_th=body.officer_name_th, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/cases/{result['case_id']}"
        return _answer(response, result)

    @cases.get("", response_model=Page[CaseOut], summary="Restructuring cases, oldest first (paged)")
    @quick_read
    def list_cases(
        paging: Paging,
        case_type: CaseType | None = None,
        step: CaseStep | None = None,
        fiscal_year_be: Annotated[int | None, Query(
            ge=2400, le=2700,
            description="The fiscal year (ปีงบประมาณ, Buddhist era) the case was opened in")] = None,
        closed: bool | None = None,
        holder: Annotated[str | None, Query(max_length=100,
                                            description="Who holds it: an officer or กศจ.")] = None,
        school_code: Annotated[str | None, Query(max_length=20,
                                                 description="Cases naming this school")] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in the title")] = None,
    ) -> dict[str, Any]:
        return app.list_cases(paging, case_type=case_type, step=step,
                              fiscal_year_be=fiscal_year_be, closed=closed, holder=holder,
                              school_code=school_code, text=q)

    @cases.get("/{case_id}", response_model=CaseOut,
               summary="A case: its step, who holds it, every study, hearing and round")
    def get_case(case_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.case_summary(case_id))

    @cases.get("/{case_id}/history", response_model=Page[HistoryEntryOut],
               summary="Every event of the case: who, when, what (paged, oldest first)")
    @quick_read
    def case_history(case_id: UUID, paging: Paging) -> dict[str, Any]:
        return app.case_history(case_id, paging)

    def step(path: str, summary: str, body_model: type, command: Any) -> None:
        """One step of a case: POST /cases/{id}/<path> with If-Match and Idempotency-Key."""

        def endpoint(case_id: UUID, body: body_model, actor: Actor,  # type: ignore[valid-type]
                     if_match: IfMatch, idem: Idempotency, response: Response) -> dict[str, Any]:
            return _answer(response, command(case_id, body, if_match, idem.for_body(body)))

        endpoint.__annotations__["body"] = body_model  # a closure variable: resolve it here
        cases.add_api_route(f"/{{case_id}}/{path}", endpoint, methods=["POST"],
                            response_model=CaseOut, summary=summary, name=f"case_{path}")

    step("study", "ศึกษาสภาพปัจจุบัน: population and access, travel distance, pupils", StudyIn,
         lambda i, b, v, k: app.record_study(
             i, school_age_population=b.school_age_population,
             travel_distance_km=b.travel_distance_km, pupils_affected=b.pupils_affected,
             summary_th=b.summary_th, expected_version=v, idempotency=k))
    step("hearing", "รับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชน", HearingIn,
         lambda i, b, v, k: app.record_hearing(
             i, held_on=b.held_on, participants=b.participants,
             school_board_agreed=b.school_board_agreed, community_agreed=b.community_agreed,
             summary_th=b.summary_th, expected_version=v, idempotency=k))
    step("propose", "เสนอ กศจ.: a new round to the provincial committee", Empty,
         lambda i, b, v, k: app.propose(i, expected_version=v, idempotency=k))
    step("decision", "มติ กศจ.: approve, reject or return for revision (every round kept), citing "
         "the resolution registered in correspondence",
         DecisionIn,
         lambda i, b, v, k: app.decide(
             i, decision=b.decision, decided_on=b.decided_on, reason=b.reason,
             resolution_document_id=b.resolution.document_id if b.resolution else None,
             expected_version=v, idempotency=k))
    step("execute", "ดำเนินการ: change the registry from the effective date (approved cases only; "
         "the ESA director)",
         ExecuteIn,
         lambda i, b, v, k: app.execute_case(i, effective_date=b.effective_date,
                                             expected_version=v, idempotency=k))
    step("withdraw", "ยุติเรื่อง: close the case without carrying it out", WithdrawIn,
         lambda i, b, v, k: app.withdraw(i, reason=b.reason, expected_version=v, idempotency=k))

    for part in (schools, reports, cases):
        router.include_router(part)
    return router

"""HTTP API of the planning service (procedures 5-8).

Plain `def` endpoints: the event store is synchronous, so FastAPI runs them in its thread pool.
Lists (`@quick_read`) run on the event loop, and go to the thread pool only when they would wait
for the read models (`shared.http.reads`).
Every write takes `Idempotency-Key`; writes to an existing plan take `If-Match` with its `ETag`.
The acting officer is named in `X-Actor-Id` (see `shared.http.context`).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from services.planning.application import PlanningApplication
from services.planning.domain import (
    InvalidImport,
    PlanKind,
    Step,
    StrategyLevel,
)
from services.planning.imports import read_strategies
from services.planning.projections import action_plan_document, alignment_matrix, alignment_table
from services.planning.schemas import (
    ActionPlanIn,
    ActionPlanRevision,
    AmendIn,
    ApproveIn,
    CloseIn,
    DecisionIn,
    DevelopmentPlanIn,
    DevelopmentPlanRevision,
    FiscalYearOut,
    HistoryEntryOut,
    PlanDetailOut,
    PlanOut,
    PolicyIn,
    PolicyRevision,
    PublishIn,
    ReasonIn,
    StartIn,
    StrategiesIn,
    SubmitIn,
)
from shared.csvfile import csv_text
from shared.http.conditional import Idempotency, IfMatch, set_etag, versioned_json
from shared.http.context import Actor
from shared.http.downloads import XLSX_MEDIA_TYPE, csv_download, file_download
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read
from shared.thaitime import bangkok_date
from shared.thaitime import fiscal_year_be as fiscal_year_of

ExportFormat = Literal["pdf", "xlsx"]
TableFormat = Literal["json", "csv", "xlsx"]


def _answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    set_etag(response, result["version"])
    return result


def _created(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    response.headers["Location"] = f"/plans/{result['plan_id']}"
    return _answer(response, result)


def create_router(app: PlanningApplication) -> APIRouter:
    router = APIRouter()
    plans = APIRouter(prefix="/plans", tags=["plans: life cycle (วงจรของแผน)"])
    policies = APIRouter(prefix="/policies", tags=["policy (นโยบาย จุดเน้น เป้าหมาย)"])
    development = APIRouter(prefix="/development-plans",
                            tags=["development plan (แผนพัฒนาการศึกษาขั้นพื้นฐาน)"])
    action = APIRouter(prefix="/action-plans", tags=["annual action plan (แผนปฏิบัติการประจำปี)"])
    integration = APIRouter(tags=["provincial integration (บูรณาการยุทธศาสตร์)"])
    years = APIRouter(prefix="/fiscal-years", tags=["fiscal years (ปีงบประมาณ)"])

    # --- drafting, per kind -------------------------------------------------------------------------
    @policies.post("", status_code=201, summary="จัดทำร่างนโยบาย จุดเน้น และเป้าหมาย of a fiscal year")
    def draft_policy(body: PolicyIn, actor: Actor, idem: Idempotency,
                     response: Response) -> dict[str, Any]:
        return _created(response, app.draft(
            PlanKind.policy, title_th=body.title_th, content_for=lambda _: body.to_content(),
            drafter_name_th=body.drafter_name_th, fiscal_year_be=body.fiscal_year_be,
            idempotency=idem.for_body(body)))

    @policies.post("/{plan_id}/revise", summary="A new draft of the policy (while drafting)")
    def revise_policy(plan_id: UUID, body: PolicyRevision, actor: Actor, if_match: IfMatch,
                      idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.revise(
            plan_id, PlanKind.policy, title_th=body.title_th,
            content_for=lambda _: body.to_content(), expected_version=if_match,
            idempotency=idem.for_body(body)))

    @development.post("", status_code=201,
                      summary="จัดทำร่างแผนพัฒนาการศึกษา: vision, mission, goals, strategies, KPIs")
    def draft_development_plan(body: DevelopmentPlanIn, actor: Actor, idem: Idempotency,
                               response: Response) -> dict[str, Any]:
        return _created(response, app.draft(
            PlanKind.development_plan, title_th=body.title_th,
            content_for=lambda _: body.to_content(), drafter_name_th=body.drafter_name_th,
            start_year_be=body.start_year_be, end_year_be=body.end_year_be,
            idempotency=idem.for_body(body)))

    @development.post("/{plan_id}/revise", summary="A new draft of the development plan")
    def revise_development_plan(plan_id: UUID, body: DevelopmentPlanRevision, actor: Actor,
                                if_match: IfMatch, idem: Idempotency,
                                response: Response) -> dict[str, Any]:
        return _answer(response, app.revise(
            plan_id, PlanKind.development_plan, title_th=body.title_th,
            content_for=lambda _: body.to_content(), expected_version=if_match,
            idempotency=idem.for_body(body)))

    @action.post("", status_code=201,
                 summary="จัดทำร่างแผนปฏิบัติการประจำปี: projects, KPIs, budget by category and quarter")
    def draft_action_plan(body: ActionPlanIn, actor: Actor, idem: Idempotency,
                          response: Response) -> dict[str, Any]:
        return _created(response, app.draft(
            PlanKind.action_plan, title_th=body.title_th, content_for=body.to_content,
            drafter_name_th=body.drafter_name_th, fiscal_year_be=body.fiscal_year_be,
            idempotency=idem.for_body(body)))

    @action.post("/{plan_id}/revise", summary="A new draft of the action plan")
    def revise_action_plan(plan_id: UUID, body: ActionPlanRevision, actor: Actor,
                           if_match: IfMatch, idem: Idempotency,
                           response: Response) -> dict[str, Any]:
        return _answer(response, app.revise(
            plan_id, PlanKind.action_plan, title_th=body.title_th, content_for=body.to_content,
            expected_version=if_match, idempotency=idem.for_body(body)))

    @action.get("/{plan_id}/export", summary="The approved plan as published: PDF or Excel, in Thai",
                responses={200: {"content": {"application/pdf": {}, XLSX_MEDIA_TYPE: {}}}})
    def export_action_plan(plan_id: UUID, format: ExportFormat = "pdf") -> Response:  # noqa: A002
        # The PDF and Excel libraries take seconds to import: loaded by the exports that use them,
        # not at every start.
        from services.planning.reports import action_plan_pdf, action_plan_xlsx

        plan = app.approved_action_plan(plan_id)
        document = action_plan_document(plan, app.settings.office_name_th)
        name = f"action-plan-{plan.fiscal_year_be}-v{plan.plan_version}"
        if format == "xlsx":
            return file_download(action_plan_xlsx(document), XLSX_MEDIA_TYPE, f"{name}.xlsx")
        return file_download(action_plan_pdf(document, app.clock()), "application/pdf", f"{name}.pdf")

    # --- every plan: queries and the life cycle -----------------------------------------------------
    @plans.get("", response_model=Page[PlanOut],
               summary="Plans of every kind, most recently changed first (paged)")
    @quick_read
    def list_plans(
        paging: Paging,
        kind: PlanKind | None = None,
        fiscal_year_be: Annotated[int | None, Query(ge=2400, le=2700,
                                                    description="ปีงบประมาณ (Buddhist era)")
                                  ] = None,
        step: Step | None = None,
        holder: Annotated[str | None, Query(max_length=100,
                                            description="Who holds it: an officer or a body")
                          ] = None,
        q: Annotated[str | None, Query(max_length=200, description="Text in the title")] = None,
    ) -> dict[str, Any]:
        return app.list_plans(paging, kind=kind, fiscal_year_be=fiscal_year_be, step=step,
                              holder=holder, text=q)

    @plans.get("/{plan_id}", summary="A plan: content, step, holder, every approval round",
               responses={200: {"model": PlanDetailOut, "description": "The plan (ETag: its "
                                                                       "version)"}})
    def get_plan(plan_id: UUID) -> Response:
        return versioned_json(app.plan_summary(plan_id))

    @plans.get("/{plan_id}/history", response_model=Page[HistoryEntryOut],
               summary="Every event of the plan: who, when, what (paged, oldest first)")
    @quick_read
    def plan_history(plan_id: UUID, paging: Paging) -> dict[str, Any]:
        return app.history(plan_id, paging)

    @plans.get("/{plan_id}/versions", response_model=Page[PlanOut],
               summary="Every version of the plan (original and amendments; paged, oldest first)")
    @quick_read
    def plan_versions(plan_id: UUID, paging: Paging) -> dict[str, Any]:
        return app.versions(plan_id, paging)

    @plans.get("/{plan_id}/in-force", summary="The approved version in force on a date")
    def plan_in_force(plan_id: UUID, on: date | None = None) -> dict[str, Any]:
        return app.in_force(plan_id, on)

    def step(path: str, summary: str, body_model: type, command: Any, status: int = 200) -> None:
        """One life-cycle step: POST /plans/{id}/<path> with If-Match and Idempotency-Key."""

        def endpoint(plan_id: UUID, body: body_model, actor: Actor,  # type: ignore[valid-type]
                     if_match: IfMatch, idem: Idempotency, response: Response) -> dict[str, Any]:
            return _answer(response, command(plan_id, body, if_match, idem.for_body(body)))

        endpoint.__annotations__["body"] = body_model  # a closure variable: resolve it here
        plans.add_api_route(f"/{{plan_id}}/{path}", endpoint, methods=["POST"], summary=summary,
                            name=path.replace("-", "_"), status_code=status)

    step("submit", "เสนอ: submit the draft to the approving body (กศจ. by default)", SubmitIn,
         lambda i, b, v, k: app.submit(i, body=b.body, expected_version=v, idempotency=k))
    step("return", "ส่งกลับแก้ไข: the body returns the plan for revision, with the reason",
         DecisionIn,
         lambda i, b, v, k: app.return_for_revision(
             i, reason=b.reason, decided_on=b.decided_on,
             resolution_document_id=b.resolution_document_id, expected_version=v, idempotency=k))
    step("reject", "ไม่เห็นชอบ: the body rejects the plan, with the reason", DecisionIn,
         lambda i, b, v, k: app.reject(
             i, reason=b.reason, decided_on=b.decided_on,
             resolution_document_id=b.resolution_document_id, expected_version=v, idempotency=k))
    step("approve", "อนุมัติ: the body approves, citing the resolution registered in correspondence",
         ApproveIn,
         lambda i, b, v, k: app.approve(
             i, decided_on=b.decided_on, resolution_document_id=b.resolution_document_id,
             effective_from=b.effective_from, expected_version=v, idempotency=k))
    step("publish", "เผยแพร่: publish the approved plan to schools and the public", PublishIn,
         lambda i, b, v, k: app.publish(i, published_on=b.published_on, expected_version=v,
                                        idempotency=k))
    step("start-execution", "ดำเนินการตามแผน: execution starts", StartIn,
         lambda i, b, v, k: app.start_execution(i, started_on=b.started_on, expected_version=v,
                                                idempotency=k))
    step("close", "ปิดแผน: the plan's period ended", CloseIn,
         lambda i, b, v, k: app.close_plan(i, closed_on=b.closed_on, expected_version=v,
                                      idempotency=k))
    step("amend", "ปรับปรุงแผน: start the next version of an approved plan (a new draft)", AmendIn,
         lambda i, b, v, k: app.amend(i, drafter_name_th=b.drafter_name_th, idempotency=k),
         status=201)

    # --- fiscal years -------------------------------------------------------------------------------
    @years.get("", response_model=Page[FiscalYearOut],
               summary="Fiscal years with plans or closed, and whether each is closed (paged)")
    @quick_read
    def list_years(paging: Paging, closed: bool | None = None) -> dict[str, Any]:
        return app.fiscal_years(paging, closed=closed)

    @years.get("/{year_be}", summary="Whether a fiscal year is closed")
    def get_year(year_be: int, response: Response) -> dict[str, Any]:
        return _answer(response, app.fiscal_year_view(year_be))

    @years.post("/{year_be}/close", summary="ปิดปีงบประมาณ: its plans can no longer be approved")
    def close_year(year_be: int, body: ReasonIn, actor: Actor, idem: Idempotency,
                   response: Response) -> dict[str, Any]:
        return _answer(response, app.close_fiscal_year(year_be, reason=body.reason,
                                                       idempotency=idem.for_body(body)))

    @years.post("/{year_be}/reopen", summary="Reopen a fiscal year closed by command")
    def reopen_year(year_be: int, body: ReasonIn, actor: Actor, idem: Idempotency,
                    response: Response) -> dict[str, Any]:
        return _answer(response, app.reopen_fiscal_year(year_be, reason=body.reason,
                                                        idempotency=idem.for_body(body)))

    # --- provincial integration ---------------------------------------------------------------------
    @integration.get("/reference-strategies/{level}",
                     summary="ยุทธศาสตร์จังหวัด / ยุทธศาสตร์ชาติ: the reference strategies")
    def get_strategies(level: StrategyLevel) -> dict[str, Any]:
        return app.strategies(level)

    @integration.post("/reference-strategies/{level}", summary="Add or retitle reference strategies")
    def put_strategies(level: StrategyLevel, body: StrategiesIn, actor: Actor,
                       idem: Idempotency) -> dict[str, Any]:
        return app.import_strategies(level, [s.to_domain() for s in body.strategies],
                                     source=body.source, idempotency=idem.for_body(body))

    @integration.post("/reference-strategies/{level}/import",
                      summary="Import reference strategies from a CSV or Excel (.xlsx) file")
    def import_strategies(level: StrategyLevel, actor: Actor, idem: Idempotency,
                          file: UploadFile = File(description="CSV or .xlsx: code, title_th"),
                          source: str = Form(default="", max_length=200)) -> dict[str, Any]:
        data = file.file.read(app.settings.max_import_bytes + 1)
        if len(data) > app.settings.max_import_bytes:
            raise InvalidImport(f"larger than {app.settings.max_import_bytes} bytes")
        name = file.filename or "upload"
        strategies = read_strategies(data, name)
        return app.import_strategies(
            level, strategies, source=source or name,
            idempotency=idem.for_body({"sha256": hashlib.sha256(data).hexdigest(), "name": name,
                                       "source": source}))

    @integration.get("/alignment", summary="ความสอดคล้อง: which strategies and projects serve which "
                     "provincial and national strategies, and which serve none (JSON, CSV, Excel)",
                     responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
    def alignment(fiscal_year_be: Annotated[int | None, Query(ge=2400, le=2700)] = None,
                  on: date | None = None,
                  format: TableFormat = "json") -> Any:  # noqa: A002
        day = on or bangkok_date(app.clock())
        year = fiscal_year_be or fiscal_year_of(day)
        matrix = alignment_matrix(
            on=day, fiscal_year_be=year,
            development_plans=app.development_plans_in_force(day),
            action_plans=app.approved_action_plans(year),
            references={level: app.reference_list(level) for level in StrategyLevel},
        )
        if format == "csv":
            headings, rows = alignment_table(matrix)
            return csv_download(csv_text(headings, rows), f"alignment-{year}.csv")
        if format == "xlsx":
            from services.planning.reports import alignment_xlsx  # see export_action_plan

            return file_download(alignment_xlsx(matrix), XLSX_MEDIA_TYPE, f"alignment-{year}.xlsx")
        return matrix

    for part in (policies, development, action, plans, years, integration):
        router.include_router(part)
    return router

"""Monitoring's HTTP API: the case board, each case's history, the live feed and the status page;
monitoring plans and progress reports, inspection rounds and recommendations, evaluations, the
dashboard and the annual performance report.

Store access is synchronous (eventsourcing), so the JSON endpoints are plain `def` (FastAPI runs them
in its thread pool); only the feed is `async`, and it reads the store through `asyncio.to_thread`.
The lists and the dashboard's figures (`@quick_read`) run on the event loop, and go to the thread
pool only when they would wait for the read models (`shared.http.reads`).

The status page (`/`), the pages of cases it shows (`/board`, with its filters' choices at
`/board/facets`), its live feed (`/feed`) and the dashboard (`/dashboard`, its figures
`/dashboard/summary`, its scripts, styles and fonts under `/static/`) are public: they are the
office's notice boards, a browser's EventSource cannot send a bearer token, and what they show is
what any visitor to the office may see (a classified case never shows its title). The pages run no
inline script and load nothing from elsewhere (a Content-Security-Policy says so). Everything else
(`/cases`, one case, a case's history with trace ids, plans, inspections, evaluations, the annual
report) needs `monitoring:read` or `monitoring:write`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic_core import to_jsonable_python

from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import BudgetUse, BudgetUseEntry, EvaluationKind, PlanKind
from services.monitoring.performance import SharedFigures, dashboard_data, performance
from services.monitoring.projections import CaseBoard, CaseFilter, CaseView
from services.monitoring.schemas import (
    BUDGET_USE_EVENT,
    FEED_EVENT,
    ActionIn,
    ActionPlanEvaluationIn,
    AssignIn,
    CaseOut,
    CloseIn,
    EvaluationOut,
    FacetsOut,
    FeedData,
    HistoryEntryOut,
    InspectionIn,
    InspectionOut,
    InspectionReportIn,
    MidPlanEvaluationIn,
    ObecStrategyEvaluationIn,
    PlanOut,
    ProgressIn,
    RecommendationIn,
    RecommendationOut,
    feed_data,
    new_file,
)
from services.monitoring.settings import MonitoringSettings
from shared.auth import PUBLIC
from shared.domain import DomainEvent, NotFound
from shared.http.conditional import Idempotency, IfMatch, set_etag
from shared.http.context import Actor
from shared.http.downloads import XLSX_MEDIA_TYPE, file_download
from shared.http.paging import Page, PageRequest, Paging
from shared.http.reads import quick_read
from shared.http.sse import FeedAfter, FeedLimit, LastEventId, follow_notifications, resume_after

STATIC = Path(__file__).parent / "static"
STATUS_PAGE = STATIC / "status.html"
DASHBOARD_PAGE = STATIC / "dashboard.html"
# The pages' own scripts and styles, served from here: nothing inline, nothing from elsewhere.
STATIC_FILES = {"status.js": "text/javascript", "status.css": "text/css",
                "dashboard.js": "text/javascript", "dashboard.css": "text/css",
                "charts.js": "text/javascript", "thai.js": "text/javascript"}
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
               "frame-ancestors 'none'; form-action 'self'")
# The dashboard's first figures travel inside the page (a JSON data block, which no policy
# counts as script), so it shows them before any request, and the live feed continues from the
# position they reflect.
INITIAL_DATA_MARK = "<!--INITIAL_DATA-->null"
POSITION_HEADER = "X-Feed-Position"


def html_page(content: str) -> HTMLResponse:
    return HTMLResponse(content, headers={"Content-Security-Policy": PAGE_POLICY})


async def case_filters(  # async: FastAPI would run a plain def in the threadpool
    service: Annotated[str | None, Query(max_length=64,
                                         description="The service the case belongs to")] = None,
    procedure: Annotated[int | None, Query(ge=1, le=16)] = None,
    case_type: Annotated[str | None, Query(max_length=64,
                                           description="e.g. document, dead_letter")] = None,
    step: Annotated[str | None, Query(max_length=128,
                                      description="Machine name of the current step")] = None,
    holder: Annotated[str | None, Query(max_length=128,
                                        description="Who must act next (officer id or role)")] = None,
    overdue: bool | None = None,
    closed: bool | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200,
                                   description="Words of the title (classified cases have none)")]
    = None,
) -> CaseFilter:
    return CaseFilter(service, procedure, case_type, step, holder, overdue, closed, q)


Filters = Annotated[CaseFilter, Depends(case_filters)]


class CaseNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("case-not-found", "ไม่พบเรื่องที่ติดตาม", "Case not found", detail)


def create_router(app: MonitoringApplication, board: CaseBoard, settings: MonitoringSettings) -> APIRouter:
    router = APIRouter(tags=["monitoring"])

    def found(view: CaseView | None, detail: str, response: Response) -> CaseOut:
        if view is None:
            raise CaseNotFound(detail)
        set_etag(response, view.version)
        return CaseOut.of(view, board.clock())

    def page_of_cases(filters: CaseFilter, paging: PageRequest,
                      response: Response) -> dict[str, Any]:
        # The live feed continues after the position this page reflects at least:
        # `GET /feed?after=<this header>`.
        response.headers[POSITION_HEADER] = str(board.position())
        now = board.clock()
        page = board.page(filters, paging)
        page["items"] = [CaseOut.of(view, now) for view in page["items"]]
        return page

    @router.get("/cases", response_model=Page[CaseOut],
                summary="Cases of every service, most recently changed first (paged, filtered)")
    @quick_read
    def list_cases(filters: Filters, paging: Paging, response: Response) -> dict[str, Any]:
        return page_of_cases(filters, paging, response)

    @router.get("/board", response_model=Page[CaseOut], openapi_extra=PUBLIC,
                summary="The status page's cases, paged and filtered like /cases (public, like "
                        "the page and its feed)")
    @quick_read
    def board_page(filters: Filters, paging: Paging, response: Response) -> dict[str, Any]:
        return page_of_cases(filters, paging, response)

    @router.get("/board/facets", response_model=FacetsOut, openapi_extra=PUBLIC,
                summary="What the status page's filters offer: services, steps and holders, "
                        "each with its number of cases (open ones unless include_closed)")
    def board_facets(include_closed: bool = False, service: Annotated[
            str | None, Query(max_length=64, description="Steps and holders of this service")]
                     = None) -> dict[str, Any]:
        return FacetsOut.of(board.facets(include_closed=include_closed,
                                         service=service)).model_dump()

    @router.get("/cases/by-subject/{source}/{subject}", summary="The case of a service's aggregate")
    def case_by_subject(source: str, subject: str, response: Response) -> CaseOut:
        return found(board.case_by_subject(source, subject), f"{source}:{subject}", response)

    @router.get("/cases/{case_id}", summary="One case")
    def get_case(case_id: UUID, response: Response) -> CaseOut:
        return found(board.case(case_id), str(case_id), response)

    @router.get("/cases/{case_id}/history", response_model=Page[HistoryEntryOut],
                summary="The case's observed events, oldest first (paged: the total is the "
                        "case's version)")
    @quick_read
    def case_history(case_id: UUID, paging: Paging) -> dict[str, Any]:
        page = board.history(case_id, paging, view=HistoryEntryOut.of)
        if page is None:
            raise CaseNotFound(str(case_id))
        return page

    def render(domain_event: DomainEvent) -> tuple[str, Any] | None:
        if isinstance(domain_event, BudgetUse.Recorded):
            # Money used is not a case's status, but the dashboard's budget figures follow it.
            entry: BudgetUseEntry = domain_event.entry
            return BUDGET_USE_EVENT, {"fiscal_year_be": entry.fiscal_year_be,
                                      "category": entry.category, "quarter": entry.quarter,
                                      "amount": str(entry.amount)}
        data = feed_data(domain_event, board.clock())
        return None if data is None else (FEED_EVENT, data.model_dump(mode="json"))

    @router.get(
        "/feed",
        response_class=EventSourceResponse,
        summary="Live status changes (Server-Sent Events, resumable with Last-Event-ID)",
        description=(
            "Each event: `id` = monitoring's notification id, `event: status`, `data` = FeedData "
            "JSON; or `event: budget_use` when budgeting reported money a project used. Resume with the `Last-Event-ID` header (or `?after=N` on a first connection; "
            "`GET /cases` answers the matching position in `X-Feed-Position`). Idle streams get a "
            "keep-alive comment every 15 s."
        ),
        responses={200: {"model": FeedData}},
        openapi_extra=PUBLIC,
    )
    async def feed(
        request: Request,
        last_event_id: LastEventId = None,
        after: FeedAfter = None,
        limit: FeedLimit = None,
    ) -> AsyncIterable[ServerSentEvent]:
        async for item in follow_notifications(
            app,
            render,
            after=resume_after(last_event_id, after),
            limit=limit,
            closing=request.app.state.runtime.closing,
        ):
            yield item

    @router.get("/", include_in_schema=False, openapi_extra=PUBLIC)
    def status_page() -> HTMLResponse:
        return html_page(STATUS_PAGE.read_text(encoding="utf-8"))

    @router.get("/static/{name}", include_in_schema=False, openapi_extra=PUBLIC)
    def static_file(name: str) -> FileResponse:
        media_type = STATIC_FILES.get(name)
        if media_type is None:
            raise EvidenceNotFound(name)
        return FileResponse(STATIC / name, media_type=f"{media_type}; charset=utf-8")

    return router


def _answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    set_etag(response, result["version"])
    return result


YearQuery = Annotated[int | None, Query(ge=2400, le=2800, description="Fiscal year (BE)")]


def create_work_router(app: MonitoringApplication, board: CaseBoard,
                       settings: MonitoringSettings) -> APIRouter:
    """The group's own work: monitoring plans (procedure 14), inspection, evaluation (15), the
    dashboard and the annual report (16)."""
    router = APIRouter()
    plans = APIRouter(prefix="/monitoring-plans", tags=["monitoring plans (แผนกำกับติดตาม)"])
    inspections = APIRouter(tags=["inspection (ตรวจราชการ)"])
    evaluations = APIRouter(prefix="/evaluations", tags=["evaluation (ประเมินผล)"])
    reports = APIRouter(tags=["dashboard and reports (รายงาน)"])

    # --- monitoring plans -------------------------------------------------------------------------
    @plans.get("", response_model=Page[PlanOut],
               summary="The plans tracked, newest first: projects, KPIs, targets, progress, "
                       "budget use (paged, filtered)")
    @quick_read
    def list_plans(paging: Paging, kind: PlanKind | None = None,
                   fiscal_year_be: YearQuery = None,
                   in_force: Annotated[bool | None, Query(
                       description="false: versions superseded by an amendment")] = None,
                   ) -> dict[str, Any]:
        return app.plans_page(paging, kind=kind, fiscal_year_be=fiscal_year_be,
                              in_force=in_force)

    @plans.get("/{plan_id}", response_model=PlanOut,
               summary="One monitoring plan (by its id or planning's plan id)")
    def get_plan(plan_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.plan_summary(plan_id))

    @plans.post("/{plan_id}/progress", status_code=201, response_model=PlanOut,
                summary="รายงานความก้าวหน้า: an indicator's value for a period, a note, evidence")
    def report_progress(plan_id: UUID, body: ProgressIn, actor: Actor, if_match: IfMatch,
                        idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.report_progress(
            plan_id, group_code=body.group_code, item_code=body.item_code, period=body.period,
            value=body.value, note=body.note, evidence=new_file(body.evidence),
            expected_version=if_match, idempotency=idem.for_body(body)))

    @plans.get("/evidence/{sha256}", summary="An evidence file, by the hash its event carries",
               responses={200: {"content": {"application/octet-stream": {}}}})
    def evidence(sha256: str) -> Response:
        content = app.evidence_content(sha256)
        if content is None:
            raise EvidenceNotFound(sha256)
        return Response(content, media_type="application/octet-stream")

    # --- inspection ------------------------------------------------------------------------------
    @inspections.post("/inspections", status_code=201, response_model=InspectionOut,
                      summary="A round of government inspection with its issues")
    def open_inspection(body: InspectionIn, actor: Actor, idem: Idempotency,
                        response: Response) -> dict[str, Any]:
        result = app.open_inspection(
            fiscal_year_be=body.fiscal_year_be, title_th=body.title_th,
            inspector_th=body.inspector_th, scheduled_on=body.scheduled_on,
            issues=[(i.code, i.title_th) for i in body.issues], idempotency=idem.for_body(body))
        response.headers["Location"] = f"/inspections/{result['round_id']}"
        return _answer(response, result)

    @inspections.get("/inspections", response_model=Page[InspectionOut],
                     summary="Rounds of inspection, newest first (paged, filtered)")
    @quick_read
    def list_inspections(paging: Paging, fiscal_year_be: YearQuery = None) -> dict[str, Any]:
        return app.inspections_page(paging, fiscal_year_be=fiscal_year_be)

    @inspections.get("/inspections/{round_id}", response_model=InspectionOut)
    def get_inspection(round_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.inspection_summary(round_id))

    @inspections.post("/inspections/{round_id}/report", response_model=InspectionOut,
                      summary="รายงานการตรวจราชการ: the office's inspection report")
    def inspection_report(round_id: UUID, body: InspectionReportIn, actor: Actor,
                          if_match: IfMatch, idem: Idempotency,
                          response: Response) -> dict[str, Any]:
        return _answer(response, app.record_inspection_report(
            round_id, summary_th=body.summary_th, evidence=new_file(body.evidence),
            expected_version=if_match, idempotency=idem.for_body(body)))

    @inspections.post("/inspections/{round_id}/recommendations", status_code=201,
                      response_model=RecommendationOut,
                      summary="ข้อเสนอแนะของผู้ตรวจราชการ: a recommendation, opened as a case")
    def add_recommendation(round_id: UUID, body: RecommendationIn, actor: Actor,
                           if_match: IfMatch, idem: Idempotency,
                           response: Response) -> dict[str, Any]:
        result = app.add_recommendation(round_id, issue_code=body.issue_code,
                                        text_th=body.text_th, expected_version=if_match,
                                        idempotency=idem.for_body(body))
        response.headers["Location"] = f"/recommendations/{result['recommendation_id']}"
        return _answer(response, result)

    @inspections.get("/recommendations/{recommendation_id}", response_model=RecommendationOut)
    def get_recommendation(recommendation_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.recommendation_summary(recommendation_id))

    @inspections.post("/recommendations/{recommendation_id}/assign",
                      response_model=RecommendationOut,
                      summary="แจ้งผู้รับผิดชอบ: assign an officer with a due date")
    def assign(recommendation_id: UUID, body: AssignIn, actor: Actor, if_match: IfMatch,
               idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.assign_recommendation(
            recommendation_id, officer_id=body.officer_id, due=body.due,
            expected_version=if_match, idempotency=idem.for_body(body)))

    @inspections.post("/recommendations/{recommendation_id}/action",
                      response_model=RecommendationOut,
                      summary="The assigned officer reports what was done, with evidence")
    def act(recommendation_id: UUID, body: ActionIn, actor: Actor, if_match: IfMatch,
            idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.report_recommendation_action(
            recommendation_id, action_th=body.action_th, evidence=new_file(body.evidence),
            expected_version=if_match, idempotency=idem.for_body(body)))

    @inspections.post("/recommendations/{recommendation_id}/close",
                      response_model=RecommendationOut,
                      summary="Close the recommendation (needs evidence of the action)")
    def close(recommendation_id: UUID, body: CloseIn, actor: Actor, if_match: IfMatch,
              idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.close_recommendation(
            recommendation_id, note=body.note, evidence=new_file(body.evidence),
            expected_version=if_match, idempotency=idem.for_body(body)))

    # --- evaluation --------------------------------------------------------------------------------
    @evaluations.post("/action-plan", status_code=201, response_model=EvaluationOut,
                      summary="ประเมินผลแผนปฏิบัติการประจำปี: per project KPI, budget, outcome")
    def evaluate_action_plan(body: ActionPlanEvaluationIn, actor: Actor, idem: Idempotency,
                             response: Response) -> dict[str, Any]:
        return _answer(response, app.evaluate_action_plan(
            body.plan_id, outcomes=body.outcomes, recommendations=body.recommendations,
            idempotency=idem.for_body(body)))

    @evaluations.post("/mid-plan", status_code=201, response_model=EvaluationOut,
                      summary="ประเมินผลระยะครึ่งแผน: the development plan's KPIs at mid-plan")
    def evaluate_mid_plan(body: MidPlanEvaluationIn, actor: Actor, idem: Idempotency,
                          response: Response) -> dict[str, Any]:
        return _answer(response, app.evaluate_mid_plan(
            body.plan_id, as_of_year_be=body.as_of_year_be, addressee=body.addressee,
            addressee_th=body.addressee_th, recommendations=body.recommendations,
            idempotency=idem.for_body(body)))

    @evaluations.post("/obec-strategy", status_code=201, response_model=EvaluationOut,
                      summary="ประเมินผลตามยุทธศาสตร์ สพฐ.: indicators entered by the evaluator")
    def evaluate_obec_strategy(body: ObecStrategyEvaluationIn, actor: Actor, idem: Idempotency,
                               response: Response) -> dict[str, Any]:
        return _answer(response, app.evaluate_obec_strategy(
            fiscal_year_be=body.fiscal_year_be, title_th=body.title_th, addressee=body.addressee,
            addressee_th=body.addressee_th, strategies=body.entries(),
            recommendations=body.recommendations, idempotency=idem.for_body(body)))

    @evaluations.get("", response_model=Page[EvaluationOut],
                     summary="Evaluations, newest first (paged, filtered)")
    @quick_read
    def list_evaluations(paging: Paging, kind: EvaluationKind | None = None,
                         fiscal_year_be: YearQuery = None,
                         issued: bool | None = None) -> dict[str, Any]:
        return app.evaluations_page(paging, kind=kind, fiscal_year_be=fiscal_year_be,
                                    issued=issued)

    @evaluations.get("/{evaluation_id}", response_model=EvaluationOut)
    def get_evaluation(evaluation_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, app.evaluation_summary(evaluation_id))

    @evaluations.post("/{evaluation_id}/issue", response_model=EvaluationOut,
                      summary="แจ้งผลการประเมิน: results go back as letters drafted in correspondence")
    def issue(evaluation_id: UUID, actor: Actor, if_match: IfMatch, idem: Idempotency,
              response: Response) -> dict[str, Any]:
        return _answer(response, app.issue_evaluation(
            evaluation_id, expected_version=if_match,
            idempotency=idem.for_body({"evaluation_id": str(evaluation_id)})))

    # --- dashboard and reports ----------------------------------------------------------------------
    figures = SharedFigures(board)

    def summary(fiscal_year_be: int | None) -> Any:
        return figures.get(fiscal_year_be, lambda: to_jsonable_python(
            dashboard_data(performance(app, board, fiscal_year_be))))

    # The dashboard is public like the status page (the office's performance board, shown on
    # screens and to visitors): the page, the figures it refreshes from, its fonts.
    @reports.get("/dashboard/summary", openapi_extra=PUBLIC,
                 summary="The dashboard's figures: cases by service and step, overdue items, "
                         "KPI attainment, budget use (money as exact decimal strings)")
    @quick_read
    def dashboard_summary(fiscal_year_be: YearQuery = None) -> Response:
        # Encoded by orjson: the figures are JSON types already (`summary`), and a screen on
        # the wall asks again every few seconds.
        return Response(orjson.dumps(summary(fiscal_year_be)), media_type="application/json")

    @reports.get("/dashboard", include_in_schema=False, openapi_extra=PUBLIC)
    def dashboard(fiscal_year_be: YearQuery = None) -> HTMLResponse:
        # "<" escaped: the data block cannot end early, whatever a title says.
        data = orjson.dumps(summary(fiscal_year_be)).decode().replace("<", "\\u003c")
        return html_page(DASHBOARD_PAGE.read_text(encoding="utf-8").replace(INITIAL_DATA_MARK, data))

    @reports.get("/static/fonts/{name}", include_in_schema=False, openapi_extra=PUBLIC)
    def font(name: str) -> FileResponse:
        path = settings.font_dir / name
        if name not in {"Sarabun-Regular.ttf", "Sarabun-Bold.ttf"} or not path.exists():
            raise EvidenceNotFound(name)
        return FileResponse(path, media_type="font/ttf")

    @reports.get("/reports/annual/{fiscal_year_be}",
                 summary="รายงานผลการดำเนินงานประจำปี: the annual performance report (PDF or Excel)",
                 responses={200: {"content": {"application/pdf": {}, XLSX_MEDIA_TYPE: {}}}})
    def annual(fiscal_year_be: int, format: ReportFormat = "pdf") -> Response:  # noqa: A002
        if not 2400 <= fiscal_year_be <= 2800:
            raise YearOutOfRange(str(fiscal_year_be))
        # Its charts, PDF and Excel libraries take seconds to import: loaded by this report, not
        # at every start of the service.
        from services.monitoring import annual_report

        perf = performance(app, board, fiscal_year_be)
        report = annual_report.AnnualReport(
            office_name_th=settings.office_name_th, performance=perf,
            recommendations=app.recommendations_of_year(fiscal_year_be),
            evaluations=app.evaluations_of_year(fiscal_year_be))
        name = f"annual-report-{fiscal_year_be}"
        if format == "xlsx":
            return file_download(annual_report.render_xlsx(report), XLSX_MEDIA_TYPE, f"{name}.xlsx")
        return file_download(annual_report.render_pdf(report), "application/pdf", f"{name}.pdf",
                             inline=True)

    for part in (plans, inspections, evaluations, reports):
        router.include_router(part)
    return router


ReportFormat = Literal["pdf", "xlsx"]


class EvidenceNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("file-not-found", "ไม่พบไฟล์", "File not found", detail)


class YearOutOfRange(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("year-out-of-range", "ไม่มีข้อมูลของปีงบประมาณนี้",
                         "No data for this fiscal year", detail)

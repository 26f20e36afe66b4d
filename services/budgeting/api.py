"""HTTP API of the budgeting service (procedures 10-13).

Plain `def` endpoints: the event store is synchronous, so FastAPI runs them in its thread pool.
Lists (`@quick_read`) run on the event loop, and go to the thread pool only when they would wait
for the read models (`shared.http.reads`).
Every write takes `Idempotency-Key`; every write to an existing line, case or rate table requires
`If-Match` with the `ETag` read (428 without it, 412 if stale); creating one does not. The acting
officer is named in `X-Actor-Id` (see `shared.http.context`); who may run each route is
`services/budgeting/rights.py`, enforced on every route. Every list is paged (`limit`, `cursor`;
`{"items", "next_cursor", "total"}` and a `Link: rel="next"` header while there is more) and
filtered, read from budgeting's own database; the spending plan's CSV streams the whole year.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from contracts.budgeting.v1 import AnalysisFigure
from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import ExpenseCategory
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import (
    Allocation,
    BudgetAnalysis,
    BudgetRequest,
    BudgetTransfer,
    ExternalFunding,
    LeftoverReview,
)
from services.budgeting.schemas import (
    AllocationIn,
    AllocationOut,
    AmountsIn,
    AnalyseIn,
    AnalysisIn,
    AnalysisOut,
    AnalysisReportIn,
    AnnouncedIn,
    BudgetRequestIn,
    BudgetRequestOut,
    CommitteeIn,
    DecisionIn,
    DisbursementIn,
    Empty,
    ExternalFundingIn,
    ExternalFundingOut,
    GuidelinesIn,
    LeftoverReviewIn,
    LeftoverReviewOut,
    LineIn,
    LineOut,
    MovementIn,
    MovementOut,
    NotifiedIn,
    PublishedIn,
    RatesIn,
    RatesOut,
    ReasonIn,
    ReceiptIn,
    ReportIn,
    ResourcesRegisterOut,
    ResponseIn,
    ResubmitIn,
    ReviewIn,
    ReviseTransferIn,
    SchoolOut,
    SchoolRequestIn,
    SurveyIn,
    TargetsIn,
    TransferIn,
    TransferOut,
    TransferRuleOut,
)
from shared.domain import DomainError
from shared.http.conditional import Idempotency, IfMatch, IfMatchIfExists, set_etag
from shared.http.context import Actor
from shared.http.downloads import content_disposition
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read
from shared.thaitime import BANGKOK

AsOf = Annotated[
    str | None,
    Query(max_length=40, description="Balances as the events left them at this time: "
          "2025-01-15T17:00:00+07:00, or a date (its end, Bangkok time)"),
]
FiscalYear = Annotated[int | None, Query(ge=2500, le=2700, description="Buddhist-era fiscal year")]
FiscalYearOf = Annotated[int, Path(ge=2500, le=2700, description="Buddhist-era fiscal year")]
StandingOn = Annotated[
    date | None,
    Query(description="Schools as they stand on this day (default today): a merger, dissolution "
          "or transfer applies from its effective date"),
]


class InvalidTime(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__("invalid-time", "เวลาไม่ถูกต้อง", "The time is not valid", detail)


def as_moment(value: str | None) -> datetime | None:
    """A date means the end of that day in Bangkok; a time must carry its zone."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max, BANGKOK)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidTime(f"{value!r} is not an ISO date or time") from None
    if moment.tzinfo is None:
        raise InvalidTime("as_of needs a time zone, e.g. 2025-01-15T17:00:00+07:00")
    return moment


def _answer(response: Response, result: dict[str, Any]) -> dict[str, Any]:
    set_etag(response, result["version"])
    return result


def _created(response: Response, result: dict[str, Any], path: str) -> dict[str, Any]:
    response.headers["Location"] = path
    return _answer(response, result)


def create_router(app: BudgetingApplication) -> APIRouter:
    router = APIRouter()
    lines = APIRouter(prefix="/lines", tags=["budget lines (รายการงบประมาณ)"])
    reports = APIRouter(tags=["reports and registers (รายงานและทะเบียน)"])
    schools = APIRouter(prefix="/schools", tags=["schools (ข้อมูลสถานศึกษาสำหรับจัดสรร)"])

    # --- budget lines -------------------------------------------------------------------------------
    @lines.post("", status_code=201, response_model=LineOut,
                summary="Open a line for a project no action plan named (lines of an approved "
                        "action plan open by themselves)")
    def open_line(body: LineIn, actor: Actor, idem: Idempotency,
                  response: Response) -> dict[str, Any]:
        result = app.open_line(
            fiscal_year_be=body.fiscal_year_be, project_code=body.project_code,
            title_th=body.title_th, category=body.category,
            planned_by_quarter={q.quarter: q.amount for q in body.planned_by_quarter},
            idempotency=idem.for_body(body))
        return _created(response, result, f"/lines/{result['line_id']}")

    @lines.get("", response_model=Page[LineOut],
               summary="Budget lines with their balances, by fiscal year, project and category "
                       "(with `as_of`: those open then, as their events left them)")
    @quick_read
    def list_lines(paging: Paging, fiscal_year_be: FiscalYear = None,
                   project_code: Annotated[str | None, Query(max_length=100)] = None,
                   category: ExpenseCategory | None = None, as_of: AsOf = None) -> dict[str, Any]:
        return app.lines_page(paging, fiscal_year_be=fiscal_year_be, project_code=project_code,
                              category=category, as_of=as_moment(as_of))

    @lines.get("/{line_id}", response_model=LineOut,
               summary="A line's balance, now or as of any time (reproduced from its events)")
    def get_line(line_id: UUID, response: Response, as_of: AsOf = None) -> dict[str, Any]:
        moment = as_moment(as_of)
        result = app.line_summary(line_id, moment)
        return _answer(response, result) if moment is None else result

    @lines.get("/{line_id}/movements", response_model=Page[MovementOut],
               summary="The line's events in order, each with the balance after it")
    @quick_read
    def line_movements(line_id: UUID, paging: Paging) -> dict[str, Any]:
        return app.line_movements(line_id, paging)

    @lines.post("/{line_id}/commitments", response_model=LineOut,
                summary="ก่อหนี้ผูกพัน: a purchase order or contract holds money (never below zero)")
    def commit(line_id: UUID, body: MovementIn, actor: Actor, if_match: IfMatch,
               idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.commit(line_id, amount=body.amount, reference=body.reference,
                                            expected_version=if_match,
                                            idempotency=idem.for_body(body)))

    @lines.post("/{line_id}/commitment-releases", response_model=LineOut,
                summary="A commitment ended without payment: its money is available again")
    def release(line_id: UUID, body: MovementIn, actor: Actor, if_match: IfMatch,
                idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.release_commitment(
            line_id, amount=body.amount, reference=body.reference, expected_version=if_match,
            idempotency=idem.for_body(body)))

    @lines.post("/{line_id}/disbursements", response_model=LineOut,
                summary="เบิกจ่าย: paid out, directly or against a commitment")
    def disburse(line_id: UUID, body: DisbursementIn, actor: Actor, if_match: IfMatch,
                 idem: Idempotency, response: Response) -> dict[str, Any]:
        return _answer(response, app.disburse(
            line_id, amount=body.amount, reference=body.reference,
            settles_commitment=body.settles_commitment, expected_version=if_match,
            idempotency=idem.for_body(body)))

    # --- reports, rates, schools ----------------------------------------------------------------------
    @reports.get("/spending-plans/{fiscal_year_be}",
                 summary="แผนการใช้จ่ายงบประมาณ: by project, category and quarter (JSON or Thai CSV)",
                 responses={200: {"content": {"text/csv": {}}}})
    def spending_plan(fiscal_year_be: FiscalYearOf, format: Literal["json", "csv"] = "json") -> Any:  # noqa: A002
        if format == "csv":  # written out as the year's lines are read
            return StreamingResponse(
                (text.encode("utf-8") for text in app.spending_plan_csv(fiscal_year_be)),
                media_type="text/csv; charset=utf-8", headers={
                    "Content-Disposition": content_disposition(
                        f"spending-plan-{fiscal_year_be}.csv")})
        return app.spending_plan(fiscal_year_be)

    @reports.get("/registers/external-resources/{fiscal_year_be}",
                 response_model=ResourcesRegisterOut,
                 summary="ทะเบียนการระดมทรัพยากร: resources raised from external sources, "
                         "filed by the fiscal year of each receipt's date, in the order received")
    def external_resources(fiscal_year_be: FiscalYearOf, paging: Paging) -> dict[str, Any]:
        return app.external_resources(fiscal_year_be, paging)

    def _rates(response: Response, result: dict[str, Any]) -> dict[str, Any]:
        if result["version"] is not None:
            set_etag(response, result["version"])
        return result

    @reports.get("/per-head-rates/{fiscal_year_be}", response_model=RatesOut,
                 summary="Per-head subsidy rates of a fiscal year (baht per pupil per year); "
                         "the ETag of a recorded table")
    def get_rates(fiscal_year_be: int, response: Response) -> dict[str, Any]:
        return _rates(response, app.rates_view(fiscal_year_be))

    @reports.put("/per-head-rates/{fiscal_year_be}", response_model=RatesOut,
                 summary="Record OBEC's per-head rates for a fiscal year; changing a recorded "
                         "table requires If-Match with its ETag")
    def set_rates(fiscal_year_be: int, body: RatesIn, actor: Actor, if_match: IfMatchIfExists,
                  idem: Idempotency, response: Response) -> dict[str, Any]:
        return _rates(response, app.set_rates(
            fiscal_year_be, rates=body.rates, source_th=body.source_th,
            expected_version=if_match, idempotency=idem.for_body(body)))

    @reports.get("/transfer-rules", response_model=list[TransferRuleOut],
                 summary="The transfer rule table in force (first matching row applies)")
    def transfer_rules() -> list[dict[str, Any]]:
        return [{"code": r.code, "description_th": r.description_th,
                 "from_category": r.from_category, "to_category": r.to_category,
                 "new_investment_item": r.new_investment_item, "approvals": list(r.approvals)}
                for r in app.transfer_rules.table()]

    @schools.get("", response_model=Page[SchoolOut],
                 summary="Schools as restructuring reported them: status and enrolment snapshots, "
                         "by school code")
    @quick_read
    def list_schools(paging: Paging, status: SchoolStatus | None = None,
                     district: Annotated[str | None, Query(max_length=200)] = None,
                     as_of: StandingOn = None) -> dict[str, Any]:
        return app.schools_page(paging, status=status, district=district, as_of=as_of)

    @schools.get("/{school_code}", response_model=SchoolOut)
    def get_school(school_code: str, as_of: StandingOn = None) -> dict[str, Any]:
        return app.school_summary(school_code, as_of)

    # --- cases -----------------------------------------------------------------------------------------
    def case_routes(prefix: str, tag: str, case_type: type, out: type) -> APIRouter:
        cases = APIRouter(prefix=prefix, tags=[tag])

        def list_cases(paging: Paging, fiscal_year_be: FiscalYear = None, step: Any = None,
                       holder: Annotated[str | None, Query(max_length=50)] = None,
                       closed: bool | None = None) -> dict[str, Any]:
            return app.cases_page(case_type, paging, fiscal_year_be=fiscal_year_be,
                                  step=step.value if step is not None else None, holder=holder,
                                  closed=closed)

        # The case's own steps (a closure variable: resolved here, before the route is made).
        steps = type(next(iter(case_type.STEP_TH)))  # type: ignore[attr-defined]
        list_cases.__annotations__["step"] = steps | None
        cases.add_api_route("", quick_read(list_cases), methods=["GET"], response_model=Page[out],  # type: ignore[valid-type]
                            summary="Cases, most recently changed first, by fiscal year, step, "
                                    "holder (who must act next) and whether they are over")

        @cases.get("/{case_id}", response_model=out, summary="One case: its step, holder, rounds")
        def get_case(case_id: UUID, response: Response) -> dict[str, Any]:
            return _answer(response, app.case_summary(case_type, case_id))

        return cases

    def step(cases: APIRouter, path: str, summary: str, body_model: type, out: type,
             command: Callable[[UUID, Any, int | None, Any], dict[str, Any]]) -> None:
        """One step of a case: POST <prefix>/{case_id}/<path> with If-Match and Idempotency-Key."""

        def endpoint(case_id: UUID, body: body_model, actor: Actor,  # type: ignore[valid-type]
                     if_match: IfMatch, idem: Idempotency, response: Response) -> dict[str, Any]:
            return _answer(response, command(case_id, body, if_match, idem.for_body(body)))

        endpoint.__annotations__["body"] = body_model  # a closure variable: resolve it here
        cases.add_api_route(f"/{{case_id}}/{path}", endpoint, methods=["POST"], response_model=out,
                            summary=summary, name=f"{cases.prefix.strip('/')}_{path}")

    def common_steps(cases: APIRouter, case_type: type, out: type, *, committee: bool = True,
                     submit: bool = True, decision: bool = True, report: bool = True,
                     withdraw: bool = False) -> None:
        if committee:
            step(cases, "committee", "แต่งตั้งคณะกรรมการ: a chair and at least two members (officer ids), "
                 "by the ESA director",
                 CommitteeIn, out, lambda i, b, v, k: app.appoint_committee(
                     case_type, i, chair=b.chair, members=b.members, appointed_on=b.appointed_on,
                     order=b.order, expected_version=v, idempotency=k))
        if submit:
            step(cases, "submit", "เสนอพิจารณา: submit to the approving body (a new round)", Empty,
                 out, lambda i, b, v, k: app.submit(case_type, i, expected_version=v,
                                                    idempotency=k))
        if decision:
            step(cases, "decision", "การพิจารณา: the awaited body's decision, approve, reject or return (with "
                 "a reason); an outside body's cites its registered resolution",
                 DecisionIn, out, lambda i, b, v, k: app.decide(
                     case_type, i, body=b.body, decision=b.decision, decided_on=b.decided_on,
                     reason=b.reason, resolution=b.resolution, expected_version=v,
                     idempotency=k))
        if report:
            step(cases, "report", "รายงาน สพฐ.: reported to the central office", ReportIn, out,
                 lambda i, b, v, k: app.report_to_obec(
                     case_type, i, reported_on=b.reported_on, letter=b.letter,
                     expected_version=v, idempotency=k))
        if withdraw:
            step(cases, "withdraw", "ยกเลิก: withdraw the case (with a reason)", ReasonIn, out,
                 lambda i, b, v, k: app.withdraw(case_type, i, reason=b.reason,
                                                 expected_version=v, idempotency=k))

    # --- allocation (12) ---------------------------------------------------------------------------------
    allocations = case_routes("/allocations", "allocation (จัดสรรงบประมาณ)", Allocation,
                              AllocationOut)

    @allocations.post("", status_code=201, response_model=AllocationOut,
                      summary="Open an allocation: a ceiling, a line and the published criteria")
    def open_allocation(body: AllocationIn, actor: Actor, idem: Idempotency,
                        response: Response) -> dict[str, Any]:
        result = app.open_allocation(title_th=body.title_th, line_id=body.line_id,
                                     ceiling=body.ceiling, criteria_th=body.criteria_th,
                                     idempotency=idem.for_body(body))
        return _created(response, result, f"/allocations/{result['case_id']}")

    common_steps(allocations, Allocation, AllocationOut, report=False, withdraw=True)
    step(allocations, "amounts", "The committee allocates amounts per recipient (within the "
         "ceiling; a committee member; a school must be registered and open in the year)", AmountsIn, AllocationOut, lambda i, b, v, k: app.propose_amounts(
             i, items=[item.item() for item in b.items], expected_version=v, idempotency=k))
    step(allocations, "per-head", "Per-head subsidy for every open school from the enrolment "
         "snapshots and the rate table (within the ceiling; a committee member; refused while "
         "a snapshot is missing)", Empty, AllocationOut,
         lambda i, b, v, k: app.propose_per_head(i, expected_version=v, idempotency=k))
    step(allocations, "announce", "แจ้งผลการจัดสรร: announced to groups and schools", AnnouncedIn,
         AllocationOut, lambda i, b, v, k: app.announce_allocation(
             i, announced_on=b.announced_on, expected_version=v, idempotency=k))

    # --- transfers and leftover funds (13) ---------------------------------------------------------------
    transfers = case_routes("/budget-transfers", "transfers (โอนเปลี่ยนแปลงงบประมาณ)", BudgetTransfer,
                            TransferOut)

    @transfers.post("", status_code=201, response_model=TransferOut,
                    summary="Propose a transfer between two lines of one fiscal year (checked "
                            "against the rule table and the source's available balance)")
    def propose_transfer(body: TransferIn, actor: Actor, idem: Idempotency,
                         response: Response) -> dict[str, Any]:
        result = app.propose_transfer(
            source_line_id=body.source_line_id, target_line_id=body.target_line_id,
            amount=body.amount, reason_th=body.reason_th,
            new_investment_item=body.new_investment_item,
            leftover_review_id=body.leftover_review_id, idempotency=idem.for_body(body))
        return _created(response, result, f"/budget-transfers/{result['case_id']}")

    common_steps(transfers, BudgetTransfer, TransferOut, committee=False, submit=False, withdraw=True)
    step(transfers, "revise", "After a rejection or return: a new amount or reason, a new round",
         ReviseTransferIn, TransferOut, lambda i, b, v, k: app.revise_transfer(
             i, amount=b.amount, reason_th=b.reason_th, expected_version=v, idempotency=k))

    reviews = case_routes("/leftover-reviews", "leftover funds (เงินเหลือจ่าย)", LeftoverReview,
                          LeftoverReviewOut)

    @reviews.post("", status_code=201, response_model=LeftoverReviewOut,
                  summary="Open the fiscal year's leftover-funds review (one per year)")
    def open_review(body: LeftoverReviewIn, actor: Actor, idem: Idempotency,
                    response: Response) -> dict[str, Any]:
        result = app.open_leftover_review(body.fiscal_year_be, idempotency=idem.for_body(body))
        return _created(response, result, f"/leftover-reviews/{result['case_id']}")

    common_steps(reviews, LeftoverReview, LeftoverReviewOut, submit=False, decision=False)
    step(reviews, "analysis", "Analyse spending of every line against success conditions "
         "(a committee member)",
         AnalyseIn, LeftoverReviewOut, lambda i, b, v, k: app.analyse_spending(
             i, success={s.line_id: s.success_met for s in b.success}, expected_version=v,
             idempotency=k))
    step(reviews, "guidelines", "How leftover funds are to be used (a committee member)",
         GuidelinesIn, LeftoverReviewOut, lambda i, b, v, k: app.set_guidelines(
             i, guidelines_th=b.guidelines_th, expected_version=v, idempotency=k))

    # --- expenditure analysis (10) -------------------------------------------------------------------------
    analyses = case_routes("/budget-analyses", "expenditure analysis (วิเคราะห์งบประมาณรายจ่าย)",
                           BudgetAnalysis, AnalysisOut)

    @analyses.post("", status_code=201, response_model=AnalysisOut,
                   summary="Open the expenditure budget analysis of a fiscal year")
    def open_analysis(body: AnalysisIn, actor: Actor, idem: Idempotency,
                      response: Response) -> dict[str, Any]:
        result = app.open_analysis(fiscal_year_be=body.fiscal_year_be, title_th=body.title_th,
                                   idempotency=idem.for_body(body))
        return _created(response, result, f"/budget-analyses/{result['case_id']}")

    step(analyses, "survey", "Ask schools and groups to survey and report data", SurveyIn,
         AnalysisOut, lambda i, b, v, k: app.step(
             BudgetAnalysis, i, lambda a, at: a.send_survey(
                 respondents=b.respondents, due=b.due_date, at=at),
             expected_version=v, idempotency=k))
    step(analyses, "responses", "A school's or group's survey response", ResponseIn, AnalysisOut,
         lambda i, b, v, k: app.step(BudgetAnalysis, i, lambda a, at: a.record_response(
             respondent=b.respondent, summary_th=b.summary_th, at=at),
             expected_version=v, idempotency=k))
    step(analyses, "report-draft", "The committee's analysis report (a new version each "
         "round; a committee member)",
         AnalysisReportIn, AnalysisOut, lambda i, b, v, k: app.draft_analysis_report(
             i, summary_th=b.summary_th,
             figures=[AnalysisFigure(**f.model_dump()) for f in b.figures], expected_version=v, idempotency=k))
    common_steps(analyses, BudgetAnalysis, AnalysisOut)
    step(analyses, "publish", "เผยแพร่: the approved analysis report is published", PublishedIn,
         AnalysisOut, lambda i, b, v, k: app.step(
             BudgetAnalysis, i, lambda a, at: a.publish(published_on=b.published_on, at=at),
             expected_version=v, idempotency=k))

    # --- budget requests and external funding (11) --------------------------------------------------
    requests = case_routes("/budget-requests", "budget requests (จัดตั้งและเสนอของบประมาณ)",
                           BudgetRequest, BudgetRequestOut)

    @requests.post("", status_code=201, response_model=BudgetRequestOut,
                   summary="Announce the policy, criteria and method; schools may then submit")
    def announce_request(body: BudgetRequestIn, actor: Actor, idem: Idempotency,
                         response: Response) -> dict[str, Any]:
        result = app.announce_request(
            fiscal_year_be=body.fiscal_year_be, kind=body.kind, title_th=body.title_th,
            criteria_th=body.criteria_th, due=body.due_date, idempotency=idem.for_body(body))
        return _created(response, result, f"/budget-requests/{result['case_id']}")

    step(requests, "school-requests", "A school's budget request (again, until reviewed)",
         SchoolRequestIn, BudgetRequestOut, lambda i, b, v, k: app.submit_school_request(
             i, school_code=b.school_code, items=b.request_items(), expected_version=v,
             idempotency=k))
    step(requests, "reviews", "The committee's review of a school's request (agreed per item; "
         "a committee member)", ReviewIn, BudgetRequestOut,
         lambda i, b, v, k: app.review_school_request(
             i, school_code=b.school_code, appropriate=b.appropriate, agreed=b.agreed,
             comments_th=b.comments_th, expected_version=v, idempotency=k))
    step(requests, "targets", "Targets and outputs agreed with a school (or the office)",
         TargetsIn, BudgetRequestOut, lambda i, b, v, k: app.agree_targets(
             i, party=b.party, outputs=b.target_outputs(), expected_version=v, idempotency=k))
    step(requests, "compile", "The office's request, compiled from the agreed amounts", Empty,
         BudgetRequestOut, lambda i, b, v, k: app.step(
             BudgetRequest, i, lambda r, at: r.compile(at), expected_version=v, idempotency=k))
    common_steps(requests, BudgetRequest, BudgetRequestOut, committee=True)
    step(requests, "results", "แจ้งผล: results announced to the schools", AnnouncedIn,
         BudgetRequestOut, lambda i, b, v, k: app.step(
             BudgetRequest, i, lambda r, at: r.announce_results(announced_on=b.announced_on,
                                                                at=at),
             expected_version=v, idempotency=k))

    funding = case_routes("/external-funding", "external funding (ระดมทรัพยากร)", ExternalFunding,
                          ExternalFundingOut)

    @funding.post("", status_code=201, response_model=ExternalFundingOut,
                  summary="A school's request to an external source, with its value analysis")
    def request_funding(body: ExternalFundingIn, actor: Actor, idem: Idempotency,
                        response: Response) -> dict[str, Any]:
        result = app.request_external_funding(
            fiscal_year_be=body.fiscal_year_be, school_code=body.school_code,
            source_th=body.source_th, project_th=body.project_th, amount=body.amount,
            value_analysis_th=body.value_analysis_th, idempotency=idem.for_body(body))
        return _created(response, result, f"/external-funding/{result['case_id']}")

    common_steps(funding, ExternalFunding, ExternalFundingOut, committee=False, submit=False,
                 report=False, withdraw=True)
    step(funding, "resubmit", "After a rejection or return: resubmitted (a new round)",
         ResubmitIn, ExternalFundingOut, lambda i, b, v, k: app.step(
             ExternalFunding, i, lambda f, at: f.resubmit(
                 amount=b.amount, value_analysis_th=b.value_analysis_th, at=at),
             expected_version=v, idempotency=k))
    step(funding, "notify", "The school is told of the decision", NotifiedIn, ExternalFundingOut,
         lambda i, b, v, k: app.step(ExternalFunding, i, lambda f, at: f.notify_school(
             notified_on=b.notified_on, at=at), expected_version=v, idempotency=k))
    step(funding, "receipts", "Resources raised (entered in the register)", ReceiptIn,
         ExternalFundingOut, lambda i, b, v, k: app.step(
             ExternalFunding, i, lambda f, at: f.record_receipt(
                 amount=b.amount, received_on=b.received_on, reference=b.reference, at=at),
             expected_version=v, idempotency=k))

    for part in (lines, reports, schools, allocations, transfers, reviews, analyses, requests,
                 funding):
        router.include_router(part)
    return router

"""HTTP API of coordination and service (procedure 2): log, route, respond, rate, report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.correspondence.api import (
    _answer,
    add_step_route,
    add_summary_route,
    period_query,
)
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.projections import register_lines
from services.correspondence.service_requests.domain import RequestStep
from services.correspondence.service_requests.projections import (
    REQUEST_COLUMNS,
    SUMMARY_COLUMNS,
    summary_rows,
)
from services.correspondence.service_requests.schemas import (
    RespondIn,
    RouteIn,
    SatisfactionIn,
    ServiceRequestIn,
    ServiceRequestOut,
)
from shared.http.conditional import Idempotency
from shared.http.context import Actor
from shared.http.downloads import csv_stream
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read

Format = Literal["json", "csv"]


def create_router(app: CorrespondenceApplication) -> APIRouter:
    requests = app.service_requests
    router = APIRouter(prefix="/service-requests",
                       tags=["coordination and service (งานประสานงานและให้บริการ)"])
    reports = APIRouter(tags=["coordination and service (งานประสานงานและให้บริการ)"])

    @router.post("", status_code=201, response_model=ServiceRequestOut,
                 summary="รับเรื่อง: log a request from a school, another group, an agency or the public")
    def log_request(body: ServiceRequestIn, actor: Actor, idem: Idempotency,
                    response: Response) -> dict[str, Any]:
        result = requests.log(
            requester_kind=body.requester_kind, requester_name=body.requester_name,
            contact=body.contact, channel=body.channel, subject=body.subject,
            details=body.details, received_at=body.received_at, idempotency=idem.for_body(body))
        response.headers["Location"] = f"/service-requests/{result['service_request_id']}"
        return _answer(response, result)

    @router.get("", response_model=Page[ServiceRequestOut],
                summary="ทะเบียนคำขอรับบริการ of a period, oldest first (JSON pages, or the whole "
                        "period as CSV in Thai)",
                responses={200: {"content": {"text/csv": {}}}})
    @quick_read
    def list_requests(
        paging: Paging,
        period: tuple[date, date] = period_query(app),
        status: Annotated[RequestStep | None, Query(description="Only requests at this step")
                          ] = None,
        holder: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        overdue: Annotated[bool | None, Query()] = None,
        format: Format = "json",  # noqa: A002
    ) -> Any:
        start, end = period
        filters = {"status": status.value if status else None, "holder": holder,
                   "overdue": overdue}
        if format == "csv":
            return csv_stream(register_lines(requests.register_lines(start, end, **filters),
                                             REQUEST_COLUMNS),
                              f"service-requests-{start}-{end}.csv")
        return requests.register(paging, start, end, **filters)

    @router.get("/{service_request_id}", response_model=ServiceRequestOut)
    def get_request(service_request_id: UUID, response: Response) -> dict[str, Any]:
        return _answer(response, requests.summary(service_request_id))

    add_step_route(router, "/{service_request_id}/route", id_name="service_request_id",
                   summary="มอบหมาย: the group director routes the request to an officer",
                   body_model=RouteIn, response_model=ServiceRequestOut,
                   command=lambda i, b, v, k: requests.route(
                       i, officer_id=b.officer_id, due=b.due_date, expected_version=v,
                       idempotency=k))
    add_step_route(router, "/{service_request_id}/respond", id_name="service_request_id",
                   summary="ตอบสนอง: the responsible officer responds (once)",
                   body_model=RespondIn, response_model=ServiceRequestOut,
                   command=lambda i, b, v, k: requests.respond(
                       i, response=b.response, responded_at=b.responded_at, expected_version=v,
                       idempotency=k))
    add_step_route(router, "/{service_request_id}/satisfaction", id_name="service_request_id",
                   summary="ความพึงพอใจ: the requester's rating 1-5, once, after the response",
                   body_model=SatisfactionIn, response_model=ServiceRequestOut,
                   command=lambda i, b, v, k: requests.record_satisfaction(
                       i, score=b.score, comment=b.comment, expected_version=v, idempotency=k))

    add_summary_route(reports, app, "/reports/service-requests", name="service_report",
                      summary="สรุปผลการให้บริการ: counts, response times, satisfaction of a period",
                      file_stem="service-summary", report=requests.report, rows=summary_rows,
                      columns=SUMMARY_COLUMNS)

    root = APIRouter()
    root.include_router(router)
    root.include_router(reports)
    return root

"""Monitoring's HTTP API: the case board, each case's history, the live feed and the status page.

Store access is synchronous (eventsourcing), so the JSON endpoints are plain `def` (FastAPI runs them
in its thread pool); only the feed is `async`, and it reads the store through `asyncio.to_thread`.

The status page (`/`), the snapshot it starts from (`/board`) and its live feed (`/feed`) are public:
they are the office's notice board, a browser's EventSource cannot send a bearer token, and what
they show is what any visitor to the office may see (a classified case never shows its title). The
API for other systems (`/cases` with filters, one case, a case's history with trace ids) needs
`monitoring:read`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.monitoring.application import MonitoringApplication
from services.monitoring.projections import CaseBoard, CaseView
from services.monitoring.schemas import FEED_EVENT, CaseOut, FeedData, HistoryEntryOut, feed_data
from services.monitoring.settings import MonitoringSettings
from shared.auth import PUBLIC
from shared.domain import DomainEvent, NotFound
from shared.http.conditional import set_etag
from shared.http.sse import FeedAfter, FeedLimit, LastEventId, follow_notifications, resume_after

STATUS_PAGE = Path(__file__).parent / "static" / "status.html"
POSITION_HEADER = "X-Feed-Position"


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

    @router.get("/cases", summary="Cases of every service, most recently changed first")
    def list_cases(
        response: Response,
        service: Annotated[str | None, Query(description="The service the case belongs to")] = None,
        procedure: Annotated[int | None, Query(ge=1, le=16)] = None,
        step: Annotated[str | None, Query(description="Machine name of the current step")] = None,
        overdue: bool | None = None,
        closed: bool | None = None,
    ) -> list[CaseOut]:
        listing = board.list_cases(
            service=service, procedure=procedure, step=step, overdue=overdue, closed=closed
        )
        # The live feed continues exactly after this listing: `GET /feed?after=<this header>`.
        response.headers[POSITION_HEADER] = str(listing.position)
        now = board.clock()
        return [CaseOut.of(view, now) for view in listing.cases]

    @router.get("/board", openapi_extra=PUBLIC,
                summary="The status page's snapshot: every case, most recently changed first "
                        "(public, like the page and its feed)")
    def board_snapshot(response: Response) -> list[CaseOut]:
        return list_cases(response)

    @router.get("/cases/by-subject/{source}/{subject}", summary="The case of a service's aggregate")
    def case_by_subject(source: str, subject: str, response: Response) -> CaseOut:
        return found(board.case_by_subject(source, subject), f"{source}:{subject}", response)

    @router.get("/cases/{case_id}", summary="One case")
    def get_case(case_id: UUID, response: Response) -> CaseOut:
        return found(board.case(case_id), str(case_id), response)

    @router.get("/cases/{case_id}/history", summary="The case's observed events, oldest first")
    def case_history(case_id: UUID) -> list[HistoryEntryOut]:
        entries = board.history(case_id)
        if entries is None:
            raise CaseNotFound(str(case_id))
        return [HistoryEntryOut.of(entry) for entry in entries]

    def render(domain_event: DomainEvent) -> tuple[str, Any] | None:
        data = feed_data(domain_event, board.clock())
        return None if data is None else (FEED_EVENT, data.model_dump(mode="json"))

    @router.get(
        "/feed",
        response_class=EventSourceResponse,
        summary="Live status changes (Server-Sent Events, resumable with Last-Event-ID)",
        description=(
            "Each event: `id` = monitoring's notification id, `event: status`, `data` = FeedData "
            "JSON. Resume with the `Last-Event-ID` header (or `?after=N` on a first connection; "
            "`GET /cases` answers the matching position in `X-Feed-Position`). Idle streams get a "
            "keep-alive comment every 15 s."
        ),
        responses={200: {"model": FeedData}},
        openapi_extra=PUBLIC,
    )
    async def feed(
        last_event_id: LastEventId = None,
        after: FeedAfter = None,
        limit: FeedLimit = None,
    ) -> AsyncIterable[ServerSentEvent]:
        async for item in follow_notifications(
            app,
            render,
            after=resume_after(last_event_id, after),
            limit=limit,
            poll_seconds=settings.feed_poll_seconds,
        ):
            yield item

    @router.get("/", include_in_schema=False, openapi_extra=PUBLIC)
    def status_page() -> FileResponse:
        return FileResponse(STATUS_PAGE, media_type="text/html; charset=utf-8")

    return router

"""Commands and queries of coordination and service (procedure 2).

Runs inside the correspondence application: the same event store (so the relay publishes these
events too), the same staff directory and the same clock. Each command is one transaction through
`CorrespondenceApplication.execute`, with `Idempotency-Key` and `If-Match` as for documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.correspondence.domain import Officer
from services.correspondence.projections import in_batches
from services.correspondence.service_requests.domain import (
    RequesterKind,
    ServiceChannel,
    ServiceRequest,
    ServiceRequestNotFound,
)
from services.correspondence.service_requests.projections import (
    REQUEST_LISTING_COLUMNS,
    REQUEST_LISTING_INDEXES,
    request_entry,
    request_row,
    request_view,
    service_summary,
)
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.http.paging import PageRequest

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency


class ServiceRequests:
    """Procedure 2 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.listed = app.read_models.listing(
            "correspondence_service_requests", of=(ServiceRequest,),
            columns=REQUEST_LISTING_COLUMNS, indexes=REQUEST_LISTING_INDEXES, row=request_row)

    def request(self, request_id: UUID) -> ServiceRequest:
        found = self.app.get(ServiceRequest, request_id)
        if found is None:
            raise ServiceRequestNotFound(str(request_id))
        return found

    # --- commands -----------------------------------------------------------------------------------
    def log(self, *, requester_kind: RequesterKind, requester_name: str, contact: str,
            channel: ServiceChannel, subject: str, details: str, received_at: datetime | None,
            idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            at = self.app.clock()
            request = ServiceRequest.log(
                by=self.app.acting_officer(), requester_kind=requester_kind,
                requester_name=requester_name, contact=contact, channel=channel, subject=subject,
                details=details, received_at=received_at or at, at=at)
            return self.view(request), [request]

        return self.app.execute(decide, idempotency=idempotency)

    def _on_request(self, request_id: UUID, expected_version: int | None,
                    idempotency: Idempotency,
                    act: Callable[[ServiceRequest, Officer, datetime], None]) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = self.app.acting_officer()
            request = self.request(request_id)
            check_version(request, expected_version)
            self.app.check_record(request)
            act(request, actor, self.app.clock())
            return self.view(request), [request]

        return self.app.execute(decide, idempotency=idempotency)

    def route(self, request_id: UUID, *, officer_id: str, due: date | None,
              expected_version: int | None = None,
              idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_request(request_id, expected_version, idempotency, lambda r, by, at: r.route(
            by=by, officer=self.app.officer(officer_id), due=due, at=at))

    def respond(self, request_id: UUID, *, response: str, responded_at: datetime | None,
                expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_request(request_id, expected_version, idempotency, lambda r, by, at: r.respond(
            by=by, response=response, responded_at=responded_at or at, at=at))

    def record_satisfaction(self, request_id: UUID, *, score: int, comment: str,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_request(request_id, expected_version, idempotency, lambda r, by, at: r.record_satisfaction(
            by=by, score=score, comment=comment, at=at))

    # --- queries ------------------------------------------------------------------------------------
    def view(self, request: ServiceRequest) -> dict[str, Any]:
        return self._read([request_entry(request)])[0]

    def _read(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored entries as read today, their officers named with one look-up."""
        names = self.app.officer_names(e["officer_id"] for e in entries)
        today = self.app.today()
        return [request_view(e, names, today) for e in entries]

    def summary(self, request_id: UUID) -> dict[str, Any]:
        return self.view(self.request(request_id))

    def _where(self, start: date, end: date, *, status: str | None = None,
               overdue: bool | None = None, holder: str | None = None) -> dict[str, Any]:
        """The requests received on Bangkok dates `start`..`end`, as narrowed."""
        where: dict[str, Any] = {"received_on__ge": start.isoformat(),
                                 "received_on__le": end.isoformat()}
        if status is not None:
            where["step"] = status
        if holder is not None:
            where["holder"] = holder
        today = self.app.today().isoformat()
        if overdue is True:
            where["open_due__lt"] = today
        elif overdue is False:
            where["any"] = [{"open_due": None}, {"open_due__ge": today}]
        return where

    def register(self, paging: PageRequest, start: date, end: date,
                 **filters: Any) -> dict[str, Any]:
        """ทะเบียนคำขอรับบริการ of the period, oldest first, a page at a time."""
        page = self.listed.page(paging, self._where(start, end, **filters),
                                order_by=("received_at",))
        page["items"] = self._read(page["items"])
        return page

    def register_lines(self, start: date, end: date, **filters: Any) -> Iterator[dict[str, Any]]:
        """The whole register of the period (as narrowed), a batch at a time."""
        rows = self.listed.stream(self._where(start, end, **filters), order_by=("received_at",))
        return (view for batch in in_batches(rows) for view in self._read(batch))

    def report(self, start: date, end: date) -> dict[str, Any]:
        return service_summary(self.listed.views(self._where(start, end)), start, end)


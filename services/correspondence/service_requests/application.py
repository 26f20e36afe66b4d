"""Commands and queries of coordination and service (procedure 2).

Runs inside the correspondence application: the same event store (so the relay publishes these
events too), the same staff directory and the same clock. Each command is one transaction through
`CorrespondenceApplication.execute`, with `Idempotency-Key` and `If-Match` as for documents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.correspondence.domain import Officer
from services.correspondence.service_requests.domain import (
    CHANNEL_TH,
    REQUESTER_KIND_TH,
    SATISFACTION_TH,
    RequesterKind,
    ServiceChannel,
    ServiceRequest,
    ServiceRequestNotFound,
)
from services.correspondence.service_requests.projections import service_summary
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.projection import AggregateIndex
from shared.thaitime import bangkok_date, format_thai_duration

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency


class ServiceRequests:
    """Procedure 2 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.index: AggregateIndex[ServiceRequest] = AggregateIndex(
            app, lambda r: r, aggregate_types=(ServiceRequest,))

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
        hours = request.response_hours
        officer = self.app.get(Officer, Officer.create_id(request.officer_id)) \
            if request.officer_id else None
        return {
            "service_request_id": str(request.id),
            "version": request.version,
            "requester_kind": request.requester_kind.value,
            "requester_kind_th": REQUESTER_KIND_TH[request.requester_kind],
            "requester_name": request.requester_name,
            "contact": request.contact,
            "channel": request.channel.value,
            "channel_th": CHANNEL_TH[request.channel],
            "subject": request.subject,
            "details": request.details,
            "received_at": request.received_at,
            "logged_by": request.logged_by,
            "step": request.step.value,
            "step_th": request.step_th,
            "holder": request.holder,
            "step_since": request.step_since,
            "officer_id": request.officer_id,
            "officer_name_th": officer.name_th if officer else None,
            "due": request.due,
            "overdue": request.is_overdue(bangkok_date(self.app.clock())),
            "response": request.response,
            "responded_at": request.responded_at,
            "response_hours": round(hours, 2) if hours is not None else None,
            "response_time_th": format_thai_duration(hours) if hours is not None else None,
            "satisfaction": request.satisfaction,
            "satisfaction_th": SATISFACTION_TH.get(request.satisfaction or 0),
            "satisfaction_comment": request.satisfaction_comment,
        }

    def summary(self, request_id: UUID) -> dict[str, Any]:
        return self.view(self.request(request_id))

    def in_period(self, start: date, end: date) -> list[ServiceRequest]:
        """The requests received on Bangkok dates `start`..`end`, oldest first."""
        return sorted((r for r in self.index.all()
                       if start <= bangkok_date(r.received_at) <= end),
                      key=lambda r: (r.received_at, r.subject, str(r.id)))

    def register(self, start: date, end: date) -> list[dict[str, Any]]:
        return [self.view(r) for r in self.in_period(start, end)]

    def report(self, start: date, end: date) -> dict[str, Any]:
        return service_summary(self.in_period(start, end), start, end)

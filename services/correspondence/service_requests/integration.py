"""Service requests (procedure 2) → contract events, each with the request's case status.

Who asked and how to reach them (name, contact) and the texts of the request and the response stay
inside the service: they are personal data and the requester's business. The envelope itself is
built by `services.correspondence.integration`, which calls `translate` for these aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.correspondence import v1
from contracts.envelope import CaseStatus, IntegrationEvent
from services.correspondence.service_requests.domain import ServiceRequest
from shared.domain import DomainEvent

PROCEDURE_SERVICE = 2


def payload(event: DomainEvent, r: ServiceRequest) -> IntegrationEvent | None:
    match event:
        case ServiceRequest.Logged():
            return v1.ServiceRequestLogged(
                service_request_id=r.id, requester_kind=r.requester_kind, channel=r.channel,
                subject=r.subject, received_at=r.received_at)
        case ServiceRequest.Routed():
            return v1.ServiceRequestRouted(service_request_id=r.id, officer_id=event.officer_id,
                                           routed_by=event.routed_by, due_date=event.due)
        case ServiceRequest.Responded():
            return v1.ServiceRequestResponded(
                service_request_id=r.id, officer_id=event.officer_id,
                responded_at=event.responded_at,
                response_minutes=round((r.response_hours or 0) * 60))
        case ServiceRequest.SatisfactionRecorded():
            return v1.ServiceSatisfactionRecorded(service_request_id=r.id, score=event.score)
    return None


def status(r: ServiceRequest, holder_th: str | None) -> CaseStatus:
    return CaseStatus(
        procedure=PROCEDURE_SERVICE,
        case_type="service_request",
        title=r.subject,
        step=r.step.value,
        step_th=r.step_th,
        holder=r.holder,
        holder_th=holder_th,
        since=r.step_since,
        due=None if r.closed else r.due,
        closed=r.closed,
    )


def translate(event: DomainEvent, aggregate: Any,
              holder_th: Callable[[str | None], str | None]
              ) -> tuple[IntegrationEvent, CaseStatus] | None:
    if not isinstance(event, ServiceRequest.Event):
        return None
    found = payload(event, aggregate)
    return None if found is None else (found, status(aggregate, holder_th(aggregate.holder)))

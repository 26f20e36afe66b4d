"""Monitoring test support: other services' cases as their contract events, delivered the way
monitoring's consumer applies them (the handler's aggregates saved with the stream position)."""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.persistence import Tracking

from contracts.envelope import AnyEnvelope, CaseStatus, Secrecy
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import subscriptions


def deliver(app: MonitoringApplication, envelope: AnyEnvelope) -> None:
    """As monitoring's consumer does: the next message of the envelope's source's stream."""
    handler = {s.source: s.handler for s in subscriptions(app)}[envelope.source]
    position = (app.process_recorder.max_tracking_id(envelope.source) or 0) + 1
    app.execute(lambda: (None, handler(envelope)), tracking=Tracking(envelope.source, position))


def case_event(source: str, subject: str, sequence: int, *, at: datetime, step: str,
               step_th: str, holder: str | None = "group_director", title: str | None = None,
               due: date | None = None, closed: bool = False, procedure: int = 1,
               case_type: str = "document", secrecy: Secrecy = Secrecy.none) -> AnyEnvelope:
    """A producer's event about one of its cases, with the status it reports."""
    return AnyEnvelope(
        id=f"{source}:{subject}:{sequence}", type=f"{source}.{case_type}.{step}", source=source,
        subject=subject, time=at, sequence=sequence, actor="off-1", secrecy=secrecy,
        status=CaseStatus(procedure=procedure, case_type=case_type, title=title, step=step,
                          step_th=step_th, holder=holder, since=at, due=due, closed=closed),
        data={})

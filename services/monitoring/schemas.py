"""Monitoring's HTTP and feed models, and how the board's views become them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from services.monitoring.domain import Case, CaseState, Observation
from services.monitoring.projections import CaseView, HistoryEntry
from shared.domain import DomainEvent
from shared.thaitime import bangkok_date

FEED_EVENT = "status"


class CaseOut(BaseModel):
    case_id: UUID
    version: int = Field(description="The case's version in monitoring (also its ETag)")
    source: str = Field(description="The service the case belongs to")
    subject: str = Field(description="The case's id in that service")
    procedure: int | None = Field(description="Procedure of the manual (1-16)")
    case_type: str | None
    title: str | None = Field(description="Thai title; None when classified or never given")
    step: str | None
    step_th: str | None
    holder: str | None = Field(description="Who must act next")
    holder_th: str | None = Field(default=None, description="Who must act next, in Thai")
    since: datetime | None = Field(description="Waiting in this step since")
    due: date | None = Field(description="Due date (Bangkok calendar)")
    closed: bool
    overdue: bool = Field(description="Open and due before today's Bangkok date")
    waiting_seconds: float | None = Field(description="Now minus `since`, while open")
    secrecy: str
    last_event_type: str
    last_event_time: datetime
    events: int = Field(description="Contract events observed")

    @classmethod
    def of(cls, view: CaseView, now: datetime) -> CaseOut:
        state = view.state
        waiting = None
        if state.since is not None and not state.closed:
            waiting = max(0.0, (now - state.since).total_seconds())
        return cls(
            case_id=view.case_id,
            version=view.version,
            **state.model_dump(
                include={"source", "subject", "procedure", "case_type", "title", "step", "step_th",
                         "holder", "holder_th", "since", "due", "closed", "secrecy", "last_event_type",
                         "last_event_time", "events"}
            ),
            overdue=state.is_overdue(bangkok_date(now)),
            waiting_seconds=waiting,
        )


class StatusOut(BaseModel):
    procedure: int
    case_type: str
    title: str | None
    step: str
    step_th: str
    holder: str | None
    holder_th: str | None = None
    since: datetime
    due: date | None
    closed: bool


class HistoryEntryOut(BaseModel):
    version: int
    notification_id: int = Field(description="Position in monitoring's log (the feed's event id)")
    recorded_at: datetime = Field(description="When monitoring recorded it")
    event_id: str
    event_type: str
    sequence: int = Field(description="The producer's version of the case")
    time: datetime
    actor: str
    trace_id: str
    secrecy: str
    status: StatusOut | None = Field(description="The status the event reported, if any")
    data: dict[str, Any] | None = Field(default=None, description="The observed event's payload")

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        observation = entry.observation
        status = observation.status
        if status is not None and observation.secrecy != "none":
            status = status.model_copy(update={"title": None})
        return cls(
            version=entry.version,
            notification_id=entry.notification_id,
            recorded_at=entry.recorded_at,
            **observation.model_dump(exclude={"status"}),
            status=StatusOut.model_validate(status.model_dump()) if status is not None else None,
        )


class FeedData(BaseModel):
    """The `data` of one `status` event of `GET /feed` (the SSE `id` is monitoring's notification id)."""

    case_id: UUID
    version: int
    source: str
    subject: str
    type: str = Field(description="The observed contract event's type")
    event_id: str
    procedure: int | None
    case_type: str | None
    title: str | None
    step: str | None
    step_th: str | None
    holder: str | None
    holder_th: str | None = None
    since: datetime | None
    due: date | None
    closed: bool
    secrecy: str = Field(description="none, confidential, secret or top_secret")
    overdue: bool = Field(description="As of when the event was sent")
    time: datetime = Field(description="When the observed event happened")
    actor: str = Field(description="Who caused the observed event")
    data: dict[str, Any] | None = Field(
        default=None, description="The observed contract event's payload (e.g. an approved "
        "action plan's projects), as its producer published it")


def feed_data(domain_event: DomainEvent, now: datetime) -> FeedData | None:
    """The feed's view of a `Case` event: where the case stood right after it."""
    if not isinstance(domain_event, (Case.Opened, Case.Observed)):
        return None
    state: CaseState = domain_event.state
    observation: Observation = domain_event.observation
    return FeedData(
        case_id=domain_event.originator_id,
        version=domain_event.originator_version,
        type=observation.event_type,
        event_id=observation.event_id,
        time=observation.time,
        actor=observation.actor,
        data=observation.data,
        overdue=state.is_overdue(bangkok_date(now)),
        **state.model_dump(
            include={"source", "subject", "procedure", "case_type", "title", "step", "step_th",
                     "holder", "holder_th", "since", "due", "closed", "secrecy"}
        ),
    )

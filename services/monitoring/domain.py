"""Monitoring's domain: a `Case` is whatever another service publishes contract events about,
identified by (source service, subject). Monitoring does not decide anything about the case; it
records, once each, what it observed and where the case stands as a result.

The observed contract fields are copied into monitoring's own plain pydantic models (`Observation`,
`ReportedStatus`): the stored events must stay readable whatever the producers later do to their
payload models or to the envelope. Each event also carries the `CaseState` it leads to, so the read
model, the live feed and the export to the central office read the state straight off the event
instead of folding the case's history again.

Pure: no I/O, no framework.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from shared.domain import Aggregate, event

UNCLASSIFIED = "none"
OVERDUE_EVENT_TYPE = "monitoring.case.overdue"


def case_id_for(source: str, subject: str) -> UUID:
    """Deterministic, so anyone (the central office too) can compute a case's id from an envelope."""
    return uuid5(NAMESPACE_URL, f"{source}:{subject}")


class _Value(BaseModel):
    # Extra keys are ignored rather than refused: old stored events must keep loading if a field
    # is ever dropped from these models.
    model_config = ConfigDict(frozen=True)


class ReportedStatus(_Value):
    """The producer's statement of where the case stands (the envelope's `status`)."""

    procedure: int
    case_type: str
    title: str | None = None
    step: str
    step_th: str
    holder: str | None = None
    holder_th: str | None = None
    since: datetime
    due: date | None = None
    closed: bool = False


class Observation(_Value):
    """One contract event about the case, as received."""

    event_id: str  # the envelope id: <service>:<aggregate id>:<version>, unique per event
    event_type: str
    sequence: int  # the producer aggregate's version: orders the events of one case
    time: datetime
    actor: str
    trace_id: str = ""
    secrecy: str = UNCLASSIFIED
    status: ReportedStatus | None = None
    # The producer's contract payload as received (what the case is about: e.g. an approved
    # action plan's projects), shown on the feed and in the history, never interpreted here.
    data: dict[str, Any] | None = None


class CaseState(_Value):
    """Where a case stands after an event. Status fields stay None until a producer reports one."""

    source: str
    subject: str
    procedure: int | None = None
    case_type: str | None = None
    title: str | None = None
    step: str | None = None
    step_th: str | None = None
    holder: str | None = None
    holder_th: str | None = None
    since: datetime | None = None
    due: date | None = None
    closed: bool = False
    secrecy: str = UNCLASSIFIED
    last_event_id: str
    last_event_type: str
    last_event_time: datetime
    last_sequence: int
    events: int  # how many distinct contract events were observed
    overdue_raised_for: date | None = None  # the due date whose passing was announced

    @classmethod
    def opened(cls, source: str, subject: str, observation: Observation) -> CaseState:
        blank = cls(
            source=source,
            subject=subject,
            last_event_id=observation.event_id,
            last_event_type=observation.event_type,
            last_event_time=observation.time,
            last_sequence=0,
            events=0,
        )
        return blank.after(observation)

    def after(self, observation: Observation) -> CaseState:
        """The state once `observation` is taken into account.

        An event older than one already applied (a dead letter replayed late) is counted and kept
        in the history, but must not roll the case back to where it stood before.
        """
        if observation.sequence <= self.last_sequence:
            return self.model_copy(update={"events": self.events + 1})
        update: dict[str, object] = {
            "secrecy": observation.secrecy,
            "last_event_id": observation.event_id,
            "last_event_type": observation.event_type,
            "last_event_time": observation.time,
            "last_sequence": observation.sequence,
            "events": self.events + 1,
        }
        status = observation.status
        if status is not None:
            update |= status.model_dump(exclude={"title"})
            if status.title is not None:
                # Later events may omit the title: the last one given still names the case.
                update["title"] = status.title
        if observation.secrecy != UNCLASSIFIED:
            # A classified case shows no title, not even one remembered from before it was classified.
            update["title"] = None
        return self.model_copy(update=update)

    @property
    def classified(self) -> bool:
        return self.secrecy != UNCLASSIFIED

    def is_overdue(self, today: date) -> bool:
        """Overdue: still open and its due date (a Bangkok date) is before `today` (the Bangkok date)."""
        return not self.closed and self.due is not None and self.due < today


class Case(Aggregate):
    """A case of another service, as seen by monitoring: one event per distinct contract event."""

    @staticmethod
    def create_id(source: str, subject: str) -> UUID:
        return case_id_for(source, subject)

    @classmethod
    def open(cls, source: str, subject: str, observation: Observation) -> Case:
        return cls(
            source=source,
            subject=subject,
            observation=observation,
            state=CaseState.opened(source, subject, observation),
        )

    @event("Opened")
    def __init__(self, source: str, subject: str, observation: Observation, state: CaseState) -> None:
        self.source = source
        self.subject = subject
        self.state = state
        self.seen: set[str] = {observation.event_id}

    def observe(self, observation: Observation) -> bool:
        """Record `observation` unless this very event was recorded before; True if recorded."""
        if observation.event_id in self.seen:
            return False
        self._observed(observation, self.state.after(observation))
        return True

    def raise_overdue(self, today: date, at: datetime) -> bool:
        """Announce, once per due date, that an open case has passed it; True if announced.

        Recorded like any observation (by monitoring itself), so the board, the feed, the history
        and the central office's export all show it without a special case."""
        state = self.state
        if not state.is_overdue(today) or state.overdue_raised_for == state.due:
            return False
        observation = Observation(
            event_id=f"monitoring:overdue:{self.id}:{state.due}",
            event_type=OVERDUE_EVENT_TYPE,
            sequence=state.last_sequence,
            time=at,
            actor="monitoring",
            secrecy=state.secrecy,
        )
        self._observed(observation, state.model_copy(
            update={"overdue_raised_for": state.due, "events": state.events + 1}))
        return True

    @event("Observed")
    def _observed(self, observation: Observation, state: CaseState) -> None:
        self.state = state
        self.seen.add(observation.event_id)

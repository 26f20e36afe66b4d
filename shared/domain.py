"""Base classes for event-sourced aggregates with pydantic events, and the domain's error type.

Pure: no I/O, no web or messaging framework. Every event records who caused it (actor) and the
trace it belongs to, taken from `shared.context` when the event is created.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import (
    Aggregate as _BaseAggregate,
)
from eventsourcing.domain import (
    CanInitAggregate,
    CanMutateAggregate,
    event,
)
from eventsourcing.utils import get_topic, register_topic
from pydantic import BaseModel, ConfigDict, Field

from shared.context import current_actor, trace_id_var

__all__ = ["Aggregate", "DomainError", "DomainEvent", "event", "stored_topics", "was_stored_as"]

# Names an aggregate class's events were stored under before it moved (see `was_stored_as`).
_former_topics: dict[type, list[str]] = {}


def was_stored_as(old_topic: str, aggregate_class: type) -> None:
    """The class (and its events) once lived at `old_topic`: stored events naming it still
    decode into today's class, and read models still find them."""
    register_topic(old_topic, aggregate_class)
    _former_topics.setdefault(aggregate_class, []).append(old_topic)


def stored_topics(aggregate_class: type) -> list[str]:
    """Every name the class's stored events may carry: today's and the former ones."""
    return [get_topic(aggregate_class), *_former_topics.get(aggregate_class, [])]


class DomainEvent(BaseModel):
    """A fact that happened to an aggregate. Immutable; serialised as JSON by the event store."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: str = Field(default_factory=current_actor)
    trace_id: str = Field(default_factory=trace_id_var.get)


class Aggregate(_BaseAggregate):
    """Aggregate root whose events are pydantic models (eventsourcing's `aggregate6` pattern).

    Every aggregate remembers who last took each kind of step (`acted_by`, by event name), from
    its own events: the decision rights' separation of duties reads it (the one who submitted may
    not approve), so no aggregate keeps a field of its own for that."""

    class Event(DomainEvent, CanMutateAggregate):
        """Any event of this aggregate."""

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            if aggregate is not None:
                vars(aggregate).setdefault("acted_by", {})[type(self).__name__] = self.actor
            return aggregate

    class Created(Event, CanInitAggregate):
        originator_topic: str


class DomainError(Exception):
    """A business rule said no. Carries a stable code and a Thai and English title for the caller.

    `status` is the HTTP status the API layer answers with: 422 for input that breaks a rule,
    409 for a command that does not fit the current state, 404 for something that does not exist.
    """

    status: int = 422

    def __init__(
        self,
        code: str,
        title_th: str,
        title_en: str,
        detail: str | None = None,
        *,
        status: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{code}: {title_en}" + (f" ({detail})" if detail else ""))
        self.code = code
        self.title_th = title_th
        self.title_en = title_en
        self.detail = detail
        self.extra = extra
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The command is valid in itself but not in the aggregate's current state."""

    status = 409


class DeclaredError(DomainError):
    """A domain error whose code and titles are declared on its class, so that raising one takes
    only what differs each time: `raise UnknownOfficer("off-9")`. Mix in `NotFound` or `Conflict`
    for their statuses."""

    code: str = "rule-broken"
    title_th: str = "ไม่สามารถดำเนินการได้"
    title_en: str = "Not allowed"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        cls = type(self)
        super().__init__(cls.code, cls.title_th, cls.title_en, detail, **extra)


class FieldRequired(DeclaredError):
    code = "field-required"
    title_th = "ต้องระบุข้อมูลนี้"
    title_en = "This field is required"


class NaiveDatetime(DeclaredError):
    code = "naive-datetime"
    title_th = "วันเวลาต้องระบุเขตเวลา"
    title_en = "Date-time must carry a time zone"


class ControlCharacter(DeclaredError):
    code = "control-character"
    title_th = "ข้อความมีอักขระควบคุมที่ใช้ไม่ได้"
    title_en = "Text contains a control character"


# Tab and line breaks are ordinary text; any other control character is invisible on screen and
# breaks the XML, CSV and PDF that text ends up in.
_TEXT_CONTROLS = frozenset("\t\n\r")


def _invisible(ch: str) -> bool:
    # Format characters (zero-width space, word joiner, ...) print nothing, like blanks.
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def required_text(value: str | None, name: str) -> str:
    """The text without surrounding blanks; missing, blank or invisible text breaks the rule, and
    so does a control character other than tab and line breaks (naming the field)."""
    if value is None or all(_invisible(ch) for ch in value):
        raise FieldRequired(f"{name} is required", field=name)
    bad = next((ch for ch in value
                if unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS), None)
    if bad is not None:
        raise ControlCharacter(f"{name} contains U+{ord(bad):04X}", field=name)
    return value.strip()


def aware(moment: datetime, name: str = "at") -> datetime:
    """The moment in UTC; a moment without a time zone is refused, since a Bangkok officer's
    "09:00" and a server's are different instants."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetime(f"{name} has no time zone", field=name)
    return moment.astimezone(UTC)

"""Base classes for event-sourced aggregates with pydantic events, and the domain's error type.

Pure: no I/O, no web or messaging framework. Every event records who caused it (actor) and the
trace it belongs to, taken from `shared.context` when the event is created.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import (
    Aggregate as _BaseAggregate,
)
from eventsourcing.domain import (
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    CommandMethodDecorator,
    event,
)
from eventsourcing.utils import get_topic, register_topic, resolve_topic
from pydantic import BaseModel, ConfigDict, Field

from shared.context import current_actor, trace_id_var

__all__ = ["Aggregate", "DomainError", "DomainEvent", "event", "stored_name", "stored_topics"]

# The stable name of each pinned class (aggregate or event): what the event store writes.
_stored_names: dict[type, str] = {}
# Names a class was stored under at other places (see `Aggregate`'s `formerly`).
_former_topics: dict[type, list[str]] = {}


def stored_name(cls: type) -> str:
    """The name a class is stored under: its pinned name, else its module path."""
    return _stored_names.get(cls) or get_topic(cls)


def stored_topics(aggregate_class: type) -> list[str]:
    """Every name the class's stored events may carry: its pinned name, the module path it had
    before names were pinned, and any former names declared when it moved."""
    legacy = f"{aggregate_class.__module__}:{aggregate_class.__qualname__}"
    names = [stored_name(aggregate_class), legacy, *_former_topics.get(aggregate_class, [])]
    return list(dict.fromkeys(names))


def pinned_classes() -> dict[type, str]:
    """Every pinned class and its stored name (for the golden file of stored names)."""
    return dict(_stored_names)


def _pin(cls: type, name: str) -> None:
    register_topic(name, cls)  # the event store resolves the stable name to the class
    _stored_names[cls] = name


class DomainEvent(BaseModel):
    """A fact that happened to an aggregate. Immutable; serialised as JSON by the event store."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    # The version of its fields: changing them means a new version, and a static method
    # `upcast_v<n>_v<n+1>(state)` that brings a stored state of version n up to n+1.
    class_version: ClassVar[int] = 1

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

    def snapshot_state(self) -> dict[str, Any]:
        """The state a snapshot keeps (JSON): an aggregate that is snapshotted says what."""
        raise TypeError(f"{type(self).__name__} does not say how to snapshot its state")

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        """The attributes `snapshot_state` described."""
        raise TypeError(f"{cls.__name__} does not say how to read its snapshots")

    def __init_subclass__(cls, *, stored_as: str | None = None, formerly: tuple[str, ...] = (),
                          retired: bool = False, **kwargs: Any) -> None:
        """`stored_as`: the stable name this aggregate's events are stored under (every aggregate
        that defines events has one, so that moving or renaming a class never strands its
        history); `formerly`: names it was stored under before a move (they keep decoding);
        `retired`: no longer written, kept only to read what was stored under its module path
        (it must then never move)."""
        defines_events = any(
            isinstance(v, CommandMethodDecorator)
            or (isinstance(v, property) and isinstance(v.fset, CommandMethodDecorator))
            or (isinstance(v, type) and issubclass(v, CanMutateAggregate) and k != "Event")
            for k, v in vars(cls).items())
        if stored_as is None and defines_events and not retired:
            raise TypeError(f"{cls.__qualname__} defines events: give it a stable stored name, "
                            f"class {cls.__name__}(Aggregate, stored_as=\"<service>.{cls.__name__}\")")
        super().__init_subclass__(**kwargs)
        if stored_as is not None:
            _pin(cls, stored_as)
            for name, value in list(vars(cls).items()):
                if isinstance(value, type) and issubclass(value, CanMutateAggregate) \
                        and name != "Event":
                    _pin(value, f"{stored_as}.{name}")
        for old in formerly:
            register_topic(old, cls)
            _former_topics.setdefault(cls, []).append(old)


class Snapshot(DomainEvent, CanSnapshotAggregate):
    """An aggregate's state at a version, so that loading it reads only the events after it.

    Taken every `snapshotting_intervals[Class]` events (an application class setting). The state
    is what the aggregate says it is (`snapshot_state`, JSON) and is read back by its own
    `from_snapshot_state`: no aggregate is snapshotted without saying how."""

    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Any) -> Snapshot:
        return cls(originator_id=aggregate.id, originator_version=aggregate.version,
                   timestamp=cls.create_timestamp(), topic=stored_name(type(aggregate)),
                   state={"fields": aggregate.snapshot_state(),
                          "created_on": aggregate.created_on.isoformat(),
                          "modified_on": aggregate.modified_on.isoformat(),
                          "acted_by": dict(getattr(aggregate, "acted_by", {}))})

    def mutate(self, _: Any) -> Any:
        cls = resolve_topic(self.topic)
        aggregate = object.__new__(cls)
        vars(aggregate).update(cls.from_snapshot_state(self.state["fields"]))
        vars(aggregate).update(
            _id=self.originator_id, _version=self.originator_version, _pending_events=[],
            _created_on=datetime.fromisoformat(self.state["created_on"]),
            _modified_on=datetime.fromisoformat(self.state["modified_on"]),
            acted_by=dict(self.state.get("acted_by", {})))
        return aggregate


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


# eventsourcing asks the aggregate class first for its snapshot class.
Aggregate.Snapshot = Snapshot  # type: ignore[assignment,misc]
_pin(Snapshot, "shared.Snapshot")

"""Event-store wiring every service shares: pydantic events stored as JSON through orjson, SQLite or
PostgreSQL chosen by settings, one process recorder per service (its notification log is the outbox,
its tracking table holds the relay's and the consumers' positions), commands retried when they lose a
race, and idempotent commands.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from functools import cached_property
from typing import Any, ClassVar, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    Mapper,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from contracts.vocabulary import RegisteredDocumentRef
from shared.audit.guard import AuditGuard
from shared.audit.signing import AuditSigner
from shared.audit.tree import AuditLog
from shared.deadletters import DeadLetterIndex
from shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    DomainEvent,
    Snapshot,
    event,
    stored_name,
)
from shared.logging import get_logger
from shared.office import rights
from shared.office.directory import Directory
from shared.readmodels import ReadModels, quick_read_position
from shared.settings import ServiceSettings

log = get_logger(__name__)
# Tries at creating the store's tables when other services sharing the database create theirs.
STARTUP_ATTEMPTS = 5
AGGREGATES_CACHED = 10_000  # recently used aggregates kept in memory

R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)

# A command decides by loading aggregates and calling their methods; it returns what the caller
# should see and the aggregates whose new events must be saved together.
Decision = tuple[R, Sequence[Aggregate | None]]


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper):
    """Stores a pydantic event as its JSON dump under its stable name (`shared.domain`'s
    `stored_as`), and rebuilds it by validation after bringing an older version of its fields up
    to date (the event class's `upcast_v<n>_v<n+1>` steps, as eventsourcing's own mapper does)."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        data = domain_event.model_dump(mode="json")
        if "originator_topic" in data:  # the aggregate's class, by its stable name too
            data["originator_topic"] = stored_name(resolve_topic(data["originator_topic"]))
        version = type(domain_event).class_version
        if version > 1:
            data["class_version"] = version
        state = self.transcoder.encode(data)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=stored_name(type(domain_event)),
            state=state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = stored_event.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        return decode_stored(resolve_topic(stored_event.topic), state, self.transcoder)


def decode_stored(event_class: Any, state: bytes, transcoder: Transcoder) -> Any:
    """A stored event's JSON as today's class. One stored at today's first version (nearly
    all) pydantic reads from the JSON itself, a fifth faster than from the dict the transcoder
    makes (4.8 -> 3.7 µs for a document's event, 13.1 -> 10.8 for a case's; a rebuild decodes
    millions); any other is brought up to date from the dict (`decode_event`). The golden
    examples decode the same both ways."""
    if event_class.class_version == 1 and b'"class_version"' not in state:
        return event_class.model_validate_json(state)
    return decode_event(event_class, transcoder.decode(state))


def decode_event(event_class: Any, data: dict[str, Any]) -> Any:
    """A stored event's state as today's class: upcast from the version it was stored at."""
    version = data.pop("class_version", 1)
    while version < event_class.class_version:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(data)
        version += 1
    return event_class.model_validate(data)


class IdempotencyRecord(Aggregate, stored_as="shared.IdempotencyRecord"):
    """The answer given to one `Idempotency-Key`, saved in the same transaction as the command's
    events: a repeated request finds it and gets the same answer, and no second event is recorded."""

    @staticmethod
    def create_id(scope: str, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:idempotency:{scope}:{key}")

    @event("Recorded")
    def __init__(self, scope: str, key: str, fingerprint: str, result: Any) -> None:
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.result = result


class IdempotencyKeyReused(DomainError):
    status = 422

    def __init__(self) -> None:
        super().__init__(
            "idempotency-key-reused",
            "ใช้ Idempotency-Key ซ้ำกับคำขอที่ต่างกัน",
            "Idempotency-Key was already used for a different request",
        )


class StaleVersion(DomainError):
    """`If-Match` named a version that is no longer current."""

    status = 412

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            "stale-version",
            "ข้อมูลถูกแก้ไขไปแล้ว โปรดโหลดใหม่",
            "The resource has changed since it was read",
            f"If-Match expected version {expected}, current version is {actual}",
        )


class PreconditionRequired(DomainError):
    """A change to an existing record that does not say which version it read (no `If-Match`)."""

    status = 428

    def __init__(self, detail: str = "Send If-Match with the ETag of the version you read") -> None:
        super().__init__("precondition-required", "ต้องระบุเวอร์ชันของข้อมูลที่อ่าน (If-Match)",
                         "If-Match is required to change an existing record", detail)


class ConcurrentWriteConflict(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "concurrent-write",
            "มีผู้อื่นแก้ไขรายการนี้พร้อมกัน โปรดลองใหม่",
            "Concurrent writes kept conflicting; try again",
        )


def fingerprint_of(payload: Any) -> str:
    """A stable hash of a request body, to tell a true retry from a reused key."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ServiceApplication(Application):
    """Base of every service's application.

    Subclasses must set `name` explicitly: it names the tables and the tracking positions, so a
    class rename must never move the data.
    """

    snapshot_class = Snapshot  # the aggregates in `snapshotting_intervals` say how
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        # Keep recently used aggregates in memory; each get still reads any newer events from the
        # store first (fast-forward), so other processes' writes are seen (a quick read skips it
        # while nothing was committed: `_current`), and hands out a copy, so a command that
        # fails leaves the cached aggregate untouched.
        "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATES_CACHED),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "name" not in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} must pin `name` (it names the stored data)")
        super().__init_subclass__(**kwargs)

    def __init__(self, settings: ServiceSettings, env: dict[str, str] | None = None) -> None:
        self.settings = settings
        # eventsourcing copies a cached aggregate after releasing the lock that guards updating
        # it, so a concurrent fast-forward can change a dict mid-copy: loads of one aggregate go
        # one at a time. Loads of others (and their reads of the store) go on beside them: one
        # lock per aggregate being loaded, kept while a load holds it.
        self._loads_lock = threading.Lock()
        self._load_locks: weakref.WeakValueDictionary[Any, threading.Lock] = \
            weakref.WeakValueDictionary()
        # Commands of one process run one at a time: the store takes one writer at a time anyway
        # (SQLite), and commands racing for the same register would only fail and be retried.
        # Races with other processes are still caught by the store and retried.
        self._command_lock = threading.Lock()
        # The store's position each cached aggregate was last brought up to date at (`_current`).
        self._current_at: dict[UUID, int] = {}
        super().__init__(env={**settings.eventsourcing_env(), **(env or {})})
        # The service's persisted lists (`shared.readmodels`), declared by the subclass.
        self.read_models = ReadModels(self)
        # Every service parks what it cannot handle (`shared.deadletters`): the list of those not
        # replayed is one of its own, whatever opens the store (a service, a tool, a generator).
        self.dead_letters = DeadLetterIndex(self)
        # Every transaction that records events extends and signs the audit tree before it
        # commits (`shared.audit.tree`); while the guard holds a fault, nothing is written.
        # (Only the services' SQL stores take hooks: the library's in-memory store, which some
        # property tests use, has no audit trail.)
        self.audit_guard = AuditGuard()
        hooks = getattr(self.process_recorder, "hooks", None)
        self.audit = AuditLog(self.process_recorder, self.name,
                              AuditSigner.from_settings(settings), self.audit_guard,
                              previous_signer=AuditSigner.previous_from_settings(settings)) \
            if hooks is not None else None
        if self.audit is not None and hooks is not None:
            self.audit.setup()
            hooks.append(self.audit)

    def close(self) -> None:
        self.read_models.stop()
        super().close()

    # --- infrastructure -------------------------------------------------------------------------
    def construct_recorder(self) -> ProcessRecorder:
        # Services sharing one PostgreSQL database all create the library's insert function, under
        # one name and signature; two doing it at once make one fail (a unique violation on the
        # catalogue, or "tuple concurrently updated"). The other's is committed by then: try again.
        for attempt in range(1, STARTUP_ATTEMPTS):
            try:
                return self.factory.process_recorder()
            except (IntegrityError, InternalError) as error:
                log.warning("store setup raced another service, will retry", attempt=attempt,
                            error=repr(error))
                time.sleep(0.1 * attempt)
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def read_notifications(self, after: int, limit: int = 500) -> Sequence[Notification]:
        """The notification log after position `after`, in order (the recorder's own page size,
        not the application log's cap of 10)."""
        return self.process_recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )

    def max_notification_id(self) -> int:
        return self.process_recorder.max_notification_id() or 0

    def to_domain_event(self, notification: Notification) -> DomainEvent:
        return self.mapper.to_domain_event(notification)

    # --- who may act (shared.office.rights) --------------------------------------------------------
    @cached_property
    def directory(self) -> Directory:
        """The staff directory as this service knows it: learned from correspondence's events
        (correspondence, which keeps the directory, answers from its own)."""
        from shared.office.learning import LearnedDirectory  # it reads this application's store

        return LearnedDirectory(self)

    def registered_reference(self, document_id: UUID) -> RegisteredDocumentRef | None:
        """How a decision cites a document registered in correspondence; None if this service
        has not heard of it or it has no register number yet."""
        from shared.office.documents import RegisteredDocument

        known = self.get(RegisteredDocument, RegisteredDocument.create_id(document_id))
        return known.reference if known is not None else None

    def check_record(self, record: Aggregate) -> None:
        """The decision rights that depend on the record a command acts on (separation of duties,
        body decisions); `update` calls it, a command that loads its record itself must too."""
        rights.check_record(record, self.directory, self.registered_reference)

    def dead_letter_noticed(self, letter: Aggregate) -> Sequence[Aggregate | None]:
        """What this service records itself, in the same transaction, when its consumer parks a
        message or replays one (`shared.deadletters`): nothing by default; monitoring keeps its
        own dead letters' cases this way (it does not consume its own stream)."""
        return ()

    # --- commands -------------------------------------------------------------------------------
    def load(self, aggregate_id: UUID, version: int | None = None) -> Any:
        """The aggregate now (from the cache, fast-forwarded) or as it was at `version`."""
        if version is not None:
            return self.repository.get(aggregate_id, version=version)
        with self._loading(aggregate_id):
            return self._current(aggregate_id, copy=True)

    def get(self, aggregate_class: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate = self.load(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, aggregate_class):
            return None
        return aggregate

    def view(self, aggregate_class: type[A], aggregate_id: UUID,
             render: Callable[[A], R]) -> R | None:
        """What `render` makes of the aggregate now (None if there is none): for reads.

        `render` is given the cached aggregate itself, not a copy (copying a 60 KB action plan
        costs 3 ms, ten times the view made of it), and runs while no load of that aggregate can
        fast-forward it; saving never touches the cached one (it is only fast-forwarded). So
        `render` must not change what it is given.
        """
        with self._loading(aggregate_id):
            try:
                aggregate = self._current(aggregate_id, copy=False)
            except AggregateNotFoundError:
                return None
            if not isinstance(aggregate, aggregate_class):
                return None
            return render(aggregate)

    def _current(self, aggregate_id: UUID, *, copy: bool) -> Any:
        """The aggregate now, while its load lock is held. Fast-forwarding a cached aggregate
        asks the store for newer events: a round trip on PostgreSQL, for the acting officer of
        every read. In a quick read the store's position is known (`quick_read_position`); if
        the cached aggregate was last brought up to date at that same position, nothing has
        been committed since, and the cache is used as it is. (`Repository.cache` is the
        library's cache object; eventsourcing pinned below 9.6 in pyproject.toml.)"""
        cache = self.repository.cache
        try:
            cached = cache.get(aggregate_id) if cache is not None else None
        except KeyError:  # not cached: loaded from the store, the position not asked
            cached = None
        position = quick_read_position(self) if cached is not None else None
        if position is not None and self._current_at.get(aggregate_id) == position:
            return deepcopy(cached) if copy else cached
        aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        if position is not None:
            if len(self._current_at) >= AGGREGATES_CACHED:
                self._current_at.clear()
            self._current_at[aggregate_id] = position
        return aggregate

    @contextlib.contextmanager
    def _loading(self, aggregate_id: UUID) -> Iterator[None]:
        """Hold the lock of loading this aggregate (one at a time; others go on beside it)."""
        with self._loads_lock:
            lock = self._load_locks.get(aggregate_id)
            if lock is None:
                lock = self._load_locks[aggregate_id] = threading.Lock()
        with lock:
            yield

    def execute(
        self,
        decide: Callable[[], Decision[R]],
        *,
        idempotency: tuple[str, str, str] | None = None,
        tracking: Tracking | None = None,
    ) -> R:
        """Run a command: decide, then save every changed aggregate in one transaction.

        A command that loses a race on an aggregate (integrity error) is decided again from fresh
        state, a bounded number of times, then answered with 409. With `idempotency` =
        (scope, key, fingerprint) the answer is saved with the events and a repeat returns it.
        With `tracking` the events commit together with the consumer's position.
        """
        with self._command_lock:
            return self._execute(decide, idempotency, tracking)

    def update(
        self,
        load: Callable[[], A],
        act: Callable[[A], Sequence[Aggregate | None] | None],
        view: Callable[[A], R],
        *,
        expected_version: int | None,
        idempotency: tuple[str, str, str] | None,
    ) -> R:
        """A command on one existing aggregate, the common case of `execute`: load it, enforce
        `If-Match`, act on it, save it with whatever else `act` returns, answer its view."""

        def decide() -> Decision[R]:
            aggregate = load()
            check_version(aggregate, expected_version)
            self.check_record(aggregate)
            others = act(aggregate) or ()
            return view(aggregate), [aggregate, *others]

        return self.execute(decide, idempotency=idempotency)

    def _execute(
        self,
        decide: Callable[[], Decision[R]],
        idempotency: tuple[str, str, str] | None,
        tracking: Tracking | None,
    ) -> R:
        # A service whose history does not match its signed audit trail records nothing more.
        self.audit_guard.check_writable()
        attempts = max(1, self.settings.command_retries)
        for _ in range(attempts):
            if idempotency is not None:
                scope, key, fingerprint = idempotency
                previous = self.get(IdempotencyRecord, IdempotencyRecord.create_id(scope, key))
                if previous is not None:
                    if previous.fingerprint != fingerprint:
                        raise IdempotencyKeyReused
                    return previous.result
            rights.check_actor(self.directory)
            result, changed = decide()
            rights.require_checked()
            if idempotency is not None:
                result = _jsonable(result)
            to_save: list[Aggregate] = [a for a in changed if a is not None]
            if idempotency is not None:
                scope, key, fingerprint = idempotency
                to_save.append(IdempotencyRecord(scope, key, fingerprint, result))
            try:
                self._save_with_tracking(to_save, tracking)
            except IntegrityError:
                if tracking is not None and self.process_recorder.has_tracking_id(
                    tracking.application_name, tracking.notification_id
                ):
                    return result  # another delivery of the same message got there first
                continue
            return result
        raise ConcurrentWriteConflict

    def _save_with_tracking(self, aggregates: Sequence[Aggregate], tracking: Tracking | None) -> None:
        if tracking is None:
            _log_recorded(self.save(*aggregates))
            return
        # The events and the consumer's position commit in one transaction (the process
        # recorder's insert; with no event, the position alone). `save` cannot pass a position.
        processing: ProcessingEvent[UUID] = ProcessingEvent(tracking)
        processing.collect_events(*aggregates)
        _log_recorded(self.events.put(processing.events, tracking=tracking))
        for recorded in processing.events:  # snapshots as `save` takes them
            aggregate = processing.aggregates[recorded.originator_id]
            interval = self.snapshotting_intervals.get(type(aggregate))
            version = recorded.originator_version
            if self.snapshots is not None and interval and version % interval == 0:
                self.take_snapshot(recorded.originator_id, version=version)


def _log_recorded(recordings: Sequence[Any]) -> None:
    for recording in recordings:
        event = recording.domain_event
        log.debug("event recorded", aggregate_id=str(event.originator_id),
                 event_type=type(event).__qualname__, version=event.originator_version,
                 position=recording.notification.id)


def _jsonable(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    # Keys as JSON has them: a view's dict keyed by an enum (a school level) or a UUID too.
    return orjson.loads(orjson.dumps(result, default=str, option=orjson.OPT_NON_STR_KEYS))


def check_version(aggregate: Aggregate, expected: int | None, *, required: bool = False) -> None:
    """Enforce `If-Match`: the caller changes only the version it read (`required`: and must say
    which, for a route that may also create the record)."""
    if expected is None:
        if required:
            raise PreconditionRequired()
        return
    if aggregate.version != expected:
        raise StaleVersion(expected, aggregate.version)

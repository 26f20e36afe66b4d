"""Read models that persist: tables in the service's own database, kept up to date from its event
log, each with its tracking position updated in the same transaction as its rows. The one home for
read models, in every service and the portal (nothing keeps a list in memory).

A service declares what it lists (`ReadModels.listing`): the aggregates it is about, the columns a
list is filtered and sorted by, and `row(aggregate)` (the columns and the `view` a list answers;
None removes the row). A listing `many=True` keeps several rows per aggregate (`row` returns a
list, e.g. one per period of a record's history, so that "as it stood on a day" is an indexed
query too); they are replaced together whenever the aggregate changes. A listing whose
aggregates' every event carries all its row is made of (`each_event_carries`, e.g. a monitoring
case's state) is given the latest event instead: nothing is folded for it, and of the events read
together only each aggregate's last is decoded.

One runner per service follows the log with the event store's subscription
(eventsourcing's `recorder.subscribe`, in a thread), decodes each event once, folds it into the
aggregate as it stood (recent aggregates kept, older ones loaded at that version), and at the end
of each batch writes the rows of the aggregates the batch touched, and every listing's position,
in one transaction (the library's `TrackingRecorder`, extended as its own examples extend it).
A restart resumes from the positions; nothing is rebuilt.

A listing may keep tallies: for some of its columns, how many rows have each combination of
their values, in a table of its own brought up to date with the rows (in the same transaction).
A count or grouped count whose columns a tally holds reads the tally (as many rows as there are
combinations), any other reads the rows; both give the same answer.

A query first waits until the listings have caught up with what was committed when it was asked
(so a list read right after a write shows it), then reads an indexed table: a page of rows in sort
order after a cursor, and the count of rows that match (in the page's own query).
`python -m shared.readmodels` rebuilds one listing from scratch (a new listing is built the same
way, at start), reading the log in long pages, their rows written in long transactions with the
listing's position; the table is indexed and counted once at the end (PostgreSQL is sent a
rebuild's new rows by COPY). A row's view is kept compressed (`RowsView.encode_view`). With
`--workers N` (default: one per core) N processes fold a share of the aggregates each (the
database picks a share's events by the aggregate's id; PostgreSQL returns them through one cursor
kept on the server) and send their rows to the one process that writes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import multiprocessing
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple
from uuid import UUID

import orjson
import zstandard
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.rows import tuple_row

from shared.domain import Aggregate, DeclaredError, stored_topics
from shared.follow import StatesAfter
from shared.http.paging import InvalidCursor, PageRequest, encode_cursor
from shared.logging import get_logger

log = get_logger(__name__)

COLUMN_TYPES = {"text": ("TEXT", "TEXT"), "int": ("INTEGER", "BIGINT"),
                "real": ("REAL", "DOUBLE PRECISION"), "bool": ("INTEGER", "BOOLEAN")}
OPERATORS = {"": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
OWNER = "owner"  # the aggregate a row of a `many` listing belongs to
BATCH = 500  # notifications per transaction while catching up
# Notifications a page while rebuilding a listing from scratch: a long page read at once, each
# aggregate's row made once per page (most of an aggregate's events fall in one); in one process,
# a commit per page. Bounded by memory: the page's stored events and the states it folds.
REBUILD_BATCH = 20_000
# Rows per transaction of a rebuild in shares (the shares' pages gathered): each commit writes
# again every page of the table's key index it touched, and at ten years one page's rows touch
# most of them (random ids); a commit per page wrote that index a hundred times over.
REBUILD_ROWS_PER_COMMIT = 20_000
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # how a zstd frame begins (JSON never does)
STATES_KEPT = 5000  # aggregates kept folded between batches
WAIT_SECONDS = 10.0
PAGE_TOTAL = "page_total_"  # the column a page's rows carry their selection's count in


# Set while a quick read runs on the event loop (`shared.http.reads.quick_read`): there it must
# not wait for the runner, it gives way to the thread pool instead; and the read asks the store
# for its position once, and once the read models have been found caught up, does not ask again
# (a dashboard queries a dozen times: what was committed before the read began is what it shows).
@dataclass
class _QuickRead:
    positions: dict[int, int] = field(default_factory=dict)  # id(application) -> its store's
    caught_up: set[int] = field(default_factory=set)  # id(ReadModels) found caught up


_QUICK_READ: ContextVar[_QuickRead | None] = ContextVar("read_models_quick_read", default=None)


class WouldWait(Exception):  # noqa: N818 - not an error: the read goes to the thread pool
    """The listings are behind what was committed, and this read may not wait here."""


@contextlib.contextmanager
def without_waiting() -> Iterator[None]:
    """Reads inside may not wait for the listings to catch up (`caught_up` raises `WouldWait`
    instead: what a read on the event loop needs, so one read cannot stall every other), and
    check the store's position once."""
    token = _QUICK_READ.set(_QuickRead())
    try:
        yield
    finally:
        _QUICK_READ.reset(token)


def quick_read_position(app: Any) -> int | None:
    """In a quick read, the position of `app`'s store when the read first asked (asked now if
    it has not yet); None in any other read or command, which asks the store each time."""
    quick = _QUICK_READ.get()
    if quick is None:
        return None
    position = quick.positions.get(id(app))
    if position is None:
        position = quick.positions[id(app)] = app.max_notification_id()
    return position


class ReadModelBehind(DeclaredError):
    """The read models have not caught up (the service is starting or rebuilding one)."""

    status = 503
    code = "read-model-catching-up"
    title_th = "ระบบกำลังปรับปรุงข้อมูลสำหรับแสดงผล โปรดลองใหม่อีกครั้ง"
    title_en = "The lists are catching up with the records; try again shortly"


@dataclass
class Listing:
    """One persisted list: table `rm_<name>`, one row per aggregate."""

    name: str
    of: tuple[type[Aggregate], ...]
    columns: dict[str, str]  # column → "text" | "int" | "real" | "bool"
    row: Callable[[Any], Any]  # columns + "view"; None: not listed (`many`: a list of rows)
    indexes: tuple[tuple[str, ...], ...] = ()
    version: int = 1  # a new version is rebuilt from scratch at start
    models: ReadModels | None = field(default=None, repr=False)
    many: bool = False  # `row` returns a list: rows "<aggregate id>/<n>", owned by the aggregate
    # Counts kept as the rows change: for each tally (some of the columns), how many rows have
    # each combination of their values, in a table of its own updated in the same transaction as
    # the rows. `count` and `counts` read the smallest tally that holds every column they group
    # and filter by, so a dashboard's figures cost the number of combinations, not of rows.
    tallies: tuple[tuple[str, ...], ...] = ()
    # Event-carried state: every event of the listed aggregates carries, in this field, all that
    # the row is made of (e.g. a monitoring case's "state"). `row` is then given the aggregate's
    # latest event, not the aggregate: nothing is folded, and of the events read together only
    # each aggregate's last is decoded (a rebuild decodes one event in eight, not every one).
    each_event_carries: str | None = None

    def __post_init__(self) -> None:
        unknown = {t for t in self.columns.values()} - set(COLUMN_TYPES)
        if unknown or {"id", "view", OWNER} & set(self.columns):
            raise ValueError(f"listing {self.name}: bad columns {self.columns}")
        if any(not tally or set(tally) - set(self.columns) for tally in self.tallies) or (
                self.tallies and self.many):
            raise ValueError(f"listing {self.name}: bad tallies {self.tallies}")
        self.topics = frozenset(topic for cls in self.of for topic in stored_topics(cls))

    @property
    def table(self) -> str:
        return f"rm_{self.name}"

    @property
    def tracking_name(self) -> str:
        return f"readmodel:{self.name}:v{self.version}"

    def wants(self, topic: str) -> bool:
        return topic.rsplit(".", 1)[0] in self.topics

    # --- queries --------------------------------------------------------------------------------
    def _models(self) -> ReadModels:
        assert self.models is not None, "listing not added to the service's read models"
        self.models.caught_up()
        return self.models

    def get(self, row_id: Any) -> dict[str, Any] | None:
        found = self._models().view.select(self, {"id": _value(row_id)}, (), False, None, 1)
        return found[0]["view"] if found else None

    def select(self, where: dict[str, Any] | None = None, *, order_by: Sequence[str] = (),
               descending: bool = False, after: Sequence[Any] | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        """Rows (columns and `view`) matching `where` ({"step": "x", "due__lt": "2026-12-01",
        "holder__in": [...], "title__contains": "แผน"}), sorted by `order_by` then id."""
        return self._models().view.select(self, where or {}, tuple(order_by), descending, after,
                                          limit)

    def views(self, where: dict[str, Any] | None = None, **options: Any) -> list[Any]:
        return [row["view"] for row in self.select(where, **options)]

    def select_counted(self, where: dict[str, Any] | None = None, *,
                       order_by: Sequence[str] = (), descending: bool = False,
                       after: Sequence[Any] | None = None, limit: int,
                       total_of: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], int]:
        """`select`, and how many rows match `total_of` (by default `where`), in one query."""
        where = where or {}
        return self._models().view.select_counted(
            self, where, tuple(order_by), descending, after, limit,
            where if total_of is None else total_of)

    def count(self, where: dict[str, Any] | None = None) -> int:
        return self._models().view.count(self, where or {})

    def counts(self, by: Sequence[str], where: dict[str, Any] | None = None, *,
               labels: Sequence[str] = ()) -> list[dict[str, Any]]:
        """How many rows match `where` for each value of the `by` columns, in their order (a
        dashboard's figures per service and step): `{<by>..., <label>..., "count": n}`, each
        `labels` column the greatest of its group (e.g. the Thai name of a step)."""
        return self._models().view.counts(self, tuple(by), tuple(labels), where or {})

    def counts_each(self, by: Sequence[str], where: dict[str, Any],
                    each: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """How many of the rows that match `where` match each of the `each` conditions, for
        each value of the `by` columns (of those rows): `{<by>..., <name>: n...}`. One read of
        the rows `where` selects (so it bounds them: the conditions only count), where a query
        for each condition would ask the database as many times (the dashboard's ages: of the
        cases that waited at most 90 days, those that waited at most 7, 30 and 90)."""
        return self._models().view.counts_each(self, tuple(by), where, each)

    def stream(self, where: dict[str, Any] | None = None, *, order_by: Sequence[str] = (),
               descending: bool = False, batch: int = BATCH) -> Iterator[dict[str, Any]]:
        """Every row of the selection, a batch at a time after the last row given (keyset): what
        an export writes out while it reads, whatever the selection's size."""
        keys = (*order_by, "id")
        after: list[Any] | None = None
        while True:
            rows = self.select(where, order_by=order_by, descending=descending, after=after,
                               limit=batch)
            yield from rows
            if len(rows) < batch:
                return
            after = [rows[-1][k] for k in keys]

    def page(self, paging: PageRequest, where: dict[str, Any] | None = None, *,
             order_by: Sequence[str] = (), descending: bool = False,
             view: Callable[[Any], Any] = lambda v: v) -> dict[str, Any]:
        """One page for a list endpoint: `limit` rows after the cursor, the next cursor, the
        total that match."""
        keys = (*order_by, "id")
        rows, total = self.select_counted(where, order_by=order_by, descending=descending,
                                          after=paging.after, limit=paging.limit + 1)
        more = len(rows) > paging.limit
        rows = rows[:paging.limit]
        cursor = encode_cursor([rows[-1][k] for k in keys]) if more and rows else None
        return paging.answer([view(r["view"]) for r in rows], cursor, total)


_STORED_AS_IS = frozenset({str, int, float, bool})


def sortable_moment(value: datetime) -> str:
    """A moment as a listing's column keeps it: fixed width and in UTC, so that text order is
    time order (a plain isoformat drops zero microseconds and keeps whatever offset the moment
    came with)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _value(value: Any) -> Any:
    """A column value as stored: text for ids, dates, times, money and enums."""
    if value is None or type(value) in _STORED_AS_IS:  # most columns: asked first (a rebuild
        return value  # makes every row of every aggregate)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return sortable_moment(value)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


class ReadModels:
    """Every listing of one service, and the runner that keeps them current."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.listings: dict[str, Listing] = {}
        self._view: RowsView | None = None
        self._thread: threading.Thread | None = None
        self._subscription: Any = None
        self._stopping = threading.Event()
        self._advanced = threading.Condition()
        self._positions: dict[str, int] = {}
        self._states = StatesAfter(self.app, STATES_KEPT)
        self._filling: set[str] = set()  # listings being rebuilt: tallied and indexed at the end
        # The aggregates with rows in the listing being rebuilt (its table emptied first): the
        # others' rows are only added.
        self._written: set[Any] = set()
        self._lock = threading.Lock()
        self.error: str | None = None

    def listing(self, name: str, *, of: tuple[type[Aggregate], ...], columns: dict[str, str],
                row: Callable[[Any], Any], indexes: tuple[tuple[str, ...], ...] = (),
                version: int = 1, many: bool = False, tallies: tuple[tuple[str, ...], ...] = (),
                each_event_carries: str | None = None) -> Listing:
        listing = Listing(name, of, columns, row, indexes, version, models=self, many=many,
                          tallies=tallies, each_event_carries=each_event_carries)
        if name in self.listings:
            raise ValueError(f"two listings named {name}")
        running = self._thread is not None
        if running:  # declared after the start (e.g. on first use): follow again from the least
            self.stop()
        self.listings[name] = listing
        if running:
            self.start()
        return listing

    @property
    def view(self) -> RowsView:
        if self._view is None:
            self._view = RowsView.for_app(self.app)
        return self._view

    # --- the runner ---------------------------------------------------------------------------
    def start(self) -> None:
        """Create the tables and follow the log (idempotent; queries start it if no one did)."""
        with self._lock:
            if self._thread is not None or not self.listings:
                return
            for listing in self.listings.values():
                self.view.create(listing)
            self._positions = {name: self.view.position(listing)
                               for name, listing in self.listings.items()}
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name=f"read-models-{self.app.name}")
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.stop()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(10)

    @property
    def position(self) -> int:
        """Where every listing has got to (the least of them)."""
        return min(self._positions.values(), default=0)

    def is_caught_up(self) -> bool:
        return self.position >= self.app.max_notification_id()

    def caught_up(self, timeout: float = WAIT_SECONDS) -> None:
        """Wait until the listings reflect everything committed before this call."""
        if not self.listings:
            return
        self.start()
        if getattr(self.app, "audit_guard", None) is not None and self.app.audit_guard.fault:
            # The store does not match its audit trail: what is beyond the lists may be forged
            # (a row inserted by hand is never announced to a waiting subscriber). Reads answer
            # what the lists hold, with the warning the service adds to every answer.
            return
        quick = _QUICK_READ.get()
        if quick is not None and id(self) in quick.caught_up:
            return  # this read has found them caught up already
        target = quick_read_position(self.app) if quick is not None else \
            self.app.max_notification_id()
        if self.position >= target:
            if quick is not None:
                quick.caught_up.add(id(self))
            return
        if quick is not None:
            raise WouldWait(f"at {self.position} of {target}")
        deadline = time.monotonic() + timeout
        with self._advanced:
            while self.position < target:
                left = deadline - time.monotonic()
                if left <= 0 or self.error is not None:
                    raise ReadModelBehind(f"at {self.position} of {target}"
                                          + (f": {self.error}" if self.error else ""),
                                          position=self.position, target=target)
                self._advanced.wait(min(left, 0.5))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._follow()
                return
            except Exception as error:  # noqa: BLE001 - reported by /ready, retried
                if self._stopping.is_set():
                    return  # the store is closing under the subscription: expected
                if self.error is None:
                    log.warning("read models stopped, will retry", error=repr(error))
                self.error = repr(error)
                self._stopping.wait(2.0)

    def _follow(self) -> None:
        start = self.position
        with self.app.recorder.subscribe(gt=start) as subscription:
            self._subscription = subscription
            # `stop` may have come while this thread was subscribing, found no subscription to
            # stop, and be waiting for this thread: it would wait in vain (10 s) for the next
            # commit. Asked after the subscription is there, one of the two stops it.
            if self._stopping.is_set():
                return
            batch: list[Notification] = []
            for notification in subscription:
                batch.append(notification)
                if len(batch) >= BATCH or not _more_waiting(subscription):
                    self._apply(batch)
                    batch = []
                if self._stopping.is_set():
                    return

    def _apply(self, notifications: Sequence[Notification]) -> None:
        last = notifications[-1].id
        # Only the listings behind the batch's end read it (a rebuild: the one rebuilt).
        behind = [listing for listing in self.listings.values()
                  if self._positions[listing.name] < last]
        writes = self._rows_after(notifications, behind)
        advanced = {name: last for name, position in self._positions.items() if position < last}
        self.view.write(self.listings, writes, advanced, filling=self._filling,
                        new=self._first_rows(writes))
        with self._advanced:
            self._positions.update(advanced)
            self.error = None
            self._advanced.notify_all()

    def _rows_after(self, notifications: Sequence[Notification | LoggedEvent],
                    behind: list[Listing]) -> dict[str, list[tuple[Any, Any]]]:
        """Each listing's rows of the aggregates `notifications` touched, as they stood after
        them. An event none of the listings wants is skipped by its topic, before it is
        decoded; one a listing of `each_event_carries` wants is decoded only if it is its
        aggregate's last."""
        # By the aggregate id's number (a UUID hashes in Python): its id and state.
        touched: dict[str, dict[int, tuple[UUID, Any]]] = {listing.name: {} for listing in behind}
        # Listings of event-carried state: each aggregate's last notification (by id as read).
        latest: dict[str, dict[Any, Notification | LoggedEvent]] = {
            listing.name: {} for listing in behind if listing.each_event_carries}
        wanted_by: dict[str, list[Listing]] = {}
        # Beyond every position, each listing that wants an event takes it.
        furthest = max((self._positions[listing.name] for listing in behind), default=0)
        for notification in notifications:
            topic = notification.topic
            wanting = wanted_by.get(topic)
            if wanting is None:
                wanting = wanted_by[topic] = [listing for listing in behind
                                              if listing.wants(topic)]
            if wanting and notification.id <= furthest:
                wanting = [listing for listing in wanting
                           if notification.id > self._positions[listing.name]]
            folded = None
            for listing in wanting:
                if listing.each_event_carries:
                    latest[listing.name][notification.originator_id] = notification
                    continue
                if folded is None:
                    folded = self._states.after(self.app.to_domain_event(notification))
                touched[listing.name][folded.id.int] = (folded.id, folded)
        decoded: dict[int, Any] = {}  # one notification may be the last for several listings
        for name, last in latest.items():
            carried = self.listings[name].each_event_carries
            for notification in last.values():
                event = decoded.get(notification.id)
                if event is None:
                    event = decoded[notification.id] = self.app.to_domain_event(notification)
                if not hasattr(event, carried):  # its row would be made from too little
                    raise TypeError(f"listing {name}: {type(event).__qualname__} carries no "
                                    f"{carried}")
                touched[name][event.originator_id.int] = (event.originator_id, event)
        return {name: [(_value(aggregate_id), self._row(self.listings[name], state))
                       for aggregate_id, state in states.values()]
                for name, states in touched.items()}

    def _row(self, listing: Listing, state: Any) -> Any:
        """What the listing keeps of `state` (the aggregate, or its latest event for a listing
        of `each_event_carries`): a row or None; for a `many` listing, a list."""
        found = listing.row(state)
        if listing.many:
            return [self._stored(listing, row) for row in found or ()]
        return None if found is None else self._stored(listing, found)

    def _stored(self, listing: Listing, row: dict[str, Any]) -> dict[str, Any]:
        stored = {column: _value(row.get(column)) for column in listing.columns}
        # As stored: made where the row is made (in a rebuild, by the share's process).
        stored["view"] = self.view.encode_view(_json(row["view"]))
        return stored

    # --- operations ---------------------------------------------------------------------------
    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None, *,
                workers: int = 1, opener: Callable[[], Any] | None = None) -> int:
        """Empty one listing and build it again from the whole log (the others are left as they
        are); returns the position reached. With `workers` > 1 and `opener` (a picklable
        callable that opens this service's application in a new process), as many processes
        fold a share of the aggregates each, and this one writes what they send."""
        listing = self.listings[name]
        self.stop()
        target = self.app.max_notification_id()
        with contextlib.ExitStack() as stack:
            shares = None
            if workers > 1 and opener is not None and target > 0:
                # Started first: they open the application and fold their first pages while
                # the old rows are removed here (the read of a whole table, seconds at ten years).
                shares = stack.enter_context(_Shares(listing.name, target, workers, opener))
            self.view.create(listing)
            # Filled without its indexes and tallies, which are made once at the end from the
            # rows (also when the rebuild stops halfway: what is there is indexed and counted).
            self.view.drop_indexes(listing)
            self.view.reset(listing)
            self._positions = {n: self.view.position(item) for n, item in self.listings.items()}
            self._filling = {name}
            self._written = set()
            try:
                if shares is not None:
                    return self._write_shares(listing, target, shares, progress)
                position = self._positions[name]
                with _collected_once_a_page():
                    while position < target:
                        notifications = self.app.read_notifications(position, REBUILD_BATCH)
                        if not notifications:
                            break
                        self._apply(notifications)
                        position = notifications[-1].id
                        if progress is not None:
                            progress(position, target)
                return position
            finally:
                self._filling = set()
                self._written = set()
                self.view.create(listing, filling=True)
                self.view.settle(listing)

    def _write_shares(self, listing: Listing, target: int, shares: _Shares,
                      progress: Callable[[int, int], None] | None) -> int:
        """The rows the shares' processes send, written here (so the tallies are counted in one
        place), gathered into transactions of `REBUILD_ROWS_PER_COMMIT` rows; the listing's
        position is the least page end every share has reached (a rebuild stopped halfway resumes
        from there: a row written twice is the same row)."""
        reached = dict.fromkeys(range(shares.workers), 0)
        position = 0
        rows: dict[Any, Any] = {}  # by aggregate: a later page's row replaces an earlier one's
        while position < target:
            part, end, page = shares.next_page(reached)
            reached[part] = end
            rows.update(page)
            least = min(reached.values())
            if least < target and len(rows) < REBUILD_ROWS_PER_COMMIT:
                continue
            advanced = {listing.name: least} if least > position else {}
            writes = {listing.name: list(rows.items())}
            self.view.write(self.listings, writes, advanced, filling=self._filling,
                            new=self._first_rows(writes))
            rows = {}
            if advanced:
                position = least
                self._positions[listing.name] = least
                if progress is not None:
                    progress(least, target)
        return position

    def _first_rows(self, writes: dict[str, list[tuple[Any, Any]]]) -> dict[str, set[Any]]:
        """Of the aggregates written to the listing being rebuilt, those written for the first
        time since its table was emptied (then counted as written)."""
        new: dict[str, set[Any]] = {}
        for name in self._filling & writes.keys():
            new[name] = {row_id for row_id, _ in writes[name]} - self._written
            self._written |= new[name]
        return new

    def status(self) -> dict[str, Any]:
        latest = self.app.max_notification_id()
        return {"position": self.position, "store_position": latest,
                "caught_up": self.position >= latest, "error": self.error,
                "listings": {name: self._positions.get(name, 0) for name in self.listings}}


class _Shares:
    """The processes of a rebuild in shares: the folding (decoding, `mutate`, `row`: nearly all
    of a rebuild's time) spread over `workers` processes, each taking the aggregates of its
    share of ids through the whole log (an aggregate's events stay in one process, in order),
    sending their rows a page at a time."""

    def __init__(self, name: str, target: int, workers: int, opener: Callable[[], Any]) -> None:
        self.name, self.target, self.workers = name, target, workers
        # Spawned: a fresh interpreter, with no database connections or threads inherited.
        context = multiprocessing.get_context("spawn")
        # Each share may run two pages ahead of what is written (its queue's feeder thread
        # sends while it folds on): the writing and the folding overlap.
        self.pages = context.Queue(maxsize=2 * workers)
        self.processes = [context.Process(
            target=_rebuild_share, name=f"rebuild-{name}-{part}",
            args=(opener, name, (part, workers), target, REBUILD_BATCH, self.pages),
            daemon=True) for part in range(workers)]

    def __enter__(self) -> _Shares:
        for process in self.processes:
            process.start()
        return self

    def next_page(self, reached: dict[int, int]) -> tuple[int, int, list[tuple[Any, Any]]]:
        """The next page a share sent: (share, page end, rows). A share's failure stops the
        rebuild with its traceback; a process that ended before its share did (`reached` is
        where each share is) is found within a second."""
        while True:
            try:
                part, end, rows = self.pages.get(timeout=1.0)
            except queue.Empty:
                if any(not process.is_alive() and reached[n] < self.target
                       for n, process in enumerate(self.processes)):
                    raise RuntimeError(f"rebuilding {self.name}: a share's process ended "
                                       "before it finished") from None
                continue
            if isinstance(rows, str):
                raise RuntimeError(f"rebuilding {self.name}: {rows}")
            return part, end, rows

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
        self.pages.close()


@contextlib.contextmanager
def _collected_once_a_page() -> Iterator[None]:
    """A page's events, states and rows all stay alive until it is written: the cyclic
    collector, run every few hundred allocations, would walk them again and again (a fifth of a
    rebuild's time). Frozen, it leaves them alone (it runs once a page instead, on what the
    page left)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _rebuild_share(opener: Callable[[], Any], name: str, part: tuple[int, int], target: int,
                   batch: int, pages: Any) -> None:
    """One process of a rebuild in shares: the listing's rows of the aggregates of share `part`,
    folded through the log up to `target`, sent a page at a time as (share, page end, rows); a
    failure is sent as its text instead of rows."""
    app = None
    try:
        app = opener()
        models: ReadModels = app.read_models
        models.stop()  # this process only folds; the writing one keeps the tables
        listing = models.listings[name]
        models._positions = {name: 0}
        with _collected_once_a_page():
            for notifications, position in models.view.share_of_log(listing, 0, target, part,
                                                                     batch):
                rows = models._rows_after(notifications, [listing])[name]
                pages.put((part[0], position, rows))
    except Exception:  # noqa: BLE001 - reported to the writing process, which stops the rebuild
        pages.put((part[0], 0, traceback.format_exc()))
    finally:
        pages.close()
        pages.join_thread()  # what was put is sent before the process ends
        if app is not None:
            app.close()


def _more_waiting(subscription: Any) -> bool:
    """Does the subscription already hold more notifications (so the batch can grow)?"""
    # eventsourcing 9.5's ListenNotifySubscription keeps the current page in `_notifications`
    # (pinned <9.6): a batch ends where the page ends, instead of waiting for the next commit.
    return getattr(subscription, "_notifications_index", 0) < len(
        getattr(subscription, "_notifications", ()))


class LoggedEvent(NamedTuple):
    """A notification as a share of a rebuild reads it, as the database returns it (making the
    library's frozen `Notification` would cost a third of the read): what `to_domain_event`
    and `_rows_after` read of one (the aggregate's id as stored: the event's state names it)."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


# --- the tables -----------------------------------------------------------------------------------
class RowsView:
    """The listings' tables and positions in the service's database (SQLite or PostgreSQL)."""

    dialect = "sqlite"
    view_type = "TEXT"

    @staticmethod
    def for_app(app: Any) -> RowsView:
        recorder = app.process_recorder
        if isinstance(recorder, PostgresTrackingRecorder):
            return PostgresRowsView(recorder)
        return SQLiteRowsView(recorder)

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore

    # dialect specifics
    def placeholder(self, name: str) -> str:
        return f":{name}"

    def local(self, table: str) -> str:
        """The table's name in this service's database."""
        return table

    def qualified(self, table: str) -> str:
        return self.local(table)

    def like(self) -> str:
        return "LIKE"

    def encode_view(self, view: str) -> bytes:
        """A row's view as its table keeps it: compressed (zstd), or its JSON where compressing
        does not make it shorter. A document's view is 1.7 KB of JSON, Thai text in UTF-8;
        compressed, about half that:
        - SQLite (which keeps the bytes as they are in the TEXT column): with its other columns
          a row filled more than half a 4 KiB page, so each took a page of its own; now two rows
          share one, and the table and what a rebuild writes are about halved (at three years
          353 -> 176 MiB and 870 -> 500 MiB).
        - PostgreSQL (a BYTEA column): it compressed each long view itself (pglz), in the one
          server process that writes, for every row of a rebuild; compressed here, that is done
          by the processes that fold, at 8 µs a row (and 4 to decompress).
        (benchmarks/README.md, 7 and 8 December 2026.)"""
        text = view.encode()
        packed = _zstd.compressor.compress(text)
        return packed if len(packed) < len(text) else text

    def decode_view(self, value: Any) -> Any:
        # JSON as text or bytes: a row written before views were compressed, or a short one.
        if isinstance(value, bytes) and value.startswith(ZSTD_MAGIC):
            value = _zstd.decompressor.decompress(value)
        return orjson.loads(value)

    def migrate_view_column(self, cursor: Any, listing: Listing) -> None:
        """A table made before views were compressed, brought to today's column (SQLite's keeps
        any value as it is)."""

    def tracking_table(self) -> str:
        return "tracking"

    def events_table(self) -> tuple[str, str]:
        """The event store's table and its column of notification ids."""
        return self.recorder.events_table_name, "rowid"

    def insert_tracking(self, cursor: Any, tracking: Tracking) -> None:
        self.recorder._insert_tracking(cursor, tracking)

    @contextlib.contextmanager
    def writing(self, *, filling: bool) -> Iterator[Any]:
        """A transaction that writes rows. The connection that empties, fills and indexes a
        whole table (a rebuild's) is set up for it first, outside the transaction (where SQLite
        allows it); the rebuild's process ends with the rebuild:
        - Its rows' ids go to random places of the table's key index: with SQLite's default
          2 MiB of pages per connection most of them are read from the file again. It keeps up
          to 256 MiB.
        - It waits for the disk at checkpoints, not at every commit (`synchronous = NORMAL`:
          in WAL mode a crash may lose the last pages written, never the store's consistency;
          the rebuild resumes from its position).
        - It does not overwrite what it deletes with zeros (`secure_delete`, on in Debian's
          SQLite): emptying the table first would write every page of the old rows again
          (1.2 GiB, 7 s at ten years), to erase rows the log holds and the rebuild makes again.
        (Measured in benchmarks/README.md, 7 December 2026.)"""
        with self.datastore.get_connection(commit=True) as connection:
            if filling:
                with connection.cursor() as settings:
                    settings.execute("PRAGMA cache_size = -262144")
                    settings.execute("PRAGMA synchronous = NORMAL")
                    settings.execute("PRAGMA secure_delete = OFF")
            with connection.transaction(commit=True) as cursor:
                yield cursor

    def reading(self) -> contextlib.AbstractContextManager[Any]:
        """A cursor for one query of the lists (a page, a count, a grouped count)."""
        return self.datastore.transaction(commit=False)

    def share_of_log(self, listing: Listing, after: int, upto: int, part: tuple[int, int],
                     limit: int) -> Iterator[tuple[list[LoggedEvent], int]]:
        """The notifications after `after` and up to `upto` of the listing's aggregates in share
        `part` (k, n): those whose id's last character's code is k modulo n (the database picks
        them, so each share's process reads only its own), in pages of at most `limit`, each
        with the position it reaches (`upto` with the last page). Read a page at a time, each
        from where the last ended (SQLite finds it in the log's key at once)."""
        query, params = self._share_query(listing, upto, part)
        while after < upto:
            with self.datastore.transaction(commit=False) as cursor:
                # Rows as plain tuples: read into rows by name, they cost as much as the read.
                cursor.row_factory = None
                cursor.execute(f"{query} LIMIT {self.placeholder('limit')}",
                               {**params, "after": after, "limit": limit})
                found = list(map(LoggedEvent._make, cursor.fetchall()))
            after = found[-1].id if len(found) == limit else upto
            yield found, after

    def _share_query(self, listing: Listing, upto: int,
                     part: tuple[int, int]) -> tuple[str, dict[str, Any]]:
        """The query of a share's notifications after a placeholder `after`, in their order."""
        table, column = self.events_table()
        p = self.placeholder
        # The id as text in both databases (PostgreSQL keeps a uuid, SQLite its text).
        in_share = (f"unicode(substr(originator_id, -1)) % {p('n')} = {p('k')}"
                    if self.dialect == "sqlite"
                    else f"mod(ascii(right(originator_id::text, 1)), {p('n')}) = {p('k')}")
        # Events are named after their aggregate ("<aggregate>.<event>"): what the listing is
        # about, or more ("_" matches any character); `Listing.wants` decides each.
        topics = {f"t{n}": f"{topic}.%" for n, topic in enumerate(sorted(listing.topics))}
        of_listing = " OR ".join(f"topic LIKE {p(name)}" for name in topics)
        return (f"SELECT {column}, originator_id, originator_version, topic, state "
                f"FROM {table} WHERE {column} > {p('after')} AND {column} <= {p('upto')} "
                f"AND {in_share} AND ({of_listing}) ORDER BY {column}",
                {"upto": upto, "n": part[1], "k": part[0], **topics})

    # shared SQL
    def create(self, listing: Listing, *, filling: bool = False) -> None:
        """The listing's table, indexes and tallies, those missing (`filling`: at the end of a
        rebuild, on a connection set up for whole tables)."""
        column_type = 0 if self.dialect == "sqlite" else 1
        columns = ", ".join(f"{name} {COLUMN_TYPES[kind][column_type]}"
                            for name, kind in listing.columns.items())
        table = self.qualified(listing.table)
        owner = f", {OWNER} TEXT NOT NULL" if listing.many else ""
        statements = [f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY{owner}"
                      f"{', ' + columns if columns else ''}, view {self.view_type} NOT NULL)"]
        for index in ((OWNER,), *listing.indexes) if listing.many else listing.indexes:
            statements.append(f"CREATE INDEX IF NOT EXISTS {self._index_name(listing, index)} "
                              f"ON {table} ({', '.join(index)})")
        for tally in listing.tallies:
            name = self.tally_table(listing, tally)
            statements.append(f"CREATE TABLE IF NOT EXISTS {self.qualified(name)} (key TEXT "
                              f"PRIMARY KEY, "
                              + "".join(f"{c} {COLUMN_TYPES[listing.columns[c]][column_type]}, "
                                        for c in tally) + "n BIGINT NOT NULL)")
            statements.append(f"CREATE INDEX IF NOT EXISTS {self.local(name)}_by ON "
                              f"{self.qualified(name)} ({', '.join(tally)})")
        with self.writing(filling=filling) as cursor:
            cursor.execute(statements[0])
            self.migrate_view_column(cursor, listing)
            for statement in statements[1:]:
                cursor.execute(statement)
            for tally in listing.tallies:
                self._fill_tally(cursor, listing, tally)

    def _index_name(self, listing: Listing, index: tuple[str, ...]) -> str:
        return f"{self.local(listing.table)}_{'_'.join(index)}"

    def drop_indexes(self, listing: Listing) -> None:
        """Drop the listing's own indexes (`create` makes them again): a table filled from
        scratch is indexed once at the end, faster than index by index, row by row. The index
        a `many` listing's rows are replaced by stays."""
        schema = f"{self.datastore.schema}." if self.dialect == "postgres" else ""
        with self.datastore.transaction(commit=True) as cursor:
            for index in listing.indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {schema}{self._index_name(listing, index)}")

    @staticmethod
    def tally_table(listing: Listing, tally: tuple[str, ...]) -> str:
        digest = hashlib.sha1(" ".join(tally).encode()).hexdigest()[:8]
        return f"{listing.table}_n{digest}"

    def _fill_tally(self, cursor: Any, listing: Listing, tally: tuple[str, ...]) -> None:
        """A tally declared on rows that exist already (added to a listing, or a store of before
        tallies) is counted from them once: every row counts in its tally, so an empty tally
        of a listing with rows is one never filled."""
        table, counted = self.qualified(listing.table), self.qualified(
            self.tally_table(listing, tally))
        cursor.execute(f"SELECT key FROM {counted} LIMIT 1")
        if cursor.fetchall():
            return
        cursor.execute(f"SELECT {', '.join(tally)}, COUNT(*) AS n FROM {table} "
                       f"GROUP BY {', '.join(tally)}")
        found = [(_tally_values(listing, tally, [row[c] for c in tally]), row["n"])
                 for row in cursor.fetchall()]
        if found:
            cursor.executemany(self._tally_upsert(listing, tally),
                               [{**values, "key": _tally_key(values, tally), "n": n}
                                for values, n in found])

    def _tally_upsert(self, listing: Listing, tally: tuple[str, ...]) -> str:
        names = ("key", *tally, "n")
        return (f"INSERT INTO {self.qualified(self.tally_table(listing, tally))} AS t "
                f"({', '.join(names)}) VALUES ({', '.join(self.placeholder(n) for n in names)}) "
                f"ON CONFLICT (key) DO UPDATE SET n = t.n + excluded.n")

    def _count_changes(self, cursor: Any, listing: Listing,
                       rows: list[tuple[Any, Any]]) -> None:
        """Bring the listing's tallies up to the rows about to be written: each row's former
        values count one less, its new values one more (before the rows are written, in the
        same transaction)."""
        columns = sorted({c for tally in listing.tallies for c in tally})
        ids = [row_id for row_id, _ in rows]
        before: dict[Any, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            names = [f"i{n}" for n in range(len(chunk))]
            cursor.execute(f"SELECT id, {', '.join(columns)} FROM "
                           f"{self.qualified(listing.table)} WHERE id IN "
                           f"({', '.join(self.placeholder(n) for n in names)})",
                           dict(zip(names, chunk, strict=True)))
            before.update((found["id"], found) for found in cursor.fetchall())
        for tally in listing.tallies:
            changes: Counter[tuple[Any, ...]] = Counter()
            for row_id, row in rows:
                old = before.get(row_id)
                if old is not None:
                    changes[tuple(_tally_values(listing, tally, [old[c] for c in tally])
                                  .values())] -= 1
                if row is not None:
                    changes[tuple(_tally_values(listing, tally, [row[c] for c in tally])
                                  .values())] += 1
            changed = [(dict(zip(tally, values, strict=True)), n)
                       for values, n in changes.items() if n]
            if not changed:
                continue
            cursor.executemany(self._tally_upsert(listing, tally),
                               [{**values, "key": _tally_key(values, tally), "n": n}
                                for values, n in changed])
            cursor.executemany(f"DELETE FROM {self.qualified(self.tally_table(listing, tally))} "
                               f"WHERE key = {self.placeholder('key')} AND n = 0",
                               [{"key": _tally_key(values, tally)} for values, _ in changed])

    def position(self, listing: Listing) -> int:
        return self.recorder.max_tracking_id(listing.tracking_name) or 0

    def emptying(self, table: str) -> str:
        """The statement that removes every row of a table (SQLite's DELETE without a WHERE
        drops the table's pages at once)."""
        return f"DELETE FROM {table}"

    def settle(self, listing: Listing) -> None:
        """After a rebuild: nothing more in SQLite (its planner keeps no statistics here)."""

    def reset(self, listing: Listing) -> None:
        with self.writing(filling=True) as cursor:
            cursor.execute(self.emptying(self.qualified(listing.table)))
            for tally in listing.tallies:
                cursor.execute(self.emptying(self.qualified(self.tally_table(listing, tally))))
            cursor.execute(f"DELETE FROM {self.tracking_table()} WHERE application_name = "
                           f"{self.placeholder('name')}", {"name": listing.tracking_name})

    def write(self, listings: dict[str, Listing], writes: dict[str, list[tuple[Any, Any]]],
              positions: dict[str, int], filling: Collection[str] = (),
              new: dict[str, Collection[Any]] | None = None) -> None:
        """Replace the rows of the aggregates written, bring the tallies up to them (except the
        listings being `filling` from scratch: `create` counts them at the end), and record the
        listings' positions, in one transaction. A listing's rows of the aggregates `new` names
        for it (a rebuild's first of each: none of their rows is in its table) are only added
        (`add`)."""
        with self.writing(filling=bool(filling)) as cursor:
            for name, rows in writes.items():
                listing = listings[name]
                first_of = (new or {}).get(name, ())
                table = self.qualified(listing.table)
                names = ["id", *([OWNER] if listing.many else []), *listing.columns, "view"]
                upsert = (f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                          f"({', '.join(self.placeholder(n) for n in names)}) ON CONFLICT (id) "
                          f"DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names[1:])}")
                key = OWNER if listing.many else "id"
                delete = f"DELETE FROM {table} WHERE {key} = {self.placeholder(key)}"
                # One statement for many rows (executemany): a batch of thousands of rows costs
                # one round of each statement, not one per row.
                if listing.tallies and rows and name not in filling:
                    self._count_changes(cursor, listing, rows)
                removed: list[dict[str, Any]] = []
                upserted: list[dict[str, Any]] = []
                added: list[dict[str, Any]] = []
                for row_id, row in rows:
                    first = row_id in first_of
                    if listing.many:  # the aggregate's rows, replaced together
                        if not first:
                            removed.append({OWNER: row_id})
                        (added if first else upserted).extend(
                            {**each, "id": f"{row_id}/{n}", OWNER: row_id}
                            for n, each in enumerate(row, start=1))
                    elif row is None:
                        if not first:
                            removed.append({"id": row_id})
                    else:
                        (added if first else upserted).append({**row, "id": row_id})
                if removed:
                    cursor.executemany(delete, removed)
                if upserted:
                    cursor.executemany(upsert, upserted)
                if added:
                    self.add(cursor, table, names, added)
            for name, position in positions.items():
                self.insert_tracking(cursor, Tracking(listings[name].tracking_name, position))

    def add(self, cursor: Any, table: str, names: list[str], rows: list[dict[str, Any]]) -> None:
        """Rows whose ids are not in the table yet, added."""
        cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                           f"({', '.join(self.placeholder(n) for n in names)})", rows)

    def _where(self, listing: Listing, where: dict[str, Any],
               prefix: str = "w") -> tuple[str, dict[str, Any]]:
        clauses, params = self._clauses(listing, where, prefix)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _clauses(self, listing: Listing, where: dict[str, Any],
                 prefix: str) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions, all to hold. Besides "column__op": value, `"any": [where, ...]` holds
        when one of its conditions does, `"all": [where, ...]` when each does (two conditions on
        one column, e.g. two words to be contained)."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for i, (key, value) in enumerate(where.items()):
            if key in ("any", "all"):
                groups = []
                for j, part in enumerate(value):
                    inner, inner_params = self._clauses(listing, part, f"{prefix}{i}_{j}_")
                    groups.append("(" + (" AND ".join(inner) or "1 = 1") + ")")
                    params.update(inner_params)
                joiner = " OR " if key == "any" else " AND "
                clauses.append("(" + (joiner.join(groups) or ("1 = 0" if key == "any" else
                                                               "1 = 1")) + ")")
                continue
            column, _, operator = key.partition("__")
            if column != "id" and column not in listing.columns:
                raise ValueError(f"listing {listing.name} has no column {column}")
            name = f"{prefix}{i}"
            if operator == "in":
                values = [_value(v) for v in value]
                if not values:
                    clauses.append("1 = 0")
                    continue
                names = [f"{name}_{j}" for j in range(len(values))]
                clauses.append(f"{column} IN ({', '.join(self.placeholder(n) for n in names)})")
                params.update(zip(names, values, strict=True))
            elif operator == "contains":
                # The text itself: "%" and "_" typed by a person are not wildcards.
                clauses.append(f"{column} {self.like()} {self.placeholder(name)} ESCAPE '\\'")
                escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params[name] = f"%{escaped}%"
            elif value is None and operator in ("", "ne"):
                clauses.append(f"{column} IS {'NOT ' if operator else ''}NULL")
            else:
                clauses.append(f"{column} {OPERATORS[operator]} {self.placeholder(name)}")
                params[name] = _value(value)
        return clauses, params

    def select(self, listing: Listing, where: dict[str, Any], order_by: tuple[str, ...],
               descending: bool, after: Sequence[Any] | None,
               limit: int | None) -> list[dict[str, Any]]:
        statement, params = self._select(listing, where, order_by, descending, after, limit)
        with self.reading() as cursor:
            cursor.execute(statement, params)
            return [self._row(listing, row) for row in cursor.fetchall()]

    def select_counted(self, listing: Listing, where: dict[str, Any], order_by: tuple[str, ...],
                       descending: bool, after: Sequence[Any] | None, limit: int,
                       total_of: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """A page's rows and how many rows match `total_of`, in one query: the count rides
        along as a subquery the database works out once. Each query is a round trip, and on
        PostgreSQL the event loop waits through each (benchmarks/README.md). A page with no
        rows is counted apart, unless it is a first page of the same selection (then none)."""
        counted, count_params = self._count(listing, total_of, "t")
        statement, params = self._select(listing, where, order_by, descending, after, limit,
                                         also=f", (SELECT {counted}) AS {PAGE_TOTAL}")
        with self.reading() as cursor:
            cursor.execute(statement, {**params, **count_params})
            rows = cursor.fetchall()
        if rows:
            return [self._row(listing, row) for row in rows], int(rows[0][PAGE_TOTAL])
        if after is None and total_of == where:
            return [], 0
        return [], self.count(listing, total_of)

    def _select(self, listing: Listing, where: dict[str, Any], order_by: tuple[str, ...],
                descending: bool, after: Sequence[Any] | None, limit: int | None,
                also: str = "") -> tuple[str, dict[str, Any]]:
        sql_where, params = self._where(listing, where)
        keys = (*order_by, "id")
        if after is not None:
            if len(after) != len(keys) or not all(
                    _fits(listing.columns.get(k, "text"), v) for k, v in zip(keys, after,
                                                                             strict=True)):
                raise InvalidCursor("the cursor is not one of this list", field="cursor")
            names = [f"a{i}" for i in range(len(keys))]
            comparison = (f"({', '.join(keys)}) {'<' if descending else '>'} "
                          f"({', '.join(self.placeholder(n) for n in names)})")
            sql_where += (" AND " if sql_where else " WHERE ") + comparison
            params.update(zip(names, after, strict=True))
        direction = " DESC" if descending else ""
        statement = (f"SELECT *{also} FROM {self.qualified(listing.table)}{sql_where} "
                     f"ORDER BY {', '.join(k + direction for k in keys)}")
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        return statement, params

    def _row(self, listing: Listing, row: dict[str, Any]) -> dict[str, Any]:
        return {**{k: row[k] for k in ("id", *listing.columns)},
                "view": self.decode_view(row["view"])}

    def count(self, listing: Listing, where: dict[str, Any]) -> int:
        counted, params = self._count(listing, where, "w")
        with self.reading() as cursor:
            cursor.execute(f"SELECT {counted}", params)
            return int(cursor.fetchone()["n"])

    def _count(self, listing: Listing, where: dict[str, Any],
               prefix: str) -> tuple[str, dict[str, Any]]:
        """What follows SELECT to count the rows matching `where`: from the smallest tally that
        holds its columns, else from the rows."""
        sql_where, params = self._where(listing, where, prefix)
        tally = _tally_for(listing, _where_columns(where))
        counted = (f"COALESCE(SUM(n), 0) AS n FROM "
                   f"{self.qualified(self.tally_table(listing, tally))}" if tally else
                   f"COUNT(*) AS n FROM {self.qualified(listing.table)}")
        return counted + sql_where, params

    def counts(self, listing: Listing, by: tuple[str, ...], labels: tuple[str, ...],
               where: dict[str, Any]) -> list[dict[str, Any]]:
        unknown = set(by + labels) - set(listing.columns)
        if unknown or not by:
            raise ValueError(f"listing {listing.name} cannot count by {by} with {labels}")
        sql_where, params = self._where(listing, where)
        columns = ", ".join((*by, *(f"MAX({label}) AS {label}" for label in labels)))
        tally = _tally_for(listing, {*by, *labels, *_where_columns(where)})
        counted = (f"SUM(n) AS count FROM {self.qualified(self.tally_table(listing, tally))}"
                   if tally else f"COUNT(*) AS count FROM {self.qualified(listing.table)}")
        statement = (f"SELECT {columns}, {counted}{sql_where} GROUP BY {', '.join(by)} "
                     f"ORDER BY {', '.join(by)}")
        with self.reading() as cursor:
            cursor.execute(statement, params)
            return [{**{key: row[key] for key in (*by, *labels)}, "count": int(row["count"])}
                    for row in cursor.fetchall()]

    def counts_each(self, listing: Listing, by: tuple[str, ...], where: dict[str, Any],
                    each: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        if set(by) - set(listing.columns) or not by or not each or not all(
                name.isidentifier() and name not in by for name in each):
            raise ValueError(f"listing {listing.name} cannot count {list(each)} by {by}")
        sql_where, params = self._where(listing, where)
        sums = []
        for i, (name, condition) in enumerate(each.items()):
            inner, inner_params = self._clauses(listing, condition, f"e{i}_")
            sums.append(f"SUM(CASE WHEN {' AND '.join(inner) or '1 = 1'} THEN 1 ELSE 0 END) "
                        f"AS {name}")
            params.update(inner_params)
        statement = (f"SELECT {', '.join(by)}, {', '.join(sums)} FROM "
                     f"{self.qualified(listing.table)}{sql_where} "
                     f"GROUP BY {', '.join(by)} ORDER BY {', '.join(by)}")
        with self.reading() as cursor:
            cursor.execute(statement, params)
            return [{**{key: row[key] for key in by}, **{name: int(row[name]) for name in each}}
                    for row in cursor.fetchall()]


def _where_columns(where: dict[str, Any]) -> set[str]:
    """Every column a condition reads (in "any" and "all" too)."""
    columns: set[str] = set()
    for key, value in where.items():
        if key in ("any", "all"):
            for part in value:
                columns |= _where_columns(part)
        else:
            columns.add(key.partition("__")[0])
    return columns


def _tally_for(listing: Listing, columns: set[str]) -> tuple[str, ...] | None:
    """The smallest of the listing's tallies that holds every one of these columns, if any."""
    fitting = [tally for tally in listing.tallies if columns <= set(tally)]
    return min(fitting, key=len) if fitting else None


def _tally_values(listing: Listing, tally: tuple[str, ...], values: list[Any]) -> dict[str, Any]:
    """A tally's values, the same whether a row gives them or the database reads them back
    (SQLite reads booleans as 0 and 1, a real may come as an integer)."""
    kinds = {"bool": bool, "int": int, "real": float, "text": str}
    return {column: None if value is None else kinds[listing.columns[column]](value)
            for column, value in zip(tally, values, strict=True)}


def _tally_key(values: dict[str, Any], tally: tuple[str, ...]) -> str:
    return orjson.dumps([values[c] for c in tally]).decode()


def _fits(kind: str, value: Any) -> bool:
    """Is a cursor's value of the column's type? (A cursor of another list must not reach the
    database, which would compare text with numbers, or refuse to.)"""
    if kind == "text":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool | int)  # SQLite gives booleans back as 0 and 1
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -2**63 <= value < 2**63  # what the databases' integers hold
    return kind == "real" and isinstance(value, float)


class SQLiteRowsView(RowsView):
    dialect = "sqlite"


class PostgresRowsView(RowsView):
    dialect = "postgres"
    view_type = "BYTEA"

    def migrate_view_column(self, cursor: Any, listing: Listing) -> None:
        """A table made when views were kept as text (until 8 December 2026): its column made
        BYTEA, every view becoming its JSON's bytes (read as they are; compressed when the row
        is next written). Each table is written again, once, in the service's first start after
        the change: at ten years 13 s for correspondence's lists and 9 s for monitoring's."""
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = "
                       "%(schema)s AND table_name = %(table)s AND column_name = 'view'",
                       {"schema": self.datastore.schema, "table": self.local(listing.table)})
        found = cursor.fetchone()
        if found is not None and found["data_type"] == "text":
            log.info("read model view column made BYTEA", listing=listing.name)
            cursor.execute(f"ALTER TABLE {self.qualified(listing.table)} ALTER COLUMN view "
                           f"TYPE BYTEA USING convert_to(view, 'UTF8')")

    def placeholder(self, name: str) -> str:
        return f"%({name})s"

    def local(self, table: str) -> str:
        # Services may share one PostgreSQL database and schema (as compose runs them): each
        # one's lists are named after it, as the library names its events and tracking tables
        # (budgeting's and monitoring's `cases` are different lists).
        prefix = self.recorder.tracking_table_name.removesuffix("tracking")
        return f"{prefix}{table}"

    def qualified(self, table: str) -> str:
        return f"{self.datastore.schema}.{self.local(table)}"

    def like(self) -> str:
        return "ILIKE"

    def tracking_table(self) -> str:
        return f"{self.datastore.schema}.{self.recorder.tracking_table_name}"

    def events_table(self) -> tuple[str, str]:
        return f"{self.datastore.schema}.{self.recorder.events_table_name}", "notification_id"

    def writing(self, *, filling: bool) -> contextlib.AbstractContextManager[Any]:
        """The server's own buffers and commits serve every connection alike."""
        return self.datastore.transaction(commit=True)

    def reading(self) -> contextlib.AbstractContextManager[Any]:
        """The query alone, in the statement's own transaction (the pool's connections commit
        by themselves): one round trip to the server, not three (BEGIN, it, ROLLBACK)."""
        return self.datastore.cursor()

    def share_of_log(self, listing: Listing, after: int, upto: int, part: tuple[int, int],
                     limit: int) -> Iterator[tuple[list[LoggedEvent], int]]:
        """The share read by one query through a cursor kept on the server, a page fetched at a
        time, in binary (the events' JSON as bytes, not hex):
        - Asked a page at a time, PostgreSQL misjudges how few rows match (the share's test on
          the id, the names' pattern): for the first pages it read the whole log and sorted
          what matched (1.9 GB, 4.4 s a page, for monitoring's cases at ten years). A cursor's
          plan is made once, for its first rows: along the log's key.
        - One share's read of those cases (1.5M events): 31.5 s (28.1 s of the server's CPU) a
          page at a time, 12.0 s (5.8 s) this way (benchmarks/README.md, 7 December 2026)."""
        query, params = self._share_query(listing, upto, part)
        reached = after
        with self.datastore.get_connection() as connection, connection.transaction(), \
                connection.cursor("share_of_log", row_factory=tuple_row) as cursor:
            cursor.itersize = limit
            cursor.execute(query, {**params, "after": after}, binary=True)
            while page := list(map(LoggedEvent._make, cursor.fetchmany(limit))):
                reached = page[-1].id if len(page) == limit else upto
                yield page, reached
        if reached < upto:
            yield [], upto

    def add(self, cursor: Any, table: str, names: list[str], rows: list[dict[str, Any]]) -> None:
        """By COPY: a rebuild's rows streamed to the server, which only stores them (no plan, no
        conflict to look for, row by row). With views compressed before they are sent
        (`encode_view`), a ten-year rebuild of the documents spent 5.0-5.6 s of the server's
        CPU in its writes instead of 17.1, and the writing process 4.3-5.1 s instead of 10.7
        (benchmarks/README.md, 8 December 2026)."""
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])

    def emptying(self, table: str) -> str:
        """TRUNCATE: the table's files replaced in one step, where DELETE would mark every row
        dead one by one (and leave them to vacuum). It waits for, and holds off, the table's
        readers until the transaction ends: a rebuild runs with its service stopped."""
        return f"TRUNCATE {table}"

    def settle(self, listing: Listing) -> None:
        """After a rebuild, the table and its tallies vacuumed and their statistics made at
        once, with the service still stopped: a row is written again whenever its aggregate
        turns up in a later page (dead rows), and a table filled after TRUNCATE has no
        statistics. Left to autovacuum, both were done minutes later, while the service answered
        (benchmarks/README.md, 7 December 2026)."""
        tables = (listing.table, *(self.tally_table(listing, t) for t in listing.tallies))
        # VACUUM runs outside a transaction: the pool's connections commit by themselves.
        with self.datastore.get_connection() as connection:
            for table in tables:
                connection.execute(f"VACUUM (ANALYZE) {self.qualified(table)}")


class _Zstd(threading.local):
    """A compressor and a decompressor per thread (made in each thread on its first use): they
    are not shared between threads, and made for each row they would cost more than the
    (de)compression itself."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=1)
        self.decompressor = zstandard.ZstdDecompressor()


_zstd = _Zstd()


def _json(view: Any) -> str:
    return orjson.dumps(view, default=_json_default).decode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON: {type(value).__name__}")



def open_service_application(service: str) -> Any:
    """A service's application as the service's settings make it (ESA_* environment), its read
    models not started: what the rebuild command and each of its processes work on."""
    import importlib

    module = importlib.import_module(f"services.{service}.main")
    return module.create_app().state.runtime.app


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.readmodels list|rebuild <service> [<listing>]`, with the service's settings
    (ESA_* environment, as `make run` gives it). Rebuild with the service stopped."""
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(prog="python -m shared.readmodels",
                                     description="The persisted lists of a service")
    parser.add_argument("command", choices=("list", "rebuild"))
    parser.add_argument("service")
    parser.add_argument("listing", nargs="?", help="rebuild: the listing (default: every one)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="rebuild: processes folding the log, each a share of the "
                             "aggregates (default: one per core; 1: all in this process)")
    args = parser.parse_args(argv)
    app = open_service_application(args.service)
    models: ReadModels = app.read_models
    try:
        if args.command == "list":
            for name, listing in models.listings.items():
                print(f"{name:<28} v{listing.version}  {models.view.position(listing):>10}")
            return 0
        opener = functools.partial(open_service_application, args.service)
        for name in [args.listing] if args.listing else list(models.listings):
            started = time.monotonic()

            def progress(position: int, target: int, name: str = name) -> None:
                done = position / target if target else 1.0
                bar = "#" * int(done * 40)
                print(f"\r{name:<24} [{bar:<40}] {position:>10}/{target}", end="",
                      file=sys.stderr, flush=True)

            position = models.rebuild(name, progress, workers=args.workers, opener=opener)
            print(f"\n{name}: rebuilt to {position} in {time.monotonic() - started:.1f} s"
                  f" ({args.workers} {'process' if args.workers == 1 else 'processes'})")
        return 0
    finally:
        app.close()


if __name__ == "__main__":
    raise SystemExit(main())

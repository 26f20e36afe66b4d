"""SQLite, with transaction hooks and subscriptions (see `shared.persistence`).

Overriding `_insert_events` is how the library's own examples add work to the recording
transaction; it is a protected method of eventsourcing 9.5 (pinned `<9.6` in pyproject.toml)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from threading import Thread
from typing import Any

# The module, not its factory class: a persistence module must hold exactly one factory class.
from eventsourcing import sqlite
from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    StoredEvent,
    Subscription,
)
from eventsourcing.sqlite import SQLiteCursor, SQLiteProcessRecorder

from shared.persistence import TransactionHook

# A subscription looks for commits by other processes this often; this process's own commits
# wake it at once.
POLL_SECONDS = 0.2


class ServiceSQLiteRecorder(SQLiteProcessRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hooks: list[TransactionHook] = []
        self.commit_listeners: list[Callable[[], None]] = []
        self._subscriptions: set[SQLiteSubscription] = set()
        self._subscriptions_lock = threading.Lock()

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        for hook in self.hooks:
            hook.in_transaction("sqlite", c, stored_events, positions or [])
        return positions

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        positions = super().insert_events(stored_events, **kwargs)
        self.committed()
        return positions

    def committed(self) -> None:
        """Wake this process's subscriptions: something was committed."""
        with self._subscriptions_lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.wake()
        for listener in self.commit_listeners:
            listener()

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        subscription = SQLiteSubscription(self, gt=gt, topics=topics)
        with self._subscriptions_lock:
            self._subscriptions.add(subscription)
        return subscription

    def forget(self, subscription: SQLiteSubscription) -> None:
        with self._subscriptions_lock:
            self._subscriptions.discard(subscription)


class SQLiteSubscription(ListenNotifySubscription[ServiceSQLiteRecorder]):
    """The library's pull loop (`ListenNotifySubscription`), notified by this process's commits
    and by a poll (SQLite has no LISTEN/NOTIFY)."""

    def __init__(self, recorder: ServiceSQLiteRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._poll_thread = Thread(target=self._poll, daemon=True, name="sqlite-subscription-poll")
        self._poll_thread.start()

    def wake(self) -> None:
        self._has_been_notified.set()

    def _poll(self) -> None:
        stopped = threading.Event()
        while not self._has_been_stopped:
            stopped.wait(POLL_SECONDS)
            self._has_been_notified.set()

    def stop(self) -> None:
        super().stop()
        self._recorder.forget(self)


class Factory(sqlite.SQLiteFactory):
    process_recorder_class = ServiceSQLiteRecorder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # connects only when first used
        pool = self.datastore.pool
        if not pool.is_sqlite_memory_mode:
            made_with_large_pages(pool.db_name)


def made_with_large_pages(path: str) -> None:
    """A new store's file is made with pages of 8 KiB (SQLite's default is 4; PostgreSQL's are
    8), in WAL mode as the library would set it. A read model's rows of 1-2 KB (a document's
    list row, its view compressed) leave less of an 8 KiB page unused than of a 4 KiB one: the
    documents' table at three years 176 -> 140 MiB (uncompressed rows: 352 -> 235 MiB, and a
    rebuild wrote a quarter less; benchmarks/README.md, 7 December 2026). A page's size is
    fixed when the file is first written: an existing store keeps its own."""
    if Path(path).exists():
        return
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA page_size = 8192")
        connection.execute("PRAGMA journal_mode = WAL")  # writes the file's header

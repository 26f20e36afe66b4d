"""PostgreSQL, with transaction hooks (see `shared.persistence`); subscriptions are the library's
own (LISTEN/NOTIFY).

The hooks run in `_fetch_ids_after_insert_events`, the first protected step of eventsourcing 9.5's
insert (pinned `<9.6` in pyproject.toml) at which the new events' positions are known, inside the
recording transaction (after the table lock that keeps positions in commit order).

Events are inserted without psycopg's pipeline mode, which the library's insert uses: in it, a
statement whose parameters pass about 1 MiB (one transaction of a thousand-odd events: an import,
a rebuilt history) never reaches the server whole, and the connection waits for ever (psycopg
3.3.9, both implementations; the server sits in ClientRead). The same steps, one after another,
in one transaction.

A subscription (the read models' runner, the feeds) listens before it trusts its first read: the
library's pulls what is recorded, then LISTENs in another thread, so an event committed between
the two was never announced to it, and the subscription sat behind until the next write (seen as
a list "catching up" for ten seconds after a service's first command)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# The module, not its factory class: a persistence module must hold exactly one factory class.
from eventsourcing import postgres
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder, PostgresSubscription
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from shared.persistence import TransactionHook


class ServicePostgresRecorder(PostgresProcessRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hooks: list[TransactionHook] = []
        self.commit_listeners: list[Callable[[], None]] = []

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        positions = self._insert_in_one_transaction(stored_events, **kwargs)
        for listener in self.commit_listeners:
            listener()
        return positions

    # As the library retries its own insert (a connection lost before the commit).
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_one_transaction(self, stored_events: Sequence[StoredEvent],
                                   **kwargs: Any) -> Sequence[int] | None:
        """eventsourcing 9.5's `PostgresApplicationRecorder.insert_events` without the pipeline:
        the tracking record, then the table lock, the notification and the events, then their
        positions; a uniqueness violation raises at its statement, as the library's sync makes
        it do."""
        if self.datastore.enable_db_functions:  # one statement: no pipeline to avoid
            return super().insert_events(stored_events, **kwargs)
        # The datastore's connection turns psycopg's errors into the library's.
        with self.datastore.get_connection() as conn, conn.transaction():
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> ListeningSubscription:
        return ListeningSubscription(recorder=self, gt=gt, topics=topics)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        for hook in self.hooks:
            hook.in_transaction("postgres", curs, stored_events, positions or [])
        return positions


class ListeningSubscription(PostgresSubscription):
    """eventsourcing 9.5's `PostgresSubscription._listen` (pinned `<9.6`), which pulls again once
    its LISTEN is in place: whatever was committed before then is read by that pull, whatever
    after is announced."""

    def _listen(self) -> None:
        try:
            with self._recorder.datastore.get_connection() as conn:
                conn.execute(SQL("LISTEN {0}").format(Identifier(self._recorder.channel_name)))
                self._has_been_notified.set()  # the one line added: pull again, now listening
                while not self._has_been_stopped and not self._thread_error:
                    for _ in conn.notifies(timeout=0.1, stop_after=1):
                        self._has_been_notified.set()
        except BaseException as e:  # noqa: BLE001 - as the library: handed to the reader
            if self._thread_error is None:
                self._thread_error = e
            self.stop()


class Factory(postgres.PostgresFactory):
    process_recorder_class = ServicePostgresRecorder

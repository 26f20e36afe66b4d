"""PostgreSQL, with transaction hooks (see `shared.persistence`); subscriptions are the library's
own (LISTEN/NOTIFY).

The hooks run in `_fetch_ids_after_insert_events`, the first protected step of eventsourcing 9.5's
insert (pinned `<9.6` in pyproject.toml) at which the new events' positions are known, inside the
recording transaction (after the table lock that keeps positions in commit order)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# The module, not its factory class: a persistence module must hold exactly one factory class.
from eventsourcing import postgres
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder

from shared.persistence import TransactionHook


class ServicePostgresRecorder(PostgresProcessRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hooks: list[TransactionHook] = []
        self.commit_listeners: list[Callable[[], None]] = []

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        positions = super().insert_events(stored_events, **kwargs)
        for listener in self.commit_listeners:
            listener()
        return positions

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        for hook in self.hooks:
            hook.in_transaction("postgres", curs, stored_events, positions or [])
        return positions


class Factory(postgres.PostgresFactory):
    process_recorder_class = ServicePostgresRecorder

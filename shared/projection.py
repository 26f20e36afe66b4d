"""In-memory read models that follow a service's own notification log.

A read model here is a table of rows, one per aggregate, each row computed from the aggregate's
current state by a `summarise` function: the aggregate's own logic is the only place its events are
folded, so a read model can never disagree with the domain. On start it is rebuilt from the store;
every query first catches up with the log under a lock, so a read right after a write sees it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar
from uuid import UUID

from shared.domain import Aggregate
from shared.eventstore import ServiceApplication

Row = TypeVar("Row")


class AggregateIndex(Generic[Row]):
    def __init__(
        self,
        app: ServiceApplication,
        summarise: Callable[[Any], Row | None],
        *,
        aggregate_types: tuple[type[Aggregate], ...],
    ) -> None:
        self.app = app
        self.summarise = summarise
        self.topic_prefixes = tuple(
            f"{t.__module__}:{t.__qualname__}." for t in aggregate_types
        )
        self.rows: dict[UUID, Row] = {}
        self.position = 0
        self._lock = threading.Lock()

    def catch_up(self) -> int:
        """Read the log after the last position; returns the new position."""
        with self._lock:
            while True:
                notifications = self.app.read_notifications(self.position, 1000)
                if not notifications:
                    return self.position
                changed = {
                    n.originator_id for n in notifications if n.topic.startswith(self.topic_prefixes)
                }
                for aggregate_id in changed:
                    aggregate = self.app.load(aggregate_id)
                    row = self.summarise(aggregate)
                    if row is None:
                        self.rows.pop(aggregate_id, None)
                    else:
                        self.rows[aggregate_id] = row
                self.position = notifications[-1].id

    def get(self, aggregate_id: UUID) -> Row | None:
        self.catch_up()
        return self.rows.get(aggregate_id)

    def all(self) -> Iterable[Row]:
        self.catch_up()
        return list(self.rows.values())

"""In-memory read models that follow a service's own notification log: the one home for that.

A read model is rebuilt from the store when the service starts (it reads the whole log) and every
query first catches up, under a lock, with what was committed since, so a read right after a write
sees it. `LogFollower` is the mechanism; a read model says which notifications it wants (`topics`)
and what each changes (`apply`).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification

from shared.domain import Aggregate, stored_topics
from shared.eventstore import ServiceApplication

Row = TypeVar("Row")


class LogFollower(ABC):
    """Follows `app`'s notification log; subclasses apply the notifications they care about."""

    def __init__(self, app: ServiceApplication, *, batch_size: int = 1000) -> None:
        self.app = app
        self.batch_size = batch_size
        self.position = 0
        self._lock = threading.Lock()

    @abstractmethod
    def wants(self, notification: Notification) -> bool:
        """Does this read model read that notification?"""

    @abstractmethod
    def apply(self, notifications: list[Notification]) -> None:
        """Fold a batch of wanted notifications, in log order, into the read model."""

    def catch_up(self) -> int:
        """Apply everything committed since the last call; returns the new position."""
        with self.caught_up():
            return self.position

    @contextmanager
    def caught_up(self) -> Iterator[None]:
        """Hold the read model still, caught up with the log, while a query reads it."""
        with self._lock:
            while True:
                notifications = self.app.read_notifications(self.position, self.batch_size)
                wanted = [n for n in notifications if self.wants(n)]
                if wanted:
                    self.apply(wanted)
                if notifications:
                    self.position = notifications[-1].id
                if len(notifications) < self.batch_size:
                    break
            yield


class AggregateIndex(LogFollower, Generic[Row]):
    """A table of rows, one per aggregate, each computed from the aggregate's current state by
    `summarise`: the aggregate's own logic is the only place its events are folded, so the index
    can never disagree with the domain."""

    def __init__(
        self,
        app: ServiceApplication,
        summarise: Callable[[Any], Row | None],
        *,
        aggregate_types: tuple[type[Aggregate], ...],
    ) -> None:
        super().__init__(app)
        self.summarise = summarise
        self.topic_prefixes = tuple(f"{topic}." for t in aggregate_types
                                    for topic in stored_topics(t))
        self.rows: dict[UUID, Row] = {}

    def wants(self, notification: Notification) -> bool:
        return notification.topic.startswith(self.topic_prefixes)

    def apply(self, notifications: list[Notification]) -> None:
        for aggregate_id in {n.originator_id for n in notifications}:
            row = self.summarise(self.app.load(aggregate_id))
            if row is None:
                self.rows.pop(aggregate_id, None)
            else:
                self.rows[aggregate_id] = row

    def get(self, aggregate_id: UUID) -> Row | None:
        with self.caught_up():
            return self.rows.get(aggregate_id)

    def all(self) -> Iterable[Row]:
        with self.caught_up():
            return list(self.rows.values())

"""The event store's persistence, as eventsourcing builds it, with the two things this project adds
through the library's own extension points (a persistence module with its `Factory`, recorder
classes that override the insert step as the library's examples do):

- work done inside the transaction that records events (`TransactionHook`): the audit trail's tree
  head is extended and signed there, so no committed event is ever outside a signed head; and
  `commit_listeners`, told after each such commit (the audit heads' publisher wakes on them);
- subscriptions on SQLite too (`ApplicationSubscription` needs them; the library has them for
  PostgreSQL only): a subscription reads the log in order and waits for the next commit, woken at
  once by this process's commits and by a short poll for other processes'.

`shared.settings.ServiceSettings.eventsourcing_env` names `shared.persistence.sqlite` or
`shared.persistence.postgres` as the `PERSISTENCE_MODULE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from eventsourcing.persistence import StoredEvent

Dialect = Literal["sqlite", "postgres"]


class TransactionHook(Protocol):
    """Work that must commit or roll back together with the events being recorded."""

    def in_transaction(self, dialect: Dialect, cursor: Any, stored_events: Sequence[StoredEvent],
                       positions: Sequence[int]) -> None: ...

"""Refused requests are part of the audit trail: each is an `AccessRefused` event in the service's
own store (one `AccessLog` aggregate per Bangkok day) and a structured log line.

Every refusal is its own record, with the client, the officer named (where there is one), the route
and the reason. What bounds a flood is the rate limiter, not dropping records: a client refused for
going too fast (429) is recorded once per minute, with how many of its requests that minute were
refused (`repeated_before` on the next record says how many were folded into the previous one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from shared.logging import get_logger
from shared.office.rights import outside_any_right
from shared.thaitime import bangkok_date, utc_now

log = get_logger(__name__)


class AccessLog(Aggregate, stored_as="audit.AccessLog"):
    """The requests a service refused on one Bangkok calendar day."""

    @staticmethod
    def create_id(service: str, day: date) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:access-log:{service}:{day.isoformat()}")

    @event("Opened")
    def __init__(self, *, service: str, day: date) -> None:
        self.service = service
        self.day = day
        self.refused = 0  # the count only: the state stays small however busy the day

    class AccessRefused(Aggregate.Event):
        """One refused request (with `repeated_before` 429s of the same client folded in)."""

        class_version = 2  # v2: the officer named, where there is one
        client: str | None
        agency: str | None
        remote: str | None
        scope_wanted: str | None
        method: str
        path: str
        status: int
        reason: str
        at: datetime
        repeated_before: int
        officer: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["officer"] = None  # refusals recorded before officers were named

        def apply(self, aggregate: Any) -> None:
            aggregate.refused += 1 + self.repeated_before

    def refuse(self, refusal: Refusal, *, repeated_before: int = 0) -> None:
        self.trigger_event(
            self.AccessRefused, client=refusal.client, agency=refusal.agency,
            officer=refusal.officer, remote=refusal.remote, scope_wanted=refusal.scope_wanted,
            method=refusal.method, path=refusal.path, status=refusal.status,
            reason=refusal.reason, at=refusal.at, repeated_before=repeated_before)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str
    method: str
    path: str
    client: str | None = None
    agency: str | None = None
    officer: str | None = None
    remote: str | None = None
    scope_wanted: str | None = None
    at: datetime = field(default_factory=utc_now)

    @property
    def caller(self) -> str:
        return self.client or f"address {self.remote or 'unknown'}"


RATE_LIMITED = "rate-limited"
RATE_WINDOW_SECONDS = 60.0


class RefusalRecorder:
    def __init__(self, app: ServiceApplication, service: str, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.service = service
        self.clock = clock
        # Per client: the minute whose 429s are being counted, and how many were folded into it.
        self._rate_windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def record(self, refusal: Refusal) -> bool:
        """Log the refusal and record it in the store (blocking: call from a worker thread).
        Returns False for a 429 folded into its client's minute."""
        log.warning("access refused", status=refusal.status, reason=refusal.reason,
                    client=refusal.client, agency=refusal.agency, officer=refusal.officer,
                    remote=refusal.remote, scope_wanted=refusal.scope_wanted,
                    method=refusal.method, path=refusal.path)
        folded = 0
        if refusal.reason == RATE_LIMITED:
            now = self.clock()
            with self._lock:
                opened, count = self._rate_windows.get(refusal.caller, (now - 2 * RATE_WINDOW_SECONDS, 0))
                if now - opened < RATE_WINDOW_SECONDS:
                    self._rate_windows[refusal.caller] = (opened, count + 1)
                    return False
                folded = count
                self._rate_windows[refusal.caller] = (now, 0)
                if len(self._rate_windows) > 10_000:
                    self._rate_windows = {k: w for k, w in self._rate_windows.items()
                                          if now - w[0] < RATE_WINDOW_SECONDS}
        try:
            with outside_any_right():  # the refusal is the service's record, not the caller's act
                self.app.execute(lambda: self._decide(refusal, folded))
        except Exception as error:  # noqa: BLE001 - the request is refused all the same
            log.error("refusal not recorded", error=repr(error), reason=refusal.reason)
            return False
        return True

    def _decide(self, refusal: Refusal, folded: int) -> tuple[None, list[AccessLog]]:
        day = bangkok_date(refusal.at)
        access_log = self.app.get(AccessLog, AccessLog.create_id(self.service, day))
        if access_log is None:
            access_log = AccessLog(service=self.service, day=day)
        access_log.refuse(refusal, repeated_before=folded)
        return None, [access_log]


def refusals_on(app: ServiceApplication, service: str, day: date, *, after: int = 0,
                limit: int | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """The day's recorded refusals, in order, as the audit route shows them: those among the
    day's log's events after version `after` (at most `limit` events read); and the version of
    the last event read when there may be more (a page's cursor), else None. An attack fills a
    day's log: it is read a page at a time, never folded whole."""
    events = list(app.events.get(AccessLog.create_id(service, day), gt=after, limit=limit))
    refusals = [
        {**e.model_dump(mode="json", exclude={"originator_id", "originator_version", "timestamp"}),
         "recorded_at": e.timestamp}
        for e in events if isinstance(e, AccessLog.AccessRefused)
    ]
    more = limit is not None and len(events) == limit
    return refusals, events[-1].originator_version if more and events else None


def is_access_log_event(domain_event: Any) -> bool:
    return isinstance(domain_event, AccessLog.Event)

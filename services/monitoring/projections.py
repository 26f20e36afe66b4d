"""The case board: an in-memory read model of every case, built by following monitoring's own
notification log.

Nothing here is stored: at start the board reads the whole log (the service rebuilds its state from
the append-only event store), and every query first catches up, under a lock, with what was committed
since, so a query right after a command sees its effect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import Case, CaseState, Observation, case_id_for
from shared.projection import LogFollower
from shared.thaitime import bangkok_date, utc_now


@dataclass(frozen=True)
class HistoryEntry:
    version: int  # the case's version after this event
    notification_id: int
    recorded_at: datetime  # when monitoring recorded it
    observation: Observation


@dataclass(frozen=True)
class CaseView:
    case_id: UUID
    version: int
    notification_id: int  # of the case's last change: orders the board, newest first
    state: CaseState


class CaseListing(NamedTuple):
    position: int  # the notification id the listing reflects: a live feed resumes after it
    cases: list[CaseView]


@dataclass(frozen=True)
class Facets:
    services: list[tuple[str, int]]  # service, cases
    steps: list[tuple[str, str, str, int]]  # service, step, step_th, cases
    holders: list[tuple[str, str | None, int]]  # holder, holder_th, cases


_CASE_TOPICS = {get_topic(Case.Opened), get_topic(Case.Observed)}


class CaseBoard(LogFollower):
    def __init__(
        self,
        app: MonitoringApplication,
        *,
        clock: Callable[[], datetime] = utc_now,
        batch_size: int = 500,
    ) -> None:
        super().__init__(app, batch_size=batch_size)
        self.clock = clock
        self._cases: dict[UUID, CaseView] = {}
        self._history: dict[UUID, list[HistoryEntry]] = {}

    # --- following the log (shared.projection.LogFollower) -------------------------------------
    def wants(self, notification: Notification) -> bool:
        return notification.topic in _CASE_TOPICS

    def apply(self, notifications: list[Notification]) -> None:
        for notification in notifications:
            domain_event = self.app.to_domain_event(notification)
            case_id = domain_event.originator_id
            version = domain_event.originator_version
            self._cases[case_id] = CaseView(case_id, version, notification.id, domain_event.state)
            self._history.setdefault(case_id, []).append(HistoryEntry(
                version, notification.id, domain_event.timestamp, domain_event.observation))

    # --- queries --------------------------------------------------------------------------------
    def list_cases(
        self,
        *,
        service: str | None = None,
        procedure: int | None = None,
        case_type: str | None = None,
        step: str | None = None,
        holder: str | None = None,
        overdue: bool | None = None,
        closed: bool | None = None,
    ) -> CaseListing:
        """Cases matching every filter given, most recently changed first."""
        today = bangkok_date(self.clock())
        with self.caught_up():
            cases = [
                view
                for view in self._cases.values()
                if (service is None or view.state.source == service)
                and (procedure is None or view.state.procedure == procedure)
                and (case_type is None or view.state.case_type == case_type)
                and (step is None or view.state.step == step)
                and (holder is None or view.state.holder == holder)
                and (closed is None or view.state.closed == closed)
                and (overdue is None or view.state.is_overdue(today) == overdue)
            ]
            position = self.position
        cases.sort(key=lambda view: view.notification_id, reverse=True)
        return CaseListing(position, cases)

    def facets(self, *, include_closed: bool = False, service: str | None = None) -> Facets:
        """What the status page's filters offer: each service, and each step and holder of the
        cases (of `service` if given), open ones unless `include_closed`, with how many cases
        each has."""
        services: Counter[str] = Counter()
        steps: Counter[tuple[str, str]] = Counter()
        holders: Counter[str] = Counter()
        step_names: dict[tuple[str, str], str] = {}
        holder_names: dict[str, str] = {}
        with self.caught_up():
            for view in self._cases.values():
                state = view.state
                if state.closed and not include_closed:
                    continue
                services[state.source] += 1
                if service is not None and state.source != service:
                    continue
                if state.step is not None:
                    steps[(state.source, state.step)] += 1
                    step_names[(state.source, state.step)] = state.step_th or state.step
                if state.holder is not None:
                    holders[state.holder] += 1
                    if state.holder_th:
                        holder_names[state.holder] = state.holder_th
        return Facets(
            services=sorted(services.items()),
            steps=[(source, step, step_names[(source, step)], count)
                   for (source, step), count in sorted(steps.items())],
            holders=[(holder, holder_names.get(holder), count)
                     for holder, count in sorted(holders.items())])

    def dead_letter_facts(self, case_id: UUID) -> dict[str, Any]:
        """What a dead-letter case's first event said (consumer, event, reason, since when)."""
        with self.caught_up():
            entries = self._history.get(case_id) or []
            return dict(entries[0].observation.data or {}) if entries else {}

    def overdue_unannounced(self) -> list[UUID]:
        """Open cases past their due date whose passing was not announced yet."""
        today = bangkok_date(self.clock())
        with self.caught_up():
            return [view.case_id for view in self._cases.values()
                    if view.state.is_overdue(today)
                    and view.state.overdue_raised_for != view.state.due]

    def case(self, case_id: UUID) -> CaseView | None:
        with self.caught_up():
            return self._cases.get(case_id)

    def case_by_subject(self, source: str, subject: str) -> CaseView | None:
        return self.case(case_id_for(source, subject))

    def history(self, case_id: UUID) -> list[HistoryEntry] | None:
        """The case's events, oldest first; None for an unknown case."""
        with self.caught_up():
            entries = self._history.get(case_id)
            return list(entries) if entries is not None else None

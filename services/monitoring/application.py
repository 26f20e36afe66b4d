"""The monitoring application: records what it observes of other services' cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from contracts.envelope import AnyEnvelope
from services.monitoring.domain import Case, case_id_for
from services.monitoring.integration import observation_from
from shared.eventstore import ServiceApplication
from shared.thaitime import bangkok_date


class MonitoringApplication(ServiceApplication):
    name = "monitoring"  # pinned: it names the stored data

    def observe(self, envelope: AnyEnvelope) -> Case | None:
        """Decide what one contract event changes: the case it opened or extended, or None when
        this very event was already recorded. Saving is the caller's (the consumer saves the case
        with its tracking position in one transaction)."""
        observation = observation_from(envelope)
        case = self.get(Case, case_id_for(envelope.source, envelope.subject))
        if case is None:
            return Case.open(envelope.source, envelope.subject, observation)
        return case if case.observe(observation) else None

    def raise_overdue(self, candidates: Iterable[UUID], at: datetime) -> int:
        """Announce every candidate case that has passed its due date (Bangkok) since the last
        sweep; each case at most once per due date. Returns how many were announced."""
        today = bangkok_date(at)
        announced = 0
        for case_id in candidates:
            def decide(case_id: UUID = case_id) -> tuple[bool, list[Case]]:
                case = self.get(Case, case_id)
                raised = case is not None and case.raise_overdue(today, at)
                return raised, [case] if raised and case is not None else []

            announced += self.execute(decide)
        return announced

    # --- queries (authoritative, from the store; the board answers the lists) ------------------------
    def case(self, case_id: UUID) -> Case | None:
        return self.get(Case, case_id)

    def case_by_subject(self, source: str, subject: str) -> Case | None:
        return self.get(Case, case_id_for(source, subject))

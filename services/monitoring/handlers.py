"""Monitoring's reactions to other services' contract events: every one of them is observed."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.envelope import AnyEnvelope
from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import Case
from shared.consumer import Handler, Subscription

# Every service whose cases monitoring follows (its own stream is its export, not an input).
SOURCES = ("correspondence", "planning", "budgeting", "restructuring")


def observer(app: MonitoringApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[Case | None]:
        return [app.observe(envelope)]

    return handle


def subscriptions(app: MonitoringApplication) -> list[Subscription]:
    handle = observer(app)
    return [Subscription(source, handle) for source in SOURCES]

"""Planning's reactions to other services' contract events.

From correspondence: which documents exist in its registers (received, dispatched or signed), so an
approval can only cite a resolution or letter that was really registered. Each fact becomes an event
of a small `RegisteredDocument` aggregate, saved with the consumer's tracking position.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.envelope import AnyEnvelope
from services.planning.application import PlanningApplication
from services.planning.domain import RegisteredDocument
from shared.consumer import Handler, Subscription


def document_learner(app: PlanningApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[RegisteredDocument | None]:
        return [app.learn_document(envelope)]

    return handle


def subscriptions(app: PlanningApplication) -> list[Subscription]:
    return [Subscription("correspondence", document_learner(app))]

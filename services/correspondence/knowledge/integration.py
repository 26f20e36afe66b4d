"""Knowledge items (procedure 4) → contract events, each with the item's case status.

The body stays in the service (read it through the API); the events carry title, tags and who did
what. The envelope itself is built by `services.correspondence.integration`, which calls `translate`
for these aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.correspondence import v1
from contracts.envelope import CaseStatus, IntegrationEvent
from services.correspondence.knowledge.domain import KnowledgeItem
from shared.domain import DomainEvent

PROCEDURE_KNOWLEDGE = 4


def payload(event: DomainEvent, k: KnowledgeItem) -> IntegrationEvent | None:
    match event:
        case KnowledgeItem.Captured():
            return v1.KnowledgeItemCaptured(knowledge_item_id=k.id, title=k.title,
                                            author_id=k.author_id, tags=event.tags,
                                            source=k.source)
        case KnowledgeItem.Accepted():
            return v1.KnowledgeItemAccepted(knowledge_item_id=k.id, screened_by=event.screened_by,
                                            reason=event.reason)
        case KnowledgeItem.Rejected():
            return v1.KnowledgeItemRejected(knowledge_item_id=k.id, screened_by=event.screened_by,
                                            reason=event.reason)
        case KnowledgeItem.Published():
            return v1.KnowledgeItemPublished(knowledge_item_id=k.id, title=k.title,
                                             tags=event.tags, published_by=event.published_by)
    return None


def status(k: KnowledgeItem, holder_th: str | None) -> CaseStatus:
    return CaseStatus(procedure=PROCEDURE_KNOWLEDGE, case_type="knowledge_item", title=k.title,
                      step=k.step.value, step_th=k.step_th, holder=k.holder, holder_th=holder_th,
                      since=k.step_since, due=None, closed=k.closed)


def translate(event: DomainEvent, aggregate: Any,
              holder_th: Callable[[str | None], str | None]
              ) -> tuple[IntegrationEvent, CaseStatus] | None:
    if not isinstance(event, KnowledgeItem.Event):
        return None
    found = payload(event, aggregate)
    return None if found is None else (found, status(aggregate, holder_th(aggregate.holder)))

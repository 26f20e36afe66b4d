"""News items (procedure 2, step 5.3) → contract events, each with the item's case status.

The drafts' texts stay inside until published (a draft is not news yet, and a revision changes no
step, so `Revised` is not published); the published event carries what the public may read, so
other agencies' sites can show the headline without calling back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.correspondence import v1
from contracts.envelope import CaseStatus, IntegrationEvent
from services.correspondence.news.domain import NewsItem
from shared.domain import DomainEvent

PROCEDURE_SERVICE = 2


def payload(event: DomainEvent, n: NewsItem) -> IntegrationEvent | None:
    match event:
        case NewsItem.Drafted():
            return v1.NewsItemDrafted(news_item_id=n.id, title=event.title,
                                      author_id=event.author_id)
        case NewsItem.Submitted():
            return v1.NewsItemSubmitted(news_item_id=n.id, round=event.round_no,
                                        officer_id=event.officer_id, checker_id=event.checker_id)
        case NewsItem.Approved():
            return v1.NewsItemApproved(news_item_id=n.id, round=event.round_no,
                                       approved_by=event.checker_id)
        case NewsItem.Returned():
            return v1.NewsItemReturned(news_item_id=n.id, round=event.round_no,
                                       returned_by=event.checker_id, reason=event.reason)
        case NewsItem.Published():
            return v1.NewsItemPublished(news_item_id=n.id, title=n.title, summary=n.summary,
                                        published_by=event.published_by, published_at=event.at)
        case NewsItem.Withdrawn():
            return v1.NewsItemWithdrawn(news_item_id=n.id, withdrawn_by=event.withdrawn_by,
                                        reason=event.reason, withdrawn_at=event.at)
    return None


def status(n: NewsItem, holder_th: str | None) -> CaseStatus:
    return CaseStatus(procedure=PROCEDURE_SERVICE, case_type="news_item", title=n.title,
                      step=n.step.value, step_th=n.step_th, holder=n.holder, holder_th=holder_th,
                      since=n.step_since, due=None, closed=n.closed)


def translate(event: DomainEvent, aggregate: Any,
              holder_th: Callable[[str | None], str | None]
              ) -> tuple[IntegrationEvent, CaseStatus] | None:
    if not isinstance(event, NewsItem.Event):
        return None
    found = payload(event, aggregate)
    return None if found is None else (found, status(aggregate, holder_th(aggregate.holder)))

"""Commands and queries of knowledge management (procedure 4).

Runs inside the correspondence application (same store, staff directory and clock). The search
index keeps every item with its words already cut (`projections.SearchEntry`), so a search does not
tokenise the whole knowledge base again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.correspondence.domain import Officer
from services.correspondence.knowledge.domain import (
    KnowledgeItem,
    KnowledgeItemNotFound,
    KnowledgeStep,
)
from services.correspondence.knowledge.projections import (
    SearchEntry,
    knowledge_summary,
    search,
)
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.projection import AggregateIndex
from shared.thaitime import bangkok_date

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency


class KnowledgeBase:
    """Procedure 4 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.index: AggregateIndex[SearchEntry] = AggregateIndex(
            app, SearchEntry.of, aggregate_types=(KnowledgeItem,))

    def item(self, item_id: UUID) -> KnowledgeItem:
        found = self.app.get(KnowledgeItem, item_id)
        if found is None:
            raise KnowledgeItemNotFound(str(item_id))
        return found

    # --- commands -----------------------------------------------------------------------------------
    def capture(self, *, title: str, body: str, tags: Sequence[str], source: str,
                idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            item = KnowledgeItem.capture(by=self.app.acting_officer(), title=title, body=body,
                                         tags=tags, source=source, at=self.app.clock())
            return self.view(item), [item]

        return self.app.execute(decide, idempotency=idempotency)

    def _on_item(self, item_id: UUID, expected_version: int | None, idempotency: Idempotency,
                 act: Callable[[KnowledgeItem, Officer, datetime], None]) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = self.app.acting_officer()
            item = self.item(item_id)
            check_version(item, expected_version)
            self.app.check_record(item)
            act(item, actor, self.app.clock())
            return self.view(item), [item]

        return self.app.execute(decide, idempotency=idempotency)

    def screen(self, item_id: UUID, *, accept: bool, reason: str,
               expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i, by, at: i.screen(
            by=by, accept=accept, reason=reason, at=at))

    def publish(self, item_id: UUID, *, tags: Sequence[str] | None,
                expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i, by, at: i.publish(
            by=by, tags=tags, at=at))

    # --- queries ------------------------------------------------------------------------------------
    def _name(self, officer_id: str | None) -> str | None:
        if officer_id is None:
            return None
        officer = self.app.get(Officer, Officer.create_id(officer_id))
        return officer.name_th if officer else None

    def view(self, item: KnowledgeItem) -> dict[str, Any]:
        return {
            "knowledge_item_id": str(item.id),
            "version": item.version,
            "title": item.title,
            "body": item.body,
            "tags": item.tags,
            "source": item.source,
            "author_id": item.author_id,
            "author_name_th": self._name(item.author_id),
            "captured_at": item.captured_at,
            "step": item.step.value,
            "step_th": item.step_th,
            "holder": item.holder,
            "step_since": item.step_since,
            "screened_by": item.screened_by,
            "screening_reason": item.screening_reason,
            "published_by": item.published_by,
            "published_at": item.published_at,
        }

    def summary(self, item_id: UUID) -> dict[str, Any]:
        return self.view(self.item(item_id))

    def list_items(self, step: KnowledgeStep | None) -> list[dict[str, Any]]:
        items = [e.item for e in self.index.all() if step is None or e.item.step == step]
        return [self.view(i) for i in sorted(items, key=lambda i: i.captured_at, reverse=True)]

    def search(self, query: str, limit: int) -> list[dict[str, Any]]:
        """The published items matching every word of `query`, title matches first."""
        published = [e for e in self.index.all() if e.item.step == KnowledgeStep.published]
        return [{**self.view(entry.item), "score": score}
                for entry, score in search(published, query)[:limit]]

    def report(self, start: date, end: date) -> dict[str, Any]:
        items = [e.item for e in self.index.all()
                 if start <= bangkok_date(e.item.captured_at) <= end]
        names = {i.author_id: self._name(i.author_id) for i in items}
        return knowledge_summary(items, names, start, end)

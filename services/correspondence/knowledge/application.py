"""Commands and queries of knowledge management (procedure 4).

Runs inside the correspondence application (same store, staff directory and clock). The listing
keeps every item with its words already cut (`projections.knowledge_row`), so a search tokenises
only the query, asks the listing for the items holding every word, and ranks those.
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
    KNOWLEDGE_COLUMNS,
    KNOWLEDGE_INDEXES,
    knowledge_entry,
    knowledge_row,
    knowledge_summary,
    query_terms,
    rank,
    search_key,
    stored_fields,
    term_condition,
)
from shared.domain import Aggregate
from shared.eventstore import check_version
from shared.http.paging import PageRequest

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency


class KnowledgeBase:
    """Procedure 4 of the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.listed = app.read_models.listing(
            "correspondence_knowledge_items", of=(KnowledgeItem,), columns=KNOWLEDGE_COLUMNS,
            indexes=KNOWLEDGE_INDEXES, row=knowledge_row)

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
    def view(self, item: KnowledgeItem) -> dict[str, Any]:
        return self._named([knowledge_entry(item)])[0]

    def _named(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = self.app.officer_names(e["author_id"] for e in entries)
        return [{**{k: v for k, v in e.items() if not k.startswith("_")},
                 "author_name_th": names.get(e["author_id"])} for e in entries]

    def summary(self, item_id: UUID) -> dict[str, Any]:
        return self.view(self.item(item_id))

    def list_items(self, paging: PageRequest, *, status: KnowledgeStep | None = None,
                   captured: tuple[date, date] | None = None) -> dict[str, Any]:
        """Every item (of a status, captured in a period), the newest first."""
        where: dict[str, Any] = {}
        if status is not None:
            where["step"] = status.value
        if captured is not None:
            where.update(captured_on__ge=captured[0].isoformat(),
                         captured_on__le=captured[1].isoformat())
        page = self.listed.page(paging, where, order_by=("captured_at",), descending=True)
        page["items"] = self._named(page["items"])
        return page

    def search(self, query: str, paging: PageRequest) -> dict[str, Any]:
        """The published items matching every word of `query`, title matches first: the listing
        finds the items holding every word, those are ranked."""
        terms = query_terms(query)
        if not terms:
            return paging.answer([], None, 0)
        where = {"step": KnowledgeStep.published.value,
                 "all": [term_condition(term) for term in terms]}
        hits = []
        for view in self.listed.views(where):
            score = rank(stored_fields(view), terms)
            if score is not None:
                hits.append({**view, "score": score})
        hits.sort(key=search_key)
        page = paging.page(hits, key=search_key)
        page["items"] = [{**named, "score": hit["score"]}
                         for hit, named in zip(page["items"], self._named(page["items"]),
                                               strict=True)]
        return page

    def report(self, start: date, end: date) -> dict[str, Any]:
        items = self.listed.views({"captured_on__ge": start.isoformat(),
                                   "captured_on__le": end.isoformat()})
        return knowledge_summary(items, self.app.officer_names(i["author_id"] for i in items),
                                 start, end)

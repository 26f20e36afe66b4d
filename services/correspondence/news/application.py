"""Commands and queries of the group's news (procedure 2, step 5.3).

Runs inside the correspondence application: the same store (the relay publishes these events too),
the same staff directory, clock and content-addressed file store (a news picture is stored once per
content, as a letter's attachments are). Staff see every item with its review rounds; the public
sees only what is published, in Thai with Buddhist-era dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from services.correspondence.domain import Attachment, Document
from services.correspondence.meetings.domain import Meeting
from services.correspondence.news.domain import (
    InvalidNewsLink,
    LinkKind,
    NewsItem,
    NewsItemNotFound,
    NewsLink,
    NewsStep,
    check_image_content,
)
from services.correspondence.news.projections import (
    NEWS_COLUMNS,
    NEWS_INDEXES,
    named,
    news_entry,
    news_row,
    news_summary,
    people_of,
    public_entry,
    public_view,
)
from shared.http.paging import PageRequest

if TYPE_CHECKING:
    from services.correspondence.application import CorrespondenceApplication, Idempotency, NewFile

# The records a link may name by id, and where they live in this service's store.
LINKED_RECORDS: dict[LinkKind, type] = {LinkKind.document: Document, LinkKind.meeting: Meeting}


class NewsDesk:
    """Procedure 2's news publishing in the correspondence service."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app
        self.listed = app.read_models.listing(
            "correspondence_news_items", of=(NewsItem,), columns=NEWS_COLUMNS,
            indexes=NEWS_INDEXES, row=news_row)

    def item(self, item_id: UUID) -> NewsItem:
        found = self.app.get(NewsItem, item_id)
        if found is None:
            raise NewsItemNotFound(str(item_id))
        return found

    def public_item(self, item_id: UUID) -> NewsItem:
        """A published item; drafts and withdrawn items do not exist for the public."""
        item = self.item(item_id)
        if not item.is_public:
            raise NewsItemNotFound(str(item_id))
        return item

    # --- commands -----------------------------------------------------------------------------------
    def draft(self, *, title: str, body: str, summary: str, links: Sequence[NewsLink],
              image: NewFile | None, idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[NewsItem]]:
            item = NewsItem.draft(by=self.app.acting_officer(), title=title, body=body,
                                  summary=summary, links=self._known(links),
                                  image=self._describe(image), at=self.app.clock())
            self._store(image)
            return self.view(item), [item]

        return self.app.execute(decide, idempotency=idempotency)

    def _on_item(self, item_id: UUID, expected_version: int | None, idempotency: Idempotency,
                 act: Callable[[NewsItem], None]) -> dict[str, Any]:
        return self.app.update(lambda: self.item(item_id), act, self.view,
                               expected_version=expected_version, idempotency=idempotency)

    def revise(self, item_id: UUID, *, title: str, body: str, summary: str,
               links: Sequence[NewsLink], image: NewFile | None, remove_image: bool,
               expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        def act(item: NewsItem) -> None:
            kept = None if remove_image else item.image
            item.revise(by=self.app.acting_officer(), title=title, body=body, summary=summary,
                        links=self._known(links),
                        image=self._describe(image) if image is not None else kept,
                        at=self.app.clock())
            self._store(image)

        return self._on_item(item_id, expected_version, idempotency, act)

    def submit(self, item_id: UUID, *, checker_id: str, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i: i.submit(
            by=self.app.acting_officer(), checker=self.app.officer(checker_id),
            at=self.app.clock()))

    def approve(self, item_id: UUID, *, comments: str, expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i: i.approve(
            by=self.app.acting_officer(), comments=comments, at=self.app.clock()))

    def return_for_revision(self, item_id: UUID, *, reason: str,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i: i.return_for_revision(
            by=self.app.acting_officer(), reason=reason, at=self.app.clock()))

    def publish(self, item_id: UUID, *, expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i: i.publish(
            by=self.app.acting_officer(), at=self.app.clock()))

    def withdraw(self, item_id: UUID, *, reason: str, expected_version: int | None = None,
                 idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_item(item_id, expected_version, idempotency, lambda i: i.withdraw(
            by=self.app.acting_officer(), reason=reason, at=self.app.clock()))

    def _known(self, links: Sequence[NewsLink]) -> list[NewsLink]:
        """A link to a document or meeting names one this service holds."""
        for link in links:
            record = LINKED_RECORDS.get(link.kind)
            if record is None:
                continue
            try:
                found = self.app.get(record, UUID(link.ref.strip()))
            except ValueError:
                found = None
            if found is None:
                raise InvalidNewsLink(f"no {link.kind.value} {link.ref}", field="links.ref")
        return list(links)

    def _describe(self, image: NewFile | None) -> Attachment | None:
        if image is None:
            return None
        check_image_content(image.media_type, image.content)
        attachments, _ = self.app._describe([image], None, "none")
        return attachments[0]

    def _store(self, image: NewFile | None) -> None:
        # Called only once the aggregate accepted the command: files follow accepted events.
        if image is not None:
            self.app._store([image], None)

    # --- queries ------------------------------------------------------------------------------------
    def view(self, item: NewsItem) -> dict[str, Any]:
        """The item as the group's staff see it: every step, round and reason."""
        return self._named([news_entry(item)])[0]

    def _named(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = self.app.officer_names(p for e in entries for p in people_of(e))
        return [named(e, names) for e in entries]

    def summary(self, item_id: UUID) -> dict[str, Any]:
        return self.view(self.item(item_id))

    def list_items(self, paging: PageRequest, *, status: NewsStep | None = None,
                   year_be: int | None = None) -> dict[str, Any]:
        """Every item (of a status, of the BE year it was drafted in), the newest draft first."""
        where: dict[str, Any] = {}
        if status is not None:
            where["step"] = status.value
        if year_be is not None:
            where["year_be"] = year_be
        page = self.listed.page(paging, where, order_by=("drafted_at",), descending=True)
        page["items"] = self._named(page["items"])
        return page

    def public_list(self, paging: PageRequest) -> dict[str, Any]:
        """What the public sees, newest first."""
        return self.listed.page(paging, {"public": True}, order_by=("published_at",),
                                descending=True, view=public_view)

    def public_summary(self, item_id: UUID) -> dict[str, Any]:
        return public_entry(self.public_item(item_id))

    def image(self, item_id: UUID) -> tuple[Attachment, bytes]:
        item = self.public_item(item_id)
        content = self.app.blobs.get(item.image.sha256) if item.image else None
        if item.image is None or content is None:
            raise NewsItemNotFound(f"{item_id} has no image")
        return item.image, content

    def report(self, start: date, end: date) -> dict[str, Any]:
        """Items published on Bangkok dates `start`..`end` (withdrawn ones counted too: they were
        published), month by month."""
        return news_summary(self.listed.views({"published_on__ge": start.isoformat(),
                                               "published_on__le": end.isoformat()}), start, end)

"""งานของฉัน: everything in procedures 1-4 waiting for one officer, in one list.

Each kind of record says who must act next (`holder`: an officer id, or a role such as
`group_director` that anyone holding it may take), at which step, since when, and by when. An officer's
list is every open record they hold, oldest first, overdue ones on top, each with the path of the
record in this API, so a portal can offer one inbox instead of five.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID


class Workable(Protocol):
    """What the records of procedures 1-4 have in common for a work list."""

    id: UUID
    step_since: datetime | None

    @property
    def holder(self) -> str | None: ...

    @property
    def step_th(self) -> str: ...


@dataclass(frozen=True)
class WorkKind:
    procedure: int
    kind: str
    kind_th: str
    path: str  # the collection the record lives under in the API

    def item(self, record: Any, title: str, today: date,
             overdue: bool | None = None) -> dict[str, Any]:
        """`overdue` when the caller knows better (a document's due date is for the assigned
        work, not for filing it afterwards); otherwise the record's own `is_overdue`, and only a
        record without one is overdue when past its due date."""
        due: date | None = getattr(record, "due", None)
        if overdue is None:
            is_overdue = getattr(record, "is_overdue", None)
            overdue = is_overdue(today) if is_overdue else due is not None and today > due
        return {
            "procedure": self.procedure,
            "kind": self.kind,
            "kind_th": self.kind_th,
            "id": str(record.id),
            "title": title,
            "step": str(record.step.value),
            "step_th": record.step_th,
            "since": record.step_since,
            "due": due,
            "overdue": overdue,
            "path": f"{self.path}/{record.id}",
        }


DOCUMENT = WorkKind(1, "document", "หนังสือ (งานสารบรรณ)", "/documents")
SERVICE_REQUEST = WorkKind(2, "service_request", "คำขอรับบริการ", "/service-requests")
NEWS_ITEM = WorkKind(2, "news_item", "ข่าวประชาสัมพันธ์", "/news-items")
MEETING = WorkKind(3, "meeting", "การประชุม", "/meetings")
ACTION_ITEM = WorkKind(3, "action_item", "งานติดตามจากการประชุม", "/action-items")
KNOWLEDGE_ITEM = WorkKind(4, "knowledge_item", "องค์ความรู้", "/knowledge-items")


def held_by(records: Iterable[Workable], holds: Any) -> list[Any]:
    """The records whose next step is up to someone `holds(holder)` says yes to."""
    return [r for r in records if r.holder is not None and holds(r.holder)]


# Steps' moments are aware; a record that does not know since when it waits sorts last.
_NEVER = datetime.max.replace(tzinfo=UTC)


def in_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue first, then the longest waiting."""
    return sorted(items, key=lambda i: (not i["overdue"], i["since"] or _NEVER,
                                        i["procedure"], i["id"]))

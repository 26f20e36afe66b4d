"""งานของฉัน: everything in procedures 1-4 waiting for one officer, in one list.

Each kind of record says who must act next (`holder`: an officer id, or a role such as
`group_director` that anyone holding it may take), at which step, since when, and by when. The
`work` listing keeps one row per record someone must act on, and only while someone must: a
record nobody holds any more (done, closed, filed) leaves it, so an officer's list costs what is
open, never what ever was. An officer's list is every open record they hold, overdue ones on top,
then the longest waiting, each with the path of the record in this API, so a portal can offer one
inbox instead of five.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.correspondence.domain import (
    Document,
    Officer,
    Secrecy,
    mask_of,
    may_see,
)
from services.correspondence.knowledge.domain import KnowledgeItem
from services.correspondence.meetings.domain import ActionItem, Meeting
from services.correspondence.news.domain import NewsItem
from services.correspondence.projections import NEVER, NEVER_DAY, document_view, moment
from services.correspondence.service_requests.domain import ServiceRequest
from shared.http.paging import InvalidCursor, PageRequest, encode_cursor
from shared.readmodels import Listing

WORK_COLUMNS = {"holder": "text", "procedure": "int", "kind": "text", "since": "text",
                "overdue_from": "text"}
WORK_INDEXES = (("holder", "overdue_from", "since"), ("kind", "holder", "since"))


@dataclass(frozen=True)
class WorkKind:
    record: type
    procedure: int
    kind: str
    kind_th: str
    path: str  # the collection the record lives under in the API
    title: Callable[[Any], str]
    # The last day the work may wait (None: no date); overdue from the day after.
    deadline: Callable[[Any], date | None]
    # The record's own stored line, kept in its row for a list that answers it (the work queue
    # answers documents' register lines from this listing alone, with no second query).
    line: Callable[[Any], dict[str, Any]] | None = None

    def row(self, record: Any) -> dict[str, Any] | None:
        """The record's line of the work listing while someone must act on it."""
        holder = record.holder
        if holder is None:
            return None
        deadline = self.deadline(record)
        return {
            "holder": holder, "procedure": self.procedure, "kind": self.kind,
            "since": moment(record.step_since) or NEVER,
            "overdue_from": (deadline + timedelta(days=1)).isoformat() if deadline else NEVER_DAY,
            "view": {
                "procedure": self.procedure,
                "kind": self.kind,
                "kind_th": self.kind_th,
                "id": str(record.id),
                "title": self.title(record),
                "step": str(record.step.value),
                "step_th": record.step_th,
                "since": record.step_since,
                "due": getattr(record, "due", None),
                "path": f"{self.path}/{record.id}",
                # Need to know, decided per reader (`work_item`).
                "_secrecy": getattr(record, "secrecy", Secrecy.none),
                "_participants": sorted(getattr(record, "participants", ())),
                "_overdue_from": (deadline + timedelta(days=1)).isoformat() if deadline else None,
                **({"_line": self.line(record)} if self.line is not None else {}),
            },
        }


def _due(record: Any) -> date | None:
    return record.due


def _open_due(record: Any) -> date | None:
    return None if record.closed else record.due


DOCUMENT = WorkKind(Document, 1, "document", "หนังสือ (งานสารบรรณ)", "/documents",
                    lambda d: d.subject, lambda d: d.action_due, line=document_view)
SERVICE_REQUEST = WorkKind(ServiceRequest, 2, "service_request", "คำขอรับบริการ",
                           "/service-requests", lambda r: r.subject, _open_due)
NEWS_ITEM = WorkKind(NewsItem, 2, "news_item", "ข่าวประชาสัมพันธ์", "/news-items",
                     lambda n: n.title, lambda n: None)
MEETING = WorkKind(Meeting, 3, "meeting", "การประชุม", "/meetings", lambda m: m.title, _due)
ACTION_ITEM = WorkKind(ActionItem, 3, "action_item", "งานติดตามจากการประชุม", "/action-items",
                       lambda a: a.title, _open_due)
KNOWLEDGE_ITEM = WorkKind(KnowledgeItem, 4, "knowledge_item", "องค์ความรู้", "/knowledge-items",
                          lambda k: k.title, lambda k: None)
WORK_KINDS = (DOCUMENT, SERVICE_REQUEST, NEWS_ITEM, MEETING, ACTION_ITEM, KNOWLEDGE_ITEM)
_BY_CLASS = {kind.record: kind for kind in WORK_KINDS}
WORK_RECORDS = tuple(_BY_CLASS)
KINDS = tuple(kind.kind for kind in WORK_KINDS)


def work_row(record: Any) -> dict[str, Any] | None:
    return _BY_CLASS[type(record)].row(record)


def holders_of(officer: Officer | None) -> list[str]:
    """The holders whose work is up to `officer`: their id and their roles (nothing for someone
    no longer active, or unknown)."""
    if officer is None or not officer.active:
        return []
    return [officer.officer_id, *sorted(role.value for role in officer.roles)]


def work_item(view: dict[str, Any], viewer: Officer | None, today: date) -> dict[str, Any]:
    """A stored line as `viewer` reads it today: overdue or not, a classified title masked."""
    item = {k: v for k, v in view.items() if not k.startswith("_")}
    overdue_from = view["_overdue_from"]
    item["overdue"] = overdue_from is not None and overdue_from <= today.isoformat()
    if not may_see(view["_secrecy"], view["_participants"], viewer):
        item["title"] = mask_of(view["_secrecy"])
    return item


def overdue_first(listing: Listing, paging: PageRequest, where: dict[str, Any], today: date,
                  view: Callable[[Any], Any], overdue: bool | None = None) -> dict[str, Any]:
    """A page of work, overdue first, then the longest waiting (by `since`, then procedure).
    Which rows are overdue changes with the day, not with events: the overdue ones and the
    others are two keyset walks, and the cursor says which one it is in."""
    day = today.isoformat()
    parts = [(0, {**where, "overdue_from__le": day}), (1, {**where, "overdue_from__gt": day})]
    if overdue is not None:
        parts = [parts[0] if overdue else parts[1]]
    keys = ("since", "procedure", "id")
    after = paging.after
    if after is not None and (len(after) != 1 + len(keys) or after[0] not in (0, 1)):
        raise InvalidCursor("the cursor is not one of this list", field="cursor")
    # The parts together are every row `where` selects: the first query made counts them.
    counted = where if overdue is None else parts[0][1]
    total: int | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for part, part_where in parts:
        if after is not None and part < after[0]:
            continue
        start = after[1:] if after is not None and part == after[0] else None
        limit = paging.limit + 1 - len(rows)
        if total is None:
            found, total = listing.select_counted(part_where, order_by=keys[:-1], after=start,
                                                  limit=limit, total_of=counted)
        else:
            found = listing.select(part_where, order_by=keys[:-1], after=start, limit=limit)
        rows += [(part, row) for row in found]
        if len(rows) > paging.limit:
            break
    more = len(rows) > paging.limit
    rows = rows[:paging.limit]
    cursor = None
    if more and rows:
        part, last = rows[-1]
        cursor = encode_cursor([part, *(last[k] for k in keys)])
    return paging.answer([view(row["view"]) for _, row in rows], cursor,
                         total if total is not None else listing.count(counted))

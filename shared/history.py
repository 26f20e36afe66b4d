"""The history of one record, paged: its events in order, who took each step, when and what.

A record's history grows for as long as the record lives (a school's enrolment, year after year),
so it is read a page at a time like every list: the cursor is the version of the last event given,
the store reads only the events after it, and the total is the record's version (one event each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.domain import Aggregate, DomainEvent
from shared.eventstore import ServiceApplication
from shared.http.paging import PageRequest


def event_entry(event: DomainEvent) -> dict[str, Any]:
    """One event as a history shows it: version, event name, moment, actor, trace and data."""
    data = event.model_dump(mode="json", exclude={"originator_id", "originator_topic"})
    return {
        "version": data.pop("originator_version"),
        "event": type(event).__name__,
        "at": data.pop("timestamp"),
        "actor": data.pop("actor"),
        "trace_id": data.pop("trace_id"),
        "data": data,
    }


def history_page(app: ServiceApplication, record: Aggregate, paging: PageRequest,
                 entry: Callable[[DomainEvent], Any] = event_entry) -> dict[str, Any]:
    """A page of `record`'s events after the cursor (the version of the last one given)."""
    after = paging.number_after()
    events = list(app.events.get(record.id, gt=after, limit=paging.limit + 1))
    return paging.answer_read(events, key=lambda event: [event.originator_version],
                              total=record.version, view=entry)

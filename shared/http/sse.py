"""Server-Sent Events over a service's notification log: the one home for live feeds.

Each SSE event's `id` is the notification id of the event it shows. A client that reconnects sends
the last id it received (`Last-Event-ID`, sent by browsers automatically; `?after=N` for the first
connection) and the feed resumes right after it: the log is append-only and gap-free in commit order,
so nothing is missed and nothing is sent twice. Notifications the renderer skips still move the
position, so they are never looked at again.

Use from an `async def` path operation declared with FastAPI's `response_class=EventSourceResponse`,
which sends the `text/event-stream` headers and a keep-alive comment after 15 s without an event:

    @router.get("/feed", response_class=EventSourceResponse)
    async def feed(last_event_id: LastEventId = None, after: FeedAfter = None,
                   limit: FeedLimit = None) -> AsyncIterable[ServerSentEvent]:
        async for item in follow_notifications(app, render, after=resume_after(last_event_id, after),
                                               limit=limit):
            yield item

The feed follows the log with the event store's subscription (`shared.follow.follow_log`): a
commit wakes it at once. It ends when the client leaves or the service shuts down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from eventsourcing.persistence import Tracking
from fastapi import Header, Query
from fastapi.sse import ServerSentEvent

from shared.domain import DomainEvent
from shared.eventstore import ServiceApplication
from shared.follow import follow_log
from shared.logging import get_logger

log = get_logger(__name__)

# (SSE event name, JSON-able data) for a domain event worth showing, or None to skip it.
Render = Callable[[DomainEvent], tuple[str, Any] | None]

LastEventId = Annotated[
    int | None,
    Header(alias="Last-Event-ID", ge=0, description="The id of the last event received (on reconnect)"),
]
FeedAfter = Annotated[
    int | None,
    Query(ge=0, description="Start after this event id (first connection; Last-Event-ID wins)"),
]
FeedLimit = Annotated[
    int | None,
    Query(ge=1, le=100_000, description="Close the stream after this many events"),
]


def resume_after(last_event_id: int | None, after: int | None) -> int:
    """A browser reconnecting keeps the first URL's `?after`, so the header must win."""
    if last_event_id is not None:
        return last_event_id
    return after or 0


async def follow_notifications(
    app: ServiceApplication,
    render: Render,
    *,
    after: int = 0,
    limit: int | None = None,
    closing: asyncio.Event | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Events after notification `after`, forever (or `limit` of them), as they are committed;
    the stream ends at once when the service shuts down (`closing`) and quietly when the client
    goes away."""

    def event_of(domain_event: DomainEvent, tracking: Tracking) -> ServerSentEvent | None:
        rendered = render(domain_event)
        if rendered is None:
            return None
        name, data = rendered
        return ServerSentEvent(id=str(tracking.notification_id), event=name,
                               raw_data=orjson.dumps(data).decode())  # Thai as UTF-8, not \u

    sent = 0
    try:
        async for batch in follow_log(app, event_of, after=after, closing=closing):
            for item in batch:
                if item is None:
                    continue
                yield item
                sent += 1
                if limit is not None and sent >= limit:
                    return
    except asyncio.CancelledError:
        # The client went away (or the server is stopping): an ordinary end of a live feed.
        log.debug("feed closed", sent=sent)
        raise

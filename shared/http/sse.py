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

A local commit wakes the feed at once (commit listener); a short poll covers commits made by other
processes on the same store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from fastapi import Header, Query
from fastapi.sse import ServerSentEvent

from shared.domain import DomainEvent
from shared.eventstore import ServiceApplication

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
    poll_seconds: float = 1.0,
    batch_size: int = 200,
) -> AsyncIterator[ServerSentEvent]:
    """Events after notification `after`, forever (or `limit` of them), as they are committed."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def on_commit() -> None:  # runs in the committing thread
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:
            pass  # the loop is closing: the stream is ending anyway; never fail the commit

    def read(position: int) -> tuple[int, int, list[ServerSentEvent]]:
        notifications = app.read_notifications(position, batch_size)
        items = []
        for notification in notifications:
            rendered = render(app.to_domain_event(notification))
            if rendered is not None:
                name, data = rendered
                items.append(ServerSentEvent(
                    id=str(notification.id),
                    event=name,
                    raw_data=orjson.dumps(data).decode(),  # Thai text as UTF-8, not \u escapes
                ))
        last = notifications[-1].id if notifications else position
        return last, len(notifications), items

    app.add_commit_listener(on_commit)
    try:
        position, sent = after, 0
        while True:
            wake.clear()  # before reading: a commit during the read wakes the next wait
            position, count, items = await asyncio.to_thread(read, position)
            for item in items:
                yield item
                sent += 1
                if limit is not None and sent >= limit:
                    return
            if count == batch_size:
                continue  # more is waiting
            try:
                await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass  # the poll: commits by other processes do not wake us
    finally:
        app.remove_commit_listener(on_commit)

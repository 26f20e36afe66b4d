"""งานของฉัน, the landing page: everything waiting for the officer in the services that list it,
by name or by a role they hold, overdue first, counted per service, each item one click from the
page where the officer acts on it; live (see `live.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.service_client import (
    MY_WORK_PATHS,
    SERVICE_NAMES_TH,
    Page,
    Refused,
    Unavailable,
)
from services.portal.sessions import Session
from services.portal.views import render

# Where the portal has the page on which an officer acts on a record of this kind.
ACTION_PAGES = {("correspondence", "document"): "/saraban/documents/{id}"}
LIVE_SECONDS = 25 * 60  # a browser reconnects after this, and the session is checked again
WORK_LIMIT = 50


async def my_work(request: Request, session: Session) -> dict[str, Any]:
    """Every service's list for the officer, side by side; a service that is down says so."""
    services = portal_of(request).services
    cursors = {name: request.query_params.get(f"{name}_cursor") for name in MY_WORK_PATHS}

    async def one(service: str, path: str) -> Page | Unavailable | Refused:
        try:
            return await services.page(service, path, actor=session.officer_id,
                                       limit=WORK_LIMIT, cursor=cursors[service])
        except (Unavailable, Refused) as error:
            return error

    answers = await asyncio.gather(*(one(s, p) for s, p in MY_WORK_PATHS.items()))
    items: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for service, answer in zip(MY_WORK_PATHS, answers, strict=True):
        row: dict[str, Any] = {"service": service, "name_th": SERVICE_NAMES_TH[service]}
        if isinstance(answer, Page):
            row.update(count=answer.total if answer.total is not None else len(answer.items),
                       overdue=sum(1 for i in answer.items if i.get("overdue")),
                       next_cursor=answer.next_cursor)
            for item in answer.items:
                link = ACTION_PAGES.get((service, item.get("kind", "")))
                items.append({**item, "service": service,
                              "service_th": SERVICE_NAMES_TH[service],
                              "link": link.format(id=item["id"]) if link else None})
        else:
            row["problem"] = answer.message_th
        counts.append(row)
    # Overdue first, then the longest waiting, across services (each list comes in that order).
    items.sort(key=lambda i: (not i.get("overdue"), i.get("since") or "9999"))
    return {"items": items, "counts": counts,
            "others": [n for s, n in SERVICE_NAMES_TH.items() if s not in MY_WORK_PATHS]}


def create_router() -> PageRouter:
    router = PageRouter(dependencies=[Depends(load_session)])

    @router.get("/")
    async def home(request: Request, session: Session = Depends(signed_in)) -> Response:
        return render(request, "my_work.html", **await my_work(request, session))

    @router.get("/my-work/list")
    async def work_list(request: Request, session: Session = Depends(signed_in)) -> Response:
        return render(request, "_my_work_list.html", **await my_work(request, session))

    @router.get("/live", response_class=EventSourceResponse)
    async def live(request: Request, session: Session = Depends(signed_in)
                   ) -> AsyncIterable[ServerSentEvent]:
        feed = portal_of(request).feed
        listener = feed.subscribe(session.officer_id, session.roles)
        loop = asyncio.get_running_loop()
        ends = loop.time() + LIVE_SECONDS
        try:
            yield ServerSentEvent(event="ready", data="live" if feed.connected else "polling")
            while loop.time() < ends:
                try:
                    await asyncio.wait_for(listener.queue.get(), timeout=10)
                except TimeoutError:
                    continue  # FastAPI sends its keep-alive comment meanwhile
                yield ServerSentEvent(event="work", data="changed")
        finally:
            feed.unsubscribe(listener)

    return router

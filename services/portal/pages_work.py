"""งานของฉัน, the landing page: everything waiting for the officer in all five services, by name or
by a role they hold, overdue first, counted per service, each item one click from the page where
the officer acts on it; live (see `live.py`).

Where the work comes from (`collect_work`, which รออนุมัติ reads too):
- correspondence (procedures 1-4): its own `/my-work`, which knows secrecy (a classified
  document's subject is shown only to whom the service shows it);
- planning, budgeting, restructuring and monitoring: monitoring's board of every case
  (`/cases?holder=…&closed=false`, paged through `next_cursor`), once for each holder the officer
  answers for (their id, their roles, the bodies whose decisions the group records, committees);
  a committee's case counts only for its members (read from the case itself).
A service that is down (or monitoring, for the four it tells about) is said so in Thai beside its
count; the rest of the list stands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.portal.catalogue import COMMITTEE, holds_work, is_decision, kind_of, work_holders
from services.portal.security import PageRouter, load_session, portal_of, signed_in
from services.portal.service_client import (
    MY_WORK_PATHS,
    SERVICE_NAMES_TH,
    WORK_BOARD,
    Page,
    Refused,
    Unavailable,
)
from services.portal.sessions import Session
from services.portal.views import render

LIVE_SECONDS = 25 * 60  # a browser reconnects after this, and the session is checked again
WORK_LIMIT = 50
BOARD_MOST = 500  # cases per holder read from the board at once


@dataclass
class Work:
    items: list[dict[str, Any]] = field(default_factory=list)
    counts: list[dict[str, Any]] = field(default_factory=list)


async def _own_lists(request: Request, session: Session) -> dict[str, Page | Exception]:
    """The services that list the officer's work themselves (correspondence's /my-work)."""
    services = portal_of(request).services
    cursors = {name: request.query_params.get(f"{name}_cursor") for name in MY_WORK_PATHS}

    async def one(service: str, path: str) -> Page | Exception:
        try:
            return await services.page(service, path, actor=session.officer_id,
                                       limit=WORK_LIMIT, cursor=cursors[service])
        except (Unavailable, Refused) as error:
            return error

    answers = await asyncio.gather(*(one(s, p) for s, p in MY_WORK_PATHS.items()))
    return dict(zip(MY_WORK_PATHS, answers, strict=True))


async def _board(request: Request, session: Session) -> list[dict[str, Any]] | Exception:
    """Open cases of the other services held by the officer, from monitoring's board."""
    services = portal_of(request).services
    board, path = WORK_BOARD

    async def held(holder: str) -> list[dict[str, Any]]:
        items, _ = await services.every(board, path, actor=session.officer_id,
                                        params={"holder": holder, "closed": "false"},
                                        most=BOARD_MOST)
        return items

    try:
        found = await asyncio.gather(*(held(h) for h in work_holders(session)))
    except (Unavailable, Refused) as error:
        return error
    cases: dict[str, dict[str, Any]] = {}
    for case in (c for batch in found for c in batch):
        if case.get("source") not in MY_WORK_PATHS:
            cases.setdefault(str(case["case_id"]), case)
    committee = [c for c in cases.values() if c.get("holder") == COMMITTEE]
    members = await asyncio.gather(*(_sits_on(request, session, c) for c in committee))
    for case, member in zip(committee, members, strict=True):
        if not member:
            del cases[str(case["case_id"])]
    return list(cases.values())


async def _sits_on(request: Request, session: Session, case: dict[str, Any]) -> bool:
    """A committee's case is the officer's when they are on that case's committee."""
    kind = kind_of(case["source"], case.get("case_type"))
    if kind is None:
        return False
    try:
        record = (await portal_of(request).services.get(
            case["source"], kind.api_of(case["subject"]), actor=session.officer_id)).data
    except (Refused, Unavailable):
        return False
    return holds_work(session, COMMITTEE, record)


def _board_item(case: dict[str, Any]) -> dict[str, Any]:
    service, subject = case["source"], str(case["subject"])
    kind = kind_of(service, case.get("case_type"))
    return {"service": service, "service_th": SERVICE_NAMES_TH.get(service, service),
            "kind": case.get("case_type"), "kind_th": kind.label_th if kind else case.get(
                "case_type"), "id": subject, "title": case.get("title") or "(ลับ)",
            "step": case.get("step"), "step_th": case.get("step_th"),
            "holder": case.get("holder"), "holder_th": case.get("holder_th"),
            "since": case.get("since"), "due": case.get("due"),
            "overdue": bool(case.get("overdue")),
            "link": kind.page_of(subject) if kind else None}


async def collect_work(request: Request, session: Session) -> Work:
    own, board = await asyncio.gather(_own_lists(request, session), _board(request, session))
    work = Work()
    for service, answer in own.items():
        row: dict[str, Any] = {"service": service, "name_th": SERVICE_NAMES_TH[service]}
        if isinstance(answer, Page):
            row.update(count=answer.total if answer.total is not None else len(answer.items),
                       overdue=sum(1 for i in answer.items if i.get("overdue")),
                       next_cursor=answer.next_cursor)
            for item in answer.items:
                kind = kind_of(service, item.get("kind"))
                work.items.append({**item, "service": service,
                                   "service_th": SERVICE_NAMES_TH[service],
                                   "link": kind.page_of(str(item["id"])) if kind else None})
        else:
            row["problem"] = getattr(answer, "message_th", str(answer))
        work.counts.append(row)
    for service, name_th in SERVICE_NAMES_TH.items():
        if service in MY_WORK_PATHS:
            continue
        row = {"service": service, "name_th": name_th}
        if isinstance(board, Exception):
            row["problem"] = (f"{getattr(board, 'message_th', str(board))} "
                              "(รายการงานของระบบนี้อ่านจากระบบติดตามและประเมินผล)")
        else:
            mine = [_board_item(c) for c in board if c["source"] == service]
            row.update(count=len(mine), overdue=sum(1 for i in mine if i["overdue"]))
            work.items += mine
        work.counts.append(row)
    # Overdue first, then the longest waiting, across services.
    work.items.sort(key=lambda i: (not i.get("overdue"), str(i.get("since") or "9999")))
    for item in work.items:
        item["decision"] = is_decision(item["service"], item.get("kind"), item.get("step"))
    return work


def create_router() -> PageRouter:
    router = PageRouter(dependencies=[Depends(load_session)])

    @router.get("/")
    async def home(request: Request, session: Session = Depends(signed_in)) -> Response:
        work = await collect_work(request, session)
        return render(request, "my_work.html", items=work.items, counts=work.counts)

    @router.get("/my-work/list")
    async def work_list(request: Request, session: Session = Depends(signed_in)) -> Response:
        work = await collect_work(request, session)
        return render(request, "_my_work_list.html", items=work.items, counts=work.counts)

    @router.get("/live", response_class=EventSourceResponse)
    async def live(request: Request, session: Session = Depends(signed_in)
                   ) -> AsyncIterable[ServerSentEvent]:
        feed = portal_of(request).feed
        listener = feed.subscribe(frozenset(work_holders(session)))
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

"""งานของฉัน, live: the portal follows monitoring's public feed (`/feed`, Server-Sent Events) over
one connection and tells each open งานของฉัน page whose list may have changed, over the portal's
own `/live` stream (same origin, so the strict Content-Security-Policy holds and the session
decides who listens).

Why the feed and not only polling: every step of procedures 1-16 is a case status on that feed,
with who holds it next, so a page learns within moments that work arrived or left, and the portal
asks the services again only for the officers concerned. The page also polls once a minute, which
covers a monitoring outage and anything the feed does not carry.

A case is "concerning" an officer when its holder before or after the change is one the officer
answers for (their id, a role they hold, a body whose decisions they record, a committee:
`catalogue.work_holders`); a case the portal has not seen before (since it started) concerns
everyone once.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import orjson

from services.portal.service_client import ServiceClient, Unavailable
from shared.logging import get_logger

log = get_logger(__name__)

MONITORING = "monitoring"
RETRY_SECONDS = (1, 2, 5, 10, 30)
_EVERYONE = object()


@dataclass(eq=False)
class Listener:
    holders: frozenset[str]  # every holder whose cases are this officer's work
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(maxsize=8))

    def concerned(self, holders: set[str | None] | object) -> bool:
        if holders is _EVERYONE:
            return True
        assert isinstance(holders, set)
        return bool(self.holders & holders)

    def tell(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a page already told will refresh anyway
            self.queue.put_nowait("work")


class WorkFeed:
    def __init__(self, services: ServiceClient) -> None:
        self.services = services
        self.listeners: set[Listener] = set()
        self.holders: dict[str, str | None] = {}
        self.position: int | None = None
        self.connected = False

    def subscribe(self, holders: frozenset[str]) -> Listener:
        listener = Listener(holders)
        self.listeners.add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def observe(self, data: dict[str, object]) -> None:
        """One status event of the feed: tell the listeners it concerns."""
        case = str(data.get("case_id"))
        holder = data.get("holder")
        holder = str(holder) if holder is not None else None
        if case in self.holders:
            concerned: set[str | None] | object = {self.holders[case], holder}
        else:
            concerned = _EVERYONE
        self.holders[case] = holder
        for listener in list(self.listeners):
            if listener.concerned(concerned):
                listener.tell()

    async def run(self) -> None:
        """Follow the feed until cancelled, reconnecting (resuming after the last id) on failure."""
        failures = 0
        while True:
            try:
                await self._follow()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reconnect whatever went wrong
                self.connected = False
                if failures == 0:
                    log.warning("monitoring feed lost; pages poll meanwhile", error=repr(error))
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1

    async def _follow(self) -> None:
        if self.position is None:  # start at the end: the board's snapshot names the position
            board = await self.services.public_get(MONITORING, "/board")
            self.position = int(board.headers.get("x-feed-position", "0"))
            for case in board.json():
                self.holders[str(case.get("case_id"))] = case.get("holder")
        async with self.services.public_stream(
                MONITORING, "/feed", headers={"Last-Event-ID": str(self.position)},
                params={}) as response:
            if response.status_code != 200:
                raise Unavailable(MONITORING, f"feed answered {response.status_code}")
            self.connected = True
            fields: dict[str, str] = {}
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    continue
                if line:
                    key, _, value = line.partition(":")
                    fields[key] = value[1:] if value.startswith(" ") else value
                    continue
                if fields.get("id", "").isdigit():
                    self.position = int(fields["id"])
                if fields.get("event") == "status" and "data" in fields:
                    self.observe(orjson.loads(fields["data"]))
                fields = {}
        self.connected = False

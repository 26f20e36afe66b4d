"""A listing with several rows per aggregate (`many=True`, e.g. the periods of a school in the
registry) on both stores: the rows of an aggregate are replaced together when it changes, a query
on a day finds the one row of each aggregate whose period holds it, pages and streams by keyset,
refuses a cursor of another shape, resumes after a restart and rebuilds from scratch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import Response
from starlette.requests import Request

from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from shared.http.paging import InvalidCursor, PageRequest
from shared.settings import ServiceSettings
from tests.support.stores import service_settings


def settings_for(env: dict[str, str]) -> ServiceSettings:
    return service_settings("roomtest", env)


class Tenancy(Aggregate, stored_as="test.Tenancy"):
    """Who rented a room from which day: a row per tenant's period."""

    @event("Opened")
    def __init__(self, room: str) -> None:
        self.room = room
        self.tenants: list[tuple[str, str]] = []  # (from day, tenant)

    @event("Let")
    def let(self, tenant: str, from_day: str) -> None:
        self.tenants.append((from_day, tenant))


def periods(tenancy: Tenancy) -> list[dict[str, Any]]:
    starts = [*tenancy.tenants, ("9999-12-31", "")]
    return [{"room": tenancy.room, "tenant": tenant, "valid_from": since,
             "valid_until": starts[n + 1][0], "view": {"room": tenancy.room, "tenant": tenant}}
            for n, (since, tenant) in enumerate(starts[:-1])]


class Rooms(ServiceApplication):
    name = "roomtest"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.rooms = self.read_models.listing(
            "rooms", of=(Tenancy,), row=periods, many=True,
            columns={"room": "text", "tenant": "text", "valid_from": "text", "valid_until": "text"},
            indexes=(("room", "valid_from"),))


def on(day: str) -> dict[str, str]:
    return {"valid_from__le": day, "valid_until__gt": day}


def paging(limit: int, cursor: str | None = None) -> PageRequest:
    request = Request({"type": "http", "method": "GET", "path": "/rooms", "query_string": b"",
                       "headers": [], "server": ("test", 80), "scheme": "http"})
    return PageRequest(request, Response(), limit, cursor)


def test_several_rows_per_aggregate_answer_what_stood_on_a_day(store_env: dict[str, str]) -> None:
    app = Rooms(settings_for(store_env))
    try:
        tenancies = [Tenancy(f"R{n:02d}") for n in range(12)]
        for n, tenancy in enumerate(tenancies):
            tenancy.let("ก", "2024-01-01")
            if n % 2:
                tenancy.let("ข", "2024-07-01")
        app.save(*tenancies)
        assert app.rooms.count() == 18
        assert app.rooms.count({**on("2024-03-01"), "tenant": "ก"}) == 12
        assert app.rooms.count({**on("2024-08-01"), "tenant": "ข"}) == 6
        assert app.rooms.count(on("2023-12-31")) == 0

        # A change replaces the aggregate's rows together: none left over from before.
        tenancies[0].let("ค", "2024-03-01")
        app.save(tenancies[0])
        assert [r["view"]["tenant"] for r in app.rooms.select({"room": "R00"},
                                                              order_by=("valid_from",))] == [
            "ก", "ค"]
        assert app.rooms.count() == 19

        rooms, cursor = [], None
        while True:
            page = app.rooms.page(paging(5, cursor), on("2024-08-01"), order_by=("room",))
            assert page["total"] == 12
            rooms += [(v["room"], v["tenant"]) for v in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
        assert rooms == [(f"R{n:02d}", "ค" if n == 0 else "ข" if n % 2 else "ก")
                         for n in range(12)], "each room once, as it stood that day"
        assert [r["room"] for r in app.rooms.stream(on("2024-08-01"), order_by=("room",),
                                                    batch=5)] == [f"R{n:02d}" for n in range(12)]
        with pytest.raises(InvalidCursor):
            app.rooms.page(paging(5, "WzEsMl0"), order_by=("room",))  # [1, 2]: not (text, text)
        position = app.read_models.position
    finally:
        app.close()

    again = Rooms(settings_for(store_env))
    try:
        assert again.read_models.view.position(again.rooms) == position
        assert again.rooms.count(on("2024-08-01")) == 12
        assert again.read_models.rebuild("rooms") == again.max_notification_id()
        assert again.rooms.count() == 19 and again.rooms.count({**on("2024-05-01"),
                                                               "tenant": "ค"}) == 1
    finally:
        again.close()

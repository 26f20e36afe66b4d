"""The history machinery on both stores: persisted read models (paged, filtered, resumed after a
restart without replaying, rebuilt from scratch, counted from their tallies), stable stored names
and upcasting, snapshots."""

from __future__ import annotations

import contextlib
import functools
import random
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import resolve_topic
from fastapi import Response
from starlette.requests import Request

from shared import readmodels
from shared.domain import Aggregate, event, stored_name
from shared.eventstore import ServiceApplication, decode_event
from shared.http.paging import InvalidCursor, PageRequest
from shared.settings import ServiceSettings
from tests.support.stores import service_settings


class Item(Aggregate, stored_as="test.Item", formerly=("tests.old_module:Item",)):
    @event("Listed")
    def __init__(self, code: str, group: str) -> None:
        self.code = code
        self.group = group
        self.closed = False
        self.notes: dict[int, str] = {}

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes[len(self.notes) + 1] = text

    @event("Closed")
    def close(self) -> None:
        self.closed = True

    def snapshot_state(self) -> dict[str, Any]:
        return {"code": self.code, "group": self.group, "closed": self.closed,
                "notes": {str(k): v for k, v in self.notes.items()}}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "notes": {int(k): v for k, v in state["notes"].items()}}


def settings_for(env: dict[str, str]) -> ServiceSettings:
    return service_settings("itemtest", env)


class Items(ServiceApplication):
    name = "itemtest"
    snapshotting_intervals = {Item: 5}

    def __init__(self, settings: ServiceSettings,
                 tallies: tuple[tuple[str, ...], ...] = ()) -> None:
        super().__init__(settings)
        self.items = self.read_models.listing(
            "items", of=(Item,), columns={"code": "text", "grp": "text", "closed": "bool"},
            indexes=(("grp", "code"),), tallies=tallies, row=item_row)


def open_items(env: dict[str, str], tallies: tuple[tuple[str, ...], ...] = ()) -> Items:
    """The application in a rebuild's own process (module level: it is pickled to it)."""
    return Items(settings_for(env), tallies=tallies)


def open_nothing(env: dict[str, str]) -> Items:
    raise RuntimeError(f"no store at {env['ESA_VAR_DIR']} (as a share's process finds it)")


def item_row(item: Item) -> dict[str, Any] | None:
    if "ลบ" in item.notes.values():  # noted "deleted": no longer listed
        return None
    return {"code": item.code, "grp": item.group, "closed": item.closed,
            "view": {"code": item.code, "notes": len(item.notes)}}


def planned_rows(app: Items, table: str) -> float:
    """How many rows PostgreSQL's planner believes the table has (-1: never analysed)."""
    view = app.read_models.view
    with view.reading() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %(table)s::regclass",
                       {"table": view.qualified(table)})
        return float(cursor.fetchone()["reltuples"])


def page_request(limit: int, cursor: str | None = None) -> PageRequest:
    request = Request({"type": "http", "method": "GET", "path": "/items", "query_string": b"",
                       "headers": [], "server": ("test", 80), "scheme": "http"})
    return PageRequest(request, Response(), limit, cursor)


def test_a_listing_pages_filters_and_resumes_without_replaying(store_env: dict[str, str]) -> None:
    app = Items(settings_for(store_env))
    try:
        items = [Item(f"I{n:03d}", "a" if n % 3 else "b") for n in range(40)]
        for item in items[:10]:
            item.close()
        app.save(*items)
        assert app.items.count() == 40
        assert app.items.count({"grp": "b", "closed": False}) == 10
        first = app.items.page(page_request(7), {"grp": "a"}, order_by=("code",))
        assert [v["code"] for v in first["items"]] == ["I001", "I002", "I004", "I005", "I007",
                                                        "I008", "I010"]
        assert first["total"] == 26 and first["next_cursor"]
        codes = [v["code"] for v in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = app.items.page(page_request(7, cursor), {"grp": "a"}, order_by=("code",))
            codes += [v["code"] for v in page["items"]]
            cursor = page["next_cursor"]
            assert page["total"] == 26  # counted in the page's own query
        assert codes == sorted(f"I{n:03d}" for n in range(40) if n % 3), "no row twice or missed"
        # Past the last row (say its rows went since the cursor was given): none, and the count.
        assert app.items.select_counted({"grp": "a"}, order_by=("code",), limit=7,
                                        after=["I038", str(items[38].id)]) == ([], 26)
        rows, total = app.items.select_counted({"grp": "a", "closed": True}, order_by=("code",),
                                               limit=3, total_of={"grp": "a"})
        assert [row["code"] for row in rows] == ["I001", "I002", "I004"] and total == 26
        with pytest.raises(InvalidCursor):
            app.items.page(page_request(7, "bm90IGEgY3Vyc29y"), order_by=("code",))
        # A list read right after a write shows it.
        items[0].note("อนุมัติแล้ว")
        app.save(items[0])
        assert app.items.get(items[0].id) == {"code": "I000", "notes": 1}
        position = app.read_models.position
    finally:
        app.close()

    again = Items(settings_for(store_env))
    try:
        assert again.read_models.view.position(again.items) == position, "resumes, no replay"
        assert again.items.count() == 40
        rebuilt = again.read_models.rebuild("items")
        assert rebuilt == again.max_notification_id() and again.items.count() == 40
        assert again.items.get(items[0].id) == {"code": "I000", "notes": 1}
    finally:
        again.close()


def test_lists_stopped_just_after_they_start_leave_nothing_running(
        store_env: dict[str, str]) -> None:
    """A service closed (or a rebuild begun) while its lists are still subscribing to the log:
    the follower ends, rather than waiting for the next commit that a stopped service never
    makes (it was left running, and each close waited 10 s for it)."""
    app = Items(settings_for(store_env))
    try:
        app.save(Item("I001", "a"))
        for _ in range(5):
            app.read_models.start()
            follower = app.read_models._thread
            app.read_models.stop()
            assert follower is not None and not follower.is_alive(), "still following the log"
        assert app.items.count() == 1, "and they start again"
    finally:
        app.close()


def test_stored_names_are_pinned_and_old_names_and_versions_still_decode(
        store_env: dict[str, str]) -> None:
    app = Items(settings_for(store_env))
    try:
        item = Item("X1", "a")
        app.save(item)
        [notification] = app.read_notifications(0, 10)
        assert notification.topic == "test.Item.Listed" == stored_name(Item.Listed)
        # What an event stored under the name before the class moved still decodes.
        assert resolve_topic("tests.old_module:Item.Listed") is Item.Listed
        state = app.mapper.transcoder.decode(notification.state)
        assert state["originator_topic"] == "test.Item"
        assert decode_event(resolve_topic("tests.old_module:Item.Listed"), dict(state)).code == "X1"
    finally:
        app.close()


def test_snapshots_are_taken_and_loading_reads_only_what_came_after(
        store_env: dict[str, str]) -> None:
    app = Items(settings_for(store_env))
    try:
        item = Item("S1", "a")
        for n in range(12):
            item.note(f"บันทึก {n}")
        app.save(item)
        snapshots = list(app.snapshots.get(item.id))
        assert [s.originator_version for s in snapshots] == [5, 10]
        loaded = app.repository.get(item.id)
        assert (loaded.version, len(loaded.notes), loaded.notes[12]) == (13, 12, "บันทึก 11")
        assert loaded.acted_by == {"Listed": "system", "Noted": "system"}
    finally:
        app.close()


def test_tallies_count_as_the_rows_do_through_changes_restarts_and_rebuilds(
        store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(13)
    items = [Item(f"T{n:03d}", rng.choice("abc")) for n in range(60)]
    app = Items(settings_for(store_env))  # the rows exist before the listing has tallies
    try:
        app.save(*items)
    finally:
        app.close()

    def check(app: Items) -> None:
        """Every count the tallies answer, against a count of the items themselves."""
        listed = [i for i in items if "ลบ" not in i.notes.values()]
        open_by_group = Counter(i.group for i in listed if not i.closed)
        assert {(r["grp"], r["count"]) for r in app.items.counts(
            ("grp",), {"closed": False})} == set(open_by_group.items())
        assert [(r["grp"], r["closed"], r["count"]) for r in app.items.counts(
            ("grp", "closed"), {"grp__in": ["a", "c"]})] == sorted(
            (g, c, n) for (g, c), n in Counter(
                (i.group, i.closed) for i in listed if i.group in "ac").items())
        assert app.items.count() == len(listed)
        assert app.items.count({"closed": True}) == sum(i.closed for i in listed)
        assert app.items.count({"any": [{"grp": "b"}, {"closed": True}]}) == sum(
            i.group == "b" or i.closed for i in listed)
        # Of the rows selected, those of each condition counted per group, in one read.
        each = {"early": {"code__lt": "T020"}, "late": {"code__ge": "T040"}}
        open_items = [i for i in listed if not i.closed]
        assert app.items.counts_each(("grp",), {"closed": False}, each) == [
            {"grp": g, "early": sum(i.code < "T020" for i in open_items if i.group == g),
             "late": sum(i.code >= "T040" for i in open_items if i.group == g)}
            for g in sorted({i.group for i in open_items})]
        # A page's total, counted in its query: from a tally, or from the rows.
        assert app.items.page(page_request(4), {"closed": True}, order_by=("code",))["total"] \
            == sum(i.closed for i in listed)
        assert app.items.page(page_request(4), {"code__lt": "T030"})["total"] == sum(
            i.code < "T030" for i in listed)
        # A condition no tally holds is counted from the rows, the same way.
        assert app.items.count({"code__lt": "T030", "closed": False}) == sum(
            i.code < "T030" and not i.closed for i in listed)

    tallies = (("grp", "closed"), ("closed",))
    app = Items(settings_for(store_env), tallies=tallies)
    try:
        check(app)  # counted once from the rows that were there
        for round_ in range(6):
            changed = rng.sample(items, 20)
            for item in changed:
                choice = rng.random()
                if choice < 0.4:
                    item.close()
                elif choice < 0.55:
                    item.note("ลบ")
                else:
                    item.note(f"รอบ {round_}")
            new = [Item(f"U{round_}{n}", rng.choice("abc")) for n in range(5)]
            items.extend(new)
            app.save(*changed, *new)
            check(app)
    finally:
        app.close()

    again = Items(settings_for(store_env), tallies=tallies)
    try:
        check(again)  # resumed: counted neither twice nor from scratch
        built = again.items.select()
        # Rebuilt in pages that end in the middle of aggregates' histories: the same rows.
        monkeypatch.setattr(readmodels, "REBUILD_BATCH", 7)
        again.read_models.rebuild("items")
        assert again.items.select() == built
        check(again)
        if again.read_models.view.dialect == "postgres":
            # PostgreSQL's planner knows the rebuilt table and its tallies at once (`settle`;
            # the table's indexes, made at the end, count its rows too, a tally's only this),
            # not once autovacuum comes by, minutes later, while the service answers.
            assert planned_rows(again, again.items.table) == len(built)
            assert planned_rows(again, again.read_models.view.tally_table(
                again.items, ("closed",))) == len({row["closed"] for row in built})
        # Rebuilt by two processes, each folding half of the items, their pages written a few
        # together: the same rows and tallies, and the position where the log ends.
        monkeypatch.setattr(readmodels, "REBUILD_ROWS_PER_COMMIT", 5)
        reached = again.read_models.rebuild(
            "items", workers=2, opener=functools.partial(open_items, store_env, tallies))
        assert reached == again.max_notification_id()
        assert again.items.select() == built
        check(again)
        assert again.read_models.view.position(again.items) == reached
        # A share that fails stops the rebuild with its reason, and the listing stays behind
        # (the next start builds it again).
        with pytest.raises(RuntimeError, match="no store at"):
            again.read_models.rebuild("items", workers=2,
                                      opener=functools.partial(open_nothing, store_env))
        assert again.read_models.view.position(again.items) < reached
    finally:
        again.close()


def test_views_are_kept_compressed_and_rows_kept_as_json_still_read(
        store_env: dict[str, str]) -> None:
    app = Items(settings_for(store_env))
    try:
        long, short, older = Item("ก" * 300, "a"), Item("I002", "a"), Item("I003", "a")
        app.save(long, short, older)
        assert app.items.get(long.id) == {"code": "ก" * 300, "notes": 0}
        assert app.items.get(short.id) == {"code": "I002", "notes": 0}
        view = app.read_models.view
        table, p = view.qualified(app.items.table), view.placeholder
        with view.reading() as cursor:
            cursor.execute(f"SELECT id, view FROM {table}")
            kept = {row["id"]: row["view"] for row in cursor.fetchall()}
        # Compressed where that makes it shorter, else its JSON.
        json_of_long = '{"code":"' + "ก" * 300 + '","notes":0}'
        assert isinstance(kept[str(long.id)], bytes)
        assert len(kept[str(long.id)]) < len(json_of_long.encode()) / 10
        assert kept[str(short.id)] == b'{"code":"I002","notes":0}'
        if view.dialect == "postgres":
            # A table made when PostgreSQL kept views as text: made BYTEA at the next start,
            # its rows read as they were.
            with view.writing(filling=False) as cursor:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN view TYPE TEXT "
                               f"USING '{{\"code\": \"I003\", \"notes\": 7}}'")
            app.close()
            app = Items(settings_for(store_env))
            assert [v["notes"] for v in app.items.views()] == [7, 7, 7]
            short.note("read")
            app.save(short)  # written again, as today's rows are
            assert app.items.get(short.id) == {"code": "I002", "notes": 1}
            assert app.items.get(long.id) == {"code": "I003", "notes": 7}
        else:
            # A row as SQLite kept it before views were compressed: its view as JSON text.
            with view.writing(filling=False) as cursor:
                cursor.execute(f"UPDATE {table} SET view = {p('view')} WHERE id = {p('id')}",
                               {"view": '{"code": "I003", "notes": 7}', "id": str(older.id)})
            assert app.items.get(older.id) == {"code": "I003", "notes": 7}
            assert [v["code"] for v in app.items.views(order_by=("code",))] == [
                "I002", "I003", "ก" * 300]
    finally:
        app.close()


def test_a_new_sqlite_store_has_8_kib_pages_and_an_existing_one_keeps_its_own(
        tmp_path: Path) -> None:
    def page_size_once_used(var_dir: Path) -> int:
        app = Items(settings_for({"ESA_VAR_DIR": str(var_dir)}))
        try:
            app.save(Item("I001", "a"))
            assert app.items.count() == 1
        finally:
            app.close()
        with contextlib.closing(sqlite3.connect(var_dir / "itemtest.sqlite3")) as connection:
            return connection.execute("PRAGMA page_size").fetchone()[0]

    assert page_size_once_used(tmp_path / "new") == 8192
    old = tmp_path / "old"
    old.mkdir()
    with contextlib.closing(sqlite3.connect(old / "itemtest.sqlite3")) as connection:
        connection.execute("CREATE TABLE made_before (n INTEGER)")  # SQLite's default pages
    assert page_size_once_used(old) == 4096

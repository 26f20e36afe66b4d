"""Lists are answered on the event loop (`shared.http.reads.quick_read`), and a list that must wait
for the read models to catch up waits in the thread pool: it still shows what was committed before
it was asked, and the service goes on answering everyone else meanwhile."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from shared.testing import office_client
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.component.test_correspondence_api import register
from tests.conftest import Clock
from tests.support.http import h


def test_a_list_that_must_wait_does_not_hold_up_the_others(
        staffed: TestClient, correspondence: CorrespondenceApplication,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = register(staffed, subject="ก่อนหยุดปรับปรุงรายการ")
    # The lists' next write is held back (a slow disk, a long batch)...
    tables, caught_up = correspondence.read_models.view, threading.Event()
    write = tables.write
    monkeypatch.setattr(tables, "write",
                        lambda *args, **kw: (caught_up.wait(30), write(*args, **kw)))
    second = register(staffed, subject="ระหว่างรายการยังไม่ตามทัน")  # ...while the log grows

    async def two_readers() -> tuple[Any, Any, float, bool]:
        # Both requests on one event loop, as the service serves them.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=staffed.app),
                                     base_url="http://office", auth=staffed.auth,
                                     headers=h("clerk-1")) as client:
            register_page = asyncio.create_task(
                client.get(f"/registers/receiving/{second['receipt_year_be']}"))
            await asyncio.sleep(0.5)
            started = time.monotonic()
            # A read of the store itself (not of a list): the document's history.
            document = await client.get(f"/documents/{first['document_id']}/history")
            took = time.monotonic() - started
            still_waiting = not register_page.done()
            caught_up.set()  # the lists catch up
            return await register_page, document, took, still_waiting

    register_page, document, took, still_waiting = asyncio.run(two_readers())
    # The register waited for its list; a document's history was answered meanwhile.
    assert document.status_code == 200, document.text
    assert document.json()["items"][0]["event"]
    assert took < 2 and still_waiting
    assert register_page.status_code == 200, register_page.text
    subjects = [item["subject"] for item in register_page.json()["items"]]
    assert subjects == ["ก่อนหยุดปรับปรุงรายการ", "ระหว่างรายการยังไม่ตามทัน"]


def test_an_officer_changed_by_another_process_is_seen_by_the_next_list(
        staffed: TestClient, correspondence: CorrespondenceApplication, clock: Clock) -> None:
    # A quick read takes the acting officer from the cache while nothing was committed since it
    # was last brought up to date; a change committed by another process must end that.
    registered = register(staffed, subject="รอผู้อำนวยการกลุ่มพิจารณา")
    first = staffed.get("/work-queue", headers=h("dir-1"))
    assert first.status_code == 200, first.text
    assert [d["document_id"] for d in first.json()["items"]] == [registered["document_id"]]
    assert staffed.get("/work-queue", headers=h("dir-1")).json() == first.json()  # cached

    other = CorrespondenceApplication(correspondence.settings, clock=clock)  # the same store
    try:
        elsewhere = office_client(create_correspondence(other.settings, other))
        officer = elsewhere.get("/officers/dir-1", headers=h("esa-1"))
        changed = elsewhere.patch("/officers/dir-1", json={"active": False}, headers={
            **h("esa-1"), "If-Match": officer.headers["ETag"]})
        assert changed.status_code == 200, changed.text
    finally:
        other.close()

    # This service's lists take in the change (so the read is answered on the event loop)...
    deadline = time.monotonic() + 10
    while not correspondence.read_models.is_caught_up() and time.monotonic() < deadline:
        time.sleep(0.05)
    # ...and no longer active, the director holds nothing (a cached officer would still hold it).
    after = staffed.get("/work-queue", headers=h("dir-1"))
    assert after.status_code == 200, after.text
    assert after.json()["items"] == [] and after.json()["total"] == 0

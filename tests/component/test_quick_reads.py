"""Lists are answered on the event loop (`shared.http.reads.quick_read`), and a list that must wait
for the read models to catch up waits in the thread pool: it still shows what was committed before
it was asked, and the service goes on answering everyone else meanwhile."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from tests.component.test_correspondence_api import directory as directory  # noqa: F401 - fixture
from tests.component.test_correspondence_api import register
from tests.support.http import h


def test_a_list_that_must_wait_does_not_hold_up_the_others(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    first = register(staffed, subject="ก่อนหยุดปรับปรุงรายการ")
    with TestClient(staffed.app) as client:  # one event loop for every request
        client.auth = staffed.auth
        correspondence.read_models.stop()  # the lists stop following the log...
        second = register(client, subject="ระหว่างรายการยังไม่ตามทัน")  # ...while it grows
        year = second["receipt_year_be"]
        answered: dict[str, Any] = {}

        def read_the_register() -> None:
            answered["register"] = client.get(f"/registers/receiving/{year}", headers=h("clerk-1"))

        reader = threading.Thread(target=read_the_register)
        reader.start()
        time.sleep(0.5)
        # The register waits for its list; a document is answered meanwhile.
        started = time.monotonic()
        document = client.get(f"/documents/{first['document_id']}", headers=h("clerk-1"))
        assert document.status_code == 200, document.text
        assert time.monotonic() - started < 2
        assert reader.is_alive(), "the register did not wait for its list"

        correspondence.read_models.start()  # the lists catch up
        reader.join(10)
        register_page = answered["register"]
        assert register_page.status_code == 200, register_page.text
        subjects = [item["subject"] for item in register_page.json()["items"]]
        assert subjects == ["ก่อนหยุดปรับปรุงรายการ", "ระหว่างรายการยังไม่ตามทัน"]

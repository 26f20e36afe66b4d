"""A service is ready in seconds whatever its history's size: before it serves it runs only the
quick checks of its audit trail (the head, the newest leaves, the witnessed heads); the pass over
the whole store runs in the background, the first one after the start with no pause, and /ready
and /audit/status say how far it has got. An event altered deep in old history, where only that
pass looks, is found once the pass reaches it: writes stop, /ready fails. Monitoring as a real
process on SQLite and PostgreSQL, its store made with its own domain methods (as the benchmark of
an office's years makes it), large enough that the pass takes a while."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import Tracking

from benchmarks.monitoring_history import make_cases
from services.monitoring.application import MonitoringApplication
from services.monitoring.settings import MonitoringSettings
from shared.nats_server import NatsServer
from shared.office.testing import STANDARD_STAFF, teach
from shared.relay import RELAY_TRACKING_NAME
from shared.testing import ServiceProcess
from tests.support.audit import insider_sql

SERVICE = "monitoring"
EVENTS = 20_000
# One batch of 100 rows per check: the smallest the settings allow, so the pass has many steps.
SCAN_BATCH = 100
DETECTION_SECONDS = 60.0


@pytest.fixture
def history(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Monitoring's store with `EVENTS` case events, its lists built and its events published
    (so the start has nothing to catch up on but the audit trail)."""
    for key, value in store_env.items():
        monkeypatch.setenv(key, value)
    app = MonitoringApplication(MonitoringSettings(nats_url="nats://127.0.0.1:9"))
    try:
        teach(app, STANDARD_STAFF)
        batch: list[Any] = []

        def save(case: Any, _: int) -> None:
            batch.append(case)
            # About a hundred events a transaction: on PostgreSQL a few thousand in one insert
            # stalled in psycopg's pipeline.
            if len(batch) >= 20:
                app.save(*batch)
                batch.clear()

        make_cases(EVENTS, random.Random(2568), now=datetime.now(UTC), years=2, save=save)
        app.save(*batch)
        app.process_recorder.insert_tracking(Tracking(RELAY_TRACKING_NAME,
                                                      app.max_notification_id()))
        app.read_models.start()
        deadline = time.monotonic() + 300
        while not app.read_models.is_caught_up() and time.monotonic() < deadline:
            assert app.read_models.error is None, app.read_models.error
            time.sleep(0.1)
    finally:
        app.close()
    return store_env


@pytest.fixture
def monitoring(nats_server: NatsServer, history: dict[str, str]) -> Iterator[ServiceProcess]:
    service = ServiceProcess(SERVICE, {**history, "ESA_NATS_URL": nats_server.url,
                                       "ESA_AUDIT_SCAN_BATCH": str(SCAN_BATCH),
                                       "ESA_AUDIT_CHECK_SECONDS": "0.5",
                                       "ESA_AUDIT_RESCAN_SECONDS": "600"})
    try:
        yield service
    finally:
        service.stop()


def ready(service: ServiceProcess) -> httpx.Response | None:
    try:
        return httpx.get(f"{service.url}/ready", timeout=5)
    except httpx.HTTPError:
        return None  # not listening yet


def first_ready(service: ServiceProcess, timeout: float = 120.0) -> tuple[float, dict[str, Any]]:
    """Launch the service; seconds until /ready first answers 200, and that answer."""
    launched = time.monotonic()
    service.launch()
    while time.monotonic() - launched < timeout:
        assert service.process.poll() is None, service.log_tail()
        answer = ready(service)
        if answer is not None and answer.status_code == 200:
            return time.monotonic() - launched, answer.json()
        time.sleep(0.02)
    raise TimeoutError(f"not ready in {timeout} s:\n{service.log_tail()}")


def wait_for(service: ServiceProcess, predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = ready(service)
        if answer is not None and predicate(answer):
            return answer
        time.sleep(0.05)
    raise TimeoutError(f"not in {timeout} s: {what}\n{service.log_tail()}")


def open_inspection(service: ServiceProcess, key: str) -> httpx.Response:
    with service.client(timeout=15) as http:
        return http.post("/inspections", headers={"X-Actor-Id": "off-1", "Idempotency-Key": key},
                         json={"fiscal_year_be": 2568, "title_th": "การตรวจราชการ รอบที่ 1/2568",
                               "inspector_th": "ผู้ตรวจราชการกระทรวงศึกษาธิการ",
                               "scheduled_on": "2025-01-08",
                               "issues": [{"code": "I1", "title_th": "การอ่านออกเขียนได้"}]})


def test_ready_before_the_whole_pass_and_an_old_alteration_found_by_it(
        monitoring: ServiceProcess, history: dict[str, str], tmp_path: Path) -> None:
    def sql(statement: str, *params: Any) -> list[tuple]:
        return insider_sql(SERVICE, history, Path(history["ESA_VAR_DIR"]), [(statement, params)])

    # An honest store: ready, then the first pass goes through every event and says so.
    seconds, status = first_ready(monitoring)
    size = int(sql("SELECT tree_size FROM {state}")[0][0])
    assert size > EVENTS
    progress = status["audit"]["first_pass"]
    assert status["audit"]["ok"] and progress["of"] in (None, size), progress
    answer = wait_for(monitoring, lambda a: a.json()["audit"]["first_pass"]["completed"], 120,
                      "the first pass completed")
    done = answer.json()["audit"]
    assert answer.status_code == 200 and done["fault"] is None
    assert done["first_pass"]["checked"] == done["first_pass"]["of"] == size, done["first_pass"]
    assert done["first_pass"]["found"] is None and done["passes_completed"] >= 1
    with monitoring.client(timeout=15) as http:
        assert http.get("/audit/status").json()["first_pass"] == done["first_pass"]
    print(f"\nhonest store of {size} events: ready in {seconds:.2f} s, first pass "
          f"{done['first_pass']['seconds']:.2f} s")
    assert open_inspection(monitoring, "before").status_code == 201

    # The insider alters an event far behind the newest leaves and the last witnessed head
    # (three quarters of the way into the history), with the service stopped.
    monitoring.stop()
    (position,) = [int(r[0]) for r in sql(
        "SELECT {position} FROM {events} ORDER BY {position} LIMIT 1 OFFSET ?", size * 3 // 4)]
    (state,) = sql("SELECT state FROM {events} WHERE {position} = ?", position)[0]
    sql("UPDATE {events} SET state = ? WHERE {position} = ?",
        bytes(state).replace(b"\"", b"'", 1), position)

    # It starts and is ready: the quick checks cannot see that far back...
    seconds, status = first_ready(monitoring)
    progress = status["audit"]["first_pass"]
    assert status["audit"]["fault"] is None and not progress["completed"], progress
    # ...then the pass reaches it: writes stop, /ready fails with the event named.
    # (A 503 alone is not it: /ready also answers 503 while, say, a consumer catches up.)
    answer = wait_for(monitoring, lambda a: a.status_code == 503 and a.json()["audit"]["fault"],
                      DETECTION_SECONDS, "the pass found the altered event")
    audit = answer.json()["audit"]
    fault = audit["fault"]
    assert fault["reason"] == "altered" and fault["found_by"] == "self-check", fault
    assert fault["evidence"]["findings"][0]["position"] == position
    assert audit["first_pass"]["completed"] and audit["first_pass"]["found"] == "altered"
    refused = open_inspection(monitoring, "after")
    assert refused.status_code == 503 and refused.json()["code"] == "audit-integrity-fault"
    print(f"altered event at position {position} of {size}: ready in {seconds:.2f} s, found "
          f"by the first pass {audit['first_pass']['seconds']:.2f} s after it began")

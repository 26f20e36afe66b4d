"""Crashes lose nothing and double nothing, and raise no audit alarm.

The services run as real processes against a real nats-server, on SQLite and on PostgreSQL, and are
killed with SIGKILL in the middle of a stream of registrations: no flush, no acknowledgement, no
goodbye. After a restart every event is on the stream exactly once and in order, the receiving
register is still gap-free, monitoring has every case once, and the services' state is rebuilt from
their stores. A witness cosigns every service's heads meanwhile: the crashes raise no alarm,
every store still matches its signed tree, and the witness holds the latest head.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from contracts.envelope import AnyEnvelope
from shared.messaging import connect, read_stream
from shared.testing import read_feed

N = 120


def register_all(system, count: int, progress: list[dict]) -> None:
    """The clerk registers `count` letters one by one; a request cut off by a crash is sent again
    with the same Idempotency-Key, as any client of the API should."""
    for i in range(count):
        while True:
            try:
                progress.append(system.saraban.register(subject=f"หนังสือที่ {i}", key=f"letter-{i}"))
                break
            except (httpx.HTTPError, AssertionError):
                time.sleep(0.05)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except httpx.HTTPError:
            pass  # the service is restarting: ask again
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def stream_envelopes(nats_url: str, stream: str) -> list[AnyEnvelope]:
    async def read() -> list[AnyEnvelope]:
        client = await connect(nats_url, name="test-reader")
        try:
            return [AnyEnvelope.model_validate_json(m.data) for m in await read_stream(client, stream)]
        finally:
            await client.drain()
    return asyncio.run(read())


def relay_caught_up(service) -> bool:
    health = httpx.get(f"{service.url}/health", timeout=2).json()
    return health["relay_position"] == health["notification_position"]


def test_killing_correspondence_mid_stream_loses_and_doubles_nothing(system, nats_server) -> None:
    system.saraban.hire_staff()
    registered: list[dict] = []
    clerk = threading.Thread(target=register_all, args=(system, N, registered))
    clerk.start()
    wait_for(lambda: len(registered) >= N // 2, interval=0.01)
    system.correspondence.kill()
    system.correspondence.start()
    clerk.join(timeout=120)
    assert len(registered) == N
    wait_for(lambda: relay_caught_up(system.correspondence))

    envelopes = [e for e in stream_envelopes(nats_server.url, "correspondence")
                 if e.type == "correspondence.document.registered"]
    assert len({e.id for e in envelopes}) == len(envelopes), "no message twice on the stream"
    assert [e.data["receipt_no"] for e in envelopes] == list(range(1, N + 1)), (
        "each registration once, in order, and the register gap-free across the crash")
    assert {e.subject for e in envelopes} == {r["document_id"] for r in registered}

    # The restarted service rebuilt its state from the store.
    rows = system.saraban.every("/registers/receiving/2569", "clerk-1", limit=7)
    assert [r["receipt_no"] for r in rows] == list(range(1, N + 1)), "a page at a time, each once"
    assert {r["document_id"] for r in rows} == {r["document_id"] for r in registered}

    # Monitoring saw every case exactly once.
    feed = read_feed(f"{system.monitoring.url}/feed", count=N, timeout=60)
    assert sorted(e.data["subject"] for e in feed) == sorted(r["document_id"] for r in registered)
    assert_no_audit_alarm(system)
    more = httpx.get(f"{system.monitoring.url}/cases", params={"service": "correspondence"},
                     auth=system.monitoring.auth).json()
    assert more["total"] == N


def test_killing_the_monitoring_consumer_mid_stream_loses_and_doubles_nothing(system) -> None:
    system.saraban.hire_staff()
    registered: list[dict] = []
    clerk = threading.Thread(target=register_all, args=(system, N, registered))
    clerk.start()

    def cases_seen() -> int:
        return httpx.get(f"{system.monitoring.url}/cases", timeout=2,
                         auth=system.monitoring.auth).json()["total"]

    seen_before_crash = wait_for(lambda: cases_seen() >= N // 3 and cases_seen(), interval=0.01)
    system.monitoring.kill()
    assert seen_before_crash < N, "the crash happened mid-stream"
    time.sleep(0.5)  # the stream goes on without monitoring
    system.monitoring.start()
    clerk.join(timeout=120)
    wait_for(lambda: cases_seen() == N)

    feed = read_feed(f"{system.monitoring.url}/feed", count=N, timeout=60)
    assert [e.id for e in feed] == sorted({e.id for e in feed}), "feed ids increase, no repeats"
    assert len({e.data["event_id"] for e in feed}) == N, "each event applied once"
    assert [e.data["title"] for e in feed] == [f"หนังสือที่ {i}" for i in range(N)], "in order"
    # Nothing more arrives: the redelivered messages were recognised and skipped.
    time.sleep(1.0)
    assert cases_seen() == N
    for doc in registered[:10]:
        case = httpx.get(f"{system.monitoring.url}/cases/by-subject/correspondence/"
                         f"{doc['document_id']}", auth=system.monitoring.auth).json()
        history = httpx.get(f"{system.monitoring.url}/cases/{case['case_id']}/history",
                            auth=system.monitoring.auth).json()
        assert history["total"] == len(history["items"]) == 1
    assert_no_audit_alarm(system)


def assert_no_audit_alarm(system) -> None:
    """Every service's store matches its tree, the witness has cosigned its latest head, and no
    one raised an alarm."""
    for service in system.processes.values():
        def witnessed(service=service) -> bool:
            status = httpx.get(f"{service.url}/audit/status", auth=service.auth, timeout=5).json()
            latest = httpx.get(f"{service.url}/audit/heads/latest", auth=service.auth, timeout=5)
            if latest.status_code == 404:  # nothing recorded: nothing to witness
                return status["ok"]
            return status["ok"] and status["witnessed"].get("witness-1", {}).get(
                "tree_size", 0) >= latest.json()["tree_size"]
        wait_for(witnessed)
    assert system.audit_alarms() == []

"""A message any service's consumer parks cannot be missed (issue 12 §1), over a real nats-server:
it is a case on monitoring (service, consumer, event, reason, since when), on its board, its
dashboard and its feed; `/health` of the service that parked it says `degraded` (not down) until
it is replayed; a replay after the cause is fixed closes the case and the service is `ok` again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from faststream.nats import NatsBroker

from contracts.envelope import AnyEnvelope
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import subscriptions as monitoring_subscriptions
from services.monitoring.main import create_app as create_monitoring
from services.monitoring.settings import MonitoringSettings
from services.planning.application import PlanningApplication
from services.planning.main import create_app as create_planning
from services.planning.settings import PlanningSettings
from shared.consumer import IdempotentConsumer, Subscription
from shared.deadletters import publishing_dead_letters
from shared.messaging import connect, read_stream
from shared.nats_server import NatsServer
from shared.relay import OutboxRelay
from shared.testing import office_client
from tests.support.counting import (
    Consumer,
    Counter,
    Producer,
    increment_many,
    make_handler,
    settings_for,
    tally_of,
    translate,
    wait_until,
)

FAST = {"consumer_max_deliver": 2, "consumer_ack_wait_seconds": 1.0, "relay_poll_seconds": 0.2}


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError("condition not met in time")


async def _publish(url: str, envelope: AnyEnvelope) -> None:
    client = await connect(url, name="test")
    try:
        await client.jetstream().publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                                         headers={"Nats-Msg-Id": envelope.id})
    finally:
        await client.drain()


@contextmanager
def running(api: Any) -> Iterator[TestClient]:
    """The service with its lifespan: relay and consumer on the real nats-server."""
    with office_client(api) as client:
        yield client


def test_a_message_parked_by_any_service_is_a_case_on_monitoring_and_degrades_its_health(
        nats_server: NatsServer, tmp_path: Path) -> None:
    planning_settings = PlanningSettings(var_dir=tmp_path / "planning", nats_url=nats_server.url,
                                         **FAST)
    monitoring_settings = MonitoringSettings(var_dir=tmp_path / "monitoring",
                                             nats_url=nats_server.url, **FAST)
    planning = create_planning(planning_settings, PlanningApplication(planning_settings))
    monitoring = create_monitoring(monitoring_settings,
                                   MonitoringApplication(monitoring_settings))
    # An officer event both services read from correspondence, that neither can apply.
    poison = AnyEnvelope(
        id=f"correspondence:{uuid4()}:1", type="correspondence.officer.registered",
        source="correspondence", subject=str(uuid4()), time="2025-01-10T03:00:00Z", sequence=1,
        actor="esa-1", data={"officer_id": "off-9"})
    with running(planning) as planning_http, running(monitoring) as monitoring_http:
        assert planning_http.get("/health").json()["status"] == "ok"
        asyncio.run(_publish(nats_server.url, poison))

        health = eventually(lambda: (h := planning_http.get("/health").json())["dead_letters"]
                            and h)
        assert health["status"] == "degraded" and health["nats_connected"] is True
        assert health["oldest_dead_letter"] is not None
        parked = planning_http.get("/admin/dead-letters").json()["items"]
        assert [p["envelope"]["id"] for p in parked] == [poison.id]

        # On monitoring: planning's dead letter (published by planning's relay) and its own
        # (its consumer parked the same message), each a case of the service that parked it.
        cases = eventually(lambda: len(found := monitoring_http.get("/cases", params={
            "case_type": "dead_letter"}).json()["items"]) == 2 and found)
        by_service = {c["source"]: c for c in cases}
        assert set(by_service) == {"planning", "monitoring"}
        case = by_service["planning"]
        assert (case["step"], case["holder"], case["closed"], case["procedure"]) == (
            "parked", "operator", False, 16)
        assert "correspondence.officer.registered" in case["title"]
        assert "(5 validation errors for OfficerRegistered)" in case["title"] and case["since"]
        assert monitoring_http.get("/health").json()["status"] == "degraded"

        summary = monitoring_http.get("/dashboard/summary").json()
        assert summary["totals"]["dead_letters"] == 2
        rows = {row["consumer"]: row for row in summary["dead_letters"]}
        assert (rows["planning"]["source"], rows["planning"]["event_type"]) == (
            "correspondence", "correspondence.officer.registered")
        assert "Field required" in rows["planning"]["reason"] and rows["planning"]["since"]
        board = TestClient(monitoring).get("/board", params={"case_type": "dead_letter"})
        assert board.json()["total"] == 2, "on the public status page too"


def test_a_replayed_dead_letter_closes_its_case_and_health_is_ok_again(nats_server: NatsServer,
                                                                      store_env: dict) -> None:
    """The mechanism itself: a consumer parks a message its handler cannot apply, records it,
    its relay publishes `<service>.dead_letter.parked`; once the cause is fixed the replay
    applies the message and the record is replayed in the same transaction."""
    producer = Producer(settings_for("correspondence", store_env, nats_server.url))
    consumer_app = Consumer(settings_for("monitoring", store_env, nats_server.url))
    parked = consumer_app.dead_letters
    # Monitoring's board on its own store, fed the parking service's contract events.
    board_settings = MonitoringSettings(var_dir=Path(store_env["ESA_VAR_DIR"]) / "board")
    board_app = MonitoringApplication(board_settings)
    board_handler = {s.source: s.handler for s in monitoring_subscriptions(board_app)}["planning"]
    poisoned = {f"correspondence:{Counter.create_id('c')}:3"}

    async def scenario() -> None:
        client = await connect(nats_server.url, name="test")
        broker = NatsBroker(nats_server.url, logger=None)
        consumer = IdempotentConsumer(consumer_app, broker, "planning",
                                      [Subscription("correspondence", make_handler(consumer_app, poisoned))],
                                      max_deliver=2)
        relay = OutboxRelay(consumer_app, publishing_dead_letters("planning", None), client)
        try:
            increment_many(producer, 4)
            await OutboxRelay(producer, translate, client).publish_pending()
            await broker.start()
            await wait_until(lambda: len(tally_of(consumer_app)) == 3)
            await wait_until(lambda: parked.count() == 1)
            [letter] = parked.unreplayed()
            assert (letter.consumer, letter.source, letter.event_id) == (
                "planning", "correspondence", sorted(poisoned)[0])
            assert "cannot handle" in letter.reason

            await relay.publish_pending()
            consumer.handlers["correspondence"] = make_handler(consumer_app)  # the cause fixed
            assert await consumer.replay_dead_letters(client) == {"replayed": 1, "failed": 0}
            assert parked.unreplayed() == [] and parked.count() == 0
            await relay.publish_pending()

            published = await read_stream(client, "planning")
            for position, message in enumerate(published, start=1):
                envelope = AnyEnvelope.model_validate_json(message.data)
                board_app.execute(lambda e=envelope: (None, board_handler(e)),
                                  tracking=Tracking("planning", position))
            assert [AnyEnvelope.model_validate_json(m.data).type for m in published] == [
                "planning.dead_letter.parked", "planning.dead_letter.replayed"]
        finally:
            await broker.stop()
            await client.drain()

    try:
        asyncio.run(scenario())
        [case] = [board_app.case(case_id) for case_id in _cases(board_app)]
        assert case is not None and (case.state.step, case.state.closed, case.state.source) == (
            "replayed", True, "planning")
        assert sorted(tally_of(consumer_app)) == sorted(
            f"correspondence:{Counter.create_id('c')}:{v}" for v in range(2, 6))
    finally:
        producer.close()
        consumer_app.close()
        board_app.close()


def _cases(app: MonitoringApplication) -> list[Any]:
    from services.monitoring.domain import Case
    from shared.domain import stored_topics

    topics = tuple(f"{t}." for t in stored_topics(Case))
    return sorted({n.originator_id for n in app.read_notifications(0, 1000)
                   if n.topic.startswith(topics)})


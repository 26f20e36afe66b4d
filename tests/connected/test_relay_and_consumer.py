"""The shared relay and consumer against a real nats-server and both stores.

A toy producer (a counter) and a toy consumer (a tally) stand in for real services, so that the
delivery guarantees are tested on the mechanism itself: in order, exactly once in effect, duplicates
dropped by the stream, failures retried then parked, parked messages replayed once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import Tracking
from faststream.nats import NatsBroker

from contracts.envelope import AnyEnvelope, Envelope, IntegrationEvent
from shared.consumer import IdempotentConsumer, Subscription
from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from shared.messaging import connect, read_stream
from shared.relay import OutboxRelay
from shared.settings import ServiceSettings


class Counter(Aggregate, stored_as="test.Counter"):
    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"counter:{name}")

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name
        self.value = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.value += by


class Tally(Aggregate, stored_as="test.Tally"):
    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "tally")

    @event("Opened")
    def __init__(self) -> None:
        self.seen: list[str] = []

    @event("Seen")
    def see(self, event_id: str) -> None:
        self.seen.append(event_id)


class Incremented(IntegrationEvent):
    EVENT_TYPE = "correspondence.counter.incremented"
    by: int


class Producer(ServiceApplication):
    name = "correspondence"


class Consumer(ServiceApplication):
    name = "monitoring"


def translate(domain_event: Any, _counter: Any = None) -> Envelope[Any] | None:
    if not isinstance(domain_event, Counter.Incremented):
        return None  # private event: never leaves the service
    return Envelope[Incremented](
        id=Envelope.message_id("correspondence", domain_event.originator_id, domain_event.originator_version),
        type=Incremented.EVENT_TYPE,
        source="correspondence",
        subject=str(domain_event.originator_id),
        time=domain_event.timestamp,
        sequence=domain_event.originator_version,
        actor=domain_event.actor,
        data=Incremented(by=domain_event.by),
    )


def settings_for(name: str, env: dict[str, str], nats_url: str) -> ServiceSettings:
    values: dict[str, Any] = {"service_name": name, "nats_url": nats_url,
                              "var_dir": Path(env["ESA_VAR_DIR"]), "consumer_max_deliver": 3}
    if env.get("ESA_STORE") == "postgres":
        values.update(store="postgres", postgres_host=env["ESA_POSTGRES_HOST"],
                      postgres_port=int(env["ESA_POSTGRES_PORT"]),
                      postgres_user=env["ESA_POSTGRES_USER"], postgres_dbname=env["ESA_POSTGRES_DBNAME"])
    return ServiceSettings(**values)


def increment_many(app: Producer, times: int) -> None:
    counter = app.get(Counter, Counter.create_id("c")) or Counter("c")
    for _ in range(times):
        counter.increment(by=1)
    app.save(counter)


async def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def tally_of(app: Consumer) -> list[str]:
    tally = app.get(Tally, Tally.create_id())
    return tally.seen if tally else []


def make_handler(app: Consumer, fail_on: set[str] | None = None):
    def handle(envelope: AnyEnvelope) -> list[Aggregate]:
        if fail_on and envelope.id in fail_on:
            raise RuntimeError(f"cannot handle {envelope.id}")
        tally = app.get(Tally, Tally.create_id()) or Tally()
        tally.see(envelope.id)
        return [tally]
    return handle


async def test_relay_publishes_in_order_once_and_resumes_from_its_position(nats_server, store_env) -> None:
    producer = Producer(settings_for("correspondence", store_env, nats_server.url))
    client = await connect(nats_server.url, name="test")
    try:
        increment_many(producer, 30)
        relay = OutboxRelay(producer, translate, client)
        await relay.publish_pending()
        await relay.flush_position()  # what the relay does when idle
        assert relay.position == producer.max_notification_id()

        # A relay that crashed after publishing but before saving its position publishes the same
        # ids again: the stream's duplicate window drops every repeat.
        for notification in producer.read_notifications(0, 100):
            envelope = translate(producer.to_domain_event(notification))
            if envelope:
                await relay._publish_until_acked(envelope)

        # A new relay (after a restart) resumes from the saved position.
        increment_many(producer, 5)
        await OutboxRelay(producer, translate, client).publish_pending()

        messages = await read_stream(client, "correspondence")
        versions = [int(m.headers["Nats-Msg-Id"].rsplit(":", 1)[1]) for m in messages]
        assert versions == list(range(2, 37)), "each event once, in notification order"
        assert all(m.subject == "esa.correspondence.counter.incremented" for m in messages)
    finally:
        await client.drain()
        producer.close()


async def test_relay_keeps_the_log_order_when_another_message_lands_between_its_windows(
        nats_server, store_env) -> None:
    """A backlog goes out a window at a time, each message naming the one it must follow: a
    message written by anyone else in between makes the relay fall back to one at a time, and the
    stream still holds every event once, in notification order."""
    producer = Producer(settings_for("correspondence", store_env, nats_server.url))
    client = await connect(nats_server.url, name="test")
    try:
        relay = OutboxRelay(producer, translate, client, window=8, batch_size=500)
        increment_many(producer, 20)
        await relay.publish_pending()
        await client.jetstream().publish("esa.correspondence.counter.other", b"{}",
                                         headers={"Nats-Msg-Id": "someone-else"})
        increment_many(producer, 20)
        await relay.publish_pending()
        increment_many(producer, 20)  # the relay has learnt where the stream ends again
        await relay.publish_pending()

        messages = await read_stream(client, "correspondence")
        ids = [m.headers["Nats-Msg-Id"] for m in messages]
        assert ids[20] == "someone-else"
        versions = [int(i.rsplit(":", 1)[1]) for i in ids if i != "someone-else"]
        assert versions == list(range(2, 62)), "each event once, in notification order"
        assert relay.published == 60
    finally:
        await client.drain()
        producer.close()


async def test_consumer_applies_each_event_once_and_parks_failures(nats_server, store_env) -> None:
    producer = Producer(settings_for("correspondence", store_env, nats_server.url))
    consumer_app = Consumer(settings_for("monitoring", store_env, nats_server.url))
    client = await connect(nats_server.url, name="test")
    poisoned = {f"correspondence:{Counter.create_id('c')}:4"}
    broker = NatsBroker(nats_server.url, logger=None)
    consumer = IdempotentConsumer(consumer_app, broker, "monitoring",
                                  [Subscription("correspondence", make_handler(consumer_app, poisoned))],
                                  max_deliver=3)
    try:
        increment_many(producer, 10)
        await OutboxRelay(producer, translate, client).publish_pending()
        await broker.start()
        await wait_until(lambda: len(tally_of(consumer_app)) == 9)
        seen = tally_of(consumer_app)
        assert seen == [f"correspondence:{Counter.create_id('c')}:{v}" for v in range(2, 12) if v != 4]
        parked = await consumer.list_dead_letters(client)
        assert [p["envelope"]["id"] for p in parked] == sorted(poisoned)
        assert parked[0]["replayed"] is False

        # The operator fixes the cause and replays: applied once, even if replayed twice.
        consumer.handlers["correspondence"] = make_handler(consumer_app)
        assert await consumer.replay_dead_letters(client) == {"replayed": 1, "failed": 0}
        assert await consumer.replay_dead_letters(client) == {"replayed": 0, "failed": 0}
        assert sorted(tally_of(consumer_app)) == sorted(
            f"correspondence:{Counter.create_id('c')}:{v}" for v in range(2, 12))
        assert (await consumer.list_dead_letters(client))[0]["replayed"] is True
    finally:
        await broker.stop()
        await client.drain()
        producer.close()
        consumer_app.close()


async def test_a_redelivered_message_changes_nothing(nats_server, store_env) -> None:
    consumer_app = Consumer(settings_for("monitoring", store_env, nats_server.url))
    handler = make_handler(consumer_app)
    envelope = AnyEnvelope(id="correspondence:x:2", type="correspondence.counter.incremented",
                           source="correspondence", subject="x", time="2026-11-27T03:00:00Z",
                           sequence=2, actor="clerk", data={"by": 1})
    consumer_app.execute(lambda: (None, handler(envelope)), tracking=Tracking("correspondence", 7))
    position = consumer_app.max_notification_id()
    consumer_app.execute(lambda: (None, handler(envelope)), tracking=Tracking("correspondence", 7))
    assert consumer_app.max_notification_id() == position
    assert tally_of(consumer_app) == ["correspondence:x:2"]
    consumer_app.close()

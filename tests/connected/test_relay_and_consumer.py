"""The shared relay and consumer against a real nats-server and both stores.

A toy producer (a counter) and a toy consumer (a tally) stand in for real services, so that the
delivery guarantees are tested on the mechanism itself: in order, exactly once in effect, duplicates
dropped by the stream, failures retried then parked, parked messages replayed once.
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from faststream.nats import NatsBroker

from contracts.envelope import AnyEnvelope
from shared.consumer import IdempotentConsumer, Subscription
from shared.messaging import connect, read_stream
from shared.relay import OutboxRelay
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

"""A toy producer (a counter) and a toy consumer (a tally) standing in for real services, so that the
relay's and the consumer's delivery guarantees are tested on the mechanism itself. One module for
every test that uses them: a stored name is pinned to one class, imported once."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import AnyEnvelope, Envelope, IntegrationEvent
from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from shared.settings import ServiceSettings
from tests.support.stores import service_settings


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
    return service_settings(name, env, nats_url=nats_url, consumer_max_deliver=3)


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

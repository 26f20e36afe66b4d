"""The idempotent consumer: other services' integration events, applied in order, once in effect.

Each source service's stream is consumed by one durable JetStream consumer with one message in flight
(`max_ack_pending=1`), so events arrive in the order they were published. Before handling, the
stream sequence is compared with this service's tracking position for that source: anything already
applied is acknowledged and skipped. A handler returns the aggregates it changed; they are saved with
the new tracking position in one transaction, so a crash between the two cannot double an effect.

A handler that fails is retried (NAK with backoff) up to `max_deliver` deliveries, then the message is
parked on `esa.deadletter.<consumer>.<source>`, where it can be listed and replayed, and recorded as
a `DeadLetter` in the service's store (`shared.deadletters`): published as
`<service>.dead_letter.parked`, a case on monitoring and `degraded` on `/health` until replayed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from eventsourcing.persistence import InterfaceError, OperationalError, Tracking
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy as JsAckPolicy
from pydantic import ValidationError
from structlog.contextvars import bound_contextvars

from contracts.envelope import AnyEnvelope
from shared.audit.guard import AuditIntegrityFault
from shared.context import acting_as
from shared.deadletters import parked, replayed
from shared.domain import Aggregate
from shared.eventstore import ServiceApplication
from shared.logging import get_logger
from shared.messaging import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    StoredMessage,
    read_stream,
    service_subjects,
)

# A reaction to one contract event: the aggregates it changed (saved by the consumer).
Handler = Callable[[AnyEnvelope], Sequence[Aggregate | None]]

log = get_logger(__name__)


def dead_letter_subject(consumer: str, source: str) -> str:
    return f"{DEAD_LETTER_PREFIX}.{consumer}.{source}"


def replay_tracking_name(consumer: str) -> str:
    return f"deadletter:{consumer}"


def combined(*handlers: Handler) -> Handler:
    """One handler that lets each of `handlers` react to the event, in order; all they changed
    is saved together (one source has one consumer, and one tracking position)."""

    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        return [changed for handler in handlers for changed in handler(envelope)]

    return handle


def decode_envelope(data: bytes, sequence: int) -> AnyEnvelope:
    return AnyEnvelope.model_validate_json(data)


@dataclass(frozen=True)
class Subscription:
    source: str  # the producing service (its stream)
    handler: Handler
    # Only these subjects of the source's stream (e.g. `esa.monitoring.evaluation.>`); default all.
    subjects: str | None = None
    # How a message becomes the envelope the handler reads (data, stream sequence): a contract
    # event as sent, or another stream's message read as one (`shared.audit.alarms`).
    decode: Callable[[bytes, int], AnyEnvelope] = decode_envelope


class IdempotentConsumer:
    def __init__(
        self,
        app: ServiceApplication,
        broker: NatsBroker,
        consumer_name: str,
        subscriptions: Sequence[Subscription],
        *,
        max_deliver: int = 5,
        ack_wait_seconds: float = 5.0,
    ) -> None:
        self.app = app
        self.broker = broker
        self.name = consumer_name
        self.max_deliver = max_deliver
        self.handled = 0
        self.parked = 0
        self.handlers = {s.source: s.handler for s in subscriptions}
        self.decoders = {s.source: s.decode for s in subscriptions}
        for subscription in subscriptions:
            self._subscribe(subscription, ack_wait_seconds)

    def _subscribe(self, subscription: Subscription, ack_wait: float) -> None:
        source = subscription.source

        @self.broker.subscriber(
            subscription.subjects or service_subjects(source),
            stream=JStream(source, declare=False),
            durable=f"{self.name}-from-{source}",
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            config=ConsumerConfig(
                ack_policy=JsAckPolicy.EXPLICIT,
                max_ack_pending=1,
                # Unlimited on the server: a message is never dropped there. The consumer parks
                # a message whose handler keeps failing itself, once it has been delivered
                # `max_deliver` times; during a store outage it only waits and retries.
                max_deliver=-1,
                ack_wait=ack_wait,
            ),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.MANUAL,
            title=f"{self.name} ← {source}",
        )
        async def on_message(_: Any) -> None:
            # The message comes from the context, not as an annotated parameter: FastStream would
            # resolve that in the threadpool, a thread handoff per message.
            msg: NatsMessage = self.broker.context.get_local("message")
            await self._on_message(source, subscription.handler, msg)

    async def _on_message(self, source: str, handler: Handler, msg: NatsMessage) -> None:
        raw = msg.raw_message
        metadata = raw.metadata
        sequence = metadata.sequence.stream
        attempt = metadata.num_delivered
        try:
            envelope = self.decoders[source](raw.data, sequence)
        except (ValidationError, ValueError, KeyError, TypeError) as error:
            # A message that is not an envelope will never parse: park it at once.
            await self._park(source, raw.subject, raw.data, sequence, f"not an envelope: {error}")
            await msg.ack()
            return
        try:
            await asyncio.to_thread(self._apply, source, handler, envelope, sequence)
        except (OperationalError, InterfaceError, AuditIntegrityFault) as error:
            # The store is unavailable (or refuses writes until its history is put right), not
            # the message at fault: wait and retry, never park.
            log.warning("store unavailable, will retry", source=source, sequence=sequence,
                        error=repr(error))
            await msg.nack(delay=5.0)
            return
        except Exception as error:  # noqa: BLE001 - any other failure is retried, then parked
            if attempt >= self.max_deliver:
                log.error("parking message", source=source, sequence=sequence, error=repr(error))
                await self._park(source, raw.subject, raw.data, sequence, repr(error))
                await msg.ack()
            else:
                log.warning("handler failed, will retry", source=source, sequence=sequence,
                            attempt=attempt, error=repr(error))
                await msg.nack(delay=min(0.1 * 2 ** attempt, 5.0))
            return
        await msg.ack()

    def _apply(self, source: str, handler: Handler, envelope: AnyEnvelope, sequence: int) -> None:
        if self.app.process_recorder.has_tracking_id(source, sequence):
            return  # already applied: a redelivery after a crash before the ack
        self._apply_tracked(handler, envelope, Tracking(source, sequence))
        self.handled += 1

    def _apply_tracked(self, handler: Handler, envelope: AnyEnvelope, tracking: Tracking) -> None:
        with acting_as(envelope.actor, envelope.trace_id or None), bound_contextvars(
            aggregate_id=envelope.subject, event_type=envelope.type
        ):
            self.app.execute(lambda: (None, handler(envelope)), tracking=tracking)
            log.debug("event applied", source=tracking.application_name,
                     position=tracking.notification_id)

    async def _park(self, source: str, subject: str, data: bytes, sequence: int, error: str) -> None:
        """Park the message, then record it (both idempotent: a redelivery after a failure between
        the two parks the same message id and finds the record)."""
        self.parked += 1
        await self.broker.publish(
            data,
            dead_letter_subject(self.name, source),
            headers={
                "Nats-Msg-Id": f"{self.name}:{source}:{sequence}",
                "Esa-Original-Subject": subject,
                "Esa-Source-Sequence": str(sequence),
                "Esa-Error": error[:1000],
            },
            stream=DEAD_LETTER_STREAM,
        )
        envelope = _json_or_none(data)
        await asyncio.to_thread(self.app.execute, lambda: (None, parked(
            self.app, consumer=self.name, source=source, original_subject=subject,
            source_sequence=sequence, envelope=envelope if isinstance(envelope, dict) else None,
            reason=error)))

    async def backlog(self, client: NatsClient) -> dict[str, int]:
        """Per source, the messages its stream holds that this consumer has not applied yet."""
        js = client.jetstream()
        waiting = {}
        for source in self.handlers:
            info = await js.consumer_info(source, f"{self.name}-from-{source}")
            waiting[source] = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        return waiting

    # --- dead letters -----------------------------------------------------------------------------
    async def list_dead_letters(self, client: NatsClient, *, after: int = 0,
                                limit: int = 10_000) -> list[dict[str, Any]]:
        """The messages parked by this consumer after dead-letter sequence `after` (up to
        `limit`), each with the dead-letter sequence used to replay it."""
        replayed_up_to = await asyncio.to_thread(self._replayed_up_to)
        return [
            {
                "deadletter_sequence": message.sequence,
                "subject": message.headers.get("Esa-Original-Subject"),
                "source_sequence": int(message.headers.get("Esa-Source-Sequence", "0")),
                "error": message.headers.get("Esa-Error"),
                "replayed": message.sequence <= replayed_up_to,
                "envelope": _json_or_none(message.data),
            }
            for message in await self._parked(client, after=after, limit=limit)
        ]

    async def replay_dead_letters(self, client: NatsClient) -> dict[str, int]:
        """Apply every parked message not replayed yet, in parking order, each at most once; stops
        at the first that fails again so that later messages keep waiting behind it."""
        replayed = failed = 0
        replayed_up_to = await asyncio.to_thread(self._replayed_up_to)
        for message in await self._parked(client):
            if message.sequence <= replayed_up_to:
                continue
            source = _source_of(message.headers.get("Esa-Original-Subject", ""))
            try:
                sequence = int(message.headers.get("Esa-Source-Sequence", "0"))
                handler = self._replaying(self.handlers[source], source, sequence)
                envelope = self.decoders[source](message.data, sequence)
                tracking = Tracking(replay_tracking_name(self.name), message.sequence)
                await asyncio.to_thread(self._apply_tracked, handler, envelope, tracking)
                replayed += 1
            except Exception as error:  # noqa: BLE001 - reported; the message stays parked
                log.error("replay failed", deadletter_sequence=message.sequence, error=repr(error))
                failed += 1
                break
        return {"replayed": replayed, "failed": failed}

    def _replaying(self, handler: Handler, source: str, source_sequence: int) -> Handler:
        """The handler, whose effects are saved with the dead letter's record marked replayed."""

        def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
            return [*handler(envelope), *replayed(self.app, consumer=self.name, source=source,
                                                  source_sequence=source_sequence)]

        return handle

    def _replayed_up_to(self) -> int:
        return self.app.process_recorder.max_tracking_id(replay_tracking_name(self.name)) or 0

    async def _parked(self, client: NatsClient, *, after: int = 0,
                      limit: int = 10_000) -> list[StoredMessage]:
        return await read_stream(client, DEAD_LETTER_STREAM, f"{DEAD_LETTER_PREFIX}.{self.name}.>",
                                 after=after, limit=limit)


def _source_of(subject: str) -> str:
    parts = subject.split(".")
    return parts[1] if len(parts) > 1 else ""


def _json_or_none(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None

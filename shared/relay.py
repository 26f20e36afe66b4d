"""The outbox relay: the service's notification log, in order, onto its JetStream stream.

The relay follows the log with the event store's subscription (`shared.follow.follow_log`), from
the position it saved: each commit reaches it at once.

Each stored domain event is translated into its integration event (or skipped when it is private),
published with message id `<service>:<aggregate id>:<version>`, and the relay's position is saved only
after JetStream acknowledged it. A publish that times out is retried with the same id: if the first
attempt did arrive, the stream's duplicate window drops the second. The position is written at most
every `save_seconds` while busy and at once when caught up: after a crash the relay republishes at most
that much, and the duplicate window drops it, so the store is not written twice per event.

The stream keeps the notification log's order even across retries. A backlog goes out a window at
a time without waiting for each acknowledgement: each message names the message it must follow
(`Nats-Expected-Last-Msg-Id`: the previous one), so JetStream stores a message only right after its
predecessor and refuses the rest of the window once one is not stored; from there the relay goes
on one message at a time, waiting for each acknowledgement (the same ids: whatever did arrive is
deduplicated). The window is used only while the relay's own last acknowledged message is known to
be the stream's last.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from eventsourcing.persistence import Tracking
from nats.aio.client import Client as NatsClient
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import Header, PubAck
from nats.js.errors import APIError
from structlog.contextvars import bound_contextvars

from contracts.envelope import CaseStatus, Envelope, IntegrationEvent, Secrecy
from shared.follow import StatesAfter, follow_log
from shared.logging import get_logger

if TYPE_CHECKING:
    from shared.eventstore import ServiceApplication

RELAY_TRACKING_NAME = "outbox-relay"
TRACE_HEADER = "Esa-Trace-Id"

# (domain event, its aggregate as it stood right after the event) → the contract event, or None
# for an event that stays private. The aggregate is the relay's own copy: read it, never change it.
Translator = Callable[[Any, Any], Envelope[Any] | None]
STATES_KEPT = 10_000

log = get_logger(__name__)


def envelope_for(
    service: str,
    event: Any,
    payload: IntegrationEvent,
    *,
    status: CaseStatus | None = None,
    secrecy: Secrecy = Secrecy.none,
) -> Envelope[Any]:
    """The envelope of a service's domain event: its id, subject, time, actor and trace come from
    the event, the rest from the contract payload and the case status a translator gives."""
    return Envelope[type(payload)](  # type: ignore[misc]
        id=Envelope.message_id(service, event.originator_id, event.originator_version),
        type=payload.EVENT_TYPE,
        type_version=payload.EVENT_VERSION,
        source=service,
        subject=str(event.originator_id),
        time=event.timestamp,
        sequence=event.originator_version,
        actor=event.actor,
        trace_id=event.trace_id,
        secrecy=secrecy,
        status=status,
        data=payload,
    )


def encode_envelope(envelope: Envelope[Any]) -> bytes:
    return orjson.dumps(envelope.model_dump(mode="json"))


class OutboxRelay:
    def __init__(
        self,
        app: ServiceApplication,
        translate: Translator,
        client: NatsClient,
        *,
        publish_timeout: float = 2.0,
        batch_size: int = 500,
        save_seconds: float = 0.25,
        window: int = 64,
    ) -> None:
        self.app = app
        self.translate = translate
        self.js = client.jetstream(timeout=publish_timeout)
        self.publish_timeout = publish_timeout
        self.batch_size = batch_size
        self.window = max(1, window)
        # The id of the message this relay last stored; None when unknown (at start, after a
        # failure, after a duplicate): then messages go one at a time.
        self._last_stored: str | None = None
        self.published = 0
        self.last_error: str | None = None
        # Aggregates as of the last event the relay read, folded forward event by event, so that
        # translating needs no store read (only on a miss, e.g. after a restart).
        self._states = StatesAfter(self.app, STATES_KEPT)
        self.save_seconds = save_seconds
        self._published_up_to: int | None = None  # in memory; the store lags by < save_seconds
        self._saved_up_to = 0
        self._saved_at = time.monotonic()

    @property
    def position(self) -> int:
        """The position saved in the store: where a restarted relay resumes."""
        return self.app.process_recorder.max_tracking_id(RELAY_TRACKING_NAME) or 0

    @property
    def published_position(self) -> int:
        """The last notification published (or skipped as private) by this relay."""
        return self._published_up_to if self._published_up_to is not None else self.position

    async def run(self, closing: asyncio.Event | None = None) -> None:
        """Publish until cancelled (or `closing`): follow the log from the saved position; after a
        failure, say so in /health, wait a little longer each time, and follow again from what
        JetStream acknowledged (nothing is lost: the position never passes an unacknowledged
        message)."""
        failures = 0
        try:
            while closing is None or not closing.is_set():
                try:
                    await self._follow(closing)
                    return
                except Exception as error:  # noqa: BLE001 - a store, translation or NATS fault
                    failures += 1
                    if self.last_error is None:  # once per outage, not per retry
                        log.warning("relay stopped, will retry", error=repr(error),
                                    published_position=self.published_position)
                    self.last_error = repr(error)
                    await asyncio.sleep(min(0.1 * 2**failures, 5.0))
        finally:
            self._save_position(force=True)

    async def publish_pending(self) -> int:
        """Publish everything recorded until now, then stop; returns how far the position moved
        (a catch-up outside `run`: tests, benchmarks, an operator)."""
        before = self.published_position
        target = await asyncio.to_thread(self.app.max_notification_id)
        if target > before:
            await self._follow(None, until=target)
        await self.flush_position()
        return self.published_position - before

    async def _follow(self, closing: asyncio.Event | None, until: int | None = None) -> None:
        if self._published_up_to is None:
            self._published_up_to = await asyncio.to_thread(lambda: self.position)
            self._saved_up_to = self._published_up_to
        async for batch in follow_log(self.app, self._translate, after=self._published_up_to,
                                      closing=closing, max_batch=self.batch_size):
            await self._publish_in_order([envelope for _, envelope in batch
                                          if envelope is not None])
            self._published_up_to = batch[-1][0]
            if self.last_error is not None:
                log.info("relay publishing again", published_position=self._published_up_to)
                self.last_error = None
            if len(batch) < self.batch_size or \
                    time.monotonic() - self._saved_at >= self.save_seconds:
                await self.flush_position()  # caught up, or busy for a while: make it durable
            if until is not None and self._published_up_to >= until:
                return

    def _translate(self, event: Any, tracking: Tracking) -> tuple[int, Envelope[Any] | None]:
        """In the subscription's thread: the contract event of a stored event, or None."""
        return tracking.notification_id, self.translate(event, self._states.after(event))


    async def flush_position(self) -> None:
        """Save the published position now (the relay also does so every `save_seconds` while
        busy, and whenever it has caught up)."""
        await asyncio.to_thread(self._save_position, True)

    def _save_position(self, force: bool = False) -> None:
        """Only after the acknowledgements: never ahead of what JetStream holds."""
        position = self._published_up_to
        if position is None or position <= self._saved_up_to:
            return
        if not force and time.monotonic() - self._saved_at < self.save_seconds:
            return
        self.app.process_recorder.insert_tracking(Tracking(RELAY_TRACKING_NAME, position))
        self._saved_up_to = position
        self._saved_at = time.monotonic()

    async def _publish_in_order(self, envelopes: list[Envelope[Any]]) -> None:
        """Every envelope acknowledged by JetStream and stored in this order, before returning."""
        i = 0
        while i < len(envelopes):
            window = envelopes[i:i + self.window]
            if self._last_stored is None or len(window) == 1:
                ack = await self._publish_until_acked(envelopes[i])
                # A duplicate was stored earlier: it need not be the stream's last message.
                self._last_stored = None if ack.duplicate else envelopes[i].id
                self._published_one(envelopes[i])
                i += 1
                continue
            follows = [self._last_stored, *(e.id for e in window[:-1])]
            results = await asyncio.gather(
                *(self._publish_once(e, after=f) for e, f in zip(window, follows, strict=True)),
                return_exceptions=True)
            stored = 0
            for result in results:
                if not isinstance(result, PubAck) or result.duplicate:
                    break
                self._published_one(window[stored])
                stored += 1
            self._last_stored = window[-1].id if stored == len(window) else None
            if stored < len(window):
                log.info("window not stored in place, publishing one at a time",
                         message_id=window[stored].id, result=repr(results[stored]))
            i += stored

    def _published_one(self, envelope: Envelope[Any]) -> None:
        self.published += 1
        log.debug("event published", message_id=envelope.id, aggregate_id=envelope.subject,
                  event_type=envelope.type, trace_id=envelope.trace_id)

    async def _publish_once(self, envelope: Envelope[Any], *, after: str | None = None) -> PubAck:
        headers = {"Nats-Msg-Id": envelope.id, TRACE_HEADER: envelope.trace_id}
        if after is not None:
            headers[Header.EXPECTED_LAST_MSG_ID] = after
        return await self.js.publish(envelope.nats_subject, encode_envelope(envelope),
                                     timeout=self.publish_timeout, headers=headers)

    async def _publish_until_acked(self, envelope: Envelope[Any]) -> PubAck:
        delay = 0.05
        with bound_contextvars(aggregate_id=envelope.subject, event_type=envelope.type,
                               trace_id=envelope.trace_id):
            while True:
                try:
                    return await self._publish_once(envelope)
                except (NatsTimeout, NoRespondersError, ConnectionClosedError, APIError) as error:
                    # Not a loss: the same id is published again and deduplicated if it had
                    # arrived.
                    log.warning("publish not acknowledged, retrying", message_id=envelope.id,
                                error=repr(error))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)

"""NATS JetStream: the streams (declared here and nowhere else) and the connection helpers.

One stream per service, subjects `esa.<service>.>`, the dead letters, and the audit trail's heads,
cosignatures and alarms (`audit`, `esa.audit.>`); a duplicate window so that a relay that publishes
the same message id again after a crash is deduplicated by the server, and file storage.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from contracts.envelope import SERVICES, SUBJECT_PREFIX
from shared.logging import get_logger

log = get_logger(__name__)

DUPLICATE_WINDOW_SECONDS = 2 * 60 * 60
DEAD_LETTER_STREAM = "deadletter"
DEAD_LETTER_PREFIX = f"{SUBJECT_PREFIX}.deadletter"
# Signed tree heads, witnesses' cosignatures and equivocation alarms of every service
# (shared/audit): esa.audit.<service>.head | .cosigned.<witness> | .alarm
AUDIT_STREAM = "audit"
AUDIT_PREFIX = f"{SUBJECT_PREFIX}.audit"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]

    def config(self) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=0,
        )


def service_subjects(service: str) -> str:
    return f"{SUBJECT_PREFIX}.{service}.>"


STREAMS: tuple[StreamSpec, ...] = (
    *(StreamSpec(name=s, subjects=(service_subjects(s),)) for s in SERVICES),
    StreamSpec(name=DEAD_LETTER_STREAM, subjects=(f"{DEAD_LETTER_PREFIX}.>",)),
    StreamSpec(name=AUDIT_STREAM, subjects=(f"{AUDIT_PREFIX}.>",)),
)


class ConnectionWatch:
    """What a service says about its NATS connection: losing it is an expected condition, said
    once at warning with since when (not a traceback per retry), and once again when it is back.
    The same callbacks serve the service's own client and its consumer's broker."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.down_since: float | None = None
        self.last_error: str | None = None

    def options(self) -> dict[str, Any]:
        return {"name": self.name, "connect_timeout": 2, "reconnect_time_wait": 0.5,
                "max_reconnect_attempts": -1, "allow_reconnect": True,
                "error_cb": self.on_error, "disconnected_cb": self.on_disconnected,
                "reconnected_cb": self.on_reconnected}

    async def on_error(self, error: Exception) -> None:
        if self.last_error is None:  # the first of an outage's errors; the rest are retries
            log.warning("NATS unreachable, retrying", connection=self.name, error=repr(error))
            self.down_since = self.down_since or time.monotonic()
        self.last_error = repr(error)

    async def on_disconnected(self) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("NATS disconnected, reconnecting", connection=self.name)

    async def on_reconnected(self) -> None:
        if self.down_since is not None:
            log.info("NATS connection back", connection=self.name,
                     down_seconds=round(time.monotonic() - self.down_since, 1))
        self.down_since = None
        self.last_error = None


async def connect(url: str, *, name: str) -> NatsClient:
    """Connect, retrying while the server is still starting (make run starts everything at once);
    losing the connection later is logged once (`ConnectionWatch`) and retried for ever."""
    return await nats.connect(url, **ConnectionWatch(name).options())


async def bootstrap_streams(url: str) -> list[str]:
    """Create or update every stream; idempotent. Returns the stream names."""
    client = await connect(url, name="bootstrap")
    try:
        js = client.jetstream()
        for spec in STREAMS:
            try:
                await js.stream_info(spec.name)
                await js.update_stream(spec.config())
            except NotFoundError:
                await js.add_stream(spec.config())
        return [spec.name for spec in STREAMS]
    finally:
        await client.drain()


@dataclass(frozen=True)
class StoredMessage:
    sequence: int
    subject: str
    headers: dict[str, str]
    data: bytes


async def read_stream(
    client: NatsClient, stream: str, subject: str | None = None, after: int = 0, limit: int = 10_000
) -> list[StoredMessage]:
    """Messages of a stream (optionally one subject filter) after a sequence, read directly by
    sequence: no consumer is created, so reading never disturbs anyone's position."""
    jsm = client.jsm()
    messages: list[StoredMessage] = []
    sequence = after + 1
    while len(messages) < limit:
        try:
            raw = await jsm.get_msg(stream, seq=sequence, subject=subject, next=True)
        except NotFoundError:
            break
        assert raw.seq is not None
        messages.append(
            StoredMessage(raw.seq, raw.subject or "", dict(raw.headers or {}), raw.data or b"")
        )
        sequence = raw.seq + 1
    return messages


def main() -> None:
    import os

    url = os.environ.get("ESA_NATS_URL", "nats://127.0.0.1:4222")
    names = asyncio.run(bootstrap_streams(url))
    print(f"streams ready on {url}: {', '.join(names)}")


if __name__ == "__main__":
    main()

"""The service's side of witnessing, on NATS (stream `audit`, declared in `shared.messaging`):

- every signed head goes out on `esa.audit.<service>.head`, message id `<service>:head:<size>`,
  woken by each commit (`commit_listeners` of the store's recorder), a second's poll only for
  other processes' commits. A head the stream already holds under that id, with another root,
  is an equivocation the service itself reports (the store was rolled back and went on);
- the witnesses' cosignatures (`esa.audit.<service>.cosigned.<witness>`) are followed, the latest
  of each trusted witness kept for the self-check (`witnessed()`);
- at start, before the relay publishes anything, the stream's last head for the service is
  compared with the store (`check_stream`): a stream ahead of the store, or a root the store does
  not produce at that size, is a rollback or a rewrite: the alarm, not silent duplicates;
- every fault of the guard is published as an alarm on `esa.audit.<service>.alarm`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nats.aio.client import Client as NatsClient
from nats.js.api import DeliverPolicy
from nats.js.errors import APIError, NotFoundError

from contracts.audit.v1 import IntegrityAlarm
from shared.audit.guard import AuditGuard, Fault
from shared.audit.heads import (
    Cosignature,
    SignedHead,
    alarm_subject,
    cosigned_subject,
    head_message_id,
    head_subject,
    loss_subject,
)
from shared.audit.losses import LossStatement
from shared.audit.signing import key_id, load_public_key
from shared.audit.tree import AuditLog, TreeNodeMissing
from shared.logging import get_logger
from shared.messaging import AUDIT_STREAM

WINDOW = 64
POLL_SECONDS = 1.0

log = get_logger(__name__)


class TrustedWitnesses:
    """The witnesses whose cosignatures the service trusts, from `audit_witness_keys`
    (`["witness-1=<hex or PEM path>", ...]`): {key id: key} (the name is for people). A key file
    that is not there yet (a witness starting beside the service writes it) is read again when
    a cosignature by an unknown key arrives, at most once a second."""

    def __init__(self, entries: list[str]) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._missing: list[str] = []
        self._tried_at = 0.0
        self._resolve(entries)

    def _resolve(self, entries: list[str]) -> None:
        from pathlib import Path

        missing = []
        for entry in entries:
            name, _, value = entry.partition("=")
            value = value.strip() or entry.strip()
            path = Path(value)
            try:
                key = load_public_key(path.read_bytes() if path.exists() else value)
            except ValueError as error:  # e.g. the witness has not written its key yet
                log.warning("witness key not usable yet: its cosignatures are ignored until it "
                            "is", witness=name, error=str(error))
                missing.append(entry)
                continue
            self._keys[key_id(key)] = key
        self._missing = missing

    def get(self, kid: str) -> Ed25519PublicKey | None:
        key = self._keys.get(kid)
        if key is None and self._missing and time.monotonic() - self._tried_at > 1.0:
            self._tried_at = time.monotonic()
            self._resolve(self._missing)
            key = self._keys.get(kid)
        return key

    def __len__(self) -> int:
        return len(self._keys)


def witness_keys_from(settings_value: list[str]) -> TrustedWitnesses:
    return TrustedWitnesses(settings_value)


class AuditPublisher:
    def __init__(self, audit: AuditLog, guard: AuditGuard, client: NatsClient, *,
                 witness_keys: TrustedWitnesses | dict[str, Ed25519PublicKey],
                 recorder: Any) -> None:
        self.audit = audit
        self.service = audit.service
        self.guard = guard
        self.client = client
        self.js = client.jetstream(timeout=5)
        self.witness_keys = witness_keys
        self.recorder = recorder
        self.published_up_to = 0
        self._losses: list[LossStatement] = []
        self._witnessed: dict[str, Cosignature] = {}
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._subscription: Any = None

    # --- start and stop ------------------------------------------------------------------------
    async def start(self, closing: asyncio.Event) -> bool:
        """Follow the cosignatures, compare the stream with the store, then publish heads;
        False when the stream shows the store was rolled back or rewritten."""
        self._loop = asyncio.get_running_loop()
        self.guard.listeners.append(self._on_fault)
        fault = self.guard.fault
        if fault is not None:  # found before NATS was there (at start): say it now
            self._on_fault(fault)
        await self._follow_cosignatures()
        consistent = await self.check_stream()
        self.recorder.commit_listeners.append(self._on_commit)
        self._tasks.append(asyncio.create_task(self._publish_loop(closing), name="audit-heads"))
        return consistent

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.recorder.commit_listeners.remove(self._on_commit)
        with contextlib.suppress(ValueError):
            self.guard.listeners.remove(self._on_fault)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    def _on_commit(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    # --- the relay's check at start ------------------------------------------------------------
    async def check_stream(self) -> bool:
        try:
            message = await self.client.jsm().get_last_msg(AUDIT_STREAM,
                                                           head_subject(self.service))
        except NotFoundError:
            return True  # nothing published yet: nothing to compare
        except APIError as error:  # no audit stream (streams not declared yet): cannot compare
            log.warning("audit stream unavailable: the store is not compared with it",
                        error=repr(error))
            return True
        published = SignedHead.from_summary(orjson.loads(message.data or b"{}"))
        self.published_up_to = published.tree_size
        problem = await asyncio.to_thread(self._compare_with_store, published)
        if problem is None:
            return True
        reason, detail, store = problem
        self._losses = await asyncio.to_thread(self.audit.losses)
        accepted = [loss for loss in self._losses if loss.covers(published)]
        if accepted and reason in ("rollback", "rewritten"):
            # The stream's last head is of the history an operator declared lost: the heads
            # after the restored one go out again, under ids of their own.
            self.published_up_to = accepted[-1].restored.tree_size
            log.warning("the stream's last head is of history accepted as lost",
                        stream_head=published.tree_size, loss=accepted[-1].describe())
            return True
        self.guard.raise_fault(reason, detail, "relay", {"stream_head": published.summary(),
                                                          "store_head": store})
        return False

    def _compare_with_store(self, published: SignedHead) -> tuple[str, str, Any] | None:
        size = self.audit.size
        try:
            store_head = self.audit.latest_head().summary() if size else None
        except Exception:  # noqa: BLE001 - no head: compared by size below
            store_head = None
        if published.tree_size > size:
            return ("rollback", f"the stream holds head {published.tree_size} of this service, "
                    f"the store only {size} events: the store was rolled back or cut short; "
                    "the relay publishes nothing", store_head)
        try:
            root = self.audit.root(published.tree_size).hex()
        except TreeNodeMissing as error:
            return "tree-state", str(error), store_head
        if root != published.root_hash:
            return ("rewritten", f"the store's first {published.tree_size} events do not "
                    f"produce the root the stream's last head names: history was rewritten",
                    store_head)
        return None

    # --- heads out -----------------------------------------------------------------------------
    async def _publish_loop(self, closing: asyncio.Event) -> None:
        failures = 0
        while not closing.is_set():
            try:
                await self.publish_pending()
                failures = 0
            except Exception as error:  # noqa: BLE001 - NATS or the store away: try again
                failures += 1
                if failures == 1:
                    log.warning("audit heads not published, will retry", error=repr(error))
                await asyncio.sleep(min(0.1 * 2 ** failures, 5.0))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish every head signed since the last one published; returns how many."""
        count = 0
        while True:
            heads = await asyncio.to_thread(self.audit.heads, self.published_up_to, 500)
            if not heads:
                return count
            self._losses = await asyncio.to_thread(self.audit.losses)
            for start in range(0, len(heads), WINDOW):
                window = heads[start:start + WINDOW]
                if {loss.tree_size for loss in self._losses} & {h.tree_size for h in window}:
                    # In order: the head carrying a loss before any head after it.
                    acks = [await self._publish(h) for h in window]
                else:
                    acks = await asyncio.gather(*(self._publish(h) for h in window))
                for head, ack in zip(window, acks, strict=True):
                    if ack.duplicate:
                        await self._check_duplicate(head, ack.seq)
                self.published_up_to = window[-1].tree_size
                count += len(window)

    async def _publish(self, head: SignedHead) -> Any:
        after = [loss for loss in self._losses if loss.tree_size <= head.tree_size]
        loss = after[-1] if after else None
        summary = head.summary()
        if loss is not None and loss.tree_size == head.tree_size:
            # The statement goes out on its own subject, and with the head whose last leaf it
            # is: a witness accepts the loss before it checks that head.
            statement = loss.as_dict()
            summary["loss"] = statement
            await self.js.publish(loss_subject(self.service), orjson.dumps(statement),
                                  stream=AUDIT_STREAM, headers={
                                      "Nats-Msg-Id": f"{self.service}:loss:{loss.tree_size}"})
        return await self.js.publish(
            head_subject(self.service), orjson.dumps(summary), stream=AUDIT_STREAM,
            headers={"Nats-Msg-Id": head_message_id(self.service, head.tree_size,
                                                    loss.tree_size if loss else None)})

    async def _check_duplicate(self, head: SignedHead, sequence: int) -> None:
        """The stream already had a head of this size: the same one, or an equivocation."""
        try:
            stored = await self.client.jsm().get_msg(AUDIT_STREAM, seq=sequence)
        except NotFoundError:
            return
        earlier = SignedHead.from_summary(orjson.loads(stored.data or b"{}"))
        if earlier.tree_size == head.tree_size and earlier.root_hash != head.root_hash:
            self.guard.raise_fault(
                "equivocation", f"the stream already holds a different head of "
                f"{head.tree_size} events: the store was rolled back and went on",
                "head-publisher", {"published": earlier.summary(), "signed": head.summary()})

    # --- alarms out ----------------------------------------------------------------------------
    def _on_fault(self, fault: Fault) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.publish_alarm(fault), loop)

    async def publish_alarm(self, fault: Fault) -> None:
        body = IntegrityAlarm(service=self.service, raised_by=self.service, detail=fault.detail,
                              reason=fault.reason, found_by=fault.found_by,
                              since=datetime.fromisoformat(fault.since),
                              evidence=fault.evidence).model_dump(mode="json")
        try:
            await self.js.publish(alarm_subject(self.service), orjson.dumps(body),
                                  stream=AUDIT_STREAM, headers={
                                      "Nats-Msg-Id": f"{self.service}:alarm:{self.service}:"
                                                     f"{fault.reason}:{fault.since}"})
        except Exception as error:  # noqa: BLE001 - the fault stands; logged loudly
            log.error("audit alarm not published", error=repr(error), reason=fault.reason)

    # --- cosignatures in -----------------------------------------------------------------------
    def witnessed(self) -> dict[str, Cosignature]:
        return dict(self._witnessed)

    async def _follow_cosignatures(self) -> None:
        subject = cosigned_subject(self.service, "*")

        async def on_message(msg: Any) -> None:
            self._take_cosignature(msg.data)

        try:
            self._subscription = await self.js.subscribe(
                subject, stream=AUDIT_STREAM, cb=on_message, ordered_consumer=True,
                deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)
        except NotFoundError:
            log.warning("no audit stream: cosignatures not followed")
            return
        # Take what the stream already holds before the first check runs.
        for _ in range(40):
            info = await self._subscription.consumer_info()
            if not info.num_pending and not self._subscription.pending_msgs:
                break
            await asyncio.sleep(0.05)

    def _take_cosignature(self, data: bytes) -> None:
        try:
            cosignature = Cosignature.from_dict(orjson.loads(data))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("unreadable cosignature on the audit stream")
            return
        key = self.witness_keys.get(cosignature.witness_key_id)
        if key is None or cosignature.head.service != self.service:
            return  # a witness this service was not told to trust
        if not cosignature.verifies(key):
            log.warning("a cosignature that does not verify", witness=cosignature.witness)
            return
        # The witness's newest cosignature stands (after an accepted loss it cosigns smaller
        # trees than before: the new history's).
        held = self._witnessed.get(cosignature.witness)
        if held is None or held.cosigned_at <= cosignature.cosigned_at:
            self._witnessed[cosignature.witness] = cosignature

"""A witness: it holds every head of every service it has seen, cosigns a head only once it has
proved it consistent with the heads it held before, and raises the alarm when it cannot.

`Witness.consider(service, heads)` is the logic, usable by any process (the standalone witness
below, monitoring): for the heads of one service, in any order and with repeats,
- each must be signed by the key the witness trusts for that service (pinned, or taken from the
  service's `/audit/public-key` the first time: trust on first use), or by a new key the trusted
  one endorsed (a rotation);
- a head of a size it already holds with another root is an equivocation: alarm, both heads;
- the new heads and the newest it holds are chained by RFC 6962 consistency proofs, fetched from
  the service's auditor API in one request (`/audit/proof/consistency-chain`); a proof that does
  not verify is an inconsistency: alarm, with the held head, the offered head and the proof;
- the newest consistent head is cosigned (every head before it is proven a prefix of it), kept,
  and returned to be published on `esa.audit.<service>.cosigned.<witness>`.

Everything is kept in the witness's own SQLite file (`WitnessStore`), never in the service's.

`python -m shared.audit witness ...` runs `WitnessProcess`: a durable consumer of
`esa.audit.*.head` on the `audit` stream, the auditor API of each service as an OAuth client
with `<service>:audit`, and a small read-only HTTP API (`/health`, `/public-key`,
`/cosignatures/{service}`, `/alarms`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.audit.v1 import IntegrityAlarm
from shared.audit.heads import (
    Cosignature,
    SignedHead,
    alarm_subject,
    cosignature_message,
    cosigned_subject,
    encode_signature,
)
from shared.audit.losses import LossStatement
from shared.audit.merkle import verify_consistency
from shared.audit.signing import AuditSigner, key_id, load_public_key, raw_public_bytes
from shared.logging import get_logger

log = get_logger(__name__)

# (service, sizes) → [{"first", "second", "consistency_path"}]: the service's proofs.
ProofSource = Callable[[str, Sequence[int]], list[dict[str, Any]]]
KeySource = Callable[[str], Ed25519PublicKey]


@dataclass(frozen=True)
class Alarm:
    service: str
    witness: str
    kind: str  # equivocation | inconsistent | unknown-key | bad-signature
    detail: str
    held: SignedHead | None
    offered: SignedHead
    raised_at: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The alarm as published (contract `contracts/audit/v1.py`, `IntegrityAlarm`)."""
        return IntegrityAlarm(
            alarm=self.kind, service=self.service, raised_by=self.witness, detail=self.detail,
            raised_at=datetime.fromisoformat(self.raised_at),
            held=self.held.summary() if self.held else None, offered=self.offered.summary(),
            evidence=self.evidence).model_dump(mode="json")

    @property
    def message_id(self) -> str:
        return f"{self.service}:alarm:{self.witness}:{self.kind}:{self.offered.tree_size}:" \
               f"{self.offered.root_hash[:16]}"


@dataclass
class Outcome:
    cosignatures: list[Cosignature] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)


class WitnessStore:
    """The witness's own record: heads held, keys trusted, cosignatures made, alarms raised."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        with self._lock:
            for statement in (
                "CREATE TABLE IF NOT EXISTS heads (service TEXT, tree_size INTEGER, head TEXT, "
                "PRIMARY KEY (service, tree_size))",
                "CREATE TABLE IF NOT EXISTS keys (service TEXT, key_id TEXT, public_key TEXT, "
                "since_size INTEGER, PRIMARY KEY (service, key_id))",
                "CREATE TABLE IF NOT EXISTS cosignatures (service TEXT, tree_size INTEGER, "
                "cosignature TEXT, PRIMARY KEY (service, tree_size))",
                "CREATE TABLE IF NOT EXISTS alarms (id INTEGER PRIMARY KEY, service TEXT, "
                "alarm TEXT)",
                # Accepted losses (shared.audit.losses), and the heads and cosignatures of the
                # history they declared lost, kept as evidence.
                "CREATE TABLE IF NOT EXISTS losses (service TEXT, tree_size INTEGER, "
                "statement TEXT, accepted_at TEXT, PRIMARY KEY (service, tree_size))",
                "CREATE TABLE IF NOT EXISTS lost_heads (service TEXT, tree_size INTEGER, "
                "head TEXT, loss_size INTEGER, PRIMARY KEY (service, tree_size, loss_size))",
                "CREATE TABLE IF NOT EXISTS lost_cosignatures (service TEXT, tree_size INTEGER, "
                "cosignature TEXT, loss_size INTEGER, PRIMARY KEY (service, tree_size, "
                "loss_size))",
            ):
                self.connection.execute(statement)

    def _one(self, statement: str, *params: Any) -> Any:
        with self._lock:
            return self.connection.execute(statement, params).fetchone()

    def _all(self, statement: str, *params: Any) -> list[Any]:
        with self._lock:
            return self.connection.execute(statement, params).fetchall()

    def held(self, service: str, size: int) -> SignedHead | None:
        row = self._one("SELECT head FROM heads WHERE service = ? AND tree_size = ?", service,
                        size)
        return SignedHead.from_summary(orjson.loads(row[0])) if row else None

    def latest(self, service: str) -> SignedHead | None:
        row = self._one("SELECT head FROM heads WHERE service = ? ORDER BY tree_size DESC "
                        "LIMIT 1", service)
        return SignedHead.from_summary(orjson.loads(row[0])) if row else None

    def keys(self, service: str) -> dict[str, Ed25519PublicKey]:
        return {kid: load_public_key(public) for kid, public in self._all(
            "SELECT key_id, public_key FROM keys WHERE service = ?", service)}

    def trust(self, service: str, key: Ed25519PublicKey, since_size: int) -> None:
        with self._lock:
            self.connection.execute("INSERT OR IGNORE INTO keys VALUES (?, ?, ?, ?)", (
                service, key_id(key), raw_public_bytes(key).hex(), since_size))

    def keep(self, heads: Sequence[SignedHead], cosignature: Cosignature | None) -> None:
        """The verified heads and the cosignature, in one transaction."""
        with self._lock:
            self.connection.execute("BEGIN")
            try:
                self.connection.executemany(
                    "INSERT OR IGNORE INTO heads VALUES (?, ?, ?)",
                    [(h.service, h.tree_size, orjson.dumps(h.summary()).decode()) for h in heads])
                if cosignature is not None:
                    self.connection.execute(
                        "INSERT OR REPLACE INTO cosignatures VALUES (?, ?, ?)",
                        (cosignature.head.service, cosignature.head.tree_size,
                         orjson.dumps(cosignature.as_dict()).decode()))
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise

    def loss(self, service: str, tree_size: int) -> LossStatement | None:
        row = self._one("SELECT statement FROM losses WHERE service = ? AND tree_size = ?",
                        service, tree_size)
        return LossStatement.from_dict(orjson.loads(row[0])) if row else None

    def losses(self, after: int = 0, limit: int = 100,
               service: str | None = None) -> list[dict[str, Any]]:
        rows = self._all("SELECT rowid, statement, accepted_at FROM losses WHERE rowid > ? AND "
                         "(? IS NULL OR service = ?) ORDER BY rowid LIMIT ?", after, service,
                         service, limit)
        return [{"id": row[0], "accepted_by_witness_at": row[2], **orjson.loads(row[1])}
                for row in rows]

    def was_lost(self, head: SignedHead) -> bool:
        row = self._one("SELECT head FROM lost_heads WHERE service = ? AND tree_size = ?",
                        head.service, head.tree_size)
        return row is not None and orjson.loads(row[0])["root_hash"] == head.root_hash

    def accept_loss(self, statement: LossStatement) -> None:
        """In one transaction: the heads and cosignatures after the restored size put apart
        as evidence, the restored head held (the new history continues from it), the
        statement recorded."""
        service, restored = statement.service, statement.restored
        with self._lock:
            self.connection.execute("BEGIN")
            try:
                for table, lost in (("heads", "lost_heads"),
                                    ("cosignatures", "lost_cosignatures")):
                    self.connection.execute(
                        f"INSERT OR IGNORE INTO {lost} SELECT service, tree_size, "  # noqa: S608
                        f"{table[:-1]}, ? FROM {table} WHERE service = ? AND tree_size > ?",
                        (statement.tree_size, service, restored.tree_size))
                    self.connection.execute(f"DELETE FROM {table} WHERE service = ? AND "  # noqa: S608
                                            "tree_size > ?", (service, restored.tree_size))
                self.connection.execute("INSERT OR IGNORE INTO heads VALUES (?, ?, ?)", (
                    service, restored.tree_size, orjson.dumps(restored.summary()).decode()))
                self.connection.execute("INSERT INTO losses VALUES (?, ?, ?, ?)", (
                    service, statement.tree_size, orjson.dumps(statement.as_dict()).decode(),
                    datetime.now(UTC).isoformat()))
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise

    def record_alarm(self, alarm: Alarm) -> None:
        with self._lock:
            self.connection.execute("INSERT INTO alarms (service, alarm) VALUES (?, ?)",
                                    (alarm.service, orjson.dumps(alarm.as_dict()).decode()))

    def cosignatures(self, service: str, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        return [orjson.loads(row[0]) for row in self._all(
            "SELECT cosignature FROM cosignatures WHERE service = ? AND tree_size > ? "
            "ORDER BY tree_size LIMIT ?", service, after, limit)]

    def alarms(self, after: int = 0, limit: int = 100,
               service: str | None = None) -> list[dict[str, Any]]:
        rows = self._all("SELECT id, alarm FROM alarms WHERE id > ? AND (? IS NULL OR "
                         "service = ?) ORDER BY id LIMIT ?", after, service, service, limit)
        return [{"id": row[0], **orjson.loads(row[1])} for row in rows]

    def close(self) -> None:
        with self._lock:
            self.connection.close()


class Witness:
    def __init__(self, name: str, signer: AuditSigner, store: WitnessStore, proofs: ProofSource,
                 *, service_keys: KeySource | None = None,
                 pinned: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self.name = name
        self.signer = signer
        self.store = store
        self.proofs = proofs
        self.service_keys = service_keys
        for service, key in (pinned or {}).items():
            store.trust(service, key, 0)
        self._lock = threading.Lock()

    def public_key_document(self) -> dict[str, str]:
        return {**self.signer.public_key_document(), "witness": self.name}

    def consider(self, service: str, heads: Sequence[SignedHead]) -> Outcome:
        """`heads` in the order they were published: a head carrying an accepted loss starts
        a new history, so the heads before it and those from it on are considered apart."""
        outcome = Outcome()
        with self._lock:
            segment: list[SignedHead] = []
            for head in [*heads, None]:
                if head is None or head.loss is not None:
                    if segment:
                        part = self._consider(service, segment)
                        outcome.cosignatures.extend(part.cosignatures)
                        outcome.alarms.extend(part.alarms)
                    segment = []
                if head is not None:
                    segment.append(head)
        return outcome

    def _consider(self, service: str, heads: Sequence[SignedHead]) -> Outcome:
        outcome = Outcome()
        keys = self.store.keys(service)
        if not keys and self.service_keys is not None:
            first = self.service_keys(service)
            log.info("witness trusts the service's key on first use", service=service,
                     key_id=key_id(first))
            self.store.trust(service, first, 0)
            keys = self.store.keys(service)
        fresh: dict[int, SignedHead] = {}
        for loss_head in [h for h in heads if h.loss is not None and h.service == service]:
            if not self._accept_loss(loss_head, keys, outcome):
                heads = [h for h in heads if h is not loss_head]
        for head in sorted(heads, key=lambda h: h.tree_size):
            if head.service != service or self.store.was_lost(head):
                continue  # another's, or a head of history accepted as lost (evidence kept)
            key = keys.get(head.key_id)
            if key is None:
                key = self._endorsed(head, keys)
                if key is None:
                    outcome.alarms.append(self._alarm("unknown-key", f"head {head.tree_size} is "
                                                      f"signed by key {head.key_id}, which no "
                                                      "trusted key endorsed", None, head))
                    continue
            if not head.verifies(key):
                outcome.alarms.append(self._alarm("bad-signature", f"head {head.tree_size} does "
                                                  "not verify with the service's key", None, head))
                continue
            held = self.store.held(service, head.tree_size) or fresh.get(head.tree_size)
            if held is not None:
                if held.root_hash != head.root_hash:
                    outcome.alarms.append(self._alarm(
                        "equivocation", f"two signed heads of {head.tree_size} events with "
                        "different roots", held, head))
                continue
            fresh[head.tree_size] = head
        if not fresh:
            return self._record(outcome)
        latest = self.store.latest(service)
        chain = sorted(fresh.values(), key=lambda h: h.tree_size)
        known = {h.tree_size: h for h in chain}
        if latest is not None:
            known[latest.tree_size] = latest
        sizes = sorted(known)
        proven: list[SignedHead] = []
        if len(sizes) > 1:
            proofs = {(p["first"], p["second"]): p for p in self.proofs(service, sizes)}
            for first, second in zip(sizes, sizes[1:], strict=False):
                a, b = known[first], known[second]
                proof = proofs.get((first, second))
                path = [bytes.fromhex(h) for h in (proof or {}).get("consistency_path", [])]
                if proof is None or not verify_consistency(
                        first, second, path, bytes.fromhex(a.root_hash),
                        bytes.fromhex(b.root_hash)):
                    outcome.alarms.append(self._alarm(
                        "inconsistent", f"the head of {second} events is not an extension of "
                        f"the head of {first} events: no valid consistency proof", a, b,
                        {"proof": proof}))
                    break
                for head in (a, b):
                    if head.tree_size in fresh and head not in proven:
                        proven.append(head)
        else:
            proven = chain
        # Only a head newer than any held is cosigned: a service reads a witness's newest
        # cosignature as how far it witnessed, and an older head (handed back and come again
        # after newer ones) is covered by the newest's consistency proof anyway.
        newest = max(proven, key=lambda h: h.tree_size) if proven else None
        cosignature = self._cosign(newest) if newest is not None and (
            latest is None or newest.tree_size > latest.tree_size) else None
        self.store.keep(proven, cosignature)
        if cosignature is not None:
            outcome.cosignatures.append(cosignature)
        return self._record(outcome)

    def _accept_loss(self, head: SignedHead, keys: dict[str, Ed25519PublicKey],
                     outcome: Outcome) -> bool:
        """The statement a head carries, checked and recorded; False (and an alarm) when it
        cannot be accepted: the head is then not considered."""
        service = head.service
        try:
            statement = LossStatement.from_dict(head.loss or {})
        except (KeyError, TypeError, ValueError):
            outcome.alarms.append(self._alarm("loss-refused", f"head {head.tree_size} carries "
                                              "an unreadable loss statement", None, head))
            return False
        if self.store.loss(service, statement.tree_size) is not None:
            return True  # accepted already (the head came again)
        latest = self.store.latest(service)
        held_lost = self.store.held(service, statement.lost.tree_size)
        held_restored = self.store.held(service, statement.restored.tree_size)
        problem = None
        if statement.service != service or statement.tree_size != head.tree_size:
            problem = "the statement is not about this head of this service"
        elif not statement.verifies_with(keys):
            problem = "the statement or a head it names is not signed by the service's key"
        elif latest is not None and latest.tree_size > statement.lost.tree_size:
            problem = (f"the witness holds a head of {latest.tree_size} events, newer than the "
                       f"{statement.lost.tree_size} the statement declares lost")
        elif held_lost is not None and held_lost.root_hash != statement.lost.root_hash:
            problem = f"the statement's lost head of {statement.lost.tree_size} events is not " \
                      "the one the witness holds"
        elif held_restored is not None and \
                held_restored.root_hash != statement.restored.root_hash:
            problem = (f"the restored head of {statement.restored.tree_size} events is not the "
                       "one the witness holds: the restored copy is not the history witnessed")
        if problem is not None:
            outcome.alarms.append(self._alarm("loss-refused", problem, latest, head,
                                              {"statement": statement.as_dict()}))
            return False
        self.store.accept_loss(statement)
        log.warning("witness accepts a loss of history", service=service,
                    loss=statement.describe(), restored_was_held=held_restored is not None)
        return True

    def _record(self, outcome: Outcome) -> Outcome:
        for alarm in outcome.alarms:
            self.store.record_alarm(alarm)
            log.error("equivocation alarm", service=alarm.service, alarm=alarm.kind,
                      detail=alarm.detail)
        return outcome

    def _endorsed(self, head: SignedHead, keys: dict[str, Ed25519PublicKey]) -> Ed25519PublicKey | None:
        if head.endorsement is None:
            return None
        old = keys.get(head.endorsement.old_key_id)
        new = head.endorsed_by(old) if old is not None else None
        if new is not None:
            self.store.trust(head.service, new, head.tree_size)
            keys[key_id(new)] = new
            log.info("witness follows a key rotation", service=head.service,
                     new_key_id=key_id(new), at_size=head.tree_size)
        return new

    def _cosign(self, head: SignedHead) -> Cosignature:
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        signature = encode_signature(self.signer.sign(cosignature_message(
            self.name, self.signer.key_id, head, at)))
        return Cosignature(self.name, self.signer.key_id, head, at, signature)

    def _alarm(self, kind: str, detail: str, held: SignedHead | None, offered: SignedHead,
               evidence: dict[str, Any] | None = None) -> Alarm:
        return Alarm(offered.service, self.name, kind, detail, held, offered,
                     datetime.now(UTC).isoformat(), evidence or {})


# --- the standalone witness process ----------------------------------------------------------
def http_proofs(urls: Mapping[str, str], auth: Any, timeout: float = 10.0) -> tuple[ProofSource,
                                                                                  KeySource]:
    """Proofs and public keys from each service's auditor API (`<service>:audit`)."""
    import httpx

    client = httpx.Client(auth=auth, timeout=timeout)

    def proofs(service: str, sizes: Sequence[int]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(sizes) - 1, 199):
            part = sizes[start:start + 200]
            response = client.get(f"{urls[service]}/audit/proof/consistency-chain",
                                  params={"sizes": ",".join(str(s) for s in part)})
            if response.status_code == 422:
                return found  # the service no longer has a tree of that size: no proof
            response.raise_for_status()
            found.extend(response.json())
        return found

    def public_key(service: str) -> Ed25519PublicKey:
        response = client.get(f"{urls[service]}/audit/public-key")
        response.raise_for_status()
        return load_public_key(response.json()["public_key_hex"])

    return proofs, public_key


class WitnessProcess:
    """Consumes heads from NATS, consults the witness, publishes cosignatures and alarms."""

    def __init__(self, witness: Witness, nats_url: str, *, services: Sequence[str] | None = None,
                 batch: int = 500) -> None:
        self.witness = witness
        self.nats_url = nats_url
        self.services = set(services) if services else None
        self.batch = batch
        self.considered = 0

    async def run(self, closing: asyncio.Event) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        from shared.messaging import AUDIT_STREAM, connect

        client = await connect(self.nats_url, name=f"witness-{self.witness.name}")
        js = client.jetstream(timeout=10)
        subscription = await js.pull_subscribe("esa.audit.*.head", durable=f"witness-"
                                               f"{self.witness.name}", stream=AUDIT_STREAM)
        try:
            while not closing.is_set():
                try:
                    messages = await subscription.fetch(self.batch, timeout=1.0)
                except NatsTimeout:
                    continue
                except Exception as error:  # noqa: BLE001 - NATS reconnecting: again
                    log.warning("witness cannot fetch heads, will retry", error=repr(error))
                    await asyncio.sleep(1.0)
                    continue
                await self._handle_in_order(js, messages, closing)
        finally:
            # Closed, not drained: draining a pull subscription waits out the server's pending
            # fetch (the stop took 15 s), and every head handled was acknowledged already.
            await client.close()

    async def _handle_in_order(self, js: Any, messages: list[Any],
                               closing: asyncio.Event) -> None:
        """The batch in the order published, tried again until it is handled: handed back,
        a head would come again after newer ones, and a head carrying an accepted loss must be
        considered before the new history's heads that follow it."""
        messages = sorted(messages, key=lambda m: m.metadata.sequence.stream)
        while True:
            try:
                await self._handle(js, messages)
            except Exception as error:  # noqa: BLE001 - the service may be away: again
                log.warning("witness could not check heads, will retry", error=repr(error))
                if closing.is_set():
                    return  # unacknowledged: delivered again to the next start
                for message in messages:
                    with contextlib.suppress(Exception):
                        await message.in_progress()  # held, not redelivered meanwhile
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closing.wait(), 1.0)
                continue
            for message in messages:
                await message.ack()
            return

    async def _handle(self, js: Any, messages: list[Any]) -> None:
        by_service: dict[str, list[SignedHead]] = {}
        for message in messages:
            try:
                head = SignedHead.from_summary(orjson.loads(message.data))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                log.warning("unreadable head on the audit stream", subject=message.subject)
                continue
            if self.services is not None and head.service not in self.services:
                continue
            by_service.setdefault(head.service, []).append(head)
        for service, heads in by_service.items():
            outcome = await asyncio.to_thread(self.witness.consider, service, heads)
            self.considered += len(heads)
            for cosignature in outcome.cosignatures:
                # The root in the id: after an accepted loss a size is cosigned again, with
                # the new history's root, while the duplicate window may hold the old one's id.
                head = cosignature.head
                await js.publish(cosigned_subject(service, self.witness.name),
                                 orjson.dumps(cosignature.as_dict()), headers={
                                     "Nats-Msg-Id": f"{service}:cosigned:{self.witness.name}:"
                                                    f"{head.tree_size}:{head.root_hash[:16]}"})
            for alarm in outcome.alarms:
                await js.publish(alarm_subject(service), orjson.dumps(alarm.as_dict()),
                                 headers={"Nats-Msg-Id": alarm.message_id})

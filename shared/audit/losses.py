"""Accepting a loss after a restore: a signed, stored, published and witnessed statement that the
history between the restored store's head and the last witnessed head is lost.

After a backup is restored, the store is behind the head its witnesses hold: the service refuses
writes (`rollback`) and would for ever, since nothing can bring the lost events back. An operator
holding the audit key then runs, with the service stopped,

    python -m shared.audit accept-loss <service> --reason "..." --by <officer id> [--nats URL]

which reads the newest head the audit stream published or a witness cosigned for the service (the
`lost` head), checks that the store really is behind it (not rewritten: the store must not hold
that size), signs the statement (`esa-audit-loss/v1`, below) with the audit key and records it as
an event of the store (`AuditLoss`, stored as `audit.AuditLoss.Accepted`), alone in its
transaction: its leaf is leaf `restored + 1`, and the head signed over it carries the statement
when it is published. From then on:

- the head publisher publishes that head and the following ones under message ids of their own
  (`<service>:head:<size>:loss-<statement size>`: the stream's duplicate window still holds the
  lost heads' ids) and the statement on `esa.audit.<service>.loss` (contract `LossAccepted`);
- a witness offered the head that carries the statement checks it (signed by the service's key,
  naming the newest head it holds or a newer one, the restored head not contradicting one it
  holds), keeps the lost heads and cosignatures apart as evidence, records the acceptance, and
  continues from the restored head: it cosigns the new history again instead of alarming;
- the service's checks accept that the stream's last head and the witnesses' cosigned heads of the
  lost range (signed before the statement) are ahead of the store: no `rollback` fault;
- `esa-audit verify` reports every accepted loss, from the stored statement (it is a leaf like any
  other event, so it never disappears), and reads the lost heads as lost, not as forgeries.

The signed message (UTF-8 lines, each ending in a newline):

    esa-audit-loss/v1
    service <service>
    tree_size <the size of the tree whose last leaf is the statement>
    restored_size <n>
    restored_root <64 hex digits>
    lost_size <n>
    lost_root <64 hex digits>
    accepted_by <officer id>
    accepted_at <ISO 8601 UTC>
    reason_sha256 <64 hex digits: SHA-256 of the reason, UTF-8>
    key_id <16 hex digits>
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.audit.v1 import LossAccepted
from shared.audit.heads import SignedHead, decode_signature, encode_signature
from shared.audit.signing import AuditSigner, signature_valid
from shared.domain import Aggregate, event, stored_name

LOSS_FORMAT = "esa-audit-loss/v1"


class AuditLoss(Aggregate, stored_as="audit.AuditLoss"):
    """One accepted loss of history: its id is derived from (service, tree size), so a statement
    for one place in the log is recorded once."""

    @staticmethod
    def create_id(service: str, tree_size: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:audit-loss:{service}:{tree_size}")

    @event("Accepted")
    def __init__(self, service: str, tree_size: int, statement: dict[str, Any]) -> None:
        self.service = service
        self.tree_size = tree_size
        self.statement = statement


LOSS_TOPIC = stored_name(AuditLoss.Accepted)  # as the event store writes it


def loss_message(service: str, tree_size: int, restored: SignedHead, lost: SignedHead,
                 accepted_by: str, accepted_at: str, reason: str, key_id: str) -> bytes:
    reason_hash = hashlib.sha256(reason.encode("utf-8")).hexdigest()
    return (f"{LOSS_FORMAT}\nservice {service}\ntree_size {tree_size}\n"
            f"restored_size {restored.tree_size}\nrestored_root {restored.root_hash}\n"
            f"lost_size {lost.tree_size}\nlost_root {lost.root_hash}\n"
            f"accepted_by {accepted_by}\naccepted_at {accepted_at}\n"
            f"reason_sha256 {reason_hash}\nkey_id {key_id}\n").encode()


@dataclass(frozen=True)
class LossStatement:
    service: str
    tree_size: int  # the statement is the last leaf of the tree of this size
    restored: SignedHead
    lost: SignedHead
    reason: str
    accepted_by: str
    accepted_at: str
    key_id: str
    signature: str  # base64

    def signed_message(self) -> bytes:
        return loss_message(self.service, self.tree_size, self.restored, self.lost,
                            self.accepted_by, self.accepted_at, self.reason, self.key_id)

    def verifies(self, key: Ed25519PublicKey) -> bool:
        signature = decode_signature(self.signature)
        return signature is not None and signature_valid(key, signature, self.signed_message())

    def verifies_with(self, keys: Mapping[str, Ed25519PublicKey]) -> bool:
        """The statement and both heads it names are signed by keys of the service."""
        key = keys.get(self.key_id)
        restored_key, lost_key = keys.get(self.restored.key_id), keys.get(self.lost.key_id)
        return (key is not None and self.verifies(key) and restored_key is not None
                and self.restored.verifies(restored_key) and lost_key is not None
                and self.lost.verifies(lost_key))

    def covers(self, head: SignedHead) -> bool:
        """`head` is of the history this statement declares lost: a size after the restored one,
        up to the lost head, signed no later than the acceptance."""
        return (self.restored.tree_size < head.tree_size <= self.lost.tree_size
                and _instant(head.signed_at) <= _instant(self.accepted_at))

    def as_dict(self) -> dict[str, Any]:
        """As published and stored (contract `contracts/audit/v1.py`, `LossAccepted`)."""
        return LossAccepted(
            service=self.service, tree_size=self.tree_size,
            restored=self.restored.summary(), lost=self.lost.summary(), reason=self.reason,
            accepted_by=self.accepted_by, accepted_at=datetime.fromisoformat(self.accepted_at),
            key_id=self.key_id, signature=self.signature,
            signed_message=self.signed_message().decode("utf-8"),
        ).model_dump(mode="json") | {"accepted_at": self.accepted_at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LossStatement:
        return cls(service=str(data["service"]), tree_size=int(data["tree_size"]),
                   restored=SignedHead.from_summary(data["restored"]),
                   lost=SignedHead.from_summary(data["lost"]), reason=str(data["reason"]),
                   accepted_by=str(data["accepted_by"]), accepted_at=str(data["accepted_at"]),
                   key_id=str(data["key_id"]), signature=str(data["signature"]))

    def describe(self) -> str:
        return (f"events {self.restored.tree_size + 1}-{self.lost.tree_size} lost (restored "
                f"from the head of {self.restored.tree_size} events, root "
                f"{self.restored.root_hash[:16]}…; the last witnessed head had "
                f"{self.lost.tree_size} events, root {self.lost.root_hash[:16]}…), accepted by "
                f"{self.accepted_by} at {self.accepted_at}: {self.reason}")


def sign_statement(signer: AuditSigner, service: str, restored: SignedHead, lost: SignedHead,
                   reason: str, accepted_by: str) -> LossStatement:
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    size = restored.tree_size + 1
    signature = encode_signature(signer.sign(loss_message(
        service, size, restored, lost, accepted_by, at, reason, signer.key_id)))
    return LossStatement(service, size, restored, lost, reason, accepted_by, at,
                         signer.key_id, signature)


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- `python -m shared.audit accept-loss` ---------------------------------------------------------
class LossRefused(Exception):
    """Nothing to accept, or not a loss: said to the operator, nothing recorded."""


def accept_loss(service: str, reason: str, accepted_by: str, nats_url: str) -> LossStatement:
    """Record the statement in the service's store (the service stopped; its settings from the
    environment, as the service reads them). Raises LossRefused when the store is not simply
    behind the newest published head."""
    import asyncio
    import importlib

    from shared.audit.selfcheck import SelfCheck

    if not reason.strip() or not accepted_by.strip():
        raise LossRefused("give the reason and who accepts the loss (--reason, --by)")
    api = importlib.import_module(f"services.{service}.main").create_app()
    app = api.state.runtime.app
    try:
        audit = app.audit
        findings = SelfCheck(audit, app.audit_guard).check_all()
        if findings or app.audit_guard.fault is not None:
            problem = findings[0].text() if findings else app.audit_guard.fault.detail
            raise LossRefused(f"the restored store does not match its own signed tree "
                              f"({problem}): restore another copy; no loss recorded")
        if audit.size == 0:
            raise LossRefused("the store is empty: there is no restored head to continue from")
        restored = audit.latest_head()
        lost = asyncio.run(_newest_published_head(nats_url, service))
        if lost is None:
            raise LossRefused("the audit stream holds no head of this service: nothing was "
                              "published, so nothing is known to be lost")
        accepted = [loss for loss in audit.losses() if loss.covers(lost)]
        if accepted:
            raise LossRefused(f"accepted already: {accepted[-1].describe()}")
        keys = audit.known_keys()
        key = keys.get(lost.key_id)
        if key is None or not lost.verifies(key):
            raise LossRefused(f"the stream's last head ({lost.tree_size} events) is not signed "
                              "by this service's key: not accepted")
        if lost.tree_size <= restored.tree_size:
            if audit.root(lost.tree_size).hex() == lost.root_hash:
                raise LossRefused(f"nothing is lost: the store holds the published head of "
                                  f"{lost.tree_size} events")
            raise LossRefused(f"the store holds {restored.tree_size} events but not the history "
                              f"of the published head of {lost.tree_size}: that is a rewrite, "
                              "not a loss; not accepted")
        statement = sign_statement(audit.signer, service, restored, lost, reason.strip(),
                                   accepted_by.strip())
        app.save(AuditLoss(service=service, tree_size=statement.tree_size,
                           statement=statement.as_dict()))
        signed = audit.latest_head()
        if signed.tree_size != statement.tree_size:
            raise LossRefused(f"the store moved meanwhile (now {signed.tree_size} events): "
                              "stop the service and run this again")
        return statement
    finally:
        app.close()


async def _newest_published_head(nats_url: str, service: str) -> SignedHead | None:
    import orjson
    from nats.js.errors import NotFoundError

    from shared.audit.heads import head_subject
    from shared.messaging import AUDIT_STREAM, connect

    client = await connect(nats_url, name=f"accept-loss-{service}")
    try:
        message = await client.jsm().get_last_msg(AUDIT_STREAM, head_subject(service))
    except NotFoundError:
        return None
    finally:
        await client.close()
    return SignedHead.from_summary(orjson.loads(message.data or b"{}"))

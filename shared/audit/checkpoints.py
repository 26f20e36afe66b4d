"""Signed checkpoints of a service's event log, stored as events in the same store.

A checkpoint says: the first `tree_size` stored events, in notification order, have the RFC 6962
Merkle root `root_hash`, as of `checkpointed_at`, signed with the service's Ed25519 key `key_id`.
Each checkpoint is one `AuditCheckpoint` aggregate whose id is derived from (service, sequence): the
store's primary key makes checkpoint n writable exactly once, so it can never be rewritten by the
service, and two processes racing for the same number cannot both win. Being events, checkpoints
are themselves leaves of the next checkpoint's tree, and they survive restarts and backups with
the data they cover.

A checkpoint also lists the leaves it adds to the previous one (position, aggregate id, version,
leaf hash): the signed root authenticates that list, so a verifier can name exactly which stored
event was altered, removed or inserted, not only that something was.

The signed message (UTF-8, lines ending in a newline):

    esa-audit-checkpoint/v1
    service <service>
    sequence <n>
    tree_size <n>
    root_hash <64 hex digits>
    checkpointed_at <ISO 8601 UTC>
    key_id <16 hex digits>
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from shared.domain import Aggregate, event

CHECKPOINT_FORMAT = "esa-audit-checkpoint/v1"


class AuditCheckpoint(Aggregate, retired=True):  # signed heads replaced it; old logs hold it
    @staticmethod
    def create_id(service: str, sequence: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"esa:audit-checkpoint:{service}:{sequence}")

    @event("Recorded")
    def __init__(self, service: str, sequence: int, tree_size: int, first_index: int,
                 root_hash: str, checkpointed_at: str, key_id: str, signature: str,
                 leaves: list[tuple[int, str, int, str]]) -> None:
        # The leaf list stays in the stored event only: aggregates are cached and folded by the
        # relay, and need not carry it.
        self.service = service
        self.sequence = sequence
        self.tree_size = tree_size
        self.root_hash = root_hash


CHECKPOINT_TOPIC = get_topic(AuditCheckpoint.Recorded)


@dataclass(frozen=True)
class Checkpoint:
    service: str
    sequence: int
    tree_size: int
    first_index: int
    root_hash: str
    checkpointed_at: str
    key_id: str
    signature: str  # base64
    position: int | None = None  # where the checkpoint itself is stored in the log

    def signed_message(self) -> bytes:
        return signed_message(self.service, self.sequence, self.tree_size, self.root_hash,
                              self.checkpointed_at, self.key_id)

    def summary(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "sequence": self.sequence,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "checkpointed_at": self.checkpointed_at,
            "key_id": self.key_id,
            "signature": self.signature,
            "algorithm": "Ed25519",
            "signed_message": self.signed_message().decode("utf-8"),
            "position": self.position,
        }

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> Checkpoint:
        """From `summary()` (the API, an export, an auditor's saved copy)."""
        return cls(service=str(data["service"]), sequence=int(data["sequence"]),
                   tree_size=int(data["tree_size"]), first_index=int(data.get("first_index", 0)),
                   root_hash=str(data["root_hash"]), checkpointed_at=str(data["checkpointed_at"]),
                   key_id=str(data["key_id"]), signature=str(data["signature"]),
                   position=data.get("position"))


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as stored, with the leaves it adds: [position, aggregate id, version, hash]."""

    checkpoint: Checkpoint
    leaves: list[tuple[int, str, int, str]]

    @classmethod
    def from_state(cls, data: dict[str, Any], position: int) -> StoredCheckpoint:
        """From the stored event's JSON; raises KeyError/TypeError/ValueError if it is not one."""
        checkpoint = Checkpoint(
            service=str(data["service"]), sequence=int(data["sequence"]),
            tree_size=int(data["tree_size"]), first_index=int(data["first_index"]),
            root_hash=str(data["root_hash"]), checkpointed_at=str(data["checkpointed_at"]),
            key_id=str(data["key_id"]), signature=str(data["signature"]), position=position)
        leaves = [(int(p), str(a), int(v), str(h)) for p, a, v, h in data["leaves"]]
        return cls(checkpoint, leaves)


def signed_message(service: str, sequence: int, tree_size: int, root_hash: str,
                   checkpointed_at: str, key_id: str) -> bytes:
    return (f"{CHECKPOINT_FORMAT}\nservice {service}\nsequence {sequence}\ntree_size {tree_size}\n"
            f"root_hash {root_hash}\ncheckpointed_at {checkpointed_at}\nkey_id {key_id}\n"
            ).encode()


def encode_signature(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None

"""Signed tree heads, the endorsement of a new key by the old one, and witnesses' cosignatures:
what they say, byte for byte (UTF-8 lines, each ending in a newline, versioned like checkpoints).

A head, signed by the service's audit key after every committed transaction:

    esa-audit-head/v1
    service <service>
    tree_size <n>
    root_hash <64 hex digits>
    signed_at <ISO 8601 UTC>
    key_id <16 hex digits>

A key rotation: the first head under a new key carries the old key's signature over

    esa-audit-key-rotation/v1
    service <service>
    tree_size <n>
    root_hash <64 hex digits>
    new_key_id <16 hex digits>
    new_public_key <64 hex digits>

A witness's cosignature, made once it has checked the head against every head it held before:

    esa-audit-cosignature/v1
    witness <name>
    witness_key_id <16 hex digits>
    service <service>
    tree_size <n>
    root_hash <64 hex digits>
    head_key_id <16 hex digits>
    head_signature <base64>
    cosigned_at <ISO 8601 UTC>
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.audit.signing import load_public_key, signature_valid

HEAD_FORMAT = "esa-audit-head/v1"
ROTATION_FORMAT = "esa-audit-key-rotation/v1"
COSIGNATURE_FORMAT = "esa-audit-cosignature/v1"


def encode_signature(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


@dataclass(frozen=True)
class Endorsement:
    """The old key's signature over the rotation to a new key."""

    old_key_id: str
    new_public_key: str  # hex of the raw 32 bytes
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {"old_key_id": self.old_key_id, "new_public_key": self.new_public_key,
                "signature": self.signature}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Endorsement | None:
        if not data:
            return None
        return cls(str(data["old_key_id"]), str(data["new_public_key"]), str(data["signature"]))


@dataclass(frozen=True)
class SignedHead:
    service: str
    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str  # base64
    endorsement: Endorsement | None = None
    # The head whose last leaf is an accepted loss carries the statement when published
    # (`shared.audit.losses`); it is signed on its own, not by the head's signature.
    loss: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    def signed_message(self) -> bytes:
        return head_message(self.service, self.tree_size, self.root_hash, self.signed_at,
                            self.key_id)

    def rotation_message(self) -> bytes:
        assert self.endorsement is not None
        return rotation_message(self.service, self.tree_size, self.root_hash, self.key_id,
                                self.endorsement.new_public_key)

    def verifies(self, key: Ed25519PublicKey) -> bool:
        signature = decode_signature(self.signature)
        return signature is not None and signature_valid(key, signature, self.signed_message())

    def endorsed_by(self, old_key: Ed25519PublicKey) -> Ed25519PublicKey | None:
        """The new key, if `old_key` endorsed it for this head (and the head verifies with it)."""
        if self.endorsement is None:
            return None
        signature = decode_signature(self.endorsement.signature)
        if signature is None or not signature_valid(old_key, signature, self.rotation_message()):
            return None
        try:
            new_key = load_public_key(self.endorsement.new_public_key)
        except ValueError:
            return None
        return new_key if self.verifies(new_key) else None

    def same_tree(self, other: SignedHead) -> bool:
        return (self.tree_size, self.root_hash) == (other.tree_size, other.root_hash)

    def summary(self) -> dict[str, Any]:
        summary = {
            "format": HEAD_FORMAT,
            "service": self.service,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
            "algorithm": "Ed25519",
            "signed_message": self.signed_message().decode("utf-8"),
            "endorsement": self.endorsement.as_dict() if self.endorsement else None,
        }
        if self.loss is not None:
            summary["loss"] = dict(self.loss)
        return summary

    @classmethod
    def from_summary(cls, data: Mapping[str, Any]) -> SignedHead:
        return cls(service=str(data["service"]), tree_size=int(data["tree_size"]),
                   root_hash=str(data["root_hash"]), signed_at=str(data["signed_at"]),
                   key_id=str(data["key_id"]), signature=str(data["signature"]),
                   endorsement=Endorsement.from_dict(data.get("endorsement")),
                   loss=data.get("loss"))

    def without_endorsement(self) -> SignedHead:
        return replace(self, endorsement=None)


def head_message(service: str, tree_size: int, root_hash: str, signed_at: str,
                 key_id: str) -> bytes:
    return (f"{HEAD_FORMAT}\nservice {service}\ntree_size {tree_size}\nroot_hash {root_hash}\n"
            f"signed_at {signed_at}\nkey_id {key_id}\n").encode()


def rotation_message(service: str, tree_size: int, root_hash: str, new_key_id: str,
                     new_public_key: str) -> bytes:
    return (f"{ROTATION_FORMAT}\nservice {service}\ntree_size {tree_size}\nroot_hash {root_hash}\n"
            f"new_key_id {new_key_id}\nnew_public_key {new_public_key}\n").encode()


@dataclass(frozen=True)
class Cosignature:
    witness: str
    witness_key_id: str
    head: SignedHead
    cosigned_at: str
    signature: str  # base64, by the witness's key

    def signed_message(self) -> bytes:
        return cosignature_message(self.witness, self.witness_key_id, self.head, self.cosigned_at)

    def verifies(self, witness_key: Ed25519PublicKey) -> bool:
        signature = decode_signature(self.signature)
        return signature is not None and signature_valid(witness_key, signature,
                                                         self.signed_message())

    def as_dict(self) -> dict[str, Any]:
        return {"format": COSIGNATURE_FORMAT, "witness": self.witness,
                "witness_key_id": self.witness_key_id, "head": self.head.summary(),
                "cosigned_at": self.cosigned_at, "signature": self.signature,
                "signed_message": self.signed_message().decode("utf-8")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cosignature:
        return cls(witness=str(data["witness"]), witness_key_id=str(data["witness_key_id"]),
                   head=SignedHead.from_summary(data["head"]),
                   cosigned_at=str(data["cosigned_at"]), signature=str(data["signature"]))


def cosignature_message(witness: str, witness_key_id: str, head: SignedHead,
                        cosigned_at: str) -> bytes:
    return (f"{COSIGNATURE_FORMAT}\nwitness {witness}\nwitness_key_id {witness_key_id}\n"
            f"service {head.service}\ntree_size {head.tree_size}\nroot_hash {head.root_hash}\n"
            f"head_key_id {head.key_id}\nhead_signature {head.signature}\n"
            f"cosigned_at {cosigned_at}\n").encode()


# --- NATS subjects of the `audit` stream (declared in shared.messaging) -------------------------
def head_subject(service: str) -> str:
    return f"esa.audit.{service}.head"


def cosigned_subject(service: str, witness: str) -> str:
    return f"esa.audit.{service}.cosigned.{witness}"


def alarm_subject(service: str) -> str:
    return f"esa.audit.{service}.alarm"


def loss_subject(service: str) -> str:
    return f"esa.audit.{service}.loss"


def head_message_id(service: str, tree_size: int, after_loss: int | None = None) -> str:
    """After an accepted loss (the statement's tree size), heads go out under ids of their own:
    the stream's duplicate window may still hold the lost heads' ids."""
    suffix = f":loss-{after_loss}" if after_loss else ""
    return f"{service}:head:{tree_size}{suffix}"

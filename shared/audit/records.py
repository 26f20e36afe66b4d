"""A stored event as the audit trail hashes it, and as an auditor reads it (who, when, what, why).

The leaf of the Merkle tree is the stored row itself, exactly as the event store keeps it, in one
canonical byte layout (format `esa-audit-leaf/v1`; integers big-endian, lengths unsigned 32-bit):

    int64  position            the notification id (SQLite rowid, PostgreSQL notification_id)
    int64  originator_version  the aggregate's version
    uint32 n, n bytes          originator id, UTF-8 (a UUID in its canonical 36-character form,
                               whether the store keeps it as 32 hex digits or as a uuid)
    uint32 n, n bytes          topic, UTF-8
    uint32 n, n bytes          state, the stored bytes as they are (no decoding)

    leaf hash = SHA-256(0x00 || leaf)

So any change to a stored row (its state, topic, owner, version or place in the log) changes its
leaf hash, and the signed root of every head that covers it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from shared.audit.merkle import leaf_hash
from shared.thaitime import format_thai_datetime

LEAF_FORMAT = "esa-audit-leaf/v1"
# Fields of an event that say why it happened, shown to auditors beside who, when and what.
REASON_FIELDS = frozenset({"reason", "reasons", "comments", "comment", "note", "notes", "remarks",
                           "justification", "grounds", "purpose", "rationale"})


def canonical_originator_id(value: Any) -> str:
    """A UUID in its canonical form (SQLite stores 32 hex digits, PostgreSQL a uuid); anything
    else (only a tampered row) exactly as stored."""
    if isinstance(value, UUID):
        return str(value)
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    try:
        return str(UUID(text))
    except ValueError:
        return text


def _sized(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@dataclass(frozen=True)
class StoredRecord:
    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes

    @classmethod
    def of(cls, position: Any, originator_id: Any, version: Any, topic: Any,
           state: Any) -> StoredRecord:
        """From a row as a driver returns it; a value of the wrong type (a tampered row: SQLite
        keeps whatever it is given) still becomes a record, whose hash will not match."""
        return cls(
            position=_as_int(position),
            originator_id=canonical_originator_id(originator_id),
            originator_version=_as_int(version),
            topic=topic if isinstance(topic, str) else repr(topic),
            state=_as_bytes(state),
        )

    @classmethod
    def from_notification(cls, notification: Any) -> StoredRecord:
        return cls.of(notification.id, notification.originator_id,
                      notification.originator_version, notification.topic, notification.state)

    def leaf(self) -> bytes:
        return (struct.pack(">qq", self.position, self.originator_version)
                + _sized(self.originator_id.encode("utf-8"))
                + _sized(self.topic.encode("utf-8"))
                + _sized(self.state))

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf())

    @property
    def event_type(self) -> str:
        """`Document.Registered` from the topic `services.correspondence.domain:Document.Registered`."""
        return self.topic.rpartition(":")[2]

    def decoded(self) -> dict[str, Any] | None:
        try:
            data = orjson.loads(self.state)
        except orjson.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None

    def describe(self) -> dict[str, Any]:
        """Who, when, what and why, as the stored event says (None where it cannot be read)."""
        data = self.decoded() or {}
        why = {k: v for k, v in data.items() if k in REASON_FIELDS and v not in (None, "", [])}
        return {
            "position": self.position,
            "aggregate_id": self.originator_id,
            "version": self.originator_version,
            "event_type": self.event_type,
            "topic": self.topic,
            "actor": data.get("actor"),
            "at": data.get("timestamp"),
            "at_th": _thai_time(data.get("timestamp")),
            "trace_id": data.get("trace_id") or None,
            "why": why,
            "leaf_hash": self.leaf_hash().hex(),
        }


def _thai_time(value: Any) -> str | None:
    try:
        return format_thai_datetime(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    # Not an int64 as stored: a value no genuine row has, so that the leaf hash cannot match.
    return -(2**63)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return repr(value).encode("utf-8")

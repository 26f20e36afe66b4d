"""The audit trail of one service: the Merkle tree over its stored events, kept in step with the
notification log, and the signed checkpoints of it.

`AuditTrail` follows the log like every read model (`shared.projection.LogFollower`): on start it
hashes every stored event once, then only what was committed since. It holds 32 bytes per event
(plus the complete subtrees' hashes, about as much again) and the position of each, so roots and
proofs over any tree size answer without reading the store. Checkpoints are read back from the log
itself, so after a restart the trail knows every checkpoint ever made.
"""

from __future__ import annotations

import base64
import bisect
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from eventsourcing.persistence import Notification

from shared.audit.checkpoints import (
    CHECKPOINT_TOPIC,
    AuditCheckpoint,
    Checkpoint,
    StoredCheckpoint,
    encode_signature,
    signed_message,
)
from shared.audit.merkle import MerkleTree
from shared.audit.records import LEAF_FORMAT, StoredRecord
from shared.audit.signing import AuditSigner
from shared.domain import Conflict, DomainError, NotFound
from shared.eventstore import ServiceApplication
from shared.logging import get_logger
from shared.projection import LogFollower

EXPORT_FORMAT = "esa-audit-export/v1"
_READ_BATCH = 500

log = get_logger(__name__)


class NoCheckpointYet(NotFound):
    def __init__(self) -> None:
        super().__init__("no-audit-checkpoint", "ยังไม่มีจุดตรวจสอบบันทึกเหตุการณ์",
                         "No audit checkpoint has been made yet")


class PositionNotInLog(NotFound):
    def __init__(self, position: int) -> None:
        super().__init__("position-not-in-log", "ไม่พบเหตุการณ์ที่ตำแหน่งนี้ในบันทึก",
                         "No stored event at that position", f"position {position}")


class AggregateNotInLog(NotFound):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__("aggregate-not-in-log", "ไม่พบประวัติของรายการนี้",
                         "No stored event of that aggregate", aggregate_id)


class TreeSizeOutOfRange(DomainError):
    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__("tree-size-out-of-range", "ขนาดต้นไม้ไม่อยู่ในช่วงที่มีบันทึก",
                         "Tree size outside the log", detail)


class StoreChangedUnderTrail(Conflict):
    """A stored event no longer hashes as it did when the trail read it: someone changed the
    store under the running service. No checkpoint is made over it."""

    def __init__(self, position: int) -> None:
        super().__init__("stored-event-changed", "เหตุการณ์ที่บันทึกไว้ถูกแก้ไขหลังจากบันทึกแล้ว",
                         "A stored event changed after it was recorded", f"position {position}")


class AuditTrail(LogFollower):
    def __init__(self, app: ServiceApplication, signer: AuditSigner, *,
                 max_events_per_checkpoint: int = 1000) -> None:
        super().__init__(app)
        self.service = app.settings.service_name
        self.signer = signer
        self.max_events_per_checkpoint = max(1, max_events_per_checkpoint)
        self.tree = MerkleTree()
        self.positions = array("q")  # leaf index → notification id
        self.by_aggregate: dict[str, array[int]] = {}  # aggregate id → its leaf indexes
        self.checkpoints: list[Checkpoint] = []
        self._checkpoint_leaves = array("q")  # leaf indexes of the checkpoints themselves

    # --- following the log ------------------------------------------------------------------------
    def wants(self, notification: Notification) -> bool:
        return True

    def apply(self, notifications: list[Notification]) -> None:
        for notification in notifications:
            record = StoredRecord.from_notification(notification)
            index = self.tree.append(record.leaf_hash())
            self.positions.append(record.position)
            self.by_aggregate.setdefault(record.originator_id, array("q")).append(index)
            if record.topic == CHECKPOINT_TOPIC:
                self._checkpoint_leaves.append(index)
                self._read_checkpoint(record)

    def _read_checkpoint(self, record: StoredRecord) -> None:
        try:
            stored = StoredCheckpoint.from_state(record.decoded() or {}, record.position)
        except (KeyError, TypeError, ValueError) as error:
            # Only a tampered row reads so; the verifier names it. The trail goes on.
            log.error("unreadable audit checkpoint", position=record.position, error=repr(error))
            return
        checkpoint = stored.checkpoint
        if (checkpoint.tree_size > len(self.tree)
                or self.tree.root(checkpoint.tree_size).hex() != checkpoint.root_hash):
            # The service checks its own store as it reads it: loud, and the verifier says where.
            log.error("stored events do not match audit checkpoint", sequence=checkpoint.sequence,
                      tree_size=checkpoint.tree_size, stored_events=len(self.tree))
        self.checkpoints.append(checkpoint)

    # --- checkpoints ------------------------------------------------------------------------------
    def checkpoint(self) -> list[Checkpoint]:
        """Sign checkpoints until every stored event other than checkpoints is covered; returns
        the ones made (none when nothing new was recorded). Periodic and on demand."""
        made: list[Checkpoint] = []
        while True:
            checkpoint = self.app.execute(self._decide_checkpoint)
            if checkpoint is None:
                return made
            with self.caught_up():  # as stored: with its own position in the log
                checkpoint = next((c for c in self.checkpoints if c.sequence == checkpoint.sequence),
                                  checkpoint)
            made.append(checkpoint)
            log.info("audit checkpoint signed", sequence=checkpoint.sequence,
                     tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash)

    def _decide_checkpoint(self) -> tuple[Checkpoint | None, list[AuditCheckpoint]]:
        with self.caught_up():
            last = self.checkpoints[-1] if self.checkpoints else None
            start = last.tree_size if last else 0
            size = len(self.tree)
            if start > size:
                raise StoreChangedUnderTrail(self.positions[-1] if size else 0)
            own = len(self._checkpoint_leaves) - bisect.bisect_left(self._checkpoint_leaves, start)
            if size - start <= own:
                # Nothing but checkpoints since the last one: checkpointing that would only make
                # another checkpoint to cover, forever.
                return None, []
            end = min(size, start + self.max_events_per_checkpoint)
            leaves = self._leaves_as_stored(start, end)
            sequence = (last.sequence if last else 0) + 1
            root_hash = self.tree.root(end).hex()
            at = datetime.now(UTC).isoformat()
            signature = encode_signature(self.signer.sign(signed_message(
                self.service, sequence, end, root_hash, at, self.signer.key_id)))
        aggregate = AuditCheckpoint(service=self.service, sequence=sequence, tree_size=end,
                                    first_index=start, root_hash=root_hash, checkpointed_at=at,
                                    key_id=self.signer.key_id, signature=signature, leaves=leaves)
        checkpoint = Checkpoint(self.service, sequence, end, start, root_hash, at,
                                self.signer.key_id, signature)
        return checkpoint, [aggregate]

    def _leaves_as_stored(self, start: int, end: int) -> list[tuple[int, str, int, str]]:
        """The leaves [start, end) read again from the store, each checked against the hash the
        trail took when it first read it."""
        leaves: list[tuple[int, str, int, str]] = []
        after = self.positions[start - 1] if start else 0
        while len(leaves) < end - start:
            batch = self.app.read_notifications(after, min(_READ_BATCH, end - start - len(leaves)))
            if not batch:
                break
            for notification in batch:
                record = StoredRecord.from_notification(notification)
                index = start + len(leaves)
                leaf = record.leaf_hash()
                if record.position != self.positions[index] or leaf != self.tree.leaf(index):
                    raise StoreChangedUnderTrail(self.positions[index])
                leaves.append((record.position, record.originator_id, record.originator_version,
                               leaf.hex()))
            after = batch[-1].id
        if len(leaves) != end - start:
            raise StoreChangedUnderTrail(self.positions[start + len(leaves)])
        return leaves

    def latest_checkpoint(self) -> Checkpoint:
        with self.caught_up():
            if not self.checkpoints:
                raise NoCheckpointYet()
            return self.checkpoints[-1]

    def list_checkpoints(self, after: int = 0, limit: int = 1000) -> list[Checkpoint]:
        with self.caught_up():
            return [c for c in self.checkpoints if c.sequence > after][:limit]

    # --- proofs -----------------------------------------------------------------------------------
    def _size_or_latest(self, tree_size: int | None) -> int:
        if tree_size is not None:
            if not 1 <= tree_size <= len(self.tree):
                raise TreeSizeOutOfRange(f"tree_size {tree_size}, log has {len(self.tree)} events")
            return tree_size
        return self.checkpoints[-1].tree_size if self.checkpoints else len(self.tree)

    def _checkpoint_at(self, tree_size: int) -> dict[str, Any] | None:
        found = [c for c in self.checkpoints if c.tree_size == tree_size]
        return found[-1].summary() if found else None

    def _index_of(self, position: int) -> int:
        index = bisect.bisect_left(self.positions, position)
        if index == len(self.positions) or self.positions[index] != position:
            raise PositionNotInLog(position)
        return index

    def inclusion(self, position: int, tree_size: int | None = None) -> dict[str, Any]:
        """The audit path of the event at `position` in the tree of `tree_size` events (by default
        the latest checkpoint's, or the whole log if that does not cover it yet)."""
        with self.caught_up():
            index = self._index_of(position)
            size = self._size_or_latest(tree_size)
            if tree_size is None and index >= size:
                size = len(self.tree)
            if index >= size:
                raise TreeSizeOutOfRange(f"position {position} is leaf {index}, not in {size}")
            return {
                "position": position,
                "leaf_index": index,
                "tree_size": size,
                "leaf_hash": self.tree.leaf(index).hex(),
                "audit_path": [h.hex() for h in self.tree.inclusion_proof(index, size)],
                "root_hash": self.tree.root(size).hex(),
                "checkpoint": self._checkpoint_at(size),
            }

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        with self.caught_up():
            size = self._size_or_latest(second)
            if not 1 <= first <= size:
                raise TreeSizeOutOfRange(f"first {first} must be within 1..{size}")
            return {
                "first": first,
                "second": size,
                "first_root": self.tree.root(first).hex(),
                "second_root": self.tree.root(size).hex(),
                "consistency_path": [h.hex() for h in self.tree.consistency_proof(first, size)],
                "first_checkpoint": self._checkpoint_at(first),
                "second_checkpoint": self._checkpoint_at(size),
            }

    # --- reading the log as an auditor ------------------------------------------------------------
    def _entry(self, record: StoredRecord) -> dict[str, Any]:
        entry = record.describe()
        index = bisect.bisect_left(self.positions, record.position)
        found = index < len(self.positions) and self.positions[index] == record.position
        entry["leaf_index"] = index if found else None
        return entry

    def events(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        records = [StoredRecord.from_notification(n) for n in self.app.read_notifications(after, limit)]
        with self.caught_up():
            entries = [self._entry(r) for r in records]
            size = len(self.tree)
        return {"events": entries, "next_after": records[-1].position if records else after,
                "tree_size": size}

    def history(self, aggregate_id: str) -> list[dict[str, Any]]:
        with self.caught_up():
            indexes = list(self.by_aggregate.get(aggregate_id, ()))
            positions = [self.positions[i] for i in indexes]
        if not positions:
            raise AggregateNotInLog(aggregate_id)
        records = []
        for position in positions:
            found = self.app.read_notifications(position - 1, 1)
            if found and found[0].id == position:
                records.append(StoredRecord.from_notification(found[0]))
        with self.caught_up():
            return [self._entry(r) for r in records]

    def public_key(self) -> dict[str, str]:
        return self.signer.public_key_document()

    def export_lines(self) -> Iterator[bytes]:
        """The stored events exactly as stored, then the checkpoints among them, as JSON lines."""
        yield _line({"kind": "header", "format": EXPORT_FORMAT, "leaf_format": LEAF_FORMAT,
                     "service": self.service, "exported_at": datetime.now(UTC).isoformat(),
                     "public_key": self.public_key()})
        checkpoints: list[Checkpoint] = []
        after = 0
        while True:
            batch = self.app.read_notifications(after, _READ_BATCH)
            for notification in batch:
                record = StoredRecord.from_notification(notification)
                yield _line(event_line(record))
                if record.topic == CHECKPOINT_TOPIC:
                    try:
                        checkpoints.append(StoredCheckpoint.from_state(
                            record.decoded() or {}, record.position).checkpoint)
                    except (KeyError, TypeError, ValueError):
                        log.error("unreadable audit checkpoint", position=record.position)
            if len(batch) < _READ_BATCH:
                break
            after = batch[-1].id
        for checkpoint in checkpoints:
            yield _line({"kind": "checkpoint", **checkpoint.summary()})


def event_line(record: StoredRecord) -> dict[str, Any]:
    return {"kind": "event", "position": record.position, "originator_id": record.originator_id,
            "originator_version": record.originator_version, "topic": record.topic,
            "state": base64.b64encode(record.state).decode("ascii"),
            "leaf_hash": record.leaf_hash().hex()}


def _line(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data) + b"\n"

"""Verifying a service's audit trail from its stored events alone, as an auditor does offline.

Given the stored events (read from the database, an export or a running service) and the
service's public key, `verify`:

1. recomputes every leaf hash from the stored rows (`shared.audit.records`) and the Merkle tree;
2. reads the checkpoints stored among the events, checks each signature with the key, that they
   are numbered 1, 2, 3 ... without a gap, that each continues the previous one, and that the
   leaves each lists produce its signed root;
3. compares the signed leaves with the stored rows, position by position, and names every event
   that was altered, removed, inserted among covered events, or moved;
4. checks that the first `tree_size` stored events still produce each checkpoint's root, also for
   checkpoints the auditor kept from earlier (`witnesses`): a log cut short after its last stored
   checkpoint can only be caught against a checkpoint kept outside the store.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.audit.checkpoints import (
    CHECKPOINT_TOPIC,
    Checkpoint,
    StoredCheckpoint,
    decode_signature,
)
from shared.audit.merkle import MerkleTree
from shared.audit.records import StoredRecord
from shared.audit.signing import signature_valid

# Kinds of finding about a stored event, which name it (position, aggregate id, version).
# Kinds that say nothing could be checked (rather than that something was changed).
UNVERIFIED_FINDINGS = ("no-checkpoint", "checkpoint-unknown-key")
EVENT_FINDINGS = ("altered", "removed", "inserted", "moved", "version-gap")


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    position: int | None = None
    aggregate_id: str | None = None
    version: int | None = None
    checkpoint: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def text(self) -> str:
        where = []
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.aggregate_id is not None:
            where.append(f"aggregate {self.aggregate_id}")
        if self.version is not None:
            where.append(f"version {self.version}")
        place = ", ".join(where)
        return f"{self.kind:<9} {place + ': ' if place else ''}{self.message}"


@dataclass
class Report:
    service: str | None
    events: int
    checkpoints: list[Checkpoint]
    covered: int
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "service": self.service, "events": self.events,
                "checkpoints": len(self.checkpoints), "covered": self.covered,
                "latest_checkpoint": self.checkpoints[-1].summary() if self.checkpoints else None,
                "findings": [f.as_dict() for f in self.findings], "notes": self.notes}

    def text(self) -> str:
        lines = [f"service {self.service or '?'}: {self.events} stored events, "
                 f"{len(self.checkpoints)} signed checkpoints"]
        if self.checkpoints:
            latest = self.checkpoints[-1]
            lines.append(f"latest checkpoint #{latest.sequence}: {latest.tree_size} events, root "
                         f"{latest.root_hash}, {latest.checkpointed_at}, key {latest.key_id}")
        lines.extend(f"note: {note}" for note in self.notes)
        if self.ok:
            tail = self.events - self.covered
            lines.append(f"OK: every checkpoint signature and root verifies and every stored event "
                         f"matches them; newer events not yet covered by a checkpoint: {tail}")
        else:
            unverified = all(f.kind in UNVERIFIED_FINDINGS for f in self.findings)
            verdict = "NOT VERIFIED" if unverified else "TAMPERED"
            lines.append(f"{verdict}: {len(self.findings)} findings")
            lines.extend("  " + finding.text() for finding in self.findings)
        return "\n".join(lines)


def verify(records: Iterable[StoredRecord], public_keys: Mapping[str, Ed25519PublicKey],
           witnesses: Sequence[Checkpoint] = (), service: str | None = None) -> Report:
    rows = sorted(records, key=lambda r: r.position)
    findings: list[Finding] = []
    tree = MerkleTree(r.leaf_hash() for r in rows)
    stored = _stored_checkpoints(rows, findings)
    service = service or (stored[0].checkpoint.service if stored else None)

    signed = [s for s in stored if _signature_ok(s.checkpoint, public_keys, findings)]
    _check_numbering(stored, findings)
    leaves = _signed_leaves(signed, findings)
    _compare(rows, leaves, findings)
    _check_versions(rows, findings)
    event_level = any(f.kind in EVENT_FINDINGS for f in findings)
    for s in signed:
        _check_root(s.checkpoint, tree, findings, quiet=event_level)
    _check_witnesses(witnesses, stored, public_keys, tree, findings)

    if rows and not stored and not witnesses:
        findings.append(Finding("no-checkpoint", "events are stored but no signed checkpoint "
                                "covers them: nothing can be verified (none made yet, or all "
                                "removed)"))
    checkpoints = [s.checkpoint for s in signed]
    covered = max((c.tree_size for c in checkpoints), default=0)
    return Report(service, len(rows), checkpoints, covered, findings)


def _stored_checkpoints(rows: Sequence[StoredRecord], findings: list[Finding]) -> list[StoredCheckpoint]:
    stored = []
    for row in rows:
        if row.topic != CHECKPOINT_TOPIC:
            continue
        try:
            stored.append(StoredCheckpoint.from_state(row.decoded() or {}, row.position))
        except (KeyError, TypeError, ValueError):
            findings.append(Finding("checkpoint-unreadable", "a stored checkpoint cannot be read",
                                    row.position, row.originator_id, row.originator_version))
    return sorted(stored, key=lambda s: s.checkpoint.sequence)


def _signature_ok(checkpoint: Checkpoint, keys: Mapping[str, Ed25519PublicKey],
                  findings: list[Finding]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        findings.append(Finding("checkpoint-unknown-key", f"signed by key {checkpoint.key_id}, "
                                "which is not among the public keys given",
                                checkpoint.position, checkpoint=checkpoint.sequence))
        return False
    signature = decode_signature(checkpoint.signature)
    if signature is None or not signature_valid(key, signature, checkpoint.signed_message()):
        findings.append(Finding("checkpoint-signature", "the signature does not verify: the "
                                "checkpoint was altered or forged", checkpoint.position,
                                checkpoint=checkpoint.sequence))
        return False
    return True


def _check_numbering(stored: Sequence[StoredCheckpoint], findings: list[Finding]) -> None:
    expected = 1
    for s in stored:
        number = s.checkpoint.sequence
        for missing in range(expected, number):
            findings.append(Finding("checkpoint-missing", f"checkpoint #{missing} is not in the "
                                    "store (removed)", checkpoint=missing))
        expected = max(expected, number + 1)


def _signed_leaves(signed: Sequence[StoredCheckpoint],
                   findings: list[Finding]) -> list[tuple[int, str, int, str, int]]:
    """The leaves the signed checkpoints list, each with its checkpoint's number; each list is
    checked to produce its checkpoint's root while the chain from #1 is unbroken."""
    leaves: list[tuple[int, str, int, str, int]] = []
    chain = MerkleTree()
    unbroken, previous = True, 0
    for s in signed:
        cp = s.checkpoint
        if cp.first_index != len(chain) or len(s.leaves) != cp.tree_size - cp.first_index:
            if unbroken and cp.sequence == previous + 1:
                findings.append(Finding("checkpoint-chain", "its leaves do not continue the "
                                        "previous checkpoint", cp.position, checkpoint=cp.sequence))
            unbroken = False
        if unbroken:
            try:
                for leaf in s.leaves:
                    chain.append(bytes.fromhex(leaf[3]))
            except ValueError:
                unbroken = False
            if unbroken and chain.root().hex() != cp.root_hash:
                findings.append(Finding("checkpoint-leaves", "the leaves it lists do not produce "
                                        "its signed root: the checkpoint record was altered",
                                        cp.position, checkpoint=cp.sequence))
        previous = cp.sequence
        leaves.extend((*leaf, cp.sequence) for leaf in s.leaves)
    return leaves


def _compare(rows: Sequence[StoredRecord], leaves: Sequence[tuple[int, str, int, str, int]],
             findings: list[Finding]) -> None:
    by_position = {r.position: r for r in rows}
    by_identity = {(r.originator_id, r.originator_version): r for r in rows}
    explained: set[int] = set()
    for position, aggregate_id, version, leaf_hex, number in leaves:
        row = by_position.get(position)
        if row is not None and row.leaf_hash().hex() == leaf_hex:
            explained.add(position)
            continue
        twin = by_identity.get((aggregate_id, version))
        if (twin is not None and twin.position != position and twin.position not in explained
                and dataclasses.replace(twin, position=position).leaf_hash().hex() == leaf_hex):
            findings.append(Finding("moved", f"the event checkpoint #{number} signed at this "
                                    f"position is now stored at position {twin.position}",
                                    position, aggregate_id, version, number))
            explained.add(twin.position)
            continue
        if row is not None:
            now = ("" if (row.originator_id, row.originator_version) == (aggregate_id, version)
                   else f"; it now reads as aggregate {row.originator_id} version "
                        f"{row.originator_version}")
            findings.append(Finding("altered", f"the stored event differs from the one "
                                    f"checkpoint #{number} signed{now}",
                                    position, aggregate_id, version, number))
            explained.add(position)
            continue
        findings.append(Finding("removed", f"the event checkpoint #{number} signed is no longer "
                                "stored", position, aggregate_id, version, number))
    covered_until = max((leaf[0] for leaf in leaves), default=0)
    for row in rows:
        if row.position not in explained and row.position <= covered_until:
            findings.append(Finding("inserted", "stored among the events the checkpoints cover, "
                                    "but none of them signed it", row.position, row.originator_id,
                                    row.originator_version))


def _check_versions(rows: Sequence[StoredRecord], findings: list[Finding]) -> None:
    """Every aggregate's versions run 1, 2, 3 ...: a gap among events no checkpoint covers yet is
    an event removed, or one inserted with a made-up version (covered events are named above)."""
    named = {(f.aggregate_id, f.version) for f in findings if f.kind == "removed"}
    versions: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        versions[row.originator_id].append(row.originator_version)
    for aggregate_id, found in versions.items():
        present = set(found)
        for version in range(1, max(found)):
            if version not in present and (aggregate_id, version) not in named:
                findings.append(Finding("version-gap", f"no version {version} is stored, though "
                                        f"version {max(found)} is: an event removed, or one "
                                        "inserted with a made-up version", None, aggregate_id,
                                        version))


def _check_root(checkpoint: Checkpoint, tree: MerkleTree, findings: list[Finding], *,
                quiet: bool, kind: str = "root-mismatch", whose: str = "") -> None:
    if checkpoint.tree_size > len(tree):
        if quiet:
            return
        findings.append(Finding("truncated", f"{whose}checkpoint #{checkpoint.sequence} covers "
                                f"{checkpoint.tree_size} events, the store holds {len(tree)}",
                                checkpoint=checkpoint.sequence))
        return
    if tree.root(checkpoint.tree_size).hex() != checkpoint.root_hash and not quiet:
        findings.append(Finding(kind, f"the first {checkpoint.tree_size} stored events do not "
                                f"produce the root {whose}checkpoint #{checkpoint.sequence} signed",
                                checkpoint=checkpoint.sequence))


def _check_witnesses(witnesses: Sequence[Checkpoint], stored: Sequence[StoredCheckpoint],
                     keys: Mapping[str, Ed25519PublicKey], tree: MerkleTree,
                     findings: list[Finding]) -> None:
    by_number = {s.checkpoint.sequence: s.checkpoint for s in stored}
    for witness in witnesses:
        if not _signature_ok(witness, keys, findings):
            continue
        same = by_number.get(witness.sequence)
        if same is None:
            findings.append(Finding("checkpoint-missing", f"checkpoint #{witness.sequence}, kept "
                                    "by the auditor, is not in the store (removed)",
                                    checkpoint=witness.sequence))
        elif (same.tree_size, same.root_hash, same.checkpointed_at) != (
                witness.tree_size, witness.root_hash, witness.checkpointed_at):
            findings.append(Finding("checkpoint-rewritten", f"the stored checkpoint "
                                    f"#{witness.sequence} differs from the one the auditor kept",
                                    same.position, checkpoint=witness.sequence))
        _check_root(witness, tree, findings, quiet=False, whose="the kept ")

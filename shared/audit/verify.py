"""Verifying a service's audit trail from what it stored and what others kept, as an auditor does
offline.

Given the stored events with the leaves the service recorded for them and its signed heads (read
from the database, an export or a running service), the heads published on NATS and the
witnesses' cosignatures, and the public keys to trust, `verify`:

1. recomputes every leaf hash from the stored rows (`shared.audit.records`) and names each event
   that differs from the leaf recorded for it: altered, removed, inserted (no leaf covers it),
   moved (stored at another place);
2. rebuilds the tree from the recorded leaves (from the frontier before the period, for an export
   of one period) and checks every head's root and signature (a new key is trusted only when the
   key before endorsed it), and that no two heads of one size differ (equivocation);
3. takes the witnesses' cosignatures as the trust anchor (`witness_keys`): each cosigned head must
   be signed by the service and match the rebuilt tree, else the log was rolled back, cut short or
   rewritten; it reports which heads are witnessed by whom;
4. for stores from before the persisted tree, checks the old signed checkpoints stored among the
   events (`AuditCheckpoint`), their numbering, the leaves each lists, and checkpoints the auditor
   kept (`witnesses`).
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
from shared.audit.heads import Cosignature, SignedHead
from shared.audit.losses import LOSS_TOPIC, LossStatement
from shared.audit.merkle import Frontier, MerkleTree
from shared.audit.records import StoredRecord
from shared.audit.signing import signature_valid

# Kinds of finding about a stored event, which name it (position, aggregate id, version).
# Kinds that say nothing could be checked (rather than that something was changed).
UNVERIFIED_FINDINGS = ("no-checkpoint", "checkpoint-unknown-key", "head-unknown-key",
                       "not-witnessed")
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
    heads: list[SignedHead] = field(default_factory=list)
    witnessed: dict[int, list[str]] = field(default_factory=dict)  # tree size → witnesses
    # Losses of history accepted after a restore (shared.audit.losses), from the stored
    # statements: reported always; the heads and cosignatures of the lost history they cover
    # are read as lost, not as forgeries (`lost_heads`: how many).
    losses: list[LossStatement] = field(default_factory=list)
    lost_heads: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def latest_witnessed(self) -> int:
        return max(self.witnessed, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "service": self.service, "events": self.events,
                "checkpoints": len(self.checkpoints), "heads": len(self.heads),
                "covered": self.covered,
                "latest_checkpoint": self.checkpoints[-1].summary() if self.checkpoints else None,
                "latest_head": self.heads[-1].summary() if self.heads else None,
                "witnessed": {str(size): names for size, names in sorted(self.witnessed.items())},
                "latest_witnessed": self.latest_witnessed,
                "accepted_losses": [loss.as_dict() for loss in self.losses],
                "lost_heads": self.lost_heads,
                "findings": [f.as_dict() for f in self.findings], "notes": self.notes}

    def text(self) -> str:
        lines = [f"service {self.service or '?'}: {self.events} stored events, "
                 f"{len(self.heads)} signed heads, {len(self.checkpoints)} old checkpoints"]
        if self.heads:
            latest = self.heads[-1]
            lines.append(f"latest head: {latest.tree_size} events, root {latest.root_hash}, "
                         f"{latest.signed_at}, key {latest.key_id}")
        elif self.checkpoints:
            latest_cp = self.checkpoints[-1]
            lines.append(f"latest checkpoint #{latest_cp.sequence}: {latest_cp.tree_size} events, "
                         f"root {latest_cp.root_hash}, {latest_cp.checkpointed_at}, key "
                         f"{latest_cp.key_id}")
        for size, names in sorted(self.witnessed.items()):
            lines.append(f"witnessed: the head of {size} events, cosigned by {', '.join(names)}")
        for loss in self.losses:
            lines.append(f"ACCEPTED LOSS (statement at leaf {loss.tree_size}): "
                         f"{loss.describe()}")
        if self.lost_heads:
            lines.append(f"{self.lost_heads} published heads or cosignatures are of that lost "
                         "history (kept as evidence, not checked against this log)")
        lines.extend(f"note: {note}" for note in self.notes)
        if self.ok:
            tail = self.events - self.covered
            witnessed = (f"; witnessed up to {self.latest_witnessed} events"
                         if self.witnessed else "")
            lines.append(f"OK: every signature and root verifies and every stored event matches "
                         f"them{witnessed}; stored events no head covers: {max(tail, 0)}")
        else:
            unverified = all(f.kind in UNVERIFIED_FINDINGS for f in self.findings)
            verdict = "NOT VERIFIED" if unverified else "TAMPERED"
            lines.append(f"{verdict}: {len(self.findings)} findings")
            lines.extend("  " + finding.text() for finding in self.findings)
        return "\n".join(lines)


@dataclass(frozen=True)
class RecordedLeaf:
    """A leaf as the service recorded it when the event committed (who it was, to name it when
    the event is gone)."""

    index: int
    position: int
    leaf_hash: bytes
    aggregate_id: str | None = None
    version: int | None = None


def verify(records: Iterable[StoredRecord], public_keys: Mapping[str, Ed25519PublicKey],
           witnesses: Sequence[Checkpoint] = (), service: str | None = None, *,
           leaves: Sequence[RecordedLeaf] | None = None, heads: Sequence[SignedHead] = (),
           cosignatures: Sequence[Cosignature] = (),
           witness_keys: Mapping[str, Ed25519PublicKey] | None = None,
           frontier: Frontier | None = None) -> Report:
    """`leaves`, `heads`: the persisted tree as the service recorded it (None: a store from before
    it, verified by its old checkpoints alone); `frontier`: the tree before the first leaf given
    (an export of one period); `cosignatures` are trusted if signed by one of `witness_keys`."""
    rows = sorted(records, key=lambda r: r.position)
    findings: list[Finding] = []
    whole_log = frontier is None or frontier.size == 0
    tree = MerkleTree(r.leaf_hash() for r in rows) if whole_log else MerkleTree()
    stored = _stored_checkpoints(rows, findings)
    service = service or (stored[0].checkpoint.service if stored else None) or \
        (heads[0].service if heads else None)

    signed = [s for s in stored if _signature_ok(s.checkpoint, public_keys, findings)]
    if whole_log:
        _check_numbering(stored, findings)
    if leaves is None:
        checkpoint_leaves = _signed_leaves(signed, findings)
        _compare(rows, checkpoint_leaves, findings)
        _check_versions(rows, findings)
    event_level = any(f.kind in EVENT_FINDINGS for f in findings)
    if leaves is not None:
        _compare_with_leaves(rows, leaves, findings)
        event_level = any(f.kind in EVENT_FINDINGS for f in findings)
    for s in signed:
        if whole_log:
            _check_root(s.checkpoint, tree, findings, quiet=event_level or leaves is not None)
    _check_witnesses(witnesses, stored, public_keys, tree, findings)

    report_heads: list[SignedHead] = []
    witnessed: dict[int, list[str]] = {}
    losses = _stored_losses(rows, public_keys, findings)
    lost = 0
    if leaves is not None:
        roots = _recorded_roots(leaves, frontier, heads, cosignatures, findings)
        recorded = int(roots[-1])

        def of_lost_history(head: SignedHead) -> bool:
            return any(loss.covers(head) for loss in losses) and (
                head.tree_size > recorded or roots.get(head.tree_size) != head.root_hash)

        kept_heads = [h for h in heads if not of_lost_history(h)]
        kept_cosignatures = [c for c in cosignatures if not of_lost_history(c.head)]
        lost = len(heads) - len(kept_heads) + len(cosignatures) - len(kept_cosignatures)
        heads, cosignatures = kept_heads, kept_cosignatures
        trusted = dict(public_keys)
        report_heads = _check_heads(heads, roots, trusted, findings)
        witnessed = _check_cosignatures(cosignatures, witness_keys or {}, trusted, roots, findings)
        if witness_keys and not witnessed and not any(
                f.kind in ("truncated", "witnessed-root-mismatch") for f in findings):
            findings.append(Finding("not-witnessed", "no head is cosigned by any of the "
                                    "witnesses given: nothing outside the service vouches for "
                                    "this log"))
    if rows and not stored and not witnesses and not report_heads and not witnessed:
        findings.append(Finding("no-checkpoint", "events are stored but no signed head or "
                                "checkpoint covers them: nothing can be verified"))
    checkpoints = [s.checkpoint for s in signed]
    covered = max([c.tree_size for c in checkpoints] + [h.tree_size for h in report_heads],
                  default=0)
    if frontier is not None:
        covered -= frontier.size
    return Report(service, len(rows), checkpoints, covered, findings, heads=report_heads,
                  witnessed=witnessed, losses=losses, lost_heads=lost)


def _stored_losses(rows: Sequence[StoredRecord], keys: Mapping[str, Ed25519PublicKey],
                   findings: list[Finding]) -> list[LossStatement]:
    """The accepted losses stored in the log; one not signed by the service is a finding."""
    losses = []
    for row in rows:
        if row.topic != LOSS_TOPIC:
            continue
        try:
            statement = LossStatement.from_dict((row.decoded() or {})["statement"])
        except (KeyError, TypeError, ValueError):
            findings.append(Finding("loss-unreadable", "a stored loss statement cannot be read",
                                    row.position, row.originator_id, row.originator_version))
            continue
        if not statement.verifies_with(keys):
            findings.append(Finding("loss-signature", "a stored loss statement is not signed by "
                                    "the service's key: forged", row.position,
                                    row.originator_id, row.originator_version))
            continue
        losses.append(statement)
    return sorted(losses, key=lambda loss: loss.tree_size)


def _compare_with_leaves(rows: Sequence[StoredRecord], leaves: Sequence[RecordedLeaf],
                         findings: list[Finding]) -> None:
    ordered = sorted(leaves, key=lambda leaf: leaf.index)
    for previous, leaf in zip(ordered, ordered[1:], strict=False):
        if leaf.index != previous.index + 1:
            findings.append(Finding("leaf-missing", f"the recorded tree has no leaf "
                                    f"{previous.index + 1}: the tree's tables were altered"))
    findings.extend(compare_with_leaves(rows, ordered))


def compare_with_leaves(rows: Sequence[StoredRecord],
                        leaves: Sequence[RecordedLeaf]) -> list[Finding]:
    """The stored rows against the leaves recorded for them (the same span of the log): every
    row that differs from its leaf is named as altered, moved (stored unchanged at another
    position), removed (its leaf's event is gone) or inserted (no leaf covers it). The one
    comparison the service's own check and the auditor's verifier share."""
    by_position = {r.position: r for r in rows}
    explained: set[int] = set()
    unmatched: list[RecordedLeaf] = []
    for leaf in leaves:
        row = by_position.get(leaf.position)
        if row is not None and row.leaf_hash() == leaf.leaf_hash:
            explained.add(row.position)
        else:
            unmatched.append(leaf)
    findings: list[Finding] = []
    loose = [r for r in rows if r.position not in explained]
    rest: list[RecordedLeaf] = []
    for leaf in unmatched:
        moved = next((r for r in loose if r.position not in explained
                      and r.position != leaf.position
                      and dataclasses.replace(r, position=leaf.position).leaf_hash()
                      == leaf.leaf_hash), None)
        if moved is None:
            rest.append(leaf)
            continue
        explained.add(moved.position)
        findings.append(Finding("moved", f"the event signed at leaf {leaf.index} (position "
                                f"{leaf.position}) is now stored at position {moved.position}",
                                leaf.position, moved.originator_id, moved.originator_version))
    for leaf in rest:
        row = by_position.get(leaf.position)
        if row is None or row.position in explained:
            findings.append(Finding("removed", f"the event signed at leaf {leaf.index} is no "
                                    "longer stored", leaf.position, leaf.aggregate_id,
                                    leaf.version))
        else:
            explained.add(row.position)
            findings.append(Finding("altered", f"the stored event differs from the one signed at "
                                    f"leaf {leaf.index}", row.position, row.originator_id,
                                    row.originator_version))
    for row in rows:
        if row.position not in explained:
            findings.append(Finding("inserted", "stored in the log, but no leaf of the signed "
                                    "tree covers it", row.position, row.originator_id,
                                    row.originator_version))
    return sorted(findings, key=lambda f: (f.position or 0, f.kind))


def _recorded_roots(leaves: Sequence[RecordedLeaf], frontier: Frontier | None,
                    heads: Sequence[SignedHead], cosignatures: Sequence[Cosignature],
                    findings: list[Finding]) -> dict[int, str]:
    """The root of the recorded tree at every size a head or a cosignature names."""
    wanted = {h.tree_size for h in heads} | {c.head.tree_size for c in cosignatures}
    running = Frontier(frontier.size, frontier.hashes) if frontier else Frontier()
    roots: dict[int, str] = {}
    if running.size in wanted:
        roots[running.size] = running.root().hex()
    for leaf in sorted(leaves, key=lambda item: item.index):
        if leaf.index != running.size:
            break  # named as leaf-missing; roots beyond it cannot be rebuilt
        running.append(leaf.leaf_hash)
        if running.size in wanted:
            roots[running.size] = running.root().hex()
    roots[-1] = str(running.size)  # how far the recorded tree goes
    roots[-2] = str(frontier.size if frontier else 0)  # where it starts (a period's export)
    return roots


def _trusted_key(head: SignedHead, trusted: dict[str, Ed25519PublicKey]) -> Ed25519PublicKey | None:
    key = trusted.get(head.key_id)
    if key is not None:
        return key
    if head.endorsement is not None:
        old = trusted.get(head.endorsement.old_key_id)
        if old is not None:
            new = head.endorsed_by(old)
            if new is not None:
                trusted[head.key_id] = new
                return new
    return None


def _check_heads(heads: Sequence[SignedHead], roots: dict[int, str],
                 trusted: dict[str, Ed25519PublicKey], findings: list[Finding]) -> list[SignedHead]:
    recorded, start = int(roots[-1]), int(roots[-2])
    good: list[SignedHead] = []
    by_size: dict[int, SignedHead] = {}
    for head in sorted(heads, key=lambda h: h.tree_size):
        if head.tree_size < start:
            continue  # before the period exported: its root is not in the evidence
        seen = by_size.get(head.tree_size)
        if seen is not None:
            if seen.root_hash != head.root_hash:
                findings.append(Finding("equivocation", f"two signed heads of {head.tree_size} "
                                        f"events with different roots ({seen.root_hash} and "
                                        f"{head.root_hash})"))
            continue
        by_size[head.tree_size] = head
        key = _trusted_key(head, trusted)
        if key is None:
            findings.append(Finding("head-unknown-key", f"the head of {head.tree_size} events is "
                                    f"signed by key {head.key_id}, which is not trusted"))
            continue
        if not head.verifies(key):
            findings.append(Finding("head-signature", f"the head of {head.tree_size} events does "
                                    "not verify: altered or forged"))
            continue
        if head.tree_size > recorded:
            findings.append(Finding("truncated", f"a signed head covers {head.tree_size} events, "
                                    f"the recorded tree holds {recorded}"))
            continue
        if head.tree_size in roots and roots[head.tree_size] != head.root_hash:
            findings.append(Finding("head-root-mismatch", f"the recorded leaves do not produce "
                                    f"the root signed at {head.tree_size} events: the tree was "
                                    "rewritten"))
            continue
        good.append(head)
    return good


def _check_cosignatures(cosignatures: Sequence[Cosignature],
                        witness_keys: Mapping[str, Ed25519PublicKey],
                        trusted: dict[str, Ed25519PublicKey], roots: dict[int, str],
                        findings: list[Finding]) -> dict[int, list[str]]:
    recorded, start = int(roots[-1]), int(roots[-2])
    witnessed: dict[int, list[str]] = defaultdict(list)
    for cosignature in sorted(cosignatures, key=lambda c: c.head.tree_size):
        if cosignature.head.tree_size < start:
            continue  # before the period exported
        key = witness_keys.get(cosignature.witness_key_id)
        if key is None or not cosignature.verifies(key):
            continue  # not one of the witnesses the auditor trusts
        head = cosignature.head
        service_key = _trusted_key(head, trusted)
        if service_key is not None and not head.verifies(service_key):
            findings.append(Finding("head-signature", f"witness {cosignature.witness} cosigned a "
                                    f"head of {head.tree_size} events the service did not sign"))
            continue
        if head.tree_size > recorded:
            findings.append(Finding("truncated", f"witness {cosignature.witness} cosigned a head "
                                    f"of {head.tree_size} events at {cosignature.cosigned_at}; "
                                    f"the log holds {recorded}: it was rolled back or cut short"))
            continue
        if roots.get(head.tree_size) != head.root_hash:
            findings.append(Finding("witnessed-root-mismatch", f"the log does not produce the "
                                    f"root witness {cosignature.witness} cosigned at "
                                    f"{head.tree_size} events: history was rewritten"))
            continue
        if cosignature.witness not in witnessed[head.tree_size]:
            witnessed[head.tree_size].append(cosignature.witness)
    return dict(witnessed)


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

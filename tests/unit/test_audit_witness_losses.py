"""A witness and an accepted loss (shared/audit/losses.py, shared/audit/witness.py), in process
over real RFC 6962 trees: it accepts a statement that names what it holds, keeps the lost heads as
evidence and cosigns the new history; it refuses (an alarm, nothing cosigned) a statement that
hides a newer head it holds or that the service's key did not sign."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.heads import SignedHead, encode_signature, head_message
from shared.audit.losses import sign_statement
from shared.audit.merkle import MerkleTree
from shared.audit.signing import AuditSigner
from shared.audit.witness import Witness, WitnessStore

SERVICE = "planning"


class Branch:
    """One history of the service: its tree and the heads it signed (times in order)."""

    def __init__(self, signer: AuditSigner, start: datetime) -> None:
        self.signer, self.tree, self.clock = signer, MerkleTree(), start

    def extend(self, label: str) -> SignedHead:
        self.tree.append(hashlib.sha256(label.encode()).digest())
        self.clock += timedelta(seconds=1)
        size, at = len(self.tree), self.clock.isoformat()
        root = self.tree.root(size).hex()
        return SignedHead(SERVICE, size, root, at, self.signer.key_id, encode_signature(
            self.signer.sign(head_message(SERVICE, size, root, at, self.signer.key_id))))

    def proofs(self, service: str, sizes: Sequence[int]) -> list[dict[str, Any]]:
        ordered = sorted(sizes)
        return [{"first": a, "second": b, "consistency_path": [
            h.hex() for h in self.tree.consistency_proof(a, b)]}
            for a, b in zip(ordered, ordered[1:], strict=False)]


def office(tmp_path: Path) -> tuple[AuditSigner, Branch, list[SignedHead], Witness, dict]:
    signer = AuditSigner(Ed25519PrivateKey.generate())
    old = Branch(signer, datetime(2026, 12, 1, tzinfo=UTC))
    heads = [old.extend(f"event {n}") for n in range(1, 6)]
    source = {"branch": old}
    witness = Witness("witness-1", AuditSigner(Ed25519PrivateKey.generate()),
                      WitnessStore(tmp_path / "witness.sqlite3"),
                      lambda service, sizes: source["branch"].proofs(service, sizes),
                      pinned={SERVICE: signer.public_key})
    outcome = witness.consider(SERVICE, heads)
    assert outcome.cosignatures[-1].head.tree_size == 5 and not outcome.alarms
    return signer, old, heads, witness, source


def restored_branch(signer: AuditSigner, old: Branch, size: int) -> Branch:
    new = Branch(signer, old.clock)
    new.tree = MerkleTree(old.tree.leaf(i) for i in range(size))
    return new


def test_a_loss_naming_what_the_witness_holds_is_accepted_and_the_new_history_cosigned(
        tmp_path: Path) -> None:
    signer, old, heads, witness, source = office(tmp_path)
    new = restored_branch(signer, old, 3)
    statement = sign_statement(signer, SERVICE, heads[2], heads[4], "disk failed", "esa-1")
    first = new.extend("the loss statement")
    carrying = SignedHead(**{**first.__dict__, "loss": statement.as_dict()})
    source["branch"] = new
    outcome = witness.consider(SERVICE, [carrying, new.extend("event after")])
    assert outcome.alarms == []
    assert outcome.cosignatures[-1].head.tree_size == 5  # the new history's 5, not the old
    assert outcome.cosignatures[-1].head.root_hash != heads[4].root_hash
    (recorded,) = witness.store.losses()
    assert recorded["lost"]["tree_size"] == 5 and recorded["accepted_by"] == "esa-1"
    # The old heads are kept as evidence, and offered again they raise nothing.
    assert witness.store.was_lost(heads[4]) and witness.store.was_lost(heads[3])
    assert witness.consider(SERVICE, [heads[4]]).alarms == []
    # The same head carrying the statement again: accepted already, nothing new.
    assert witness.consider(SERVICE, [carrying]).alarms == []
    assert len(witness.store.losses()) == 1


def test_a_loss_hiding_a_newer_head_or_not_signed_by_the_service_is_refused(
        tmp_path: Path) -> None:
    signer, old, heads, witness, source = office(tmp_path)
    new = restored_branch(signer, old, 3)
    source["branch"] = new
    first = new.extend("the loss statement")
    hiding = sign_statement(signer, SERVICE, heads[2], heads[3], "only up to 4", "esa-1")
    outcome = witness.consider(SERVICE, [SignedHead(**{**first.__dict__,
                                                       "loss": hiding.as_dict()})])
    assert [a.kind for a in outcome.alarms] == ["loss-refused"] and not outcome.cosignatures
    assert "holds a head of 5 events" in outcome.alarms[0].detail

    forger = AuditSigner(Ed25519PrivateKey.generate())
    forged = sign_statement(forger, SERVICE, heads[2], heads[4], "forged", "someone")
    outcome = witness.consider(SERVICE, [SignedHead(**{**first.__dict__,
                                                       "loss": forged.as_dict()})])
    assert [a.kind for a in outcome.alarms] == ["loss-refused"] and not outcome.cosignatures
    assert witness.store.losses() == [] and not witness.store.was_lost(heads[4])


def test_a_head_redelivered_after_newer_ones_is_kept_but_not_cosigned_over_them(
        tmp_path: Path) -> None:
    """The head carrying the statement was accepted, then handed back (the service was away for
    the proofs) and came again after the new history's next heads: the witness's newest
    cosignature stays the newest head, so a service reading the newest cosignature sees it."""
    signer, old, heads, witness, source = office(tmp_path)
    new = restored_branch(signer, old, 3)
    statement = sign_statement(signer, SERVICE, heads[2], heads[4], "disk failed", "esa-1")
    first = new.extend("the loss statement")
    carrying = SignedHead(**{**first.__dict__, "loss": statement.as_dict()})
    later = [new.extend("event after"), new.extend("event after that")]
    source["branch"] = Away()
    with pytest.raises(ConnectionError):
        witness.consider(SERVICE, [carrying])
    assert len(witness.store.losses()) == 1  # accepted before the proofs were asked for

    source["branch"] = new
    outcome = witness.consider(SERVICE, later)
    assert outcome.alarms == [] and outcome.cosignatures[-1].head == later[-1]
    outcome = witness.consider(SERVICE, [carrying])
    assert outcome.alarms == [] and outcome.cosignatures == []
    assert witness.store.latest(SERVICE) == later[-1]


class Away:
    """The service not answering for its proofs."""

    def proofs(self, service: str, sizes: Sequence[int]) -> list[dict[str, Any]]:
        raise ConnectionError("the service is away")

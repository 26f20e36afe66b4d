"""What the verifier says about heads and witnesses: a forged head, a head signed by a key nobody
endorsed, two heads for one size, a log cut short behind a witnessed head, a log rewritten and
re-signed with the service's own key (caught only against a witness), a key rotation the old key
endorsed, and which heads are witnessed by whom."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from planning_samples import policy

from services.planning.application import PlanningApplication
from shared.audit.heads import SignedHead, head_message
from shared.audit.signing import AuditSigner, key_id, load_public_key
from shared.audit.sources import Evidence, parse_export
from shared.audit.verify import Report, verify
from shared.audit.witness import Witness, WitnessStore
from tests.support.http import h


def draft(client: TestClient) -> None:
    assert client.post("/policies", headers=h("off-1"), json=policy()).status_code == 201


def evidence(client: TestClient) -> Evidence:
    return parse_export(iter(client.get("/audit/export").content.splitlines()))


def service_keys(client: TestClient) -> dict:
    key = load_public_key(client.get("/audit/public-key").json()["public_key_hex"])
    return {key_id(key): key}


@pytest.fixture
def witness(planning: PlanningApplication, tmp_path: Path) -> Witness:
    return Witness("witness-1", AuditSigner(Ed25519PrivateKey.generate()),
                   WitnessStore(tmp_path / "witness.sqlite3"),
                   lambda _, sizes: planning.audit.consistency_chain(sizes),
                   pinned={"planning": planning.audit.signer.public_key})


def witness_all(planning: PlanningApplication, witness: Witness) -> list:
    outcome = witness.consider("planning", planning.audit.heads(0, 10_000))
    assert not outcome.alarms
    return outcome.cosignatures


def check(client: TestClient, found: Evidence, witness: Witness | None = None,
          cosignatures: tuple = (), heads: tuple = ()) -> Report:
    witness_keys = {witness.signer.key_id: witness.signer.public_key} if witness else None
    return verify(found.records, service_keys(client), leaves=found.leaves,
                  heads=[*found.heads, *heads], cosignatures=list(cosignatures),
                  witness_keys=witness_keys)


def kinds(report: Report) -> list[str]:
    return [f.kind for f in report.findings]


def test_heads_are_witnessed_and_the_report_says_by_whom(
        planning_client: TestClient, planning: PlanningApplication, witness: Witness) -> None:
    draft(planning_client)
    cosignatures = witness_all(planning, witness)
    report = check(planning_client, evidence(planning_client), witness, cosignatures)
    assert report.ok, report.text()
    assert report.witnessed == {planning.audit.size: ["witness-1"]}
    assert "cosigned by witness-1" in report.text()


def test_a_forged_head_fails_its_signature(planning_client: TestClient) -> None:
    draft(planning_client)
    found = evidence(planning_client)
    found.heads[-1] = dataclasses.replace(found.heads[-1], signed_at="2020-01-01T00:00:00+00:00")
    assert "head-signature" in kinds(check(planning_client, found))


def test_a_head_signed_by_a_key_nobody_endorsed_is_not_trusted(
        planning_client: TestClient, planning: PlanningApplication) -> None:
    draft(planning_client)
    stranger = AuditSigner(Ed25519PrivateKey.generate())
    latest = planning.audit.latest_head()
    forged = SignedHead("planning", latest.tree_size, latest.root_hash, latest.signed_at,
                        stranger.key_id, "", None)
    import base64
    forged = dataclasses.replace(forged, signature=base64.b64encode(stranger.sign(
        forged.signed_message())).decode())
    found = evidence(planning_client)
    found.heads = [forged]
    report = check(planning_client, found)
    assert "head-unknown-key" in kinds(report) and "NOT VERIFIED" in report.text()


def test_two_heads_for_one_size_are_an_equivocation(
        planning_client: TestClient, planning: PlanningApplication) -> None:
    draft(planning_client)
    latest = planning.audit.latest_head()
    other_root = "00" * 32
    at = latest.signed_at
    import base64
    signature = base64.b64encode(planning.audit.signer.sign(head_message(
        "planning", latest.tree_size, other_root, at, latest.key_id))).decode()
    published = SignedHead("planning", latest.tree_size, other_root, at, latest.key_id, signature)
    report = check(planning_client, evidence(planning_client), heads=(published,))
    assert "equivocation" in kinds(report)


def test_a_log_cut_short_behind_a_witnessed_head_is_caught(
        planning_client: TestClient, planning: PlanningApplication, witness: Witness) -> None:
    draft(planning_client)
    cosignatures = witness_all(planning, witness)
    found = evidence(planning_client)
    keep = found.leaves[-3].index  # the insider cuts the last events, leaves and heads
    found.records = found.records[:keep]
    found.leaves = [leaf for leaf in found.leaves if leaf.index < keep]
    found.heads = [head for head in found.heads if head.tree_size <= keep]
    assert check(planning_client, found).ok  # the store agrees with itself
    report = check(planning_client, found, witness, cosignatures)
    assert kinds(report) == ["truncated"] and "witness-1" in report.findings[0].message


def test_a_log_rewritten_and_re_signed_with_the_service_key_is_caught_by_the_witness(
        planning_client: TestClient, planning: PlanningApplication, witness: Witness) -> None:
    from shared.audit.merkle import MerkleTree
    from shared.audit.verify import RecordedLeaf

    draft(planning_client)
    cosignatures = witness_all(planning, witness)
    found = evidence(planning_client)
    victim = found.records[1]
    found.records[1] = dataclasses.replace(victim, state=victim.state.replace(b"\"", b"'", 1))
    tree = MerkleTree(r.leaf_hash() for r in found.records)  # every leaf and head rebuilt
    found.leaves = [RecordedLeaf(i, r.position, tree.leaf(i)) for i, r in enumerate(found.records)]
    signer = planning.audit.signer
    found.heads = [SignedHead.from_summary({**head.summary(), "root_hash": tree.root(
        head.tree_size).hex()}) for head in found.heads]
    import base64
    found.heads = [dataclasses.replace(head, signature=base64.b64encode(signer.sign(
        head.signed_message())).decode()) for head in found.heads]
    assert check(planning_client, found).ok  # re-signed with the key beside the store
    report = check(planning_client, found, witness, cosignatures)
    assert kinds(report) == ["witnessed-root-mismatch"]


def test_a_rotated_key_is_trusted_when_the_old_key_endorsed_it(tmp_path: Path) -> None:
    """The office moves its audit key into an HSM: the first head under the new key is endorsed
    by the old one; the witness follows the rotation, and so does the verifier."""
    from services.planning.settings import PlanningSettings
    from shared.office.testing import STANDARD_STAFF, teach
    from shared.signing_keys import pem_of

    old_key, new_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    (tmp_path / "old.pem").write_bytes(pem_of(old_key))
    (tmp_path / "new.pem").write_bytes(pem_of(new_key))
    settings = PlanningSettings(var_dir=tmp_path / "rotation", audit_signing_key=str(tmp_path / "old.pem"))
    app = PlanningApplication(settings)
    teach(app, STANDARD_STAFF[:2])
    old_heads = app.audit.heads(0, 1000)
    app.close()

    unendorsed = PlanningApplication(PlanningSettings(
        var_dir=tmp_path / "rotation", audit_signing_key=str(tmp_path / "new.pem")))
    assert unendorsed.audit_guard.fault is not None  # a new key nobody endorsed: writes refused
    assert unendorsed.audit_guard.fault.reason == "audit-key-changed"
    unendorsed.close()

    rotated = PlanningSettings(var_dir=tmp_path / "rotation",
                               audit_signing_key=str(tmp_path / "new.pem"),
                               audit_previous_signing_key=str(tmp_path / "old.pem"))
    app = PlanningApplication(rotated)
    teach(app, STANDARD_STAFF[2:3])
    heads = app.audit.heads(0, 1000)
    first_new = next(h for h in heads if h.key_id == AuditSigner(new_key).key_id)
    assert first_new.endorsement is not None
    pinned_old = {AuditSigner(old_key).key_id: old_key.public_key()}
    witness_store = WitnessStore(tmp_path / "w.sqlite3")
    rotation_witness = Witness("witness-2", AuditSigner(Ed25519PrivateKey.generate()),
                               witness_store, lambda _, sizes: app.audit.consistency_chain(sizes),
                               pinned={"planning": old_key.public_key()})
    outcome = rotation_witness.consider("planning", heads)
    assert not outcome.alarms and outcome.cosignatures
    export = parse_export(iter(b"".join(app.audit.export_lines()).splitlines()))
    report = verify(export.records, pinned_old, leaves=export.leaves, heads=export.heads)
    assert report.ok, report.text()
    assert len(old_heads) < len(report.heads)
    app.close()

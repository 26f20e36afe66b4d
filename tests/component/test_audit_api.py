"""The auditor's API, as every service has it (here planning's): every write's answer is a receipt
(its log positions and the head signed over them in the same transaction), every stored event
proves its place under any head, heads are prefixes of one another, the log says who, when, what
and why, the tree and the key survive a restart, and an export verifies offline or pinpoints an
edit."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from planning_samples import policy

from services.planning.application import PlanningApplication
from services.planning.main import create_app
from services.planning.settings import PlanningSettings
from shared.audit.__main__ import main as audit_cli
from shared.audit.heads import SignedHead, head_message
from shared.audit.merkle import verify_consistency, verify_inclusion
from shared.audit.records import StoredRecord
from shared.audit.signing import AuditSigner, load_public_key, signature_valid
from shared.http.paging import decode_cursor, encode_cursor
from shared.office.testing import STANDARD_STAFF, teach
from shared.signing_keys import pem_of
from shared.testing import office_client
from tests.support.http import h


def draft(client: TestClient, actor: str = "off-1") -> tuple[str, dict[str, str]]:
    response = client.post("/policies", headers=h(actor), json=policy())
    assert response.status_code == 201, response.text
    return response.json()["plan_id"], dict(response.headers)


def receipt_head(headers: dict[str, str]) -> SignedHead:
    return SignedHead("planning", int(headers["esa-audit-tree-size"]),
                      headers["esa-audit-root-hash"], headers["esa-audit-signed-at"],
                      headers["esa-audit-key-id"], headers["esa-audit-signature"])


def test_every_write_answers_with_a_receipt_that_proves_its_events(
        planning_client: TestClient) -> None:
    client = planning_client
    key = load_public_key(client.get("/audit/public-key").json()["public_key_pem"])
    _, first = draft(client)
    _, second = draft(client, "off-2")
    for headers in (first, second):
        head = receipt_head(headers)
        signature = base64.b64decode(head.signature)
        assert signature_valid(key, signature, head_message(
            "planning", head.tree_size, head.root_hash, head.signed_at, head.key_id))
        positions = [int(p) for p in headers["esa-audit-positions"].split(",")]
        for position in positions:  # each event the write recorded sits under the receipt's root
            proof = client.get(f"/audit/proof/inclusion/{position}",
                               params={"tree_size": head.tree_size}).json()
            event = next(e for e in client.get("/audit/events", params={
                "cursor": encode_cursor([position - 1]), "limit": 1}).json()["items"])
            assert proof["leaf_hash"] == event["leaf_hash"]
            assert verify_inclusion(proof["leaf_index"], head.tree_size,
                                    bytes.fromhex(proof["leaf_hash"]),
                                    [bytes.fromhex(x) for x in proof["audit_path"]],
                                    bytes.fromhex(head.root_hash))
            assert proof["head"]["signature"] == head.signature
    older, newer = receipt_head(first), receipt_head(second)
    proof = client.get("/audit/proof/consistency", params={
        "first": older.tree_size, "second": newer.tree_size}).json()
    assert verify_consistency(older.tree_size, newer.tree_size,
                              [bytes.fromhex(x) for x in proof["consistency_path"]],
                              bytes.fromhex(older.root_hash), bytes.fromhex(newer.root_hash))
    # a read records nothing and carries no receipt
    assert "esa-audit-tree-size" not in client.get("/plans").headers
    latest = client.get("/audit/heads/latest").json()
    assert latest["tree_size"] == newer.tree_size and latest["signature"] == newer.signature


def test_every_transaction_signs_its_own_head(planning_client: TestClient) -> None:
    draft(planning_client)
    page = planning_client.get("/audit/heads", params={"limit": 3}).json()
    sizes = [h["tree_size"] for h in page["items"]]
    assert sizes == sorted(sizes) and len(sizes) == 3
    assert decode_cursor(page["next_cursor"]) == [sizes[-1]]
    rest = planning_client.get("/audit/heads",
                               params={"cursor": page["next_cursor"]}).json()["items"]
    assert rest and rest[-1]["tree_size"] == planning_client.get(
        "/audit/heads/latest").json()["tree_size"]
    chain = planning_client.get("/audit/proof/consistency-chain", params={
        "sizes": ",".join(str(h["tree_size"]) for h in page["items"] + rest)}).json()
    heads = {h["tree_size"]: h for h in page["items"] + rest}
    for link in chain:
        assert verify_consistency(link["first"], link["second"],
                                  [bytes.fromhex(x) for x in link["consistency_path"]],
                                  bytes.fromhex(heads[link["first"]]["root_hash"]),
                                  bytes.fromhex(heads[link["second"]]["root_hash"]))


def test_the_log_and_each_history_say_who_when_what_and_why(planning_client: TestClient) -> None:
    plan_id, _ = draft(planning_client)
    page = planning_client.get(f"/audit/history/{plan_id}", params={"limit": 1}).json()
    history = page["items"]
    assert [(e["version"], e["actor"]) for e in history] == [(1, "off-1")]
    assert page["total"] == 1 and page["next_cursor"] is None
    assert history[0]["at_th"] and "25" in history[0]["at_th"]  # Buddhist era
    assert history[0]["leaf_index"] is not None
    submitted = planning_client.post(f"/plans/{plan_id}/submit",
                                     headers=h("dir-1", **{"If-Match": '"1"'}), json={})
    assert submitted.status_code == 200, submitted.text
    first = planning_client.get(f"/audit/history/{plan_id}", params={"limit": 1}).json()
    rest = planning_client.get(f"/audit/history/{plan_id}",
                               params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [e["version"] for e in first["items"] + rest["items"]] == [1, 2], "a page at a time"
    assert first["total"] == rest["total"] == 2 and rest["next_cursor"] is None
    assert rest["items"][0]["actor"] == "dir-1"
    page = planning_client.get("/audit/events", params={"cursor": encode_cursor([2]),
                                                        "limit": 2}).json()
    assert [e["position"] for e in page["items"]] == [3, 4]
    assert decode_cursor(page["next_cursor"]) == [4] and page["total"] >= 4


def test_an_export_verifies_offline_and_an_edit_to_it_is_named(
        planning_client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_id, _ = draft(planning_client)
    key = planning_client.get("/audit/public-key").json()["public_key_hex"]
    export = tmp_path / "planning-audit.jsonl"
    export.write_bytes(planning_client.get("/audit/export").content)
    assert audit_cli(["verify", "--export", str(export), "--public-key", key]) == 0
    assert "OK" in capsys.readouterr().out

    lines = export.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if plan_id in line and '"event"' in line)
    victim = json.loads(lines[index])
    state = base64.b64decode(victim["state"]).replace(b"off-1", b"off-9")
    victim["state"] = base64.b64encode(state).decode()
    lines[index] = json.dumps(victim)
    export.write_text("\n".join(lines))
    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(export), "--public-key", key, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["position"], f["aggregate_id"]) for f in report["findings"]] == [
        ("altered", victim["position"], plan_id)]


def test_an_export_of_one_period_verifies_from_the_frontier_before_it(
        planning_client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft(planning_client)
    before = planning_client.get("/audit/heads/latest").json()["tree_size"]
    draft(planning_client, "off-2")
    key = planning_client.get("/audit/public-key").json()["public_key_hex"]
    export = tmp_path / "period.jsonl"
    export.write_bytes(planning_client.get("/audit/export",
                                           params={"from_size": before}).content)
    kinds = [json.loads(line)["kind"] for line in export.read_text().splitlines()]
    assert kinds[:2] == ["header", "frontier"] and "head" in kinds
    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(export), "--public-key", key, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == report["latest_head"]["tree_size"] - before


def test_the_tree_and_the_key_survive_a_restart(tmp_path: Path) -> None:
    settings = PlanningSettings(var_dir=tmp_path / "var")
    application = PlanningApplication(settings)
    teach(application, STANDARD_STAFF)
    client = office_client(create_app(settings, application))
    draft(client)
    latest = client.get("/audit/heads/latest").json()
    application.close()
    key_file = tmp_path / "var" / "keys" / "planning.ed25519"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    application = PlanningApplication(settings)
    client = office_client(create_app(settings, application))
    assert client.get("/audit/heads/latest").json() == latest
    _, headers = draft(client)
    assert int(headers["esa-audit-tree-size"]) > latest["tree_size"]
    assert headers["esa-audit-key-id"] == latest["key_id"]
    application.close()


def test_a_configured_key_file_signs_instead_of_the_local_one(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "secrets" / "audit-planning.pem"
    path.parent.mkdir()
    path.write_bytes(pem_of(key))
    expected = AuditSigner(key).key_id
    for value in (pem_of(key).decode(), str(path)):
        settings = PlanningSettings(var_dir=tmp_path / "var", audit_signing_key=value)
        assert AuditSigner.from_settings(settings).key_id == expected
    assert not (tmp_path / "var" / "keys").exists()


def test_questions_outside_the_log_answer_problems(planning_client: TestClient) -> None:
    def problem(path: str, status: int, **params: object) -> None:
        response = planning_client.get(path, params=params)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")

    problem("/audit/proof/inclusion/999", 404)
    problem("/audit/proof/inclusion/1", 422, tree_size=999)
    problem("/audit/proof/inclusion/0", 422)
    problem("/audit/proof/consistency", 422, first=3, second=2)
    problem("/audit/proof/consistency", 422)
    problem("/audit/proof/consistency-chain", 422, sizes="1,99999")
    problem("/audit/proof/consistency-chain", 422, sizes="x")
    problem("/audit/heads/99999", 422)
    problem("/audit/history/00000000-0000-0000-0000-000000000000", 404)
    problem("/audit/history/not-a-uuid", 422)
    problem("/audit/events", 422, limit=0)


def test_a_store_from_before_the_tree_is_built_once_and_its_checkpoints_still_verify(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An office's store with events and old signed checkpoints, as the previous version kept
    it: the first start builds the tree from the log, the old checkpoints stay and verify."""
    from shared.audit.checkpoints import AuditCheckpoint, encode_signature, signed_message
    from shared.audit.merkle import MerkleTree

    settings = PlanningSettings(var_dir=tmp_path / "var")
    old = PlanningApplication(settings)
    old.process_recorder.hooks.remove(old.audit)  # the previous version had no hook
    teach(old, STANDARD_STAFF)
    rows = old.read_notifications(0, 1000)
    tree = MerkleTree(StoredRecord.from_notification(n).leaf_hash() for n in rows)
    signer = AuditSigner.from_settings(settings)
    at = "2026-11-27T03:00:00+00:00"
    root = tree.root().hex()
    old.save(AuditCheckpoint(
        service="planning", sequence=1, tree_size=len(tree), first_index=0, root_hash=root,
        checkpointed_at=at, key_id=signer.key_id,
        signature=encode_signature(signer.sign(signed_message(
            "planning", 1, len(tree), root, at, signer.key_id))),
        leaves=[(n.id, str(n.originator_id), n.originator_version,
                 StoredRecord.from_notification(n).leaf_hash().hex()) for n in rows]))
    with old.audit.datastore.transaction(commit=True) as cursor:
        for table in ("leaves", "nodes", "heads", "state"):
            cursor.execute(f"DROP TABLE audit_{table}")
    old.close()

    application = PlanningApplication(settings)  # the new version starts on it
    assert application.audit.size == len(rows) + 1 and application.audit_guard.fault is None
    client = office_client(create_app(settings, application))
    draft(client)
    export = tmp_path / "export.jsonl"
    export.write_bytes(client.get("/audit/export").content)
    application.close()
    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(export), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checkpoints"] == 1 and report["ok"]

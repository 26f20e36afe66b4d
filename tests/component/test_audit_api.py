"""The auditor's API, as every service has it: signed checkpoints that survive a restart, the log
with who, when, what and why, histories, RFC 6962 proofs that verify, and an export the offline
verifier accepts or pinpoints."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app
from services.correspondence.settings import CorrespondenceSettings
from shared.audit.__main__ import main as audit_cli
from shared.audit.merkle import verify_consistency, verify_inclusion
from shared.audit.records import StoredRecord
from shared.audit.signing import AuditSigner, load_public_key, signature_valid
from shared.testing import office_client
from tests.support.staff import position_th

STAFF = [
    ("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director", "signer"], "top_secret"),
    ("clerk-1", "นางสาวสมศรี ใจดี", ["clerk"], "secret"),
    ("off-1", "นายสมชาย รักงาน", ["officer"], "confidential"),
    ("dir-1", "นายประเสริฐ นำทาง", ["group_director"], "secret"),
]


def hire(client: TestClient) -> None:
    for officer_id, name, roles, clearance in STAFF:
        response = client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "position_th": position_th(officer_id),
            "roles": roles, "clearance": clearance})
        assert response.status_code == 201, response.text


def register(client: TestClient, subject: str) -> str:
    response = client.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.", "subject": subject,
        "urgency": "003"})
    assert response.status_code == 201, response.text
    return response.json()["document_id"]


def post(client: TestClient, path: str, actor: str, body: dict) -> None:
    """A step on a document, at the version the actor read (If-Match)."""
    record = path.rsplit("/", 1)[0]
    response = client.post(path, json=body, headers={
        "X-Actor-Id": actor, "If-Match": client.get(record, headers={"X-Actor-Id": actor}
                                                    ).headers["ETag"]})
    assert response.status_code == 200, response.text


def checkpoint(client: TestClient) -> dict:
    response = client.post("/admin/audit/checkpoints")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def office(client: TestClient) -> TestClient:
    hire(client)
    document = register(client, "ขอให้รายงานข้อมูลนักเรียน")
    post(client, f"/documents/{document}/assign", "dir-1", {"officer_id": "off-1"})
    post(client, f"/documents/{document}/draft", "off-1", {"text": "ร่างหนังสือตอบ"})
    post(client, f"/documents/{document}/submit", "off-1", {"checker_id": "dir-1"})
    post(client, f"/documents/{document}/return", "dir-1", {"comments": "แก้ไขย่อหน้าที่ 2"})
    client.app.state.document_id = document
    return client


def test_checkpoints_are_signed_and_every_stored_event_proves_its_place(office: TestClient) -> None:
    first = checkpoint(office)["made"]
    assert [c["sequence"] for c in first] == [1]
    key = load_public_key(office.get("/audit/public-key").json()["public_key_pem"])
    listed = office.get("/audit/checkpoints").json()
    assert listed == first and office.get("/audit/checkpoints/latest").json() == first[0]
    cp = listed[0]
    assert signature_valid(key, base64.b64decode(cp["signature"]), cp["signed_message"].encode())
    assert f"tree_size {cp['tree_size']}\nroot_hash {cp['root_hash']}\n" in cp["signed_message"]

    # Each stored event, hashed from its stored bytes, sits at its place under the signed root.
    exported = [json.loads(line) for line in office.get("/audit/export").text.splitlines()]
    events = [e for e in exported if e["kind"] == "event"]
    assert len(events) == cp["tree_size"] + 1  # the checkpoint itself comes after what it covers
    for event in events[:cp["tree_size"]]:
        proof = office.get(f"/audit/proof/inclusion/{event['position']}").json()
        leaf = StoredRecord.of(event["position"], event["originator_id"],
                               event["originator_version"], event["topic"],
                               base64.b64decode(event["state"])).leaf_hash()
        assert proof["tree_size"] == cp["tree_size"] and proof["root_hash"] == cp["root_hash"]
        assert proof["checkpoint"]["sequence"] == 1
        assert verify_inclusion(proof["leaf_index"], proof["tree_size"], leaf,
                                [bytes.fromhex(h) for h in proof["audit_path"]],
                                bytes.fromhex(cp["root_hash"]))

    # More work, a second checkpoint: the first tree is a prefix of the second.
    register(office, "เชิญประชุมผู้บริหารสถานศึกษา")
    second = checkpoint(office)["made"][0]
    assert second["sequence"] == 2 and second["tree_size"] > cp["tree_size"]
    proof = office.get("/audit/proof/consistency",
                       params={"first": cp["tree_size"], "second": second["tree_size"]}).json()
    assert (proof["first_root"], proof["second_root"]) == (cp["root_hash"], second["root_hash"])
    assert verify_consistency(cp["tree_size"], second["tree_size"],
                              [bytes.fromhex(h) for h in proof["consistency_path"]],
                              bytes.fromhex(cp["root_hash"]), bytes.fromhex(second["root_hash"]))


def test_the_log_and_each_history_say_who_when_what_and_why(office: TestClient) -> None:
    document = office.app.state.document_id
    log = office.get("/audit/events", params={"limit": 1000}).json()
    types = [(e["event_type"], e["actor"]) for e in log["events"]]
    # Events are named by their stable stored names (issue 13), the service's own first.
    assert ("correspondence.Document.Registered", "clerk-1") in types
    assert [e["position"] for e in log["events"]] == sorted(e["position"] for e in log["events"])

    history = office.get(f"/audit/history/{document}").json()
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
    assert [(e["event_type"], e["actor"]) for e in history] == [
        ("correspondence.Document.Registered", "clerk-1"),
        ("correspondence.Document.Assigned", "dir-1"),
        ("correspondence.Document.Drafted", "off-1"),
        ("correspondence.Document.SubmittedForCheck", "off-1"),
        ("correspondence.Document.ReturnedForRevision", "dir-1")]
    returned = history[-1]
    assert returned["why"] == {"comments": "แก้ไขย่อหน้าที่ 2"}
    assert returned["at"].startswith("20") and returned["at_th"].endswith("น.")
    assert "2569" in returned["at_th"]  # Buddhist era

    page = office.get("/audit/events", params={"after": 2, "limit": 2}).json()
    assert [e["position"] for e in page["events"]] == [3, 4] and page["next_after"] == 4


def test_an_export_verifies_offline_and_an_edit_to_it_is_named(
        office: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint(office)
    key = office.get("/audit/public-key").json()["public_key_hex"]
    export = tmp_path / "correspondence-audit.jsonl"
    export.write_bytes(office.get("/audit/export").content)
    assert audit_cli(["verify", "--export", str(export), "--public-key", key]) == 0
    assert "OK" in capsys.readouterr().out

    lines = export.read_text().splitlines()
    victim = json.loads(lines[3])
    original = base64.b64decode(victim["state"])
    state = original.replace(b'"actor":"esa-1"', b'"actor":"esa-9"')
    assert state != original
    victim["state"] = base64.b64encode(state).decode()
    lines[3] = json.dumps(victim)
    export.write_text("\n".join(lines))
    assert audit_cli(["verify", "--export", str(export), "--public-key", key, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["position"], f["aggregate_id"], f["version"]) for f in report["findings"]] == [
        ("altered", victim["position"], victim["originator_id"], victim["originator_version"])]


def test_checkpoints_and_the_key_survive_a_restart(tmp_path: Path) -> None:
    settings = CorrespondenceSettings(var_dir=tmp_path / "var")
    application = CorrespondenceApplication(settings)
    client = office_client(create_app(settings, application))
    hire(client)
    first = checkpoint(client)["made"][0]
    key_id = client.get("/audit/public-key").json()["key_id"]
    application.close()

    key_file = tmp_path / "var" / "keys" / "correspondence.ed25519"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    application = CorrespondenceApplication(settings)
    client = office_client(create_app(settings, application))
    assert client.get("/audit/public-key").json()["key_id"] == key_id
    assert client.get("/audit/checkpoints").json() == [first]
    assert checkpoint(client)["made"] == []  # nothing new but the checkpoint itself
    register(client, "หนังสือหลังเริ่มระบบใหม่")
    assert [c["sequence"] for c in checkpoint(client)["made"]] == [2]
    application.close()


def test_a_configured_key_signs_instead_of_the_local_one(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "signing.pem"
    path.write_text(pem)
    expected = AuditSigner(key).key_id
    for value in (pem, str(path)):
        settings = CorrespondenceSettings(var_dir=tmp_path / "var", audit_signing_key=value)
        assert AuditSigner.from_settings(settings).key_id == expected
    assert not (tmp_path / "var" / "keys").exists()


def test_a_large_backlog_becomes_several_chained_checkpoints(tmp_path: Path) -> None:
    settings = CorrespondenceSettings(var_dir=tmp_path / "var", audit_checkpoint_max_events=3)
    application = CorrespondenceApplication(settings)
    client = office_client(create_app(settings, application))
    hire(client)  # four officers, plus the directory's own events
    made = checkpoint(client)["made"]
    assert len(made) >= 2 and all(b["tree_size"] - a["tree_size"] <= 3 + 1
                                  for a, b in zip(made, made[1:], strict=False))
    export = tmp_path / "export.jsonl"
    export.write_bytes(client.get("/audit/export").content)
    assert audit_cli(["verify", "--export", str(export)]) == 0
    application.close()


def test_questions_outside_the_log_answer_problems(client: TestClient) -> None:
    def problem(path: str, status: int, **params: object) -> None:
        response = client.get(path, params=params)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")

    problem("/audit/checkpoints/latest", 404)
    hire(client)
    checkpoint(client)
    problem("/audit/proof/inclusion/999", 404)
    problem("/audit/proof/inclusion/1", 422, tree_size=999)
    problem("/audit/proof/inclusion/0", 422)
    problem("/audit/proof/consistency", 422, first=3, second=2)
    problem("/audit/proof/consistency", 422)
    problem("/audit/history/00000000-0000-0000-0000-000000000000", 404)
    problem("/audit/history/not-a-uuid", 422)
    problem("/audit/events", 422, limit=0)

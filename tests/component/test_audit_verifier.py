"""What the verifier says about checkpoints themselves: forged, signed by another key, removed,
or a log cut short after its last stored checkpoint (caught only against one the auditor kept)."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from shared.audit.checkpoints import CHECKPOINT_TOPIC, Checkpoint
from shared.audit.records import StoredRecord
from shared.audit.signing import key_id, load_public_key
from shared.audit.sources import Evidence, parse_export
from shared.audit.verify import Report, verify


def officer(client: TestClient, officer_id: str, roles: list[str]) -> None:
    response = client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
        "officer_id": officer_id, "name_th": "เจ้าหน้าที่", "roles": roles})
    assert response.status_code == 201, response.text


def checkpoint(client: TestClient) -> dict:
    made = client.post("/admin/audit/checkpoints").json()["made"]
    assert len(made) == 1
    return made[0]


@pytest.fixture
def two_checkpoints(client: TestClient) -> TestClient:
    officer(client, "esa-1", ["esa_director"])
    officer(client, "dir-1", ["group_director"])
    checkpoint(client)
    officer(client, "clerk-1", ["clerk"])
    checkpoint(client)
    return client


def evidence(client: TestClient) -> Evidence:
    return parse_export(iter(client.get("/audit/export").content.splitlines()))


def check(client: TestClient, records: list[StoredRecord], witnesses: tuple = ()) -> Report:
    published = client.get("/audit/public-key").json()
    return verify(records, {published["key_id"]: load_public_key(published["public_key_hex"])},
                  witnesses)


def kinds(report: Report) -> list[tuple]:
    return [(f.kind, f.checkpoint) for f in report.findings]


def test_a_forged_checkpoint_fails_its_signature(two_checkpoints: TestClient) -> None:
    records = evidence(two_checkpoints).records
    index = next(i for i, r in enumerate(records) if r.topic == CHECKPOINT_TOPIC)
    state = orjson.loads(records[index].state)
    state["tree_size"] -= 1  # claim less was covered
    records[index] = dataclasses.replace(records[index], state=orjson.dumps(state))
    report = check(two_checkpoints, records)
    assert ("checkpoint-signature", 1) in kinds(report)
    # and the stored checkpoint row, covered by checkpoint #2, is itself named as altered
    assert [(f.kind, f.position) for f in report.findings if f.kind == "altered"] == [
        ("altered", records[index].position)]


def test_checkpoints_signed_by_another_key_are_not_trusted(two_checkpoints: TestClient) -> None:
    stranger = Ed25519PrivateKey.generate().public_key()
    report = verify(evidence(two_checkpoints).records, {key_id(stranger): stranger})
    assert kinds(report) == [("checkpoint-unknown-key", 1), ("checkpoint-unknown-key", 2)]
    assert not report.ok and "NOT VERIFIED" in report.text()


def test_a_removed_checkpoint_is_missing_from_the_numbering(two_checkpoints: TestClient) -> None:
    records = evidence(two_checkpoints).records
    first = next(r for r in records if r.topic == CHECKPOINT_TOPIC)
    report = check(two_checkpoints, [r for r in records if r is not first])
    assert ("checkpoint-missing", 1) in kinds(report)
    assert [(f.kind, f.position, f.aggregate_id) for f in report.findings if f.kind == "removed"] == [
        ("removed", first.position, first.originator_id)]


def test_a_log_cut_short_is_caught_against_a_kept_checkpoint(two_checkpoints: TestClient) -> None:
    records = evidence(two_checkpoints).records
    kept = Checkpoint.from_summary(two_checkpoints.get("/audit/checkpoints/latest").json())
    first = Checkpoint.from_summary(two_checkpoints.get("/audit/checkpoints").json()[0])
    assert first.position is not None
    cut = [r for r in records if r.position <= first.position]  # #2 and what it covered: gone

    assert check(two_checkpoints, cut).ok  # nothing in the store itself shows it
    report = check(two_checkpoints, cut, witnesses=(kept,))
    assert kinds(report) == [("checkpoint-missing", 2), ("truncated", 2)]


def test_a_store_without_any_checkpoint_is_not_verified(client: TestClient) -> None:
    officer(client, "esa-1", ["esa_director"])
    report = check(client, evidence(client).records)
    assert kinds(report) == [("no-checkpoint", None)] and "NOT VERIFIED" in report.text()

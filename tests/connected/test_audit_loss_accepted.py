"""Accepting a loss after a restore (shared/audit/losses.py), with real processes: planning on
SQLite and PostgreSQL, a real nats-server, the standalone witness, the central office's follower.

An older copy of the store is put back: the service finds it behind its witnessed head, refuses
writes and raises the alarm (which reaches the central office). An officer holding the audit key
accepts the loss (`python -m shared.audit accept-loss`); the service starts again clean, writes
are accepted, the witness checks the statement and cosigns the new history, and the auditor's
verifier reports the loss, reading the lost heads as lost rather than as forgeries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.audit.__main__ import main as audit_cli
from shared.nats_server import NatsServer
from shared.settings import PROJECT_ROOT
from tests.support.audit import SERVICE, WITNESS, AuditedOffice, audit_messages

FOLLOWER = PROJECT_ROOT / "examples" / "central_office_follower.py"


@pytest.fixture
def office(nats_server: NatsServer, store_env: dict[str, str],
           tmp_path: Path) -> Iterator[AuditedOffice]:
    running = AuditedOffice(nats_server.url, store_env, tmp_path / "office").start()
    try:
        assert all(a.status_code == 201 for a in running.draft_policies(6))
        running.wait_witnessed()
        yield running
    finally:
        running.stop()


@pytest.fixture
def follower(nats_server: NatsServer, tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "central-office.jsonl"
    process = subprocess.Popen(
        [sys.executable, str(FOLLOWER), "--nats", nats_server.url, "--durable", "co-loss",
         "--out", str(out)], env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield out
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def followed(out: Path, kind: str) -> list[dict]:
    if not out.exists():
        return []
    return [line for line in map(json.loads, out.read_text(encoding="utf-8").splitlines())
            if line.get("kind") == kind]


def accept_loss(office: AuditedOffice, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.audit", "accept-loss", SERVICE, "--nats", office.nats_url,
         *extra], env=office.service.env, cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120)


def test_a_restore_is_refused_until_the_loss_is_accepted_then_witnessed_and_verified(
        office: AuditedOffice, follower: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    copy = office.copy_store()
    restored = office.tree_size()
    assert all(a.status_code == 201 for a in office.draft_policies(3, start=100))
    witnessed = office.wait_witnessed()
    assert witnessed > restored

    # Nothing to accept while the store holds everything published.
    office.service.stop()
    refused = accept_loss(office, "--reason", "ทดสอบ", "--by", "esa-1")
    assert refused.returncode == 1 and "nothing is lost" in refused.stderr, refused.stderr

    # The backup put back: found at start, writes refused, the alarm reaches the central office.
    office.restore_store(copy)
    office.service.start()
    fault = office.ready().json()["audit"]["fault"]
    assert fault is not None and fault["reason"] == "rollback", fault
    refused_write = office.write_refused()
    assert refused_write.status_code == 503
    assert refused_write.json()["code"] == "audit-integrity-fault"
    alarm = office.wait(lambda: followed(follower, "alarm"), 30,
                        "the central office's follower wrote the alarm")[0]
    assert alarm["service"] == SERVICE and alarm["finding"] == "rollback"

    # The officer with the audit key accepts the loss, the service stopped.
    office.service.stop()
    reason = "ดิสก์เสียหาย กู้คืนจากสำเนาสำรอง (disk failed, backup restored)"
    answer = accept_loss(office, "--reason", reason, "--by", "esa-1")
    assert answer.returncode == 0, answer.stderr
    assert f"events {restored + 1}-{witnessed} lost" in answer.stdout, answer.stdout
    again = accept_loss(office, "--reason", reason, "--by", "esa-1")
    assert again.returncode == 1 and "accepted already" in again.stderr, again.stderr

    # Started again: clean, writes accepted, the witness cosigns the new history.
    office.service.start()
    assert office.ready().status_code == 200, office.ready().text
    assert all(a.status_code == 201 for a in office.draft_policies(2, start=200))
    with office.http() as http:
        latest = http.get("/audit/heads/latest").json()

    def cosigned_now() -> dict | None:
        status = office.status()
        held = status["witnessed"].get(WITNESS)
        return status if held and held["root_hash"] == latest["root_hash"] else None

    status = office.wait(cosigned_now, 30, "the witness cosigned the new history")
    assert status["ok"] and status["fault"] is None
    (loss,) = status["accepted_losses"]
    assert loss["restored"]["tree_size"] == restored and loss["lost"]["tree_size"] == witnessed
    assert loss["accepted_by"] == "esa-1" and loss["reason"] == reason
    witness = httpx.get(f"http://127.0.0.1:{office.witness.port}/losses", timeout=5).json()
    assert [w["tree_size"] for w in witness] == [restored + 1]
    assert office.witness.alarms() == [], "the witness accepted the loss, no alarm"
    assert office.wait(lambda: audit_messages(office.nats_url, f"{SERVICE}.loss"), 10,
                       "the statement on the audit stream")[0]["accepted_by"] == "esa-1"
    assert office.wait(lambda: followed(follower, "loss"), 30,
                       "the central office's follower wrote the loss")[0]["lost_size"] == witnessed

    # The auditor: the whole log, everything the stream published (the lost heads and their
    # cosignatures too), the witness's key as the anchor.
    files = office.auditor_files(tmp_path)
    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(files.export), "--public-key",
                      str(files.public_key), "--published", str(files.published), "--witness",
                      str(files.witness_key)]) == 0
    text = capsys.readouterr().out
    assert "ACCEPTED LOSS" in text and "esa-1" in text and "OK" in text, text
    assert "of that lost history" in text

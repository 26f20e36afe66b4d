"""The central office's example follower (`examples/central_office_follower.py`) against a real
nats-server: stopped politely, killed mid-stream, restarted; every status exactly once, in order;
the audit trail's alarms and cosigned heads written too, alarms shouted."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import nats

from contracts.envelope import CaseStatus, Envelope
from contracts.monitoring.v1 import CaseStatusChanged
from shared.nats_server import NatsServer
from shared.settings import PROJECT_ROOT

FOLLOWER = PROJECT_ROOT / "examples" / "central_office_follower.py"


def status_changed(number: int) -> Envelope[CaseStatusChanged]:
    case_id = uuid4()
    status = CaseStatus(procedure=14, case_type="inspection_recommendation",
                        title=f"ข้อเสนอแนะที่ {number}", step="assigned",
                        step_th="แจ้งผู้รับผิดชอบดำเนินการแล้ว", holder="off-1",
                        since="2026-11-24T02:00:00Z", due="2026-12-31")
    return Envelope[CaseStatusChanged](
        id=f"monitoring:{case_id}:1", type=CaseStatusChanged.EVENT_TYPE, source="monitoring",
        subject=str(case_id), time="2026-11-24T02:00:00Z", sequence=1, actor="dir-1",
        status=status, data=CaseStatusChanged(
            case_id=case_id, source="monitoring", subject=f"rec-{number}",
            event_type="monitoring.recommendation.assigned", event_id=f"e-{number}",
            event_time="2026-11-24T02:00:00Z", status=status))


def publish(url: str, envelopes: list[Envelope[CaseStatusChanged]]) -> None:
    async def run() -> None:
        client = await nats.connect(url)
        js = client.jetstream()
        for envelope in envelopes:
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": envelope.id})
        await client.drain()

    asyncio.run(run())


def start(url: str, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(FOLLOWER), "--nats", url, "--durable", "central-office-test",
         "--out", str(out)],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def lines(out: Path) -> list[dict]:
    """The file's complete lines, as a reader of it sees them: a last line without its newline
    is being written, or was torn by the crash until the follower, started again, cuts it."""
    if not out.exists():
        return []
    text = out.read_text(encoding="utf-8")
    return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines() if line]


def wait_for_lines(out: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while len(lines(out)) < count:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        assert time.monotonic() < deadline, f"only {len(lines(out))} of {count} lines"
        time.sleep(0.05)


def test_the_follower_resumes_after_a_stop_and_a_crash_without_gaps_or_duplicates(
        nats_server: NatsServer, tmp_path: Path) -> None:
    out = tmp_path / "statuses.jsonl"
    published = [status_changed(n) for n in range(1, 91)]
    publish(nats_server.url, published[:30])

    follower = start(nats_server.url, out)
    wait_for_lines(out, 30, follower)
    follower.send_signal(signal.SIGTERM)  # a polite stop
    assert follower.wait(timeout=15) == 0
    assert b"stopped after writing 30 lines" in (follower.stdout.read() if follower.stdout
                                                     else b"")

    publish(nats_server.url, published[30:60])  # arrive while nobody follows
    follower = start(nats_server.url, out)
    wait_for_lines(out, 40, follower)
    publish(nats_server.url, published[60:])  # more arrive meanwhile
    follower.kill()  # a crash, wherever it was
    follower.wait(timeout=15)

    follower = start(nats_server.url, out)
    wait_for_lines(out, 90, follower)
    time.sleep(1.0)  # anything unacknowledged before the crash has been redelivered by now
    follower.send_signal(signal.SIGTERM)
    assert follower.wait(timeout=15) == 0

    written = lines(out)
    assert [line["id"] for line in written] == [e.id for e in published]
    sequences = [line["stream_sequence"] for line in written]
    assert sequences == sorted(set(sequences))
    assert written[0]["step_th"] == "แจ้งผู้รับผิดชอบดำเนินการแล้ว" and written[0]["due"] == "2026-12-31"


def audit_alarm_and_cosignature() -> tuple[dict, dict]:
    """An equivocation alarm and a cosignature, as a witness makes them (shared.audit.witness)."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shared.audit.heads import SignedHead, encode_signature, head_message
    from shared.audit.signing import AuditSigner
    from shared.audit.witness import Alarm, Witness, WitnessStore

    service_key = AuditSigner(Ed25519PrivateKey.generate())

    def head(root: str) -> SignedHead:
        at = datetime.now(UTC).isoformat()
        return SignedHead("planning", 7, root, at, service_key.key_id, encode_signature(
            service_key.sign(head_message("planning", 7, root, at, service_key.key_id))))

    held, offered = head("11" * 32), head("22" * 32)
    alarm = Alarm("planning", "witness-1", "equivocation", "two signed heads of 7 events with "
                  "different roots", held, offered, datetime.now(UTC).isoformat())
    witness = Witness("witness-1", AuditSigner(Ed25519PrivateKey.generate()),
                      WitnessStore(Path(os.environ.get("TMPDIR", "/tmp")) / f"w-{uuid4()}.db"),
                      lambda service, sizes: [])
    return alarm.as_dict(), witness._cosign(held).as_dict()


def publish_raw(url: str, items: list[tuple[str, dict, str]]) -> None:
    async def run() -> None:
        client = await nats.connect(url)
        js = client.jetstream()
        for subject, body, message_id in items:
            await js.publish(subject, json.dumps(body).encode(),
                             headers={"Nats-Msg-Id": message_id})
        await client.drain()

    asyncio.run(run())


def test_the_follower_writes_audit_alarms_and_cosigned_heads_and_shouts_the_alarms(
        nats_server: NatsServer, tmp_path: Path) -> None:
    out = tmp_path / "central-office.jsonl"
    alarm, cosignature = audit_alarm_and_cosignature()
    status = status_changed(1)
    publish(nats_server.url, [status])
    publish_raw(nats_server.url, [
        ("esa.audit.planning.head", cosignature["head"], "planning:head:7"),  # not followed
        ("esa.audit.planning.cosigned.witness-1", cosignature, "planning:cosigned:witness-1:7"),
        ("esa.audit.planning.alarm", alarm, "planning:alarm:witness-1:equivocation:7")])
    follower = start(nats_server.url, out)
    wait_for_lines(out, 3, follower)
    follower.send_signal(signal.SIGTERM)
    assert follower.wait(timeout=15) == 0
    said = follower.stdout.read().decode() if follower.stdout else ""
    assert "!!! AUDIT ALARM: planning: equivocation, raised by witness-1" in said, said

    written = lines(out)  # the two streams interleave as they come; each in its own order
    assert [line["id"] for line in written if line["stream"] == "monitoring"] == [status.id]
    audit = [line for line in written if line["stream"] == "audit"]
    assert [line["kind"] for line in audit] == ["cosignature", "alarm"]
    cosigned, raised = audit
    assert cosigned["witness"] == "witness-1" and cosigned["tree_size"] == 7
    assert raised["finding"] == "equivocation" and raised["alarm"]["held"]["root_hash"] == "11" * 32
    assert raised["alarm"]["offered"]["root_hash"] == "22" * 32

    # Restarted: nothing written twice; a later alarm (the service's own) follows.
    own = {"kind": "alarm", "service": "planning", "raised_by": "planning",
           "reason": "rollback", "detail": "the stream is ahead of the store",
           "found_by": "relay", "since": "2026-12-06T08:00:00+00:00", "evidence": {}}
    publish_raw(nats_server.url, [("esa.audit.planning.alarm", own, "planning:alarm:own")])
    follower = start(nats_server.url, out)
    wait_for_lines(out, 4, follower)
    time.sleep(0.5)
    follower.send_signal(signal.SIGTERM)
    assert follower.wait(timeout=15) == 0
    written = lines(out)
    assert len(written) == 4 and written[3]["finding"] == "rollback"
    assert written[3]["raised_by"] == "planning" and written[3]["alarm"]["found_by"] == "relay"

"""An auditor verifies a running office as the README tells it: the exported log of a period, the
heads the `audit` stream published and the witness's cosignatures, with the witness's public key
as the trust anchor (`esa-audit fetch`, `esa-audit verify --witness`). And honest work, with the
service killed mid-stream and restarted, raises no alarm anywhere."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.audit.__main__ import main as audit_cli
from shared.nats_server import NatsServer
from tests.support.audit import SERVICE, AuditedOffice, audit_messages


@pytest.fixture
def office(nats_server: NatsServer, tmp_path: Path) -> Iterator[AuditedOffice]:
    running = AuditedOffice(nats_server.url, {}, tmp_path / "office").start()
    try:
        yield running
    finally:
        running.stop()


def test_an_auditor_verifies_a_period_from_the_export_the_stream_and_the_witness(
        office: AuditedOffice, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert all(a.status_code == 201 for a in office.draft_policies(5))
    with office.http() as http:
        before = http.get("/audit/heads/latest").json()["tree_size"]
    assert all(a.status_code == 201 for a in office.draft_policies(5, start=10))
    office.wait_witnessed()

    files = office.auditor_files(tmp_path, "planning-period.jsonl", from_size=before)
    export, witness_key, published = files.export, files.witness_key, files.published
    kinds = {json.loads(line)["kind"] for line in published.read_text().splitlines()}
    assert kinds == {"head", "cosignature"}

    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(export), "--public-key",
                      str(files.public_key), "--published", str(published),
                      "--witness", str(witness_key)]) == 0
    text = capsys.readouterr().out
    assert "OK" in text and "cosigned by witness-1" in text

    # An export edited after the fact is named, whatever the service would say.
    lines = export.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == "event")
    entry = json.loads(lines[index])
    entry["topic"] = entry["topic"] + "X"
    lines[index] = json.dumps(entry)
    export.write_text("\n".join(lines))
    capsys.readouterr()
    assert audit_cli(["verify", "--export", str(export), "--published", str(published),
                      "--witness", str(witness_key), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["position"]) for f in report["findings"]] == [
        ("altered", entry["position"])]


def test_honest_work_with_crashes_raises_no_alarm(office: AuditedOffice) -> None:
    """Officers draft policies while the service is killed (SIGKILL) and restarted twice: every
    request is answered once (retried with its Idempotency-Key), every head is witnessed, the
    service checks its store clean, and no alarm is raised by anyone."""
    total, done = 150, []

    def officer() -> None:
        i = 0
        while i < total:
            with contextlib.suppress(httpx.HTTPError, TimeoutError):  # a crash: again
                answer = office.draft_policies(1, start=i)[0]
                if answer.status_code == 201:
                    done.append(answer)
                    i += 1
                    continue
            time.sleep(0.05)

    worker = threading.Thread(target=officer)
    worker.start()
    for crash_at in (total // 3, 2 * total // 3):
        office.wait(lambda at=crash_at: len(done) >= at, 120, "drafts before the crash")
        office.service.kill()
        office.service.start()
    worker.join(300)
    assert len(done) == total
    office.wait_witnessed(60)
    assert office.ready().status_code == 200
    assert audit_messages(office.nats_url, f"{SERVICE}.alarm") == []
    assert office.witness.alarms() == []
    status = office.status()
    assert status["ok"] and status["witnessed"]["witness-1"]["tree_size"] >= total

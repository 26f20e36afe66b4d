"""Every running service signs checkpoints of its own log by itself, and an auditor verifies each
service over HTTP (`esa-audit verify --url`), pinning the published key and keeping the latest
checkpoint for next time."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.audit.__main__ import main as audit_cli
from shared.audit.signing import load_public_key
from shared.audit.sources import read_url
from shared.audit.verify import verify


@pytest.fixture(autouse=True)
def checkpoint_often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set before the services start (autouse fixtures come first): every 0.3 s."""
    monkeypatch.setenv("ESA_AUDIT_CHECKPOINT_SECONDS", "0.3")


def settled(process: Any, timeout: float = 20.0) -> dict:
    """Wait until the service's own checkpoints cover everything but the latest checkpoint."""
    url = process.url
    published = httpx.get(f"{url}/audit/public-key", auth=process.auth).json()
    keys = {published["key_id"]: load_public_key(published["public_key_pem"])}
    deadline = time.monotonic() + timeout
    while True:
        report = verify(read_url(url, token=process.auth.token()).records, keys)
        if report.ok and report.covered and report.covered >= report.events - 1:
            return report.as_dict()
        if time.monotonic() > deadline:
            raise TimeoutError(report.text())
        time.sleep(0.3)


def test_each_running_service_checkpoints_itself_and_verifies_over_http(
        system: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saraban = system.saraban
    assert saraban is not None
    saraban.hire_staff()
    document = saraban.register(key="audit-1")
    saraban.whole_path(document["document_id"])

    for process in (system.correspondence, system.monitoring):
        report = settled(process)
        assert report["checkpoints"] >= 1 and report["findings"] == []
        public = httpx.get(f"{process.url}/audit/public-key", auth=process.auth).json()
        key_file = tmp_path / f"{process.name}.pub.pem"
        key_file.write_text(public["public_key_pem"])
        kept = tmp_path / f"{process.name}-latest.json"
        kept.write_text(httpx.get(f"{process.url}/audit/checkpoints/latest",
                                  auth=process.auth).text)

        assert audit_cli(["verify", "--url", process.url, "--token", process.auth.token(),
                          "--public-key", str(key_file),
                          "--checkpoint", str(kept), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["ok"] and result["service"] == process.name

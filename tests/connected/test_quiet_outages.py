"""Expected conditions are said once, at warning, with their state: a NATS outage does not fill the
log with a traceback per retry, and the service says when the connection is back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import orjson

from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer
from shared.testing import ServiceProcess


def log_lines(path: Path) -> list[dict]:
    lines = []
    for raw in path.read_bytes().splitlines():
        try:
            lines.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            lines.append({"event": raw.decode("utf-8", "replace"), "level": "raw"})
    return lines


def test_a_nats_outage_is_logged_once_per_connection_and_its_end_too(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    asyncio.run(bootstrap_streams(nats.url))
    service = ServiceProcess("planning", {"ESA_VAR_DIR": str(tmp_path / "var"),
                                          "ESA_NATS_URL": nats.url})
    try:
        service.start()
        seen = len(log_lines(service.log_path))
        nats.stop()
        time.sleep(6)  # reconnect attempts every half second: about a dozen of them
        during = log_lines(service.log_path)[seen:]
        assert not any("Traceback" in str(line) for line in during), "no traceback per retry"
        outage = [line for line in during if "NATS" in str(line.get("event"))]
        assert outage and all(line["level"] == "warning" for line in outage), during
        # Once per connection (the service's client and its consumer's), not once per retry.
        assert len(outage) <= 4, [line["event"] for line in outage]
        assert service.process is not None and service.process.poll() is None, "still serving"

        nats = NatsServer(tmp_path / "nats", port=nats.port, log_file=tmp_path / "nats.log").start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(line.get("event") == "NATS connection back"
                   for line in log_lines(service.log_path)[seen:]):
                break
            time.sleep(0.2)
        back = [line for line in log_lines(service.log_path)[seen:]
                if line.get("event") == "NATS connection back"]
        assert back and back[0]["level"] == "info" and back[0]["down_seconds"] >= 5
    finally:
        service.stop()
        nats.stop()


def test_a_feed_client_leaving_is_quiet_and_a_stop_does_not_wait_for_open_feeds(
        tmp_path: Path) -> None:
    nats = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    asyncio.run(bootstrap_streams(nats.url))
    service = ServiceProcess("monitoring", {"ESA_VAR_DIR": str(tmp_path / "var"),
                                            "ESA_NATS_URL": nats.url})
    try:
        service.start()
        # A browser opens the live feed and goes away: an ordinary end, not an error.
        with httpx.stream("GET", f"{service.url}/feed", timeout=5) as feed:
            assert feed.status_code == 200
        time.sleep(1)
        # Another stays connected while the service is told to stop.
        held = httpx.Client(timeout=30)
        streaming = held.stream("GET", f"{service.url}/feed")
        opened = streaming.__enter__()
        assert opened.status_code == 200
        started = time.monotonic()
        service.stop()
        took = time.monotonic() - started
        streaming.__exit__(None, None, None)
        held.close()
        assert took < 3, f"the stop waited {took:.1f} s for an open feed"
        lines = log_lines(service.log_path)
        assert not any("Traceback" in str(line) or "CancelledError" in str(line)
                       for line in lines), [line for line in lines if line["level"] == "error"]
        assert not any(line.get("event") == "unexpected error" for line in lines)
    finally:
        service.stop()
        nats.stop()

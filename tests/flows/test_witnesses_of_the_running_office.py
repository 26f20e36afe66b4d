"""The office as `make run` starts it (the launcher's settings, every service a real process, on
free ports): monitoring witnesses every other service's heads, the office portal's included, and
each service counts monitoring among its witnesses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.audit.heads import Cosignature
from shared.audit.witness_main import witness_signer
from shared.launcher import MONITORING_WITNESS, existing_services, service_environment
from shared.nats_server import NatsServer, free_port
from shared.testing import ServiceProcess
from tests.support.audit import audit_messages
from tests.support.portal_browser import start_patiently
from tests.support.waiting import eventually


@pytest.fixture
def office(nats_server: NatsServer, tmp_path: Path) -> Iterator[dict[str, ServiceProcess]]:
    var_dir = tmp_path / "var"
    names = existing_services()
    ports = {name: free_port() for name in names}
    urls = {f"ESA_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes = {name: ServiceProcess(name, {
        **service_environment(name, nats_server.url, var_dir, ports), **urls,
        "ESA_AUDIT_CHECK_SECONDS": "0.3"}, port=ports[name]) for name in names}
    try:
        start_patiently(*processes.values())
        yield processes
    finally:
        for process in processes.values():
            process.stop()


def test_monitoring_cosigns_every_other_services_heads(
        office: dict[str, ServiceProcess], nats_server: NatsServer, tmp_path: Path) -> None:
    assert "portal" in office, "the office portal is started with the services"
    key = tmp_path / "var" / "witness" / f"{MONITORING_WITNESS}.ed25519"
    monitoring_key = witness_signer(str(key), key).public_key
    others = [name for name in office if name != "monitoring"]
    for name in others:  # a refused request is a stored event: every service signs a head
        assert httpx.get(f"{office[name].url}/audit/status", timeout=10).status_code == 401

    for name in others:
        messages = eventually(lambda name=name: audit_messages(
            nats_server.url, f"{name}.cosigned.{MONITORING_WITNESS}"),
            f"monitoring's cosignature of {name}'s head on the audit stream", 60)
        cosignature = Cosignature.from_dict(messages[-1])
        assert cosignature.verifies(monitoring_key) and cosignature.head.service == name
        assert audit_messages(nats_server.url, f"{name}.head"), f"{name} publishes its heads"
        with office[name].client(timeout=10) as http:
            status = eventually(lambda http=http: (
                lambda s: s if MONITORING_WITNESS in s["witnessed"] else None)(
                    http.get("/audit/status").json()),
                f"{name} counts monitoring among its witnesses", 30)
        assert status["ok"] and status["witnessed"][MONITORING_WITNESS]["tree_size"] >= 1
    health = httpx.get(f"{office['portal'].url}/health", timeout=10).json()
    assert health["nats_connected"] is True, "the portal connects to publish its heads"

"""`make run`: the whole system on one machine, no Docker.

Starts nats-server (JetStream, `sync_interval: always`, data under `var/nats`), declares the streams,
starts every service that exists under `services/` with its SQLite store under `var/`, prints where
to look, and on Ctrl-C stops everything cleanly. Starting again resumes with all data intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer, wait_for_port
from shared.settings import PROJECT_ROOT, ServiceSettings

# Fixed local ports, the same as in docker-compose.yml. The office portal (a front end over the
# five services' APIs) is started with them, and its address is printed first.
SERVICE_PORTS = {
    "portal": 8100,
    "correspondence": 8101,
    "planning": 8102,
    "budgeting": 8103,
    "restructuring": 8104,
    "monitoring": 8105,
}
NATS_PORT = 4222
# How long `make run` waits for a service's lists to catch up before going on without it.
READY_SECONDS = 300.0
NATS_MONITOR_PORT = 8222
# The standalone audit witness (shared/audit/witness.py): its port and its name; its key, state
# and OAuth client under var/witness/.
WITNESS_PORT = 8110
WITNESS_NAME = "witness-1"
# Monitoring witnesses every other service too (`audit_witness_*` settings, shared/runtime.py):
# its witness name and its OAuth client (provisioned by monitoring itself in the office's
# registry); its key, secret and state under var/witness/ as well.
MONITORING_WITNESS = "monitoring"
MONITORING_WITNESS_CLIENT = "monitoring-witness"
# The services whose heads are published on the audit stream and witnessed (every process with
# an event store: the five services and the office portal).
WITNESSED = ("portal", "correspondence", "planning", "budgeting", "restructuring", "monitoring")


def existing_services() -> list[str]:
    return [name for name in SERVICE_PORTS if (PROJECT_ROOT / "services" / name / "main.py").exists()]


def service_environment(name: str, nats_url: str, var_dir: Path,
                        ports: dict[str, int] | None = None) -> dict[str, str]:
    """A service's settings under `make run` (`ports`: where each service listens, for tests
    that start the same system on free ports)."""
    ports = ports or SERVICE_PORTS
    environment = {
        **os.environ,
        "ESA_SERVICE_NAME": name,
        "ESA_HTTP_PORT": str(ports[name]),
        "ESA_NATS_URL": nats_url,
        "ESA_VAR_DIR": str(var_dir),
        # The services trust the cosignatures of the local witness and of monitoring (their
        # public keys, made once).
        "ESA_AUDIT_WITNESS_KEYS": json.dumps([
            f"{witness}={witness_public_key(var_dir, witness)}"
            for witness in (WITNESS_NAME, MONITORING_WITNESS)]),
        "PYTHONUNBUFFERED": "1",
    }
    if name == "monitoring":
        environment.update(monitoring_witness_settings(ports))
    return environment


def monitoring_witness_settings(ports: dict[str, int]) -> dict[str, str]:
    """Monitoring witnesses every other service that has an event store."""
    return {
        "ESA_AUDIT_WITNESS_SERVICES": json.dumps([
            f"{name}=http://127.0.0.1:{ports[name]}" for name in WITNESSED
            if name != "monitoring" and name in ports]),
        "ESA_AUDIT_WITNESS_NAME": MONITORING_WITNESS,
        "ESA_AUDIT_WITNESS_CLIENT_ID": MONITORING_WITNESS_CLIENT,
    }


def witness_public_key(var_dir: Path, witness: str = WITNESS_NAME) -> str:
    from shared.audit.witness_main import witness_signer

    key = var_dir / "witness" / f"{witness}.ed25519"
    return witness_signer(str(key), key).public_key_document()["public_key_hex"]


def witness_client_secret(var_dir: Path, client_id: str, services: list[str]) -> str:
    """A witness's OAuth client with `<service>:audit` for each service it witnesses (registered
    once, the secret kept under var/witness/)."""
    from shared.auth.clients import ClientRegistry

    secret = ClientRegistry(ServiceSettings(var_dir=var_dir).clients_path).provision(
        client_id=client_id, agency=f"พยานตรวจสอบบันทึก (audit witness {client_id})",
        scopes=[f"{name}:audit" for name in services],
        secret_path=var_dir / "witness" / f"{client_id}.secret")
    if secret is None:
        raise SystemExit(f"the OAuth client {client_id} was revoked; register it again")
    return secret


def witness_command(services: list[str], nats_url: str, var_dir: Path,
                    ports: dict[str, int] | None = None) -> list[str]:
    """The standalone witness of every service, with an OAuth client of its own."""
    ports = ports or SERVICE_PORTS
    witnessed = [name for name in services if name in WITNESSED]
    witness_client_secret(var_dir, WITNESS_NAME, witnessed)
    return [sys.executable, "-m", "shared.audit", "witness", "--name", WITNESS_NAME,
            "--nats", nats_url, "--client-id", WITNESS_NAME, "--client-secret-file",
            str(var_dir / "witness" / f"{WITNESS_NAME}.secret"), "--http-port", str(WITNESS_PORT),
            *(f"--service={name}=http://127.0.0.1:{ports[name]}" for name in witnessed)]


def wait_until_ready(name: str, port: int, stopping: Callable[[], bool],
                     timeout: float = READY_SECONDS) -> None:
    """Wait for the service's `/ready` (its persisted lists caught up with its store, its
    consumers with their streams); say so when it takes a while (a list built for the first
    time), and go on after `timeout` with a warning rather than leave the others stopped."""
    deadline = time.monotonic() + timeout
    said = False
    while not stopping():
        # 503 until caught up, or not answering yet: asked again
        with contextlib.suppress(urllib.error.URLError, OSError), \
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as answer:
            if answer.status == 200:
                return
        if time.monotonic() > deadline:
            print(f"  {name} is not ready after {timeout:.0f} s (see its /ready); going on")
            return
        if not said and time.monotonic() > deadline - timeout + 5:
            print(f"  {name}: catching up (building its lists)...")
            said = True
        time.sleep(0.2)


def main() -> int:
    settings = ServiceSettings()
    var_dir = settings.var_dir
    logs = var_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Installed first: a Ctrl-C while starting up also ends in the clean stop below.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    nats = NatsServer(var_dir / "nats", port=NATS_PORT, monitor_port=NATS_MONITOR_PORT,
                      log_file=logs / "nats-server.log")
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        nats.start()
        asyncio.run(bootstrap_streams(nats.url))
        for name in existing_services():
            log_file = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
            children[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}.main"],
                env=service_environment(name, nats.url, var_dir),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
                # Ctrl-C reaches only the launcher, which stops the services before NATS.
                start_new_session=True,
            )
        services = list(children)
        for name in services:
            wait_for_port(SERVICE_PORTS[name], timeout=30)
        for name in services:  # ready means ready: its lists caught up, its consumers too
            wait_until_ready(name, SERVICE_PORTS[name], lambda: stopping)
        witness_log = open(logs / "witness.log", "ab")  # noqa: SIM115 - closed with the process
        children["witness"] = subprocess.Popen(
            witness_command(services, nats.url, var_dir), stdout=witness_log,
            stderr=subprocess.STDOUT, cwd=PROJECT_ROOT, start_new_session=True,
            env={**os.environ, "ESA_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
        wait_for_port(WITNESS_PORT, timeout=30)
        if not stopping:
            print_where_to_look(nats.url, services, var_dir, logs)
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} exited with {child.returncode}; see {logs / (name + '.log')}")
                    stopping = True
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        nats.stop()
        print("หยุดระบบแล้ว / stopped.")
    return 0


def print_where_to_look(nats_url: str, services: list[str], var_dir: Path, logs: Path) -> None:
    print("\nระบบพร้อมใช้งาน / The system is running\n")
    if "portal" in services:
        print(f"  พอร์ทัลเจ้าหน้าที่ (office portal)  http://127.0.0.1:{SERVICE_PORTS['portal']}/")
        print("    the first account: .venv/bin/python -m services.portal create-account "
              "--officer-id esa-1 \\")
        print('        --name-th "<ชื่อผู้อำนวยการ>" --position-th "<ตำแหน่ง>" '
              "--roles esa_director,signer --clearance top_secret\n")
    print(f"  NATS JetStream        {nats_url}   (monitoring http://127.0.0.1:{NATS_MONITOR_PORT})")
    for name in services:
        if name != "portal":
            print(f"  {name:<22}http://127.0.0.1:{SERVICE_PORTS[name]}/docs")
    print(f"  {'audit witness':<22}http://127.0.0.1:{WITNESS_PORT}/cosignatures/<service>")
    if "monitoring" in services:
        port = SERVICE_PORTS["monitoring"]
        print(f"\n  หน้าสถานะงาน (status page)      http://127.0.0.1:{port}/")
        print(f"  ฟีดสถานะสด (live feed, SSE)      http://127.0.0.1:{port}/feed")
        print(f"  แดชบอร์ด (dashboard)             http://127.0.0.1:{port}/dashboard")
    if "correspondence" in services:  # public: no token
        port = SERVICE_PORTS["correspondence"]
        print(f"  ข่าวประชาสัมพันธ์ (news, Atom)    http://127.0.0.1:{port}/news/feed.xml")
    print("\n  API ต้องใช้ access token / APIs need an OAuth2 token: register a client (the office")
    print("  portal or an agency) with")
    print("  .venv/bin/python -m shared.auth register-client --agency \"...\" --scopes \"...\"")
    print("  then POST /oauth/token (client credentials); see README, 'For other agencies'.")
    print(f"\n  data: {var_dir}   logs: {logs}")
    print("  Ctrl-C หยุดระบบ / stops everything; data stays for the next `make run`.\n")


if __name__ == "__main__":
    raise SystemExit(main())

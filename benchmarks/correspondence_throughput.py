"""Correspondence throughput and latency, with real processes on loopback: `make bench`.

1. raw append rate of the event store the services use (SQLite file, one aggregate per transaction),
   and the registration command itself in process (no HTTP, no relay) on the same store;
2. registrations per second through correspondence's HTTP API, and their ratio to (1): first the
   API path alone (monitoring not started yet), then the full pipeline (monitoring consuming); with
   the CPU each costs, and how many cores the target would take at that cost;
3. relay throughput: notification log → JetStream, in process, over a backlog;
4. register → monitoring feed latency at a steady 50 commands/s.

Everything runs in a temporary directory on free ports, is bounded in count and time, and is stopped
on the way out, whatever happens. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import nats
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client as NatsClient

from contracts.correspondence import v1
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import DocumentType, Role, Secrecy, Urgency
from services.correspondence.integration import make_translator
from services.correspondence.settings import CorrespondenceSettings
from shared.context import acting_as
from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication, fingerprint_of
from shared.logging import configure_logging
from shared.messaging import bootstrap_streams, service_subjects
from shared.nats_server import NatsServer, nats_server_binary
from shared.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.testing import ServiceProcess

RAW_AGGREGATES = 2000
REGISTRATIONS = 1000
CLIENTS = 4
RELAY_BACKLOG = 2000
LATENCY_RATE = 50  # commands per second
LATENCY_SECONDS = 10
ANSWER_SECONDS = 20  # after the last command is sent, the wait for answers and feed events
DRAIN_SECONDS = 120  # for the pipeline to catch up after the burst
TOTAL_SECONDS = 420  # the whole run is cut off after this, cleaning up on the way out

RATIO_TARGET = 0.40
P99_TARGET_MS = 100.0
REGISTERED = v1.DocumentRegistered.EVENT_TYPE
CLERK = "clerk-1"
STAFF = (  # the first entry bootstraps the directory, then esa-1 registers the others
    ("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director", "signer"], "top_secret"),
    (CLERK, "นางสาวสมศรี ใจดี", ["clerk"], "secret"),
)


@dataclass
class Figure:
    section: int  # 1-5: printed in this order, whatever order they were measured in
    name: str
    value: str
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)  # printed under their section

    def add(self, section: int, name: str, value: str, target: str = "",
            met: bool | None = None) -> None:
        self.figures.append(Figure(section, name, value, target, met))

    def note(self, section: int, text: str) -> None:
        self.notes.setdefault(section, []).append(text)


# --- 1. raw append rate ---------------------------------------------------------------------------
class BenchItem(Aggregate, stored_as="bench.BenchItem"):
    @event("Created")
    def __init__(self, n: int) -> None:
        self.n = n


class BenchApplication(ServiceApplication):
    name = "bench"


def raw_append_rate(var_dir: Path, count: int) -> float:
    """Events/s saving `count` new one-event aggregates, one transaction each, on the services'
    store settings (SQLite file in WAL mode, the same eventsourcing env)."""
    app = BenchApplication(ServiceSettings(service_name="bench", var_dir=var_dir, store="sqlite"))
    try:
        app.save(BenchItem(n=-1))  # creates the tables: not part of the steady rate
        start = time.perf_counter()
        for n in range(count):
            app.save(BenchItem(n=n))
        return count / (time.perf_counter() - start)
    finally:
        app.close()


def command_rate(var_dir: Path, count: int, *, audited: bool = True) -> tuple[float, float]:
    """(registrations/s, CPU ms each) for the registration command called in process, one thread,
    on the same store settings: the application's own cost, without HTTP, the gate or the relay.
    `audited=False` takes the audit tree's transaction hook out, to measure what it costs."""
    app = CorrespondenceApplication(CorrespondenceSettings(var_dir=var_dir, store="sqlite"))
    if not audited:
        app.process_recorder.hooks.remove(app.audit)  # type: ignore[attr-defined]
    try:
        hire_in_process(app)
        with acting_as(CLERK):
            register_in_process(app, -1)  # opens this year's receiving register
            start, cpu = time.perf_counter(), cpu_seconds()
            for n in range(count):
                register_in_process(app, n)
            seconds, used = time.perf_counter() - start, (cpu_seconds() or 0) - (cpu or 0)
        return count / seconds, used * 1000 / count
    finally:
        app.close()


def hire_in_process(app: CorrespondenceApplication) -> None:
    for officer_id, name, roles, clearance in STAFF:
        with acting_as(STAFF[0][0]):
            app.register_officer(officer_id=officer_id, name_th=name, position_th="",
                                 roles=[Role(r) for r in roles], clearance=Secrecy(clearance))


def register_in_process(app: CorrespondenceApplication, n: int) -> None:
    """What `POST /documents/incoming` with `incoming(n)` asks of the application."""
    body = incoming(n)
    app.register_incoming(
        received_at=datetime.fromisoformat(body["received_at"]), sender=body["sender"],
        sender_ref_no=body["sender_ref_no"], sender_doc_date=None, subject=body["subject"],
        addressee=body["addressee"], doc_type=DocumentType.external_letter,
        urgency=Urgency.normal, secrecy=Secrecy.none, body=None, files=(),
        idempotency=(CLERK, f"bench-{n}", fingerprint_of(body)))


# --- the system under test ------------------------------------------------------------------------
@dataclass
class System:
    nats: NatsServer
    correspondence: ServiceProcess
    monitoring: ServiceProcess


def start_system(root: Path, stack: contextlib.ExitStack) -> System:
    """nats-server with the streams, then correspondence as a real process; monitoring is set up
    but started later (`System.monitoring.start()`), so that the API path is measured alone first."""
    nats_server = NatsServer(root / "nats", log_file=root / "nats.log")
    stack.callback(nats_server.stop)
    nats_server.start()
    asyncio.run(bootstrap_streams(nats_server.url))
    env = {"ESA_VAR_DIR": str(root / "var"), "ESA_STORE": "sqlite", "ESA_NATS_URL": nats_server.url}
    services = []
    for name in ("correspondence", "monitoring"):
        service = ServiceProcess(name, env)
        stack.callback(service.stop)
        services.append(service)
    services[0].start()
    return System(nats_server, *services)


def hire_staff(service: ServiceProcess) -> None:
    with service.client(timeout=10) as client:
        for officer_id, name, roles, clearance in STAFF:
            response = client.post("/officers", headers={"X-Actor-Id": STAFF[0][0]}, json={
                "officer_id": officer_id, "name_th": name, "roles": roles, "clearance": clearance})
            response.raise_for_status()


def incoming(n: int) -> dict[str, Any]:
    return {
        "received_at": datetime.now(UTC).isoformat(),
        "sender": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
        "sender_ref_no": f"ศธ 04002/ว {n}",
        "subject": f"ขอให้รายงานข้อมูลนักเรียน ปีการศึกษา 2569 ฉบับที่ {n}",
        "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
    }


@dataclass
class Clerk:
    """Registers incoming documents, as a client would: an Idempotency-Key per document, and a
    409 (lost a race on the receiving register too often) retried with the same key and body.

    aiohttp, not httpx: on a small machine the client shares the cores with the service, and
    httpx's ~1.6 ms of CPU per request (aiohttp: ~0.4) would be taken from the service measured."""

    session: aiohttp.ClientSession
    conflicts: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # why registrations failed

    @classmethod
    def session_for(cls, service: ServiceProcess) -> aiohttp.ClientSession:
        """Speaks as the office portal, as the staff's requests do (the token is valid for the
        whole run: it lasts `auth_token_minutes`)."""
        return aiohttp.ClientSession(
            service.url, timeout=aiohttp.ClientTimeout(total=30),
            headers={"Authorization": f"Bearer {service.auth.token()}", "X-Actor-Id": CLERK})

    async def register(self, n: int) -> str | None:
        body, headers = incoming(n), {"Idempotency-Key": f"bench-{n}"}
        status = 0
        for _ in range(5):
            try:
                async with self.session.post("/documents/incoming", json=body,
                                             headers=headers) as response:
                    status = response.status
                    answer = await response.json() if status == 201 else await response.read()
            except (aiohttp.ClientError, TimeoutError) as error:
                self.errors[type(error).__name__] += 1
                return None
            if status == 201:
                return str(answer["document_id"])
            if status != 409:
                break
            self.conflicts += 1
        self.errors[f"HTTP {status}"] += 1
        return None


async def measuring_client(url: str, name: str) -> NatsClient:
    """A NATS connection that gives up instead of reconnecting: when the run is stopped, the
    server goes first, and a measurement has nothing to wait for."""
    return await nats.connect(url, name=name, allow_reconnect=False)


def health(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/health", timeout=10).json()


# --- 2. registrations per second ------------------------------------------------------------------
@dataclass
class RegistrationRun:
    finished: list[float]  # seconds from the start at which each registration was answered
    events_per_registration: float
    conflicts: int
    errors: Counter[str]

    @property
    def rate(self) -> float:
        return len(self.finished) / self.finished[-1]

    def rate_between(self, first: float, last: float) -> float:
        """The rate over a slice of the run, e.g. (0.0, 0.1) for its first tenth: a rate that
        falls as the registers grow shows work that grows with them."""
        a, b = int(first * (len(self.finished) - 1)), int(last * (len(self.finished) - 1))
        start = self.finished[a - 1] if a else 0.0
        return (b - a + 1) / (self.finished[b] - start)


async def registration_rate(service: ServiceProcess, count: int, clients: int,
                            first: int) -> RegistrationRun:
    """`count` registrations by `clients` concurrent clients, as fast as they are answered
    (each request carries the office portal's token, as the staff's requests do)."""
    url = service.url
    before = health(url)["notification_position"]
    numbers = itertools.count(first)
    last = first + count
    finished: list[float] = []
    async with Clerk.session_for(service) as session:
        clerk = Clerk(session)

        async def worker() -> None:
            while (n := next(numbers)) < last:
                if await clerk.register(n) is not None:
                    finished.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
    appended = health(url)["notification_position"] - before
    return RegistrationRun(finished, appended / max(len(finished), 1), clerk.conflicts,
                           clerk.errors)


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU seconds used so far by a process (this one if None); None off Linux."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """CPU time each process of the system spends, to tell where a burst's time goes."""

    pids: dict[str, int | None]
    start: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def of(cls, system: System) -> CpuMeter:
        processes = {"correspondence": system.correspondence.process,
                     "monitoring": system.monitoring.process, "nats": system.nats.process}
        # Only running processes: a pid of None means the benchmark's own process (the client).
        pids: dict[str, int | None] = {name: p.pid for name, p in processes.items()
                                       if p is not None and p.poll() is None}
        meter = cls({**pids, "client": None})
        meter.start = {name: cpu_seconds(pid) for name, pid in meter.pids.items()}
        return meter

    def per_item_ms(self, items: int) -> dict[str, float]:
        """CPU ms per item of each process since the meter started (empty off Linux)."""
        used = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return {name: (after - before) * 1000 / max(items, 1)
                for name, before in self.start.items()
                if before is not None and (after := used[name]) is not None}


def cpu_note(per_item: dict[str, float]) -> str:
    each = "  ".join(f"{name} {ms:.1f}" for name, ms in per_item.items())
    return f"CPU ms per registration: {each}  (sum {sum(per_item.values()):.1f})"


def wait_for_pipeline(system: System, cases: int, timeout: float) -> float | None:
    """Seconds until correspondence's relay has published everything and monitoring shows
    `cases` correspondence cases (the burst has gone through the whole pipeline); None if it
    has not within `timeout`."""
    start = time.perf_counter()
    deadline = start + timeout
    while time.perf_counter() < deadline:
        state = health(system.correspondence.url)
        if state["relay_position"] == state["notification_position"]:
            listing = httpx.get(f"{system.monitoring.url}/cases", auth=system.monitoring.auth,
                                params={"service": "correspondence", "limit": 1},
                                timeout=30).json()
            if listing["total"] >= cases:
                return time.perf_counter() - start
        time.sleep(0.2)
    return None


# --- 4. register → feed latency -------------------------------------------------------------------
@dataclass
class LatencyRun:
    sent: dict[str, float]  # document id → just before its POST
    answered: dict[str, float]  # document id → POST answered
    published: dict[str, float]  # document id → its registered event seen on NATS
    shown: dict[str, float]  # document id → its registered event arrived on the feed
    offered: int  # POSTs started on schedule
    seconds: float  # from the first POST to the last answer
    errors: Counter[str]

    def latencies_ms(self, until: dict[str, float],
                     since: dict[str, float] | None = None) -> list[float]:
        since = since or self.sent
        return sorted((until[d] - since[d]) * 1000 for d in self.sent if d in until and d in since)


async def feed_latency(system: System, rate: int, seconds: int, first: int) -> LatencyRun:
    """Registrations at a steady `rate` for `seconds`; each timed from just before its POST to its
    `correspondence.document.registered` event on monitoring's feed. A plain NATS subscription on
    correspondence's subjects splits the time at the stream (relay side | monitoring side)."""
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    published: dict[str, float] = {}
    shown: dict[str, float] = {}

    async def on_nats(msg: Any) -> None:
        envelope = orjson.loads(msg.data)
        if envelope["type"] == REGISTERED:
            published.setdefault(envelope["subject"], time.perf_counter())

    tap = await measuring_client(system.nats.url, "bench-tap")
    await tap.subscribe(service_subjects("correspondence"), cb=on_nats)
    async with httpx.AsyncClient(timeout=30, auth=system.monitoring.auth) as feed_client, \
            Clerk.session_for(system.correspondence) as session:
        # No such service: an empty listing, but with the feed position it was read at.
        listing = await feed_client.get(f"{system.monitoring.url}/cases", params={"service": "-"})
        after = listing.headers["X-Feed-Position"]  # the feed continues exactly after this
        connected = asyncio.Event()

        async def read_feed() -> None:
            async with feed_client.stream("GET", f"{system.monitoring.url}/feed",
                                          params={"after": after},
                                          timeout=httpx.Timeout(30, read=None)) as response:
                response.raise_for_status()
                connected.set()
                data = None
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        data = line[5:].strip()
                    elif not line and data is not None:  # a blank line ends an SSE event
                        item = orjson.loads(data)
                        if item["type"] == REGISTERED:
                            shown.setdefault(item["subject"], time.perf_counter())
                        data = None

        reader = asyncio.create_task(read_feed())
        await asyncio.wait_for(connected.wait(), 10)
        clerk = Clerk(session)

        async def send(n: int) -> None:
            before = time.perf_counter()
            document_id = await clerk.register(n)
            if document_id is not None:
                sent[document_id], answered[document_id] = before, time.perf_counter()

        # Each command starts on its own schedule (not after the previous answer), so a slow
        # answer does not lower the offered rate.
        count = rate * seconds
        start = time.perf_counter()
        senders = []
        for i in range(count):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            senders.append(asyncio.create_task(send(first + i)))
        # A saturated service answers late or never: what is not answered in time is a failure.
        _, late = await asyncio.wait(senders, timeout=ANSWER_SECONDS)
        for task in late:
            task.cancel()
        elapsed = time.perf_counter() - start
        deadline = time.perf_counter() + ANSWER_SECONDS
        while not set(sent) <= set(shown) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await reader  # a feed that broke off shows as events missing from it
    await tap.drain()
    return LatencyRun(sent, answered, published, shown, count, elapsed,
                      clerk.errors + Counter({"no answer in time": len(late)}))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def spread(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):.1f}  p95 {percentile(values, 95):.1f}  "
            f"p99 {percentile(values, 99):.1f}  max {max(values, default=float('nan')):.1f} ms")


# --- 3. relay throughput --------------------------------------------------------------------------
def backlog_app(var_dir: Path, nats_url: str, count: int) -> CorrespondenceApplication:
    """A correspondence store holding `count` new outgoing drafts: one published event each."""
    settings = CorrespondenceSettings(var_dir=var_dir, store="sqlite", nats_url=nats_url)
    app = CorrespondenceApplication(settings)
    with acting_as("esa-1"):
        app.register_officer(officer_id="esa-1", name_th="ผู้อำนวยการ", position_th="",
                             roles=[Role.esa_director], clearance=Secrecy.top_secret)
        app.register_officer(officer_id="off-1", name_th="เจ้าหน้าที่", position_th="",
                             roles=[Role.officer], clearance=Secrecy.none)
    with acting_as("off-1"):
        for n in range(count):
            app.start_outgoing(subject=f"ขอส่งรายงานผลการดำเนินงาน ฉบับที่ {n}",
                               addressee="สพฐ.", doc_type=DocumentType.external_letter,
                               urgency=Urgency.normal, secrecy=Secrecy.none, outgoing_kind=None,
                               draft="ร่างหนังสือ".encode(), summary="", files=())
    return app


async def relay_rate(app: CorrespondenceApplication, nats_url: str) -> tuple[int, float]:
    """(messages published, seconds) for the relay to empty the backlog, batch after batch."""
    client = await measuring_client(nats_url, "bench-relay")
    try:
        relay = OutboxRelay(app, make_translator(app), client)
        start = time.perf_counter()
        while await relay.publish_pending():
            continue  # until the backlog is empty
        return relay.published, time.perf_counter() - start
    finally:
        await client.drain()


# --- the run --------------------------------------------------------------------------------------
def machine() -> list[str]:
    version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True)
    return [
        f"cores: {os.cpu_count()}  ({platform.machine()}, {platform.system()} "
        f"{platform.release()})",
        f"python: {sys.version.split()[0]}  sqlite: {sqlite3.sqlite_version}  "
        f"nats-server: {version.stdout.strip().rsplit(' ', 1)[-1] or '?'}",
    ]


def print_report(report: Report) -> None:
    figures = sorted(report.figures, key=lambda f: f.section)
    width = max(len(f.name) for f in figures)
    value_width = max(len(f.value) for f in figures)
    print()
    print("correspondence benchmark")
    for line in machine():
        print(f"  {line}")
    for i, f in enumerate(figures):
        if i == 0 or figures[i - 1].section != f.section:
            print()
        verdict = "" if f.met is None else ("  ok" if f.met else "  MISSED")
        target = f"  (target {f.target}){verdict}" if f.target else ""
        print(f"  {f.name:<{width}}  {f.value:>{value_width}}{target}")
        if i + 1 == len(figures) or figures[i + 1].section != f.section:
            for note in report.notes.get(f.section, []):
                print(f"     · {note}")


def step(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def failures(errors: Counter[str]) -> str:
    return ", ".join(f"{count} {why}" for why, count in errors.most_common())


def report_registrations(report: Report, section: int, title: str, burst: RegistrationRun,
                         raw: float, cpu: dict[str, float]) -> None:
    """Both shares of the raw rate: registrations/s (what the target is set on) and events
    appended/s (a registration appends several events, so the store does more than the first
    share says); and the cores the target would take at the CPU a registration cost here."""
    ratio = burst.rate / raw
    report.add(section, title, f"{burst.rate:,.1f} /s")
    report.add(section, "   registrations/s ÷ raw events/s", f"{ratio:.1%}",
               f">= {RATIO_TARGET:.0%}", ratio >= RATIO_TARGET)
    report.add(section, "   events appended per registration",
               f"{burst.events_per_registration:.2f}")
    appended = burst.rate * burst.events_per_registration
    report.add(section, "   events appended/s ÷ raw events/s",
               f"{appended / raw:.1%} ({appended:,.0f} /s)")
    report.add(section, "   first / last tenth of the run",
               f"{burst.rate_between(0, 0.1):,.1f} / {burst.rate_between(0.9, 1):,.1f} /s")
    report.add(section, "   409 conflicts retried / failed",
               f"{burst.conflicts} / {burst.errors.total()}")
    if cpu:
        per_registration = sum(cpu.values())
        needed = per_registration / 1000 * RATIO_TARGET * raw
        report.add(section, f"   cores the target takes at {per_registration:.1f} CPU ms each",
                   f"{needed:.1f} (this machine: {os.cpu_count()})")
    if burst.errors:
        report.note(section, f"failed: {failures(burst.errors)}")


def report_latency(report: Report, run: LatencyRun) -> None:
    total = run.latencies_ms(run.shown)
    p99 = percentile(total, 99)
    report.add(4, "4. register → feed latency p50", f"{percentile(total, 50):.1f} ms")
    report.add(4, "   p95", f"{percentile(total, 95):.1f} ms")
    report.add(4, "   p99", f"{p99:.1f} ms", f"< {P99_TARGET_MS:.0f} ms", p99 < P99_TARGET_MS)
    report.add(4, "   max", f"{max(total, default=float('nan')):.1f} ms")
    report.add(4, "   count (on feed / answered / failed)",
               f"{len(total)} / {len(run.sent)} / {run.errors.total()}")
    report.add(4, f"   answered rate ({run.offered} offered at {LATENCY_RATE}/s)",
               f"{len(run.sent) / run.seconds:.1f} /s")
    report.note(4, f"POST answered   {spread(run.latencies_ms(run.answered))}")
    report.note(4, f"POST → on NATS  {spread(run.latencies_ms(run.published))}")
    report.note(4, f"NATS → on feed  {spread(run.latencies_ms(run.shown, run.published))}")
    if run.errors:
        report.note(4, f"failed: {failures(run.errors)}")
    if len(total) < len(run.sent):
        report.note(4, f"{len(run.sent) - len(total)} answered but never on the feed")


def run(root: Path, report: Report) -> None:
    step(f"1/4 raw append: {RAW_AGGREGATES} aggregates, one transaction each")
    raw = raw_append_rate(root / "raw", RAW_AGGREGATES)
    report.add(1, "1. raw append (SQLite, 1 event/tx)", f"{raw:,.0f} events/s")
    step(f"1/4 the registration command in process: {REGISTRATIONS}, one thread")
    commands, command_cpu = command_rate(root / "in-process", REGISTRATIONS)
    report.add(1, "   registration command in process", f"{commands:,.0f} /s")
    report.add(1, "      ÷ raw events/s", f"{commands / raw:.1%}")
    report.add(1, "      CPU ms per registration", f"{command_cpu:.2f}")
    report.note(1, "the command as the API calls it (idempotency record included), without HTTP, "
                   "the OAuth2 gate or the relay: the most the API path could reach")

    audit_cost(root, report)

    with contextlib.ExitStack() as stack:
        step("starting nats-server and correspondence")
        system = start_system(root, stack)
        hire_staff(system.correspondence)

        step(f"2/4 API path alone: {REGISTRATIONS} registrations by {CLIENTS} concurrent "
             "clients, monitoring not running")
        cpu = CpuMeter.of(system)
        alone = asyncio.run(registration_rate(system.correspondence, REGISTRATIONS, CLIENTS, 0))
        used = cpu.per_item_ms(len(alone.finished))
        report_registrations(report, 2, "2a. registrations via HTTP, API alone", alone, raw, used)
        report.note(2, "2a: correspondence (HTTP, commands, its relay to JetStream) and "
                       "nats-server; no consumer")
        report.note(2, f"2a: {cpu_note(used)}")

        step("starting monitoring; it catches up on the events so far")
        system.monitoring.start()
        caught_up = wait_for_pipeline(system, len(alone.finished), DRAIN_SECONDS)
        if caught_up is None:
            report.note(2, f"monitoring had not caught up after {DRAIN_SECONDS} s")

        step(f"2/4 full pipeline: {REGISTRATIONS} registrations by {CLIENTS} concurrent clients, "
             "monitoring consuming")
        cpu = CpuMeter.of(system)
        burst = asyncio.run(registration_rate(system.correspondence, REGISTRATIONS, CLIENTS,
                                              REGISTRATIONS))
        drained = wait_for_pipeline(system, len(alone.finished) + len(burst.finished),
                                    DRAIN_SECONDS)
        used = cpu.per_item_ms(len(burst.finished))  # the drain included: monitoring's share
        report_registrations(report, 2, "2b. registrations via HTTP, full pipeline", burst, raw,
                             used)
        report.add(2, "   pipeline drained after the burst",
                   f"{drained:.1f} s" if drained is not None else f"not in {DRAIN_SECONDS} s")
        report.note(2, f"2b: {cpu_note(used)}")

        step(f"4/4 feed latency: {LATENCY_RATE}/s for {LATENCY_SECONDS} s")
        latency = asyncio.run(feed_latency(system, LATENCY_RATE, LATENCY_SECONDS,
                                           2 * REGISTRATIONS))
        report_latency(report, latency)

        system.correspondence.stop()  # the relay figure is the relay and nats-server alone
        system.monitoring.stop()
        step(f"3/4 relay: backlog of {RELAY_BACKLOG} events, published in process")
        app = backlog_app(root / "relay", system.nats.url, RELAY_BACKLOG)
        nats_pid = system.nats.process.pid if system.nats.process else None
        relay_cpu = CpuMeter({"relay": None, "nats": nats_pid})
        relay_cpu.start = {name: cpu_seconds(pid) for name, pid in relay_cpu.pids.items()}
        try:
            published, seconds = asyncio.run(relay_rate(app, system.nats.url))
        finally:
            app.close()
        report.add(3, "3. relay → JetStream", f"{published / seconds:,.0f} msgs/s")
        report.add(3, "   messages published", f"{published} in {seconds:.2f} s")
        each = "  ".join(f"{name} {ms:.2f}" for name, ms
                         in relay_cpu.per_item_ms(published).items())
        report.note(3, f"CPU ms per message: {each}")


def audit_cost(root: Path, report: Report) -> None:
    """5. What the audit trail costs: the tree extended and a head signed in every transaction
    (in process, with and without the hook, the same machine and moment), publishing each head to
    JetStream, a witness checking and cosigning them, and the service's pass over its store."""
    from shared.audit.publisher import AuditPublisher
    from shared.audit.selfcheck import SelfCheck
    from shared.audit.signing import AuditSigner
    from shared.audit.witness import Witness, WitnessStore

    step(f"5/5 audit: {REGISTRATIONS} registrations in process without and with the audit hook")
    _, without = command_rate(root / "audit-off", REGISTRATIONS, audited=False)
    _, with_hook = command_rate(root / "audit-on", REGISTRATIONS)
    report.add(5, "5. audit tree + signed head per transaction",
               f"{with_hook - without:+.2f} CPU ms each")
    report.note(5, f"CPU ms per registration in process: without the audit hook {without:.2f}, "
                   f"with it {with_hook:.2f}")
    app = CorrespondenceApplication(CorrespondenceSettings(var_dir=root / "audit-on",
                                                           store="sqlite"))
    nats_server = NatsServer(root / "audit-nats", log_file=root / "audit-nats.log").start()
    try:
        asyncio.run(bootstrap_streams(nats_server.url))
        heads = app.audit.size and len(app.audit.heads(0, 100_000))

        async def publish_all() -> tuple[int, float, float]:
            client = await nats.connect(nats_server.url)
            publisher = AuditPublisher(app.audit, app.audit_guard, client, witness_keys={},
                                       recorder=app.process_recorder)
            start, cpu = time.perf_counter(), cpu_seconds()
            count = await publisher.publish_pending()
            used = (cpu_seconds() or 0) - (cpu or 0)
            await client.drain()
            return count, time.perf_counter() - start, used

        nats_cpu = cpu_seconds(nats_server.process.pid if nats_server.process else None)
        count, seconds, used = asyncio.run(publish_all())
        nats_used = (cpu_seconds(nats_server.process.pid if nats_server.process else None)
                     or 0) - (nats_cpu or 0)
        report.add(5, "   heads published to JetStream", f"{count / seconds:,.0f} heads/s")
        report.note(5, f"{count} heads; CPU ms per head: publisher {used * 1000 / count:.2f}, "
                       f"nats-server {nats_used * 1000 / count:.2f}")

        def proofs(_: str, sizes: Any) -> list[dict[str, Any]]:
            return app.audit.consistency_chain(sizes)

        witness = Witness("bench", AuditSigner(Ed25519PrivateKey.generate()),
                          WitnessStore(root / "witness.sqlite3"), proofs,
                          pinned={app.audit.service: app.audit.signer.public_key})
        all_heads = app.audit.heads(0, 100_000)
        start, cpu = time.perf_counter(), cpu_seconds()
        for i in range(0, len(all_heads), 64):  # batches as they come off the stream
            outcome = witness.consider(app.audit.service, all_heads[i:i + 64])
            assert not outcome.alarms
        used = (cpu_seconds() or 0) - (cpu or 0)
        report.add(5, "   a witness checks and cosigns them (batches of 64)",
                   f"{len(all_heads) / (time.perf_counter() - start):,.0f} heads/s")
        report.note(5, f"witness CPU ms per head: {used * 1000 / len(all_heads):.2f} (the "
                       "service's proofs included, in process)")
        check = SelfCheck(app.audit, app.audit_guard, scan_batch=5000)
        start = time.perf_counter()
        assert check.check_all() == []
        report.add(5, "   the service's pass over its whole store",
                   f"{app.audit.size / (time.perf_counter() - start):,.0f} events/s")
        report.note(5, f"pass over {app.audit.size} events and {heads} heads")
    finally:
        nats_server.stop()
        app.close()


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Bound the whole run; SIGTERM too unwinds through the cleanups."""

    def stop(signum: int, _: Any) -> None:
        name = "time limit" if signum == signal.SIGALRM else signal.Signals(signum).name
        raise TimeoutError(f"benchmark stopped: {name} (the run is limited to {seconds} s)")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGALRM, signal.SIGTERM)}
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        for s, handler in previous.items():
            signal.signal(s, handler)


def main() -> None:
    configure_logging("bench", "WARNING")  # the in-process relay logs like a service, quietly
    report = Report()
    try:
        with time_limit(TOTAL_SECONDS), tempfile.TemporaryDirectory(prefix="esa-bench-") as tmp:
            run(Path(tmp), report)
    finally:
        if report.figures:  # what was measured before a failure is still worth seeing
            print_report(report)


if __name__ == "__main__":
    main()

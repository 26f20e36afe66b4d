"""Budgeting: per-head allocation for the sample registry, a year of transfers, and the time to
rebuild budgeting's state from its events: `make bench`.

In process, on the SQLite store the service uses, in a temporary directory:
1. the sample registry (208 schools, both DMC snapshots of academic year 2567) and an approved
   action plan (40 projects × 5 categories = 200 lines) arrive through budgeting's own handlers,
   with the consumer's tracking, as from NATS;
2. the per-head allocation of fiscal year 2568 for every school, from both terms: computed,
   submitted and approved (the money goes on the line);
3. a year of transfers: every line gets its allocation, then 3,000 transfers between random lines
   of the year are proposed and approved (those touching personnel need the central office's
   approval after the governor's), each after a commitment and its disbursement on the source;
4. restart and rebuild: a new application on the same store resumes its persisted lists where they
   were (nothing replayed) and reads them a page at a time (lines, cases, schools, a line's
   movements, a balance as of a moment from the line's snapshots); then each list is rebuilt from
   scratch, and every line's balance must come out identical;
5. correspondence drafts the allocation's 208 letters from the approved allocation's envelope.

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import csv
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.persistence import Tracking
from fastapi import Response
from starlette.requests import Request

from contracts.budgeting.v1 import AllocationItem, RecipientKind
from contracts.envelope import AnyEnvelope, Envelope, IntegrationEvent
from contracts.planning import v1 as planning
from contracts.restructuring import v1 as restructuring
from contracts.vocabulary import ApprovalRecord, ApprovingBody, Decision, ExpenseCategory
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import Allocation, BudgetLine, BudgetTransfer
from services.budgeting.handlers import subscriptions
from services.budgeting.integration import translate
from services.budgeting.settings import BudgetingSettings
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.handlers import subscriptions as correspondence_subscriptions
from services.correspondence.settings import CorrespondenceSettings
from shared.context import acting_as
from shared.domain import DomainError
from shared.http.paging import PageRequest
from shared.logging import configure_logging

REGISTRY = Path(__file__).resolve().parent / "data" / "schools-enrolment-2567.csv"
FISCAL_YEAR = 2568
PROJECTS = 40
TRANSFERS = 3000
SEED = 2568
DECIDED = date(2024, 11, 26)
GRADES = ("k1", "k2", "k3", "p1", "p2", "p3", "p4", "p5", "p6", "m1", "m2", "m3")
Figures = list[tuple[str, str]]


def step(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def envelope(source: str, event: IntegrationEvent, subject: UUID, sequence: int) -> AnyEnvelope:
    typed = Envelope[type(event)](  # type: ignore[misc]
        id=Envelope.message_id(source, subject, sequence), type=event.EVENT_TYPE, source=source,
        subject=str(subject), time=datetime.now(UTC), sequence=sequence, actor="bench",
        data=event)
    return AnyEnvelope.model_validate(typed.model_dump(mode="json"))


def registry_envelopes() -> list[AnyEnvelope]:
    """What restructuring publishes for the sample registry: each school, then its snapshots."""
    with REGISTRY.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out, seen = [], set()
    for row in rows:
        code = row["school_code"]
        school_id = uuid5(NAMESPACE_URL, f"school:{code}")
        if code not in seen:
            seen.add(code)
            out.append(envelope("restructuring", restructuring.SchoolRegistered(
                school_id=school_id, school_code=code, name_th=row["name_th"],
                district=row["district"], subdistrict=row["subdistrict"], levels=[]),
                school_id, 1))
        grades = {g: int(row[g]) for g in GRADES}
        by_level = {level: sum(grades.get(g, 0) for g in names)
                    for level, names in restructuring.GRADES_BY_LEVEL.items()
                    if any(g in grades for g in names)}
        out.append(envelope("restructuring", restructuring.EnrolmentSnapshotRecorded(
            school_id=school_id, school_code=code,
            snapshot_date=date.fromisoformat(row["snapshot_date"]),
            academic_year_be=int(row["academic_year_be"]), term=int(row["term"]),
            pupils_by_grade=grades, pupils_by_level=by_level, total=int(row["total"]),
            size_band=None, small_school=int(row["total"]) <= 120), school_id,
            1 + int(row["term"])))
    return out


def plan_envelope() -> AnyEnvelope:
    projects = []
    for n in range(1, PROJECTS + 1):
        lines = [planning.ProjectBudgetLine(category=c, quarter=q, amount=Decimal("25000.00"))
                 for c in ExpenseCategory for q in (1, 3)]
        projects.append(planning.ActionPlanProject(
            project_id=uuid5(NAMESPACE_URL, f"bench-project:{n}"), code=f"P68-{n:02d}",
            title_th=f"โครงการที่ {n}", strategy_code="S1", strategy_title_th="กลยุทธ์ที่ 1",
            objectives=["-"], responsible_group="กลุ่มนโยบายและแผน", responsible_officer="off-1",
            kpis=[planning.ProjectKpi(code=f"K{n}", name_th="-", unit="-",
                                      target_value=Decimal(1))],
            starts_on=date(2024, 10, 1), ends_on=date(2025, 9, 30), budget_lines=lines,
            total_budget=sum((x.amount for x in lines), Decimal(0))))
    plan = planning.ActionPlanApproved(
        plan_id=uuid4(), plan_kind=planning.PlanKind.action_plan, version=1,
        title_th="แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2568", fiscal_year_be=FISCAL_YEAR,
        approval=ApprovalRecord(body=ApprovingBody.provincial_committee,
                                decision=Decision.approve, decided_on=DECIDED, round=1),
        development_plan_id=uuid4(), total_budget=sum((p.total_budget for p in projects),
                                                      Decimal(0)),
        projects=projects)
    return envelope("planning", plan, plan.plan_id, 7)


def deliver(app: Any, handlers: dict[str, Callable], envelopes: Iterable[AnyEnvelope]) -> int:
    positions: dict[str, int] = {}
    count = 0
    for item in envelopes:
        positions[item.source] = positions.get(item.source, 0) + 1
        handler = handlers[item.source]
        app.execute(lambda h=handler, e=item: (None, h(e)),
                    tracking=Tracking(item.source, positions[item.source]))
        count += 1
    return count


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def paging(limit: int = 50, cursor: str | None = None) -> PageRequest:
    """A list request as the API passes it on (`limit`, `cursor`)."""
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"",
                       "headers": [], "server": ("bench", 80), "scheme": "http"})
    return PageRequest(request, Response(), limit, cursor)


def median_ms(action: Callable[[], Any], times: int = 20) -> float:
    seconds = sorted(timed(action)[1] for _ in range(times))
    return seconds[len(seconds) // 2] * 1000


# The office's people (as the decision rights want them; the benchmark calls the application
# directly, so only the case's own rules apply): the ESA director appoints committees and
# decides allocations, a committee member (off-1) allocates, another officer (off-2) records the
# governor's and the central office's approvals of transfers off-1 proposed.
MEMBER, RECORDER, DIRECTOR = "off-1", "off-2", "esa-1"


def approve(app: BudgetingApplication, case_id: UUID, body: ApprovingBody) -> dict[str, Any]:
    with acting_as(DIRECTOR if body == ApprovingBody.esa_director else RECORDER):
        return app.decide(Allocation if body == ApprovingBody.esa_director else BudgetTransfer,
                          case_id, body=body, decision=Decision.approve, decided_on=DECIDED,
                          reason=None, resolution=None)


def committee(app: BudgetingApplication, case_id: UUID) -> None:
    with acting_as(DIRECTOR):
        app.appoint_committee(Allocation, case_id, chair="dir-1", members=[MEMBER, RECORDER],
                              appointed_on=DECIDED, order=None)


def per_head(app: BudgetingApplication, line_id: UUID, figures: Figures) -> dict[str, Any]:
    case = app.open_allocation(title_th="เงินอุดหนุนรายหัว ปีงบประมาณ 2568", line_id=line_id,
                               ceiling=Decimal("500000000.00"),
                               criteria_th="จำนวนนักเรียน × อัตราต่อหัว")["case_id"]
    committee(app, case)
    with acting_as(MEMBER):
        proposed, seconds = timed(lambda: app.propose_per_head(case))
    figures.append(("2. per-head computed and proposed (208 schools, both terms)",
                    f"{seconds * 1000:,.0f} ms"))
    app.submit(Allocation, case)
    approved, seconds = timed(lambda: approve(app, case, ApprovingBody.esa_director))
    figures.append(("   approved (total onto the line, one transaction)",
                    f"{seconds * 1000:,.0f} ms"))
    items = approved["items"]
    exact = proposed["exact_total"]
    total = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    assert total == Decimal(approved["total"]) == Decimal(exact).quantize(Decimal("0.01"))
    figures.append(("   schools / pupils-terms / total",
                    f"{len(items)} / {pupil_terms(items):,} / {total:,.2f} baht"))
    return approved


def pupil_terms(items: list[dict[str, Any]]) -> int:
    return sum(sum(i["basis"]["term1_pupils"].values()) + sum(i["basis"]["term2_pupils"].values())
               for i in items)


def fund_lines(app: BudgetingApplication, lines: list[UUID]) -> None:
    """Every line gets 1,000,000 baht through an approved allocation to one internal group."""
    for line_id in lines:
        case = app.open_allocation(title_th="จัดสรรตามแผน", line_id=line_id,
                                   ceiling=Decimal("1000000.00"), criteria_th="ตามแผน")["case_id"]
        committee(app, case)
        with acting_as(MEMBER):
            app.propose_amounts(case, items=[AllocationItem(
                recipient_kind=RecipientKind.group, recipient_code="PLAN",
                recipient_name_th="กลุ่มนโยบายและแผน", amount=Decimal("1000000.00"))])
        app.submit(Allocation, case)
        approve(app, case, ApprovingBody.esa_director)


def a_year_of_transfers(app: BudgetingApplication, lines: list[BudgetLine],
                        figures: Figures) -> None:
    rng = random.Random(SEED)
    refused = moved = higher = 0
    start = time.perf_counter()
    for n in range(TRANSFERS):
        source, target = rng.sample(lines, 2)
        amount = Decimal(rng.randint(100, 500_000)) / 100
        spend = Decimal(rng.randint(100, 200_000)) / 100
        app.commit(source.id, amount=spend, reference=f"PO {n}")
        app.disburse(source.id, amount=spend, reference=f"ฎีกา {n}", settles_commitment=True)
        try:
            case = app.propose_transfer(source_line_id=source.id, target_line_id=target.id,
                                        amount=amount, reason_th="ปรับแผนการใช้จ่าย",
                                        new_investment_item=False, leftover_review_id=None)
        except DomainError:  # a refusal is counted; the run goes on
            refused += 1
            continue
        for body in case["approvals_required"]:
            approve(app, case["case_id"], ApprovingBody(body))
        moved += 1
        higher += len(case["approvals_required"]) > 1
    seconds = time.perf_counter() - start
    figures.append(("3. transfers proposed and approved",
                    f"{moved:,} ({higher:,} needing two approvals, {refused} refused)"))
    figures.append(("   with a commitment and a disbursement each", f"{seconds:,.1f} s"))
    figures.append(("   transfer cycles per second", f"{TRANSFERS / seconds:,.1f} /s"))


def restart_and_rebuild(settings: BudgetingSettings, before: dict[UUID, dict[str, Any]],
                        middle: datetime, figures: Figures) -> None:
    fresh, opened = timed(lambda: BudgetingApplication(settings))
    try:
        models = fresh.read_models
        events = fresh.max_notification_id()
        _, resumed = timed(models.caught_up)
        figures.append(("4. restart: events in the store", f"{events:,}"))
        figures.append(("   lists resumed where they were (no replay)",
                        f"{(opened + resumed) * 1000:,.0f} ms to caught up"))
        year = {"fiscal_year_be": FISCAL_YEAR}
        busiest = max(before, key=lambda i: before[i]["version"])
        reads = [
            ("   first page of the year's lines (50 of 200)", lambda: fresh.lines_page(
                paging(), fiscal_year_be=FISCAL_YEAR)),
            ("   first page of the transfers (50 of ~3,000)", lambda: fresh.cases_page(
                BudgetTransfer, paging(), fiscal_year_be=FISCAL_YEAR)),
            ("   first page of the schools (50 of 208)", lambda: fresh.schools_page(paging())),
            ("   a page of the busiest line's movements", lambda: fresh.line_movements(
                busiest, paging())),
            ("   the busiest line as of mid-year (snapshots)", lambda: fresh.line_summary(
                busiest, middle)),
            ("   the year's spending plan (200 lines)", lambda: fresh.spending_plan(
                FISCAL_YEAR)),
        ]
        for name, read in reads:
            figures.append((name, f"{median_ms(read):,.1f} ms (median of 20)"))
        assert fresh.lines_page(paging(), **year)["total"] == len(before)
        for name in list(models.listings):
            _, seconds = timed(lambda name=name: models.rebuild(name))
            figures.append((f"   rebuilt from scratch: {name}",
                            f"{seconds:,.2f} s ({events / seconds:,.0f} events/s)"))
        mismatched = [line_id for line_id, view in before.items()
                      if fresh.line_summary(line_id) != view
                      or fresh.lines.get(line_id)["available"] != str(view["available"])]
        assert not mismatched, f"{len(mismatched)} lines differ after the rebuild"
        figures.append(("   balances identical to before", f"{len(before)} lines, yes"))
    finally:
        fresh.close()


def letters(tmp: Path, approved: AnyEnvelope, figures: Figures) -> None:
    app = CorrespondenceApplication(CorrespondenceSettings(var_dir=tmp / "correspondence"))
    try:
        (subscription,) = [s for s in correspondence_subscriptions(app) if s.source == "budgeting"]
        with acting_as("bench"):
            _, seconds = timed(lambda: deliver(app, {"budgeting": subscription.handler},
                                               [approved]))
        drafted = len(app.documents.all())
        figures.append(("5. letters drafted by correspondence (one per school)",
                        f"{drafted} in {seconds:,.2f} s"))
    finally:
        app.close()


def approved_envelope(app: BudgetingApplication, allocation_id: UUID) -> AnyEnvelope:
    for stored in app.events.get(allocation_id):
        if type(stored).__name__ == "Approved":
            env = translate(stored, app.load(allocation_id, stored.originator_version))
            assert env is not None
            return AnyEnvelope.model_validate(env.model_dump(mode="json"))
    raise LookupError("the allocation was not approved")


def run(tmp: Path) -> Figures:
    figures: Figures = []
    settings = BudgetingSettings(var_dir=tmp)
    app = BudgetingApplication(settings)
    try:
        handlers = {s.source: s.handler for s in subscriptions(app)}
        with acting_as("bench"):
            step("the sample registry and the action plan arrive")
            feed = [*registry_envelopes(), plan_envelope()]
            count, seconds = timed(lambda: deliver(app, handlers, feed))
            figures.append(("1. registry and plan messages handled",
                            f"{count} in {seconds:,.2f} s ({count / seconds:,.0f} /s)"))
            lines = [app.line(UUID(str(view["line_id"])))
                     for view in app.lines.views({"fiscal_year_be": FISCAL_YEAR})]
            figures.append(("   lines opened from the plan", f"{len(lines)}"))
            subsidies = next(x for x in lines if x.category == ExpenseCategory.subsidies)

            step("per-head allocation for 208 schools, both terms")
            approved = per_head(app, subsidies.id, figures)

            step(f"allocations for {len(lines)} lines, then {TRANSFERS:,} transfers")
            _, seconds = timed(lambda: fund_lines(app, [x.id for x in lines]))
            figures.append(("   (allocations to every line)", f"{seconds:,.1f} s"))
            started = datetime.now(UTC)
            a_year_of_transfers(app, lines, figures)
            middle = started + (datetime.now(UTC) - started) / 2
            before = {x.id: app.line_summary(x.id) for x in lines}
            envelope_of_allocation = approved_envelope(app, approved["case_id"])
    finally:
        app.close()
    step("restart, read the lists, rebuild each from the event store")
    restart_and_rebuild(settings, before, middle, figures)
    step("correspondence drafts the letters")
    letters(tmp, envelope_of_allocation, figures)
    return figures


def main() -> None:
    configure_logging("bench", "WARNING")
    with tempfile.TemporaryDirectory(prefix="esa-bench-budgeting-") as tmp:
        figures = run(Path(tmp))
    print()
    print("budgeting benchmark")
    print(f"  cores: {os.cpu_count()}  ({platform.machine()})  python: {sys.version.split()[0]}"
          f"  sqlite: {sqlite3.sqlite_version}")
    width = max(len(name) for name, _ in figures)
    for name, value in figures:
        if name[:1].isdigit():
            print()
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()

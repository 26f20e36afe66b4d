"""The office's performance at a glance, read off monitoring's read models: KPI attainment, budget
planned and used by category and quarter, cases by service, step and age, overdue items. One source
for the dashboard (procedure 16) and the annual performance report, so both always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.operations.v1 import DEAD_LETTER_CASE_TYPE
from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import PLAN_KIND_TH, BudgetUse, PlanKind, percent
from services.monitoring.projections import CaseBoard, CaseView, moment
from shared.thaitime import bangkok_date, fiscal_year_be

SERVICE_TH = {
    "correspondence": "งานธุรการ (สารบรรณ)",
    "planning": "นโยบายและแผน",
    "budgeting": "งบประมาณ",
    "restructuring": "จัดตั้ง ยุบรวม เลิกสถานศึกษา",
    "monitoring": "ติดตามประเมินผล",
}
CATEGORY_TH = {
    "personnel": "งบบุคลากร",
    "operations": "งบดำเนินงาน",
    "investment": "งบลงทุน",
    "subsidies": "งบเงินอุดหนุน",
    "other": "งบรายจ่ายอื่น",
}
# Upper bounds in days of how long an open case has waited in its step, with their Thai labels.
AGE_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (7, "ไม่เกิน 7 วัน"), (30, "8-30 วัน"), (90, "31-90 วัน"), (None, "เกิน 90 วัน"))
ZERO = Decimal("0.00")
# The dashboard lists this many overdue cases and dead letters (the longest waiting first); its
# tiles count them all.
LISTED = 100


@dataclass(frozen=True)
class KpiRow:
    plan_kind: str
    plan_kind_th: str
    group_code: str
    group_title_th: str
    item_code: str
    name_th: str
    unit: str
    target_value: Decimal
    period: str | None
    actual: Decimal | None
    attainment_pct: Decimal | None
    achieved: bool | None


@dataclass(frozen=True)
class BudgetRow:
    key: str
    label_th: str
    planned: Decimal
    used: Decimal

    @property
    def used_pct(self) -> Decimal | None:
        return percent(self.used, self.planned)


@dataclass(frozen=True)
class StepRow:
    service: str
    service_th: str
    step: str
    step_th: str
    open: int
    overdue: int
    ages: tuple[int, ...]  # open cases per AGE_BUCKETS


@dataclass(frozen=True)
class OverdueRow:
    """One overdue case as the dashboard lists it, read straight from the case board's row (a
    public page's hundred lines: no case state is rebuilt for them)."""

    case_id: str
    service: str
    title: str | None
    step_th: str | None
    holder: str | None
    holder_th: str | None
    due: date | None

    @classmethod
    def of(cls, view: dict[str, Any]) -> OverdueRow:
        due = view.get("due")
        return cls(view["case_id"], view["source"], view.get("title"), view.get("step_th"),
                   view.get("holder"), view.get("holder_th"),
                   date.fromisoformat(due) if due else None)


@dataclass(frozen=True)
class DeadLetterRow:
    """A message a service's consumer parked and nobody replayed yet."""

    case_id: UUID
    service: str
    service_th: str
    consumer: str
    source: str
    event_type: str | None
    reason: str
    since: datetime | None


@dataclass(frozen=True)
class Performance:
    fiscal_year_be: int
    generated_at: datetime
    position: int  # the feed position the figures reflect
    kpis: list[KpiRow]
    budget_by_category: list[BudgetRow]
    budget_by_quarter: list[BudgetRow]
    steps: list[StepRow]
    overdue: list[OverdueRow] = field(default_factory=list)  # the longest overdue first
    dead_letters: list[DeadLetterRow] = field(default_factory=list)
    overdue_total: int | None = None  # all of them, when more than those listed
    dead_letters_total: int | None = None

    @property
    def budget_planned(self) -> Decimal:
        return sum((row.planned for row in self.budget_by_category), ZERO)

    @property
    def budget_used(self) -> Decimal:
        return sum((row.used for row in self.budget_by_category), ZERO)

    @property
    def kpis_reported(self) -> int:
        return sum(1 for k in self.kpis if k.actual is not None)

    @property
    def kpis_achieved(self) -> int:
        return sum(1 for k in self.kpis if k.achieved)

    @property
    def open_cases(self) -> int:
        return sum(row.open for row in self.steps)

    def totals(self) -> dict[str, Any]:
        return {
            "kpis": len(self.kpis), "kpis_reported": self.kpis_reported,
            "kpis_achieved": self.kpis_achieved,
            "kpis_achieved_pct": percent(Decimal(self.kpis_achieved), Decimal(len(self.kpis))),
            "budget_planned": self.budget_planned, "budget_used": self.budget_used,
            "budget_used_pct": percent(self.budget_used, self.budget_planned),
            "open_cases": self.open_cases,
            "overdue_cases": _total(self.overdue_total, self.overdue),
            "dead_letters": _total(self.dead_letters_total, self.dead_letters),
        }


def default_fiscal_year(now: datetime) -> int:
    """The fiscal year in progress in Bangkok (1 October - 30 September, named by the BE year it
    ends in): what a director opening the dashboard means, whatever next year's plans exist."""
    return fiscal_year_be(bangkok_date(now))


def _total(total: int | None, listed: list[Any]) -> int:
    return len(listed) if total is None else total


def performance(app: MonitoringApplication, board: CaseBoard,
                fiscal_year: int | None = None) -> Performance:
    """Every figure from an indexed query: counts of the open cases per service and step, a
    bounded list of the overdue ones and of the dead letters, the year's plans and budget use."""
    now = board.clock()
    year = fiscal_year or default_fiscal_year(now)
    position = board.position()
    today = bangkok_date(now).isoformat()
    steps = step_rows(board, now)
    # The tile counts every overdue case (the steps' figures add up to them); the table lists
    # the longest overdue.
    overdue = [OverdueRow.of(view) for view in board.open_case_views(
        {"open_due__lt": today}, order_by=("open_due",), limit=LISTED)]
    plans = _plans_of_year(app, year)  # read once: the KPIs and the budget both come from them
    letters, letters_total = board.open_cases({"case_type": DEAD_LETTER_CASE_TYPE},
                                              order_by=("since",), limit=LISTED)
    return Performance(
        fiscal_year_be=year, generated_at=now, position=position,
        kpis=kpi_rows(plans, year), **budget_rows(app, plans, year),
        steps=steps, overdue=overdue, overdue_total=sum(row.overdue for row in steps),
        dead_letters=[dead_letter_row(c, board.opening_facts(c.case_id)) for c in letters],
        dead_letters_total=letters_total,
    )


def dead_letter_row(case: CaseView, facts: dict[str, Any]) -> DeadLetterRow:
    return DeadLetterRow(
        case_id=case.case_id, service=case.state.source,
        service_th=SERVICE_TH.get(case.state.source, case.state.source),
        consumer=str(facts.get("consumer") or case.state.source),
        source=str(facts.get("source") or ""), event_type=facts.get("event_type"),
        # The dashboard is public: the reason of a classified message's failure may quote it.
        reason="(เรื่องชั้นความลับ)" if case.state.classified else str(facts.get("reason") or ""),
        since=case.state.since)


def _plans_of_year(app: MonitoringApplication, year: int) -> list[Any]:
    order = {PlanKind.action_plan: 0, PlanKind.policy: 1, PlanKind.development_plan: 2}
    return sorted(app.plans_in_force(year), key=lambda p: order[p.content.kind])


def kpi_rows(plans: list[Any], year: int) -> list[KpiRow]:
    rows = []
    for plan in plans:
        content = plan.content
        for group in content.groups:
            for item in group.items:
                if content.kind == PlanKind.development_plan:
                    report = plan.reports.get((group.code, item.code, str(year)))
                    target = item.target_for(str(year))
                    actual = report.value if report else None
                    progress = (str(year) if report else None, actual,
                                percent(actual, target) if actual is not None else None,
                                (actual >= target) if actual is not None else None)
                else:
                    p = plan.progress(group, item)
                    target = p.target_value
                    progress = (p.period, p.actual, p.attainment_pct, p.achieved)
                rows.append(KpiRow(content.kind.value, PLAN_KIND_TH[content.kind], group.code,
                                   group.title_th, item.code, item.name_th, item.unit, target,
                                   *progress))
    return rows


def budget_rows(app: MonitoringApplication, plans: list[Any],
                year: int) -> dict[str, list[BudgetRow]]:
    planned_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    planned_q: dict[int, Decimal] = defaultdict(lambda: ZERO)
    used_cat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    used_q: dict[int, Decimal] = defaultdict(lambda: ZERO)
    projects = set()
    for plan in plans:
        if plan.content.kind != PlanKind.action_plan:
            continue
        for group in plan.content.groups:
            projects.add(group.project_id)
            for line in group.budget_lines:
                planned_cat[line.category] += line.amount
                planned_q[line.quarter] += line.amount
    for view in app.budget_uses.views({"id__in": sorted(
            str(BudgetUse.create_id(p)) for p in projects if p is not None)}):
        for entry in view["used"]:
            if entry["fiscal_year_be"] == year:
                used_cat[entry["category"]] += Decimal(entry["amount"])
                used_q[entry["quarter"]] += Decimal(entry["amount"])
    categories = [c for c in CATEGORY_TH if c in planned_cat or c in used_cat]
    categories += sorted((set(planned_cat) | set(used_cat)) - set(categories))
    return {
        "budget_by_category": [BudgetRow(c, CATEGORY_TH.get(c, c), planned_cat[c], used_cat[c])
                               for c in categories],
        "budget_by_quarter": [BudgetRow(str(q), f"ไตรมาส {q}", planned_q[q], used_q[q])
                              for q in range(1, 5)],
    }


def step_rows(board: CaseBoard, now: datetime) -> list[StepRow]:
    """Open cases per service and step: how many, how many overdue, how long they have waited
    (grouped counts: the tallies kept with the cases, and the cases of the last days by when
    they entered their step). Each query reads what is recent or still to come, not the
    history: overdue is what is open less what is due today or later (or never)."""
    today = bangkok_date(now)
    open_ = {"closed": False}
    by = ("source", "step")

    def tally(where: dict[str, Any]) -> dict[tuple[str, str | None], int]:
        return {(row["source"], row["step"]): row["count"]
                for row in board.cases.counts(by, {**open_, **where})}

    rows = board.cases.counts(by, open_, labels=("step_th",))
    not_overdue = tally({"open_due__ge": today.isoformat()})
    # Cases that have waited at most each bound (since on or after now minus the bound).
    limits = [limit for limit, _ in AGE_BUCKETS if limit is not None]
    bounds = {f"d{limit}": {"since__ge": moment(now - timedelta(days=limit))} for limit in limits}
    # Read once: the open cases of the widest bound (those of the last 90 days), each counted.
    recent = board.cases.counts_each(by, {**open_, **bounds[f"d{max(limits)}"]}, bounds)
    within = [{(row["source"], row["step"]): row[name] for row in recent} for name in bounds]
    found = []
    for row in rows:
        key = (row["source"], row["step"])
        cumulative = [counts.get(key, 0) for counts in within] + [row["count"]]
        ages = tuple(n - (cumulative[i - 1] if i else 0) for i, n in enumerate(cumulative))
        service = row["source"]
        found.append(StepRow(service, SERVICE_TH.get(service, service), row["step"] or "unknown",
                             row["step_th"] or "ยังไม่ทราบขั้นตอน", row["count"],
                             row["count"] - not_overdue.get(key, 0), ages))
    return sorted(found, key=lambda r: (
        list(SERVICE_TH).index(r.service) if r.service in SERVICE_TH else 99, -r.open, r.step))


class SharedFigures:
    """The dashboard's figures, made once for every screen that asks at the same point of the log.

    Every open dashboard refreshes when the feed announces an event, all at once (the office's
    screens, visitors', the central office's): they ask for the same figures at the same position.
    Figures made at a position are answered again while the read models are still there, for at
    most `max_age`: what depends on the clock (overdue, waiting time) is at most that old, and
    `generated_at` says when they were made."""

    KEPT = 8  # fiscal years asked for (the default one, and a few others)

    def __init__(self, board: CaseBoard, max_age: timedelta = timedelta(seconds=5)) -> None:
        self.board, self.max_age = board, max_age
        self._kept: dict[int | None, tuple[int, datetime, Any]] = {}

    def get(self, fiscal_year: int | None, make: Callable[[], Any]) -> Any:
        position, now = self.board.position(), self.board.clock()
        kept = self._kept.get(fiscal_year)
        if kept is not None and kept[0] == position and \
                timedelta(0) <= now - kept[1] < self.max_age:
            return kept[2]
        figures = make()
        if len(self._kept) >= self.KEPT:
            self._kept.clear()
        self._kept[fiscal_year] = (position, now, figures)
        return figures


def dashboard_data(perf: Performance) -> dict[str, Any]:
    """What the dashboard shows (and `GET /dashboard/summary` answers); Decimals stay exact."""
    today = bangkok_date(perf.generated_at)
    return {
        "fiscal_year_be": perf.fiscal_year_be,
        "generated_at": perf.generated_at,
        "position": perf.position,
        "totals": perf.totals(),
        "kpis": [vars(k) for k in perf.kpis],
        "budget_by_category": [{**vars(r), "used_pct": r.used_pct}
                               for r in perf.budget_by_category],
        "budget_by_quarter": [{**vars(r), "used_pct": r.used_pct} for r in perf.budget_by_quarter],
        "age_buckets": [label for _, label in AGE_BUCKETS],
        "cases_by_step": [vars(r) for r in perf.steps],
        "overdue": [
            {"case_id": c.case_id, "service": c.service,
             "service_th": SERVICE_TH.get(c.service, c.service),
             "title": c.title, "step_th": c.step_th,
             "holder": c.holder, "holder_th": c.holder_th, "due": c.due,
             "days_late": (today - c.due).days if c.due else None}
            for c in sorted(perf.overdue, key=lambda c: c.due or today)
        ],
        "dead_letters": [vars(row) for row in sorted(
            perf.dead_letters, key=lambda row: (row.since is None, row.since or perf.generated_at))],
    }

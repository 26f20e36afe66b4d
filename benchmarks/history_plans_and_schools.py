"""Planning's and restructuring's years of history for `benchmarks.history generate`: the
office's plans (policy, development plan, action plans with their rounds, amendments and
closings) and its schools (the registry, two enrolment snapshots a year, the cases they bring),
made through the domains' own methods on a `Timeline`, so every path runs in time order.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import random
import time
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from benchmarks import history
from benchmarks.history import _finish, _saver

PROJECTS_PER_PLAN = 40  # projects of a year's action plan
PLAN_PERIOD_YEARS = 5  # fiscal years of a development plan (e.g. 2566-2570)
RETURNED = 0.25  # share of first proposals the committee returns for revision
AMENDED = 0.5  # share of action plans amended mid-year
SCHOOLS = 300
REGISTRY = Path(__file__).resolve().parent / "data" / "schools-enrolment-2567.csv"
REGISTRY_YEAR_BE = 2567  # the academic year of the sample's figures
# Restructuring cases an office opens a year, by type (a fraction: one year in 1/fraction).
CASES_A_YEAR = {"merge": 2.0, "class_expansion": 1.0, "dissolve": 1.0, "transfer_school": 1 / 3,
                "establish": 1 / 4}
WITHDRAWN = 0.1  # share of cases the community does not agree to (withdrawn after the hearing)
OFFICERS = ("off-1", "off-2")
VILLAGES = ("หนองบัว", "โนนสะอาด", "ดอนแดง", "นาคำ", "ห้วยทราย", "โคกสูง", "หนองแวง", "บึงกุ่ม",
            "ป่าหวาย", "คำแคน", "โนนทอง", "หนองไผ่", "สระแก้ว", "ท่าศาลา", "นาดี", "โพนงาม")


# A path of the office's work: yields the moment of its next step, is sent it back when it is time.
Steps = Generator[datetime, datetime, Any]


class Timeline:
    """The office's work in time order. Each path (a generator) yields the moment of its next
    step and is resumed then, so every aggregate's events, and the log, run in time order
    across plans, schools and cases; a step after "now" is not taken, and its path ends there
    (what was under way at the end stays open)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._waiting: list[tuple[datetime, int, Steps]] = []
        self._asked = 0

    def spawn(self, path: Steps) -> None:
        self._wait(path, next(path, None))

    def _wait(self, path: Steps, at: datetime | None) -> None:
        if at is not None and at <= self.now:
            self._asked += 1  # ties keep the order the steps were asked in
            heapq.heappush(self._waiting, (at, self._asked, path))

    def run(self) -> None:
        while self._waiting:
            at, _, path = heapq.heappop(self._waiting)
            # `at = yield moment` in the path: it is time; a path that has ended is dropped.
            with contextlib.suppress(StopIteration):
                self._wait(path, path.send(at))


@contextlib.contextmanager
def acting(actor: str) -> Iterator[None]:
    """One domain step taken as `actor`: its events carry who took it (never held across a
    `yield` of a path, so no other path's step runs under it)."""
    from shared.context import acting_as

    with acting_as(actor):
        yield


def office_hours(day: date, rng: random.Random) -> datetime:
    """A moment of `day` between 09:00 and 16:00 in Bangkok (UTC+7)."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC) + timedelta(
        minutes=rng.randint(0, 420))


def days_later(at: datetime, rng: random.Random, low: int, high: int) -> datetime:
    from shared.thaitime import bangkok_date

    return office_hours(bangkok_date(at) + timedelta(days=rng.randint(max(low, 1), high)), rng)


def learn_resolution(at: datetime, rng: random.Random, add: Callable[..., None]) -> Any:
    """The committee's resolution, registered in correspondence that day and learnt by the
    service as its consumer learns it (a `RegisteredDocument`): what a decision must cite."""
    from shared.context import acting_as
    from shared.office.documents import RegisteredDocument, cite
    from shared.thaitime import bangkok_date, calendar_year_be

    with acting_as("clerk-1"):  # the consumer acts as the one who registered it
        document = RegisteredDocument.learn(uuid4())
        document.record_receipt(receipt_no=rng.randint(1, history.DOCUMENTS_PER_YEAR),
                                year_be=calendar_year_be(at), received_on=bangkok_date(at))
    add(document, events=2)
    return cite(document, document.document_id)


def generate_planning(var_dir: Path, years: int, rng: random.Random, now: datetime, *,
                      projects: int = PROJECTS_PER_PLAN) -> dict[str, Any]:
    from services.planning.application import PlanningApplication
    from services.planning.settings import PlanningSettings
    from shared.office.testing import STANDARD_STAFF, teach
    from shared.thaitime import bangkok_date, fiscal_year_be

    app = PlanningApplication(PlanningSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9"))
    teach(app, STANDARD_STAFF)
    add, flush, counts = _saver(app)
    started = time.perf_counter()
    today = bangkok_date(now)
    first_fy = fiscal_year_be(today - timedelta(days=365 * years))
    # The next fiscal year's policy is drafted in July: it is there if "now" is past that.
    last_fy = fiscal_year_be(today) + 1
    timeline = Timeline(now)
    office = PlanningHistory(rng, add, projects)
    # Development plans cover the history from its first fiscal year, five years each.
    for start in range(first_fy, last_fy + 1, PLAN_PERIOD_YEARS):
        timeline.spawn(office.development_plan(start))
    for fiscal_year in range(first_fy, last_fy + 1):
        timeline.spawn(office.policy(fiscal_year))
        timeline.spawn(office.action_plan(fiscal_year))
        timeline.spawn(office.close_fiscal_year(fiscal_year))
    timeline.run()
    flush()
    return _finish(app, started, counts, {**office.made, "projects_per_plan": projects})


class PlanningHistory:
    """An office's plans year after year (procedures 5-8) through `Plan`'s own methods, with the
    decision rights' people: an analyst drafts, the group director proposes to กศจ. (never a plan
    they wrote), the other analyst records its decision citing the resolution, the group director
    publishes, runs and closes the plan, the ESA director closes the fiscal year."""

    def __init__(self, rng: random.Random, add: Callable[..., None], projects: int) -> None:
        self.rng, self.add, self.projects = rng, add, projects
        self.lineages: list[list[Any]] = []  # every development plan's versions
        self.policies: dict[int, Any] = {}  # the approved policy of each fiscal year
        self.references: dict[Any, Any] = {}
        self.made = {"plans": 0, "approved": 0, "resolutions": 0}

    # ---- the paths -----------------------------------------------------------------------------
    def development_plan(self, start: int) -> Steps:
        """Drafted in the spring before its first year, in force from its first day, amended
        after the mid-plan review of its third year, closed when its last year ends."""
        from services.planning.domain import Plan, PlanKind
        from shared.thaitime import fiscal_year_bounds

        end = start + PLAN_PERIOD_YEARS - 1
        begins = fiscal_year_bounds(start)[0]
        drafter = self.rng.choice(OFFICERS)
        at = yield office_hours(begins - timedelta(days=self.rng.randint(120, 140)), self.rng)
        self._import_references(drafter, at, renewed=bool(self.lineages))
        plan = self._draft(PlanKind.development_plan, f"แผนพัฒนาการศึกษาขั้นพื้นฐาน พ.ศ. {start}-{end}",
                           drafter, lambda _: self._development_content(start, end), at,
                           start_year_be=start, end_year_be=end)
        versions = [plan]
        self.lineages.append(versions)
        at = yield from self._revisions(plan, drafter, at, 1, 2)
        at = yield from self._rounds(plan, drafter, at, lambda _: self._development_content(
            start, end), lambda _day: self._context())
        at = yield from self._into_force(plan, at, begins)
        # The mid-plan review (procedure 15) of its third year brings an amended version.
        review = fiscal_year_bounds(start + 2)[0] + timedelta(days=self.rng.randint(120, 150))
        at = yield max(office_hours(review, self.rng), days_later(at, self.rng, 1, 3))
        with acting(drafter):
            amendment = Plan.amend(plan, plan_id=uuid4(), drafted_by=drafter,
                                   drafter_name_th=self._name(drafter), at=at)
        self.made["plans"] += 1
        self.add(amendment)
        versions.append(amendment)
        at = yield from self._revisions(amendment, drafter, at, 1, 1, lambda _: (
            self._development_content(start, end, raised=True)))
        at = yield from self._rounds(amendment, drafter, at, lambda _: self._development_content(
            start, end, raised=True), lambda _day: self._context(), previous=plan)
        at = yield from self._into_force(amendment, at, begins)
        yield from self._close(amendment, fiscal_year_bounds(end)[1], at)

    def policy(self, fiscal_year: int) -> Steps:
        """นโยบาย จุดเน้น และเป้าหมาย: drafted in July, approved before the fiscal year begins."""
        from services.planning.domain import PlanKind
        from shared.thaitime import fiscal_year_bounds

        begins, ends = fiscal_year_bounds(fiscal_year)
        drafter = self.rng.choice(OFFICERS)
        at = yield office_hours(begins - timedelta(days=self.rng.randint(75, 90)), self.rng)
        content = lambda _: self._policy_content(fiscal_year)  # noqa: E731 - drafted again each round
        plan = self._draft(PlanKind.policy,
                           f"นโยบาย จุดเน้น และเป้าหมาย สพป. ปีงบประมาณ พ.ศ. {fiscal_year}", drafter,
                           content, at, fiscal_year_be=fiscal_year)
        at = yield from self._revisions(plan, drafter, at, 1, 2, content)
        at = yield from self._rounds(plan, drafter, at, content, lambda _day: self._context())
        self.policies[fiscal_year] = plan
        at = yield from self._into_force(plan, at, begins)
        yield from self._close(plan, ends, at)

    def action_plan(self, fiscal_year: int) -> Steps:
        """แผนปฏิบัติการประจำปี: drafted once the year's budget is known (late October), approved
        around December, amended mid-year in half the years, closed when the year ends."""
        from services.planning.domain import LinkContext, Plan, PlanKind, version_in_force
        from shared.thaitime import fiscal_year_bounds

        begins, ends = fiscal_year_bounds(fiscal_year)
        drafter = self.rng.choice(OFFICERS)
        at = yield office_hours(begins + timedelta(days=self.rng.randint(20, 35)), self.rng)
        versions = self._lineage_for(fiscal_year)
        policy = self.policies.get(fiscal_year)

        def content(lineage_id: UUID) -> Any:
            # Names the development plan by its first version: its lineage says which is in force.
            return self._action_content(lineage_id, fiscal_year, versions[0], policy)

        def context(day: date) -> Any:
            return LinkContext(development_plan=version_in_force(versions, day), policy=policy,
                               **self._codes())

        plan = self._draft(PlanKind.action_plan,
                           f"แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. {fiscal_year}", drafter, content, at,
                           fiscal_year_be=fiscal_year)
        at = yield from self._revisions(plan, drafter, at, 1, 3, content)
        at = yield from self._rounds(plan, drafter, at, content, context)
        at = yield from self._into_force(plan, at, begins)
        if self.rng.random() < AMENDED:
            # Money moved between projects and quarters in April: an amended version.
            at = yield max(office_hours(begins + timedelta(days=self.rng.randint(180, 200)),
                                        self.rng), days_later(at, self.rng, 1, 3))
            previous = plan
            with acting(drafter):
                plan = Plan.amend(previous, plan_id=uuid4(), drafted_by=drafter,
                                  drafter_name_th=self._name(drafter), at=at)
            self.made["plans"] += 1
            self.add(plan)
            at = yield from self._revisions(plan, drafter, at, 1, 1, content)
            at = yield from self._rounds(plan, drafter, at, content, context, previous=previous)
            at = yield from self._into_force(plan, at, begins)
        yield from self._close(plan, ends, at)

    def close_fiscal_year(self, fiscal_year: int) -> Steps:
        """The ESA director closes the year to plan approvals once its accounts are in."""
        from services.planning.domain import FiscalYear
        from shared.thaitime import fiscal_year_bounds

        ends = fiscal_year_bounds(fiscal_year)[1]
        at = yield office_hours(ends + timedelta(days=self.rng.randint(40, 60)), self.rng)
        year = FiscalYear.start(fiscal_year)
        with acting("esa-1"):
            year.close(reason="สิ้นปีงบประมาณ ปิดการอนุมัติแผนของปีนี้", by="esa-1", at=at)
        self.add(year, events=2)

    # ---- steps shared by every kind of plan ----------------------------------------------------
    def _draft(self, kind: Any, title_th: str, drafter: str, content: Callable[[UUID], Any],
               at: datetime, **period: Any) -> Any:
        from services.planning.domain import Plan

        plan_id = uuid4()
        with acting(drafter):
            plan = Plan.draft(
                plan_id=plan_id, kind=kind, title_th=title_th, content=content(plan_id),
                drafted_by=drafter, drafter_name_th=self._name(drafter), at=at, **period)
        self.made["plans"] += 1
        self.add(plan)
        return plan

    def _revisions(self, plan: Any, drafter: str, at: datetime, low: int, high: int,
                   content: Callable[[UUID], Any] | None = None) -> Steps:
        for _ in range(self.rng.randint(low, high)):
            at = yield days_later(at, self.rng, 4, 10)
            revised = content(plan.lineage_id) if content else plan.content
            with acting(drafter):
                plan.revise(title_th=None, content=revised, by=drafter, at=at)
            self.add(plan)
        return at

    def _rounds(self, plan: Any, drafter: str, at: datetime, content: Callable[[UUID], Any],
                context: Callable[[date], Any], previous: Any = None) -> Steps:
        """Proposed to กศจ. by the group director and decided, the first proposal returned for
        revision now and then, until approved; an approved amendment closes the version it
        amends in the same step."""
        from shared.thaitime import bangkok_date

        recorder = next(o for o in OFFICERS if o != drafter)
        while True:
            at = yield days_later(at, self.rng, 2, 6)
            with acting("dir-1"):
                plan.submit(by="dir-1", at=at)
            self.add(plan)
            at = yield days_later(at, self.rng, 7, 21)
            day, resolution = bangkok_date(at), learn_resolution(at, self.rng, self.add)
            self.made["resolutions"] += 1
            if len(plan.rounds) == 1 and self.rng.random() < RETURNED:
                with acting(recorder):
                    plan.return_for_revision(
                        by=recorder, reason="ให้ปรับตัวชี้วัดและค่าเป้าหมายให้สอดคล้องกับยุทธศาสตร์จังหวัด",
                        decided_on=day, resolution=resolution, at=at)
                self.add(plan)
                at = yield from self._revisions(plan, drafter, at, 1, 1, content)
                continue
            with acting(recorder):
                plan.approve(by=recorder, decided_on=day, resolution=resolution,
                             context=context(day), previous=previous, at=at)
            if previous is not None:
                with acting(recorder):
                    previous.close_superseded(by=recorder, amendment=plan, at=at)
                self.add(previous)
            self.add(plan)
            self.made["approved"] += 1
            return at

    def _into_force(self, plan: Any, at: datetime, begins: date) -> Steps:
        """Published by the group director, then run from the period's first day."""
        from shared.thaitime import bangkok_date

        at = yield days_later(at, self.rng, 2, 7)
        with acting("dir-1"):
            plan.publish(by="dir-1", published_on=bangkok_date(at), at=at)
        self.add(plan)
        at = yield max(days_later(at, self.rng, 1, 3), office_hours(begins, self.rng))
        with acting("dir-1"):
            plan.start_execution(by="dir-1", started_on=bangkok_date(at),
                                                            at=at)
        self.add(plan)
        return at

    def _close(self, plan: Any, ends: date, at: datetime) -> Steps:
        at = yield max(days_later(at, self.rng, 1, 3),
                       office_hours(ends + timedelta(days=self.rng.randint(10, 20)), self.rng))
        with acting("dir-1"):
            plan.close(by="dir-1", closed_on=ends, at=at)
        self.add(plan)

    def _import_references(self, by: str, at: datetime, renewed: bool) -> None:
        """The provincial and national strategies (procedure 8), imported again with a plan of a
        new period: titles are reworded then."""
        from services.planning.domain import HigherStrategy, ReferenceStrategies, StrategyLevel

        wording = " (ฉบับทบทวน)" if renewed else ""
        themes = ("พัฒนาคุณภาพการศึกษา", "พัฒนาทักษะผู้เรียน", "ลดความเหลื่อมล้ำทางการศึกษา",
                  "พัฒนาครูและบุคลากร", "การบริหารจัดการแบบมีส่วนร่วม", "การศึกษาเพื่อการมีงานทำ")
        for level, prefix in ((StrategyLevel.provincial, "KK-E"), (StrategyLevel.national, "NS")):
            register = self.references.get(level) or ReferenceStrategies.start(level)
            self.references[level] = register
            strategies = [HigherStrategy(code=f"{prefix}{n}", title_th=f"{theme}{wording}")
                          for n, theme in enumerate(themes, 1)]
            source = "ยุทธศาสตร์จังหวัดขอนแก่น" if prefix == "KK-E" else "ยุทธศาสตร์ชาติ"
            with acting(by):
                register.import_strategies(strategies, source=source, by=by, at=at)
            self.add(register)

    # ---- content -------------------------------------------------------------------------------
    def _codes(self) -> dict[str, frozenset[str]]:
        from services.planning.domain import StrategyLevel

        return {f"{level.value}_codes": frozenset(self.references[level].strategies)
                for level in (StrategyLevel.provincial, StrategyLevel.national)
                if level in self.references}

    def _context(self) -> Any:
        from services.planning.domain import LinkContext

        return LinkContext(**self._codes())

    def _lineage_for(self, fiscal_year: int) -> list[Any]:
        for versions in reversed(self.lineages):
            if versions[0].start_year_be <= fiscal_year <= versions[0].end_year_be:
                return versions
        raise RuntimeError(f"no development plan covers {fiscal_year}")

    def _policy_content(self, fiscal_year: int) -> Any:
        from services.planning.domain import (
            FocusPoint,
            PolicyContent,
            PolicySource,
            PolicyTarget,
            SourceLevel,
        )

        focus = (("ยกระดับคุณภาพการอ่านออกเขียนได้", "นักเรียน ป.1 อ่านออกเขียนได้"),
                 ("สถานศึกษาปลอดภัย", "สถานศึกษาผ่านเกณฑ์ความปลอดภัย"),
                 ("ลดความเหลื่อมล้ำทางการศึกษา", "เด็กวัยเรียนได้รับการศึกษาภาคบังคับ"),
                 ("บริหารจัดการด้วยเทคโนโลยีดิจิทัล", "สถานศึกษาใช้ระบบดิจิทัลในการบริหาร"))
        return PolicyContent(
            sources=(PolicySource(level=SourceLevel.obec,
                                  title_th=f"นโยบาย สพฐ. ปีงบประมาณ พ.ศ. {fiscal_year}"),
                     PolicySource(level=SourceLevel.provincial,
                                  title_th="แผนพัฒนาการศึกษาจังหวัดขอนแก่น"),
                     PolicySource(level=SourceLevel.office_results,
                                  title_th=f"ผลการดำเนินงานปีงบประมาณ พ.ศ. {fiscal_year - 1}")),
            focus_points=tuple(FocusPoint(code=f"F{n}", title_th=title, targets=(PolicyTarget(
                code=f"F{n}-T1", description_th=target, unit="ร้อยละ",
                target_value=Decimal(self.rng.randint(80, 100))),))
                for n, (title, target) in enumerate(focus, 1)))

    def _development_content(self, start: int, end: int, raised: bool = False) -> Any:
        from services.planning.domain import (
            DevelopmentKpi,
            DevelopmentPlanContent,
            DevelopmentStrategy,
            YearTarget,
        )

        strategies = ("พัฒนาคุณภาพผู้เรียนทุกระดับ", "พัฒนาครูและบุคลากรทางการศึกษา",
                      "เพิ่มโอกาสและความเสมอภาคทางการศึกษา", "จัดการศึกษาเพื่อความมั่นคง",
                      "พัฒนาระบบบริหารจัดการ")
        step_up = 2 if raised else 0  # the review raises the later years' targets
        return DevelopmentPlanContent(
            vision_th="ผู้เรียนมีคุณภาพ ครูมีคุณภาพ สถานศึกษามีคุณภาพ",
            missions=("จัดการศึกษาให้ทั่วถึงและมีคุณภาพ",), goals=("ผู้เรียนมีทักษะในศตวรรษที่ 21",),
            values=("ทำงานเป็นทีม",),
            strategies=tuple(DevelopmentStrategy(
                code=f"S{n}", title_th=title, outcomes=("ผลสัมฤทธิ์ทางการเรียนสูงขึ้น",),
                programmes=("แผนงานพื้นฐานด้านการพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์",),
                provincial_strategy_codes=(f"KK-E{n}",), national_strategy_codes=(f"NS{n}",),
                kpis=(DevelopmentKpi(code=f"S{n}-K1", name_th=f"ร้อยละความสำเร็จตาม{title}",
                                     unit="ร้อยละ", targets=tuple(
                                         YearTarget(year_be=y, target_value=Decimal(
                                             60 + 5 * (y - start) + step_up * (y - start)))
                                         for y in range(start, end + 1))),))
                for n, title in enumerate(strategies, 1)))

    def _action_content(self, lineage_id: UUID, fiscal_year: int, development: Any,
                        policy: Any) -> Any:
        """`projects` projects, each with its strategy and focus point, KPIs by quarter, two
        activities and its budget by expense category and quarter (Decimal baht)."""
        from contracts.vocabulary import ExpenseCategory
        from services.planning.domain import (
            ActionPlanContent,
            Activity,
            BudgetLine,
            Project,
            ProjectKpi,
            QuarterTarget,
            project_id_for,
        )
        from shared.thaitime import fiscal_year_bounds

        begins, ends = fiscal_year_bounds(fiscal_year)
        strategies = [s.code for s in development.content.strategies]
        focus = [f.code for f in policy.content.focus_points] if policy is not None else []
        themes = ("ยกระดับผลสัมฤทธิ์ทางการเรียน", "ส่งเสริมการอ่านออกเขียนได้",
                  "พัฒนาครูด้านการจัดการเรียนรู้เชิงรุก", "โรงเรียนปลอดภัย",
                  "นิเทศ ติดตามการจัดการศึกษา", "พัฒนาระบบดูแลช่วยเหลือนักเรียน",
                  "ส่งเสริมคุณธรรมจริยธรรม", "พัฒนาการใช้เทคโนโลยีดิจิทัล")
        groups = ("กลุ่มนโยบายและแผน", "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา",
                  "กลุ่มส่งเสริมการจัดการศึกษา", "กลุ่มพัฒนาครูและบุคลากรทางการศึกษา")
        categories = list(ExpenseCategory)[1:4]  # operations, investment, subsidies
        projects = []
        for n in range(1, self.projects + 1):
            code = f"{fiscal_year}-{n:02d}"
            strategy = strategies[n % len(strategies)]
            lines = tuple(BudgetLine(category=category, quarter=quarter,
                                     amount=Decimal(self.rng.randint(20, 400)) * 1000)
                          for category, quarter in self.rng.sample(
                              [(c, q) for c in categories for q in (1, 2, 3, 4)], 3))
            kickoff = begins + timedelta(days=self.rng.randint(30, 150))
            projects.append(Project(
                project_id=project_id_for(lineage_id, code), code=code,
                title_th=f"โครงการ{themes[n % len(themes)]} ที่ {n}", strategy_code=strategy,
                policy_focus_codes=(focus[n % len(focus)],) if focus else (),
                provincial_strategy_codes=(f"KK-E{strategy[1:]}",),
                national_strategy_codes=(f"NS{strategy[1:]}",),
                objectives=("เพื่อยกระดับคุณภาพการศึกษาของสถานศึกษาในสังกัด",),
                responsible_group=groups[n % len(groups)],
                responsible_officer=self._name(OFFICERS[n % len(OFFICERS)]),
                kpis=(ProjectKpi(code=f"{code}-K1", name_th="ร้อยละของสถานศึกษาที่เข้าร่วมโครงการ",
                                 unit="ร้อยละ", target_value=Decimal(90), quarter_targets=(
                                     QuarterTarget(quarter=2, target_value=Decimal(50)),
                                     QuarterTarget(quarter=4, target_value=Decimal(90)))),),
                activities=(Activity(title_th="ประชุมชี้แจง", starts_on=kickoff,
                                     ends_on=kickoff + timedelta(days=2)),
                            Activity(title_th="ดำเนินกิจกรรมและติดตามผล",
                                     starts_on=kickoff + timedelta(days=30), ends_on=ends)),
                starts_on=kickoff, ends_on=ends, budget_lines=lines,
                total_budget=sum((line.amount for line in lines), Decimal("0"))))
        return ActionPlanContent(
            development_plan_id=development.id, policy_id=policy.id if policy else None,
            projects=tuple(projects), total_budget=sum((p.total_budget for p in projects),
                                                       Decimal("0")))

    @staticmethod
    def _name(officer_id: str) -> str:
        from shared.office.testing import STANDARD_STAFF

        return next(m.name_th for m in STANDARD_STAFF if m.officer_id == officer_id)


def generate_restructuring(var_dir: Path, years: int, rng: random.Random, now: datetime, *,
                           schools: int = SCHOOLS) -> dict[str, Any]:
    from services.restructuring.application import RestructuringApplication
    from services.restructuring.settings import RestructuringSettings
    from shared.office.testing import STANDARD_STAFF, teach
    from shared.thaitime import bangkok_date

    app = RestructuringApplication(RestructuringSettings(var_dir=var_dir,
                                                         nats_url="nats://127.0.0.1:9"))
    teach(app, STANDARD_STAFF)
    add, flush, counts = _saver(app)
    started = time.perf_counter()
    first = bangkok_date(now - timedelta(days=365 * years))
    timeline = Timeline(now)
    registry = RegistryHistory(rng, add, timeline, bangkok_date(now))
    registry.register(schools)
    # The DMC figures of every term since the history began, each imported three weeks after.
    for year in range(first.year, bangkok_date(now).year + 1):
        for census in (date(year, 6, 10), date(year, 11, 10)):
            if census >= first:
                timeline.spawn(registry.census(census))
    timeline.run()
    flush()
    return _finish(app, started, counts, registry.made)


class RegistryHistory:
    """An office's school registry and its restructuring cases (procedure 9) through `School`'s
    and `RestructuringCase`'s own methods. Each school's pupils follow its own trend from the
    sample office's 2567 figures (small schools shrink); each June's figures bring the year's
    cases: mergers of small schools into a larger one nearby, a class expansion, the dissolution
    of a school left without pupils, now and then a transfer to the local authority or a new
    school. Decision rights' people: an analyst opens, studies and hears, the group director
    proposes (and withdraws), the deputy director records กศจ.'s decision citing the resolution,
    the ESA director carries the case out on its effective date (16 May, the academic year's
    start)."""

    def __init__(self, rng: random.Random, add: Callable[..., None], timeline: Timeline,
                 today: date) -> None:
        self.rng, self.add, self.timeline, self.today = rng, add, timeline, today
        self.schools: dict[str, Any] = {}
        self.pupils: dict[str, dict[str, int]] = {}  # per grade in 2567, before the trend
        self.trend: dict[str, float] = {}  # yearly factor of the school's pupils
        self.busy: set[str] = set()  # schools in a case not yet carried out or withdrawn
        self.next_code = 0
        self.made = {"schools": 0, "snapshots": 0, "cases": 0, "executed": 0, "withdrawn": 0}

    # ---- the registry --------------------------------------------------------------------------
    def register(self, wanted: int) -> None:
        """The sample office's schools (its first `wanted`), and more like them up to `wanted`:
        a sampled school's grades in another village of its subdistrict."""
        from services.restructuring.domain import School, SchoolDetails, levels_of

        with REGISTRY.open(encoding="utf-8") as file:
            rows = [r for r in csv.DictReader(file) if r["term"] == "1"]
        grades = [g for g in rows[0] if g[:1] in "kpm" and g[1:].isdigit()]
        sample = [(r["school_code"], SchoolDetails(name_th=r["name_th"], district=r["district"],
                                                   subdistrict=r["subdistrict"]),
                   {g: int(r[g]) for g in grades}) for r in rows]
        self.next_code = max(int(code) for code, _, _ in sample) + 1
        entries = sample[:wanted]
        while len(entries) < wanted:
            _, details, pupils = self.rng.choice(sample)
            village = self.rng.choice(VILLAGES)
            entries.append((self._new_code(), details.model_copy(update={
                "name_th": f"โรงเรียนบ้าน{village}{self.rng.choice(('', 'พัฒนา', 'วิทยา'))}"}),
                {g: max(0, n + self.rng.randint(-3, 3)) if n else 0 for g, n in pupils.items()}))
        for code, details, pupils in entries:
            school = School.register(code=code, details=details, levels=levels_of(pupils))
            self._keep(school, pupils)
            self.add(school)
        self.made["schools"] = len(entries)

    def census(self, day: date) -> Steps:
        """One DMC date: every school open that day gets its snapshot. The 10 June figures (the
        academic year's own) also bring the year's cases, studied on them."""
        at = yield office_hours(day + timedelta(days=21), self.rng)
        if day > self.today:
            return
        june = day.month == 6
        emptied = self._empty_one(day) if june else None
        for school in list(self.schools.values()):
            if self._open_on(school, day):
                self._record(school, day)
        if june:
            self._open_cases(day, at, emptied)

    def _record(self, school: Any, day: date) -> None:
        from services.restructuring.domain import enrolment_snapshot

        years = day.year + 543 - REGISTRY_YEAR_BE
        factor = self.trend[school.code] ** years
        pupils = {g: round(n * factor * self.rng.uniform(0.9, 1.1)) if n else 0
                  for g, n in self.pupils[school.code].items()}
        snapshot = enrolment_snapshot(day, pupils, today=self.today)
        with acting("off-1"):
            school.record_enrolment(snapshot, self.today)
        self.add(school)
        self.made["snapshots"] += 1

    def _empty_one(self, day: date) -> str | None:
        """A school whose last pupils left (its June figures are nought, and stay so): the
        year's dissolution."""
        if not self._this_year("dissolve"):
            return None
        tiny = sorted((self._pupils_on(s, day), s.code) for s in self._candidates(day))
        if not tiny or tiny[0][0] > 40:
            return None
        code = tiny[0][1]
        self.pupils[code] = {g: 0 for g in self.pupils[code]}
        return code

    # ---- the year's cases ----------------------------------------------------------------------
    def _open_cases(self, day: date, at: datetime, emptied: str | None) -> None:
        from contracts.vocabulary import SchoolLevel
        from services.restructuring.domain import RestructuringCase, SchoolDetails

        def opening(open_it: Callable[..., Any], codes: list[str],
                    done: Callable[[], None] = lambda: None) -> None:
            self.busy.update(codes)
            self.timeline.spawn(self.case(days_later(at, self.rng, 7, 40), open_it, codes, done))

        if emptied is not None:
            opening(lambda today, s=self.schools[emptied], **common:
                    RestructuringCase.open_dissolve(school=s, today=today, **common), [emptied])
        for _ in range(self._this_year("merge")):
            pair = self._merger(day)
            if pair is not None:
                absorbed, receiving = pair
                opening(lambda today, a=absorbed, r=receiving, **common:
                        RestructuringCase.open_merge(absorbed=[a], receiving=r, today=today,
                                                     **common),
                        [absorbed.code, receiving.code],
                        lambda a=absorbed.code, r=receiving.code: self._moved(a, r))
        if self._this_year("class_expansion"):
            wider = [s for s in self._candidates(day) if self._pupils_on(s, day) > 120
                     and SchoolLevel.lower_secondary not in s.levels_on(day)]
            if wider:
                school = self.rng.choice(wider)
                opening(lambda today, s=school, **common:
                        RestructuringCase.open_class_expansion(
                            school=s, levels=[SchoolLevel.lower_secondary], today=today, **common),
                        [school.code], lambda c=school.code: self._expanded(c))
        if self._this_year("transfer_school"):
            small = [s for s in self._candidates(day) if 0 < self._pupils_on(s, day) <= 120]
            if small:
                school = self.rng.choice(small)
                opening(lambda today, s=school, **common:
                        RestructuringCase.open_transfer(
                            school=s, to_authority=f"องค์การบริหารส่วนตำบล{s.subdistrict}",
                            today=today, **common), [school.code])
        if self._this_year("establish"):
            near = self.rng.choice(list(self.schools.values()))
            code = self._new_code()
            details = SchoolDetails(name_th=f"โรงเรียนบ้าน{self.rng.choice(VILLAGES)}ใหม่",
                                    district=near.district, subdistrict=near.subdistrict)
            opening(lambda today, c=code, d=details, **common: RestructuringCase.open_establish(
                code=c, details=d,
                levels=[SchoolLevel.kindergarten, SchoolLevel.primary], existing=None, **common),
                [code], lambda c=code: self._founded(c))

    def case(self, opened: datetime, open_it: Callable[..., Any], codes: list[str],
             done: Callable[[], None]) -> Steps:
        """One case from its opening to its execution on 16 May (or its withdrawal)."""
        from contracts.vocabulary import Decision
        from shared.thaitime import bangkok_date

        officer = self.rng.choice(OFFICERS)
        at = yield opened
        with acting(officer):
            case = open_it(bangkok_date(at), officer_id=officer,
                           officer_name_th=PlanningHistory._name(officer), at=at)
        self.add(case)
        self.made["cases"] += 1
        at = yield from self._study(case, officer, at)
        at = yield days_later(at, self.rng, 10, 30)
        agreed = self.rng.random() >= WITHDRAWN
        with acting(officer):
            case.record_hearing(
                by=officer, held_on=bangkok_date(at) - timedelta(days=self.rng.randint(1, 5)),
                participants=self.rng.randint(20, 120),
                school_board_agreed=None if not case.schools else agreed, community_agreed=agreed,
                summary_th="ชุมชนเห็นชอบ" if agreed else "ชุมชนไม่เห็นด้วย ขอให้คงโรงเรียนไว้",
                today=bangkok_date(at), at=at)
        self.add(case)
        if not agreed:
            at = yield days_later(at, self.rng, 5, 15)
            with acting("dir-1"):
                case.withdraw(by="dir-1", reason="ชุมชนและคณะกรรมการสถานศึกษาไม่เห็นด้วย", at=at)
            self.add(case)
            self.made["withdrawn"] += 1
            self.busy.difference_update(codes)
            return
        while True:
            at = yield days_later(at, self.rng, 5, 15)
            with acting("dir-1"):
                case.propose(by="dir-1", today=bangkok_date(at), at=at)
            self.add(case)
            at = yield days_later(at, self.rng, 14, 30)
            day, resolution = bangkok_date(at), learn_resolution(at, self.rng, self.add)
            returned = len(case.rounds) == 1 and self.rng.random() < RETURNED
            decision, reason = ((Decision.return_for_revision,
                                 "ให้ศึกษาระยะทางและการเดินทางของนักเรียนเพิ่มเติม") if returned
                                else (Decision.approve, None))
            with acting("dir-2"):
                case.decide(by="dir-2", decision=decision, decided_on=day, reason=reason,
                            resolution=resolution, today=day, at=at)
            self.add(case)
            if not returned:
                break
            at = yield from self._study(case, officer, at)
        at = yield office_hours(self._start_of_academic_year(day + timedelta(days=14)), self.rng)
        effective = bangkok_date(at)
        schools = {code: self.schools[code] for code in case.school_codes}
        with acting("esa-1"):
            changed = case.execute(schools=schools, effective_date=effective, at=at)
        for school in changed:
            self.schools.setdefault(school.code, school)
        self.add(case, *changed, events=1 + len(changed))
        done()
        self.made["executed"] += 1
        self.busy.difference_update(codes)

    def _study(self, case: Any, officer: str, at: datetime) -> Steps:
        from shared.thaitime import bangkok_date

        at = yield days_later(at, self.rng, 10, 30)
        pupils = sum(self._pupils_on(self.schools[ref.code], bangkok_date(at))
                     for ref in case.schools)
        with acting(officer):
            case.record_study(
                by=officer, school_age_population=self.rng.randint(30, 400),
                travel_distance_km=Decimal(self.rng.randint(10, 150)) / 10, pupils_affected=pupils,
                summary_th="ศึกษาสภาพปัจจุบัน จำนวนประชากรวัยเรียน และระยะทางไปโรงเรียนใกล้เคียงแล้ว",
                at=at)
        self.add(case)
        return at

    # ---- what a carried-out case changes in the pupils the registry will see -------------------
    def _moved(self, absorbed: str, receiving: str) -> None:
        """The absorbed school's pupils count at the receiving school from then on."""
        factor = self.trend[absorbed] / self.trend[receiving]
        for grade, n in self.pupils[absorbed].items():
            self.pupils[receiving][grade] = self.pupils[receiving].get(grade, 0) + round(n * factor)

    def _expanded(self, code: str) -> None:
        for grade in ("m1", "m2", "m3"):
            self.pupils[code][grade] = self.rng.randint(8, 25)

    def _founded(self, code: str) -> None:
        school = self.schools[code]
        self._keep(school, {g: self.rng.randint(5, 15) for g in
                            ("k1", "k2", "k3", "p1", "p2", "p3", "p4", "p5", "p6")})

    # ---- helpers -------------------------------------------------------------------------------
    def _keep(self, school: Any, pupils: dict[str, int]) -> None:
        self.schools[school.code] = school
        self.pupils[school.code] = dict(pupils)
        small = sum(pupils.values()) <= 120
        self.trend[school.code] = self.rng.uniform(0.94, 0.99) if small else \
            self.rng.uniform(0.98, 1.02)

    def _merger(self, day: date) -> tuple[Any, Any] | None:
        """A small school and a larger open one of its subdistrict (else district) teaching
        every level the small one has pupils in."""
        from services.restructuring.domain import levels_of

        open_now = self._candidates(day)
        small = [s for s in open_now if 0 < self._pupils_on(s, day) <= 120]
        self.rng.shuffle(small)
        for school in small[:20]:
            needs = levels_of(school.state_on(day).pupils_by_grade or {})
            larger = [s for s in open_now if s.code != school.code
                      and self._pupils_on(s, day) > 120 and needs <= set(s.levels_on(day))]
            near = [s for s in larger if s.subdistrict == school.subdistrict] or \
                [s for s in larger if s.district == school.district]
            if near:
                return school, self.rng.choice(near)
        return None

    def _candidates(self, day: date) -> list[Any]:
        return [s for s in self.schools.values() if s.code not in self.busy
                and s.code in self.pupils and self._open_on(s, day) and s.closure is None]

    @staticmethod
    def _open_on(school: Any, day: date) -> bool:
        closure = school.closure
        return (school.established_on is None or school.established_on <= day) and (
            closure is None or day < closure.effective_date)

    @staticmethod
    def _pupils_on(school: Any, day: date) -> int:
        return school.state_on(day).pupils or 0

    @staticmethod
    def _start_of_academic_year(day: date) -> date:
        """The first 16 May (the first term's start) on or after `day`."""
        start = date(day.year, 5, 16)
        return start if start >= day else date(day.year + 1, 5, 16)

    def _this_year(self, case_type: str) -> int:
        """How many cases of the type this year: the whole part, and one more by chance."""
        share = CASES_A_YEAR[case_type]
        return int(share) + (1 if self.rng.random() < share - int(share) else 0)

    def _new_code(self) -> str:
        code, self.next_code = str(self.next_code), self.next_code + 1
        return code

"""Planning (procedures 5-8): the office's policy, its multi-year development plan, the annual
action plans, and their alignment with the provincial and national strategies.

Pure domain model: aggregates decide and record events; the application loads and saves them.
Commands get the moment (`at`) from the caller: the domain never reads the clock. Every calendar
rule is taken on the Bangkok date.

Aggregates:
- `Plan`: one plan of any kind (policy, development plan, action plan), one version of it. Its life
  cycle: drafted → submitted → returned for revision / rejected (back to drafting, every round kept)
  or approved → published → in execution → closed. An amendment of an approved plan is a new `Plan`
  (the next version of the same lineage); when it is approved the version it amends is closed as
  superseded, and "the version in force at a date" is read from the approved versions' dates.
- `ReferenceStrategies`: the provincial or the national strategies (reference data, imported).
- `FiscalYear`: whether plans of a fiscal year may still be approved.
- `RegisteredDocument` (shared by every service now, `shared.office.documents`): what planning knows
  of a document registered in correspondence (learnt
  from correspondence's contract events), so that an approval can only cite a real resolution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

# The public vocabulary is the contract's, so the domain and what other services read never drift.
from contracts.planning.v1 import PlanKind
from contracts.vocabulary import ApprovingBody, Decision, ExpenseCategory, RegisteredDocumentRef
from shared.domain import (
    Aggregate,
    Conflict,
    DeclaredError,
    FieldRequired,
    NotFound,
    aware,
    event,
    required_text,
)
from shared.thaitime import bangkok_date, fiscal_year_bounds

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://esa.example/planning")
SATANG = Decimal("0.01")

# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------

PROCEDURE: dict[PlanKind, int] = {
    PlanKind.policy: 5,
    PlanKind.development_plan: 6,
    PlanKind.action_plan: 7,
}

KIND_TH: dict[PlanKind, str] = {
    PlanKind.policy: "นโยบาย จุดเน้น และเป้าหมาย",
    PlanKind.development_plan: "แผนพัฒนาการศึกษาขั้นพื้นฐาน",
    PlanKind.action_plan: "แผนปฏิบัติการประจำปี",
}


class Step(StrEnum):
    drafting = "drafting"
    submitted = "submitted"
    approved = "approved"
    published = "published"
    in_execution = "in_execution"
    closed = "closed"


# Steps in which a plan is an approved version (what "in force" is chosen from).
APPROVED_STEPS = frozenset({Step.approved, Step.published, Step.in_execution, Step.closed})

BODY_TH: dict[ApprovingBody, str] = {
    ApprovingBody.provincial_committee: "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)",
    ApprovingBody.area_committee: "คณะกรรมการเขตพื้นที่การศึกษา (กพท.)",
    ApprovingBody.esa_director: "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
    ApprovingBody.governor: "ผู้ว่าราชการจังหวัด",
    ApprovingBody.central_office: "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน (สพฐ.)",
}
BODY_SHORT_TH: dict[ApprovingBody, str] = {
    ApprovingBody.provincial_committee: "กศจ.",
    ApprovingBody.area_committee: "กพท.",
    ApprovingBody.esa_director: "ผอ.สพป.",
    ApprovingBody.governor: "ผู้ว่าราชการจังหวัด",
    ApprovingBody.central_office: "สพฐ.",
}

DECISION_TH: dict[Decision, str] = {
    Decision.approve: "อนุมัติ",
    Decision.reject: "ไม่เห็นชอบ",
    Decision.return_for_revision: "ส่งกลับแก้ไข",
}

EXPENSE_CATEGORY_TH: dict[ExpenseCategory, str] = {
    ExpenseCategory.personnel: "งบบุคลากร",
    ExpenseCategory.operations: "งบดำเนินงาน",
    ExpenseCategory.investment: "งบลงทุน",
    ExpenseCategory.subsidies: "งบเงินอุดหนุน",
    ExpenseCategory.other: "งบรายจ่ายอื่น",
}


class SourceLevel(StrEnum):
    """Where a direction analysed for the policy comes from."""

    national = "national"
    ministry = "ministry"
    obec = "obec"
    regional = "regional"
    provincial = "provincial"
    research = "research"
    office_results = "office_results"


SOURCE_LEVEL_TH: dict[SourceLevel, str] = {
    SourceLevel.national: "ระดับชาติ",
    SourceLevel.ministry: "กระทรวงศึกษาธิการ",
    SourceLevel.obec: "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
    SourceLevel.regional: "ภาค / กลุ่มจังหวัด",
    SourceLevel.provincial: "จังหวัด",
    SourceLevel.research: "งานวิจัย",
    SourceLevel.office_results: "ผลการดำเนินงานของสำนักงาน",
}


class StrategyLevel(StrEnum):
    provincial = "provincial"  # ยุทธศาสตร์ / แผนพัฒนาการศึกษาจังหวัด
    national = "national"  # ยุทธศาสตร์ชาติ / แผนระดับชาติ


STRATEGY_LEVEL_TH: dict[StrategyLevel, str] = {
    StrategyLevel.provincial: "ยุทธศาสตร์จังหวัด",
    StrategyLevel.national: "ยุทธศาสตร์ชาติ",
}

# --------------------------------------------------------------------------------------------------
# Content of the plans (value objects, stored in the events)
# --------------------------------------------------------------------------------------------------


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PolicySource(Value):
    level: SourceLevel
    title_th: str
    analysis_th: str = ""


class PolicyTarget(Value):
    code: str
    description_th: str
    unit: str
    target_value: Decimal | None = None


class FocusPoint(Value):
    """จุดเน้น: a focus point of the office's policy with its targets."""

    code: str
    title_th: str
    targets: tuple[PolicyTarget, ...] = ()


class PolicyContent(Value):
    kind: Literal["policy"] = "policy"
    sources: tuple[PolicySource, ...] = ()
    focus_points: tuple[FocusPoint, ...] = ()


class YearTarget(Value):
    year_be: int
    target_value: Decimal | None = None


class DevelopmentKpi(Value):
    code: str
    name_th: str
    unit: str
    targets: tuple[YearTarget, ...] = ()


class DevelopmentStrategy(Value):
    code: str
    title_th: str
    outcomes: tuple[str, ...] = ()
    kpis: tuple[DevelopmentKpi, ...] = ()
    programmes: tuple[str, ...] = ()
    provincial_strategy_codes: tuple[str, ...] = ()
    national_strategy_codes: tuple[str, ...] = ()


class DevelopmentPlanContent(Value):
    kind: Literal["development_plan"] = "development_plan"
    vision_th: str
    missions: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    strategies: tuple[DevelopmentStrategy, ...] = ()


class QuarterTarget(Value):
    quarter: int
    target_value: Decimal


class ProjectKpi(Value):
    code: str
    name_th: str
    unit: str
    target_value: Decimal | None = None
    quarter_targets: tuple[QuarterTarget, ...] = ()


class Activity(Value):
    title_th: str
    starts_on: date
    ends_on: date


class BudgetLine(Value):
    category: ExpenseCategory
    quarter: int
    amount: Decimal


class Project(Value):
    project_id: UUID
    code: str
    title_th: str
    strategy_code: str
    policy_focus_codes: tuple[str, ...] = ()
    provincial_strategy_codes: tuple[str, ...] = ()
    national_strategy_codes: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    responsible_group: str
    responsible_officer: str
    kpis: tuple[ProjectKpi, ...] = ()
    activities: tuple[Activity, ...] = ()
    starts_on: date
    ends_on: date
    budget_lines: tuple[BudgetLine, ...] = ()
    total_budget: Decimal

    @property
    def budget_sum(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines), Decimal("0"))


class ActionPlanContent(Value):
    kind: Literal["action_plan"] = "action_plan"
    development_plan_id: UUID
    policy_id: UUID | None = None
    projects: tuple[Project, ...] = ()
    total_budget: Decimal

    @property
    def projects_sum(self) -> Decimal:
        return sum((p.total_budget for p in self.projects), Decimal("0"))


PlanContent = Annotated[
    PolicyContent | DevelopmentPlanContent | ActionPlanContent, Field(discriminator="kind")
]


# A document registered in correspondence, cited by its register reference.
DocumentRef = RegisteredDocumentRef


class Approval(Value):
    """One decision of the approving body on one submission round."""

    body: ApprovingBody
    decision: Decision
    decided_on: date
    round: int
    reason: str | None = None
    resolution: DocumentRef | None = None


class HigherStrategy(Value):
    """A provincial or national strategy (reference data)."""

    code: str
    title_th: str


@dataclass
class Round:
    """One submission to the approving body and what it decided; every round is kept."""

    number: int
    body: ApprovingBody
    submitted_by: str
    submitted_at: datetime
    approval: Approval | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None


def project_id_for(lineage_id: UUID, code: str) -> UUID:
    """A project keeps its id across revisions and amended versions of its plan (by its code), so
    budget lines and tracked KPIs opened for it elsewhere keep pointing at it."""
    return uuid5(ID_NAMESPACE, f"project:{lineage_id}:{code.strip()}")


# --------------------------------------------------------------------------------------------------
# Errors (stable kebab-case codes; the API answers them as problem details)
# --------------------------------------------------------------------------------------------------


class PlanningError(DeclaredError):
    code = "planning-error"
    title_th = "ไม่สามารถดำเนินการได้"
    title_en = "Not allowed"


# Input that breaks a rule (422)


class InvalidYear(PlanningError):
    code = "invalid-year"
    title_th = "ปี พ.ศ. ไม่ถูกต้อง"
    title_en = "Not a valid Buddhist-era year or period"


class DuplicateCode(PlanningError):
    code = "duplicate-code"
    title_th = "รหัสซ้ำกัน"
    title_en = "A code is used twice"


class KpiWithoutTarget(PlanningError):
    code = "kpi-without-target"
    title_th = "ตัวชี้วัดต้องมีค่าเป้าหมาย"
    title_en = "A KPI needs a target"


class KpiTargetOutsidePlan(PlanningError):
    code = "kpi-target-outside-plan"
    title_th = "ค่าเป้าหมายของตัวชี้วัดอยู่นอกช่วงปีของแผน"
    title_en = "A KPI target is for a year or quarter outside the plan"


class InvalidAmount(PlanningError):
    code = "invalid-amount"
    title_th = "จำนวนเงินไม่ถูกต้อง (ต้องไม่ติดลบและมีทศนิยมไม่เกิน 2 ตำแหน่ง)"
    title_en = "Amounts are non-negative baht with at most two decimal places"


class DuplicateBudgetLine(PlanningError):
    code = "duplicate-budget-line"
    title_th = "งบประมาณหมวดรายจ่ายและไตรมาสเดียวกันซ้ำกัน"
    title_en = "The same expense category and quarter appear twice"


class ProjectBudgetMismatch(PlanningError):
    code = "project-budget-mismatch"
    title_th = "งบประมาณรวมของโครงการไม่เท่ากับผลรวมรายการงบประมาณ"
    title_en = "The project's total does not equal the sum of its budget lines"


class PlanTotalMismatch(PlanningError):
    code = "plan-total-mismatch"
    title_th = "งบประมาณรวมของแผนไม่เท่ากับผลรวมงบประมาณของโครงการ"
    title_en = "The plan's total does not equal the sum of its projects"


class DatesOutsideFiscalYear(PlanningError):
    code = "dates-outside-fiscal-year"
    title_th = "ช่วงเวลาอยู่นอกปีงบประมาณของแผน"
    title_en = "Dates fall outside the plan's fiscal year"


class InvalidPeriod(PlanningError):
    code = "invalid-period"
    title_th = "วันเริ่มต้นอยู่หลังวันสิ้นสุด"
    title_en = "A period starts after it ends"


class ReasonRequired(PlanningError):
    code = "reason-required"
    title_th = "ต้องระบุเหตุผลเมื่อไม่เห็นชอบหรือส่งกลับแก้ไข"
    title_en = "A rejection or return for revision needs a reason"


class ResolutionRequired(PlanningError):
    code = "resolution-required"
    title_th = "การอนุมัติต้องอ้างอิงมติหรือหนังสือที่ลงทะเบียนในระบบสารบรรณ"
    title_en = "An approval must cite a resolution or letter registered in correspondence"


class InvalidDecisionDate(PlanningError):
    code = "invalid-decision-date"
    title_th = "วันที่ไม่ถูกต้อง (ก่อนวันที่เสนอหรือเป็นวันในอนาคต)"
    title_en = "The date is before the step it follows, or in the future"


class BrokenStrategyLinks(PlanningError):
    code = "broken-strategy-links"
    title_th = "ความเชื่อมโยงกับกลยุทธ์ นโยบาย หรือยุทธศาสตร์จังหวัด/ชาติ ไม่ถูกต้อง"
    title_en = "Links to strategies, policy focus points or provincial/national strategies are broken"


class InvalidImport(PlanningError):
    code = "invalid-import"
    title_th = "ข้อมูลนำเข้าไม่ถูกต้อง"
    title_en = "The imported data is invalid"


# Does not fit the current state (409)
class WrongStep(PlanningError, Conflict):
    code = "wrong-step"
    title_th = "ไม่สามารถทำได้ในขั้นตอนปัจจุบันของแผน"
    title_en = "Not allowed at the plan's current step"


class AlreadyApproved(PlanningError, Conflict):
    code = "already-approved"
    title_th = "แผนนี้ได้รับอนุมัติแล้ว"
    title_en = "The plan has already been approved"


class FiscalYearClosed(PlanningError, Conflict):
    code = "fiscal-year-closed"
    title_th = "ปิดปีงบประมาณแล้ว ไม่สามารถอนุมัติแผนของปีนี้ได้"
    title_en = "The fiscal year is closed: its plans can no longer be approved"


class WrongKind(PlanningError, Conflict):
    code = "wrong-kind"
    title_th = "ประเภทของแผนไม่ตรงกับคำสั่ง"
    title_en = "This command is for another kind of plan"


class Superseded(PlanningError, Conflict):
    code = "superseded"
    title_th = "แผนฉบับนี้ถูกแทนที่ด้วยฉบับปรับปรุงแล้ว"
    title_en = "This version has been superseded by an amendment"


class FiscalYearHasApprovedPlan(PlanningError, Conflict):
    code = "fiscal-year-has-approved-plan"
    title_th = "ปีงบประมาณนี้มีแผนประเภทนี้ที่อนุมัติแล้ว ให้จัดทำฉบับปรับปรุงแทน"
    title_en = "The fiscal year already has an approved plan of this kind; amend it instead"


class NotApprovedYet(PlanningError, Conflict):
    code = "not-approved-yet"
    title_th = "แผนยังไม่ได้รับอนุมัติ"
    title_en = "The plan has not been approved yet"


# Not found (404)
class PlanNotFound(PlanningError, NotFound):
    code = "plan-not-found"
    title_th = "ไม่พบแผน"
    title_en = "Plan not found"


class NothingInForce(PlanningError, NotFound):
    code = "nothing-in-force"
    title_th = "ไม่มีแผนฉบับที่มีผลใช้บังคับในวันที่ระบุ"
    title_en = "No approved version is in force on that date"


# --------------------------------------------------------------------------------------------------
# Rules on content (pure functions; each raises the error that names the rule)
# --------------------------------------------------------------------------------------------------




def _require_be_year(year: int | None, name: str) -> int:
    if year is None:
        raise FieldRequired(f"{name} is required", field=name)
    if not 2400 <= year <= 2700:  # a CE year passed by mistake would open a wrong plan
        raise InvalidYear(f"{name} {year} is not a Buddhist-era year", field=name)
    return year


def _unique(codes: Iterable[str], what: str) -> None:
    repeated = sorted(code for code, n in Counter(c.strip() for c in codes).items() if n > 1)
    if repeated:
        raise DuplicateCode(f"{what}: {', '.join(repeated)}", codes=repeated)


def check_amount(amount: Decimal, name: str) -> Decimal:
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(SATANG):
        raise InvalidAmount(f"{name} = {amount}", field=name)
    return amount


def check_policy(content: PolicyContent) -> None:
    if not content.focus_points:
        raise FieldRequired("a policy needs at least one focus point", field="focus_points")
    for source in content.sources:
        required_text(source.title_th, "sources.title_th")
    _unique((f.code for f in content.focus_points), "focus point codes")
    _unique((t.code for f in content.focus_points for t in f.targets), "target codes")
    for focus in content.focus_points:
        required_text(focus.code, "focus_points.code")
        required_text(focus.title_th, "focus_points.title_th")
        if not focus.targets:
            raise KpiWithoutTarget(f"focus point {focus.code} has no target", code_of=focus.code)
        for target in focus.targets:
            required_text(target.code, "targets.code")
            required_text(target.description_th, "targets.description_th")
            if target.target_value is None:
                raise KpiWithoutTarget(f"target {target.code} has no value", code_of=target.code)


def check_development_plan(content: DevelopmentPlanContent, start_year_be: int,
                           end_year_be: int) -> None:
    required_text(content.vision_th, "vision_th")
    if not content.strategies:
        raise FieldRequired("a development plan needs at least one strategy", field="strategies")
    years = set(range(start_year_be, end_year_be + 1))
    _unique((s.code for s in content.strategies), "strategy codes")
    _unique((k.code for s in content.strategies for k in s.kpis), "KPI codes")
    for strategy in content.strategies:
        required_text(strategy.code, "strategies.code")
        required_text(strategy.title_th, "strategies.title_th")
        if not strategy.kpis:
            raise KpiWithoutTarget(f"strategy {strategy.code} has no KPI", code_of=strategy.code)
        for kpi in strategy.kpis:
            required_text(kpi.code, "kpis.code")
            required_text(kpi.name_th, "kpis.name_th")
            given = Counter(t.year_be for t in kpi.targets)
            outside = sorted(set(given) - years)
            if outside:
                raise KpiTargetOutsidePlan(f"KPI {kpi.code}: years {outside}", code_of=kpi.code,
                                           years=outside)
            if any(n > 1 for n in given.values()):
                raise DuplicateCode(f"KPI {kpi.code} has two targets for one year",
                                    codes=[kpi.code])
            missing = sorted(years - {t.year_be for t in kpi.targets if t.target_value is not None})
            if missing:
                raise KpiWithoutTarget(f"KPI {kpi.code} has no target for {missing}",
                                       code_of=kpi.code, years=missing)


def check_action_plan(content: ActionPlanContent, fiscal_year_be: int) -> None:
    if not content.projects:
        raise FieldRequired("an action plan needs at least one project", field="projects")
    fy_start, fy_end = fiscal_year_bounds(fiscal_year_be)
    _unique((p.code for p in content.projects), "project codes")
    _unique((k.code for p in content.projects for k in p.kpis), "KPI codes")
    for project in content.projects:
        _check_project(project, fy_start, fy_end)
    total = check_amount(content.total_budget, "total_budget")
    if total != content.projects_sum:
        raise PlanTotalMismatch(
            f"total_budget {total} but the projects add up to {content.projects_sum}",
            declared=str(total), computed=str(content.projects_sum))


def _check_project(project: Project, fy_start: date, fy_end: date) -> None:
    code = required_text(project.code, "projects.code")
    required_text(project.title_th, "projects.title_th")
    required_text(project.strategy_code, "projects.strategy_code")
    required_text(project.responsible_group, "projects.responsible_group")
    required_text(project.responsible_officer, "projects.responsible_officer")
    if not [o for o in project.objectives if o.strip()]:
        raise FieldRequired(f"project {code} needs an objective", field="projects.objectives")
    _check_period(project.starts_on, project.ends_on, fy_start, fy_end, f"project {code}")
    for activity in project.activities:
        required_text(activity.title_th, "activities.title_th")
        _check_period(activity.starts_on, activity.ends_on, fy_start, fy_end,
                      f"activity {activity.title_th} of {code}")
    if not project.kpis:
        raise KpiWithoutTarget(f"project {code} has no KPI", code_of=code)
    for kpi in project.kpis:
        required_text(kpi.code, "kpis.code")
        required_text(kpi.name_th, "kpis.name_th")
        if kpi.target_value is None:
            raise KpiWithoutTarget(f"KPI {kpi.code} of project {code} has no target",
                                   code_of=kpi.code)
        quarters = [q.quarter for q in kpi.quarter_targets]
        if any(not 1 <= q <= 4 for q in quarters):
            raise KpiTargetOutsidePlan(f"KPI {kpi.code}: quarters are 1-4", code_of=kpi.code)
        if len(set(quarters)) != len(quarters):
            raise DuplicateCode(f"KPI {kpi.code} has two targets for one quarter",
                                codes=[kpi.code])
    seen: set[tuple[ExpenseCategory, int]] = set()
    for line in project.budget_lines:
        check_amount(line.amount, f"budget line of {code}")
        if not 1 <= line.quarter <= 4:
            raise InvalidPeriod(f"project {code}: quarters are 1-4", field="quarter")
        key = (line.category, line.quarter)
        if key in seen:
            raise DuplicateBudgetLine(f"project {code}: {line.category.value} quarter "
                                      f"{line.quarter}", project=code)
        seen.add(key)
    total = check_amount(project.total_budget, f"total_budget of {code}")
    if total != project.budget_sum:
        raise ProjectBudgetMismatch(
            f"project {code}: total_budget {total} but the lines add up to {project.budget_sum}",
            project=code, declared=str(total), computed=str(project.budget_sum))


def _check_period(starts_on: date, ends_on: date, fy_start: date, fy_end: date, what: str) -> None:
    if starts_on > ends_on:
        raise InvalidPeriod(f"{what}: {starts_on} is after {ends_on}")
    if starts_on < fy_start or ends_on > fy_end:
        raise DatesOutsideFiscalYear(f"{what}: {starts_on}..{ends_on} is outside "
                                     f"{fy_start}..{fy_end}")


def check_content(kind: PlanKind, content: Any, *, fiscal_year_be: int | None,
                  start_year_be: int | None, end_year_be: int | None) -> None:
    """Every rule on a plan's content and period, for its kind."""
    expected = {PlanKind.policy: PolicyContent, PlanKind.development_plan: DevelopmentPlanContent,
                PlanKind.action_plan: ActionPlanContent}[kind]
    if not isinstance(content, expected):
        raise WrongKind(f"{kind.value} content expected")
    if kind == PlanKind.development_plan:
        start = _require_be_year(start_year_be, "start_year_be")
        end = _require_be_year(end_year_be, "end_year_be")
        if end < start or end - start > 10:
            raise InvalidYear(f"{start}-{end} is not a plan period", field="end_year_be")
        check_development_plan(content, start, end)
        return
    year = _require_be_year(fiscal_year_be, "fiscal_year_be")
    if kind == PlanKind.policy:
        check_policy(content)
    else:
        check_action_plan(content, year)


# --------------------------------------------------------------------------------------------------
# Strategy links (checked when a plan is approved)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    where: str  # the project or strategy whose link is broken
    link: str  # strategy, policy_focus, provincial, national, development_plan, policy
    code: str
    reason_th: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "link": self.link, "code": self.code,
                "reason_th": self.reason_th}


@dataclass(frozen=True)
class LinkContext:
    """What an approval's links are checked against, loaded by the application."""

    development_plan: Plan | None = None  # the version in force on the decision date
    policy: Plan | None = None
    provincial_codes: frozenset[str] = frozenset()
    national_codes: frozenset[str] = frozenset()


def _higher_links(where: str, provincial: Iterable[str], national: Iterable[str],
                  context: LinkContext) -> list[BrokenLink]:
    broken = [BrokenLink(where, "provincial", c, "ไม่พบรหัสยุทธศาสตร์จังหวัด")
              for c in provincial if c not in context.provincial_codes]
    broken += [BrokenLink(where, "national", c, "ไม่พบรหัสยุทธศาสตร์ชาติ")
               for c in national if c not in context.national_codes]
    return broken


def broken_links(plan: Plan, context: LinkContext) -> list[BrokenLink]:
    """Every link of the plan's content that does not resolve (empty: all links hold)."""
    content = plan.content
    if isinstance(content, DevelopmentPlanContent):
        broken: list[BrokenLink] = []
        for strategy in content.strategies:
            broken += _higher_links(strategy.code, strategy.provincial_strategy_codes,
                                    strategy.national_strategy_codes, context)
        return broken
    if not isinstance(content, ActionPlanContent):
        return []
    broken = []
    plan_code = "แผน"
    dp = context.development_plan
    strategies: dict[str, DevelopmentStrategy] = {}
    if dp is None:
        broken.append(BrokenLink(plan_code, "development_plan", str(content.development_plan_id),
                                 "ไม่มีแผนพัฒนาการศึกษาฉบับที่อนุมัติและมีผลใช้บังคับ"))
    elif not (dp.start_year_be or 0) <= (plan.fiscal_year_be or 0) <= (dp.end_year_be or 0):
        broken.append(BrokenLink(plan_code, "development_plan", str(dp.id),
                                 "แผนพัฒนาการศึกษาไม่ครอบคลุมปีงบประมาณของแผน"))
    elif isinstance(dp.content, DevelopmentPlanContent):
        strategies = {s.code: s for s in dp.content.strategies}
    focus_codes: set[str] = set()
    policy = context.policy
    if content.policy_id is not None:
        if policy is None or policy.step not in APPROVED_STEPS or policy.superseded_by:
            broken.append(BrokenLink(plan_code, "policy", str(content.policy_id),
                                     "นโยบายที่อ้างอิงยังไม่ได้รับอนุมัติหรือถูกแทนที่แล้ว"))
        elif policy.fiscal_year_be != plan.fiscal_year_be:
            broken.append(BrokenLink(plan_code, "policy", str(content.policy_id),
                                     "นโยบายที่อ้างอิงเป็นของปีงบประมาณอื่น"))
        elif isinstance(policy.content, PolicyContent):
            focus_codes = {f.code for f in policy.content.focus_points}
    for project in content.projects:
        if dp is not None and strategies and project.strategy_code not in strategies:
            broken.append(BrokenLink(project.code, "strategy", project.strategy_code,
                                     "ไม่พบกลยุทธ์ในแผนพัฒนาการศึกษาฉบับที่มีผลใช้บังคับ"))
        for focus in project.policy_focus_codes:
            if focus not in focus_codes:
                broken.append(BrokenLink(project.code, "policy_focus", focus,
                                         "ไม่พบจุดเน้นในนโยบายที่อ้างอิง"))
        broken += _higher_links(project.code, project.provincial_strategy_codes,
                                project.national_strategy_codes, context)
    return broken


# --------------------------------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------------------------------


class Plan(Aggregate, stored_as="planning.Plan"):
    """One version of a plan: its content, its approval rounds and its life cycle."""

    def __init__(self) -> None:
        self.kind = PlanKind.policy
        self.title_th = ""
        self.fiscal_year_be: int | None = None
        self.start_year_be: int | None = None
        self.end_year_be: int | None = None
        self.lineage_id: UUID | None = None
        self.plan_version = 1
        self.amends_plan_id: UUID | None = None
        self.drafted_by = ""
        self.drafter_name_th = ""
        self.content: Any = None
        self.step = Step.drafting
        self.step_since: datetime | None = None
        self.holder: str | None = None
        self.last_decision: Decision | None = None
        self.rounds: list[Round] = []
        self.revisions = 0
        self.approval: Approval | None = None
        self.approved_at: datetime | None = None
        self.effective_from: date | None = None
        self.in_force_development_plan_id: UUID | None = None
        self.strategy_titles: dict[str, str] = {}
        self.published_on: date | None = None
        self.started_on: date | None = None
        self.closed_on: date | None = None
        self.superseded_by: UUID | None = None

    class Drafted(Aggregate.Created):
        """A plan, or the next version of an approved one (an amendment), was drafted."""

        kind: PlanKind
        title_th: str
        fiscal_year_be: int | None
        start_year_be: int | None
        end_year_be: int | None
        lineage_id: UUID
        plan_version: int
        amends_plan_id: UUID | None
        drafted_by: str
        drafter_name_th: str
        content: PlanContent
        at: datetime

        def apply(self, aggregate: Any) -> None:
            plan: Plan = aggregate
            plan.kind = self.kind
            plan.title_th = self.title_th
            plan.fiscal_year_be = self.fiscal_year_be
            plan.start_year_be = self.start_year_be
            plan.end_year_be = self.end_year_be
            plan.lineage_id = self.lineage_id
            plan.plan_version = self.plan_version
            plan.amends_plan_id = self.amends_plan_id
            plan.drafted_by = self.drafted_by
            plan.drafter_name_th = self.drafter_name_th
            plan.content = self.content
            plan._move(Step.drafting, self.drafted_by, self.at)

    @classmethod
    def draft(
        cls,
        *,
        plan_id: UUID,
        kind: PlanKind,
        title_th: str,
        content: Any,
        drafted_by: str,
        drafter_name_th: str = "",
        fiscal_year_be: int | None = None,
        start_year_be: int | None = None,
        end_year_be: int | None = None,
        at: datetime,
        lineage_id: UUID | None = None,
        plan_version: int = 1,
        amends_plan_id: UUID | None = None,
    ) -> Plan:
        kind = PlanKind(kind)
        check_content(kind, content, fiscal_year_be=fiscal_year_be, start_year_be=start_year_be,
                      end_year_be=end_year_be)
        development = kind == PlanKind.development_plan
        return cls._create(
            cls.Drafted,
            id=plan_id,
            kind=kind,
            title_th=required_text(title_th, "title_th"),
            fiscal_year_be=None if development else fiscal_year_be,
            start_year_be=start_year_be if development else None,
            end_year_be=end_year_be if development else None,
            lineage_id=lineage_id or plan_id,
            plan_version=plan_version,
            amends_plan_id=amends_plan_id,
            drafted_by=required_text(drafted_by, "drafted_by"),
            drafter_name_th=drafter_name_th.strip(),
            content=content,
            at=aware(at),
        )

    @classmethod
    def amend(cls, original: Plan, *, plan_id: UUID, drafted_by: str, drafter_name_th: str = "",
              at: datetime) -> Plan:
        """Start the next version of an approved plan, as a draft with the same content."""
        if original.step not in APPROVED_STEPS:
            raise NotApprovedYet(f"step is {original.step.value}", step=original.step.value)
        if original.superseded_by is not None:
            raise Superseded(f"superseded by {original.superseded_by}",
                             superseded_by=str(original.superseded_by))
        if original.step == Step.closed:
            raise WrongStep("a closed plan is not amended", step=original.step.value)
        return cls.draft(
            plan_id=plan_id, kind=original.kind, title_th=original.title_th,
            content=original.content, drafted_by=drafted_by, drafter_name_th=drafter_name_th,
            fiscal_year_be=original.fiscal_year_be, start_year_be=original.start_year_be,
            end_year_be=original.end_year_be, at=at, lineage_id=original.lineage_id,
            plan_version=original.plan_version + 1, amends_plan_id=original.id,
        )

    # ---- drafting and approval rounds ------------------------------------------------------------

    def revise(self, *, title_th: str | None, content: Any, by: str, at: datetime) -> None:
        """A new draft of the content, while the plan is being drafted (first or after a return)."""
        self._require_step(Step.drafting)
        check_content(self.kind, content, fiscal_year_be=self.fiscal_year_be,
                      start_year_be=self.start_year_be, end_year_be=self.end_year_be)
        self._revised(title_th=required_text(title_th, "title_th") if title_th else self.title_th,
                      content=content, by=required_text(by, "by"), at=aware(at))

    def submit(self, *, by: str, body: ApprovingBody = ApprovingBody.provincial_committee,
               at: datetime) -> None:
        """Submit the draft to the approving body: a new round."""
        self._require_step(Step.drafting)
        self._submitted(round_no=len(self.rounds) + 1, body=ApprovingBody(body),
                        by=required_text(by, "by"), at=aware(at))

    def return_for_revision(self, *, by: str, reason: str, decided_on: date,
                            resolution: DocumentRef | None = None, at: datetime) -> None:
        approval = self._decision(Decision.return_for_revision, reason, decided_on, resolution, at)
        self._returned(approval=approval, by=required_text(by, "by"), at=aware(at))

    def reject(self, *, by: str, reason: str, decided_on: date,
               resolution: DocumentRef | None = None, at: datetime) -> None:
        approval = self._decision(Decision.reject, reason, decided_on, resolution, at)
        self._rejected(approval=approval, by=required_text(by, "by"), at=aware(at))

    def approve(self, *, by: str, decided_on: date, resolution: DocumentRef | None,
                context: LinkContext, fiscal_year_closed: bool = False,
                competing_plan_id: UUID | None = None, effective_from: date | None = None,
                previous: Plan | None = None, at: datetime) -> None:
        """The body approves the submitted plan, citing the registered resolution.

        Refused when the plan's fiscal year is closed, another plan of its kind is already approved
        for that year (`competing_plan_id`), a link does not resolve, or (for an amendment) it
        would take effect before the version it amends (`previous`)."""
        if self.step in APPROVED_STEPS:
            raise AlreadyApproved(f"approved on {self.approval.decided_on if self.approval else ''}",
                                  step=self.step.value)
        if resolution is None:
            raise ResolutionRequired()
        approval = self._decision(Decision.approve, None, decided_on, resolution, at)
        if fiscal_year_closed:
            raise FiscalYearClosed(f"fiscal year {self.fiscal_year_be}",
                                   fiscal_year_be=self.fiscal_year_be)
        if competing_plan_id is not None:
            raise FiscalYearHasApprovedPlan(f"plan {competing_plan_id}",
                                            plan_id=str(competing_plan_id))
        effective = effective_from or decided_on
        if previous is not None:
            if previous.superseded_by is not None:
                raise Superseded(f"{previous.id} is already superseded by {previous.superseded_by}",
                                 superseded_by=str(previous.superseded_by))
            if previous.effective_from is not None and effective <= previous.effective_from:
                raise InvalidDecisionDate(
                    f"takes effect {effective}, not after version {previous.plan_version} "
                    f"({previous.effective_from})", field="effective_from")
        broken = broken_links(self, context)
        if broken:
            raise BrokenStrategyLinks("; ".join(f"{b.where}: {b.link} {b.code}" for b in broken),
                                      links=[b.as_dict() for b in broken])
        titles: dict[str, str] = {}
        dp = context.development_plan
        if self.kind == PlanKind.action_plan and dp is not None \
                and isinstance(dp.content, DevelopmentPlanContent):
            titles = {s.code: s.title_th for s in dp.content.strategies}
        self._approved(approval=approval, effective_from=effective,
                       development_plan_id=dp.id if dp is not None and titles else None,
                       strategy_titles=titles, by=required_text(by, "by"), at=aware(at))

    def _decision(self, decision: Decision, reason: str | None, decided_on: date,
                  resolution: DocumentRef | None, at: datetime) -> Approval:
        self._require_step(Step.submitted)
        at = aware(at)
        current = self.rounds[-1]
        if decided_on < bangkok_date(current.submitted_at) or decided_on > bangkok_date(at):
            raise InvalidDecisionDate(
                f"decided on {decided_on}; submitted {bangkok_date(current.submitted_at)}",
                field="decided_on")
        if decision != Decision.approve:
            reason = required_text(reason, "reason") if reason and reason.strip() else None
            if reason is None:
                raise ReasonRequired(field="reason")
        return Approval(body=current.body, decision=decision, decided_on=decided_on,
                        round=current.number, reason=reason, resolution=resolution)

    # ---- after approval --------------------------------------------------------------------------

    def publish(self, *, by: str, published_on: date, at: datetime) -> None:
        self._require_step(Step.approved)
        self._require_after_approval(published_on, "published_on", at)
        self._published(published_on=published_on, by=required_text(by, "by"), at=aware(at))

    def start_execution(self, *, by: str, started_on: date, at: datetime) -> None:
        self._require_step(Step.published)
        self._require_after_approval(started_on, "started_on", at)
        self._execution_started(started_on=started_on, by=required_text(by, "by"), at=aware(at))

    def close(self, *, by: str, closed_on: date, at: datetime) -> None:
        """The plan's period ended (or it is withdrawn from execution)."""
        self._require_step(Step.published, Step.in_execution)
        self._require_after_approval(closed_on, "closed_on", at)
        self._closed(closed_on=closed_on, superseded_by=None, by=required_text(by, "by"),
                     at=aware(at))

    def close_superseded(self, *, by: str, amendment: Plan, at: datetime) -> None:
        """A later approved version replaces this one from its effective date."""
        if self.step not in APPROVED_STEPS or self.superseded_by is not None:
            raise Superseded(f"{self.id} is not an approved version in force")
        closed_on = amendment.effective_from or bangkok_date(aware(at))
        self._closed(closed_on=closed_on, superseded_by=amendment.id, by=required_text(by, "by"),
                     at=aware(at))

    def _require_after_approval(self, day: date, name: str, at: datetime) -> None:
        approved_on = self.approval.decided_on if self.approval else None
        if (approved_on is not None and day < approved_on) or day > bangkok_date(aware(at)):
            raise InvalidDecisionDate(f"{name} {day} is before the approval ({approved_on}) or "
                                      f"in the future", field=name)

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def procedure(self) -> int:
        return PROCEDURE[self.kind]

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """The body whose decision the plan waits for (decision rights: who records it)."""
        return self.rounds[-1].body if self.step == Step.submitted else None

    @property
    def step_th(self) -> str:
        if self.step == Step.drafting:
            if self.last_decision == Decision.return_for_revision:
                return "ส่งกลับแก้ไข"
            if self.last_decision == Decision.reject:
                return "ไม่เห็นชอบ ให้จัดทำใหม่"
            return "จัดทำร่างแผน"
        if self.step == Step.submitted:
            body = self.rounds[-1].body
            return f"เสนอ {BODY_SHORT_TH[body]} พิจารณา"
        if self.step == Step.approved:
            body = self.approval.body if self.approval else ApprovingBody.provincial_committee
            return f"{BODY_SHORT_TH[body]} อนุมัติแล้ว"
        if self.step == Step.published:
            return "เผยแพร่แล้ว"
        if self.step == Step.in_execution:
            return "อยู่ระหว่างดำเนินการตามแผน"
        return "ถูกแทนที่ด้วยฉบับปรับปรุง" if self.superseded_by else "ปิดแผน"

    @property
    def holder_th(self) -> str | None:
        if self.holder is None:
            return None
        if self.holder in ApprovingBody.__members__:
            return BODY_TH[ApprovingBody(self.holder)]
        return self.drafter_name_th or self.holder

    def in_force_on(self, day: date) -> bool:
        """Was this version approved, effective and not yet closed on `day`? (A later version's
        effective date closes it; the lineage decides which version that is.)"""
        if self.step not in APPROVED_STEPS or self.effective_from is None:
            return False
        if day < self.effective_from:
            return False
        return self.closed_on is None or day < self.closed_on or (
            self.superseded_by is None and day == self.closed_on)

    # ---- guards ----------------------------------------------------------------------------------

    def _require_step(self, *allowed: Step) -> None:
        if self.step in allowed:
            return
        if self.superseded_by is not None:
            raise Superseded(f"superseded by {self.superseded_by}",
                             superseded_by=str(self.superseded_by))
        raise WrongStep(
            f"step is {self.step.value}; expected {', '.join(s.value for s in allowed)}",
            step=self.step.value, step_th=self.step_th, expected=[s.value for s in allowed])

    def _move(self, step: Step, holder: str | None, at: datetime) -> None:
        self.step = step
        self.holder = holder
        self.step_since = at

    # ---- events (state changes only: these bodies run again on every replay) ---------------------

    @event("Revised")
    def _revised(self, title_th: str, content: PlanContent, by: str, at: datetime) -> None:
        self.title_th = title_th
        self.content = content
        self.revisions += 1

    @event("Submitted")
    def _submitted(self, round_no: int, body: ApprovingBody, by: str, at: datetime) -> None:
        self.rounds.append(Round(number=round_no, body=body, submitted_by=by, submitted_at=at))
        self._move(Step.submitted, body.value, at)

    def _record_decision(self, approval: Approval, by: str, at: datetime) -> None:
        current = self.rounds[approval.round - 1]
        current.approval, current.decided_at, current.decided_by = approval, at, by
        self.last_decision = approval.decision

    @event("ReturnedForRevision")
    def _returned(self, approval: Approval, by: str, at: datetime) -> None:
        self._record_decision(approval, by, at)
        self._move(Step.drafting, self.drafted_by, at)

    @event("Rejected")
    def _rejected(self, approval: Approval, by: str, at: datetime) -> None:
        self._record_decision(approval, by, at)
        self._move(Step.drafting, self.drafted_by, at)

    @event("Approved")
    def _approved(self, approval: Approval, effective_from: date, development_plan_id: UUID | None,
                  strategy_titles: dict[str, str], by: str, at: datetime) -> None:
        self._record_decision(approval, by, at)
        self.approval = approval
        self.approved_at = at
        self.effective_from = effective_from
        self.in_force_development_plan_id = development_plan_id
        self.strategy_titles = dict(strategy_titles)
        self._move(Step.approved, self.drafted_by, at)

    @event("Published")
    def _published(self, published_on: date, by: str, at: datetime) -> None:
        self.published_on = published_on
        self._move(Step.published, self.drafted_by, at)

    @event("ExecutionStarted")
    def _execution_started(self, started_on: date, by: str, at: datetime) -> None:
        self.started_on = started_on
        self._move(Step.in_execution, self.drafted_by, at)

    @event("Closed")
    def _closed(self, closed_on: date, superseded_by: UUID | None, by: str, at: datetime) -> None:
        self.closed_on = closed_on
        self.superseded_by = superseded_by
        self._move(Step.closed, None, at)


def version_in_force(versions: Sequence[Plan], day: date) -> Plan | None:
    """Of one lineage's versions, the approved one in force on `day`: the latest effective."""
    candidates = [v for v in versions if v.in_force_on(day)]
    return max(candidates, key=lambda v: (v.effective_from, v.plan_version), default=None)


# --------------------------------------------------------------------------------------------------
# Reference strategies, fiscal years, registered documents
# --------------------------------------------------------------------------------------------------


class ReferenceStrategies(Aggregate, stored_as="planning.ReferenceStrategies"):
    """The provincial (or national) strategies plans are aligned to; imports add or retitle."""

    @staticmethod
    def create_id(level: StrategyLevel | str) -> UUID:
        return uuid5(ID_NAMESPACE, f"reference-strategies:{StrategyLevel(level).value}")

    @classmethod
    def start(cls, level: StrategyLevel | str) -> ReferenceStrategies:
        return cls(level=StrategyLevel(level))

    @event("Started")
    def __init__(self, *, level: StrategyLevel) -> None:
        self.level = level
        self.strategies: dict[str, HigherStrategy] = {}
        self.imports = 0

    def import_strategies(self, strategies: Sequence[HigherStrategy], *, source: str,
                          by: str, at: datetime) -> int:
        """Add new codes and new titles; returns how many changed (0: nothing recorded)."""
        if not strategies:
            raise InvalidImport("no strategies to import")
        cleaned = [HigherStrategy(code=required_text(s.code, "code"),
                                  title_th=required_text(s.title_th, "title_th")) for s in strategies]
        _unique((s.code for s in cleaned), "strategy codes")
        changed = [s for s in cleaned if self.strategies.get(s.code) != s]
        if changed:
            self._imported(strategies=changed, source=source.strip()[:200], by=by, at=aware(at))
        return len(changed)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.strategies)

    def snapshot_state(self) -> dict[str, Any]:
        """What a snapshot keeps: the strategies in the order they were first imported."""
        return {"level": self.level.value, "imports": self.imports,
                "strategies": [s.model_dump(mode="json") for s in self.strategies.values()]}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return {"level": StrategyLevel(state["level"]), "imports": state["imports"],
                "strategies": {s["code"]: HigherStrategy(**s) for s in state["strategies"]}}

    @event("Imported")
    def _imported(self, strategies: list[HigherStrategy], source: str, by: str,
                  at: datetime) -> None:
        for strategy in strategies:
            self.strategies[strategy.code] = strategy
        self.imports += 1


class FiscalYear(Aggregate, stored_as="planning.FiscalYear"):
    """Whether the plans of a fiscal year may still be approved."""

    @staticmethod
    def create_id(year_be: int) -> UUID:
        return uuid5(ID_NAMESPACE, f"fiscal-year:{int(year_be)}")

    @classmethod
    def start(cls, year_be: int) -> FiscalYear:
        return cls(year_be=_require_be_year(year_be, "year_be"))

    @event("Started")
    def __init__(self, *, year_be: int) -> None:
        self.year_be = year_be
        self.closed = False
        self.closed_at: datetime | None = None
        self.reason = ""

    def close(self, *, reason: str, by: str, at: datetime) -> None:
        if not self.closed:
            self._closed(reason=required_text(reason, "reason"), by=by, at=aware(at))

    def reopen(self, *, reason: str, by: str, at: datetime) -> None:
        if self.closed:
            self._reopened(reason=required_text(reason, "reason"), by=by, at=aware(at))

    @event("Closed")
    def _closed(self, reason: str, by: str, at: datetime) -> None:
        self.closed = True
        self.closed_at = at
        self.reason = reason

    @event("Reopened")
    def _reopened(self, reason: str, by: str, at: datetime) -> None:
        self.closed = False
        self.closed_at = None
        self.reason = reason


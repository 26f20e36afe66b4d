"""Request models of the planning API, and how each becomes the domain's content.

The shapes accept what an officer fills in; the rules (a KPI needs a target, totals reconcile,
dates fall in the fiscal year, codes are unique) are the domain's, so they answer with the rule's
own Thai and English title. Money is a JSON string or number read as an exact Decimal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import ApprovingBody, ExpenseCategory
from services.planning.domain import (
    ActionPlanContent,
    Activity,
    BudgetLine,
    DevelopmentKpi,
    DevelopmentPlanContent,
    DevelopmentStrategy,
    FocusPoint,
    HigherStrategy,
    PolicyContent,
    PolicySource,
    PolicyTarget,
    Project,
    ProjectKpi,
    QuarterTarget,
    SourceLevel,
    YearTarget,
    project_id_for,
)

Text = Annotated[str, Field(max_length=2000)]
ShortText = Annotated[str, Field(max_length=300)]
Code = Annotated[str, Field(min_length=1, max_length=40)]
Year = Annotated[int, Field(ge=2400, le=2700, description="Buddhist-era year")]
# Bounded so that no input can make Decimal arithmetic or formatting explode.
Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, allow_inf_nan=False)]
Number = Annotated[Decimal, Field(max_digits=15, decimal_places=4, allow_inf_nan=False)]
Quarter = Annotated[int, Field(ge=1, le=4)]
Codes = Annotated[list[Code], Field(max_length=50)]
Texts = Annotated[list[Text], Field(max_length=50)]


# Kept so that older clients keep working: the drafter is named as the staff directory names the
# acting officer; this is used only where the directory does not know them (outside a request).
DrafterName = Annotated[str, Field(
    max_length=300, json_schema_extra={"deprecated": True},
    description="Deprecated and ignored: the drafter's Thai name is the one the staff directory "
                "gives for the acting officer (X-Actor-Id)")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- policy (procedure 5) ---------------------------------------------------------------------------


class PolicySourceIn(Model):
    level: SourceLevel
    title_th: ShortText
    analysis_th: Text = ""


class PolicyTargetIn(Model):
    code: Code
    description_th: ShortText
    unit: ShortText = ""
    target_value: Number | None = None


class FocusPointIn(Model):
    code: Code
    title_th: ShortText
    targets: Annotated[list[PolicyTargetIn], Field(max_length=50)] = []


class PolicyBody(Model):
    sources: Annotated[list[PolicySourceIn], Field(max_length=100)] = []
    focus_points: Annotated[list[FocusPointIn], Field(max_length=100)] = []

    def to_content(self) -> PolicyContent:
        return PolicyContent(
            sources=tuple(PolicySource(**s.model_dump()) for s in self.sources),
            focus_points=tuple(FocusPoint(code=f.code, title_th=f.title_th, targets=tuple(
                PolicyTarget(**t.model_dump()) for t in f.targets)) for f in self.focus_points),
        )


class PolicyIn(PolicyBody):
    title_th: ShortText
    fiscal_year_be: Year
    drafter_name_th: DrafterName = ""


class PolicyRevision(PolicyBody):
    title_th: ShortText | None = None


# --- development plan (procedure 6) -----------------------------------------------------------------


class YearTargetIn(Model):
    year_be: Year
    target_value: Number | None = None


class DevelopmentKpiIn(Model):
    code: Code
    name_th: ShortText
    unit: ShortText = ""
    targets: Annotated[list[YearTargetIn], Field(max_length=20)] = []


class DevelopmentStrategyIn(Model):
    code: Code
    title_th: ShortText
    outcomes: Texts = []
    kpis: Annotated[list[DevelopmentKpiIn], Field(max_length=50)] = []
    programmes: Texts = []
    provincial_strategy_codes: Codes = []
    national_strategy_codes: Codes = []


class DevelopmentPlanBody(Model):
    vision_th: Text = ""
    missions: Texts = []
    goals: Texts = []
    values: Texts = []
    strategies: Annotated[list[DevelopmentStrategyIn], Field(max_length=50)] = []

    def to_content(self) -> DevelopmentPlanContent:
        return DevelopmentPlanContent(
            vision_th=self.vision_th, missions=tuple(self.missions), goals=tuple(self.goals),
            values=tuple(self.values),
            strategies=tuple(DevelopmentStrategy(
                code=s.code, title_th=s.title_th, outcomes=tuple(s.outcomes),
                kpis=tuple(DevelopmentKpi(code=k.code, name_th=k.name_th, unit=k.unit,
                                          targets=tuple(YearTarget(**t.model_dump())
                                                        for t in k.targets)) for k in s.kpis),
                programmes=tuple(s.programmes),
                provincial_strategy_codes=tuple(s.provincial_strategy_codes),
                national_strategy_codes=tuple(s.national_strategy_codes))
                for s in self.strategies),
        )


class DevelopmentPlanIn(DevelopmentPlanBody):
    title_th: ShortText
    start_year_be: Year
    end_year_be: Year
    drafter_name_th: DrafterName = ""


class DevelopmentPlanRevision(DevelopmentPlanBody):
    title_th: ShortText | None = None


# --- annual action plan (procedure 7) ---------------------------------------------------------------


class QuarterTargetIn(Model):
    quarter: Quarter
    target_value: Number


class ProjectKpiIn(Model):
    code: Code
    name_th: ShortText
    unit: ShortText = ""
    target_value: Number | None = Field(default=None, description="The target for the year")
    quarter_targets: Annotated[list[QuarterTargetIn], Field(max_length=4)] = []


class ActivityIn(Model):
    title_th: ShortText
    starts_on: date
    ends_on: date


class BudgetLineIn(Model):
    category: ExpenseCategory
    quarter: Quarter
    amount: Amount


class ProjectIn(Model):
    code: Code
    title_th: ShortText
    strategy_code: Code
    policy_focus_codes: Codes = []
    provincial_strategy_codes: Codes = []
    national_strategy_codes: Codes = []
    objectives: Texts = []
    responsible_group: ShortText = ""
    responsible_officer: ShortText = ""
    kpis: Annotated[list[ProjectKpiIn], Field(max_length=50)] = []
    activities: Annotated[list[ActivityIn], Field(max_length=100)] = []
    starts_on: date
    ends_on: date
    budget_lines: Annotated[list[BudgetLineIn], Field(max_length=20)] = []
    total_budget: Amount

    def to_project(self, lineage_id: UUID) -> Project:
        return Project(
            project_id=project_id_for(lineage_id, self.code), code=self.code,
            title_th=self.title_th, strategy_code=self.strategy_code,
            policy_focus_codes=tuple(self.policy_focus_codes),
            provincial_strategy_codes=tuple(self.provincial_strategy_codes),
            national_strategy_codes=tuple(self.national_strategy_codes),
            objectives=tuple(self.objectives), responsible_group=self.responsible_group,
            responsible_officer=self.responsible_officer,
            kpis=tuple(ProjectKpi(code=k.code, name_th=k.name_th, unit=k.unit,
                                  target_value=k.target_value,
                                  quarter_targets=tuple(QuarterTarget(**q.model_dump())
                                                        for q in k.quarter_targets))
                       for k in self.kpis),
            activities=tuple(Activity(**a.model_dump()) for a in self.activities),
            starts_on=self.starts_on, ends_on=self.ends_on,
            budget_lines=tuple(BudgetLine(**b.model_dump()) for b in self.budget_lines),
            total_budget=self.total_budget,
        )


class ActionPlanBody(Model):
    development_plan_id: UUID = Field(description="Any version of the development plan served")
    policy_id: UUID | None = Field(default=None, description="The approved policy of the year")
    projects: Annotated[list[ProjectIn], Field(max_length=300)] = []
    total_budget: Amount = Field(description="Must equal the sum of the projects' totals")

    def to_content(self, lineage_id: UUID) -> ActionPlanContent:
        return ActionPlanContent(
            development_plan_id=self.development_plan_id, policy_id=self.policy_id,
            projects=tuple(p.to_project(lineage_id) for p in self.projects),
            total_budget=self.total_budget,
        )


class ActionPlanIn(ActionPlanBody):
    title_th: ShortText
    fiscal_year_be: Year
    drafter_name_th: DrafterName = ""


class ActionPlanRevision(ActionPlanBody):
    title_th: ShortText | None = None


# --- life cycle -------------------------------------------------------------------------------------


class SubmitIn(Model):
    body: ApprovingBody = ApprovingBody.provincial_committee


class ApproveIn(Model):
    resolution_document_id: UUID | None = Field(
        default=None, description="The resolution or signed letter, as registered in correspondence")
    decided_on: date | None = Field(default=None, description="Default: today (Bangkok)")
    effective_from: date | None = Field(default=None, description="Default: the decision date")


class DecisionIn(Model):
    reason: Text = ""
    decided_on: date | None = None
    resolution_document_id: UUID | None = None


class AmendIn(Model):
    drafter_name_th: DrafterName = ""


class PublishIn(Model):
    published_on: date | None = None


class StartIn(Model):
    started_on: date | None = None


class CloseIn(Model):
    closed_on: date | None = None


class ReasonIn(Model):
    reason: Text = ""


class HigherStrategyIn(Model):
    code: Code
    title_th: ShortText

    def to_domain(self) -> HigherStrategy:
        return HigherStrategy(code=self.code, title_th=self.title_th)


class StrategiesIn(Model):
    strategies: Annotated[list[HigherStrategyIn], Field(min_length=1, max_length=1000)]
    source: ShortText = "API"


# --- responses of the lists ----------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class PlanOut(Out):
    """A plan as lists show it (`GET /plans/{id}` adds its `content`)."""

    plan_id: str
    kind: str
    kind_th: str
    procedure: int
    title_th: str
    fiscal_year_be: int | None
    start_year_be: int | None
    end_year_be: int | None
    lineage_id: str
    plan_version: int
    amends_plan_id: str | None
    drafted_by: str
    drafter_name_th: str
    step: str
    step_th: str
    holder: str | None
    holder_th: str | None
    step_since: str | None = Field(description="Since when it is at its step (ISO 8601, UTC)")
    revisions: int
    rounds: list[dict[str, Any]]
    approval: dict[str, Any] | None
    effective_from: date | None
    published_on: date | None
    started_on: date | None
    closed_on: date | None
    superseded_by: str | None
    version: int


class PlanDetailOut(PlanOut):
    """A plan with its content (`GET /plans/{id}`): the action plan's projects or the
    development plan's strategies, as drafted or last revised."""

    content: dict[str, Any]
    total_budget: str | None = Field(None, description="An action plan's total (baht, exact)")
    project_count: int | None = None
    strategy_count: int | None = None


class FiscalYearOut(Out):
    fiscal_year_be: int
    closed: bool
    closed_by_configuration: bool
    reason: str
    version: int


class HistoryEntryOut(Out):
    version: int
    event: str
    at: datetime
    actor: str
    trace_id: str
    data: dict[str, Any]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")

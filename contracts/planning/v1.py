"""Planning (procedures 5-8) integration events, version 1.

Published on `esa.planning.>`. Every plan, whatever its kind (policy, development plan, annual action
plan), moves through one life cycle whose steps are `planning.plan.<event>` with the plan's kind in
the data: drafted → submitted → returned for revision (loop, every round kept) / rejected / approved
→ published → in execution → closed. The approval of each kind carries the whole approved content,
because that is what other services act on, and so has a type of its own:
`planning.policy.approved`, `planning.development_plan.approved` and `planning.action_plan.approved`
(the one budgeting and monitoring consume: every project with its budget lines and KPIs).
Subscribe to `esa.planning.>` to see all of them.

Imports only pydantic and other contract modules (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import ContractModel, IntegrationEvent
from contracts.vocabulary import ApprovalRecord, ApprovingBody, Baht, ExpenseCategory


class PlanKind(StrEnum):
    policy = "policy"  # นโยบาย จุดเน้น เป้าหมาย (procedure 5)
    development_plan = "development_plan"  # แผนพัฒนาการศึกษาขั้นพื้นฐาน (procedure 6)
    action_plan = "action_plan"  # แผนปฏิบัติการประจำปี (procedure 7)


class PlanEvent(IntegrationEvent):
    """Fields every plan life-cycle event carries."""

    plan_id: UUID
    plan_kind: PlanKind
    title_th: str
    version: int = Field(ge=1, description="1 for the original plan, +1 per approved amendment")


# -- life cycle -------------------------------------------------------------------------------


class PlanDrafted(PlanEvent):
    """A plan (or an amendment of an approved plan, as its next version) was drafted."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.drafted"
    fiscal_year_be: int | None = Field(default=None, description="For policy and action plans")
    start_year_be: int | None = Field(default=None, description="For development plans")
    end_year_be: int | None = Field(default=None, description="For development plans")
    amends_plan_id: UUID | None = Field(default=None, description="The plan this version amends")
    drafted_by: str


class PlanSubmitted(PlanEvent):
    """The plan was submitted to the approving body (a new round)."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.submitted"
    round: int = Field(ge=1)
    body: ApprovingBody
    submitted_by: str


class PlanReturnedForRevision(PlanEvent):
    """The body returned the plan for revision; it goes back to drafting with the reason."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.returned_for_revision"
    approval: ApprovalRecord


class PlanRejected(PlanEvent):
    """The body rejected the plan; it goes back to drafting with the reason."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.rejected"
    approval: ApprovalRecord


class PlanPublished(PlanEvent):
    """The approved plan was published to schools and the public."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.published"
    published_on: date


class PlanExecutionStarted(PlanEvent):
    EVENT_TYPE: ClassVar[str] = "planning.plan.execution_started"
    started_on: date


class PlanClosed(PlanEvent):
    """The plan's period ended, or a later approved version replaced it."""

    EVENT_TYPE: ClassVar[str] = "planning.plan.closed"
    closed_on: date
    superseded_by: UUID | None = None


# -- approvals, with the approved content --------------------------------------------------------


class PolicyTarget(ContractModel):
    code: str
    description_th: str
    unit: str
    target_value: Decimal


class FocusPoint(ContractModel):
    """จุดเน้น: one of the office's policy focus points, with its targets."""

    code: str
    title_th: str
    targets: list[PolicyTarget] = Field(min_length=1)


class PolicySource(ContractModel):
    """A direction the policy was analysed from (national, ministry, OBEC, regional, provincial,
    research, the office's own results)."""

    level: str
    title_th: str


class PolicyApproved(PlanEvent):
    """The office's policy, focus points and targets were approved (procedure 5)."""

    EVENT_TYPE: ClassVar[str] = "planning.policy.approved"
    fiscal_year_be: int
    approval: ApprovalRecord
    sources: list[PolicySource]
    focus_points: list[FocusPoint] = Field(min_length=1)


class YearTarget(ContractModel):
    year_be: int
    target_value: Decimal


class DevelopmentKpi(ContractModel):
    code: str
    name_th: str
    unit: str
    targets: list[YearTarget] = Field(min_length=1, description="One target per year of the plan")


class DevelopmentStrategy(ContractModel):
    code: str
    title_th: str
    outcomes: list[str]
    kpis: list[DevelopmentKpi] = Field(min_length=1)
    programmes: list[str] = Field(default_factory=list, description="The frame of programmes")
    provincial_strategy_codes: list[str] = Field(default_factory=list)
    national_strategy_codes: list[str] = Field(default_factory=list)


class DevelopmentPlanApproved(PlanEvent):
    """A version of the multi-year basic-education development plan was approved (procedure 6);
    it is in force from `effective_from` until a later approved version."""

    EVENT_TYPE: ClassVar[str] = "planning.development_plan.approved"
    start_year_be: int
    end_year_be: int
    effective_from: date
    amends_plan_id: UUID | None = None
    approval: ApprovalRecord
    vision_th: str
    missions: list[str]
    goals: list[str]
    values: list[str]
    strategies: list[DevelopmentStrategy] = Field(min_length=1)


class QuarterTarget(ContractModel):
    quarter: int = Field(ge=1, le=4, description="Quarter of the fiscal year (1 = Oct-Dec)")
    target_value: Decimal


class ProjectKpi(ContractModel):
    code: str
    name_th: str
    unit: str
    target_value: Decimal = Field(description="The target for the fiscal year")
    quarter_targets: list[QuarterTarget] = Field(default_factory=list)


class Activity(ContractModel):
    title_th: str
    starts_on: date
    ends_on: date


class ProjectBudgetLine(ContractModel):
    category: ExpenseCategory
    quarter: int = Field(ge=1, le=4)
    amount: Baht


class ActionPlanProject(ContractModel):
    project_id: UUID
    code: str
    title_th: str
    strategy_code: str = Field(description="The development plan strategy the project serves")
    strategy_title_th: str
    policy_focus_codes: list[str] = Field(default_factory=list)
    provincial_strategy_codes: list[str] = Field(default_factory=list)
    national_strategy_codes: list[str] = Field(default_factory=list)
    objectives: list[str] = Field(min_length=1)
    responsible_group: str
    responsible_officer: str
    kpis: list[ProjectKpi] = Field(min_length=1)
    activities: list[Activity] = Field(default_factory=list)
    starts_on: date
    ends_on: date
    budget_lines: list[ProjectBudgetLine]
    total_budget: Baht


class ActionPlanApproved(PlanEvent):
    """The annual action plan of a fiscal year was approved (procedure 7): every project with its
    KPIs and budget by expense category and quarter. Budgeting opens a budget line per project and
    category; monitoring tracks every project and KPI."""

    EVENT_TYPE: ClassVar[str] = "planning.action_plan.approved"
    fiscal_year_be: int
    approval: ApprovalRecord
    development_plan_id: UUID
    policy_id: UUID | None = None
    total_budget: Baht
    projects: list[ActionPlanProject] = Field(min_length=1)


EVENTS: tuple[type[IntegrationEvent], ...] = (
    PlanDrafted,
    PlanSubmitted,
    PlanReturnedForRevision,
    PlanRejected,
    PolicyApproved,
    DevelopmentPlanApproved,
    ActionPlanApproved,
    PlanPublished,
    PlanExecutionStarted,
    PlanClosed,
)

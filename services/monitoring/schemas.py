"""Monitoring's HTTP and feed models, and how the board's views become them."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.monitoring.application import NewFile, StrategyEntry
from services.monitoring.domain import Case, CaseState, Observation
from services.monitoring.projections import CaseView, Facets, HistoryEntry
from shared.domain import DomainEvent
from shared.thaitime import bangkok_date

FEED_EVENT = "status"
# Money a project used, as budgeting reported it (for the dashboard's budget figures).
BUDGET_USE_EVENT = "budget_use"


class CaseOut(BaseModel):
    case_id: UUID
    version: int = Field(description="The case's version in monitoring (also its ETag)")
    source: str = Field(description="The service the case belongs to")
    subject: str = Field(description="The case's id in that service")
    procedure: int | None = Field(description="Procedure of the manual (1-16)")
    case_type: str | None
    title: str | None = Field(description="Thai title; None when classified or never given")
    step: str | None
    step_th: str | None
    holder: str | None = Field(description="Who must act next")
    holder_th: str | None = Field(default=None, description="Who must act next, in Thai")
    since: datetime | None = Field(description="Waiting in this step since")
    due: date | None = Field(description="Due date (Bangkok calendar)")
    closed: bool
    overdue: bool = Field(description="Open and due before today's Bangkok date")
    waiting_seconds: float | None = Field(description="Now minus `since`, while open")
    secrecy: str
    last_event_type: str
    last_event_time: datetime
    events: int = Field(description="Contract events observed")

    @classmethod
    def of(cls, view: CaseView, now: datetime) -> CaseOut:
        state = view.state
        waiting = None
        if state.since is not None and not state.closed:
            waiting = max(0.0, (now - state.since).total_seconds())
        return cls(
            case_id=view.case_id,
            version=view.version,
            **state.model_dump(
                include={"source", "subject", "procedure", "case_type", "title", "step", "step_th",
                         "holder", "holder_th", "since", "due", "closed", "secrecy", "last_event_type",
                         "last_event_time", "events"}
            ),
            overdue=state.is_overdue(bangkok_date(now)),
            waiting_seconds=waiting,
        )


class ServiceFacet(BaseModel):
    service: str
    cases: int


class StepFacet(BaseModel):
    service: str
    step: str
    step_th: str
    cases: int


class HolderFacet(BaseModel):
    holder: str
    holder_th: str | None
    cases: int


class FacetsOut(BaseModel):
    """The status page's filter choices, each with its number of cases."""

    services: list[ServiceFacet]
    steps: list[StepFacet]
    holders: list[HolderFacet]

    @classmethod
    def of(cls, facets: Facets) -> FacetsOut:
        return cls(
            services=[ServiceFacet(service=s, cases=n) for s, n in facets.services],
            steps=[StepFacet(service=s, step=step, step_th=th, cases=n)
                   for s, step, th, n in facets.steps],
            holders=[HolderFacet(holder=h, holder_th=th, cases=n) for h, th, n in facets.holders])


class StatusOut(BaseModel):
    procedure: int
    case_type: str
    title: str | None
    step: str
    step_th: str
    holder: str | None
    holder_th: str | None = None
    since: datetime
    due: date | None
    closed: bool


class HistoryEntryOut(BaseModel):
    version: int = Field(description="The case's version after it (the history's order)")
    recorded_at: datetime = Field(description="When monitoring recorded it")
    event_id: str
    event_type: str
    sequence: int = Field(description="The producer's version of the case")
    time: datetime
    actor: str
    trace_id: str
    secrecy: str
    status: StatusOut | None = Field(description="The status the event reported, if any")
    data: dict[str, Any] | None = Field(default=None, description="The observed event's payload")

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        observation = entry.observation
        status = observation.status
        if status is not None and observation.secrecy != "none":
            status = status.model_copy(update={"title": None})
        return cls(
            version=entry.version,
            recorded_at=entry.recorded_at,
            **observation.model_dump(exclude={"status"}),
            status=StatusOut.model_validate(status.model_dump()) if status is not None else None,
        )


class FeedData(BaseModel):
    """The `data` of one `status` event of `GET /feed` (the SSE `id` is monitoring's notification id)."""

    case_id: UUID
    version: int
    source: str
    subject: str
    type: str = Field(description="The observed contract event's type")
    event_id: str
    procedure: int | None
    case_type: str | None
    title: str | None
    step: str | None
    step_th: str | None
    holder: str | None
    holder_th: str | None = None
    since: datetime | None
    due: date | None
    closed: bool
    secrecy: str = Field(description="none, confidential, secret or top_secret")
    overdue: bool = Field(description="As of when the event was sent")
    time: datetime = Field(description="When the observed event happened")
    actor: str = Field(description="Who caused the observed event")
    data: dict[str, Any] | None = Field(
        default=None, description="The observed contract event's payload (e.g. an approved "
        "action plan's projects), as its producer published it")


def feed_data(domain_event: DomainEvent, now: datetime) -> FeedData | None:
    """The feed's view of a `Case` event: where the case stood right after it."""
    if not isinstance(domain_event, (Case.Opened, Case.Observed)):
        return None
    state: CaseState = domain_event.state
    observation: Observation = domain_event.observation
    return FeedData(
        case_id=domain_event.originator_id,
        version=domain_event.originator_version,
        type=observation.event_type,
        event_id=observation.event_id,
        time=observation.time,
        actor=observation.actor,
        data=observation.data,
        overdue=state.is_overdue(bangkok_date(now)),
        **state.model_dump(
            include={"source", "subject", "procedure", "case_type", "title", "step", "step_th",
                     "holder", "holder_th", "since", "due", "closed", "secrecy"}
        ),
    )


# =================================================================================================
# Monitoring plans, inspection and evaluation: requests and answers. Money and indicator values are
# Decimal and travel as JSON strings, exact to the satang.
# =================================================================================================
Text = Annotated[str, Field(max_length=4000)]
ShortText = Annotated[str, Field(max_length=300)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
OfficerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Value = Annotated[Decimal, Field(max_digits=15, decimal_places=4, allow_inf_nan=False)]
YearBE = Annotated[int, Field(ge=2400, le=2800, description="Buddhist-era year")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FileIn(Model):
    name: ShortText = Field(min_length=1)
    media_type: ShortText = Field(default="application/pdf", min_length=1)
    content_base64: str = Field(description="The file's bytes, base64")

    @field_validator("content_base64")
    @classmethod
    def _valid_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError("not valid base64") from error
        return value

    def new_file(self) -> NewFile:
        return NewFile(self.name, self.media_type, base64.b64decode(self.content_base64))


def new_file(file: FileIn | None) -> NewFile | None:
    return file.new_file() if file is not None else None


class ProgressIn(Model):
    """One indicator's value for one period: a quarter of the fiscal year (action plan, policy) or
    a BE year (development plan)."""

    group_code: Code = Field(description="Project code, focus point code or strategy code")
    item_code: Code = Field(description="The indicator's code")
    quarter: int | None = Field(default=None, ge=1, le=4)
    year_be: YearBE | None = None
    value: Value
    note: Text = ""
    evidence: FileIn | None = None

    @model_validator(mode="after")
    def _one_period(self) -> ProgressIn:
        if (self.quarter is None) == (self.year_be is None):
            raise ValueError("give either quarter or year_be")
        return self

    @property
    def period(self) -> str:
        return f"q{self.quarter}" if self.quarter is not None else str(self.year_be)


class EvidenceOut(BaseModel):
    name: str
    media_type: str
    sha256: str
    size: int


class ReportOut(BaseModel):
    period: str
    value: Decimal
    note: str
    reported_by: str
    reported_at: datetime
    evidence: EvidenceOut | None


class PeriodTargetOut(BaseModel):
    period: str
    target_value: Decimal


class ItemOut(BaseModel):
    item_code: str
    name_th: str
    unit: str
    target_value: Decimal
    period: str | None = Field(description="The latest period reported")
    actual: Decimal | None = Field(description="The latest value reported")
    attainment_pct: Decimal | None = Field(description="actual / target × 100")
    achieved: bool | None
    period_targets: list[PeriodTargetOut]
    reports: list[ReportOut]


class BudgetLineOut(BaseModel):
    category: str
    quarter: int
    amount: Decimal


class GroupOut(BaseModel):
    code: str
    title_th: str
    project_id: UUID | None
    responsible: str | None
    responsible_group: str | None
    pending_period: str | None = Field(description="The first period still owing a report")
    report_due: date | None
    budget_planned: Decimal
    budget_used: Decimal
    budget_lines: list[BudgetLineOut]
    items: list[ItemOut]


class PlanOut(BaseModel):
    plan_id: UUID
    version: int
    kind: str
    source_plan_id: UUID
    source_version: int
    title_th: str
    fiscal_year_be: int | None
    start_year_be: int | None
    end_year_be: int | None
    approved_on: date
    periods: list[str]
    groups: list[GroupOut]


class IssueIn(Model):
    code: Code
    title_th: Text = Field(min_length=1)


class InspectionIn(Model):
    fiscal_year_be: YearBE
    title_th: ShortText = Field(min_length=1)
    inspector_th: ShortText = Field(min_length=1, description="e.g. ผู้ตรวจราชการกระทรวงศึกษาธิการ")
    scheduled_on: date
    issues: list[IssueIn] = Field(min_length=1, max_length=200)


class InspectionReportIn(Model):
    summary_th: Text = Field(min_length=1)
    evidence: FileIn | None = None


class RecommendationIn(Model):
    issue_code: Code
    text_th: Text = Field(min_length=1)


class AssignIn(Model):
    officer_id: OfficerId = Field(description="An active officer of the staff directory who may "
                                              "act on a recommendation (officer or group director)")
    officer_name_th: ShortText | None = Field(
        default=None, description="Not needed: the staff directory's name is recorded")
    due: date


class ActionIn(Model):
    action_th: Text = Field(min_length=1)
    evidence: FileIn | None = None


class CloseIn(Model):
    note: Text = ""
    evidence: FileIn | None = None


class ActionOut(BaseModel):
    action_th: str
    evidence: EvidenceOut | None


class RecommendationOut(BaseModel):
    recommendation_id: UUID
    version: int
    round_id: UUID
    number: int
    issue: IssueIn
    text_th: str
    step: str
    step_th: str
    holder: str | None
    assignee: str | None
    assignee_th: str | None
    due: date | None
    actions: list[ActionOut]
    evidence: list[EvidenceOut]
    closing_note: str | None
    case_id: UUID = Field(description="Its case on the board and the feed")


class InspectionReportOut(BaseModel):
    summary_th: str
    evidence: EvidenceOut | None
    recorded_by: str
    recorded_at: datetime


class InspectionOut(BaseModel):
    round_id: UUID
    version: int
    fiscal_year_be: int
    title_th: str
    inspector_th: str
    scheduled_on: date
    issues: list[IssueIn]
    report: InspectionReportOut | None
    recommendations: list[RecommendationOut]


class ActionPlanEvaluationIn(Model):
    plan_id: UUID = Field(description="The monitoring plan (or planning's plan id)")
    outcomes: dict[Code, Text] = Field(default_factory=dict, description="Outcome per project code")
    recommendations: dict[Code, Text] = Field(default_factory=dict)


class MidPlanEvaluationIn(Model):
    plan_id: UUID = Field(description="The development plan's monitoring plan (or planning's id)")
    as_of_year_be: YearBE | None = Field(default=None, description="Default: the middle year")
    addressee: ShortText = Field(default="esa_director", min_length=1)
    addressee_th: ShortText = Field(default="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", min_length=1)
    recommendations: dict[Code, Text] = Field(default_factory=dict)


class IndicatorIn(Model):
    code: Code
    name_th: ShortText = Field(min_length=1)
    unit: ShortText = Field(min_length=1)
    target_value: Value
    actual: Value | None = None


class StrategyIn(Model):
    code: Code
    title_th: ShortText = Field(min_length=1)
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=200)


class ObecStrategyEvaluationIn(Model):
    fiscal_year_be: YearBE
    title_th: ShortText = Field(default="ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.", min_length=1)
    addressee: ShortText = Field(default="obec_evaluators", min_length=1)
    addressee_th: ShortText = Field(
        default="คณะผู้ประเมินสำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", min_length=1)
    strategies: list[StrategyIn] = Field(min_length=1, max_length=100)
    recommendations: dict[Code, Text] = Field(default_factory=dict)

    def entries(self) -> list[StrategyEntry]:
        return [StrategyEntry(s.code, s.title_th, [(i.code, i.name_th, i.unit, i.target_value,
                                                    i.actual) for i in s.indicators])
                for s in self.strategies]


class IndicatorResultOut(BaseModel):
    code: str
    name_th: str
    unit: str
    target_value: Decimal
    actual: Decimal | None
    attainment_pct: Decimal | None
    achieved: bool | None


class EvaluationResultOut(BaseModel):
    result_no: int
    code: str
    title_th: str
    addressee: str
    addressee_th: str
    indicators: list[IndicatorResultOut]
    budget_planned: Decimal | None
    budget_used: Decimal | None
    outcome_th: str
    recommendations_th: str
    subject_th: str = Field(description="Subject of the letter correspondence drafts")
    text_th: str = Field(description="Body of the letter")


class EvaluationOut(BaseModel):
    evaluation_id: UUID
    version: int
    kind: str
    title_th: str
    subject_ref: str | None
    fiscal_year_be: int | None
    recorded_at: datetime
    issued_by: str | None
    issued_at: datetime | None
    results: list[EvaluationResultOut]

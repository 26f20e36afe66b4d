"""Request and response models of the budgeting API.

Money is exact: a JSON string (or number) with at most two decimals, answered as a string
("1234.50"); floats never round anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.budgeting.v1 import (
    AllocationItem,
    AnalysisFigure,
    Committee,
    LeftoverLine,
    QuarterAmount,
    RecipientKind,
    Report,
    RequestKind,
    TargetOutput,
)
from contracts.vocabulary import (
    ApprovalRecord,
    ApprovingBody,
    Decision,
    ExpenseCategory,
    RegisteredDocumentRef,
    SchoolLevel,
)
from services.budgeting.domain import RequestItem
from shared.http.paging import Page

Amount = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=2,
                                  description="Baht with at most two decimals, e.g. \"1500.50\"")]
AmountOrZero = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
FiscalYear = Annotated[int, Field(ge=2500, le=2700, description="Buddhist-era fiscal year")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
SchoolCode = Annotated[str, Field(pattern=r"^[0-9]{8,10}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Empty(Model):
    """No body needed (an empty JSON object)."""


# --- inputs -------------------------------------------------------------------------------------


class QuarterIn(Model):
    quarter: int = Field(ge=1, le=4)
    amount: AmountOrZero


class LineIn(Model):
    fiscal_year_be: FiscalYear
    project_code: Code
    title_th: ShortText
    category: ExpenseCategory
    planned_by_quarter: list[QuarterIn] = Field(default_factory=list, max_length=4)


class MovementIn(Model):
    amount: Amount
    reference: ShortText = Field(description="Voucher, purchase order or contract number")


class DisbursementIn(MovementIn):
    settles_commitment: bool = Field(
        default=False, description="Paid against an earlier commitment (releases that much)")


class CommitteeIn(Model):
    chair: ShortText
    members: list[ShortText] = Field(min_length=2, max_length=50)
    appointed_on: date
    order: RegisteredDocumentRef | None = Field(default=None, description="The appointing order")


class DecisionIn(Model):
    body: ApprovingBody = Field(description="The body that decided")
    decision: Decision
    decided_on: date
    reason: Text | None = Field(default=None, description="Required to reject or return")
    resolution: RegisteredDocumentRef | None = Field(
        default=None, description=(
            "The resolution or signed letter, registered in correspondence: required to record "
            "the decision of a body outside the office (area committee, governor, central "
            "office); its register number and date are taken from the register"))


class ReportIn(Model):
    reported_on: date
    letter: RegisteredDocumentRef | None = None


class ReasonIn(Model):
    reason: Text


class RatesIn(Model):
    rates: dict[SchoolLevel, Amount] = Field(description="Baht per pupil per year, every level")
    source_th: ShortText = Field(description="OBEC's letter or announcement setting them")


class AllocationIn(Model):
    title_th: ShortText
    line_id: UUID = Field(description="The budget line the allocated money goes onto")
    ceiling: Amount = Field(description="กรอบวงเงิน")
    criteria_th: Text = Field(description="The published criteria")


class ItemIn(Model):
    recipient_kind: RecipientKind = RecipientKind.school
    recipient_code: Code
    recipient_name_th: ShortText
    amount: Amount

    def item(self) -> AllocationItem:
        return AllocationItem(**self.model_dump())


class AmountsIn(Model):
    items: list[ItemIn] = Field(min_length=1, max_length=5000)


class AnnouncedIn(Model):
    announced_on: date


class TransferIn(Model):
    source_line_id: UUID
    target_line_id: UUID
    amount: Amount
    reason_th: Text
    new_investment_item: bool = Field(default=False,
                                      description="The target is a new investment item")
    leftover_review_id: UUID | None = Field(
        default=None, description="The leftover review whose funds this reallocates")


class ReviseTransferIn(Model):
    amount: Amount
    reason_th: Text


class LeftoverReviewIn(Model):
    fiscal_year_be: FiscalYear


class SuccessIn(Model):
    line_id: UUID
    success_met: bool | None = None


class AnalyseIn(Model):
    success: list[SuccessIn] = Field(default_factory=list, max_length=5000,
                                     description="Each project's success conditions, as assessed")


class GuidelinesIn(Model):
    guidelines_th: Text


class AnalysisIn(Model):
    fiscal_year_be: FiscalYear
    title_th: ShortText


class SurveyIn(Model):
    respondents: list[ShortText] = Field(min_length=1, max_length=1000)
    due_date: date | None = None


class ResponseIn(Model):
    respondent: ShortText
    summary_th: Text


class FigureIn(Model):
    item_th: ShortText
    category: ExpenseCategory
    amount: AmountOrZero


class AnalysisReportIn(Model):
    summary_th: Text
    figures: list[FigureIn] = Field(default_factory=list, max_length=1000)


class PublishedIn(Model):
    published_on: date


class BudgetRequestIn(Model):
    fiscal_year_be: FiscalYear
    kind: RequestKind = RequestKind.annual
    title_th: ShortText
    criteria_th: Text = Field(description="The policy, criteria and method announced to schools")
    due_date: date | None = None


class RequestItemIn(Model):
    title_th: ShortText
    category: ExpenseCategory
    amount: Amount
    justification_th: str = Field(default="", max_length=2000)


class SchoolRequestIn(Model):
    school_code: SchoolCode
    items: list[RequestItemIn] = Field(min_length=1, max_length=200)

    def request_items(self) -> list[RequestItem]:
        return [RequestItem(**i.model_dump()) for i in self.items]


class ReviewIn(Model):
    school_code: SchoolCode
    appropriate: bool
    agreed: list[AmountOrZero] = Field(max_length=200, description="One amount per item, in order")
    comments_th: str = Field(default="", max_length=2000)


class TargetOutputIn(Model):
    output_th: ShortText
    quantity: int | None = Field(default=None, ge=0)
    unit_th: str | None = Field(default=None, max_length=100)
    quality_th: str | None = Field(default=None, max_length=2000)


class TargetsIn(Model):
    party: str = Field(pattern=r"^(office|[0-9]{8,10})$", description="A school code or `office`")
    outputs: list[TargetOutputIn] = Field(min_length=1, max_length=100)

    def target_outputs(self) -> list[TargetOutput]:
        return [TargetOutput(**o.model_dump()) for o in self.outputs]


class ExternalFundingIn(Model):
    fiscal_year_be: FiscalYear
    school_code: SchoolCode
    source_th: ShortText = Field(description="The agency or donor asked")
    project_th: ShortText
    amount: Amount
    value_analysis_th: Text = Field(description="Why it is worth it (value for money)")


class ResubmitIn(Model):
    amount: Amount
    value_analysis_th: Text


class NotifiedIn(Model):
    notified_on: date


class ReceiptIn(Model):
    amount: Amount
    received_on: date
    reference: str = Field(default="", max_length=300)


# --- outputs ------------------------------------------------------------------------------------


class BalanceOut(BaseModel):
    allocated: Decimal
    transfers_in: Decimal
    transfers_out: Decimal
    committed: Decimal
    disbursed: Decimal
    available: Decimal


class LineOut(BalanceOut):
    line_id: UUID
    version: int
    fiscal_year_be: int
    project_id: UUID
    project_code: str
    title_th: str
    category: ExpenseCategory
    category_th: str
    plan_id: UUID | None
    planned_by_quarter: list[QuarterAmount]
    planned_total: Decimal
    budget: Decimal = Field(description="allocated + transfers in − transfers out")
    as_of: datetime = Field(description="When the line last changed (as of the time asked)")


class MovementOut(BaseModel):
    version: int
    movement: str
    at: datetime
    recorded_at: datetime
    actor: str
    amount: Decimal | None
    reference: str | None
    balance: BalanceOut


class RatesOut(BaseModel):
    fiscal_year_be: int
    source_th: str
    rates: dict[SchoolLevel, Decimal]
    version: int | None = Field(
        description="The recorded table's version (its ETag, send it in If-Match to change it); "
                    "null while the year uses the rate file or the defaults")


class SnapshotOut(BaseModel):
    academic_year_be: int
    term: int
    snapshot_date: date
    pupils_by_level: dict[str, int]
    total: int


class SchoolOut(BaseModel):
    school_code: str
    name_th: str
    district: str
    status: str
    merged_into: str | None
    status_from: date | None
    snapshots: list[SnapshotOut]
    version: int


class CaseOut(BaseModel):
    case_id: UUID
    case_type: str
    version: int
    fiscal_year_be: int
    title_th: str
    step: str
    step_th: str
    holder: str | None = Field(description="Who must act next (a role or body)")
    holder_th: str | None
    since: datetime
    due: date | None
    closed: bool


class AllocationOut(CaseOut):
    line_id: UUID
    ceiling: Decimal
    criteria_th: str
    prepared_by: str
    committee: Committee | None
    method: str | None
    rates: dict[str, Decimal] | None
    total: Decimal
    remaining_under_ceiling: Decimal
    items: list[AllocationItem]
    round: int
    approvals: list[ApprovalRecord]
    missing_snapshots: list[str] | None = Field(
        default=None, description="Per-head: open schools lacking a term's snapshot (school:term)")
    exact_total: Decimal | None = Field(default=None, description="Per-head: before rounding")
    rates_source_th: str | None = None


class TransferOut(CaseOut):
    source_line_id: UUID
    target_line_id: UUID
    amount: Decimal
    reason_th: str
    new_investment_item: bool
    rule: str
    approvals_required: list[ApprovingBody]
    awaiting: ApprovingBody | None
    round: int
    approvals: list[ApprovalRecord]
    proposed_by: str
    leftover_review_id: UUID | None
    report: Report | None


class ReallocationOut(BaseModel):
    transfer_id: UUID
    source_line_id: UUID
    amount: Decimal


class LeftoverReviewOut(CaseOut):
    committee: Committee | None
    lines: list[LeftoverLine]
    total_leftover: Decimal
    guidelines_th: str
    reallocations: list[ReallocationOut]
    reallocated_total: Decimal
    report: Report | None


class ResponseOut(BaseModel):
    respondent: str
    summary_th: str


class AnalysisOut(CaseOut):
    respondents: list[str]
    survey_due: date | None
    responses: list[ResponseOut]
    outstanding: list[str]
    committee: Committee | None
    summary_th: str
    figures: list[AnalysisFigure]
    total: Decimal
    drafts: int
    round: int
    approvals: list[ApprovalRecord]
    published_on: date | None
    report: Report | None


class SchoolRequestOut(BaseModel):
    school_code: str
    school_name_th: str
    items: list[dict[str, Any]]
    reviewed: bool
    appropriate: bool | None
    agreed: list[Decimal]
    comments_th: str
    requested: Decimal
    agreed_total: Decimal


class TargetsOut(BaseModel):
    party: str
    outputs: list[TargetOutput]


class BudgetRequestOut(CaseOut):
    kind: RequestKind
    criteria_th: str
    submission_due: date | None
    committee: Committee | None
    schools: list[SchoolRequestOut]
    targets: list[TargetsOut]
    compiled_total: Decimal
    by_category: dict[str, Decimal]
    round: int
    approvals: list[ApprovalRecord]
    report: Report | None


class ReceiptOut(BaseModel):
    received_on: date
    amount: Decimal
    reference: str


class ExternalFundingOut(CaseOut):
    school_code: str
    school_name_th: str
    source_th: str
    project_th: str
    amount: Decimal
    value_analysis_th: str
    round: int
    approvals: list[ApprovalRecord]
    notified_on: date | None
    receipts: list[ReceiptOut]
    received_total: Decimal


class ResourceEntryOut(BaseModel):
    funding_id: UUID
    school_code: str
    school_name_th: str
    source_th: str
    project_th: str
    received_on: date
    amount: Decimal
    reference: str
    case_fiscal_year_be: int = Field(
        description="The fiscal year the request named; the entry is filed by its own date")


class ResourcesRegisterOut(Page[ResourceEntryOut]):
    """A page of the register (`items`, `next_cursor`, `total`: entries in the year), with the
    year's amount."""

    fiscal_year_be: int = Field(
        description="Receipts dated 1 October - 30 September of this Buddhist-era fiscal year")
    total_amount: Decimal = Field(description="Every receipt of the year, all pages")


class TransferRuleOut(BaseModel):
    code: str
    description_th: str
    from_category: ExpenseCategory | None
    to_category: ExpenseCategory | None
    new_investment_item: bool | None
    approvals: list[ApprovingBody] = Field(description="In order; empty: not allowed")

"""Budgeting (procedures 10-13) integration events, version 1.

Published on `esa.budgeting.>`:
- `budgeting.budget_line.*`: the budget lines (fiscal year × output/project × expense category) and
  every movement of their money, each with the line's balance after it;
- `budgeting.budget_analysis.*`: expenditure budget analysis (procedure 10);
- `budgeting.budget_request.*` and `budgeting.external_funding.*`: budget requests and requests to
  external sources (procedure 11);
- `budgeting.allocation.*` and `budgeting.per_head_rates.set`: allocation within a ceiling by
  published criteria (procedure 12); `budgeting.allocation.approved` carries every recipient's
  amount (correspondence drafts one letter per school from it);
- `budgeting.budget_transfer.*` and `budgeting.leftover_review.*`: leftover funds and transfers between
  lines (procedure 13); `budgeting.budget_transfer.approved` is the final approval, when the money moved.

Every case event's envelope carries the case's `CaseStatus`. Money is `Baht` (a JSON string).

Imports only pydantic and other contract modules (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import ContractModel, IntegrationEvent
from contracts.vocabulary import (
    ApprovalRecord,
    ApprovingBody,
    Baht,
    ExpenseCategory,
    RegisteredDocumentRef,
    SchoolLevel,
)

# -- shared parts ---------------------------------------------------------------------------------


class Committee(ContractModel):
    """A committee appointed for one case: a chair and its members (officer ids or names)."""

    chair: str
    members: list[str] = Field(min_length=2)
    appointed_on: date
    order: RegisteredDocumentRef | None = Field(default=None, description="The appointing order")


class QuarterAmount(ContractModel):
    quarter: int = Field(ge=1, le=4, description="Quarter of the fiscal year (1 = Oct-Dec)")
    amount: Baht


class LineBalance(ContractModel):
    """available = allocated + transfers_in − transfers_out − committed − disbursed (never < 0)."""

    allocated: Baht
    transfers_in: Baht
    transfers_out: Baht
    committed: Baht
    disbursed: Baht
    available: Baht


class Report(ContractModel):
    """A report sent to OBEC (the central office), by the letter that carried it."""

    reported_on: date
    letter: RegisteredDocumentRef | None = None


# -- budget lines ---------------------------------------------------------------------------------


class LineMovement(StrEnum):
    allocated = "allocated"  # จัดสรร (an approved allocation)
    transfer_in = "transfer_in"  # รับโอน
    transfer_out = "transfer_out"  # โอนออก
    committed = "committed"  # ก่อหนี้ผูกพัน
    commitment_released = "commitment_released"  # ยกเลิกการก่อหนี้ผูกพัน
    disbursed = "disbursed"  # เบิกจ่าย


class BudgetLineEvent(IntegrationEvent):
    line_id: UUID
    fiscal_year_be: int
    project_id: UUID
    project_code: str
    category: ExpenseCategory


class BudgetLineOpened(BudgetLineEvent):
    """A budget line was opened: from an approved action plan (one per project and category, with
    its planned amounts by quarter: the spending plan's skeleton) or by an officer."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_line.opened"
    title_th: str
    plan_id: UUID | None = Field(description="The action plan that opened it, if any")
    planned_by_quarter: list[QuarterAmount]
    planned_total: Baht


class BudgetLinePlanRevised(BudgetLineEvent):
    """A later approved version of the action plan changed the line's planned amounts."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_line.plan_revised"
    plan_id: UUID
    planned_by_quarter: list[QuarterAmount]
    planned_total: Baht


class BudgetLineBalanceChanged(BudgetLineEvent):
    """Money moved on the line; `balance` is the line's balance right after the movement."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_line.balance_changed"
    movement: LineMovement
    amount: Baht
    reference: str = Field(description="What the movement rests on (case, voucher, PO number)")
    case_id: UUID | None = Field(default=None, description="The allocation or transfer, if any")
    balance: LineBalance


# -- expenditure budget analysis (procedure 10) ------------------------------------------------------


class AnalysisEvent(IntegrationEvent):
    analysis_id: UUID
    fiscal_year_be: int
    title_th: str


class AnalysisOpened(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.opened"


class AnalysisSurveySent(AnalysisEvent):
    """Schools and internal groups were asked to survey and report their data."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.survey_sent"
    respondents: list[str] = Field(min_length=1, description="School codes and group names")
    due_date: date | None


class AnalysisResponseRecorded(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.response_recorded"
    respondent: str
    responses: int = Field(ge=1, description="Respondents who have answered so far")
    outstanding: int = Field(ge=0, description="Respondents still to answer")


class AnalysisCommitteeAppointed(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.committee_appointed"
    committee: Committee


class AnalysisFigure(ContractModel):
    """One analysed cost: a plan, project or output, its category and amount."""

    item_th: str
    category: ExpenseCategory
    amount: Baht


class AnalysisReportDrafted(AnalysisEvent):
    """The committee's analysis report (a new version for each round)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.report_drafted"
    round: int = Field(ge=1)
    summary_th: str
    figures: list[AnalysisFigure]
    total: Baht


class AnalysisSubmitted(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.submitted"
    round: int = Field(ge=1)
    body: ApprovingBody


class AnalysisDecided(AnalysisEvent):
    """The ESA director approved, or rejected / returned it (back to the committee to revise)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.decided"
    approval: ApprovalRecord


class AnalysisPublished(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.published"
    published_on: date


class AnalysisReported(AnalysisEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_analysis.reported"
    report: Report


# -- budget requests (procedure 11) -------------------------------------------------------------------


class RequestKind(StrEnum):
    annual = "annual"  # คำขอประจำปี
    urgent = "urgent"  # กรณีเร่งด่วน


class BudgetRequestEvent(IntegrationEvent):
    request_id: UUID
    fiscal_year_be: int
    kind: RequestKind
    title_th: str


class BudgetRequestAnnounced(BudgetRequestEvent):
    """The office announced the policy, criteria and method; schools may submit requests."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.announced"
    criteria_th: str
    due_date: date | None


class SchoolRequestSubmitted(BudgetRequestEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.school_request_submitted"
    school_code: str
    requested: Baht
    items: int = Field(ge=1)


class BudgetRequestCommitteeAppointed(BudgetRequestEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.committee_appointed"
    committee: Committee


class SchoolRequestReviewed(BudgetRequestEvent):
    """The committee checked a school's request for appropriateness and agreed an amount."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.school_request_reviewed"
    school_code: str
    appropriate: bool
    requested: Baht
    agreed: Baht


class TargetOutput(ContractModel):
    output_th: str
    quantity: int | None = Field(default=None, ge=0)
    unit_th: str | None = None
    quality_th: str | None = None


class TargetsAgreed(BudgetRequestEvent):
    """The office and a school (or the office for itself) agreed targets and outputs."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.targets_agreed"
    party: str = Field(description="A school code, or `office`")
    outputs: list[TargetOutput] = Field(min_length=1)


class BudgetRequestCompiled(BudgetRequestEvent):
    """The office's request, compiled from the agreed amounts (a new version each round)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.compiled"
    round: int = Field(ge=1)
    schools: int = Field(ge=0)
    total: Baht
    by_category: dict[ExpenseCategory, Baht]


class BudgetRequestSubmitted(BudgetRequestEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.submitted"
    round: int = Field(ge=1)
    body: ApprovingBody


class BudgetRequestDecided(BudgetRequestEvent):
    """The area committee endorsed it, or rejected / returned it to the committee."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.decided"
    approval: ApprovalRecord


class BudgetRequestResultsAnnounced(BudgetRequestEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.results_announced"
    announced_on: date
    total: Baht


class BudgetRequestReported(BudgetRequestEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_request.reported"
    report: Report


class ExternalFundingEvent(IntegrationEvent):
    funding_id: UUID
    fiscal_year_be: int
    school_code: str
    source_th: str = Field(description="The agency or donor asked")
    project_th: str


class ExternalFundingRequested(ExternalFundingEvent):
    """A school's request to an external source, analysed for value for money (a new round after
    a return)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.external_funding.requested"
    round: int = Field(ge=1)
    amount: Baht


class ExternalFundingDecided(ExternalFundingEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.external_funding.decided"
    approval: ApprovalRecord


class ExternalFundingSchoolNotified(ExternalFundingEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.external_funding.school_notified"
    notified_on: date


class ExternalFundingWithdrawn(ExternalFundingEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.external_funding.withdrawn"
    reason_th: str


class ExternalFundsReceived(ExternalFundingEvent):
    """Resources raised: an entry of the register of external resources."""

    EVENT_TYPE: ClassVar[str] = "budgeting.external_funding.funds_received"
    amount: Baht
    received_on: date
    total_received: Baht


# -- allocation (procedure 12) ------------------------------------------------------------------------


class AllocationMethod(StrEnum):
    per_head = "per_head"  # เงินอุดหนุนรายหัว: pupils by level × the rate table
    amounts = "amounts"  # amounts set by the committee per recipient


class RecipientKind(StrEnum):
    school = "school"
    group = "group"  # a group inside the office


class PerHeadBasis(ContractModel):
    """The pupils a school's per-head amount was computed from: each half of the fiscal year is
    funded from the latest DMC snapshot taken before it begins (first half: term 1, 10 June;
    second half: term 2, 10 November, of the academic year that ends in the fiscal year), at half
    the yearly rate. In each half the school counts as it stands on the half's first day (1 October,
    1 April): pupils of schools merged into it by then count here, and a school merged, dissolved or
    transferred from a half on is funded for the other half only (that term's pupils are empty)."""

    academic_year_be: int
    term1_pupils: dict[SchoolLevel, int]
    term2_pupils: dict[SchoolLevel, int]
    absorbed_school_codes: list[str] = Field(
        default_factory=list, description="Schools merged into this one whose pupils count here "
                                          "in either half")
    term1_absorbed_school_codes: list[str] = Field(
        default_factory=list, description="Of those, the ones counted in the first half")
    term2_absorbed_school_codes: list[str] = Field(
        default_factory=list, description="Of those, the ones counted in the second half")


class AllocationItem(ContractModel):
    recipient_kind: RecipientKind
    recipient_code: str = Field(description="School code, or the group's code")
    recipient_name_th: str
    amount: Baht
    basis: PerHeadBasis | None = None


class AllocationEvent(IntegrationEvent):
    allocation_id: UUID
    fiscal_year_be: int
    title_th: str
    line_id: UUID = Field(description="The budget line the allocated money is put on")
    ceiling: Baht


class AllocationOpened(AllocationEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.opened"
    criteria_th: str = Field(description="The published criteria")


class AllocationCommitteeAppointed(AllocationEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.committee_appointed"
    committee: Committee


class AllocationProposed(AllocationEvent):
    """The committee allocated within the ceiling (a new version each round)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.proposed"
    round: int = Field(ge=1)
    method: AllocationMethod
    recipients: int = Field(ge=1)
    total: Baht
    rates: dict[SchoolLevel, Baht] | None = Field(default=None, description="Per-head only")


class AllocationSubmitted(AllocationEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.submitted"
    round: int = Field(ge=1)
    body: ApprovingBody
    total: Baht


class AllocationDecided(AllocationEvent):
    """Rejected or returned for revision (back to the committee); approval is `.approved`."""

    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.decided"
    approval: ApprovalRecord


class AllocationApproved(AllocationEvent):
    """The allocation was approved: the money is on the line, and every recipient's amount is
    here (correspondence drafts one letter per school, addressed to its director)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.approved"
    approval: ApprovalRecord
    criteria_th: str
    method: AllocationMethod
    rates: dict[SchoolLevel, Baht] | None = None
    total: Baht
    items: list[AllocationItem] = Field(min_length=1)
    prepared_by: str = Field(description="The officer responsible for the allocation")


class AllocationAnnounced(AllocationEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.announced"
    announced_on: date
    total: Baht


class AllocationWithdrawn(AllocationEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.allocation.withdrawn"
    reason_th: str


class PerHeadRatesSet(IntegrationEvent):
    """OBEC's per-head subsidy rates of a fiscal year (baht per pupil per year, by level)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.per_head_rates.set"
    fiscal_year_be: int
    rates: dict[SchoolLevel, Baht]
    source_th: str


# -- leftover funds and transfers (procedure 13) ----------------------------------------------------


class TransferEnd(ContractModel):
    line_id: UUID
    project_code: str
    category: ExpenseCategory
    balance: LineBalance | None = Field(default=None, description="After the money moved")


class TransferEvent(IntegrationEvent):
    transfer_id: UUID
    fiscal_year_be: int
    source: TransferEnd
    target: TransferEnd
    amount: Baht


class TransferProposed(TransferEvent):
    """A transfer was proposed (a new round after a return); the rule table named who approves,
    in order."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_transfer.proposed"
    round: int = Field(ge=1)
    reason_th: str
    rule: str = Field(description="The rule of the table that applied")
    approvals_required: list[ApprovingBody] = Field(min_length=1)
    new_investment_item: bool
    leftover_review_id: UUID | None = None


class TransferDecided(TransferEvent):
    """One approving body decided: an approval that still awaits a higher one, a rejection or a
    return (back to the proposer). The final approval is `.approved`."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_transfer.decided"
    approval: ApprovalRecord


class TransferApproved(TransferEvent):
    """The last approving body approved: the money moved (both balances after it are given).
    Correspondence drafts the report letter to OBEC."""

    EVENT_TYPE: ClassVar[str] = "budgeting.budget_transfer.approved"
    approval: ApprovalRecord
    approvals: list[ApprovalRecord] = Field(min_length=1, description="Every approval, in order")
    reason_th: str
    proposed_by: str


class TransferReported(TransferEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_transfer.reported"
    report: Report


class TransferWithdrawn(TransferEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.budget_transfer.withdrawn"
    reason_th: str


class LeftoverReviewEvent(IntegrationEvent):
    review_id: UUID
    fiscal_year_be: int


class LeftoverReviewOpened(LeftoverReviewEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.opened"


class LeftoverReviewCommitteeAppointed(LeftoverReviewEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.committee_appointed"
    committee: Committee


class LeftoverLine(ContractModel):
    line_id: UUID
    project_code: str
    category: ExpenseCategory
    budget: Baht = Field(description="allocated + transfers in − transfers out")
    spent: Baht = Field(description="committed + disbursed")
    leftover: Baht
    success_met: bool | None = Field(default=None, description="The project's success conditions")


class SpendingAnalysed(LeftoverReviewEvent):
    """Spending analysed against each project's success conditions; what is left over."""

    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.spending_analysed"
    lines: list[LeftoverLine]
    total_leftover: Baht


class LeftoverGuidelinesSet(LeftoverReviewEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.guidelines_set"
    guidelines_th: str


class ReallocationProposed(LeftoverReviewEvent):
    """Leftover funds are to be reallocated by a transfer (which then needs its approvals)."""

    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.reallocation_proposed"
    transfer_id: UUID
    source_line_id: UUID
    target_line_id: UUID
    amount: Baht
    reallocated_total: Baht


class LeftoverReviewReported(LeftoverReviewEvent):
    EVENT_TYPE: ClassVar[str] = "budgeting.leftover_review.reported"
    report: Report
    reallocated_total: Baht


EVENTS: tuple[type[IntegrationEvent], ...] = (
    BudgetLineOpened,
    BudgetLinePlanRevised,
    BudgetLineBalanceChanged,
    AnalysisOpened,
    AnalysisSurveySent,
    AnalysisResponseRecorded,
    AnalysisCommitteeAppointed,
    AnalysisReportDrafted,
    AnalysisSubmitted,
    AnalysisDecided,
    AnalysisPublished,
    AnalysisReported,
    BudgetRequestAnnounced,
    SchoolRequestSubmitted,
    BudgetRequestCommitteeAppointed,
    SchoolRequestReviewed,
    TargetsAgreed,
    BudgetRequestCompiled,
    BudgetRequestSubmitted,
    BudgetRequestDecided,
    BudgetRequestResultsAnnounced,
    BudgetRequestReported,
    ExternalFundingRequested,
    ExternalFundingDecided,
    ExternalFundingSchoolNotified,
    ExternalFundsReceived,
    ExternalFundingWithdrawn,
    AllocationOpened,
    AllocationCommitteeAppointed,
    AllocationProposed,
    AllocationSubmitted,
    AllocationDecided,
    AllocationApproved,
    AllocationAnnounced,
    AllocationWithdrawn,
    PerHeadRatesSet,
    TransferProposed,
    TransferDecided,
    TransferApproved,
    TransferReported,
    TransferWithdrawn,
    LeftoverReviewOpened,
    LeftoverReviewCommitteeAppointed,
    SpendingAnalysed,
    LeftoverGuidelinesSet,
    ReallocationProposed,
    LeftoverReviewReported,
)

"""Budgeting's anti-corruption layer: private domain events → public contract events (v1).

Every case event carries the case's status after it (step, holder, since, due, closed) for
monitoring's feed; a budget line's events carry its balance, so monitoring shows what is left on
every line. The school records (restructuring's facts, copied) and idempotency records stay inside.
"""

from __future__ import annotations

from typing import Any

from contracts.budgeting import v1
from contracts.envelope import CaseStatus, Envelope, IntegrationEvent
from services.budgeting.domain import (
    Allocation,
    BudgetAnalysis,
    BudgetLine,
    BudgetRequest,
    BudgetTransfer,
    ExternalFunding,
    LeftoverReview,
    LineStep,
    PerHeadRates,
)
from services.budgeting.projections import case_title
from shared.domain import DomainEvent
from shared.relay import envelope_for
from shared.thaimoney import format_baht

SERVICE = "budgeting"
PROCEDURES: dict[type, tuple[int, str]] = {
    BudgetAnalysis: (10, "budget_analysis"),
    BudgetRequest: (11, "budget_request"),
    ExternalFunding: (11, "external_funding"),
    Allocation: (12, "allocation"),
    BudgetTransfer: (13, "budget_transfer"),
    LeftoverReview: (13, "leftover_review"),
}
MOVEMENTS: dict[str, v1.LineMovement] = {
    "Allocated": v1.LineMovement.allocated,
    "TransferredIn": v1.LineMovement.transfer_in,
    "TransferredOut": v1.LineMovement.transfer_out,
    "Committed": v1.LineMovement.committed,
    "CommitmentReleased": v1.LineMovement.commitment_released,
    "Disbursed": v1.LineMovement.disbursed,
}


def case_status(case: Any) -> CaseStatus:
    procedure, case_type = PROCEDURES[type(case)]
    return CaseStatus(procedure=procedure, case_type=case_type, title=case_title(case),
                      step=case.step.value, step_th=case.step_th, holder=case.holder,
                      holder_th=case.holder_th, since=case.since, due=case.due,
                      closed=case.closed)


def line_status(line: BudgetLine) -> CaseStatus:
    """The line on the status board: its step names the state of its money (one wording for every
    line in that state, as the board groups by step); its own figures are in its title."""
    figures = {
        LineStep.awaiting_allocation: f"ตามแผน {format_baht(line.planned_total)} บาท",
        LineStep.spending: f"คงเหลือ {format_baht(line.available)} บาท "
                           f"จากที่ได้รับ {format_baht(line.budget)} บาท",
        LineStep.spent: f"ใช้จ่ายแล้ว {format_baht(line.used)} บาท",
        LineStep.transferred_out: f"โอนออก {format_baht(line.transfers_out)} บาท",
    }[line.step]
    return CaseStatus(
        procedure=13, case_type="budget_line",
        title=f"{line.label_th} ปีงบประมาณ พ.ศ. {line.fiscal_year_be} ({figures})",
        step=line.step.value, step_th=line.step_th, since=line.last_movement_at)


# --- payloads -------------------------------------------------------------------------------------


def line_payload(event: DomainEvent, line: BudgetLine) -> IntegrationEvent | None:
    common = dict(line_id=line.id, fiscal_year_be=line.fiscal_year_be, project_id=line.project_id,
                  project_code=line.project_code, category=line.category)
    name = type(event).__name__
    if name == "Opened":
        return v1.BudgetLineOpened(**common, title_th=line.title_th, plan_id=line.plan_id,
                                   planned_by_quarter=line.planned_by_quarter,
                                   planned_total=line.planned_total)
    if name == "PlanRevised":
        return v1.BudgetLinePlanRevised(**common, plan_id=event.plan_id,  # type: ignore[attr-defined]
                                        planned_by_quarter=line.planned_by_quarter,
                                        planned_total=line.planned_total)
    movement = MOVEMENTS[name]
    case_id = next((getattr(event, f) for f in ("allocation_id", "transfer_id")
                    if hasattr(event, f)), None)
    return v1.BudgetLineBalanceChanged(
        **common, movement=movement, amount=event.amount,  # type: ignore[attr-defined]
        reference=getattr(event, "reference", None) or f"{movement.value} {case_id}",
        case_id=case_id, balance=line.balance())


def allocation_payload(event: DomainEvent, a: Allocation) -> IntegrationEvent:
    common = dict(allocation_id=a.id, fiscal_year_be=a.fiscal_year_be, title_th=a.title_th,
                  line_id=a.line_id, ceiling=a.ceiling)
    match event:
        case Allocation.Opened():
            return v1.AllocationOpened(**common, criteria_th=a.criteria_th)
        case Allocation.CommitteeAppointed():
            return v1.AllocationCommitteeAppointed(**common, committee=a.committee)
        case Allocation.Proposed():
            return v1.AllocationProposed(**common, round=a.round + 1, method=a.method,
                                         recipients=len(a.items), total=a.total, rates=a.rates)
        case Allocation.Submitted():
            return v1.AllocationSubmitted(**common, round=a.round, body=a.HOLDERS[a.step],
                                          total=a.total)
        case Allocation.Decided():
            return v1.AllocationDecided(**common, approval=event.approval)
        case Allocation.Approved():
            return v1.AllocationApproved(
                **common, approval=event.approval, criteria_th=a.criteria_th, method=a.method,
                rates=a.rates, total=a.total, items=a.items, prepared_by=a.prepared_by)
        case Allocation.Announced():
            return v1.AllocationAnnounced(**common, announced_on=event.announced_on,
                                          total=a.total)
        case Allocation.Withdrawn():
            return v1.AllocationWithdrawn(**common, reason_th=event.reason)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def transfer_payload(event: DomainEvent, t: BudgetTransfer) -> IntegrationEvent:
    """The final approval gives both lines' balances right after the money moved."""
    approved = isinstance(event, BudgetTransfer.Approved)
    common = dict(
        transfer_id=t.id, fiscal_year_be=t.fiscal_year_be, amount=t.amount,
        source=v1.TransferEnd(line_id=t.source_line_id, project_code=t.source_code,
                              category=t.source_category,
                              balance=event.source_balance if approved else None),
        target=v1.TransferEnd(line_id=t.target_line_id, project_code=t.target_code,
                              category=t.target_category,
                              balance=event.target_balance if approved else None))
    match event:
        case BudgetTransfer.Proposed() | BudgetTransfer.Revised():
            return v1.TransferProposed(
                **common, round=t.round, reason_th=t.reason_th, rule=t.rule_code,
                approvals_required=t.approvals_required,
                new_investment_item=t.new_investment_item,
                leftover_review_id=t.leftover_review_id)
        case BudgetTransfer.Decided():
            return v1.TransferDecided(**common, approval=event.approval)
        case BudgetTransfer.Approved():
            return v1.TransferApproved(**common, approval=event.approval, approvals=t.approvals,
                                       reason_th=t.reason_th, proposed_by=t.proposed_by)
        case BudgetTransfer.Reported():
            return v1.TransferReported(**common, report=event.report)
        case BudgetTransfer.Withdrawn():
            return v1.TransferWithdrawn(**common, reason_th=event.reason)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def leftover_payload(event: DomainEvent, r: LeftoverReview) -> IntegrationEvent:
    common = dict(review_id=r.id, fiscal_year_be=r.fiscal_year_be)
    match event:
        case LeftoverReview.Opened():
            return v1.LeftoverReviewOpened(**common)
        case LeftoverReview.CommitteeAppointed():
            return v1.LeftoverReviewCommitteeAppointed(**common, committee=r.committee)
        case LeftoverReview.SpendingAnalysed():
            return v1.SpendingAnalysed(**common, lines=r.lines, total_leftover=r.total_leftover)
        case LeftoverReview.GuidelinesSet():
            return v1.LeftoverGuidelinesSet(**common, guidelines_th=r.guidelines_th)
        case LeftoverReview.ReallocationProposed():
            return v1.ReallocationProposed(
                **common, transfer_id=event.transfer_id, source_line_id=event.source_line_id,
                target_line_id=event.target_line_id, amount=event.amount,
                reallocated_total=r.reallocated_total)
        case LeftoverReview.Reported():
            return v1.LeftoverReviewReported(**common, report=event.report,
                                             reallocated_total=r.reallocated_total)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def analysis_payload(event: DomainEvent, a: BudgetAnalysis) -> IntegrationEvent:
    common = dict(analysis_id=a.id, fiscal_year_be=a.fiscal_year_be, title_th=a.title_th)
    match event:
        case BudgetAnalysis.Opened():
            return v1.AnalysisOpened(**common)
        case BudgetAnalysis.SurveySent():
            return v1.AnalysisSurveySent(**common, respondents=a.respondents,
                                         due_date=a.survey_due)
        case BudgetAnalysis.ResponseRecorded():
            return v1.AnalysisResponseRecorded(
                **common, respondent=event.respondent, responses=len(a.responses),
                outstanding=len(set(a.respondents) - set(a.responses)))
        case BudgetAnalysis.CommitteeAppointed():
            return v1.AnalysisCommitteeAppointed(**common, committee=a.committee)
        case BudgetAnalysis.ReportDrafted():
            return v1.AnalysisReportDrafted(**common, round=a.round + 1, summary_th=a.summary_th,
                                            figures=a.figures, total=a.total)
        case BudgetAnalysis.Submitted():
            return v1.AnalysisSubmitted(**common, round=a.round, body=a.HOLDERS[a.step])
        case BudgetAnalysis.Decided():
            return v1.AnalysisDecided(**common, approval=event.approval)
        case BudgetAnalysis.Published():
            return v1.AnalysisPublished(**common, published_on=event.published_on)
        case BudgetAnalysis.Reported():
            return v1.AnalysisReported(**common, report=event.report)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def request_payload(event: DomainEvent, r: BudgetRequest) -> IntegrationEvent:
    common = dict(request_id=r.id, fiscal_year_be=r.fiscal_year_be, kind=r.kind,
                  title_th=r.title_th)
    match event:
        case BudgetRequest.Announced():
            return v1.BudgetRequestAnnounced(**common, criteria_th=r.criteria_th,
                                             due_date=r.submission_due)
        case BudgetRequest.SchoolRequestSubmitted():
            school = r.schools[event.request.school_code]
            return v1.SchoolRequestSubmitted(**common, school_code=school.school_code,
                                             requested=school.requested, items=len(school.items))
        case BudgetRequest.CommitteeAppointed():
            return v1.BudgetRequestCommitteeAppointed(**common, committee=r.committee)
        case BudgetRequest.SchoolRequestReviewed():
            school = r.schools[event.school_code]
            return v1.SchoolRequestReviewed(**common, school_code=school.school_code,
                                            appropriate=bool(school.appropriate),
                                            requested=school.requested,
                                            agreed=school.agreed_total)
        case BudgetRequest.TargetsAgreed():
            return v1.TargetsAgreed(**common, party=event.party, outputs=event.outputs)
        case BudgetRequest.Compiled():
            return v1.BudgetRequestCompiled(**common, round=r.round + 1, schools=len(r.schools),
                                            total=r.compiled_total, by_category=r.by_category())
        case BudgetRequest.Submitted():
            return v1.BudgetRequestSubmitted(**common, round=r.round, body=r.HOLDERS[r.step])
        case BudgetRequest.Decided():
            return v1.BudgetRequestDecided(**common, approval=event.approval)
        case BudgetRequest.ResultsAnnounced():
            return v1.BudgetRequestResultsAnnounced(**common, announced_on=event.announced_on,
                                                    total=r.compiled_total)
        case BudgetRequest.Reported():
            return v1.BudgetRequestReported(**common, report=event.report)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def funding_payload(event: DomainEvent, f: ExternalFunding) -> IntegrationEvent:
    common = dict(funding_id=f.id, fiscal_year_be=f.fiscal_year_be, school_code=f.school_code,
                  source_th=f.source_th, project_th=f.project_th)
    match event:
        case ExternalFunding.Requested() | ExternalFunding.Resubmitted():
            return v1.ExternalFundingRequested(**common, round=f.round, amount=f.amount)
        case ExternalFunding.Decided():
            return v1.ExternalFundingDecided(**common, approval=event.approval)
        case ExternalFunding.SchoolNotified():
            return v1.ExternalFundingSchoolNotified(**common, notified_on=event.notified_on)
        case ExternalFunding.FundsReceived():
            return v1.ExternalFundsReceived(**common, amount=event.amount,
                                            received_on=event.received_on,
                                            total_received=f.received_total)
        case ExternalFunding.Withdrawn():
            return v1.ExternalFundingWithdrawn(**common, reason_th=event.reason)
    raise TypeError(f"no contract event for {type(event).__qualname__}")


def envelope(event: DomainEvent, payload: IntegrationEvent,
             status: CaseStatus | None) -> Envelope[Any]:
    return envelope_for(SERVICE, event, payload, status=status)


def translate(event: DomainEvent, aggregate: Any) -> Envelope[Any] | None:
    """The relay's translator: the contract event and, for cases, the status after the event."""
    if isinstance(aggregate, BudgetLine):
        payload = line_payload(event, aggregate)
        return envelope(event, payload, line_status(aggregate)) if payload else None
    if isinstance(aggregate, PerHeadRates):
        return envelope(event, v1.PerHeadRatesSet(
            fiscal_year_be=aggregate.fiscal_year_be, rates=aggregate.rates,
            source_th=aggregate.source_th), None)
    make = PAYLOADS.get(type(aggregate))
    if make is None:
        return None  # school records, idempotency records: kept inside the service
    return envelope(event, make(event, aggregate), case_status(aggregate))


PAYLOADS: dict[type, Any] = {
    Allocation: allocation_payload, BudgetTransfer: transfer_payload, LeftoverReview: leftover_payload,
    BudgetAnalysis: analysis_payload, BudgetRequest: request_payload,
    ExternalFunding: funding_payload,
}

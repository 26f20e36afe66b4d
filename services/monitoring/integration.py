"""Monitoring's anti-corruption layer, both ways: other services' envelopes become `Observation`s,
planning's approvals become `PlanContent` to track, budgeting's spending becomes `BudgetUseEntry`s;
monitoring's own `Case` events become `monitoring.case.status_changed` contract events on
`esa.monitoring.>` (the central office's durable export) and issued evaluations become
`monitoring.evaluation.results_issued`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import AnyEnvelope, CaseStatus, Envelope, Secrecy
from contracts.monitoring.v1 import (
    CaseStatusChanged,
    EvaluationResultLetter,
    EvaluationResultsIssued,
)
from contracts.monitoring.v1 import EvaluationKind as ContractEvaluationKind
from contracts.planning.v1 import (
    ActionPlanApproved,
    DevelopmentPlanApproved,
    PlanClosed,
    PolicyApproved,
)
from services.monitoring.domain import (
    QUARTERS,
    SERVICE,
    BudgetLine,
    BudgetUseEntry,
    Case,
    CaseState,
    Evaluation,
    Observation,
    PeriodTarget,
    PlanContent,
    PlanKind,
    ReportedStatus,
    TrackedGroup,
    TrackedItem,
    fiscal_quarter,
)
from shared.deadletters import DeadLetter
from shared.relay import envelope_for
from shared.thaitime import bangkok_date, fiscal_year_be


def observation_from(envelope: AnyEnvelope) -> Observation:
    """Copy the fields monitoring tracks; the producer's payload (`data`) is not interpreted."""
    status = envelope.status
    return Observation(
        event_id=envelope.id,
        event_type=envelope.type,
        sequence=envelope.sequence,
        time=envelope.time,
        actor=envelope.actor,
        trace_id=envelope.trace_id,
        secrecy=envelope.secrecy.value,
        status=ReportedStatus.model_validate(status.model_dump()) if status is not None else None,
        data=envelope.data,
    )


def case_status(state: CaseState) -> CaseStatus | None:
    """The contract's view of a case, or None while no producer has reported a status."""
    if state.procedure is None or state.case_type is None or state.step is None \
            or state.step_th is None or state.since is None:
        return None
    return CaseStatus(
        procedure=state.procedure,
        case_type=state.case_type,
        title=None if state.classified else state.title,
        step=state.step,
        step_th=state.step_th,
        holder=state.holder,
        holder_th=state.holder_th,
        since=state.since,
        due=state.due,
        closed=state.closed,
    )


def translate(domain_event: Any, aggregate: Any = None) -> Envelope[Any] | None:
    """The relay's translator: every `Case` event is published, and so is an issued evaluation;
    anything else stays private."""
    if isinstance(domain_event, Evaluation.Issued):
        return results_issued(domain_event, aggregate)
    if not isinstance(domain_event, (Case.Opened, Case.Observed)):
        return None
    state: CaseState = domain_event.state
    observation: Observation = domain_event.observation
    case_id = domain_event.originator_id
    status = case_status(state)
    return envelope_for(SERVICE, domain_event, CaseStatusChanged(
            case_id=case_id,
            source=state.source,
            subject=state.subject,
            event_type=observation.event_type,
            event_id=observation.event_id,
            event_time=observation.time,
            status=status,
        ), status=status, secrecy=Secrecy(state.secrecy))


def results_issued(domain_event: Any, evaluation: Evaluation) -> Envelope[EvaluationResultsIssued]:
    status = evaluation.status()
    return envelope_for(SERVICE, domain_event, EvaluationResultsIssued(
            evaluation_id=evaluation.id,
            kind=ContractEvaluationKind(evaluation.kind.value),
            title_th=evaluation.title_th,
            fiscal_year_be=evaluation.fiscal_year_be,
            issued_by=domain_event.by,
            prepared_by=evaluation.acted_by.get("Recorded"),
            issued_on=bangkok_date(domain_event.at),
            results=[
                EvaluationResultLetter(
                    result_no=result.result_no,
                    addressee=result.addressee,
                    addressee_th=result.addressee_th,
                    subject_th=evaluation.letter_subject_th(result),
                    text_th=result.text_th(f"ผลการ{evaluation.title_th}"),
                )
                for result in evaluation.results
            ],
        ), status=CaseStatus.model_validate(status.model_dump()))


def dead_letter_status(letter: DeadLetter) -> ReportedStatus:
    """A dead letter of monitoring's own consumer, as the case status every service's dead
    letters carry (`shared.deadletters`)."""
    return ReportedStatus.model_validate(letter.status().model_dump())


# --- planning's approvals → what monitoring tracks ------------------------------------------------
def action_plan_content(envelope: AnyEnvelope) -> PlanContent:
    plan = ActionPlanApproved.model_validate(envelope.data)
    return PlanContent(
        kind=PlanKind.action_plan, source_plan_id=plan.plan_id, source_version=plan.version,
        title_th=plan.title_th, fiscal_year_be=plan.fiscal_year_be,
        approved_on=plan.approval.decided_on,
        groups=tuple(
            TrackedGroup(
                code=project.code, title_th=project.title_th, project_id=project.project_id,
                responsible=project.responsible_officer,
                responsible_group=project.responsible_group,
                items=tuple(
                    TrackedItem(
                        code=kpi.code, name_th=kpi.name_th, unit=kpi.unit,
                        target_value=kpi.target_value,
                        period_targets=tuple(PeriodTarget(period=QUARTERS[t.quarter - 1],
                                                          target_value=t.target_value)
                                             for t in kpi.quarter_targets),
                    )
                    for kpi in project.kpis
                ),
                budget_lines=tuple(BudgetLine(category=line.category.value, quarter=line.quarter,
                                              amount=line.amount)
                                   for line in project.budget_lines),
            )
            for project in plan.projects
        ),
    )


def policy_content(envelope: AnyEnvelope) -> PlanContent:
    policy = PolicyApproved.model_validate(envelope.data)
    return PlanContent(
        kind=PlanKind.policy, source_plan_id=policy.plan_id, source_version=policy.version,
        title_th=policy.title_th, fiscal_year_be=policy.fiscal_year_be,
        approved_on=policy.approval.decided_on,
        groups=tuple(
            TrackedGroup(
                code=focus.code, title_th=focus.title_th,
                items=tuple(TrackedItem(code=t.code, name_th=t.description_th, unit=t.unit,
                                        target_value=t.target_value) for t in focus.targets),
            )
            for focus in policy.focus_points
        ),
    )


def development_plan_content(envelope: AnyEnvelope) -> PlanContent:
    plan = DevelopmentPlanApproved.model_validate(envelope.data)
    return PlanContent(
        kind=PlanKind.development_plan, source_plan_id=plan.plan_id, source_version=plan.version,
        title_th=plan.title_th, start_year_be=plan.start_year_be, end_year_be=plan.end_year_be,
        approved_on=plan.approval.decided_on,
        groups=tuple(
            TrackedGroup(
                code=strategy.code, title_th=strategy.title_th,
                items=tuple(
                    TrackedItem(
                        code=kpi.code, name_th=kpi.name_th, unit=kpi.unit,
                        target_value=max(kpi.targets, key=lambda t: t.year_be).target_value,
                        period_targets=tuple(PeriodTarget(period=str(t.year_be),
                                                          target_value=t.target_value)
                                             for t in kpi.targets),
                    )
                    for kpi in strategy.kpis
                ),
            )
            for strategy in plan.strategies
        ),
    )


# --- budgeting's spending → budget use --------------------------------------------------------------
# The movements on a budget line that are money used (เบิกจ่าย); allocations, transfers and
# commitments move the line's balance but are not spending.
USED_MOVEMENTS = frozenset({"disbursed"})


class BudgetUseFacts(BaseModel):
    """The fields monitoring reads from a budgeting event that reports money used by a project
    (budgeting's draft v1: `budgeting.budget_line.balance_changed` with `movement` = disbursed).

    Budgeting's own payload models are not imported: any event carrying these fields can be pointed
    at this reader (`handlers.BUDGET_USE_EVENTS`); other fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    project_id: UUID
    movement: str | None = Field(default=None, description="Absent: the event is all spending")
    category: str
    amount: Decimal = Field(max_digits=15, decimal_places=2)
    fiscal_year_be: int | None = None
    quarter: int | None = Field(default=None, ge=1, le=4)
    spent_on: date | None = None


def budget_use_from(envelope: AnyEnvelope) -> tuple[UUID, BudgetUseEntry] | None:
    """The project and the spending an event reports (None for a movement that is not spending);
    the quarter and fiscal year come from the date spent when the event does not name them (else
    from when the event happened, in Bangkok)."""
    facts = BudgetUseFacts.model_validate(envelope.data)
    if facts.movement is not None and facts.movement not in USED_MOVEMENTS:
        return None
    day = facts.spent_on or bangkok_date(envelope.time)
    return facts.project_id, BudgetUseEntry(
        source_event_id=envelope.id,
        fiscal_year_be=facts.fiscal_year_be or fiscal_year_be(day),
        category=facts.category,
        quarter=facts.quarter or fiscal_quarter(day),
        amount=facts.amount,
        recorded_at=envelope.time,
    )


# --- planning's supersessions → what monitoring stops tracking --------------------------------------
class PlanClosedFacts(BaseModel):
    """A plan version planning closed because an approved amendment (`superseded_by`, another
    plan of planning) replaced it."""

    plan_id: UUID
    superseded_by: UUID
    closed_on: date


def superseded_plan(envelope: AnyEnvelope) -> PlanClosedFacts | None:
    """The supersession a `planning.plan.closed` event reports; None when the plan's period simply
    ended (what was owed stays owed)."""
    closed = PlanClosed.model_validate(envelope.data)
    if closed.superseded_by is None:
        return None
    return PlanClosedFacts(plan_id=closed.plan_id, superseded_by=closed.superseded_by,
                           closed_on=closed.closed_on)

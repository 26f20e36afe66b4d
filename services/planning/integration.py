"""Planning's anti-corruption layer: private domain events → public contract events (v1).

Every step of a plan's life cycle leaves as a `planning.plan.*` event, and its approval as the
kind's own event carrying the whole approved content (`planning.action_plan.approved` is what
budgeting and monitoring act on). Each envelope carries the case's status after the event, read from
the plan as it was at that version. Revisions of a draft, reference data, fiscal years and what
planning learnt of correspondence's registers stay inside.
"""

from __future__ import annotations

from typing import Any

from contracts.envelope import CaseStatus, Envelope, IntegrationEvent
from contracts.planning import v1
from contracts.vocabulary import ApprovalRecord, RegisteredDocumentRef
from services.planning.domain import (
    ActionPlanContent,
    Approval,
    DevelopmentPlanContent,
    Plan,
    PolicyContent,
    Step,
)
from shared.domain import DomainEvent
from shared.relay import envelope_for

SERVICE = "planning"


def approval_record(approval: Approval) -> ApprovalRecord:
    resolution = approval.resolution
    return ApprovalRecord(
        body=approval.body, decision=approval.decision, decided_on=approval.decided_on,
        round=approval.round, reason=approval.reason,
        resolution=RegisteredDocumentRef(document_id=resolution.document_id,
                                         reference=resolution.reference, dated=resolution.dated)
        if resolution is not None else None,
    )


def _common(plan: Plan) -> dict[str, Any]:
    return {"plan_id": plan.id, "plan_kind": plan.kind, "title_th": plan.title_th,
            "version": plan.plan_version}


def policy_approved(plan: Plan, approval: Approval) -> v1.PolicyApproved:
    content: PolicyContent = plan.content
    return v1.PolicyApproved(
        **_common(plan), fiscal_year_be=plan.fiscal_year_be, approval=approval_record(approval),
        sources=[v1.PolicySource(level=s.level.value, title_th=s.title_th) for s in content.sources],
        focus_points=[
            v1.FocusPoint(code=f.code, title_th=f.title_th, targets=[
                v1.PolicyTarget(code=t.code, description_th=t.description_th, unit=t.unit,
                                target_value=t.target_value)
                for t in f.targets])
            for f in content.focus_points],
    )


def development_plan_approved(plan: Plan, approval: Approval) -> v1.DevelopmentPlanApproved:
    content: DevelopmentPlanContent = plan.content
    return v1.DevelopmentPlanApproved(
        **_common(plan), start_year_be=plan.start_year_be, end_year_be=plan.end_year_be,
        effective_from=plan.effective_from, amends_plan_id=plan.amends_plan_id,
        approval=approval_record(approval), vision_th=content.vision_th,
        missions=list(content.missions), goals=list(content.goals), values=list(content.values),
        strategies=[
            v1.DevelopmentStrategy(
                code=s.code, title_th=s.title_th, outcomes=list(s.outcomes),
                kpis=[v1.DevelopmentKpi(code=k.code, name_th=k.name_th, unit=k.unit, targets=[
                    v1.YearTarget(year_be=t.year_be, target_value=t.target_value)
                    for t in k.targets]) for k in s.kpis],
                programmes=list(s.programmes),
                provincial_strategy_codes=list(s.provincial_strategy_codes),
                national_strategy_codes=list(s.national_strategy_codes))
            for s in content.strategies],
    )


def action_plan_approved(plan: Plan, approval: Approval) -> v1.ActionPlanApproved:
    content: ActionPlanContent = plan.content
    return v1.ActionPlanApproved(
        **_common(plan), fiscal_year_be=plan.fiscal_year_be, approval=approval_record(approval),
        development_plan_id=plan.in_force_development_plan_id or content.development_plan_id,
        policy_id=content.policy_id, total_budget=content.total_budget,
        projects=[
            v1.ActionPlanProject(
                project_id=p.project_id, code=p.code, title_th=p.title_th,
                strategy_code=p.strategy_code,
                strategy_title_th=plan.strategy_titles.get(p.strategy_code, p.strategy_code),
                policy_focus_codes=list(p.policy_focus_codes),
                provincial_strategy_codes=list(p.provincial_strategy_codes),
                national_strategy_codes=list(p.national_strategy_codes),
                objectives=list(p.objectives), responsible_group=p.responsible_group,
                responsible_officer=p.responsible_officer,
                kpis=[v1.ProjectKpi(code=k.code, name_th=k.name_th, unit=k.unit,
                                    target_value=k.target_value,
                                    quarter_targets=[v1.QuarterTarget(quarter=q.quarter,
                                                                      target_value=q.target_value)
                                                     for q in k.quarter_targets])
                      for k in p.kpis],
                activities=[v1.Activity(title_th=a.title_th, starts_on=a.starts_on,
                                        ends_on=a.ends_on) for a in p.activities],
                starts_on=p.starts_on, ends_on=p.ends_on,
                budget_lines=[v1.ProjectBudgetLine(category=b.category, quarter=b.quarter,
                                                   amount=b.amount) for b in p.budget_lines],
                total_budget=p.total_budget)
            for p in content.projects],
    )


APPROVED = {
    "policy": policy_approved,
    "development_plan": development_plan_approved,
    "action_plan": action_plan_approved,
}


def plan_payload(event: DomainEvent, plan: Plan) -> IntegrationEvent | None:
    """The contract payload for a plan event, or None for events that stay private."""
    match event:
        case Plan.Drafted():
            return v1.PlanDrafted(**_common(plan), fiscal_year_be=plan.fiscal_year_be,
                                  start_year_be=plan.start_year_be, end_year_be=plan.end_year_be,
                                  amends_plan_id=plan.amends_plan_id, drafted_by=plan.drafted_by)
        case Plan.Submitted():
            return v1.PlanSubmitted(**_common(plan), round=event.round_no, body=event.body,
                                    submitted_by=event.by)
        case Plan.ReturnedForRevision():
            return v1.PlanReturnedForRevision(**_common(plan),
                                              approval=approval_record(event.approval))
        case Plan.Rejected():
            return v1.PlanRejected(**_common(plan), approval=approval_record(event.approval))
        case Plan.Approved():
            return APPROVED[plan.kind.value](plan, event.approval)
        case Plan.Published():
            return v1.PlanPublished(**_common(plan), published_on=event.published_on)
        case Plan.ExecutionStarted():
            return v1.PlanExecutionStarted(**_common(plan), started_on=event.started_on)
        case Plan.Closed():
            return v1.PlanClosed(**_common(plan), closed_on=event.closed_on,
                                 superseded_by=event.superseded_by)
    return None  # Revised: a draft changing is not news outside the service


def plan_status(plan: Plan) -> CaseStatus:
    return CaseStatus(
        procedure=plan.procedure,
        case_type=plan.kind.value,
        title=plan.title_th,
        step=plan.step.value,
        step_th=plan.step_th,
        holder=plan.holder,
        holder_th=plan.holder_th,
        since=plan.step_since or plan.modified_on,
        due=None,
        closed=plan.step == Step.closed,
    )


def translate(event: DomainEvent, aggregate: Any) -> Envelope[Any] | None:
    """The relay's translate function: the contract event and the plan's status after it."""
    if not isinstance(event, Plan.Event):
        return None
    plan: Plan = aggregate
    payload = plan_payload(event, plan)
    if payload is None:
        return None
    return envelope_for(SERVICE, event, payload, status=plan_status(plan))

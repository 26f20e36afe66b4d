"""Budgeting's reactions to other services' contract events.

- correspondence: the staff directory (who may act) and the documents registered in its
  registers, which a decision of a body outside the office must cite (`shared.office`);
- planning's approved annual action plan opens a budget line per project and expense category (the
  spending plan's skeleton, with the planned amounts by quarter);
- restructuring's school registry: enrolment snapshots are the per-head basis; a merger, dissolution
  or transfer is recorded when decided, with its effective date, and the per-head allocation applies
  it to each half fiscal year that begins on or after that date (`domain.per_head_allocation`).

Each handler reads the producer's contract (the anti-corruption layer on the way in) and returns
the aggregates it changed; the consumer saves them with its tracking position.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contracts.envelope import AnyEnvelope
from contracts.planning.v1 import ActionPlanApproved
from contracts.restructuring.v1 import (
    EnrolmentSnapshotRecorded,
    SchoolDissolved,
    SchoolMerged,
    SchoolRegistered,
    SchoolStatus,
    SchoolTransferred,
)
from contracts.vocabulary import ExpenseCategory
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import Snapshot
from shared.consumer import Handler, Subscription
from shared.domain import Aggregate
from shared.office.learning import learn_from_correspondence


def on_planning(app: BudgetingApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate]:
        if envelope.type != ActionPlanApproved.EVENT_TYPE:
            return []
        plan = ActionPlanApproved.model_validate(envelope.data)
        projects = []
        for project in plan.projects:
            by_category: dict[ExpenseCategory, dict[int, Decimal]] = {}
            for line in project.budget_lines:
                planned = by_category.setdefault(line.category, {})
                planned[line.quarter] = planned.get(line.quarter, Decimal("0")) + line.amount
            projects.append((project.project_id, project.code, project.title_th, by_category))
        return app.apply_action_plan(plan_id=plan.plan_id, fiscal_year_be=plan.fiscal_year_be,
                                     projects=projects)

    return handle


def on_restructuring(app: BudgetingApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate]:
        data = envelope.data
        match envelope.type:
            case SchoolRegistered.EVENT_TYPE:
                registered = SchoolRegistered.model_validate(data)
                return app.apply_school_registered(code=registered.school_code,
                                                   name_th=registered.name_th,
                                                   district=registered.district)
            case EnrolmentSnapshotRecorded.EVENT_TYPE:
                recorded = EnrolmentSnapshotRecorded.model_validate(data)
                return app.apply_enrolment(code=recorded.school_code, snapshot=Snapshot(
                    academic_year_be=recorded.academic_year_be, term=recorded.term,
                    snapshot_date=recorded.snapshot_date,
                    pupils_by_level=dict(recorded.pupils_by_level)))
            case SchoolMerged.EVENT_TYPE:
                merged = SchoolMerged.model_validate(data)
                return app.apply_merger(code=merged.school_code, into_code=merged.into_school_code,
                                        effective_date=merged.effective_date)
            case SchoolDissolved.EVENT_TYPE:
                dissolved = SchoolDissolved.model_validate(data)
                return app.apply_closure(code=dissolved.school_code, status=SchoolStatus.dissolved,
                                         effective_date=dissolved.effective_date)
            case SchoolTransferred.EVENT_TYPE:
                transferred = SchoolTransferred.model_validate(data)
                return app.apply_closure(code=transferred.school_code,
                                         status=SchoolStatus.transferred,
                                         effective_date=transferred.effective_date)
        return []  # levels expanded and the like: not a budgeting matter

    return handle


def subscriptions(app: BudgetingApplication) -> list[Subscription]:
    return [Subscription("correspondence", learn_from_correspondence(app)),
            Subscription("planning", on_planning(app)),
            Subscription("restructuring", on_restructuring(app))]

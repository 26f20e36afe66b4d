"""Monitoring's reactions to other services' contract events.

Every event is observed (the case board). Some types also feed the group's own work, each through
one small reaction named in `REACTIONS`, keyed on the event type:

- planning's approvals open (or revise) a monitoring plan: every project, focus point or strategy
  with its indicators and targets becomes tracked, with a case owing each period's progress report;
- planning's closing of a version superseded by an approved amendment stops its monitoring plan
  (its cases close, its KPIs leave the dashboard) and carries its reports over to the amendment;
- budgeting's spending facts become each project's budget use. Budgeting's contract is written in
  parallel: `BUDGET_USE_EVENTS` names the event types read as "money used by a project" (today its
  draft `budgeting.budget_line.balance_changed`, of which only `movement` = disbursed counts; a
  payload must carry `project_id`, `category`, `amount`, and may carry a quarter or a date, see
  `integration.BudgetUseFacts`); point it at budgeting's final names when they are merged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from contracts.envelope import AnyEnvelope
from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import PlanContent
from services.monitoring.integration import (
    action_plan_content,
    budget_use_from,
    development_plan_content,
    policy_content,
    superseded_plan,
)
from shared.audit.alarms import alarm_envelope
from shared.consumer import Handler, Subscription, combined
from shared.domain import Aggregate
from shared.office.learning import learn_from_correspondence

# Every service whose cases monitoring follows (its own stream is its export, not an input).
SOURCES = ("correspondence", "planning", "budgeting", "restructuring")

# budgeting event types that report money a project used (disbursed), read by `budget_use_from`.
BUDGET_USE_EVENTS = ("budgeting.budget_line.balance_changed",)

Reaction = Callable[[MonitoringApplication, AnyEnvelope], Sequence[Aggregate | None]]


def track_plan_from(read: Callable[[AnyEnvelope], PlanContent]) -> Reaction:
    def react(app: MonitoringApplication, envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        return app.track_plan(read(envelope))

    return react


def record_budget_use(app: MonitoringApplication,
                      envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
    spending = budget_use_from(envelope)
    return app.record_budget_use(*spending) if spending is not None else []


def stop_superseded_plan(app: MonitoringApplication,
                         envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
    closed = superseded_plan(envelope)
    return app.supersede_plan(closed) if closed is not None else []


REACTIONS: dict[str, Reaction] = {
    "planning.action_plan.approved": track_plan_from(action_plan_content),
    "planning.plan.closed": stop_superseded_plan,
    "planning.policy.approved": track_plan_from(policy_content),
    "planning.development_plan.approved": track_plan_from(development_plan_content),
    **{event_type: record_budget_use for event_type in BUDGET_USE_EVENTS},
}


def observer(app: MonitoringApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        changed: list[Aggregate | None] = [app.observe(envelope)]
        reaction = REACTIONS.get(envelope.type)
        if reaction is not None:
            changed.extend(reaction(app, envelope))
        return changed

    return handle


def subscriptions(app: MonitoringApplication) -> list[Subscription]:
    """Every other service's stream; correspondence's also teaches the staff directory and the
    registered documents (one consumer per source: the two handlers combined)."""
    handle = observer(app)
    learn = {"correspondence": learn_from_correspondence(app)}
    # The audit trail's alarms (a witness's or a service's own) are cases too, on the board and
    # the dashboard, with both heads as evidence (shared.audit.alarms).
    alarms = Subscription("audit", handle, subjects="esa.audit.*.alarm", decode=alarm_envelope)
    return [*(Subscription(source, combined(handle, learn[source]) if source in learn
                           else handle) for source in SOURCES), alarms]

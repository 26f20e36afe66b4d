"""Monitoring's read models: lists kept in monitoring's own database (`shared.readmodels`), one row
per aggregate, written as its events are recorded, resumed after a restart without reading the log
again; and the case board's queries over them.

What each list holds (the application declares them):

- `cases`: every case (of every service, monitoring's own too): the columns the board is filtered,
  sorted, counted and swept by, and the case as `/cases` answers it (without what depends on the
  moment it is read: overdue, waiting time). A classified case's title is never stored. Each of
  a case's events carries its whole state, so a row is made from the case's latest event alone
  (a rebuild of ten years decodes one event in eight).
- `monitoring_plans`, `budget_uses`, `inspections`, `recommendations`, `evaluations`: what their
  list endpoints answer, filtered by year, kind, step; the dashboard and the annual report find
  one year's plans and records through them.

Nothing here holds every case in memory: a page, a count or a tally is one indexed query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.monitoring.domain import (
    SERVICE,
    BudgetUse,
    Case,
    CaseState,
    Evaluation,
    Evidence,
    InspectionRound,
    MonitoringPlan,
    Observation,
    PlanKind,
    Recommendation,
    case_id_for,
)
from shared.history import history_page
from shared.http.paging import PageRequest
from shared.readmodels import Listing, sortable_moment
from shared.thaitime import bangkok_date

# The due date of a case that cannot be overdue (closed, or given none): after every real one, so
# "overdue" is one indexed comparison, and never NULL.
NEVER = "9999-12-31"


def moment(value: datetime) -> str:
    """A moment as sortable text: fixed width, in UTC (text order is time order)."""
    return sortable_moment(value)


# --- the case board --------------------------------------------------------------------------------
CASE_COLUMNS = {
    "source": "text", "procedure": "int", "case_type": "text", "step": "text", "step_th": "text",
    "holder": "text", "holder_th": "text", "title": "text", "since": "text", "due": "text",
    "closed": "bool",
    "open_due": "text",  # the due date while open, else NEVER: overdue = open_due < today
    "unraised_due": "text",  # open_due until its passing was announced: the overdue sweep's
    "changed": "text",  # when monitoring last recorded something of it: the board's order
}
CASE_INDEXES = (
    ("changed",), ("closed", "changed"), ("source", "closed", "changed"),
    ("holder", "closed", "changed"), ("case_type", "closed", "changed"),
    ("closed", "source", "step"), ("open_due",), ("unraised_due",),
    # The dashboard's lists in their order (the first hundred overdue cases and dead letters,
    # not every one of them sorted), and the open cases by how long they have waited (its age
    # buckets read only the recent ones).
    ("closed", "open_due", "id"), ("case_type", "closed", "since", "id"),
    ("closed", "since", "source", "step"),
)
# Counts kept with the rows (the dashboard's and the status page's figures): open and closed
# cases per service and step; per due date, service and step (in that order, so that the open
# cases due from today on are a range of the tally's index, whatever came before).
CASE_TALLIES = (
    ("closed", "source", "step", "step_th"),
    ("closed", "open_due", "source", "step"),
)


def case_row(event: Case.Opened | Case.Observed) -> dict[str, Any]:
    """A case's row, from its latest event: each carries the case's whole state (the listing
    is declared `each_event_carries="state"`)."""
    state = event.state
    open_due = state.due.isoformat() if state.due is not None and not state.closed else NEVER
    return {
        "source": state.source, "procedure": state.procedure, "case_type": state.case_type,
        "step": state.step, "step_th": state.step_th, "holder": state.holder,
        "holder_th": state.holder_th, "title": state.title,  # None once classified
        "since": moment(state.since) if state.since else "", "due": state.due,
        "closed": state.closed, "open_due": open_due,
        "unraised_due": NEVER if state.overdue_raised_for == state.due else open_due,
        "changed": moment(event.timestamp),
        "view": {"case_id": event.originator_id, "version": event.originator_version,
                 **state.model_dump(mode="json")},
    }


@dataclass(frozen=True)
class CaseView:
    case_id: UUID
    version: int
    state: CaseState

    @classmethod
    def of(cls, view: dict[str, Any]) -> CaseView:
        fields = dict(view)
        return cls(UUID(fields.pop("case_id")), fields.pop("version"),
                   CaseState.model_validate(fields))


@dataclass(frozen=True)
class HistoryEntry:
    version: int  # the case's version after this event
    recorded_at: datetime  # when monitoring recorded it
    observation: Observation


@dataclass(frozen=True)
class Facets:
    services: list[tuple[str, int]]  # service, cases
    steps: list[tuple[str, str, str, int]]  # service, step, step_th, cases
    holders: list[tuple[str, str | None, int]]  # holder, holder_th, cases


@dataclass(frozen=True)
class CaseFilter:
    """What a person filters the board by."""

    service: str | None = None
    procedure: int | None = None
    case_type: str | None = None
    step: str | None = None
    holder: str | None = None
    overdue: bool | None = None
    closed: bool | None = None
    q: str | None = None  # words of the title

    def where(self, today: date) -> dict[str, Any]:
        where: dict[str, Any] = {
            column: value for column, value in (
                ("source", self.service), ("procedure", self.procedure),
                ("case_type", self.case_type), ("step", self.step), ("holder", self.holder),
                ("closed", self.closed)) if value is not None}
        if self.overdue is not None:
            where["open_due__lt" if self.overdue else "open_due__ge"] = today.isoformat()
        if self.q:
            where["title__contains"] = self.q
        return where


class CaseBoard:
    """The board's queries: pages of cases, the filters' choices, a case and its history, the
    open cases the dashboard lists. `clock` says what "today" is (overdue)."""

    def __init__(self, app: Any, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.cases: Listing = app.cases
        self.clock = clock or app.clock

    def position(self) -> int:
        """The log position every list reflects at least (caught up with what was committed):
        the live feed continues after it, whatever it then repeats is the same state again."""
        self.app.read_models.caught_up()
        return self.app.read_models.position

    def page(self, filters: CaseFilter, paging: PageRequest) -> dict[str, Any]:
        """Most recently changed first; a case changed between two pages moves to the first."""
        today = bangkok_date(self.clock())
        return self.cases.page(paging, filters.where(today), order_by=("changed",),
                               descending=True, view=CaseView.of)

    def facets(self, *, include_closed: bool = False, service: str | None = None) -> Facets:
        """Each service, and each step and holder of the cases (of `service` if given), open ones
        unless `include_closed`, with how many cases each has."""
        where: dict[str, Any] = {} if include_closed else {"closed": False}
        services = self.cases.counts(("source",), where)
        if service is not None:
            where["source"] = service
        steps = self.cases.counts(("source", "step"), {**where, "step__ne": None},
                                  labels=("step_th",))
        holders = self.cases.counts(("holder",), {**where, "holder__ne": None},
                                    labels=("holder_th",))
        return Facets(
            services=[(row["source"], row["count"]) for row in services],
            steps=[(row["source"], row["step"], row["step_th"] or row["step"], row["count"])
                   for row in steps],
            holders=[(row["holder"], row["holder_th"], row["count"]) for row in holders])

    def case(self, case_id: UUID) -> CaseView | None:
        view = self.cases.get(case_id)
        return CaseView.of(view) if view is not None else None

    def case_by_subject(self, source: str, subject: str) -> CaseView | None:
        return self.case(case_id_for(source, subject))

    def history(self, case_id: UUID, paging: PageRequest,
                view: Callable[[HistoryEntry], Any] = lambda e: e) -> dict[str, Any] | None:
        """A page of the case's events, oldest first (`shared.history`: only that page's events
        are read); None for an unknown case."""
        case = self.app.get(Case, case_id)
        if case is None:
            return None
        return history_page(self.app, case, paging, entry=lambda e: view(
            HistoryEntry(e.originator_version, e.timestamp, e.observation)))

    def opening_facts(self, case_id: UUID) -> dict[str, Any]:
        """What a case's first event said (a dead letter's consumer, event, reason, since when):
        that one event is read."""
        first = next(iter(self.app.events.get(case_id, lte=1)), None)
        return dict(first.observation.data or {}) if first is not None else {}

    def open_cases(self, where: dict[str, Any], *, order_by: Sequence[str],
                   limit: int) -> tuple[list[CaseView], int]:
        """Some open cases (the first `limit` in that order) and how many there are (one
        query)."""
        rows, total = self.cases.select_counted({**where, "closed": False}, order_by=order_by,
                                                limit=limit)
        return [CaseView.of(row["view"]) for row in rows], total

    def open_case_views(self, where: dict[str, Any], *, order_by: Sequence[str],
                        limit: int) -> list[dict[str, Any]]:
        """The stored views of the first `limit` open cases in that order (what a list of many
        lines reads a few fields of, without rebuilding each case's state)."""
        return self.cases.views({**where, "closed": False}, order_by=order_by, limit=limit)


# --- monitoring plans, budget use, inspection, evaluation ---------------------------------------------
def _evidence(evidence: Evidence | None) -> dict[str, Any] | None:
    return evidence.model_dump() if evidence is not None else None


def plan_view(plan: MonitoringPlan,
              budget_used: Callable[[UUID | None, int | None], Decimal]) -> dict[str, Any]:
    content = plan.content
    groups = []
    for group in content.groups:
        pending = plan.pending_period(group)
        groups.append({
            "code": group.code, "title_th": group.title_th, "project_id": group.project_id,
            "responsible": group.responsible, "responsible_group": group.responsible_group,
            "pending_period": pending, "report_due": plan.due_on(pending) if pending else None,
            "budget_planned": group.planned_budget,
            "budget_used": budget_used(group.project_id, content.fiscal_year_be),
            "budget_lines": [line.model_dump() for line in group.budget_lines],
            "items": [
                {**plan.progress(group, item).model_dump(exclude={"group_code"}),
                 "period_targets": [t.model_dump() for t in item.period_targets],
                 "reports": [
                     {**r.model_dump(exclude={"evidence", "group_code", "item_code"}),
                      "evidence": _evidence(r.evidence)}
                     for (g, i, _), r in sorted(plan.reports.items(),
                                                key=lambda kv: content.periods.index(kv[0][2]))
                     if g == group.code and i == item.code
                 ]}
                for item in group.items
            ],
        })
    return {
        "plan_id": plan.id, "version": plan.version, "kind": content.kind,
        "source_plan_id": content.source_plan_id, "source_version": content.source_version,
        "title_th": content.title_th, "fiscal_year_be": content.fiscal_year_be,
        "start_year_be": content.start_year_be, "end_year_be": content.end_year_be,
        "approved_on": content.approved_on, "periods": list(content.periods), "groups": groups,
    }


PLAN_COLUMNS = {"kind": "text", "first_year": "int", "last_year": "int", "in_force": "bool",
                "opened": "text"}
PLAN_INDEXES = (("opened",), ("in_force", "first_year", "last_year"))


def plan_row(plan: MonitoringPlan) -> dict[str, Any]:
    """Money used is budgeting's news, not the plan's: the list fills it in as it is read."""
    content = plan.content
    if content.kind == PlanKind.development_plan:
        first, last = content.start_year_be, content.end_year_be
    else:
        first = last = content.fiscal_year_be
    return {"kind": content.kind, "first_year": first, "last_year": last,
            "in_force": plan.superseded_by is None, "opened": moment(plan.opened_at),
            "view": plan_view(plan, lambda *_: Decimal("0.00"))}


def budget_use_row(use: BudgetUse) -> dict[str, Any]:
    """What a project used, per fiscal year, category and quarter (not each disbursement)."""
    return {"project_id": use.project_id, "view": {"project_id": use.project_id, "used": [
        {"fiscal_year_be": year, "category": category, "quarter": quarter, "amount": amount}
        for (year, category, quarter), amount in sorted(use.used_by().items())]}}


def recommendation_view(r: Recommendation) -> dict[str, Any]:
    return {
        "recommendation_id": r.id, "version": r.version, "round_id": r.round_id,
        "number": r.number, "issue": r.issue.model_dump(), "text_th": r.text_th,
        "step": r.step, "step_th": r.status().step_th, "holder": r.holder,
        "assignee": r.assignee, "assignee_th": r.assignee_th, "due": r.due,
        "actions": [{"action_th": a, "evidence": _evidence(e)} for a, e in r.actions],
        "evidence": [e.model_dump() for e in r.evidence], "closing_note": r.closing_note,
        "case_id": case_id_for(SERVICE, str(r.id)),
    }


def recommendation_row(r: Recommendation) -> dict[str, Any]:
    return {"round_id": r.round_id, "number": r.number, "fiscal_year_be": r.fiscal_year_be,
            "view": recommendation_view(r)}


def inspection_view(inspection: InspectionRound,
                    recommendations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    report = inspection.report
    return {
        "round_id": inspection.id, "version": inspection.version,
        "fiscal_year_be": inspection.fiscal_year_be, "title_th": inspection.title_th,
        "inspector_th": inspection.inspector_th, "scheduled_on": inspection.scheduled_on,
        "issues": [i.model_dump() for i in inspection.issues],
        "report": None if report is None else {
            "summary_th": report.summary_th, "evidence": _evidence(report.evidence),
            "recorded_by": report.recorded_by, "recorded_at": report.recorded_at},
        "recommendations": list(recommendations),
    }


def inspection_row(inspection: InspectionRound) -> dict[str, Any]:
    """Its recommendations are aggregates of their own: the list adds them as it is read."""
    return {"fiscal_year_be": inspection.fiscal_year_be, "created": moment(inspection.created_on),
            "view": inspection_view(inspection, [])}


def evaluation_view(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "evaluation_id": evaluation.id, "version": evaluation.version, "kind": evaluation.kind,
        "title_th": evaluation.title_th, "subject_ref": evaluation.subject_ref,
        "fiscal_year_be": evaluation.fiscal_year_be, "recorded_at": evaluation.recorded_at,
        "issued_by": evaluation.issued_by, "issued_at": evaluation.issued_at,
        "results": [
            {**result.model_dump(), "subject_th": evaluation.letter_subject_th(result),
             "text_th": result.text_th(f"ผลการ{evaluation.title_th}")}
            for result in evaluation.results
        ],
    }


def evaluation_row(evaluation: Evaluation) -> dict[str, Any]:
    return {"kind": evaluation.kind, "report_year": evaluation.report_year_be,
            "issued": evaluation.issued_at is not None, "recorded": moment(evaluation.recorded_at),
            "view": evaluation_view(evaluation)}

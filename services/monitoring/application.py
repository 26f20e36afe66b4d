"""The monitoring application: records what it observes of other services' cases, and runs the
group's own monitoring and evaluation work (procedures 14-15).

Monitoring's own case-like aggregates (a project's progress reports, an inspection recommendation,
an evaluation) state where they stand; every command that changes one also records that status on
its `Case` (source "monitoring") in the same transaction, so the case board, the live feed, the
overdue sweep and the central office's export follow them like any other service's case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python

from contracts.envelope import AnyEnvelope
from services.monitoring.domain import (
    SERVICE,
    UNCLASSIFIED,
    BudgetUse,
    BudgetUseEntry,
    Case,
    Evaluation,
    EvaluationKind,
    EvaluationResult,
    Evidence,
    Holder,
    IndicatorResult,
    InspectionIssue,
    InspectionRound,
    MonitoringError,
    MonitoringPlan,
    Observation,
    PlanContent,
    PlanKind,
    Recommendation,
    ReportedStatus,
    TrackedGroup,
    case_id_for,
    percent,
)
from services.monitoring.integration import PlanClosedFacts, dead_letter_status, observation_from
from services.monitoring.projections import (
    CASE_COLUMNS,
    CASE_INDEXES,
    CASE_TALLIES,
    PLAN_COLUMNS,
    PLAN_INDEXES,
    budget_use_row,
    case_row,
    evaluation_row,
    evaluation_view,
    inspection_row,
    inspection_view,
    plan_row,
    plan_view,
    recommendation_row,
    recommendation_view,
)
from services.monitoring.rights import GROUP_DIRECTOR, HOLDS_MONITORING_WORK
from services.monitoring.settings import MonitoringSettings
from shared.blobs import BlobStore
from shared.context import current_actor, trace_id_var
from shared.deadletters import DeadLetter
from shared.domain import Aggregate, NotFound
from shared.eventstore import ServiceApplication, check_version
from shared.http.paging import PageRequest
from shared.office.rights import work_holder
from shared.thaitime import bangkok_date, utc_now

Idempotency = tuple[str, str, str] | None
ZERO = Decimal("0.00")
OVERDUE_SWEEP = 1000  # cases announced overdue by one sweep at most


@dataclass(frozen=True)
class NewFile:
    """An evidence file received through the API, before it is stored."""

    name: str
    media_type: str
    content: bytes


class PlanNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("monitoring-plan-not-found", "ไม่พบแผนกำกับติดตาม",
                         "Monitoring plan not found", detail)


class InspectionNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("inspection-not-found", "ไม่พบรอบการตรวจราชการ",
                         "Inspection round not found", detail)


class RecommendationNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("recommendation-not-found", "ไม่พบข้อเสนอแนะ",
                         "Recommendation not found", detail)


class EvaluationNotFound(NotFound):
    def __init__(self, detail: str) -> None:
        super().__init__("evaluation-not-found", "ไม่พบผลการประเมิน",
                         "Evaluation not found", detail)


class EvidenceTooLarge(MonitoringError):
    code = "evidence-too-large"
    title_th = "ไฟล์หลักฐานมีขนาดใหญ่เกินกำหนด"
    title_en = "Evidence file is too large"
    status = 413


class WrongPlanKind(MonitoringError):
    code = "wrong-plan-kind"
    title_th = "ชนิดแผนไม่ตรงกับการประเมินนี้"
    title_en = "This evaluation needs another kind of plan"


@dataclass(frozen=True)
class StrategyEntry:
    """An OBEC strategy to evaluate, as the evaluator enters it (no service publishes these)."""

    code: str
    title_th: str
    indicators: list[tuple[str, str, str, Decimal, Decimal | None]]  # code, name, unit, target, actual


class MonitoringApplication(ServiceApplication):
    name = "monitoring"  # pinned: it names the stored data
    # Loading one costs the events since its last snapshot: a plan gets a progress report per
    # indicator and period for all its years, a budget line's case an event per movement.
    snapshotting_intervals = {Case: 100, MonitoringPlan: 50, BudgetUse: 100}

    def __init__(self, settings: MonitoringSettings, *, clock: Callable[[], datetime] = utc_now,
                 env: dict[str, str] | None = None) -> None:
        super().__init__(settings, env)
        self.settings: MonitoringSettings = settings
        self.clock = clock
        self.blobs = BlobStore(settings.blob_dir)
        # The lists, in monitoring's own database (`projections`): nothing is scanned in memory.
        lists = self.read_models
        self.cases = lists.listing("cases", of=(Case,), columns=CASE_COLUMNS, row=case_row,
                                   each_event_carries="state", indexes=CASE_INDEXES,
                                   tallies=CASE_TALLIES)
        self.plans = lists.listing("monitoring_plans", of=(MonitoringPlan,), row=plan_row,
                                   columns=PLAN_COLUMNS, indexes=PLAN_INDEXES)
        self.budget_uses = lists.listing("budget_uses", of=(BudgetUse,), row=budget_use_row,
                                         columns={"project_id": "text"},
                                         indexes=(("project_id",),))
        self.inspections = lists.listing("inspections", of=(InspectionRound,), row=inspection_row,
                                         columns={"fiscal_year_be": "int", "created": "text"},
                                         indexes=(("created",), ("fiscal_year_be", "created")))
        self.recommendations = lists.listing(
            "recommendations", of=(Recommendation,), row=recommendation_row,
            columns={"round_id": "text", "number": "int", "fiscal_year_be": "int"},
            indexes=(("round_id", "number"), ("fiscal_year_be", "round_id", "number")))
        self.evaluations = lists.listing(
            "evaluations", of=(Evaluation,), row=evaluation_row,
            columns={"kind": "text", "report_year": "int", "issued": "bool", "recorded": "text"},
            indexes=(("recorded",), ("report_year", "recorded")))

    # --- observing other services ---------------------------------------------------------------
    def observe(self, envelope: AnyEnvelope) -> Case | None:
        """Decide what one contract event changes: the case it opened or extended, or None when
        this very event was already recorded. Saving is the caller's (the consumer saves the case
        with its tracking position in one transaction)."""
        return self._observe(envelope.source, envelope.subject, observation_from(envelope))

    def _observe(self, source: str, subject: str, observation: Observation) -> Case | None:
        case = self.get(Case, case_id_for(source, subject))
        if case is None:
            # An event that reports no status and belongs to no case is a fact, not a case: a
            # school's enrolment snapshot, a budget line's balance. It opens nothing.
            return Case.open(source, subject, observation) if observation.status else None
        return case if case.observe(observation) else None

    def _track(self, subject: str, status: ReportedStatus, event_type: str, version: int,
               at: datetime, data: dict[str, Any] | None = None,
               secrecy: str = UNCLASSIFIED) -> Case | None:
        """Record where one of monitoring's own cases stands, as an observation of its `Case`."""
        return self._observe(SERVICE, subject, Observation(
            event_id=f"{SERVICE}:{subject}:{version}", event_type=event_type, sequence=version,
            time=at, actor=current_actor(), trace_id=trace_id_var.get(), status=status,
            data=to_jsonable_python(data) if data is not None else None, secrecy=secrecy))

    def dead_letter_noticed(self, letter: Aggregate) -> Sequence[Aggregate | None]:
        """A message monitoring's own consumer parked (or replayed) is a case like the other
        services' dead letters, which reach it as `<service>.dead_letter.*` events: monitoring
        does not consume its own stream, so it records the case here, with the dead letter."""
        assert isinstance(letter, DeadLetter)
        return [self._track(str(letter.id), dead_letter_status(letter),
                            f"{SERVICE}.dead_letter.{'replayed' if letter.replayed_at else 'parked'}",
                            letter.version, letter.replayed_at or letter.parked_at,
                            data=letter.facts(), secrecy=letter.secrecy.value)]

    def raise_overdue(self, at: datetime, limit: int = OVERDUE_SWEEP) -> int:
        """Announce the open cases whose due date (Bangkok) passed since the last sweep, each at
        most once per due date, the longest overdue first, at most `limit` (the next sweep takes
        the rest). They are found by one indexed query, not by looking at every case. Returns
        how many were announced."""
        today = bangkok_date(at)
        candidates = [UUID(row["id"]) for row in self.cases.select(
            {"unraised_due__lt": today.isoformat()}, order_by=("unraised_due",), limit=limit)]
        announced = 0
        for case_id in candidates:
            def decide(case_id: UUID = case_id) -> tuple[bool, list[Case]]:
                case = self.get(Case, case_id)
                raised = case is not None and case.raise_overdue(today, at)
                return raised, [case] if raised and case is not None else []

            announced += self.execute(decide)
        return announced

    # --- monitoring plans (reactions to planning's approvals) ----------------------------------
    def track_plan(self, content: PlanContent) -> list[Aggregate | None]:
        """Open (or revise, for an amended version) the monitoring plan of an approved plan, with
        a case per project owing its progress reports. Returns what to save."""
        at = self.clock()
        plan = self.get(MonitoringPlan, MonitoringPlan.create_id(content.source_plan_id))
        if plan is None:
            plan = MonitoringPlan.open(content, grace_days=self.settings.report_grace_days, at=at)
        elif not plan.revise(content, at):
            return []
        return [plan, *self._track_groups(plan, plan.content.groups, "monitoring.plan.tracked", at)]

    def supersede_plan(self, closed: PlanClosedFacts) -> list[Aggregate | None]:
        """Planning closed a version because an approved amendment replaced it: its monitoring
        plan stops (its cases close, its KPIs leave the dashboard, nothing more is reported or
        evaluated on it), and what was reported on it carries over to the amendment's monitoring
        plan where that tracks the same indicators. Returns what to save."""
        plan = self.get(MonitoringPlan, MonitoringPlan.create_id(closed.plan_id))
        at = self.clock()
        if plan is None or not plan.supersede(by_plan_id=closed.superseded_by,
                                              closed_on=closed.closed_on, at=at):
            return []
        changed: list[Aggregate | None] = [
            plan, *self._track_groups(plan, plan.content.groups, "monitoring.plan.superseded", at)]
        successor = self.get(MonitoringPlan, MonitoringPlan.create_id(closed.superseded_by))
        if successor is not None:
            carried = set(successor.carry_over(plan, at))
            if carried:
                changed += [successor, *self._track_groups(
                    successor, [g for g in successor.content.groups if g.code in carried],
                    "monitoring.progress.carried_over", at)]
        return changed

    def _track_groups(self, plan: MonitoringPlan, groups: Iterable[TrackedGroup],
                      event_type: str, at: datetime) -> list[Case | None]:
        return [self._track(plan.group_subject(group.code),
                            plan.group_status(group, at, self.holder_for(group.responsible)),
                            event_type, plan.version, at) for group in groups]

    def holder_for(self, officer_id: str | None) -> Holder:
        """Who holds work planning named an officer for (a project's progress reports): that
        officer, if this service knows them, active, able to hold it; else the group director,
        and the case says for whom (an officer not heard of yet, or deactivated)."""
        if officer_id is None:
            return Holder(holder=None)
        member = self.directory.member(officer_id)
        if member is not None and any(member.holds_role(role) for role in HOLDS_MONITORING_WORK):
            return Holder(holder=officer_id, holder_th=member.name_th)
        why = ("ไม่พบในทะเบียนเจ้าหน้าที่" if member is None else
               "ถูกระงับการใช้งาน" if not member.active else "ไม่มีบทบาทที่รับผิดชอบงานนี้ได้")
        return Holder(holder=GROUP_DIRECTOR.value,
                      holder_th=f"ผู้อำนวยการกลุ่ม (แทน {officer_id}: {why})")

    def record_budget_use(self, project_id: UUID, entry: BudgetUseEntry) -> list[Aggregate | None]:
        use = self.get(BudgetUse, BudgetUse.create_id(project_id)) or BudgetUse.start(project_id)
        return [use] if use.record(entry) else []

    def report_progress(self, plan_id: UUID, *, group_code: str, item_code: str, period: str,
                        value: Decimal, note: str, evidence: NewFile | None,
                        expected_version: int | None = None,
                        idempotency: Idempotency = None) -> dict[str, Any]:
        described = self._describe(evidence)

        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            plan = self.plan(plan_id)
            check_version(plan, expected_version)
            self.check_record(plan)
            at = self.clock()
            plan.report(group_code=group_code, item_code=item_code, period=period, value=value,
                        note=note, evidence=described, by=current_actor(), at=at)
            self._store(evidence)
            group = plan.content.group(group_code)
            return self._plan_view(plan), [
                plan, *self._track_groups(plan, [group], "monitoring.progress.reported", at)]

        return self.execute(decide, idempotency=idempotency)

    def _describe(self, file: NewFile | None) -> Evidence | None:
        if file is None:
            return None
        if len(file.content) > self.settings.max_evidence_bytes:
            raise EvidenceTooLarge(f"{file.name}: {len(file.content)} bytes, at most "
                                   f"{self.settings.max_evidence_bytes}")
        return Evidence(name=file.name, media_type=file.media_type, size=len(file.content),
                        sha256=hashlib.sha256(file.content).hexdigest())

    def _store(self, file: NewFile | None) -> None:
        """Only once the rules have said yes: refused input leaves nothing behind."""
        if file is not None:
            self.blobs.put(file.content)

    def evidence_content(self, sha256: str) -> bytes | None:
        try:
            return self.blobs.get(sha256)
        except ValueError:
            return None

    # --- inspection -----------------------------------------------------------------------------
    def open_inspection(self, *, fiscal_year_be: int, title_th: str, inspector_th: str,
                        scheduled_on: date, issues: list[tuple[str, str]],
                        idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            inspection = InspectionRound.open(
                fiscal_year_be=fiscal_year_be, title_th=title_th, inspector_th=inspector_th,
                scheduled_on=scheduled_on, at=self.clock(),
                issues=[InspectionIssue(code=c.strip(), title_th=t.strip()) for c, t in issues])
            return inspection_view(inspection, []), [inspection]

        return self.execute(decide, idempotency=idempotency)

    def record_inspection_report(self, round_id: UUID, *, summary_th: str,
                                 evidence: NewFile | None, expected_version: int | None = None,
                                 idempotency: Idempotency = None) -> dict[str, Any]:
        described = self._describe(evidence)

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            inspection = self.inspection(round_id)
            check_version(inspection, expected_version)
            self.check_record(inspection)
            inspection.record_report(summary_th=summary_th, evidence=described,
                                     by=current_actor(), at=self.clock())
            self._store(evidence)
            return self._inspection_view(inspection), [inspection]

        return self.execute(decide, idempotency=idempotency)

    def add_recommendation(self, round_id: UUID, *, issue_code: str, text_th: str,
                           expected_version: int | None = None,
                           idempotency: Idempotency = None) -> dict[str, Any]:
        """A recommendation of the inspectors, numbered in its round (the round changes: the
        caller says which version of it was read)."""

        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            inspection = self.inspection(round_id)
            check_version(inspection, expected_version)
            self.check_record(inspection)
            at = self.clock()
            recommendation = inspection.add_recommendation(issue_code=issue_code, text_th=text_th,
                                                           at=at)
            return recommendation_view(recommendation), [
                inspection, recommendation, self._track_recommendation(recommendation, at)]

        return self.execute(decide, idempotency=idempotency)

    def _track_recommendation(self, recommendation: Recommendation, at: datetime) -> Case | None:
        return self._track(str(recommendation.id), recommendation.status(),
                           f"monitoring.recommendation.{recommendation.step.value}",
                           recommendation.version, at)

    def _on_recommendation(self, recommendation_id: UUID, expected_version: int | None,
                           idempotency: Idempotency,
                           act: Callable[[Recommendation, datetime], None]) -> dict[str, Any]:
        def act_and_track(recommendation: Recommendation) -> list[Aggregate | None]:
            at = self.clock()
            act(recommendation, at)
            return [self._track_recommendation(recommendation, at)]

        return self.update(lambda: self.recommendation(recommendation_id), act_and_track,
                           recommendation_view, expected_version=expected_version,
                           idempotency=idempotency)

    def assign_recommendation(self, recommendation_id: UUID, *, officer_id: str, due: date,
                              expected_version: int | None = None,
                              idempotency: Idempotency = None) -> dict[str, Any]:
        """Notify the officer responsible: one this service knows, active, who may act on a
        recommendation; named as the staff directory names them."""

        def act(recommendation: Recommendation, at: datetime) -> None:
            assignee = work_holder(self.directory, officer_id, HOLDS_MONITORING_WORK,
                                   field="officer_id")
            recommendation.assign(officer_id=assignee.officer_id, officer_name_th=assignee.name_th,
                                  due=due, today=bangkok_date(at), at=at)

        return self._on_recommendation(recommendation_id, expected_version, idempotency, act)

    def report_recommendation_action(self, recommendation_id: UUID, *, action_th: str,
                                     evidence: NewFile | None,
                                     expected_version: int | None = None,
                                     idempotency: Idempotency = None) -> dict[str, Any]:
        described = self._describe(evidence)

        def act(recommendation: Recommendation, at: datetime) -> None:
            recommendation.report_action(action_th=action_th, evidence=described,
                                         by=current_actor(), at=at)
            self._store(evidence)

        return self._on_recommendation(recommendation_id, expected_version, idempotency, act)

    def close_recommendation(self, recommendation_id: UUID, *, note: str,
                             evidence: NewFile | None, expected_version: int | None = None,
                             idempotency: Idempotency = None) -> dict[str, Any]:
        described = self._describe(evidence)

        def act(recommendation: Recommendation, at: datetime) -> None:
            recommendation.close(note=note, evidence=described, at=at)
            self._store(evidence)

        return self._on_recommendation(recommendation_id, expected_version, idempotency, act)

    # --- evaluation -----------------------------------------------------------------------------
    def evaluate_action_plan(self, plan_id: UUID, *, outcomes: dict[str, str],
                             recommendations: dict[str, str],
                             idempotency: Idempotency = None) -> dict[str, Any]:
        """Per project: each KPI's target against its latest reported value, the budget planned
        against what budgeting reported used, and the evaluator's outcome; addressed to the
        project's responsible officer."""

        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            plan = self._plan_of_kind(plan_id, PlanKind.action_plan)
            fiscal_year = plan.content.fiscal_year_be
            results = [
                EvaluationResult(
                    result_no=number, code=group.code, title_th=group.title_th,
                    addressee=group.responsible or "group_director",
                    addressee_th=_addressee_th(group),
                    indicators=tuple(_indicator(plan, group, item) for item in group.items),
                    budget_planned=group.planned_budget,
                    budget_used=self.budget_used(group.project_id, fiscal_year),
                    outcome_th=outcomes.get(group.code, "").strip(),
                    recommendations_th=recommendations.get(group.code, "").strip(),
                )
                for number, group in enumerate(plan.content.groups, start=1)
            ]
            return self._record_evaluation(
                EvaluationKind.action_plan, f"ประเมินผล{plan.content.title_th}", str(plan.id),
                fiscal_year, results)

        return self.execute(decide, idempotency=idempotency)

    def evaluate_mid_plan(self, plan_id: UUID, *, as_of_year_be: int | None, addressee: str,
                          addressee_th: str, recommendations: dict[str, str],
                          idempotency: Idempotency = None) -> dict[str, Any]:
        """Per strategy of the development plan: each KPI's target for the mid-plan year against
        the value reported for it; results to management (`addressee`)."""

        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            plan = self._plan_of_kind(plan_id, PlanKind.development_plan)
            content = plan.content
            assert content.start_year_be is not None and content.end_year_be is not None
            year = as_of_year_be or (content.start_year_be + content.end_year_be) // 2
            if not content.start_year_be <= year <= content.end_year_be:
                raise WrongPlanKind(f"{year} is outside {content.start_year_be}-"
                                    f"{content.end_year_be}", field="as_of_year_be")
            results = [
                EvaluationResult(
                    result_no=number, code=group.code, title_th=group.title_th,
                    addressee=addressee, addressee_th=addressee_th,
                    indicators=tuple(_indicator_for_period(plan, group, item, str(year))
                                     for item in group.items),
                    recommendations_th=recommendations.get(group.code, "").strip(),
                )
                for number, group in enumerate(content.groups, start=1)
            ]
            return self._record_evaluation(
                EvaluationKind.mid_plan,
                f"ประเมินผลระยะครึ่งแผน {content.title_th} (ณ ปี พ.ศ. {year})", str(plan.id),
                None, results)

        return self.execute(decide, idempotency=idempotency)

    def evaluate_obec_strategy(self, *, fiscal_year_be: int, title_th: str, addressee: str,
                               addressee_th: str, strategies: list[StrategyEntry],
                               recommendations: dict[str, str],
                               idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            results = [
                EvaluationResult(
                    result_no=number, code=strategy.code, title_th=strategy.title_th,
                    addressee=addressee, addressee_th=addressee_th,
                    indicators=tuple(_indicator_result(code, name, unit, target, actual)
                                     for code, name, unit, target, actual in strategy.indicators),
                    recommendations_th=recommendations.get(strategy.code, "").strip(),
                )
                for number, strategy in enumerate(strategies, start=1)
            ]
            return self._record_evaluation(EvaluationKind.obec_strategy, title_th, None,
                                           fiscal_year_be, results)

        return self.execute(decide, idempotency=idempotency)

    def _record_evaluation(self, kind: EvaluationKind, title_th: str, subject_ref: str | None,
                           fiscal_year_be: int | None, results: list[EvaluationResult],
                           ) -> tuple[dict[str, Any], list[Aggregate | None]]:
        at = self.clock()
        evaluation = Evaluation.record(kind=kind, title_th=title_th, subject_ref=subject_ref,
                                       fiscal_year_be=fiscal_year_be, results=results, at=at)
        return evaluation_view(evaluation), [evaluation, self._track_evaluation(evaluation, at)]

    def _track_evaluation(self, evaluation: Evaluation, at: datetime) -> Case | None:
        return self._track(str(evaluation.id), evaluation.status(),
                           f"monitoring.evaluation.{evaluation.status().step}",
                           evaluation.version, at)

    def issue_evaluation(self, evaluation_id: UUID, *, expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        """Send the results back to those responsible (correspondence drafts the letters)."""

        def decide() -> tuple[dict[str, Any], list[Aggregate | None]]:
            evaluation = self.evaluation(evaluation_id)
            check_version(evaluation, expected_version)
            self.check_record(evaluation)
            at = self.clock()
            evaluation.issue(by=current_actor(), at=at)
            return evaluation_view(evaluation), [evaluation,
                                                 self._track_evaluation(evaluation, at)]

        return self.execute(decide, idempotency=idempotency)

    def _plan_of_kind(self, plan_id: UUID, kind: PlanKind) -> MonitoringPlan:
        """The plan an evaluation is of: of that kind, and the version in force."""
        plan = self.plan(plan_id)
        if plan.content.kind != kind:
            raise WrongPlanKind(f"{plan_id} is a {plan.content.kind.value}", field="plan_id")
        plan.require_in_force()
        return plan

    # --- queries ----------------------------------------------------------------------------------
    def case(self, case_id: UUID) -> Case | None:
        return self.get(Case, case_id)

    def case_by_subject(self, source: str, subject: str) -> Case | None:
        return self.get(Case, case_id_for(source, subject))

    def plan(self, plan_id: UUID) -> MonitoringPlan:
        """By monitoring's id or by the planning plan's id."""
        plan = self.get(MonitoringPlan, plan_id) or self.get(
            MonitoringPlan, MonitoringPlan.create_id(plan_id))
        if plan is None:
            raise PlanNotFound(str(plan_id))
        return plan

    def inspection(self, round_id: UUID) -> InspectionRound:
        found = self.get(InspectionRound, round_id)
        if found is None:
            raise InspectionNotFound(str(round_id))
        return found

    def recommendation(self, recommendation_id: UUID) -> Recommendation:
        found = self.get(Recommendation, recommendation_id)
        if found is None:
            raise RecommendationNotFound(str(recommendation_id))
        return found

    def evaluation(self, evaluation_id: UUID) -> Evaluation:
        found = self.get(Evaluation, evaluation_id)
        if found is None:
            raise EvaluationNotFound(str(evaluation_id))
        return found

    def budget_used(self, project_id: UUID | None, fiscal_year_be: int | None = None) -> Decimal:
        return self.budget_used_of([project_id], fiscal_year_be).get(project_id, ZERO)

    def budget_used_of(self, project_ids: Iterable[UUID | None],
                       fiscal_year_be: int | None = None) -> dict[UUID, Decimal]:
        """What each project used (in `fiscal_year_be`, or in all), as budgeting reported it:
        one look-up for them all."""
        wanted = {BudgetUse.create_id(p) for p in project_ids if p is not None}
        used: dict[UUID, Decimal] = {}
        for view in self.budget_uses.views({"id__in": sorted(map(str, wanted))}) if wanted else ():
            used[UUID(view["project_id"])] = sum(
                (Decimal(entry["amount"]) for entry in view["used"]
                 if fiscal_year_be is None or entry["fiscal_year_be"] == fiscal_year_be), ZERO)
        return used

    def _with_budget_used(self, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Plans as listed, with what their projects used now."""
        by_year: dict[int | None, set[UUID]] = {}
        for view in views:
            by_year.setdefault(view["fiscal_year_be"], set()).update(
                UUID(g["project_id"]) for g in view["groups"] if g["project_id"])
        used = {year: self.budget_used_of(projects, year) for year, projects in by_year.items()}
        for view in views:
            for group in view["groups"]:
                project = UUID(group["project_id"]) if group["project_id"] else None
                group["budget_used"] = used[view["fiscal_year_be"]].get(project, ZERO) \
                    if project else ZERO
        return views

    def plan_summary(self, plan_id: UUID) -> dict[str, Any]:
        return self._plan_view(self.plan(plan_id))

    def _plan_view(self, plan: MonitoringPlan) -> dict[str, Any]:
        used = self.budget_used_of([g.project_id for g in plan.content.groups],
                                   plan.content.fiscal_year_be)
        return plan_view(plan, lambda project, _: used.get(project, ZERO) if project else ZERO)

    def plans_page(self, paging: PageRequest, *, kind: PlanKind | None = None,
                   fiscal_year_be: int | None = None,
                   in_force: bool | None = None) -> dict[str, Any]:
        """The plans tracked, newest first, of a kind, covering a fiscal year, in force or
        superseded, as asked."""
        page = self.plans.page(paging, _plan_filter(kind, fiscal_year_be, in_force),
                               order_by=("opened",), descending=True)
        page["items"] = self._with_budget_used(page["items"])
        return page

    def plans_in_force(self, fiscal_year_be: int) -> list[MonitoringPlan]:
        """The plans in force that track `fiscal_year_be` (a superseded version's amendment is
        tracked instead: never counted twice), loaded: a year has a handful."""
        rows = self.plans.select(_plan_filter(None, fiscal_year_be, True), order_by=("opened",))
        return [self.plan(UUID(row["id"])) for row in rows]

    def inspection_summary(self, round_id: UUID) -> dict[str, Any]:
        inspection = self.inspection(round_id)
        return self._inspection_view(inspection)

    def _inspection_view(self, inspection: InspectionRound) -> dict[str, Any]:
        return inspection_view(inspection, self.recommendations.views(
            {"round_id": inspection.id}, order_by=("number",)))

    def inspections_page(self, paging: PageRequest, *,
                         fiscal_year_be: int | None = None) -> dict[str, Any]:
        """Rounds of inspection, newest first, each with its recommendations."""
        where = {"fiscal_year_be": fiscal_year_be} if fiscal_year_be is not None else {}
        page = self.inspections.page(paging, where, order_by=("created",), descending=True)
        rounds = [view["round_id"] for view in page["items"]]
        found: dict[str, list[dict[str, Any]]] = {}
        for view in self.recommendations.views({"round_id__in": rounds},
                                               order_by=("round_id", "number")) if rounds else ():
            found.setdefault(view["round_id"], []).append(view)
        for view in page["items"]:
            view["recommendations"] = found.get(view["round_id"], [])
        return page

    def recommendation_summary(self, recommendation_id: UUID) -> dict[str, Any]:
        return recommendation_view(self.recommendation(recommendation_id))

    def recommendations_of_year(self, fiscal_year_be: int) -> list[Recommendation]:
        """Every recommendation of the year's inspections, by round and number."""
        rows = self.recommendations.select({"fiscal_year_be": fiscal_year_be},
                                           order_by=("round_id", "number"))
        return [self.recommendation(UUID(row["id"])) for row in rows]

    def evaluation_summary(self, evaluation_id: UUID) -> dict[str, Any]:
        return evaluation_view(self.evaluation(evaluation_id))

    def evaluations_page(self, paging: PageRequest, *, kind: EvaluationKind | None = None,
                         fiscal_year_be: int | None = None,
                         issued: bool | None = None) -> dict[str, Any]:
        """Newest first; `fiscal_year_be`: those its annual report carries."""
        where = {column: value for column, value in (
            ("kind", kind), ("report_year", fiscal_year_be), ("issued", issued))
            if value is not None}
        return self.evaluations.page(paging, where, order_by=("recorded",), descending=True)

    def evaluations_of_year(self, fiscal_year_be: int) -> list[Evaluation]:
        """The evaluations the year's annual report carries, oldest first."""
        rows = self.evaluations.select({"report_year": fiscal_year_be}, order_by=("recorded",))
        return [self.evaluation(UUID(row["id"])) for row in rows]


def _plan_filter(kind: PlanKind | None, fiscal_year_be: int | None,
                 in_force: bool | None) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if kind is not None:
        where["kind"] = kind
    if fiscal_year_be is not None:  # its own year, or one of a development plan's years
        where.update(first_year__le=fiscal_year_be, last_year__ge=fiscal_year_be)
    if in_force is not None:
        where["in_force"] = in_force
    return where


# --- results and views ------------------------------------------------------------------------------
def _addressee_th(group: TrackedGroup) -> str:
    who = group.responsible or "ผู้อำนวยการกลุ่ม"
    return f"{who} ({group.responsible_group})" if group.responsible_group else who


def _indicator_result(code: str, name_th: str, unit: str, target: Decimal,
                      actual: Decimal | None) -> IndicatorResult:
    return IndicatorResult(
        code=code, name_th=name_th, unit=unit, target_value=target, actual=actual,
        attainment_pct=percent(actual, target) if actual is not None else None,
        achieved=(actual >= target) if actual is not None else None)


def _indicator(plan: MonitoringPlan, group: TrackedGroup, item: Any) -> IndicatorResult:
    progress = plan.progress(group, item)
    return _indicator_result(item.code, item.name_th, item.unit, item.target_value,
                             progress.actual)


def _indicator_for_period(plan: MonitoringPlan, group: TrackedGroup, item: Any,
                          period: str) -> IndicatorResult:
    report = plan.reports.get((group.code, item.code, period))
    return _indicator_result(item.code, item.name_th, item.unit, item.target_for(period),
                             report.value if report else None)

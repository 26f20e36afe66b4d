"""The planning application: plan commands and queries over the event store.

Each command loads the aggregates it needs, lets the domain decide, and saves every changed
aggregate in one transaction (`ServiceApplication.execute`): an approved amendment and the version
it supersedes change together or not at all. What an approval is checked against (the development
plan in force, the policy, the reference strategies, the fiscal year, the registered resolution) is
loaded here and handed to the domain, which decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.vocabulary import ApprovingBody
from services.planning.domain import (
    APPROVED_STEPS,
    ActionPlanContent,
    FiscalYear,
    HigherStrategy,
    LinkContext,
    NotApprovedYet,
    NothingInForce,
    Plan,
    PlanKind,
    PlanNotFound,
    ReferenceStrategies,
    Step,
    StrategyLevel,
    WrongKind,
    version_in_force,
)
from services.planning.projections import (
    PLAN_COLUMNS,
    PLAN_INDEXES,
    fiscal_year_row,
    plan_row,
    plan_view,
    strategies_view,
)
from services.planning.settings import PlanningSettings
from shared.context import current_actor
from shared.domain import Aggregate
from shared.eventstore import ServiceApplication
from shared.history import history_page
from shared.http.paging import PageRequest
from shared.office.directory import name_th_of
from shared.office.documents import RegisteredDocument, cite
from shared.office.learning import LearnedDocuments
from shared.thaitime import bangkok_date, utc_now

Idempotency = tuple[str, str, str] | None
# Builds a plan's content once its lineage is known (project ids derive from it).
ContentFor = Callable[[UUID], Any]


class PlanningApplication(ServiceApplication):
    name = "planning"  # pinned: it names the stored data
    # The reference strategies live as long as the office: each import that changes them adds an
    # event, so loading them reads the latest snapshot and what came after it.
    snapshotting_intervals = {ReferenceStrategies: 10}

    def __init__(
        self,
        settings: PlanningSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(settings, env)
        self.settings: PlanningSettings = settings
        self.clock = clock
        # Lists, and the commands that look for other plans, read these tables in planning's
        # database (`shared.readmodels`); nothing loads every plan.
        self.plans = self.read_models.listing("plans", of=(Plan,), row=plan_row,
                                              columns=PLAN_COLUMNS, indexes=PLAN_INDEXES)
        self.years = self.read_models.listing("fiscal_years", of=(FiscalYear,),
                                              row=fiscal_year_row,
                                              columns={"year_be": "int", "closed": "bool"},
                                              indexes=(("year_be",),))
        self.documents = LearnedDocuments(self)

    # --- loading ------------------------------------------------------------------------------------
    def plan(self, plan_id: UUID, kind: PlanKind | None = None) -> Plan:
        plan = self.get(Plan, plan_id)
        if plan is None:
            raise PlanNotFound(str(plan_id))
        if kind is not None and plan.kind != kind:
            raise WrongKind(f"plan {plan_id} is a {plan.kind.value}", kind=plan.kind.value)
        return plan

    def references(self, level: StrategyLevel) -> ReferenceStrategies | None:
        return self.get(ReferenceStrategies, ReferenceStrategies.create_id(level))

    def reference_list(self, level: StrategyLevel) -> list[HigherStrategy]:
        found = self.references(level)
        return list(found.strategies.values()) if found is not None else []

    def reference_codes(self, level: StrategyLevel) -> frozenset[str]:
        found = self.references(level)
        return found.codes if found is not None else frozenset()

    def fiscal_year_closed(self, year_be: int | None) -> bool:
        if year_be is None:
            return False
        if year_be in self.settings.closed_fiscal_years:
            return True
        year = self.get(FiscalYear, FiscalYear.create_id(year_be))
        return year is not None and year.closed

    def lineage(self, lineage_id: UUID | None) -> list[Plan]:
        """Every version of one plan, oldest first (a handful: each amendment adds one)."""
        rows = self.plans.select({"lineage_id": str(lineage_id)}, order_by=("plan_version",))
        return [self.plan(UUID(row["id"])) for row in rows]

    def registered_document(self, document_id: UUID) -> RegisteredDocument | None:
        return self.get(RegisteredDocument, RegisteredDocument.create_id(document_id))

    # --- drafting -----------------------------------------------------------------------------------
    def draft(self, kind: PlanKind, *, title_th: str, content_for: ContentFor, drafter_name_th: str,
              fiscal_year_be: int | None = None, start_year_be: int | None = None,
              end_year_be: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        """A new draft by the acting officer, named as the directory names them
        (`drafter_name_th` counts only where the directory does not know the actor)."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            plan_id = uuid4()
            actor = current_actor()
            plan = Plan.draft(plan_id=plan_id, kind=kind, title_th=title_th,
                              content=content_for(plan_id), drafted_by=actor,
                              drafter_name_th=name_th_of(self.directory, actor, drafter_name_th),
                              fiscal_year_be=fiscal_year_be,
                              start_year_be=start_year_be, end_year_be=end_year_be,
                              at=self.clock())
            return plan_view(plan), [plan]

        return self.execute(decide, idempotency=idempotency)

    def _on_plan(self, plan_id: UUID, expected_version: int | None, idempotency: Idempotency,
                 act: Callable[[Plan, str, datetime], Sequence[Aggregate] | None],
                 kind: PlanKind | None = None) -> dict[str, Any]:
        """Load the plan, check If-Match, act, save everything changed together."""

        return self.update(lambda: self.plan(plan_id, kind),
                           lambda plan: act(plan, current_actor(), self.clock()), plan_view,
                           expected_version=expected_version, idempotency=idempotency)

    def revise(self, plan_id: UUID, kind: PlanKind, *, title_th: str | None,
               content_for: ContentFor, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.revise(
            title_th=title_th, content=content_for(p.lineage_id or p.id), by=by, at=at), kind)

    def amend(self, plan_id: UUID, *, drafter_name_th: str,
              idempotency: Idempotency = None) -> dict[str, Any]:
        """Start the next version of an approved plan (a draft with the same content), drafted by
        the acting officer and named as the directory names them."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            original = self.plan(plan_id)
            actor = current_actor()
            amendment = Plan.amend(original, plan_id=uuid4(), drafted_by=actor,
                                   drafter_name_th=name_th_of(self.directory, actor,
                                                              drafter_name_th),
                                   at=self.clock())
            return plan_view(amendment), [amendment]

        return self.execute(decide, idempotency=idempotency)

    # --- approval rounds ----------------------------------------------------------------------------
    def submit(self, plan_id: UUID, *, body: ApprovingBody, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency,
                             lambda p, by, at: p.submit(by=by, body=body, at=at))

    def return_for_revision(self, plan_id: UUID, *, reason: str, decided_on: date | None,
                            resolution_document_id: UUID | None,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.return_for_revision(
            by=by, reason=reason, decided_on=decided_on or bangkok_date(at),
            resolution=self._cite(resolution_document_id), at=at))

    def reject(self, plan_id: UUID, *, reason: str, decided_on: date | None,
               resolution_document_id: UUID | None, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.reject(
            by=by, reason=reason, decided_on=decided_on or bangkok_date(at),
            resolution=self._cite(resolution_document_id), at=at))

    def approve(self, plan_id: UUID, *, decided_on: date | None, resolution_document_id: UUID | None,
                effective_from: date | None = None, expected_version: int | None = None,
                idempotency: Idempotency = None) -> dict[str, Any]:
        """The approving body's approval, citing its registered resolution; an approved amendment
        closes the version it amends (superseded) in the same transaction."""

        def act(plan: Plan, by: str, at: datetime) -> list[Aggregate]:
            day = decided_on or bangkok_date(at)
            previous = self.get(Plan, plan.amends_plan_id) if plan.amends_plan_id else None
            plan.approve(
                by=by, decided_on=day, resolution=self._cite(resolution_document_id),
                context=self._link_context(plan, day),
                fiscal_year_closed=self.fiscal_year_closed(plan.fiscal_year_be),
                competing_plan_id=self._competing_plan(plan), effective_from=effective_from,
                previous=previous, at=at)
            if previous is None:
                return []
            previous.close_superseded(by=by, amendment=plan, at=at)
            return [previous]

        return self._on_plan(plan_id, expected_version, idempotency, act)

    def _cite(self, document_id: UUID | None) -> Any:
        if document_id is None:
            return None
        return cite(self.registered_document(document_id), document_id)

    def _link_context(self, plan: Plan, day: date) -> LinkContext:
        development_plan = policy = None
        content = plan.content
        if isinstance(content, ActionPlanContent):
            named = self.get(Plan, content.development_plan_id)
            if named is not None and named.kind == PlanKind.development_plan:
                development_plan = version_in_force(self.lineage(named.lineage_id), day)
            if content.policy_id is not None:
                policy = self.get(Plan, content.policy_id)
        return LinkContext(
            development_plan=development_plan,
            policy=policy if policy is None or policy.kind == PlanKind.policy else None,
            provincial_codes=self.reference_codes(StrategyLevel.provincial),
            national_codes=self.reference_codes(StrategyLevel.national),
        )

    def _competing_plan(self, plan: Plan) -> UUID | None:
        """Another lineage's approved plan of the same kind and fiscal year, still standing."""
        if plan.fiscal_year_be is None:
            return None
        found = self.plans.select({"kind": plan.kind, "fiscal_year_be": plan.fiscal_year_be,
                                   "standing": True, "lineage_id__ne": str(plan.lineage_id)},
                                  limit=1)
        return UUID(found[0]["id"]) if found else None

    # --- after approval -----------------------------------------------------------------------------
    def publish(self, plan_id: UUID, *, published_on: date | None,
                expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.publish(
            by=by, published_on=published_on or bangkok_date(at), at=at))

    def start_execution(self, plan_id: UUID, *, started_on: date | None,
                        expected_version: int | None = None,
                        idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.start_execution(
            by=by, started_on=started_on or bangkok_date(at), at=at))

    def close_plan(self, plan_id: UUID, *, closed_on: date | None, expected_version: int | None = None,
              idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_plan(plan_id, expected_version, idempotency, lambda p, by, at: p.close(
            by=by, closed_on=closed_on or bangkok_date(at), at=at))

    # --- fiscal years and reference data ------------------------------------------------------------
    def _fiscal_year(self, year_be: int) -> FiscalYear:
        return self.get(FiscalYear, FiscalYear.create_id(year_be)) or FiscalYear.start(year_be)

    def close_fiscal_year(self, year_be: int, *, reason: str,
                          idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            year = self._fiscal_year(year_be)
            year.close(reason=reason, by=current_actor(), at=self.clock())
            return self.fiscal_year_view(year_be, year), [year]

        return self.execute(decide, idempotency=idempotency)

    def reopen_fiscal_year(self, year_be: int, *, reason: str,
                           idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            year = self._fiscal_year(year_be)
            year.reopen(reason=reason, by=current_actor(), at=self.clock())
            return self.fiscal_year_view(year_be, year), [year]

        return self.execute(decide, idempotency=idempotency)

    def import_strategies(self, level: StrategyLevel, strategies: Sequence[HigherStrategy], *,
                          source: str, idempotency: Idempotency = None) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            register = self.references(level) or ReferenceStrategies.start(level)
            changed = register.import_strategies(strategies, source=source, by=current_actor(),
                                                 at=self.clock())
            return {**strategies_view(level, register), "changed": changed}, [register]

        return self.execute(decide, idempotency=idempotency)

    # --- queries ------------------------------------------------------------------------------------
    def plan_summary(self, plan_id: UUID) -> dict[str, Any]:
        found = self.view(Plan, plan_id, plan_view)
        if found is None:
            raise PlanNotFound(str(plan_id))
        return found

    def list_plans(self, paging: PageRequest, *, kind: PlanKind | None = None,
                   fiscal_year_be: int | None = None, step: Step | None = None,
                   holder: str | None = None, text: str | None = None) -> dict[str, Any]:
        """A page of plans, most recently changed first."""
        where: dict[str, Any] = {}
        for column, value in (("kind", kind), ("fiscal_year_be", fiscal_year_be), ("step", step),
                              ("holder", holder)):
            if value is not None:
                where[column] = value
        if text:
            where["title_th__contains"] = text
        return self.plans.page(paging, where, order_by=("step_since",), descending=True)

    def history(self, plan_id: UUID, paging: PageRequest) -> dict[str, Any]:
        return history_page(self, self.plan(plan_id), paging)

    def versions(self, plan_id: UUID, paging: PageRequest) -> dict[str, Any]:
        plan = self.plan(plan_id)
        return self.plans.page(paging, {"lineage_id": str(plan.lineage_id)},
                               order_by=("plan_version",))

    def in_force(self, plan_id: UUID, on: date | None) -> dict[str, Any]:
        """The approved version of the plan's lineage in force on `on` (default: today)."""
        plan = self.plan(plan_id)
        day = on or bangkok_date(self.clock())
        found = version_in_force(self.lineage(plan.lineage_id), day)
        if found is None:
            raise NothingInForce(f"{plan.title_th} on {day}", on=str(day))
        return {**plan_view(found), "in_force_on": day}

    def approved_action_plan(self, plan_id: UUID) -> Plan:
        plan = self.plan(plan_id, PlanKind.action_plan)
        if plan.step not in APPROVED_STEPS or plan.approval is None:
            raise NotApprovedYet(f"step is {plan.step.value}", step=plan.step.value)
        return plan

    def development_plans_in_force(self, day: date) -> list[Plan]:
        """The version in force on `day` of each development plan: of the approved versions
        whose days may include it (the listing's interval), the one its lineage puts in force."""
        candidates = self.plans.select({
            "kind": PlanKind.development_plan, "in_force_from__le": day.isoformat(),
            "in_force_until__ge": day.isoformat()}, order_by=("lineage_id", "plan_version"))
        by_lineage: dict[str, list[Plan]] = {}
        for row in candidates:
            by_lineage.setdefault(row["lineage_id"], []).append(self.plan(UUID(row["id"])))
        found = (version_in_force(versions, day) for versions in by_lineage.values())
        return [p for p in found if p is not None]

    def approved_action_plans(self, fiscal_year_be: int) -> list[Plan]:
        """The fiscal year's approved action plans still standing (not superseded)."""
        rows = self.plans.select({"kind": PlanKind.action_plan, "fiscal_year_be": fiscal_year_be,
                                  "standing": True}, order_by=("lineage_id",))
        return [self.plan(UUID(row["id"])) for row in rows]

    def fiscal_year_view(self, year_be: int, year: FiscalYear | None = None) -> dict[str, Any]:
        year = year or self.get(FiscalYear, FiscalYear.create_id(year_be))
        by_config = year_be in self.settings.closed_fiscal_years
        return {
            "fiscal_year_be": year_be,
            "closed": by_config or bool(year and year.closed),
            "closed_by_configuration": by_config,
            "reason": year.reason if year else "",
            "version": year.version if year else 0,
        }

    def fiscal_years(self, paging: PageRequest, *, closed: bool | None = None) -> dict[str, Any]:
        """A page of the fiscal years with plans, closed by command or by configuration (one a
        year: the only list here that grows with the years themselves)."""
        years = set(self.settings.closed_fiscal_years) | self._plan_years()
        years |= {row["year_be"] for row in self.years.stream(order_by=("year_be",))}
        views = (self.fiscal_year_view(year) for year in sorted(years))
        return paging.page((v for v in views if closed is None or v["closed"] == closed),
                           key=lambda v: (v["fiscal_year_be"],))

    def _plan_years(self) -> set[int]:
        """The fiscal years plans are for, one indexed look-up per year (not a row per plan)."""
        years: set[int] = set()
        last = 0
        while found := self.plans.select({"fiscal_year_be__gt": last},
                                         order_by=("fiscal_year_be",), limit=1):
            last = found[0]["fiscal_year_be"]
            years.add(last)
        return years

    def strategies(self, level: StrategyLevel) -> dict[str, Any]:
        register = self.references(level)
        return strategies_view(level, register)

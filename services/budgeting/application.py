"""The budgeting application: commands and queries over the event store.

Each command loads the aggregates it needs, lets the domain decide, and saves every changed aggregate
in one transaction (`ServiceApplication.execute`): an approved allocation and the money it puts on a
line, or a transfer's last approval and both lines it moves money between, are recorded together or
not at all. A command the rules refuse records nothing.

The reactions to other services' events (`handlers.py`) call the `apply_*` methods, which decide
and return the changed aggregates for the consumer to save with its tracking position.

What lists show is read from budgeting's own database (`shared.readmodels`): the lines, the
schools, the cases and the register of external resources are listings kept up to date from the
event store and resumed after a restart; no list, report or command loads every aggregate. A
balance as of a moment starts from a snapshot of the line taken before it (`line_at`).

Who may run a command is `rights.py`'s, checked by `ServiceApplication` before anything is decided
(the actor) and when the case is loaded (`update` → `check_record`: separation of duties, body
decisions). A command passes its actor (`current_actor()`) to the case where the case's own rule
needs it (a committee member does the committee's work); a decision cites a document as
correspondence registered it (`cited`), never as the caller described it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from contracts.budgeting.v1 import (
    AllocationItem,
    AllocationMethod,
    AnalysisFigure,
    RecipientKind,
    RequestKind,
    TargetOutput,
)
from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import (
    ApprovingBody,
    Decision,
    ExpenseCategory,
    RegisteredDocumentRef,
    SchoolLevel,
)
from services.budgeting.domain import (
    CASE_TYPES,
    DEFAULT_PER_HEAD_RATES,
    Allocation,
    AlreadyExists,
    BudgetAnalysis,
    BudgetLine,
    BudgetRequest,
    BudgetTransfer,
    CaseNotFound,
    ExternalFunding,
    LeftoverReview,
    LineNotFound,
    PerHeadRates,
    RequestItem,
    SchoolNotFound,
    SchoolRecord,
    Snapshot,
    TransferRules,
    committee_of,
    fiscal_halves,
    line_as_of,
    parse_rate_csv,
    per_head_allocation,
    report_of,
    require_fundable,
    total_of,
    valid_school_code,
)
from services.budgeting.projections import (
    CASE_KINDS,
    case_row,
    case_view,
    every_row,
    line_history,
    line_list_view,
    line_row,
    line_view,
    moment_key,
    register_entries,
    resources_row,
    school_of_row,
    school_row,
    school_view,
    spending_plan,
    spending_plan_csv,
)
from services.budgeting.settings import BudgetingSettings
from shared.context import current_actor
from shared.domain import Aggregate
from shared.eventstore import ServiceApplication, check_version
from shared.http.paging import InvalidCursor, PageRequest, encode_cursor
from shared.office.documents import RegisteredDocument, cite
from shared.office.learning import LearnedDocuments
from shared.thaitime import bangkok_date, utc_now

Idempotency = tuple[str, str, str] | None
C = TypeVar("C", bound=Aggregate)
# A step of a case: (the case, the moment) → the other aggregates it changed.
Act = Callable[[Any, datetime], Sequence[Aggregate] | None]


def load_transfer_rules(settings: BudgetingSettings) -> TransferRules:
    if settings.transfer_rules_file is None:
        return TransferRules.default(settings.transfer_approver)
    text = settings.transfer_rules_file.read_text(encoding="utf-8")
    return TransferRules.from_csv(text, settings.transfer_approver)


def load_rate_file(settings: BudgetingSettings) -> dict[int, dict[SchoolLevel, Decimal]]:
    path = settings.per_head_rates_file
    return parse_rate_csv(path.read_text(encoding="utf-8-sig")) if path.exists() else {}


LINE_ORDER = ("fiscal_year_be", "project_code", "category")


class BudgetingApplication(ServiceApplication):
    name = "budgeting"  # pinned: it names the stored data
    # A line takes every movement of its year's money; a budget request a submission and a review
    # per school; an analysis a response per respondent; a school its enrolment, year after year.
    snapshotting_intervals = {BudgetLine: 100, BudgetRequest: 100, BudgetAnalysis: 100,
                              SchoolRecord: 10}

    def __init__(
        self,
        settings: BudgetingSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(settings, env)
        self.settings: BudgetingSettings = settings
        self.clock = clock
        # The documents registered in correspondence that budgeting's decisions cite.
        self.documents = LearnedDocuments(self)
        self.transfer_rules = load_transfer_rules(settings)
        self.rate_file = load_rate_file(settings)
        models = self.read_models
        # The staff directory's listing too (declared when the directory is first used): every
        # listing is declared before the read models start, whatever is asked first.
        assert self.directory is not None
        self.lines = models.listing(
            "lines", of=(BudgetLine,), row=line_row,
            columns={"fiscal_year_be": "int", "project_code": "text", "category": "text",
                     "opened_at": "text"},
            indexes=(LINE_ORDER, ("project_code", "fiscal_year_be"),
                     ("category", "fiscal_year_be", "project_code")))
        self.schools = models.listing(
            "schools", of=(SchoolRecord,), row=school_row,
            columns={"school_code": "text", "district": "text", "status": "text",
                     "open_until": "text"},
            indexes=(("school_code",), ("district", "school_code"), ("open_until",)))
        self.cases = models.listing(
            "cases", of=CASE_TYPES, row=case_row,
            columns={"case_type": "text", "fiscal_year_be": "int", "step": "text",
                     "holder": "text", "closed": "bool", "since": "text"},
            indexes=(("case_type", "since"), ("case_type", "fiscal_year_be", "since"),
                     ("case_type", "closed", "since"), ("case_type", "step", "since")))
        self.resources = models.listing(
            "external_resources", of=(ExternalFunding,), row=resources_row,
            columns={"first_year": "int", "last_year": "int"},
            indexes=(("last_year", "first_year"),))

    # --- loading ------------------------------------------------------------------------------------
    def line(self, line_id: UUID) -> BudgetLine:
        line = self.get(BudgetLine, line_id)
        if line is None:
            raise LineNotFound(str(line_id))
        return line

    def case(self, case_type: type[C], case_id: UUID) -> C:
        case = self.get(case_type, case_id)
        if case is None:
            raise CaseNotFound(f"no {case_type.__name__} {case_id}")
        return case

    # --- budget lines -------------------------------------------------------------------------------
    def open_line(self, *, fiscal_year_be: int, project_code: str, title_th: str,
                  category: ExpenseCategory, planned_by_quarter: Mapping[int, Decimal],
                  idempotency: Idempotency = None) -> dict[str, Any]:
        """A line for a project no action plan named (e.g. money OBEC earmarks)."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            project_id = BudgetLine.project_id_for(fiscal_year_be, project_code)
            taken = self.lines.count({"fiscal_year_be": fiscal_year_be,
                                      "project_code": project_code.strip(),
                                      "category": ExpenseCategory(category)})
            if taken or self.get(BudgetLine, BudgetLine.create_id(
                    fiscal_year_be, project_id, category)) is not None:
                raise AlreadyExists(f"{project_code} {category} {fiscal_year_be}")
            line = BudgetLine.open(fiscal_year_be=fiscal_year_be, project_id=project_id,
                                   project_code=project_code, title_th=title_th, category=category,
                                   planned_by_quarter=planned_by_quarter, plan_id=None,
                                   at=self.clock())
            return line_view(line), [line]

        return self.execute(decide, idempotency=idempotency)

    def _on_line(self, line_id: UUID, expected_version: int | None, idempotency: Idempotency,
                 act: Callable[[BudgetLine, datetime], None]) -> dict[str, Any]:
        return self.update(lambda: self.line(line_id), lambda line: act(line, self.clock()),
                           line_view, expected_version=expected_version, idempotency=idempotency)

    def commit(self, line_id: UUID, *, amount: Decimal, reference: str,
               expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_line(line_id, expected_version, idempotency,
                             lambda line, at: line.commit(amount, reference=reference, at=at))

    def release_commitment(self, line_id: UUID, *, amount: Decimal, reference: str,
                           expected_version: int | None = None,
                           idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_line(line_id, expected_version, idempotency, lambda line, at:
                             line.release_commitment(amount, reference=reference, at=at))

    def disburse(self, line_id: UUID, *, amount: Decimal, reference: str, settles_commitment: bool,
                 expected_version: int | None = None,
                 idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_line(line_id, expected_version, idempotency, lambda line, at: line.disburse(
            amount, reference=reference, settles_commitment=settles_commitment, at=at))

    def line_at(self, line_id: UUID, moment: datetime) -> BudgetLine | None:
        """The line as its events left it at `moment` (`domain.line_as_of`), or None if it was
        not open yet. It starts from the latest snapshot all of whose events were at or before
        the moment and reads the events after it, as many as a snapshot spans at a time, until
        one is after the moment (the next snapshot's events hold one): at most a snapshot's span
        of events however long the line's history, the same line as folding every event."""
        start: BudgetLine | None = None
        lte: int | None = None
        assert self.snapshots is not None  # `snapshotting_intervals` makes the store
        while True:  # newest first: a recent moment stops at the first snapshot
            found = list(self.snapshots.get(line_id, lte=lte, desc=True, limit=1))
            if not found:
                break
            candidate = found[0].mutate(None)
            if candidate.latest_at <= moment:
                start = candidate
                break
            lte = found[0].originator_version - 1
        span = self.snapshotting_intervals[BudgetLine]
        return line_as_of(self._events_after(line_id, start.version if start else None, span),
                          moment, start)

    def _events_after(self, aggregate_id: UUID, version: int | None,
                      batch: int) -> Iterator[Any]:
        while True:
            events = list(self.events.get(aggregate_id, gt=version, limit=batch))
            yield from events
            if len(events) < batch:
                return
            version = events[-1].originator_version

    def line_summary(self, line_id: UUID, as_of: datetime | None = None) -> dict[str, Any]:
        """The line now, or as its events left it at `as_of`."""
        if as_of is None:
            return line_view(self.line(line_id))
        line = self.line_at(line_id, as_of)
        if line is None:
            raise LineNotFound(f"{line_id} was not open at {as_of.isoformat()}")
        return line_view(line)

    def line_movements(self, line_id: UUID, paging: PageRequest) -> dict[str, Any]:
        """A page of the line's events in order, each with the balance after it; the cursor is
        the version of the last one given, the total the line's version (one event each)."""
        line = self.line(line_id)
        after = paging.after
        if after is not None and (len(after) != 1 or type(after[0]) is not int or after[0] < 1):
            raise InvalidCursor("the cursor is not one of this line's movements",
                                field="cursor")
        version = after[0] if after else None
        before = self.load(line_id, version) if version is not None else None
        events = list(self.events.get(line_id, gt=version, limit=paging.limit + 1))
        rows = line_history(events[:paging.limit], before)
        more = len(events) > paging.limit
        return paging.answer(rows, encode_cursor([rows[-1]["version"]]) if more else None,
                             line.version)

    def lines_page(self, paging: PageRequest, *, fiscal_year_be: int | None = None,
                   project_code: str | None = None, category: ExpenseCategory | None = None,
                   as_of: datetime | None = None) -> dict[str, Any]:
        """Lines by fiscal year, project and category; with `as_of`, those open then, each as its
        events left it at that moment."""
        where: dict[str, Any] = {}
        if fiscal_year_be is not None:
            where["fiscal_year_be"] = fiscal_year_be
        if project_code is not None:
            where["project_code"] = project_code.strip()
        if category is not None:
            where["category"] = ExpenseCategory(category)
        if as_of is None:
            return self.lines.page(paging, where, order_by=LINE_ORDER, view=line_list_view)
        where["opened_at__le"] = moment_key(as_of)

        def past(view: dict[str, Any]) -> dict[str, Any]:
            line = self.line_at(UUID(str(view["line_id"])), as_of)
            assert line is not None  # opened by then: `opened_at`
            return line_view(line)

        return self.lines.page(paging, where, order_by=LINE_ORDER, view=past)

    def _lines_of_year(self, fiscal_year_be: int) -> Iterator[dict[str, Any]]:
        """The year's lines as their rows keep them, in (project code, category) order."""
        for row in every_row(self.lines, {"fiscal_year_be": fiscal_year_be},
                             ("project_code", "category")):
            yield row["view"]

    def spending_plan(self, fiscal_year_be: int) -> dict[str, Any]:
        return spending_plan(fiscal_year_be, self._lines_of_year(fiscal_year_be))

    def spending_plan_csv(self, fiscal_year_be: int) -> Iterator[str]:
        return spending_plan_csv(fiscal_year_be, self._lines_of_year(fiscal_year_be))

    # --- what other services tell us (decide only: the consumer saves) ----------------------------
    def apply_action_plan(self, *, plan_id: UUID, fiscal_year_be: int,
                          projects: Sequence[tuple[UUID, str, str, Mapping[ExpenseCategory,
                                                   Mapping[int, Decimal]]]]) -> list[BudgetLine]:
        """Open a line per project and category of an approved action plan, or revise its planned
        amounts after an amended plan. The line's id comes from the fiscal year, project and
        category, so a redelivered or repeated approval finds its lines and changes nothing."""
        at = self.clock()
        changed = []
        for project_id, code, title_th, by_category in projects:
            for category, planned in by_category.items():
                line = self.get(BudgetLine, BudgetLine.create_id(fiscal_year_be, project_id,
                                                                 category))
                if line is None:
                    changed.append(BudgetLine.open(
                        fiscal_year_be=fiscal_year_be, project_id=project_id, project_code=code,
                        title_th=title_th, category=category, planned_by_quarter=planned,
                        plan_id=plan_id, at=at))
                elif line.revise_plan(planned_by_quarter=planned, plan_id=plan_id, at=at):
                    changed.append(line)
        return changed

    def _school(self, code: str) -> SchoolRecord:
        return (self.get(SchoolRecord, SchoolRecord.create_id(valid_school_code(code)))
                or SchoolRecord.note(school_code=code))

    def apply_school_registered(self, *, code: str, name_th: str,
                                district: str) -> list[SchoolRecord]:
        school = self._school(code)
        school.describe(name_th=name_th, district=district)
        return [school]

    def apply_enrolment(self, *, code: str, snapshot: Snapshot) -> list[SchoolRecord]:
        school = self._school(code)
        school.record_enrolment(snapshot)
        return [school]

    def apply_merger(self, *, code: str, into_code: str, effective_date: date) -> list[SchoolRecord]:
        """From its effective date the absorbed school's pupils count for the receiving school."""
        school, receiver = self._school(code), self._school(into_code)
        school.merge_into(into_code=into_code, effective_date=effective_date)
        return [school, receiver]

    def apply_closure(self, *, code: str, status: SchoolStatus,
                      effective_date: date) -> list[SchoolRecord]:
        school = self._school(code)
        school.close(status=status, effective_date=effective_date)
        return [school]

    def school_summary(self, code: str, as_of: date | None = None) -> dict[str, Any]:
        school = self.get(SchoolRecord, SchoolRecord.create_id(valid_school_code(code)))
        if school is None:
            raise SchoolNotFound(code)
        return school_view(school, as_of or bangkok_date(self.clock()))

    def schools_page(self, paging: PageRequest, *, status: SchoolStatus | None = None,
                     district: str | None = None, as_of: date | None = None) -> dict[str, Any]:
        """The schools as they stand on `as_of` (default today), by school code: a restructuring
        decided but not yet effective leaves the school open until its effective date."""
        day = as_of or bangkok_date(self.clock())
        where: dict[str, Any] = {}
        if district is not None:
            where["district"] = district.strip()
        if status == SchoolStatus.open:
            where["open_until__gt"] = day
        elif status is not None:
            where.update(status=status, open_until__le=day)
        return self.schools.page(paging, where, order_by=("school_code",),
                                 view=lambda view: school_view(school_of_row(view), day))

    def schools_for_per_head(self, fiscal_year_be: int) -> list[SchoolRecord]:
        """Every school the per-head rule of the year may count, from the `schools` listing (no
        school's events are read): those open at some time since 1 January of the Christian year
        the fiscal year begins in, when academic year N-1, whose snapshots fund it, began (a
        school closed before has no snapshot that counts), and the schools their mergers name.
        Schools closed before that are not read, however many the registry has had."""
        first_day, _ = fiscal_halves(fiscal_year_be)
        since = date(first_day.year, 1, 1)
        records = {school.school_code: school for school in (
            school_of_row(row["view"])
            for row in every_row(self.schools, {"open_until__gt": since}, ("school_code",)))}
        asked: set[str] = set()  # a code no registry reported ends its chain
        while wanted := {s.merged_into for s in records.values()
                         if s.merged_into and s.merged_into not in records} - asked:
            asked |= wanted
            found = self.schools.views({"school_code__in": sorted(wanted)})
            records.update((s.school_code, s) for s in map(school_of_row, found))
        return list(records.values())

    # --- per-head rates -----------------------------------------------------------------------------
    def rates_for(self, fiscal_year_be: int) -> tuple[dict[SchoolLevel, Decimal], str]:
        """The year's rate table: set through the API, else the rate file, else the defaults."""
        recorded = self.get(PerHeadRates, PerHeadRates.create_id(fiscal_year_be))
        if recorded is not None:
            return dict(recorded.rates), recorded.source_th
        if fiscal_year_be in self.rate_file:
            return dict(self.rate_file[fiscal_year_be]), "ตารางอัตราเงินอุดหนุนรายหัว (แฟ้มข้อมูล)"
        return dict(DEFAULT_PER_HEAD_RATES), "อัตรามาตรฐานของ สพฐ."

    def set_rates(self, fiscal_year_be: int, *, rates: Mapping[SchoolLevel, Decimal],
                  source_th: str, expected_version: int | None = None,
                  idempotency: Idempotency = None) -> dict[str, Any]:
        """Record the year's table, or change it: a change names the version it read (If-Match),
        so nobody overwrites rates they have not seen."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            table = self.get(PerHeadRates, PerHeadRates.create_id(fiscal_year_be))
            if table is None:
                table = PerHeadRates.set_for(fiscal_year_be=fiscal_year_be, rates=rates,
                                             source_th=source_th)
            else:
                check_version(table, expected_version, required=True)
                table.change(rates=rates, source_th=source_th)
            return self.rates_view(fiscal_year_be, table), [table]

        return self.execute(decide, idempotency=idempotency)

    def rates_view(self, fiscal_year_be: int, table: PerHeadRates | None = None) -> dict[str, Any]:
        """The year's rates; `version` is the recorded table's (its ETag), None while the year
        uses the rate file or the defaults."""
        table = table or self.get(PerHeadRates, PerHeadRates.create_id(fiscal_year_be))
        if table is not None:
            rates, source = dict(table.rates), table.source_th
        else:
            rates, source = self.rates_for(fiscal_year_be)
        return {"fiscal_year_be": fiscal_year_be, "source_th": source,
                "rates": {level.value: rate for level, rate in rates.items()},
                "version": table.version if table is not None else None}

    # --- cases: one shape for every step --------------------------------------------------------------
    def _create(self, make: Callable[[datetime], tuple[Aggregate, Sequence[Aggregate]]],
                idempotency: Idempotency) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            case, others = make(self.clock())
            return case_view(case), [case, *others]

        return self.execute(decide, idempotency=idempotency)

    def _on_case(self, case_type: type[Aggregate], case_id: UUID, expected_version: int | None,
                 idempotency: Idempotency, act: Act,
                 extra: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
        """Load the case, check If-Match, act, save the case and what else changed together."""

        def view(case: Aggregate) -> dict[str, Any]:
            answer = case_view(case)
            if extra is not None:
                answer.update(extra())
            return answer

        return self.update(lambda: self.case(case_type, case_id), lambda case: act(case, self.clock()),
                           view, expected_version=expected_version, idempotency=idempotency)

    def case_summary(self, case_type: type[Aggregate], case_id: UUID) -> dict[str, Any]:
        return case_view(self.case(case_type, case_id))

    def cases_page(self, case_type: type[Aggregate], paging: PageRequest, *,
                   fiscal_year_be: int | None = None, step: str | None = None,
                   holder: str | None = None, closed: bool | None = None) -> dict[str, Any]:
        """Cases of one kind, most recently changed first."""
        where: dict[str, Any] = {"case_type": CASE_KINDS[case_type]}
        for column, value in (("fiscal_year_be", fiscal_year_be), ("step", step),
                              ("holder", holder), ("closed", closed)):
            if value is not None:
                where[column] = value
        return self.cases.page(paging, where, order_by=("since",), descending=True)

    def appoint_committee(self, case_type: type[Aggregate], case_id: UUID, *, chair: str,
                          members: Sequence[str], appointed_on: date,
                          order: RegisteredDocumentRef | None, expected_version: int | None = None,
                          idempotency: Idempotency = None) -> dict[str, Any]:
        def act(case: Any, at: datetime) -> None:
            case.appoint_committee(committee_of(chair=chair, members=members,
                                                appointed_on=appointed_on, order=order, at=at), at)

        return self._on_case(case_type, case_id, expected_version, idempotency, act)

    def report_to_obec(self, case_type: type[Aggregate], case_id: UUID, *, reported_on: date,
                       letter: RegisteredDocumentRef | None, expected_version: int | None = None,
                       idempotency: Idempotency = None) -> dict[str, Any]:
        def act(case: Any, at: datetime) -> None:
            case.report_to_obec(sent=report_of(reported_on=reported_on, letter=letter, at=at),
                                at=at)

        return self._on_case(case_type, case_id, expected_version, idempotency, act)

    def decide(self, case_type: type[Aggregate], case_id: UUID, *, body: ApprovingBody,
               decision: Decision, decided_on: date, reason: str | None,
               resolution: RegisteredDocumentRef | None, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        """An approving body's decision on a case; an allocation's approval puts its money on the
        line, a transfer's last approval moves the money, in the same transaction."""

        def act(case: Any, at: datetime) -> list[Aggregate]:
            cited = self.cited(resolution.document_id) if resolution is not None else None
            decision_args = dict(body=body, decision=decision, decided_on=decided_on,
                                 reason=reason, resolution=cited, at=at)
            if isinstance(case, Allocation):
                line = self.line(case.line_id)
                case.decide(line=line, **decision_args)
                return [line]
            if isinstance(case, BudgetTransfer):
                source, target = self.line(case.source_line_id), self.line(case.target_line_id)
                case.decide(source=source, target=target, **decision_args)
                return [source, target]
            case.decide(**decision_args)
            return []

        return self._on_case(case_type, case_id, expected_version, idempotency, act)

    def cited(self, document_id: UUID) -> RegisteredDocumentRef:
        """A document a decision cites, as correspondence registered it: its register number
        and date are the register's, never the caller's word."""
        return cite(self.get(RegisteredDocument, RegisteredDocument.create_id(document_id)),
                    document_id)

    def submit(self, case_type: type[Aggregate], case_id: UUID, *,
               expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_case(case_type, case_id, expected_version, idempotency,
                             lambda case, at: case.submit(at))

    def withdraw(self, case_type: type[Aggregate], case_id: UUID, *, reason: str,
                 expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_case(case_type, case_id, expected_version, idempotency,
                             lambda case, at: case.withdraw(reason=reason, at=at))

    def step(self, case_type: type[Aggregate], case_id: UUID, act: Act, *,
             expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        """Any other step of a case, given as `act(case, at)`."""
        return self._on_case(case_type, case_id, expected_version, idempotency, act)

    # --- allocation (12) ------------------------------------------------------------------------------
    def open_allocation(self, *, title_th: str, line_id: UUID, ceiling: Decimal, criteria_th: str,
                        idempotency: Idempotency = None) -> dict[str, Any]:
        return self._create(lambda at: (Allocation.open(
            title_th=title_th, line=self.line(line_id), ceiling=ceiling, criteria_th=criteria_th,
            at=at), []), idempotency)

    def propose_amounts(self, allocation_id: UUID, *, items: Sequence[AllocationItem],
                        expected_version: int | None = None,
                        idempotency: Idempotency = None) -> dict[str, Any]:
        """The committee's amounts; a school it names must be in the registry restructuring
        reported and open in the allocation's fiscal year (`domain.require_fundable`)."""

        def act(allocation: Allocation, at: datetime) -> None:
            codes = [item.recipient_code for item in items
                     if item.recipient_kind == RecipientKind.school]
            require_fundable(codes, {code: self.school_record(code) for code in codes},
                             allocation.fiscal_year_be)
            allocation.propose(method=AllocationMethod.amounts, items=items, rates=None,
                               by=current_actor(), at=at)

        return self.step(Allocation, allocation_id, act, expected_version=expected_version,
                         idempotency=idempotency)

    def propose_per_head(self, allocation_id: UUID, *, expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        """Per-head subsidy for every school open in a half of the year, as it stands on the half's
        first day, from the enrolment snapshots and the year's rate table (the basis and rounding
        are stated in `domain.per_head_allocation`). Refused while a snapshot it needs is missing
        (`PerHeadComputation.require_complete` says why refusing, not acknowledging)."""
        found: dict[str, Any] = {}

        def act(allocation: Allocation, at: datetime) -> None:
            rates, source = self.rates_for(allocation.fiscal_year_be)
            schools = self.schools_for_per_head(allocation.fiscal_year_be)
            computation = per_head_allocation(schools, rates, allocation.fiscal_year_be)
            computation.require_complete({s.school_code: s for s in schools})
            found.update(missing_snapshots=computation.missing_snapshots,
                         exact_total=computation.exact_total, rates_source_th=source)
            allocation.propose(method=AllocationMethod.per_head, items=computation.items,
                               rates=rates, by=current_actor(), at=at)

        return self._on_case(Allocation, allocation_id, expected_version, idempotency, act,
                             extra=lambda: found)

    def announce_allocation(self, allocation_id: UUID, *, announced_on: date,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(Allocation, allocation_id, lambda a, at: a.announce(
            announced_on=announced_on, at=at), expected_version=expected_version,
            idempotency=idempotency)

    # --- transfers and leftover funds (13) --------------------------------------------------------------
    def propose_transfer(self, *, source_line_id: UUID, target_line_id: UUID, amount: Decimal,
                         reason_th: str, new_investment_item: bool,
                         leftover_review_id: UUID | None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        """A transfer checked against the rule table; one that reallocates leftover funds is
        recorded in its review in the same transaction."""

        def make(at: datetime) -> tuple[Aggregate, list[Aggregate]]:
            transfer = BudgetTransfer.propose(
                source=self.line(source_line_id), target=self.line(target_line_id), amount=amount,
                reason_th=reason_th, new_investment_item=new_investment_item,
                rules=self.transfer_rules, leftover_review_id=leftover_review_id, at=at)
            if leftover_review_id is None:
                return transfer, []
            review = self.case(LeftoverReview, leftover_review_id)
            review.propose_reallocation(transfer, at)
            return transfer, [review]

        return self._create(make, idempotency)

    def revise_transfer(self, transfer_id: UUID, *, amount: Decimal, reason_th: str,
                        expected_version: int | None = None,
                        idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(BudgetTransfer, transfer_id, lambda t, at: t.revise(
            amount=amount, reason_th=reason_th, source=self.line(t.source_line_id), at=at),
            expected_version=expected_version, idempotency=idempotency)

    def open_leftover_review(self, fiscal_year_be: int, *,
                             idempotency: Idempotency = None) -> dict[str, Any]:
        def make(at: datetime) -> tuple[Aggregate, list[Aggregate]]:
            if self.get(LeftoverReview, LeftoverReview.create_id(fiscal_year_be)) is not None:
                raise AlreadyExists(f"the leftover review of {fiscal_year_be} is open already")
            return LeftoverReview.open(fiscal_year_be=fiscal_year_be, at=at), []

        return self._create(make, idempotency)

    def analyse_spending(self, review_id: UUID, *, success: Mapping[UUID, bool | None],
                         expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        def act(review: LeftoverReview, at: datetime) -> None:
            lines = [self.line(UUID(str(view["line_id"])))
                     for view in self._lines_of_year(review.fiscal_year_be)]
            review.analyse(lines=lines, success=success, by=current_actor(), at=at)

        return self.step(LeftoverReview, review_id, act, expected_version=expected_version,
                         idempotency=idempotency)

    # --- analysis (10), requests (11) ------------------------------------------------------------------
    def open_analysis(self, *, fiscal_year_be: int, title_th: str,
                      idempotency: Idempotency = None) -> dict[str, Any]:
        return self._create(lambda at: (BudgetAnalysis.open(
            fiscal_year_be=fiscal_year_be, title_th=title_th, at=at), []), idempotency)

    def draft_analysis_report(self, analysis_id: UUID, *, summary_th: str,
                              figures: Sequence[AnalysisFigure], expected_version: int | None = None,
                              idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(BudgetAnalysis, analysis_id, lambda a, at: a.draft_report(
            summary_th=summary_th, figures=figures, by=current_actor(), at=at),
            expected_version=expected_version, idempotency=idempotency)

    def set_guidelines(self, review_id: UUID, *, guidelines_th: str,
                       expected_version: int | None = None,
                       idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(LeftoverReview, review_id, lambda r, at: r.set_guidelines(
            guidelines_th=guidelines_th, by=current_actor(), at=at),
            expected_version=expected_version, idempotency=idempotency)

    def announce_request(self, *, fiscal_year_be: int, kind: RequestKind, title_th: str,
                         criteria_th: str, due: date | None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        return self._create(lambda at: (BudgetRequest.announce(
            fiscal_year_be=fiscal_year_be, kind=kind, title_th=title_th, criteria_th=criteria_th,
            due=due, at=at), []), idempotency)

    def school_record(self, code: str) -> SchoolRecord | None:
        """The school as restructuring reported it, or None if no registry has the code."""
        return self.get(SchoolRecord, SchoolRecord.create_id(valid_school_code(code)))

    def fundable_school(self, code: str, fiscal_year_be: int) -> SchoolRecord:
        """A school a case of `fiscal_year_be` may name: in the registry and open in that year
        (the rule allocations by amounts follow, `domain.require_fundable`)."""
        record = self.school_record(code)
        require_fundable([valid_school_code(code)], {valid_school_code(code): record},
                         fiscal_year_be)
        assert record is not None
        return record

    def submit_school_request(self, request_id: UUID, *, school_code: str,
                              items: Sequence[RequestItem], expected_version: int | None = None,
                              idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(BudgetRequest, request_id, lambda r, at: r.submit_school_request(
            school_code=school_code,
            school_name_th=self.fundable_school(school_code, r.fiscal_year_be).display_name,
            items=items, at=at), expected_version=expected_version, idempotency=idempotency)

    def review_school_request(self, request_id: UUID, *, school_code: str, appropriate: bool,
                              agreed: Sequence[Decimal], comments_th: str,
                              expected_version: int | None = None,
                              idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(BudgetRequest, request_id, lambda r, at: r.review(
            school_code=school_code, appropriate=appropriate, agreed=agreed,
            comments_th=comments_th, by=current_actor(), at=at),
            expected_version=expected_version, idempotency=idempotency)

    def agree_targets(self, request_id: UUID, *, party: str, outputs: Sequence[TargetOutput],
                      expected_version: int | None = None,
                      idempotency: Idempotency = None) -> dict[str, Any]:
        return self.step(BudgetRequest, request_id, lambda r, at: r.agree_targets(
            party=party, outputs=outputs, at=at), expected_version=expected_version,
            idempotency=idempotency)

    def request_external_funding(self, *, fiscal_year_be: int, school_code: str, source_th: str,
                                 project_th: str, amount: Decimal, value_analysis_th: str,
                                 idempotency: Idempotency = None) -> dict[str, Any]:
        return self._create(lambda at: (ExternalFunding.request(
            fiscal_year_be=fiscal_year_be, school_code=school_code,
            school_name_th=self.fundable_school(school_code, fiscal_year_be).display_name,
            source_th=source_th,
            project_th=project_th, amount=amount, value_analysis_th=value_analysis_th, at=at), []),
            idempotency)

    def external_resources(self, fiscal_year_be: int, paging: PageRequest) -> dict[str, Any]:
        """ทะเบียนการระดมทรัพยากร of a fiscal year, a page of receipts in the order received. It
        reads the requests with a receipt filed in the year (`external_resources` rows, by the
        years their receipts span) and sums the year's amounts: a year's register, however many
        years came before it."""
        views = [row["view"] for row in every_row(
            self.resources, {"last_year__ge": fiscal_year_be, "first_year__le": fiscal_year_be},
            ("last_year",))]
        entries = register_entries(views, fiscal_year_be)
        page = paging.page(entries, key=lambda entry: entry[0], view=lambda entry: entry[1])
        return {"fiscal_year_be": fiscal_year_be, **page,
                "total_amount": total_of(entry["amount"] for _, entry in entries)}


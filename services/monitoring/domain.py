"""Monitoring's domain: a `Case` is whatever another service publishes contract events about,
identified by (source service, subject). Monitoring does not decide anything about the case; it
records, once each, what it observed and where the case stands as a result.

The observed contract fields are copied into monitoring's own plain pydantic models (`Observation`,
`ReportedStatus`): the stored events must stay readable whatever the producers later do to their
payload models or to the envelope. Each event also carries the `CaseState` it leads to, so the read
model, the live feed and the export to the central office read the state straight off the event
instead of folding the case's history again.

Pure: no I/O, no framework.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from shared.domain import (
    Aggregate,
    Conflict,
    DeclaredError,
    FieldRequired,
    event,
    required_text,
)
from shared.thaitime import bangkok_date
from shared.thaitime import fiscal_year_be as fiscal_year_of

UNCLASSIFIED = "none"
OVERDUE_EVENT_TYPE = "monitoring.case.overdue"


def case_id_for(source: str, subject: str) -> UUID:
    """Deterministic, so anyone (the central office too) can compute a case's id from an envelope."""
    return uuid5(NAMESPACE_URL, f"{source}:{subject}")


class _Value(BaseModel):
    # Extra keys are ignored rather than refused: old stored events must keep loading if a field
    # is ever dropped from these models.
    model_config = ConfigDict(frozen=True)


class ReportedStatus(_Value):
    """The producer's statement of where the case stands (the envelope's `status`)."""

    procedure: int
    case_type: str
    title: str | None = None
    step: str
    step_th: str
    holder: str | None = None
    holder_th: str | None = None
    since: datetime
    due: date | None = None
    closed: bool = False


class Observation(_Value):
    """One contract event about the case, as received."""

    event_id: str  # the envelope id: <service>:<aggregate id>:<version>, unique per event
    event_type: str
    sequence: int  # the producer aggregate's version: orders the events of one case
    time: datetime
    actor: str
    trace_id: str = ""
    secrecy: str = UNCLASSIFIED
    status: ReportedStatus | None = None
    # The producer's contract payload as received (what the case is about: e.g. an approved
    # action plan's projects), shown on the feed and in the history, never interpreted here.
    data: dict[str, Any] | None = None


class CaseState(_Value):
    """Where a case stands after an event. Status fields stay None until a producer reports one."""

    source: str
    subject: str
    procedure: int | None = None
    case_type: str | None = None
    title: str | None = None
    step: str | None = None
    step_th: str | None = None
    holder: str | None = None
    holder_th: str | None = None
    since: datetime | None = None
    due: date | None = None
    closed: bool = False
    secrecy: str = UNCLASSIFIED
    last_event_id: str
    last_event_type: str
    last_event_time: datetime
    last_sequence: int
    events: int  # how many distinct contract events were observed
    overdue_raised_for: date | None = None  # the due date whose passing was announced

    @classmethod
    def opened(cls, source: str, subject: str, observation: Observation) -> CaseState:
        blank = cls(
            source=source,
            subject=subject,
            last_event_id=observation.event_id,
            last_event_type=observation.event_type,
            last_event_time=observation.time,
            last_sequence=0,
            events=0,
        )
        return blank.after(observation)

    def after(self, observation: Observation) -> CaseState:
        """The state once `observation` is taken into account.

        An event older than one already applied (a dead letter replayed late) is counted and kept
        in the history, but must not roll the case back to where it stood before.
        """
        if observation.sequence <= self.last_sequence:
            return self.model_copy(update={"events": self.events + 1})
        update: dict[str, object] = {
            "secrecy": observation.secrecy,
            "last_event_id": observation.event_id,
            "last_event_type": observation.event_type,
            "last_event_time": observation.time,
            "last_sequence": observation.sequence,
            "events": self.events + 1,
        }
        status = observation.status
        if status is not None:
            update |= status.model_dump(exclude={"title"})
            if status.title is not None:
                # Later events may omit the title: the last one given still names the case.
                update["title"] = status.title
        if observation.secrecy != UNCLASSIFIED:
            # A classified case shows no title, not even one remembered from before it was classified.
            update["title"] = None
        return self.model_copy(update=update)

    @property
    def classified(self) -> bool:
        return self.secrecy != UNCLASSIFIED

    def is_overdue(self, today: date) -> bool:
        """Overdue: still open and its due date (a Bangkok date) is before `today` (the Bangkok date)."""
        return not self.closed and self.due is not None and self.due < today


class Case(Aggregate, stored_as="monitoring.Case"):
    """A case of another service, as seen by monitoring: one event per distinct contract event."""

    @staticmethod
    def create_id(source: str, subject: str) -> UUID:
        return case_id_for(source, subject)

    @classmethod
    def open(cls, source: str, subject: str, observation: Observation) -> Case:
        return cls(
            source=source,
            subject=subject,
            observation=observation,
            state=CaseState.opened(source, subject, observation),
        )

    @event("Opened")
    def __init__(self, source: str, subject: str, observation: Observation, state: CaseState) -> None:
        self.source = source
        self.subject = subject
        self.state = state
        self.seen: set[str] = {observation.event_id}

    def observe(self, observation: Observation) -> bool:
        """Record `observation` unless this very event was recorded before; True if recorded."""
        if observation.event_id in self.seen:
            return False
        self._observed(observation, self.state.after(observation))
        return True

    def raise_overdue(self, today: date, at: datetime) -> bool:
        """Announce, once per due date, that an open case has passed it; True if announced.

        Recorded like any observation (by monitoring itself), so the board, the feed, the history
        and the central office's export all show it without a special case."""
        state = self.state
        if not state.is_overdue(today) or state.overdue_raised_for == state.due:
            return False
        observation = Observation(
            event_id=f"monitoring:overdue:{self.id}:{state.due}",
            event_type=OVERDUE_EVENT_TYPE,
            sequence=state.last_sequence,
            time=at,
            actor="monitoring",
            secrecy=state.secrecy,
        )
        self._observed(observation, state.model_copy(
            update={"overdue_raised_for": state.due, "events": state.events + 1}))
        return True

    @event("Observed")
    def _observed(self, observation: Observation, state: CaseState) -> None:
        self.state = state
        self.seen.add(observation.event_id)

    # A case lives as long as what it follows: a budget line's case sees every movement.
    def snapshot_state(self) -> dict[str, Any]:
        return {"source": self.source, "subject": self.subject,
                "state": self.state.model_dump(mode="json"), "seen": sorted(self.seen)}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return {"source": state["source"], "subject": state["subject"],
                "state": CaseState.model_validate(state["state"]), "seen": set(state["seen"])}


# =================================================================================================
# Monitoring's own work (procedures 14-15): monitoring plans and progress, budget use, inspection
# rounds and their recommendations, evaluations. Their case-like aggregates state where they stand
# as a `ReportedStatus`, which the application records on a `Case` (source "monitoring") in the
# same transaction, so the board, the feed, the overdue sweep and the central office's export show
# them like any other service's case.
# =================================================================================================

SERVICE = "monitoring"
PROCEDURE_MONITORING = 14
PROCEDURE_EVALUATION = 15
TWO_PLACES = Decimal("0.01")
QUARTERS = ("q1", "q2", "q3", "q4")


class MonitoringError(DeclaredError):
    code = "monitoring-error"
    title_th = "ไม่สามารถดำเนินการได้"
    title_en = "Not allowed"



class UnknownTrackedItem(MonitoringError):
    code = "unknown-tracked-item"
    title_th = "ไม่พบโครงการหรือตัวชี้วัดนี้ในแผนกำกับติดตาม"
    title_en = "No such project or indicator in the monitoring plan"


class InvalidPeriod(MonitoringError):
    code = "invalid-period"
    title_th = "งวดการรายงานไม่ตรงกับแผน"
    title_en = "The reporting period does not belong to the plan"


class InvalidValue(MonitoringError):
    code = "invalid-value"
    title_th = "ค่าที่รายงานไม่ถูกต้อง"
    title_en = "The reported value is not a finite number"


class UnknownIssue(MonitoringError):
    code = "unknown-inspection-issue"
    title_th = "ไม่พบประเด็นการตรวจราชการนี้ในรอบการตรวจ"
    title_en = "No such issue in the inspection round"


class DuplicateCode(MonitoringError):
    code = "duplicate-code"
    title_th = "รหัสซ้ำกัน"
    title_en = "Codes must be unique"


class DueBeforeToday(MonitoringError):
    code = "due-before-today"
    title_th = "วันกำหนดเสร็จต้องไม่ก่อนวันนี้"
    title_en = "The due date is before today"


class WrongStep(Conflict):
    def __init__(self, detail: str) -> None:
        super().__init__("wrong-step", "ขั้นตอนปัจจุบันไม่อนุญาตให้ดำเนินการนี้",
                         "Not allowed in the current step", detail)


class NotTheAssignee(MonitoringError):
    code = "not-the-assignee"
    title_th = "เฉพาะผู้ได้รับมอบหมายเท่านั้นที่รายงานการดำเนินการได้"
    title_en = "Only the assigned officer may report the action taken"
    status = 403


class EvidenceRequired(MonitoringError):
    code = "evidence-required"
    title_th = "ต้องแนบหลักฐานการดำเนินการก่อนปิดเรื่อง"
    title_en = "Evidence of the action is required to close"


class BeforeTheInspection(MonitoringError, Conflict):
    code = "before-the-inspection"
    title_th = "ยังไม่ถึงวันตรวจราชการ จึงยังไม่มีข้อเสนอแนะของผู้ตรวจราชการ"
    title_en = "The inspection has not taken place yet: no recommendation before its date"


class PlanSuperseded(MonitoringError, Conflict):
    code = "plan-superseded"
    title_th = "แผนฉบับนี้ถูกแทนที่ด้วยฉบับปรับปรุงแล้ว ให้ดำเนินการกับฉบับที่ใช้อยู่"
    title_en = "This version of the plan was superseded by an approved amendment"


class AlreadyIssued(Conflict):
    def __init__(self, detail: str) -> None:
        super().__init__("already-issued", "แจ้งผลการประเมินไปแล้ว",
                         "The evaluation's results were already issued", detail)



def _unique(codes: list[str], what: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise DuplicateCode(f"{what} {code!r} appears twice", field=what)
        seen.add(code)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, two places; None when there is no whole to compare with."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def fiscal_quarter(day: date) -> int:
    """Quarter of the fiscal year (1 = October-December) of a Bangkok date."""
    return (day.month - 10) // 3 + 1 if day.month >= 10 else (day.month - 1) // 3 + 2


def period_end(period: str, fiscal_year_be_: int | None) -> date:
    """Last day of a reporting period: a quarter of `fiscal_year_be_`, or a whole fiscal year."""
    if period in QUARTERS:
        assert fiscal_year_be_ is not None
        end_ce = fiscal_year_be_ - 543
        return (date(end_ce - 1, 12, 31), date(end_ce, 3, 31), date(end_ce, 6, 30),
                date(end_ce, 9, 30))[QUARTERS.index(period)]
    return date(int(period) - 543, 9, 30)


def period_th(period: str) -> str:
    return f"ไตรมาส {period[1]}" if period in QUARTERS else f"ปีงบประมาณ พ.ศ. {period}"


class Evidence(_Value):
    """A file kept in the blob store; events carry only its hash."""

    name: str
    media_type: str
    sha256: str
    size: int


# --- monitoring plans ----------------------------------------------------------------------------
class PlanKind(StrEnum):
    action_plan = "action_plan"  # แผนปฏิบัติการประจำปี
    policy = "policy"  # นโยบาย จุดเน้น เป้าหมาย
    development_plan = "development_plan"  # แผนพัฒนาการศึกษาขั้นพื้นฐาน


PLAN_KIND_TH = {
    PlanKind.action_plan: "แผนปฏิบัติการประจำปี",
    PlanKind.policy: "นโยบาย จุดเน้น และเป้าหมาย",
    PlanKind.development_plan: "แผนพัฒนาการศึกษาขั้นพื้นฐาน",
}


class PeriodTarget(_Value):
    period: str
    target_value: Decimal


class TrackedItem(_Value):
    """A KPI (ตัวชี้วัด) or a policy target, with its targets."""

    code: str
    name_th: str
    unit: str
    target_value: Decimal = Field(description="For the year (action plan, policy) or plan end")
    period_targets: tuple[PeriodTarget, ...] = ()

    def target_for(self, period: str) -> Decimal:
        for target in self.period_targets:
            if target.period == period:
                return target.target_value
        return self.target_value


class BudgetLine(_Value):
    category: str
    quarter: int
    amount: Decimal


class TrackedGroup(_Value):
    """A project (action plan), focus point (policy) or strategy (development plan)."""

    code: str
    title_th: str
    project_id: UUID | None = None
    responsible: str | None = None  # officer id
    responsible_group: str | None = None
    items: tuple[TrackedItem, ...]
    budget_lines: tuple[BudgetLine, ...] = ()

    @property
    def planned_budget(self) -> Decimal:
        return sum((line.amount for line in self.budget_lines), Decimal("0.00"))


class PlanContent(_Value):
    """What an approved plan asks monitoring to track (copied from planning's approval)."""

    kind: PlanKind
    source_plan_id: UUID
    source_version: int
    title_th: str
    fiscal_year_be: int | None = None
    start_year_be: int | None = None
    end_year_be: int | None = None
    approved_on: date
    groups: tuple[TrackedGroup, ...]

    @property
    def periods(self) -> tuple[str, ...]:
        if self.kind == PlanKind.development_plan:
            assert self.start_year_be is not None and self.end_year_be is not None
            return tuple(str(y) for y in range(self.start_year_be, self.end_year_be + 1))
        return QUARTERS

    def group(self, code: str) -> TrackedGroup:
        for group in self.groups:
            if group.code == code:
                return group
        raise UnknownTrackedItem(f"no project or focus point {code!r}", field="group_code")

    def validate(self) -> PlanContent:
        if not self.groups:
            raise FieldRequired("a monitoring plan tracks at least one project", field="groups")
        _unique([g.code for g in self.groups], "group code")
        _unique([i.code for g in self.groups for i in g.items], "indicator code")
        for group in self.groups:
            if not group.items:
                raise FieldRequired(f"{group.code} has no indicator", field="items")
            for item in group.items:
                for target in item.period_targets:
                    if target.period not in self.periods:
                        raise InvalidPeriod(f"{item.code}: {target.period}", field="period")
        return self


class Holder(_Value):
    """Who holds a piece of work, in the case's words."""

    holder: str | None
    holder_th: str | None = None


class ProgressReport(_Value):
    group_code: str
    item_code: str
    period: str
    value: Decimal
    note: str = ""
    evidence: Evidence | None = None
    reported_by: str
    reported_at: datetime


class ItemProgress(_Value):
    """Where one indicator stands: its latest reported value against its target."""

    group_code: str
    item_code: str
    name_th: str
    unit: str
    target_value: Decimal
    period: str | None
    actual: Decimal | None
    attainment_pct: Decimal | None
    achieved: bool | None


class MonitoringPlan(Aggregate, stored_as="monitoring.MonitoringPlan"):
    """แผนกำกับติดตาม: one per approved plan of planning; amended versions revise its targets and
    keep every progress report already made."""

    @staticmethod
    def create_id(source_plan_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"monitoring-plan:{source_plan_id}")

    @classmethod
    def open(cls, content: PlanContent, *, grace_days: int, at: datetime) -> MonitoringPlan:
        return cls(source_plan_id=content.source_plan_id, content=content.validate(),
                   grace_days=grace_days, at=at)

    @event("Opened")
    def __init__(self, source_plan_id: UUID, content: PlanContent, grace_days: int,
                 at: datetime) -> None:
        self.source_plan_id = source_plan_id
        self.content = content
        self.grace_days = grace_days
        self.opened_at = at
        self.reports: dict[tuple[str, str, str], ProgressReport] = {}
        self.superseded_by: UUID | None = None
        self.superseded_on: date | None = None

    def revise(self, content: PlanContent, at: datetime) -> bool:
        """Take an amended approval's targets; an older or repeated version changes nothing."""
        if content.source_version <= self.content.source_version:
            return False
        self._revised(content.validate(), at)
        return True

    @event("Revised")
    def _revised(self, content: PlanContent, at: datetime) -> None:
        self.content = content

    def supersede(self, *, by_plan_id: UUID, closed_on: date, at: datetime) -> bool:
        """An approved amendment (another plan of planning) replaced this version: what it
        opened here closes, and nothing more is reported or evaluated on it. Once only."""
        if self.superseded_by is not None:
            return False
        self._superseded(by_plan_id=by_plan_id, closed_on=closed_on, at=at)
        return True

    @event("Superseded")
    def _superseded(self, by_plan_id: UUID, closed_on: date, at: datetime) -> None:
        self.superseded_by, self.superseded_on = by_plan_id, closed_on

    def covers(self, year_be: int) -> bool:
        """Does the plan track fiscal year `year_be` (its own year, or one of a development
        plan's years)?"""
        content = self.content
        if content.kind == PlanKind.development_plan:
            assert content.start_year_be is not None and content.end_year_be is not None
            return content.start_year_be <= year_be <= content.end_year_be
        return content.fiscal_year_be == year_be

    def require_in_force(self) -> None:
        if self.superseded_by is not None:
            raise PlanSuperseded(f"superseded by planning's plan {self.superseded_by}",
                                 superseded_by=str(self.superseded_by))

    def carry_over(self, predecessor: MonitoringPlan, at: datetime) -> list[str]:
        """The progress already reported on the version this one amends, for the projects and
        indicators this version still tracks (and periods not reported here yet). Returns the
        group codes that received reports."""
        taken = [report for key, report in sorted(predecessor.reports.items())
                 if key not in self.reports and report.period in self.content.periods
                 and _tracks(self.content, report.group_code, report.item_code)]
        if not taken:
            return []
        self._carried_over(from_plan_id=predecessor.id, reports=taken, at=at)
        return sorted({report.group_code for report in taken})

    @event("CarriedOver")
    def _carried_over(self, from_plan_id: UUID, reports: list[ProgressReport],
                      at: datetime) -> None:
        for report in reports:
            self.reports[(report.group_code, report.item_code, report.period)] = report

    def report(self, *, group_code: str, item_code: str, period: str, value: Decimal, note: str,
               evidence: Evidence | None, by: str, at: datetime) -> ProgressReport:
        self.require_in_force()
        group = self.content.group(group_code)
        if item_code not in {item.code for item in group.items}:
            raise UnknownTrackedItem(f"{group_code} has no indicator {item_code!r}",
                                     field="item_code")
        if period not in self.content.periods:
            raise InvalidPeriod(f"{period!r} is not one of {', '.join(self.content.periods)}",
                                field="period")
        if not value.is_finite():
            raise InvalidValue(str(value), field="value")
        report = ProgressReport(group_code=group_code, item_code=item_code, period=period,
                                value=value, note=note.strip(), evidence=evidence,
                                reported_by=by, reported_at=at)
        self._progress_reported(report)
        return report

    @event("ProgressReported")
    def _progress_reported(self, report: ProgressReport) -> None:
        self.reports[(report.group_code, report.item_code, report.period)] = report

    # --- rules read off the plan ------------------------------------------------------------------
    def due_on(self, period: str) -> date:
        return period_end(period, self.content.fiscal_year_be) + timedelta(days=self.grace_days)

    def obligations(self) -> tuple[str, ...]:
        """The periods a report is owed for: those not already over when the plan was approved."""
        return tuple(p for p in self.content.periods
                     if period_end(p, self.content.fiscal_year_be) >= self.content.approved_on)

    def pending_period(self, group: TrackedGroup) -> str | None:
        """The first owed period for which not every indicator of the group was reported."""
        for period in self.obligations():
            if any((group.code, item.code, period) not in self.reports for item in group.items):
                return period
        return None

    def progress(self, group: TrackedGroup, item: TrackedItem) -> ItemProgress:
        reported = [p for p in self.content.periods if (group.code, item.code, p) in self.reports]
        period = reported[-1] if reported else None
        actual = self.reports[(group.code, item.code, period)].value if period else None
        target = item.target_value if period is None or period in QUARTERS \
            else item.target_for(period)
        return ItemProgress(
            group_code=group.code, item_code=item.code, name_th=item.name_th, unit=item.unit,
            target_value=target, period=period, actual=actual,
            attainment_pct=percent(actual, target) if actual is not None else None,
            achieved=(actual >= target) if actual is not None else None,
        )

    def group_status(self, group: TrackedGroup, since: datetime,
                     holder: Holder | None = None) -> ReportedStatus:
        """The project's (focus point's, strategy's) case: which report is owed, by whom, when.
        `holder`: who holds the report named for the project's responsible officer (the
        application asks the staff directory); by default that officer."""
        pending = self.pending_period(group)
        held = holder or Holder(holder=group.responsible)
        common = {
            "procedure": PROCEDURE_MONITORING,
            "case_type": "monitoring_item",
            "title": f"ติดตาม {group.code} {group.title_th}",
            "holder": held.holder,
            "holder_th": held.holder_th,
            "since": since,
        }
        if self.superseded_by is not None:
            return ReportedStatus(**{**common, "holder": None, "holder_th": None},
                                  step="superseded",
                                  step_th="แผนถูกแทนที่ด้วยฉบับปรับปรุง ติดตามตามฉบับใหม่",
                                  closed=True)
        if pending is None:
            return ReportedStatus(**common, step="all_reported",
                                  step_th="รายงานความก้าวหน้าครบทุกงวดแล้ว", closed=True)
        return ReportedStatus(**common, step=f"awaiting_{pending}",
                              step_th=f"รอรายงานความก้าวหน้า {period_th(pending)}",
                              due=self.due_on(pending))

    def group_subject(self, group_code: str) -> str:
        return f"{self.id}:{group_code}"

    # Long-lived: a progress report per indicator and period, for every year of the plan.
    def snapshot_state(self) -> dict[str, Any]:
        return {"source_plan_id": str(self.source_plan_id),
                "content": self.content.model_dump(mode="json"), "grace_days": self.grace_days,
                "opened_at": self.opened_at.isoformat(),
                "reports": [report.model_dump(mode="json") for report in self.reports.values()],
                "superseded_by": str(self.superseded_by) if self.superseded_by else None,
                "superseded_on": self.superseded_on.isoformat() if self.superseded_on else None}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        reports = [ProgressReport.model_validate(r) for r in state["reports"]]
        return {
            "source_plan_id": UUID(state["source_plan_id"]),
            "content": PlanContent.model_validate(state["content"]),
            "grace_days": state["grace_days"],
            "opened_at": datetime.fromisoformat(state["opened_at"]),
            "reports": {(r.group_code, r.item_code, r.period): r for r in reports},
            "superseded_by": UUID(state["superseded_by"]) if state["superseded_by"] else None,
            "superseded_on": (date.fromisoformat(state["superseded_on"])
                              if state["superseded_on"] else None),
        }


def _tracks(content: PlanContent, group_code: str, item_code: str) -> bool:
    return any(group.code == group_code and any(item.code == item_code for item in group.items)
               for group in content.groups)


# --- budget use -----------------------------------------------------------------------------------
class BudgetUseEntry(_Value):
    source_event_id: str
    fiscal_year_be: int
    category: str
    quarter: int
    amount: Decimal
    recorded_at: datetime


class BudgetUse(Aggregate, stored_as="monitoring.BudgetUse"):
    """What a project has spent, as budgeting reported it; one per project, whatever the order in
    which the plan and the spending arrive."""

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"budget-use:{project_id}")

    @classmethod
    def start(cls, project_id: UUID) -> BudgetUse:
        return cls(project_id=project_id)

    @event("Started")
    def __init__(self, project_id: UUID) -> None:
        self.project_id = project_id
        self.entries: list[BudgetUseEntry] = []
        self.seen: set[str] = set()

    def record(self, entry: BudgetUseEntry) -> bool:
        """Record one spending fact once (by the budgeting event that reported it)."""
        if entry.source_event_id in self.seen:
            return False
        if not 1 <= entry.quarter <= 4:
            raise InvalidPeriod(f"quarter {entry.quarter}", field="quarter")
        if not entry.amount.is_finite():
            raise InvalidValue(str(entry.amount), field="amount")
        self._recorded(entry)
        return True

    @event("Recorded")
    def _recorded(self, entry: BudgetUseEntry) -> None:
        self.entries.append(entry)
        self.seen.add(entry.source_event_id)

    def used(self, fiscal_year_be_: int | None = None) -> Decimal:
        return sum((e.amount for e in self.entries
                    if fiscal_year_be_ is None or e.fiscal_year_be == fiscal_year_be_),
                   Decimal("0.00"))

    def used_by(self) -> dict[tuple[int, str, int], Decimal]:
        """Money used per fiscal year, category and quarter."""
        totals: dict[tuple[int, str, int], Decimal] = {}
        for e in self.entries:
            key = (e.fiscal_year_be, e.category, e.quarter)
            totals[key] = totals.get(key, Decimal("0.00")) + e.amount
        return totals

    # A disbursement after another, all year long.
    def snapshot_state(self) -> dict[str, Any]:
        return {"project_id": str(self.project_id),
                "entries": [entry.model_dump(mode="json") for entry in self.entries],
                "seen": sorted(self.seen)}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return {"project_id": UUID(state["project_id"]),
                "entries": [BudgetUseEntry.model_validate(e) for e in state["entries"]],
                "seen": set(state["seen"])}


# --- inspection (ตรวจราชการ) ----------------------------------------------------------------------
class InspectionIssue(_Value):
    code: str
    title_th: str


class InspectionReport(_Value):
    summary_th: str
    evidence: Evidence | None = None
    recorded_by: str
    recorded_at: datetime


class InspectionRound(Aggregate, stored_as="monitoring.InspectionRound"):
    """A round of government inspection: its issues, the office's report, the recommendations."""

    @classmethod
    def open(cls, *, fiscal_year_be: int, title_th: str, inspector_th: str, scheduled_on: date,
             issues: list[InspectionIssue], at: datetime) -> InspectionRound:
        if not issues:
            raise FieldRequired("an inspection round has at least one issue", field="issues")
        # An issue whose title is only invisible characters would be stored untitled.
        issues = [InspectionIssue(code=required_text(i.code, "issues.code"),
                                  title_th=required_text(i.title_th, "issues.title_th"))
                  for i in issues]
        _unique([i.code for i in issues], "issue code")
        return cls(fiscal_year_be=fiscal_year_be, title_th=required_text(title_th, "title_th"),
                   inspector_th=required_text(inspector_th, "inspector_th"),
                   scheduled_on=scheduled_on, issues=tuple(issues), at=at)

    @event("Opened")
    def __init__(self, fiscal_year_be: int, title_th: str, inspector_th: str, scheduled_on: date,
                 issues: tuple[InspectionIssue, ...], at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.title_th = title_th
        self.inspector_th = inspector_th
        self.scheduled_on = scheduled_on
        self.issues = issues
        self.report: InspectionReport | None = None
        self.recommendation_ids: list[UUID] = []

    def issue(self, code: str) -> InspectionIssue:
        for issue in self.issues:
            if issue.code == code:
                return issue
        raise UnknownIssue(code, field="issue_code")

    def record_report(self, *, summary_th: str, evidence: Evidence | None, by: str,
                      at: datetime) -> None:
        self._report_recorded(InspectionReport(summary_th=required_text(summary_th, "summary_th"),
                                               evidence=evidence, recorded_by=by, recorded_at=at))

    @event("ReportRecorded")
    def _report_recorded(self, report: InspectionReport) -> None:
        self.report = report

    def add_recommendation(self, *, issue_code: str, text_th: str, at: datetime) -> Recommendation:
        """The inspectors make recommendations when they inspect: not before the round's date
        (Bangkok calendar)."""
        if bangkok_date(at) < self.scheduled_on:
            raise BeforeTheInspection(f"the inspection is scheduled on {self.scheduled_on}",
                                      scheduled_on=self.scheduled_on.isoformat())
        issue = self.issue(issue_code)
        number = len(self.recommendation_ids) + 1
        recommendation = Recommendation.record(round_=self, number=number, issue=issue,
                                               text_th=text_th, at=at)
        self._recommendation_added(recommendation.id, number)
        return recommendation

    @event("RecommendationAdded")
    def _recommendation_added(self, recommendation_id: UUID, number: int) -> None:
        self.recommendation_ids.append(recommendation_id)


class RecommendationStep(StrEnum):
    proposed = "proposed"
    assigned = "assigned"
    acted = "acted"
    closed = "closed"


RECOMMENDATION_STEP_TH = {
    RecommendationStep.proposed: "วิเคราะห์ข้อเสนอแนะ เสนอผู้มีอำนาจพิจารณา",
    RecommendationStep.assigned: "แจ้งผู้รับผิดชอบดำเนินการแล้ว",
    RecommendationStep.acted: "ดำเนินการแล้ว รอตรวจสอบและปิดเรื่อง",
    RecommendationStep.closed: "ดำเนินการตามข้อเสนอแนะเสร็จสิ้น",
}


class Recommendation(Aggregate, stored_as="monitoring.Recommendation"):
    """ข้อเสนอแนะของผู้ตรวจราชการ: proposed → assigned (holder, due) → acted → closed with evidence."""

    @staticmethod
    def create_id(round_id: UUID, number: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"recommendation:{round_id}:{number}")

    @classmethod
    def record(cls, *, round_: InspectionRound, number: int, issue: InspectionIssue, text_th: str,
               at: datetime) -> Recommendation:
        return cls(round_id=round_.id, round_title_th=round_.title_th,
                   fiscal_year_be=round_.fiscal_year_be, number=number, issue=issue,
                   text_th=required_text(text_th, "text_th"), at=at)

    @event("Recorded")
    def __init__(self, round_id: UUID, round_title_th: str, fiscal_year_be: int, number: int,
                 issue: InspectionIssue, text_th: str, at: datetime) -> None:
        self.round_id = round_id
        self.round_title_th = round_title_th
        self.fiscal_year_be = fiscal_year_be
        self.number = number
        self.issue = issue
        self.text_th = text_th
        self.step = RecommendationStep.proposed
        self.step_since = at
        self.assignee: str | None = None
        self.assignee_th: str | None = None
        self.due: date | None = None
        self.actions: list[tuple[str, Evidence | None]] = []
        self.closing_note: str | None = None
        self.evidence: list[Evidence] = []

    def _require(self, *steps: RecommendationStep) -> None:
        if self.step not in steps:
            raise WrongStep(f"recommendation is {self.step.value}")

    def assign(self, *, officer_id: str, officer_name_th: str, due: date, today: date,
               at: datetime) -> None:
        """Notify the officer responsible, with a due date (re-assigning is allowed)."""
        self._require(RecommendationStep.proposed, RecommendationStep.assigned)
        if due < today:
            raise DueBeforeToday(f"due {due} is before {today}", field="due")
        self._assigned(officer_id=required_text(officer_id, "officer_id"),
                       officer_name_th=required_text(officer_name_th, "officer_name_th"), due=due, at=at)

    @event("Assigned")
    def _assigned(self, officer_id: str, officer_name_th: str, due: date, at: datetime) -> None:
        self.assignee, self.assignee_th, self.due = officer_id, officer_name_th, due
        self.step, self.step_since = RecommendationStep.assigned, at

    def report_action(self, *, action_th: str, evidence: Evidence | None, by: str,
                      at: datetime) -> None:
        self._require(RecommendationStep.assigned, RecommendationStep.acted)
        if by != self.assignee:
            raise NotTheAssignee(f"{by} is not {self.assignee}")
        self._acted(action_th=required_text(action_th, "action_th"), evidence=evidence, at=at)

    @event("Acted")
    def _acted(self, action_th: str, evidence: Evidence | None, at: datetime) -> None:
        self.actions.append((action_th, evidence))
        if evidence is not None:
            self.evidence.append(evidence)
        self.step, self.step_since = RecommendationStep.acted, at

    def close(self, *, note: str, evidence: Evidence | None, at: datetime) -> None:
        self._require(RecommendationStep.acted)
        if evidence is None and not self.evidence:
            raise EvidenceRequired(f"recommendation {self.number} has no evidence")
        self._closed(note=note.strip(), evidence=evidence, at=at)

    @event("Closed")
    def _closed(self, note: str, evidence: Evidence | None, at: datetime) -> None:
        self.closing_note = note
        if evidence is not None:
            self.evidence.append(evidence)
        self.step, self.step_since = RecommendationStep.closed, at

    @property
    def holder(self) -> str | None:
        if self.step == RecommendationStep.proposed:
            return "group_director"
        if self.step == RecommendationStep.assigned:
            return self.assignee
        return "group_director" if self.step == RecommendationStep.acted else None

    def status(self) -> ReportedStatus:
        closed = self.step == RecommendationStep.closed
        return ReportedStatus(
            procedure=PROCEDURE_MONITORING, case_type="inspection_recommendation",
            title=f"ข้อเสนอแนะที่ {self.number} {self.round_title_th}: {self.text_th}"[:300],
            step=self.step.value, step_th=RECOMMENDATION_STEP_TH[self.step], holder=self.holder,
            holder_th=self.assignee_th if self.step == RecommendationStep.assigned
            else ("ผู้อำนวยการกลุ่ม" if self.holder == "group_director" else None),
            since=self.step_since, due=None if closed else self.due, closed=closed,
        )


# --- evaluation (procedure 15) ---------------------------------------------------------------------
class EvaluationKind(StrEnum):
    action_plan = "action_plan"
    mid_plan = "mid_plan"
    obec_strategy = "obec_strategy"


EVALUATION_KIND_TH = {
    EvaluationKind.action_plan: "ประเมินผลแผนปฏิบัติการประจำปี",
    EvaluationKind.mid_plan: "ประเมินผลระยะครึ่งแผนพัฒนาการศึกษาขั้นพื้นฐาน",
    EvaluationKind.obec_strategy: "ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.",
}


class IndicatorResult(_Value):
    code: str
    name_th: str
    unit: str
    target_value: Decimal
    actual: Decimal | None
    attainment_pct: Decimal | None
    achieved: bool | None

    def line_th(self) -> str:
        if self.actual is None:
            return (f"ตัวชี้วัด {self.code} {self.name_th}: ค่าเป้าหมาย {_num(self.target_value)} "
                    f"{self.unit} ยังไม่มีการรายงานผล")
        share = f" (ร้อยละ {self.attainment_pct} ของค่าเป้าหมาย)" if self.attainment_pct else ""
        verdict = "บรรลุ" if self.achieved else "ไม่บรรลุ"
        return (f"ตัวชี้วัด {self.code} {self.name_th}: ค่าเป้าหมาย {_num(self.target_value)} "
                f"{self.unit} ผลการดำเนินงาน {_num(self.actual)} {self.unit}{share} {verdict}")


class EvaluationResult(_Value):
    """One result of an evaluation, going back to whoever is responsible for it."""

    result_no: int
    code: str
    title_th: str
    addressee: str
    addressee_th: str
    indicators: tuple[IndicatorResult, ...]
    budget_planned: Decimal | None = None
    budget_used: Decimal | None = None
    outcome_th: str = ""
    recommendations_th: str = ""

    @property
    def achieved_count(self) -> int:
        return sum(1 for i in self.indicators if i.achieved)

    def text_th(self, heading_th: str) -> str:
        lines = [f"{heading_th} {self.code} {self.title_th}".strip()]
        lines += [indicator.line_th() for indicator in self.indicators]
        if self.budget_planned is not None:
            used = self.budget_used or Decimal("0.00")
            share = percent(used, self.budget_planned)
            lines.append(f"งบประมาณตามแผน {baht(self.budget_planned)} บาท ใช้จริง {baht(used)} บาท"
                         + (f" (ร้อยละ {share})" if share is not None else ""))
        if self.outcome_th:
            lines.append(f"ผลลัพธ์: {self.outcome_th}")
        if self.recommendations_th:
            lines.append(f"ข้อเสนอแนะ: {self.recommendations_th}")
        return "\n".join(lines)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def baht(amount: Decimal) -> str:
    return f"{amount.quantize(TWO_PLACES):,}"


class Evaluation(Aggregate, stored_as="monitoring.Evaluation"):
    """An evaluation: its results are computed when it is recorded and issued once."""

    @classmethod
    def record(cls, *, kind: EvaluationKind, title_th: str, subject_ref: str | None,
               fiscal_year_be: int | None, results: list[EvaluationResult],
               at: datetime) -> Evaluation:
        if not results:
            raise FieldRequired("an evaluation has at least one result", field="results")
        return cls(kind=kind, title_th=required_text(title_th, "title_th"), subject_ref=subject_ref,
                   fiscal_year_be=fiscal_year_be, results=tuple(results), at=at)

    @event("Recorded")
    def __init__(self, kind: EvaluationKind, title_th: str, subject_ref: str | None,
                 fiscal_year_be: int | None, results: tuple[EvaluationResult, ...],
                 at: datetime) -> None:
        self.kind = kind
        self.title_th = title_th
        self.subject_ref = subject_ref
        self.fiscal_year_be = fiscal_year_be
        self.results = results
        self.recorded_at = at
        self.issued_by: str | None = None
        self.issued_at: datetime | None = None

    def issue(self, *, by: str, at: datetime) -> None:
        if self.issued_at is not None:
            raise AlreadyIssued(f"issued by {self.issued_by}")
        self._issued(by=by, at=at)

    @event("Issued")
    def _issued(self, by: str, at: datetime) -> None:
        self.issued_by, self.issued_at = by, at

    @property
    def report_year_be(self) -> int:
        """The fiscal year whose annual report carries it: its own, or, for a mid-plan evaluation
        (which covers the years of a development plan), the fiscal year it was recorded in."""
        return self.fiscal_year_be or fiscal_year_of(bangkok_date(self.recorded_at))

    def findings_th(self) -> str:
        """One line of what it found: how many indicators met their target."""
        indicators = [i for result in self.results for i in result.indicators]
        reported = [i for i in indicators if i.achieved is not None]
        achieved = sum(1 for i in reported if i.achieved)
        line = (f"ตัวชี้วัด {len(indicators)} ตัว บรรลุค่าเป้าหมาย {achieved} ตัว "
                f"ไม่บรรลุ {len(reported) - achieved} ตัว")
        missing = len(indicators) - len(reported)
        return line + (f" ยังไม่มีการรายงานผล {missing} ตัว" if missing else "")

    def letter_subject_th(self, result: EvaluationResult) -> str:
        year = f" ปีงบประมาณ พ.ศ. {self.fiscal_year_be}" if self.fiscal_year_be else ""
        return f"แจ้งผลการ{EVALUATION_KIND_TH[self.kind]} {result.code}{year}"

    def status(self) -> ReportedStatus:
        issued = self.issued_at is not None
        return ReportedStatus(
            procedure=PROCEDURE_EVALUATION, case_type="evaluation", title=self.title_th,
            step="results_issued" if issued else "evaluated",
            step_th="แจ้งผลการประเมินแล้ว" if issued else "ประเมินผลแล้ว รอแจ้งผล",
            holder=None if issued else "group_director",
            holder_th=None if issued else "ผู้อำนวยการกลุ่ม",
            since=self.issued_at or self.recorded_at, closed=issued,
        )

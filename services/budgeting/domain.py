"""Budgeting (procedures 10-13): budget lines and the cases that move their money.

Pure domain model: aggregates decide and record events; the application loads and saves them, and
passes the moment (`at`) of every command, so the domain never reads the clock.

Aggregates:
- `BudgetLine`: money of one fiscal year × output/project × expense category. Its available balance
  is allocated + transfers in − transfers out − committed − disbursed, and no command may make it
  negative. Every movement is an event, so the balance at any moment is a fold of the events.
- `SchoolRecord`: budgeting's copy of restructuring's registry facts (enrolment snapshots, mergers,
  closures), the per-head basis.
- `PerHeadRates`: OBEC's per-head rate table of a fiscal year.
- Cases, each a loop of steps with a named holder: `BudgetAnalysis` (10), `BudgetRequest` and
  `ExternalFunding` (11), `Allocation` (12), `BudgetTransfer` and `LeftoverReview` (13). A rejection or a
  return sends a case back to be revised with the reason; every round is kept.

Who may act is declared once, in `services/budgeting/rights.py`; what stays here is what depends
on the case's own people and state: a committee's work (its proposal, report, review, analysis) is
done by a member of that case's committee (`require_member`), and each case says whose decision it
awaits (`awaiting_body`: the ESA director in person, or a body outside the office whose decision
an officer records citing its registered resolution). Money goes only to schools restructuring
registered and open in the fiscal year (`fundable`, `require_fundable`); a per-head proposal is
never made on a partial basis (`PerHeadComputation.require_complete`).

Money is exact `Decimal` baht with at most two decimals (satang); floats are refused.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, TypeAdapter

from contracts.budgeting.v1 import (
    AllocationItem,
    AllocationMethod,
    AnalysisFigure,
    Committee,
    LeftoverLine,
    LineBalance,
    PerHeadBasis,
    QuarterAmount,
    RecipientKind,
    Report,
    RequestKind,
    TargetOutput,
)
from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import (
    APPROVING_BODY_TH,
    EXPENSE_CATEGORY_TH,
    ApprovalRecord,
    ApprovingBody,
    Decision,
    ExpenseCategory,
    RegisteredDocumentRef,
    SchoolLevel,
)
from shared.context import current_actor
from shared.domain import (
    Aggregate,
    Conflict,
    DeclaredError,
    DomainError,
    FieldRequired,
    NotFound,
    aware,
    event,
    required_text,
)
from shared.thaitime import bangkok_date, fiscal_year_bounds
from shared.thaitime import fiscal_year_be as fiscal_year_of

# Namespace of the deterministic ids: the same natural key always names the same aggregate, so a
# redelivered event or a repeated command finds what it made the first time.
ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://esa.example/budgeting")
SATANG = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_BAHT = Decimal("9999999999999.99")  # 15 digits, as the contract's `Baht`
QUARTERS = (1, 2, 3, 4)

CATEGORY_TH = EXPENSE_CATEGORY_TH
# Who holds a case at a step (a role or a body), and how people read it.
HOLDER_TH: dict[str, str] = {
    "officer": "ผู้รับผิดชอบงานงบประมาณ",
    "committee": "คณะกรรมการ",
    "schools": "สถานศึกษา",
    **{body.value: name for body, name in APPROVING_BODY_TH.items()},
}
# The per-head rates OBEC publishes (baht per pupil per year), for a year without a table of its own.
DEFAULT_PER_HEAD_RATES: dict[SchoolLevel, Decimal] = {
    SchoolLevel.kindergarten: Decimal("1700.00"),
    SchoolLevel.primary: Decimal("1900.00"),
    SchoolLevel.lower_secondary: Decimal("3500.00"),
    SchoolLevel.upper_secondary: Decimal("3800.00"),
}


# --------------------------------------------------------------------------------------------------
# Errors (stable kebab-case codes; the API answers them as problem details)
# --------------------------------------------------------------------------------------------------


class BudgetingError(DeclaredError):
    code = "budgeting-error"
    title_th = "คำสั่งไม่เป็นไปตามระเบียบงบประมาณ"
    title_en = "The command breaks a budgeting rule"


def _error(name: str, code: str, title_th: str, title_en: str,
           base: type[DomainError] = DomainError) -> type[BudgetingError]:
    bases: tuple[type, ...] = (BudgetingError,) if base is DomainError else (BudgetingError, base)
    return type(name, bases, {"code": code, "title_th": title_th, "title_en": title_en})


InvalidAmount = _error("InvalidAmount", "invalid-amount", "จำนวนเงินไม่ถูกต้อง",
                       "The amount must be positive baht with at most two decimals (satang)")
InvalidFiscalYear = _error("InvalidFiscalYear", "invalid-fiscal-year", "ปีงบประมาณไม่ถูกต้อง",
                           "The fiscal year must be a Buddhist-era year")
DateInFuture = _error("DateInFuture", "date-in-future", "วันที่ต้องไม่เป็นวันในอนาคต",
                      "The date is after today")
InsufficientBalance = _error(
    "InsufficientBalance", "insufficient-balance", "ยอดเงินคงเหลือไม่พอ",
    "The line's available balance is less than the amount")
InsufficientCommitment = _error(
    "InsufficientCommitment", "insufficient-commitment", "ยอดก่อหนี้ผูกพันไม่พอ",
    "The line's committed amount is less than the amount")
FiscalYearMismatch = _error(
    "FiscalYearMismatch", "fiscal-year-mismatch", "โอนข้ามปีงบประมาณไม่ได้",
    "A transfer must stay within one fiscal year")
SameLine = _error("SameLine", "same-line", "ต้นทางและปลายทางเป็นรายการเดียวกัน",
                  "The source and the target are the same line")
TransferNotAllowed = _error(
    "TransferNotAllowed", "transfer-not-allowed", "ระเบียบไม่อนุญาตให้โอนรายการนี้",
    "The transfer rule table does not allow this transfer")
OverCeiling = _error("OverCeiling", "allocation-over-ceiling", "ยอดจัดสรรเกินกรอบวงเงิน",
                     "The allocation exceeds its ceiling")
DuplicateRecipient = _error("DuplicateRecipient", "duplicate-recipient",
                            "ผู้รับจัดสรรซ้ำกัน", "A recipient appears twice")
NoRecipients = _error("NoRecipients", "no-recipients", "ไม่มีผู้รับจัดสรร",
                      "Nothing to allocate: no recipient with an amount")
CommitteeTooSmall = _error(
    "CommitteeTooSmall", "committee-too-small", "คณะกรรมการต้องมีประธานและกรรมการอย่างน้อยสองคน",
    "A committee needs a chair and at least two other members")
ReasonRequired = _error("ReasonRequired", "reason-required", "ต้องระบุเหตุผล",
                        "A rejection or a return needs a reason")
WrongApprovingBody = _error(
    "WrongApprovingBody", "wrong-approving-body", "ผู้พิจารณาไม่ใช่ผู้มีอำนาจในขั้นตอนนี้",
    "This body does not decide this step")
NotARespondent = _error("NotARespondent", "not-a-respondent", "ไม่อยู่ในรายชื่อผู้ได้รับแบบสำรวจ",
                        "Not among the survey's respondents")
RatesIncomplete = _error("RatesIncomplete", "rates-incomplete", "อัตราเงินอุดหนุนรายหัวไม่ครบทุกระดับ",
                         "The rate table needs a rate for every level")
InvalidSchoolCode = _error("InvalidSchoolCode", "invalid-school-code", "รหัสสถานศึกษาไม่ถูกต้อง",
                           "A school code is 8 to 10 digits")
InvalidRules = _error("InvalidRules", "invalid-transfer-rules", "ตารางหลักเกณฑ์การโอนไม่ถูกต้อง",
                      "The transfer rule table cannot be read")
AgreedMoreThanRequested = _error(
    "AgreedMoreThanRequested", "agreed-more-than-requested", "วงเงินที่เห็นชอบเกินวงเงินที่ขอ",
    "The agreed amount is more than the school requested")
ReallocationExceedsLeftover = _error(
    "ReallocationExceedsLeftover", "reallocation-exceeds-leftover", "จัดสรรเกินเงินเหลือจ่าย",
    "More than the line's analysed leftover funds")
WrongStep = _error("WrongStep", "wrong-step", "ดำเนินการในขั้นตอนนี้ไม่ได้",
                   "Not possible at the case's current step", Conflict)
AlreadyExists = _error("AlreadyExists", "already-exists", "มีรายการนี้อยู่แล้ว",
                       "It exists already", Conflict)
AlreadyReviewed = _error("AlreadyReviewed", "already-reviewed", "คำขอนี้ผ่านการพิจารณาแล้ว",
                         "The request was reviewed already", Conflict)
NotAllReviewed = _error("NotAllReviewed", "not-all-reviewed", "ยังพิจารณาคำขอไม่ครบทุกโรงเรียน",
                        "Some schools' requests are not reviewed yet", Conflict)
LineNotFound = _error("LineNotFound", "line-not-found", "ไม่พบรายการงบประมาณ",
                      "Budget line not found", NotFound)
CaseNotFound = _error("CaseNotFound", "case-not-found", "ไม่พบเรื่อง", "Case not found", NotFound)
SchoolNotFound = _error("SchoolNotFound", "school-not-found", "ไม่พบสถานศึกษา", "School not found",
                        NotFound)
UnknownSchool = _error(
    "UnknownSchool", "unknown-school", "ไม่พบสถานศึกษาในทะเบียนสถานศึกษา",
    "A school code that no registry of restructuring has")
SchoolClosed = _error(
    "SchoolClosed", "school-closed", "สถานศึกษาถูกยุบรวม เลิก หรือโอนแล้วในปีงบประมาณนี้",
    "A school merged, dissolved or transferred for the whole fiscal year")
SnapshotsMissing = _error(
    "SnapshotsMissing", "snapshots-missing", "ข้อมูลจำนวนนักเรียน (DMC) ของบางสถานศึกษายังไม่ครบ",
    "Enrolment snapshots are missing: per-head money is not proposed on a partial basis")


class NotACommitteeMember(BudgetingError):
    """The committee's own work (its proposal, report, review, analysis) is done by one of its
    members: a rule about this case's named people, so it lives here, not in the rights table."""

    status = 403
    code = "not-a-committee-member"
    title_th = "ผู้ดำเนินการไม่ได้เป็นกรรมการของคณะกรรมการเรื่องนี้"
    title_en = "Only a member of this case's committee may do the committee's work"


# --------------------------------------------------------------------------------------------------
# Values and checks
# --------------------------------------------------------------------------------------------------


def money(value: Any, name: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """Exact baht: a Decimal (or its text) with at most two decimals, positive (or zero)."""
    if isinstance(value, float | bool):
        raise InvalidAmount(f"{name}: money is never a float", field=name)
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidAmount(f"{name}: {value!r} is not a number", field=name) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero) \
            or amount > MAX_BAHT:
        raise InvalidAmount(f"{name}: {value} is out of range", field=name)
    if amount.quantize(SATANG) != amount:
        raise InvalidAmount(f"{name}: {value} is not baht and satang", field=name)
    return amount.quantize(SATANG)


def fiscal_year(value: int) -> int:
    if not 2500 <= int(value) <= 2700:
        raise InvalidFiscalYear(f"{value} is not a Buddhist-era fiscal year", field="fiscal_year_be")
    return int(value)


def valid_school_code(value: str) -> str:
    code = (value or "").strip()
    if not (code.isdigit() and 8 <= len(code) <= 10):
        raise InvalidSchoolCode(f"{value!r}", field="school_code")
    return code




def _not_after_today(day: date, at: datetime, name: str) -> date:
    if day > bangkok_date(at):
        raise DateInFuture(f"{name} {day} is after {bangkok_date(at)}", field=name)
    return day


def committee_of(*, chair: str, members: Sequence[str], appointed_on: date,
              order: RegisteredDocumentRef | None, at: datetime) -> Committee:
    """A committee: a chair and at least two other, distinct members."""
    chair = required_text(chair, "chair")
    others = sorted({m.strip() for m in members if m and m.strip()} - {chair})
    if len(others) < 2:
        raise CommitteeTooSmall(f"chair {chair} and {len(others)} other member(s)")
    return Committee(chair=chair, members=others,
                     appointed_on=_not_after_today(appointed_on, at, "appointed_on"), order=order)


def require_member(committee: Committee | None, by: str) -> None:
    """`by` is the chair or a member of the case's committee (by officer id)."""
    if committee is None or by not in {committee.chair, *committee.members}:
        raise NotACommitteeMember(f"{by} is not on the committee", officer_id=by)


def approval_of(*, body: ApprovingBody, expected: ApprovingBody, decision: Decision, decided_on: date,
             round_no: int, reason: str | None, resolution: RegisteredDocumentRef | None,
             at: datetime) -> ApprovalRecord:
    """An explicit decision by the body the step waits for; a rejection or return says why."""
    if ApprovingBody(body) != expected:
        raise WrongApprovingBody(f"this step waits for {expected.value}, not {body}",
                                 expected=expected.value)
    reason = reason.strip() if reason else None
    if Decision(decision) != Decision.approve and not reason:
        raise ReasonRequired(field="reason")
    return ApprovalRecord(body=expected, decision=Decision(decision), round=round_no,
                          decided_on=_not_after_today(decided_on, at, "decided_on"),
                          reason=reason, resolution=resolution)


def report_of(*, reported_on: date, letter: RegisteredDocumentRef | None, at: datetime) -> Report:
    return Report(reported_on=_not_after_today(reported_on, at, "reported_on"), letter=letter)


def total_of(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO).quantize(SATANG)


class SnapshotState:
    """How an aggregate's attributes are kept in a snapshot (`shared.domain.Snapshot`): each one's
    type, so that its JSON reads back to exactly the values it had (Decimal with its satang,
    dates, enums, contract models), and loading from a snapshot equals replaying the events."""

    def __init__(self, **types: Any) -> None:
        self.adapters = {name: TypeAdapter(kind) for name, kind in types.items()}

    def dump(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: adapter.dump_python(values[name], mode="json")
                for name, adapter in self.adapters.items()}

    def load(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return {name: adapter.validate_python(state[name])
                for name, adapter in self.adapters.items()}


class CaseMixin:
    """What every case shows monitoring: its step, who holds it, since when, whether it is over.

    No events here (an event method defined on a shared base would give every case the base's
    event class): each case records its own events and sets `step` and `since` in them."""

    STEP_TH: Mapping[Any, str] = {}
    HOLDERS: Mapping[Any, str | None] = {}
    CLOSED: frozenset[Any] = frozenset()
    step: Any
    since: datetime

    @property
    def step_th(self) -> str:
        return self.STEP_TH[self.step]

    @property
    def holder(self) -> str | None:
        return self.HOLDERS[self.step]

    @property
    def holder_th(self) -> str | None:
        return HOLDER_TH.get(self.holder) if self.holder else None

    @property
    def closed(self) -> bool:
        return self.step in self.CLOSED

    @property
    def due(self) -> date | None:
        return None

    def _require_step(self, *allowed: Any) -> None:
        if self.step not in allowed:
            raise WrongStep(
                f"step is {self.step.value}; expected {', '.join(sorted(s.value for s in allowed))}",
                step=self.step.value, step_th=self.step_th,
                expected=sorted(s.value for s in allowed))


# --------------------------------------------------------------------------------------------------
# BudgetLine
# --------------------------------------------------------------------------------------------------


def quarters(planned: Mapping[int, Decimal]) -> list[QuarterAmount]:
    """All four quarters, in order (a quarter without money is zero)."""
    unknown = set(planned) - set(QUARTERS)
    if unknown:
        raise FieldRequired(f"quarters are 1-4, not {sorted(unknown)}", field="planned_by_quarter")
    return [QuarterAmount(quarter=q, amount=money(planned.get(q, ZERO), f"quarter {q}",
                                                  allow_zero=True)) for q in QUARTERS]


class LineStep(StrEnum):
    """Where a line's money stands (a line is never closed: a transfer may still bring more)."""

    awaiting_allocation = "awaiting_allocation"  # planned, nothing allocated yet
    spending = "spending"  # money to use remains
    spent = "spent"  # all it received is committed or paid
    transferred_out = "transferred_out"  # all it received went to other lines, nothing used


LINE_STEP_TH = {
    LineStep.awaiting_allocation: "รอรับจัดสรรงบประมาณ",
    LineStep.spending: "ได้รับจัดสรรแล้ว อยู่ระหว่างใช้จ่าย",
    LineStep.spent: "ใช้จ่ายครบตามที่ได้รับจัดสรรแล้ว",
    LineStep.transferred_out: "โอนงบประมาณออกทั้งหมดแล้ว",
}


def fiscal_period(moment: datetime) -> tuple[int, int]:
    """The fiscal year (`shared.thaitime.fiscal_year_be`, the one mapping) and its quarter
    (1 = October-December) of a moment's Bangkok date."""
    day = bangkok_date(moment)
    return fiscal_year_of(day), (day.month - 10) % 12 // 3 + 1


class BudgetLine(Aggregate, stored_as="budgeting.BudgetLine"):
    """The money of one fiscal year, output/project and expense category.

    Besides its balance, a line keeps what the spending plan shows of it (disbursed by quarter of
    its fiscal year, and outside it) and the latest moment of its events (`latest_at`), so that a
    list reads them from its row and a balance as of a moment starts from a snapshot taken
    before that moment (`line_as_of`)."""

    @staticmethod
    def create_id(fiscal_year_be: int, project_id: UUID, category: ExpenseCategory | str) -> UUID:
        return uuid5(ID_NAMESPACE,
                     f"line:{int(fiscal_year_be)}:{project_id}:{ExpenseCategory(category).value}")

    @staticmethod
    def project_id_for(fiscal_year_be: int, project_code: str) -> UUID:
        """The id of a project that no action plan named (e.g. money OBEC earmarks)."""
        return uuid5(ID_NAMESPACE, f"project:{int(fiscal_year_be)}:{project_code.strip()}")

    @classmethod
    def open(cls, *, fiscal_year_be: int, project_id: UUID, project_code: str, title_th: str,
             category: ExpenseCategory, planned_by_quarter: Mapping[int, Decimal],
             plan_id: UUID | None, at: datetime) -> BudgetLine:
        return cls(
            fiscal_year_be=fiscal_year(fiscal_year_be), project_id=project_id,
            project_code=required_text(project_code, "project_code"),
            title_th=required_text(title_th, "title_th"), category=ExpenseCategory(category),
            planned_by_quarter=quarters(planned_by_quarter), plan_id=plan_id, at=aware(at))

    @event("Opened")
    def __init__(self, *, fiscal_year_be: int, project_id: UUID, project_code: str, title_th: str,
                 category: ExpenseCategory, planned_by_quarter: list[QuarterAmount],
                 plan_id: UUID | None, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.project_id = project_id
        self.project_code = project_code
        self.title_th = title_th
        self.category = category
        self.planned_by_quarter = list(planned_by_quarter)
        self.plan_id = plan_id
        self.opened_at = at
        self.allocated = ZERO
        self.transfers_in = ZERO
        self.transfers_out = ZERO
        self.committed = ZERO
        self.disbursed = ZERO
        self.disbursed_in_quarter: dict[int, Decimal] = dict.fromkeys(QUARTERS, ZERO)
        self.disbursed_outside_year = ZERO
        self.last_movement_at = at
        self.latest_at = at

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def planned_total(self) -> Decimal:
        return total_of(q.amount for q in self.planned_by_quarter)

    @property
    def budget(self) -> Decimal:
        """What the line may spend: allocated + transfers in − transfers out."""
        return self.allocated + self.transfers_in - self.transfers_out

    @property
    def available(self) -> Decimal:
        return self.budget - self.committed - self.disbursed

    def balance(self) -> LineBalance:
        return LineBalance(allocated=self.allocated, transfers_in=self.transfers_in,
                           transfers_out=self.transfers_out, committed=self.committed,
                           disbursed=self.disbursed, available=self.available)

    @property
    def label_th(self) -> str:
        return f"{self.project_code} {self.title_th} ({CATEGORY_TH[self.category]})"

    @property
    def used(self) -> Decimal:
        return self.committed + self.disbursed

    @property
    def step(self) -> LineStep:
        if self.available > 0:
            return LineStep.spending
        if self.used > 0:
            return LineStep.spent
        return LineStep.transferred_out if self.transfers_out > 0 else LineStep.awaiting_allocation

    @property
    def step_th(self) -> str:
        return LINE_STEP_TH[self.step]

    # ---- commands --------------------------------------------------------------------------------

    def revise_plan(self, *, planned_by_quarter: Mapping[int, Decimal], plan_id: UUID,
                    at: datetime) -> bool:
        """A later approved plan changed the planned amounts; True if anything changed."""
        planned = quarters(planned_by_quarter)
        if planned == self.planned_by_quarter:
            return False
        self._plan_revised(planned_by_quarter=planned, plan_id=plan_id, at=aware(at))
        return True

    def _moved(self, at: datetime) -> None:
        self.last_movement_at = at
        self.latest_at = max(self.latest_at, at)

    def allocate(self, amount: Decimal, *, allocation_id: UUID, reference: str,
                 at: datetime) -> None:
        self._allocated(amount=money(amount), allocation_id=allocation_id,
                        reference=required_text(reference, "reference"), at=aware(at))

    def transfer_out(self, amount: Decimal, *, transfer_id: UUID, to_line_id: UUID,
                     at: datetime) -> None:
        amount = money(amount)
        self._require_available(amount)
        self._transferred_out(amount=amount, transfer_id=transfer_id, to_line_id=to_line_id,
                              at=aware(at))

    def transfer_in(self, amount: Decimal, *, transfer_id: UUID, from_line_id: UUID,
                    at: datetime) -> None:
        self._transferred_in(amount=money(amount), transfer_id=transfer_id,
                             from_line_id=from_line_id, at=aware(at))

    def commit(self, amount: Decimal, *, reference: str, at: datetime) -> None:
        """ก่อหนี้ผูกพัน: a purchase order or contract holds the money."""
        amount = money(amount)
        self._require_available(amount)
        self._committed(amount=amount, reference=required_text(reference, "reference"), at=aware(at))

    def release_commitment(self, amount: Decimal, *, reference: str, at: datetime) -> None:
        amount = money(amount)
        if amount > self.committed:
            raise InsufficientCommitment(f"committed {self.committed}, release {amount}",
                                         committed=str(self.committed))
        self._commitment_released(amount=amount, reference=required_text(reference, "reference"),
                                  at=aware(at))

    def disburse(self, amount: Decimal, *, reference: str, settles_commitment: bool,
                 at: datetime) -> None:
        """เบิกจ่าย: paid out, either against an earlier commitment or directly."""
        amount = money(amount)
        if settles_commitment and amount > self.committed:
            raise InsufficientCommitment(f"committed {self.committed}, disburse {amount}",
                                         committed=str(self.committed))
        if not settles_commitment:
            self._require_available(amount)
        self._disbursed(amount=amount, reference=required_text(reference, "reference"),
                        settles_commitment=settles_commitment, at=aware(at))

    def _require_available(self, amount: Decimal) -> None:
        if amount > self.available:
            raise InsufficientBalance(
                f"{self.label_th}: available {self.available}, needed {amount}",
                line_id=str(self.id), available=str(self.available), requested=str(amount))

    # ---- events ----------------------------------------------------------------------------------

    @event("PlanRevised")
    def _plan_revised(self, planned_by_quarter: list[QuarterAmount], plan_id: UUID,
                      at: datetime) -> None:
        self.planned_by_quarter = list(planned_by_quarter)
        self.plan_id = plan_id
        self.latest_at = max(self.latest_at, at)

    @event("Allocated")
    def _allocated(self, amount: Decimal, allocation_id: UUID, reference: str,
                   at: datetime) -> None:
        self.allocated += amount
        self._moved(at)

    @event("TransferredOut")
    def _transferred_out(self, amount: Decimal, transfer_id: UUID, to_line_id: UUID,
                         at: datetime) -> None:
        self.transfers_out += amount
        self._moved(at)

    @event("TransferredIn")
    def _transferred_in(self, amount: Decimal, transfer_id: UUID, from_line_id: UUID,
                        at: datetime) -> None:
        self.transfers_in += amount
        self._moved(at)

    @event("Committed")
    def _committed(self, amount: Decimal, reference: str, at: datetime) -> None:
        self.committed += amount
        self._moved(at)

    @event("CommitmentReleased")
    def _commitment_released(self, amount: Decimal, reference: str, at: datetime) -> None:
        self.committed -= amount
        self._moved(at)

    @event("Disbursed")
    def _disbursed(self, amount: Decimal, reference: str, settles_commitment: bool,
                   at: datetime) -> None:
        if settles_commitment:
            self.committed -= amount
        self.disbursed += amount
        year, quarter = fiscal_period(at)
        if year == self.fiscal_year_be:
            self.disbursed_in_quarter[quarter] += amount
        else:  # paid after the year ended: no quarter of it
            self.disbursed_outside_year += amount
        self._moved(at)

    # ---- snapshots -------------------------------------------------------------------------------

    STATE = SnapshotState(
        fiscal_year_be=int, project_id=UUID, project_code=str, title_th=str,
        category=ExpenseCategory, planned_by_quarter=list[QuarterAmount], plan_id=UUID | None,
        opened_at=datetime, allocated=Decimal, transfers_in=Decimal, transfers_out=Decimal,
        committed=Decimal, disbursed=Decimal, disbursed_in_quarter=dict[int, Decimal],
        disbursed_outside_year=Decimal, last_movement_at=datetime, latest_at=datetime)

    def snapshot_state(self) -> dict[str, Any]:
        return self.STATE.dump(vars(self))

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return cls.STATE.load(state)


def line_as_of(events: Iterable[Any], moment: datetime,
               start: BudgetLine | None = None) -> BudgetLine | None:
    """The line as its events left it at `moment` (each event's `at`, in recorded order, up to
    the first one after it), or None if not yet opened. `start`: the line as a snapshot kept it,
    all of whose events were at or before `moment` (`latest_at`); `events` then follow it."""
    line = start
    for domain_event in events:
        if domain_event.at > moment:
            break
        line = domain_event.mutate(line)
    return line


# --------------------------------------------------------------------------------------------------
# The school registry as budgeting needs it
# --------------------------------------------------------------------------------------------------


class Snapshot(BaseModel):
    """Pupils by level on a DMC date (term 1: 10 June; term 2: 10 November)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    academic_year_be: int
    term: int
    snapshot_date: date
    pupils_by_level: dict[SchoolLevel, int]


class SchoolRecord(Aggregate, stored_as="budgeting.SchoolRecord"):
    """A school as restructuring reported it. The id is restructuring's own, derived from the
    code, so either service can name the school without a lookup."""

    @staticmethod
    def create_id(school_code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"school:{school_code}")

    @classmethod
    def note(cls, *, school_code: str, name_th: str = "", district: str = "") -> SchoolRecord:
        return cls(school_code=valid_school_code(school_code), name_th=name_th.strip(),
                   district=district.strip())

    @event("Noted")
    def __init__(self, *, school_code: str, name_th: str, district: str) -> None:
        self.school_code = school_code
        self.name_th = name_th
        self.district = district
        self.status = SchoolStatus.open
        self.merged_into: str | None = None
        self.status_from: date | None = None
        self.snapshots: dict[tuple[int, int], Snapshot] = {}

    @property
    def display_name(self) -> str:
        return self.name_th or f"โรงเรียนรหัส {self.school_code}"

    def describe(self, *, name_th: str, district: str) -> bool:
        name_th, district = name_th.strip(), district.strip()
        if (name_th, district) == (self.name_th, self.district):
            return False
        self._described(name_th=name_th, district=district)
        return True

    def record_enrolment(self, snapshot: Snapshot) -> bool:
        """A new snapshot, or a corrected one for the same term; True if anything changed."""
        key = (snapshot.academic_year_be, snapshot.term)
        if self.snapshots.get(key) == snapshot:
            return False
        self._enrolment_recorded(snapshot=snapshot)
        return True

    def snapshot(self, academic_year_be: int, term: int) -> Snapshot | None:
        return self.snapshots.get((academic_year_be, term))

    def status_on(self, day: date) -> SchoolStatus:
        """The school as it stands on `day`: a merger, dissolution or transfer is known as soon
        as it is decided, but applies only from its effective date."""
        if self.status_from is not None and day < self.status_from:
            return SchoolStatus.open
        return self.status

    def merge_into(self, *, into_code: str, effective_date: date) -> bool:
        if (self.status, self.merged_into, self.status_from) == (
                SchoolStatus.merged, into_code, effective_date):
            return False
        self._merged(into_code=valid_school_code(into_code), effective_date=effective_date)
        return True

    def close(self, *, status: SchoolStatus, effective_date: date) -> bool:
        if (self.status, self.status_from) == (status, effective_date):
            return False
        self._closed(status=status, effective_date=effective_date)
        return True

    @event("Described")
    def _described(self, name_th: str, district: str) -> None:
        self.name_th = name_th
        self.district = district

    @event("EnrolmentRecorded")
    def _enrolment_recorded(self, snapshot: Snapshot) -> None:
        self.snapshots[(snapshot.academic_year_be, snapshot.term)] = snapshot

    @event("Merged")
    def _merged(self, into_code: str, effective_date: date) -> None:
        self.status = SchoolStatus.merged
        self.merged_into = into_code
        self.status_from = effective_date

    @event("Closed")
    def _closed(self, status: SchoolStatus, effective_date: date) -> None:
        self.status = status
        self.status_from = effective_date

    # ---- snapshots, and the school as a listing keeps it ------------------------------------------

    STATE = SnapshotState(school_code=str, name_th=str, district=str, status=SchoolStatus,
                          merged_into=str | None, status_from=date | None,
                          snapshots=list[Snapshot])

    def snapshot_state(self) -> dict[str, Any]:
        return self.STATE.dump({**vars(self), "snapshots": list(self.snapshots.values())})

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        loaded = cls.STATE.load(state)
        loaded["snapshots"] = {(s.academic_year_be, s.term): s for s in loaded["snapshots"]}
        return loaded

    @classmethod
    def restored(cls, state: dict[str, Any], school_id: UUID, version: int) -> SchoolRecord:
        """The school at `version` from its `snapshot_state` (as a listing row keeps it): what the
        schools list and the per-head computation read, without loading each school's events."""
        school = object.__new__(cls)
        vars(school).update(cls.from_snapshot_state(state), _id=school_id, _version=version)
        return school


class PerHeadRates(Aggregate, stored_as="budgeting.PerHeadRates"):
    """OBEC's per-head rates of one fiscal year (baht per pupil per year, by level)."""

    @staticmethod
    def create_id(fiscal_year_be: int) -> UUID:
        return uuid5(ID_NAMESPACE, f"per-head-rates:{int(fiscal_year_be)}")

    @classmethod
    def set_for(cls, *, fiscal_year_be: int, rates: Mapping[SchoolLevel, Decimal],
                source_th: str) -> PerHeadRates:
        return cls(fiscal_year_be=fiscal_year(fiscal_year_be), rates=rate_table(rates),
                   source_th=required_text(source_th, "source_th"))

    @event("Set")
    def __init__(self, *, fiscal_year_be: int, rates: dict[SchoolLevel, Decimal],
                 source_th: str) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.rates = dict(rates)
        self.source_th = source_th

    def change(self, *, rates: Mapping[SchoolLevel, Decimal], source_th: str) -> bool:
        table = rate_table(rates)
        if table == self.rates:
            return False
        self._changed(rates=table, source_th=required_text(source_th, "source_th"))
        return True

    @event("Changed")
    def _changed(self, rates: dict[SchoolLevel, Decimal], source_th: str) -> None:
        self.rates = dict(rates)
        self.source_th = source_th


def rate_table(rates: Mapping[SchoolLevel | str, Any]) -> dict[SchoolLevel, Decimal]:
    table = {SchoolLevel(level): money(rate, f"rate {level}") for level, rate in rates.items()}
    missing = set(SchoolLevel) - set(table)
    if missing:
        raise RatesIncomplete(f"missing {sorted(m.value for m in missing)}")
    return {level: table[level] for level in SchoolLevel}


def parse_rate_csv(text: str) -> dict[int, dict[SchoolLevel, Decimal]]:
    """`fiscal_year_be,level,level_th,baht_per_pupil_per_year` rows → a table per fiscal year."""
    years: dict[int, dict[SchoolLevel, Decimal]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        year = fiscal_year(int(row["fiscal_year_be"]))
        years.setdefault(year, {})[SchoolLevel(row["level"])] = money(
            row["baht_per_pupil_per_year"], "baht_per_pupil_per_year")
    return {year: rate_table(table) for year, table in years.items()}


# --------------------------------------------------------------------------------------------------
# Per-head subsidy: the basis from the snapshots, and amounts exact to the satang
# --------------------------------------------------------------------------------------------------


class PerHeadComputation(NamedTuple):
    items: list[AllocationItem]
    missing_snapshots: list[str]  # `code:term` of a school open in a half without its snapshot
    exact_total: Decimal  # before rounding to satang

    def require_complete(self, records: Mapping[str, SchoolRecord]) -> None:
        """Per-head money is never proposed on a partial basis: a school open in a half without
        its snapshot would silently get nothing for that half (and the total would look final).
        Refused, naming every school and term missing, until restructuring records the snapshots
        (a school with no pupils in a term has a snapshot of zero). Refusing, rather than letting
        the committee acknowledge the gap, keeps every per-head allocation a pure function of the
        registry it was computed from, reproducible by anyone; a school the committee decides to
        fund otherwise is funded by amounts, in an allocation of its own."""
        if not self.missing_snapshots:
            return
        named = []
        for missing in self.missing_snapshots:
            code, term = missing.split(":")
            record = records.get(code)
            named.append(f"{record.display_name if record else code} ({code}) ภาคเรียนที่ {term}")
        raise SnapshotsMissing("; ".join(named), missing_snapshots=list(self.missing_snapshots),
                               missing_th=named)


def fiscal_halves(fiscal_year_be: int) -> tuple[date, date]:
    """The first days of the two halves of a fiscal year: 1 October and 1 April."""
    first, last = fiscal_year_bounds(fiscal_year(fiscal_year_be))
    return first, date(last.year, 4, 1)


def fundable(school: SchoolRecord, fiscal_year_be: int) -> bool:
    """May the school receive money of this fiscal year? Only if it stands open on the first day
    of at least one of the year's halves: the schools the per-head rule funds, and the only ones
    an allocation by amounts may name."""
    return any(school.status_on(day) == SchoolStatus.open for day in fiscal_halves(fiscal_year_be))


def require_fundable(codes: Iterable[str], records: Mapping[str, SchoolRecord | None],
                     fiscal_year_be: int) -> None:
    """Refuse, naming them, school codes that no registry has (restructuring never reported
    them) or schools merged, dissolved or transferred for the whole fiscal year."""
    wanted = sorted(set(codes))
    known = {code: record for code in wanted if (record := records.get(code)) is not None}
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise UnknownSchool(", ".join(unknown), school_codes=unknown)
    closed = [school for school in known.values() if not fundable(school, fiscal_year_be)]
    if closed:
        raise SchoolClosed(
            ", ".join(f"{s.school_code} {s.display_name} ({s.status.value} {s.status_from})"
                      for s in closed),
            school_codes=[s.school_code for s in closed],
            schools=[{"school_code": s.school_code, "name_th": s.display_name,
                      "status": s.status.value, "status_from": str(s.status_from)}
                     for s in closed])


def per_head_allocation(schools: Iterable[SchoolRecord], rates: Mapping[SchoolLevel, Decimal],
                        fiscal_year_be: int) -> PerHeadComputation:
    """Per-head subsidy of fiscal year N for every school open in at least one of its halves.

    Basis: each half of the fiscal year is funded from the latest snapshot taken before it begins:
    the first half (1 Oct - 31 Mar) from term 1 (10 June) and the second half (1 Apr - 30 Sep) from
    term 2 (10 November) of academic year N−1, each at half the yearly rate. In each half a school
    counts as it stands on the half's first day: a merger, dissolution or transfer effective later
    does not touch that half, so the school is funded itself. From the half its merger applies to,
    a merged school counts for the receiving school (following the chain of mergers as it stands
    that day) with every snapshot taken before the merger's effective date; dissolved and
    transferred schools get nothing from the half their closure applies to.

    Rounding: each school's exact amount is cut down to the satang; the satang left between the
    sum of those and the exact total rounded half up to the satang go one each to the schools with
    the largest cut-off fractions (ties: lower school code). So the items add up exactly to the
    rounded total, and no school is more than one satang from its exact amount.
    """
    academic_year = fiscal_year(fiscal_year_be) - 1
    table = rate_table(rates)
    records = {s.school_code: s for s in schools}
    halves = fiscal_halves(fiscal_year_be)
    funded = sorted(code for code, s in records.items() if fundable(s, fiscal_year_be))
    pupils: dict[str, tuple[Counter[SchoolLevel], Counter[SchoolLevel]]] = {
        code: (Counter(), Counter()) for code in funded}
    absorbed: dict[str, tuple[set[str], set[str]]] = {code: (set(), set()) for code in funded}
    missing: list[str] = []

    for term, day in enumerate(halves, start=1):
        for code, record in sorted(records.items()):
            receiver = _receiver(records, code, day)
            if receiver is None:
                continue
            snap = record.snapshot(academic_year, term)
            if snap is None:
                if receiver == code:
                    missing.append(f"{code}:{term}")
                continue
            if receiver != code and record.status_from is not None \
                    and snap.snapshot_date >= record.status_from:
                continue  # taken after the merger: those pupils are in the receiver's own count
            pupils[receiver][term - 1].update(snap.pupils_by_level)
            if receiver != code:
                absorbed[receiver][term - 1].add(code)

    exact = {code: sum((table[level] * (t1[level] + t2[level]) for level in SchoolLevel), ZERO) / 2
             for code, (t1, t2) in pupils.items()}
    amounts = exact_to_satang(exact)
    items = [
        AllocationItem(
            recipient_kind=RecipientKind.school, recipient_code=code,
            recipient_name_th=records[code].display_name, amount=amounts[code],
            basis=PerHeadBasis(academic_year_be=academic_year,
                               term1_pupils=_positive(pupils[code][0]),
                               term2_pupils=_positive(pupils[code][1]),
                               absorbed_school_codes=sorted(absorbed[code][0] | absorbed[code][1]),
                               term1_absorbed_school_codes=sorted(absorbed[code][0]),
                               term2_absorbed_school_codes=sorted(absorbed[code][1])))
        for code in funded if amounts[code] > 0
    ]
    return PerHeadComputation(items, sorted(missing), sum(exact.values(), ZERO))


def exact_to_satang(exact: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Largest-remainder rounding to the satang: the parts add up to the rounded exact total."""
    floors = {key: value.quantize(SATANG, rounding=ROUND_DOWN) for key, value in exact.items()}
    target = sum(exact.values(), ZERO).quantize(SATANG, rounding=ROUND_HALF_UP)
    left = int((target - sum(floors.values(), ZERO)) / SATANG)
    by_fraction = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), key))
    for key in by_fraction[:left]:
        floors[key] += SATANG
    return floors


def _receiver(records: Mapping[str, SchoolRecord], code: str, day: date) -> str | None:
    """The open school a school's pupils count for on `day`: itself, or the end of its merger
    chain as it stands that day."""
    seen: set[str] = set()
    while code not in seen:
        seen.add(code)
        record = records.get(code)
        if record is None:
            return None
        status = record.status_on(day)
        if status == SchoolStatus.open:
            return code
        if status != SchoolStatus.merged or record.merged_into is None:
            return None
        code = record.merged_into
    return None  # a cycle of mergers cannot be resolved


def _positive(counts: Counter[SchoolLevel]) -> dict[SchoolLevel, int]:
    return {level: counts[level] for level in SchoolLevel if counts[level] > 0}


# --------------------------------------------------------------------------------------------------
# Allocation (procedure 12)
# --------------------------------------------------------------------------------------------------


class AllocationStep(StrEnum):
    opened = "opened"
    committee_appointed = "committee_appointed"
    proposed = "proposed"
    submitted = "submitted"
    revising = "revising"
    approved = "approved"
    announced = "announced"
    withdrawn = "withdrawn"


ALLOCATION_APPROVER = ApprovingBody.esa_director


class Allocation(CaseMixin, Aggregate, stored_as="budgeting.Allocation"):
    """An allocation committee allocates a ceiling by published criteria (a member proposes);
    the ESA director approves, and the money goes onto the budget line."""

    STEP_TH = {
        AllocationStep.opened: "เปิดเรื่องจัดสรรงบประมาณ รอแต่งตั้งคณะกรรมการ",
        AllocationStep.committee_appointed: "คณะกรรมการจัดสรรงบประมาณพิจารณาจัดสรร",
        AllocationStep.proposed: "คณะกรรมการเสนอผลการจัดสรรแล้ว",
        AllocationStep.submitted: "เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาอนุมัติ",
        AllocationStep.revising: "ส่งกลับคณะกรรมการปรับปรุงการจัดสรร",
        AllocationStep.approved: "อนุมัติการจัดสรรแล้ว รอแจ้งผลการจัดสรร",
        AllocationStep.announced: "แจ้งผลการจัดสรรแล้ว",
        AllocationStep.withdrawn: "ยกเลิกเรื่องแล้ว",
    }
    HOLDERS = {
        AllocationStep.opened: "officer",
        AllocationStep.committee_appointed: "committee",
        AllocationStep.proposed: "officer",
        AllocationStep.submitted: ALLOCATION_APPROVER.value,
        AllocationStep.revising: "committee",
        AllocationStep.approved: "officer",
        AllocationStep.announced: None,
        AllocationStep.withdrawn: None,
    }
    CLOSED = frozenset({AllocationStep.announced, AllocationStep.withdrawn})

    @classmethod
    def open(cls, *, title_th: str, line: BudgetLine, ceiling: Decimal, criteria_th: str,
             at: datetime) -> Allocation:
        return cls(fiscal_year_be=line.fiscal_year_be, title_th=required_text(title_th, "title_th"),
                   line_id=line.id, ceiling=money(ceiling, "ceiling"),
                   criteria_th=required_text(criteria_th, "criteria_th"), prepared_by=current_actor(),
                   at=aware(at))

    @event("Opened")
    def __init__(self, *, fiscal_year_be: int, title_th: str, line_id: UUID, ceiling: Decimal,
                 criteria_th: str, prepared_by: str, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.title_th = title_th
        self.line_id = line_id
        self.ceiling = ceiling
        self.criteria_th = criteria_th
        self.prepared_by = prepared_by
        self.committee: Committee | None = None
        self.method: AllocationMethod | None = None
        self.items: list[AllocationItem] = []
        self.rates: dict[SchoolLevel, Decimal] | None = None
        self.round = 0
        self.proposals = 0
        self.approvals: list[ApprovalRecord] = []
        self.step = AllocationStep.opened
        self.since = at

    @property
    def total(self) -> Decimal:
        return total_of(item.amount for item in self.items)

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """Whose decision the allocation waits for (decision rights: the ESA director in person)."""
        return ALLOCATION_APPROVER if self.step == AllocationStep.submitted else None

    def appoint_committee(self, appointed: Committee, at: datetime) -> None:
        self._require_step(AllocationStep.opened, AllocationStep.committee_appointed,
                           AllocationStep.revising)
        self._committee_appointed(committee=appointed, at=aware(at))

    def propose(self, *, method: AllocationMethod, items: Sequence[AllocationItem],
                rates: Mapping[SchoolLevel, Decimal] | None, by: str, at: datetime) -> None:
        """The committee's allocation (`by` one of its members): every recipient once, within the
        ceiling to the satang."""
        self._require_step(AllocationStep.committee_appointed, AllocationStep.proposed,
                           AllocationStep.revising)
        require_member(self.committee, by)
        checked = [item.model_copy(update={"amount": money(item.amount, item.recipient_code)})
                   for item in items]
        if not checked:
            raise NoRecipients()
        seen = Counter((i.recipient_kind, i.recipient_code) for i in checked)
        twice = sorted(code for (_, code), n in seen.items() if n > 1)
        if twice:
            raise DuplicateRecipient(", ".join(twice), recipients=twice)
        total = total_of(i.amount for i in checked)
        if total > self.ceiling:
            raise OverCeiling(f"total {total} exceeds the ceiling {self.ceiling} "
                              f"by {total - self.ceiling}", total=str(total),
                              ceiling=str(self.ceiling))
        self._proposed(method=AllocationMethod(method), items=checked,
                       rates=dict(rates) if rates is not None else None, at=aware(at))

    def submit(self, at: datetime) -> None:
        self._require_step(AllocationStep.proposed)
        self._submitted(round_no=self.round + 1, at=aware(at))

    def decide(self, *, body: ApprovingBody, decision: Decision, decided_on: date,
               reason: str | None, resolution: RegisteredDocumentRef | None, line: BudgetLine,
               at: datetime) -> ApprovalRecord:
        """Approve (the total goes onto the line in the same transaction), reject or return."""
        self._require_step(AllocationStep.submitted)
        record = approval_of(body=body, expected=ALLOCATION_APPROVER, decision=decision,
                          decided_on=decided_on, round_no=self.round, reason=reason,
                          resolution=resolution, at=at)
        if record.decision == Decision.approve:
            line.allocate(self.total, allocation_id=self.id,
                          reference=f"จัดสรร: {self.title_th}", at=at)
            self._approved(approval=record, at=aware(at))
        else:
            self._decided(approval=record, at=aware(at))
        return record

    def announce(self, *, announced_on: date, at: datetime) -> None:
        self._require_step(AllocationStep.approved)
        self._announced(announced_on=_not_after_today(announced_on, at, "announced_on"),
                        at=aware(at))

    def withdraw(self, *, reason: str, at: datetime) -> None:
        self._require_step(*(set(AllocationStep) - self.CLOSED - {AllocationStep.approved}))
        self._withdrawn(reason=required_text(reason, "reason"), at=aware(at))

    @event("CommitteeAppointed")
    def _committee_appointed(self, committee: Committee, at: datetime) -> None:
        self.committee = committee
        self.step = AllocationStep.committee_appointed
        self.since = at

    @event("Proposed")
    def _proposed(self, method: AllocationMethod, items: list[AllocationItem],
                  rates: dict[SchoolLevel, Decimal] | None, at: datetime) -> None:
        self.method = method
        self.items = list(items)
        self.rates = rates
        self.proposals += 1
        self.step = AllocationStep.proposed
        self.since = at

    @event("Submitted")
    def _submitted(self, round_no: int, at: datetime) -> None:
        self.round = round_no
        self.step = AllocationStep.submitted
        self.since = at

    @event("Decided")
    def _decided(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = AllocationStep.revising
        self.since = at

    @event("Approved")
    def _approved(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = AllocationStep.approved
        self.since = at

    @event("Announced")
    def _announced(self, announced_on: date, at: datetime) -> None:
        self.step = AllocationStep.announced
        self.since = at

    @event("Withdrawn")
    def _withdrawn(self, reason: str, at: datetime) -> None:
        self.step = AllocationStep.withdrawn
        self.since = at


# --------------------------------------------------------------------------------------------------
# Transfers and the rule table (procedure 13)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferRule:
    """A row of the rule table; None matches anything. No approvals: the transfer is forbidden."""

    code: str
    description_th: str
    approvals: tuple[ApprovingBody, ...]
    from_category: ExpenseCategory | None = None
    to_category: ExpenseCategory | None = None
    new_investment_item: bool | None = None

    def matches(self, source: ExpenseCategory, target: ExpenseCategory, new_item: bool) -> bool:
        return ((self.from_category is None or self.from_category == source)
                and (self.to_category is None or self.to_category == target)
                and (self.new_investment_item is None or self.new_investment_item == new_item))


class TransferRules:
    """The first matching row decides who approves a transfer, in order (Budget Procedure Act
    BE 2561 and the budget administration regulation BE 2562: moves into or out of personnel, or
    into new investment items, need approval above the provincial governor)."""

    def __init__(self, rules: Sequence[TransferRule], approver: ApprovingBody) -> None:
        self.rules = tuple(rules)
        self.approver = approver

    @classmethod
    def default(cls, approver: ApprovingBody = ApprovingBody.governor) -> TransferRules:
        higher = (approver, ApprovingBody.central_office)
        return cls([
            TransferRule("personnel-out", "โอนออกจากงบบุคลากร ต้องได้รับอนุมัติจากสำนักงบประมาณ/สพฐ. เพิ่มเติม",
                         higher, from_category=ExpenseCategory.personnel),
            TransferRule("personnel-in", "โอนเข้างบบุคลากร ต้องได้รับอนุมัติจากสำนักงบประมาณ/สพฐ. เพิ่มเติม",
                         higher, to_category=ExpenseCategory.personnel),
            TransferRule("new-investment", "โอนไปตั้งรายการลงทุนใหม่ ต้องได้รับอนุมัติจากสำนักงบประมาณ/สพฐ. เพิ่มเติม",
                         higher, to_category=ExpenseCategory.investment, new_investment_item=True),
        ], approver)

    @classmethod
    def from_csv(cls, text: str, approver: ApprovingBody) -> TransferRules:
        """Rows `code,from_category,to_category,new_investment_item,approvals,description_th`;
        `*` matches anything; approvals are bodies joined by `+` (`approver` is the configured
        approving body), or `forbidden`."""
        rules = []
        try:
            for row in csv.DictReader(io.StringIO(text)):
                approvals_text = row["approvals"].strip()
                bodies: tuple[ApprovingBody, ...] = () if approvals_text == "forbidden" else tuple(
                    approver if part.strip() == "approver" else ApprovingBody(part.strip())
                    for part in approvals_text.split("+"))
                new_item = row["new_investment_item"].strip().lower()
                rules.append(TransferRule(
                    code=required_text(row["code"], "code"), description_th=row["description_th"].strip(),
                    approvals=bodies,
                    from_category=_category_or_any(row["from_category"]),
                    to_category=_category_or_any(row["to_category"]),
                    new_investment_item=None if new_item in {"", "*"} else new_item == "true"))
        except (KeyError, ValueError, AttributeError) as error:
            raise InvalidRules(str(error)) from None
        return cls(rules, approver)

    @property
    def fallback(self) -> TransferRule:
        """What applies when no row matches: the configured approver alone."""
        return TransferRule("ordinary", "การโอนเปลี่ยนแปลงทั่วไป", (self.approver,))

    def table(self) -> list[TransferRule]:
        return [*self.rules, self.fallback]

    def rule_for(self, source: ExpenseCategory, target: ExpenseCategory,
                 new_item: bool) -> TransferRule:
        for rule in self.rules:
            if rule.matches(source, target, new_item):
                return rule
        return self.fallback


def _category_or_any(text: str) -> ExpenseCategory | None:
    text = text.strip()
    return None if text in {"", "*"} else ExpenseCategory(text)


class TransferStep(StrEnum):
    proposed = "proposed"  # waiting for the next approving body
    revising = "revising"
    approved = "approved"
    reported = "reported"
    withdrawn = "withdrawn"


class BudgetTransfer(CaseMixin, Aggregate, stored_as="budgeting.BudgetTransfer"):
    """A transfer between two lines of one fiscal year, approved by the bodies the rule table
    names, in order; the money moves with the last approval."""

    STEP_TH = {
        TransferStep.proposed: "เสนอขออนุมัติโอนเปลี่ยนแปลงงบประมาณ",
        TransferStep.revising: "ส่งกลับปรับปรุงคำขอโอน",
        TransferStep.approved: "อนุมัติการโอนแล้ว รอรายงาน สพฐ.",
        TransferStep.reported: "รายงานการโอนต่อ สพฐ. แล้ว",
        TransferStep.withdrawn: "ยกเลิกคำขอโอนแล้ว",
    }
    HOLDERS = {TransferStep.revising: "officer", TransferStep.approved: "officer",
               TransferStep.reported: None, TransferStep.withdrawn: None}
    CLOSED = frozenset({TransferStep.reported, TransferStep.withdrawn})

    @classmethod
    def propose(cls, *, source: BudgetLine, target: BudgetLine, amount: Decimal, reason_th: str,
                new_investment_item: bool, rules: TransferRules,
                leftover_review_id: UUID | None, at: datetime) -> BudgetTransfer:
        if source.id == target.id:
            raise SameLine(str(source.id))
        if source.fiscal_year_be != target.fiscal_year_be:
            raise FiscalYearMismatch(
                f"source is of {source.fiscal_year_be}, target of {target.fiscal_year_be}",
                source_fiscal_year_be=source.fiscal_year_be,
                target_fiscal_year_be=target.fiscal_year_be)
        amount = money(amount)
        source._require_available(amount)
        rule = rules.rule_for(source.category, target.category, new_investment_item)
        if not rule.approvals:
            raise TransferNotAllowed(f"{rule.code}: {rule.description_th}", rule=rule.code)
        return cls(fiscal_year_be=source.fiscal_year_be, source_line_id=source.id,
                   source_code=source.project_code, source_category=source.category,
                   target_line_id=target.id, target_code=target.project_code,
                   target_category=target.category, amount=amount,
                   reason_th=required_text(reason_th, "reason_th"),
                   new_investment_item=new_investment_item, rule_code=rule.code,
                   approvals_required=list(rule.approvals), leftover_review_id=leftover_review_id,
                   proposed_by=current_actor(), at=aware(at))

    @event("Proposed")
    def __init__(self, *, fiscal_year_be: int, source_line_id: UUID, source_code: str,
                 source_category: ExpenseCategory, target_line_id: UUID, target_code: str,
                 target_category: ExpenseCategory, amount: Decimal, reason_th: str,
                 new_investment_item: bool, rule_code: str,
                 approvals_required: list[ApprovingBody], leftover_review_id: UUID | None,
                 proposed_by: str, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.source_line_id = source_line_id
        self.source_code = source_code
        self.source_category = source_category
        self.target_line_id = target_line_id
        self.target_code = target_code
        self.target_category = target_category
        self.amount = amount
        self.reason_th = reason_th
        self.new_investment_item = new_investment_item
        self.rule_code = rule_code
        self.approvals_required = list(approvals_required)
        self.leftover_review_id = leftover_review_id
        self.proposed_by = proposed_by
        self.round = 1
        self.approvals: list[ApprovalRecord] = []  # every decision of every round
        self.report: Report | None = None
        self.step = TransferStep.proposed
        self.since = at

    @property
    def round_approvals(self) -> list[ApprovalRecord]:
        """The approvals given in the current round, in order."""
        return [a for a in self.approvals if a.round == self.round
                and a.decision == Decision.approve]

    @property
    def awaiting(self) -> ApprovingBody | None:
        if self.step != TransferStep.proposed:
            return None
        return self.approvals_required[len(self.round_approvals)]

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """The body whose decision this round waits for (decision rights: who records it)."""
        return self.awaiting

    @property
    def holder(self) -> str | None:
        awaiting = self.awaiting
        return awaiting.value if awaiting is not None else self.HOLDERS[self.step]

    def decide(self, *, body: ApprovingBody, decision: Decision, decided_on: date,
               reason: str | None, resolution: RegisteredDocumentRef | None, source: BudgetLine,
               target: BudgetLine, at: datetime) -> ApprovalRecord:
        """One body's decision; with the last approval the money moves (source, target)."""
        self._require_step(TransferStep.proposed)
        expected = self.awaiting
        assert expected is not None
        record = approval_of(body=body, expected=expected, decision=decision, decided_on=decided_on,
                          round_no=self.round, reason=reason, resolution=resolution, at=at)
        last = len(self.round_approvals) + 1 == len(self.approvals_required)
        if record.decision == Decision.approve and last:
            source.transfer_out(self.amount, transfer_id=self.id, to_line_id=target.id, at=at)
            target.transfer_in(self.amount, transfer_id=self.id, from_line_id=source.id, at=at)
            self._approved(approval=record, source_balance=source.balance(),
                           target_balance=target.balance(), at=aware(at))
        else:
            self._decided(approval=record, at=aware(at))
        return record

    def revise(self, *, amount: Decimal, reason_th: str, source: BudgetLine, at: datetime) -> None:
        """After a rejection or return: a new round, every approval asked again."""
        self._require_step(TransferStep.revising)
        amount = money(amount)
        source._require_available(amount)
        self._revised(amount=amount, reason_th=required_text(reason_th, "reason_th"),
                      round_no=self.round + 1, at=aware(at))

    def report_to_obec(self, *, sent: Report, at: datetime) -> None:
        self._require_step(TransferStep.approved)
        self._reported(report=sent, at=aware(at))

    def withdraw(self, *, reason: str, at: datetime) -> None:
        self._require_step(TransferStep.proposed, TransferStep.revising)
        self._withdrawn(reason=required_text(reason, "reason"), at=aware(at))

    @event("Decided")
    def _decided(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        if approval.decision != Decision.approve:
            self.step = TransferStep.revising
        self.since = at

    @event("Approved")
    def _approved(self, approval: ApprovalRecord, source_balance: LineBalance,
                  target_balance: LineBalance, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = TransferStep.approved
        self.since = at

    @event("Revised")
    def _revised(self, amount: Decimal, reason_th: str, round_no: int, at: datetime) -> None:
        self.amount = amount
        self.reason_th = reason_th
        self.round = round_no
        self.step = TransferStep.proposed
        self.since = at

    @event("Reported")
    def _reported(self, report: Report, at: datetime) -> None:
        self.report = report
        self.step = TransferStep.reported
        self.since = at

    @event("Withdrawn")
    def _withdrawn(self, reason: str, at: datetime) -> None:
        self.step = TransferStep.withdrawn
        self.since = at


class LeftoverStep(StrEnum):
    opened = "opened"
    committee_appointed = "committee_appointed"
    analysed = "analysed"
    guidelines_set = "guidelines_set"
    reported = "reported"


class LeftoverReview(CaseMixin, Aggregate, stored_as="budgeting.LeftoverReview"):
    """The yearly leftover-funds review: a committee analyses spending against each project's
    success conditions, sets how leftover funds are used, and reallocates them by transfers."""

    STEP_TH = {
        LeftoverStep.opened: "เปิดเรื่องพิจารณาเงินเหลือจ่าย รอแต่งตั้งคณะกรรมการ",
        LeftoverStep.committee_appointed: "คณะกรรมการวิเคราะห์ผลการใช้จ่ายงบประมาณ",
        LeftoverStep.analysed: "วิเคราะห์ผลการใช้จ่ายแล้ว รอกำหนดแนวทางใช้เงินเหลือจ่าย",
        LeftoverStep.guidelines_set: "กำหนดแนวทางแล้ว จัดสรรเงินเหลือจ่าย",
        LeftoverStep.reported: "รายงาน สพฐ. แล้ว",
    }
    HOLDERS = {LeftoverStep.opened: "officer", LeftoverStep.committee_appointed: "committee",
               LeftoverStep.analysed: "committee", LeftoverStep.guidelines_set: "officer",
               LeftoverStep.reported: None}
    CLOSED = frozenset({LeftoverStep.reported})

    @staticmethod
    def create_id(fiscal_year_be: int) -> UUID:
        return uuid5(ID_NAMESPACE, f"leftover-review:{int(fiscal_year_be)}")

    @classmethod
    def open(cls, *, fiscal_year_be: int, at: datetime) -> LeftoverReview:
        return cls(fiscal_year_be=fiscal_year(fiscal_year_be), at=aware(at))

    @event("Opened")
    def __init__(self, *, fiscal_year_be: int, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.committee: Committee | None = None
        self.lines: list[LeftoverLine] = []
        self.guidelines_th = ""
        self.reallocations: list[tuple[UUID, UUID, Decimal]] = []  # transfer, source line, amount
        self.report: Report | None = None
        self.step = LeftoverStep.opened
        self.since = at

    @property
    def title_th(self) -> str:
        return f"พิจารณาเงินเหลือจ่ายและการโอนเปลี่ยนแปลงงบประมาณ ปีงบประมาณ พ.ศ. {self.fiscal_year_be}"

    @property
    def total_leftover(self) -> Decimal:
        return total_of(line.leftover for line in self.lines)

    @property
    def reallocated_total(self) -> Decimal:
        return total_of(amount for _, _, amount in self.reallocations)

    def appoint_committee(self, appointed: Committee, at: datetime) -> None:
        self._require_step(LeftoverStep.opened, LeftoverStep.committee_appointed)
        self._committee_appointed(committee=appointed, at=aware(at))

    def analyse(self, *, lines: Sequence[BudgetLine], success: Mapping[UUID, bool | None],
                by: str, at: datetime) -> None:
        """The committee (`by` one of its members) analyses spending of the year's lines against
        each project's success conditions."""
        self._require_step(LeftoverStep.committee_appointed, LeftoverStep.analysed)
        require_member(self.committee, by)
        rows = [LeftoverLine(line_id=line.id, project_code=line.project_code,
                             category=line.category, budget=line.budget,
                             spent=line.committed + line.disbursed, leftover=line.available,
                             success_met=success.get(line.id))
                for line in sorted(lines, key=lambda x: (x.project_code, x.category.value))
                if line.fiscal_year_be == self.fiscal_year_be]
        self._analysed(lines=rows, at=aware(at))

    def set_guidelines(self, *, guidelines_th: str, by: str, at: datetime) -> None:
        """The committee (`by` one of its members) sets how leftover funds are used."""
        self._require_step(LeftoverStep.analysed, LeftoverStep.guidelines_set)
        require_member(self.committee, by)
        self._guidelines_set(guidelines_th=required_text(guidelines_th, "guidelines_th"), at=aware(at))

    def propose_reallocation(self, transfer: BudgetTransfer, at: datetime) -> None:
        """Leftover funds of an analysed line go elsewhere by `transfer` (never more than the
        line's analysed leftover, counting earlier reallocations from it)."""
        self._require_step(LeftoverStep.guidelines_set)
        row = next((r for r in self.lines if r.line_id == transfer.source_line_id), None)
        if row is None or transfer.fiscal_year_be != self.fiscal_year_be:
            raise ReallocationExceedsLeftover("the source line was not analysed in this review")
        already = total_of(a for _, line_id, a in self.reallocations
                           if line_id == transfer.source_line_id)
        if already + transfer.amount > row.leftover:
            raise ReallocationExceedsLeftover(
                f"leftover {row.leftover}, reallocated {already}, asked {transfer.amount}",
                leftover=str(row.leftover), reallocated=str(already))
        self._reallocation_proposed(transfer_id=transfer.id,
                                    source_line_id=transfer.source_line_id,
                                    target_line_id=transfer.target_line_id,
                                    amount=transfer.amount, at=aware(at))

    def report_to_obec(self, *, sent: Report, at: datetime) -> None:
        self._require_step(LeftoverStep.guidelines_set)
        self._reported(report=sent, at=aware(at))

    @event("CommitteeAppointed")
    def _committee_appointed(self, committee: Committee, at: datetime) -> None:
        self.committee = committee
        self.step = LeftoverStep.committee_appointed
        self.since = at

    @event("SpendingAnalysed")
    def _analysed(self, lines: list[LeftoverLine], at: datetime) -> None:
        self.lines = list(lines)
        self.step = LeftoverStep.analysed
        self.since = at

    @event("GuidelinesSet")
    def _guidelines_set(self, guidelines_th: str, at: datetime) -> None:
        self.guidelines_th = guidelines_th
        self.step = LeftoverStep.guidelines_set
        self.since = at

    @event("ReallocationProposed")
    def _reallocation_proposed(self, transfer_id: UUID, source_line_id: UUID,
                               target_line_id: UUID, amount: Decimal, at: datetime) -> None:
        self.reallocations.append((transfer_id, source_line_id, amount))

    @event("Reported")
    def _reported(self, report: Report, at: datetime) -> None:
        self.report = report
        self.step = LeftoverStep.reported
        self.since = at


# --------------------------------------------------------------------------------------------------
# Expenditure budget analysis (procedure 10)
# --------------------------------------------------------------------------------------------------


class AnalysisStep(StrEnum):
    opened = "opened"
    surveying = "surveying"
    committee_appointed = "committee_appointed"
    drafted = "drafted"
    submitted = "submitted"
    revising = "revising"
    approved = "approved"
    published = "published"
    reported = "reported"


ANALYSIS_APPROVER = ApprovingBody.esa_director


class BudgetAnalysis(CaseMixin, Aggregate, stored_as="budgeting.BudgetAnalysis"):
    STEP_TH = {
        AnalysisStep.opened: "เปิดเรื่องวิเคราะห์งบประมาณรายจ่าย",
        AnalysisStep.surveying: "สถานศึกษาและกลุ่มสำรวจและรายงานข้อมูล",
        AnalysisStep.committee_appointed: "คณะกรรมการวิเคราะห์งบประมาณรายจ่าย",
        AnalysisStep.drafted: "จัดทำรายงานการวิเคราะห์แล้ว รอเสนอ",
        AnalysisStep.submitted: "เสนอผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาพิจารณา",
        AnalysisStep.revising: "ส่งกลับคณะกรรมการปรับปรุงแก้ไข",
        AnalysisStep.approved: "ผู้อำนวยการเห็นชอบแล้ว รอเผยแพร่",
        AnalysisStep.published: "เผยแพร่รายงานแล้ว รอรายงาน สพฐ.",
        AnalysisStep.reported: "รายงาน สพฐ. แล้ว",
    }
    HOLDERS = {
        AnalysisStep.opened: "officer", AnalysisStep.surveying: "schools",
        AnalysisStep.committee_appointed: "committee", AnalysisStep.drafted: "officer",
        AnalysisStep.submitted: ANALYSIS_APPROVER.value, AnalysisStep.revising: "committee",
        AnalysisStep.approved: "officer", AnalysisStep.published: "officer",
        AnalysisStep.reported: None,
    }
    CLOSED = frozenset({AnalysisStep.reported})

    @classmethod
    def open(cls, *, fiscal_year_be: int, title_th: str, at: datetime) -> BudgetAnalysis:
        return cls(fiscal_year_be=fiscal_year(fiscal_year_be),
                   title_th=required_text(title_th, "title_th"), at=aware(at))

    @event("Opened")
    def __init__(self, *, fiscal_year_be: int, title_th: str, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.title_th = title_th
        self.respondents: list[str] = []
        self.survey_due: date | None = None
        self.responses: dict[str, str] = {}
        self.committee: Committee | None = None
        self.summary_th = ""
        self.figures: list[AnalysisFigure] = []
        self.drafts = 0
        self.round = 0
        self.approvals: list[ApprovalRecord] = []
        self.published_on: date | None = None
        self.report: Report | None = None
        self.step = AnalysisStep.opened
        self.since = at

    @property
    def due(self) -> date | None:
        return self.survey_due if self.step == AnalysisStep.surveying else None

    @property
    def total(self) -> Decimal:
        return total_of(f.amount for f in self.figures)

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """Whose decision the analysis waits for (decision rights: the ESA director in person)."""
        return ANALYSIS_APPROVER if self.step == AnalysisStep.submitted else None

    def send_survey(self, *, respondents: Sequence[str], due: date | None, at: datetime) -> None:
        self._require_step(AnalysisStep.opened)
        names = sorted({r.strip() for r in respondents if r and r.strip()})
        if not names:
            raise FieldRequired("at least one school or group", field="respondents")
        if due is not None and due < bangkok_date(at):
            raise DateInFuture(f"due {due} is already past", field="due_date")
        self._survey_sent(respondents=names, due=due, at=aware(at))

    def record_response(self, *, respondent: str, summary_th: str, at: datetime) -> None:
        self._require_step(AnalysisStep.surveying, AnalysisStep.committee_appointed)
        respondent = respondent.strip()
        if respondent not in self.respondents:
            raise NotARespondent(respondent)
        self._response_recorded(respondent=respondent,
                                summary_th=required_text(summary_th, "summary_th"), at=aware(at))

    def appoint_committee(self, appointed: Committee, at: datetime) -> None:
        self._require_step(AnalysisStep.opened, AnalysisStep.surveying,
                           AnalysisStep.committee_appointed)
        self._committee_appointed(committee=appointed, at=aware(at))

    def draft_report(self, *, summary_th: str, figures: Sequence[AnalysisFigure], by: str,
                     at: datetime) -> None:
        """The committee's analysis report (`by` one of its members), a new version each round."""
        self._require_step(AnalysisStep.committee_appointed, AnalysisStep.drafted,
                           AnalysisStep.revising)
        require_member(self.committee, by)
        checked = [f.model_copy(update={"amount": money(f.amount, f.item_th, allow_zero=True)})
                   for f in figures]
        self._report_drafted(summary_th=required_text(summary_th, "summary_th"), figures=checked,
                             at=aware(at))

    def submit(self, at: datetime) -> None:
        self._require_step(AnalysisStep.drafted)
        self._submitted(round_no=self.round + 1, at=aware(at))

    def decide(self, *, body: ApprovingBody, decision: Decision, decided_on: date,
               reason: str | None, resolution: RegisteredDocumentRef | None,
               at: datetime) -> ApprovalRecord:
        self._require_step(AnalysisStep.submitted)
        record = approval_of(body=body, expected=ANALYSIS_APPROVER, decision=decision,
                          decided_on=decided_on, round_no=self.round, reason=reason,
                          resolution=resolution, at=at)
        self._decided(approval=record, at=aware(at))
        return record

    def publish(self, *, published_on: date, at: datetime) -> None:
        self._require_step(AnalysisStep.approved)
        self._published(published_on=_not_after_today(published_on, at, "published_on"),
                        at=aware(at))

    def report_to_obec(self, *, sent: Report, at: datetime) -> None:
        self._require_step(AnalysisStep.published)
        self._reported(report=sent, at=aware(at))

    @event("SurveySent")
    def _survey_sent(self, respondents: list[str], due: date | None, at: datetime) -> None:
        self.respondents = list(respondents)
        self.survey_due = due
        self.step = AnalysisStep.surveying
        self.since = at

    @event("ResponseRecorded")
    def _response_recorded(self, respondent: str, summary_th: str, at: datetime) -> None:
        self.responses[respondent] = summary_th

    @event("CommitteeAppointed")
    def _committee_appointed(self, committee: Committee, at: datetime) -> None:
        self.committee = committee
        self.step = AnalysisStep.committee_appointed
        self.since = at

    @event("ReportDrafted")
    def _report_drafted(self, summary_th: str, figures: list[AnalysisFigure],
                        at: datetime) -> None:
        self.summary_th = summary_th
        self.figures = list(figures)
        self.drafts += 1
        self.step = AnalysisStep.drafted
        self.since = at

    @event("Submitted")
    def _submitted(self, round_no: int, at: datetime) -> None:
        self.round = round_no
        self.step = AnalysisStep.submitted
        self.since = at

    @event("Decided")
    def _decided(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = (AnalysisStep.approved if approval.decision == Decision.approve
                     else AnalysisStep.revising)
        self.since = at

    @event("Published")
    def _published(self, published_on: date, at: datetime) -> None:
        self.published_on = published_on
        self.step = AnalysisStep.published
        self.since = at

    @event("Reported")
    def _reported(self, report: Report, at: datetime) -> None:
        self.report = report
        self.step = AnalysisStep.reported
        self.since = at

    # A survey of every school: one response each (snapshots, `BudgetingApplication`).
    STATE = SnapshotState(
        fiscal_year_be=int, title_th=str, respondents=list[str], survey_due=date | None,
        responses=dict[str, str], committee=Committee | None, summary_th=str,
        figures=list[AnalysisFigure], drafts=int, round=int, approvals=list[ApprovalRecord],
        published_on=date | None, report=Report | None, step=AnalysisStep, since=datetime)

    def snapshot_state(self) -> dict[str, Any]:
        return self.STATE.dump(vars(self))

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return cls.STATE.load(state)


# --------------------------------------------------------------------------------------------------
# Budget requests and external funding (procedure 11)
# --------------------------------------------------------------------------------------------------


class RequestItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title_th: str
    category: ExpenseCategory
    amount: Decimal
    justification_th: str = ""


class SchoolRequest(BaseModel):
    """A school's request and, once reviewed, what the committee agreed for each item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    school_code: str
    school_name_th: str
    items: list[RequestItem]
    reviewed: bool = False
    appropriate: bool | None = None
    agreed: list[Decimal] = []
    comments_th: str = ""

    @property
    def requested(self) -> Decimal:
        return total_of(i.amount for i in self.items)

    @property
    def agreed_total(self) -> Decimal:
        return total_of(self.agreed)


class RequestStep(StrEnum):
    announced = "announced"
    committee_appointed = "committee_appointed"
    compiled = "compiled"
    submitted = "submitted"
    revising = "revising"
    endorsed = "endorsed"
    results_announced = "results_announced"
    reported = "reported"


REQUEST_APPROVER = ApprovingBody.area_committee


class BudgetRequest(CaseMixin, Aggregate, stored_as="budgeting.BudgetRequest"):
    """The office's annual (or urgent) budget request, compiled from its schools' requests."""

    STEP_TH = {
        RequestStep.announced: "แจ้งหลักเกณฑ์แล้ว สถานศึกษาจัดทำคำขอ",
        RequestStep.committee_appointed: "คณะกรรมการพิจารณาความเหมาะสมของคำขอ",
        RequestStep.compiled: "จัดทำคำขอของบประมาณแล้ว รอเสนอ",
        RequestStep.submitted: "เสนอคณะกรรมการเขตพื้นที่การศึกษาให้ความเห็นชอบ",
        RequestStep.revising: "ส่งกลับคณะกรรมการปรับปรุงคำขอ",
        RequestStep.endorsed: "คณะกรรมการเขตพื้นที่การศึกษาเห็นชอบแล้ว รอแจ้งผล",
        RequestStep.results_announced: "แจ้งผลให้สถานศึกษาแล้ว รอรายงาน สพฐ.",
        RequestStep.reported: "รายงาน สพฐ. แล้ว",
    }
    HOLDERS = {
        RequestStep.announced: "schools", RequestStep.committee_appointed: "committee",
        RequestStep.compiled: "officer", RequestStep.submitted: REQUEST_APPROVER.value,
        RequestStep.revising: "committee", RequestStep.endorsed: "officer",
        RequestStep.results_announced: "officer", RequestStep.reported: None,
    }
    CLOSED = frozenset({RequestStep.reported})

    @classmethod
    def announce(cls, *, fiscal_year_be: int, kind: RequestKind, title_th: str, criteria_th: str,
                 due: date | None, at: datetime) -> BudgetRequest:
        if due is not None and due < bangkok_date(at):
            raise DateInFuture(f"due {due} is already past", field="due_date")
        return cls(fiscal_year_be=fiscal_year(fiscal_year_be), kind=RequestKind(kind),
                   title_th=required_text(title_th, "title_th"),
                   criteria_th=required_text(criteria_th, "criteria_th"), due=due, at=aware(at))

    @event("Announced")
    def __init__(self, *, fiscal_year_be: int, kind: RequestKind, title_th: str, criteria_th: str,
                 due: date | None, at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.kind = kind
        self.title_th = title_th
        self.criteria_th = criteria_th
        self.submission_due = due
        self.schools: dict[str, SchoolRequest] = {}
        self.committee: Committee | None = None
        self.targets: dict[str, list[TargetOutput]] = {}
        self.compiled_total = ZERO
        self.compilations = 0
        self.round = 0
        self.approvals: list[ApprovalRecord] = []
        self.report: Report | None = None
        self.step = RequestStep.announced
        self.since = at

    @property
    def due(self) -> date | None:
        return self.submission_due if self.step == RequestStep.announced else None

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """Whose endorsement the request waits for (decision rights: an officer records the area
        committee's, citing its resolution)."""
        return REQUEST_APPROVER if self.step == RequestStep.submitted else None

    def by_category(self) -> dict[ExpenseCategory, Decimal]:
        sums: dict[ExpenseCategory, Decimal] = {}
        for request in self.schools.values():
            for item, agreed in zip(request.items, request.agreed, strict=False):
                sums[item.category] = sums.get(item.category, ZERO) + agreed
        return {c: sums[c] for c in ExpenseCategory if c in sums}

    def submit_school_request(self, *, school_code: str, school_name_th: str,
                              items: Sequence[RequestItem], at: datetime) -> None:
        self._require_step(RequestStep.announced, RequestStep.committee_appointed)
        code = valid_school_code(school_code)
        earlier = self.schools.get(code)
        if earlier is not None and earlier.reviewed:
            raise AlreadyReviewed(code)
        checked = [i.model_copy(update={"amount": money(i.amount, i.title_th),
                                        "title_th": required_text(i.title_th, "title_th")})
                   for i in items]
        if not checked:
            raise FieldRequired("at least one item", field="items")
        self._school_request_submitted(
            request=SchoolRequest(school_code=code, school_name_th=school_name_th.strip() or code,
                                  items=checked), at=aware(at))

    def appoint_committee(self, appointed: Committee, at: datetime) -> None:
        self._require_step(RequestStep.announced, RequestStep.committee_appointed)
        self._committee_appointed(committee=appointed, at=aware(at))

    def review(self, *, school_code: str, appropriate: bool, agreed: Sequence[Decimal],
               comments_th: str, by: str, at: datetime) -> None:
        """The committee's view of a school's request (`by` one of its members): an agreed amount
        per item, never more than asked; an inappropriate request gets nothing."""
        self._require_step(RequestStep.committee_appointed, RequestStep.revising)
        require_member(self.committee, by)
        code = valid_school_code(school_code)
        request = self.schools.get(code)
        if request is None:
            raise CaseNotFound(f"no request from school {code}")
        if len(agreed) != len(request.items):
            raise FieldRequired(f"one agreed amount per item ({len(request.items)})",
                                field="agreed")
        amounts = [money(a, f"agreed {n + 1}", allow_zero=True) for n, a in enumerate(agreed)]
        if not appropriate:
            amounts = [ZERO for _ in amounts]
        over = [n + 1 for n, (a, i) in enumerate(zip(amounts, request.items, strict=True))
                if a > i.amount]
        if over:
            raise AgreedMoreThanRequested(f"items {over}", items=over)
        self._school_request_reviewed(school_code=code, appropriate=appropriate, agreed=amounts,
                                      comments_th=comments_th.strip(), at=aware(at))

    def agree_targets(self, *, party: str, outputs: Sequence[TargetOutput], at: datetime) -> None:
        self._require_step(RequestStep.committee_appointed, RequestStep.revising,
                           RequestStep.compiled)
        party = party.strip()
        if party != "office":
            party = valid_school_code(party)
        if not outputs:
            raise FieldRequired("at least one output", field="outputs")
        self._targets_agreed(party=party, outputs=list(outputs), at=aware(at))

    def compile(self, at: datetime) -> None:
        self._require_step(RequestStep.committee_appointed, RequestStep.revising,
                           RequestStep.compiled)
        if not self.schools:
            raise NotAllReviewed("no school has submitted a request")
        pending = sorted(code for code, r in self.schools.items() if not r.reviewed)
        if pending:
            raise NotAllReviewed(", ".join(pending), schools=pending)
        self._compiled(total=total_of(r.agreed_total for r in self.schools.values()),
                       at=aware(at))

    def submit(self, at: datetime) -> None:
        self._require_step(RequestStep.compiled)
        self._submitted(round_no=self.round + 1, at=aware(at))

    def decide(self, *, body: ApprovingBody, decision: Decision, decided_on: date,
               reason: str | None, resolution: RegisteredDocumentRef | None,
               at: datetime) -> ApprovalRecord:
        self._require_step(RequestStep.submitted)
        record = approval_of(body=body, expected=REQUEST_APPROVER, decision=decision,
                          decided_on=decided_on, round_no=self.round, reason=reason,
                          resolution=resolution, at=at)
        self._decided(approval=record, at=aware(at))
        return record

    def announce_results(self, *, announced_on: date, at: datetime) -> None:
        self._require_step(RequestStep.endorsed)
        self._results_announced(
            announced_on=_not_after_today(announced_on, at, "announced_on"), at=aware(at))

    def report_to_obec(self, *, sent: Report, at: datetime) -> None:
        self._require_step(RequestStep.results_announced)
        self._reported(report=sent, at=aware(at))

    @event("SchoolRequestSubmitted")
    def _school_request_submitted(self, request: SchoolRequest, at: datetime) -> None:
        self.schools[request.school_code] = request

    @event("CommitteeAppointed")
    def _committee_appointed(self, committee: Committee, at: datetime) -> None:
        self.committee = committee
        self.step = RequestStep.committee_appointed
        self.since = at

    @event("SchoolRequestReviewed")
    def _school_request_reviewed(self, school_code: str, appropriate: bool, agreed: list[Decimal],
                                 comments_th: str, at: datetime) -> None:
        self.schools[school_code] = self.schools[school_code].model_copy(update={
            "reviewed": True, "appropriate": appropriate, "agreed": list(agreed),
            "comments_th": comments_th})

    @event("TargetsAgreed")
    def _targets_agreed(self, party: str, outputs: list[TargetOutput], at: datetime) -> None:
        self.targets[party] = list(outputs)

    @event("Compiled")
    def _compiled(self, total: Decimal, at: datetime) -> None:
        self.compiled_total = total
        self.compilations += 1
        self.step = RequestStep.compiled
        self.since = at

    @event("Submitted")
    def _submitted(self, round_no: int, at: datetime) -> None:
        self.round = round_no
        self.step = RequestStep.submitted
        self.since = at

    @event("Decided")
    def _decided(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = (RequestStep.endorsed if approval.decision == Decision.approve
                     else RequestStep.revising)
        self.since = at

    @event("ResultsAnnounced")
    def _results_announced(self, announced_on: date, at: datetime) -> None:
        self.step = RequestStep.results_announced
        self.since = at

    @event("Reported")
    def _reported(self, report: Report, at: datetime) -> None:
        self.report = report
        self.step = RequestStep.reported
        self.since = at

    # Every school's request and its review: two events a school (snapshots,
    # `BudgetingApplication`).
    STATE = SnapshotState(
        fiscal_year_be=int, kind=RequestKind, title_th=str, criteria_th=str,
        submission_due=date | None, schools=dict[str, SchoolRequest],
        committee=Committee | None, targets=dict[str, list[TargetOutput]],
        compiled_total=Decimal, compilations=int, round=int, approvals=list[ApprovalRecord],
        report=Report | None, step=RequestStep, since=datetime)

    def snapshot_state(self) -> dict[str, Any]:
        return self.STATE.dump(vars(self))

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return cls.STATE.load(state)


class FundingStep(StrEnum):
    requested = "requested"
    revising = "revising"
    approved = "approved"
    school_notified = "school_notified"
    funds_received = "funds_received"
    withdrawn = "withdrawn"


FUNDING_APPROVER = ApprovingBody.esa_director


class ExternalFunding(CaseMixin, Aggregate, stored_as="budgeting.ExternalFunding"):
    """A school's request for support from an external source: value for money analysed, the
    superior approves, the school is told, and what it raised enters the register."""

    STEP_TH = {
        FundingStep.requested: "เสนอผู้บังคับบัญชาพิจารณาการขอรับการสนับสนุน",
        FundingStep.revising: "ส่งกลับปรับปรุงการวิเคราะห์ความคุ้มค่า",
        FundingStep.approved: "อนุมัติแล้ว รอแจ้งสถานศึกษา",
        FundingStep.school_notified: "แจ้งสถานศึกษาแล้ว รอผลการระดมทรัพยากร",
        FundingStep.funds_received: "ได้รับการสนับสนุนแล้ว (บันทึกในทะเบียนทรัพยากร)",
        FundingStep.withdrawn: "ยกเลิกคำขอแล้ว",
    }
    HOLDERS = {FundingStep.requested: FUNDING_APPROVER.value, FundingStep.revising: "officer",
               FundingStep.approved: "officer", FundingStep.school_notified: "schools",
               FundingStep.funds_received: None, FundingStep.withdrawn: None}
    CLOSED = frozenset({FundingStep.funds_received, FundingStep.withdrawn})

    @classmethod
    def request(cls, *, fiscal_year_be: int, school_code: str, school_name_th: str,
                source_th: str, project_th: str, amount: Decimal, value_analysis_th: str,
                at: datetime) -> ExternalFunding:
        code = valid_school_code(school_code)
        return cls(fiscal_year_be=fiscal_year(fiscal_year_be), school_code=code,
                   school_name_th=school_name_th.strip() or code,
                   source_th=required_text(source_th, "source_th"),
                   project_th=required_text(project_th, "project_th"), amount=money(amount),
                   value_analysis_th=required_text(value_analysis_th, "value_analysis_th"),
                   at=aware(at))

    @event("Requested")
    def __init__(self, *, fiscal_year_be: int, school_code: str, school_name_th: str,
                 source_th: str, project_th: str, amount: Decimal, value_analysis_th: str,
                 at: datetime) -> None:
        self.fiscal_year_be = fiscal_year_be
        self.school_code = school_code
        self.school_name_th = school_name_th
        self.source_th = source_th
        self.project_th = project_th
        self.amount = amount
        self.value_analysis_th = value_analysis_th
        self.round = 1
        self.approvals: list[ApprovalRecord] = []
        self.notified_on: date | None = None
        self.receipts: list[tuple[date, Decimal, str]] = []
        self.step = FundingStep.requested
        self.since = at

    @property
    def title_th(self) -> str:
        return f"{self.project_th} ({self.school_name_th}) จาก {self.source_th}"

    @property
    def received_total(self) -> Decimal:
        return total_of(amount for _, amount, _ in self.receipts)

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """Whose approval the request waits for (decision rights: the ESA director in person)."""
        return FUNDING_APPROVER if self.step == FundingStep.requested else None

    def decide(self, *, body: ApprovingBody, decision: Decision, decided_on: date,
               reason: str | None, resolution: RegisteredDocumentRef | None,
               at: datetime) -> ApprovalRecord:
        self._require_step(FundingStep.requested)
        record = approval_of(body=body, expected=FUNDING_APPROVER, decision=decision,
                          decided_on=decided_on, round_no=self.round, reason=reason,
                          resolution=resolution, at=at)
        self._decided(approval=record, at=aware(at))
        return record

    def resubmit(self, *, amount: Decimal, value_analysis_th: str, at: datetime) -> None:
        self._require_step(FundingStep.revising)
        self._resubmitted(amount=money(amount),
                          value_analysis_th=required_text(value_analysis_th, "value_analysis_th"),
                          round_no=self.round + 1, at=aware(at))

    def notify_school(self, *, notified_on: date, at: datetime) -> None:
        self._require_step(FundingStep.approved)
        self._school_notified(notified_on=_not_after_today(notified_on, at, "notified_on"),
                              at=aware(at))

    def record_receipt(self, *, amount: Decimal, received_on: date, reference: str,
                       at: datetime) -> None:
        self._require_step(FundingStep.school_notified, FundingStep.funds_received)
        self._funds_received(amount=money(amount),
                             received_on=_not_after_today(received_on, at, "received_on"),
                             reference=reference.strip(), at=aware(at))

    def withdraw(self, *, reason: str, at: datetime) -> None:
        self._require_step(FundingStep.requested, FundingStep.revising, FundingStep.approved)
        self._withdrawn(reason=required_text(reason, "reason"), at=aware(at))

    @event("Decided")
    def _decided(self, approval: ApprovalRecord, at: datetime) -> None:
        self.approvals.append(approval)
        self.step = (FundingStep.approved if approval.decision == Decision.approve
                     else FundingStep.revising)
        self.since = at

    @event("Resubmitted")
    def _resubmitted(self, amount: Decimal, value_analysis_th: str, round_no: int,
                     at: datetime) -> None:
        self.amount = amount
        self.value_analysis_th = value_analysis_th
        self.round = round_no
        self.step = FundingStep.requested
        self.since = at

    @event("SchoolNotified")
    def _school_notified(self, notified_on: date, at: datetime) -> None:
        self.notified_on = notified_on
        self.step = FundingStep.school_notified
        self.since = at

    @event("FundsReceived")
    def _funds_received(self, amount: Decimal, received_on: date, reference: str,
                        at: datetime) -> None:
        self.receipts.append((received_on, amount, reference))
        self.step = FundingStep.funds_received
        self.since = at

    @event("Withdrawn")
    def _withdrawn(self, reason: str, at: datetime) -> None:
        self.step = FundingStep.withdrawn
        self.since = at


CASE_TYPES: tuple[type[Aggregate], ...] = (
    BudgetAnalysis, BudgetRequest, ExternalFunding, Allocation, BudgetTransfer, LeftoverReview)

"""Budgeting domain (procedures 10-13): given events, when a command, then new events or a refusal.

Every "given" aggregate is rebuilt from its own events before the command runs, so the tests
exercise the state that replay produces, as the application sees it after loading from the store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from contracts.budgeting.v1 import AllocationItem, AnalysisFigure, RecipientKind, TargetOutput
from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import ApprovingBody, Decision, ExpenseCategory, SchoolLevel
from services.budgeting.domain import (
    DEFAULT_PER_HEAD_RATES,
    Allocation,
    AllocationStep,
    AnalysisStep,
    BudgetAnalysis,
    BudgetLine,
    BudgetRequest,
    BudgetTransfer,
    ExternalFunding,
    FundingStep,
    LeftoverReview,
    LeftoverStep,
    RequestItem,
    RequestStep,
    SchoolRecord,
    Snapshot,
    TransferRules,
    TransferStep,
    committee_of,
    exact_to_satang,
    line_as_of,
    money,
    parse_rate_csv,
    per_head_allocation,
    report_of,
    require_fundable,
)
from shared.context import acting_as
from tests.support.given_when_then import given, names, refused, then_events

D = Decimal
FY = 2568
# 10:00 in Bangkok on Monday 25 November 2024 (BE 2567, fiscal year 2568).
T0 = datetime(2024, 11, 25, 3, 0, tzinfo=UTC)
TODAY = date(2024, 11, 25)
OP, SUB, PER, INV = (ExpenseCategory.operations, ExpenseCategory.subsidies,
                     ExpenseCategory.personnel, ExpenseCategory.investment)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def line(category: ExpenseCategory = OP, *, code: str = "P68-01", fiscal_year_be: int = FY,
         allocated: str | None = None) -> BudgetLine:
    created = BudgetLine.open(fiscal_year_be=fiscal_year_be, project_id=uuid4(), project_code=code,
                              title_th="โครงการทดสอบ", category=category,
                              planned_by_quarter={1: D("100.00")}, plan_id=None, at=T0)
    if allocated is not None:
        created.allocate(D(allocated), allocation_id=uuid4(), reference="จัดสรร", at=T0)
    return given(created)


COMMITTEE = committee_of(chair="dir-1", members=["off-1", "off-2"], appointed_on=TODAY,
                         order=None, at=T0)
MEMBER = "off-1"  # does the committee's work


def decide_args(body: ApprovingBody, decision: Decision = Decision.approve,
                reason: str | None = None) -> dict[str, Any]:
    return dict(body=body, decision=decision, decided_on=TODAY, reason=reason, resolution=None,
                at=hours(5))


# ---- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, "1.005", "-1", "0", "abc", "NaN", "Infinity",
                                   "10000000000000.00"])
def test_money_is_positive_baht_and_satang_never_a_float(value: Any) -> None:
    with refused("invalid-amount", 422):
        money(value)


def test_money_keeps_satang_exactly() -> None:
    assert money("1234.5") == D("1234.50")
    assert str(money(D("0.01"))) == "0.01"
    assert money("0", allow_zero=True) == D("0.00")


# ---- budget lines --------------------------------------------------------------------------------


def test_a_line_opens_with_its_quarters_and_no_money() -> None:
    opened = line()
    assert [q.amount for q in opened.planned_by_quarter] == [D("100.00"), D("0"), D("0"), D("0")]
    assert opened.available == D("0") and opened.planned_total == D("100.00")


def test_available_is_allocated_plus_in_minus_out_minus_committed_minus_disbursed() -> None:
    source, target = line(allocated="1000.00"), line(SUB, allocated="200.00")
    source.commit(D("100.00"), reference="PO 1", at=hours(1))
    source.disburse(D("50.00"), reference="ฎีกา 1", settles_commitment=False, at=hours(1))
    source.transfer_out(D("300.00"), transfer_id=uuid4(), to_line_id=target.id, at=hours(2))
    target.transfer_in(D("300.00"), transfer_id=uuid4(), from_line_id=source.id, at=hours(2))
    assert source.available == D("1000.00") - D("300.00") - D("100.00") - D("50.00")
    assert target.available == D("500.00")


def test_nothing_may_take_a_line_below_zero() -> None:
    given_line = line(allocated="100.00")
    with refused("insufficient-balance", 422) as info:
        given_line.commit(D("100.01"), reference="PO 2", at=hours(1))
    assert info.value.extra["available"] == "100.00"
    with refused("insufficient-balance"):
        given_line.disburse(D("100.01"), reference="ฎีกา", settles_commitment=False, at=hours(1))
    with refused("insufficient-balance"):
        given_line.transfer_out(D("100.01"), transfer_id=uuid4(), to_line_id=uuid4(), at=hours(1))
    assert then_events(given_line) == []


def test_a_disbursement_against_a_commitment_releases_it_and_leaves_available_unchanged() -> None:
    committed = line(allocated="500.00")
    committed.commit(D("200.00"), reference="PO 1", at=hours(1))
    committed = given(committed)
    committed.disburse(D("150.00"), reference="ฎีกา 1", settles_commitment=True, at=hours(2))
    assert names(then_events(committed)) == ["Disbursed"]
    assert (committed.committed, committed.disbursed, committed.available) == (
        D("50.00"), D("150.00"), D("300.00"))
    with refused("insufficient-commitment"):
        committed.disburse(D("50.01"), reference="ฎีกา 2", settles_commitment=True, at=hours(3))
    with refused("insufficient-commitment"):
        committed.release_commitment(D("50.01"), reference="PO 1", at=hours(3))


def test_the_balance_at_any_moment_is_a_fold_of_the_events() -> None:
    moving = line(allocated="1000.00")
    moving.commit(D("100.00"), reference="PO 1", at=hours(1))
    moving.disburse(D("40.00"), reference="ฎีกา 1", settles_commitment=False, at=hours(3))
    history = moving._test_history + then_events(moving)
    assert line_as_of(history, T0 - timedelta(seconds=1)) is None
    assert line_as_of(history, T0).available == D("1000.00")
    assert line_as_of(history, hours(2)).available == D("900.00")
    assert line_as_of(history, hours(3)).available == D("860.00")


def test_a_revised_plan_changes_the_quarters_only_when_they_differ() -> None:
    planned = line()
    assert planned.revise_plan(planned_by_quarter={1: D("100.00")}, plan_id=uuid4(),
                               at=hours(1)) is False
    assert planned.revise_plan(planned_by_quarter={1: D("50"), 4: D("50")}, plan_id=uuid4(),
                               at=hours(1)) is True
    assert names(then_events(planned)) == ["PlanRevised"]


def test_line_ids_are_deterministic_per_fiscal_year_project_and_category() -> None:
    project = uuid4()
    assert BudgetLine.create_id(FY, project, OP) == BudgetLine.create_id(FY, project, "operations")
    assert BudgetLine.create_id(FY, project, OP) != BudgetLine.create_id(FY + 1, project, OP)
    assert BudgetLine.create_id(FY, project, OP) != BudgetLine.create_id(FY, project, SUB)


# ---- allocation (12) ---------------------------------------------------------------------------------


def item(code: str, amount: str, kind: RecipientKind = RecipientKind.school) -> AllocationItem:
    return AllocationItem(recipient_kind=kind, recipient_code=code, recipient_name_th=code,
                          amount=D(amount))


def allocation(ceiling: str = "1000.00", target: BudgetLine | None = None) -> Allocation:
    with acting_as("off-1"):
        opened = Allocation.open(title_th="จัดสรร", line=target or line(SUB),
                                 ceiling=D(ceiling), criteria_th="ตามจำนวนนักเรียน", at=T0)
    opened.appoint_committee(COMMITTEE, hours(1))
    return given(opened)


def test_the_committee_allocates_within_the_ceiling_to_the_satang() -> None:
    case = allocation("1000.00")
    with refused("allocation-over-ceiling", 422) as info:
        case.propose(method="amounts", items=[item("40050001", "600.00"),
                                              item("40050002", "400.01")], rates=None, by=MEMBER, at=hours(2))
    assert info.value.extra == {"total": "1000.01", "ceiling": "1000.00"}
    case.propose(method="amounts", items=[item("40050001", "600.00"), item("40050002", "400.00")],
                 rates=None, by=MEMBER, at=hours(2))
    assert names(then_events(case)) == ["Proposed"]
    assert case.total == D("1000.00") and case.step == AllocationStep.proposed


def test_a_recipient_appears_once_and_an_allocation_needs_a_committee() -> None:
    with acting_as("off-1"):
        fresh = given(Allocation.open(title_th="จัดสรร", line=line(SUB), ceiling=D("10"),
                                      criteria_th="เกณฑ์", at=T0))
    with refused("wrong-step", 409):
        fresh.propose(method="amounts", items=[item("40050001", "1.00")], rates=None, by=MEMBER, at=hours(1))
    case = allocation()
    with refused("duplicate-recipient"):
        case.propose(method="amounts", items=[item("40050001", "1.00"), item("40050001", "2.00")],
                     rates=None, by=MEMBER, at=hours(2))
    with refused("no-recipients"):
        case.propose(method="amounts", items=[], rates=None, by=MEMBER, at=hours(2))


def test_approval_puts_the_total_on_the_line_in_the_same_decision() -> None:
    target = line(SUB)
    case = allocation("1000.00", target)
    case.propose(method="amounts", items=[item("40050001", "700.50")], rates=None, by=MEMBER, at=hours(2))
    case.submit(hours(3))
    case = given(case)
    with refused("wrong-approving-body", 422):
        case.decide(line=target, **decide_args(ApprovingBody.governor))
    case.decide(line=target, **decide_args(ApprovingBody.esa_director))
    assert names(then_events(case)) == ["Approved"]
    assert names(then_events(target)) == ["Allocated"]
    assert target.allocated == D("700.50") and case.holder == "officer"


def test_a_returned_allocation_is_revised_and_every_round_is_kept() -> None:
    target = line(SUB)
    case = allocation("1000.00", target)
    case.propose(method="amounts", items=[item("40050001", "900.00")], rates=None, by=MEMBER, at=hours(2))
    case.submit(hours(3))
    with refused("reason-required"):
        case.decide(line=target, **decide_args(ApprovingBody.esa_director, Decision.reject))
    case.decide(line=target, **decide_args(ApprovingBody.esa_director, Decision.reject,
                                           "เกณฑ์ไม่ชัดเจน"))
    case = given(case)
    assert (case.step, case.holder) == (AllocationStep.revising, "committee")
    assert target.allocated == D("0")
    case.propose(method="amounts", items=[item("40050001", "800.00")], rates=None, by=MEMBER, at=hours(6))
    case.submit(hours(7))
    case.decide(line=target, **decide_args(ApprovingBody.esa_director))
    case = given(case)
    assert [(a.round, a.decision) for a in case.approvals] == [
        (1, Decision.reject), (2, Decision.approve)]
    assert case.approvals[0].reason == "เกณฑ์ไม่ชัดเจน"
    assert target.allocated == D("800.00")
    case.announce(announced_on=TODAY, at=hours(8))
    assert case.closed
    with refused("wrong-step"):
        case.withdraw(reason="ไม่ต้องการแล้ว", at=hours(9))


def test_an_open_allocation_may_be_withdrawn_but_not_an_approved_one() -> None:
    case = allocation()
    case.withdraw(reason="ซ้ำซ้อน", at=hours(2))
    assert given(case).closed and case.step == AllocationStep.withdrawn


def test_a_decision_cannot_be_dated_after_today() -> None:
    target = line(SUB)
    case = allocation("10.00", target)
    case.propose(method="amounts", items=[item("40050001", "1.00")], rates=None, by=MEMBER, at=hours(2))
    case.submit(hours(3))
    with refused("date-in-future"):
        case.decide(line=target, body=ApprovingBody.esa_director, decision=Decision.approve,
                    decided_on=TODAY + timedelta(days=1), reason=None, resolution=None,
                    at=hours(4))


# ---- per-head subsidy -----------------------------------------------------------------------------


def school(code: str, *terms: dict[SchoolLevel, int], academic_year_be: int = 2567,
           name: str | None = None) -> SchoolRecord:
    record = SchoolRecord.note(school_code=code, name_th=name or f"โรงเรียน {code}")
    for term, pupils in enumerate(terms, start=1):
        if pupils:
            record.record_enrolment(Snapshot(
                academic_year_be=academic_year_be, term=term,
                snapshot_date=date(academic_year_be - 543, 6 if term == 1 else 11, 10),
                pupils_by_level=pupils))
    return given(record)


K, P, M = SchoolLevel.kindergarten, SchoolLevel.primary, SchoolLevel.lower_secondary


def test_per_head_funds_each_half_year_from_one_term_at_half_the_yearly_rate() -> None:
    # FY 2568 = academic year 2567: first half from term 1, second half from term 2.
    result = per_head_allocation([school("40050001", {K: 10, P: 20}, {K: 12, P: 18})],
                                 DEFAULT_PER_HEAD_RATES, 2568)
    (only,) = result.items
    assert only.amount == (D(1700) * 10 + D(1900) * 20) / 2 + (D(1700) * 12 + D(1900) * 18) / 2
    assert only.basis.academic_year_be == 2567
    assert only.basis.term1_pupils == {K: 10, P: 20} and only.basis.term2_pupils == {K: 12, P: 18}
    assert result.missing_snapshots == []


def test_snapshots_of_another_academic_year_do_not_count() -> None:
    result = per_head_allocation([school("40050001", {P: 10}, {P: 10}, academic_year_be=2566)],
                                 DEFAULT_PER_HEAD_RATES, 2568)
    assert result.items == [] and result.missing_snapshots == ["40050001:1", "40050001:2"]


def test_a_merged_school_counts_for_the_receiver_only_before_the_merger() -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    absorbed = school("40050002", {P: 5}, {P: 6})
    absorbed.merge_into(into_code="40050001", effective_date=date(2024, 9, 1))  # between terms
    absorbed = given(absorbed)
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2568)
    (only,) = result.items
    assert only.recipient_code == "40050001"
    assert only.basis.term1_pupils == {P: 15}  # 10 June: before the merger, its pupils follow
    assert only.basis.term2_pupils == {P: 11}  # 10 November: already in the receiver's own count
    assert only.basis.absorbed_school_codes == ["40050002"]


def test_a_chain_of_mergers_ends_at_the_open_school_and_closed_schools_get_nothing() -> None:
    # Every decision effective before FY 2568 begins (1 October 2024), after the 10 June snapshot.
    a, b, c = school("40050001", {P: 1}, {P: 1}), school("40050002", {P: 2}), school("40050003",
                                                                                     {P: 4})
    b.merge_into(into_code="40050003", effective_date=date(2024, 7, 1))
    c.merge_into(into_code="40050001", effective_date=date(2024, 7, 1))
    gone = school("40050004", {P: 100}, {P: 100})
    gone.close(status=SchoolStatus.dissolved, effective_date=date(2024, 7, 1))
    result = per_head_allocation([a, given(b), given(c), given(gone)], DEFAULT_PER_HEAD_RATES,
                                 2568)
    assert [(i.recipient_code, i.basis.term1_pupils[P]) for i in result.items] == [("40050001", 7)]
    assert result.missing_snapshots == []  # merged or dissolved: no half of theirs to fund


# Each half of FY 2568 counts the schools as they stand on its first day.
FIRST_HALF, SECOND_HALF = date(2024, 10, 1), date(2025, 4, 1)


def merged_school(code: str, into: str, effective: date, *terms: dict[SchoolLevel, int]
                  ) -> SchoolRecord:
    record = school(code, *terms)
    record.merge_into(into_code=into, effective_date=effective)
    return given(record)


def funded(result: Any) -> dict[str, tuple[D, dict, dict, list[str]]]:
    return {i.recipient_code: (i.amount, i.basis.term1_pupils, i.basis.term2_pupils,
                               i.basis.absorbed_school_codes) for i in result.items}


def test_a_merger_effective_before_the_fiscal_year_funds_the_receiver_for_both_halves() -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    absorbed = merged_school("40050002", "40050001", FIRST_HALF, {P: 5}, {P: 6})
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2568)
    # 10 June counts for the receiver; 10 November is after the merger, in the receiver's own count.
    assert funded(result) == {"40050001": (D(1900) * (15 + 11) / 2, {P: 15}, {P: 11},
                                           ["40050002"])}
    (item,) = result.items
    assert (item.basis.term1_absorbed_school_codes, item.basis.term2_absorbed_school_codes) == (
        ["40050002"], [])


@pytest.mark.parametrize("effective", [date(2024, 11, 11), date(2025, 1, 16), SECOND_HALF])
def test_a_merger_effective_in_the_first_half_leaves_it_to_the_merged_school(
        effective: date) -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    absorbed = merged_school("40050002", "40050001", effective, {P: 5}, {P: 6})
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result) == {
        "40050001": (D(1900) * (10 + 11 + 6) / 2, {P: 10}, {P: 17}, ["40050002"]),
        "40050002": (D(1900) * 5 / 2, {P: 5}, {}, []),  # the first half only, and it shows
    }
    receiver_item = result.items[0]
    assert (receiver_item.basis.term1_absorbed_school_codes,
            receiver_item.basis.term2_absorbed_school_codes) == ([], ["40050002"])
    assert result.missing_snapshots == []


def test_a_merger_effective_before_10_november_leaves_that_count_to_the_receiver() -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    absorbed = merged_school("40050002", "40050001", date(2024, 10, 2), {P: 5}, {P: 6})
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result) == {"40050001": (D(1900) * 21 / 2, {P: 10}, {P: 11}, []),
                              "40050002": (D(1900) * 5 / 2, {P: 5}, {}, [])}


@pytest.mark.parametrize("effective", [date(2025, 4, 2), date(2025, 5, 16), date(2025, 10, 1),
                                       date(2026, 5, 16)])
def test_a_merger_effective_after_the_second_half_begins_does_not_touch_the_year(
        effective: date) -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    absorbed = merged_school("40050002", "40050001", effective, {P: 5}, {P: 6})
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result) == {"40050001": (D(1900) * 21 / 2, {P: 10}, {P: 11}, []),
                              "40050002": (D(1900) * 11 / 2, {P: 5}, {P: 6}, [])}


def test_a_merger_effective_in_the_second_half_applies_from_the_next_fiscal_year() -> None:
    # Approved for 16 May 2025, the start of academic year 2568: FY 2569 is funded from that year's
    # snapshots, taken after the merger, so they are in the receiver's own count.
    receiver = school("40050001", {P: 10}, {P: 11}, academic_year_be=2568)
    absorbed = merged_school("40050002", "40050001", date(2025, 5, 16))
    result = per_head_allocation([receiver, absorbed], DEFAULT_PER_HEAD_RATES, 2569)
    assert funded(result) == {"40050001": (D(1900) * 21 / 2, {P: 10}, {P: 11}, [])}
    assert result.missing_snapshots == []


def test_a_school_open_in_a_half_without_its_snapshot_is_reported_missing() -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    leaving_later = merged_school("40050002", "40050001", date(2025, 5, 16), {P: 5})
    leaving_midyear = merged_school("40050003", "40050001", date(2025, 1, 16), {P: 7})
    result = per_head_allocation([receiver, leaving_later, leaving_midyear],
                                 DEFAULT_PER_HEAD_RATES, 2568)
    # 40050003 is merged when the second half begins: that half is not its own to miss.
    assert result.missing_snapshots == ["40050002:2"]


def test_a_proposal_with_a_missing_snapshot_is_refused_naming_the_school_and_term() -> None:
    receiver = school("40050001", {P: 10}, {P: 11})
    leaving_later = merged_school("40050002", "40050001", date(2025, 5, 16), {P: 5})
    records = {s.school_code: s for s in (receiver, leaving_later)}
    result = per_head_allocation(records.values(), DEFAULT_PER_HEAD_RATES, 2568)
    with refused("snapshots-missing") as info:
        result.require_complete(records)
    assert info.value.extra == {"missing_snapshots": ["40050002:2"],
                                "missing_th": ["โรงเรียน 40050002 (40050002) ภาคเรียนที่ 2"]}
    complete = per_head_allocation([receiver], DEFAULT_PER_HEAD_RATES, 2568)
    complete.require_complete({"40050001": receiver})  # nothing missing: no refusal


def test_only_schools_in_the_registry_and_open_in_the_year_may_receive_money() -> None:
    open_school = school("40050001")
    merged_before = merged_school("40050002", "40050001", date(2024, 10, 1))
    merged_in_the_year = merged_school("40050003", "40050001", date(2025, 1, 16))
    records = {s.school_code: s for s in (open_school, merged_before, merged_in_the_year)}
    require_fundable(["40050001", "40050003"], records, 2568)  # open on 1 October 2024
    with refused("unknown-school") as info:
        require_fundable(["40050001", "99999999", "40050002"], records, 2568)
    assert info.value.extra == {"school_codes": ["99999999"]}
    with refused("school-closed") as closed:
        require_fundable(["40050002"], records, 2568)
    assert closed.value.extra["school_codes"] == ["40050002"]
    with refused("school-closed"):
        require_fundable(["40050003"], records, 2569)  # merged for the whole of FY 2569
    require_fundable(["40050002"], records, 2567)  # it stood open in FY 2567


@pytest.mark.parametrize("status", [SchoolStatus.dissolved, SchoolStatus.transferred])
def test_a_school_closed_in_the_middle_of_the_year_is_funded_for_the_first_half_only(
        status: SchoolStatus) -> None:
    closing = school("40050004", {P: 8, K: 2}, {P: 7})
    closing.close(status=status, effective_date=date(2025, 3, 1))
    result = per_head_allocation([school("40050001", {P: 10}, {P: 11}), given(closing)],
                                 DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result)["40050004"] == ((D(1900) * 8 + D(1700) * 2) / 2, {P: 8, K: 2}, {}, [])
    assert result.missing_snapshots == []


def test_a_chain_of_mergers_is_followed_as_it_stands_on_each_half() -> None:
    # A → B from 1 March 2025, B → C from 1 December 2024: in the first half all three are
    # still open; from 1 April both count for C, A through B.
    a = merged_school("40050001", "40050002", date(2025, 3, 1), {P: 1}, {P: 2})
    b = merged_school("40050002", "40050003", date(2024, 12, 1), {P: 10}, {P: 20})
    c = school("40050003", {P: 100}, {P: 200})
    result = per_head_allocation([a, b, c], DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result) == {
        "40050001": (D(1900) * 1 / 2, {P: 1}, {}, []),
        "40050002": (D(1900) * 10 / 2, {P: 10}, {}, []),
        "40050003": (D(1900) * (100 + 222) / 2, {P: 100}, {P: 222}, ["40050001", "40050002"]),
    }
    later = per_head_allocation([a, b, c], DEFAULT_PER_HEAD_RATES, 2569)
    assert later.items == [] and later.missing_snapshots == ["40050003:1", "40050003:2"]


def test_a_chain_whose_first_link_is_older_skips_the_snapshots_taken_after_it() -> None:
    # A → B from 1 September 2024 (between the terms), B → C from 16 January 2025.
    a = merged_school("40050001", "40050002", date(2024, 9, 1), {P: 1}, {P: 2})
    b = merged_school("40050002", "40050003", date(2025, 1, 16), {P: 10}, {P: 20})
    c = school("40050003", {P: 100}, {P: 200})
    result = per_head_allocation([a, b, c], DEFAULT_PER_HEAD_RATES, 2568)
    assert funded(result) == {
        "40050002": (D(1900) * 11 / 2, {P: 11}, {}, ["40050001"]),
        # A's 10 November count is after its merger: those pupils are in B's, which follows B.
        "40050003": (D(1900) * (100 + 220) / 2, {P: 100}, {P: 220}, ["40050002"]),
    }


def test_per_head_amounts_add_up_exactly_with_each_school_within_a_satang() -> None:
    odd_rates = {**DEFAULT_PER_HEAD_RATES, P: D("1900.01")}
    schools = [school(f"4005000{n}", {P: n}, {P: n + 1}) for n in range(1, 8)]
    result = per_head_allocation(schools, odd_rates, 2568)
    exact = {i.recipient_code: D("1900.01") * (int(i.recipient_code[-1]) * 2 + 1) / 2
             for i in result.items}
    assert sum(i.amount for i in result.items) == sum(exact.values()).quantize(D("0.01"))
    for i in result.items:
        assert abs(i.amount - exact[i.recipient_code]) < D("0.01")
        assert i.amount == i.amount.quantize(D("0.01"))


def test_the_satang_left_over_go_to_the_largest_fractions_then_the_lower_code() -> None:
    parts = exact_to_satang({"b": D("0.333"), "a": D("0.333"), "c": D("0.334")})
    assert parts == {"a": D("0.33"), "b": D("0.33"), "c": D("0.34")}
    tied = exact_to_satang({"b": D("0.335"), "a": D("0.335"), "c": D("0.33")})
    assert tied == {"a": D("0.34"), "b": D("0.33"), "c": D("0.33")}
    assert sum(parts.values()) == sum(tied.values()) == D("1.00")


def test_the_rate_file_gives_a_table_per_year_with_every_level() -> None:
    tables = parse_rate_csv("fiscal_year_be,level,level_th,baht_per_pupil_per_year\n"
                            "2567,kindergarten,อนุบาล,1700.00\n2567,primary,ป,1900.00\n"
                            "2567,lower_secondary,ม,3500.00\n2567,upper_secondary,ม,3800.00\n")
    assert tables[2567][P] == D("1900.00")
    with refused("rates-incomplete"):
        parse_rate_csv("fiscal_year_be,level,level_th,baht_per_pupil_per_year\n"
                       "2567,primary,ป,1900.00\n")


def test_a_school_record_notes_a_snapshot_once_and_a_correction_again() -> None:
    record = school("40050001", {P: 10})
    snapshot = record.snapshot(2567, 1)
    assert record.record_enrolment(snapshot) is False
    assert record.record_enrolment(snapshot.model_copy(update={"pupils_by_level": {P: 11}}))
    assert names(then_events(record)) == ["EnrolmentRecorded"]


# ---- transfers (13) --------------------------------------------------------------------------------


def transfer(source: BudgetLine, target: BudgetLine, amount: str = "100.00", *,
             rules: TransferRules | None = None, new_item: bool = False) -> BudgetTransfer:
    with acting_as("off-1"):
        return given(BudgetTransfer.propose(source=source, target=target, amount=D(amount),
                                      reason_th="ปรับแผน", new_investment_item=new_item,
                                      rules=rules or TransferRules.default(),
                                      leftover_review_id=None, at=hours(1)))


def test_a_transfer_stays_within_one_fiscal_year_and_the_source_balance() -> None:
    source = line(allocated="500.00")
    with refused("fiscal-year-mismatch", 422):
        transfer(source, line(SUB, fiscal_year_be=FY + 1))
    with refused("insufficient-balance", 422):
        transfer(source, line(SUB), "500.01")
    with refused("same-line"):
        transfer(source, source)


def test_an_ordinary_transfer_is_approved_by_the_governor_and_moves_the_money() -> None:
    source, target = line(allocated="500.00"), line(SUB)
    case = transfer(source, target, "200.00")
    assert case.approvals_required == [ApprovingBody.governor] and case.holder == "governor"
    with refused("wrong-approving-body"):
        case.decide(source=source, target=target, **decide_args(ApprovingBody.esa_director))
    case.decide(source=source, target=target, **decide_args(ApprovingBody.governor))
    assert names(then_events(case)) == ["Approved"]
    assert names(then_events(source)) == ["TransferredOut"]
    assert names(then_events(target)) == ["TransferredIn"]
    assert (source.available, target.available) == (D("300.00"), D("200.00"))
    case.report_to_obec(sent=report_of(reported_on=TODAY, letter=None, at=hours(6)), at=hours(6))
    assert given(case).closed


@pytest.mark.parametrize(("source_category", "target_category", "new_item", "rule"), [
    (PER, OP, False, "personnel-out"),
    (OP, PER, False, "personnel-in"),
    (OP, INV, True, "new-investment"),
    (OP, INV, False, "ordinary"),
])
def test_moves_touching_personnel_or_new_investment_need_the_central_office_too(
        source_category: ExpenseCategory, target_category: ExpenseCategory, new_item: bool,
        rule: str) -> None:
    case = transfer(line(source_category, allocated="100.00"), line(target_category),
                    new_item=new_item)
    assert case.rule_code == rule
    higher = rule != "ordinary"
    assert case.approvals_required == (
        [ApprovingBody.governor, ApprovingBody.central_office] if higher
        else [ApprovingBody.governor])


def test_the_governor_is_only_the_default_approver() -> None:
    case = transfer(line(allocated="100.00"), line(SUB),
                    rules=TransferRules.default(ApprovingBody.esa_director))
    assert case.approvals_required == [ApprovingBody.esa_director]


def test_approvals_are_given_in_order_and_the_money_moves_with_the_last() -> None:
    source, target = line(PER, allocated="1000.00"), line(OP)
    case = transfer(source, target, "400.00")
    case.decide(source=source, target=target, **decide_args(ApprovingBody.governor))
    assert names(then_events(case)) == ["Decided"]
    assert case.step == TransferStep.proposed and case.holder == "central_office"
    assert source.transfers_out == D("0")
    case.decide(source=source, target=target, **decide_args(ApprovingBody.central_office))
    assert names(then_events(case)) == ["Approved"]
    assert source.transfers_out == D("400.00") and target.transfers_in == D("400.00")


def test_a_rejected_transfer_is_revised_and_every_approval_is_asked_again() -> None:
    source, target = line(PER, allocated="1000.00"), line(OP)
    case = transfer(source, target, "400.00")
    case.decide(source=source, target=target, **decide_args(ApprovingBody.governor))
    case.decide(source=source, target=target,
                **decide_args(ApprovingBody.central_office, Decision.reject, "เกินวงเงิน"))
    case = given(case)
    assert case.step == TransferStep.revising and case.holder == "officer"
    with refused("insufficient-balance"):
        case.revise(amount=D("1000.01"), reason_th="ปรับลด", source=source, at=hours(7))
    case.revise(amount=D("300.00"), reason_th="ปรับลด", source=source, at=hours(7))
    case = given(case)
    assert (case.round, case.awaiting) == (2, ApprovingBody.governor)
    case.decide(source=source, target=target, **decide_args(ApprovingBody.governor))
    case.decide(source=source, target=target, **decide_args(ApprovingBody.central_office))
    assert [(a.round, a.body, a.decision) for a in given(case).approvals] == [
        (1, ApprovingBody.governor, Decision.approve),
        (1, ApprovingBody.central_office, Decision.reject),
        (2, ApprovingBody.governor, Decision.approve),
        (2, ApprovingBody.central_office, Decision.approve)]
    assert source.transfers_out == D("300.00")


def test_the_last_approval_is_refused_when_the_source_was_spent_meanwhile() -> None:
    source, target = line(allocated="100.00"), line(SUB)
    case = transfer(source, target, "100.00")
    source.commit(D("50.00"), reference="PO 9", at=hours(2))
    with refused("insufficient-balance"):
        case.decide(source=source, target=target, **decide_args(ApprovingBody.governor))
    assert then_events(case) == []


def test_a_rule_table_from_csv_can_forbid_and_name_other_approvers() -> None:
    rules = TransferRules.from_csv(
        "code,from_category,to_category,new_investment_item,approvals,description_th\n"
        "no-personnel,*,personnel,*,forbidden,ห้ามโอนเข้างบบุคลากร\n"
        "investment,*,investment,*,approver+central_office,ลงทุน\n", ApprovingBody.governor)
    with refused("transfer-not-allowed"):
        transfer(line(allocated="10.00"), line(PER), "1.00", rules=rules)
    case = transfer(line(allocated="10.00"), line(INV), "1.00", rules=rules)
    assert case.approvals_required == [ApprovingBody.governor, ApprovingBody.central_office]
    assert transfer(line(allocated="10.00"), line(SUB), "1.00", rules=rules).rule_code == "ordinary"
    with refused("invalid-transfer-rules"):
        TransferRules.from_csv("code,approvals\nx,king\n", ApprovingBody.governor)


# ---- leftover funds (13) -----------------------------------------------------------------------------


def test_leftover_funds_are_reallocated_never_beyond_what_the_analysis_found() -> None:
    spent, idle = line(allocated="100.00"), line(INV, allocated="500.00")
    spent.disburse(D("100.00"), reference="ฎีกา", settles_commitment=False, at=hours(1))
    review = LeftoverReview.open(fiscal_year_be=FY, at=T0)
    review.appoint_committee(COMMITTEE, hours(1))
    review.analyse(lines=[spent, idle, line(fiscal_year_be=FY + 1, allocated="9.00")],
                   success={idle.id: True}, by=MEMBER, at=hours(2))
    review = given(review)
    assert [(r.project_code, r.leftover, r.success_met) for r in review.lines] == [
        ("P68-01", D("500.00"), True), ("P68-01", D("0.00"), None)]
    first = transfer(idle, spent, "300.00")
    with refused("wrong-step"):
        review.propose_reallocation(first, hours(3))
    review.set_guidelines(guidelines_th="ซ่อมแซมอาคาร", by=MEMBER, at=hours(3))
    review.propose_reallocation(first, hours(4))
    with refused("reallocation-exceeds-leftover"):
        review.propose_reallocation(transfer(idle, spent, "200.01"), hours(5))
    with refused("reallocation-exceeds-leftover"):
        review.propose_reallocation(transfer(line(allocated="1.00"), idle, "1.00"), hours(5))
    assert given(review).reallocated_total == D("300.00")
    review.report_to_obec(sent=report_of(reported_on=TODAY, letter=None, at=hours(6)),
                          at=hours(6))
    assert review.step == LeftoverStep.reported and review.closed


# ---- expenditure analysis (10) -------------------------------------------------------------------------


def test_the_analysis_loops_until_the_director_approves_and_keeps_every_round() -> None:
    case = BudgetAnalysis.open(fiscal_year_be=FY, title_th="วิเคราะห์งบประมาณรายจ่าย", at=T0)
    case.send_survey(respondents=["40050001", "กลุ่มบริหารการเงิน", "40050001"],
                     due=TODAY + timedelta(days=7), at=hours(1))
    case = given(case)
    assert case.respondents == ["40050001", "กลุ่มบริหารการเงิน"]
    assert (case.holder, case.due) == ("schools", TODAY + timedelta(days=7))
    with refused("not-a-respondent"):
        case.record_response(respondent="40059999", summary_th="-", at=hours(2))
    case.record_response(respondent="40050001", summary_th="ใช้จ่ายตามแผน", at=hours(2))
    case.appoint_committee(COMMITTEE, hours(3))
    figures = [AnalysisFigure(item_th="ค่าวัสดุ", category=OP, amount=D("1000.50"))]
    case.draft_report(summary_th="ฉบับที่ 1", figures=figures, by=MEMBER, at=hours(4))
    case.submit(hours(5))
    case.decide(**decide_args(ApprovingBody.esa_director, Decision.reject, "ขาดข้อมูล"))
    case = given(case)
    assert (case.step, case.holder) == (AnalysisStep.revising, "committee")
    with refused("wrong-step"):
        case.publish(published_on=TODAY, at=hours(6))
    case.draft_report(summary_th="ฉบับที่ 2", figures=figures, by=MEMBER, at=hours(6))
    case.submit(hours(7))
    case.decide(**decide_args(ApprovingBody.esa_director))
    case.publish(published_on=TODAY, at=hours(8))
    case.report_to_obec(sent=report_of(reported_on=TODAY, letter=None, at=hours(9)), at=hours(9))
    case = given(case)
    assert case.closed and case.drafts == 2 and case.total == D("1000.50")
    assert [(a.round, a.decision) for a in case.approvals] == [
        (1, Decision.reject), (2, Decision.approve)]


# ---- budget requests and external funding (11) ------------------------------------------------------


def test_the_office_request_compiles_only_reviewed_amounts_never_above_what_was_asked() -> None:
    case = BudgetRequest.announce(fiscal_year_be=2569, kind="annual", title_th="คำขอ 2569",
                                  criteria_th="ตามนโยบาย", due=TODAY + timedelta(days=10), at=T0)
    items = [RequestItem(title_th="ซ่อมหลังคา", category=INV, amount=D("250000.00")),
             RequestItem(title_th="วัสดุ", category=OP, amount=D("12000.00"))]
    case.submit_school_request(school_code="40050001", school_name_th="โรงเรียน ก", items=items,
                               at=hours(1))
    case.submit_school_request(school_code="40050002", school_name_th="โรงเรียน ข",
                               items=items[1:], at=hours(1))
    case.appoint_committee(COMMITTEE, hours(2))
    case = given(case)
    with refused("not-all-reviewed", 409):
        case.compile(hours(3))
    with refused("agreed-more-than-requested"):
        case.review(school_code="40050001", appropriate=True,
                    agreed=[D("250000.01"), D("0")], comments_th="", by=MEMBER, at=hours(3))
    case.review(school_code="40050001", appropriate=True, agreed=[D("200000"), D("12000")],
                comments_th="ลดวงเงินซ่อม", by=MEMBER, at=hours(3))
    case.review(school_code="40050002", appropriate=False, agreed=[D("12000")],
                comments_th="ซ้ำกับงบปกติ", by=MEMBER, at=hours(3))
    with refused("already-reviewed"):
        case.submit_school_request(school_code="40050001", school_name_th="", items=items,
                                   at=hours(4))
    case.agree_targets(party="office", outputs=[TargetOutput(output_th="ห้องเรียนคุณภาพ",
                                                             quantity=10)], at=hours(4))
    case.compile(hours(4))
    case = given(case)
    assert case.compiled_total == D("212000.00")
    assert case.by_category() == {OP: D("12000.00"), INV: D("200000.00")}
    case.submit(hours(5))
    with refused("wrong-approving-body"):
        case.decide(**decide_args(ApprovingBody.esa_director))
    case.decide(**decide_args(ApprovingBody.area_committee))
    case.announce_results(announced_on=TODAY, at=hours(6))
    case.report_to_obec(sent=report_of(reported_on=TODAY, letter=None, at=hours(7)), at=hours(7))
    assert given(case).step == RequestStep.reported


def test_external_funding_is_approved_then_its_receipts_enter_the_register() -> None:
    case = ExternalFunding.request(fiscal_year_be=FY, school_code="40050001",
                                   school_name_th="โรงเรียน ก", source_th="อบต.",
                                   project_th="อาหารเสริม", amount=D("30000"),
                                   value_analysis_th="คุ้มค่า", at=T0)
    assert case.holder == "esa_director"
    case.decide(**decide_args(ApprovingBody.esa_director, Decision.return_for_revision,
                              "ระบุผลลัพธ์"))
    case.resubmit(amount=D("25000"), value_analysis_th="นักเรียน 300 คน", at=hours(1))
    case.decide(**decide_args(ApprovingBody.esa_director))
    with refused("wrong-step"):
        case.record_receipt(amount=D("1"), received_on=TODAY, reference="", at=hours(2))
    case.notify_school(notified_on=TODAY, at=hours(2))
    case.record_receipt(amount=D("20000"), received_on=TODAY, reference="ใบเสร็จ 1", at=hours(3))
    case.record_receipt(amount=D("5000.50"), received_on=TODAY, reference="ใบเสร็จ 2",
                        at=hours(4))
    case = given(case)
    assert case.step == FundingStep.funds_received and case.received_total == D("25000.50")
    assert case.round == 2


# ---- committees ---------------------------------------------------------------------------------------


def test_a_committee_needs_a_chair_and_two_other_members() -> None:
    with refused("committee-too-small"):
        committee_of(chair="dir-1", members=["dir-1", "off-1"], appointed_on=TODAY, order=None,
                     at=T0)
    appointed = committee_of(chair="dir-1", members=["off-2", "off-1", "off-1"],
                             appointed_on=TODAY, order=None, at=T0)
    assert appointed.members == ["off-1", "off-2"]


def test_the_committees_work_is_done_by_a_member_of_it() -> None:
    case = allocation()
    with refused("not-a-committee-member", 403) as info:
        case.propose(method="amounts", items=[item("40050001", "1.00")], rates=None,
                     by="off-9", at=hours(2))
    assert info.value.extra == {"officer_id": "off-9"}
    case.propose(method="amounts", items=[item("40050001", "1.00")], rates=None, by="dir-1",
                 at=hours(2))  # the chair
    analysis = BudgetAnalysis.open(fiscal_year_be=FY, title_th="วิเคราะห์", at=T0)
    analysis.appoint_committee(COMMITTEE, hours(1))
    with refused("not-a-committee-member", 403):
        analysis.draft_report(summary_th="ฉบับที่ 1", figures=[], by="esa-1", at=hours(2))
    request = BudgetRequest.announce(fiscal_year_be=2569, kind="annual", title_th="คำขอ",
                                     criteria_th="เกณฑ์", due=None, at=T0)
    request.submit_school_request(school_code="40050001", school_name_th="ก", items=[
        RequestItem(title_th="วัสดุ", category=OP, amount=D("10.00"))], at=hours(1))
    request.appoint_committee(COMMITTEE, hours(1))
    with refused("not-a-committee-member", 403):
        request.review(school_code="40050001", appropriate=True, agreed=[D("10.00")],
                       comments_th="", by="clerk-1", at=hours(2))
    review = LeftoverReview.open(fiscal_year_be=FY, at=T0)
    review.appoint_committee(COMMITTEE, hours(1))
    with refused("not-a-committee-member", 403):
        review.analyse(lines=[], success={}, by="off-9", at=hours(2))
    review.analyse(lines=[], success={}, by="off-2", at=hours(2))
    with refused("not-a-committee-member", 403):
        review.set_guidelines(guidelines_th="แนวทาง", by="off-9", at=hours(3))


def test_each_case_says_whose_decision_it_awaits() -> None:
    target = line(SUB)
    case = allocation("10.00", target)
    assert case.awaiting_body is None
    case.propose(method="amounts", items=[item("40050001", "1.00")], rates=None, by=MEMBER,
                 at=hours(2))
    case.submit(hours(3))
    assert given(case).awaiting_body == ApprovingBody.esa_director
    case.decide(line=target, **decide_args(ApprovingBody.esa_director))
    assert case.awaiting_body is None
    request = BudgetRequest.announce(fiscal_year_be=2569, kind="annual", title_th="คำขอ",
                                     criteria_th="เกณฑ์", due=None, at=T0)
    assert request.awaiting_body is None
    funding = ExternalFunding.request(fiscal_year_be=FY, school_code="40050001",
                                      school_name_th="ก", source_th="มูลนิธิ", project_th="ทุน",
                                      amount=D("1.00"), value_analysis_th="คุ้มค่า", at=T0)
    assert funding.awaiting_body == ApprovingBody.esa_director


def test_a_lines_step_says_whether_money_is_awaited_in_use_or_spent_never_a_bare_zero() -> None:
    from services.budgeting.integration import line_status

    waiting = line_status(line())
    assert (waiting.step, waiting.step_th) == ("awaiting_allocation", "รอรับจัดสรรงบประมาณ")
    assert "0.00" not in waiting.step_th and "ตามแผน 100.00 บาท" in waiting.title

    spending = line(allocated="75000.00")
    spending.disburse(D("25000.00"), reference="ฎีกา 1", settles_commitment=False, at=hours(1))
    status = line_status(spending)
    assert (status.step, status.step_th) == ("spending", "ได้รับจัดสรรแล้ว อยู่ระหว่างใช้จ่าย")
    assert "คงเหลือ 50,000.00 บาท จากที่ได้รับ 75,000.00 บาท" in status.title

    spending.disburse(D("50000.00"), reference="ฎีกา 2", settles_commitment=False, at=hours(2))
    spent = line_status(spending)
    assert (spent.step, spent.step_th) == ("spent", "ใช้จ่ายครบตามที่ได้รับจัดสรรแล้ว")
    assert "ใช้จ่ายแล้ว 75,000.00 บาท" in spent.title and "คงเหลือ" not in spent.title

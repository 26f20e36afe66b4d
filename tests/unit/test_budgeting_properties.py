"""Property: whatever sequence of allocations, commitments, disbursements and transfers the office
records, through the application's own commands:

- no line's available balance or commitment ever goes below zero;
- each line's balance is exactly what a plain ledger of the accepted commands says;
- transfers only move money (Σ transfers in = Σ transfers out), and the money on the lines is the
  sum of the approved allocations, none of which exceeds its ceiling;
- a refused command records nothing;
- every balance is the fold of the line's events.

And: whatever mergers, dissolutions and transfers take effect on whatever dates, the per-head items
add up exactly to the exact total rounded to the satang, each within a satang of what its own basis
says, and no half fiscal year is funded to a school that does not stand open on its first day.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.budgeting.v1 import AllocationItem, RecipientKind
from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import ApprovingBody, Decision, ExpenseCategory, SchoolLevel
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import (
    Allocation,
    BudgetTransfer,
    SchoolRecord,
    Snapshot,
    fiscal_halves,
    line_as_of,
    per_head_allocation,
)
from services.budgeting.settings import BudgetingSettings
from shared.context import acting_as
from shared.domain import DomainError
from shared.thaitime import bangkok_date, utc_now

LINES = [
    (2568, "P1", ExpenseCategory.operations),
    (2568, "P1", ExpenseCategory.subsidies),
    (2568, "P2", ExpenseCategory.personnel),
    (2568, "P2", ExpenseCategory.investment),
    (2569, "P3", ExpenseCategory.operations),
]
ZERO = Decimal("0.00")
line_index = st.integers(min_value=0, max_value=len(LINES) - 1)


def baht(most: int) -> st.SearchStrategy[Decimal]:
    """Amounts in whole satang, from 0.01 to `most` baht."""
    return st.integers(min_value=1, max_value=most * 100).map(lambda satang: Decimal(satang) / 100)


# Mostly accepted commands (allocations within their ceiling and approved, spending smaller than
# allocations), with refusals mixed in: over a ceiling, more than available, across years.
mostly = st.sampled_from([True, True, True, False])
operations = st.one_of(
    st.tuples(st.just("allocate"), line_index, baht(50_000), st.integers(-100, 500_000).map(
        lambda satang: Decimal(satang) / 100), mostly),
    st.tuples(st.just("commit"), line_index, baht(6_000)),
    st.tuples(st.just("release"), line_index, baht(3_000)),
    st.tuples(st.just("disburse"), line_index, baht(6_000), st.booleans()),
    st.tuples(st.just("transfer"), line_index, line_index, baht(10_000), st.booleans(),
              st.lists(mostly, min_size=1, max_size=2)),
)


@dataclass
class Ledger:
    """The expected balance of one line, kept the plain way."""

    allocated: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    committed: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return (self.allocated + self.transfers_in - self.transfers_out - self.committed
                - self.disbursed)


@dataclass
class World:
    app: BudgetingApplication
    line_ids: list[UUID]
    ledgers: list[Ledger]
    approved: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (total, ceiling)

    def attempt(self, command: object, *args: object, **kwargs: object) -> dict | None:
        """Run a command; a refusal must leave the store exactly as it was."""
        before = self.app.max_notification_id()
        try:
            return command(*args, **kwargs)  # type: ignore[operator]
        except DomainError:
            assert self.app.max_notification_id() == before, "a refused command recorded events"
            return None


def decision(body: ApprovingBody, approve: bool) -> dict:
    return dict(body=body, decision=Decision.approve if approve else Decision.reject,
                decided_on=bangkok_date(utc_now()), reason=None if approve else "ไม่เห็นชอบ",
                resolution=None)


def allocate(world: World, index: int, amount: Decimal, slack: Decimal, approve: bool) -> None:
    """An allocation of `amount` under a ceiling `slack` above it (below it when negative)."""
    app = world.app
    ceiling = max(amount + slack, Decimal("0.01"))
    case = app.open_allocation(title_th="จัดสรร", line_id=world.line_ids[index], ceiling=ceiling,
                               criteria_th="เกณฑ์")["case_id"]
    # off-1 (acting) sits on the committee, which does the allocating.
    app.appoint_committee(Allocation, case, chair="dir-1", members=["off-1", "off-2"],
                          appointed_on=bangkok_date(utc_now()), order=None)
    proposed = world.attempt(app.propose_amounts, case, items=[_item(amount)])
    assert (proposed is None) == (amount > ceiling)
    if proposed is None:
        return
    app.submit(Allocation, case)
    app.decide(Allocation, case, **decision(ApprovingBody.esa_director, approve))
    if approve:
        world.ledgers[index].allocated += amount
        world.approved.append((amount, ceiling))


def _item(amount: Decimal) -> AllocationItem:
    return AllocationItem(recipient_kind=RecipientKind.group, recipient_code="PLAN",
                          recipient_name_th="กลุ่มนโยบายและแผน", amount=amount)


def transfer(world: World, source: int, target: int, amount: Decimal, new_item: bool,
             decisions: list[bool]) -> None:
    app, ledgers = world.app, world.ledgers
    proposed = world.attempt(app.propose_transfer, source_line_id=world.line_ids[source],
                             target_line_id=world.line_ids[target], amount=amount,
                             reason_th="ปรับแผน", new_investment_item=new_item,
                             leftover_review_id=None)
    allowed = (source != target and LINES[source][0] == LINES[target][0]
               and amount <= ledgers[source].available)
    assert (proposed is not None) == allowed
    if proposed is None:
        return
    chain = proposed["approvals_required"]
    for body, approve in zip(chain, decisions, strict=False):
        view = app.decide(BudgetTransfer, proposed["case_id"], **decision(ApprovingBody(body), approve))
        if not approve:
            assert view["step"] == "revising"
            return
    if len(decisions) >= len(chain):
        ledgers[source].transfers_out += amount
        ledgers[target].transfers_in += amount


def apply(world: World, operation: tuple) -> None:
    kind, index, *rest = operation
    app, ledger, line_id = world.app, world.ledgers[index], world.line_ids[index]
    if kind == "allocate":
        allocate(world, index, *rest)
    elif kind == "commit":
        (amount,) = rest
        done = world.attempt(app.commit, line_id, amount=amount, reference="PO")
        assert (done is not None) == (amount <= ledger.available)
        if done is not None:
            ledger.committed += amount
    elif kind == "release":
        (amount,) = rest
        done = world.attempt(app.release_commitment, line_id, amount=amount, reference="PO")
        assert (done is not None) == (amount <= ledger.committed)
        if done is not None:
            ledger.committed -= amount
    elif kind == "disburse":
        amount, settles = rest
        done = world.attempt(app.disburse, line_id, amount=amount, reference="ฎีกา",
                             settles_commitment=settles)
        assert (done is not None) == (amount <= (ledger.committed if settles else ledger.available))
        if done is not None:
            ledger.disbursed += amount
            if settles:
                ledger.committed -= amount
    else:
        transfer(world, index, *rest)


def check_invariants(world: World) -> None:
    views = [world.app.line_summary(line_id) for line_id in world.line_ids]
    for view, ledger in zip(views, world.ledgers, strict=True):
        assert view["available"] >= 0 and view["committed"] >= 0
        assert (view["allocated"], view["transfers_in"], view["transfers_out"], view["committed"],
                view["disbursed"], view["available"]) == (
            ledger.allocated, ledger.transfers_in, ledger.transfers_out, ledger.committed,
            ledger.disbursed, ledger.available)
    assert sum(v["transfers_in"] for v in views) == sum(v["transfers_out"] for v in views)
    assert sum(v["allocated"] for v in views) == sum(total for total, _ in world.approved)
    assert all(total <= ceiling for total, ceiling in world.approved)


# Every example starts with money on every line (approved allocations), so that the random
# commands after it are accepted about as often as they are refused.
opening = st.lists(baht(20_000), min_size=len(LINES), max_size=len(LINES)).map(
    lambda amounts: [("allocate", i, a, Decimal("0.00"), True) for i, a in enumerate(amounts)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opening, st.lists(operations, min_size=5, max_size=30))
def test_no_sequence_of_commands_breaks_the_balance_invariant_or_a_ceiling(
        first: list, steps: list) -> None:
    with tempfile.TemporaryDirectory() as var, acting_as("off-1"):
        # On SQLite: opening a line asks the `lines` listing (in the store's database) whether
        # its project code is taken.
        app = BudgetingApplication(BudgetingSettings(var_dir=Path(var)))
        try:
            line_ids = [app.open_line(fiscal_year_be=year, project_code=code, title_th="โครงการ",
                                      category=category, planned_by_quarter={})["line_id"]
                        for year, code, category in LINES]
            world = World(app, line_ids, [Ledger() for _ in LINES])
            for step in [*first, *steps]:
                apply(world, step)
                check_invariants(world)
            for line_id in line_ids:
                current = app.line_summary(line_id)
                folded = line_as_of(app.events.get(line_id), utc_now())
                assert folded is not None and folded.balance().model_dump() == {
                    k: current[k] for k in folded.balance().model_dump()}
        finally:
            app.close()


# --- per-head subsidy under restructurings ----------------------------------------------------------

SATANG = Decimal("0.01")
ODD_RATES = {SchoolLevel.kindergarten: Decimal("1700.03"), SchoolLevel.primary: Decimal("1900.01"),
             SchoolLevel.lower_secondary: Decimal("3500.07"),
             SchoolLevel.upper_secondary: Decimal("3799.99")}
pupils = st.dictionaries(st.sampled_from(list(SchoolLevel)), st.integers(0, 400), max_size=4)
# Effective dates from before FY 2568 (1 Oct 2024 - 30 Sep 2025) to after it ends.
effective = st.integers(0, 640).map(lambda days: date(2024, 5, 1) + timedelta(days=days))
fate = st.one_of(
    st.just(None),
    st.tuples(st.just(SchoolStatus.merged), st.integers(0, 7), effective),
    st.tuples(st.sampled_from([SchoolStatus.dissolved, SchoolStatus.transferred]),
              st.just(0), effective))
schools = st.lists(st.tuples(st.one_of(st.none(), pupils), st.one_of(st.none(), pupils), fate),
                   min_size=1, max_size=8)


def school_records(drawn: list) -> list[SchoolRecord]:
    records = []
    for n, (term1, term2, decided) in enumerate(drawn):
        record = SchoolRecord.note(school_code=f"400500{n:02d}")
        for term, counts, day in ((1, term1, date(2024, 6, 10)), (2, term2, date(2024, 11, 10))):
            if counts is not None:
                record.record_enrolment(Snapshot(academic_year_be=2567, term=term,
                                                 snapshot_date=day, pupils_by_level=counts))
        if decided is not None:
            status, into, day = decided
            if status == SchoolStatus.merged:
                record.merge_into(into_code=f"400500{into % len(drawn):02d}", effective_date=day)
            else:
                record.close(status=status, effective_date=day)
        records.append(record)
    return records


@settings(max_examples=200, deadline=None)
@given(schools)
def test_per_head_adds_up_exactly_and_funds_each_half_as_the_schools_stand(drawn: list) -> None:
    records = school_records(drawn)
    result = per_head_allocation(records, ODD_RATES, 2568)
    assert sum((i.amount for i in result.items), ZERO) == result.exact_total.quantize(
        SATANG, rounding=ROUND_HALF_UP)
    by_code = {r.school_code: r for r in records}
    halves = fiscal_halves(2568)
    for item in result.items:
        basis = item.basis
        from_basis = sum((ODD_RATES[level] * n for counts in (basis.term1_pupils, basis.term2_pupils)
                          for level, n in counts.items()), ZERO) / 2
        assert abs(item.amount - from_basis) < SATANG
        for counts, day in zip((basis.term1_pupils, basis.term2_pupils), halves, strict=True):
            if by_code[item.recipient_code].status_on(day) != SchoolStatus.open:
                assert counts == {}
        assert set(basis.absorbed_school_codes) == set(
            basis.term1_absorbed_school_codes) | set(basis.term2_absorbed_school_codes)
    # A restructuring moves pupils or drops them, never counts them twice.
    for term, name in ((1, "term1_pupils"), (2, "term2_pupils")):
        counted = sum(sum(getattr(i.basis, name).values()) for i in result.items)
        assert counted <= sum(sum(s.pupils_by_level.values()) for r in records
                              if (s := r.snapshot(2567, term)) is not None)
    # Decisions effective after the second half began leave FY 2568 as if nothing was decided.
    if all(d is None or d[2] > halves[1] for _, _, d in drawn):
        untouched = per_head_allocation(school_records([(t1, t2, None) for t1, t2, _ in drawn]),
                                        ODD_RATES, 2568)
        assert result.items == untouched.items
        assert result.missing_snapshots == untouched.missing_snapshots

"""Budgeting with a long history, on SQLite and PostgreSQL: its lists resume after a restart
without replaying the log, an aggregate loaded from its snapshot is the aggregate its events make,
and a line's balance as of a moment reads a bounded part of its events, the same as folding them
all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from contracts.budgeting.v1 import AllocationItem, RecipientKind, RequestKind
from contracts.vocabulary import ApprovingBody, Decision, ExpenseCategory
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import (
    Allocation,
    BudgetAnalysis,
    BudgetLine,
    BudgetRequest,
    RequestItem,
    SchoolRecord,
    line_as_of,
)
from services.budgeting.main import create_app
from services.budgeting.projections import line_view
from services.budgeting.settings import BudgetingSettings
from shared.context import acting_as
from shared.http.paging import encode_cursor
from shared.testing import office_client

START = datetime(2024, 11, 1, 3, 0, tzinfo=UTC)
SMALL_INTERVALS = {BudgetLine: 5, BudgetRequest: 5, BudgetAnalysis: 5, SchoolRecord: 2}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def settings(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> BudgetingSettings:
    for name, value in store_env.items():
        monkeypatch.setenv(name, value)
    return BudgetingSettings()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def opened(settings: BudgetingSettings, clock: Clock) -> BudgetingApplication:
    """Budgeting on the store, snapshotting every few events (the service's intervals are 100
    for a line, a request and an analysis, 10 for a school)."""
    app = BudgetingApplication(settings, clock=clock)
    app.snapshotting_intervals = {**app.snapshotting_intervals, **SMALL_INTERVALS}
    return app


def register(app: BudgetingApplication, *codes: str) -> None:
    for code in codes:
        app.execute(lambda code=code: (None, app.apply_school_registered(
            code=code, name_th=f"โรงเรียน {code}", district="ชุมแพ")))


def funded_line(app: BudgetingApplication, code: str, amount: str) -> UUID:
    """A line with `amount` on it through an approved allocation, each step by its people."""
    line_id = UUID(str(app.open_line(fiscal_year_be=2568, project_code=code, title_th="โครงการ",
                                     category=ExpenseCategory.operations,
                                     planned_by_quarter={})["line_id"]))
    case = app.open_allocation(title_th="จัดสรร", line_id=line_id, ceiling=Decimal(amount),
                               criteria_th="ตามแผน")["case_id"]
    with acting_as("esa-1"):
        app.appoint_committee(Allocation, case, chair="dir-1", members=["off-1", "off-2"],
                              appointed_on=date(2024, 11, 1), order=None)
    with acting_as("off-1"):
        app.propose_amounts(case, items=[AllocationItem(
            recipient_kind=RecipientKind.group, recipient_code="PLAN",
            recipient_name_th="กลุ่มนโยบายและแผน", amount=Decimal(amount))])
    app.submit(Allocation, case)
    with acting_as("esa-1"):
        app.decide(Allocation, case, body=ApprovingBody.esa_director, decision=Decision.approve,
                   decided_on=date(2024, 11, 1), reason=None, resolution=None)
    return line_id


def state(aggregate: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(aggregate).items() if name != "_pending_events"}


def replayed(app: BudgetingApplication, aggregate_id: UUID) -> Any:
    """The aggregate its events make, every one of them folded (no snapshot)."""
    aggregate = None
    for domain_event in app.events.get(aggregate_id):
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def assert_snapshot_loads_as_replayed(app: BudgetingApplication, aggregate_id: UUID) -> None:
    now = replayed(app, aggregate_id)
    snapshots = [s.originator_version for s in app.snapshots.get(aggregate_id)]  # type: ignore[union-attr]
    assert snapshots, "a snapshot was taken"
    from_snapshot = app.load(aggregate_id, now.version)  # the latest snapshot, then what followed
    assert state(from_snapshot) == state(now)
    at_snapshot = app.load(aggregate_id, snapshots[-1])
    assert state(at_snapshot) == state(next(iter(app.snapshots.get(  # type: ignore[union-attr]
        aggregate_id, desc=True, limit=1))).mutate(None))


def test_lists_resume_after_a_restart_without_replaying(
        settings: BudgetingSettings, clock: Clock) -> None:
    app = opened(settings, clock)
    try:
        register(app, "40050001", "40050002", "40050003")
        funded_line(app, "A-01", "1000.00")
        with acting_as("off-1"):
            app.open_line(fiscal_year_be=2569, project_code="B-01", title_th="โครงการ",
                          category=ExpenseCategory.investment, planned_by_quarter={})
        counts = (app.lines.count(), app.schools.count(), app.cases.count())
        assert counts == (2, 3, 1)
        positions = {name: app.read_models.view.position(listing)
                     for name, listing in app.read_models.listings.items()}
        assert set(positions.values()) == {app.max_notification_id()}
    finally:
        app.close()

    again = opened(settings, clock)
    folded: list[str] = []
    try:
        for listing in again.read_models.listings.values():
            def counting(aggregate: Any, row: Any = listing.row, name: str = listing.name) -> Any:
                folded.append(name)
                return row(aggregate)

            listing.row = counting
        assert {name: again.read_models.view.position(listing)
                for name, listing in again.read_models.listings.items()} == positions
        assert (again.lines.count(), again.schools.count(), again.cases.count()) == counts
        assert again.lines.count({"fiscal_year_be": 2569}) == 1
        assert folded == [], "nothing replayed: the lists were where they had got to"
        with acting_as("off-1"):
            again.open_line(fiscal_year_be=2569, project_code="B-02", title_th="โครงการ",
                            category=ExpenseCategory.investment, planned_by_quarter={})
        assert again.lines.count({"fiscal_year_be": 2569}) == 2
        assert folded == ["lines"], "only what happened since the restart"
    finally:
        again.close()


def test_aggregates_loaded_from_snapshots_equal_those_their_events_make(
        settings: BudgetingSettings, clock: Clock) -> None:
    schools = [f"400500{n:02d}" for n in range(1, 7)]
    app = opened(settings, clock)
    try:
        register(app, *schools)
        line_id = funded_line(app, "A-01", "100000.00")
        with acting_as("off-1"):
            for n in range(1, 13):
                clock.now = START + timedelta(hours=n)
                app.commit(line_id, amount=Decimal(f"{n}.25"), reference=f"PO {n}")
                app.disburse(line_id, amount=Decimal(f"{n}.25"), reference=f"ฎีกา {n}",
                             settles_commitment=n % 2 == 0)
            request = UUID(str(app.announce_request(
                fiscal_year_be=2569, kind=RequestKind.annual, title_th="คำขอ 2569",
                criteria_th="ตามนโยบาย", due=None)["case_id"]))
            for code in schools:
                app.submit_school_request(request, school_code=code, items=[RequestItem(
                    title_th="วัสดุ", category=ExpenseCategory.operations,
                    amount=Decimal("1200.50"))])
            analysis = UUID(str(app.open_analysis(fiscal_year_be=2568,
                                                  title_th="วิเคราะห์ 2568")["case_id"]))
            app.step(BudgetAnalysis, analysis, lambda a, at: a.send_survey(
                respondents=schools, due=None, at=at))
            for code in schools:
                app.step(BudgetAnalysis, analysis, lambda a, at, code=code: a.record_response(
                    respondent=code, summary_th=f"ใช้จ่ายตามแผน {code}", at=at))
        for aggregate_id in (line_id, request, analysis, SchoolRecord.create_id(schools[0])):
            assert_snapshot_loads_as_replayed(app, aggregate_id)
        assert [s.originator_version for s in app.snapshots.get(line_id)] == [  # type: ignore[union-attr]
            5, 10, 15, 20, 25]
        view_now = line_view(app.line(line_id))
    finally:
        app.close()

    again = opened(settings, clock)  # nothing cached: loading reads the snapshots
    try:
        assert line_view(again.line(line_id)) == view_now
        assert_snapshot_loads_as_replayed(again, line_id)
    finally:
        again.close()


def test_a_line_as_of_any_moment_reads_a_bounded_part_of_its_events(
        settings: BudgetingSettings, clock: Clock) -> None:
    app = opened(settings, clock)
    try:
        line_id = funded_line(app, "A-01", "100000.00")
        with acting_as("off-1"):
            for n in range(1, 31):
                clock.now = START + timedelta(hours=n)
                app.commit(line_id, amount=Decimal("10.00"), reference=f"PO {n}")
        total = app.line(line_id).version
        everything = list(app.events.get(line_id))
        read: list[int] = []
        store_get = app.events.get

        def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for domain_event in store_get(*args, **kwargs):
                read.append(domain_event.originator_version)
                yield domain_event

        app.events.get = counted  # type: ignore[method-assign]
        moments = [START - timedelta(days=1), *(START + timedelta(hours=n, minutes=m)
                                                for n in range(0, 32) for m in (0, 30))]
        for moment in moments:
            read.clear()
            expected = line_as_of(everything, moment)
            found = app.line_at(line_id, moment)
            if expected is None:
                assert found is None
                continue
            assert found is not None and line_view(found) == line_view(expected), moment
            assert state(found) == state(expected)
            assert len(read) <= SMALL_INTERVALS[BudgetLine], (moment, read)
        assert total > 30 and len(everything) == total
    finally:
        app.close()


def test_a_cursor_of_the_wrong_shape_or_types_is_refused_on_either_store(
        settings: BudgetingSettings, clock: Clock) -> None:
    app = opened(settings, clock)
    try:
        funded_line(app, "A-01", "10.00")
        app.open_line(fiscal_year_be=2568, project_code="A-02", title_th="โครงการ",
                      category=ExpenseCategory.operations, planned_by_quarter={})
        client = office_client(create_app(settings, app))
        first = client.get("/lines", params={"limit": 1}).json()
        assert first["next_cursor"] is not None  # two lines: a good cursor goes on
        assert client.get("/lines", params={"cursor": first["next_cursor"]}).status_code == 200
        for path, key in (("/lines", ["x", "A-01", "operations", "id"]),  # a year as text
                          ("/lines", [2568, 1, "operations", "id"]),
                          ("/lines", [True, "A-01", "operations", "id"]),
                          ("/allocations", [1, "id"]),  # a moment as a number
                          ("/schools", ["40050001"])):  # without the id
            response = client.get(path, params={"cursor": encode_cursor(key)})
            assert response.status_code == 422, (path, key, response.text)
            assert response.json()["code"] == "invalid-cursor"
    finally:
        app.close()

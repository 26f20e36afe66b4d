"""The monitoring `Case` aggregate: given observed events, when another arrives, then what it records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import NAMESPACE_URL, uuid5

from services.monitoring.domain import Case, CaseState, Observation, ReportedStatus, case_id_for

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok


def status(step: str = "registered", **changes: object) -> ReportedStatus:
    values: dict[str, object] = {
        "procedure": 1,
        "case_type": "document",
        "title": "ขอข้อมูลนักเรียน",
        "step": step,
        "step_th": {"registered": "ลงทะเบียนรับ", "assigned": "มอบหมายแล้ว", "done": "เสร็จสิ้น"}.get(
            step, step
        ),
        "holder": "group_director",
        "since": T0,
        "due": date(2026, 11, 30),
    }
    values.update(changes)
    return ReportedStatus(**values)


def observed(sequence: int, st: ReportedStatus | None = None, **changes: object) -> Observation:
    values: dict[str, object] = {
        "event_id": f"correspondence:doc-1:{sequence}",
        "event_type": "correspondence.document.registered",
        "sequence": sequence,
        "time": T0 + timedelta(hours=sequence),
        "actor": "clerk-1",
        "trace_id": f"trace-{sequence}",
        "status": st,
    }
    values.update(changes)
    return Observation(**values)


def given(*observations: Observation) -> Case:
    first, *rest = observations
    case = Case.open("correspondence", "doc-1", first)
    for observation in rest:
        case.observe(observation)
    return case


def test_the_first_event_opens_the_case_with_its_status() -> None:
    case = Case.open("correspondence", "doc-1", observed(1, status()))

    assert case.id == uuid5(NAMESPACE_URL, "correspondence:doc-1") == case_id_for("correspondence", "doc-1")
    events = case.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened"]
    state = case.state
    assert (state.source, state.subject, state.step, state.step_th) == (
        "correspondence", "doc-1", "registered", "ลงทะเบียนรับ"
    )
    assert state.title == "ขอข้อมูลนักเรียน"
    assert state.events == 1 and state.last_sequence == 1
    assert state.last_event_time == T0 + timedelta(hours=1)


def test_each_new_event_is_recorded_and_moves_the_status() -> None:
    case = given(observed(1, status()))
    later = status("assigned", holder="officer-7", since=T0 + timedelta(days=1), title=None)

    assert case.observe(observed(2, later, event_type="correspondence.document.assigned")) is True

    events = case.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "Observed"]
    assert events[1].observation.event_type == "correspondence.document.assigned"
    state = case.state
    assert (state.step, state.holder, state.since) == ("assigned", "officer-7", T0 + timedelta(days=1))
    # A later event without a title keeps the last one given.
    assert state.title == "ขอข้อมูลนักเรียน"
    assert state.events == 2 and state.last_event_type == "correspondence.document.assigned"


def test_an_event_without_status_keeps_the_status_and_counts() -> None:
    case = given(observed(1, status()), observed(2, None, event_type="correspondence.document.read"))

    assert case.state.step == "registered" and case.state.events == 2
    assert case.state.last_event_type == "correspondence.document.read"


def test_the_same_event_again_records_nothing() -> None:
    case = given(observed(1, status()), observed(2, status("assigned")))
    case.collect_events()

    assert case.observe(observed(2, status("assigned"))) is False
    assert case.collect_events() == []
    assert case.state.events == 2


def test_a_late_older_event_is_kept_but_does_not_roll_the_status_back() -> None:
    case = given(observed(1, status()), observed(3, status("done", closed=True)))

    assert case.observe(observed(2, status("assigned"))) is True

    assert case.state.step == "done" and case.state.closed is True
    assert case.state.last_sequence == 3 and case.state.events == 3


def test_a_classified_case_shows_no_title_even_one_seen_before() -> None:
    case = given(observed(1, status()), observed(2, status("assigned", title=None), secrecy="secret"))

    assert case.state.classified is True
    assert case.state.title is None


def test_overdue_is_decided_on_the_bangkok_date_and_never_when_closed() -> None:
    state = given(observed(1, status(due=date(2026, 11, 30)))).state

    assert state.is_overdue(date(2026, 11, 30)) is False  # due today is not late yet
    assert state.is_overdue(date(2026, 12, 1)) is True
    closed = state.model_copy(update={"closed": True})
    assert closed.is_overdue(date(2027, 1, 1)) is False
    no_due = state.model_copy(update={"due": None})
    assert no_due.is_overdue(date(2027, 1, 1)) is False


def test_the_case_is_rebuilt_from_its_events() -> None:
    case = given(observed(1, status()), observed(2, status("assigned", holder="officer-7")))
    events = case.collect_events()

    rebuilt = None
    for domain_event in events:
        rebuilt = domain_event.mutate(rebuilt)

    assert isinstance(rebuilt, Case)
    assert rebuilt.state == case.state
    assert rebuilt.seen == {"correspondence:doc-1:1", "correspondence:doc-1:2"}
    assert isinstance(rebuilt.state, CaseState)


def test_passing_a_due_date_is_announced_once_per_due_date() -> None:
    case = given(observed(1, status(due=date(2026, 11, 30))))
    case.collect_events()
    assert not case.raise_overdue(date(2026, 11, 30), T0), "due today is not yet overdue"
    assert case.raise_overdue(date(2026, 12, 1), T0)
    [announced] = case.collect_events()
    assert announced.observation.event_type == "monitoring.case.overdue"
    assert announced.state.overdue_raised_for == date(2026, 11, 30)
    assert not case.raise_overdue(date(2026, 12, 5), T0), "announced already"
    # A new due date that passes is announced again; a closed case never is.
    case.observe(observed(2, status("assigned", due=date(2026, 12, 10))))
    assert case.raise_overdue(date(2026, 12, 11), T0)
    closed = given(observed(1, status("done", due=date(2026, 11, 30), closed=True)))
    assert not closed.raise_overdue(date(2026, 12, 1), T0)


def test_each_event_carries_the_case_as_it_stands_after_it() -> None:
    """The board's rows are made from a case's latest event alone (`each_event_carries`)."""
    case = Case.open("correspondence", "doc-1", observed(1, status(due=date(2026, 11, 30))))
    after_each = [case.state]
    case.observe(observed(3, status("assigned", holder="officer-7")))
    after_each.append(case.state)
    case.observe(observed(2, status("registered")))  # late: counted, not rolled back
    after_each.append(case.state)
    case.raise_overdue(date(2026, 12, 1), T0)
    after_each.append(case.state)

    events = case.collect_events()

    assert [type(e).__name__ for e in events] == ["Opened", "Observed", "Observed", "Observed"]
    assert [e.state for e in events] == after_each
    assert [e.originator_version for e in events] == [1, 2, 3, 4] and case.version == 4
    assert events[-1].timestamp == case.modified_on

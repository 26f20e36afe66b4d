"""งานของฉัน (`services.correspondence.work`): how a record shows in an officer's work list, when it
becomes overdue and what a reader without the need to know sees of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import uuid4

from services.correspondence.domain import Secrecy
from services.correspondence.work import DOCUMENT, SERVICE_REQUEST, work_item

TODAY = date(2026, 12, 1)


class Step(StrEnum):
    received = "received"


@dataclass
class Record:
    due: date | None
    step_since: datetime | None
    holder: str | None = "off-1"
    closed: bool = False
    step: Step = Step.received
    step_th: str = "รับคำขอ"
    subject: str = "คำขอ"

    def __post_init__(self) -> None:
        self.id = uuid4()


@dataclass
class ClassifiedDocument(Record):
    secrecy: Secrecy = Secrecy.confidential
    participants: frozenset[str] = field(default_factory=lambda: frozenset({"off-1"}))
    action_due: date | None = None


def test_work_is_overdue_from_the_day_after_its_due_date() -> None:
    row = SERVICE_REQUEST.row(Record(due=TODAY, step_since=None))
    assert row is not None and row["overdue_from"] == "2026-12-02"
    assert work_item(row["view"], None, TODAY)["overdue"] is False, "due today is not late"
    assert work_item(row["view"], None, date(2026, 12, 2))["overdue"] is True
    undated = SERVICE_REQUEST.row(Record(due=None, step_since=None))
    assert work_item(undated["view"], None, date(2099, 1, 1))["overdue"] is False


def test_work_nobody_holds_leaves_the_list() -> None:
    assert SERVICE_REQUEST.row(Record(due=TODAY, step_since=None, holder=None)) is None


def test_work_not_saying_since_when_it_waits_sorts_after_the_rest() -> None:
    waiting = SERVICE_REQUEST.row(Record(due=None, step_since=datetime(2026, 11, 27, 3, 0,
                                                                       tzinfo=UTC)))
    unknown = SERVICE_REQUEST.row(Record(due=None, step_since=None))
    assert waiting["since"] == "2026-11-27T03:00:00.000000Z"
    assert sorted([unknown["since"], waiting["since"]]) == [waiting["since"], unknown["since"]]


def test_a_classified_title_is_shown_only_to_those_with_the_need_to_know() -> None:
    document = ClassifiedDocument(due=None, step_since=None, subject="รายชื่อผู้ถูกสอบสวน",
                                  action_due=date(2026, 11, 30))
    # (Without the document's register line, which a stand-in cannot make: tested with the
    # work queue's pages, tests/component/test_correspondence_lists.py.)
    row = replace(DOCUMENT, line=None).row(document)
    assert row["holder"] == "off-1" and row["overdue_from"] == "2026-12-01"
    shown = work_item(row["view"], None, TODAY)
    assert shown["title"] == "(ลับ)" and shown["overdue"] is True
    assert not any(key.startswith("_") for key in shown), "what decides it stays inside"

"""งานของฉัน (`services.correspondence.work`): how a record shows in an officer's work list and in
which order the list comes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from uuid import uuid4

from services.correspondence.work import SERVICE_REQUEST, in_order

TODAY = date(2026, 12, 1)


class Step(StrEnum):
    received = "received"


@dataclass
class Record:
    due: date | None
    step_since: datetime | None
    step: Step = Step.received
    step_th: str = "รับคำขอ"

    def __post_init__(self) -> None:
        self.id = uuid4()


@dataclass
class RecordWithItsOwnRule(Record):
    def is_overdue(self, today: date) -> bool:
        return self.due is not None and today >= self.due  # due today counts, unlike the default


def test_a_record_that_knows_when_it_is_overdue_says_so_itself() -> None:
    due_today = RecordWithItsOwnRule(due=TODAY, step_since=None)
    assert SERVICE_REQUEST.item(due_today, "คำขอ", TODAY)["overdue"] is True
    assert SERVICE_REQUEST.item(Record(due=TODAY, step_since=None), "คำขอ", TODAY)["overdue"] is False
    told = SERVICE_REQUEST.item(due_today, "คำขอ", TODAY, overdue=False)
    assert told["overdue"] is False, "the caller's word wins"


def test_a_record_not_saying_since_when_it_waits_comes_after_the_others() -> None:
    waiting = Record(due=None, step_since=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    unknown = Record(due=None, step_since=None)
    items = [SERVICE_REQUEST.item(r, "คำขอ", TODAY) for r in (unknown, waiting)]
    assert [i["id"] for i in in_order(items)] == [str(waiting.id), str(unknown.id)]

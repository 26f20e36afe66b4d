"""The command runner every service uses: atomic saves, bounded retries, idempotency."""

from __future__ import annotations

import threading
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from shared.domain import Aggregate, event
from shared.eventstore import ConcurrentWriteConflict, IdempotencyKeyReused, ServiceApplication
from shared.settings import ServiceSettings


class Ledger(Aggregate, stored_as="test.Ledger"):
    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, "ledger")

    @event("Opened")
    def __init__(self) -> None:
        self.entries: list[int] = []

    @event("Entered")
    def enter(self, amount: int) -> None:
        self.entries.append(amount)


class Shelf(Aggregate, stored_as="test.Shelf"):
    @staticmethod
    def create_id(label: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"shelf/{label}")

    @event("Placed")
    def __init__(self, label: str) -> None:
        self.label = label


class Books(ServiceApplication):
    name = "books"


@pytest.fixture
def books(tmp_path: Path) -> Books:
    app = Books(ServiceSettings(service_name="books", var_dir=tmp_path, command_retries=3))
    app.save(Ledger())
    return app


def rival(books: Books) -> Books:
    """Another process writing to the same store."""
    return Books(books.settings)


def test_a_command_that_loses_a_race_is_decided_again_from_fresh_state(books: Books) -> None:
    other = rival(books)
    attempts = []

    def decide():
        ledger = books.get(Ledger, Ledger.create_id())
        attempts.append(list(ledger.entries))
        if len(attempts) == 1:  # someone else writes between our read and our save
            theirs = other.get(Ledger, Ledger.create_id())
            theirs.enter(5)
            other.save(theirs)
        ledger.enter(7)
        return "ok", [ledger]

    assert books.execute(decide) == "ok"
    assert attempts == [[], [5]], "the second attempt saw the rival's entry"
    assert books.get(Ledger, Ledger.create_id()).entries == [5, 7]


def test_a_command_that_keeps_losing_answers_conflict(books: Books) -> None:
    other = rival(books)

    def decide():
        ledger = books.get(Ledger, Ledger.create_id())
        theirs = other.get(Ledger, Ledger.create_id())
        theirs.enter(1)
        other.save(theirs)
        ledger.enter(7)
        return "ok", [ledger]

    with pytest.raises(ConcurrentWriteConflict) as refused:
        books.execute(decide)
    assert refused.value.status == 409
    assert 7 not in books.get(Ledger, Ledger.create_id()).entries


def test_the_same_idempotency_key_gives_the_same_answer_and_records_once(books: Books) -> None:
    def decide():
        ledger = books.get(Ledger, Ledger.create_id())
        ledger.enter(len(ledger.entries) + 1)
        return {"entries": list(ledger.entries)}, [ledger]

    first = books.execute(decide, idempotency=("POST /ledger", "k-1", "fp"))
    again = books.execute(decide, idempotency=("POST /ledger", "k-1", "fp"))
    assert first == again == {"entries": [1]}
    assert books.get(Ledger, Ledger.create_id()).entries == [1]
    with pytest.raises(IdempotencyKeyReused):
        books.execute(decide, idempotency=("POST /ledger", "k-1", "another body"))


def test_an_application_must_pin_its_name() -> None:
    with pytest.raises(TypeError):
        class Unnamed(ServiceApplication):  # noqa: F841
            """Forgot `name`."""


class Bag(Aggregate, stored_as="test.Bag"):
    @event("Opened")
    def __init__(self) -> None:
        self.items: dict[int, str] = {}

    @event("Added")
    def add(self, n: int) -> None:
        self.items[n] = "x"


def test_concurrent_commands_on_one_cached_aggregate_never_crash(books: Books) -> None:
    """Commands from the thread pool load the same cached aggregate while others fast-forward it;
    a load must never see a dict change size under it (that would be a 500)."""
    import sys
    import threading

    bag = Bag()
    for i in range(2000):
        bag.add(i)
    books.save(bag)
    unexpected: list[BaseException] = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to make a race likely if there is one

    def writer(start: int) -> None:
        for n in range(start, start + 40):
            try:
                books.execute(lambda n=n: (None, [_added(books, bag.id, n)]))
            except ConcurrentWriteConflict:
                pass  # losing a race is an answer (409), not a crash
            except BaseException as error:  # noqa: BLE001 - the assertion reports it
                unexpected.append(error)

    try:
        threads = [threading.Thread(target=writer, args=(10_000 * (k + 1),)) for k in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert unexpected == []


def _added(books: Books, bag_id: UUID, n: int) -> Bag:
    bag = books.get(Bag, bag_id)
    bag.add(n)
    return bag


def test_a_slow_load_of_one_aggregate_holds_up_no_other(books: Books,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads of one aggregate go one at a time (the library copies a cached aggregate after
    letting go of it); loads of others go on beside them: one letter read slowly from the disk
    does not keep every other reader waiting."""
    slow, other = Shelf(label="slow"), Shelf(label="other")
    books.save(slow, other)
    reading_slow, go_on = threading.Event(), threading.Event()
    read_events = books.repository.event_store.get

    def get(originator_id: UUID, *args: object, **kwargs: object) -> object:
        if originator_id == slow.id:
            reading_slow.set()
            go_on.wait(10)
        return read_events(originator_id, *args, **kwargs)

    monkeypatch.setattr(books.repository.event_store, "get", get)
    loading_slow = threading.Thread(target=books.get, args=(Shelf, slow.id))
    loading_slow.start()
    assert reading_slow.wait(5)
    loaded: list[Shelf | None] = []
    loading_other = threading.Thread(target=lambda: loaded.append(books.get(Shelf, other.id)))
    loading_other.start()
    loading_other.join(5)
    go_on.set()
    loading_slow.join(10)
    assert loaded and loaded[0] is not None and loaded[0].label == "other", \
        "the other aggregate was loaded while the slow one was still being read"


def test_a_view_sees_what_others_wrote_and_no_missing_or_other_kind_of_record(books: Books) -> None:
    """A read renders the aggregate as it is now, other processes' writes included, without
    copying it first; no record, or a record of another kind, is no view."""
    ledger_id = Ledger.create_id()
    assert books.view(Ledger, ledger_id, lambda ledger: list(ledger.entries)) == []
    other = rival(books)
    ledger = other.get(Ledger, ledger_id)
    ledger.enter(amount=3)
    other.save(ledger)
    assert books.view(Ledger, ledger_id, lambda ledger: list(ledger.entries)) == [3]
    assert books.view(Shelf, ledger_id, lambda shelf: shelf.label) is None
    assert books.view(Ledger, Shelf.create_id("none"), lambda ledger: ledger.entries) is None
    assert books.get(Ledger, ledger_id).entries == [3], "a view left the record as it was"

"""An insider with access to the office's server attacks the audit trail, as issue 15's table
lists it, on SQLite and PostgreSQL, with a real nats-server and a real witness process beside the
service (planning). Each attack is detected — by whom, within how many seconds is asserted and
printed — and the service refuses writes after it (503 problem+json in Thai and English), while
reads still answer with a warning."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.audit.records import StoredRecord
from shared.nats_server import NatsServer
from tests.support.audit import SERVICE, AuditedOffice, audit_messages, stream_count

DETECTION_SECONDS = 10.0


@pytest.fixture
def office(nats_server: NatsServer, store_env: dict[str, str],
           tmp_path: Path) -> Iterator[AuditedOffice]:
    running = AuditedOffice(nats_server.url, store_env, tmp_path / "office").start()
    try:
        answers = running.draft_policies(6)
        assert all(a.status_code == 201 for a in answers), answers[-1].text
        running.wait_witnessed()
        yield running
    finally:
        running.stop()


def refuses_writes(office: AuditedOffice, reason: str) -> None:
    answer = office.write_refused()
    assert answer.status_code == 503, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "audit-integrity-fault" and reason in problem["detail"]
    assert problem["title_th"] and problem["title_en"]
    with office.http() as http:  # reads still work, and say why writes do not
        read = http.get("/plans")
    assert read.status_code == 200 and reason in read.headers["esa-audit-warning"], read.text
    office.wait(lambda: [a for a in audit_messages(office.nats_url, f"{SERVICE}.alarm")
                         if a.get("raised_by") == SERVICE and a["reason"] == reason], 10,
                f"the alarm ({reason}) published")


def latest_positions(office: AuditedOffice, count: int) -> list[int]:
    return [int(r[0]) for r in office.sql(
        "SELECT {position} FROM {events} ORDER BY {position} DESC LIMIT ?", count)][::-1]


def report(row: str, seconds: float, by: str) -> None:
    print(f"\nATTACK {row}: detected by {by} in {seconds:.2f} s")


def attack(office: AuditedOffice, row: str, reason: str, tamper: list, undo: list) -> float:
    """Tamper in one transaction, wait for the service to find it and refuse writes, then put
    the store right: the fault was the service's own finding, so writes are accepted again."""
    office.sql_together(tamper)
    seconds, fault = office.detected_within()
    assert fault["reason"] == reason, fault
    assert seconds < DETECTION_SECONDS
    refuses_writes(office, reason)
    report(row, seconds, fault["found_by"])
    office.sql_together(undo)
    office.wait(lambda: office.ready().status_code == 200, 30, "writes accepted again")
    assert office.draft_policies(1, start=len(row) * 1000)[0].status_code == 201
    return seconds


def test_changes_to_the_newest_and_the_oldest_events_are_found_and_writes_stop(
        office: AuditedOffice) -> None:
    """Change, delete, insert and reorder the events of the latest head (the tail an insider
    would go for), and alter a covered event long ago: each named by the service within a
    second or so, writes refused until the store is put right."""
    (position,) = latest_positions(office, 1)
    row = office.sql("SELECT originator_id, originator_version, topic, state FROM {events} "
                     "WHERE {position} = ?", position)[0]
    state = bytes(row[3])
    attack(office, "change after the last head", "altered",
           [("UPDATE {events} SET state = ? WHERE {position} = ?",
             (state.replace(b"off-1", b"off-2"), position))],
           [("UPDATE {events} SET state = ? WHERE {position} = ?", (state, position))])

    (position,) = latest_positions(office, 1)
    row = office.sql("SELECT originator_id, originator_version, topic, state FROM {events} "
                     "WHERE {position} = ?", position)[0]
    attack(office, "delete after the last head", "removed",
           [("DELETE FROM {events} WHERE {position} = ?", (position,))],
           [("INSERT INTO {events} ({position}, originator_id, originator_version, topic, "
             "state) VALUES (?, ?, ?, ?, ?)", (position, *row))])

    forged = ("00000000000000000000000000000001" if not office.postgres
              else "00000000-0000-0000-0000-000000000001")
    attack(office, "insert after the last head", "inserted",
           [("INSERT INTO {events} (originator_id, originator_version, topic, state) "
             "VALUES (?, 1, ?, ?)", (forged, row[2], row[3]))],
           [("DELETE FROM {events} WHERE originator_id = ?", (forged,))])

    first, second = latest_positions(office, 2)
    swap = [("UPDATE {events} SET {position} = -1 WHERE {position} = ?", (first,)),
            ("UPDATE {events} SET {position} = ? WHERE {position} = ?", (first, second)),
            ("UPDATE {events} SET {position} = ? WHERE {position} = -1", (second,))]
    attack(office, "reorder after the last head", "moved", swap, swap)

    office.draft_policies(40, start=100)
    position = 3  # far from the tail: the service's pass over the whole store finds it
    (state,) = office.sql("SELECT state FROM {events} WHERE {position} = ?", position)[0]
    attack(office, "alter a covered event", "altered",
           [("UPDATE {events} SET state = ? WHERE {position} = ?",
             (bytes(state).replace(b"\"", b"'", 1), position))],
           [("UPDATE {events} SET state = ? WHERE {position} = ?", (bytes(state), position))])


def truncate_to(office: AuditedOffice, state: tuple[Any, ...]) -> None:
    """Cut the log back to an earlier tree, tables and all (no key needed: only hashes)."""
    size, last_position = int(state[0]), int(state[1])
    office.sql_together([
        ("DELETE FROM {events} WHERE {position} > ?", (last_position,)),
        ("DELETE FROM {leaves} WHERE leaf_index >= ?", (size,)),
        ("DELETE FROM {heads} WHERE tree_size > ?", (size,)),
        ("UPDATE {state} SET tree_size = ?, last_position = ?, frontier = ?, root_hash = ?, "
         "key_id = ? WHERE id = 1", tuple(state))])


def test_a_log_cut_short_behind_its_witnessed_head_is_found(office: AuditedOffice) -> None:
    earlier = office.sql("SELECT tree_size, last_position, frontier, root_hash, key_id "
                         "FROM {state}")[0]
    office.draft_policies(3, start=200)
    office.wait_witnessed()
    truncate_to(office, earlier)
    seconds, fault = office.detected_within()
    assert fault["reason"] == "rollback" and "witness-1" in fault["detail"]
    refuses_writes(office, "rollback")
    report("truncation", seconds, fault["found_by"])


def test_an_event_altered_and_every_head_re_signed_with_the_key_beside_the_store_is_found(
        office: AuditedOffice) -> None:
    """The insider stops the service, alters a covered event and rebuilds the whole tree,
    signing every head with the key file beside the store: the store agrees with itself, but
    not with the head the witness cosigned, nor with the stream's last head."""
    witnessed = office.wait_witnessed()
    office.service.stop()
    position = 2
    (state,) = office.sql("SELECT state FROM {events} WHERE {position} = ?", position)[0]
    office.sql("UPDATE {events} SET state = ? WHERE {position} = ?",
               bytes(state).replace(b"\"", b"'", 1), position)
    for table in ("leaves", "nodes", "heads", "state"):
        office.sql(f"DELETE FROM {{{table}}}")
    office.sql("DROP TABLE {state}")  # the service rebuilds and re-signs it all at start
    office.service.start()
    fault = office.ready().json()["audit"]["fault"]  # found at start, before it served
    assert fault is not None and fault["reason"] == "rewritten", fault
    assert office.tree_size() == witnessed  # re-signed, over the forgery
    refuses_writes(office, "rewritten")
    report("alter and re-sign with the key beside the store", 0.0,
           f"{fault['found_by']} at start, before serving")

    # The re-signed head reaches the witness anyway (say, replayed once the stream's duplicate
    # window is over): two signed heads of one size, an equivocation with both as evidence.
    with office.http() as http:
        forged = http.get("/audit/heads/latest").json()
    published = time.monotonic()
    office.publish_head(forged, message_id=f"{SERVICE}:head:{witnessed}:replayed")
    alarm = office.wait(lambda: office.witness.alarms(), 30, "the witness's alarm")[0]
    seconds = time.monotonic() - published
    assert alarm["alarm"] == "equivocation" and alarm["offered"]["root_hash"] == forged["root_hash"]
    assert alarm["held"]["tree_size"] == witnessed and alarm["held"]["root_hash"] != forged["root_hash"]
    assert any(a.get("raised_by") == "witness-1" for a in
               audit_messages(office.nats_url, f"{SERVICE}.alarm"))
    report("the re-signed head offered to the witness", seconds, "witness-1")


def test_a_store_rolled_back_to_an_older_copy_alarms_instead_of_dropping_duplicates(
        office: AuditedOffice) -> None:
    """Yesterday's copy of the store put back: the stream is ahead of it. The relay publishes
    nothing (no new event goes out under an old message id to be dropped as a duplicate), the
    service refuses writes, and the alarm is on the stream."""
    copy = office.copy_store()
    office.draft_policies(3, start=300)
    office.wait_witnessed()
    office.service.stop()
    office.restore_store(copy)
    events_on_stream = stream_count(office.nats_url, SERVICE)
    office.service.start()
    fault = office.ready().json()["audit"]["fault"]  # found at start, before it served
    assert fault is not None and fault["reason"] == "rollback", fault
    assert fault["found_by"] == "relay" and "relay publishes nothing" in fault["detail"]
    refuses_writes(office, "rollback")
    time.sleep(1.0)
    assert stream_count(office.nats_url, SERVICE) == events_on_stream, "the relay published"
    report("rollback to an older copy (with the JetStream stream)", 0.0,
           f"{fault['found_by']} at start, before serving")


def test_honest_work_raises_no_alarm(office: AuditedOffice) -> None:
    answers = office.draft_policies(30, start=400)
    assert all(a.status_code == 201 for a in answers)
    receipt = answers[-1].headers
    assert int(receipt["esa-audit-tree-size"]) >= int(receipt["esa-audit-positions"].split(",")[-1])
    office.wait_witnessed()
    assert office.ready().status_code == 200
    assert audit_messages(office.nats_url, f"{SERVICE}.alarm") == []
    assert office.witness.alarms() == []


def leaf_of(office: AuditedOffice, position: int) -> bytes:
    row = office.sql("SELECT {position}, originator_id, originator_version, topic, state "
                     "FROM {events} WHERE {position} = ?", position)[0]
    return StoredRecord.of(*row).leaf_hash()

"""The passes over the whole store (shared/audit/selfcheck.py): the later ones read a slice of
rows at a time, spread evenly over the interval at the rate set, so that the requests a service
answers meanwhile are not held up behind a whole batch; the first pass reads larger slices and
rests after each half as long as it took. A slice finds an altered row as a batch did, and a
fault the quick checks found stands while slices go on."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pytest

from services.planning.application import PlanningApplication
from shared.audit.selfcheck import FIRST_PASS_REST, FIRST_PASS_SLICE, SelfCheck
from tests.support.audit import insider_sql

BATCH, SLICE = 100, 2  # rows an interval, rows at a time
INTERVAL = 0.05


def run_until(check: SelfCheck, done: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Step the check as its thread does (waiting each pause) until `done`, for `seconds` at
    most."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(check.step())
    return True


def store_sql(planning: PlanningApplication, statement: str, *params: object) -> list[tuple]:
    return insider_sql("planning", {"ESA_STORE": "sqlite"}, planning.settings.var_dir,
                       [(statement, params)])


@pytest.fixture
def check(planning: PlanningApplication) -> SelfCheck:
    """The self-check of planning's store (its staff taught), its first pass done."""
    check = SelfCheck(planning.audit, planning.audit_guard, interval=INTERVAL, scan_batch=BATCH,
                      rescan_seconds=0.0, slice_rows=SLICE)
    first = []
    while not check.first_pass["completed"]:
        started = time.monotonic()
        rest = check.step()
        first.append((rest, time.monotonic() - started))
    size = planning.audit.size
    assert size > 2 * SLICE
    assert len(first) == math.ceil(size / FIRST_PASS_SLICE), "the first pass in its own slices"
    assert all(0 < rest <= FIRST_PASS_REST * took for rest, took in first), \
        "each slice of the first pass rests at most half as long as it took"
    return check


def test_a_later_pass_reads_a_slice_at_a_time_at_the_rate_set(
        check: SelfCheck, planning: PlanningApplication) -> None:
    size = planning.audit.size
    pauses = []
    while check.passes_completed < 2:
        pauses.append(check.step())
    # Two rows, then a fiftieth of the interval: a hundred rows an interval, as set.
    assert len(pauses) == math.ceil(size / SLICE)
    assert pauses[:-1] == [pytest.approx(INTERVAL * SLICE / BATCH)] * (len(pauses) - 1)
    assert check.status()["ok"] and planning.audit_guard.fault is None


def test_a_slice_finds_an_altered_row_and_a_quick_finding_stands(
        check: SelfCheck, planning: PlanningApplication) -> None:
    # An insider alters the store's second event, behind the newest leaves the quick checks read.
    (position,) = store_sql(planning, "SELECT {position} FROM {events} ORDER BY {position} "
                                      "LIMIT 1 OFFSET 1")[0]
    (state,) = store_sql(planning, "SELECT state FROM {events} WHERE {position} = ?",
                         position)[0]
    store_sql(planning, "UPDATE {events} SET state = ? WHERE {position} = ?",
              bytes(state).replace(b"\"", b"'", 1), position)
    assert run_until(check, lambda: planning.audit_guard.fault is not None)
    assert planning.audit_guard.fault.reason == "altered", planning.audit_guard.fault

    # Put right, a whole pass of slices finds nothing and clears the fault.
    store_sql(planning, "UPDATE {events} SET state = ? WHERE {position} = ?", state, position)
    assert run_until(check, lambda: planning.audit_guard.fault is None)

    # Then a row is added outside the service, which the quick checks find: the slices that
    # follow until they run again do not clear it, however clean the rows they read.
    (row,) = store_sql(planning, "SELECT originator_id, originator_version, topic, state FROM "
                                 "{events} ORDER BY {position} DESC LIMIT 1")
    store_sql(planning, "INSERT INTO {events} (originator_id, originator_version, topic, state) "
                        "VALUES (?, ?, ?, ?)", "00000000000000000000000000000001", 1, row[2],
              row[3])
    assert check.check() and planning.audit_guard.fault.reason == "inserted"
    passes = check.passes_completed
    run_until(check, lambda: check.passes_completed > passes, seconds=1.0)
    assert planning.audit_guard.fault is not None
    assert planning.audit_guard.fault.reason == "inserted"

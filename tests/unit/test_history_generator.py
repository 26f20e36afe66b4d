"""The history generator (`benchmarks.history`, `benchmarks.history_plans_and_schools`) for
planning and restructuring: one year, small counts, into a temporary directory. Each store holds
the events made through the domain's methods, its lists are built up to the last event, and the
relay's position is at the end of the log (the history counts as published). `generate` adds
services beside those already made and merges `generated.json`, and refuses a service whose store
is already there."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import history
from benchmarks.history_plans_and_schools import generate_planning, generate_restructuring

# A fixed "now" (13:00 in Bangkok on Sunday 6 December 2026): the generated dates follow from it.
NOW = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def positions(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as db:
        return dict(db.execute("SELECT application_name, notification_id FROM tracking"))


def rows(store: Path, table: str) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def newest_step(store: Path) -> str:
    """The latest `at` any stored event carries (the staff taught carry none)."""
    with sqlite3.connect(store) as db:
        moments = [json.loads(state).get("at") for (state,) in db.execute(
            "SELECT state FROM stored_events WHERE topic NOT LIKE 'office.DirectoryEntry%'")]
    return max(m for m in moments if isinstance(m, str))


def built_to_the_end(store: Path, figures: dict[str, object], *lists: str) -> None:
    last = figures["notifications"]
    tracked = positions(store)
    assert tracked["outbox-relay"] == last
    # The lists named, and the one every service has (its dead letters): a first start after
    # the history was made reads nothing of the log.
    for name in (*lists, "dead_letters_parked"):  # whatever the version (`readmodel:<name>:v<n>`)
        found = [at for key, at in tracked.items() if key.startswith(f"readmodel:{name}:v")]
        assert found == [last], name


def test_one_year_of_plans(tmp_path: Path) -> None:
    figures = generate_planning(tmp_path, 1, random.Random(1), NOW, projects=3)

    store = tmp_path / "planning.sqlite3"
    assert figures["events"] > 30 and figures["plans"] >= 4 and figures["approved"] >= 3
    built_to_the_end(store, figures, "plans", "fiscal_years", "registered_documents")
    assert rows(store, "rm_plans") == figures["plans"]
    assert newest_step(store) <= NOW.isoformat()


def test_one_year_of_schools_and_cases(tmp_path: Path) -> None:
    figures = generate_restructuring(tmp_path, 1, random.Random(1), NOW, schools=40)

    store = tmp_path / "restructuring.sqlite3"
    # Two DMC dates in the year (10 June, 10 November) for every school.
    assert figures["schools"] == 40 and figures["snapshots"] == 80
    assert figures["cases"] >= 1
    built_to_the_end(store, figures, "schools", "cases", "registered_documents")
    assert rows(store, "rm_schools") >= 40 and rows(store, "rm_cases") == figures["cases"]
    assert newest_step(store) <= NOW.isoformat()


def test_services_are_added_beside_the_others(tmp_path: Path) -> None:
    history.generate(tmp_path, 1, 7, NOW, ("planning",))
    history.generate(tmp_path, 1, 7, NOW, ("restructuring",))

    made = json.loads((tmp_path / "years-1" / "generated.json").read_text())
    assert made["planning"]["events"] > 0 and made["restructuring"]["events"] > 0
    assert made["years"] == 1
    with pytest.raises(SystemExit, match="planning"):
        history.generate(tmp_path, 1, 7, NOW, ("planning",))


def test_monitoring_history_is_left_as_the_overdue_sweeps_would_have_left_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every open case already past its due date has been announced overdue, as the service's
    sweep (once a minute) would have by now; and the announcements count as published."""
    monkeypatch.setattr(history, "DOCUMENTS_PER_YEAR", 60)  # 600 events
    figures = history.generate_monitoring(tmp_path, 1, random.Random(7), NOW)
    store = tmp_path / "monitoring.sqlite3"
    assert figures["overdue_announced"] > 0
    with sqlite3.connect(store) as db:
        left = db.execute("SELECT count(*) FROM rm_cases WHERE unraised_due < ?",
                          ("2026-12-06",)).fetchone()[0]
    assert left == 0
    built_to_the_end(store, figures, "cases")

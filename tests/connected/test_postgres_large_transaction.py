"""One transaction of thousands of events on PostgreSQL: what an import or a history made in batches
records at once. The library inserts through psycopg's pipeline mode, where a statement of more
than about a megabyte never reaches the server and the connection waits for ever; the service's
recorder inserts without it (`shared.persistence.postgres`). The save ends, every event is stored
in order, and a second batch after it is numbered after it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from contracts.vocabulary import ExpenseCategory
from services.budgeting.application import BudgetingApplication
from services.budgeting.domain import BudgetLine
from services.budgeting.settings import BudgetingSettings
from shared.testing import EmbeddedPostgres

EVENTS = 3000  # about 2 MiB of stored state in one statement


def lines(count: int) -> list[BudgetLine]:
    return [BudgetLine.open(fiscal_year_be=2570, project_id=uuid4(), project_code=f"P70-{n:04d}",
                            title_th=f"โครงการพัฒนาคุณภาพการศึกษา ที่ {n} " + "ก" * 300,
                            category=ExpenseCategory.operations,
                            planned_by_quarter={1: Decimal("125000.00")}, plan_id=None,
                            at=datetime(2026, 10, 1, 3, tzinfo=UTC))
            for n in range(count)]


def saved_within(app: BudgetingApplication, batch: list[Any], seconds: float) -> bool:
    """Save `batch` in one transaction in a thread: a hung save fails the test, not the suite."""
    done = threading.Event()
    threading.Thread(target=lambda: (app.save(*batch), done.set()), daemon=True).start()
    return done.wait(seconds)


def test_thousands_of_events_in_one_transaction(postgres_server: EmbeddedPostgres,
                                                 tmp_path: Path) -> None:
    params = postgres_server.fresh_database()
    app = BudgetingApplication(BudgetingSettings(
        var_dir=tmp_path, store="postgres", postgres_host=params.host,
        postgres_port=params.port, postgres_user=params.user, postgres_dbname=params.dbname))
    try:
        before = app.max_notification_id()
        first, second = lines(EVENTS), lines(10)
        assert saved_within(app, first, 60), f"saving {EVENTS} events in one transaction hung"
        assert saved_within(app, second, 60)

        stored = app.read_notifications(before, EVENTS + 20)
        assert [n.originator_id for n in stored] == [line.id for line in first + second]
        assert app.get(BudgetLine, first[-1].id).project_code == f"P70-{EVENTS - 1:04d}"
    finally:
        app.close()

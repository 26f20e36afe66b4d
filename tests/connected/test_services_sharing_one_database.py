"""Services sharing one PostgreSQL database (as docker-compose runs them) start side by side.

Every service's store creates the event-sourcing library's insert function, whose name and
signature are the same for all of them (`es_insert_events_uuid(stored_event_uuid[])`). Another
service creating or replacing it at the same moment used to crash the starting service (a unique
violation on the catalogue, or "tuple concurrently updated"). Here the other service's statement is
held open in a transaction while ours starts, then committed: ours must come up all the same.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from shared.domain import Aggregate, event
from shared.eventstore import ServiceApplication
from shared.settings import ServiceSettings
from shared.testing import EmbeddedPostgres, PostgresParams


class Planning(ServiceApplication):
    name = "planning"


class Budgeting(ServiceApplication):
    name = "budgeting"


INSERT_FUNCTION = """
CREATE OR REPLACE FUNCTION public.es_insert_events_uuid(events public.stored_event_uuid[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN RETURN; END; $BODY$
"""


def settings(params: PostgresParams, name: str, var: Path) -> ServiceSettings:
    return ServiceSettings(service_name=name, var_dir=var, store="postgres",
                           postgres_host=params.host, postgres_port=params.port,
                           postgres_user=params.user, postgres_dbname=params.dbname)


def connect(params: PostgresParams) -> psycopg.Connection:
    return psycopg.connect(host=params.host, port=params.port, user=params.user,
                           dbname=params.dbname)


def waiting_for_a_lock(params: PostgresParams) -> bool:
    with connect(params) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0] > 0


@pytest.mark.parametrize("first_start", [True, False], ids=["new-database", "restart"])
def test_a_service_starts_while_another_creates_the_shared_insert_function(
        postgres_server: EmbeddedPostgres, tmp_path: Path, first_start: bool) -> None:
    params = postgres_server.fresh_database()
    if first_start:
        with connect(params) as conn:  # the type only: the function is the other's, uncommitted
            conn.execute("CREATE TYPE public.stored_event_uuid AS (originator_id uuid, "
                         "originator_version bigint, topic text, state bytea)")
    else:
        Planning(settings(params, "planning", tmp_path / "planning")).close()

    other = connect(params)
    other.execute(INSERT_FUNCTION)  # in an open transaction, as another service starting
    started: list[ServiceApplication] = []
    failed: list[BaseException] = []

    def start() -> None:
        try:
            started.append(Budgeting(settings(params, "budgeting", tmp_path / "budgeting")))
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            failed.append(e)

    thread = threading.Thread(target=start)
    thread.start()
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock(params):
        assert time.monotonic() < deadline and thread.is_alive(), failed
        time.sleep(0.05)
    other.commit()
    other.close()
    thread.join(30)

    assert failed == [] and len(started) == 1
    app = started[0]
    try:
        assert app.read_notifications(0) == []
    finally:
        app.close()


class Visit(Aggregate, stored_as="test.Visit"):
    @event("Made")
    def __init__(self, school: str, officer: str) -> None:
        self.school = school
        self.officer = officer


def list_cases(app: ServiceApplication, column: str) -> Any:
    """A list named `cases`, as budgeting and monitoring both have, with a column of its own."""
    return app.read_models.listing(
        "cases", of=(Visit,), columns={column: "text"}, indexes=((column,),),
        row=lambda visit: {column: getattr(visit, column), "view": {"school": visit.school}})


def test_two_services_lists_of_one_name_in_one_database_stay_apart(
        postgres_server: EmbeddedPostgres, tmp_path: Path) -> None:
    """Budgeting's and monitoring's `cases` are different lists with different columns: in one
    shared database each service has its own (the second used to fail to start: its index named
    a column of its own that the other's table of the same name did not have)."""
    params = postgres_server.fresh_database()
    budgeting = Budgeting(settings(params, "budgeting", tmp_path / "b"))
    monitoring = Planning(settings(params, "planning", tmp_path / "m"))
    try:
        by_school, by_officer = list_cases(budgeting, "school"), list_cases(monitoring, "officer")
        for app in (budgeting, monitoring):
            app.read_models.start()
        budgeting.save(Visit("40050001", "off-1"))
        for _ in range(2):
            monitoring.save(Visit("40050002", "off-2"))
        for app in (budgeting, monitoring):
            app.read_models.caught_up()
        assert by_school.count({"school": "40050001"}) == by_school.count() == 1
        assert by_officer.count({"officer": "off-2"}) == by_officer.count() == 2
    finally:
        budgeting.close()
        monitoring.close()

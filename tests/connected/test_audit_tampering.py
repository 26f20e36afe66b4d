"""Someone with database access edits a service's store directly, on SQLite and on PostgreSQL:
an UPDATE of one stored event, a DELETE of one, an INSERT of a forged one among the events the
signed heads cover. The verifier, reading the store itself (events, recorded leaves, heads) with
the service's public key, names exactly that event (position, aggregate id, version), and the
service's own export shows the same to an auditor over HTTP."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from planning_samples import policy

from services.planning.application import PlanningApplication
from services.planning.main import create_app
from services.planning.settings import PlanningSettings
from shared.audit.__main__ import main as audit_cli
from shared.office.testing import STANDARD_STAFF, teach
from shared.testing import office_client

SERVICE = "planning"


@dataclass
class Store:
    settings: PlanningSettings
    public_key: str
    documents: list[str]
    covered: int

    @property
    def postgres(self) -> bool:
        return self.settings.store == "postgres"

    def dsn(self) -> str:
        s = self.settings
        return (f"host={s.postgres_host} port={s.postgres_port} user={s.postgres_user} "
                f"dbname={s.postgres_dbname}")

    def sql(self, statement: str, *params: Any) -> list[tuple]:
        """Run raw SQL on the store, bypassing the service: `{table}` and `{position}` name the
        events table and its notification id column; `?` marks parameters."""
        if self.postgres:
            import psycopg

            statement = statement.format(table=f"{SERVICE}_events", position="notification_id")
            with psycopg.connect(self.dsn(), autocommit=True) as connection:
                cursor = connection.execute(statement.replace("?", "%s"), params)
                return cursor.fetchall() if cursor.description else []
        statement = statement.format(table="stored_events", position="rowid")
        connection = sqlite3.connect(self.settings.sqlite_path)
        try:
            rows = connection.execute(statement, params).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()

    def originator(self, aggregate_id: str) -> Any:
        return uuid.UUID(aggregate_id) if self.postgres else uuid.UUID(aggregate_id).hex

    def verify(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
        source = (["--postgres", self.dsn(), "--service", SERVICE] if self.postgres
                  else ["--sqlite", str(self.settings.sqlite_path)])
        capsys.readouterr()
        status = audit_cli(["verify", *source, "--public-key", self.public_key, "--json"])
        return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def store(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """Staff and three drafted policies, every transaction under a signed head."""
    for key, value in store_env.items():
        monkeypatch.setenv(key, value)
    settings = PlanningSettings()
    application = PlanningApplication(settings)
    teach(application, STANDARD_STAFF)
    client = office_client(create_app(settings, application))
    documents = []
    for title in ("นโยบาย ก", "นโยบาย ข", "นโยบาย ค"):
        response = client.post("/policies", headers={"X-Actor-Id": "off-1"},
                               json={**policy(), "title_th": title})
        assert response.status_code == 201, response.text
        documents.append(response.json()["plan_id"])
    covered = client.get("/audit/heads/latest").json()["tree_size"]
    key = client.get("/audit/public-key").json()["public_key_hex"]
    application.close()
    yield Store(settings, key, documents, covered)


def registered_position(store: Store, document: str) -> int:
    rows = store.sql("SELECT {position} FROM {table} WHERE originator_id = ? "
                     "AND originator_version = 1", store.originator(document))
    return int(rows[0][0])


def findings(report: dict) -> list[tuple]:
    return [(f["kind"], f["position"], f["aggregate_id"], f["version"]) for f in report["findings"]]


def export_report(store: Store, tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> dict:
    """What an auditor sees over HTTP: the restarted service exports the store as it now is."""
    application = PlanningApplication(store.settings)
    client = office_client(create_app(store.settings, application))
    export = tmp_path / "export.jsonl"
    export.write_bytes(client.get("/audit/export").content)
    application.close()
    capsys.readouterr()
    audit_cli(["verify", "--export", str(export), "--public-key", store.public_key, "--json"])
    return json.loads(capsys.readouterr().out)


def test_an_untouched_store_verifies(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = store.verify(capsys)
    assert status == 0 and report["ok"], report
    assert report["covered"] == store.covered and report["events"] == store.covered


def test_an_updated_event_is_named(store: Store, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Any) -> None:
    document = store.documents[1]
    position = registered_position(store, document)
    (state,) = store.sql("SELECT state FROM {table} WHERE {position} = ?", position)[0]
    forged = bytes(state).replace("นโยบาย ข".encode(), "นโยบาย ง".encode())
    assert forged != bytes(state)
    store.sql("UPDATE {table} SET state = ? WHERE {position} = ?", forged, position)

    status, report = store.verify(capsys)
    assert status == 1
    assert findings(report) == [("altered", position, document, 1)]
    assert findings(export_report(store, tmp_path, capsys)) == [("altered", position, document, 1)]


def test_a_deleted_event_is_named(store: Store, capsys: pytest.CaptureFixture[str],
                                  tmp_path: Any) -> None:
    document = store.documents[2]
    position = registered_position(store, document)
    store.sql("DELETE FROM {table} WHERE {position} = ?", position)

    status, report = store.verify(capsys)
    assert status == 1
    assert findings(report) == [("removed", position, document, 1)]
    assert findings(export_report(store, tmp_path, capsys)) == [("removed", position, document, 1)]


def test_an_event_inserted_among_covered_events_is_named(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """A backdated registration slipped in before the second letter: the rows after it are
    renumbered to make room, as an insert into the middle of history must."""
    position = registered_position(store, store.documents[1])
    (topic, state) = store.sql("SELECT topic, state FROM {table} WHERE {position} = ?", position)[0]
    forged_id = str(uuid.uuid4())
    forged_state = bytes(state).replace(str(store.documents[1]).encode(), forged_id.encode())
    store.sql("UPDATE {table} SET {position} = -{position} - 1 WHERE {position} >= ?", position)
    store.sql("UPDATE {table} SET {position} = -{position} WHERE {position} < 0")
    store.sql("INSERT INTO {table} ({position}, originator_id, originator_version, topic, state) "
              "VALUES (?, ?, 1, ?, ?)", position, store.originator(forged_id), topic, forged_state)

    status, report = store.verify(capsys)
    assert status == 1
    found = findings(report)
    assert [f for f in found if f[0] != "moved"] == [("inserted", position, forged_id, 1)]
    moved = [f for f in found if f[0] == "moved"]
    assert moved and all(f[1] >= position for f in moved)  # the renumbered events, each named

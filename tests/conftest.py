"""Fixtures shared by every kind of test: real servers on free ports, fresh stores."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.budgeting.application import BudgetingApplication
from services.budgeting.main import create_app as create_budgeting
from services.budgeting.settings import BudgetingSettings
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from services.correspondence.settings import CorrespondenceSettings
from services.monitoring.application import MonitoringApplication
from services.monitoring.main import create_app as create_monitoring
from services.monitoring.settings import MonitoringSettings
from services.planning.application import PlanningApplication
from services.planning.main import create_app as create_planning
from services.planning.settings import PlanningSettings
from services.restructuring.application import RestructuringApplication
from services.restructuring.main import create_app as create_restructuring
from services.restructuring.settings import RestructuringSettings
from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer
from shared.office.testing import STANDARD_STAFF, teach
from shared.testing import EmbeddedPostgres, PostgresParams, ServiceProcess, office_client
from tests.support.audit import audit_messages, witness_for
from tests.support.http import every_item
from tests.support.staff import position_th


def pytest_configure(config: pytest.Config) -> None:
    recording = os.environ.get("ESA_RECORD_STORED_EVENTS")
    if recording:  # `python -m shared.stored_events --update --examples <dir>` reads them
        from shared.stored_events import record_examples

        record_examples(Path(recording))


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A real nats-server with JetStream and the system's streams, for one test."""
    server = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    asyncio.run(bootstrap_streams(server.url))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pgdata"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Settings environment for a service store: the same tests run on SQLite and PostgreSQL."""
    env = {"ESA_VAR_DIR": str(tmp_path / "var")}
    if request.param == "postgres":
        params: PostgresParams = request.getfixturevalue("postgres_server").fresh_database()
        env.update(params.env())
    return env


STAFF = (
    # officer id, Thai name, roles, clearance
    ("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director", "signer"], "top_secret"),
    ("clerk-1", "นางสาวสมศรี ใจดี", ["clerk"], "secret"),
    ("off-1", "นายสมชาย รักงาน", ["officer"], "confidential"),
    ("dir-1", "นายประเสริฐ นำทาง", ["group_director"], "secret"),
)


class Saraban:
    """An HTTP client of a running correspondence service, speaking as the office's staff
    (through the office portal's credentials, so `X-Actor-Id` names the officer)."""

    def __init__(self, service: ServiceProcess) -> None:
        self.http = service.client(timeout=10.0)

    def post(self, path: str, actor: str, body: dict, key: str | None = None,
             changes: str | None = None) -> dict:
        """`changes`: the record the command changes (its GET path), read first for its ETag,
        sent back in `If-Match` as a client does."""
        headers = {"X-Actor-Id": actor}
        if key:
            headers["Idempotency-Key"] = key
        if changes is not None:
            read = self.http.get(changes, headers={"X-Actor-Id": actor})
            assert read.status_code == 200, read.text
            headers["If-Match"] = read.headers["ETag"]
        response = self.http.post(path, headers=headers, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def every(self, path: str, actor: str, **params: object) -> list[dict]:
        """Every item of one of the service's lists, a page at a time as a client reads it."""
        return every_item(self.http, path, actor, **params)

    def step(self, record: str, verb: str, actor: str, body: dict | None = None) -> dict:
        """A step on an existing record (`/documents/{id}`, `/meetings/{id}`, ...)."""
        return self.post(f"{record}/{verb}", actor, body or {}, changes=record)

    def hire_staff(self) -> None:
        for officer_id, name, roles, clearance in STAFF:
            self.post("/officers", "esa-1", {"officer_id": officer_id, "name_th": name,
                                             "position_th": position_th(officer_id),
                                             "roles": roles, "clearance": clearance},
                      key=f"staff-{officer_id}")

    def register(self, subject: str = "ขอให้รายงานข้อมูลนักเรียน", key: str | None = None) -> dict:
        return self.post("/documents/incoming", "clerk-1", {
            "received_at": "2026-11-27T09:30:00+07:00",
            "sender": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "sender_ref_no": "ศธ 04002/ว 12",
            "sender_doc_date": "2026-11-20", "subject": subject,
            "addressee": "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", "urgency": "most_urgent",
            "body_text": "เนื้อหา"}, key=key)

    def whole_path(self, document_id: str) -> dict:
        """Assign, draft, check (returned once), sign, dispatch and file."""
        steps = [
            ("assign", "dir-1", {"officer_id": "off-1", "due_date": "2026-12-10"}),
            ("draft", "off-1", {"text": "ร่างหนังสือตอบ"}),
            ("submit", "off-1", {"checker_id": "dir-1"}),
            ("return", "dir-1", {"comments": "แก้ไขย่อหน้าที่ 2"}),
            ("draft", "off-1", {"text": "ร่างหนังสือตอบ (แก้ไข)"}),
            ("submit", "off-1", {"checker_id": "dir-1"}),
            ("approve", "dir-1", {"signer_id": "esa-1"}),
            ("sign", "esa-1", {}),
            ("dispatch", "clerk-1", {}),
            ("file", "clerk-1", {"location": "ตู้ 2 ชั้น 3", "retention_class": "years_10"}),
        ]
        result: dict = {}
        for path, actor, body in steps:
            result = self.step(f"/documents/{document_id}", path, actor, body)
        return result

    def close(self) -> None:
        self.http.close()


FEW_SERVICES = ("correspondence", "planning", "monitoring")
ALL_SERVICES = ("correspondence", "planning", "budgeting", "restructuring", "monitoring")


class RunningSystem:
    """nats-server plus services as real processes on one store: by default correspondence,
    planning and monitoring; `services=ALL_SERVICES` adds budgeting and restructuring. A real
    witness process cosigns every service's heads (the services trust it), so every flow and
    crash test runs with witnessing on; `audit_alarms()` is what anyone raised."""

    correspondence: ServiceProcess
    planning: ServiceProcess
    budgeting: ServiceProcess
    restructuring: ServiceProcess
    monitoring: ServiceProcess

    def __init__(self, nats_url: str, env: dict[str, str],
                 services: tuple[str, ...] = FEW_SERVICES) -> None:
        self.env = {**env, "ESA_NATS_URL": nats_url, "ESA_RELAY_POLL_SECONDS": "0.2",
                    "ESA_OVERDUE_SWEEP_SECONDS": "0.5"}
        self.processes = {name: ServiceProcess(name, self.env) for name in services}
        for name, process in self.processes.items():
            setattr(self, name, process)
        self.witness = witness_for(nats_url, self.processes)
        self.saraban: Saraban | None = None

    def start(self) -> RunningSystem:
        try:
            for process in self.processes.values():
                process.launch()
            for process in self.processes.values():
                process.wait_healthy(60)  # five processes booting side by side on two cores
            self.witness.start()
        except BaseException:
            self.stop()
            raise
        self.saraban = Saraban(self.correspondence)
        return self

    def audit_alarms(self) -> list[dict]:
        """Every audit alarm: on the stream (a service's own or a witness's), and the witness's."""
        return [*audit_messages(self.witness.nats_url, "*.alarm"), *self.witness.alarms()]

    def stop(self) -> None:
        if self.saraban:
            self.saraban.close()
        self.witness.stop()
        for process in self.processes.values():
            process.stop()


@pytest.fixture
def system(nats_server: NatsServer, store_env: dict[str, str]) -> Iterator[RunningSystem]:
    running = RunningSystem(nats_server.url, store_env).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def whole_system(nats_server: NatsServer, store_env: dict[str, str]) -> Iterator[RunningSystem]:
    """All five services as real processes on a real nats-server."""
    running = RunningSystem(nats_server.url, store_env, ALL_SERVICES).start()
    try:
        yield running
    finally:
        running.stop()


# --- one service in process (component and contract tests): a real store, no NATS --------------
class Clock:
    """A settable clock, so that calendar rules can be tested at chosen instants."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))


@pytest.fixture
def correspondence(tmp_path: Path, clock: Clock) -> Iterator[CorrespondenceApplication]:
    app = CorrespondenceApplication(
        CorrespondenceSettings(var_dir=tmp_path / "var", office_code="ศธ 04123"), clock=clock)
    yield app
    app.close()


@pytest.fixture
def client(correspondence: CorrespondenceApplication) -> TestClient:
    return office_client(create_correspondence(correspondence.settings, correspondence))


@pytest.fixture
def staffed(client: TestClient) -> TestClient:
    """The correspondence API with the office's staff (STAFF, and a second officer) hired."""
    for officer_id, name, roles, clearance in (*STAFF, ("off-2", "นางสาววิไล ขยัน", ["officer"],
                                                        "none")):
        response = client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "position_th": position_th(officer_id),
            "roles": roles, "clearance": clearance})
        assert response.status_code == 201, response.text
    return client


@pytest.fixture
def planning_clock() -> Clock:
    """Planning's tests run in fiscal year 2568 (November 2024, BE 2567)."""
    return Clock(datetime(2024, 11, 20, 3, 0, tzinfo=UTC))


@pytest.fixture
def planning(tmp_path: Path, planning_clock: Clock) -> Iterator[PlanningApplication]:
    app = PlanningApplication(PlanningSettings(var_dir=tmp_path / "var"), clock=planning_clock)
    teach(app, STANDARD_STAFF)
    yield app
    app.close()


# Restructuring's tests run on 3 March 2025 at 09:00 in Bangkok (BE 2568), after both DMC dates of
# academic year 2567 (the sample file's).
RESTRUCTURING_NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def restructuring(tmp_path: Path) -> Iterator[RestructuringApplication]:
    """Restructuring in process on a real (SQLite) store, knowing the standard staff; NATS is never
    started."""
    settings = RestructuringSettings(var_dir=tmp_path / "var", nats_url="nats://127.0.0.1:9")
    app = RestructuringApplication(settings, clock=lambda: RESTRUCTURING_NOW)
    teach(app, STANDARD_STAFF)
    yield app
    app.close()


@pytest.fixture
def restructuring_client(restructuring: RestructuringApplication) -> TestClient:
    return office_client(create_restructuring(restructuring.settings, restructuring))


@pytest.fixture
def budgeting(tmp_path: Path, clock: Clock) -> Iterator[BudgetingApplication]:
    """Budgeting in process on a real (SQLite) store; NATS is never started. It knows the
    office's standard staff, as if correspondence had told it."""
    app = BudgetingApplication(BudgetingSettings(var_dir=tmp_path / "var"), clock=clock)
    teach(app, STANDARD_STAFF)
    yield app
    app.close()


@pytest.fixture
def planning_client(planning: PlanningApplication) -> TestClient:
    return office_client(create_planning(planning.settings, planning))


@pytest.fixture
def budgeting_client(budgeting: BudgetingApplication) -> TestClient:
    return office_client(create_budgeting(budgeting.settings, budgeting))


@pytest.fixture
def monitoring_clock() -> Callable[[], datetime]:
    """Monitoring's tests run on 10 January 2025 (fiscal year 2568, quarter 2); a module that
    needs the real time overrides this fixture."""
    return Clock(datetime(2025, 1, 10, 3, 0, tzinfo=UTC))


@pytest.fixture
def monitoring_api(tmp_path: Path, monitoring_clock: Callable[[], datetime]) -> Iterator[FastAPI]:
    """Monitoring's HTTP app in process on a real (SQLite) store, its lifespan never entered (no
    NATS): the office's staff taught as correspondence's events would, through its consumer's
    handler."""
    settings = MonitoringSettings(var_dir=tmp_path / "var", nats_url="nats://127.0.0.1:9",
                                  feed_poll_seconds=0.2)
    app = MonitoringApplication(settings, clock=monitoring_clock)
    teach(app, STANDARD_STAFF)
    api = create_monitoring(settings, app)
    api.state.board.clock = monitoring_clock
    yield api
    app.close()


@pytest.fixture
def monitoring(monitoring_api: FastAPI) -> MonitoringApplication:
    return monitoring_api.state.runtime.app


@pytest.fixture
def monitoring_client(monitoring_api: FastAPI) -> TestClient:
    return office_client(monitoring_api)

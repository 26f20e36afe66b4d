"""An audited office for attack tests: nats-server, planning as a real process on SQLite or
PostgreSQL with a real witness process beside it, the staff taught over NATS as correspondence
would, and an insider's raw SQL on the store (bypassing the service)."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from shared.audit.heads import Cosignature
from shared.audit.signing import AuditSigner
from shared.audit.witness_main import witness_signer
from shared.messaging import AUDIT_STREAM, connect, read_stream
from shared.nats_server import free_port
from shared.office.testing import STANDARD_STAFF
from shared.process import ManagedProcess
from shared.settings import PROJECT_ROOT, ServiceSettings
from shared.testing import ServiceProcess, auth_env, register_agency
from tests.planning_samples import policy

SERVICE = "planning"
WITNESS = "witness-1"


class WitnessRunner(ManagedProcess):
    """`python -m shared.audit witness` as a real process."""

    def __init__(self, name: str, nats_url: str, services: dict[str, str], var_dir: Path,
                 client: tuple[str, str]) -> None:
        self.name = name
        self.var_dir = var_dir
        self.key_path = var_dir / "witness" / f"{name}.ed25519"
        self.signer = witness_signer(str(self.key_path), self.key_path)
        self.port = free_port()
        secret_file = var_dir / "witness" / f"{name}.secret"
        secret_file.write_text(client[1])
        self.command = [sys.executable, "-m", "shared.audit", "witness", "--name", name,
                        "--nats", nats_url, "--client-id", client[0],
                        "--client-secret-file", str(secret_file), "--key", str(self.key_path),
                        "--state", str(var_dir / "witness" / f"{name}.sqlite3"),
                        "--http-port", str(self.port),
                        *(f"--service={s}={u}" for s, u in services.items())]
        self.log_path = var_dir / f"{name}.log"
        self.nats_url = nats_url

    @property
    def public_key_hex(self) -> str:
        return self.signer.public_key_document()["public_key_hex"]

    def start(self) -> WitnessRunner:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, stdout=log,
                                        stderr=subprocess.STDOUT,
                                        env={**os.environ, "ESA_VAR_DIR": str(self.var_dir)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).is_success:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"witness not up:\n{self.log_path.read_text()[-3000:]}")

    def alarms(self) -> list[dict[str, Any]]:
        return httpx.get(f"http://127.0.0.1:{self.port}/alarms", timeout=5).json()


def witness_for(nats_url: str, services: dict[str, ServiceProcess]) -> WitnessRunner:
    """A witness of these service processes (not started), with its OAuth client registered in
    their registry; each service is told to trust its cosignatures."""
    first = next(iter(services.values()))
    var_dir = Path(first.env["ESA_VAR_DIR"])
    (var_dir / "witness").mkdir(parents=True, exist_ok=True)
    settings = ServiceSettings(service_name=first.name, var_dir=var_dir, **_auth_paths(var_dir))
    client = register_agency(settings, agency="พยานอิสระ (witness)",
                             scopes=[f"{name}:audit" for name in services], client_id=WITNESS,
                             rate_per_minute=100_000, burst=10_000)
    witness = WitnessRunner(WITNESS, nats_url, {n: p.url for n, p in services.items()}, var_dir,
                            client)
    for process in services.values():
        process.env["ESA_AUDIT_WITNESS_KEYS"] = json.dumps([f"{WITNESS}={witness.public_key_hex}"])
    return witness


def teach_staff(nats_url: str) -> None:
    """The staff directory, as correspondence publishes it (planning learns it from the stream)."""
    async def publish() -> None:
        client = await connect(nats_url, name="test-staff")
        js = client.jetstream()
        for member in STANDARD_STAFF:
            envelope = member.envelope()
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": envelope.id})
        await client.drain()
    asyncio.run(publish())


def audit_messages(nats_url: str, subject: str) -> list[dict[str, Any]]:
    """The audit stream's messages under `esa.audit.<subject>` (`planning.alarm`, ...)."""
    async def read() -> list[dict[str, Any]]:
        client = await connect(nats_url, name="test-audit-reader")
        try:
            return [orjson.loads(m.data) for m in await read_stream(client, AUDIT_STREAM)
                    if fnmatch.fnmatch(m.subject, f"esa.audit.{subject}*")]
        finally:
            await client.drain()
    return asyncio.run(read())


def stream_count(nats_url: str, stream: str) -> int:
    async def count() -> int:
        client = await connect(nats_url, name="test-stream-count")
        try:
            return int((await client.jetstream().stream_info(stream)).state.messages)
        finally:
            await client.drain()
    return asyncio.run(count())


@dataclass(frozen=True)
class AuditorFiles:
    export: Path
    public_key: Path
    witness_key: Path
    published: Path


@dataclass
class AuditedOffice:
    nats_url: str
    env: dict[str, str]
    var_dir: Path
    service: ServiceProcess = field(init=False)
    witness: WitnessRunner = field(init=False)
    settings: ServiceSettings = field(init=False)

    def __post_init__(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        (self.var_dir / "witness").mkdir(parents=True, exist_ok=True)
        self.settings = ServiceSettings(service_name=SERVICE, var_dir=self.var_dir,
                                        **_auth_paths(self.var_dir))
        client = register_agency(self.settings, agency="พยานอิสระ (witness)",
                                 scopes=[f"{SERVICE}:audit"], client_id=WITNESS,
                                 rate_per_minute=100_000, burst=10_000)
        self.service = ServiceProcess(SERVICE, self._service_env())
        self.witness = WitnessRunner(WITNESS, self.nats_url, {SERVICE: self.service.url},
                                     self.var_dir, client)
        self.service.env["ESA_AUDIT_WITNESS_KEYS"] = json.dumps(
            [f"{WITNESS}={self.witness.public_key_hex}"])

    def _service_env(self) -> dict[str, str]:
        return {**self.env, "ESA_VAR_DIR": str(self.var_dir), "ESA_NATS_URL": self.nats_url,
                "ESA_AUDIT_CHECK_SECONDS": "0.2", "ESA_AUDIT_RESCAN_SECONDS": "0.3"}

    def start(self) -> AuditedOffice:
        teach_staff(self.nats_url)
        self.service.start()
        self.witness.start()
        return self

    def stop(self) -> None:
        self.witness.stop()
        self.service.stop()

    # --- speaking to the service -----------------------------------------------------------------
    def http(self) -> httpx.Client:
        return self.service.client(timeout=15.0)

    def draft_policies(self, count: int, start: int = 0) -> list[httpx.Response]:
        answers = []
        with self.http() as http:
            self.wait(lambda: http.get("/officers/off-1").status_code == 200, 30,
                      "planning learned the staff")
            for i in range(start, start + count):
                answers.append(http.post("/policies", headers={"X-Actor-Id": "off-1",
                                                               "Idempotency-Key": f"p-{i}"},
                                         json=policy()))
        return answers

    def write_refused(self) -> httpx.Response:
        with self.http() as http:
            return http.post("/policies", headers={"X-Actor-Id": "off-1"}, json=policy())

    def ready(self) -> httpx.Response:
        return httpx.get(f"{self.service.url}/ready", timeout=5)

    def status(self) -> dict[str, Any]:
        with self.http() as http:
            return http.get("/audit/status").json()

    def witnessed_size(self) -> int:
        return max((w["tree_size"] for w in self.status()["witnessed"].values()), default=0)

    def tree_size(self) -> int:
        with self.http() as http:
            return int(http.get("/audit/heads/latest").json()["tree_size"])

    def wait_witnessed(self, timeout: float = 30.0) -> int:
        """Until the witness has cosigned the latest head and the service has seen it."""
        size = self.tree_size()
        self.wait(lambda: self.witnessed_size() >= size, timeout, f"witnessed up to {size}")
        return size

    @staticmethod
    def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):  # not answering (yet): asked again
                value = predicate()
                if value:
                    return value
            time.sleep(0.05)
        raise TimeoutError(f"not in {timeout}s: {what}")

    def detected_within(self, timeout: float = 30.0) -> tuple[float, dict[str, Any]]:
        """Seconds from now until /ready fails with an audit fault; the fault."""
        started = time.monotonic()

        def fault() -> dict[str, Any] | None:
            answer = self.ready()
            return answer.json()["audit"]["fault"] if answer.status_code == 503 else None

        found = self.wait(fault, timeout, "the service found the tampering")
        return time.monotonic() - started, found

    # --- the insider's SQL -----------------------------------------------------------------------
    @property
    def postgres(self) -> bool:
        return self.env.get("ESA_STORE") == "postgres"

    def dsn(self) -> str:
        e = self.env
        return (f"host={e['ESA_POSTGRES_HOST']} port={e['ESA_POSTGRES_PORT']} "
                f"user={e['ESA_POSTGRES_USER']} dbname={e['ESA_POSTGRES_DBNAME']}")

    def sql(self, statement: str, *params: Any) -> list[tuple]:
        """Raw SQL on the store: `{events}`, `{position}`, `{leaves}`, `{nodes}`, `{heads}`,
        `{state}` name the tables; `?` marks parameters."""
        return self.sql_together([(statement, params)])

    def sql_together(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[tuple]:
        """Several statements in one transaction (the rows of the last one)."""
        return insider_sql(SERVICE, self.env, self.var_dir, statements)

    def copy_store(self) -> str:
        """A copy of the whole store as it stands (taken with the service stopped, then started
        again): the backup an insider puts back later."""
        self.service.stop()
        name = f"{self.env.get('ESA_POSTGRES_DBNAME', SERVICE)}_copy"
        if self.postgres:
            self._admin(f"CREATE DATABASE {name} TEMPLATE {self.env['ESA_POSTGRES_DBNAME']}")
        else:
            for suffix in ("", "-wal", "-shm"):
                source = self.var_dir / f"{SERVICE}.sqlite3{suffix}"
                if source.exists():
                    shutil.copy2(source, self.var_dir / f"{name}.sqlite3{suffix}")
        self.service.start()
        return name

    def restore_store(self, name: str) -> None:
        """Put the copy back (the service stopped)."""
        if self.postgres:
            original = self.env["ESA_POSTGRES_DBNAME"]
            self._admin(f"DROP DATABASE {original}")
            self._admin(f"CREATE DATABASE {original} TEMPLATE {name}")
            return
        for suffix in ("", "-wal", "-shm"):
            target = self.var_dir / f"{SERVICE}.sqlite3{suffix}"
            target.unlink(missing_ok=True)
            source = self.var_dir / f"{name}.sqlite3{suffix}"
            if source.exists():
                shutil.copy2(source, target)

    def _admin(self, statement: str) -> None:
        import psycopg

        e = self.env
        with psycopg.connect(f"host={e['ESA_POSTGRES_HOST']} port={e['ESA_POSTGRES_PORT']} "
                             f"user={e['ESA_POSTGRES_USER']} dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(statement)

    def publish_head(self, head: dict[str, Any], *, message_id: str) -> None:
        async def publish() -> None:
            client = await connect(self.nats_url, name="test-insider")
            await client.jetstream().publish(f"esa.audit.{SERVICE}.head", orjson.dumps(head),
                                             headers={"Nats-Msg-Id": message_id})
            await client.drain()
        asyncio.run(publish())

    def auditor_files(self, directory: Path, export_name: str = "planning.jsonl",
                      **export_params: Any) -> AuditorFiles:
        """What an auditor gathers before `verify`: the service's export (`export_params`: e.g.
        `from_size`) and public key, the witness's public key, everything the stream published
        (`python -m shared.audit fetch`)."""
        from shared.audit.__main__ import main as audit_cli

        files = AuditorFiles(directory / export_name, directory / "planning.pub",
                             directory / "witness-1.pub", directory / "published.jsonl")
        with self.http() as http:
            files.export.write_bytes(http.get("/audit/export", params=export_params).content)
            files.public_key.write_text(http.get("/audit/public-key").json()["public_key_pem"])
        files.witness_key.write_text(httpx.get(
            f"http://127.0.0.1:{self.witness.port}/public-key").json()["public_key_pem"])
        assert audit_cli(["fetch", "--nats", self.nats_url, "--service", SERVICE,
                          "--out", str(files.published)]) == 0
        return files

    def audit_key(self) -> AuditSigner:
        """The service's audit key, as the insider finds it beside the store."""
        return AuditSigner.from_settings(self.settings)


def insider_sql(service: str, env: dict[str, str], var_dir: Path,
                statements: list[tuple[str, tuple[Any, ...]]]) -> list[tuple]:
    """Raw SQL on a service's store, bypassing the service, several statements in one
    transaction (the rows of the last one): `{events}`, `{position}`, `{leaves}`, `{nodes}`,
    `{heads}`, `{state}` name the tables; `?` marks parameters."""
    postgres = env.get("ESA_STORE") == "postgres"
    names = ({"events": f"{service}_events", "position": "notification_id",
              **{t: f"{service}_audit_{t}" for t in ("leaves", "nodes", "heads", "state")}}
             if postgres else
             {"events": "stored_events", "position": "rowid",
              **{t: f"audit_{t}" for t in ("leaves", "nodes", "heads", "state")}})
    rows: list[tuple] = []
    if postgres:
        import psycopg

        with psycopg.connect(f"host={env['ESA_POSTGRES_HOST']} port={env['ESA_POSTGRES_PORT']} "
                             f"user={env['ESA_POSTGRES_USER']} "
                             f"dbname={env['ESA_POSTGRES_DBNAME']}") as connection:
            for statement, params in statements:
                cursor = connection.execute(statement.format(**names).replace("?", "%s"), params)
                rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return rows
    connection = sqlite3.connect(var_dir / f"{service}.sqlite3", timeout=10)
    try:
        for statement, params in statements:
            rows = connection.execute(statement.format(**names), params).fetchall()
        connection.commit()
        return rows
    finally:
        connection.close()


def _auth_paths(var_dir: Path) -> dict[str, Path]:
    env = auth_env(var_dir)
    return {"auth_signing_key_file": Path(env["ESA_AUTH_SIGNING_KEY_FILE"]),
            "auth_public_key_file": Path(env["ESA_AUTH_PUBLIC_KEY_FILE"]),
            "auth_clients_file": Path(env["ESA_AUTH_CLIENTS_FILE"])}


def cosignature_of(message: dict[str, Any]) -> Cosignature:
    return Cosignature.from_dict(message)

"""Fixtures shared by every kind of test: real servers on free ports, fresh stores."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer
from shared.testing import EmbeddedPostgres, PostgresParams


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

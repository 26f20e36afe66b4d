"""The portal's two tables beside its event store, in the same database: credentials (password
hashes, encrypted TOTP seeds) and sessions. Kept out of the event store on purpose: what is in an
event is in every audit export, and a secret must never be.

SQLite (`make run`) or PostgreSQL (docker-compose), chosen by the same settings as the event
store. Statements are written once with `?` placeholders; PostgreSQL gets `%s`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from shared.settings import ServiceSettings

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS portal_credentials (
        account_id TEXT PRIMARY KEY,
        password_hash TEXT,
        password_serial INTEGER NOT NULL DEFAULT 0,
        totp_seed TEXT,
        totp_serial INTEGER NOT NULL DEFAULT 0,
        totp_pending_seed TEXT,
        totp_last_step BIGINT NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS portal_sessions (
        session_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        officer_id TEXT NOT NULL,
        name_th TEXT NOT NULL,
        roles TEXT NOT NULL,
        stage TEXT NOT NULL,
        method TEXT NOT NULL,
        second_factor_done INTEGER NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL,
        last_seen_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS portal_sessions_account ON portal_sessions (account_id)",
)


class PortalTables:
    """Short transactions on the portal's own tables; thread-safe (called from worker threads)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._pool: Any = None
        if settings.store == "postgres":
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(
                kwargs={"host": settings.postgres_host, "port": settings.postgres_port,
                        "user": settings.postgres_user,
                        "password": settings.postgres_password.get_secret_value(),
                        "dbname": settings.postgres_dbname},
                min_size=1, max_size=8, open=True)
        with self.transaction() as run:
            for statement in SCHEMA:
                run(statement)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Yields `run(sql, params) -> cursor`; commits at the end, rolls back on an error."""
        if self._pool is not None:
            with self._pool.connection() as connection, connection.cursor() as cursor:
                def run_pg(sql: str, params: Sequence[Any] = ()) -> Any:
                    cursor.execute(sql.replace("?", "%s"), tuple(params))
                    return cursor
                yield run_pg  # the pool's context commits, or rolls back on an exception
            return
        # A connection per transaction: opening SQLite is cheap, and none outlives its thread.
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.settings.sqlite_path, timeout=10, isolation_level=None)
        cursor = connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")

            def run_sqlite(sql: str, params: Sequence[Any] = ()) -> Any:
                cursor.execute(sql, tuple(params))
                return cursor

            yield run_sqlite
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()
            connection.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

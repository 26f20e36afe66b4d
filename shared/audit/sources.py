"""Where an auditor reads a service's stored events from: the database itself (SQLite file or
PostgreSQL), an export file (`GET /audit/export`), or a running service's export.

The tables are eventsourcing 9.5's: SQLite keeps a service's events in `stored_events` (its rowid
is the notification id, the originator id 32 hex digits), PostgreSQL in `<service>_events` with
a `notification_id` column and a uuid originator id. Databases are read with a read-only session.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from shared.audit.checkpoints import Checkpoint
from shared.audit.records import StoredRecord

SQLITE_TABLE = "stored_events"


class SourceError(Exception):
    """The events cannot be read from where the auditor pointed."""


@dataclass
class Evidence:
    records: list[StoredRecord]
    service: str | None = None
    # Public keys the source itself offers (export header, the service's endpoint): usable, but
    # an auditor who pins the key (`--public-key`) does not depend on the service's word.
    offered_keys: list[str] = field(default_factory=list)


def read_sqlite(path: Path) -> Evidence:
    if not path.exists():
        raise SourceError(f"no SQLite file at {path}")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {SQLITE_TABLE} "
            "ORDER BY rowid").fetchall()
    except sqlite3.Error as error:
        raise SourceError(f"cannot read {path}: {error}") from error
    finally:
        connection.close()
    return Evidence([StoredRecord.of(*row) for row in rows], service=path.stem)


def read_postgres(dsn: str, service: str) -> Evidence:
    import psycopg
    from psycopg import sql

    table = sql.Identifier(f"{service.lower()}_events")
    try:
        with psycopg.connect(dsn) as connection:
            connection.read_only = True
            rows = connection.execute(sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} ORDER BY notification_id").format(table)).fetchall()
    except psycopg.Error as error:
        raise SourceError(f"cannot read {service}_events: {error}") from error
    return Evidence([StoredRecord.of(*row) for row in rows], service=service)


def parse_export(lines: Iterator[bytes | str]) -> Evidence:
    evidence = Evidence([])
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item: dict[str, Any] = orjson.loads(line)
            kind = item.get("kind")
            if kind == "header":
                evidence.service = item.get("service")
                key = (item.get("public_key") or {}).get("public_key_pem")
                if key:
                    evidence.offered_keys.append(key)
            elif kind == "event":
                evidence.records.append(StoredRecord.of(
                    item["position"], item["originator_id"], item["originator_version"],
                    item["topic"], base64.b64decode(item["state"], validate=True)))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise SourceError(f"export line {number} cannot be read: {error}") from error
    return evidence


def read_export(path: Path) -> Evidence:
    try:
        with path.open("rb") as file:
            return parse_export(iter(file))
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error}") from error


def read_url(url: str, timeout: float = 60.0, token: str | None = None) -> Evidence:
    """The export of a running service; `/audit/*` needs an access token with `<service>:audit`."""
    import httpx

    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.stream("GET", f"{base}/audit/export", timeout=timeout,
                          headers=headers) as response:
            response.raise_for_status()
            return parse_export(response.iter_lines())
    except httpx.HTTPError as error:
        raise SourceError(f"cannot read {base}/audit/export: {error}") from error


def read_checkpoint_file(path: Path) -> list[Checkpoint]:
    """Checkpoints an auditor kept (a saved `/audit/checkpoints/latest` or `/audit/checkpoints`)."""
    try:
        data = orjson.loads(path.read_bytes())
        items = data if isinstance(data, list) else [data]
        return [Checkpoint.from_summary(item) for item in items]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SourceError(f"cannot read checkpoints from {path}: {error}") from error

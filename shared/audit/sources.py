"""Where an auditor reads a service's stored events, and its recorded tree, from: the database
itself (SQLite file or PostgreSQL), an export file (`GET /audit/export`), or a running service's
export; and where the heads and cosignatures others kept come from (a file of JSON lines, as
`esa-audit fetch` saves them from the `audit` stream, or as a witness exports them).

The events tables are eventsourcing 9.5's: SQLite keeps a service's events in `stored_events` (its
rowid is the notification id, the originator id 32 hex digits), PostgreSQL in `<service>_events`
with a `notification_id` column and a uuid originator id; the tree's tables are
`shared.audit.tree`'s. Databases are read with a read-only session.
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
from shared.audit.heads import Cosignature, Endorsement, SignedHead
from shared.audit.merkle import Frontier
from shared.audit.records import StoredRecord
from shared.audit.verify import RecordedLeaf

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
    leaves: list[RecordedLeaf] | None = None  # None: a store from before the persisted tree
    heads: list[SignedHead] = field(default_factory=list)
    frontier: Frontier | None = None
    cosignatures: list[Cosignature] = field(default_factory=list)


def _head_of(service: str, row: Any) -> SignedHead:
    tree_size, root_hash, signed_at, key_id, signature, endorsement = row
    return SignedHead(service, int(tree_size), str(root_hash), str(signed_at), str(key_id),
                      str(signature),
                      Endorsement.from_dict(orjson.loads(endorsement)) if endorsement else None)


def read_sqlite(path: Path) -> Evidence:
    if not path.exists():
        raise SourceError(f"no SQLite file at {path}")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    service = path.stem
    try:
        rows = connection.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {SQLITE_TABLE} "
            "ORDER BY rowid").fetchall()
        evidence = Evidence([StoredRecord.of(*row) for row in rows], service=service)
        tables = {r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "audit_leaves" in tables:
            evidence.leaves = [RecordedLeaf(int(i), int(p), bytes(h), a, v) for i, p, h, a, v in
                               connection.execute(
                                   "SELECT leaf_index, position, leaf_hash, originator_id, "
                                   "originator_version FROM audit_leaves ORDER BY leaf_index")]
            evidence.heads = [_head_of(service, row) for row in connection.execute(
                "SELECT tree_size, root_hash, signed_at, key_id, signature, endorsement FROM "
                "audit_heads ORDER BY tree_size")]
    except sqlite3.Error as error:
        raise SourceError(f"cannot read {path}: {error}") from error
    finally:
        connection.close()
    return evidence


def read_postgres(dsn: str, service: str) -> Evidence:
    import psycopg
    from psycopg import sql

    name = service.lower()
    table = sql.Identifier(f"{name}_events")
    try:
        with psycopg.connect(dsn) as connection:
            connection.read_only = True
            rows = connection.execute(sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} ORDER BY notification_id").format(table)).fetchall()
            evidence = Evidence([StoredRecord.of(*row) for row in rows], service=service)
            exists = connection.execute("SELECT to_regclass(%s)",
                                        (f"{name}_audit_leaves",)).fetchone()
            if exists and exists[0] is not None:
                evidence.leaves = [RecordedLeaf(int(i), int(p), bytes(h), a, v)
                                   for i, p, h, a, v in connection.execute(sql.SQL(
                                       "SELECT leaf_index, position, leaf_hash, originator_id, "
                                       "originator_version FROM {} ORDER BY leaf_index").format(
                                           sql.Identifier(f"{name}_audit_leaves")))]
                evidence.heads = [_head_of(service, row) for row in connection.execute(sql.SQL(
                    "SELECT tree_size, root_hash, signed_at, key_id, signature, endorsement "
                    "FROM {} ORDER BY tree_size").format(sql.Identifier(f"{name}_audit_heads")))]
    except psycopg.Error as error:
        raise SourceError(f"cannot read {service}_events: {error}") from error
    return evidence


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
                if "from_size" in item:  # a v2 export: the recorded tree comes with the events
                    evidence.leaves = []
            elif kind == "frontier":
                evidence.frontier = Frontier(int(item["tree_size"]),
                                             [bytes.fromhex(h) for h in item["hashes"]])
            elif kind in ("event", "leaf"):
                if kind == "event":
                    evidence.records.append(StoredRecord.of(
                        item["position"], item["originator_id"], item["originator_version"],
                        item["topic"], base64.b64decode(item["state"], validate=True)))
                if item.get("leaf_index") is not None and evidence.leaves is not None:
                    evidence.leaves.append(RecordedLeaf(
                        int(item["leaf_index"]), int(item["position"]),
                        bytes.fromhex(item["recorded_leaf_hash"]),
                        item.get("leaf_originator_id"), item.get("leaf_originator_version")))
            elif kind == "head":
                evidence.heads.append(SignedHead.from_summary(item))
            elif kind == "cosignature":
                evidence.cosignatures.append(Cosignature.from_dict(item))
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


def read_published(path: Path) -> Evidence:
    """Heads and cosignatures kept outside the service: JSON lines of `{"kind": "head", ...}` and
    `{"kind": "cosignature", ...}` (`esa-audit fetch`, a witness's export), or a JSON list."""
    try:
        data = path.read_bytes()
        if data.lstrip().startswith(b"["):
            items = orjson.loads(data)
            return parse_export(orjson.dumps(item) for item in items)
        return parse_export(iter(data.splitlines()))
    except (OSError, orjson.JSONDecodeError) as error:
        raise SourceError(f"cannot read {path}: {error}") from error


def read_checkpoint_file(path: Path) -> list[Checkpoint]:
    """Checkpoints an auditor kept (a saved `/audit/checkpoints/latest` or `/audit/checkpoints`)."""
    try:
        data = orjson.loads(path.read_bytes())
        items = data if isinstance(data, list) else [data]
        return [Checkpoint.from_summary(item) for item in items]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SourceError(f"cannot read checkpoints from {path}: {error}") from error

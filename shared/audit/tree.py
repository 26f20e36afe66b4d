"""The persisted audit tree of one service: extended and signed inside every transaction that
records events, so no committed event is ever outside a signed head.

Tables in the service's own database (SQLite: `audit_*`; PostgreSQL: `<service>_audit_*`, beside
`<service>_events`, so services sharing a database keep their own):

    audit_leaves (leaf_index, position, leaf_hash)     one per stored event, in log order
    audit_nodes  (level, node_index, hash)              every complete, aligned subtree of 2+ leaves
    audit_heads  (tree_size, root_hash, signed_at, key_id, signature, endorsement)
                                                        one signed head per committed transaction
    audit_state  (one row: tree_size, last_position, frontier, root_hash, key_id)

`AuditLog.in_transaction` is a `shared.persistence.TransactionHook`: with the new events' positions
known and the events table locked for writing, it checks that nothing but these events was added
after the last leaf, appends their leaf hashes (`shared.audit.records`), stores the subtrees they
complete, signs the new head (`shared.audit.heads`) and writes it, all before the commit. It never
signs while the service's guard holds a fault, nor over a state that does not match the last
signed head: it raises, and the transaction (events included) rolls back.

Roots and RFC 6962 proofs over any tree size come from the stored subtrees (O(log² n) lookups,
`shared.audit.merkle`). A store that had events before the tree existed is built from its log once,
at start; its old `AuditCheckpoint` events stay in the log and must match the rebuilt tree.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresProcessRecorder

from shared.audit.checkpoints import CHECKPOINT_TOPIC, StoredCheckpoint
from shared.audit.guard import AuditGuard, AuditIntegrityFault, receipt_var
from shared.audit.heads import (
    Endorsement,
    SignedHead,
    encode_signature,
    head_message,
    rotation_message,
)
from shared.audit.losses import LOSS_TOPIC, LossStatement
from shared.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    subtree_root,
)
from shared.audit.records import LEAF_FORMAT, StoredRecord
from shared.audit.signing import AuditSigner
from shared.audit.verify import RecordedLeaf
from shared.domain import DomainError, NotFound
from shared.logging import get_logger

EXPORT_FORMAT = "esa-audit-export/v2"
BATCH = 2000

log = get_logger(__name__)


class NoHeadYet(NotFound):
    def __init__(self) -> None:
        super().__init__("no-audit-head", "ยังไม่มีการลงนามรับรองบันทึกเหตุการณ์",
                         "No signed tree head yet (nothing recorded)")


class PositionNotInLog(NotFound):
    def __init__(self, position: int) -> None:
        super().__init__("position-not-in-log", "ไม่พบเหตุการณ์ที่ตำแหน่งนี้ในบันทึก",
                         "No stored event at that position", f"position {position}")


class AggregateNotInLog(NotFound):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__("aggregate-not-in-log", "ไม่พบประวัติของรายการนี้",
                         "No stored event of that aggregate", aggregate_id)


class TreeSizeOutOfRange(DomainError):
    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__("tree-size-out-of-range", "ขนาดต้นไม้ไม่อยู่ในช่วงที่มีบันทึก",
                         "Tree size outside the log", detail)


class Tables:
    """The SQL of one dialect: the events table as the library keeps it, and the audit tables."""

    def __init__(self, recorder: Any, service: str) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore
        if isinstance(recorder, PostgresProcessRecorder):
            self.dialect = "postgres"
            schema = self.datastore.schema
            self.events = f"{schema}.{recorder.events_table_name}"
            self.position = "notification_id"
            prefix = f"{schema}.{service}_audit_"
            self.blob = "BYTEA"
        else:
            self.dialect = "sqlite"
            self.events = recorder.events_table_name
            self.position = "rowid"
            prefix = "audit_"
            self.blob = "BLOB"
        self.leaves, self.nodes = f"{prefix}leaves", f"{prefix}nodes"
        self.heads, self.state = f"{prefix}heads", f"{prefix}state"
        self.losses = f"{prefix}losses"
        self.index_prefix = prefix.rsplit(".", 1)[-1]

    def sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self.dialect == "sqlite" else statement

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.leaves} (leaf_index BIGINT PRIMARY KEY, "
            f"position BIGINT NOT NULL, leaf_hash {self.blob} NOT NULL, originator_id TEXT, "
            "originator_version BIGINT)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index_prefix}leaves_position "
            f"ON {self.leaves} (position)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes} (level INTEGER NOT NULL, "
            f"node_index BIGINT NOT NULL, hash {self.blob} NOT NULL, "
            "PRIMARY KEY (level, node_index))",
            f"CREATE TABLE IF NOT EXISTS {self.heads} (tree_size BIGINT PRIMARY KEY, "
            "root_hash TEXT NOT NULL, signed_at TEXT NOT NULL, key_id TEXT NOT NULL, "
            "signature TEXT NOT NULL, endorsement TEXT)",
            # Accepted losses (shared.audit.losses), by the tree size the statement ends: the
            # statement's event is in the log too; this is its index.
            f"CREATE TABLE IF NOT EXISTS {self.losses} (tree_size BIGINT PRIMARY KEY, "
            "statement TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.state} (id INTEGER PRIMARY KEY, "
            f"tree_size BIGINT NOT NULL, last_position BIGINT NOT NULL, frontier {self.blob} "
            "NOT NULL, root_hash TEXT NOT NULL, key_id TEXT NOT NULL)",
        ]

    def rows_sql(self, where: str, *, limit: bool = True) -> str:
        statement = (f"SELECT {self.position} AS position, originator_id, originator_version, "
                     f"topic, state FROM {self.events} WHERE {where} ORDER BY {self.position}")
        return self.sql(statement + (" LIMIT %s" if limit else ""))

    def originator_param(self, aggregate_id: str) -> Any:
        from uuid import UUID

        return UUID(aggregate_id) if self.dialect == "postgres" else UUID(aggregate_id).hex


class SqlNodes:
    """A `NodeSource` over the stored tree, read with one cursor; remembers what it read."""

    def __init__(self, tables: Tables, cursor: Any) -> None:
        self.tables, self.cursor = tables, cursor
        self._seen: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self._seen.get(key)
        if found is None:
            t = self.tables
            if level == 0:
                self.cursor.execute(t.sql(f"SELECT leaf_hash AS h FROM {t.leaves} "
                                          "WHERE leaf_index = %s"), (index,))
            else:
                self.cursor.execute(t.sql(f"SELECT hash AS h FROM {t.nodes} WHERE level = %s "
                                          "AND node_index = %s"), (level, index))
            row = self.cursor.fetchone()
            if row is None:
                raise TreeNodeMissing(level, index)
            found = self._seen[key] = bytes(row["h"])
        return found


class TreeNodeMissing(LookupError):
    def __init__(self, level: int, index: int) -> None:
        super().__init__(f"the stored tree has no node at level {level}, index {index}")
        self.level, self.index = level, index


class AuditLog:
    """The persisted tree of one service's log, its transaction hook and its queries."""

    def __init__(self, recorder: Any, service: str, signer: AuditSigner, guard: AuditGuard, *,
                 previous_signer: AuditSigner | None = None) -> None:
        self.tables = Tables(recorder, service)
        self.service = service
        self.signer = signer
        self.previous_signer = previous_signer
        self.guard = guard
        # (tree size, root) of the state last seen to match its signed head: the hook checks the
        # state against the head only when another writer (or someone else) moved it.
        self._trusted: tuple[int, str] | None = None
        # Called after a head is signed (inside the transaction): wakes the head publisher.
        self.on_head: list[Callable[[SignedHead], None]] = []

    @property
    def datastore(self) -> Any:
        return self.tables.datastore

    def known_keys(self) -> dict[str, Any]:
        keys = {self.signer.key_id: self.signer.public_key}
        if self.previous_signer is not None:
            keys[self.previous_signer.key_id] = self.previous_signer.public_key
        return keys

    # --- set up ---------------------------------------------------------------------------------
    def setup(self) -> None:
        """Create the tables; build the tree from the log once if the store had events before."""
        with self.datastore.transaction(commit=True) as cursor:
            for statement in self.tables.create_statements():
                cursor.execute(statement)
        with self.datastore.transaction(commit=True) as cursor:
            if self._lock_and_read_state(cursor) is None:
                self._build_from_log(cursor)
        self._check_key_continuity()

    def _lock_and_read_state(self, cursor: Any) -> dict[str, Any] | None:
        t = self.tables
        if t.dialect == "postgres":  # as the library's insert does: no event is added meanwhile
            cursor.execute(f"LOCK TABLE {t.events} IN EXCLUSIVE MODE")
        return self._read_state(cursor)

    def _read_state(self, cursor: Any) -> dict[str, Any] | None:
        t = self.tables
        cursor.execute(f"SELECT tree_size, last_position, frontier, root_hash, key_id "
                       f"FROM {t.state} WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            return None
        return {k: row[k] for k in ("tree_size", "last_position", "frontier", "root_hash",
                                    "key_id")}

    def _build_from_log(self, cursor: Any) -> None:
        """The tree over every event stored before the tree existed, and one head over it; the
        old checkpoints among them must match it."""
        t = self.tables
        tree, records, checkpoints = MerkleTree(), [], []
        after = 0
        while True:
            cursor.execute(t.rows_sql(f"{t.position} > %s"), (after, BATCH))
            rows = cursor.fetchall()
            for row in rows:
                record = StoredRecord.of(row["position"], row["originator_id"],
                                         row["originator_version"], row["topic"], row["state"])
                tree.append(record.leaf_hash())
                records.append((record.position, record.originator_id,
                                record.originator_version))
                if record.topic == CHECKPOINT_TOPIC:
                    checkpoints.append(record)
            if len(rows) < BATCH:
                break
            after = rows[-1]["position"]
        for record in checkpoints:
            try:
                stored = StoredCheckpoint.from_state(record.decoded() or {}, record.position)
            except (KeyError, TypeError, ValueError):
                stored = None
            checkpoint = stored.checkpoint if stored else None
            if (checkpoint is None or checkpoint.tree_size > len(tree)
                    or tree.root(checkpoint.tree_size).hex() != checkpoint.root_hash):
                self.guard.raise_fault(
                    "checkpoint-mismatch", f"the stored events do not match the checkpoint "
                    f"stored at position {record.position}: no tree is built over them; "
                    "esa-audit verify names the events", "start")
                raise AuditIntegrityFault("the log does not match its own checkpoints")
        size = len(tree)
        cursor.executemany(t.sql(f"INSERT INTO {t.leaves} (leaf_index, position, leaf_hash, "
                                 "originator_id, originator_version) VALUES (%s, %s, %s, %s, %s)"),
                           [(i, p, tree.node(0, i), a, v) for i, (p, a, v) in enumerate(records)])
        nodes = [(level, index, tree.node(level, index))
                 for level in range(1, size.bit_length())
                 for index in range(size >> level)]
        if nodes:
            cursor.executemany(t.sql(f"INSERT INTO {t.nodes} (level, node_index, hash) "
                                     "VALUES (%s, %s, %s)"), nodes)
        frontier = Frontier.of(tree, size)
        head = self._sign(size, frontier.root().hex(), None) if size else None
        if head is not None:
            self._insert_head(cursor, head)
        cursor.execute(t.sql(f"INSERT INTO {t.state} (id, tree_size, last_position, frontier, "
                             "root_hash, key_id) VALUES (1, %s, %s, %s, %s, %s)"),
                       (size, records[-1][0] if records else 0, frontier.encode(),
                        frontier.root().hex(), self.signer.key_id if size else ""))
        if size:
            log.info("audit tree built from the log", events=size, old_checkpoints=len(checkpoints))

    def _check_key_continuity(self) -> None:
        """A new audit key must be endorsed by the old one (ESA_AUDIT_PREVIOUS_SIGNING_KEY)."""
        with self.datastore.transaction(commit=False) as cursor:
            state = self._read_state(cursor)
        if state is None or not state["key_id"] or state["key_id"] == self.signer.key_id:
            return
        if self.previous_signer is None or self.previous_signer.key_id != state["key_id"]:
            self.guard.raise_fault(
                "audit-key-changed", f"the last head was signed by key {state['key_id']}, this "
                f"service holds key {self.signer.key_id}: set ESA_AUDIT_PREVIOUS_SIGNING_KEY to "
                "the old key so that it endorses the new one", "start")

    # --- the transaction hook -------------------------------------------------------------------
    def in_transaction(self, dialect: str, cursor: Any, stored_events: Sequence[StoredEvent],
                       positions: Sequence[int]) -> None:
        if not stored_events:
            return
        self.guard.check_writable()
        t = self.tables
        state = self._read_state(cursor)
        if state is None:
            raise AuditIntegrityFault("the audit tree is not set up")
        size, last = int(state["tree_size"]), int(state["last_position"])
        frontier = Frontier.decode(size, bytes(state["frontier"]))
        if self._trusted != (size, state["root_hash"]):
            self._check_state_against_head(cursor, state, frontier)
        positions = list(positions)
        if len(positions) != len(stored_events):
            raise AuditIntegrityFault("the store did not say where the new events are")
        # The rows after the tree's last leaf: this transaction's, and any added outside it. Read
        # along the log's key, never more than one beyond this transaction's: a plain COUNT is
        # planned from the table's statistics, and on PostgreSQL, before the first ANALYZE of a
        # bulk-loaded store (a history made or restored), it scanned the whole log in parallel at
        # every commit (0.9 s with two workers at ten years).
        cursor.execute(t.sql(f"SELECT {t.position} AS position FROM {t.events} "
                             f"WHERE {t.position} > %s ORDER BY {t.position} LIMIT %s"),
                       (last, len(positions) + 1))
        added = len(cursor.fetchall())
        if min(positions) <= last or added != len(positions):
            reason, detail = ("position-reused", f"new events were given positions up to {last}, "
                              "which the tree already covers (the newest events were deleted)") \
                if min(positions) <= last else \
                ("inserted", f"rows were added to the log after position {last} outside the "
                 "service")
            self.guard.raise_fault(reason, detail, "hook", {"last_position": last,
                                                           "new_positions": positions})
            raise AuditIntegrityFault(detail)
        leaves, nodes, losses = [], [], []
        for offset, (stored, position) in enumerate(zip(stored_events, positions, strict=True)):
            record = StoredRecord.of(position, stored.originator_id, stored.originator_version,
                                     stored.topic, stored.state)
            leaf = record.leaf_hash()
            leaves.append((size + offset, position, leaf, record.originator_id,
                           record.originator_version))
            nodes.extend(frontier.append(leaf))
            if stored.topic == LOSS_TOPIC:
                losses.append(self._loss_row(record, size + offset + 1))
        cursor.executemany(t.sql(f"INSERT INTO {t.leaves} (leaf_index, position, leaf_hash, "
                                 "originator_id, originator_version) VALUES (%s, %s, %s, %s, %s)"),
                           leaves)
        if nodes:
            cursor.executemany(t.sql(f"INSERT INTO {t.nodes} (level, node_index, hash) "
                                     "VALUES (%s, %s, %s)"), nodes)
        if losses:
            cursor.executemany(t.sql(f"INSERT INTO {t.losses} (tree_size, statement) "
                                     "VALUES (%s, %s)"), losses)
        root = frontier.root().hex()
        head = self._sign(frontier.size, root, state["key_id"] or None)
        self._insert_head(cursor, head)
        cursor.execute(t.sql(f"UPDATE {t.state} SET tree_size = %s, last_position = %s, "
                             "frontier = %s, root_hash = %s, key_id = %s WHERE id = 1"),
                       (frontier.size, positions[-1], frontier.encode(), root, head.key_id))
        self._trusted = (frontier.size, root)
        receipt = receipt_var.get()
        if receipt is not None:
            receipt.add(positions, head)
        for listener in self.on_head:
            listener(head)

    @staticmethod
    def _loss_row(record: StoredRecord, tree_size: int) -> tuple[int, str]:
        """An accepted loss being recorded: it must name the place its leaf takes."""
        statement = (record.decoded() or {}).get("statement") or {}
        if int(statement.get("tree_size") or 0) != tree_size:
            raise AuditIntegrityFault(f"the loss statement names tree size "
                                      f"{statement.get('tree_size')}; its leaf makes {tree_size}")
        return tree_size, orjson.dumps(statement).decode()

    def losses(self, cursor: Any = None) -> list[LossStatement]:
        """The accepted losses whose statements verify with the service's keys, oldest first."""
        if cursor is None:
            with self.datastore.transaction(commit=False) as own:
                return self.losses(own)
        cursor.execute(f"SELECT statement FROM {self.tables.losses} ORDER BY tree_size")
        keys = self.known_keys()
        statements = [LossStatement.from_dict(orjson.loads(row["statement"]))
                      for row in cursor.fetchall()]
        return [s for s in statements if s.service == self.service and s.verifies_with(keys)]

    def _check_state_against_head(self, cursor: Any, state: dict[str, Any],
                                  frontier: Frontier) -> None:
        size, root = int(state["tree_size"]), str(state["root_hash"])
        if size == 0:
            self._trusted = (0, root)
            return
        head = self._head_at(cursor, size)
        problem = None
        if head is None:
            problem = f"no signed head for the tree's size {size}"
        elif frontier.root().hex() != root or head.root_hash != root:
            problem = f"the tree's state at size {size} does not produce its signed root"
        else:
            key = self.known_keys().get(head.key_id)
            if key is None or not head.verifies(key):
                problem = f"the head at size {size} is not signed by this service's key"
        if problem is not None:
            self.guard.raise_fault("tree-state", problem, "hook")
            raise AuditIntegrityFault(problem)
        self._trusted = (size, root)

    def _sign(self, size: int, root: str, previous_key_id: str | None) -> SignedHead:
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        signer = self.signer
        signature = encode_signature(signer.sign(head_message(self.service, size, root, at,
                                                              signer.key_id)))
        endorsement = None
        if previous_key_id and previous_key_id != signer.key_id:
            old = self.previous_signer
            if old is None or old.key_id != previous_key_id:
                detail = (f"the last head was signed by key {previous_key_id}; no endorsement "
                          f"of key {signer.key_id} by it")
                self.guard.raise_fault("audit-key-changed", detail, "hook")
                raise AuditIntegrityFault(detail)
            new_public = signer.public_key_document()["public_key_hex"]
            endorsement = Endorsement(old.key_id, new_public, encode_signature(old.sign(
                rotation_message(self.service, size, root, signer.key_id, new_public))))
        return SignedHead(self.service, size, root, at, signer.key_id, signature, endorsement)

    def _insert_head(self, cursor: Any, head: SignedHead) -> None:
        t = self.tables
        cursor.execute(t.sql(f"INSERT INTO {t.heads} (tree_size, root_hash, signed_at, key_id, "
                             "signature, endorsement) VALUES (%s, %s, %s, %s, %s, %s)"),
                       (head.tree_size, head.root_hash, head.signed_at, head.key_id,
                        head.signature, orjson.dumps(head.endorsement.as_dict()).decode()
                        if head.endorsement else None))

    # --- reading --------------------------------------------------------------------------------
    def _head_from_row(self, row: Any) -> SignedHead:
        endorsement = row["endorsement"]
        return SignedHead(self.service, int(row["tree_size"]), str(row["root_hash"]),
                          str(row["signed_at"]), str(row["key_id"]), str(row["signature"]),
                          Endorsement.from_dict(orjson.loads(endorsement)) if endorsement
                          else None)

    def _head_at(self, cursor: Any, size: int) -> SignedHead | None:
        t = self.tables
        cursor.execute(t.sql(f"SELECT * FROM {t.heads} WHERE tree_size = %s"), (size,))
        row = cursor.fetchone()
        return self._head_from_row(row) if row is not None else None

    def state(self) -> dict[str, Any]:
        with self.datastore.transaction(commit=False) as cursor:
            state = self._read_state(cursor)
        return state or {"tree_size": 0, "last_position": 0, "frontier": b"",
                         "root_hash": EMPTY_ROOT.hex(), "key_id": ""}

    @property
    def size(self) -> int:
        return int(self.state()["tree_size"])

    def latest_head(self) -> SignedHead:
        with self.datastore.transaction(commit=False) as cursor:
            state = self._read_state(cursor)
            head = self._head_at(cursor, int(state["tree_size"])) if state else None
        if head is None:
            raise NoHeadYet()
        return head

    def head(self, size: int) -> SignedHead | None:
        with self.datastore.transaction(commit=False) as cursor:
            return self._head_at(cursor, size)

    def heads(self, after: int = 0, limit: int = 1000, *, until: int | None = None,
              descending: bool = False) -> list[SignedHead]:
        t = self.tables
        where, params = "tree_size > %s", [after]
        if until is not None:
            where += " AND tree_size <= %s"
            params.append(until)
        order = "DESC" if descending else "ASC"
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(t.sql(f"SELECT * FROM {t.heads} WHERE {where} ORDER BY tree_size "
                                 f"{order} LIMIT %s"), (*params, limit))
            return [self._head_from_row(row) for row in cursor.fetchall()]

    def head_sizes_between(self, since: str | None, until: str | None) -> tuple[int, int]:
        """The tree sizes of the last heads signed before `since` and at or before `until`
        (ISO dates or times, UTC): an export of a period is the leaves between them."""
        t = self.tables

        def last_before(bound: str | None, inclusive: bool) -> int | None:
            if bound is None:
                return None
            op = "<=" if inclusive else "<"
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute(t.sql(f"SELECT MAX(tree_size) AS n FROM {t.heads} WHERE "
                                     f"signed_at {op} %s"), (bound,))
                row = cursor.fetchone()
            return int(row["n"]) if row and row["n"] is not None else 0

        first = last_before(since, False) or 0
        last = last_before(until, True)
        return first, self.size if last is None else last

    def _with_nodes(self, work: Callable[[SqlNodes], Any]) -> Any:
        with self.datastore.transaction(commit=False) as cursor:
            return work(SqlNodes(self.tables, cursor))

    def root(self, size: int) -> bytes:
        return self._with_nodes(lambda nodes: subtree_root(nodes, 0, size))

    def frontier_at(self, size: int) -> Frontier:
        return self._with_nodes(lambda nodes: Frontier.of(nodes, size))

    def _size_or_latest(self, tree_size: int | None, current: int) -> int:
        if tree_size is None:
            return current
        if not 1 <= tree_size <= current:
            raise TreeSizeOutOfRange(f"tree_size {tree_size}, the tree has {current} leaves")
        return tree_size

    def leaf_index_of(self, cursor: Any, position: int) -> int | None:
        t = self.tables
        cursor.execute(t.sql(f"SELECT leaf_index FROM {t.leaves} WHERE position = %s"),
                       (position,))
        row = cursor.fetchone()
        return int(row["leaf_index"]) if row else None

    def inclusion(self, position: int, tree_size: int | None = None) -> dict[str, Any]:
        current = self.size
        size = self._size_or_latest(tree_size, current)
        with self.datastore.transaction(commit=False) as cursor:
            index = self.leaf_index_of(cursor, position)
            if index is None:
                raise PositionNotInLog(position)
            if index >= size:
                raise TreeSizeOutOfRange(f"position {position} is leaf {index}, not in {size}")
            nodes = SqlNodes(self.tables, cursor)
            path = inclusion_proof(nodes, index, size)
            head = self._head_at(cursor, size)
            return {"position": position, "leaf_index": index, "tree_size": size,
                    "leaf_hash": nodes.node(0, index).hex(),
                    "audit_path": [h.hex() for h in path],
                    "root_hash": subtree_root(nodes, 0, size).hex(),
                    "head": head.summary() if head else None}

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        size = self._size_or_latest(second, self.size)
        if not 1 <= first <= size:
            raise TreeSizeOutOfRange(f"first {first} must be within 1..{size}")
        with self.datastore.transaction(commit=False) as cursor:
            nodes = SqlNodes(self.tables, cursor)
            first_head, second_head = self._head_at(cursor, first), self._head_at(cursor, size)
            return {"first": first, "second": size,
                    "first_root": subtree_root(nodes, 0, first).hex(),
                    "second_root": subtree_root(nodes, 0, size).hex(),
                    "consistency_path": [h.hex() for h in consistency_proof(nodes, first, size)],
                    "first_head": first_head.summary() if first_head else None,
                    "second_head": second_head.summary() if second_head else None}

    def consistency_chain(self, sizes: Sequence[int]) -> list[dict[str, Any]]:
        """Proofs that each size's tree is a prefix of the next one's (a witness checks a batch
        of heads in one request)."""
        current = self.size
        ordered = sorted(set(sizes))
        if not ordered or ordered[0] < 1 or ordered[-1] > current:
            raise TreeSizeOutOfRange(f"sizes must be within 1..{current}")
        with self.datastore.transaction(commit=False) as cursor:
            nodes = SqlNodes(self.tables, cursor)
            return [{"first": a, "second": b,
                     "consistency_path": [h.hex() for h in consistency_proof(nodes, a, b)]}
                    for a, b in zip(ordered, ordered[1:], strict=False)]

    # --- the log as stored, with its leaves -----------------------------------------------------
    def rows_after(self, cursor: Any, position: int, limit: int) -> list[StoredRecord]:
        cursor.execute(self.tables.rows_sql(f"{self.tables.position} > %s"), (position, limit))
        return [StoredRecord.of(r["position"], r["originator_id"], r["originator_version"],
                                r["topic"], r["state"]) for r in cursor.fetchall()]

    def leaves_from(self, cursor: Any, index: int, limit: int) -> list[RecordedLeaf]:
        t = self.tables
        cursor.execute(t.sql(f"SELECT leaf_index, position, leaf_hash, originator_id, "
                             f"originator_version FROM {t.leaves} WHERE leaf_index >= %s "
                             "ORDER BY leaf_index LIMIT %s"), (index, limit))
        return [RecordedLeaf(int(r["leaf_index"]), int(r["position"]), bytes(r["leaf_hash"]),
                             r["originator_id"], r["originator_version"])
                for r in cursor.fetchall()]

    def rows_between(self, cursor: Any, after: int, last: int) -> list[StoredRecord]:
        """The stored rows at positions (after, last]."""
        t = self.tables
        cursor.execute(t.rows_sql(f"{t.position} > %s AND {t.position} <= %s", limit=False),
                       (after, last))
        return [StoredRecord.of(r["position"], r["originator_id"], r["originator_version"],
                                r["topic"], r["state"]) for r in cursor.fetchall()]

    def events(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        with self.datastore.transaction(commit=False) as cursor:
            records = self.rows_after(cursor, after, limit)
            entries = []
            for record in records:
                entry = record.describe()
                entry["leaf_index"] = self.leaf_index_of(cursor, record.position)
                entries.append(entry)
            state = self._read_state(cursor)
        return {"events": entries, "next_after": records[-1].position if records else after,
                "tree_size": int(state["tree_size"]) if state else 0}

    def history(self, aggregate_id: str, *, after_version: int = 0,
                limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """Up to `limit` of one aggregate's stored events after `after_version`, in order, each
        with its leaf; and how many it has (an aggregate's history grows as long as it lives)."""
        t = self.tables
        aggregate = t.originator_param(aggregate_id)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(t.sql(f"SELECT COUNT(*) AS n FROM {t.events} "
                                 "WHERE originator_id = %s"), (aggregate,))
            total = int(cursor.fetchone()["n"])
            if not total:
                raise AggregateNotInLog(aggregate_id)
            cursor.execute(t.rows_sql("originator_id = %s AND originator_version > %s"),
                           (aggregate, after_version, limit))
            entries = []
            for row in cursor.fetchall():
                record = StoredRecord.of(row["position"], row["originator_id"],
                                         row["originator_version"], row["topic"], row["state"])
                entry = record.describe()
                entry["leaf_index"] = self.leaf_index_of(cursor, record.position)
                entries.append(entry)
        return entries, total

    def public_key(self) -> dict[str, Any]:
        document: dict[str, Any] = dict(self.signer.public_key_document())
        endorsed = [h.summary() for h in self._endorsed_heads()]
        document["rotations"] = endorsed
        return document

    def _endorsed_heads(self) -> list[SignedHead]:
        t = self.tables
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT * FROM {t.heads} WHERE endorsement IS NOT NULL "
                           "ORDER BY tree_size")
            return [self._head_from_row(row) for row in cursor.fetchall()]

    def export_lines(self, from_size: int = 0, to_size: int | None = None) -> Iterator[bytes]:
        """JSON lines: a header; for a period, the frontier of the tree before it; every leaf of
        the period with its stored event (as stored, state in base64), a stored event no leaf
        covers, a leaf whose event is gone; then the heads signed over the period."""
        current = self.size
        end = current if to_size is None else max(0, min(to_size, current))
        start = max(0, min(from_size, end))
        yield _line({"kind": "header", "format": EXPORT_FORMAT, "leaf_format": LEAF_FORMAT,
                     "service": self.service, "exported_at": datetime.now(UTC).isoformat(),
                     "public_key": self.signer.public_key_document(), "from_size": start,
                     "to_size": end})
        if start:
            frontier = self.frontier_at(start)
            yield _line({"kind": "frontier", "tree_size": start,
                         "hashes": [h.hex() for h in frontier.hashes]})
        yield from self._leaves_and_rows(start, end, to_end=to_size is None)
        after = max(0, start - 1)
        while True:
            heads = self.heads(after, 1000, until=end)
            for head in heads:
                yield _line({"kind": "head", **head.summary()})
            if len(heads) < 1000:
                break
            after = heads[-1].tree_size

    def _leaves_and_rows(self, start: int, end: int, *, to_end: bool) -> Iterator[bytes]:
        """Leaves [start, end) joined with the stored rows by position, rows no leaf covers in
        between (and, to the end of the log, after the last leaf)."""
        with self.datastore.transaction(commit=False) as cursor:
            previous = self.leaves_from(cursor, start - 1, 1) if start else []
        after = previous[0].position if previous else 0
        index = start
        while index < end:
            with self.datastore.transaction(commit=False) as cursor:
                leaves = self.leaves_from(cursor, index, min(BATCH, end - index))
                if not leaves:
                    break
                records = {r.position: r for r in self.rows_between(cursor, after,
                                                                    leaves[-1].position)}
            for leaf in leaves:
                yield _line(_entry(records.pop(leaf.position, None), leaf))
            for position in sorted(records):
                yield _line(_entry(records[position], None))
            index += len(leaves)
            after = leaves[-1].position
        while to_end:
            with self.datastore.transaction(commit=False) as cursor:
                rest = self.rows_after(cursor, after, BATCH)
            for record in rest:
                yield _line(_entry(record, None))
            if len(rest) < BATCH:
                break
            after = rest[-1].position


def _entry(record: StoredRecord | None, leaf: RecordedLeaf | None) -> dict[str, Any]:
    """One line of an export: a stored event with the leaf recorded for it, an event no leaf
    covers, or a leaf whose event is gone (with whose event it was)."""
    entry: dict[str, Any] = {"kind": "leaf", "position": leaf.position if leaf else None,
                             "leaf_index": leaf.index if leaf else None,
                             "recorded_leaf_hash": leaf.leaf_hash.hex() if leaf else None,
                             "leaf_originator_id": leaf.aggregate_id if leaf else None,
                             "leaf_originator_version": leaf.version if leaf else None}
    if record is not None:
        entry.update(event_line(record))
    return entry


def event_line(record: StoredRecord) -> dict[str, Any]:
    return {"kind": "event", "position": record.position, "originator_id": record.originator_id,
            "originator_version": record.originator_version, "topic": record.topic,
            "state": base64.b64encode(record.state).decode("ascii"),
            "leaf_hash": record.leaf_hash().hex()}


def _line(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data) + b"\n"


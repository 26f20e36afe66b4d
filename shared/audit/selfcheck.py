"""A service checks its own store against its persisted tree and its witnessed heads, at start and
then continuously, in the background (`SelfCheck.run`, a thread).

The quick checks, in one read snapshot, O(log n) whatever the history's size:
- the latest head: signed by the service's key, over the tree's state (size and root);
- nothing stored after the last leaf (a row added outside the service);
- the newest leaves (`TAIL`) against the rows at their positions: altered, removed, moved,
  inserted rows are named where an insider would most likely work;
- every witness's latest cosigned head (read from the `audit` stream by the runtime): the store
  must hold at least that many leaves (else it was rolled back or cut short) and produce the same
  root at that size (else history was rewritten, even if re-signed with the service's own key).

And a pass over the whole store, `audit_scan_batch` rows per check: each row's leaf hash, and the
root recomputed from the rows at the size the pass started from against the head signed there.

At start, only the quick checks run before the service serves (`check_quick`: 16 ms on a year's
store). The pass over the whole store is linear in the history: with no rest, about 4-8 s per
year of an office's history (300,000 events) on a two-core machine at load 2 (ten years: 41-76 s
for correspondence, 49-86 s for monitoring), three to five times that under heavy load; the first
pass's rests make it about 1.2-1.5 times as long (benchmarks/README.md). So it runs in the
background:
- the first pass after a start `FIRST_PASS_SLICE` rows at a time, resting after each slice half
  as long as it took (`first_pass` in `status()`: rows checked, of how many, completed or not,
  its seconds and what it found);
- the later ones `audit_scan_batch` rows every `audit_check_seconds`, read a slice at a time
  (`SLICE` rows, evenly spread over the interval, so that the requests the service answers
  meanwhile are not held up), a new pass `audit_rescan_seconds` after the last ended;
- the quick checks once every `audit_check_seconds`.

`/ready` does not wait for the first pass: a service is ready in seconds at any history size, and
an alteration deep in old history, which only the whole pass can find, is found that many seconds
per year of history after the start at the latest (then writes stop as below). What the quick
checks cover is found before the service serves.

Any finding raises the guard's fault (`shared.audit.guard`): writes refused, `/ready` failing, the
alarm published. A fault this check raised clears once a whole pass and the checks above find
nothing again (the store was put right); faults found elsewhere stay until a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.audit.guard import AuditGuard
from shared.audit.heads import Cosignature
from shared.audit.merkle import Frontier, subtree_root
from shared.audit.records import StoredRecord
from shared.audit.tree import AuditLog, SqlNodes, TreeNodeMissing
from shared.audit.verify import Finding, RecordedLeaf, compare_with_leaves
from shared.logging import get_logger

TAIL = 64
FOUND_BY = "self-check"
# Rows of a pass after the first read and hashed at a time: a couple of milliseconds of the
# interpreter each, then a pause. A whole batch at once (100 ms at ten years) held up the requests
# the service answered meanwhile: at ten years the register page's p99 was 41-49 ms with no pass
# running, 132-162 ms while one ran in batches, 71-80 ms in slices (benchmarks/README.md,
# 7 December 2026).
SLICE = 100
# The first pass after a start reads more rows at a time, and rests after each slice half as long
# as it took: a register page read during it at ten years had a p99 of 95.7-135.7 ms with no
# rest, 47.7-56.2 ms with it; the pass took 41-54 s, then 63-64 s (benchmarks/README.md,
# 7 December 2026).
FIRST_PASS_SLICE = 1000
FIRST_PASS_REST = 0.5

log = get_logger(__name__)


class SelfCheck:
    def __init__(self, audit: AuditLog, guard: AuditGuard, *, interval: float = 1.0,
                 scan_batch: int = 5000, rescan_seconds: float = 30.0,
                 witnessed: Callable[[], dict[str, Cosignature]] = dict,
                 slice_rows: int = SLICE, first_pass_rest: float = FIRST_PASS_REST) -> None:
        self.audit = audit
        self.guard = guard
        self.interval = interval
        self.scan_batch = scan_batch
        self.slice_rows = min(slice_rows, scan_batch)
        self.first_pass_rest = first_pass_rest
        self._next_quick_at = 0.0
        self.rescan_seconds = rescan_seconds
        self.witnessed = witnessed
        self.findings: list[Finding] = []
        self.last_check: str | None = None
        self.passes_completed = 0
        # The first pass after a start runs at its own pace (`FIRST_PASS_REST`); its progress is
        # what an operator reads in /ready and /audit/status.
        self.first_pass: dict[str, Any] = {"checked": 0, "of": None, "completed": False,
                                           "started_at": None, "completed_at": None,
                                           "seconds": None, "found": None}
        self._first_pass_started = 0.0
        self._pass: dict[str, Any] | None = None
        self._next_pass_at = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- running --------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="audit-self-check")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            pause = self.interval
            try:
                pause = self.step()
            except Exception as error:  # noqa: BLE001 - the store may be closing; next round
                if self._stopping.is_set():
                    return
                log.warning("audit self-check could not run", error=repr(error))
            if pause:
                self._stopping.wait(pause)

    def step(self) -> float:
        """One round of the background check; returns the seconds to wait before the next.
        The first pass a large slice at a time, resting after each (a finding ends it: the fault
        stands); the later ones a slice of rows at a time, `scan_batch` rows every `interval`;
        the quick checks once every `interval`."""
        now = time.monotonic()
        quick = now >= self._next_quick_at
        if quick:
            self._next_quick_at = now + self.interval
        if not self.first_pass["completed"]:
            findings = self.check(quick=quick, rows=FIRST_PASS_SLICE)
            return self.interval if findings else \
                (time.monotonic() - now) * self.first_pass_rest
        self.check(quick=quick, rows=self.slice_rows)
        if self._pass is None:  # between two passes: nothing to read before the quick checks
            return max(0.0, self._next_quick_at - time.monotonic())
        return self.interval * self.slice_rows / self.scan_batch

    def check_quick(self) -> list[Finding]:
        """The quick checks alone (at start, before the service serves), O(log n); a finding
        raises the fault as any check does."""
        with self._lock:
            findings = self._quick()
            self.findings = findings
            self.last_check = datetime.now(UTC).isoformat()
        self._report(findings, passed=False)
        return findings

    def check_all(self) -> list[Finding]:
        """A whole check at once (the CLI's benchmark, tests): the quick checks and a full pass."""
        self._next_pass_at = 0.0
        self._pass = None
        findings = self.check()
        while self._pass is not None and not findings:
            findings = self.check()
        return findings

    def check(self, *, quick: bool = True, rows: int | None = None) -> list[Finding]:
        """The quick checks (unless `quick` is false) and the next `rows` of the pass over the
        whole store (`scan_batch` unless said)."""
        with self._lock:
            if not quick and self.findings:
                return self.findings  # they stand until the quick checks run again
            findings = self._quick() if quick else []
            passed = False
            if not findings:
                findings, passed = self._scan(rows or self.scan_batch)
            self.findings = findings
            self.last_check = datetime.now(UTC).isoformat()
        self._report(findings, passed)
        return findings

    def _report(self, findings: list[Finding], passed: bool) -> None:
        if findings:
            first = findings[0]
            self.guard.raise_fault(first.kind, first.text(), FOUND_BY,
                                   {"findings": [f.as_dict() for f in findings[:20]]})
        elif passed:
            fault = self.guard.fault
            if fault is not None and fault.found_by == FOUND_BY:
                self.guard.clear(FOUND_BY)

    def status(self) -> dict[str, Any]:
        fault = self.guard.fault
        return {"ok": fault is None, "fault": fault.as_dict() if fault else None,
                "last_check": self.last_check, "passes_completed": self.passes_completed,
                "first_pass": dict(self.first_pass),
                "findings": [f.as_dict() for f in self.findings[:20]],
                "witnessed": {name: {"tree_size": c.head.tree_size, "root_hash": c.head.root_hash,
                                     "cosigned_at": c.cosigned_at}
                              for name, c in sorted(self.witnessed().items())}}

    # --- the quick checks -----------------------------------------------------------------------
    def _quick(self) -> list[Finding]:
        audit, t = self.audit, self.audit.tables
        findings: list[Finding] = []
        # Read before the snapshot is taken: a head is committed before it is cosigned, so the
        # snapshot holds every head these name (read after, a head committed meanwhile and
        # cosigned would look like a store rolled back).
        witnessed = sorted(self.witnessed().items())
        with audit.datastore.transaction(commit=False) as cursor:
            if t.dialect == "postgres":  # one snapshot for every read below
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            state = audit._read_state(cursor)
            if state is None:
                return [Finding("tree-missing", "the audit tree's tables hold no state")]
            size, last = int(state["tree_size"]), int(state["last_position"])
            if size:
                head = audit._head_at(cursor, size)
                key = audit.known_keys().get(head.key_id) if head else None
                frontier = Frontier.decode(size, bytes(state["frontier"]))
                if head is None:
                    findings.append(Finding("head-missing", f"no signed head at size {size}"))
                elif key is None or not head.verifies(key):
                    findings.append(Finding("head-signature", f"the head at size {size} is not "
                                            "signed by this service's key"))
                elif head.root_hash != state["root_hash"] or frontier.root().hex() != head.root_hash:
                    findings.append(Finding("tree-state", f"the tree's state at size {size} does "
                                            "not produce its signed root"))
            for record in audit.rows_after(cursor, last, 100):
                findings.append(_named("inserted", record, "stored after the last leaf of the "
                                       "signed tree: no transaction of the service recorded it"))
            tail = audit.leaves_from(cursor, max(0, size - TAIL), TAIL)
            if tail:
                findings.extend(self._compare(cursor, tail, 0 if tail[0].index == 0
                                              else self._position_before(cursor, tail[0].index)))
            findings.extend(self._against_witnesses(cursor, size, witnessed))
        return findings

    def _position_before(self, cursor: Any, index: int) -> int:
        previous = self.audit.leaves_from(cursor, index - 1, 1)
        return previous[0].position if previous else 0

    def _compare(self, cursor: Any, leaves: list[RecordedLeaf], after: int) -> list[Finding]:
        """The rows stored in (after, last leaf's position] against those leaves."""
        return compare_with_leaves(self.audit.rows_between(cursor, after, leaves[-1].position),
                                   leaves)

    def _against_witnesses(self, cursor: Any, size: int,
                           witnessed: list[tuple[str, Cosignature]]) -> list[Finding]:
        findings = []
        nodes = SqlNodes(self.audit.tables, cursor)
        losses = self.audit.losses(cursor) if witnessed else []
        for witness, cosignature in witnessed:
            head = cosignature.head
            if any(loss.covers(head) for loss in losses):
                continue  # of the history an operator accepted as lost (shared.audit.losses)
            if head.tree_size > size:
                findings.append(Finding(
                    "rollback", f"witness {witness} cosigned a head of {head.tree_size} events "
                    f"at {cosignature.cosigned_at}; the store holds {size}: it was rolled back "
                    "or cut short"))
                continue
            try:
                root = subtree_root(nodes, 0, head.tree_size).hex()
            except TreeNodeMissing as error:
                findings.append(Finding("tree-state", str(error)))
                continue
            if root != head.root_hash:
                findings.append(Finding(
                    "rewritten", f"the store's first {head.tree_size} events do not produce the "
                    f"root witness {witness} cosigned at {cosignature.cosigned_at}: history was "
                    "rewritten"))
        return findings

    # --- the pass over the whole store ----------------------------------------------------------
    def _scan(self, rows: int) -> tuple[list[Finding], bool]:
        """The next `rows` of the current pass; (findings, whether a whole pass just ended
        clean)."""
        now = time.monotonic()
        if self._pass is None:
            if now < self._next_pass_at:
                return [], False
            target = self.audit.size
            head = self.audit.head(target) if target else None
            self._pass = {"index": 0, "after": 0, "frontier": Frontier(), "target": target,
                          "root": head.root_hash if head else None,
                          "first": self.first_pass["of"] is None}
            if self._pass["first"]:
                self._first_pass_started = now
                self.first_pass.update(of=target, started_at=datetime.now(UTC).isoformat())
        scan = self._pass
        audit = self.audit
        with audit.datastore.transaction(commit=False) as cursor:
            leaves = audit.leaves_from(cursor, scan["index"],
                                       min(rows, scan["target"] - scan["index"]))
            findings = self._compare(cursor, leaves, scan["after"]) if leaves else []
        for leaf in leaves:
            scan["frontier"].append(leaf.leaf_hash)
        if leaves:
            scan["index"] += len(leaves)
            scan["after"] = leaves[-1].position
            if scan["first"]:
                self.first_pass["checked"] = scan["index"]
        if findings:
            return self._end_pass(scan, findings), False
        if scan["index"] < scan["target"] and leaves:
            return [], False
        self._next_pass_at = now + self.rescan_seconds
        if scan["index"] < scan["target"]:
            return self._end_pass(scan, [Finding(
                "leaf-missing", f"the tree holds {scan['index']} leaves, its state says "
                f"{scan['target']}")]), False
        if scan["root"] is not None and scan["frontier"].root().hex() != scan["root"]:
            return self._end_pass(scan, [Finding(
                "tree-rewritten", f"the stored leaves do not produce the root signed at size "
                f"{scan['target']}")]), False
        self.passes_completed += 1
        self._end_pass(scan, [])
        return [], True

    def _end_pass(self, scan: dict[str, Any], findings: list[Finding]) -> list[Finding]:
        self._pass = None
        if scan["first"]:
            self.first_pass.update(
                completed=True, completed_at=datetime.now(UTC).isoformat(),
                seconds=round(time.monotonic() - self._first_pass_started, 3),
                found=findings[0].kind if findings else None)
        return findings


def _named(kind: str, record: StoredRecord, message: str) -> Finding:
    return Finding(kind, message, record.position, record.originator_id,
                   record.originator_version)

"""What the service does when its history is wrong, and the receipt a write's answer carries.

`AuditGuard` holds the one verdict of the service's own checks (`shared.audit.selfcheck`, the
transaction hook, the relay's check of the stream): while it holds a fault, every command is
refused (`ServiceApplication._execute` raises `AuditIntegrityFault`: 503, Thai and English), no
head is signed, `/ready` fails with the reason, reads answer with an `ESA-Audit-Warning` header,
and the alarm is published (the runtime listens). It clears only when a complete check passes.

`Receipt`: the request middleware puts an empty one in the request's context; the transaction hook
fills it with the positions it recorded and the head it signed. FastAPI runs a plain endpoint in a
worker thread with a *copy* of the context, so the holder is a mutable object shared by both
copies, never a context variable set again in the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.audit.heads import SignedHead
from shared.domain import DeclaredError
from shared.logging import get_logger

log = get_logger(__name__)


class AuditIntegrityFault(DeclaredError):
    status = 503
    code = "audit-integrity-fault"
    title_th = ("ระบบงดรับการบันทึกชั่วคราว เพราะข้อมูลที่เก็บไว้ไม่ตรงกับประวัติที่ลงนามรับรองไว้ "
                "โปรดแจ้งผู้ดูแลระบบ")
    title_en = ("Writes are stopped: the stored history does not match its signed audit trail; "
                "tell the administrator")


@dataclass(frozen=True)
class Fault:
    reason: str  # stable code: altered, removed, inserted, moved, rollback, ...
    detail: str
    found_by: str  # "hook", "self-check", "relay", "head-publisher"
    since: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "detail": self.detail, "found_by": self.found_by,
                "since": self.since, "evidence": self.evidence}


class AuditGuard:
    def __init__(self) -> None:
        self._fault: Fault | None = None
        self._lock = threading.Lock()
        self.listeners: list[Callable[[Fault], None]] = []

    @property
    def fault(self) -> Fault | None:
        return self._fault

    def raise_fault(self, reason: str, detail: str, found_by: str,
                    evidence: dict[str, Any] | None = None) -> Fault:
        with self._lock:
            if self._fault is not None:
                return self._fault
            self._fault = Fault(reason, detail, found_by, datetime.now(UTC).isoformat(),
                                evidence or {})
            fault = self._fault
        log.error("audit integrity fault: writes refused", reason=reason, detail=detail,
                  found_by=found_by)
        for listener in list(self.listeners):
            try:
                listener(fault)
            except Exception as error:  # noqa: BLE001 - the fault stands; the alarm is logged
                log.error("audit alarm listener failed", error=repr(error))
        return fault

    def clear(self, found_by: str) -> None:
        with self._lock:
            if self._fault is None:
                return
            log.warning("audit integrity restored: writes accepted again", found_by=found_by,
                        was=self._fault.reason)
            self._fault = None

    def check_writable(self) -> None:
        fault = self._fault
        if fault is not None:
            raise AuditIntegrityFault(f"{fault.reason}: {fault.detail}", audit_fault=fault.reason)

    def warning(self) -> str | None:
        """The header value reads carry while writes are refused."""
        fault = self._fault
        if fault is None:
            return None
        return f"writes refused since {fault.since}: {fault.reason}"


@dataclass
class Receipt:
    positions: list[int] = field(default_factory=list)
    head: SignedHead | None = None

    def add(self, positions: list[int], head: SignedHead) -> None:
        self.positions.extend(positions)
        self.head = head

    def headers(self) -> list[tuple[bytes, bytes]]:
        if self.head is None:
            return []
        head = self.head
        return [(name.encode(), value.encode()) for name, value in (
            ("esa-audit-positions", ",".join(str(p) for p in self.positions)),
            ("esa-audit-tree-size", str(head.tree_size)),
            ("esa-audit-root-hash", head.root_hash),
            ("esa-audit-signed-at", head.signed_at),
            ("esa-audit-key-id", head.key_id),
            ("esa-audit-signature", head.signature),
        )]


receipt_var: ContextVar[Receipt | None] = ContextVar("audit_receipt", default=None)

# Declared in every write operation's OpenAPI responses (`shared.runtime`).
RECEIPT_HEADERS = {
    "ESA-Audit-Positions": "The log positions (notification ids) this request recorded, in order",
    "ESA-Audit-Tree-Size": "The size of the signed tree head that covers them",
    "ESA-Audit-Root-Hash": "Its RFC 6962 root hash (hex)",
    "ESA-Audit-Signed-At": "When it was signed (ISO 8601, UTC)",
    "ESA-Audit-Key-Id": "The id of the service's audit key that signed it (GET /audit/public-key)",
    "ESA-Audit-Signature": "Ed25519 signature (base64) over the esa-audit-head/v1 message",
}
WARNING_HEADER = "ESA-Audit-Warning"

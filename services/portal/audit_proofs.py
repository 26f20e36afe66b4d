"""The auditor's "verified" mark, earned: the portal checks each event of a history itself, against
the service's latest signed head (or signed checkpoint), instead of trusting a flag.

For one aggregate's history, with `shared.audit`'s own verification functions:
1. the head: its Ed25519 signature over its signed message verifies with the service's public key
   (the one the portal's settings pin, `ESA_PORTAL_AUDIT_KEYS`, else the one the service
   publishes), the key's id is that key's, and the signed message says this service, this tree
   size and this root;
2. each event: the RFC 6962 audit path the service gives for the event's position, in the tree of
   exactly the head's size, leads from the event's leaf hash (as the history reads it from the
   stored row now) to the head's signed root (`shared.audit.merkle.verify_inclusion`); the path's
   leaf is the history's leaf at the history's index. An event the head does not cover yet is
   "waiting for the next signed head", not verified;
3. the log never rewrote itself between two looks: the first head the portal verified for a
   service is remembered (in memory, per process), and a later head must extend it
   (`verify_consistency`), or nothing of that service is marked verified.

The routes are read through `ServiceClient` (one place that knows the audit trail's API, which is
being reworked).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization

from services.portal.service_client import Refused, ServiceClient, SignedHead, Unavailable
from shared.audit.merkle import verify_consistency, verify_inclusion
from shared.audit.signing import load_public_key, signature_valid

SIGNED_FORMATS = frozenset({"esa-audit-head/v1", "esa-audit-checkpoint/v1"})
PARALLEL_PROOFS = 8


@dataclass
class EventCheck:
    entry: dict[str, Any]
    verified: bool
    reason_th: str
    proof: dict[str, Any] | None = None


@dataclass
class HistoryCheck:
    service: str
    aggregate_id: str
    head: SignedHead | None
    head_verified: bool
    head_reason_th: str
    key_id: str | None = None
    extends: int | None = None  # the tree size of the earlier head this one was proven to extend
    events: list[EventCheck] = field(default_factory=list)

    @property
    def all_verified(self) -> bool:
        return self.head_verified and bool(self.events) and all(e.verified for e in self.events)

    @property
    def verified_count(self) -> int:
        return sum(1 for e in self.events if e.verified)


def _hex(value: Any) -> bytes | None:
    try:
        return bytes.fromhex(str(value))
    except ValueError:
        return None


def check_head(head: SignedHead, public_key_hex: str) -> tuple[bool, str, str | None]:
    """(verified, why in Thai, the key's id)."""
    try:
        key = load_public_key(public_key_hex)
    except (ValueError, TypeError):
        return False, "อ่านกุญแจสาธารณะของระบบนี้ไม่ได้", None
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = hashlib.sha256(raw).hexdigest()[:16]  # how every service names its key
    if head.key_id != key_id:
        return False, "หัวบันทึกลงนามด้วยกุญแจอื่น ไม่ใช่กุญแจที่ใช้ตรวจ", key_id
    lines = head.signed_message.split("\n")
    said = dict(line.split(" ", 1) for line in lines[1:] if " " in line)
    if lines[0] not in SIGNED_FORMATS or said.get("service") != head.service \
            or said.get("tree_size") != str(head.tree_size) \
            or said.get("root_hash") != head.root_hash or said.get("key_id") != head.key_id:
        return False, "ข้อความที่ลงนามไม่ตรงกับหัวบันทึก", key_id
    try:
        signature = base64.b64decode(head.signature, validate=True)
    except (binascii.Error, ValueError):
        return False, "ลายมือชื่อดิจิทัลอ่านไม่ได้", key_id
    if not signature_valid(key, signature, head.signed_message.encode("utf-8")):
        return False, "ลายมือชื่อดิจิทัลของหัวบันทึกไม่ถูกต้อง", key_id
    return True, "ลายมือชื่อดิจิทัลถูกต้อง", key_id


def check_inclusion(entry: dict[str, Any], proof: dict[str, Any], head: SignedHead) -> EventCheck:
    leaf, root = _hex(entry.get("leaf_hash")), _hex(head.root_hash)
    path = [_hex(h) for h in proof.get("audit_path") or ()]
    if leaf is None or root is None or any(p is None for p in path):
        return EventCheck(entry, False, "ข้อมูลการพิสูจน์อ่านไม่ได้", proof)
    if proof.get("leaf_hash") != entry.get("leaf_hash"):
        return EventCheck(entry, False, "เหตุการณ์ที่เก็บไว้ไม่ตรงกับที่บันทึกในต้นไม้ (ถูกแก้ไขภายหลัง)",
                          proof)
    if proof.get("leaf_index") != entry.get("leaf_index") \
            or int(proof.get("tree_size") or 0) != head.tree_size:
        return EventCheck(entry, False, "ตำแหน่งของเหตุการณ์ในการพิสูจน์ไม่ตรงกัน", proof)
    if not verify_inclusion(int(entry["leaf_index"]), head.tree_size, leaf,
                            [p for p in path if p is not None], root):
        return EventCheck(entry, False, "การพิสูจน์ไม่นำไปสู่รากที่ลงนามไว้", proof)
    return EventCheck(entry, True, "ตรวจแล้ว อยู่ในบันทึกที่ลงนาม", proof)


class AuditVerifier:
    """Verifies histories for the auditor's pages; remembers the first head it verified of each
    service, so that a later one must be proven to extend it."""

    def __init__(self, services: ServiceClient, pinned_keys: dict[str, str]) -> None:
        self.services = services
        self.pinned_keys = pinned_keys
        self.seen: dict[str, SignedHead] = {}

    async def verify(self, service: str, aggregate_id: str) -> HistoryCheck:
        history, head = await asyncio.gather(self.services.audit_history(service, aggregate_id),
                                             self._head(service))
        if head is None:
            return HistoryCheck(service, aggregate_id, None, False,
                                "ระบบนี้ยังไม่มีหัวบันทึกที่ลงนาม",
                                events=[EventCheck(e, False, "ยังไม่มีหัวบันทึกที่ลงนาม")
                                        for e in history])
        key_hex = self.pinned_keys.get(service) or str(
            (await self.services.audit_public_key(service)).get("public_key_hex") or "")
        ok, reason, key_id = check_head(head, key_hex)
        check = HistoryCheck(service, aggregate_id, head, ok, reason, key_id)
        if ok:
            await self._extends(check)
        if not check.head_verified:
            check.events = [EventCheck(e, False, "หัวบันทึกไม่ผ่านการตรวจ") for e in history]
            return check
        limit = asyncio.Semaphore(PARALLEL_PROOFS)

        async def one(entry: dict[str, Any]) -> EventCheck:
            index = entry.get("leaf_index")
            if index is None or int(index) >= head.tree_size:
                return EventCheck(entry, False, "รอหัวบันทึกที่ลงนามครั้งถัดไป")
            async with limit:
                try:
                    proof = await self.services.audit_inclusion(service, int(entry["position"]),
                                                                head.tree_size)
                except Refused as refused:
                    return EventCheck(entry, False, f"ขอการพิสูจน์ไม่ได้: {refused.message_th}")
            return check_inclusion(entry, proof, head)

        check.events = list(await asyncio.gather(*(one(e) for e in history)))
        return check

    async def _head(self, service: str) -> SignedHead | None:
        try:
            return await self.services.audit_head(service)
        except Refused as refused:
            if refused.status == 404:
                return None
            raise

    async def _extends(self, check: HistoryCheck) -> None:
        head = check.head
        assert head is not None
        earlier = self.seen.get(check.service)
        if earlier is None or earlier.tree_size > head.tree_size:
            self.seen.setdefault(check.service, head)
            return
        if earlier.tree_size == head.tree_size:
            proven = earlier.root_hash == head.root_hash
        else:
            try:
                proof = await self.services.audit_consistency(check.service, earlier.tree_size,
                                                              head.tree_size)
            except (Refused, Unavailable):
                proven = False
            else:
                path = [_hex(h) for h in proof.get("consistency_path") or ()]
                old, new = _hex(earlier.root_hash), _hex(head.root_hash)
                proven = (old is not None and new is not None and None not in path
                          and verify_consistency(earlier.tree_size, head.tree_size,
                                                 [p for p in path if p is not None], old, new))
        if not proven:
            check.head_verified = False
            check.head_reason_th = (f"บันทึกไม่ต่อเนื่องกับหัวบันทึกขนาด {earlier.tree_size} "
                                    "ที่พอร์ทัลตรวจไว้ก่อนหน้า")
            return
        check.extends = earlier.tree_size

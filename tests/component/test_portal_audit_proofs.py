"""The auditor's "verified" mark is earned, not read off a flag: the portal's verifier (the same
object its pages use) against a real correspondence service in process, through the portal's one
service client. Each event counts as verified only when its audit path leads to the root of the
service's latest signed tree head (one per committed transaction), whose signature verifies with
the service's key:

- a document's whole history verifies as soon as it is written (its transaction's head covers it);
- a stored event changed afterwards in the database is not verified (its row no longer hashes to
  the leaf the tree holds), and neither is anything when the key the portal pins is another one;
- a later head is proven to extend the one the portal verified before.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import orjson
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.portal.audit_proofs import AuditVerifier, HistoryCheck
from services.portal.main import portal_client_secret
from services.portal.service_client import ServiceClient
from services.portal.settings import PORTAL_CLIENT_ID, PortalSettings
from tests.support.http import post
from tests.support.portal import IsolatedASGITransport


def verifier(client: TestClient, pinned: dict[str, str] | None = None) -> AuditVerifier:
    """The portal's verifier, speaking as the portal's OAuth client (registered in the office's
    client registry the service reads)."""
    settings = PortalSettings(var_dir=client.app.state.runtime.settings.var_dir)
    services = ServiceClient({"correspondence": "http://correspondence"},
                             client_id=PORTAL_CLIENT_ID,
                             client_secret=portal_client_secret(settings),
                             transports={"correspondence": IsolatedASGITransport(client.app)})
    return AuditVerifier(services, pinned or {})


def verify(verifier: AuditVerifier, document_id: str) -> HistoryCheck:
    async def run() -> HistoryCheck:
        return await verifier.verify("correspondence", document_id)

    return asyncio.run(run())


def marks(check: HistoryCheck) -> list[tuple[str, bool]]:
    return [(e.entry["event_type"].rpartition(".")[2], e.verified) for e in check.events]


def step(client: TestClient, document: str, verb: str, actor: str, body: dict[str, Any]) -> None:
    post(client, f"/documents/{document}/{verb}", actor, body, changes=f"/documents/{document}")


def a_document(client: TestClient) -> str:
    document = post(client, "/documents/incoming", "clerk-1", {
        "received_at": "2026-11-27T09:30:00+07:00", "sender": "สพฐ.",
        "subject": "ขอให้รายงานข้อมูลนักเรียน", "urgency": "003"}, 201)["document_id"]
    step(client, document, "assign", "dir-1", {"officer_id": "off-1"})
    step(client, document, "draft", "off-1", {"text": "ร่างหนังสือตอบ"})
    return document


def test_every_event_is_verified_against_the_signed_head_of_its_transaction(
        staffed: TestClient) -> None:
    client = staffed
    document = a_document(client)
    portal = verifier(client)
    check = verify(portal, document)
    assert check.head_verified and check.head_reason_th == "ลายมือชื่อดิจิทัลถูกต้อง"
    assert marks(check) == [("Registered", True), ("Assigned", True), ("Drafted", True)]

    step(client, document, "submit", "off-1", {"checker_id": "dir-1"})
    later = verify(portal, document)
    assert later.all_verified and later.verified_count == 4
    assert marks(later)[-1] == ("SubmittedForCheck", True)
    assert later.extends == check.head.tree_size  # proven to extend the head verified before
    assert all(e.proof and e.proof["tree_size"] == later.head.tree_size for e in later.events)


def test_an_event_changed_in_the_database_or_another_key_is_never_marked_verified(
        staffed: TestClient, correspondence: CorrespondenceApplication) -> None:
    client = staffed
    document = a_document(client)
    portal = verifier(client)
    assert verify(portal, document).all_verified

    # Someone with the database rewrites who assigned the letter.
    history = verify(portal, document).events
    assigned: dict[str, Any] = next(e.entry for e in history
                                    if e.entry["event_type"].endswith("Assigned"))
    connection = sqlite3.connect(correspondence.settings.sqlite_path)
    try:
        (state,) = connection.execute("SELECT state FROM stored_events WHERE rowid = ?",
                                      (assigned["position"],)).fetchone()
        forged = orjson.loads(state)
        forged["actor"] = "esa-1"
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = ?",
                           (orjson.dumps(forged), assigned["position"]))
        connection.commit()
    finally:
        connection.close()
    check = verify(portal, document)
    assert not check.all_verified
    changed = next(e for e in check.events if e.entry["position"] == assigned["position"])
    assert not changed.verified and "ถูกแก้ไข" in changed.reason_th
    assert sum(e.verified for e in check.events) == len(check.events) - 1

    # A key the auditor pinned that is not the one that signed: nothing is verified.
    other = verifier(client, {"correspondence": "11" * 32})
    pinned = verify(other, document)
    assert not pinned.head_verified and pinned.verified_count == 0

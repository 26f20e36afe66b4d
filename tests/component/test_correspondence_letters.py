"""Correspondence drafts budgeting's letters: one per school of an approved allocation, and the
report to OBEC of an approved transfer. The envelopes come from budgeting's real translator; they
are delivered the way the consumer does it (handler + tracking), twice, as a redelivery would.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from support.budgeting import BudgetClient, Deliverer, walk_everything

from contracts.envelope import AnyEnvelope
from services.budgeting.application import BudgetingApplication
from services.budgeting.integration import translate
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import Document, Officer
from services.correspondence.handlers import subscriptions
from shared.context import acting_as
from tests.support.http import etag_of, every_item
from tests.support.staff import position_th

STAFF = [("esa-1", ["esa_director", "signer"]), ("clerk-1", ["clerk"]),
         ("off-1", ["officer"]), ("dir-1", ["group_director"])]


def budgeting_envelopes(app: BudgetingApplication, event_type: str) -> list[AnyEnvelope]:
    out = []
    for notification in app.read_notifications(0, 100_000):
        event = app.to_domain_event(notification)
        envelope = translate(event, app.load(event.originator_id, event.originator_version))
        if envelope is not None and envelope.type == event_type:
            out.append(AnyEnvelope.model_validate(envelope.model_dump(mode="json")))
    return out


def deliver(app: CorrespondenceApplication, envelopes: list[AnyEnvelope], start: int = 1) -> None:
    (subscription,) = [s for s in subscriptions(app) if s.source == "budgeting"]
    for position, envelope in enumerate(envelopes, start=start):
        with acting_as(envelope.actor, envelope.trace_id or None):
            app.execute(lambda e=envelope: (None, subscription.handler(e)),
                        tracking=Tracking(subscription.source, position))


def documents(app: CorrespondenceApplication) -> list[Document]:
    """Every document of the store (its listing's rows, each loaded), by addressee."""
    return sorted((app.document(UUID(row["id"])) for row in app.documents.select()),
                  key=lambda d: d.addressee)


def hire(client: TestClient) -> None:
    for officer_id, roles in STAFF:
        actor = "esa-1" if officer_id != "esa-1" else "setup"
        response = client.post("/officers", headers={"X-Actor-Id": actor}, json={
            "officer_id": officer_id, "name_th": f"นาย {officer_id}",
            "position_th": position_th(officer_id), "roles": roles})
        assert response.status_code == 201, response.text


def content(client: TestClient, document: Document, actor: str = "off-1") -> str:
    response = client.get(f"/documents/{document.id}/content", headers={"X-Actor-Id": actor})
    assert response.status_code == 200, response.text
    return response.json()["draft_text"]


def test_an_approved_allocation_drafts_one_letter_per_school_once(
        budgeting: BudgetingApplication, budgeting_client: TestClient,
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    walk_everything(BudgetClient(budgeting_client), Deliverer(budgeting))
    approvals = budgeting_envelopes(budgeting, "budgeting.allocation.approved")
    hire(client)

    deliver(correspondence, approvals)
    position = correspondence.max_notification_id()
    deliver(correspondence, approvals, start=100)  # the same events, redelivered
    assert correspondence.max_notification_id() == position

    letters = [d for d in documents(correspondence) if d.subject.startswith("แจ้งการจัดสรร")]
    per_head = next(e for e in approvals if e.data["method"] == "per_head")
    schools = [i for i in per_head.data["items"] if i["recipient_kind"] == "school"]
    assert len(letters) == len(schools) == 2, "groups get no letter; each school exactly one"
    assert [d.addressee for d in letters] == [
        "ผู้อำนวยการโรงเรียนชุมชนป่ารัง", "ผู้อำนวยการโรงเรียนบ้านนาหนองแคนพัฒนา"]
    for letter in letters:
        assert (letter.step.value, letter.holder, letter.drafter_id) == ("drafted", "off-1", "off-1")
        history = every_item(client, f"/documents/{letter.id}/history", "off-1")
        assert [h["actor"] for h in history] == ["system"]

    text = content(client, letters[1])
    assert "เรียน  ผู้อำนวยการโรงเรียนบ้านนาหนองแคนพัฒนา" in text
    assert "27,400.00 บาท (สองหมื่นเจ็ดพันสี่ร้อยบาทถ้วน)" in text
    assert "พ.ศ. 2568" in text and "พฤศจิกายน 2567" in text  # Buddhist-era dates
    assert "อ้างถึง  ทะเบียนรับ 15/2567" in text  # the resolution budgeting learned (its test support)
    assert "รวมนักเรียนของโรงเรียนที่ยุบรวมมา รหัส 40050003" in text

    # A generated draft goes down the ordinary path: check, then signature.
    url = f"/documents/{letters[0].id}"
    for path, actor, body in [("submit", "off-1", {"checker_id": "dir-1"}),
                              ("approve", "dir-1", {"signer_id": "esa-1"})]:
        response = client.post(f"{url}/{path}", json=body, headers={
            "X-Actor-Id": actor, "If-Match": etag_of(client, url, actor)})
        assert response.status_code == 200, response.text
    assert response.json()["step"] == "awaiting_signature"


def test_an_approved_transfer_drafts_its_report_to_obec(
        budgeting: BudgetingApplication, budgeting_client: TestClient,
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    walk_everything(BudgetClient(budgeting_client), Deliverer(budgeting))
    transfers = budgeting_envelopes(budgeting, "budgeting.budget_transfer.approved")
    hire(client)
    deliver(correspondence, transfers)
    deliver(correspondence, transfers, start=50)

    reports = [d for d in documents(correspondence) if d.subject.startswith("รายงานการโอน")]
    assert len(reports) == len(transfers) == 2
    assert {d.addressee for d in reports} == {"เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน"}
    texts = [content(client, d) for d in reports]
    ordinary = next(t for t in texts if "5,000.00 บาท" in t)
    assert "5,000.00 บาท (ห้าพันบาทถ้วน)" in ordinary
    assert "ได้รับอนุมัติจากผู้ว่าราชการจังหวัด" in ordinary
    assert "ยอดคงเหลือหลังการโอน: ต้นทาง 46,000.00 บาท" in ordinary
    higher = next(t for t in texts if "20,000.00 บาท" in t)
    assert ("ผู้ว่าราชการจังหวัด และสำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน (สพฐ.)"
            in higher)


def test_a_letter_for_someone_the_directory_does_not_know_goes_to_the_group_director(
        budgeting: BudgetingApplication, budgeting_client: TestClient,
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    """The letter is never lost for who was named: the group director assigns it, the document
    says who was named and why, and the directory is left as it was."""
    walk_everything(BudgetClient(budgeting_client), Deliverer(budgeting))
    approvals = budgeting_envelopes(budgeting, "budgeting.allocation.approved")
    hire(client)
    stranger: list[Any] = [
        AnyEnvelope.model_validate({**e.model_dump(mode="json"),
                                    "data": {**e.data, "prepared_by": "budget-officer-9"}})
        for e in approvals]
    deliver(correspondence, stranger)
    letters = [d for d in documents(correspondence) if d.subject.startswith("แจ้งการจัดสรร")]
    assert letters and {d.holder for d in letters} == {"group_director"}
    assert correspondence.get(Officer, Officer.create_id("budget-officer-9")) is None
    assert correspondence.officers.count() == len(STAFF)
    shown = client.get(f"/documents/{letters[0].id}", headers={"X-Actor-Id": "dir-1"}).json()
    assert shown["origin"] == "budgeting.allocation.approved"
    assert shown["rerouted"] == {
        "named_officer_id": "budget-officer-9", "reason": "not_in_directory",
        "reason_th": "ไม่พบผู้ที่ระบุในทะเบียนเจ้าหน้าที่", "routed_to": "group_director",
        "routed_to_th": "ผู้อำนวยการกลุ่ม"}
    assert letters[0].id in {UUID(d["document_id"]) for d in every_item(
        client, "/work-queue", "dir-1")}

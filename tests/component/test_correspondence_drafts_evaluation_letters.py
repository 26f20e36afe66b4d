"""Correspondence drafts a letter per evaluation result issued by monitoring (procedure 15),
applied the way its consumer does: the handler's documents saved with the tracking position."""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.envelope import AnyEnvelope, Envelope
from contracts.monitoring.v1 import EvaluationResultsIssued
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.handlers import evaluation_letter_id, evaluation_results_handler
from shared.settings import PROJECT_ROOT
from tests.support.http import every_item, h, post

EXAMPLE = PROJECT_ROOT / "contracts" / "examples" / "monitoring.evaluation.results_issued.v1.json"


def issued(**changes: object) -> AnyEnvelope:
    envelope = Envelope[EvaluationResultsIssued].model_validate_json(
        EXAMPLE.read_text(encoding="utf-8"))
    data = envelope.data.model_copy(update=changes)
    return AnyEnvelope.model_validate({**envelope.model_dump(mode="json"),
                                       "data": data.model_dump(mode="json")})


def hire(client: TestClient) -> None:
    for officer_id, name, roles in (("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director"]),
                                    ("dir-1", "นายประเสริฐ นำทาง", ["group_director"]),
                                    ("off-1", "นายสมชาย รักงาน", ["officer"])):
        response = client.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "roles": roles})
        assert response.status_code == 201, response.text


def apply(app: CorrespondenceApplication, envelope: AnyEnvelope, position: int) -> None:
    handle = evaluation_results_handler(app)
    app.execute(lambda: (None, handle(envelope)), tracking=Tracking("monitoring", position))


def test_each_result_becomes_an_outgoing_draft_held_by_the_issuing_officer(
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    hire(client)
    envelope = issued()
    apply(correspondence, envelope, 1)

    data = EvaluationResultsIssued.model_validate(envelope.data)
    document_id = evaluation_letter_id(data.evaluation_id, 1)
    document = client.get(f"/documents/{document_id}").json()
    assert document["subject"] == "แจ้งผลการประเมินโครงการ P68-01 ปีงบประมาณ พ.ศ. 2568"
    assert document["addressee"].startswith("นายสมชาย รักงาน")
    assert (document["doc_type"], document["step"], document["holder"]) == (
        "internal_memo", "drafted", "off-1")
    content = client.get(f"/documents/{document_id}/content",
                         headers={"X-Actor-Id": "off-1"}).json()
    assert "ร้อยละ 101.05 ของค่าเป้าหมาย" in content["draft_text"]

    before = correspondence.max_notification_id()
    apply(correspondence, envelope, 2)  # the same event again (a dead letter replayed, say)
    assert correspondence.max_notification_id() == before


def test_other_monitoring_events_draft_nothing(correspondence: CorrespondenceApplication) -> None:
    handle = evaluation_results_handler(correspondence)
    status = AnyEnvelope.model_validate_json(
        (PROJECT_ROOT / "contracts" / "examples" / "monitoring.case.status_changed.v1.json")
        .read_text(encoding="utf-8"))
    assert handle(status) == []


def test_results_issued_by_the_esa_director_go_to_the_group_director_who_assigns_them(
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    """The ESA director issues evaluation results (issue 12 §1) but does not draft letters: the
    draft is not refused (the message would end on a dead-letter subject and no letter would be
    drafted) but goes to the group director, and the document says who was named and why."""
    hire(client)
    envelope = issued(issued_by="esa-1", prepared_by=None)
    apply(correspondence, envelope, 1)  # what the consumer does: it must not raise

    data = EvaluationResultsIssued.model_validate(envelope.data)
    url = f"/documents/{evaluation_letter_id(data.evaluation_id, 1)}"
    document = client.get(url, headers=h("dir-1")).json()
    assert (document["step"], document["holder"], document["doc_type"]) == (
        "drafted", "group_director", "internal_memo")
    assert document["origin"] == "monitoring.evaluation.results_issued"
    assert (document["named_drafter_id"], document["rerouted"]["reason"]) == (
        "esa-1", "may_not_draft")
    assert document["rerouted"]["reason_th"].startswith("ผู้ที่ระบุไม่มีบทบาทผู้รับผิดชอบจัดทำหนังสือ")
    assert [w["id"] for w in every_item(client, "/my-work", "dir-1")] == [
        document["document_id"]]

    # The group director gives it to a responsible officer, who takes the draft on.
    assigned = post(client, f"{url}/assign", "dir-1", {"officer_id": "off-1"}, changes=url)
    assert (assigned["step"], assigned["holder"]) == ("drafted", "off-1")
    content = client.get(f"{url}/content", headers=h("off-1")).json()
    assert "ร้อยละ 101.05 ของค่าเป้าหมาย" in content["draft_text"]
    checked = post(client, f"{url}/submit", "off-1", {"checker_id": "dir-1"}, changes=url)
    assert checked["step"] == "in_check"


def test_an_officer_not_in_the_directory_does_not_hold_the_draft(
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    """A letter owed to those responsible does not wait on the staff directory either: it goes
    to the group director; the directory is left as it was."""
    hire(client)
    officers = client.get("/officers").json()
    envelope = issued(issued_by="nobody", prepared_by=None)
    apply(correspondence, envelope, 1)

    data = EvaluationResultsIssued.model_validate(envelope.data)
    document = client.get(f"/documents/{evaluation_letter_id(data.evaluation_id, 1)}").json()
    assert (document["step"], document["holder"]) == ("drafted", "group_director")
    assert document["rerouted"]["reason"] == "not_in_directory"
    assert client.get("/officers").json() == officers

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

EXAMPLE = PROJECT_ROOT / "contracts" / "examples" / "monitoring.evaluation.results_issued.v1.json"


def issued(**changes: object) -> AnyEnvelope:
    envelope = Envelope[EvaluationResultsIssued].model_validate_json(
        EXAMPLE.read_text(encoding="utf-8"))
    data = envelope.data.model_copy(update=changes)
    return AnyEnvelope.model_validate({**envelope.model_dump(mode="json"),
                                       "data": data.model_dump(mode="json")})


def hire(client: TestClient) -> None:
    for officer_id, name, roles in (("esa-1", "นายใหญ่ ผู้อำนวยการ", ["esa_director"]),
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


def test_an_officer_not_yet_in_the_directory_still_gets_the_draft(
        correspondence: CorrespondenceApplication, client: TestClient) -> None:
    """A letter owed to those responsible must not wait on the staff directory: it is held under
    the issuing officer's id until they are registered, and the directory is left as it was."""
    hire(client)
    officers = client.get("/officers").json()
    envelope = issued(issued_by="nobody")
    apply(correspondence, envelope, 1)

    data = EvaluationResultsIssued.model_validate(envelope.data)
    document = client.get(f"/documents/{evaluation_letter_id(data.evaluation_id, 1)}").json()
    assert (document["step"], document["holder"]) == ("drafted", "nobody")
    assert client.get("/officers").json() == officers

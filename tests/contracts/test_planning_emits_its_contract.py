"""Planning emits what its committed contract describes.

Every plan's life cycle runs in process; each domain event goes through the real translator (as the
relay does) and each envelope is checked against the committed JSON Schema of its type and read back
with the contract model, as budgeting and monitoring will.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
from fastapi.testclient import TestClient
from planning_samples import (
    NATIONAL,
    PROVINCIAL,
    action_plan,
    development_plan,
    know_document,
    policy,
)

from contracts.catalog import all_events
from contracts.envelope import Envelope
from contracts.planning import v1 as planning_v1
from services.planning.application import PlanningApplication
from services.planning.integration import translate
from tests.support.http import etag_of

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
RESOLUTION = "1bc82a1b-b273-4bb5-9228-418d3e3dbe17"


def envelopes_of(app: PlanningApplication) -> list[dict]:
    out = []
    for notification in app.read_notifications(0, 10_000):
        event = app.to_domain_event(notification)
        envelope = translate(event, app.load(event.originator_id, event.originator_version))
        if envelope is not None:
            out.append(json.loads(json.dumps(envelope.model_dump(mode="json"))))
    return out


def test_every_emitted_event_validates_and_the_approval_carries_every_project(
        planning_client: TestClient, planning: PlanningApplication) -> None:
    client = planning_client
    know_document(planning, RESOLUTION, 1)

    def post(path: str, body: dict, actor: str = "off-1") -> dict:
        headers = {"X-Actor-Id": actor}
        if path.startswith("/plans/"):  # a step of an existing plan: the version read
            headers["If-Match"] = etag_of(client, "/".join(path.split("/")[:3]), actor)
        response = client.post(path, headers=headers, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def submit(plan_id: str) -> dict:
        return post(f"/plans/{plan_id}/submit", {}, "dir-1")

    post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
    post("/reference-strategies/national", {"strategies": NATIONAL})
    plans = {}
    for path, body in (("/policies", policy()), ("/development-plans", development_plan())):
        plan = post(path, body)
        submit(plan['plan_id'])
        plans[path] = post(f"/plans/{plan['plan_id']}/approve",
                           {"resolution_document_id": RESOLUTION}, "dir-1")
    plan = post("/action-plans", action_plan(plans["/development-plans"]["plan_id"],
                                             plans["/policies"]["plan_id"]))
    plan_id = plan["plan_id"]
    submit(plan_id)
    post(f"/plans/{plan_id}/return", {"reason": "ปรับตัวชี้วัด", "resolution_document_id": RESOLUTION},
         "dir-1")
    submit(plan_id)
    post(f"/plans/{plan_id}/reject", {"reason": "ไม่สอดคล้อง", "resolution_document_id": RESOLUTION},
         "dir-1")
    submit(plan_id)
    post(f"/plans/{plan_id}/approve", {"resolution_document_id": RESOLUTION}, "dir-1")
    post(f"/plans/{plan_id}/publish", {}, "dir-1")
    post(f"/plans/{plan_id}/start-execution", {}, "dir-1")
    amendment = post(f"/plans/{plans['/development-plans']['plan_id']}/amend", {})
    submit(amendment['plan_id'])
    post(f"/plans/{amendment['plan_id']}/approve", {"resolution_document_id": RESOLUTION,
                                                    "effective_from": "2024-12-01"}, "dir-1")
    post(f"/plans/{plan_id}/close", {}, "dir-1")

    emitted = envelopes_of(planning)
    types = [e["type"] for e in emitted]
    # Every event of planning's own contract (the dead letters every relay publishes are
    # another module's, and tested with the consumer: tests/connected/test_dead_letters.py).
    assert set(types) == {model.EVENT_TYPE for model in planning_v1.EVENTS}
    for envelope in emitted:
        schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
        jsonschema.validate(envelope, schema)
        model = all_events()[f"{envelope['type']}.v1"]
        Envelope[model].model_validate(envelope)  # type: ignore[valid-type]
        assert envelope["status"]["procedure"] in (5, 6, 7)
        assert envelope["status"]["case_type"] == envelope["data"]["plan_kind"]

    approved = next(e for e in emitted if e["type"] == "planning.action_plan.approved")
    data = approved["data"]
    assert data["approval"]["round"] == 3 and data["approval"]["resolution"]["reference"] == \
        "ทะเบียนรับ 15/2567"
    assert data["development_plan_id"] == plans["/development-plans"]["plan_id"]
    assert [p["code"] for p in data["projects"]] == ["P68-01", "P68-02"]
    first = data["projects"][0]
    assert first["strategy_title_th"] == "พัฒนาคุณภาพผู้เรียนทุกระดับ"
    assert [(b["category"], b["quarter"], b["amount"]) for b in first["budget_lines"]] == [
        ("operations", 1, "450000.00"), ("operations", 2, "300000.00"),
        ("subsidies", 2, "250000.50")]
    assert first["kpis"][0]["target_value"] == "95"
    assert sum(Decimal(p["total_budget"]) for p in data["projects"]) == Decimal(data["total_budget"])
    assert approved["status"]["step_th"] == "กศจ. อนุมัติแล้ว"
    assert approved["status"]["holder_th"] == "นายสมชาย รักงาน"

    closed = [e for e in emitted if e["type"] == "planning.plan.closed"]
    assert {(e["data"]["plan_kind"], e["data"]["superseded_by"] is not None) for e in closed} == {
        ("development_plan", True), ("action_plan", False)}
    assert all(e["status"]["closed"] for e in closed)

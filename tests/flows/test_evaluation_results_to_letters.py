"""Procedure 15 across services: an evaluation issued in monitoring reaches correspondence over
NATS JetStream, which drafts a letter per result; the draft shows on monitoring's feed.
Real nats-server, the services as real processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import nats

from contracts.envelope import Envelope
from contracts.planning.v1 import ActionPlanApproved
from services.correspondence.handlers import evaluation_letter_id
from shared.settings import PROJECT_ROOT
from shared.testing import read_feed

EXAMPLE = PROJECT_ROOT / "contracts" / "examples" / "planning.action_plan.approved.v1.json"


def publish_plan(url: str) -> Envelope[ActionPlanApproved]:
    plan = Envelope[ActionPlanApproved].model_validate_json(EXAMPLE.read_text(encoding="utf-8"))

    async def run() -> None:
        client = await nats.connect(url)
        await client.jetstream().publish(plan.nats_subject, plan.model_dump_json().encode(),
                                         headers={"Nats-Msg-Id": plan.id})
        await client.drain()

    asyncio.run(run())
    return plan


def eventually(url: str, auth: httpx.Auth, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = httpx.get(url, timeout=5, auth=auth)
        if response.status_code == 200:
            return response.json()
        time.sleep(0.2)
    raise TimeoutError(url)


def test_issued_evaluation_results_become_draft_letters_in_correspondence(
        system: Any, nats_server: Any) -> None:
    system.saraban.hire_staff()
    monitoring = system.monitoring.client(timeout=30, headers={"X-Actor-Id": "off-1"})
    plan = publish_plan(nats_server.url)
    tracked = eventually(f"{system.monitoring.url}/monitoring-plans/{plan.data.plan_id}",
                         system.monitoring.auth)
    reported = monitoring.post(f"/monitoring-plans/{tracked['plan_id']}/progress", json={
        "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 4, "value": "96"})
    assert reported.status_code == 201, reported.text
    evaluation = monitoring.post("/evaluations/action-plan", json={
        "plan_id": tracked["plan_id"], "outcomes": {"P68-01": "บรรลุตามเป้าหมาย"}}).json()
    issued = monitoring.post(f"/evaluations/{evaluation['evaluation_id']}/issue")
    assert issued.status_code == 200, issued.text

    letter_id = evaluation_letter_id(evaluation["evaluation_id"], 1)
    letter = eventually(f"{system.correspondence.url}/documents/{letter_id}",
                        system.correspondence.auth)
    assert letter["subject"] == evaluation["results"][0]["subject_th"]
    assert (letter["step"], letter["holder"], letter["doc_type"]) == ("drafted", "off-1",
                                                                      "internal_memo")

    events = read_feed(f"{system.monitoring.url}/feed", until=lambda evs: any(
        e.data["subject"] == str(letter_id) for e in evs))
    shown = next(e for e in events if e.data["subject"] == str(letter_id))
    assert shown.data["source"] == "correspondence" and shown.data["step"] == "drafted"
    evaluation_case = next(e for e in events if e.data["subject"] == evaluation["evaluation_id"]
                           and e.data["step"] == "results_issued")
    assert evaluation_case.data["procedure"] == 15 and evaluation_case.data["closed"] is True

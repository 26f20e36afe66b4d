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
    """The ESA director issues the results; the letters are drafted by someone who may draft
    them, and no message is left on a dead-letter subject on the way."""
    system.saraban.hire_staff()
    monitoring = system.monitoring.client(timeout=30)
    # Monitoring learns the staff from correspondence's events.
    for officer_id in ("off-1", "esa-1"):
        eventually(f"{system.monitoring.url}/officers/{officer_id}", system.monitoring.auth)
    plan = publish_plan(nats_server.url)
    tracked = eventually(f"{system.monitoring.url}/monitoring-plans/{plan.data.plan_id}",
                         system.monitoring.auth)

    def read(path: str, actor: str) -> dict[str, str]:  # a change says which version it read
        etag = monitoring.get(path, headers={"X-Actor-Id": actor}).headers["ETag"]
        return {"X-Actor-Id": actor, "If-Match": etag}

    record = f"/monitoring-plans/{tracked['plan_id']}"
    reported = monitoring.post(f"{record}/progress", headers=read(record, "off-1"), json={
        "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 4, "value": "96"})
    assert reported.status_code == 201, reported.text
    evaluation = monitoring.post("/evaluations/action-plan", headers={"X-Actor-Id": "off-1"}, json={
        "plan_id": tracked["plan_id"], "outcomes": {"P68-01": "บรรลุตามเป้าหมาย"}}).json()
    path = f"/evaluations/{evaluation['evaluation_id']}"
    issued = monitoring.post(f"{path}/issue", headers=read(path, "esa-1"))
    assert issued.status_code == 200, issued.text

    letter_id = evaluation_letter_id(evaluation["evaluation_id"], 1)
    letter = eventually(f"{system.correspondence.url}/documents/{letter_id}",
                        system.correspondence.auth)
    assert letter["subject"] == evaluation["results"][0]["subject_th"]
    assert (letter["step"], letter["doc_type"]) == ("drafted", "internal_memo")
    assert letter["holder"] != "esa-1", "the director issues; an officer who may draft drafts"

    events = read_feed(f"{system.monitoring.url}/feed", until=lambda evs: any(
        e.data["subject"] == str(letter_id) for e in evs))
    shown = next(e for e in events if e.data["subject"] == str(letter_id))
    assert shown.data["source"] == "correspondence" and shown.data["step"] == "drafted"
    evaluation_case = next(e for e in events if e.data["subject"] == evaluation["evaluation_id"]
                           and e.data["step"] == "results_issued")
    assert evaluation_case.data["procedure"] == 15 and evaluation_case.data["closed"] is True
    # Nothing was parked anywhere on the way.
    health = httpx.get(f"{system.correspondence.url}/health", timeout=5).json()
    assert (health["status"], health["dead_letters"]) == ("ok", 0)
    parked = monitoring.get("/cases", params={"case_type": "dead_letter"}).json()
    assert parked["total"] == 0

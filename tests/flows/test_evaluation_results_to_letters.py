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


def with_etag(client: httpx.Client, record: str) -> dict[str, str]:
    """If-Match with the record's ETag, read as the client's officer."""
    read = client.get(record)
    assert read.status_code == 200, read.text
    return {"If-Match": read.headers["ETag"]}


def test_results_the_esa_director_issues_become_draft_letters_in_correspondence(
        system: Any, nats_server: Any) -> None:
    """Issue 12 §1: the ESA director issues an evaluation's results (monitoring); over NATS
    JetStream correspondence drafts a letter per result. The ESA director does not draft letters:
    the draft is held by an officer the staff directory lets draft, or goes to the group director,
    never to a dead-letter subject."""
    system.saraban.hire_staff()
    for officer_id in ("off-1", "esa-1"):  # monitoring learns the staff from correspondence
        eventually(f"{system.monitoring.url}/officers/{officer_id}", system.monitoring.auth)
    officer = system.monitoring.client(timeout=30, headers={"X-Actor-Id": "off-1"})
    director = system.monitoring.client(timeout=30, headers={"X-Actor-Id": "esa-1"})
    plan = publish_plan(nats_server.url)
    tracked = eventually(f"{system.monitoring.url}/monitoring-plans/{plan.data.plan_id}",
                         system.monitoring.auth)
    plan_path = f"/monitoring-plans/{tracked['plan_id']}"
    reported = officer.post(f"{plan_path}/progress", headers=with_etag(officer, plan_path), json={
        "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 4, "value": "96"})
    assert reported.status_code == 201, reported.text
    evaluation = officer.post("/evaluations/action-plan", json={
        "plan_id": tracked["plan_id"], "outcomes": {"P68-01": "บรรลุตามเป้าหมาย"}})
    assert evaluation.status_code == 201, evaluation.text
    evaluation_path = f"/evaluations/{evaluation.json()['evaluation_id']}"
    issued = director.post(f"{evaluation_path}/issue",
                           headers=with_etag(director, evaluation_path))
    assert issued.status_code == 200, issued.text
    results = issued.json()

    letter_id = evaluation_letter_id(results["evaluation_id"], 1)
    letter = eventually(f"{system.correspondence.url}/documents/{letter_id}",
                        system.correspondence.auth)
    assert letter["subject"] == results["results"][0]["subject_th"]
    assert (letter["step"], letter["doc_type"]) == ("drafted", "internal_memo")
    assert letter["origin"] == "monitoring.evaluation.results_issued"
    # Held by the officer the event named if the directory lets them draft, else by the group
    # director, with the reason on the document.
    named = letter["named_drafter_id"]
    assert named in {"esa-1", "off-1"}, "the one who issued or the one who evaluated"
    roles = set(eventually(f"{system.correspondence.url}/officers/{named}",
                           system.correspondence.auth)["roles"])
    if roles & {"officer", "group_director"}:
        assert (letter["holder"], letter["rerouted"]) == (named, None)
    else:
        assert letter["holder"] == "group_director"
        assert letter["rerouted"]["reason"] == "may_not_draft"
    parked = httpx.get(f"{system.correspondence.url}/admin/dead-letters",
                       auth=system.correspondence.auth, timeout=10)
    assert parked.status_code == 200 and parked.json()["items"] == [], "nothing parked"

    events = read_feed(f"{system.monitoring.url}/feed", until=lambda evs: any(
        e.data["subject"] == str(letter_id) for e in evs))
    shown = next(e for e in events if e.data["subject"] == str(letter_id))
    assert shown.data["source"] == "correspondence" and shown.data["step"] == "drafted"
    assert shown.data["holder"] == letter["holder"]
    evaluation_case = next(e for e in events if e.data["subject"] == results["evaluation_id"]
                           and e.data["step"] == "results_issued")
    assert evaluation_case.data["procedure"] == 15 and evaluation_case.data["closed"] is True
    # Nothing was parked anywhere on the way.
    health = httpx.get(f"{system.correspondence.url}/health", timeout=5).json()
    assert (health["status"], health["dead_letters"]) == ("ok", 0)
    parked = officer.get("/cases", params={"case_type": "dead_letter"}).json()
    assert parked["total"] == 0

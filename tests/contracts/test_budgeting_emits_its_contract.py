"""Budgeting emits what its committed contract describes, every type of it.

Every procedure runs once in process (tests/support/budgeting.py); every domain event goes through
the real translator (as the relay does) and each envelope is checked against the committed JSON
Schema of its type. Every case event carries a case status for monitoring.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from fastapi.testclient import TestClient
from support.budgeting import BudgetClient, Deliverer, walk_everything

from contracts.budgeting.v1 import EVENTS
from services.budgeting.application import BudgetingApplication
from services.budgeting.integration import translate

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


def envelopes_of(app: BudgetingApplication) -> list[dict]:
    out = []
    for notification in app.read_notifications(0, 100_000):
        event = app.to_domain_event(notification)
        envelope = translate(event, app.load(event.originator_id, event.originator_version))
        if envelope is not None:
            out.append(json.loads(json.dumps(envelope.model_dump(mode="json"))))
    return out


def test_every_budgeting_event_type_is_emitted_and_validates(
        budgeting_client: TestClient, budgeting: BudgetingApplication) -> None:
    walk_everything(BudgetClient(budgeting_client), Deliverer(budgeting))

    emitted = envelopes_of(budgeting)
    for envelope in emitted:
        schema = json.loads((SCHEMAS / f"{envelope['type']}.v1.json").read_text(encoding="utf-8"))
        jsonschema.validate(envelope, schema)
        assert envelope["id"] == f"budgeting:{envelope['subject']}:{envelope['sequence']}"
    assert {e["type"] for e in emitted} == {model.EVENT_TYPE for model in EVENTS}

    cases = [e for e in emitted if not e["type"].startswith(("budgeting.per_head_rates",))]
    assert all(e["status"] is not None for e in cases), "every case and line event has a status"
    procedures = {e["type"].split(".")[1]: e["status"]["procedure"] for e in cases}
    assert procedures == {"budget_line": 13, "budget_analysis": 10, "budget_request": 11,
                          "external_funding": 11, "allocation": 12, "budget_transfer": 13,
                          "leftover_review": 13}
    # Restructuring's facts copied into budgeting are not republished as budgeting's.
    assert not any("school_record" in e["type"] for e in emitted)

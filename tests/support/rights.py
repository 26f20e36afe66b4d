"""Decision rights over HTTP, through the gate: one check of every decision of every service.

For a decision (a command a `Right` governs) `assert_decision_rights` tries, in this order and on
the same record:
(a) an officer the service has never heard of                → 404 unknown-officer
(b) a real, active officer without the role                  → 403 role-required
(c) the officer who took the step the right excludes         → 403 same-person
(d) for a body's decision, the same request without citation → 403 resolution-required
(e) the right officer                                        → success
Each refusal must change nothing but the audit trail of access, and be recorded there with the
officer and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from shared.eventstore import ServiceApplication
from shared.testing import access_refusals, state_changes_since
from tests.support.http import etag_of, h

GHOST = "ghost-999"


@dataclass
class Decision:
    path: str  # the command
    body: dict[str, Any]
    record: str | None  # the record's GET path (its ETag goes in If-Match); None: a new record
    allowed: str  # the officer who may
    without_role: str  # a real officer who does not hold the role
    same_person: str | None = None  # the one whose earlier step excludes them
    cites: str | None = None  # the body field citing the registered document (body decisions)
    expect: int = 200
    method: str = "POST"
    extra_headers: dict[str, str] = field(default_factory=dict)


def assert_decision_rights(client: TestClient, app: ServiceApplication, decision: Decision,
                           check: Callable[[Any], None] | None = None) -> Any:
    """Refusals (a)-(d), then success (e); returns the successful answer."""
    _refused(client, app, decision, GHOST, decision.body, 404, "unknown-officer")
    _refused(client, app, decision, decision.without_role, decision.body, 403, "role-required")
    if decision.same_person is not None:
        _refused(client, app, decision, decision.same_person, decision.body, 403, "same-person")
    if decision.cites is not None:
        uncited = {k: v for k, v in decision.body.items() if k != decision.cites}
        _refused(client, app, decision, decision.allowed, uncited, 403, "resolution-required")
    response = _send(client, decision, decision.allowed, decision.body)
    assert response.status_code == decision.expect, response.text
    answer = response.json()
    if check is not None:
        check(answer)
    return answer


def _send(client: TestClient, decision: Decision, actor: str, body: dict[str, Any]) -> Any:
    headers = {**h(actor), **decision.extra_headers}
    if decision.record is not None:
        headers["If-Match"] = etag_of(client, decision.record, decision.allowed)
    return client.request(decision.method, decision.path, headers=headers, json=body)


def _refused(client: TestClient, app: ServiceApplication, decision: Decision, actor: str,
             body: dict[str, Any], status: int, code: str) -> None:
    before = app.max_notification_id()
    refusals = len(access_refusals(app))
    response = _send(client, decision, actor, body)
    assert response.status_code == status, (actor, code, response.text)
    problem = response.json()
    assert problem["code"] == code, (actor, problem)
    assert problem["title_th"] and problem["title_en"], "Thai and English"
    assert state_changes_since(app, before) == [], f"{code}: nothing but the refusal is recorded"
    recorded = access_refusals(app)[refusals:]
    assert [(r["reason"], r["officer"], r["path"]) for r in recorded] == [
        (code, actor, decision.path)], f"{code} is on the record, with the officer"

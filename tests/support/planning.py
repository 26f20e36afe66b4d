"""Planning test support: the officer at planning's API as the office portal calls it (a command
on an existing plan sends back the version read, `If-Match`), and the resolution the tests cite."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from planning_samples import NATIONAL, PROVINCIAL, development_plan, policy

from tests.support.http import etag_of

RESOLUTION = "1bc82a1b-b273-4bb5-9228-418d3e3dbe17"


def h(actor: str = "off-1", **extra: str) -> dict[str, str]:
    return {"X-Actor-Id": actor, **extra}


PLAN_COMMAND = re.compile(r"^/(?:plans|policies|development-plans|action-plans)/([0-9a-f-]{36})/")


class Officer:
    """A planning officer at the API (off-1 drafts), the group director who checks and proposes
    the drafts (dir-1) and records the committee's decisions, as the office portal calls them: a
    command on an existing plan says which version of it was read (`If-Match`)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def post(self, path: str, body: dict[str, Any], actor: str = "off-1", status: int | None = None,
             **headers: str) -> dict[str, Any]:
        on_plan = PLAN_COMMAND.match(path)
        if on_plan and "If-Match" not in headers:
            headers["If-Match"] = etag_of(self.client, f"/plans/{on_plan.group(1)}", actor)
        response = self.client.post(path, headers=h(actor, **headers), json=body)
        if status is None:
            assert response.status_code in (200, 201), response.text
        else:
            assert response.status_code == status, response.text
        return response.json()

    def submit(self, plan_id: str) -> dict[str, Any]:
        return self.post(f"/plans/{plan_id}/submit", {}, actor="dir-1")

    def references(self) -> None:
        self.post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
        self.post("/reference-strategies/national", {"strategies": NATIONAL})

    def approved(self, path: str, body: dict[str, Any], **approval: Any) -> dict[str, Any]:
        plan = self.post(path, body)
        self.submit(plan['plan_id'])
        return self.post(f"/plans/{plan['plan_id']}/approve",
                         {"resolution_document_id": RESOLUTION, **approval}, actor="dir-1")

    def policy_and_development_plan(self) -> tuple[dict[str, Any], dict[str, Any]]:
        self.references()
        return (self.approved("/policies", policy()),
                self.approved("/development-plans", development_plan()))

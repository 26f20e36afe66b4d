"""Requests as the office portal makes them for an officer: the test clients carry the portal's
token; these name the acting officer and check the answer."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def h(actor: str, **extra: str) -> dict[str, str]:
    """Headers of a request the officer `actor` makes, with any others (`Idempotency-Key`, ...)."""
    return {"X-Actor-Id": actor, **extra}


def post(client: TestClient, path: str, actor: str, body: dict[str, Any],
         expect: int = 200) -> Any:
    """POST as `actor`; the answer's JSON, once its status is `expect`."""
    response = client.post(path, headers=h(actor), json=body)
    assert response.status_code == expect, response.text
    return response.json()

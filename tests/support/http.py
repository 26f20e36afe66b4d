"""Requests as the office portal makes them for an officer: the test clients carry the portal's
token; these name the acting officer, send back the version read (`If-Match`) when changing a
record, and check the answer."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def h(actor: str, **extra: str) -> dict[str, str]:
    """Headers of a request the officer `actor` makes, with any others (`Idempotency-Key`, ...)."""
    return {"X-Actor-Id": actor, **extra}


def etag_of(client: TestClient, resource: str, actor: str) -> str:
    """The ETag of a record as `actor` reads it: what a client sends back in `If-Match`."""
    response = client.get(resource, headers=h(actor))
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def post(client: TestClient, path: str, actor: str, body: dict[str, Any],
         expect: int = 200, *, changes: str | None = None) -> Any:
    """POST as `actor`; the answer's JSON, once its status is `expect`. `changes`: the record the
    command changes (its GET path), read first so the command says which version it changes."""
    headers = h(actor)
    if changes is not None:
        headers["If-Match"] = etag_of(client, changes, actor)
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == expect, response.text
    return response.json()


def every_item(client: Any, path: str, actor: str = "off-1", **params: Any) -> list[Any]:
    """Every item of a paged list, following `next_cursor` from page to page as a client does
    (`client`: a TestClient or an httpx client of a running service)."""
    items: list[Any] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=h(actor))
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items

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


# What a careless or hostile client sends to a list: cursors that do not decode or are of another
# shape, numbers too large for the database, impossible dates, unknown values of a filter.
JUNK_LIST_PARAMS: tuple[dict[str, str], ...] = (
    {"cursor": "%%%"}, {"cursor": "WyJhIl0"}, {"cursor": "W1tbXV1d"}, {"cursor": "eyJhIjoxfQ"},
    {"cursor": "W251bGwsbnVsbF0"}, {"cursor": "WzEuNSwiYSJd"},
    {"cursor": "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"},
    {"cursor": "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAsImEiXQ"},
    {"limit": "abc"}, {"limit": "-1"}, {"limit": "99999999999999999999"},
    {"as_of": "2025-02-30"}, {"as_of": "0001-01-01"}, {"as_of": "9999-12-31"},
    {"fiscal_year_be": "99999999999999999999"}, {"q": "%_\\'\""}, {"q": "ก" * 300},
    {"status": "x"}, {"size_band": "x"}, {"small": "maybe"}, {"step": "x"}, {"kind": "x"},
    {"closed": "x"}, {"district": "\x00"}, {"holder": "x" * 200},
)


def assert_lists_take_junk(client: Any, paths: list[str]) -> int:
    """Every junk parameter on every list: a clear answer (problem+json when refused), never a
    500; returns how many were tried."""
    tried = 0
    for path in paths:
        for params in JUNK_LIST_PARAMS:
            response = client.get(path, params=params, headers=h("off-1"))
            assert response.status_code < 500, (path, params, response.text[:300])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
            tried += 1
    return tried

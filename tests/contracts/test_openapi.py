"""Every service's OpenAPI document is committed and matches what the service serves, and every
route it documents needs a scope, except the few public ones; the gate enforces exactly what the
document says (a route left out of the document still gets the default scope of its method).

Services are those `make run` starts (`services.openapi.service_names()`): one added later is
checked without a change here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.openapi import OPENAPI_DIR, service_app, service_names
from shared.auth.scopes import scopes_of
from shared.testing import office_auth

# Anyone may call these: liveness and readiness, the token endpoint, and monitoring's public status board (its
# snapshot and live feed: a browser's EventSource cannot send a bearer token; classified titles
# never reach it), and correspondence's published news of the group's work (its list, items,
# pictures and Atom feed: the office's web page; drafts and withdrawn items are never served there).
PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("POST", "/oauth/token"), ("GET", "/feed"),
          ("GET", "/board"), ("GET", "/board/facets"), ("GET", "/dashboard/summary"),
          ("GET", "/news"), ("GET", "/news/feed.xml"),
          ("GET", "/news/{news_item_id}"), ("GET", "/news/{news_item_id}/image")}
UNDOCUMENTED_PUBLIC = {"monitoring": ["/", "/dashboard", "/static/fonts/Sarabun-Regular.ttf",
                                      "/static/status.js", "/static/dashboard.css"]}
DUMMY_SEGMENT = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(params=service_names())
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FastAPI]:
    with service_app(request.param, tmp_path) as app:
        yield app


def operations(app: FastAPI) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, operation)
            for path, item in app.openapi()["paths"].items()
            for method, operation in item.items()]


def test_the_committed_document_is_what_the_service_serves(api: FastAPI) -> None:
    name = api.state.runtime.settings.service_name
    committed = OPENAPI_DIR / f"{name}.json"
    assert committed.exists(), f"run `make openapi` to add {committed.name}"
    served = TestClient(api).get("/openapi.json")
    assert served.status_code == 200
    assert json.loads(committed.read_text(encoding="utf-8")) == served.json(), (
        "the API changed: run `make openapi` and commit contracts/openapi/")


def test_every_route_needs_a_scope_except_the_public_ones(api: FastAPI) -> None:
    name = api.state.runtime.settings.service_name
    for method, path, operation in operations(api):
        if (method, path) in PUBLIC:
            assert operation["security"] == [], (method, path)
            continue
        [requirement] = operation["security"]
        [scope] = requirement["OAuth2"]
        assert scope.startswith(f"{name}:") and scope.split(":")[1], (method, path, scope)
    scheme = api.openapi()["components"]["securitySchemes"]["OAuth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert "office:staff" in scheme["flows"]["clientCredentials"]["scopes"]


def test_the_scopes_the_routes_need_are_those_the_document_lists(api: FastAPI) -> None:
    """The portal's test credentials read them from the routes (`office_auth`): a scope they
    missed would be refused the way no deployed client is."""
    needed = office_auth(api).scopes()
    assert needed | {"office:staff"} == scopes_of(api.openapi())


def test_the_gate_refuses_every_documented_route_without_a_token(api: FastAPI) -> None:
    client = TestClient(api)
    checked = 0
    for method, path, _ in operations(api):
        if (method, path) in PUBLIC:
            continue
        url = "/".join(DUMMY_SEGMENT if p.startswith("{") else p for p in path.split("/"))
        response = client.request(method, url, json={})
        assert response.status_code == 401, (method, path, response.text)
        checked += 1
    assert checked >= 3
    for path in ("/health", "/docs", "/openapi.json",
                 *UNDOCUMENTED_PUBLIC.get(api.state.runtime.settings.service_name, ())):
        assert client.get(path).status_code == 200, path

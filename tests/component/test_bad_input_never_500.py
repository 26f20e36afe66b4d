"""No input produces a 500: every route of every service answers bad input with problem+json."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.monitoring.main import create_app as create_monitoring
from services.monitoring.settings import MonitoringSettings
from shared.testing import office_client

JUNK_BODIES = [
    b"not json",
    b"{}",
    b"[]",
    b'{"officer_id": null, "received_at": "yesterday", "due_date": "2026-02-30", "roles": ["king"]}',
    ("{\"subject\": \"" + "ก" * 5000 + "\", \"attachments\": [{\"name\": \"x\", \"content_base64\": \"%%%\"}]}").encode(),
    b'{"year_be": -1, "members": "one", "document_ids": ["nope"], "urgency": "999"}',
    b'{"received_at": "0001-01-01T00:00:00+07:00", "sender": "x", "subject": "y"}',
    b'{"received_at": "9999-12-31T23:59:59-12:00", "sender": "x", "subject": "y"}',
]
JUNK_SEGMENTS = ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "9999999999999999999999", "%00"]


def routes(app) -> list[tuple[str, str]]:
    """Every operation the service documents (its OpenAPI), except the never-ending feed."""
    return [(method.upper(), path) for path, operations in app.openapi()["paths"].items()
            for method in operations if path != "/feed"]


def fill(path: str, segment: str) -> str:
    parts = [segment if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


def junk_requests(method: str, path: str) -> list[tuple[str, bytes | None]]:
    """Each junk segment (with the first junk body) and each junk body (under the first segment):
    the path is validated apart from the body, so every pair of the two adds nothing a request
    of each does not find. A path without a parameter is the same whatever the segment."""
    segments = JUNK_SEGMENTS if "{" in path else JUNK_SEGMENTS[:1]
    bodies: list[bytes | None] = JUNK_BODIES if method in {"POST", "PATCH", "PUT"} else [None]
    return [(segment, bodies[0]) for segment in segments] + [
        (segments[0], body) for body in bodies[1:]]


def check_all(client: TestClient, app) -> int:
    tried = 0
    for method, path in routes(app):
        for segment, body in junk_requests(method, path):
            url = fill(path, segment)
            for actor in ({}, {"X-Actor-Id": "nobody"}):
                response = client.request(method, url, content=body, headers={
                    "content-type": "application/json", "If-Match": "junk" if tried % 7 == 0 else '"1"',
                    **actor})
                tried += 1
                # The operations routes need NATS, which component tests do not start: 503.
                unavailable = response.status_code == 503 and (path.startswith("/admin/") or path == "/ready")
                assert response.status_code < 500 or unavailable, (method, url, body, response.text)
                # The token endpoint answers errors as RFC 6749 says (application/json, with
                # the same titles); every other route as problem+json.
                if response.status_code >= 400 and path != "/oauth/token":
                    assert response.headers["content-type"].startswith(
                        "application/problem+json"), (method, url, response.status_code)
    return tried


def test_correspondence_answers_junk_without_a_500(client: TestClient) -> None:
    assert check_all(client, client.app) > 500


@pytest.fixture
def monitoring_client(tmp_path: Path) -> TestClient:
    return office_client(create_monitoring(MonitoringSettings(var_dir=tmp_path)))


def test_monitoring_answers_junk_without_a_500(monitoring_client: TestClient) -> None:
    assert check_all(monitoring_client, monitoring_client.app) > 10


def test_restructuring_answers_junk_without_a_500(restructuring_client: TestClient) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "schools-enrolment-2567.csv"
    response = restructuring_client.post("/schools/import", content=sample.read_bytes(),
                                         headers={"X-Actor-Id": "off-1"})
    assert response.status_code == 200
    assert check_all(restructuring_client, restructuring_client.app) > 300


def test_planning_answers_junk_without_a_500(planning_client: TestClient) -> None:
    assert check_all(planning_client, planning_client.app) > 500


def test_budgeting_answers_junk_without_a_500(budgeting_client: TestClient) -> None:
    assert check_all(budgeting_client, budgeting_client.app) > 500

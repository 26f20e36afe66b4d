"""Restructuring as a real process against a real nats-server, on SQLite and on PostgreSQL: it
learns the office's staff and the committee's resolution from correspondence's stream (published
here as correspondence's relay would: `correspondence.officer.registered`,
`correspondence.document.registered`), then the DMC sample file is imported and a merger carried
out over HTTP, each step by the one whose step it is; the relay publishes every registry and case
event on `esa.restructuring.>`, each envelope valid against its committed JSON Schema, and
monitoring (a real process too) shows the merger case under procedure 9.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import orjson

from contracts.envelope import AnyEnvelope
from shared.messaging import connect, read_stream
from shared.office.testing import STANDARD_STAFF, document_envelope
from shared.testing import ServiceProcess
from shared.thaitime import bangkok_date, utc_now

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "schools-enrolment-2567.csv"
SCHEMAS = ROOT / "contracts" / "schemas"
SMALL, BIG = "40050003", "40050038"
RESOLUTION = "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"
STEP_ACTOR = {"study": "off-1", "hearing": "off-1", "propose": "dir-1", "decision": "off-2",
              "execute": "esa-1"}


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def stream_messages(nats_url: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        client = await connect(nats_url, name="test-reader")
        try:
            return [{"subject": m.subject, "msg_id": m.headers.get("Nats-Msg-Id"),
                     "envelope": json.loads(m.data)}
                    for m in await read_stream(client, "restructuring")]
        finally:
            await client.drain()
    return asyncio.run(read())


def publish_office(nats_url: str) -> None:
    """The standard staff and the committee's resolution, as correspondence's relay publishes
    them (the envelopes `shared.office.testing` teaches in-process services with)."""
    envelopes: list[AnyEnvelope] = [*(member.envelope() for member in STANDARD_STAFF),
                                     document_envelope(RESOLUTION)]

    async def run() -> None:
        client = await connect(nats_url, name="test-correspondence")
        try:
            js = client.jetstream()
            for envelope in envelopes:
                await js.publish(envelope.nats_subject,
                                 orjson.dumps(envelope.model_dump(mode="json")),
                                 headers={"Nats-Msg-Id": envelope.id})
        finally:
            await client.drain()

    asyncio.run(run())


def knows_the_office(http: httpx.Client) -> bool:
    officers = http.get("/officers", params={"limit": 500}).json()["items"]
    document = http.get(f"/registered-documents/{RESOLUTION}")
    return ({o["officer_id"] for o in officers} >= {m.officer_id for m in STANDARD_STAFF}
            and document.status_code == 200 and document.json()["citable"])


def merge(http: httpx.Client) -> dict[str, Any]:
    today = bangkok_date(utc_now())
    case = http.post("/cases", headers={"X-Actor-Id": "off-1"}, json={
        "case_type": "merge", "school_codes": [SMALL], "receiving_school_code": BIG}).json()
    for path, body in [
        ("study", {"travel_distance_km": "3.5", "summary_th": "เดินทางได้ มีรถรับส่ง"}),
        ("hearing", {"held_on": today.isoformat(), "participants": 54,
                     "school_board_agreed": True, "community_agreed": True,
                     "summary_th": "เห็นด้วย"}),
        ("propose", {}),
        ("decision", {"decision": "approve", "decided_on": today.isoformat(),
                      "resolution": {"document_id": RESOLUTION}}),
        ("execute", {"effective_date": (today + timedelta(days=30)).isoformat()}),
    ]:
        actor = STEP_ACTOR[path]
        etag = http.get(f"/cases/{case['case_id']}", headers={"X-Actor-Id": actor}).headers["ETag"]
        response = http.post(f"/cases/{case['case_id']}/{path}", json=body,
                             headers={"X-Actor-Id": actor, "If-Match": etag})
        assert response.status_code == 200, response.text
        case = response.json()
    return case


def test_the_relay_publishes_registry_and_case_events_that_match_the_contract(
        nats_server, store_env) -> None:
    env = {**store_env, "ESA_NATS_URL": nats_server.url, "ESA_RELAY_POLL_SECONDS": "0.2"}
    restructuring = ServiceProcess("restructuring", env)
    monitoring = ServiceProcess("monitoring", env)
    with restructuring, monitoring, restructuring.client(timeout=30) as http:
        publish_office(nats_server.url)
        wait_for(lambda: knows_the_office(http))
        imported = http.post("/schools/import", content=SAMPLE.read_bytes(),
                             headers={"X-Actor-Id": "off-1", "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        assert imported.json()["new"] == 416
        case = merge(http)
        assert case["step"] == "executed"

        # 208 schools, 416 snapshots, the case's 6 steps and the absorbed school's `merged` (the
        # receiving school's own record of the pupils it received stays inside the service).
        expected = 208 + 416 + 6 + 1
        messages = wait_for(lambda: (m := stream_messages(nats_server.url))
                            and len(m) >= expected and m)
        assert len(messages) == expected
        by_type: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            envelope = message["envelope"]
            assert message["subject"] == f"esa.{envelope['type']}"
            assert message["msg_id"] == envelope["id"]
            by_type.setdefault(envelope["type"], []).append(envelope)
        assert len(by_type["restructuring.school.registered"]) == 208
        assert len(by_type["restructuring.school.enrolment_recorded"]) == 416
        [merged] = by_type["restructuring.school.merged"]
        assert (merged["data"]["school_code"], merged["data"]["into_school_code"]) == (SMALL, BIG)
        assert merged["data"]["case_id"] == case["case_id"]
        assert [t.rsplit(".", 1)[1] for t in by_type if t.startswith("restructuring.case.")] == [
            "opened", "studied", "hearing_recorded", "proposed", "decided", "executed"]

        for event_type, envelopes in by_type.items():
            schema = json.loads((SCHEMAS / f"{event_type}.v1.json").read_text(encoding="utf-8"))
            validator = jsonschema.validators.validator_for(schema)(schema)
            for envelope in envelopes:
                validator.validate(envelope)
        snapshot = by_type["restructuring.school.enrolment_recorded"][0]["data"]
        assert (snapshot["school_code"], snapshot["snapshot_date"], snapshot["total"],
                snapshot["size_band"], snapshot["small_school"]) == (
            "40050001", "2024-06-10", 61, "small", True)

        shown = wait_for(lambda: [c for c in httpx.get(
            f"{monitoring.url}/cases", params={"procedure": 9}, auth=monitoring.auth).json()["items"]
            if c["subject"] == case["case_id"] and c["step"] == "executed"])
        [board] = shown
        assert board["case_type"] == "merge" and board["closed"] is True
        assert board["title"] == "ยุบรวมโรงเรียนหินลาด เข้ากับโรงเรียนบ้านหนองตาไก้"

"""The monitoring service over HTTP with a real (SQLite) store.

The app is built without entering its lifespan (`TestClient(app)` without `with`), so no NATS server
is needed: envelopes are delivered the way the consumer does it, through the service's handler and
`execute(..., tracking=...)`. The board runs on the real clock here (`monitoring_clock`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest
from eventsourcing.persistence import Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts.envelope import AnyEnvelope, CaseStatus, Envelope, Secrecy
from contracts.monitoring.v1 import CaseStatusChanged
from services.monitoring.application import MonitoringApplication
from services.monitoring.handlers import SOURCES, subscriptions
from services.monitoring.integration import translate
from services.monitoring.main import create_app
from services.monitoring.settings import MonitoringSettings
from shared.context import acting_as
from shared.settings import PROJECT_ROOT
from shared.testing import office_client
from shared.thaitime import bangkok_date, utc_now

TODAY = bangkok_date(utc_now())
T0 = datetime.now(UTC) - timedelta(days=3)


def make_settings(var_dir: Any, **changes: Any) -> MonitoringSettings:
    # The NATS URL is never used: the lifespan (relay, consumer) is not started.
    return MonitoringSettings(var_dir=var_dir, nats_url="nats://127.0.0.1:9", **changes)


@pytest.fixture
def monitoring_clock() -> Callable[[], datetime]:
    return utc_now


@pytest.fixture
def api(monitoring_api: FastAPI) -> FastAPI:
    return monitoring_api


@pytest.fixture
def client(monitoring_client: TestClient) -> TestClient:
    return monitoring_client


def items(response: Any) -> list[dict[str, Any]]:
    """The rows of one page of a paged list (`shared.http.paging`)."""
    assert response.status_code == 200, response.text
    return response.json()["items"]


def application(api: FastAPI) -> MonitoringApplication:
    return api.state.runtime.app


def envelope(
    source: str,
    subject: str,
    sequence: int,
    step: str | None = "registered",
    *,
    step_th: str = "ลงทะเบียนรับ",
    title: str | None = "ขอข้อมูลนักเรียนรายโรงเรียน",
    holder: str | None = "group_director",
    due: date | None = None,
    closed: bool = False,
    procedure: int = 1,
    secrecy: Secrecy = Secrecy.none,
    event_type: str | None = None,
) -> AnyEnvelope:
    status = None
    if step is not None:
        status = CaseStatus(
            procedure=procedure, case_type="document", title=title, step=step, step_th=step_th,
            holder=holder, since=T0 + timedelta(hours=sequence), due=due, closed=closed,
        )
    return AnyEnvelope(
        id=f"{source}:{subject}:{sequence}",
        type=event_type or f"{source}.document.{step or 'noted'}",
        source=source,
        subject=subject,
        time=T0 + timedelta(hours=sequence),
        sequence=sequence,
        actor="officer-1",
        trace_id=f"trace{sequence}",
        secrecy=secrecy,
        status=status,
        data={"anything": "the producer's payload is not interpreted"},
    )


def deliver(api: FastAPI, env: AnyEnvelope, stream_sequence: int | None = None) -> None:
    """What the idempotent consumer does with one message of `env.source`'s stream."""
    app = application(api)
    if stream_sequence is None:  # the next message of that source's stream
        stream_sequence = (app.process_recorder.max_tracking_id(env.source) or 0) + 1
    handler = {s.source: s.handler for s in subscriptions(app)}[env.source]
    with acting_as(env.actor, env.trace_id or None):
        app.execute(lambda: (None, handler(env)), tracking=Tracking(env.source, stream_sequence))


def read_feed(client: TestClient, url: str, **headers: str) -> list[dict[str, Any]]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue  # keep-alive comment
            name, _, value = line.partition(": ")
            fields[name] = value
        if "data" in fields:
            events.append({"id": int(fields["id"]), "event": fields["event"],
                           "data": json.loads(fields["data"])})
    return events


def without_clock(case: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in case.items() if k != "waiting_seconds"}


# --- the board -----------------------------------------------------------------------------------


def test_subscribes_to_every_other_service(api: FastAPI) -> None:
    """And to the audit trail's alarms, which are cases too."""
    assert sorted(s.source for s in subscriptions(application(api))) == sorted([*SOURCES, "audit"])
    assert "monitoring" not in SOURCES


def test_an_observed_case_is_listed_and_found(api: FastAPI, client: TestClient) -> None:
    deliver(api, envelope("correspondence", "doc-1", 1))
    deliver(api, envelope("correspondence", "doc-1", 2, "assigned", step_th="มอบหมายแล้ว",
                          holder="officer-7", title=None, due=TODAY + timedelta(days=5)))

    listing = client.get("/cases")
    assert listing.status_code == 200
    assert int(listing.headers["X-Feed-Position"]) >= 2
    [case] = items(listing)
    case_id = str(uuid5(NAMESPACE_URL, "correspondence:doc-1"))
    assert case["case_id"] == case_id
    assert (case["source"], case["subject"], case["step"], case["step_th"], case["holder"]) == (
        "correspondence", "doc-1", "assigned", "มอบหมายแล้ว", "officer-7"
    )
    assert case["title"] == "ขอข้อมูลนักเรียนรายโรงเรียน"  # kept from the first event
    assert case["events"] == 2 and case["version"] == 2
    assert case["overdue"] is False
    assert case["waiting_seconds"] > 2 * 24 * 3600  # since T0 + 2h, three days ago

    one = client.get(f"/cases/{case_id}")
    assert one.status_code == 200 and without_clock(one.json()) == without_clock(case)
    assert one.headers["ETag"] == '"2"'
    by_subject = client.get("/cases/by-subject/correspondence/doc-1")
    assert by_subject.status_code == 200 and by_subject.json()["case_id"] == case_id


def test_filters(api: FastAPI, client: TestClient) -> None:
    yesterday, tomorrow = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    deliver(api, envelope("correspondence", "late", 1, due=yesterday))
    deliver(api, envelope("correspondence", "on-time", 1, due=tomorrow))
    deliver(api, envelope("correspondence", "done-late", 1, "dispatched", step_th="ส่งแล้ว",
                          due=yesterday, closed=True))
    deliver(api, envelope("planning", "plan-1", 1, "submitted", step_th="เสนอ กศจ.", procedure=7,
                          holder="provincial_committee"))

    def subjects(query: str) -> set[str]:
        return {case["subject"] for case in items(client.get(f"/cases{query}"))}

    assert subjects("") == {"late", "on-time", "done-late", "plan-1"}
    assert subjects("?service=planning") == {"plan-1"}
    assert subjects("?procedure=7") == {"plan-1"}
    assert subjects("?step=registered") == {"late", "on-time"}
    assert subjects("?overdue=true") == {"late"}  # a closed case is never overdue
    assert subjects("?overdue=false&service=correspondence") == {"on-time", "done-late"}
    assert subjects("?closed=true") == {"done-late"}
    assert subjects("?closed=false&service=correspondence") == {"late", "on-time"}
    # Most recently changed first.
    assert [c["subject"] for c in items(client.get("/cases"))] == [
        "plan-1", "done-late", "on-time", "late"
    ]


def test_history_is_oldest_first(api: FastAPI, client: TestClient) -> None:
    deliver(api, envelope("budgeting", "line-1", 1, "drafted", step_th="จัดทำร่าง"))
    deliver(api, envelope("budgeting", "line-1", 2, None, event_type="budgeting.line.noted"))
    deliver(api, envelope("budgeting", "line-1", 3, "approved", step_th="อนุมัติแล้ว", closed=True))
    case_id = uuid5(NAMESPACE_URL, "budgeting:line-1")

    history = client.get(f"/cases/{case_id}/history")

    assert history.status_code == 200 and history.json()["total"] == 3
    entries = items(history)
    assert [e["event_id"] for e in entries] == [f"budgeting:line-1:{n}" for n in (1, 2, 3)]
    assert [e["version"] for e in entries] == [1, 2, 3]
    assert entries[1]["status"] is None and entries[2]["status"]["step"] == "approved"
    assert entries[0]["actor"] == "officer-1" and entries[0]["trace_id"] == "trace1"

    # Paged like every list: the cursor is the version of the last event given.
    first = client.get(f"/cases/{case_id}/history", params={"limit": 2})
    assert [e["version"] for e in items(first)] == [1, 2] and 'rel="next"' in first.headers["Link"]
    rest = client.get(f"/cases/{case_id}/history",
                      params={"limit": 2, "cursor": first.json()["next_cursor"]}).json()
    assert [e["version"] for e in rest["items"]] == [3] and rest["next_cursor"] is None
    for cursor in ("not-a-cursor!", client.get("/cases", params={"limit": 1}).json()["next_cursor"]
                   or "WyJ4Il0"):
        problem = client.get(f"/cases/{case_id}/history", params={"cursor": cursor})
        assert problem.status_code == 422 and problem.json()["code"] == "invalid-cursor"


def test_a_redelivered_message_adds_nothing(api: FastAPI, client: TestClient) -> None:
    first = envelope("restructuring", "school-9", 1, "studied", step_th="ศึกษาข้อมูล")
    deliver(api, first, stream_sequence=1)
    deliver(api, first, stream_sequence=1)  # the same message again (same tracking id)
    deliver(api, first, stream_sequence=7)  # the same event again, e.g. a dead letter replayed
    case_id = uuid5(NAMESPACE_URL, "restructuring:school-9")

    assert client.get(f"/cases/{case_id}/history").json()["total"] == 1
    assert client.get(f"/cases/{case_id}").json()["events"] == 1


def test_classified_cases_show_no_title(api: FastAPI, client: TestClient) -> None:
    deliver(api, envelope("correspondence", "secret-1", 1, title="ชื่อเรื่องที่ไม่ควรเห็น"))
    deliver(api, envelope("correspondence", "secret-1", 2, "assigned", title=None,
                          secrecy=Secrecy.secret))

    case = client.get("/cases/by-subject/correspondence/secret-1").json()
    assert case["title"] is None and case["secrecy"] == "secret"


def test_the_board_answers_after_a_restart_as_before(tmp_path: Any) -> None:
    """Its lists are in monitoring's database: a restart resumes them (nothing rebuilt)."""
    first = create_app(make_settings(tmp_path))
    deliver(first, envelope("planning", "plan-2", 1, "drafted", step_th="จัดทำร่าง", procedure=6))
    before = items(office_client(first).get("/cases"))
    first.state.runtime.app.close()

    again = create_app(make_settings(tmp_path))
    try:
        after = items(office_client(again).get("/cases"))
        assert [without_clock(c) for c in after] == [without_clock(c) for c in before]
    finally:
        again.state.runtime.app.close()


def test_cases_are_paged_on_the_server_and_filtered_by_holder_and_type(
        api: FastAPI, client: TestClient) -> None:
    for n in range(1, 8):
        deliver(api, envelope("correspondence", f"doc-{n}", 1,
                              holder="group_director" if n % 2 else "off-1",
                              step_th="รอผู้อำนวยการกลุ่มพิจารณา" if n % 2 else "มอบหมายแล้ว"))
    deliver(api, envelope("planning", "plan-9", 1, "submitted", step_th="เสนอ กศจ.",
                          holder="provincial_committee", due=TODAY - timedelta(days=2)))

    first = client.get("/cases", params={"limit": 3})
    page = first.json()
    assert [c["subject"] for c in page["items"]] == ["plan-9", "doc-7", "doc-6"]
    assert page["total"] == 8 and page["next_cursor"]
    assert 'rel="next"' in first.headers["Link"]
    seen = [c["subject"] for c in page["items"]]
    while page["next_cursor"]:
        page = client.get("/cases", params={"limit": 3, "cursor": page["next_cursor"]}).json()
        seen += [c["subject"] for c in page["items"]]
    assert seen == ["plan-9", *[f"doc-{n}" for n in range(7, 0, -1)]], "each once, in order"

    directors = client.get("/cases", params={"holder": "group_director", "limit": 2}).json()
    assert directors["total"] == 4 and len(directors["items"]) == 2
    assert {c["holder"] for c in directors["items"]} == {"group_director"}
    late = items(client.get("/cases", params={"overdue": True, "service": "planning"}))
    assert [c["subject"] for c in late] == ["plan-9"]
    assert items(client.get("/cases", params={"case_type": "dead_letter"})) == []
    problem = client.get("/cases", params={"cursor": "not-a-cursor!"})
    assert problem.status_code == 422 and problem.json()["code"] == "invalid-cursor"

    facets = client.get("/board/facets").json()
    assert facets["services"] == [{"service": "correspondence", "cases": 7},
                                  {"service": "planning", "cases": 1}]
    assert {"holder": "off-1", "holder_th": None, "cases": 3} in facets["holders"]
    assert {"service": "planning", "step": "submitted", "step_th": "เสนอ กศจ.",
            "cases": 1} in facets["steps"]


# --- errors ----------------------------------------------------------------------------------------


def test_an_unknown_case_is_a_thai_and_english_problem(client: TestClient) -> None:
    for url in (f"/cases/{uuid5(NAMESPACE_URL, 'nobody:nothing')}",
                f"/cases/{uuid5(NAMESPACE_URL, 'nobody:nothing')}/history",
                "/cases/by-subject/nobody/nothing"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "case-not-found"
        assert problem["title"] == "ไม่พบเรื่องที่ติดตาม / Case not found"


def test_bad_input_is_a_problem_not_a_crash(client: TestClient) -> None:
    for response in (client.get("/cases?procedure=99"), client.get("/cases/not-a-uuid"),
                     client.get("/feed", headers={"Last-Event-ID": "x"}),
                     client.get("/feed?limit=0")):
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


# --- the live feed -----------------------------------------------------------------------------------


def test_the_feed_resumes_without_gap_or_duplicate(api: FastAPI, client: TestClient) -> None:
    for n in range(1, 4):
        deliver(api, envelope("correspondence", "doc-a", n, f"step-{n}", step_th=f"ขั้นที่ {n}"))
        deliver(api, envelope("planning", "plan-a", n, f"step-{n}", step_th=f"ขั้นที่ {n}",
                              due=TODAY - timedelta(days=1)))

    everything = read_feed(client, "/feed?limit=6")
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == 6

    first = read_feed(client, "/feed?limit=2")
    rest = read_feed(client, "/feed?limit=4", **{"Last-Event-ID": str(first[-1]["id"])})
    assert first + rest == everything
    # Last-Event-ID (sent by a reconnecting browser) wins over the first connection's ?after.
    resumed = read_feed(client, "/feed?after=0&limit=1", **{"Last-Event-ID": str(ids[3])})
    assert resumed == everything[4:5]
    assert read_feed(client, f"/feed?after={ids[1]}&limit=1") == everything[2:3]

    event = everything[-1]
    assert event["event"] == "status"
    data = event["data"]
    assert data["case_id"] == str(uuid5(NAMESPACE_URL, "planning:plan-a"))
    assert (data["source"], data["subject"], data["type"]) == ("planning", "plan-a", "planning.document.step-3")
    assert (data["step"], data["step_th"], data["holder"]) == ("step-3", "ขั้นที่ 3", "group_director")
    assert data["overdue"] is True and data["due"] == (TODAY - timedelta(days=1)).isoformat()
    assert data["title"] == "ขอข้อมูลนักเรียนรายโรงเรียน" and data["actor"] == "officer-1"
    assert {"since", "time", "version", "closed"} <= data.keys()


def test_the_feed_continues_from_the_listing_position(api: FastAPI, client: TestClient) -> None:
    deliver(api, envelope("budgeting", "line-b", 1, "drafted", step_th="จัดทำร่าง"))
    position = client.get("/cases").headers["X-Feed-Position"]
    deliver(api, envelope("budgeting", "line-b", 2, "approved", step_th="อนุมัติแล้ว"))

    [event] = read_feed(client, f"/feed?after={position}&limit=1")
    assert event["data"]["step"] == "approved"


def test_the_feed_wakes_on_a_commit(tmp_path: Any) -> None:
    # The feed follows the log with the store's subscription: a commit reaches it at once.
    api = create_app(make_settings(tmp_path))
    try:
        client = office_client(api)
        timer = threading.Timer(0.5, deliver, (api, envelope("correspondence", "doc-live", 1)))
        started = time.monotonic()
        timer.start()
        [event] = read_feed(client, "/feed?limit=1")
        timer.join()
        assert event["data"]["subject"] == "doc-live"
        assert time.monotonic() - started < 10
    finally:
        api.state.runtime.app.close()


# --- status page and export ----------------------------------------------------------------------------


def test_the_status_page_is_served_in_thai_with_no_inline_script(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="th">' in html
    for label in ("บริการ", "ขั้นตอน", "ผู้รับผิดชอบ", "รอตั้งแต่", "กำหนดเสร็จ", "เกินกำหนด"):
        assert f'<th scope="col">{label}</th>' in html
    assert "http://" not in html and "https://" not in html  # nothing from outside: offline
    # Its script is a file of its own: the policy allows no inline script.
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert re.findall(r"<script[^>]*>[^<]*", html) == [
        '<script src="static/thai.js" defer>', '<script src="static/status.js" defer>']
    script = client.get("/static/status.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "EventSource" in script.text and "board?" in script.text
    assert client.get("/static/../settings.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404


def test_the_status_board_is_public_and_the_api_is_not(api: FastAPI) -> None:
    deliver(api, envelope("correspondence", "doc-p", 1))
    deliver(api, envelope("correspondence", "secret-p", 1, title=None, secrecy=Secrecy.secret))
    browser = TestClient(api)  # no token: what a visitor's browser has
    board = browser.get("/board")
    assert board.status_code == 200 and board.headers["X-Feed-Position"]
    assert [(c["subject"], c["title"]) for c in items(board)] == [
        ("secret-p", None), ("doc-p", "ขอข้อมูลนักเรียนรายโรงเรียน")]
    assert browser.get("/board/facets").status_code == 200
    assert len(read_feed(browser, "/feed?limit=2")) == 2
    for url in ("/cases", "/cases/by-subject/correspondence/doc-p"):
        assert browser.get(url).status_code == 401, url


def test_a_parked_message_is_a_case_of_the_service_that_parked_it(api: FastAPI,
                                                                   client: TestClient) -> None:
    example = PROJECT_ROOT / "contracts" / "examples" / "correspondence.dead_letter.parked.v1.json"
    parked = AnyEnvelope.model_validate_json(example.read_text(encoding="utf-8"))
    deliver(api, parked)
    secret = parked.model_copy(update={"id": f"correspondence:{uuid4()}:1",
                                       "subject": str(uuid4()), "secrecy": Secrecy.secret})
    deliver(api, secret)

    listed = items(client.get("/cases", params={"case_type": "dead_letter", "closed": False}))
    assert [(c["source"], c["step"], c["holder"], c["procedure"]) for c in listed] == [
        ("correspondence", "parked", "operator", 16)] * 2
    shown = {c["subject"]: c for c in items(TestClient(api).get("/board"))}
    assert "monitoring.evaluation.results_issued" in shown[parked.subject]["title"]
    assert "NotAnOfficer('esa-1 may not draft')" in shown[parked.subject]["title"]
    assert shown[secret.subject]["title"] is None, "a classified message's reason stays hidden"
    rows = {r["case_id"]: r for r in client.get("/dashboard/summary").json()["dead_letters"]}
    assert {r["reason"] for r in rows.values()} == {"NotAnOfficer('esa-1 may not draft')",
                                                   "(เรื่องชั้นความลับ)"}
    assert {(r["consumer"], r["source"], r["event_type"]) for r in rows.values()} == {
        ("correspondence", "monitoring", "monitoring.evaluation.results_issued")}

    replayed = AnyEnvelope.model_validate_json(
        example.with_name("correspondence.dead_letter.replayed.v1.json").read_text("utf-8"))
    deliver(api, replayed)
    case = client.get(f"/cases/by-subject/correspondence/{parked.subject}").json()
    assert (case["step"], case["closed"], case["holder"]) == ("replayed", True, None)
    assert client.get("/dashboard/summary").json()["totals"]["dead_letters"] == 1


def test_case_events_are_exported_as_contract_events(api: FastAPI) -> None:
    deliver(api, envelope("correspondence", "doc-x", 1, due=TODAY))
    deliver(api, envelope("correspondence", "doc-x", 2, None, event_type="correspondence.document.noted"))
    app = application(api)
    envelopes = [translate(app.to_domain_event(n)) for n in app.read_notifications(0)]
    exported = [e for e in envelopes if e is not None]
    case_id = uuid5(NAMESPACE_URL, "correspondence:doc-x")

    assert [e.id for e in exported] == [f"monitoring:{case_id}:1", f"monitoring:{case_id}:2"]
    last = Envelope[CaseStatusChanged].model_validate_json(exported[-1].model_dump_json())
    assert last.type == "monitoring.case.status_changed" and last.source == "monitoring"
    assert last.subject == str(case_id) and last.sequence == 2
    assert last.nats_subject == "esa.monitoring.case.status_changed"
    assert last.data.event_id == "correspondence:doc-x:2" and last.data.subject == "doc-x"
    assert last.status is not None and last.status.step == "registered" and last.status.due == TODAY
    assert last.data.status == last.status


def test_a_passed_due_date_is_announced_on_the_feed_once(api: FastAPI, client: TestClient) -> None:
    deliver(api, envelope("correspondence", "doc-late", 1, due=date(2026, 11, 25)))
    deliver(api, envelope("correspondence", "doc-on-time", 1, due=date(2099, 1, 1)))
    app = application(api)
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert app.raise_overdue(now) == 1
    assert app.raise_overdue(now) == 0, "announced once"
    events = read_feed(client, "/feed?limit=3")
    last = events[-1]["data"]
    assert (last["subject"], last["type"], last["overdue"]) == (
        "doc-late", "monitoring.case.overdue", True)

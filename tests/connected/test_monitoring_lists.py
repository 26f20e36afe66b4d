"""Monitoring's lists read its own database, on SQLite and PostgreSQL: the case board paged as a
client pages it (by the Link header, no case twice or missed, even when one changes meanwhile),
every filter with its total, the filters' choices, the dashboard's counts per step and age, a
restart that answers at once without reading the log again, and the long-lived aggregates loaded
from snapshots exactly as their replay."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts.envelope import AnyEnvelope, Secrecy
from services.monitoring import performance
from services.monitoring.application import MonitoringApplication
from services.monitoring.domain import BudgetUse, BudgetUseEntry, Case, MonitoringPlan
from services.monitoring.main import create_app
from services.monitoring.projections import NEVER
from services.monitoring.settings import MonitoringSettings
from shared.settings import PROJECT_ROOT
from shared.testing import office_client
from shared.thaitime import bangkok_date
from tests.support.monitoring import case_event, deliver

NOW = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)  # 10 January 2568 in Bangkok
TODAY = bangkok_date(NOW)
SERVICES = ("correspondence", "planning", "budgeting", "restructuring")
STEPS = (("registered", "ลงทะเบียนรับ", "clerk"), ("assigned", "มอบหมายแล้ว", "off-1"),
         ("checking", "เสนอผู้อำนวยการกลุ่มตรวจทาน", "group_director"))
CASES = 40


def started(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    for key, value in store_env.items():
        monkeypatch.setenv(key, value)
    settings = MonitoringSettings(nats_url="nats://127.0.0.1:9")  # the lifespan is not entered
    return create_app(settings, MonitoringApplication(settings, clock=lambda: NOW))


@pytest.fixture
def api(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    api = started(store_env, monkeypatch)
    yield api
    api.state.runtime.app.close()


def app_of(api: FastAPI) -> MonitoringApplication:
    return api.state.runtime.app


def facts(n: int) -> dict[str, Any]:
    """Case n: its service, step, holder, due date, whether closed or classified, its age."""
    step, step_th, holder = STEPS[n % 3]
    return {"source": SERVICES[n % 4], "subject": f"case-{n}", "step": step, "step_th": step_th,
            "holder": holder, "procedure": 1 + n % 3, "due": TODAY + timedelta(days=n % 7 - 3),
            "closed": n % 5 == 0, "secret": n % 11 == 0,
            "since": NOW - timedelta(days=3 * n, hours=1)}


def event_of(n: int, sequence: int = 1, **changes: Any) -> AnyEnvelope:
    f = {**facts(n), **changes}
    return case_event(f["source"], f["subject"], sequence, at=f["since"], step=f["step"],
                      step_th=f["step_th"], holder=f["holder"], due=f["due"],
                      closed=f["closed"], procedure=f["procedure"],
                      title=f"เรื่องลับ {n}" if f["secret"] else f"ขอข้อมูลนักเรียน เรื่องที่ {n}",
                      secrecy=Secrecy.secret if f["secret"] else Secrecy.none)


def overdue(f: dict[str, Any]) -> bool:
    return not f["closed"] and f["due"] < TODAY


def every_page(client: TestClient, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """A list read as a client does: the first page, then each `Link: rel="next"`."""
    response = client.get(path, params={"limit": limit, **params})
    rows = []
    while True:
        assert response.status_code == 200, response.text
        rows += response.json()["items"]
        link = response.headers.get("Link")
        if link is None:
            assert response.json()["next_cursor"] is None
            return rows
        response = client.get(link.split(">")[0].lstrip("<"))


def test_the_board_is_paged_filtered_and_counted_in_its_own_database(api: FastAPI) -> None:
    app = app_of(api)
    for n in range(CASES):
        deliver(app, event_of(n))
    client = office_client(api)
    every = [facts(n) for n in range(CASES)]

    listed = every_page(client, "/cases", 7)
    assert [c["subject"] for c in listed] == [f"case-{n}" for n in reversed(range(CASES))], \
        "most recently changed first, each case once"
    assert client.get("/cases").json()["total"] == CASES

    def subjects(**params: Any) -> tuple[set[str], int]:
        page = client.get("/cases", params={"limit": 500, **params}).json()
        return {c["subject"] for c in page["items"]}, page["total"]

    def expected(keep: Any) -> tuple[set[str], int]:
        chosen = {f["subject"] for f in every if keep(f)}
        return chosen, len(chosen)

    assert subjects(service="planning") == expected(lambda f: f["source"] == "planning")
    assert subjects(procedure=2) == expected(lambda f: f["procedure"] == 2)
    assert subjects(step="assigned") == expected(lambda f: f["step"] == "assigned")
    assert subjects(holder="group_director", closed=False) == expected(
        lambda f: f["holder"] == "group_director" and not f["closed"])
    assert subjects(overdue=True) == expected(overdue)
    assert subjects(overdue=False, service="budgeting") == expected(
        lambda f: not overdue(f) and f["source"] == "budgeting")
    assert subjects(closed=True) == expected(lambda f: f["closed"])
    assert subjects(q="เรื่องที่ 1") == expected(
        lambda f: not f["secret"] and f["subject"].startswith("case-1"))
    assert subjects(q="เรื่องลับ") == (set(), 0), "a classified case's title is never stored"
    assert subjects(case_type="dead_letter") == (set(), 0)

    # A classified case: no title in its row, in what the list answers, nor on the public board.
    secret = str(uuid5(NAMESPACE_URL, f"{facts(11)['source']}:case-11"))
    [row] = app.cases.select({"id": secret})
    assert row["title"] is None and row["view"]["title"] is None
    public = TestClient(api).get("/board", params={"limit": 500}).json()["items"]
    assert all("เรื่องลับ" not in (c["title"] or "") for c in public)

    # A case that changes while someone pages moves to the first page: never seen twice.
    first = client.get("/cases", params={"limit": 10}).json()
    deliver(app, event_of(3, 2, step="checking", step_th="ตรวจทาน", holder="group_director"))
    every[3] |= {"step": "checking", "holder": "group_director"}
    rest = every_page(client, "/cases", 10, cursor=first["next_cursor"])
    seen = [c["subject"] for c in first["items"] + rest]
    assert len(seen) == len(set(seen)) == CASES - 1 and "case-3" not in seen
    assert client.get("/cases", params={"limit": 1}).json()["items"][0]["subject"] == "case-3"

    for cursor in ("not-a-cursor!", "WzEsMiwzXQ", "WyJ4Il0"):
        problem = client.get("/cases", params={"cursor": cursor})
        assert problem.status_code == 422 and problem.json()["code"] == "invalid-cursor", cursor

    # The filters' choices, each with its number of cases (open ones).
    open_ = [f for f in every if not f["closed"]]
    facets = client.get("/board/facets").json()
    assert {(s["service"], s["cases"]) for s in facets["services"]} == set(
        Counter(f["source"] for f in open_).items())
    assert {(h["holder"], h["cases"]) for h in facets["holders"]} == set(
        Counter(f["holder"] for f in open_).items())
    planning = client.get("/board/facets", params={"service": "planning",
                                                   "include_closed": True}).json()
    assert {(s["step"], s["cases"]) for s in planning["steps"]} == set(
        Counter(f["step"] for f in every if f["source"] == "planning").items())


def test_the_dashboard_counts_open_cases_per_step_and_age_and_lists_the_longest_overdue(
        api: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_of(api)
    for n in range(CASES):
        deliver(app, event_of(n))
    monkeypatch.setattr(performance, "LISTED", 5)
    summary = office_client(api).get("/dashboard/summary").json()

    open_ = [facts(n) for n in range(CASES) if not facts(n)["closed"]]
    late = sorted((f for f in open_ if overdue(f)), key=lambda f: f["due"])
    assert summary["totals"]["open_cases"] == len(open_)
    assert summary["totals"]["overdue_cases"] == len(late) > 5
    assert len(summary["overdue"]) == 5, "the tile counts them all, the table lists a few"
    assert [c["due"] for c in summary["overdue"]] == [f["due"].isoformat() for f in late[:5]]
    assert not any("ลับ" in (c["title"] or "") for c in summary["overdue"]), "public: no secret"

    def bucket(f: dict[str, Any]) -> int:
        days = (NOW - f["since"]).total_seconds() / 86400
        return next(i for i, (limit, _) in enumerate(performance.AGE_BUCKETS)
                    if limit is None or days <= limit)

    def counted(every: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The figures per step, counted case by case."""
        expected: dict[tuple[str, str], dict[str, Any]] = {}
        for f in every:
            if f["closed"]:
                continue
            row = expected.setdefault((f["source"], f["step"]), {
                "open": 0, "overdue": 0, "ages": [0] * len(performance.AGE_BUCKETS),
                "step_th": f["step_th"]})
            row["open"] += 1
            row["overdue"] += overdue(f)
            row["ages"][bucket(f)] += 1
        return expected

    def shown(summary: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(r["service"], r["step"]): {"open": r["open"], "overdue": r["overdue"],
                                            "ages": r["ages"], "step_th": r["step_th"]}
                for r in summary["cases_by_step"]}

    every = [facts(n) for n in range(CASES)]
    assert shown(summary) == counted(every)

    # Cases move on, are closed, get another due date: the kept counts follow each change.
    for n in range(0, CASES, 3):
        changes = {"step": "checking", "step_th": STEPS[2][1], "holder": "group_director",
                   "since": NOW - timedelta(days=n % 40, hours=2),
                   "due": TODAY + timedelta(days=n % 5 - 2), "closed": n % 6 == 0}
        deliver(app, event_of(n, 2, **changes))
        every[n] |= changes
    summary = office_client(api).get("/dashboard/summary").json()
    assert shown(summary) == counted(every)
    assert summary["totals"]["open_cases"] == sum(not f["closed"] for f in every)
    assert summary["totals"]["overdue_cases"] == sum(overdue(f) for f in every)


def test_a_restart_answers_from_the_persisted_lists_without_reading_the_log_again(
        store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = started(store_env, monkeypatch)
    try:
        for n in range(CASES):
            deliver(app_of(first), event_of(n))
        before = office_client(first).get("/cases", params={"limit": 500}).json()
        summary = office_client(first).get("/dashboard/summary").json()
        positions = {name: app_of(first).read_models.view.position(listing)
                     for name, listing in app_of(first).read_models.listings.items()}
    finally:
        app_of(first).close()

    again = started(store_env, monkeypatch)
    app = app_of(again)
    decoded: list[Any] = []
    decode = app.to_domain_event
    app.to_domain_event = lambda notification: decoded.append(notification) or decode(notification)
    try:
        assert {name: app.read_models.view.position(listing)
                for name, listing in app.read_models.listings.items()} == positions
        client = office_client(again)
        assert client.get("/cases", params={"limit": 500}).json()["items"] == before["items"]
        assert client.get("/dashboard/summary").json()["cases_by_step"] == \
            summary["cases_by_step"]
        assert client.get("/board/facets").status_code == 200
        assert client.get("/health").json()["dead_letters"] == 0
        assert decoded == [], "nothing was folded again: the lists resumed where they were"

        deliver(app, event_of(7, 2, step="checking", step_th="ตรวจทาน", closed=True))
        assert client.get("/cases", params={"limit": 1}).json()["items"][0]["step"] == "checking"
        assert len(decoded) == 1, "only what was recorded since"
    finally:
        app.close()


def test_the_overdue_sweep_announces_each_passed_due_date_once(api: FastAPI) -> None:
    app = app_of(api)
    for n in range(CASES):
        deliver(app, event_of(n))
    late = {f["subject"] for f in map(facts, range(CASES)) if overdue(f)}

    assert app.raise_overdue(NOW) == len(late)
    assert app.raise_overdue(NOW) == 0
    assert app.cases.count({"unraised_due__ne": NEVER}) == app.cases.count(
        {"open_due__ge": TODAY.isoformat(), "open_due__ne": NEVER})
    # Given a new due date that passes too, the case is announced again, once.
    assert "case-1" in late
    deliver(app, event_of(1, 2, due=TODAY - timedelta(days=1)))
    assert app.raise_overdue(NOW) == 1
    assert app.raise_overdue(NOW) == 0
    # A month later every open case has passed its due date: those not announced yet are.
    still_open = {f["subject"] for f in map(facts, range(CASES)) if not f["closed"]} - late
    assert app.raise_overdue(NOW + timedelta(days=30)) == len(still_open) > 0


def replayed(app: MonitoringApplication, aggregate_id: Any) -> Any:
    aggregate = None
    for event in app.events.get(aggregate_id):
        aggregate = event.mutate(aggregate)
    return aggregate


def loaded_from_a_snapshot(app: MonitoringApplication, aggregate_id: Any) -> Any:
    [snapshot] = list(app.snapshots.get(aggregate_id, desc=True, limit=1))
    assert snapshot.originator_version >= 50
    return app.repository.get(aggregate_id)


def test_long_lived_aggregates_load_from_snapshots_as_their_replay(api: FastAPI) -> None:
    app = app_of(api)
    # A budget line's case: an event for every movement.
    for sequence in range(1, 121):
        deliver(app, event_of(2, sequence, step=f"moved-{sequence}", step_th="ปรับยอด"))
    case_id = uuid5(NAMESPACE_URL, "budgeting:case-2")
    case = loaded_from_a_snapshot(app, case_id)
    assert isinstance(case, Case) and case.version == 120
    assert vars(case) == vars(replayed(app, case_id))

    # A monitoring plan: a progress report after another (some periods reported again).
    envelope = AnyEnvelope.model_validate_json(
        (PROJECT_ROOT / "contracts" / "examples" / "planning.action_plan.approved.v1.json")
        .read_text("utf-8"))
    deliver(app, envelope)
    plan = app.plan(UUID(envelope.data["plan_id"]))
    group = plan.content.groups[0]
    for n in range(110):
        plan.report(group_code=group.code, item_code=group.items[n % len(group.items)].code,
                    period=("q1", "q2", "q3", "q4")[n % 4], value=Decimal(n) / 4,
                    note=f"รายงานครั้งที่ {n}", evidence=None, by="off-1",
                    at=NOW + timedelta(minutes=n))
    app.save(plan)
    loaded = loaded_from_a_snapshot(app, plan.id)
    assert isinstance(loaded, MonitoringPlan) and loaded.version == plan.version
    assert vars(loaded) == vars(replayed(app, plan.id))
    assert app.plans.get(plan.id)["version"] == plan.version

    # A project's budget use: a disbursement after another.
    project = uuid4()
    use = BudgetUse.start(project)
    for n in range(105):
        use.record(BudgetUseEntry(source_event_id=f"budgeting:{n}", fiscal_year_be=2568,
                                  category="operations", quarter=1 + n % 4,
                                  amount=Decimal("100.25"), recorded_at=NOW))
    app.save(use)
    loaded_use = loaded_from_a_snapshot(app, use.id)
    assert vars(loaded_use) == vars(replayed(app, use.id))
    assert app.budget_used(project, 2568) == Decimal("10526.25")


def test_a_list_declared_after_the_lists_started_is_built_too(api: FastAPI) -> None:
    app = app_of(api)
    for n in range(5):
        deliver(app, event_of(n))
    assert app.cases.count() == 5  # the lists are running
    late = app.read_models.listing(
        "late_cases", of=(Case,), columns={"source": "text"},
        row=lambda case: {"source": case.state.source, "view": {"subject": case.state.subject}})
    assert late.count() == 5 and late.count({"source": "planning"}) == 1
    deliver(app, event_of(5))
    assert late.count() == app.cases.count() == 6

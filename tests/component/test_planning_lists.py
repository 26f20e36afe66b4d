"""Planning's lists as a client pages through them (issue 13): plans, a plan's versions and
history, the fiscal years; the filters people use and the totals; a bad cursor; a restart that
resumes the lists without replaying the log; snapshots and stable stored names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import resolve_topic
from fastapi.testclient import TestClient
from planning_samples import action_plan, development_plan, know_document, policy

from services.planning.application import PlanningApplication
from services.planning.domain import HigherStrategy, Plan, ReferenceStrategies, StrategyLevel
from services.planning.main import create_app
from services.planning.settings import PlanningSettings
from shared.context import acting_as
from shared.eventstore import decode_event
from shared.office.testing import STANDARD_STAFF, teach
from shared.testing import office_client
from tests.support.http import assert_lists_take_junk, every_item
from tests.support.planning import RESOLUTION, Officer, h


@pytest.fixture
def officer(planning_client: TestClient, planning: PlanningApplication) -> Officer:
    know_document(planning, RESOLUTION, 1)
    return Officer(planning_client)


def get(officer: Officer, path: str, **params: Any) -> Any:
    response = officer.client.get(path, params=params, headers=h())
    assert response.status_code == 200, response.text
    return response


def next_link(response: Any) -> str | None:
    """The `Link: <...>; rel="next"` a client follows, or None on the last page."""
    link = response.headers.get("Link")
    if link is None:
        return None
    target, rel = link.split(";", 1)
    assert rel.strip() == 'rel="next"'
    return target.strip().strip("<>")


def test_plans_page_by_their_link_with_no_plan_twice_or_missed(officer: Officer,
                                                               planning_clock) -> None:
    drafted = []
    for year in range(2560, 2571):
        planning_clock.now += timedelta(minutes=1)
        drafted.append(officer.post("/policies", policy(year))["plan_id"])
    response = get(officer, "/plans", limit=4)
    pages = [response.json()]
    while (link := next_link(response)) is not None:
        response = officer.client.get(link, headers=h())
        assert response.status_code == 200, response.text
        pages.append(response.json())
    assert [len(p["items"]) for p in pages] == [4, 4, 3]
    assert {p["total"] for p in pages} == {11}
    assert pages[-1]["next_cursor"] is None and "Link" not in response.headers
    listed = [plan["plan_id"] for page in pages for plan in page["items"]]
    assert listed == drafted[::-1], "most recently changed first, each plan once"

    # A plan that moves meanwhile is not shown twice on the pages still to come.
    first = get(officer, "/plans", limit=4).json()
    planning_clock.now += timedelta(minutes=1)
    officer.submit(drafted[0])
    rest = every_item(officer.client, "/plans", limit=4, cursor=first["next_cursor"])
    assert drafted[0] not in [p["plan_id"] for p in first["items"] + rest]
    assert get(officer, "/plans", limit=1).json()["items"][0]["plan_id"] == drafted[0]


def test_plans_are_filtered_by_kind_year_step_holder_and_title(officer: Officer,
                                                               planning_clock) -> None:
    officer.references()
    pol_67 = officer.post("/policies", policy(2567))
    pol_68 = officer.approved("/policies", policy(2568))
    dp = officer.approved("/development-plans", development_plan())
    act = officer.post("/action-plans", action_plan(dp["plan_id"], pol_68["plan_id"]))
    officer.submit(act["plan_id"])

    def ids(**params: Any) -> tuple[set[str], int]:
        page = get(officer, "/plans", **params).json()
        return {p["plan_id"] for p in page["items"]}, page["total"]

    assert ids(kind="policy") == ({pol_67["plan_id"], pol_68["plan_id"]}, 2)
    assert ids(fiscal_year_be=2568) == ({pol_68["plan_id"], act["plan_id"]}, 2)
    assert ids(kind="policy", fiscal_year_be=2568) == ({pol_68["plan_id"]}, 1)
    assert ids(step="submitted") == ({act["plan_id"]}, 1)
    assert ids(step="approved") == ({pol_68["plan_id"], dp["plan_id"]}, 2)
    assert ids(holder="provincial_committee") == ({act["plan_id"]}, 1)
    assert ids(holder="off-1", step="drafting") == ({pol_67["plan_id"]}, 1)
    assert ids(q="พัฒนาการศึกษา") == ({dp["plan_id"]}, 1)
    assert ids(q="ไม่มีแผนชื่อนี้") == (set(), 0)
    listed = get(officer, "/plans", kind="action_plan").json()["items"][0]
    assert "content" not in listed and listed["total_budget"] == "1250000.50"
    assert listed["step_th"] == "เสนอ กศจ. พิจารณา"


def test_a_cursor_this_list_never_gave_is_refused(officer: Officer) -> None:
    officer.post("/policies", policy(2567))
    plan = officer.post("/policies", policy())
    officer.submit(plan["plan_id"])
    history_cursor = get(officer, f"/plans/{plan['plan_id']}/history", limit=1).json()["next_cursor"]
    plans_cursor = get(officer, "/plans", limit=1).json()["next_cursor"]
    assert history_cursor and plans_cursor
    for path, cursor in (("/plans", "bm90IGEgY3Vyc29y"), ("/plans", "%%%"),
                         ("/plans", history_cursor),
                         (f"/plans/{plan['plan_id']}/history", plans_cursor),
                         (f"/plans/{plan['plan_id']}/versions", history_cursor),
                         (f"/plans/{plan['plan_id']}/versions", plans_cursor),
                         ("/fiscal-years", plans_cursor)):
        response = officer.client.get(path, params={"cursor": cursor}, headers=h())
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid-cursor", (path, response.text)
    for limit in (0, 501):
        assert officer.client.get("/plans", params={"limit": limit}).status_code == 422


def test_a_plans_history_and_versions_page_oldest_first(officer: Officer) -> None:
    v1 = officer.approved("/policies", policy())
    officer.post(f"/plans/{v1['plan_id']}/publish", {}, actor="dir-1")
    officer.post(f"/plans/{v1['plan_id']}/start-execution", {}, actor="dir-1")
    first = get(officer, f"/plans/{v1['plan_id']}/history", limit=2)
    assert next_link(first) is not None
    events = every_item(officer.client, f"/plans/{v1['plan_id']}/history", limit=2)
    assert [e["event"] for e in events] == ["Drafted", "Submitted", "Approved", "Published",
                                            "ExecutionStarted"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert first.json()["total"] == 5

    amendment = officer.post(f"/plans/{v1['plan_id']}/amend", {})
    versions = get(officer, f"/plans/{amendment['plan_id']}/versions", limit=1)
    assert versions.json()["total"] == 2 and next_link(versions) is not None
    assert [(v["plan_version"], v["step"]) for v in every_item(
        officer.client, f"/plans/{v1['plan_id']}/versions", limit=1)] == [
        (1, "in_execution"), (2, "drafting")]
    missing = officer.client.get(f"/plans/{UUID(int=7)}/history")
    assert missing.status_code == 404 and missing.json()["code"] == "plan-not-found"


def test_fiscal_years_page_and_filter_by_closed(officer: Officer) -> None:
    for year in (2566, 2567, 2568):
        officer.post("/policies", policy(year))
    officer.post("/fiscal-years/2570/close", {"reason": "สิ้นปีงบประมาณ"}, actor="esa-1")
    years = every_item(officer.client, "/fiscal-years", limit=2)
    assert [(y["fiscal_year_be"], y["closed"]) for y in years] == [
        (2566, False), (2567, False), (2568, False), (2570, True)]
    closed = get(officer, "/fiscal-years", closed="true").json()
    assert [y["fiscal_year_be"] for y in closed["items"]] == [2570] and closed["total"] == 1
    assert get(officer, "/fiscal-years", limit=3).json()["total"] == 4


def test_an_approval_is_refused_while_another_plan_of_its_year_stands(
        officer: Officer, planning: PlanningApplication) -> None:
    # The competing plan is found through the plans listing, not by loading every plan.
    first = officer.approved("/policies", policy(2568))
    rival = officer.post("/policies", policy(2568))
    officer.submit(rival["plan_id"])
    response = officer.client.post(
        f"/plans/{rival['plan_id']}/approve", json={"resolution_document_id": RESOLUTION},
        headers=h("dir-1", **{"If-Match": officer.client.get(
            f"/plans/{rival['plan_id']}").headers["ETag"]}))
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "fiscal-year-has-approved-plan"
    assert response.json()["plan_id"] == first["plan_id"]
    # Another year, or an amendment of the standing plan itself, is not a competitor.
    assert officer.approved("/policies", policy(2569))["step"] == "approved"
    amendment = officer.post(f"/plans/{first['plan_id']}/amend", {})
    officer.submit(amendment["plan_id"])
    approved = officer.post(f"/plans/{amendment['plan_id']}/approve", {
        "resolution_document_id": RESOLUTION, "effective_from": "2025-01-01"}, actor="dir-1")
    assert approved["step"] == "approved"


def write_directly(app: PlanningApplication, sql: str, **params: Any) -> None:
    with app.read_models.view.datastore.transaction(commit=True) as cursor:
        cursor.execute(sql, params)


def test_a_restart_resumes_the_lists_without_replaying_the_log(tmp_path: Path,
                                                               planning_clock) -> None:
    settings = PlanningSettings(var_dir=tmp_path / "restart")
    app = PlanningApplication(settings, clock=planning_clock)
    teach(app, STANDARD_STAFF, documents=[RESOLUTION])
    officer = Officer(office_client(create_app(settings, app)))
    officer.references()
    pol = officer.approved("/policies", policy())
    dp = officer.approved("/development-plans", development_plan())
    officer.approved("/action-plans", action_plan(dp["plan_id"], pol["plan_id"]))
    assert get(officer, "/plans").json()["total"] == 3
    positions = {name: app.read_models.view.position(listing)
                 for name, listing in app.read_models.listings.items()}
    assert set(positions.values()) == {app.max_notification_id()}
    # Were the log replayed at start, the row would be written again from the events: a row
    # changed in the table (nothing else changes it now) shows that it is not.
    write_directly(app, "UPDATE rm_plans SET title_th = 'ไม่ได้อ่านใหม่' WHERE id = :id",
            id=pol["plan_id"])
    app.close()

    again = PlanningApplication(settings, clock=planning_clock)
    try:
        assert again.directory is not None  # declares the directory's listing, as serving does
        officer = Officer(office_client(create_app(settings, again)))  # and the service's own
        assert {name: again.read_models.view.position(listing)
                for name, listing in again.read_models.listings.items()} == positions
        assert [p["plan_id"] for p in get(officer, "/plans", q="ไม่ได้อ่านใหม่").json()[
            "items"]] == [pol["plan_id"]], "resumed where it was, nothing replayed"
        # What happens after the restart is followed from there.
        planning_clock.now += timedelta(minutes=1)
        later = officer.post("/policies", policy(2569))
        assert get(officer, "/plans").json()["total"] == 4
        assert get(officer, "/plans", limit=1).json()["items"][0]["plan_id"] == later["plan_id"]
        alignment = get(officer, "/alignment", fiscal_year_be=2568).json()
        assert alignment["development_plan_ids"] == [dp["plan_id"]]
        assert len(alignment["action_plan_ids"]) == 1
    finally:
        again.close()


def test_reference_strategies_load_from_a_snapshot_as_they_replay(tmp_path: Path) -> None:
    settings = PlanningSettings(var_dir=tmp_path / "snap")
    app = PlanningApplication(settings)
    register = ReferenceStrategies.start(StrategyLevel.provincial)
    for n in range(12):
        register.import_strategies([HigherStrategy(code=f"KK-E{n % 4}", title_th=f"ฉบับที่ {n}"),
                                    HigherStrategy(code=f"KK-N{n}", title_th="ยุทธศาสตร์ใหม่")],
                                   source=f"นำเข้าครั้งที่ {n}", by="off-1",
                                   at=app.clock())
    with acting_as("off-1"):
        app.save(register)
    app.close()

    again = PlanningApplication(settings)
    try:
        snapshots = list(again.snapshots.get(register.id))
        assert [s.originator_version for s in snapshots] == [10]
        loaded = again.repository.get(register.id)
        replayed = None
        for stored in again.events.get(register.id):
            replayed = stored.mutate(replayed)
        assert vars(loaded) == vars(replayed)
        assert loaded.version == 13 and loaded.strategies["KK-E3"].title_th == "ฉบับที่ 11"
        assert list(loaded.strategies)[:5] == ["KK-E0", "KK-N0", "KK-E1", "KK-N1", "KK-E2"]
    finally:
        again.close()


def test_plans_are_stored_under_stable_names_and_old_names_still_decode(
        officer: Officer, planning: PlanningApplication) -> None:
    before = planning.max_notification_id()
    officer.post("/policies", policy())
    [notification] = planning.read_notifications(before, 10)
    assert notification.topic == "planning.Plan.Drafted"
    state = planning.mapper.transcoder.decode(notification.state)
    assert state["originator_topic"] == "planning.Plan"
    # Events stored before the names were pinned carry the module path: they still decode.
    legacy = resolve_topic("services.planning.domain:Plan.Drafted")
    assert legacy is Plan.Drafted
    assert decode_event(legacy, dict(state)).title_th.startswith("นโยบาย")
    for name in ("services.planning.domain:ReferenceStrategies.Imported",
                 "services.planning.domain:FiscalYear.Closed"):
        assert resolve_topic(name) is resolve_topic(name.replace("services.planning.domain:",
                                                                 "planning."))


def test_junk_parameters_of_every_list_never_make_a_500(officer: Officer) -> None:
    plan = officer.approved("/policies", policy())["plan_id"]
    lists = ["/plans", f"/plans/{plan}/history", f"/plans/{plan}/versions", "/fiscal-years",
             "/alignment", "/registered-documents", "/officers"]
    assert assert_lists_take_junk(officer.client, lists) == 7 * 25

"""Planning's and restructuring's lists answer the same on SQLite and PostgreSQL: the registry on a
day (periods compared as text, filters, the small-school report's counts and receiving schools),
cases; plans by their filters, a competing approval, the plans in force for the alignment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from planning_samples import action_plan, development_plan, policy

from services.planning.application import PlanningApplication
from services.planning.main import create_app as create_planning
from services.planning.settings import PlanningSettings
from services.restructuring.application import RestructuringApplication
from services.restructuring.main import create_app as create_restructuring
from services.restructuring.settings import RestructuringSettings
from shared.office.testing import STANDARD_STAFF, teach
from shared.testing import office_client
from tests.component.test_restructuring_api import (
    BIG,
    EFFECTIVE,
    NOW,
    RESOLUTION,
    SMALL,
    approved,
    h,
    imported,
    merge_case,
    ok,
    step,
)
from tests.component.test_restructuring_lists import expected_registry, small_schools_oracle
from tests.support.http import every_item
from tests.support.planning import RESOLUTION as PLANNING_RESOLUTION
from tests.support.planning import Officer


@pytest.fixture
def on_store(store_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in store_env.items():
        monkeypatch.setenv(key, value)
    return store_env


@pytest.fixture
def registry(on_store: dict[str, str]) -> Iterator[tuple[TestClient, RestructuringApplication]]:
    settings = RestructuringSettings(nats_url="nats://127.0.0.1:9")
    app = RestructuringApplication(settings, clock=lambda: NOW)
    teach(app, STANDARD_STAFF, documents=[RESOLUTION])
    try:
        yield office_client(create_restructuring(settings, app)), app
    finally:
        app.close()


def test_the_registry_on_a_day_and_its_report_on_both_stores(
        registry: tuple[TestClient, RestructuringApplication]) -> None:
    client, app = registry
    imported(client)
    ok(step(client, approved(client, merge_case(client)), "execute",
            {"effective_date": EFFECTIVE}))
    for day in ("2024-08-01", "2025-05-15", EFFECTIVE):
        assert every_item(client, "/schools", as_of=day, limit=60) == expected_registry(
            app, date.fromisoformat(day))
        entries = every_item(client, "/reports/small-schools", as_of=day, limit=60)
        assert [(e["school_code"], e["pupils"], e["candidate_scope"],
                 [(o["school_code"], o["pupils"]) for o in e["receiving_options"]])
                for e in entries] == small_schools_oracle(app, date.fromisoformat(day))

    def total(path: str, **params: Any) -> int:
        return client.get(path, params=params, headers=h()).json()["total"]

    assert total("/schools", as_of=EFFECTIVE, status="merged") == 1
    assert total("/schools", as_of="2025-01-01", small="true", district="ชุมแพ") == total(
        "/reports/small-schools", as_of="2025-01-01", district="ชุมแพ")
    assert total("/schools", q="หินลาด") >= 1
    assert total("/cases", school_code=BIG, closed="true") == 1
    assert total("/cases", school_code=SMALL, step="executed", fiscal_year_be=2568) == 1


@pytest.fixture
def planner(on_store: dict[str, str], planning_clock) -> Iterator[Officer]:
    settings = PlanningSettings()
    app = PlanningApplication(settings, clock=planning_clock)
    teach(app, STANDARD_STAFF, documents=[PLANNING_RESOLUTION])
    try:
        yield Officer(office_client(create_planning(settings, app)))
    finally:
        app.close()


def test_plans_their_filters_and_the_searches_of_approvals_on_both_stores(
        planner: Officer) -> None:
    planner.references()
    pol = planner.approved("/policies", policy())
    dp = planner.approved("/development-plans", development_plan())
    act = planner.approved("/action-plans", action_plan(dp["plan_id"], pol["plan_id"]))
    rival = planner.post("/policies", policy())
    planner.submit(rival["plan_id"])
    refused = planner.client.post(
        f"/plans/{rival['plan_id']}/approve", headers={
            "X-Actor-Id": "dir-1", "If-Match": planner.client.get(
                f"/plans/{rival['plan_id']}").headers["ETag"]},
        json={"resolution_document_id": PLANNING_RESOLUTION})
    assert refused.status_code == 409 and refused.json()["plan_id"] == pol["plan_id"]

    def ids(**params: Any) -> list[str]:
        return [p["plan_id"] for p in every_item(planner.client, "/plans", limit=2, **params)]

    assert sorted(ids(kind="policy")) == sorted([pol["plan_id"], rival["plan_id"]])
    assert ids(step="submitted") == [rival["plan_id"]]
    assert ids(q="พัฒนาการศึกษา") == [dp["plan_id"]]
    assert sorted(ids(fiscal_year_be=2568)) == sorted([pol["plan_id"], act["plan_id"],
                                                       rival["plan_id"]])
    matrix = planner.client.get("/alignment", params={"fiscal_year_be": 2568}).json()
    assert (matrix["development_plan_ids"], matrix["action_plan_ids"]) == (
        [dp["plan_id"]], [act["plan_id"]])
    years = every_item(planner.client, "/fiscal-years", limit=1)
    assert [y["fiscal_year_be"] for y in years] == [2568]

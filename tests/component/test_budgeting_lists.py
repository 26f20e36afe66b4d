"""Budgeting's lists over HTTP with a real (SQLite) store: every list pages (limit, an opaque
cursor, `Link: rel="next"`, the total that match) and filters as the office reads it, from
budgeting's own database; no row is given twice or missed across pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from support.budgeting import (
    COMMITTEE,
    DIRECTOR,
    BudgetClient,
    Deliverer,
    decision,
    dissolved,
    enrolment,
    merged,
    registered,
    walk_everything,
)

import services.budgeting.projections
from services.budgeting.application import BudgetingApplication

LINES = [(2568, "A-01", "operations"), (2568, "A-01", "subsidies"), (2568, "A-02", "operations"),
         (2568, "B-01", "investment"), (2568, "C-01", "other"), (2569, "A-01", "operations"),
         (2569, "A-03", "subsidies")]


@pytest.fixture
def b(budgeting_client: TestClient) -> BudgetClient:
    return BudgetClient(budgeting_client)


@pytest.fixture
def deliver(budgeting: BudgetingApplication) -> Deliverer:
    return Deliverer(budgeting)


def open_lines(b: BudgetClient) -> dict[tuple[int, str, str], str]:
    return {(year, code, category): b.post("/lines", {
        "fiscal_year_be": year, "project_code": code, "title_th": f"โครงการ {code}",
        "category": category})["line_id"] for year, code, category in LINES}


def pages(b: BudgetClient, path: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every page of a list, `limit` rows at a time, each checked for its shape and `Link`."""
    answers = []
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = b.client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) >= {"items", "next_cursor", "total"}
        answers.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return answers
        assert len(page["items"]) == limit
        link = response.headers["Link"]
        assert link.endswith('; rel="next"')
        target = urlsplit(link[1:link.index(">")])
        assert target.path == path
        assert parse_qs(target.query)["cursor"] == [cursor]


def items_of(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for page in answers for item in page["items"]]


def assert_invalid_cursor(b: BudgetClient, path: str, cursor: str) -> None:
    response = b.client.get(path, params={"cursor": cursor})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid-cursor"


def test_lines_page_in_order_by_year_project_and_category_and_filter(
        b: BudgetClient, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = open_lines(b)
    answers = pages(b, "/lines", 2, fiscal_year_be=2568)
    assert [len(page["items"]) for page in answers] == [2, 2, 1]
    assert all(page["total"] == 5 for page in answers)
    got = [(x["fiscal_year_be"], x["project_code"], x["category"]) for x in items_of(answers)]
    assert got == sorted(key for key in LINES if key[0] == 2568), "in order, none twice or missed"
    everything = items_of(pages(b, "/lines", 3))
    assert [x["line_id"] for x in everything] == [ids[key] for key in sorted(LINES)]

    def listed(**params: Any) -> list[tuple[int, str, str]]:
        return [(x["fiscal_year_be"], x["project_code"], x["category"])
                for x in b.items("/lines", **params)]

    assert listed(project_code="A-01") == [(2568, "A-01", "operations"),
                                           (2568, "A-01", "subsidies"),
                                           (2569, "A-01", "operations")]
    assert listed(category="subsidies") == [(2568, "A-01", "subsidies"),
                                            (2569, "A-03", "subsidies")]
    assert listed(fiscal_year_be=2569, category="operations") == [(2569, "A-01", "operations")]
    assert listed(fiscal_year_be=2570) == []
    assert_invalid_cursor(b, "/lines", "not-a-cursor!")
    assert_invalid_cursor(b, "/lines", answers[0]["next_cursor"][:-4])  # cut short
    assert_invalid_cursor(b, "/lines", "WzFd")  # [1]: a movements cursor, not one of this list

    # The spending plan's CSV is written as the year's lines are read, a batch at a time.
    monkeypatch.setattr(services.budgeting.projections, "BATCH", 2)
    csv = b.client.get("/spending-plans/2568", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "spending-plan-2568.csv" in csv.headers["content-disposition"]
    rows = csv.text.splitlines()
    assert [row.split(",")[0] for row in rows[2:]] == ["A-01", "A-01", "A-02", "B-01", "C-01"]
    assert len(b.get("/spending-plans/2568")["lines"]) == 5


def test_lines_as_of_a_moment_list_only_those_open_then(b: BudgetClient, clock: Any) -> None:
    start = clock.now
    first = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "A-01", "title_th": "ก",
                              "category": "operations"})
    clock.now = start + timedelta(days=1)
    b.post("/lines", {"fiscal_year_be": 2568, "project_code": "A-02", "title_th": "ข",
                      "category": "operations"})
    halfway = (start + timedelta(hours=12)).isoformat()
    then = b.get("/lines", as_of=halfway)
    assert then["total"] == 1 and [x["line_id"] for x in then["items"]] == [first["line_id"]]
    assert b.get("/lines")["total"] == 2


def test_movements_page_by_version_with_the_balance_after_each(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "M-01", "title_th": "ก",
                             "category": "operations"})["line_id"]
    case = b.post("/allocations", {"title_th": "จัดสรร", "line_id": line, "ceiling": "1000.00",
                                   "criteria_th": "ตามแผน"})
    path = f"/allocations/{case['case_id']}"
    b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(path, "amounts", {"items": [{"recipient_kind": "group", "recipient_code": "PLAN",
                                        "recipient_name_th": "กลุ่มนโยบายและแผน",
                                        "amount": "1000.00"}]})
    b.step(path, "submit")
    b.step(path, "decision", decision("esa_director"), actor=DIRECTOR)
    for n in range(1, 6):
        b.step(f"/lines/{line}", "commitments", {"amount": f"{n}.00", "reference": f"PO {n}"})
    answers = pages(b, f"/lines/{line}/movements", 3)
    movements = items_of(answers)
    assert [m["version"] for m in movements] == list(range(1, 8))
    assert all(page["total"] == 7 for page in answers)
    assert [m["movement"] for m in movements] == ["opened", "allocated", *["committed"] * 5]
    assert [m["balance"]["available"] for m in movements] == [
        "0.00", "1000.00", "999.00", "997.00", "994.00", "990.00", "985.00"]
    for cursor in ("WzBd", "WyJ4Il0", "WzEsMl0"):  # [0], ["x"], [1, 2]
        assert_invalid_cursor(b, f"/lines/{line}/movements", cursor)
    unknown = b.client.get("/lines/00000000-0000-4000-8000-000000000001/movements")
    assert unknown.status_code == 404 and unknown.json()["code"] == "line-not-found"


def test_cases_page_newest_first_and_filter_by_year_step_holder_and_closed(
        b: BudgetClient, clock: Any) -> None:
    ids = open_lines(b)
    start = clock.now
    opened = []
    for n, key in enumerate([LINES[0], LINES[1], LINES[2], LINES[5]]):
        clock.now = start + timedelta(minutes=n)
        opened.append(b.post("/allocations", {
            "title_th": f"จัดสรร {n}", "line_id": ids[key], "ceiling": "10.00",
            "criteria_th": "ตามแผน"})["case_id"])
    clock.now = start + timedelta(minutes=10)
    b.step(f"/allocations/{opened[0]}", "committee", COMMITTEE, actor=DIRECTOR)
    clock.now = start + timedelta(minutes=11)
    b.step(f"/allocations/{opened[1]}", "withdraw", {"reason": "ซ้ำซ้อน"})

    answers = pages(b, "/allocations", 3)
    assert [c["case_id"] for c in items_of(answers)] == [
        opened[1], opened[0], opened[3], opened[2]], "most recently changed first"
    assert all(page["total"] == 4 for page in answers)

    def listed(**params: Any) -> list[str]:
        return [c["case_id"] for c in b.items("/allocations", **params)]

    assert listed(fiscal_year_be=2569) == [opened[3]]
    assert listed(step="committee_appointed") == [opened[0]]
    assert listed(holder="committee") == [opened[0]]
    assert listed(closed=True) == [opened[1]]
    assert listed(closed=False, fiscal_year_be=2568) == [opened[0], opened[2]]
    assert listed(step="opened", holder="officer") == [opened[3], opened[2]]
    assert b.items("/budget-transfers") == [] and b.items("/budget-analyses") == []
    wrong = b.client.get("/allocations", params={"step": "no-such-step"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "validation-error"
    assert_invalid_cursor(b, "/allocations", answers[0]["next_cursor"] + "x")


def test_schools_page_by_code_and_filter_by_status_on_a_day_and_district(
        b: BudgetClient, deliver: Deliverer) -> None:
    deliver(registered("40050001", "โรงเรียนก", district="ชุมแพ"),
            registered("40050002", "โรงเรียนข", district="ภูเวียง"),
            registered("40050003", "โรงเรียนค", district="ชุมแพ"),
            registered("40050004", "โรงเรียนง", district="ชุมแพ"),
            registered("40050005", "โรงเรียนจ", district="ภูเวียง"),
            merged("40050003", "40050001", date(2025, 5, 16)))
    answers = pages(b, "/schools", 2)
    assert [s["school_code"] for s in items_of(answers)] == [f"4005000{n}" for n in range(1, 6)]
    assert all(page["total"] == 5 for page in answers)

    def codes(**params: Any) -> list[str]:
        return [s["school_code"] for s in b.items("/schools", **params)]

    assert codes(district="ชุมแพ") == ["40050001", "40050003", "40050004"]
    assert codes(status="open", as_of="2025-05-15") == [f"4005000{n}" for n in range(1, 6)]
    assert codes(status="open", as_of="2025-05-16", district="ชุมแพ") == ["40050001", "40050004"]
    assert codes(status="merged", as_of="2025-05-15") == []
    assert codes(status="merged", as_of="2025-05-16") == ["40050003"]
    before = b.items("/schools", as_of="2025-05-15")
    assert [s["status"] for s in before if s["school_code"] == "40050003"] == ["open"]
    after = b.items("/schools", as_of="2025-05-16")
    (school,) = [s for s in after if s["school_code"] == "40050003"]
    assert (school["status"], school["merged_into"], school["status_from"]) == (
        "merged", "40050001", "2025-05-16")
    assert_invalid_cursor(b, "/schools", "e30")  # {}: not a sort key


def test_the_register_of_external_resources_pages_the_years_receipts(
        b: BudgetClient, deliver: Deliverer) -> None:
    deliver(registered("40050001", "โรงเรียนก"), registered("40050002", "โรงเรียนข"))

    def funded(code: str, receipts: list[tuple[str, str]]) -> None:
        funding = b.post("/external-funding", {
            "fiscal_year_be": 2568, "school_code": code, "source_th": "มูลนิธิ",
            "project_th": "ห้องสมุด", "amount": "90000.00", "value_analysis_th": "คุ้มค่า"})
        path = f"/external-funding/{funding['case_id']}"
        b.step(path, "decision", decision("esa_director", on="2024-09-01"), actor=DIRECTOR)
        b.step(path, "notify", {"notified_on": "2024-09-02"})
        for day, amount in receipts:
            b.step(path, "receipts", {"amount": amount, "received_on": day,
                                      "reference": f"ใบเสร็จ {day}"})

    funded("40050002", [("2024-09-30", "100.00"), ("2024-10-01", "200.00"),
                        ("2024-12-01", "300.00")])
    funded("40050001", [("2024-10-01", "400.00"), ("2025-09-30", "500.00")])
    answers = pages(b, "/registers/external-resources/2568", 2)
    entries = [(e["received_on"], e["school_code"], e["amount"]) for e in items_of(answers)]
    assert entries == [("2024-10-01", "40050001", "400.00"), ("2024-10-01", "40050002", "200.00"),
                       ("2024-12-01", "40050002", "300.00"), ("2025-09-30", "40050001", "500.00")]
    assert all(page["total"] == 4 and page["total_amount"] == "1400.00"
               and page["fiscal_year_be"] == 2568 for page in answers)
    older = b.get("/registers/external-resources/2567")
    assert (older["total"], older["total_amount"]) == (1, "100.00")
    none = b.get("/registers/external-resources/2570")
    assert (none["items"], none["total"], none["total_amount"]) == ([], 0, "0.00")
    for cursor in ("WzFd", answers[0]["next_cursor"][:-2]):  # [1]; cut short
        assert_invalid_cursor(b, "/registers/external-resources/2568", cursor)


def test_per_head_reads_the_schools_that_can_count_and_follows_their_mergers(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    deliver(*(registered(f"4005000{n}", f"โรงเรียน {n}") for n in range(1, 6)),
            *(enrolment(code, term, {"p1": 10 * n})
              for n, code in ((1, "40050001"), (5, "40050005")) for term in (1, 2)),
            dissolved("40050002", date(2020, 5, 16)),
            merged("40050003", "40050004", date(2021, 1, 1)),
            merged("40050004", "40050001", date(2023, 6, 1)),
            # In FY 2568's first half: its second half counts for 40050004's receiver, 40050001.
            merged("40050005", "40050004", date(2025, 1, 16)))
    read = {s.school_code for s in budgeting.schools_for_per_head(2568)}
    assert read == {"40050001", "40050005", "40050004"}, "closed before 2024: not read"
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "PH-68", "title_th": "รายหัว",
                             "category": "subsidies"})
    case = b.post("/allocations", {"title_th": "รายหัว", "line_id": line["line_id"],
                                   "ceiling": "1000000.00", "criteria_th": "ตามจำนวนนักเรียน"})
    path = f"/allocations/{case['case_id']}"
    b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
    proposed = {i["recipient_code"]: i for i in b.step(path, "per-head")["items"]}
    assert sorted(proposed) == ["40050001", "40050005"]
    assert proposed["40050001"]["basis"]["term2_absorbed_school_codes"] == ["40050005"]
    assert proposed["40050001"]["amount"] == "66500.00"  # (10 + 10 + 50) pupil-terms × 1,900 / 2
    assert proposed["40050005"]["amount"] == "47500.00"  # its first half only


def test_every_event_budgeting_stores_is_under_a_pinned_name(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    walk_everything(b, deliver)
    topics = {n.topic for n in budgeting.read_notifications(0, 100_000)}
    ours = {t for t in topics if t.startswith("budgeting.")}
    assert len(ours) >= 55
    assert [t for t in topics if ":" in t] == [], "no event stored under its module path"
    assert {t.rsplit(".", 1)[0] for t in ours} == {
        "budgeting.BudgetLine", "budgeting.SchoolRecord", "budgeting.PerHeadRates",
        "budgeting.Allocation", "budgeting.BudgetTransfer", "budgeting.LeftoverReview",
        "budgeting.BudgetAnalysis", "budgeting.BudgetRequest", "budgeting.ExternalFunding"}


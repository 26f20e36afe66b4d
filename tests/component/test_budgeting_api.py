"""The budgeting service over HTTP with a real (SQLite) store.

The app is built without entering its lifespan, so no NATS server is needed: other services'
envelopes are delivered the way the consumer does it, through budgeting's handlers and
`execute(..., tracking=...)`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.budgeting import (
    COMMITTEE,
    DIRECTOR,
    RESOLUTION,
    RESOLUTION_ID,
    BudgetClient,
    Deliverer,
    action_plan_approved,
    cited,
    decision,
    enrolment,
    merged,
    plan_envelope,
    registered,
    registry_envelopes,
    registry_rows,
    walk_everything,
)

from services.budgeting.application import BudgetingApplication
from shared.testing import state_changes_since

D = Decimal


@pytest.fixture
def b(budgeting_client: TestClient) -> BudgetClient:
    return BudgetClient(budgeting_client)


@pytest.fixture
def deliver(budgeting: BudgetingApplication) -> Deliverer:
    return Deliverer(budgeting)


def allocated_line(b: BudgetClient, amount: str, *, code: str = "X-01",
                   category: str = "operations", fiscal_year_be: int = 2568) -> str:
    """A line with `amount` on it through an approved allocation."""
    line = b.post("/lines", {"fiscal_year_be": fiscal_year_be, "project_code": code,
                             "title_th": f"โครงการ {code}", "category": category})
    case = b.post("/allocations", {"title_th": f"จัดสรร {code}", "line_id": line["line_id"],
                                   "ceiling": amount, "criteria_th": "ตามแผนงาน"})
    path = f"/allocations/{case['case_id']}"
    b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
    b.step(path, "amounts", {"items": [{"recipient_kind": "group", "recipient_code": "PLAN",
                                        "recipient_name_th": "กลุ่มนโยบายและแผน",
                                        "amount": amount}]})
    b.step(path, "submit")
    b.step(path, "decision", decision("esa_director"), actor=DIRECTOR)
    return line["line_id"]


# ---- lines from planning ---------------------------------------------------------------------------


def test_an_approved_action_plan_opens_a_line_per_project_and_category_once(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    approved = plan_envelope(action_plan_approved())
    deliver(approved)
    position = budgeting.max_notification_id()
    # The same event again under another stream position (a republish the stream did not
    # recognise, or a consumer whose tracking was reset): the lines' ids find them.
    deliver(approved)
    assert budgeting.max_notification_id() == position

    lines = b.items("/lines", fiscal_year_be=2568)
    assert [(x["project_code"], x["category"], x["planned_total"]) for x in lines] == [
        ("P68-01", "operations", "75000.00"), ("P68-01", "subsidies", "75000.50"),
        ("P68-02", "investment", "50000.00"), ("P68-02", "other", "2500.25"),
        ("P68-02", "personnel", "100000.00")]
    operations = lines[0]
    assert [q["amount"] for q in operations["planned_by_quarter"]] == [
        "45000.00", "30000.00", "0.00", "0.00"]
    assert operations["category_th"] == "งบดำเนินงาน" and operations["available"] == "0.00"
    assert operations["plan_id"] == str(approved.subject)


def test_a_later_plan_version_revises_the_planned_amounts(
        b: BudgetClient, deliver: Deliverer) -> None:
    deliver(plan_envelope(action_plan_approved()))
    amended = action_plan_approved([("P68-01", "โครงการพัฒนาคุณภาพการอ่านออกเขียนได้",
                                     [("operations", 1, "50000.00")])], version=2)
    deliver(plan_envelope(amended, sequence=12))
    (line,) = b.items("/lines", project_code="P68-01", category="operations")
    assert line["planned_total"] == "50000.00"
    assert [m["movement"] for m in b.items(f"/lines/{line['line_id']}/movements")] == [
        "opened", "plan_revised"]


# ---- bad input: problem+json, nothing recorded ------------------------------------------------------


def assert_refused(response: Any, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["title_th"] and problem["title_en"] and " / " in problem["title"]
    return problem


def test_a_transfer_of_more_than_is_available_is_refused_and_records_nothing(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    source = allocated_line(b, "1000.00")
    target = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "Y-01",
                               "title_th": "โครงการ Y", "category": "subsidies"})["line_id"]
    b.step(f"/lines/{source}", "commitments", {"amount": "300.00", "reference": "PO 1"})
    position = budgeting.max_notification_id()
    response = b.client.post("/budget-transfers", headers={"X-Actor-Id": "off-1"}, json={
        "source_line_id": source, "target_line_id": target, "amount": "700.01",
        "reason_th": "ปรับแผน"})
    problem = assert_refused(response, 422, "insufficient-balance")
    assert problem["available"] == "700.00" and problem["requested"] == "700.01"
    assert budgeting.max_notification_id() == position
    assert b.items("/budget-transfers") == []


def test_a_transfer_across_fiscal_years_is_refused_and_records_nothing(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    source = allocated_line(b, "1000.00")
    next_year = allocated_line(b, "10.00", code="Z-01", fiscal_year_be=2569)
    position = budgeting.max_notification_id()
    response = b.client.post("/budget-transfers", headers={"X-Actor-Id": "off-1"}, json={
        "source_line_id": source, "target_line_id": next_year, "amount": "1.00",
        "reason_th": "ข้ามปี"})
    problem = assert_refused(response, 422, "fiscal-year-mismatch")
    assert (problem["source_fiscal_year_be"], problem["target_fiscal_year_be"]) == (2568, 2569)
    assert budgeting.max_notification_id() == position


def test_an_allocation_over_its_ceiling_is_refused_and_records_nothing(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "A-01", "title_th": "ก",
                             "category": "subsidies"})
    case = b.post("/allocations", {"title_th": "จัดสรร", "line_id": line["line_id"],
                                   "ceiling": "1000.00", "criteria_th": "เกณฑ์"})
    b.step(f"/allocations/{case['case_id']}", "committee", COMMITTEE, actor=DIRECTOR)
    position = budgeting.max_notification_id()
    response = b.client.post(f"/allocations/{case['case_id']}/amounts", headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag(f"/allocations/{case['case_id']}")}, json={"items": [
                                 {"recipient_kind": "group", "recipient_code": "PLAN",
                                  "recipient_name_th": "ก", "amount": "600.00"},
                                 {"recipient_kind": "group", "recipient_code": "HR",
                                  "recipient_name_th": "ข", "amount": "400.01"}]})
    problem = assert_refused(response, 422, "allocation-over-ceiling")
    assert (problem["total"], problem["ceiling"]) == ("1000.01", "1000.00")
    assert budgeting.max_notification_id() == position
    assert b.get(f"/allocations/{case['case_id']}")["items"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "10.005", "reference": "PO"}, "amount"),
    ({"amount": "-1", "reference": "PO"}, "amount"),
    ({"amount": "0", "reference": "PO"}, "amount"),
    ({"amount": "1e400", "reference": "PO"}, "amount"),
    ({"amount": "10.00"}, "reference"),
])
def test_malformed_money_is_refused_with_its_field_and_records_nothing(
        b: BudgetClient, budgeting: BudgetingApplication, body: dict, field: str) -> None:
    line = allocated_line(b, "100.00")
    position = budgeting.max_notification_id()
    response = b.client.post(f"/lines/{line}/commitments", json=body, headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag(f"/lines/{line}")})
    problem = assert_refused(response, 422, "validation-error")
    assert field in {e["field"] for e in problem["errors"]}
    assert budgeting.max_notification_id() == position


def test_a_step_out_of_order_is_a_conflict(b: BudgetClient) -> None:
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "A-01", "title_th": "ก",
                             "category": "subsidies"})
    case = b.post("/allocations", {"title_th": "จัดสรร", "line_id": line["line_id"],
                                   "ceiling": "10.00", "criteria_th": "เกณฑ์"})
    response = b.client.post(f"/allocations/{case['case_id']}/submit", json={}, headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag(f"/allocations/{case['case_id']}")})
    problem = assert_refused(response, 409, "wrong-step")
    assert problem["step_th"] == "เปิดเรื่องจัดสรรงบประมาณ รอแต่งตั้งคณะกรรมการ"


# ---- balances reproduced from events ------------------------------------------------------------------


def test_balances_as_of_any_time_are_reproduced_from_the_events(
        b: BudgetClient, clock: Any) -> None:
    start = clock.now
    line = allocated_line(b, "1000.00")
    clock.now = start + timedelta(days=1)
    b.step(f"/lines/{line}", "commitments", {"amount": "300.00", "reference": "PO 1"})
    clock.now = start + timedelta(days=2)
    b.step(f"/lines/{line}", "disbursements", {"amount": "300.00", "reference": "ฎีกา 1",
                                               "settles_commitment": True})

    def available(as_of: str) -> tuple[str, str, str]:
        view = b.get(f"/lines/{line}", as_of=as_of)
        return view["available"], view["committed"], view["disbursed"]

    iso = (start + timedelta(hours=12)).isoformat()
    assert available(iso) == ("1000.00", "0.00", "0.00")
    assert available((start + timedelta(days=1, hours=1)).isoformat()) == (
        "700.00", "300.00", "0.00")
    # A date means the end of that day in Bangkok.
    assert available((start + timedelta(days=2)).date().isoformat()) == (
        "700.00", "0.00", "300.00")
    assert b.get(f"/lines/{line}")["available"] == "700.00"
    before = b.client.get(f"/lines/{line}", params={"as_of": "2020-01-01"})
    assert_refused(before, 404, "line-not-found")
    naive = b.client.get(f"/lines/{line}", params={"as_of": "2026-11-27T10:00:00"})
    assert_refused(naive, 422, "invalid-time")
    listing = b.items("/lines", as_of=iso)
    assert [x["available"] for x in listing] == ["1000.00"]
    movements = b.items(f"/lines/{line}/movements")
    assert [m["movement"] for m in movements] == ["opened", "allocated", "committed", "disbursed"]
    assert [m["balance"]["available"] for m in movements] == [
        "0.00", "1000.00", "700.00", "700.00"]


def test_if_match_and_idempotency_key_guard_line_movements(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    line = allocated_line(b, "1000.00")
    etag = b.etag(f"/lines/{line}")
    body = {"amount": "1.00", "reference": "PO 1"}
    first = b.post(f"/lines/{line}/commitments", body, key="po-1", if_match=etag)
    position = budgeting.max_notification_id()
    # The same request again (a retry after a lost answer): the same answer, nothing recorded.
    again = b.post(f"/lines/{line}/commitments", body, key="po-1", if_match=etag)
    assert again == first and budgeting.max_notification_id() == position
    stale = b.client.post(f"/lines/{line}/commitments", json={"amount": "1.00", "reference": "x"},
                          headers={"X-Actor-Id": "off-1", "If-Match": etag})
    assert_refused(stale, 412, "stale-version")
    blind = b.client.post(f"/lines/{line}/commitments", json={"amount": "1.00", "reference": "x"},
                          headers={"X-Actor-Id": "off-1"})
    assert_refused(blind, 428, "precondition-required")
    assert budgeting.max_notification_id() == position
    no_actor = b.client.post(f"/lines/{line}/commitments", json={"amount": "1.00",
                                                                 "reference": "x"})
    assert no_actor.status_code == 401


# ---- per-head allocation ------------------------------------------------------------------------------


def per_head_case(b: BudgetClient, ceiling: str = "50000000.00") -> str:
    """An allocation of FY 2568's per-head subsidy with its committee appointed."""
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "PH-68",
                             "title_th": "เงินอุดหนุนรายหัว", "category": "subsidies"})
    case = b.post("/allocations", {"title_th": "เงินอุดหนุนรายหัว ปีงบประมาณ 2568",
                                   "line_id": line["line_id"], "ceiling": ceiling,
                                   "criteria_th": "จำนวนนักเรียน × อัตราต่อหัว"})
    path = f"/allocations/{case['case_id']}"
    b.step(path, "committee", COMMITTEE, actor=DIRECTOR)
    return path


def test_per_head_funds_each_half_as_the_schools_stand_when_it_begins(
        b: BudgetClient, deliver: Deliverer) -> None:
    rows = registry_rows(limit=5)
    deliver(*registry_envelopes(rows))
    codes = sorted({r["school_code"] for r in rows})
    absorbed, receiver, later = codes[4], codes[0], codes[3]
    # Into the receiver from 16 January 2025, in FY 2568's first half: the first half stays the
    # absorbed school's own, the second counts for the receiver. Another merger takes effect
    # on 16 May 2025, after the second half began: it does not touch FY 2568 at all.
    deliver(merged(absorbed, receiver, date(2025, 1, 16)), merged(later, codes[1]))
    assert [(s["school_code"], s["status"]) for s in b.items("/schools", status="open",
                                                           as_of="2025-01-15")] == [
        (code, "open") for code in codes]
    assert [s["school_code"] for s in b.items("/schools", status="open", as_of="2025-04-01")] == [
        code for code in codes if code != absorbed]
    path = per_head_case(b)
    line_id = b.get(path)["line_id"]
    proposed = b.step(path, "per-head")

    rates = {"k": D(1700), "p": D(1900), "m": D(3500)}

    def half(code: str, term: int) -> Decimal:
        (row,) = [r for r in rows if r["school_code"] == code and r["term"] == str(term)]
        return sum((rates[g[0]] * int(row[g]) for g in
                    ("k1", "k2", "k3", "p1", "p2", "p3", "p4", "p5", "p6", "m1", "m2", "m3")),
                   D(0)) / 2

    expected = {code: half(code, 1) + half(code, 2) for code in codes}
    expected[absorbed] = half(absorbed, 1)  # funded itself for the first half only
    expected[receiver] += half(absorbed, 2)  # 10 November 2024: before the merger
    got = {i["recipient_code"]: D(i["amount"]) for i in proposed["items"]}
    assert got == expected
    assert D(proposed["total"]) == sum(expected.values())
    assert proposed["missing_snapshots"] == [] and proposed["method"] == "per_head"
    basis = {i["recipient_code"]: i["basis"] for i in proposed["items"]}
    assert (basis[receiver]["absorbed_school_codes"], basis[receiver]["term1_absorbed_school_codes"],
            basis[receiver]["term2_absorbed_school_codes"]) == ([absorbed], [], [absorbed])
    assert basis[absorbed]["term1_pupils"] and basis[absorbed]["term2_pupils"] == {}
    assert basis[later]["absorbed_school_codes"] == basis[codes[1]]["absorbed_school_codes"] == []
    assert proposed["items"][0]["recipient_name_th"].startswith("โรงเรียน")

    b.step(path, "submit")
    deliver.document(RESOLUTION_ID)
    approved = b.step(path, "decision", decision("esa_director", resolution=RESOLUTION),
                      actor=DIRECTOR)
    assert approved["step"] == "approved"
    # The resolution is cited as correspondence registered it.
    assert approved["approvals"][-1]["resolution"] == RESOLUTION
    assert b.get(f"/lines/{line_id}")["allocated"] == proposed["total"]


def test_per_head_over_the_ceiling_is_refused(b: BudgetClient, deliver: Deliverer) -> None:
    deliver(registered("40050001", "โรงเรียนก"), enrolment("40050001", 1, {"p1": 10}),
            enrolment("40050001", 2, {"p1": 10}))
    path = per_head_case(b, ceiling="18999.99")
    response = b.client.post(f"{path}/per-head", json={}, headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag(path)})
    assert_refused(response, 422, "allocation-over-ceiling")


def test_per_head_is_refused_while_a_snapshot_is_missing_naming_it(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    # Issue 12: a proposal answered 200 with the missing school-terms only listed beside it.
    deliver(registered("40050001", "โรงเรียนก"), enrolment("40050001", 1, {"p1": 10}),
            enrolment("40050001", 2, {"p1": 10}),
            registered("40050002", "โรงเรียนบ้านข"), enrolment("40050002", 1, {"p1": 30}))
    path = per_head_case(b)
    before = budgeting.max_notification_id()
    response = b.client.post(f"{path}/per-head", json={}, headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag(path)})
    problem = assert_refused(response, 422, "snapshots-missing")
    assert problem["missing_snapshots"] == ["40050002:2"]
    assert problem["missing_th"] == ["โรงเรียนบ้านข (40050002) ภาคเรียนที่ 2"]
    assert state_changes_since(budgeting, before) == []
    assert b.get(path)["items"] == [] and b.get(path)["step"] == "committee_appointed"
    # Once restructuring records the snapshot, the same proposal goes through.
    deliver(enrolment("40050002", 2, {"p1": 29}))
    proposed = b.step(path, "per-head")
    assert [i["recipient_code"] for i in proposed["items"]] == ["40050001", "40050002"]


def amounts_to(b: BudgetClient, path: str, *codes: str, expect: int = 200) -> dict:
    return b.step(path, "amounts", {"items": [
        {"recipient_kind": "school", "recipient_code": code, "recipient_name_th": "โรงเรียน",
         "amount": "1000.00"} for code in codes]}, expect=expect)


def test_an_allocation_by_amounts_names_only_registered_open_schools(
        b: BudgetClient, budgeting: BudgetingApplication, deliver: Deliverer) -> None:
    # Issue 12: 99999999, in no registry, was accepted and could be approved.
    deliver(registered("40050001", "โรงเรียนก"), registered("40050002", "โรงเรียนบ้านข"),
            registered("40050003", "โรงเรียนบ้านค"), registered("40050004", "โรงเรียนบ้านง"),
            # Merged from FY 2568's first day: closed for the whole year.
            merged("40050002", "40050001", date(2024, 10, 1)),
            # Merged from 16 May 2025: open for both halves of FY 2568, funded for it.
            merged("40050004", "40050001", date(2025, 5, 16)))
    path = per_head_case(b)
    before = budgeting.max_notification_id()
    unknown = amounts_to(b, path, "40050001", "99999999", expect=422)
    assert unknown["code"] == "unknown-school" and unknown["school_codes"] == ["99999999"]
    assert "99999999" in unknown["detail"]
    closed = amounts_to(b, path, "40050001", "40050002", expect=422)
    assert closed["code"] == "school-closed" and closed["school_codes"] == ["40050002"]
    assert closed["schools"] == [{"school_code": "40050002", "name_th": "โรงเรียนบ้านข",
                                  "status": "merged", "status_from": "2024-10-01"}]
    assert state_changes_since(budgeting, before) == []
    b.step(path, "submit", expect=409)  # nothing proposed: nothing to approve
    proposed = amounts_to(b, path, "40050001", "40050003", "40050004")
    assert proposed["total"] == "3000.00"


def test_school_requests_and_external_funding_name_registered_schools(
        b: BudgetClient, deliver: Deliverer) -> None:
    deliver(registered("40050001", "โรงเรียนก"))
    request = b.post("/budget-requests", {"fiscal_year_be": 2569, "title_th": "คำขอ 2569",
                                          "criteria_th": "ตามนโยบาย", "due_date": "2026-12-31"})
    refused = b.step(f"/budget-requests/{request['case_id']}", "school-requests", {
        "school_code": "99999999", "items": [{"title_th": "ซ่อมหลังคา", "category": "investment",
                                              "amount": "1.00"}]}, expect=422)
    assert refused["code"] == "unknown-school"
    funding = b.post("/external-funding", {
        "fiscal_year_be": 2568, "school_code": "99999999", "source_th": "มูลนิธิ",
        "project_th": "ทุน", "amount": "1.00", "value_analysis_th": "คุ้มค่า"}, expect=422)
    assert funding["code"] == "unknown-school" and b.items("/external-funding") == []


def test_rates_come_from_the_api_the_rate_file_or_the_defaults(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    assert b.get("/per-head-rates/2567")["rates"]["primary"] == "1900.00"
    default = b.client.get("/per-head-rates/2575")
    assert default.json()["source_th"] == "อัตรามาตรฐานของ สพฐ."
    assert default.json()["version"] is None and "ETag" not in default.headers
    rates = {"kindergarten": "1800", "primary": "2000", "lower_secondary": "3600",
             "upper_secondary": "3900"}
    # Recording the year's table creates it: no If-Match.
    b.post("/per-head-rates/2575", {"rates": rates, "source_th": "ประกาศ สพฐ."}, method="PUT")
    assert b.get("/per-head-rates/2575")["rates"]["primary"] == "2000.00"
    # Changing it says which version was read.
    changed = {"rates": {**rates, "primary": "2100"}, "source_th": "ประกาศ สพฐ. (แก้ไข)"}
    before = budgeting.max_notification_id()
    blind = b.client.put("/per-head-rates/2575", headers={"X-Actor-Id": "off-1"}, json=changed)
    assert_refused(blind, 428, "precondition-required")
    stale = b.client.put("/per-head-rates/2575", json=changed,
                         headers={"X-Actor-Id": "off-1", "If-Match": '"0"'})
    assert_refused(stale, 412, "stale-version")
    assert budgeting.max_notification_id() == before
    answer = b.client.put("/per-head-rates/2575", json=changed, headers={
        "X-Actor-Id": "off-1", "If-Match": b.etag("/per-head-rates/2575")})
    assert answer.status_code == 200 and answer.headers["ETag"] == '"2"'
    assert answer.json()["rates"]["primary"] == "2100.00" and answer.json()["version"] == 2
    incomplete = b.client.put("/per-head-rates/2575", json={"rates": {"primary": "1"},
                                                            "source_th": "x"},
                              headers={"X-Actor-Id": "off-1", "If-Match": '"2"'})
    assert_refused(incomplete, 422, "rates-incomplete")


# ---- transfers, reports, every case --------------------------------------------------------------------


def test_a_transfer_out_of_personnel_waits_for_the_central_office_after_the_governor(
        b: BudgetClient, deliver: Deliverer) -> None:
    deliver.document(RESOLUTION_ID)
    source = allocated_line(b, "1000.00", category="personnel")
    target = allocated_line(b, "1.00", code="X-02")
    transfer = b.post("/budget-transfers", {"source_line_id": source, "target_line_id": target,
                                            "amount": "400.00", "reason_th": "ตำแหน่งว่าง"})
    assert transfer["approvals_required"] == ["governor", "central_office"]
    assert (transfer["holder"], transfer["holder_th"]) == ("governor", "ผู้ว่าราชการจังหวัด")
    assert transfer["proposed_by"] == "off-1"
    t = f"/budget-transfers/{transfer['case_id']}"
    # The maker of the transfer records neither approval; another officer does, citing it.
    first = b.step(t, "decision", cited("governor"), actor="off-2")
    assert first["awaiting"] == "central_office"
    assert first["approvals"][0]["resolution"] == RESOLUTION
    assert b.get(f"/lines/{source}")["transfers_out"] == "0.00"
    done = b.step(t, "decision", cited("central_office"), actor="dir-1")
    assert done["step"] == "approved"
    assert b.get(f"/lines/{source}")["available"] == "600.00"
    assert b.get(f"/lines/{target}")["available"] == "401.00"
    rules = b.get("/transfer-rules")
    assert [r["code"] for r in rules] == ["personnel-out", "personnel-in", "new-investment",
                                          "ordinary"]


def test_every_procedure_runs_and_every_case_says_who_holds_it(
        b: BudgetClient, deliver: Deliverer) -> None:
    walk_everything(b, deliver)
    for path in ("/allocations", "/budget-transfers", "/leftover-reviews", "/budget-analyses",
                 "/budget-requests", "/external-funding"):
        cases = b.items(path)
        assert cases, path
        for case in cases:
            assert case["step_th"] and (case["closed"] or case["holder_th"]), case
    analysis = b.items("/budget-analyses")[0]
    assert analysis["closed"] and [a["decision"] for a in analysis["approvals"]] == [
        "reject", "approve"]
    assert analysis["approvals"][0]["reason"] == "ขาดข้อมูลโรงเรียนขนาดเล็ก"
    request = b.items("/budget-requests")[0]
    assert request["compiled_total"] == "212000.00" and request["round"] == 2
    assert [a["resolution"] for a in request["approvals"]] == [RESOLUTION, RESOLUTION]
    register = b.get("/registers/external-resources/2568")
    assert register["total_amount"] == "25000.00" and register["total"] == 1
    assert register["items"][0]["school_code"] == "40050002"
    review = b.items("/leftover-reviews")[0]
    assert review["reallocated_total"] == "1000.00" and review["closed"]
    schools = b.items("/schools")
    assert [(s["school_code"], s["status"]) for s in schools] == [
        ("40050001", "open"), ("40050002", "open"), ("40050003", "merged")]


def test_a_receipt_is_filed_in_the_fiscal_year_of_its_own_date(
        b: BudgetClient, deliver: Deliverer) -> None:
    # Issue 12: a receipt of 1 October 2024 appeared in FY 2567's register, its case's year.
    deliver(registered("40050002", "โรงเรียนชุมชนป่ารัง"))
    funding = b.post("/external-funding", {
        "fiscal_year_be": 2567, "school_code": "40050002", "source_th": "มูลนิธิ",
        "project_th": "ห้องสมุด", "amount": "30000.00", "value_analysis_th": "นักเรียน 300 คน"})
    f = f"/external-funding/{funding['case_id']}"
    b.step(f, "decision", decision("esa_director", on="2024-09-01"), actor=DIRECTOR)
    b.step(f, "notify", {"notified_on": "2024-09-02"})
    for day, amount in (("2024-09-30", "10000.00"), ("2024-10-01", "20000.00")):
        b.step(f, "receipts", {"amount": amount, "received_on": day, "reference": f"ใบเสร็จ {day}"})

    def register(year: int) -> list[tuple[str, str, int]]:
        return [(e["received_on"], e["amount"], e["case_fiscal_year_be"])
                for e in b.items(f"/registers/external-resources/{year}")]

    assert register(2567) == [("2024-09-30", "10000.00", 2567)]
    assert register(2568) == [("2024-10-01", "20000.00", 2567)]
    assert b.get("/registers/external-resources/2568")["total_amount"] == "20000.00"


def test_the_spending_plan_shows_each_project_category_and_quarter(
        b: BudgetClient, deliver: Deliverer, budgeting_client: TestClient, clock: Any) -> None:
    clock.now = datetime(2024, 11, 27, 3, 0, tzinfo=UTC)  # November 2024: FY 2568's quarter 1
    walk_everything(b, deliver)
    plan = b.get("/spending-plans/2568")
    operations = next(r for r in plan["lines"]
                      if (r["project_code"], r["category"]) == ("P68-01", "operations"))
    assert [q["planned"] for q in operations["quarters"]] == [
        "45000.00", "30000.00", "0.00", "0.00"]
    assert operations["quarters"][0]["disbursed"] == "9000.00"
    assert operations["disbursed_outside_year"] == "0.00"
    totals = plan["totals"]
    lines = b.items("/lines", fiscal_year_be=2568)
    assert totals["available"] == str(sum(D(x["available"]) for x in lines))
    csv = budgeting_client.get("/spending-plans/2568", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffแผนการใช้จ่ายงบประมาณ ประจำปีงบประมาณ พ.ศ. 2568")
    assert "งบดำเนินงาน" in csv.text and "แผนไตรมาส 1" in csv.text


def test_a_disbursement_after_the_fiscal_year_is_in_no_quarter_of_it(
        b: BudgetClient, clock: Any) -> None:
    clock.now = datetime(2025, 9, 30, 16, 59, tzinfo=UTC)  # 23:59 on 30 September 2025, Bangkok
    line = allocated_line(b, "1000.00")
    b.step(f"/lines/{line}", "disbursements", {"amount": "100.00", "reference": "ฎีกา 1"})
    clock.now = datetime(2025, 9, 30, 17, 0, tzinfo=UTC)  # 1 October 2025 in Bangkok: FY 2569
    b.step(f"/lines/{line}", "disbursements", {"amount": "40.00", "reference": "ฎีกา 2"})
    (row,) = b.get("/spending-plans/2568")["lines"]
    assert [q["disbursed"] for q in row["quarters"]] == ["0.00", "0.00", "0.00", "100.00"]
    assert row["disbursed_outside_year"] == "40.00" and row["disbursed"] == "140.00"


def test_a_case_read_gives_its_etag_and_a_blind_or_stale_write_is_refused(
        b: BudgetClient, budgeting: BudgetingApplication) -> None:
    line = b.post("/lines", {"fiscal_year_be": 2568, "project_code": "A-01", "title_th": "ก",
                             "category": "subsidies"})
    case = b.post("/allocations", {"title_th": "จัดสรร", "line_id": line["line_id"],
                                   "ceiling": "10.00", "criteria_th": "เกณฑ์"})
    read = b.client.get(f"/allocations/{case['case_id']}")
    assert read.headers["ETag"] == '"1"'
    b.post(f"/allocations/{case['case_id']}/committee", COMMITTEE, actor=DIRECTOR, if_match='"1"')
    position = budgeting.max_notification_id()
    stale = b.client.post(f"/allocations/{case['case_id']}/withdraw", json={"reason": "x"},
                          headers={"X-Actor-Id": "off-1", "If-Match": '"1"'})
    assert_refused(stale, 412, "stale-version")
    blind = b.client.post(f"/allocations/{case['case_id']}/withdraw", json={"reason": "x"},
                          headers={"X-Actor-Id": "off-1"})
    assert_refused(blind, 428, "precondition-required")
    assert budgeting.max_notification_id() == position


def test_times_in_views_are_the_commands_moments(b: BudgetClient, clock: Any) -> None:
    clock.now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    line = b.post("/lines", {"fiscal_year_be": 2569, "project_code": "A-01", "title_th": "ก",
                             "category": "subsidies"})
    assert line["as_of"] == "2026-11-27T03:00:00Z"

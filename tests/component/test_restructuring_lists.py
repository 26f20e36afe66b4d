"""Restructuring's lists as a client pages through them (issue 13): the registry as it stood on any
day (kept as periods, filtered by what each school was that day), the small-school report, the
cases, histories and enrolment; bad cursors; whole-selection exports; a restart that resumes the
lists without replaying the log; schools loaded from snapshots equal to their replay; stable
stored names."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.utils import resolve_topic
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient

from contracts.restructuring.v1 import SchoolStatus
from contracts.vocabulary import SchoolLevel
from services.restructuring.application import RestructuringApplication
from services.restructuring.domain import School, SchoolDetails, enrolment_snapshot
from services.restructuring.main import create_app
from services.restructuring.projections import on_day, school_row
from services.restructuring.settings import RestructuringSettings
from shared.office.testing import STANDARD_STAFF, OfficeTeacher, teach
from shared.testing import office_client
from tests.component.test_restructuring_api import (
    BIG,
    EFFECTIVE,
    NOW,
    RESOLUTION,
    SMALL,
    approved,
    assert_problem,
    h,
    imported,
    merge_case,
    ok,
    sample_rows,
    step,
)
from tests.support.http import assert_lists_take_junk, every_item

CODES = sorted({row["school_code"] for row in sample_rows()})
NEW_SCHOOL = "40059999"
NEW_SCHOOL_FROM = "2025-06-01"


@pytest.fixture
def client(restructuring: RestructuringApplication, restructuring_client: TestClient
           ) -> TestClient:
    OfficeTeacher(restructuring).document(RESOLUTION)
    return restructuring_client


@pytest.fixture
def changed_registry(client: TestClient) -> TestClient:
    """The sample file, SMALL merged into BIG from EFFECTIVE, and a school established from
    NEW_SCHOOL_FROM: the registry differs before, between and after those days."""
    imported(client)
    ok(step(client, approved(client, merge_case(client)), "execute",
            {"effective_date": EFFECTIVE}))
    case = ok(client.post("/cases", headers=h(), json={
        "case_type": "establish", "new_school": {
            "school_code": NEW_SCHOOL, "name_th": "โรงเรียนบ้านใหม่พัฒนา", "district": "ชุมแพ",
            "subdistrict": "นาเพียง", "levels": ["primary"]}}))
    ok(step(client, approved(client, case), "execute", {"effective_date": NEW_SCHOOL_FROM}))
    return client


def next_link(response: Any) -> str | None:
    link = response.headers.get("Link")
    return None if link is None else link.split(";", 1)[0].strip().strip("<>")


def expected_registry(app: RestructuringApplication, day: date) -> list[dict[str, Any]]:
    """The registry on `day` from each school's own aggregate: what the listing must answer."""
    schools = [app.school(code) for code in [*CODES, NEW_SCHOOL]
               if app.get(School, School.create_id(code)) is not None]
    return [jsonable_encoder(school_row(s, day)) for s in schools if s.state_on(day).exists]


def test_the_registry_pages_by_code_with_no_school_twice_or_missed(client: TestClient) -> None:
    imported(client)
    response = client.get("/schools", params={"limit": 37}, headers=h())
    pages = [response.json()]
    while (link := next_link(response)) is not None:
        response = client.get(link, headers=h())
        assert response.status_code == 200, response.text
        pages.append(response.json())
    assert [len(p["items"]) for p in pages] == [37] * 5 + [23]
    assert {p["total"] for p in pages} == {208}
    assert pages[-1]["next_cursor"] is None and "Link" not in response.headers
    assert [s["school_code"] for p in pages for s in p["items"]] == CODES


@pytest.mark.parametrize("day", ["2024-06-09", "2024-06-10", "2024-08-01", "2024-11-10",
                                 "2025-03-03", "2025-05-15", EFFECTIVE, "2025-05-31",
                                 NEW_SCHOOL_FROM, "2035-01-01"])
def test_the_registry_on_any_day_is_each_school_as_it_stood_that_day(
        changed_registry: TestClient, restructuring: RestructuringApplication, day: str) -> None:
    listed = every_item(changed_registry, "/schools", as_of=day, limit=500)
    assert listed == expected_registry(restructuring, date.fromisoformat(day))


def test_the_registry_is_filtered_by_what_each_school_was_on_the_day(
        changed_registry: TestClient, restructuring: RestructuringApplication) -> None:
    def codes(**params: Any) -> list[str]:
        page = changed_registry.get("/schools", params={**params, "limit": 500}, headers=h())
        assert page.status_code == 200, page.text
        found = [s["school_code"] for s in page.json()["items"]]
        assert page.json()["total"] == len(found)
        return found

    def oracle(day: str, keep: Any) -> list[str]:
        return [s["school_code"] for s in expected_registry(restructuring, date.fromisoformat(day))
                if keep(s)]

    for day in ("2024-08-01", "2025-01-01", EFFECTIVE):
        assert codes(as_of=day, small="true") == oracle(day, lambda s: s["small_school"] is True)
        assert codes(as_of=day, small="false") == oracle(day,
                                                         lambda s: s["small_school"] is False)
        for band in ("small", "medium", "large", "extra_large"):
            assert codes(as_of=day, size_band=band) == oracle(
                day, lambda s, band=band: s["size_band"] == band)
        assert codes(as_of=day, district="ชุมแพ", subdistrict="ขัวเรียง", status="open") == oracle(
            day, lambda s: (s["district"], s["subdistrict"], s["status"]) == (
                "ชุมแพ", "ขัวเรียง", "open"))
    # The figures changed between the terms: some school changed band on 10 November.
    assert codes(as_of="2024-08-01", small="true") != codes(as_of="2025-01-01", small="true")
    assert codes(as_of="2025-05-15", status="merged") == []
    assert codes(as_of=EFFECTIVE, status="merged") == [SMALL]
    assert SMALL not in codes(as_of=EFFECTIVE, small="true")
    assert codes(as_of="2025-05-31", q="บ้านใหม่พัฒนา") == []
    assert codes(as_of=NEW_SCHOOL_FROM, q="บ้านใหม่พัฒนา") == [NEW_SCHOOL]
    def where_or_named(text: str) -> Any:  # a name, or where the school is
        return lambda s: text in " ".join(
            s.get(k) or "" for k in ("name_th", "district", "subdistrict"))

    assert codes(q="หินลาด") == oracle(EFFECTIVE, where_or_named("หินลาด"))
    assert SMALL in codes(q="หินลาด") and codes(q=SMALL) == [SMALL]
    assert codes(q="ชุมแพ") == oracle(EFFECTIVE, where_or_named("ชุมแพ"))  # a district's name


def test_a_cursor_this_list_never_gave_is_refused(changed_registry: TestClient) -> None:
    client = changed_registry
    cases = client.get("/cases", params={"limit": 1}, headers=h()).json()
    schools = client.get("/schools", params={"limit": 1}, headers=h()).json()["next_cursor"]
    history = client.get(f"/schools/{SMALL}/history", params={"limit": 1}).json()["next_cursor"]
    report = client.get("/reports/small-schools", params={"limit": 1}).json()["next_cursor"]
    assert cases["next_cursor"] and schools and history and report
    for path, cursor in (("/schools", "bm90IGEgY3Vyc29y"), ("/schools", history),
                         ("/schools", report), (f"/schools/{SMALL}/history", schools),
                         (f"/schools/{SMALL}/enrolment", schools),
                         (f"/cases/{cases['items'][0]['case_id']}/history", report),
                         ("/cases", history), ("/reports/small-schools", schools)):
        assert_problem(client.get(path, params={"cursor": cursor}, headers=h()), 422,
                       "invalid-cursor")
    assert client.get("/schools", params={"limit": 501}).status_code == 422


def test_histories_and_enrolment_page_oldest_first(changed_registry: TestClient) -> None:
    client = changed_registry
    first = client.get(f"/schools/{SMALL}/history", params={"limit": 2}, headers=h())
    assert first.json()["total"] == 4 and next_link(first) is not None
    assert [e["event"] for e in every_item(client, f"/schools/{SMALL}/history", limit=2)] == [
        "Registered", "EnrolmentRecorded", "EnrolmentRecorded", "Merged"]
    enrolment = client.get(f"/schools/{SMALL}/enrolment", params={"limit": 1}, headers=h())
    assert enrolment.json()["total"] == 2 and next_link(enrolment) is not None
    assert [s["snapshot_date"] for s in every_item(client, f"/schools/{SMALL}/enrolment",
                                                   limit=1)] == ["2024-06-10", "2024-11-10"]
    case = client.get("/cases", params={"case_type": "merge"}, headers=h()).json()["items"][0]
    steps = every_item(client, f"/cases/{case['case_id']}/history", limit=3)
    assert [e["event"] for e in steps] == ["Opened", "Studied", "HearingRecorded", "Proposed",
                                           "Decided", "Executed"]


def test_cases_are_paged_and_filtered(changed_registry: TestClient) -> None:
    client = changed_registry
    transfer = ok(client.post("/cases", headers=h("off-2"), json={
        "case_type": "transfer_school", "school_codes": [BIG],
        "to_authority": "องค์การบริหารส่วนตำบลขัวเรียง"}))
    expansion = ok(client.post("/cases", headers=h(), json={
        "case_type": "class_expansion", "school_codes": ["40050001"],
        "levels": ["lower_secondary"]}))
    ok(step(client, expansion, "study", {"summary_th": "ศึกษาแล้ว"}))
    ok(step(client, transfer, "withdraw", {"reason": "ชุมชนไม่เห็นด้วย"}))
    every = every_item(client, "/cases", limit=2)
    assert len(every) == 4 and len({c["case_id"] for c in every}) == 4

    def ids(**params: Any) -> tuple[set[str], int]:
        page = client.get("/cases", params=params, headers=h()).json()
        return {c["case_id"] for c in page["items"]}, page["total"]

    assert ids(case_type="transfer_school") == ({transfer["case_id"]}, 1)
    assert ids(step="studied") == ({expansion["case_id"]}, 1)
    assert ids(closed="false") == ({expansion["case_id"]}, 1)
    assert ids(closed="true")[1] == 3
    assert ids(holder="off-2") == ({transfer["case_id"]}, 1)
    assert ids(school_code=BIG)[1] == 2  # the merger into it, and its transfer
    assert ids(school_code="4005003") == (set(), 0)  # a code is matched whole
    assert ids(q="ขยายชั้นเรียน") == ({expansion["case_id"]}, 1)
    assert ids(fiscal_year_be=2568)[1] == 4 and ids(fiscal_year_be=2567)[1] == 0


def small_schools_oracle(app: RestructuringApplication, day: date) -> list[tuple[Any, ...]]:
    """The report's small schools and their receiving options, worked out from the aggregates
    as the report did before it read the listing."""
    states = [(s, s.state_on(day)) for s in (app.school(code) for code in CODES)]
    known = [(s, st) for s, st in states
             if st.exists and st.status == SchoolStatus.open and st.pupils is not None]
    receivers = [(s, st) for s, st in known if not st.small_school]
    found = []
    for school, state in sorted(known, key=lambda p: (p[0].district, p[0].subdistrict,
                                                      p[0].code)):
        if not state.small_school:
            continue
        scope, options = None, []
        for where, place in (("subdistrict", (school.district, school.subdistrict)),
                             ("district", (school.district,))):
            near = sorted(((o, st) for o, st in receivers if o.code != school.code
                           and (o.district, o.subdistrict)[:len(place)] == place),
                          key=lambda p: (-(p[1].pupils or 0), p[0].code))
            if near:
                scope, options = where, [(o.code, st.pupils) for o, st in near[:5]]
                break
        found.append((school.code, state.pupils, scope, options))
    return found


def test_the_small_school_report_pages_its_schools_with_their_receiving_options(
        changed_registry: TestClient, restructuring: RestructuringApplication) -> None:
    client = changed_registry
    for day in ("2024-08-01", EFFECTIVE):
        entries = every_item(client, "/reports/small-schools", as_of=day, limit=15)
        assert [(e["school_code"], e["pupils"], e["candidate_scope"],
                 [(o["school_code"], o["pupils"]) for o in e["receiving_options"]])
                for e in entries] == small_schools_oracle(restructuring, date.fromisoformat(day))
    page = client.get("/reports/small-schools", params={"district": "ชุมแพ", "limit": 5,
                                                        "as_of": EFFECTIVE}).json()
    assert page["small_schools"] == 101 and len(page["items"]) == 5
    assert page["total"] == len(every_item(client, "/reports/small-schools", district="ชุมแพ",
                                           as_of=EFFECTIVE)) < 101
    assert {e["district"] for e in every_item(client, "/reports/small-schools",
                                              district="ชุมแพ")} == {"ชุมแพ"}


def test_exports_write_the_whole_selection_whatever_the_page_size(
        changed_registry: TestClient, restructuring: RestructuringApplication) -> None:
    response = changed_registry.get("/schools", params={"format": "csv", "limit": 5,
                                                        "as_of": EFFECTIVE})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert [line[0] for line in lines[2:]] == CODES
    # The keyset walk behind every export: batches after the last row given, none twice.
    streamed = [row["school_code"] for row in restructuring.schools.stream(
        on_day(date.fromisoformat(EFFECTIVE)), order_by=("school_code",), batch=50)]
    assert streamed == CODES
    report = changed_registry.get("/reports/small-schools", params={"format": "csv",
                                                                    "limit": 1}).text
    assert sum(1 for line in report.splitlines() if line[:8].isdigit()) == 102  # today


def test_a_restart_resumes_the_lists_without_replaying_the_log(tmp_path: Path) -> None:
    settings = RestructuringSettings(var_dir=tmp_path / "restart", nats_url="nats://127.0.0.1:9")
    app = RestructuringApplication(settings, clock=lambda: NOW)
    teach(app, STANDARD_STAFF, documents=[RESOLUTION])
    client = office_client(create_app(settings, app))
    imported(client)
    case = merge_case(client)
    assert client.get("/schools").json()["total"] == 208
    positions = {name: app.read_models.view.position(listing)
                 for name, listing in app.read_models.listings.items()}
    assert set(positions.values()) == {app.max_notification_id()}
    # Were the log replayed at start, these rows would be written again from the events.
    with app.read_models.view.datastore.transaction(commit=True) as cursor:
        cursor.execute("UPDATE rm_schools SET search = 'ไม่ได้อ่านใหม่' WHERE school_code = :c",
                       {"c": SMALL})
    app.close()

    again = RestructuringApplication(settings, clock=lambda: NOW)
    try:
        assert again.directory is not None  # declares the directory's listing, as serving does
        client = office_client(create_app(settings, again))  # and the service's own
        assert {name: again.read_models.view.position(listing)
                for name, listing in again.read_models.listings.items()} == positions
        assert [s["school_code"] for s in client.get("/schools", params={
            "q": "ไม่ได้อ่านใหม่"}).json()["items"]] == [SMALL], "resumed, nothing replayed"
        # What happens after the restart is followed from there.
        ok(step(client, case, "study", {"summary_th": "ศึกษาแล้ว"}))
        assert client.get("/cases", params={"step": "studied"}).json()["total"] == 1
        assert client.get("/reports/small-schools").json()["small_schools"] == 102
    finally:
        again.close()


def test_schools_load_from_snapshots_as_they_replay(tmp_path: Path) -> None:
    settings = RestructuringSettings(var_dir=tmp_path / "snap", nats_url="nats://127.0.0.1:9")
    app = RestructuringApplication(settings, clock=lambda: NOW)
    today = NOW.date()
    details = SchoolDetails.of(name_th="โรงเรียนทดสอบ", name_en=None, district="ชุมแพ",
                               subdistrict="ขัวเรียง")
    june, november = date(2024, 6, 10), date(2024, 11, 10)
    closing = School.register(code="40050101", details=details, levels=[SchoolLevel.primary])
    receiving = School.register(code="40050102", details=details.model_copy(
        update={"name_th": "โรงเรียนรับ"}), levels=[SchoolLevel.primary])
    receiving.expand_levels(levels=[SchoolLevel.primary, SchoolLevel.lower_secondary],
                            effective_date=date(2024, 5, 16), case_id=uuid4())
    for school in (closing, receiving):
        school.record_enrolment(enrolment_snapshot(june, {"p1": 10, "p2": 12}, today=today),
                                today)
    closing.merge_into(receiving, effective_date=date(2024, 10, 1), case_id=uuid4())
    receiving.record_enrolment(enrolment_snapshot(november, {"p1": 20, "m1": 3}, today=today),
                               today)
    for n in range(9):  # corrections: the closing school's June, the receiving one's November
        closing.record_enrolment(enrolment_snapshot(june, {"p1": 10 + n % 2, "p2": 12},
                                                    today=today), today)
        receiving.record_enrolment(enrolment_snapshot(november, {"p1": 20 + n % 2, "m1": 3},
                                                      today=today), today)
    app.save(closing, receiving)
    app.close()

    again = RestructuringApplication(settings, clock=lambda: NOW)
    try:
        for school in (closing, receiving):
            assert [s.originator_version for s in again.snapshots.get(school.id)] == [10]
            loaded = again.repository.get(school.id)
            replayed = None
            for stored in again.events.get(school.id):
                replayed = stored.mutate(replayed)
            assert vars(loaded) == vars(replayed)
            assert list(loaded.snapshots) == list(replayed.snapshots)
            assert loaded.version == school.version
            for day in (june, date(2024, 10, 1), november, today):
                assert school_row(loaded, day) == school_row(school, day)
        assert again.school("40050101").closure.into_code == "40050102"
    finally:
        again.close()


def test_schools_and_cases_are_stored_under_stable_names(
        client: TestClient, restructuring: RestructuringApplication) -> None:
    before = restructuring.max_notification_id()
    imported(client)
    case = merge_case(client)
    topics = {n.topic for n in restructuring.read_notifications(before, 1000)}
    assert {"restructuring.School.Registered", "restructuring.School.EnrolmentRecorded",
            "restructuring.RestructuringCase.Opened"} <= topics
    assert not any(":" in topic for topic in topics)
    for legacy in ("services.restructuring.domain:School.Merged",
                   "services.restructuring.domain:RestructuringCase.Decided"):
        assert resolve_topic(legacy) is resolve_topic(
            legacy.replace("services.restructuring.domain:", "restructuring."))
    state = restructuring.mapper.transcoder.decode(next(
        n for n in restructuring.read_notifications(before, 1000)
        if n.topic == "restructuring.RestructuringCase.Opened").state)
    assert state["originator_topic"] == "restructuring.RestructuringCase"
    assert state["title_th"] == case["title_th"]


def test_junk_parameters_of_every_list_never_make_a_500(changed_registry: TestClient) -> None:
    case = changed_registry.get("/cases", headers=h()).json()["items"][0]["case_id"]
    lists = ["/schools", f"/schools/{SMALL}/history", f"/schools/{SMALL}/enrolment", "/cases",
             f"/cases/{case}/history", "/reports/small-schools", "/registered-documents"]
    assert assert_lists_take_junk(changed_registry, lists) == 7 * 25
    # Schools that predate the registry stood on any day; the one established later did not.
    text = changed_registry.get("/schools", params={"format": "csv", "as_of": "0001-01-01"}).text
    assert text.count("\n") == 2 + 208 and NEW_SCHOOL not in text

"""The portal's security over HTTP, as a browser meets it: the portal in process, speaking to a
real correspondence service (in process, on its own store) through the service client, as the
office-portal OAuth client. What each test proves:

- a form without its CSRF token (or with another browser's) is refused and records nothing but
  the refusal;
- a session id planted before sign-in is never honoured, and each step of signing in changes it;
- a wrong or replayed TOTP code is refused (and recorded as a failed sign-in);
- repeated failures lock the account (even the right password is refused), a director unlocks it;
- an officer who edits the form to act as another officer acts as themselves: the service refuses
  them, and records nothing but the refusal;
- a double submit records once; a stale version is refused with the Thai reason; what was typed
  is kept beside the refusal;
- correspondence down: the portal says so in Thai, and still serves its pages; the other four
  services down: their pages and their counts in งานของฉัน say so, correspondence's work stands;
- cookies and headers: HttpOnly, SameSite, no-store, the strict CSP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from services.correspondence.settings import CorrespondenceSettings
from services.portal.application import DirectoryEntry, PortalApplication
from services.portal.domain import Account
from services.portal.main import create_app as create_portal
from services.portal.main import portal_client_secret
from services.portal.service_client import ServiceClient
from services.portal.settings import PORTAL_CLIENT_ID, PortalSettings
from shared.testing import access_refusals, office_client, state_changes_since
from tests.conftest import STAFF, Clock
from tests.support.http import every_item
from tests.support.portal import (
    STRONG_PASSWORD,
    IsolatedASGITransport,
    code_now,
    csrf,
    nonce,
    post_form,
    sign_in,
    version,
)

UNREACHABLE = "http://127.0.0.1:9"
SESSION_COOKIE = re.compile(r"esa_portal=([^;]+)")
ONE_TIME = re.compile(r'id="one-time-password">([^<]+)<')


@dataclass
class Office:
    correspondence: CorrespondenceApplication
    corr_api: FastAPI
    portal: PortalApplication
    settings: PortalSettings
    passwords: dict[str, str]

    def browser(self) -> TestClient:
        return TestClient(self.portal_api, base_url="http://testserver")

    portal_api: FastAPI = None  # type: ignore[assignment]


def _portal(settings: PortalSettings, corr_api: FastAPI | None) -> tuple[PortalApplication, FastAPI]:
    urls = {name: UNREACHABLE for name in ("correspondence", "planning", "budgeting",
                                            "restructuring", "monitoring")}
    transports = {}
    if corr_api is not None:
        urls["correspondence"] = "http://correspondence"
        transports["correspondence"] = IsolatedASGITransport(corr_api)
    services = ServiceClient(urls, client_id=PORTAL_CLIENT_ID,
                             client_secret=portal_client_secret(settings), transports=transports)
    application = PortalApplication(settings)
    return application, create_portal(settings, application, services)


@pytest.fixture
def office(tmp_path: Path, clock: Clock) -> Iterator[Office]:
    var = tmp_path / "var"
    correspondence = CorrespondenceApplication(CorrespondenceSettings(var_dir=var), clock=clock)
    corr_api = create_correspondence(correspondence.settings, correspondence)
    staff = office_client(corr_api)
    for officer_id, name, roles, clearance in STAFF:
        staff.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "roles": roles,
            "clearance": clearance}).raise_for_status()
    # argon2id at its lightest here (the same code, less work): these tests hash and check often.
    settings = PortalSettings(var_dir=var, portal_max_failures=3, portal_argon2_time_cost=1,
                              portal_argon2_memory_kib=8 * 1024, portal_backoff_base_seconds=0,
                              auth_refusal_window_seconds=0)
    portal, portal_api = _portal(settings, corr_api)
    passwords = {officer_id: portal.create_account(
        DirectoryEntry(officer_id, name, frozenset(roles)), by=None)
        for officer_id, name, roles, _ in STAFF}
    office = Office(correspondence, corr_api, portal, settings, passwords)
    office.portal_api = portal_api
    try:
        yield office
    finally:
        portal.close()
        correspondence.close()


def signed_in_as(office: Office, officer_id: str) -> tuple[TestClient, dict[str, str]]:
    browser = office.browser()
    return browser, sign_in(browser, officer_id, office.passwords[officer_id])


def register_letter(browser: TestClient, subject: str = "ขอให้รายงานข้อมูลนักเรียน",
                    **extra: str) -> httpx.Response:
    return post_form(browser, "/saraban/incoming", "/saraban/incoming/new", {
        "received_at": "2026-11-27T09:30", "sender": "สพฐ.", "subject": subject,
        "urgency": "urgent", "secrecy": "none", **extra})


def events_of(portal: PortalApplication, officer_id: str) -> list[str]:
    return [type(e).__name__ for e in portal.events.get(Account.create_id(officer_id))]


def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(office: Office) -> None:
    clerk, _ = signed_in_as(office, "clerk-1")
    position = office.correspondence.max_notification_id()
    before = len(access_refusals(office.portal))
    page = clerk.get("/saraban/incoming/new").text
    body = {"received_at": "2026-11-27T09:30", "sender": "สพฐ.", "subject": "ไม่มีโทเคน",
            "form_nonce": nonce(page)}

    missing = clerk.post("/saraban/incoming", data=body, follow_redirects=False)
    other_browser = office.browser()
    foreign = clerk.post("/saraban/incoming", follow_redirects=False, data={
        **body, "csrf_token": csrf(other_browser.get("/signin").text)})

    for answer in (missing, foreign):
        assert answer.status_code == 403
        assert "แบบฟอร์มนี้หมดอายุ" in answer.text
    assert state_changes_since(office.correspondence, position) == []
    refusals = access_refusals(office.portal)[before:]
    assert [r["reason"] for r in refusals] == ["csrf-token-missing", "csrf-token-wrong"]
    # The same form with its token goes through.
    assert register_letter(clerk).status_code == 303


def test_a_planted_session_id_is_never_honoured_and_each_step_gets_a_new_id(
        office: Office) -> None:
    settings = office.settings
    browser = office.browser()
    browser.cookies.set("esa_portal", "attacker-chosen-session-id", domain="testserver.local")
    assert browser.get("/", follow_redirects=False).headers["location"].startswith("/signin")

    answer = post_form(browser, "/signin", "/signin", {
        "officer_id": "esa-1", "password": office.passwords["esa-1"]})
    pending = SESSION_COOKIE.search(answer.headers["set-cookie"]).group(1)
    assert pending != "attacker-chosen-session-id"
    assert browser.cookies.get("esa_portal", domain="testserver.local") == pending
    assert answer.headers["location"].startswith("/signin/new-password")
    # Half-way (password only) opens nothing.
    assert browser.get("/", follow_redirects=False).status_code == 303

    state = sign_in(office.browser(), "esa-1", office.passwords["esa-1"])  # another browser
    assert state["secret"]
    # The planted id, and the id of the half-finished sign-in, are worth nothing now or later.
    for stale in ("attacker-chosen-session-id", pending):
        intruder = office.browser()
        intruder.cookies.set("esa_portal", stale, domain="testserver.local")
        assert intruder.get("/", follow_redirects=False).status_code == 303
        assert intruder.get("/signin/code", follow_redirects=False).status_code == 303
    assert settings.portal_secure_cookies is False


def test_a_wrong_or_replayed_totp_code_is_refused(office: Office) -> None:
    first = office.browser()
    state = sign_in(first, "esa-1", office.passwords["esa-1"])  # enrols, using the current code
    used_code = code_now(state["secret"])

    again = office.browser()
    answer = post_form(again, "/signin", "/signin", {"officer_id": "esa-1",
                                                     "password": state["password"]})
    assert answer.headers["location"].startswith("/signin/code")
    target = answer.headers["location"]
    wrong = post_form(again, "/signin/code", target, {"code": "000000" if used_code != "000000"
                                                      else "111111"})
    replayed = post_form(again, "/signin/code", target, {"code": used_code})

    for refused in (wrong, replayed):
        assert refused.status_code == 401
        assert "รหัสยืนยันไม่ถูกต้อง" in refused.text
    assert again.get("/", follow_redirects=False).status_code == 303  # still not signed in
    failed = [e for e in office.portal.events.get(Account.create_id("esa-1"))
              if type(e).__name__ == "SignInFailed"]
    assert [e.reason for e in failed] == ["wrong-code", "replayed-code"]


def test_repeated_failures_lock_the_account_until_a_director_unlocks_it(office: Office) -> None:
    clerk = office.browser()
    for _ in range(3):
        answer = post_form(clerk, "/signin", "/signin", {"officer_id": "clerk-1",
                                                         "password": "not-the-password"})
        assert answer.status_code == 401 and "รหัสผ่านไม่ถูกต้อง" in answer.text
    locked = post_form(clerk, "/signin", "/signin", {"officer_id": "clerk-1",
                                                     "password": office.passwords["clerk-1"]})
    assert locked.status_code == 423 and "บัญชีถูกระงับชั่วคราว" in locked.text
    assert events_of(office.portal, "clerk-1")[-4:] == ["SignInFailed", "SignInFailed",
                                                        "SignInFailed", "LockedOut"]

    director, _ = signed_in_as(office, "dir-1")
    accounts = director.get("/accounts").text
    assert 'data-officer="clerk-1"' in accounts and "ถูกระงับถึง" in accounts
    unlocked = post_form(director, "/accounts/clerk-1/unlock", "/accounts", {})
    assert unlocked.status_code == 303
    assert events_of(office.portal, "clerk-1")[-1] == "Unlocked"
    sign_in(clerk, "clerk-1", office.passwords["clerk-1"])
    assert clerk.get("/").status_code == 200


def test_editing_the_form_to_act_as_another_officer_acts_as_oneself(office: Office) -> None:
    clerk, _ = signed_in_as(office, "clerk-1")
    document_id = register_letter(clerk).headers["location"].split("/")[-1].split("?")[0]
    director, _ = signed_in_as(office, "dir-1")
    page = director.get(f"/saraban/documents/{document_id}").text
    assert 'data-action="assign"' in page
    position = office.correspondence.max_notification_id()

    # The clerk posts the director's assign form, naming the director every way a browser can.
    forged = clerk.post(
        f"/saraban/documents/{document_id}/assign", follow_redirects=False,
        headers={"X-Actor-Id": "dir-1"},
        data={"csrf_token": csrf(clerk.get(f"/saraban/documents/{document_id}").text),
              "form_nonce": "forged-nonce-123", "version": version(page),
              "officer_id": "off-1", "actor": "dir-1", "actor_id": "dir-1", "by": "dir-1"})

    assert forged.status_code == 403
    assert "ผู้อำนวยการกลุ่ม" in forged.text  # the service's Thai reason, beside the form
    assert state_changes_since(office.correspondence, position) == []
    refusal = [r for r in access_refusals(office.correspondence)
               if r["path"].endswith("/assign")][-1]
    assert refusal["actor"] == "clerk-1" and refusal["officer"] == "clerk-1"
    document = office_client(office.corr_api).get(f"/documents/{document_id}",
                                                  headers={"X-Actor-Id": "clerk-1"}).json()
    assert document["step"] == "registered" and document["assignee_id"] is None


def test_a_double_submit_records_once_and_a_stale_version_is_refused_in_thai(
        office: Office) -> None:
    clerk, _ = signed_in_as(office, "clerk-1")
    page = clerk.get("/saraban/incoming/new").text
    body = {"csrf_token": csrf(page), "form_nonce": nonce(page), "received_at": "2026-11-27T09:30",
            "sender": "สพฐ.", "subject": "ส่งสองครั้ง"}
    first = clerk.post("/saraban/incoming", data=body, follow_redirects=False)
    second = clerk.post("/saraban/incoming", data=body, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    register = every_item(office_client(office.corr_api), "/registers/receiving/2569", "clerk-1")
    assert [r["subject"] for r in register] == ["ส่งสองครั้ง"]

    document_id = first.headers["location"].split("/")[-1].split("?")[0]
    director, _ = signed_in_as(office, "dir-1")
    page = director.get(f"/saraban/documents/{document_id}").text
    seen = {"csrf_token": csrf(page), "version": version(page), "officer_id": "off-1",
            "instructions": "ดำเนินการด่วน", "due_date": "2026-12-10"}
    assigned = director.post(f"/saraban/documents/{document_id}/assign", follow_redirects=False,
                             data={**seen, "form_nonce": "first-assignment"})
    assert assigned.status_code == 303
    # The same form again, from a page read before that change: refused, nothing recorded.
    position = office.correspondence.max_notification_id()
    stale = director.post(f"/saraban/documents/{document_id}/assign", follow_redirects=False,
                          data={**seen, "instructions": "แก้คำสั่งการ",
                                "form_nonce": "second-assignment"})
    assert stale.status_code == 412
    assert "ข้อมูลถูกแก้ไข" in stale.text
    assert "แก้คำสั่งการ" in stale.text  # what was typed is kept beside the form
    assert state_changes_since(office.correspondence, position) == []


def test_a_refused_registration_shows_the_reason_and_keeps_what_was_typed(
        office: Office) -> None:
    clerk, _ = signed_in_as(office, "clerk-1")
    answer = register_letter(clerk, subject=" ", sender_ref_no="ศธ 04002/ว 99")
    assert answer.status_code == 422
    assert "ศธ 04002/ว 99" in answer.text and "ข้อมูลไม่ถูกต้อง" in answer.text


def test_with_correspondence_down_the_portal_says_so_and_still_works(
        office: Office, tmp_path: Path) -> None:
    settings = office.settings.model_copy(update={"var_dir": tmp_path / "var-down"})
    portal, api = _portal(settings, None)
    try:
        password = portal.create_account(DirectoryEntry("clerk-9", "ธุรการ เก้า",
                                                        frozenset({"clerk"})), by=None)
        browser = TestClient(api)
        sign_in(browser, "clerk-9", password)  # the roles of the account count meanwhile
        home = browser.get("/")
        assert home.status_code == 200
        assert "ระบบงานสารบรรณและธุรการไม่พร้อมให้บริการในขณะนี้" in home.text
        register = browser.get("/saraban/registers/receiving/2569")
        assert register.status_code == 200 and "ไม่พร้อมให้บริการ" in register.text
        assert browser.get("/account").status_code == 200
    finally:
        portal.close()


def test_cookies_and_headers_are_strict(office: Office) -> None:
    browser = office.browser()
    page = browser.get("/signin")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and " style=" not in page.text
    answer = post_form(browser, "/signin", "/signin", {"officer_id": "clerk-1",
                                                       "password": office.passwords["clerk-1"]})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert STRONG_PASSWORD not in answer.text


def test_directors_reset_passwords_and_second_factors_never_their_own(office: Office) -> None:
    esa, state = signed_in_as(office, "esa-1")
    director, _ = signed_in_as(office, "dir-1")
    clerk = office.browser()

    own = post_form(director, "/accounts/dir-1/reset-password", "/accounts", {})
    assert own.status_code == 403 and "จัดการบัญชีของตนเอง" in own.text
    reset = post_form(director, "/accounts/clerk-1/reset-password", "/accounts", {})
    assert reset.status_code == 200
    one_time = ONE_TIME.search(reset.text).group(1)
    assert one_time != office.passwords["clerk-1"]
    sign_in(clerk, "clerk-1", one_time)
    assert clerk.get("/").status_code == 200

    # The ESA director's second factor, reset by the group director: her sessions end, and her
    # next sign-in enrols a new one.
    assert esa.get("/", follow_redirects=False).status_code == 200
    answer = post_form(director, "/accounts/esa-1/reset-second-factor", "/accounts", {})
    assert answer.status_code == 303
    assert esa.get("/", follow_redirects=False).status_code == 303
    fresh = office.browser()
    again = sign_in(fresh, "esa-1", state["password"])
    assert again["secret"] and again["secret"] != state["secret"]
    assert events_of(office.portal, "esa-1")[-4:] == [
        "SecondFactorReset", "SessionsRevoked", "SecondFactorEnrolled", "SignedIn"]
    clerk_account = office.browser()
    refused = post_form(clerk_account, "/signin", "/signin", {"officer_id": "clerk-1",
                                                             "password": one_time})
    assert refused.status_code == 401  # the one-time password was replaced at first use


def test_signing_out_everywhere_ends_every_session_of_the_account(office: Office) -> None:
    first, state = signed_in_as(office, "off-1")
    second = office.browser()
    sign_in(second, "off-1", state["password"])
    assert "อุปกรณ์ที่เข้าสู่ระบบอยู่</dt><dd>2" in first.get("/account").text
    out = post_form(first, "/account/signout-everywhere", "/account", {})
    assert out.headers["location"] == "/signin?signed_out=everywhere"
    for browser in (first, second):
        assert browser.get("/", follow_redirects=False).status_code == 303
    assert events_of(office.portal, "off-1")[-1] == "SessionsRevoked"
    third = office.browser()
    sign_in(third, "off-1", state["password"])
    home = third.get("/")
    out = post_form(third, "/signout", "/", {})
    assert out.status_code == 303 and third.get("/", follow_redirects=False).status_code == 303
    assert home.status_code == 200 and events_of(office.portal, "off-1")[-1] == "SignedOut"


def test_services_that_are_down_are_said_so_in_thai_on_their_pages_and_the_rest_works(
        office: Office) -> None:
    """Here only correspondence answers: the four other services (and monitoring's board, which
    tells งานของฉัน their work) are unreachable."""
    clerk, _ = signed_in_as(office, "clerk-1")
    assert register_letter(clerk, subject="ยังทำงานได้").status_code == 303
    director, _ = signed_in_as(office, "dir-1")
    home = director.get("/")
    assert home.status_code == 200 and "ยังทำงานได้" in home.text  # correspondence's work
    assert home.text.count("ระบบติดตามและประเมินผลไม่พร้อมให้บริการในขณะนี้") == 4
    for path, name in (("/planning/plans", "นโยบายและแผน"), ("/budgeting/lines", "งบประมาณ"),
                       ("/restructuring/schools", "จัดตั้ง ยุบ รวม เลิกสถานศึกษา"),
                       ("/monitoring/plans", "ติดตามและประเมินผล")):
        page = clerk.get(path)
        assert page.status_code == 200 and f"ระบบ{name}ไม่พร้อมให้บริการ" in page.text, path
    record = clerk.get("/budgeting/allocations/6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b1a23")
    assert record.status_code == 503 and "ระบบงบประมาณไม่พร้อมให้บริการ" in record.text
    assert clerk.get("/saraban/registers/receiving/2569").status_code == 200

"""A destruction list run through the portal's pages, as the people of the office do it: the portal
in process, speaking to a real correspondence service (in process, on its own store, on a clock
the test sets: a list is made only in the 60 days after a year's end, and destroyed only after
the National Archives' 60 days). Two letters filed for one year expire in 2570 (2027):

- the clerk makes the list of 2570 in January 2028 from the list page's form, and lands on it;
- the ESA director appoints the committee (a chair and two members);
- a member keeps one letter five years longer, with the reason; the clerk sends the list;
- after the objection window a member destroys what is left: that letter is destroyed, its
  register entry kept; the kept one stays filed; the page says which is which.
Each step is offered only to who may take it (the clerk does not see the committee's forms).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.correspondence.application import CorrespondenceApplication
from services.correspondence.main import create_app as create_correspondence
from services.correspondence.settings import CorrespondenceSettings
from services.portal.application import DirectoryEntry, PortalApplication
from services.portal.main import create_app as create_portal
from services.portal.main import portal_client_secret
from services.portal.service_client import ServiceClient
from services.portal.settings import PORTAL_CLIENT_ID, PortalSettings
from shared.testing import office_client
from tests.conftest import STAFF, Clock
from tests.support.portal import IsolatedASGITransport, post_form, sign_in, version

LIST_PAGE = "/saraban/destruction-lists/2570"
KEPT, DESTROYED = "ทะเบียนผู้รับทุนการศึกษา พ.ศ. 2569", "ขอเชิญประชุมผู้บริหารสถานศึกษา"


@pytest.fixture
def office(tmp_path: Path, clock: Clock) -> Iterator[dict[str, Any]]:
    var = tmp_path / "var"
    correspondence = CorrespondenceApplication(CorrespondenceSettings(var_dir=var), clock=clock)
    corr_api = create_correspondence(correspondence.settings, correspondence)
    api = office_client(corr_api)
    for officer_id, name, roles, clearance in STAFF:
        api.post("/officers", headers={"X-Actor-Id": "esa-1"}, json={
            "officer_id": officer_id, "name_th": name, "roles": roles,
            "clearance": clearance}).raise_for_status()
    settings = PortalSettings(var_dir=var, portal_argon2_time_cost=1,
                              portal_argon2_memory_kib=8 * 1024, portal_backoff_base_seconds=0)
    urls = {name: "http://127.0.0.1:9" for name in ("planning", "budgeting", "restructuring",
                                                    "monitoring")}
    services = ServiceClient({**urls, "correspondence": "http://correspondence"},
                             client_id=PORTAL_CLIENT_ID,
                             client_secret=portal_client_secret(settings),
                             transports={"correspondence": IsolatedASGITransport(corr_api)})
    portal = PortalApplication(settings)
    portal_api = create_portal(settings, portal, services)
    passwords = {officer_id: portal.create_account(
        DirectoryEntry(officer_id, name, frozenset(roles)), by=None)
        for officer_id, name, roles, _ in STAFF}
    people = {}
    for officer_id in ("esa-1", "clerk-1", "off-1"):
        people[officer_id] = TestClient(portal_api, base_url="http://testserver")
        sign_in(people[officer_id], officer_id, passwords[officer_id])
    try:
        yield {"api": api, "people": people}
    finally:
        portal.close()
        correspondence.close()


def _filed(api: TestClient, clock: Clock, subject: str) -> str:
    """A letter of January 2026, filed for one year (through the API: not what this is about)."""
    clock.now = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    answer = api.post("/documents/incoming", headers={"X-Actor-Id": "clerk-1"}, json={
        "received_at": "2026-01-05T09:00:00+07:00", "sender": "สพฐ.",
        "subject": subject})
    assert answer.status_code == 201, answer.text
    path = f"/documents/{answer.json()['document_id']}"
    for actor, step, body in (("dir-1", "assign", {"officer_id": "off-1"}),
                              ("clerk-1", "file", {"location": "ตู้ 1",
                                                   "retention_class": "years_1"})):
        etag = api.get(path, headers={"X-Actor-Id": actor}).headers["ETag"]
        done = api.post(f"{path}/{step}", json=body,
                        headers={"X-Actor-Id": actor, "If-Match": etag})
        assert done.status_code == 200, done.text
    return answer.json()["document_id"]


def _step(browser: TestClient, action: str, data: dict[str, Any]) -> Any:
    """One of the list page's forms, sent with the version the page showed."""
    page = browser.get(LIST_PAGE).text
    assert f'data-action="{action}"' in page, f"{action} is not offered"
    return post_form(browser, f"/act/correspondence/destruction/2570/{action}", LIST_PAGE,
                     {**data, "version": version(page), "return_to": LIST_PAGE})


def test_a_destruction_list_is_made_decided_and_carried_out_from_its_pages(
        office: dict[str, Any], clock: Clock) -> None:
    api, people = office["api"], office["people"]
    kept, destroyed = _filed(api, clock, KEPT), _filed(api, clock, DESTROYED)
    clerk, esa, member = people["clerk-1"], people["esa-1"], people["off-1"]

    clock.now = datetime(2028, 1, 15, 3, 0, tzinfo=UTC)  # 2570 ended 15 days ago
    made = post_form(clerk, "/act/correspondence/destruction/new/open",
                     "/new/correspondence/destruction/open", {"year_be": "2570"})
    assert made.status_code == 303 and made.headers["location"].startswith(LIST_PAGE)
    page = clerk.get(LIST_PAGE).text
    assert KEPT in page and DESTROYED in page and "ขอทำลาย" in page
    assert 'data-action="committee"' not in page and 'data-action="keep"' not in page

    appointed = _step(esa, "committee", {"chair_id": "dir-1", "member_ids": ["off-1", "clerk-1"]})
    assert appointed.status_code == 303, appointed.text
    assert _step(member, "keep", {"document_id": kept, "retention_class": "years_5",
                                  "reason": "ใช้อ้างอิงการจัดสรรทุนปีถัดไป"}).status_code == 303
    assert _step(clerk, "send", {}).status_code == 303

    clock.now += timedelta(days=30)  # the National Archives' 60 days are not over
    early = _step(member, "destroy", {})
    assert early.status_code == 409
    assert "กรมศิลปากร" in early.text or "ทักท้วง" in early.text  # its Thai reason, on the page
    clock.now += timedelta(days=31)
    assert _step(member, "destroy", {}).status_code == 303

    page = member.get(LIST_PAGE).text
    assert "ทำลายแล้ว" in page and "เก็บไว้ต่อ (5 ปี)" in page
    listing = api.get("/destruction-lists/2570", headers={"X-Actor-Id": "clerk-1"}).json()
    assert (listing["step"], listing["committee"]) == ("carried_out",
                                                       ["dir-1", "off-1", "clerk-1"])
    assert listing["destroyed_items"] == [destroyed]
    gone = api.get(f"/documents/{destroyed}", headers={"X-Actor-Id": "clerk-1"}).json()
    still = api.get(f"/documents/{kept}", headers={"X-Actor-Id": "clerk-1"}).json()
    assert (gone["step"], gone["receipt_no"]) == ("destroyed", 2)  # its register entry stays
    assert (still["step"], still["retention_class"]) == ("filed", "years_5")

"""Correspondence's forms in the portal (procedures 1-3), in a real browser (Playwright driving
Debian's Chromium), against the whole system started as processes once for this module:
nats-server, the five services and the portal. The staff and their accounts, and a filed letter
to lend, are set up through the APIs; what each test is about is done in the browser, as people
do it, and checked both on the page and in what correspondence recorded (its API).

- an officer drafts a letter the office starts itself: a first try at a secrecy she is not
  cleared for is refused with the service's Thai reason beside the form, what she typed kept;
  the letter then goes to the group director, who checks it and puts it to the ESA director, who
  signs it; the clerk sends it, numbered from the dispatch register;
- an officer calls a meeting, proposes an agenda item, which the group director puts on the
  agenda; she notifies the participants, records that it was held and who came, and records the
  minutes (a record-type document on saraban's path), gives an action item and reports it done;
- a news item is drafted, put to the group director, approved and published; the clerk takes a
  school's service request down, and an officer captures a knowledge item;
- the clerk lends a filed letter and takes it back (the loans register in between), cancels a
  letter registered twice, and tries to list expired documents for destruction outside the 60
  days after a year's end: refused, in Thai.
axe-core runs on every new page (no serious or critical violation), each at a phone's 390 px too,
where nothing may be wider than the screen.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.thaitime import BANGKOK
from tests.conftest import ALL_SERVICES, STAFF, Saraban
from tests.support import portal_office
from tests.support.portal_browser import (
    check_accessibility,
    screenshot,
    submit,
)
from tests.support.portal_office import running_portal

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@dataclass(kw_only=True)
class Office(portal_office.Office):
    """The shared office, with saraban's own reads and every page checked at a phone's width."""
    saraban: Saraban
    started: float

    def get(self, path: str, actor: str = "clerk-1") -> Any:
        """What correspondence recorded, read through its API as an officer."""
        response = self.saraban.http.get(path, headers={"X-Actor-Id": actor})
        assert response.status_code == 200, f"{path}: {response.text}"
        return response.json()

    def page_checked(self, page: Page, name: str) -> None:
        """axe-core on the page at a desk's width and at a phone's, where it must fit."""
        check_accessibility(self.axe, page, name)
        page.set_viewport_size(PHONE)
        try:
            check_accessibility(self.axe, page, f"{name} (390 px)")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name}: {width}px wide on a phone"
        finally:
            page.set_viewport_size(DESK)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    started = time.monotonic()
    with running_portal(tmp_path_factory.mktemp("portal-saraban-forms"), ALL_SERVICES,
                        people=[who for who, *_ in STAFF]) as running:
        try:
            yield Office(running.system, running.portal, running.browser, running.passwords,
                         running.apis(), saraban=running.saraban, started=started)
        finally:
            print(f"\nmodule wall time: {time.monotonic() - started:.0f} s")


@pytest.fixture(scope="module", autouse=True)
def axe_report(office: Office) -> Iterator[None]:
    yield
    print("\naxe (violations by impact, per page):", json.dumps(office.axe, ensure_ascii=False))


# --- helpers ----------------------------------------------------------------------------------
def act(page: Page, action: str, fields: dict[str, str] | None = None,
        selects: dict[str, str | list[str]] | None = None, ticks: tuple[str, ...] = ()) -> None:
    """Fill one of the page's action forms and send it; the page says it was recorded."""
    form = page.locator(f"form[data-action={action}]")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in (selects or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    for value in ticks:
        form.locator(f"input[type=checkbox][value='{value}']").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("บันทึกแล้ว")


def from_my_work(office: Office, page: Page, title: str) -> None:
    """งานของฉัน, then one click to the record waiting there."""
    page.goto(f"{office.url}/")
    link = page.locator("#my-work").get_by_role("link", name=title)
    expect(link).to_be_visible(timeout=20_000)
    with page.expect_navigation():
        link.click()


def opening(office: Office, page: Page, list_path: str, label: str, name: str) -> None:
    """The list page, then its button to the form that opens a record."""
    page.goto(f"{office.url}{list_path}")
    office.page_checked(page, name)
    with page.expect_navigation():
        page.get_by_role("link", name=label).click()
    expect(page.locator("h1")).to_have_text(label)
    office.page_checked(page, label)


def record_id(page: Page) -> str:
    found = re.search(r"/([0-9a-f-]{36})(?:\?|$)", page.url)
    assert found, page.url
    return found.group(1)


def now_in_bangkok() -> datetime:
    return datetime.now(BANGKOK)


# --- the tests --------------------------------------------------------------------------------
def test_an_officer_drafts_an_outgoing_letter_that_others_check_sign_and_send(
        office: Office) -> None:
    subject = "ขอเชิญประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติการ ประจำปีงบประมาณ 2570"
    officer = office.person("off-1")
    opening(office, officer, "/saraban/documents", "ร่างหนังสือออกของสำนักงาน",
            "หนังสือระหว่างดำเนินการ")
    officer.fill("#f-outgoing-subject", subject)
    officer.fill("#f-outgoing-addressee", "ผู้อำนวยการโรงเรียนในสังกัด")
    officer.select_option("#f-outgoing-outgoing_kind", "circular")
    officer.select_option("#f-outgoing-secrecy", "secret")  # she is cleared for ลับ only
    officer.fill("#f-outgoing-draft_text", "ด้วยสำนักงานเขตพื้นที่การศึกษากำหนดจัดประชุม...")
    submit(officer, "form[data-action=outgoing] button[type=submit]")
    expect(officer.locator("#actions .alert-error")).to_contain_text(
        "เจ้าหน้าที่ไม่มีสิทธิ์เข้าถึงชั้นความลับของหนังสือ")
    expect(officer.locator("#f-outgoing-subject")).to_have_value(subject)
    expect(officer.locator("#f-outgoing-secrecy")).to_have_value("secret")
    expect(officer.locator("#f-outgoing-outgoing_kind")).to_have_value("circular")
    assert [d for d in office.get("/work-in-progress", "off-1")["items"]
            if d["subject"] == subject] == []  # nothing recorded

    officer.select_option("#f-outgoing-secrecy", "none")
    submit(officer, "form[data-action=outgoing] button[type=submit]")
    expect(officer.locator("#subject")).to_have_text(subject)
    expect(officer.locator(".alert-success")).to_contain_text("เริ่มร่างหนังสือออกแล้ว")
    document_id = record_id(officer)
    office.page_checked(officer, "หนังสือออก (ร่าง)")
    act(officer, "submit", selects={"checker_id": "dir-1"})

    director = office.person("dir-1")
    from_my_work(office, director, subject)
    act(director, "approve", {"comments": "ถูกต้อง เสนอลงนาม"}, {"signer_id": "esa-1"})
    esa = office.person("esa-1")
    from_my_work(office, esa, subject)
    act(esa, "sign")
    clerk = office.person("clerk-1")
    from_my_work(office, clerk, subject)
    act(clerk, "dispatch")
    expect(clerk.locator("#step")).to_have_text("ส่งหนังสือแล้ว")

    recorded = office.get(f"/documents/{document_id}")
    assert (recorded["direction"], recorded["step"], recorded["secrecy"]) == (
        "outgoing", "dispatched", "none")
    assert "/ว " in recorded["outgoing_no"]  # numbered in the circulars' series
    history = [(e["event"], e["actor"]) for e in office.get(f"/documents/{document_id}/history")["items"]]
    assert [h for h in history if h[0] != "LetterIssued"] == [
        ("Started", "off-1"), ("SubmittedForCheck", "off-1"), ("CheckApproved", "dir-1"),
        ("Signed", "esa-1"), ("Dispatched", "clerk-1")]


def test_an_officer_calls_a_meeting_and_runs_it_to_its_minutes(office: Office) -> None:
    title = "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569"
    officer = office.person("off-1")
    opening(office, officer, "/saraban/meetings", "เรียกประชุม", "การประชุมภายใน")
    starts = now_in_bangkok() - timedelta(minutes=30)
    officer.fill("#f-call-title", title)
    officer.fill("#f-call-starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    officer.fill("#f-call-place", "ห้องประชุม 1 อาคารสำนักงาน")
    officer.select_option("#f-call-chair_id", "dir-1")
    submit(officer, "form[data-action=call] button[type=submit]")
    expect(officer.locator("#record-title")).to_have_text(title)
    expect(officer.locator(".alert-success")).to_contain_text("บันทึกแล้ว: เรียกประชุม")
    meeting_id = record_id(officer)
    act(officer, "agenda-propose", {"title": "ติดตามผลการเบิกจ่ายงบประมาณไตรมาสที่ 1",
                                    "details": "รายงานผลเทียบกับแผน"})
    office.page_checked(officer, "หน้าการประชุม")

    director = office.person("dir-1")
    from_my_work(office, director, title)
    act(director, "agenda-approve", selects={"item_no": "1"})

    officer.goto(f"{office.url}/saraban/meetings/{meeting_id}")
    act(officer, "notify", selects={"participant_ids": ["off-1", "dir-1", "clerk-1"]})
    act(officer, "hold", ticks=("off-1", "dir-1"))
    act(officer, "minutes", {"text": "ระเบียบวาระที่ 1 ที่ประชุมรับทราบผลการเบิกจ่าย",
                             "summary": "รายงานการประชุมครั้งที่ 12/2569"})
    expect(officer.locator(".badges")).to_contain_text("จัดทำรายงานการประชุมแล้ว")
    due = (now_in_bangkok() + timedelta(days=14)).strftime("%Y-%m-%d")
    act(officer, "action-item", {"title": "สรุปผลการเบิกจ่ายเสนอผู้อำนวยการสำนักงาน",
                                 "due_date": due}, {"owner_id": "off-1"})
    with officer.expect_navigation():  # the meeting's action item, then done
        officer.get_by_role("link", name="สรุปผลการเบิกจ่ายเสนอผู้อำนวยการสำนักงาน").click()
    office.page_checked(officer, "งานตามมติที่ประชุม")
    act(officer, "close", {"result": "เสนอแล้วเมื่อวันประชุมถัดไป"})
    officer.goto(f"{office.url}/saraban/action-items?open=false")
    expect(officer.locator("#action-items")).to_contain_text("ดำเนินการตามมติเสร็จแล้ว")
    office.page_checked(officer, "ติดตามงานตามมติที่ประชุม")
    officer.goto(f"{office.url}/saraban/meetings/{meeting_id}")
    with officer.expect_navigation():
        officer.get_by_role("link", name="รายงานการประชุม (หนังสือ)").click()
    expect(officer.locator("#step")).to_have_text("ร่างหนังสือแล้ว")  # on saraban's path

    recorded = office.get(f"/meetings/{meeting_id}", "off-1")
    assert recorded["step"] == "minutes_recorded"
    assert (recorded["organiser_id"], recorded["chair_id"]) == ("off-1", "dir-1")
    assert [(i["title"], i["status"]) for i in recorded["agenda"]] == [
        ("ติดตามผลการเบิกจ่ายงบประมาณไตรมาสที่ 1", "approved")]
    assert {p["officer_id"] for p in recorded["participants"]} == {"off-1", "dir-1", "clerk-1"}
    assert {p["officer_id"] for p in recorded["attendees"]} == {"off-1", "dir-1"}
    minutes = office.get(f"/documents/{recorded['minutes_document_id']}", "off-1")
    assert (minutes["doc_type"], minutes["holder"]) == ("record", "off-1")
    assert [(a["owner_id"], a["step"], a["result"]) for a in recorded["action_items"]] == [
        ("off-1", "closed", "เสนอแล้วเมื่อวันประชุมถัดไป")]


def test_news_is_drafted_approved_and_published_and_requests_and_knowledge_taken_down(
        office: Office) -> None:
    title = "สพป. จัดอบรมการใช้ระบบสารบรรณอิเล็กทรอนิกส์ให้โรงเรียนในสังกัด"
    officer = office.person("off-1")
    opening(office, officer, "/saraban/news", "ร่างข่าวประชาสัมพันธ์", "ข่าวประชาสัมพันธ์")
    officer.fill("#f-draft-title", title)
    officer.fill("#f-draft-summary", "อบรมครูธุรการ 120 คน")
    officer.fill("#f-draft-body", "เมื่อวันที่ ... สำนักงานเขตพื้นที่การศึกษาจัดอบรม...")
    submit(officer, "form[data-action=draft] button[type=submit]")
    expect(officer.locator("#record-title")).to_have_text(title)
    item_id = record_id(officer)
    # Her own words come back in the revision's form, to change what needs changing.
    expect(officer.locator("form[data-action=revise] [name=title]")).to_have_value(title)
    office.page_checked(officer, "หน้าข่าว (ร่าง)")
    act(officer, "submit", selects={"checker_id": "dir-1"})

    director = office.person("dir-1")
    from_my_work(office, director, title)
    act(director, "approve", {"comments": "เห็นชอบ"})
    officer.goto(f"{office.url}/saraban/news/{item_id}")
    act(officer, "publish")
    expect(officer.locator(".badges")).to_contain_text("เผยแพร่แล้ว")

    recorded = office.get(f"/news-items/{item_id}", "off-1")
    assert (recorded["step"], recorded["author_id"]) == ("published", "off-1")
    assert [(r["checker_id"], r["approved"]) for r in recorded["reviews"]] == [("dir-1", True)]
    public = office.saraban.http.get("/news")
    assert title in [n["title"] for n in public.json()["items"]]

    # The clerk takes a school's request down; the officer captures what the group learned.
    clerk = office.person("clerk-1")
    opening(office, clerk, "/saraban/service-requests", "รับเรื่องคำขอรับบริการ", "คำขอรับบริการ")
    clerk.fill("#f-log-subject", "ขอข้อมูลจำนวนนักเรียนรายโรงเรียน ปีการศึกษา 2569")
    clerk.fill("#f-log-requester_name", "โรงเรียนบ้านหนองบัว")
    clerk.select_option("#f-log-requester_kind", "school")
    clerk.select_option("#f-log-channel", "phone")
    submit(clerk, "form[data-action=log] button[type=submit]")
    expect(clerk.locator(".badges")).to_contain_text("รอมอบหมายผู้รับผิดชอบ")
    office.page_checked(clerk, "คำขอรับบริการ (หน้า)")
    logged = office.get(f"/service-requests/{record_id(clerk)}")
    assert (logged["requester_kind"], logged["channel"], logged["logged_by"], logged["holder"]) == (
        "school", "phone", "clerk-1", "group_director")

    opening(office, officer, "/saraban/knowledge", "รวบรวมองค์ความรู้", "องค์ความรู้")
    officer.fill("#f-capture-title", "ขั้นตอนการขอโอนเปลี่ยนแปลงงบประมาณ")
    officer.fill("#f-capture-body", "1. ตรวจสอบยอดคงเหลือ 2. จัดทำบันทึกเสนอ ...")
    officer.fill("#f-capture-tags", "งบประมาณ\nการโอนเปลี่ยนแปลง")
    submit(officer, "form[data-action=capture] button[type=submit]")
    office.page_checked(officer, "องค์ความรู้ (หน้า)")
    captured = office.get(f"/knowledge-items/{record_id(officer)}", "off-1")
    assert (captured["step"], captured["tags"]) == ("captured", ["งบประมาณ", "การโอนเปลี่ยนแปลง"])


def test_the_clerk_lends_a_filed_letter_takes_it_back_and_cancels_a_double(
        office: Office) -> None:
    subject = "คำสั่งแต่งตั้งคณะกรรมการสอบคัดเลือก (ต้นฉบับ)"
    letter = office.saraban.register(subject)
    path = f"/documents/{letter['document_id']}"
    office.saraban.post(f"{path}/assign", "dir-1", {"officer_id": "off-1"}, changes=path)
    office.saraban.post(f"{path}/file", "clerk-1", {"location": "ตู้ 3 ชั้น 2"}, changes=path)

    clerk = office.person("clerk-1")
    clerk.goto(f"{office.url}/saraban/documents/{letter['document_id']}")
    due = (now_in_bangkok() + timedelta(days=7)).strftime("%Y-%m-%d")
    act(clerk, "borrow", {"borrower": "นายสมชาย รักงาน", "purpose": "ใช้ประกอบการตรวจสอบ",
                          "due_date": due})
    expect(clerk.locator("#loan")).to_contain_text("ยืมอยู่")
    office.page_checked(clerk, "หนังสือที่ถูกยืม")
    clerk.goto(f"{office.url}/saraban/loans")
    expect(clerk.locator("#loans")).to_contain_text(subject)
    expect(clerk.locator("#loans")).to_contain_text("นายสมชาย รักงาน")
    office.page_checked(clerk, "ทะเบียนการยืม")
    screenshot(clerk, "loans")
    with clerk.expect_navigation():
        clerk.get_by_role("link", name=subject).click()
    act(clerk, "return-loan")
    expect(clerk.locator("#loan")).to_have_count(0)

    recorded = office.get(path)
    assert recorded["on_loan"] is False and recorded["step"] == "filed"
    events = [e["event"] for e in office.get(f"{path}/history")["items"]]
    assert events[-2:] == ["Borrowed", "LoanReturned"]
    assert office.get("/loans")["items"] == []

    # A letter registered twice by mistake: the clerk cancels the copy, saying why.
    copy = office.saraban.register(subject)
    clerk.goto(f"{office.url}/saraban/documents/{copy['document_id']}")
    act(clerk, "cancel", {"reason": "ลงทะเบียนซ้ำกับเลขรับเดิม"})
    expect(clerk.locator("#step")).to_have_text("ยกเลิกแล้ว")
    cancelled = office.get(f"/documents/{copy['document_id']}")
    assert cancelled["step"] == "cancelled" and cancelled["receipt_no"] == copy["receipt_no"]

    # A secret letter in progress: listed for an officer not cleared for it, never its subject.
    secret = "รายชื่อผู้ถูกสอบสวนทางวินัย (ลับมาก)"
    office.saraban.post("/documents/incoming", "clerk-1", {
        "received_at": "2026-11-27T10:00:00+07:00", "sender": "สำนักงานปลัดกระทรวงศึกษาธิการ",
        "subject": secret, "secrecy": "secret"})
    officer = office.person("off-1")  # cleared for ลับ, not ลับมาก
    for listing in ("/saraban/documents", "/saraban/documents?q=วินัย", "/saraban/loans"):
        officer.goto(f"{office.url}{listing}")
        assert secret not in officer.content(), listing
    director = office.person("dir-1")  # cleared for ลับมาก: the service shows it to him
    director.goto(f"{office.url}/saraban/documents?q=วินัย")
    expect(director.locator("#documents")).to_contain_text(secret)

    # A destruction list is made only in the 60 days after a year's end, of what expired in it.
    year_be = now_in_bangkok().year + 543 - 1
    opening(office, clerk, "/saraban/destruction-lists", "จัดทำบัญชีหนังสือขอทำลาย",
            "บัญชีหนังสือขอทำลาย")
    clerk.fill("#f-open-year_be", str(year_be))
    submit(clerk, "form[data-action=open] button[type=submit]")
    expect(clerk.locator("#actions .alert-error")).to_contain_text(re.compile(
        "จัดทำบัญชีหนังสือขอทำลายได้ภายใน 60 วันหลังสิ้นปีปฏิทิน|บัญชีหนังสือขอทำลายไม่มีรายการ"))
    expect(clerk.locator("#f-open-year_be")).to_have_value(str(year_be))
    assert office.get("/destruction-lists")["items"] == []

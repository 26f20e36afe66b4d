"""The office portal in a real browser (Playwright driving Debian's Chromium), against the whole
system started as processes: nats-server, the five services and the portal, once for this module.

One letter's saraban path through the portal by four signed-in people:
- the first director's account comes from the one documented command (`python -m services.portal
  create-account`), which also puts the ESA director in the empty staff directory; she signs in
  with the one-time password, chooses her own, enrols the second factor from the page's QR secret
  and lands on งานของฉัน; from the accounts page she adds the clerk, the group director and the
  officer (directory entry and account, one-time passwords read off the page);
- the clerk registers an incoming letter with an attachment; the group director, who has
  งานของฉัน open, sees it arrive without reloading (the live feed), assigns it with instructions
  and a due date; the officer drafts and submits it; the group director approves it to the ESA
  director; she signs; the clerk dispatches it and downloads the issued, signed PDF; the receiving
  register finds it by a word of its subject, and its CSV holds it.
Every page built is checked with axe-core (no serious or critical violation; the counts are
printed), and the main pages are photographed at 1280 and 390 px into docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from shared.messaging import bootstrap_streams
from shared.nats_server import NatsServer
from shared.settings import PROJECT_ROOT
from shared.testing import CHROMIUM, ServiceProcess
from shared.thaitime import BANGKOK
from tests.conftest import ALL_SERVICES, RunningSystem
from tests.support.portal_browser import CHROMIUM_ARGS, screenshot, start_patiently, submit
from tests.support.portal_browser import check_accessibility as check
from tests.support.portal_browser import sign_in as browser_sign_in
from tests.support.staff import HEAD_OF_OFFICE_TH

SUBJECT = "ขอให้รายงานข้อมูลนักเรียนพิการเรียนร่วม ภาคเรียนที่ 2"
NEW_PASSWORDS = {"esa-1": "ผอ.เขต-รหัสใหม่-2569", "clerk-1": "สารบรรณ-รหัสใหม่-2569",
                 "dir-1": "ผอ.กลุ่ม-รหัสใหม่-2569", "off-1": "นักวิเคราะห์-รหัสใหม่-2569"}
STAFF = (  # added by the ESA director from the accounts page
    ("clerk-1", "นางสาวสมศรี ใจดี", "เจ้าพนักงานธุรการ", ["clerk"], "secret"),
    ("dir-1", "นายประเสริฐ นำทาง", "ผู้อำนวยการกลุ่มนโยบายและแผน", ["group_director"], "secret"),
    ("off-1", "นายสมชาย รักงาน", "นักวิเคราะห์นโยบายและแผน", ["officer"], "confidential"),
)
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
               b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Office:
    system: RunningSystem
    portal: ServiceProcess
    browser: Browser
    started_at: float
    axe: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.portal.url


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs it (apt-get)")
    root = tmp_path_factory.mktemp("portal-office")
    started = time.monotonic()
    nats = NatsServer(root / "nats", log_file=root / "nats.log").start()
    asyncio.run(bootstrap_streams(nats.url))
    system = RunningSystem(nats.url, {"ESA_VAR_DIR": str(root / "var")}, ALL_SERVICES)
    portal = ServiceProcess("portal", {
        **system.env, "ESA_PORTAL_SERVICE_TIMEOUT_SECONDS": "20",
        **{f"ESA_{name.upper()}_URL": process.url for name, process in
           system.processes.items()}})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            start_patiently(*system.processes.values(), portal)
            yield Office(system, portal, browser, started)
        finally:
            browser.close()
            portal.stop()
            system.stop()
            nats.stop()


# --- helpers ----------------------------------------------------------------------------------
def check_accessibility(office: Office, page: Page, name: str) -> None:
    check(office.axe, page, name)


def sign_in(office: Office, context: BrowserContext, officer_id: str, password: str,
            *, check: bool = False) -> Page:
    """Through every step the account needs; returns the page on งานของฉัน."""
    names = {"signin": "เข้าสู่ระบบ", "new-password": "ตั้งรหัสผ่านใหม่",
             "enrol": "ลงทะเบียนรหัสยืนยันสองชั้น"}

    def on_step(page: Page, step: str) -> None:
        check_accessibility(office, page, names[step])
        if step == "signin":
            screenshot(page, "signin")
        if step == "enrol":
            assert page.locator("svg.qr").count() == 1  # drawn by the portal itself

    return browser_sign_in(office.url, context, officer_id, password, NEW_PASSWORDS[officer_id],
                           on_step=on_step if check else None)


def open_document(page: Page, office: Office, subject: str) -> None:
    """From งานของฉัน, one click to the document's page."""
    page.goto(f"{office.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name=subject).click()
    expect(page.locator("#subject")).to_have_text(subject)


def act(page: Page, action: str, fields: dict[str, str] | None = None,
        selects: dict[str, str] | None = None) -> None:
    form = page.locator(f"form[data-action={action}]")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in (selects or {}).items():
        form.locator(f"select[name={name}]").select_option(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("บันทึกแล้ว")


def create_first_account(office: Office) -> str:
    """The one documented command, as README says to run it after `make run`."""
    result = subprocess.run(
        [sys.executable, "-m", "services.portal", "create-account", "--officer-id", "esa-1",
         "--name-th", "นางใหญ่ ผู้อำนวยการ", "--roles", "esa_director,signer",
         "--clearance", "top_secret", "--position-th", HEAD_OF_OFFICE_TH],
        env=office.portal.env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "one-time password" in x)
    assert "TOTP" in result.stdout  # a deciding role: enrol at the first sign-in
    return line.split()[-1]


# --- the path ---------------------------------------------------------------------------------
def test_a_letter_goes_its_whole_saraban_path_through_the_portal(office: Office,
                                                                 tmp_path: Path) -> None:
    browser = office.browser
    contexts = {who: browser.new_context(viewport={"width": 1280, "height": 900},
                                         locale="th-TH", accept_downloads=True)
                for who in ("esa", "clerk", "director", "officer")}

    # The ESA director: the first account, her own password, the second factor, งานของฉัน.
    esa = sign_in(office, contexts["esa"], "esa-1", create_first_account(office), check=True)
    office.timings["start to a signed-in งานของฉัน (test)"] = time.monotonic() - office.started_at
    check_accessibility(office, esa, "งานของฉัน")

    # She adds her staff: directory entry and account, a one-time password each.
    passwords = {}
    for officer_id, name, position, roles, clearance in STAFF:
        esa.goto(f"{office.url}/accounts")
        esa.fill("#f-officer_id", officer_id)
        esa.fill("#f-name_th", name)
        esa.fill("#f-position_th", position)
        esa.select_option("#f-clearance", clearance)
        for role in roles:
            esa.check(f"input[name=roles][value={role}]")
        submit(esa, "form[action='/accounts'] button[type=submit]")
        passwords[officer_id] = esa.inner_text("#one-time-password").strip()
    check_accessibility(office, esa, "รหัสผ่านใช้ครั้งเดียว")
    esa.goto(f"{office.url}/accounts")
    expect(esa.locator("tr[data-officer=dir-1]")).to_contain_text("ต้องลงทะเบียน TOTP")
    check_accessibility(office, esa, "บัญชีผู้ใช้")
    screenshot(esa, "accounts")

    clerk = sign_in(office, contexts["clerk"], "clerk-1", passwords["clerk-1"])
    director = sign_in(office, contexts["director"], "dir-1", passwords["dir-1"])
    officer = sign_in(office, contexts["officer"], "off-1", passwords["off-1"])

    # The clerk registers the letter, with an attachment.
    clerk.goto(f"{office.url}/saraban/incoming/new")
    check_accessibility(office, clerk, "ลงทะเบียนหนังสือรับ")
    screenshot(clerk, "register-incoming")
    now = datetime.now(BANGKOK)
    clerk.fill("#f-received_at", now.strftime("%Y-%m-%dT%H:%M"))
    clerk.fill("#f-sender", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน")
    clerk.fill("#f-sender_ref_no", "ศธ 04006/ว 1234")
    clerk.fill("#f-addressee", "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา")
    clerk.fill("#f-subject", SUBJECT)
    clerk.select_option("#f-urgency", "very_urgent")
    clerk.set_input_files("#f-attachments", files=[{
        "name": "แบบรายงาน.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}])
    submit(clerk)
    expect(clerk.locator(".alert-success")).to_contain_text("ลงทะเบียนรับแล้ว")
    expect(clerk.locator("#content")).to_contain_text("แบบรายงาน.pdf")

    # The group director had งานของฉัน open: the letter arrives there by itself (the feed).
    expect(director.locator("#my-work")).to_contain_text(SUBJECT, timeout=20_000)
    screenshot(director, "my-work")
    open_document(director, office, SUBJECT)
    check_accessibility(office, director, "หน้าหนังสือ")
    act(director, "assign", {"instructions": "โปรดรวบรวมข้อมูลและร่างหนังสือตอบ",
                             "due_date": now.strftime("%Y-%m-%d")}, {"officer_id": "off-1"})

    open_document(officer, office, SUBJECT)
    act(officer, "draft", {"text": "ตามที่ สพฐ. ขอให้รายงานข้อมูล สำนักงานขอส่งข้อมูลดังแนบ",
                           "summary": "ส่งข้อมูลนักเรียนพิการเรียนร่วม"})
    act(officer, "submit", selects={"checker_id": "dir-1"})

    open_document(director, office, SUBJECT)
    act(director, "approve", {"comments": "ถูกต้อง"}, {"signer_id": "esa-1"})

    open_document(esa, office, SUBJECT)
    act(esa, "sign")

    clerk.goto(clerk.url.split("?")[0])
    act(clerk, "dispatch")
    expect(clerk.locator("#step")).to_have_text("ส่งหนังสือแล้ว")
    history = clerk.locator(".timeline")
    for step in ("มอบหมายผู้รับผิดชอบ", "ร่างหนังสือ", "เสนอตรวจทาน", "ตรวจทานแล้ว เสนอลงนาม",
                 "ลงนาม", "ส่งหนังสือ (ออกเลข)"):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("นายประเสริฐ นำทาง")  # who, by name
    screenshot(clerk, "document")

    with clerk.expect_download() as download_info:
        clerk.click("#letter-download")
    pdf = tmp_path / "letter.pdf"
    download_info.value.save_as(pdf)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and b"/ByteRange" in content  # issued and signed

    # The receiving register of the year finds it by a word of its subject; its CSV holds it.
    year = now.year + 543
    clerk.goto(f"{office.url}/saraban/registers/receiving/{year}?q=เรียนร่วม")
    expect(clerk.locator("table.register")).to_contain_text(SUBJECT)
    check_accessibility(office, clerk, "ทะเบียนหนังสือรับ")
    screenshot(clerk, "receiving-register")
    with clerk.expect_download() as csv_info:
        clerk.click("text=ดาวน์โหลด CSV")
    csv_path = tmp_path / "register.csv"
    csv_info.value.save_as(csv_path)
    assert SUBJECT in csv_path.read_text(encoding="utf-8-sig")

    esa.goto(f"{office.url}/account")
    check_accessibility(office, esa, "บัญชีของฉัน")
    print("\naxe (violations by impact, per page):",
          json.dumps(office.axe, ensure_ascii=False))
    print("timings:", json.dumps(office.timings, ensure_ascii=False))
    if os.environ.get("ESA_PORTAL_REPORT"):
        Path(os.environ["ESA_PORTAL_REPORT"]).write_text(json.dumps(
            {"axe": office.axe, "timings": office.timings}, ensure_ascii=False, indent=2))
    for context in contexts.values():
        context.close()

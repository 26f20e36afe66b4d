"""Procedures 14-16 end to end: an approved action plan arrives on NATS → monitoring (a real
process) opens its monitoring plan → an officer reports progress through the API → the KPI's
attainment shows on the dashboard in a real headless Chromium (screenshot, DOM after its scripts,
and a live update from the feed while the page stays open) and in the annual report PDF (pages
rendered to PNG, Thai text extracted).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import nats
import pytest
from PIL import Image

from contracts.envelope import AnyEnvelope, Envelope
from contracts.planning.v1 import ActionPlanApproved
from shared.nats_server import NatsServer
from shared.office.testing import STANDARD_STAFF
from shared.settings import PROJECT_ROOT
from shared.testing import BrowserPage, ServiceProcess, chromium_dom, chromium_screenshot
from tests.support.browser import csp_violations, open_page
from tests.support.pdf import flat_text, page_images

EXAMPLE = PROJECT_ROOT / "contracts" / "examples" / "planning.action_plan.approved.v1.json"
PLAN = Envelope[ActionPlanApproved].model_validate_json(EXAMPLE.read_text(encoding="utf-8"))
PROJECT = PLAN.data.projects[0]
# Thai marks written above or below a consonant (mai han-akat, upper and lower vowels, tone marks).


async def _publish(url: str, envelope: Envelope) -> None:  # type: ignore[type-arg]
    client = await nats.connect(url)
    try:
        await client.jetstream().publish(envelope.nats_subject,
                                         envelope.model_dump_json().encode(),
                                         headers={"Nats-Msg-Id": envelope.id})
    finally:
        await client.drain()


def publish(url: str, envelope: Envelope) -> None:  # type: ignore[type-arg]
    asyncio.run(_publish(url, envelope))


def disbursement(amount: str, sequence: int) -> AnyEnvelope:
    """Budgeting's draft v1 event for money a project used (`budgeting.budget_line.balance_changed`)."""
    line_id = uuid4()
    return AnyEnvelope(
        id=f"budgeting:{line_id}:{sequence}", type="budgeting.budget_line.balance_changed",
        source="budgeting", subject=str(line_id), time="2025-02-10T03:00:00Z", sequence=sequence,
        actor="fin-1", data={
            "line_id": str(line_id), "fiscal_year_be": 2568, "project_id": str(PROJECT.project_id),
            "project_code": PROJECT.code, "category": "operations", "movement": "disbursed",
            "amount": amount, "reference": "ฎีกา 12/2568",
            "balance": {"allocated": "75000.00", "transfers_in": "0.00", "transfers_out": "0.00",
                        "committed": "0.00", "disbursed": amount, "available": "0.00"}})


def wait_until(check, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError("condition not met in time")


def not_blank(png: Path) -> None:
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert image.width >= 390 and image.height > 500
    assert len(colours) > 50, "the screenshot is (nearly) one colour"


@pytest.fixture
def monitoring(nats_server: NatsServer, tmp_path: Path) -> Iterator[ServiceProcess]:
    process = ServiceProcess("monitoring", {
        "ESA_VAR_DIR": str(tmp_path / "var"), "ESA_NATS_URL": nats_server.url,
        "ESA_RELAY_POLL_SECONDS": "0.2", "ESA_FEED_POLL_SECONDS": "0.2"}).start()
    try:
        yield process
    finally:
        process.stop()


def test_an_approved_plan_becomes_kpis_on_the_dashboard_and_in_the_annual_report(
        nats_server: NatsServer, monitoring: ServiceProcess, tmp_path: Path) -> None:
    http = monitoring.client(timeout=30)
    # The office's staff as correspondence publishes it: monitoring learns who may act.
    for member in STANDARD_STAFF:
        publish(nats_server.url, member.envelope())
    publish(nats_server.url, PLAN)
    shots = Path(os.environ.get("ESA_SCREENSHOT_DIR", tmp_path))  # to look at them by eye
    wait_until(lambda: http.get("/officers/off-1").status_code == 200)

    plan = wait_until(lambda: (r := http.get(f"/monitoring-plans/{PLAN.data.plan_id}")).status_code
                      == 200 and r.json())
    group = plan["groups"][0]
    assert (group["code"], group["pending_period"], group["report_due"]) == ("P68-01", "q1",
                                                                               "2025-01-15")
    assert group["items"][0]["target_value"] == "95" and group["items"][0]["actual"] is None

    officer = {"X-Actor-Id": "off-1"}

    def read(path: str) -> dict[str, str]:  # a change says which version it read
        return {**officer, "If-Match": http.get(path, headers=officer).headers["ETag"]}

    record = f"/monitoring-plans/{plan['plan_id']}"
    for key, quarter, value in (("q1", 1, "41"), ("q2", 2, "96")):
        reported = http.post(f"{record}/progress",
                             headers={**read(record), "Idempotency-Key": key}, json={
            "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": quarter, "value": value,
            "note": "ผลการทดสอบการอ่าน", "evidence": {
                "name": "ผลการทดสอบ.pdf", "content_base64": base64.b64encode(b"%PDF-1.4").decode()}})
        assert reported.status_code == 201, reported.text
    kpi = reported.json()["groups"][0]["items"][0]
    assert (kpi["actual"], kpi["attainment_pct"], kpi["achieved"]) == ("96", "101.05", True)

    # The dashboard in a real browser: a screenshot that is not blank, and the DOM after its scripts.
    # The plan's year (2568) is asked for: the dashboard opens on the fiscal year in progress.
    dashboard = f"{monitoring.url}/dashboard?fiscal_year_be=2568"
    shot = chromium_screenshot(dashboard, shots / "dashboard.png")
    not_blank(shot)
    with open_page(dashboard, tmp_path / "profile-phone", width=390,
                   ready="!!document.getElementById('budget-svg')") as phone:
        not_blank(phone.screenshot(shots / "dashboard-phone.png"))
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert csp_violations(phone) == []
    dom = chromium_dom(dashboard, tmp_path / "profile-dom")
    text = re.sub(r"<[^>]+>", "", dom)  # as read: Thai phrases are kept whole in spans of their own
    assert "แดชบอร์ดติดตามประเมินผลการดำเนินงาน" in text
    assert 'data-kpi="P68-01-K1"' in dom and "ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้" in text
    assert "101.05%" in text and "1 / 3" not in text and "1 / 1" in text  # achieved / KPIs
    assert "150,000.50" in text  # the plan's budget, exact to the satang

    # Live: the page stays open while budgeting reports spending and the officer reports again.
    page = BrowserPage(dashboard, tmp_path / "profile-live")
    try:
        page.wait_for("document.getElementById('connection').dataset.state === 'live'")
        assert page.evaluate("document.getElementById('tile-budget').textContent") == "0.00%"
        publish(nats_server.url, disbursement("120000.00", 3))
        assert page.wait_for(
            "document.getElementById('tile-budget').textContent === '80.00%' && 'ok'") == "ok"
        http.post(f"{record}/progress", headers=read(record), json={
            "group_code": "P68-01", "item_code": "P68-01-K1", "quarter": 3, "value": "97.5"})
        row = "document.querySelector('tr[data-kpi=\"P68-01-K1\"]').textContent"
        assert "102.63%" in page.wait_for(f"{row}.includes('102.63%') && {row}")
        not_blank(page.screenshot(shots / "dashboard-live.png"))
    finally:
        page.close()

    # The annual performance report: a Thai PDF whose pages render and whose text carries the KPI.
    response = http.get("/reports/annual/2568")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pages = tmp_path / "report"
    pages.mkdir()
    for page_image in page_images(response.content, pages, dpi=90):
        not_blank(page_image)
    extracted = flat_text(response.content)
    for expected in ("รายงานผลการดำเนินงานประจำปีงบประมาณ พ.ศ. 2568", "ผลการดำเนินงานตามตัวชี้วัด",
                     "P68-01-K1", "102.63%", "บรรลุ", "120,000.00", "การใช้จ่ายงบประมาณ"):
        assert expected in extracted, expected

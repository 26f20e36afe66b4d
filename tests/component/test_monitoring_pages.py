"""The status page and the dashboard as a director reads them, in a real browser (headless
Chromium), at a desk (1280 px) and on a phone (390 px): pages of cases filtered on the server,
Thai words never cut by a line break, dates on one line, the budget table's halves aligned, charts
drawn by the service's own script under a policy that allows no inline script, an empty list that
says so, and a parked message nobody can miss. Screenshots go to `ESA_SCREENSHOT_DIR` (to look at
them) or the test's temporary directory."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from PIL import Image

from contracts.envelope import AnyEnvelope, CaseStatus
from services.monitoring.application import MonitoringApplication
from shared.settings import PROJECT_ROOT
from shared.testing import BrowserPage
from shared.thaitime import bangkok_date, utc_now
from tests.support.browser import csp_violations, open_page, served, words_cut
from tests.support.monitoring import deliver

EXAMPLES = PROJECT_ROOT / "contracts" / "examples"
WIDTHS = [1280, 390]
# Words a reader must never see cut in two by a line break.
WORDS = ["ผู้อำนวยการกลุ่ม", "ผู้อำนวยการ", "สารบรรณ", "งบประมาณ", "พิจารณา", "นักเรียน",
         "โรงเรียน", "สถานศึกษา", "ข้อเสนอแนะ", "ผู้รับผิดชอบ", "ตรวจทาน", "ประมวลผล", "แก้ไข",
         "ดำเนินงาน", "ตัวชี้วัด", "ไม่สำเร็จ", "เป้าหมาย", "ข้อความ", "ประเมินผล", "ติดตาม"]
TITLES = ["ขอข้อมูลนักเรียนรายโรงเรียนเพื่อจัดสรรงบประมาณ", "ขออนุมัติโครงการพัฒนาคุณภาพผู้เรียน",
          "รายงานผลการดำเนินงานตามนโยบาย ไตรมาส 1", "แจ้งผลการตรวจราชการ รอบที่ 1/2568"]
STEPS = [("awaiting_director", "รอผู้อำนวยการกลุ่มพิจารณา", "group_director", "ผู้อำนวยการกลุ่ม"),
         ("assigned", "มอบหมายผู้รับผิดชอบแล้ว", "off-1", "นายสมชาย รักงาน"),
         ("checking", "เสนอผู้อำนวยการกลุ่มตรวจทาน", "group_director", "ผู้อำนวยการกลุ่ม")]
SERVICES = ["correspondence", "planning", "budgeting", "restructuring"]


@pytest.fixture
def monitoring_clock() -> Any:
    return utc_now  # the browser's clock is the real one too


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ESA_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def case(source: str, n: int, *, closed: bool = False) -> AnyEnvelope:
    step, step_th, holder, holder_th = STEPS[n % len(STEPS)]
    today = bangkok_date(utc_now())
    since = datetime.now(UTC) - timedelta(days=n % 9, hours=n)
    return AnyEnvelope(
        id=f"{source}:case-{n}:1", type=f"{source}.document.{step}", source=source,
        subject=f"case-{n}", time=since, sequence=1, actor="off-1",
        status=CaseStatus(procedure=1, case_type="document", title=f"{TITLES[n % 4]} ({n})",
                          step=step, step_th=step_th, holder=holder, holder_th=holder_th,
                          since=since, due=today + timedelta(days=(n % 7) - 3), closed=closed),
        data={})


def parked_message() -> AnyEnvelope:
    """Budgeting's consumer parked a message of planning's (`shared.deadletters`)."""
    example = AnyEnvelope.model_validate_json(
        (EXAMPLES / "budgeting.dead_letter.parked.v1.json").read_text(encoding="utf-8"))
    return example.model_copy(update={"id": f"budgeting:{uuid4()}:1", "subject": str(uuid4())})


@pytest.fixture
def busy_board(monitoring: MonitoringApplication) -> MonitoringApplication:
    """120 open cases of four services, 5 closed, and a parked message."""
    for n in range(125):
        deliver(monitoring, case(SERVICES[n % 4], n, closed=n >= 120))
    deliver(monitoring, parked_message())
    return monitoring


def text_of(page: BrowserPage, selector: str) -> str:
    return page.evaluate(f"document.querySelector({selector!r}).textContent")


def rows(page: BrowserPage) -> list[dict[str, str]]:
    return page.evaluate("""[...document.querySelectorAll('#cases tr')].map(tr =>
        Object.fromEntries([...tr.cells].map(td => [td.dataset.label || 'x', td.textContent])))""")


def choose(page: BrowserPage, select: str, value: str) -> None:
    page.evaluate(f"""(() => {{ const s = document.getElementById({select!r});
        s.value = {value!r}; s.dispatchEvent(new Event('change')); }})()""")


def not_blank(png: Path) -> None:
    image = Image.open(png).convert("RGB")
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 50, "the screenshot is nearly blank"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_status_page_is_paged_filtered_and_keeps_thai_words_whole(
        monitoring_api: FastAPI, busy_board: MonitoringApplication, tmp_path: Path,
        width: int) -> None:
    with served(monitoring_api) as url, open_page(
            f"{url}/", tmp_path / "profile", width=width,
            ready="document.body.dataset.loaded === 'true'") as page:
        # One page of 50 of the 121 open cases (the parked message is one), newest first.
        assert len(rows(page)) == 50
        assert text_of(page, "#page-info") == "แสดง 1–50 จาก 121 เรื่อง"
        assert "ข้อความค้าง" in rows(page)[0]["เรื่อง"], "the parked message is the latest change"
        not_blank(page.screenshot(shots(tmp_path) / f"status-{width}.png"))

        # What a reader sees: no Thai word cut by a line break, every date on one line.
        assert words_cut(page, "body", WORDS) == []
        tall_dates = page.evaluate("""[...document.querySelectorAll('#cases time')]
            .filter(t => t.getClientRects().length !== 1 ||
                         t.getBoundingClientRect().height > 1.8 * parseFloat(getComputedStyle(t).lineHeight))
            .map(t => t.textContent)""")
        assert tall_dates == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
            "nothing wider than the screen"

        page.evaluate("document.getElementById('next').click()")
        page.wait_for("document.getElementById('page-info').textContent.startsWith('แสดง 51–100')")
        page.evaluate("document.getElementById('next').click()")
        page.wait_for("document.getElementById('page-info').textContent === 'แสดง 101–121 จาก 121 เรื่อง'")
        assert page.evaluate("document.getElementById('next').disabled") is True

        # Filters are the server's: service, then holder, then overdue.
        choose(page, "f-service", "planning")
        page.wait_for("document.getElementById('page-info').textContent === 'แสดง 1–30 จาก 30 เรื่อง'")
        assert {r["บริการ"] for r in rows(page)} == {"นโยบายและแผน"}
        assert "ผู้อำนวยการกลุ่ม" in page.evaluate(
            "[...document.getElementById('f-holder').options].map(o => o.textContent).join('|')")
        choose(page, "f-holder", "group_director")
        page.wait_for("document.getElementById('page-info').textContent.endsWith('จาก 20 เรื่อง')")
        assert {r["ผู้รับผิดชอบ"] for r in rows(page)} == {"ผู้อำนวยการกลุ่ม"}
        page.evaluate("document.getElementById('only-overdue').click()")
        page.wait_for("document.querySelectorAll('#cases tr.overdue').length === "
                      "document.querySelectorAll('#cases tr').length")
        assert {r["สถานะ"] for r in rows(page)} == {"เกินกำหนด"}
        assert words_cut(page, "#cases td", WORDS) == []
        not_blank(page.screenshot(shots(tmp_path) / f"status-filtered-{width}.png"))

        # The parked message cannot be missed: a banner, and one click to see it alone.
        assert "1 รายการ" in text_of(page, "#dead-letters-text")
        assert page.evaluate("document.getElementById('dead-letters').hidden") is False
        page.evaluate("document.getElementById('clear-filters').click()")
        page.evaluate("document.getElementById('show-dead-letters').click()")
        page.wait_for("document.getElementById('page-info').textContent === 'แสดง 1–1 จาก 1 เรื่อง'")
        [parked] = rows(page)
        assert "planning.action_plan.approved" in parked["เรื่อง"] and parked["บริการ"] == "งบประมาณ"
        assert parked["ผู้รับผิดชอบ"] == "ผู้ดูแลระบบ"
        assert csp_violations(page) == []


def test_an_empty_board_says_so(monitoring_api: FastAPI, tmp_path: Path) -> None:
    with served(monitoring_api) as url, open_page(
            f"{url}/", tmp_path / "profile",
            ready="document.body.dataset.loaded === 'true'") as page:
        assert text_of(page, "#cases") == "ไม่มีรายการ"
        assert page.evaluate("document.getElementById('dead-letters').hidden") is True


def example(event_type: str) -> AnyEnvelope:
    return AnyEnvelope.model_validate_json((EXAMPLES / f"{event_type}.v1.json").read_text("utf-8"))


def budget_use(project_id: str, amount: str, quarter: int) -> AnyEnvelope:
    line = uuid4()
    return AnyEnvelope(
        id=f"budgeting:{line}:2", type="budgeting.budget_line.balance_changed",
        source="budgeting", subject=str(line), time=datetime.now(UTC), sequence=2, actor="fin-1",
        data={"line_id": str(line), "fiscal_year_be": 2568, "project_id": project_id,
              "category": "operations", "movement": "disbursed", "amount": amount,
              "quarter": quarter})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_charts_budget_and_kpis_aligns_its_tables_and_says_when_nothing_is_late(
        monitoring: MonitoringApplication, monitoring_api: FastAPI, tmp_path: Path,
        width: int) -> None:
    # 10 January 2025: quarter 1's report is not due yet (15 January), nothing is late.
    monitoring.clock = monitoring_api.state.board.clock = lambda: datetime(2025, 1, 10, 3,
                                                                            tzinfo=UTC)
    approved = example("planning.action_plan.approved")
    deliver(monitoring, approved)
    project = approved.data["projects"][0]["project_id"]
    deliver(monitoring, budget_use(project, "30000.25", 2))
    deliver(monitoring, budget_use(project, "1250000.00", 3))  # more than planned: the axis grows
    with served(monitoring_api) as url, open_page(
            f"{url}/dashboard?fiscal_year_be=2568", tmp_path / "profile", width=width,
            ready="!!document.getElementById('budget-svg')") as page:
        not_blank(page.screenshot(shots(tmp_path) / f"dashboard-{width}.png"))
        # The two halves of the budget table share their columns, to the pixel.
        edges = page.evaluate("""[
            [...document.querySelector('#budget-by-category tr').cells],
            [...document.querySelector('#budget-by-quarter tr:not(.part-head)').cells],
            [...document.querySelector('#budget-by-quarter tr.part-head').cells]]
            .map(cells => cells.map(c => [Math.round(c.getBoundingClientRect().left),
                                          Math.round(c.getBoundingClientRect().right)]))""")
        assert edges[0] == edges[1] == edges[2] and len(edges[0]) == 4
        assert text_of(page, "#overdue-table tbody") == "ไม่มีรายการ"
        # Budget used as bars, planned beside used, the axis in baht with thousands separators.
        bars = page.evaluate("""[...document.querySelectorAll('#budget-svg rect[data-series]')]
            .map(r => [r.dataset.series, r.dataset.label, Number(r.dataset.value),
                       r.getBoundingClientRect().height])""")
        planned = {label: (value, height) for series, label, value, height in bars
                   if series == "planned"}
        used = {label: (value, height) for series, label, value, height in bars if series == "used"}
        assert used["งบดำเนินงาน"][0] == 1280000.25
        assert used["งบดำเนินงาน"][1] > planned["งบดำเนินงาน"][1] > 0, "drawn to scale"
        axis = page.evaluate("[...document.querySelectorAll('#budget-svg text')].map(t => t.textContent)")
        assert "1,000,000" in axis or "1,500,000" in axis, axis
        quarters = page.evaluate("""[...document.querySelectorAll(
            '#quarter-svg rect[data-series="used"]')].map(r => Number(r.dataset.value))""")
        assert quarters == [0, 30000.25, 1250000, 0]
        # KPI attainment as bars against the dashed 100% target.
        assert page.evaluate("document.querySelectorAll('#kpi-svg line.target').length") == 1
        assert "ยังไม่รายงานผล" in text_of(page, "#kpi-svg")
        assert words_cut(page, "body", WORDS) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert csp_violations(page) == []
        assert page.evaluate("document.getElementById('dead-letters').hidden") is True


def test_the_dashboard_lists_parked_messages(monitoring: MonitoringApplication,
                                             monitoring_api: FastAPI, tmp_path: Path) -> None:
    deliver(monitoring, parked_message())
    with served(monitoring_api) as url, open_page(
            f"{url}/dashboard", tmp_path / "profile",
            ready="!!document.getElementById('budget-svg')") as page:
        assert page.evaluate("document.getElementById('dead-letters').hidden") is False
        row = page.evaluate("""[...document.querySelector('#dead-letter-table tbody tr').cells]
            .map(c => c.textContent)""")
        assert row[:3] == ["งบประมาณ", "planning.action_plan.approved", "planning"]
        assert "UnknownSchool" in row[3] and row[4] == "10 ม.ค. 2568 10:00 น."
        assert text_of(page, "#tile-dead-letters") == "1"
        not_blank(page.screenshot(shots(tmp_path) / "dashboard-dead-letter-1280.png"))

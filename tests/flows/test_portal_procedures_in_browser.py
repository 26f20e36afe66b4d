"""The portal's procedures' pages in a real browser (Playwright driving Debian's Chromium) against
the whole system started as processes once for this module: nats-server, the five services and
the portal. What the office's staff set up through the services' APIs (the staff, the approved
action plan, the year's rates) is set up so here; everything the tests are about is done in the
browser, as people do it.

- a DMC enrolment file with bad rows is refused whole and its rows' errors are a table in Thai
  (nothing recorded); the corrected file is imported and the registry shows its schools;
- the ESA director opens รออนุมัติ, sees the per-head allocation with its table of schools and its
  total, approves it there, and comes back to the queue; correspondence drafts one letter per
  school, and they appear in the งานของฉัน of the officer who prepared the allocation (the
  letters' drafter: correspondence routes drafts to a responsible officer, never to a clerk);
- every procedure's list and record page renders, accessibly, for a group director; an officer
  reports a project's progress with an evidence file from the monitoring plan's page;
- an auditor (an account of the portal's own, not an officer) finds the budget line by its
  project code, opens its history and sees every event verified by the portal against the
  budgeting service's signed head; an auditor's session reaches nothing else and writes nothing;
- a clerk not cleared for a secret document never sees its subject on any page (its content is
  refused, and only the refusal is recorded), and a clerk posting a director's decision form with
  another officer's id in every field a browser can send acts as themselves: refused, only the
  refusal recorded.
axe-core runs on every page built (no serious or critical violation; the counts are printed), and
the main pages are photographed at 1280 and 390 px into docs/screenshots/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from planning_samples import NATIONAL, PROVINCIAL, action_plan, development_plan, policy
from playwright.sync_api import expect

from shared.thaimoney import format_baht
from shared.thaitime import bangkok_date, utc_now
from tests.conftest import ALL_SERVICES, STAFF
from tests.support import portal as portal_http
from tests.support import portal_office
from tests.support.dmc import csv_of
from tests.support.portal_browser import (
    screenshot,
    submit,
)
from tests.support.portal_office import (
    SCHOOLS,
    Office,
    create_account,
    eventually,
    running_portal,
    sample_rows,
)

FISCAL_YEAR = 2568  # funded from academic year 2567's snapshots, those of the sample file
RATES = {"kindergarten": "1700.00", "primary": "1900.00", "lower_secondary": "3500.00",
         "upper_secondary": "3800.00"}
ALLOCATION_TITLE = "เงินอุดหนุนรายหัว ปีงบประมาณ 2568 (พอร์ทัล)"
LETTER_SUBJECT = f"แจ้งการจัดสรรงบประมาณ {ALLOCATION_TITLE} ประจำปีงบประมาณ พ.ศ. {FISCAL_YEAR}"
SECRET_SUBJECT = "รายชื่อผู้ถูกสอบสวนทางวินัยกรณีทุจริตการจัดซื้อ"
MORE_STAFF = (("off-2", "นางสาววิไล ขยัน", ["officer"], "none"),
              ("clerk-2", "นายสุชาติ ธุรการ", ["clerk"], "none"))
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
               b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    # Audit checkpoints every second (the auditor's marks need a signed head covering the events).
    with running_portal(tmp_path_factory.mktemp("portal-procedures"), ALL_SERVICES,
                        env={"ESA_AUDIT_CHECKPOINT_SECONDS": "1"}, more_staff=MORE_STAFF,
                        people=[s[0] for s in (*STAFF, *MORE_STAFF)]) as running:
        running.passwords["audit-1"] = create_account(
            running.portal, "create-auditor", "--account-id", "audit-1",
            "--name-th", "นางสาวตรวจตรา ละเอียด (ผู้ตรวจสอบภายใน)")
        yield Office(running.system, running.portal, running.browser, running.passwords,
                     running.apis())


@pytest.fixture(scope="module")
def plan_and_lines(office: Office) -> dict[str, Any]:
    """The provincial committee's resolution registered; the year's policy, development plan and
    action plan approved citing it (planning's API); budgeting's lines of the plan."""
    saraban, planning, budgeting = (office.api[n] for n in ("correspondence", "planning",
                                                            "budgeting"))
    resolution = saraban.post("/documents/incoming", {
        "received_at": "2024-11-20T09:30:00+07:00", "sender": "สำนักงานศึกษาธิการจังหวัด",
        "subject": "แจ้งมติ กศจ. เห็นชอบแผนปฏิบัติการประจำปีงบประมาณ 2568", "urgency": "urgent"},
        "clerk-1")
    eventually(lambda: planning.http.get(f"/registered-documents/{resolution['document_id']}")
               .status_code == 200, "planning learns the resolution")
    cited = {"resolution_document_id": resolution["document_id"]}

    def approved(path: str, body: dict[str, Any]) -> dict[str, Any]:
        drafted = planning.post(path, body)
        planning.step(f"/plans/{drafted['plan_id']}", "submit", {}, "dir-1")
        return planning.step(f"/plans/{drafted['plan_id']}", "approve", cited, "off-2")

    planning.post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
    planning.post("/reference-strategies/national", {"strategies": NATIONAL})
    focus = approved("/policies", policy(FISCAL_YEAR))
    development = approved("/development-plans", development_plan(2566, 2570))
    plan = approved("/action-plans", action_plan(development["plan_id"], focus["plan_id"],
                                                 FISCAL_YEAR))
    lines = eventually(lambda: len(found := budgeting.get(
        "/lines", fiscal_year_be=FISCAL_YEAR)["items"]) == 4 and found,
        "budgeting opens the plan's lines")
    return {"resolution": resolution, "plan": plan, "lines": lines,
            "subsidies": next(x for x in lines if x["category"] == "subsidies"),
            "operations": next(x for x in lines if x["category"] == "operations"
                               and x["project_code"] == "P68-01")}


@pytest.fixture(scope="module")
def allocation(office: Office, plan_and_lines: dict[str, Any]) -> dict[str, Any]:
    """A per-head allocation submitted to the ESA director: the schools' snapshots imported (a
    repeat of the same file changes nothing), the rates, the committee, the per-head amounts."""
    registry, budgeting = office.api["restructuring"], office.api["budgeting"]
    eventually(lambda: {"off-1", "esa-1"} <= {o["officer_id"] for o in registry.get(
        "/officers", limit=500)["items"]}, "restructuring knows the staff")
    imported = registry.http.post("/schools/import", content=csv_of(sample_rows()),
                                  headers={"X-Actor-Id": "off-1", "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    eventually(lambda: [(s["school_code"], len(s["snapshots"])) for s in budgeting.get(
        "/schools", limit=500)["items"]] == [(c, 2) for c in sorted(SCHOOLS)],
        "budgeting knows the schools")
    eventually(lambda: {"esa-1", "off-1", "dir-1", "clerk-1"} <= {
        o["officer_id"] for o in budgeting.get("/officers", active="true")["items"]},
        "budgeting knows the staff")
    budgeting.post(f"/per-head-rates/{FISCAL_YEAR}", {
        "rates": RATES, "source_th": "หนังสือ สพฐ. ที่ ศธ 04002/ว 100"}, method="PUT")
    case = budgeting.post("/allocations", {
        "title_th": ALLOCATION_TITLE, "line_id": plan_and_lines["subsidies"]["line_id"],
        "ceiling": "5000000.00", "criteria_th": "จำนวนนักเรียน × อัตราต่อหัว"})
    path = f"/allocations/{case['case_id']}"
    today = bangkok_date(utc_now()).isoformat()
    budgeting.step(path, "committee", {"chair": "dir-1", "members": ["off-1", "clerk-1"],
                                       "appointed_on": today}, "esa-1")
    proposed = budgeting.step(path, "per-head")
    assert proposed["missing_snapshots"] == [] and len(proposed["items"]) == len(SCHOOLS)
    budgeting.step(path, "submit")
    return proposed


@pytest.fixture(scope="module")
def transfer(office: Office, plan_and_lines: dict[str, Any],
             allocation: dict[str, Any]) -> dict[str, Any]:
    """A transfer from the subsidies line (its allocation approved: by the director in the browser
    test, or here when run alone), proposed by an officer: it waits for the approving body whose
    decision the group records."""
    budgeting = office.api["budgeting"]
    path = f"/allocations/{allocation['case_id']}"
    if budgeting.get(path)["step"] == "submitted":  # when run alone: approved here instead
        budgeting.step(path, "decision", {"body": "esa_director", "decision": "approve",
                                          "decided_on": bangkok_date(utc_now()).isoformat()},
                       "esa-1")
    return budgeting.post("/budget-transfers", {
        "source_line_id": plan_and_lines["subsidies"]["line_id"],
        "target_line_id": plan_and_lines["operations"]["line_id"], "amount": "1500.25",
        "reason_th": "ค่าวัสดุการอบรมครูเพิ่มเติม"})


@pytest.fixture(scope="module")
def other_records(office: Office) -> dict[str, str]:
    """One record of each other kind the portal has a page for, through the services' APIs: a
    news item and a meeting's agenda item waiting for the group director, a merger case, an
    inspection round with a recommendation, an evaluation, the year's expenditure analysis."""
    saraban, registry, monitoring, budgeting = (office.api[n] for n in (
        "correspondence", "restructuring", "monitoring", "budgeting"))
    news = saraban.post("/news-items", {"title": "สพป. จัดอบรมครูภาษาไทย ป.1",
                                        "body": "ครูภาษาไทยชั้น ป.1 ทุกโรงเรียนเข้าร่วมการอบรม",
                                        "summary": "อบรมครูภาษาไทย"}, "off-1")
    saraban.step(f"/news-items/{news['news_item_id']}", "submit", {"checker_id": "dir-1"})
    meeting = saraban.post("/meetings", {"title": "ประชุมกลุ่มนโยบายและแผน ครั้งที่ 12/2569",
                                         "starts_at": "2026-12-24T09:00:00+07:00",
                                         "place": "ห้องประชุม 1", "chair_id": "dir-1"}, "off-1")
    saraban.step(f"/meetings/{meeting['meeting_id']}", "agenda-items",
                 {"title": "ติดตามการเบิกจ่ายไตรมาส 1"}, "off-1")
    case = registry.post("/cases", {"case_type": "merge", "school_codes": ["40050003"],
                                    "receiving_school_code": "40050038"})
    inspection = monitoring.post("/inspections", {
        "fiscal_year_be": FISCAL_YEAR, "title_th": "การตรวจราชการรอบที่ 1/2568",
        "inspector_th": "ผู้ตรวจราชการกระทรวงศึกษาธิการ ภาค 11", "scheduled_on": "2025-01-20",
        "issues": [{"code": "I1", "title_th": "การอ่านออกเขียนได้"}]})
    recommendation = monitoring.post(
        f"/inspections/{inspection['round_id']}/recommendations",
        {"issue_code": "I1", "text_th": "เร่งพัฒนาการอ่านของนักเรียน ป.1"},
        changes=f"/inspections/{inspection['round_id']}")
    evaluation = monitoring.post("/evaluations/obec-strategy", {
        "fiscal_year_be": FISCAL_YEAR, "strategies": [{"code": "OS1", "title_th": "ด้านความปลอดภัย",
                                                       "indicators": [{
                                                           "code": "OS1-1",
                                                           "name_th": "สถานศึกษาปลอดภัย",
                                                           "unit": "ร้อยละ",
                                                           "target_value": "100",
                                                           "actual": "96"}]}]})
    analysis = budgeting.post("/budget-analyses", {"fiscal_year_be": FISCAL_YEAR,
                                                    "title_th": "วิเคราะห์งบประมาณรายจ่าย 2568"})
    return {"news": news["news_item_id"], "meeting": meeting["meeting_id"],
            "case": case["case_id"], "inspection": inspection["round_id"],
            "recommendation": recommendation["recommendation_id"],
            "evaluation": evaluation["evaluation_id"], "analysis": analysis["case_id"]}


# --- the tests ------------------------------------------------------------------------------------
def test_a_dmc_file_with_bad_rows_shows_each_row_error_then_the_good_file_is_imported(
        office: Office, tmp_path: Path) -> None:
    officer = office.person("off-1")
    registry = office.api["restructuring"]
    before = registry.position()
    rows = sample_rows()
    bad = [dict(r) for r in rows[:4]]
    bad[1]["school_code"] = "4005AB"  # not 8-10 digits
    bad[2]["p1"] = "-3"  # pupils below zero
    (tmp_path / "bad.csv").write_bytes(csv_of(bad))
    (tmp_path / "good.csv").write_bytes(csv_of(rows))

    officer.goto(f"{office.url}/restructuring/import")
    office.axe_check(officer, "นำเข้าข้อมูล DMC")
    officer.set_input_files("#f-file", str(tmp_path / "bad.csv"))
    submit(officer)
    errors = officer.locator("#row-errors table")
    expect(errors).to_be_visible()
    expect(officer.locator(".alert-error")).to_contain_text("ไม่ได้บันทึกข้อมูลใด")
    text = errors.inner_text()
    assert "4005AB" in text and "รหัสโรงเรียน" in text
    cells = [errors.locator("tbody tr").nth(i).locator("td").first.inner_text()
             for i in range(errors.locator("tbody tr").count())]
    assert "3" in cells and "4" in cells  # spreadsheet rows (the header is row 1)
    assert all(not re.search(r"[A-Za-z]{6,}", m)
               for m in errors.locator("tbody td:nth-child(4)").all_inner_texts())  # Thai
    assert [e for e in registry.events_after(before) if "AccessLog." not in e] == []
    office.axe_check(officer, "นำเข้าข้อมูล DMC (แถวที่ผิด)")
    screenshot(officer, "dmc-import-errors")

    officer.set_input_files("#f-file", str(tmp_path / "good.csv"))
    submit(officer)
    expect(officer.locator(".alert-success")).to_contain_text("นำเข้าแล้ว")
    expect(officer.locator("#import-result tbody tr")).to_have_count(len(rows))
    officer.goto(f"{office.url}/restructuring/schools?q=ชุมแพ")
    for code in SCHOOLS[:2]:
        expect(officer.locator("#schools")).to_contain_text(code)
    office.axe_check(officer, "ทะเบียนสถานศึกษา")
    with officer.expect_navigation():
        officer.click(f"#schools a:text('{SCHOOLS[1]}')")
    expect(officer.locator("#snapshots tbody tr")).to_have_count(2)
    office.axe_check(officer, "สถานศึกษา")


def test_the_esa_director_approves_the_allocation_from_decisions_and_the_letters_arrive(
        office: Office, allocation: dict[str, Any]) -> None:
    director = office.person("esa-1")
    director.goto(f"{office.url}/decisions")
    item = director.locator(f"li[data-id='{allocation['case_id']}']")
    expect(item).to_contain_text(ALLOCATION_TITLE)
    office.axe_check(director, "รออนุมัติ")
    item.locator("summary").click()
    table = item.locator("#allocation-table")
    expect(table.locator("tbody tr")).to_have_count(len(SCHOOLS))
    total = table.locator("tfoot .num").last.inner_text()
    assert total == _baht(allocation["total"])  # the exact total, in baht and satang
    office.axe_check(director, "รออนุมัติ (เปิดเรื่อง)")
    screenshot(director, "decisions")
    form = item.locator("form[data-action=decision]")
    form.locator("select[name=decision]").select_option("approve")
    with director.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(director.locator(".alert-success")).to_contain_text("บันทึกผลการพิจารณาแล้ว")
    decided = director.locator(f"li[data-id='{allocation['case_id']}']")
    expect(decided.locator("details")).to_have_count(0)  # not offered again meanwhile
    # The board learns of the decision over NATS; the queue updates itself (live), no reload.
    expect(decided).to_have_count(0, timeout=30_000)
    approved = office.api["budgeting"].get(f"/allocations/{allocation['case_id']}")
    assert (approved["step"], approved["approvals"][-1]["decision"]) == ("approved", "approve")

    # The letters are drafted for the officer who prepared the allocation: in their งานของฉัน.
    officer = office.person("off-1")

    def letters() -> int:
        officer.goto(f"{office.url}/")
        return officer.locator(".work-item", has_text=LETTER_SUBJECT).count()

    assert eventually(letters, "the drafted letters in งานของฉัน") == len(SCHOOLS)
    counts = officer.locator("li.count[data-service=correspondence] .n")
    assert int(counts.inner_text()) >= len(SCHOOLS)
    office.axe_check(officer, "งานของฉัน (ทุกระบบ)")
    screenshot(officer, "my-work-all-services")
    with officer.expect_navigation():
        officer.locator(".work-item", has_text=LETTER_SUBJECT).first.locator("a").click()
    expect(officer.locator("#subject")).to_contain_text(LETTER_SUBJECT)
    director.goto(f"{office.url}/budgeting/allocations/{allocation['case_id']}")
    expect(director.locator("#record-title")).to_have_text(ALLOCATION_TITLE)
    office.axe_check(director, "การจัดสรรงบประมาณ")
    screenshot(director, "allocation")


def test_every_procedure_page_renders_and_an_officer_reports_progress_with_evidence(
        office: Office, plan_and_lines: dict[str, Any], transfer: dict[str, Any],
        other_records: dict[str, str], tmp_path: Path) -> None:
    director = office.person("dir-1")
    url = office.url
    plan_id, line_id = plan_and_lines["plan"]["plan_id"], plan_and_lines["subsidies"]["line_id"]
    records = other_records
    pages = [
        (f"/saraban/news/{records['news']}", "ข่าวประชาสัมพันธ์", "form[data-action=approve]",
         "เห็นชอบข่าว"),
        (f"/saraban/meetings/{records['meeting']}", "การประชุม", "#agenda",
         "ติดตามการเบิกจ่าย"),
        (f"/restructuring/cases/{records['case']}", "เรื่องยุบรวม", "#case-schools", "40050003"),
        (f"/monitoring/inspections/{records['inspection']}", "การตรวจราชการ (รอบ)",
         "#recommendations", "เร่งพัฒนาการอ่าน"),
        (f"/monitoring/recommendations/{records['recommendation']}", "ข้อเสนอแนะ",
         "form[data-action=assign]", "ผู้รับผิดชอบ"),
        (f"/monitoring/evaluations/{records['evaluation']}", "ผลการประเมิน", "#results",
         "สถานศึกษาปลอดภัย"),
        (f"/budgeting/analyses/{records['analysis']}", "การวิเคราะห์งบประมาณ", "#record-title",
         "วิเคราะห์งบประมาณรายจ่าย 2568"),
        ("/planning/plans", "แผน", "#plans", "แผนปฏิบัติการประจำปีงบประมาณ"),
        (f"/planning/plans/{plan_id}", "แผนปฏิบัติการ", "#projects", "P68-01"),
        ("/budgeting/lines?fiscal_year_be=2568", "รายการงบประมาณ", "#lines", "P68-01"),
        (f"/budgeting/lines/{line_id}", "รายการงบประมาณ (ความเคลื่อนไหว)", "#movements",
         "ได้รับจัดสรร"),
        ("/budgeting/allocations", "การจัดสรร", "#allocations", ALLOCATION_TITLE),
        ("/budgeting/transfers", "การโอน", "#transfers", "โอน"),
        (f"/budgeting/transfers/{transfer['case_id']}", "การโอน (เรื่อง)", "#rule-verdict",
         transfer["rule"]),
        ("/budgeting/analyses", "วิเคราะห์งบประมาณ", "main", "การวิเคราะห์งบประมาณรายจ่าย"),
        ("/budgeting/requests", "คำขอจัดตั้ง", "main", "คำขอจัดตั้งงบประมาณ"),
        ("/budgeting/funding", "ระดมทรัพยากร", "main", "การขอรับการสนับสนุน"),
        ("/restructuring/cases", "จัดตั้ง ยุบ รวม", "main", "เรื่องจัดตั้ง"),
        ("/monitoring/inspections", "การตรวจราชการ", "main", "การตรวจราชการ"),
        ("/monitoring/evaluations", "การประเมินผล", "main", "การประเมินผล"),
        ("/monitoring/reports?fiscal_year_be=2568", "รายงาน", "main", "รายงานประจำปี"),
        ("/directory", "ทะเบียนเจ้าหน้าที่", "#officers", "นางสาววิไล ขยัน"),
        ("/directory/off-2", "เจ้าหน้าที่", "#officer-form", "ตำแหน่ง"),
    ]
    for path, name, selector, text in pages:
        director.goto(f"{url}{path}")
        expect(director.locator(selector).first).to_contain_text(text)
        office.axe_check(director, name)
        if name in ("แผนปฏิบัติการ", "รายการงบประมาณ (ความเคลื่อนไหว)", "ทะเบียนเจ้าหน้าที่"):
            screenshot(director, {"แผนปฏิบัติการ": "action-plan", "ทะเบียนเจ้าหน้าที่": "directory",
                                  "รายการงบประมาณ (ความเคลื่อนไหว)": "budget-line"}[name])
    director.goto(f"{url}/planning/plans/{plan_id}")
    expect(director.locator("#projects tfoot")).to_contain_text("1,250,000.50")
    expect(director.locator("a:text('ดาวน์โหลด PDF')")).to_be_visible()
    with director.expect_download() as pdf:
        director.click("a:text('ดาวน์โหลด PDF')")
    assert (tmp_path / "plan.pdf").write_bytes(Path(pdf.value.path()).read_bytes()) > 1000
    # The transfer waits for a body outside the office: the group director records its decision.
    director.goto(f"{url}/budgeting/transfers/{transfer['case_id']}")
    expect(director.locator("form[data-action=decision]")).to_be_visible()
    expect(director.locator("#transfer-lines")).to_contain_text("P68-01")

    # The officer reports a project's progress, with evidence, from the monitoring plan's page.
    officer = office.person("off-1")
    monitoring = office.api["monitoring"]
    found = eventually(lambda: monitoring.get("/monitoring-plans", fiscal_year_be=2568,
                                              kind="action_plan")["items"],
                       "monitoring tracks the approved action plan")
    officer.goto(f"{url}/monitoring/plans")
    office.axe_check(officer, "แผนกำกับติดตาม")
    officer.goto(f"{url}/monitoring/plans/{found[0]['plan_id']}")
    form = officer.locator("form[data-action=progress]")
    form.locator("select[name=target]").select_option("P68-01|P68-01-K1")
    form.locator("select[name=period]").select_option("q1")
    form.locator("input[name=value]").fill("42.5")
    form.locator("textarea[name=note]").fill("ครูผ่านการอบรมแล้ว 40 คน")
    form.locator("input[name=evidence]").set_input_files(files=[{
        "name": "รายงานการอบรม.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}])
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(officer.locator(".alert-success")).to_contain_text("รายงานความก้าวหน้า")
    expect(officer.locator("#g-P68-01")).to_contain_text("รายงานการอบรม.pdf")
    expect(officer.locator("#g-P68-01")).to_contain_text("42.5")
    office.axe_check(officer, "แผนกำกับติดตาม (โครงการ)")
    screenshot(officer, "monitoring-plan")


def test_an_auditor_sees_every_event_of_a_budget_line_verified_and_can_do_nothing_else(
        office: Office, plan_and_lines: dict[str, Any], allocation: dict[str, Any],
        transfer: dict[str, Any]) -> None:
    auditor = office.person("audit-1", landing="ตรวจสอบประวัติการดำเนินงาน")
    office.axe_check(auditor, "ผู้ตรวจสอบ")
    line = plan_and_lines["subsidies"]
    found = auditor.locator(f"a[href='/auditor/budgeting/{line['line_id']}']")

    def searched() -> bool:
        # A service that does not answer in time is named on the page, and the auditor searches
        # again (on a loaded machine a whole suite's services share two cores).
        auditor.fill("#f-q", line["project_code"])
        submit(auditor)
        return found.count() == 1

    eventually(searched, "the budget line found by its project code", timeout=60)
    with auditor.expect_navigation():
        found.click()
    movements = office.api["budgeting"].get(f"/lines/{line['line_id']}/movements",
                                            limit=500)["items"]

    def all_verified() -> bool:
        auditor.reload()
        return auditor.locator("tr[data-verified=yes]").count() == len(movements)

    eventually(all_verified, "every event under a signed head", timeout=30)
    expect(auditor.locator("#verdict")).to_contain_text("ตรวจแล้วทุกเหตุการณ์")
    expect(auditor.locator("#audit-events tbody tr")).to_have_count(len(movements))
    # Who, by name: the officer who recorded the plan's approval opened the line, the ESA
    # director's approval of the allocation put money on it.
    expect(auditor.locator("#audit-events")).to_contain_text("นางสาววิไล ขยัน")
    expect(auditor.locator("#audit-events")).to_contain_text("นายใหญ่ ผู้อำนวยการ")
    office.axe_check(auditor, "ประวัติสำหรับผู้ตรวจสอบ")
    screenshot(auditor, "auditor-history")
    with auditor.expect_download() as download:
        auditor.click("a:text('ส่งออกพร้อมหลักฐาน (JSON)')")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["verified"] is True and len(exported["events"]) == len(movements)
    assert all(e["inclusion_proof"]["tree_size"] == exported["head"]["tree_size"]
               for e in exported["events"])

    # An auditor writes nothing and reaches only the auditor's pages.
    auditor.goto(f"{office.url}/budgeting/lines/{line['line_id']}")
    assert auditor.url.endswith("/auditor")
    cookies = {c["name"]: c["value"] for c in auditor.context.cookies()}
    with httpx.Client(base_url=office.url, cookies=cookies) as http:
        page = http.get("/auditor").text
        budgeting = office.api["budgeting"]
        position = budgeting.position()
        refused = http.post(f"/act/budgeting/allocation/{allocation['case_id']}/withdraw", data={
            "csrf_token": portal_http.csrf(page), "reason": "ผู้ตรวจสอบลองบันทึก"})
        assert refused.status_code == 403 and "อ่านได้อย่างเดียว" in refused.text
        assert budgeting.events_after(position) == []


def test_a_clerk_not_cleared_never_sees_a_secret_subject_and_a_forged_form_acts_as_oneself(
        office: Office, transfer: dict[str, Any]) -> None:
    saraban, budgeting = office.api["correspondence"], office.api["budgeting"]
    secret = saraban.post("/documents/incoming", {
        "received_at": "2026-11-27T10:00:00+07:00", "sender": "สำนักงานปลัดกระทรวงศึกษาธิการ",
        "subject": SECRET_SUBJECT, "secrecy": "secret", "urgency": "most_urgent",
        "body_text": "เนื้อหาลับ"}, "clerk-1")
    monitoring = office.api["monitoring"]
    eventually(lambda: monitoring.http.get(
        f"/cases/by-subject/correspondence/{secret['document_id']}").status_code == 200,
        "the board knows the document")
    with httpx.Client(base_url=office.url, timeout=30) as clerk:
        portal_http.sign_in(clerk, "clerk-2", office.passwords["clerk-2"],
                            new_password=portal_office.NEW_PASSWORD)
        year = bangkok_date(utc_now()).year + 543
        position = saraban.position()
        pages = ["/", "/my-work/list", "/decisions", f"/saraban/registers/receiving/{year}",
                 f"/saraban/registers/receiving/{year}?q=ทุจริต",
                 f"/saraban/registers/receiving/{year}.csv", f"/saraban/registers/dispatch/{year}",
                 f"/saraban/documents/{secret['document_id']}",
                 f"/saraban/documents/{secret['document_id']}/content",
                 "/planning/plans", "/budgeting/lines", "/budgeting/allocations",
                 "/budgeting/transfers", f"/budgeting/transfers/{transfer['case_id']}",
                 "/restructuring/schools", "/restructuring/cases", "/restructuring/import",
                 "/monitoring/plans", "/monitoring/inspections", "/monitoring/evaluations",
                 "/monitoring/reports", "/directory", "/accounts", "/account",
                 f"/auditor?q={secret['document_id']}"]
        answers = {path: clerk.get(path, follow_redirects=True) for path in pages}
        for path, answer in answers.items():
            assert SECRET_SUBJECT not in answer.text, path
        register = answers[f"/saraban/registers/receiving/{year}"].text
        assert "(ลับมาก)" in register  # that it exists, its secrecy in place of every description
        content = answers[f"/saraban/documents/{secret['document_id']}/content"]
        assert "ไม่" in content.text  # the service's Thai reason instead of the content
        recorded = saraban.events_after(position)
        assert recorded and all("AccessLog." in e for e in recorded), recorded

        # The clerk posts the transfer's decision form (a body's decision, recorded by the group)
        # naming the group director every way a browser can: acted on as the clerk, refused.
        page = clerk.get(f"/budgeting/transfers/{transfer['case_id']}").text
        before = budgeting.position()
        etag = budgeting.http.get(f"/budget-transfers/{transfer['case_id']}",
                                  headers={"X-Actor-Id": "dir-1"}).headers["ETag"]
        forged = clerk.post(
            f"/act/budgeting/transfer/{transfer['case_id']}/decision",
            headers={"X-Actor-Id": "dir-1"},
            data={"csrf_token": portal_http.csrf(page), "form_nonce": "forged-decision-1",
                  "version": etag, "decision": "approve", "decided_on": "2026-12-01",
                  "actor": "dir-1", "actor_id": "dir-1", "officer_id": "dir-1", "by": "dir-1"})
        assert forged.status_code == 403, forged.text
        assert "บทบาท" in forged.text or "สิทธิ์" in forged.text  # the Thai reason, beside it
        assert 'data-action="decision"' in forged.text  # the form stays, with what was typed
        recorded = budgeting.events_after(before)
        assert recorded and all("AccessLog." in e for e in recorded), recorded
        assert budgeting.get(f"/budget-transfers/{transfer['case_id']}")["step"] == "proposed"
    print("\naxe (violations by impact, per page):", json.dumps(office.axe, ensure_ascii=False))


def _baht(value: Any) -> str:
    return format_baht(Decimal(str(value)))

"""Budgeting's and monitoring's forms in the portal, in a real browser (Playwright driving Debian's
Chromium), against the whole system started as processes once for this module (nats-server, the
five services, the portal). What the tests are not about is set up through the services' APIs
(the staff, the schools' DMC snapshots, two budget lines); everything else is done as people do
it, and checked both on the page and in what the service recorded (its API):

- an officer records the year's per-head rates, opens an allocation from its list page, the ESA
  director appoints the committee, and a member enters the committee's amounts school by school:
  an amount with three decimals is refused by the portal, a total over the ceiling by budgeting
  (its Thai reason beside the form), each time with what was typed kept; then the amounts stand;
- an officer opens a budget line by hand with its quarterly plan, a transfer between the two
  lines and the year's leftover review, and the committee's analysis marks each line's success
  conditions;
- an officer opens a budget request, enters a school's request item by item, the committee's
  review and the targets; opens the year's expenditure analysis, sends its survey, records a
  response and the committee's report with its figures; and asks for external support;
- an officer opens an inspection round with its issues and records an OBEC strategy evaluation
  (a line the portal cannot read is refused first, with what was typed kept).
axe-core runs on every new page (no serious or critical violation) and each form is checked to
fit a phone's 390 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.thaitime import bangkok_date, utc_now
from tests.conftest import ALL_SERVICES
from tests.support.dmc import csv_of
from tests.support.portal_browser import screenshot, submit
from tests.support.portal_office import (
    Office,
    eventually,
    running_portal,
    sample_rows,
)

SCHOOLS = ("40050001", "40050002", "40050003")
YEAR = 2568  # the schools' snapshots are academic year 2567's: open in fiscal year 2568
RATES = {"kindergarten": "1700.00", "primary": "1900.00", "lower_secondary": "3500.00",
         "upper_secondary": "3800.00"}
MORE_STAFF = (("off-2", "นางสาววิไล ขยัน", ["officer"], "none"),)
PEOPLE = ("off-1", "esa-1")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    with running_portal(tmp_path_factory.mktemp("portal-budgeting-forms"), ALL_SERVICES,
                        more_staff=MORE_STAFF, people=PEOPLE) as running:
        yield Office(running.system, running.portal, running.browser, running.passwords,
                     running.apis())


@pytest.fixture(scope="module")
def lines(office: Office) -> dict[str, dict[str, Any]]:
    """The schools' DMC snapshots imported (restructuring), known to budgeting with the staff;
    two budget lines of the year opened through budgeting's API."""
    registry, budgeting = office.api["restructuring"], office.api["budgeting"]
    eventually(lambda: {"off-1", "esa-1"} <= {o["officer_id"] for o in registry.get(
        "/officers", limit=500)["items"]}, "restructuring knows the staff")
    imported = registry.http.post("/schools/import", content=csv_of(sample_rows(SCHOOLS)),
                                  headers={"X-Actor-Id": "off-1", "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text
    eventually(lambda: sorted(s["school_code"] for s in budgeting.get(
        "/schools", limit=500)["items"]) == sorted(SCHOOLS), "budgeting knows the schools")
    eventually(lambda: {"esa-1", "off-1", "off-2"} <= {
        o["officer_id"] for o in budgeting.get("/officers", active="true")["items"]},
        "budgeting knows the staff")
    return {category: budgeting.post("/lines", {
        "fiscal_year_be": YEAR, "project_code": code, "title_th": title, "category": category})
        for category, code, title in (("subsidies", "P68-90", "เงินอุดหนุนรายหัวนักเรียน"),
                                      ("operations", "P68-91", "พัฒนาครูด้านการอ่าน"))}


def _open(page: Page, office: Office, listing: str, label: str, name: str) -> None:
    """From a list page, the button to an opening's form (offered by role), its page checked."""
    page.goto(f"{office.url}{listing}")
    with page.expect_navigation():
        page.click(f"main .links a:text('{label}')")
    expect(page.locator("h1")).to_contain_text(label)
    office.axe_check(page, name)
    _fits_a_phone(page)


def _fits_a_phone(page: Page) -> None:
    """At 390 px nothing is wider than the screen (forms and tables fold to one column)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
            f"wider than a phone: {page.url}"
    finally:
        if size:
            page.set_viewport_size(size)


def _today() -> str:
    return bangkok_date(utc_now()).isoformat()


def test_an_officer_sets_the_rates_opens_an_allocation_and_the_committee_enters_its_amounts(
        office: Office, lines: dict[str, dict[str, Any]]) -> None:
    budgeting = office.api["budgeting"]
    officer = office.person("off-1")

    officer.goto(f"{office.url}/budgeting/allocations")
    with officer.expect_navigation():
        officer.click("main .links a:text('อัตราเงินอุดหนุนรายหัว')")
    expect(officer.locator("h1")).to_contain_text("อัตราเงินอุดหนุนรายหัว ปีงบประมาณ")
    officer.goto(f"{office.url}/budgeting/rates/{YEAR}")
    office.axe_check(officer, "อัตราเงินอุดหนุนรายหัว")
    _fits_a_phone(officer)
    form = officer.locator("form[data-action=set]")
    for level, rate in RATES.items():
        form.locator(f"input[name={level}]").fill(rate.replace("1900.00", "1,900.00"))
    form.locator("input[name=source_th]").fill("หนังสือ สพฐ. ที่ ศธ 04002/ว 100")
    submit(officer, "form[data-action=set] button[type=submit]")
    expect(officer.locator(".alert-success")).to_contain_text("บันทึกอัตราเงินอุดหนุนรายหัว")
    expect(officer.locator("#rates")).to_contain_text("1,900.00")
    recorded = budgeting.get(f"/per-head-rates/{YEAR}")
    assert recorded["rates"] == RATES and recorded["version"] is not None

    _open(officer, office, "/budgeting/allocations", "เปิดเรื่องจัดสรรงบประมาณ", "เปิดเรื่องจัดสรร")
    officer.fill("#f-open-title_th", "จัดสรรงบพัฒนาการอ่าน ปีงบประมาณ 2568")
    officer.select_option("#f-open-line_id", lines["subsidies"]["line_id"])
    officer.fill("#f-open-ceiling", "100,000.00")
    officer.fill("#f-open-criteria_th", "ตามแผนพัฒนาการอ่านของโรงเรียน")
    submit(officer)
    case_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    expect(officer.locator("#record-title")).to_have_text("จัดสรรงบพัฒนาการอ่าน ปีงบประมาณ 2568")
    opened = budgeting.get(f"/allocations/{case_id}")
    assert (opened["step"], opened["ceiling"], opened["line_id"]) == (
        "opened", "100000.00", lines["subsidies"]["line_id"])

    director = office.person("esa-1")
    director.goto(f"{office.url}/budgeting/allocations/{case_id}")
    form = director.locator("form[data-action=committee]")
    form.locator("select[name=chair]").select_option("esa-1")
    form.locator("select[name=members]").select_option(["off-1", "off-2"])
    submit(director, "form[data-action=committee] button[type=submit]")
    expect(director.locator(".alert-success")).to_contain_text("แต่งตั้งคณะกรรมการ")
    assert budgeting.get(f"/allocations/{case_id}")["committee"]["members"] == ["off-1", "off-2"]

    # A member enters the committee's amounts: three decimals (the portal's own check), then a
    # total over the ceiling (budgeting's refusal), each beside the form with what was typed.
    officer.goto(f"{office.url}/budgeting/allocations/{case_id}")
    amounts = officer.locator("form[data-action=amounts]")
    expect(amounts.locator("tbody tr")).to_have_count(len(SCHOOLS))
    office.axe_check(officer, "การจัดสรร (กรอกจำนวนเงิน)")
    _fits_a_phone(officer)

    def enter(first: str, second: str) -> None:
        form = officer.locator("form[data-action=amounts]")
        form.locator(f"input[name='items.{SCHOOLS[0]}.amount']").fill(first)
        form.locator(f"input[name='items.{SCHOOLS[1]}.amount']").fill(second)
        submit(officer, "form[data-action=amounts] button[type=submit]")

    enter("60000.505", "30,000")
    form = officer.locator("form[data-action=amounts]")
    expect(form.locator(".error")).to_contain_text("สตางค์ไม่เกิน 2 ตำแหน่ง")
    expect(form.locator(f"input[name='items.{SCHOOLS[0]}.amount']")).to_have_value("60000.505")
    expect(form.locator(f"input[name='items.{SCHOOLS[0]}.amount']")).to_have_attribute(
        "aria-invalid", "true")
    expect(form.locator(f"input[name='items.{SCHOOLS[1]}.amount']")).to_have_value("30,000")
    office.axe_check(officer, "การจัดสรร (จำนวนเงินผิด)")
    screenshot(officer, "allocation-amounts")
    enter("80000.50", "30000")
    expect(officer.locator("#actions .alert-error")).to_contain_text("ยอดจัดสรรเกินกรอบวงเงิน")
    form = officer.locator("form[data-action=amounts]")
    expect(form.locator(f"input[name='items.{SCHOOLS[0]}.amount']")).to_have_value("80000.50")
    assert budgeting.get(f"/allocations/{case_id}")["items"] == []  # nothing recorded
    enter("60000.50", "30000")
    expect(officer.locator(".alert-success")).to_contain_text("จัดสรรเป็นจำนวนเงินรายโรงเรียน")
    table = officer.locator("#allocation-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tfoot")).to_contain_text("90,000.50")
    proposed = budgeting.get(f"/allocations/{case_id}")
    assert proposed["step"] == "proposed" and proposed["method"] == "amounts"
    assert {i["recipient_code"]: i["amount"] for i in proposed["items"]} == {
        SCHOOLS[0]: "60000.50", SCHOOLS[1]: "30000.00"}
    assert all(i["recipient_name_th"].startswith("โรงเรียน") for i in proposed["items"])


@pytest.fixture(scope="module")
def funded(office: Office, lines: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The subsidies line funded: an allocation approved through budgeting's API."""
    budgeting = office.api["budgeting"]
    case = budgeting.post("/allocations", {
        "title_th": "จัดสรรเงินอุดหนุน (ตั้งต้น)", "line_id": lines["subsidies"]["line_id"],
        "ceiling": "50000.00", "criteria_th": "ตามเกณฑ์"})
    path = f"/allocations/{case['case_id']}"
    budgeting.step(path, "committee", {"chair": "esa-1", "members": ["off-1", "off-2"],
                                       "appointed_on": _today()}, "esa-1")
    budgeting.step(path, "amounts", {"items": [{
        "recipient_code": SCHOOLS[2], "recipient_name_th": "โรงเรียน", "amount": "50000.00"}]})
    budgeting.step(path, "submit")
    budgeting.step(path, "decision", {"body": "esa_director", "decision": "approve",
                                      "decided_on": _today()}, "esa-1")
    return budgeting.get(f"/lines/{lines['subsidies']['line_id']}")


def test_an_officer_opens_a_line_a_transfer_and_the_years_leftover_review(
        office: Office, lines: dict[str, dict[str, Any]], funded: dict[str, Any]) -> None:
    budgeting = office.api["budgeting"]
    officer = office.person("off-1")
    source, target = lines["subsidies"]["line_id"], lines["operations"]["line_id"]
    _open(officer, office, "/budgeting/lines", "เปิดรายการงบประมาณ", "เปิดรายการงบประมาณ")
    officer.fill("#f-open-fiscal_year_be", str(YEAR + 1))
    officer.fill("#f-open-project_code", "P69-92")
    officer.fill("#f-open-title_th", "จ้างเหมาซ่อมแซมอาคาร")
    officer.select_option("#f-open-category", "operations")
    officer.fill("input[name='planned_by_quarter.1.amount']", "1,000.50")
    officer.fill("input[name='planned_by_quarter.3.amount']", "2000")
    submit(officer)
    expect(officer.locator("main")).to_contain_text("3,000.50")
    opened = budgeting.get(f"/lines/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert [(q["quarter"], q["amount"]) for q in opened["planned_by_quarter"]
            if q["amount"] != "0.00"] == [(1, "1000.50"), (3, "2000.00")]

    _open(officer, office, "/budgeting/transfers", "เสนอขอโอนเปลี่ยนแปลงงบประมาณ", "เสนอขอโอน")
    officer.select_option("#f-open-source_line_id", source)
    officer.select_option("#f-open-target_line_id", target)
    officer.fill("#f-open-amount", "1500.25")
    officer.fill("#f-open-reason_th", "ค่าวัสดุการอบรมครูเพิ่มเติม")
    submit(officer)
    expect(officer.locator("#transfer-lines")).to_contain_text("P68-91")
    office.axe_check(officer, "การโอน (เปิดใหม่)")
    transfer = budgeting.get(f"/budget-transfers/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert (transfer["source_line_id"], transfer["target_line_id"], transfer["amount"],
            transfer["step"]) == (source, target, "1500.25", "proposed")

    _open(officer, office, "/budgeting/leftover", "เปิดเรื่องพิจารณาเงินเหลือจ่ายประจำปี",
          "เปิดเรื่องเงินเหลือจ่าย")
    officer.fill("#f-open-fiscal_year_be", str(YEAR))
    submit(officer)
    expect(officer.locator("#record-title")).to_contain_text(f"ปีงบประมาณ พ.ศ. {YEAR}")
    review_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    assert budgeting.get(f"/leftover-reviews/{review_id}")["fiscal_year_be"] == YEAR

    # The committee (appointed through the API) assesses each line's success conditions.
    budgeting.step(f"/leftover-reviews/{review_id}", "committee", {
        "chair": "esa-1", "members": ["off-1", "off-2"], "appointed_on": _today()}, "esa-1")
    officer.goto(f"{office.url}/budgeting/leftover/{review_id}")
    form = officer.locator("form[data-action=analysis]")
    form.locator(f"select[name='success.{source}.success_met']").select_option("true")
    form.locator(f"select[name='success.{target}.success_met']").select_option("false")
    office.axe_check(officer, "เงินเหลือจ่าย (วิเคราะห์)")
    _fits_a_phone(officer)
    submit(officer, "form[data-action=analysis] button[type=submit]")
    expect(officer.locator(".alert-success")).to_contain_text("วิเคราะห์ผลการใช้จ่าย")
    analysed = budgeting.get(f"/leftover-reviews/{review_id}")
    assert analysed["step"] == "analysed"
    assert {x["line_id"]: x["success_met"] for x in analysed["lines"]} == {
        source: True, target: False}
    expect(officer.locator("main")).to_contain_text("เงินเหลือจ่ายรายรายการ")


def test_a_budget_request_and_the_expenditure_analysis_are_worked_through_their_forms(
        office: Office, lines: dict[str, dict[str, Any]]) -> None:
    budgeting = office.api["budgeting"]
    officer = office.person("off-1")
    committee = {"chair": "esa-1", "members": ["off-1", "off-2"], "appointed_on": _today()}

    _open(officer, office, "/budgeting/requests", "แจ้งหลักเกณฑ์การจัดตั้งงบประมาณ",
          "แจ้งหลักเกณฑ์การจัดตั้งงบประมาณ")
    officer.fill("#f-open-fiscal_year_be", str(YEAR + 1))
    officer.select_option("#f-open-kind", "annual")
    officer.fill("#f-open-title_th", f"คำขอจัดตั้งงบประมาณ พ.ศ. {YEAR + 1}")
    officer.fill("#f-open-criteria_th", "ตามนโยบายและจุดเน้นของสำนักงาน")
    submit(officer)
    request_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    form = officer.locator("form[data-action=school-requests]")
    form.locator("select[name=school_code]").select_option(SCHOOLS[0])
    form.locator("textarea[name=items]").fill(
        "ค่าหนังสือเรียน | ดำเนินงาน | 12,000.50 | นักเรียนเพิ่มขึ้น\nครุภัณฑ์ห้องสมุด | งบลงทุน | 30000")
    submit(officer, "form[data-action=school-requests] button[type=submit]")
    expect(officer.locator("#request-items tbody tr")).to_have_count(2)
    path = f"/budget-requests/{request_id}"
    asked = budgeting.get(path)["schools"][0]["items"]
    assert [(i["category"], i["amount"]) for i in asked] == [("operations", "12000.50"),
                                                             ("investment", "30000.00")]
    budgeting.step(path, "committee", committee, "esa-1")
    officer.reload()
    form = officer.locator("form[data-action=reviews]")
    form.locator("select[name=request_of]").select_option(SCHOOLS[0])
    form.locator("input[name=appropriate]").check()
    form.locator("textarea[name=agreed]").fill("12000.50\n25,000")
    submit(officer, "form[data-action=reviews] button[type=submit]")
    expect(officer.locator(".alert-success")).to_contain_text("พิจารณาความเหมาะสมของคำขอ")
    form = officer.locator("form[data-action=targets]")
    form.locator("select[name=party]").select_option(SCHOOLS[0])
    form.locator("textarea[name=outputs]").fill("นักเรียนได้รับหนังสือครบ | 120 | คน | ก่อนเปิดภาคเรียน")
    submit(officer, "form[data-action=targets] button[type=submit]")
    expect(officer.locator("#targets")).to_contain_text("120 คน")
    office.axe_check(officer, "คำขอจัดตั้งงบประมาณ")
    _fits_a_phone(officer)
    reviewed = budgeting.get(path)
    assert reviewed["schools"][0]["agreed"] == ["12000.50", "25000.00"]
    assert reviewed["targets"][0]["outputs"][0]["quantity"] == 120

    _open(officer, office, "/budgeting/analyses", "เปิดเรื่องวิเคราะห์งบประมาณรายจ่าย",
          "เปิดเรื่องวิเคราะห์งบประมาณ")
    officer.fill("#f-open-fiscal_year_be", str(YEAR))
    officer.fill("#f-open-title_th", f"วิเคราะห์งบประมาณรายจ่าย {YEAR}")
    submit(officer)
    analysis_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    form = officer.locator("form[data-action=survey]")
    form.locator("textarea[name=respondents]").fill("โรงเรียนบ้านหนึ่ง\nกลุ่มบริหารงานการเงิน")
    submit(officer, "form[data-action=survey] button[type=submit]")
    form = officer.locator("form[data-action=responses]")
    form.locator("select[name=respondent]").select_option("กลุ่มบริหารงานการเงิน")
    form.locator("textarea[name=summary_th]").fill("ค่าสาธารณูปโภคเพิ่มขึ้นร้อยละ 8")
    submit(officer, "form[data-action=responses] button[type=submit]")
    expect(officer.locator("#responses")).to_contain_text("ค่าสาธารณูปโภคเพิ่มขึ้นร้อยละ 8")
    budgeting.step(f"/budget-analyses/{analysis_id}", "committee", committee, "esa-1")
    officer.reload()
    form = officer.locator("form[data-action=report-draft]")
    form.locator("textarea[name=summary_th]").fill("งบดำเนินงานควรเพิ่มตามค่าสาธารณูปโภค")
    form.locator("textarea[name=figures]").fill(
        "ค่าจ้างครูอัตราจ้าง | บุคลากร | 480000\nค่าสาธารณูปโภค | ดำเนินงาน | 120,000.75")
    submit(officer, "form[data-action=report-draft] button[type=submit]")
    expect(officer.locator("main")).to_contain_text("600,000.75")
    office.axe_check(officer, "การวิเคราะห์งบประมาณรายจ่าย")
    drafted = budgeting.get(f"/budget-analyses/{analysis_id}")
    assert (drafted["step"], drafted["total"], drafted["responses"][0]["respondent"]) == (
        "drafted", "600000.75", "กลุ่มบริหารงานการเงิน")

    _open(officer, office, "/budgeting/funding", "เสนอขอรับการสนับสนุนจากหน่วยงานภายนอก",
          "เสนอขอรับการสนับสนุน")
    officer.fill("#f-open-fiscal_year_be", str(YEAR))
    officer.select_option("#f-open-school_code", SCHOOLS[1])
    officer.fill("#f-open-source_th", "มูลนิธิเพื่อการศึกษา")
    officer.fill("#f-open-project_th", "ห้องสมุดมีชีวิต")
    officer.fill("#f-open-amount", "45000.00")
    officer.fill("#f-open-value_analysis_th", "นักเรียน 300 คนได้ใช้ห้องสมุด")
    submit(officer)
    funding = budgeting.get(f"/external-funding/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert (funding["school_code"], funding["amount"], funding["step"]) == (
        SCHOOLS[1], "45000.00", "requested")


def test_an_officer_opens_an_inspection_round_and_records_an_obec_evaluation(
        office: Office) -> None:
    monitoring = office.api["monitoring"]
    officer = office.person("off-1")
    _open(officer, office, "/monitoring/inspections", "บันทึกรอบการตรวจราชการ",
          "บันทึกรอบการตรวจราชการ")
    officer.fill("#f-open-fiscal_year_be", str(YEAR))
    officer.fill("#f-open-title_th", "การตรวจราชการรอบที่ 2/2568")
    officer.fill("#f-open-inspector_th", "ผู้ตรวจราชการกระทรวงศึกษาธิการ ภาค 11")
    officer.fill("#f-open-scheduled_on", "2025-06-20")
    officer.fill("#f-open-issues", "I1 | การอ่านออกเขียนได้\nI2 | ความปลอดภัยในสถานศึกษา")
    submit(officer)
    expect(officer.locator("#issues tbody tr")).to_have_count(2)
    office.axe_check(officer, "การตรวจราชการ (เปิดใหม่)")
    round_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    recorded = monitoring.get(f"/inspections/{round_id}")
    assert [(i["code"], i["title_th"]) for i in recorded["issues"]] == [
        ("I1", "การอ่านออกเขียนได้"), ("I2", "ความปลอดภัยในสถานศึกษา")]

    _open(officer, office, "/monitoring/evaluations", "ประเมินผลการดำเนินงานตามยุทธศาสตร์ สพฐ.",
          "ประเมินผลตามยุทธศาสตร์ สพฐ.")
    officer.fill("#f-obec-strategy-fiscal_year_be", str(YEAR))
    typed = ("OS1 | ด้านความปลอดภัย | OS1-1 | สถานศึกษาปลอดภัย | ร้อยละ | ร้อยเปอร์เซ็นต์ | 96\n"
             "OS2 | ด้านโอกาส | OS2-1 | เด็กได้เข้าเรียน | ร้อยละ | 100 | 99.5")
    officer.fill("#f-obec-strategy-indicators", typed)
    officer.fill("#f-obec-strategy-recommendations", "OS1-1 | ตรวจอาคารเรียนทุกภาคเรียน")
    submit(officer)
    expect(officer.locator(".error")).to_contain_text("บรรทัดที่ 1: ค่าเป้าหมายต้องเป็นตัวเลข")
    expect(officer.locator("#f-obec-strategy-indicators")).to_have_value(typed)
    office.axe_check(officer, "ประเมินผลตามยุทธศาสตร์ สพฐ. (บรรทัดผิด)")
    screenshot(officer, "evaluation-new")
    officer.fill("#f-obec-strategy-indicators", typed.replace("ร้อยเปอร์เซ็นต์", "100"))
    submit(officer)
    expect(officer.locator("#results tbody tr")).to_have_count(2)
    expect(officer.locator("#results")).to_contain_text("สถานศึกษาปลอดภัย")
    office.axe_check(officer, "ผลการประเมิน (บันทึกใหม่)")
    evaluation = monitoring.get(f"/evaluations/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert evaluation["kind"] == "obec_strategy" and evaluation["fiscal_year_be"] == YEAR
    assert [(r["code"], [(i["name_th"], Decimal(i["actual"])) for i in r["indicators"]])
            for r in evaluation["results"]] == [("OS1", [("สถานศึกษาปลอดภัย", Decimal("96"))]),
                                                ("OS2", [("เด็กได้เข้าเรียน", Decimal("99.5"))])]
    # The other evaluations are opened from the same list, on the plans monitoring follows.
    for label in ("ประเมินผลแผนปฏิบัติการประจำปี", "ประเมินผลระยะครึ่งแผนพัฒนาการศึกษา"):
        _open(officer, office, "/monitoring/evaluations", label, label)
        expect(officer.locator("select[name=plan_id]")).to_be_visible()
    print("\naxe (violations by impact, per page):", office.axe)

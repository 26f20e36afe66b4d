"""The portal's forms that write planning's and restructuring's records, in a real browser
(Playwright driving Debian's Chromium) against the services they need started as processes once
for this module: nats-server, correspondence (the staff directory), planning, restructuring and
the portal. What the office had before (its staff, the schools of a DMC file, a development plan
and a policy in draft) is set up through the services' APIs; everything else is done as people
do it, and checked both on the page and in the service's API:

- an officer drafts the year's action plan from /plans, its projects, objectives, indicators,
  budget and activities typed one a line: a line the portal can tell is wrong is refused beside
  its field, then a total the planning service refuses shows the service's Thai reason, each time
  with what was typed kept and nothing recorded; the corrected plan lands on its page. The officer
  revises it (the form starts from the content as it is: what it does not change stays), and the
  group director proposes it to the provincial committee;
- an officer opens a merger and a class expansion from the list of cases, landing on each case;
- an officer enters a school by hand (a bad code first: the service's Thai reason, what was typed
  and ticked kept), lands on its page, and records its enrolment snapshot there;
- an officer drafts the next year's policy, adds provincial strategies pasted from a spreadsheet,
  and the ESA director closes a fiscal year to plan approvals.
axe-core runs on every new page (no serious or critical violation), and each is checked to fit a
phone's 390 px without scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from planning_samples import NATIONAL, PROVINCIAL, development_plan, policy
from playwright.sync_api import Page, expect

from tests.conftest import STAFF
from tests.support.dmc import csv_of
from tests.support.portal_browser import submit
from tests.support.portal_office import (
    SCHOOLS,
    Office,
    eventually,
    running_portal,
    sample_rows,
)

SERVICES = ("correspondence", "planning", "restructuring")
YEAR = 2569
PROJECTS = (
    "P69-01 | พัฒนาการอ่านออกเขียนได้ของนักเรียนชั้น ป.1 | S1 | 1,000,000.50 | "
    "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา | นายสมชาย รักงาน | | | F1 | KK-E2 | NS3\n"
    "P69-02 | พัฒนาระบบติดตามการใช้จ่ายงบประมาณ | S2 | 250,000.00 | กลุ่มนโยบายและแผน | "
    "นางสาววิไล ขยัน | 1/1/2569 | 31/3/2569")
OBJECTIVES = ("P69-01 | นักเรียนชั้น ป.1 อ่านออกเขียนได้ทุกคน\n"
              "P69-01 | ครูภาษาไทยได้รับการพัฒนา\nP69-02 | ติดตามการเบิกจ่ายได้ทุกไตรมาส")
KPIS = ("P69-01 | P69-01-K1 | ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้ | ร้อยละ | 95 | 2=60 4=95\n"
        "P69-02 | P69-02-K1 | ร้อยละการเบิกจ่ายตามแผน | ร้อยละ | 100")
BAD_BUDGET = ("P69-01 | งบดำเนินงาน | 1 | 750,000.00\nP69-01 | เงินอุดหนุน | 2 | 250,000.50\n"
              "P69-02 | ดำเนินงาน | 5 | 250,000.00")
BUDGET = BAD_BUDGET.replace("| 5 |", "| 3 |")
ACTIVITIES = "P69-01 | อบรมครูผู้สอนภาษาไทย ป.1 | 1/12/2568 | 3/12/2568"
PLAN_TITLE = f"แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. {YEAR}"
NEW_SCHOOL = "40059901"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The services these forms write to, the staff, the schools of the sample DMC file, and the
    development plan and policy an action plan serves (drafts: the plan names them)."""
    with running_portal(tmp_path_factory.mktemp("portal-planning-forms"), SERVICES,
                        people=[s[0] for s in STAFF if s[0] != "clerk-1"]) as running:
        api = running.apis()
        planning, registry = api["planning"], api["restructuring"]
        for service in (planning, registry):
            eventually(lambda s=service: {"off-1", "dir-1", "esa-1"} <= {
                o["officer_id"] for o in s.get("/officers", limit=500)["items"]},
                "the service knows the staff")
        planning.post("/reference-strategies/provincial", {"strategies": PROVINCIAL})
        planning.post("/reference-strategies/national", {"strategies": NATIONAL})
        planning.post("/policies", policy(YEAR))
        planning.post("/development-plans", development_plan(2566, 2570))
        imported = registry.http.post("/schools/import", content=csv_of(sample_rows()),
                                      headers={"X-Actor-Id": "off-1",
                                               "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        yield Office(running.system, running.portal, running.browser, running.passwords, api)


def fits_a_phone(page: Page) -> None:
    """At 390 px the page scrolls down, never sideways (wide tables scroll inside their box)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    if size:
        page.set_viewport_size(size)
    assert width <= 390, f"{page.url}: {width} px wide at 390 px"


def check(office: Office, page: Page, name: str) -> None:
    office.axe_check(page, name)
    fits_a_phone(page)


def opening(office: Office, page: Page, listing: str, label: str) -> Any:
    """From a list page, the button of an opening to its form (checked); the form."""
    page.goto(f"{office.url}{listing}")
    with page.expect_navigation():
        page.click(f"main .links a:text-is('{label}')")
    expect(page.locator("h1")).to_have_text(label)
    return page.locator("main form.action")


def test_an_officer_drafts_and_revises_an_action_plan_and_the_group_director_proposes_it(
        office: Office) -> None:
    planning = office.api["planning"]
    development = planning.get("/plans", kind="development_plan")["items"][0]
    officer = office.person("off-1")
    form = opening(office, officer, "/planning/plans", "จัดทำร่างแผนปฏิบัติการประจำปี")
    form.locator("input[name=title_th]").fill(PLAN_TITLE)
    form.locator("input[name=fiscal_year_be]").fill(str(YEAR))
    form.locator("select[name=development_plan_id]").select_option(development["plan_id"])
    typed = {"projects": PROJECTS, "objectives": OBJECTIVES, "kpis": KPIS, "budget": BAD_BUDGET,
             "activities": ACTIVITIES}
    for name, text in typed.items():
        form.locator(f"textarea[name={name}]").fill(text)
    form.locator("input[name=total_budget]").fill("1,250,000.00")
    submit(officer, "main form.action button[type=submit]")

    # A line the portal can tell is wrong: beside its field, naming the line; all kept.
    budget = officer.locator(".field.has-error", has=officer.locator("textarea[name=budget]"))
    expect(budget.locator(".error")).to_contain_text("P69-02 | ดำเนินงาน | 5")
    expect(budget.locator(".error")).to_contain_text("ไตรมาสต้องเป็น 1 ถึง 4")
    for name, text in typed.items():
        expect(officer.locator(f"textarea[name={name}]")).to_have_value(text)
    expect(officer.locator("select[name=development_plan_id]")).to_have_value(
        development["plan_id"])
    check(office, officer, "จัดทำร่างแผนปฏิบัติการ (บรรทัดที่ผิด)")

    # The service's rule: the plan's total is not its projects' sum: its Thai reason, all kept.
    officer.locator("textarea[name=budget]").fill(BUDGET)
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator("#actions .alert-error")).to_contain_text(
        "งบประมาณรวมของแผนไม่เท่ากับผลรวมงบประมาณของโครงการ")
    expect(officer.locator("input[name=total_budget]")).to_have_value("1,250,000.00")
    expect(officer.locator("textarea[name=budget]")).to_have_value(BUDGET)
    assert planning.get("/plans", kind="action_plan")["items"] == []  # nothing recorded

    officer.locator("input[name=total_budget]").fill("1,250,000.50")
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator("#record-title")).to_have_text(PLAN_TITLE)
    expect(officer.locator(".alert-success")).to_contain_text("จัดทำร่างแผนปฏิบัติการประจำปี")
    expect(officer.locator("#projects tfoot")).to_contain_text("1,250,000.50")
    plan_id = officer.url.split("?")[0].rsplit("/", 1)[-1]
    drafted = planning.get(f"/plans/{plan_id}")
    content = drafted["content"]
    assert (drafted["step"], drafted["fiscal_year_be"]) == ("drafting", YEAR)
    assert Decimal(str(content["total_budget"])) == Decimal("1250000.50")
    first, second = content["projects"]
    assert (first["starts_on"], first["ends_on"]) == ("2025-10-01", "2026-09-30")  # the year
    assert (second["starts_on"], second["ends_on"]) == ("2026-01-01", "2026-03-31")  # 31/3/2569
    assert first["national_strategy_codes"] == ["NS3"] and len(first["objectives"]) == 2
    assert [(b["category"], b["quarter"], Decimal(str(b["amount"])))
            for b in first["budget_lines"]] == [("operations", 1, Decimal("750000.00")),
                                                ("subsidies", 2, Decimal("250000.50"))]
    assert [(q["quarter"], Decimal(str(q["target_value"])))
            for q in first["kpis"][0]["quarter_targets"]] == [(2, 60), (4, 95)]
    check(office, officer, "ร่างแผนปฏิบัติการ (แก้ไขได้)")

    # The revision starts from the content as it is; what it does not change stays.
    revise = officer.locator("form[data-action=revise-action-plan]")
    expect(revise.locator("textarea[name=activities]")).to_have_value(
        "P69-01 | อบรมครูผู้สอนภาษาไทย ป.1 | 1/12/2568 | 3/12/2568")
    expect(revise.locator("textarea[name=projects]")).to_contain_text("31/3/2569")
    projects = revise.locator("textarea[name=projects]").input_value()
    revise.locator("textarea[name=projects]").fill(projects.replace("250000.00", "300000.00"))
    revise.locator("textarea[name=budget]").fill(
        BUDGET.replace("P69-02 | ดำเนินงาน | 3 | 250,000.00",
                       "P69-02 | ดำเนินงาน | 1 | 125,000.00\nP69-02 | งบลงทุน | 3 | 175,000.00"))
    revise.locator("input[name=total_budget]").fill("1300000.50")
    with officer.expect_navigation():
        revise.locator("button[type=submit]").click()
    expect(officer.locator(".alert-success")).to_contain_text("แก้ไขร่างแผน")
    expect(officer.locator("#projects tfoot")).to_contain_text("1,300,000.50")
    revised = planning.get(f"/plans/{plan_id}")
    assert revised["revisions"] == 1 and revised["content"]["projects"][0]["activities"] == \
        content["projects"][0]["activities"]
    assert revised["content"]["projects"][0]["kpis"] == content["projects"][0]["kpis"]
    assert [(b["category"], b["quarter"]) for b in
            revised["content"]["projects"][1]["budget_lines"]] == [("operations", 1),
                                                                    ("investment", 3)]

    # The group director checks it and proposes it to the provincial committee.
    director = office.person("dir-1")
    director.goto(f"{office.url}/planning/plans/{plan_id}")
    proposal = director.locator("form[data-action=submit]")
    expect(proposal.locator("select[name=body]")).to_have_value("provincial_committee")
    with director.expect_navigation():
        proposal.locator("button[type=submit]").click()
    expect(director.locator(".alert-success")).to_contain_text("เสนอร่างแผน")
    submitted = planning.get(f"/plans/{plan_id}")
    assert (submitted["step"], submitted["holder"]) == ("submitted", "provincial_committee")


def test_an_officer_opens_a_merger_and_a_class_expansion(office: Office) -> None:
    registry = office.api["restructuring"]
    officer = office.person("off-1")
    opening(office, officer, "/restructuring/cases", "เปิดเรื่องจัดตั้งสถานศึกษา")
    check(office, officer, "เปิดเรื่องจัดตั้ง")
    form = opening(office, officer, "/restructuring/cases", "เปิดเรื่องยุบรวมสถานศึกษา")
    check(office, officer, "เปิดเรื่องยุบรวม")
    form.locator("textarea[name=school_codes]").fill(SCHOOLS[2])
    form.locator("input[name=receiving_school_code]").fill(SCHOOLS[4])
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator(".alert-success")).to_contain_text("เปิดเรื่องยุบรวมสถานศึกษา")
    expect(officer.locator("#case-schools")).to_contain_text(SCHOOLS[2])
    merger = registry.get(f"/cases/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert (merger["case_type"], [s["school_code"] for s in merger["schools"]],
            merger["receiving_school"]["school_code"]) == ("merge", [SCHOOLS[2]], SCHOOLS[4])
    check(office, officer, "เรื่องยุบรวม (เปิดใหม่)")

    form = opening(office, officer, "/restructuring/cases", "เปิดเรื่องขยายชั้นเรียน")
    form.locator("input[name=school_codes]").fill(SCHOOLS[0])
    form.locator("label:has-text('มัธยมศึกษาตอนต้น') input").check()
    check(office, officer, "เปิดเรื่องขยายชั้นเรียน")
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator(".alert-success")).to_contain_text("เปิดเรื่องขยายชั้นเรียน")
    expansion = registry.get(f"/cases/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert (expansion["case_type"], expansion["levels_added"],
            expansion["schools"][0]["school_code"]) == ("class_expansion", ["lower_secondary"],
                                                       SCHOOLS[0])
    officer.goto(f"{office.url}/restructuring/cases")
    expect(officer.locator("#cases tbody tr")).to_have_count(2)
    check(office, officer, "เรื่องจัดตั้ง ยุบ รวม (มีปุ่มเปิดเรื่อง)")


def test_an_officer_enters_a_school_by_hand_and_records_its_enrolment(office: Office) -> None:
    registry = office.api["restructuring"]
    officer = office.person("off-1")
    form = opening(office, officer, "/restructuring/schools", "บันทึกโรงเรียนเข้าทะเบียน")
    check(office, officer, "บันทึกโรงเรียนเข้าทะเบียน")
    typed = {"school_code": "4005XY", "name_th": "โรงเรียนบ้านโนนสวรรค์",
             "district": "ชุมแพ", "subdistrict": "โนนหัน"}
    for name, text in typed.items():
        form.locator(f"input[name={name}]").fill(text)
    form.locator("label:has-text('ประถมศึกษา') input").check()
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator("#actions .alert-error")).to_contain_text("รหัสโรงเรียน")
    for name, text in typed.items():
        expect(officer.locator(f"input[name={name}]")).to_have_value(text)
    expect(officer.locator("input[name=levels][value=primary]")).to_be_checked()
    assert registry.get("/schools", q=typed["name_th"])["items"] == []  # nothing recorded
    check(office, officer, "บันทึกโรงเรียนเข้าทะเบียน (รหัสผิด)")

    officer.locator("input[name=school_code]").fill(NEW_SCHOOL)
    submit(officer, "main form.action button[type=submit]")
    assert officer.url.split("?")[0].endswith(f"/restructuring/schools/{NEW_SCHOOL}")
    expect(officer.locator("#record-title")).to_have_text(typed["name_th"])
    expect(officer.locator(".alert-success")).to_contain_text("บันทึกโรงเรียนเข้าทะเบียน")
    assert registry.get(f"/schools/{NEW_SCHOOL}")["levels"] == ["primary"]

    # Its enrolment on 10 June 2569 (term 1), typed on its page.
    enrolment = officer.locator("form[data-action=enrolment]")
    enrolment.locator("input[name=snapshot_date]").fill("2026-06-10")
    for grade, pupils in {"p1": 12, "p2": 9, "p3": 11, "p4": 8, "p5": 10, "p6": 7}.items():
        enrolment.locator(f"input[name={grade}]").fill(str(pupils))
    check(office, officer, "สถานศึกษา (บันทึกข้อมูลนักเรียน)")
    with officer.expect_navigation():
        enrolment.locator("button[type=submit]").click()
    expect(officer.locator(".alert-success")).to_contain_text("บันทึกข้อมูลนักเรียนรายโรงเรียน")
    expect(officer.locator("#snapshots tbody tr")).to_have_count(1)
    expect(officer.locator("#snapshots tbody")).to_contain_text("57")
    snapshots = registry.get(f"/schools/{NEW_SCHOOL}/enrolment")["items"]
    assert [(s["snapshot_date"], s["academic_year_be"], s["term"], s["total"])
            for s in snapshots] == [("2026-06-10", YEAR, 1, 57)]


def test_a_policy_drafted_strategies_pasted_from_a_spreadsheet_and_a_fiscal_year_closed(
        office: Office) -> None:
    planning = office.api["planning"]
    officer = office.person("off-1")
    opening(office, officer, "/planning/plans", "จัดทำร่างแผนพัฒนาการศึกษา")
    check(office, officer, "จัดทำร่างแผนพัฒนาการศึกษา")
    form = opening(office, officer, "/planning/plans", "จัดทำร่างนโยบาย จุดเน้น และเป้าหมาย")
    form.locator("input[name=title_th]").fill(f"นโยบาย จุดเน้น และเป้าหมาย ปีงบประมาณ พ.ศ. {YEAR + 1}")
    form.locator("input[name=fiscal_year_be]").fill(str(YEAR + 1))
    form.locator("textarea[name=sources]").fill("สพฐ. | นโยบาย สพฐ. ปี 2570 | เน้นการอ่านออกเขียนได้")
    form.locator("textarea[name=focus_points]").fill("F1 | ยกระดับการอ่านออกเขียนได้")
    form.locator("textarea[name=targets]").fill("F1 | F1-T1 | นักเรียน ป.1 อ่านออก | ร้อยละ | 95")
    check(office, officer, "จัดทำร่างนโยบาย")
    submit(officer, "main form.action button[type=submit]")
    expect(officer.locator("#focus-points")).to_contain_text("นักเรียน ป.1 อ่านออก")
    drafted = planning.get(f"/plans/{officer.url.split('?')[0].rsplit('/', 1)[-1]}")
    assert drafted["content"]["sources"][0]["level"] == "obec"
    assert drafted["content"]["focus_points"][0]["targets"][0]["code"] == "F1-T1"

    officer.goto(f"{office.url}/planning/strategies/provincial")
    expect(officer.locator("#strategies")).to_contain_text("KK-E1")
    form = officer.locator("form[data-action=add]")
    form.locator("textarea[name=strategies]").fill(
        "KK-E4\tส่งเสริมการศึกษาเพื่อการมีงานทำ\nKK-E5\tพัฒนาครูและบุคลากรทางการศึกษา")
    form.locator("input[name=source]").fill("แผนพัฒนาการศึกษาจังหวัดขอนแก่น พ.ศ. 2566-2570")
    check(office, officer, "ยุทธศาสตร์จังหวัด")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(officer.locator(".alert-success")).to_contain_text("เพิ่มหรือแก้ไขชื่อยุทธศาสตร์")
    expect(officer.locator("#strategies tbody tr")).to_have_count(len(PROVINCIAL) + 2)
    codes = [s["code"] for s in planning.get("/reference-strategies/provincial")["strategies"]]
    assert {"KK-E4", "KK-E5"} <= set(codes)

    director = office.person("esa-1")
    director.goto(f"{office.url}/planning/years")
    check(office, director, "ปีงบประมาณ (รายการ)")
    with director.expect_navigation():
        director.click(f"#years a:text('{YEAR}')")
    close = director.locator("form[data-action=close-year]")
    close.locator("textarea[name=reason]").fill("สิ้นปีงบประมาณแล้ว")
    check(office, director, "ปีงบประมาณ")
    with director.expect_navigation():
        close.locator("button[type=submit]").click()
    expect(director.locator(".alert-success")).to_contain_text("ปิดปีงบประมาณ")
    expect(director.locator("form[data-action=reopen-year]")).to_be_visible()
    assert planning.get(f"/fiscal-years/{YEAR}")["closed"] is True

"""Planning over HTTP with a real store: what a planning officer does, and what bad input gets."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from planning_samples import (
    action_plan,
    changed,
    development_plan,
    know_document,
    policy,
)
from pypdf import PdfReader

from services.planning.application import PlanningApplication
from services.planning.domain import PlanKind
from services.planning.schemas import PolicyIn
from shared.context import acting_as
from shared.office.testing import STANDARD_STAFF, teach
from shared.testing import office_client, state_changes_since
from tests.support.http import etag_of
from tests.support.pdf import flat_text, pdf_pages_text
from tests.support.planning import PLAN_COMMAND, RESOLUTION, Officer, h


@pytest.fixture
def officer(planning_client: TestClient, planning: PlanningApplication) -> Officer:
    know_document(planning, RESOLUTION, 1)
    return Officer(planning_client)


def revision(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("fiscal_year_be", "drafter_name_th",
                                                        "start_year_be", "end_year_be")}


def test_an_action_plan_from_draft_to_execution(officer: Officer,
                                                planning: PlanningApplication) -> None:
    pol, dp = officer.policy_and_development_plan()
    body = action_plan(dp["plan_id"], pol["plan_id"])
    plan = officer.post("/action-plans", body)
    assert (plan["step"], plan["holder"], plan["holder_th"]) == (
        "drafting", "off-1", "นายสมชาย รักงาน")
    assert plan["procedure"] == 7 and plan["total_budget"] == "1250000.50"
    plan_id = plan["plan_id"]

    plan = officer.submit(plan_id)
    assert plan["holder"] == "provincial_committee" and plan["step_th"] == "เสนอ กศจ. พิจารณา"
    plan = officer.post(f"/plans/{plan_id}/return", {"reason": "ให้ปรับตัวชี้วัดโครงการให้วัดผลได้",
                                                     "resolution_document_id": RESOLUTION},
                        actor="dir-1")
    assert (plan["step"], plan["step_th"]) == ("drafting", "ส่งกลับแก้ไข")
    officer.post(f"/action-plans/{plan_id}/revise", revision(body))
    officer.submit(plan_id)
    plan = officer.post(f"/plans/{plan_id}/approve", {"resolution_document_id": RESOLUTION},
                        actor="dir-1")
    assert plan["step"] == "approved" and plan["step_th"] == "กศจ. อนุมัติแล้ว"
    assert [r["decision"]["decision"] for r in plan["rounds"]] == ["return_for_revision", "approve"]
    assert plan["rounds"][0]["decision"]["reason"] == "ให้ปรับตัวชี้วัดโครงการให้วัดผลได้"
    assert plan["approval"]["resolution"] == {"document_id": RESOLUTION,
                                              "reference": "ทะเบียนรับ 15/2567",
                                              "dated": "2024-11-19"}
    assert plan["approval"]["body_th"] == "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)"

    plan = officer.post(f"/plans/{plan_id}/publish", {"published_on": "2024-11-20"}, actor="dir-1")
    plan = officer.post(f"/plans/{plan_id}/start-execution", {}, actor="dir-1")
    assert plan["step"] == "in_execution"
    history = officer.client.get(f"/plans/{plan_id}/history").json()["items"]
    assert [e["event"] for e in history] == [
        "Drafted", "Submitted", "ReturnedForRevision", "Revised", "Submitted", "Approved",
        "Published", "ExecutionStarted"]
    assert [e["actor"] for e in history][:3] == ["off-1", "dir-1", "dir-1"]
    listed = officer.client.get("/plans", params={"kind": "action_plan"}).json()
    assert [p["plan_id"] for p in listed["items"]] == [plan_id] and listed["total"] == 1


def test_a_development_plan_amended_shows_the_version_in_force_at_each_date(
        officer: Officer, planning_clock) -> None:
    officer.references()
    today = planning_clock.now
    planning_clock.now = datetime(2024, 11, 1, 3, 0, tzinfo=UTC)
    v1 = officer.approved("/development-plans", development_plan())
    planning_clock.now = today
    amendment = officer.post(f"/plans/{v1['plan_id']}/amend", {})
    assert amendment["plan_version"] == 2 and amendment["amends_plan_id"] == v1["plan_id"]
    body = revision(development_plan())
    body["strategies"][0]["title_th"] = "พัฒนาคุณภาพผู้เรียนทุกระดับ (ฉบับทบทวน)"
    officer.post(f"/development-plans/{amendment['plan_id']}/revise", body)
    officer.submit(amendment['plan_id'])
    v2 = officer.post(f"/plans/{amendment['plan_id']}/approve", {
        "resolution_document_id": RESOLUTION, "effective_from": "2025-01-01"}, actor="dir-1")
    assert v2["effective_from"] == "2025-01-01"

    versions = officer.client.get(f"/plans/{v1['plan_id']}/versions").json()["items"]
    assert [(v["plan_version"], v["step"]) for v in versions] == [(1, "closed"), (2, "approved")]
    assert versions[0]["superseded_by"] == v2["plan_id"]

    def in_force(on: str) -> Any:
        return officer.client.get(f"/plans/{v2['plan_id']}/in-force", params={"on": on})

    assert in_force("2024-12-31").json()["plan_version"] == 1
    current = in_force("2025-06-30").json()
    assert current["plan_version"] == 2 and current["in_force_on"] == "2025-06-30"
    assert current["content"]["strategies"][0]["title_th"].endswith("(ฉบับทบทวน)")
    missing = in_force("2024-10-01")
    assert missing.status_code == 404 and missing.json()["code"] == "nothing-in-force"


# --- bad input: problem+json in Thai and English, and nothing recorded --------------------------------


def test_the_drafter_is_named_as_the_directory_names_the_acting_officer(
        officer: Officer, planning: PlanningApplication) -> None:
    # An older client still sends `drafter_name_th`; nobody drafts under a name of their choosing.
    claimed = {**policy(), "drafter_name_th": "นายใครก็ได้"}
    plan = officer.post("/policies", claimed, actor="dir-2")
    assert (plan["holder"], plan["holder_th"], plan["drafter_name_th"]) == (
        "dir-2", "นายวิชัย รองหัวหน้า", "นายวิชัย รองหัวหน้า")
    unnamed = {k: v for k, v in development_plan().items() if k != "drafter_name_th"}
    assert officer.post("/development-plans", unnamed)["holder_th"] == "นายสมชาย รักงาน"
    # The one who starts an amendment drafts it: their name, not the first drafter's.
    officer.submit(plan["plan_id"])
    officer.post(f"/plans/{plan['plan_id']}/approve", {"resolution_document_id": RESOLUTION},
                 actor="off-2")
    amendment = officer.post(f"/plans/{plan['plan_id']}/amend", {}, actor="off-2")
    assert (amendment["holder"], amendment["drafter_name_th"]) == ("off-2", "นางสาวมาลี ขยันยิ่ง")
    # Outside a request (the application used directly) the directory has nobody to name: the
    # name given is kept.
    with acting_as("import-job"):
        drafted = planning.draft(PlanKind.policy, title_th="นโยบายนำเข้า",
                                 content_for=lambda _: PolicyIn(**policy(2569)).to_content(),
                                 drafter_name_th="นางสาวนำเข้า ข้อมูล", fiscal_year_be=2569)
    assert drafted["drafter_name_th"] == "นางสาวนำเข้า ข้อมูล"


def refused(officer: Officer, planning: PlanningApplication, path: str, body: dict[str, Any],
            status: int, code: str, actor: str = "off-1") -> dict[str, Any]:
    headers = h(actor)
    if (on_plan := PLAN_COMMAND.match(path)) is not None:
        headers["If-Match"] = etag_of(officer.client, f"/plans/{on_plan.group(1)}", actor)
    before = planning.max_notification_id()
    response = officer.client.post(path, headers=headers, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["title_th"] and problem["title_en"]
    assert problem["title"] == f"{problem['title_th']} / {problem['title_en']}"
    assert state_changes_since(planning, before) == [], "a refused command recorded something"
    return problem


def test_a_kpi_without_a_target_is_refused(officer: Officer, planning: PlanningApplication) -> None:
    body = action_plan("0b4d3c2a-1e9f-4a8b-8c7d-6e5f4a3b2c1d", None)
    del body["projects"][0]["kpis"][0]["target_value"]
    problem = refused(officer, planning, "/action-plans", body, 422, "kpi-without-target")
    assert problem["title_th"] == "ตัวชี้วัดต้องมีค่าเป้าหมาย"
    assert "P68-01-K1" in problem["detail"]
    dp = development_plan()
    dp["strategies"][0]["kpis"][0]["targets"].pop()
    problem = refused(officer, planning, "/development-plans", dp, 422, "kpi-without-target")
    assert problem["years"] == [2570]


def test_a_project_budget_that_does_not_add_up_is_refused(officer: Officer,
                                                          planning: PlanningApplication) -> None:
    body = action_plan("0b4d3c2a-1e9f-4a8b-8c7d-6e5f4a3b2c1d", None)
    body["projects"][0]["budget_lines"][0]["amount"] = "450000.01"
    problem = refused(officer, planning, "/action-plans", body, 422, "project-budget-mismatch")
    assert (problem["project"], problem["declared"], problem["computed"]) == (
        "P68-01", "1000000.50", "1000000.51")
    body = changed(action_plan("0b4d3c2a-1e9f-4a8b-8c7d-6e5f4a3b2c1d", None),
                   total_budget="1250000.00")
    refused(officer, planning, "/action-plans", body, 422, "plan-total-mismatch")
    body = action_plan("0b4d3c2a-1e9f-4a8b-8c7d-6e5f4a3b2c1d", None)
    body["projects"][0]["budget_lines"][0]["amount"] = "1.234"
    refused(officer, planning, "/action-plans", body, 422, "validation-error")


def test_approving_twice_is_refused(officer: Officer, planning: PlanningApplication) -> None:
    pol = officer.approved("/policies", policy())
    refused(officer, planning, f"/plans/{pol['plan_id']}/approve",
            {"resolution_document_id": RESOLUTION}, 409, "already-approved", actor="dir-1")


def test_the_same_approval_retried_with_its_key_answers_the_same(officer: Officer,
                                                                 planning: PlanningApplication) -> None:
    plan = officer.post("/policies", policy())
    officer.submit(plan['plan_id'])
    body = {"resolution_document_id": RESOLUTION}
    first = officer.post(f"/plans/{plan['plan_id']}/approve", body, actor="dir-1",
                         **{"Idempotency-Key": "approve-1"})
    position = planning.max_notification_id()
    again = officer.post(f"/plans/{plan['plan_id']}/approve", body, actor="dir-1",
                         **{"Idempotency-Key": "approve-1"})
    assert again == first and planning.max_notification_id() == position


def test_a_change_without_if_match_or_with_a_stale_one_is_refused(
        officer: Officer, planning: PlanningApplication) -> None:
    plan = officer.post("/policies", policy())
    before = planning.max_notification_id()
    response = officer.client.post(f"/plans/{plan['plan_id']}/submit", headers=h("dir-1"), json={})
    assert response.status_code == 428 and response.json()["code"] == "precondition-required"
    assert response.headers["content-type"].startswith("application/problem+json")
    response = officer.client.post(f"/plans/{plan['plan_id']}/submit", headers=h("dir-1", **{
        "If-Match": '"7"'}), json={})
    assert response.status_code == 412 and response.json()["code"] == "stale-version"
    assert planning.max_notification_id() == before, "nothing recorded"
    response = officer.client.post(f"/plans/{plan['plan_id']}/submit", headers=h("dir-1", **{
        "If-Match": '"1"'}), json={})
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'


def test_approving_a_plan_of_a_closed_fiscal_year_is_refused(officer: Officer,
                                                             planning: PlanningApplication) -> None:
    plan = officer.post("/policies", policy())
    officer.submit(plan['plan_id'])
    year = officer.post("/fiscal-years/2568/close", {"reason": "สิ้นปีงบประมาณ"}, actor="esa-1")
    assert year["closed"] is True
    refused(officer, planning, f"/plans/{plan['plan_id']}/approve",
            {"resolution_document_id": RESOLUTION}, 409, "fiscal-year-closed", actor="dir-1")
    officer.post("/fiscal-years/2568/reopen", {"reason": "ทบทวนแผน"}, actor="esa-1")
    approved = officer.post(f"/plans/{plan['plan_id']}/approve",
                            {"resolution_document_id": RESOLUTION}, actor="dir-1")
    assert approved["step"] == "approved"


def test_a_fiscal_year_closed_by_configuration(tmp_path, planning_clock) -> None:
    from services.planning.main import create_app
    from services.planning.settings import PlanningSettings

    settings = PlanningSettings(var_dir=tmp_path / "cfg", closed_fiscal_years=[2567])
    app = PlanningApplication(settings, clock=planning_clock)
    try:
        teach(app, STANDARD_STAFF, documents=[RESOLUTION])
        officer = Officer(office_client(create_app(settings, app)))
        assert officer.client.get("/fiscal-years/2567").json()["closed_by_configuration"] is True
        plan = officer.post("/policies", policy(2567))
        officer.submit(plan['plan_id'])
        refused(officer, app, f"/plans/{plan['plan_id']}/approve",
                {"resolution_document_id": RESOLUTION}, 409, "fiscal-year-closed", actor="dir-1")
    finally:
        app.close()


def test_an_approval_citing_an_unknown_document_is_refused(officer: Officer,
                                                           planning: PlanningApplication) -> None:
    plan = officer.post("/policies", policy())
    officer.submit(plan['plan_id'])
    problem = refused(officer, planning, f"/plans/{plan['plan_id']}/approve",
                      {"resolution_document_id": "00000000-0000-4000-8000-000000000001"}, 403,
                      "resolution-required", actor="dir-1")
    assert problem["title_en"] == "A body's decision must cite a document registered in correspondence"
    assert problem["document_id"] == "00000000-0000-4000-8000-000000000001"
    refused(officer, planning, f"/plans/{plan['plan_id']}/approve", {}, 403,
            "resolution-required", actor="dir-1")


def test_broken_strategy_links_are_listed_and_nothing_is_approved(
        officer: Officer, planning: PlanningApplication) -> None:
    pol, dp = officer.policy_and_development_plan()
    body = action_plan(dp["plan_id"], pol["plan_id"])
    body["projects"][0]["strategy_code"] = "S9"
    body["projects"][1]["provincial_strategy_codes"] = ["KK-XX"]
    plan = officer.post("/action-plans", body)
    officer.submit(plan['plan_id'])
    problem = refused(officer, planning, f"/plans/{plan['plan_id']}/approve",
                      {"resolution_document_id": RESOLUTION}, 422, "broken-strategy-links",
                      actor="dir-1")
    assert [(b["where"], b["link"], b["code"]) for b in problem["links"]] == [
        ("P68-01", "strategy", "S9"), ("P68-02", "provincial", "KK-XX")]


# --- provincial integration ---------------------------------------------------------------------------


def test_reference_strategies_import_from_csv_and_excel(officer: Officer,
                                                        planning: PlanningApplication) -> None:
    csv_text = "\ufeffรหัส,ชื่อยุทธศาสตร์\nKK-E1,พัฒนาคุณภาพการศึกษา\nKK-E2,พัฒนาทักษะผู้เรียน\n"
    response = officer.client.post(
        "/reference-strategies/provincial/import", headers=h(),
        files={"file": ("provincial.csv", csv_text.encode("utf-8"), "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == 2

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title_th"])
    sheet.append(["NS3", "การพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์"])
    sheet.append(["NS4", "การสร้างโอกาสและความเสมอภาคทางสังคม"])
    data = io.BytesIO()
    book.save(data)
    response = officer.client.post(
        "/reference-strategies/national/import", headers=h(),
        files={"file": ("national.xlsx", data.getvalue(), "application/octet-stream")})
    assert response.status_code == 200, response.text
    listed = officer.client.get("/reference-strategies/national").json()
    assert [s["code"] for s in listed["strategies"]] == ["NS3", "NS4"]
    assert listed["level_th"] == "ยุทธศาสตร์ชาติ"

    before = planning.max_notification_id()
    for name, content in (("broken.xlsx", b"PK\x03\x04 not really a zip"),
                          ("empty.csv", b""), ("no-title.csv", "รหัส\nKK-E9\n".encode())):
        response = officer.client.post("/reference-strategies/provincial/import", headers=h(),
                                       files={"file": (name, content, "text/csv")})
        assert response.status_code == 422, (name, response.text)
        assert response.json()["code"] == "invalid-import"
    assert planning.max_notification_id() == before


def test_the_alignment_matrix_shows_what_serves_what_and_what_serves_nothing(
        officer: Officer) -> None:
    pol, dp = officer.policy_and_development_plan()
    body = action_plan(dp["plan_id"], pol["plan_id"])
    body["projects"][1]["national_strategy_codes"] = []
    plan = officer.approved("/action-plans", body)
    assert plan["step"] == "approved"
    orphan_dp = development_plan()
    orphan_dp["strategies"][1]["national_strategy_codes"] = []
    matrix = officer.client.get("/alignment", params={"fiscal_year_be": 2568}).json()
    rows = {(r["type"], r["code"]): r for r in matrix["rows"]}
    assert rows[("strategy", "S1")]["serves"] == {"KK-E2": "direct", "NS3": "direct"}
    assert rows[("project", "P68-01")]["serves"] == {"KK-E2": "direct", "NS3": "direct"}
    assert rows[("project", "P68-02")]["serves"] == {"NS6": "via_strategy"}
    assert [c["code"] for c in matrix["not_served"]] == ["KK-E1", "KK-E3", "NS4"]
    assert matrix["serving_none"] == []

    csv_text = officer.client.get("/alignment", params={"fiscal_year_be": 2568,
                                                        "format": "csv"}).text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("ประเภท,รหัส,ชื่อ,กลยุทธ์,ยุทธศาสตร์จังหวัด KK-E1")
    assert any(line.startswith("โครงการ,P68-02,") and line.endswith("○,") for line in lines)
    xlsx = officer.client.get("/alignment", params={"fiscal_year_be": 2568, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(3, 1).value == "ประเภท" and sheet.cell(4, 2).value == "S1"


def test_the_alignment_files_list_the_strategies_nobody_serves_as_the_json_does(
        officer: Officer) -> None:
    # Issue 12 §7: the CSV (and the workbook) left out the strategies nobody serves.
    pol, dp = officer.policy_and_development_plan()
    body = action_plan(dp["plan_id"], pol["plan_id"])
    body["projects"][1]["national_strategy_codes"] = []
    officer.approved("/action-plans", body)
    matrix = officer.client.get("/alignment", params={"fiscal_year_be": 2568}).json()
    unserved = [(c["level_th"], c["code"], c["title_th"]) for c in matrix["not_served"]]
    assert [code for _, code, _ in unserved] == ["KK-E1", "KK-E3", "NS4"]

    def unserved_rows(table: list[list[str]]) -> list[tuple[str, str, str]]:
        headings = table[0]
        found = []
        for row in table[1:]:
            if row[-1] == "✗ ไม่มีกลยุทธ์หรือโครงการใดสนับสนุน":
                # the ✗ stands in the strategy's own column, and nowhere else
                assert [h for h, cell in zip(headings[4:-1], row[4:-1], strict=True) if cell] == [
                    f"{row[0]} {row[1]}"], row
                found.append((row[0], row[1], row[2]))
        return found

    csv_text = officer.client.get("/alignment", params={"fiscal_year_be": 2568,
                                                        "format": "csv"}).text
    table = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert table[0][-1] == "หมายเหตุ"
    assert [len(row) for row in table] == [len(table[0])] * len(table), "one table, one shape"
    assert unserved_rows(table) == unserved
    xlsx = officer.client.get("/alignment", params={"fiscal_year_be": 2568, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == table[0]
    assert unserved_rows(rows) == unserved
    assert "ไม่มีกลยุทธ์หรือโครงการใดสนับสนุน" in str(sheet.cell(2, 1).value)


def test_a_strategy_serving_nothing_is_flagged(officer: Officer) -> None:
    officer.references()
    body = development_plan()
    body["strategies"][1]["national_strategy_codes"] = []
    officer.approved("/development-plans", body)
    matrix = officer.client.get("/alignment", params={"fiscal_year_be": 2568}).json()
    assert matrix["serving_none"] == [{"type": "strategy", "code": "S2",
                                       "title_th": "พัฒนาระบบบริหารจัดการ"}]


# --- the approved plan as the office publishes it -------------------------------------------------------


def test_the_approved_action_plan_exports_as_a_thai_pdf(officer: Officer) -> None:
    pol, dp = officer.policy_and_development_plan()
    plan = officer.approved("/action-plans", action_plan(dp["plan_id"], pol["plan_id"]))
    response = officer.client.get(f"/action-plans/{plan['plan_id']}/export",
                                  params={"format": "pdf"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert any("Sarabun" in f for f in fonts), fonts
    text = flat_text(response.content)
    for expected in ("แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2568",
                     "สรุปงบประมาณตามกลยุทธ์",
                     "กลยุทธ์ S1 พัฒนาคุณภาพผู้เรียนทุกระดับ",
                     "พัฒนาคุณภาพการอ่านออกเขียนได้ของนักเรียนชั้นประถมศึกษาปีที่ 1",
                     "งบดำเนินงาน", "งบเงินอุดหนุน", "ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้",
                     "ทะเบียนรับ 15/2567", "20 พฤศจิกายน 2567", "1 ต.ค. 2567 - 30 ก.ย. 2568",
                     "1,250,000.50", "1,000,000.50", "450,000.00", "250,000.50", "125,000.00"):
        assert expected in text, f"{expected!r} not in the PDF text"
    assert "2024" not in text and "1250000.50" not in text


def test_the_published_plan_opens_with_a_cover_and_its_totals_read_like_its_rows(
        officer: Officer) -> None:
    pol, dp = officer.policy_and_development_plan()
    plan = officer.approved("/action-plans", action_plan(dp["plan_id"], pol["plan_id"]))
    pdf = officer.client.get(f"/action-plans/{plan['plan_id']}/export").content
    cover, *pages = pdf_pages_text(pdf)
    cover_text = " ".join(cover.split())
    for expected in ("แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2568",
                     "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตัวอย่าง เขต 1",
                     "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "กระทรวงศึกษาธิการ",
                     "ได้รับความเห็นชอบจากคณะกรรมการศึกษาธิการจังหวัด (กศจ.)",
                     "20 พฤศจิกายน 2567", "ทะเบียนรับ 15/2567"):
        assert expected in cover_text, expected
    assert "สรุปงบประมาณตามกลยุทธ์" not in cover and "หน้า" not in cover  # a cover, unnumbered
    assert "สรุปงบประมาณตามกลยุทธ์" in pages[0]

    # P68-01 plans nothing in quarters 3 and 4: its total row says so as its rows do, "-".
    rows = [line.split() for page in pdf_pages_text(pdf, layout=True) for line in page.splitlines()]
    total = next(r for r in rows if r[:1] == ["รวม"] and r[-1:] == ["1,000,000.50"] and len(r) == 6)
    assert total == ["รวม", "450,000.00", "550,000.50", "-", "-", "1,000,000.50"]
    subsidies = next(r for r in rows if r[:1] == ["งบเงินอุดหนุน"])
    assert subsidies[1] == "-" and "0.00" not in total


def test_the_approved_action_plan_exports_as_excel(officer: Officer) -> None:
    pol, dp = officer.policy_and_development_plan()
    plan = officer.approved("/action-plans", action_plan(dp["plan_id"], pol["plan_id"]))
    response = officer.client.get(f"/action-plans/{plan['plan_id']}/export",
                                  params={"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["สรุปตามกลยุทธ์", "งบประมาณโครงการ", "ตัวชี้วัด"]
    summary = book["สรุปตามกลยุทธ์"]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=5)]
    assert [(r[0], r[2], Decimal(str(r[3]))) for r in rows] == [
        ("S1", 1, Decimal("1000000.50")), ("S2", 1, Decimal("250000.00")),
        ("รวม", 2, Decimal("1250000.50"))]
    assert summary.cell(5, 4).number_format == "#,##0.00"
    budget = book["งบประมาณโครงการ"]
    lines = [[c.value for c in row] for row in budget.iter_rows(min_row=5)]
    operations = next(r for r in lines if r[2] == "P68-01" and r[7] == "งบดำเนินงาน")
    assert [Decimal(str(v)) for v in operations[8:13]] == [
        Decimal("450000"), Decimal("300000"), Decimal("0"), Decimal("0"), Decimal("750000")]
    assert operations[6] == "1 ต.ค. 2567 - 30 ก.ย. 2568"
    assert Decimal(str(lines[-1][12])) == Decimal("1250000.50")
    kpis = [[c.value for c in row] for row in book["ตัวชี้วัด"].iter_rows(min_row=5)]
    assert kpis[0][3:7] == ["P68-01-K1", "ร้อยละของนักเรียน ป.1 ที่อ่านออกเขียนได้", "ร้อยละ", 95]


def test_a_draft_cannot_be_exported(officer: Officer) -> None:
    plan = officer.post("/action-plans", action_plan("0b4d3c2a-1e9f-4a8b-8c7d-6e5f4a3b2c1d", None))
    response = officer.client.get(f"/action-plans/{plan['plan_id']}/export")
    assert response.status_code == 409 and response.json()["code"] == "not-approved-yet"

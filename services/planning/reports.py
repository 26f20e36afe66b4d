"""The approved annual action plan as the office publishes it, in Thai: a PDF (Sarabun, bundled;
a cover page with the title, fiscal year, office and approval) and an Excel workbook; and the
alignment matrix as Excel. Laid out strategy → project → budget → KPI, with Buddhist-era dates and
baht with thousands separators; in the PDF a quarter with nothing planned is "-", its total too
(the workbook keeps numbers: 0)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from services.planning.domain import EXPENSE_CATEGORY_TH
from services.planning.projections import (
    LEGEND_TH,
    QUARTER_TH,
    QUARTERS,
    ActionPlanDocument,
    alignment_table,
    budget_rows,
    kpi_rows,
    links_th,
    period_th,
)
from shared.csvfile import safe_cell
from shared.thaireport import ThaiPdf, format_baht, xlsx_bytes
from shared.thaitime import format_thai_datetime

BAHT_FORMAT = "#,##0.00"
HEADING_FILL = PatternFill("solid", fgColor="DDDDDD")
THAI_FONT = "TH Sarabun New"
# Every Educational Service Area office is under OBEC, of the Ministry of Education: the cover says so.
PARENT_OFFICE_TH = "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน"
MINISTRY_TH = "กระทรวงศึกษาธิการ"


def action_plan_pdf(document: ActionPlanDocument, printed_at: datetime) -> bytes:
    pdf = ThaiPdf(landscape=True,
                  footer_th=f"{document.title_th}  พิมพ์เมื่อ {format_thai_datetime(printed_at)}")
    pdf.set_title(document.title_th)
    pdf.set_creator(document.office_name_th)
    year = [] if document.fiscal_year_th in document.title_th else [document.fiscal_year_th]
    pdf.cover(document.title_th, [*year, document.office_name_th, PARENT_OFFICE_TH, MINISTRY_TH],
              "\n".join(document.approval_lines_th))
    pdf.add_page()
    pdf.heading(document.title_th, size=20)
    pdf.heading(document.office_name_th, size=16)
    pdf.paragraph(document.approval_th)
    pdf.paragraph(f"งบประมาณรวมทั้งสิ้น {format_baht(document.total_budget)} บาท")
    pdf.ln(2)
    pdf.heading("สรุปงบประมาณตามกลยุทธ์")
    summary = [[f"{s.code} {s.title_th}".strip(), str(len(s.projects)), format_baht(s.total)]
               for s in document.sections]
    summary.append(["รวม", str(sum(len(s.projects) for s in document.sections)),
                    format_baht(document.total_budget)])
    pdf.grid(["กลยุทธ์", "จำนวนโครงการ", "งบประมาณ (บาท)"], summary, (170, 35, 60),
             numeric=(1, 2), bold_last=True)
    for section in document.sections:
        pdf.add_page()
        pdf.heading(f"กลยุทธ์ {section.code} {section.title_th}".strip(), size=18)
        pdf.paragraph(f"งบประมาณตามกลยุทธ์ {format_baht(section.total)} บาท")
        for number, project in enumerate(section.projects, start=1):
            pdf.ln(2)
            pdf.heading(f"{number}. โครงการ{project.title_th} ({project.code})")
            details = [
                ["วัตถุประสงค์", "\n".join(f"{i}) {o}" for i, o in
                                            enumerate(project.objectives, start=1))],
                ["กลุ่มที่รับผิดชอบ", project.responsible_group],
                ["ผู้รับผิดชอบโครงการ", project.responsible_officer],
                ["ระยะเวลาดำเนินการ", period_th(project.starts_on, project.ends_on)],
                ["ความสอดคล้อง", links_th(project)],
                ["งบประมาณ", f"{format_baht(project.total_budget)} บาท"],
            ]
            pdf.grid(["หัวข้อ", "รายละเอียด"], details, (55, 210))
            pdf.grid(["หมวดรายจ่าย", *QUARTER_TH, "รวม (บาท)"], budget_rows(project),
                     (45, 44, 44, 44, 44, 44), numeric=(1, 2, 3, 4, 5), bold_last=True)
            pdf.grid(["รหัส", "ตัวชี้วัด", "หน่วยนับ", "ค่าเป้าหมาย", "ไตรมาส 1", "ไตรมาส 2",
                      "ไตรมาส 3", "ไตรมาส 4"], kpi_rows(project),
                     (25, 95, 25, 25, 25, 25, 25, 20), numeric=(3, 4, 5, 6, 7))
            if project.activities:
                pdf.grid(["กิจกรรม", "ระยะเวลา"],
                         [[a.title_th, period_th(a.starts_on, a.ends_on)]
                          for a in project.activities], (185, 80))
    return bytes(pdf.output())


def action_plan_xlsx(document: ActionPlanDocument) -> bytes:
    """Three sheets: the summary by strategy, every project's budget by category and quarter
    (numbers as numbers, shown with thousands separators), and every KPI."""
    book = Workbook()
    summary = book.active
    summary.title = "สรุปตามกลยุทธ์"
    _title(summary, document, 3)
    _headings(summary, 4, ["รหัสกลยุทธ์", "กลยุทธ์", "จำนวนโครงการ", "งบประมาณ (บาท)"])
    row = 5
    for section in document.sections:
        _put(summary, row, [section.code, section.title_th, len(section.projects), section.total])
        row += 1
    _put(summary, row, ["รวม", "", sum(len(s.projects) for s in document.sections),
                        document.total_budget], bold=True)

    budget = book.create_sheet("งบประมาณโครงการ")
    _title(budget, document, 3)
    _headings(budget, 4, ["รหัสกลยุทธ์", "กลยุทธ์", "รหัสโครงการ", "โครงการ", "กลุ่มที่รับผิดชอบ",
                          "ผู้รับผิดชอบ", "ระยะเวลา", "หมวดรายจ่าย", *QUARTER_TH, "รวม (บาท)"])
    row = 5
    for section in document.sections:
        for project in section.projects:
            for category, amounts in _by_category(project):
                _put(budget, row, [section.code, section.title_th, project.code,
                                   project.title_th, project.responsible_group,
                                   project.responsible_officer,
                                   period_th(project.starts_on, project.ends_on),
                                   EXPENSE_CATEGORY_TH[category],
                                   *amounts, sum(amounts, Decimal("0"))])
                row += 1
            _put(budget, row, ["", "", project.code, f"รวมโครงการ{project.title_th}", "", "", "",
                               "", *_quarter_totals(project), project.total_budget], bold=True)
            row += 1
    _put(budget, row, ["", "", "", "รวมทั้งแผน", "", "", "", "", "", "", "", "",
                       document.total_budget], bold=True)

    kpis = book.create_sheet("ตัวชี้วัด")
    _title(kpis, document, 3)
    _headings(kpis, 4, ["รหัสกลยุทธ์", "รหัสโครงการ", "โครงการ", "รหัสตัวชี้วัด", "ตัวชี้วัด",
                        "หน่วยนับ", "ค่าเป้าหมาย", "ไตรมาส 1", "ไตรมาส 2", "ไตรมาส 3",
                        "ไตรมาส 4"])
    row = 5
    for section in document.sections:
        for project in section.projects:
            for kpi in project.kpis:
                by_quarter = {q.quarter: q.target_value for q in kpi.quarter_targets}
                _put(kpis, row, [section.code, project.code, project.title_th, kpi.code,
                                 kpi.name_th, kpi.unit, kpi.target_value,
                                 *(by_quarter.get(q) for q in QUARTERS)], money=False)
                row += 1
    for sheet in book.worksheets:
        _fit(sheet)
    return xlsx_bytes(book)


def alignment_xlsx(matrix: dict[str, Any]) -> bytes:
    headings, rows = alignment_table(matrix)
    book = Workbook()
    sheet = book.active
    sheet.title = "ความสอดคล้อง"
    sheet.cell(1, 1, f"ความสอดคล้องของกลยุทธ์และโครงการกับยุทธศาสตร์จังหวัดและยุทธศาสตร์ชาติ "
                     f"ปีงบประมาณ พ.ศ. {matrix['fiscal_year_be']}").font = Font(bold=True, size=14)
    sheet.cell(2, 1, LEGEND_TH)
    _headings(sheet, 3, headings)
    for n, row in enumerate(rows, start=4):
        _put(sheet, n, row)
    _fit(sheet)
    return xlsx_bytes(book)


def _by_category(project: Any) -> list[tuple[Any, list[Decimal]]]:
    amounts = {(line.category, line.quarter): line.amount for line in project.budget_lines}
    categories = [c for c in EXPENSE_CATEGORY_TH if any((c, q) in amounts for q in QUARTERS)]
    return [(c, [amounts.get((c, q), Decimal("0")) for q in QUARTERS]) for c in categories]


def _quarter_totals(project: Any) -> list[Decimal]:
    return [sum((line.amount for line in project.budget_lines if line.quarter == q),
                Decimal("0")) for q in QUARTERS]


def _title(sheet: Any, document: ActionPlanDocument, last_row: int) -> None:
    sheet.cell(1, 1, document.title_th).font = Font(name=THAI_FONT, bold=True, size=16)
    sheet.cell(2, 1, document.office_name_th).font = Font(name=THAI_FONT, size=14)
    sheet.cell(last_row, 1, document.approval_th).font = Font(name=THAI_FONT, size=12)


def _headings(sheet: Any, row: int, headings: list[str]) -> None:
    for column, text in enumerate(headings, start=1):
        cell = sheet.cell(row, column, text)
        cell.font = Font(name=THAI_FONT, bold=True)
        cell.fill = HEADING_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _put(sheet: Any, row: int, values: list[Any], *, bold: bool = False, money: bool = True) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row, column, safe_cell(value) if isinstance(value, str) else value)
        cell.font = Font(name=THAI_FONT, bold=bold)
        if isinstance(value, Decimal):
            cell.number_format = BAHT_FORMAT if money else "#,##0.##"


def _fit(sheet: Any) -> None:
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None and c.row > 3),
                    default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)

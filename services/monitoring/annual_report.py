"""รายงานผลการดำเนินงานประจำปี: the office's annual performance report, generated from events, as
a Thai PDF (fpdf2 with the bundled Sarabun font, charts from `charts`) and as an Excel workbook.

Every figure comes from `performance` (the dashboard's own source) and monitoring's read models, so
the report, the dashboard and the events always agree, to the satang.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Font

from services.monitoring import charts
from services.monitoring.domain import (
    EVALUATION_KIND_TH,
    RECOMMENDATION_STEP_TH,
    Evaluation,
    Recommendation,
    baht,
)
from services.monitoring.performance import AGE_BUCKETS, Performance
from shared.thaitime import format_thai_date, format_thai_datetime

MONEY = "#,##0.00"


@dataclass(frozen=True)
class AnnualReport:
    office_name_th: str
    performance: Performance
    recommendations: list[Recommendation]
    evaluations: list[Evaluation]

    @property
    def title_th(self) -> str:
        return f"รายงานผลการดำเนินงานประจำปีงบประมาณ พ.ศ. {self.performance.fiscal_year_be}"


def _num(value: Decimal | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{format(value.normalize(), 'f')}{suffix}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def _verdict(achieved: bool | None) -> str:
    return "-" if achieved is None else ("บรรลุ" if achieved else "ไม่บรรลุ")


class _Pdf(FPDF):
    def __init__(self, font_dir: Path, footer_th: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_th = footer_th
        self.add_font("Sarabun", "", str(font_dir / "Sarabun-Regular.ttf"))
        self.add_font("Sarabun", "B", str(font_dir / "Sarabun-Bold.ttf"))
        self.set_text_shaping(True)  # Thai vowels and tone marks placed by HarfBuzz
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Sarabun", size=9)
        self.cell(0, 6, f"{self.footer_th}  หน้า {self.page_no()}", align="C")

    def heading(self, text: str, size: int = 15) -> None:
        self.ln(3)
        self.set_font("Sarabun", "B", size)
        self.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("Sarabun", size=11)

    def paragraph(self, text: str) -> None:
        self.set_font("Sarabun", size=11)
        self.multi_cell(0, 6.5, text, new_x="LMARGIN", new_y="NEXT")

    def grid(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...],
             align: str = "LEFT") -> None:
        self.set_font("Sarabun", size=9.5)
        with self.table(col_widths=widths, text_align=align, line_height=5.5,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 238, 245)),
                        ) as table:
            table.row(header)
            for row in rows:
                table.row(row)
        self.ln(2)

    def chart(self, png: bytes, width: float = 174) -> None:
        self.image(io.BytesIO(png), w=width)
        self.ln(2)


def render_pdf(report: AnnualReport, font_dir: Path) -> bytes:
    perf = report.performance
    totals = perf.totals()
    pdf = _Pdf(font_dir, f"{report.office_name_th} — {report.title_th}")
    pdf.add_page()
    pdf.set_font("Sarabun", "B", 18)
    pdf.multi_cell(0, 10, report.title_th, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Sarabun", size=13)
    pdf.multi_cell(0, 8, report.office_name_th, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, f"จัดทำเมื่อ {format_thai_datetime(perf.generated_at)} "
                         "จากเหตุการณ์ที่บันทึกในระบบ", align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.heading("1. สรุปภาพรวม")
    pdf.paragraph(
        f"ตัวชี้วัดทั้งหมด {totals['kpis']} ตัว รายงานผลแล้ว {totals['kpis_reported']} ตัว "
        f"บรรลุค่าเป้าหมาย {totals['kpis_achieved']} ตัว\n"
        f"งบประมาณตามแผน {baht(perf.budget_planned)} บาท ใช้จริง {baht(perf.budget_used)} บาท "
        f"(ร้อยละ {totals['budget_used_pct'] or '0.00'})\n"
        f"เรื่องที่ยังไม่เสร็จ {totals['open_cases']} เรื่อง เกินกำหนด {totals['overdue_cases']} เรื่อง")

    pdf.heading("2. ผลการดำเนินงานตามตัวชี้วัด")
    pdf.grid(["แผน", "โครงการ/ประเด็น", "ตัวชี้วัด", "ค่าเป้าหมาย", "ผล", "ร้อยละ", "ผลการประเมิน"],
             [[k.plan_kind_th, k.group_code, f"{k.item_code} {k.name_th}",
               _num(k.target_value, f" {k.unit}"), _num(k.actual), _pct(k.attainment_pct),
               _verdict(k.achieved)] for k in perf.kpis],
             (22, 18, 54, 24, 14, 18, 20))
    pdf.chart(charts.kpi_attainment(perf, font_dir / "Sarabun-Regular.ttf"), 150)

    pdf.heading("3. การใช้จ่ายงบประมาณ")
    pdf.grid(["งบรายจ่าย", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
             [[r.label_th, baht(r.planned), baht(r.used), _pct(r.used_pct)]
              for r in perf.budget_by_category]
             + [["รวม", baht(perf.budget_planned), baht(perf.budget_used),
                 _pct(totals["budget_used_pct"])]],
             (50, 45, 45, 30))
    pdf.grid(["ไตรมาส", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
             [[r.label_th, baht(r.planned), baht(r.used), _pct(r.used_pct)]
              for r in perf.budget_by_quarter], (50, 45, 45, 30))
    pdf.chart(charts.budget_use(perf, font_dir / "Sarabun-Regular.ttf"))

    pdf.heading("4. สถานะเรื่องที่ยังไม่เสร็จ จำแนกตามขั้นตอนและระยะเวลา")
    pdf.grid(["บริการ", "ขั้นตอน", "จำนวน", "เกินกำหนด", *[label for _, label in AGE_BUCKETS]],
             [[r.service_th, r.step_th, str(r.open), str(r.overdue), *map(str, r.ages)]
              for r in perf.steps], (28, 52, 14, 16, 16, 16, 16, 16))
    pdf.chart(charts.cases_by_step(perf, font_dir / "Sarabun-Regular.ttf"), 160)

    pdf.heading("5. การตรวจราชการและการดำเนินการตามข้อเสนอแนะ")
    if report.recommendations:
        pdf.grid(["รอบการตรวจ", "ที่", "ข้อเสนอแนะ", "ผู้รับผิดชอบ", "กำหนดเสร็จ", "สถานะ"],
                 [[r.round_title_th, str(r.number), r.text_th, r.assignee_th or "-",
                   format_thai_date(r.due) if r.due else "-", RECOMMENDATION_STEP_TH[r.step]]
                  for r in report.recommendations], (32, 8, 54, 26, 22, 32))
    else:
        pdf.paragraph("ไม่มีข้อเสนอแนะจากการตรวจราชการในปีงบประมาณนี้")

    pdf.heading("6. ผลการประเมิน")
    if report.evaluations:
        for evaluation in report.evaluations:
            pdf.set_font("Sarabun", "B", 11)
            pdf.multi_cell(0, 6.5, f"{EVALUATION_KIND_TH[evaluation.kind]}: {evaluation.title_th}",
                           new_x="LMARGIN", new_y="NEXT")
            for result in evaluation.results:
                pdf.paragraph(result.text_th(""))
    else:
        pdf.paragraph("ยังไม่มีการบันทึกผลการประเมินในปีงบประมาณนี้")
    return bytes(pdf.output())


def render_xlsx(report: AnnualReport) -> bytes:
    perf = report.performance
    totals = perf.totals()
    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]],
              money_columns: tuple[int, ...] = ()) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(row)
        for column in money_columns:
            for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = MONEY
        for index, _ in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(1, index).column_letter].width = 22

    summary = book.active
    summary.title = "สรุป"
    for row in (
        [report.title_th], [report.office_name_th],
        ["จัดทำเมื่อ", format_thai_datetime(perf.generated_at)], [],
        ["ตัวชี้วัดทั้งหมด", totals["kpis"]], ["รายงานผลแล้ว", totals["kpis_reported"]],
        ["บรรลุค่าเป้าหมาย", totals["kpis_achieved"]],
        ["งบประมาณตามแผน (บาท)", perf.budget_planned], ["ใช้จริง (บาท)", perf.budget_used],
        ["เรื่องที่ยังไม่เสร็จ", totals["open_cases"]], ["เกินกำหนด", totals["overdue_cases"]],
    ):
        summary.append(row)
    summary["A1"].font = bold
    summary["B8"].number_format = summary["B9"].number_format = MONEY
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 24

    sheet("ตัวชี้วัด", ["แผน", "รหัสโครงการ/ประเด็น", "โครงการ/ประเด็น", "รหัสตัวชี้วัด",
                        "ตัวชี้วัด", "หน่วยนับ", "ค่าเป้าหมาย", "งวดล่าสุด", "ผล", "ร้อยละของเป้าหมาย",
                        "ผลการประเมิน"],
          [[k.plan_kind_th, k.group_code, k.group_title_th, k.item_code, k.name_th, k.unit,
            k.target_value, k.period or "", k.actual, k.attainment_pct, _verdict(k.achieved)]
           for k in perf.kpis])
    sheet("งบประมาณ", ["จำแนก", "รายการ", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
          [["งบรายจ่าย", r.label_th, r.planned, r.used, r.used_pct]
           for r in perf.budget_by_category]
          + [["ไตรมาส", r.label_th, r.planned, r.used, r.used_pct]
             for r in perf.budget_by_quarter], money_columns=(3, 4))
    sheet("สถานะเรื่อง", ["บริการ", "ขั้นตอน", "จำนวน", "เกินกำหนด",
                          *[label for _, label in AGE_BUCKETS]],
          [[r.service_th, r.step_th, r.open, r.overdue, *r.ages] for r in perf.steps])
    sheet("ข้อเสนอแนะ", ["รอบการตรวจ", "ที่", "ประเด็น", "ข้อเสนอแนะ", "ผู้รับผิดชอบ",
                         "กำหนดเสร็จ", "สถานะ"],
          [[r.round_title_th, r.number, r.issue.title_th, r.text_th, r.assignee_th or "",
            format_thai_date(r.due) if r.due else "", RECOMMENDATION_STEP_TH[r.step]]
           for r in report.recommendations])
    sheet("ผลการประเมิน", ["การประเมิน", "รหัส", "เรื่อง", "ตัวชี้วัด", "ค่าเป้าหมาย", "ผล",
                           "ร้อยละ", "งบตามแผน (บาท)", "ใช้จริง (บาท)", "ผลลัพธ์"],
          [[e.title_th, r.code, r.title_th, i.code, i.target_value, i.actual, i.attainment_pct,
            r.budget_planned, r.budget_used, r.outcome_th]
           for e in report.evaluations for r in e.results for i in r.indicators],
          money_columns=(8, 9))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

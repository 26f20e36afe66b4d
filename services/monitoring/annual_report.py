"""รายงานผลการดำเนินงานประจำปี: the office's annual performance report, generated from events, as
a Thai PDF (`shared.thaireport`, charts from `charts`) and as an Excel workbook.

Every figure comes from `performance` (the dashboard's own source) and monitoring's read models, so
the report, the dashboard and the events always agree, to the satang.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from services.monitoring import charts
from services.monitoring.domain import (
    EVALUATION_KIND_TH,
    RECOMMENDATION_STEP_TH,
    Evaluation,
    EvaluationKind,
    Recommendation,
)
from services.monitoring.performance import AGE_BUCKETS, Performance
from shared.thaireport import BAHT_FORMAT, REGULAR_FONT, ThaiPdf, xlsx_bytes, xlsx_sheet
from shared.thaireport import format_baht as baht
from shared.thaitime import format_thai_date, format_thai_datetime


@dataclass(frozen=True)
class AnnualReport:
    office_name_th: str
    performance: Performance
    recommendations: list[Recommendation]
    evaluations: list[Evaluation]

    @property
    def title_th(self) -> str:
        return f"รายงานผลการดำเนินงานประจำปีงบประมาณ พ.ศ. {self.performance.fiscal_year_be}"

    def evaluations_of(self, kind: EvaluationKind) -> list[Evaluation]:
        return [e for e in self.evaluations if e.kind == kind]


def _num(value: Decimal | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    return f"{format(value.normalize(), 'f')}{suffix}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def _verdict(achieved: bool | None) -> str:
    return "-" if achieved is None else ("บรรลุ" if achieved else "ไม่บรรลุ")


def _dates_th(evaluation: Evaluation) -> str:
    issued = (f"แจ้งผลเมื่อ {format_thai_date(evaluation.issued_at)}" if evaluation.issued_at
              else "ยังไม่ได้แจ้งผล")
    return f"ประเมินผลเมื่อ {format_thai_date(evaluation.recorded_at)} {issued}"


def render_pdf(report: AnnualReport) -> bytes:
    perf = report.performance
    totals = perf.totals()
    pdf = ThaiPdf(footer_th=report.title_th, printed_at=perf.generated_at)
    pdf.set_title(report.title_th)
    pdf.set_creator(report.office_name_th)
    pdf.add_page()
    pdf.heading(report.title_th, size=18, align="C")
    pdf.paragraph(report.office_name_th, align="C")
    pdf.paragraph(f"จัดทำเมื่อ {format_thai_datetime(perf.generated_at)} "
                  "จากเหตุการณ์ที่บันทึกในระบบ", size=12, align="C")

    pdf.heading("1. สรุปภาพรวม", space_before=3)
    pdf.paragraph(
        f"ตัวชี้วัดทั้งหมด {totals['kpis']} ตัว รายงานผลแล้ว {totals['kpis_reported']} ตัว "
        f"บรรลุค่าเป้าหมาย {totals['kpis_achieved']} ตัว\n"
        f"งบประมาณตามแผน {baht(perf.budget_planned)} บาท ใช้จริง {baht(perf.budget_used)} บาท "
        f"(ร้อยละ {totals['budget_used_pct'] or '0.00'})\n"
        f"เรื่องที่ยังไม่เสร็จ {totals['open_cases']} เรื่อง เกินกำหนด {totals['overdue_cases']} เรื่อง",
        size=13)

    pdf.heading("2. ผลการดำเนินงานตามตัวชี้วัด", space_before=3)
    pdf.grid(["แผน", "โครงการ/ประเด็น", "ตัวชี้วัด", "ค่าเป้าหมาย", "ผล", "ร้อยละ", "ผลการประเมิน"],
             [[k.plan_kind_th, k.group_code, f"{k.item_code} {k.name_th}",
               _num(k.target_value, f" {k.unit}"), _num(k.actual), _pct(k.attainment_pct),
               _verdict(k.achieved)] for k in perf.kpis],
             (24, 20, 54, 24, 16, 18, 24), numeric=(4, 5), size=10)
    pdf.picture(charts.kpi_attainment(perf, REGULAR_FONT), 150)

    pdf.heading("3. การใช้จ่ายงบประมาณ", space_before=3)
    pdf.grid(["งบรายจ่าย", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
             [[r.label_th, baht(r.planned), baht(r.used), _pct(r.used_pct)]
              for r in perf.budget_by_category]
             + [["รวม", baht(perf.budget_planned), baht(perf.budget_used),
                 _pct(totals["budget_used_pct"])]],
             (60, 45, 45, 30), numeric=(1, 2, 3), size=11, bold_last=True)
    pdf.grid(["ไตรมาส", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
             [[r.label_th, baht(r.planned), baht(r.used), _pct(r.used_pct)]
              for r in perf.budget_by_quarter], (60, 45, 45, 30), numeric=(1, 2, 3), size=11)
    pdf.picture(charts.budget_use(perf, REGULAR_FONT), 174)

    pdf.heading("4. สถานะเรื่องที่ยังไม่เสร็จ จำแนกตามขั้นตอนและระยะเวลา", space_before=3)
    pdf.grid(["บริการ", "ขั้นตอน", "จำนวน", "เกินกำหนด", *[label for _, label in AGE_BUCKETS]],
             [[r.service_th, r.step_th, str(r.open), str(r.overdue), *map(str, r.ages)]
              for r in perf.steps], (28, 50, 14, 20, 17, 17, 17, 17),
             numeric=tuple(range(2, 8)), size=10)
    pdf.picture(charts.cases_by_step(perf, REGULAR_FONT), 160)

    pdf.heading("5. การตรวจราชการและการดำเนินการตามข้อเสนอแนะ", space_before=3)
    if report.recommendations:
        pdf.grid(["รอบการตรวจ", "ที่", "ข้อเสนอแนะ", "ผู้รับผิดชอบ", "กำหนดเสร็จ", "สถานะ"],
                 [[r.round_title_th, str(r.number), r.text_th, r.assignee_th or "-",
                   format_thai_date(r.due) if r.due else "-", RECOMMENDATION_STEP_TH[r.step]]
                  for r in report.recommendations], (34, 8, 60, 28, 22, 28), size=10)
    else:
        pdf.paragraph("ไม่มีข้อเสนอแนะจากการตรวจราชการในปีงบประมาณนี้", size=13)

    pdf.heading("6. ผลการประเมิน", space_before=3)
    for number, kind in enumerate(EvaluationKind, start=1):
        pdf.heading(f"6.{number} ผลการ{EVALUATION_KIND_TH[kind]}", size=14, space_before=2)
        found = report.evaluations_of(kind)
        if not found:
            pdf.paragraph(f"ไม่มีการ{EVALUATION_KIND_TH[kind]} ในปีงบประมาณนี้", size=12)
        for evaluation in found:
            pdf.heading(evaluation.title_th, size=13, space_before=1)
            pdf.paragraph(f"{_dates_th(evaluation)}\nสรุปผล: {evaluation.findings_th()}", size=12)
            for result in evaluation.results:
                pdf.paragraph(result.text_th(f"{result.result_no})"), size=12)
    return bytes(pdf.output())


def render_xlsx(report: AnnualReport) -> bytes:
    perf = report.performance
    totals = perf.totals()
    book = Workbook()

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
    summary["A1"].font = Font(bold=True)
    summary["B8"].number_format = summary["B9"].number_format = BAHT_FORMAT
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 24

    xlsx_sheet(book, "ตัวชี้วัด", [
        "แผน", "รหัสโครงการ/ประเด็น", "โครงการ/ประเด็น", "รหัสตัวชี้วัด", "ตัวชี้วัด", "หน่วยนับ",
        "ค่าเป้าหมาย", "งวดล่าสุด", "ผล", "ร้อยละของเป้าหมาย", "ผลการประเมิน"],
        [[k.plan_kind_th, k.group_code, k.group_title_th, k.item_code, k.name_th, k.unit,
          k.target_value, k.period or "", k.actual, k.attainment_pct, _verdict(k.achieved)]
         for k in perf.kpis])
    xlsx_sheet(book, "งบประมาณ", ["จำแนก", "รายการ", "ตามแผน (บาท)", "ใช้จริง (บาท)", "ร้อยละ"],
               [["งบรายจ่าย", r.label_th, r.planned, r.used, r.used_pct]
                for r in perf.budget_by_category]
               + [["ไตรมาส", r.label_th, r.planned, r.used, r.used_pct]
                  for r in perf.budget_by_quarter], money_columns=(3, 4))
    xlsx_sheet(book, "สถานะเรื่อง", ["บริการ", "ขั้นตอน", "จำนวน", "เกินกำหนด",
                                     *[label for _, label in AGE_BUCKETS]],
               [[r.service_th, r.step_th, r.open, r.overdue, *r.ages] for r in perf.steps])
    xlsx_sheet(book, "ข้อเสนอแนะ", ["รอบการตรวจ", "ที่", "ประเด็น", "ข้อเสนอแนะ", "ผู้รับผิดชอบ",
                                    "กำหนดเสร็จ", "สถานะ"],
               [[r.round_title_th, r.number, r.issue.title_th, r.text_th, r.assignee_th or "",
                 format_thai_date(r.due) if r.due else "", RECOMMENDATION_STEP_TH[r.step]]
                for r in report.recommendations])
    xlsx_sheet(book, "ผลการประเมิน", [
        "ประเภทการประเมิน", "การประเมิน", "วันที่ประเมิน", "วันที่แจ้งผล", "สรุปผล", "รหัส", "เรื่อง",
        "ตัวชี้วัด", "ค่าเป้าหมาย", "ผล", "ร้อยละ", "ผลการประเมิน", "งบตามแผน (บาท)",
        "ใช้จริง (บาท)", "ผลลัพธ์", "ข้อเสนอแนะ"],
        [[EVALUATION_KIND_TH[e.kind], e.title_th, format_thai_date(e.recorded_at),
          format_thai_date(e.issued_at) if e.issued_at else "", e.findings_th(), r.code, r.title_th,
          f"{i.code} {i.name_th}", i.target_value, i.actual, i.attainment_pct,
          _verdict(i.achieved), r.budget_planned, r.budget_used, r.outcome_th,
          r.recommendations_th]
         for kind in EvaluationKind for e in report.evaluations_of(kind)
         for r in e.results for i in r.indicators],
        money_columns=(13, 14))
    return xlsx_bytes(book)

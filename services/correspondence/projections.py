"""Read models of the correspondence service: the registers as officers keep them.

The documents, officers and number series are followed from the notification log by
`shared.projection.AggregateIndex` (built by the application); this module lays the rows out the
way the Saraban Regulation's forms do, in Thai, with Buddhist-era dates, for JSON and CSV.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from services.correspondence.domain import (
    DOCUMENT_TYPE_TH,
    SECRECY_TH,
    URGENCY_TH,
    DocumentType,
    Secrecy,
    Urgency,
)
from shared.csvfile import csv_text
from shared.thaitime import (
    MONTHS_TH_ABBR,
    MONTHS_TH_FULL,
    bangkok_date,
    be_year,
    format_thai_date,
    format_thai_datetime,
)

# แบบทะเบียนหนังสือรับ: the columns of the regulation's form, then the system's own.
RECEIVING_COLUMNS = (
    ("receipt_no", "เลขทะเบียนรับ"),
    ("sender_ref_no", "ที่"),
    ("sender_doc_date", "ลงวันที่"),
    ("sender", "จาก"),
    ("addressee", "ถึง"),
    ("subject", "เรื่อง"),
    ("step_th", "การปฏิบัติ"),
    ("remark", "หมายเหตุ"),
    ("received_at", "วันเวลาที่รับ"),
    ("doc_type", "ชนิดของหนังสือ"),
    ("urgency", "ชั้นความเร็ว"),
    ("secrecy", "ชั้นความลับ"),
    ("holder", "ผู้รับผิดชอบปัจจุบัน"),
)

# แบบทะเบียนหนังสือส่ง
DISPATCH_COLUMNS = (
    ("number", "เลขทะเบียนส่ง"),
    ("outgoing_no", "ที่"),
    ("dispatched_at", "ลงวันที่"),
    ("from", "จาก"),
    ("letter_addressee", "ถึง"),  # as the letter's เรียน
    ("subject", "เรื่อง"),
    ("step_th", "การปฏิบัติ"),
    ("remark", "หมายเหตุ"),
    ("doc_type", "ชนิดของหนังสือ"),
    ("secrecy", "ชั้นความลับ"),
)


def _thai(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_thai_datetime(value)
    if isinstance(value, date):
        return format_thai_date(value)
    return str(value)


def _remark(row: dict[str, Any]) -> str:
    notes = []
    if row.get("cancelled") or row.get("number_cancelled"):
        reason = row.get("number_cancel_reason") or row.get("cancel_reason") or ""
        notes.append(f"ยกเลิก {reason}".strip())
    if row.get("destroyed_at"):
        listed = (f" ตามบัญชีหนังสือขอทำลาย พ.ศ. {row['destruction_year_be']}"
                  if row.get("destruction_year_be") else "")
        notes.append(f"ทำลายแล้ว {_thai(row['destroyed_at'])}{listed}")
    if row.get("on_loan"):
        notes.append("ถูกยืม")
    return "; ".join(notes)


def thai_register_row(row: dict[str, Any], office_name: str = "") -> dict[str, str]:
    """A register row with Thai labels for the coded values and BE dates."""
    return {
        **{k: _thai(v) for k, v in row.items()},
        "doc_type": DOCUMENT_TYPE_TH.get(DocumentType(row["doc_type"]), "") if row.get("doc_type") else "",
        "urgency": URGENCY_TH.get(Urgency(row["urgency"]), "") if row.get("urgency") else "",
        "secrecy": SECRECY_TH.get(Secrecy(row["secrecy"]), "") if row.get("secrecy") else "",
        "remark": _remark(row),
        "from": office_name,
    }


def register_csv(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...],
                 office_name: str = "") -> str:
    """CSV with Thai headings (`shared.csvfile`: Excel shows the Thai, no cell runs as a formula)."""
    thai_rows = (thai_register_row(row, office_name) for row in rows)
    return csv_text([heading for _, heading in columns],
                    ([thai.get(key, "") for key, _ in columns] for thai in thai_rows))


def _months_of(start: date, end: date) -> list[tuple[int, int]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def by_month(counted: dict[str, Iterable[datetime]], *, period: tuple[date, date] | None = None,
             full_names: bool = False) -> list[dict[str, Any]]:
    """The month-by-month lines of a periodic summary: `month` (YYYY-MM), `month_th` and, for each
    series of `counted`, how many of its moments fell in that Bangkok month. Every month of
    `period` when one is given (an empty month shows 0), otherwise the months anything happened in."""
    counts = {series: Counter((day.year, day.month) for day in map(bangkok_date, moments))
              for series, moments in counted.items()}
    months = _months_of(*period) if period else sorted(set().union(*counts.values()))
    names = MONTHS_TH_FULL if full_names else MONTHS_TH_ABBR
    return [{"month": f"{year:04d}-{month:02d}", "month_th": f"{names[month - 1]} {be_year(year)}",
             **{series: found[(year, month)] for series, found in counts.items()}}
            for year, month in months]


# The routing evaluation the manual asks for: how long each stage of the saraban path takes.
ROUTING_STAGES = (
    ("receipt_to_assignment", "รับหนังสือ → มอบหมาย", "received", "Assigned"),
    ("assignment_to_draft", "มอบหมาย → ร่างหนังสือ", "Assigned", "Drafted"),
    ("draft_to_signature", "ร่างหนังสือ → ลงนาม", "Drafted", "Signed"),
    ("signature_to_dispatch", "ลงนาม → ส่งหนังสือ", "Signed", "Dispatched"),
    ("receipt_to_dispatch", "รับหนังสือ → ส่งหนังสือ", "received", "Dispatched"),
)


def milestones(received_at: datetime | None, events: list[Any]) -> dict[str, datetime]:
    """When each step first happened, from the document's events."""
    times: dict[str, datetime] = {}
    if received_at is not None:
        times["received"] = received_at
    for event in events:
        name = type(event).__name__
        at = getattr(event, "at", None)
        if at is not None and name not in times:
            times[name] = at
    return times


# The routing evaluation as a Thai table, one line per stage.
ROUTING_COLUMNS = (
    ("year_be", "ปี พ.ศ. ที่รับหนังสือ"),
    ("stage_th", "ช่วงการเดินหนังสือ"),
    ("count", "จำนวนหนังสือ"),
    ("mean_hours", "เฉลี่ย (ชั่วโมง)"),
    ("median_hours", "มัธยฐาน (ชั่วโมง)"),
    ("max_hours", "นานที่สุด (ชั่วโมง)"),
    ("documents", "หนังสือรับทั้งปี"),
    ("overdue_now", "เกินกำหนดขณะนี้"),
    ("returned_for_revision", "ถูกส่งกลับแก้ไข"),
)


def routing_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The routing report's stages, each line carrying the year's totals."""
    totals = {key: report[key] for key in ("year_be", "documents", "overdue_now",
                                            "returned_for_revision")}
    return [{**totals, **stage} for stage in report["stages"]]


def routing_report(year_be: int, documents: list[tuple[Any, list[Any]]], today: date) -> dict[str, Any]:
    """Counts and stage durations (hours) for the documents received in `year_be`."""
    durations: dict[str, list[float]] = {key: [] for key, *_ in ROUTING_STAGES}
    overdue = returned = 0
    for document, events in documents:
        times = milestones(document.received_at, events)
        for key, _, start, end in ROUTING_STAGES:
            if start in times and end in times:
                durations[key].append((times[end] - times[start]).total_seconds() / 3600)
        overdue += document.is_action_overdue(today)
        returned += any(type(e).__name__ == "ReturnedForRevision" for e in events)
    return {
        "year_be": year_be,
        "documents": len(documents),
        "overdue_now": overdue,
        "returned_for_revision": returned,
        "stages": [
            {"stage": key, "stage_th": label, "count": len(values),
             "mean_hours": round(sum(values) / len(values), 2) if values else None,
             "median_hours": round(statistics.median(values), 2) if values else None,
             "max_hours": round(max(values), 2) if values else None}
            for key, label, *_ in ROUTING_STAGES
            for values in [durations[key]]
        ],
    }

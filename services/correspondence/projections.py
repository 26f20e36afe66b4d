"""Read models of the correspondence service: the registers as officers keep them.

The documents, officers and number series are followed from the notification log by
`shared.projection.AggregateIndex` (built by the application); this module lays the rows out the
way the Saraban Regulation's forms do, in Thai, with Buddhist-era dates, for JSON and CSV.
"""

from __future__ import annotations

import csv
import io
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
from shared.thaitime import format_thai_date, format_thai_datetime

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
    ("addressee", "ถึง"),
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
        notes.append(f"ทำลายแล้ว {_thai(row['destroyed_at'])}")
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
    """CSV with Thai headings, UTF-8 with a byte-order mark so that Excel shows Thai correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in columns])
    for row in rows:
        thai = thai_register_row(row, office_name)
        writer.writerow([thai.get(key, "") for key, _ in columns])
    return out.getvalue()

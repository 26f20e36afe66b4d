"""Read models of the correspondence service: the registers as officers keep them.

The application keeps its lists in its own database (`shared.readmodels`): a row per document
(`document_row`: the register line, unmasked, with what a reader's need to know is decided by),
per incoming document for the routing evaluation (`routing_row`), per officer. This module says
what each row holds, and lays the rows out the way the Saraban Regulation's forms do, in Thai, with
Buddhist-era dates, for JSON and CSV. A stored line is masked for each reader when it is read
(`reader_view`), never when it is stored.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from services.correspondence.domain import (
    CLOSED_STEPS,
    DOCUMENT_TYPE_TH,
    SECRECY_RANK,
    SECRECY_TH,
    URGENCY_TH,
    DestructionList,
    Document,
    DocumentType,
    Officer,
    Secrecy,
    Urgency,
    masked_entry,
    may_see,
)
from shared.csvfile import csv_lines
from shared.readmodels import sortable_moment
from shared.thaitime import (
    MONTHS_TH_ABBR,
    MONTHS_TH_FULL,
    bangkok_date,
    be_year,
    format_thai_date,
    format_thai_datetime,
)

# --- what the listings keep ---------------------------------------------------------------------
NEVER = "9999-12-31T23:59:59.999999Z"  # sorts after every moment: "not known when" comes last
NEVER_DAY = "9999-12-31"


def moment(value: datetime | None) -> str | None:
    """A moment as a listing's column keeps it: fixed width and in UTC, so that text order is
    time order whatever offset the moment came with."""
    return None if value is None else sortable_moment(value)


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def tokens(values: Iterable[str]) -> str:
    """Values between commas, so that one is found by `contains ",value,"`."""
    return "," + ",".join(sorted(values)) + ","


def in_batches(rows: Iterable[dict[str, Any]], size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """The views of streamed rows in groups: a group's officers are named with one look-up."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row["view"])
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def year_be_of(value: datetime) -> int:
    return be_year(bangkok_date(value).year)


# One row per document: the register line (unmasked) and what each list filters and sorts by.
# Numbers a document does not hold are 0 and series "" (sort columns are never NULL).
DOCUMENT_COLUMNS = {
    "direction": "text", "receipt_year_be": "int", "receipt_no": "int",
    "outgoing_series": "text", "outgoing_year_be": "int", "outgoing_number": "int",
    "step": "text", "holder": "text", "step_since": "text", "is_open": "bool",
    "action_due": "text", "on_loan": "bool", "loan_due": "text", "secrecy_rank": "int",
    "participants": "text",
    "text": "text", "submitted_by": "text", "retention_expires_on": "text", "files": "text",
}
DOCUMENT_INDEXES = (
    ("receipt_year_be", "receipt_no"),
    ("outgoing_series", "outgoing_year_be", "outgoing_number"),
    ("is_open", "step_since"),
    ("on_loan", "loan_due"),
    ("submitted_by", "receipt_year_be", "receipt_no"),
    ("step", "retention_expires_on"),
)
# The registers' totals (a year's receiving register, a series' year), kept with the rows: a
# page's total costs one row, not a count of the year's documents.
DOCUMENT_TALLIES = (("receipt_year_be",), ("outgoing_series", "outgoing_year_be"))


def document_view(document: Document) -> dict[str, Any]:
    """A document's stored line: what a register, a search or a work list answers of it (as a
    reader may see it: `reader_view`)."""
    loan = document.current_loan
    return {
        **document.register_entry(),
        "version": document.version,
        "review_rounds": len(document.review_rounds),
        "content_available": document.content_available,
        # What a reader's need to know and the time-dependent fields are decided by, when read.
        "_participants": sorted(document.participants),
        "_action_due": day(document.action_due),
        "_outgoing_number": document.outgoing_number,
        "_loan": None if loan is None else {
            "borrower": loan.borrower, "purpose": loan.purpose, "loan_due": loan.due,
            "borrowed_at": loan.borrowed_at},
    }


def document_row(document: Document) -> dict[str, Any]:
    # Each of a document's derived values is worked out once here: a rebuild makes a row for
    # every document of ten years.
    loan = document.current_loan
    view = document_view(document)
    participants = view["_participants"]
    searched = (document.subject, document.sender, document.sender_ref_no, document.addressee,
                document.outgoing_no or "")
    return {
        "direction": document.direction.value,
        "receipt_year_be": document.receipt_year_be or 0,
        "receipt_no": document.receipt_no or 0,
        "outgoing_series": document.outgoing_series.value if document.outgoing_series else "",
        "outgoing_year_be": document.outgoing_year_be or 0,
        "outgoing_number": document.outgoing_number or 0,
        "step": document.step.value,
        "holder": document.holder,
        "step_since": moment(document.step_since) or NEVER,
        "is_open": document.step not in CLOSED_STEPS,
        "action_due": day(document.action_due),
        "on_loan": loan is not None,
        "loan_due": day(loan.due) if loan is not None else None,
        "secrecy_rank": SECRECY_RANK[document.secrecy],
        "participants": tokens(participants),
        "text": "\n".join(part for part in searched if part),
        "submitted_by": document.submitted_by,
        "retention_expires_on": day(view["retention_expires_on"]),
        "files": tokens(document.files),
        "view": view,
    }


def reader_view(view: dict[str, Any], viewer: Officer | None) -> dict[str, Any]:
    """A stored register line as `viewer` may see it: of a classified document someone without
    the need to know sees only that it exists (every descriptive field `(ลับ)` etc.)."""
    entry = {k: v for k, v in view.items() if not k.startswith("_")}
    seen = may_see(view["secrecy"], view["_participants"], viewer)
    if not seen:
        entry = masked_entry(entry)
    entry["content_available"] = bool(view["content_available"]) and seen
    return entry


def is_action_overdue(view: dict[str, Any], today: date) -> bool:
    """`Document.is_action_overdue` of a stored line."""
    due = view["_action_due"]
    return due is not None and due < today.isoformat()


def visible_to(viewer: Officer | None) -> dict[str, Any]:
    """The condition on the documents listing for "`viewer` may see the description": what a text
    search is limited to, so that nobody finds a classified document by words they may not read."""
    if viewer is None or not viewer.active:
        return {"secrecy_rank": 0}
    cleared = SECRECY_RANK[viewer.clearance]
    if viewer.has_role("group_director") or viewer.has_role("esa_director"):
        return {"secrecy_rank__le": cleared}
    return {"any": [{"secrecy_rank": 0},
                    {"secrecy_rank__le": cleared,
                     "participants__contains": f",{viewer.officer_id},"}]}


def officer_view(officer: Officer) -> dict[str, Any]:
    return {
        "officer_id": officer.officer_id,
        "name_th": officer.name_th,
        "position_th": officer.position_th,
        "roles": sorted(r.value for r in officer.roles),
        "clearance": officer.clearance.value,
        "active": officer.active,
        "version": officer.version,
    }


# The staff directory as correspondence keeps it (roles between commas: `tokens`).
OFFICER_COLUMNS = {"officer_id": "text", "roles": "text", "active": "bool", "clearance": "text"}


def officer_row(officer: Officer) -> dict[str, Any]:
    return {"officer_id": officer.officer_id, "roles": tokens(r.value for r in officer.roles),
            "active": officer.active, "clearance": officer.clearance.value,
            "view": officer_view(officer)}


def destruction_entry(listing: DestructionList) -> dict[str, Any]:
    """A destruction list as stored: its committee by officer id (`chair`, `members`), named
    when read."""
    return {
        "destruction_list_id": str(listing.id),
        "year_be": listing.year_be,
        "step": listing.step.value,
        "step_th": listing.step_th,
        "items": [str(i) for i in listing.items],
        "items_to_destroy": [str(i) for i in listing.items_to_destroy],
        "committee": listing.committee,
        "chair": listing.chair,
        "members": list(listing.members),
        "kept": [{"document_id": str(document_id), "reason": kept.reason,
                  "retention_class": kept.retention_class, "decided_by": kept.marked_by}
                 for document_id, kept in listing.kept.items()],
        "destroyed_items": [str(i) for i in listing.destroyed_items],
        "destroy_allowed_from": listing.destroy_allowed_from,
        "version": listing.version,
    }


def destruction_row(listing: DestructionList) -> dict[str, Any]:
    return {"year_be": listing.year_be, "step": listing.step.value,
            "view": destruction_entry(listing)}


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


# Fields that are moments or days, whichever list they come from: a stored line holds them as
# ISO text, a form shows them in Thai with the Buddhist era.
MOMENT_FIELDS = frozenset({
    "received_at", "dispatched_at", "filed_at", "destroyed_at", "step_since", "borrowed_at",
    "responded_at", "starts_at", "assigned_at", "held_at", "notified_at", "published_at",
    "captured_at", "drafted_at", "withdrawn_at", "since"})
DATE_FIELDS = frozenset({"sender_doc_date", "due", "retention_expires_on", "loan_due",
                         "destroy_allowed_from"})


def typed(key: str, value: Any) -> Any:
    """A stored value back as the moment or day it is (other values as they are)."""
    if isinstance(value, str) and value:
        if key in MOMENT_FIELDS:
            return datetime.fromisoformat(value)
        if key in DATE_FIELDS:
            return date.fromisoformat(value)
    return value


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
    row = {k: typed(k, v) for k, v in row.items()}
    return {
        **{k: _thai(v) for k, v in row.items()},
        "doc_type": DOCUMENT_TYPE_TH.get(DocumentType(row["doc_type"]), "") if row.get("doc_type") else "",
        "urgency": URGENCY_TH.get(Urgency(row["urgency"]), "") if row.get("urgency") else "",
        "secrecy": SECRECY_TH.get(Secrecy(row["secrecy"]), "") if row.get("secrecy") else "",
        "remark": _remark(row),
        "from": office_name,
    }


def register_csv(rows: Iterable[dict[str, Any]], columns: tuple[tuple[str, str], ...],
                 office_name: str = "") -> str:
    """CSV with Thai headings (`shared.csvfile`: Excel shows the Thai, no cell runs as a formula)."""
    return "".join(register_lines(rows, columns, office_name))


def register_lines(rows: Iterable[dict[str, Any]], columns: tuple[tuple[str, str], ...],
                   office_name: str = "") -> Iterator[str]:
    """The same file a line at a time, as `rows` come: an export of a whole register streams."""
    thai_rows = (thai_register_row(row, office_name) for row in rows)
    return csv_lines([heading for _, heading in columns],
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


# One row per incoming document: how long each stage took (hours; NULL until it is reached),
# whether its work is overdue (by its due date) and whether a draft was ever returned.
ROUTING_LISTING_COLUMNS = {"year_be": "int", **{key: "real" for key, *_ in ROUTING_STAGES},
                           "action_due": "text", "returned": "bool"}


def routing_row(document: Document) -> dict[str, Any] | None:
    if document.receipt_year_be is None or document.received_at is None:
        return None
    times = {"received": document.received_at, **document.first_at}
    hours = {key: (times[end] - times[start]).total_seconds() / 3600
             if start in times and end in times else None
             for key, _, start, end in ROUTING_STAGES}
    return {"year_be": document.receipt_year_be, **hours,
            "action_due": day(document.action_due),
            "returned": "ReturnedForRevision" in document.first_at, "view": {}}


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


def routing_report(year_be: int, rows: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """Counts and stage durations (hours) for the documents received in `year_be` (their rows of
    the routing listing)."""
    durations: dict[str, list[float]] = {
        key: [row[key] for row in rows if row[key] is not None] for key, *_ in ROUTING_STAGES}
    overdue = sum(1 for row in rows if row["action_due"] is not None
                  and row["action_due"] < today.isoformat())
    returned = sum(1 for row in rows if row["returned"])
    return {
        "year_be": year_be,
        "documents": len(rows),
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

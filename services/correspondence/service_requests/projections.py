"""Read models of coordination and service (procedure 2): the request register and the periodic
summary of the group's service (the manual's step 5.4), in Thai for JSON and CSV.

The requests are listed in the service's own database (`request_row`: a row per request, by when
it was received); this module says what a row keeps and lays the rows out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from services.correspondence.projections import day, moment
from services.correspondence.service_requests.domain import (
    CHANNEL_TH,
    REQUEST_STEP_TH,
    REQUESTER_KIND_TH,
    SATISFACTION_SCALE,
    SATISFACTION_TH,
    RequesterKind,
    RequestStep,
    ServiceRequest,
)
from shared.thaitime import bangkok_date, format_thai_date, format_thai_duration

REQUEST_LISTING_COLUMNS = {"received_at": "text", "received_on": "text", "step": "text",
                           "holder": "text", "officer_id": "text", "open_due": "text"}
REQUEST_LISTING_INDEXES = (("received_on", "received_at"), ("step", "received_at"),
                           ("open_due",))


def request_entry(request: ServiceRequest) -> dict[str, Any]:
    """A request as the register shows it, but for what is read when asked: the officer's name
    and whether it is overdue today (`_open_due`: its due date while it is open)."""
    hours = request.response_hours
    return {
        "service_request_id": str(request.id),
        "version": request.version,
        "requester_kind": request.requester_kind.value,
        "requester_kind_th": REQUESTER_KIND_TH[request.requester_kind],
        "requester_name": request.requester_name,
        "contact": request.contact,
        "channel": request.channel.value,
        "channel_th": CHANNEL_TH[request.channel],
        "subject": request.subject,
        "details": request.details,
        "received_at": request.received_at,
        "logged_by": request.logged_by,
        "step": request.step.value,
        "step_th": request.step_th,
        "holder": request.holder,
        "step_since": request.step_since,
        "officer_id": request.officer_id,
        "due": request.due,
        "response": request.response,
        "responded_at": request.responded_at,
        "response_hours": round(hours, 2) if hours is not None else None,
        "response_time_th": format_thai_duration(hours) if hours is not None else None,
        "satisfaction": request.satisfaction,
        "satisfaction_th": SATISFACTION_TH.get(request.satisfaction or 0),
        "satisfaction_comment": request.satisfaction_comment,
        "_hours": hours,
        "_open_due": day(None if request.closed else request.due),
    }


def request_row(request: ServiceRequest) -> dict[str, Any]:
    return {"received_at": moment(request.received_at),
            "received_on": bangkok_date(request.received_at).isoformat(),
            "step": request.step.value, "holder": request.holder,
            "officer_id": request.officer_id,
            "open_due": day(None if request.closed else request.due),
            "view": request_entry(request)}


def request_view(entry: dict[str, Any], names: dict[str, str], today: date) -> dict[str, Any]:
    """A stored request as read today: its officer named, overdue or not."""
    view = {k: v for k, v in entry.items() if not k.startswith("_")}
    view["officer_name_th"] = names.get(entry["officer_id"] or "")
    view["overdue"] = entry["_open_due"] is not None and entry["_open_due"] < today.isoformat()
    return view

# ทะเบียนคำขอรับบริการ
REQUEST_COLUMNS = (
    ("received_at", "วันเวลาที่รับ"),
    ("requester_kind_th", "ประเภทผู้รับบริการ"),
    ("requester_name", "ชื่อผู้ขอรับบริการ"),
    ("contact", "ช่องทางติดต่อกลับ"),
    ("channel_th", "ช่องทางที่รับเรื่อง"),
    ("subject", "เรื่อง"),
    ("officer_name_th", "ผู้รับผิดชอบ"),
    ("step_th", "สถานะ"),
    ("responded_at", "วันเวลาที่ตอบสนอง"),
    ("response_time_th", "ระยะเวลาตอบสนอง"),
    ("satisfaction", "ระดับความพึงพอใจ"),
    ("satisfaction_th", "ความพึงพอใจ"),
)

# สรุปผลการประสานงานและให้บริการ: one line per figure
SUMMARY_COLUMNS = (
    ("section", "หมวด"),
    ("item", "รายการ"),
    ("value", "ค่า"),
)


def _hours(values: Sequence[float], pick: Any) -> dict[str, Any]:
    if not values:
        return {"hours": None, "th": None}
    value = pick(values)
    return {"hours": round(value, 2), "th": format_thai_duration(value)}


def service_summary(requests: Sequence[dict[str, Any]], start: date, end: date) -> dict[str, Any]:
    """Counts by requester kind and status, response times, and satisfaction for the period
    (the requests' stored entries, `request_entry`)."""
    kinds = Counter(RequesterKind(r["requester_kind"]) for r in requests)
    steps = Counter(RequestStep(r["step"]) for r in requests)
    hours = [h for r in requests if (h := r["_hours"]) is not None]
    scores = [r["satisfaction"] for r in requests if r["satisfaction"] is not None]
    distribution = Counter(scores)
    average = round(sum(scores) / len(scores), 2) if scores else None
    median = _hours(hours, statistics.median)
    mean = _hours(hours, statistics.fmean)
    return {
        "period": {"from": start, "to": end, "from_th": format_thai_date(start, full=True),
                   "to_th": format_thai_date(end, full=True)},
        "total": len(requests),
        "by_requester_kind": [
            {"requester_kind": kind.value, "requester_kind_th": REQUESTER_KIND_TH[kind],
             "count": kinds[kind]} for kind in RequesterKind],
        "by_status": [
            {"step": step.value, "step_th": REQUEST_STEP_TH[step], "count": steps[step]}
            for step in RequestStep],
        "response_time": {
            "responded": len(hours),
            "median_hours": median["hours"], "median_th": median["th"],
            "average_hours": mean["hours"], "average_th": mean["th"],
        },
        "satisfaction": {
            "rated": len(scores),
            "average": average,
            "average_th": SATISFACTION_TH[int(average + 0.5)] if average is not None else None,
            "satisfied_percent": (round(100 * sum(s >= 4 for s in scores) / len(scores), 1)
                                  if scores else None),
            "distribution": [
                {"score": score, "score_th": SATISFACTION_TH[score], "count": distribution[score]}
                for score in reversed(SATISFACTION_SCALE)],
        },
    }


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as the lines of a Thai spreadsheet: section, item, value."""
    period = report["period"]
    rows: list[dict[str, Any]] = [
        {"section": "ช่วงเวลา", "item": "ตั้งแต่", "value": period["from_th"]},
        {"section": "ช่วงเวลา", "item": "ถึง", "value": period["to_th"]},
        {"section": "ภาพรวม", "item": "จำนวนคำขอทั้งหมด", "value": report["total"]},
    ]
    rows += [{"section": "ประเภทผู้รับบริการ", "item": k["requester_kind_th"], "value": k["count"]}
             for k in report["by_requester_kind"]]
    rows += [{"section": "สถานะ", "item": s["step_th"], "value": s["count"]}
             for s in report["by_status"]]
    times = report["response_time"]
    rows += [
        {"section": "ระยะเวลาตอบสนอง", "item": "จำนวนคำขอที่ตอบสนองแล้ว", "value": times["responded"]},
        {"section": "ระยะเวลาตอบสนอง", "item": "ค่ามัธยฐาน", "value": times["median_th"] or "-"},
        {"section": "ระยะเวลาตอบสนอง", "item": "ค่าเฉลี่ย", "value": times["average_th"] or "-"},
    ]
    satisfaction = report["satisfaction"]
    average = satisfaction["average"]
    rows += [
        {"section": "ความพึงพอใจ", "item": "จำนวนผู้ประเมิน", "value": satisfaction["rated"]},
        {"section": "ความพึงพอใจ", "item": "คะแนนเฉลี่ย (เต็ม 5)",
         "value": f"{average:.2f} ({satisfaction['average_th']})" if average is not None else "-"},
    ]
    rows += [{"section": "ความพึงพอใจ", "item": f"ระดับ {d['score']} ({d['score_th']})",
              "value": d["count"]} for d in satisfaction["distribution"]]
    return rows

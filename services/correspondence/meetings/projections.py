"""Read models of internal meetings (procedure 3): the meeting register and the follow-up list of
action items, listed in the service's own database (`meeting_row`, `action_item_row`: a row each,
the people by officer id, named when read), and laid out in Thai for JSON and CSV
(`services.correspondence.projections.register_lines` writes the file).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from services.correspondence.meetings.domain import AGENDA_STATUS_TH, ActionItem, Meeting
from services.correspondence.projections import day, moment, year_be_of

MEETING_LISTING_COLUMNS = {"starts_at": "text", "step": "text", "holder": "text",
                           "year_be": "int"}
MEETING_LISTING_INDEXES = (("starts_at",), ("year_be", "starts_at"), ("step", "starts_at"))
ACTION_LISTING_COLUMNS = {"meeting_id": "text", "due": "text", "title": "text",
                          "closed": "bool", "owner_id": "text", "step": "text"}
ACTION_LISTING_INDEXES = (("due", "title"), ("closed", "due", "title"), ("meeting_id",),
                          ("owner_id", "due"))


def meeting_entry(m: Meeting) -> dict[str, Any]:
    """The meeting as stored: its people by officer id, its minutes by document id."""
    return {
        "meeting_id": str(m.id),
        "version": m.version,
        "title": m.title,
        "starts_at": m.starts_at,
        "place": m.place,
        "chair_id": m.chair_id,
        "organiser_id": m.organiser_id,
        "step": m.step.value,
        "step_th": m.step_th,
        "holder": m.holder,
        "step_since": m.step_since,
        "agenda": [
            {"item_no": i.item_no, "title": i.title, "details": i.details,
             "proposed_by": i.proposed_by, "status": i.status.value,
             "status_th": AGENDA_STATUS_TH[i.status], "decided_by": i.decided_by,
             "reason": i.reason} for i in m.agenda],
        "participants": list(m.participants),
        "notified_at": m.notified_at,
        "attendees": list(m.attendees),
        "held_at": m.held_at,
        "minutes_document_id": str(m.minutes_document_id) if m.minutes_document_id else None,
        "recipients": list(m.recipients),
    }


def meeting_row(m: Meeting) -> dict[str, Any]:
    return {"starts_at": moment(m.starts_at), "step": m.step.value, "holder": m.holder,
            "year_be": year_be_of(m.starts_at), "view": meeting_entry(m)}


def meeting_people(entry: dict[str, Any]) -> list[str]:
    return [entry["chair_id"], *entry["participants"], *entry["attendees"], *entry["recipients"]]


def meeting_view(entry: dict[str, Any], names: dict[str, str], minutes: dict[str, Any] | None,
                 action_items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A stored meeting as read: its people named, where its minutes stand (`minutes`: the
    minutes document's register line), its action items."""

    def people(officer_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [{"officer_id": i, "name_th": names.get(i)} for i in officer_ids]

    return {
        **entry,
        "chair_name_th": names.get(entry["chair_id"]),
        "participants": people(entry["participants"]),
        "attendees": people(entry["attendees"]),
        "recipients": people(entry["recipients"]),
        "minutes_step": minutes["step"] if minutes else None,
        "minutes_step_th": minutes["step_th"] if minutes else None,
        "minutes_outgoing_no": minutes["outgoing_no"] if minutes else None,
        "action_items": list(action_items),
    }


def action_item_entry(a: ActionItem) -> dict[str, Any]:
    return {
        "action_item_id": str(a.id),
        "version": a.version,
        "meeting_id": str(a.meeting_id),
        "meeting_title": a.meeting_title,
        "title": a.title,
        "owner_id": a.owner_id,
        "due": a.due,
        "step": a.step.value,
        "step_th": a.step_th,
        "closed": a.closed,
        "assigned_by": a.assigned_by,
        "assigned_at": a.assigned_at,
        "result": a.result,
        "closed_by": a.closed_by,
    }


def action_item_row(a: ActionItem) -> dict[str, Any]:
    return {"meeting_id": str(a.meeting_id), "due": day(a.due), "title": a.title,
            "closed": a.closed, "owner_id": a.owner_id, "step": a.step.value,
            "view": action_item_entry(a)}


def action_item_view(entry: dict[str, Any], names: dict[str, str], today: date) -> dict[str, Any]:
    """A stored action item as read today: its owner named, overdue or not
    (`ActionItem.is_overdue`)."""
    due = entry["due"] if isinstance(entry["due"], str) else entry["due"].isoformat()
    return {**entry, "owner_name_th": names.get(entry["owner_id"]),
            "overdue": not entry["closed"] and today.isoformat() > due}

# ทะเบียนการประชุม
MEETING_COLUMNS = (
    ("starts_at", "วันเวลาประชุม"),
    ("title", "เรื่อง"),
    ("place", "สถานที่"),
    ("chair_name_th", "ประธาน"),
    ("agenda_count", "จำนวนระเบียบวาระ"),
    ("attendee_count", "จำนวนผู้เข้าประชุม"),
    ("minutes_outgoing_no", "เลขที่รายงานการประชุม"),
    ("step_th", "สถานะ"),
    ("open_action_items", "งานตามมติที่ยังไม่เสร็จ"),
)

# ทะเบียนติดตามงานตามมติที่ประชุม
ACTION_ITEM_COLUMNS = (
    ("meeting_title", "การประชุม"),
    ("title", "งานที่ต้องดำเนินการ"),
    ("owner_name_th", "ผู้รับผิดชอบ"),
    ("due", "กำหนดเสร็จ"),
    ("step_th", "สถานะ"),
    ("overdue_th", "เกินกำหนด"),
    ("result", "ผลการดำเนินการ"),
)


def meeting_register_row(view: dict[str, Any]) -> dict[str, Any]:
    """A meeting's line of the register, from its view."""
    return {
        **view,
        "agenda_count": sum(1 for i in view["agenda"] if i["status"] == "approved"),
        "attendee_count": len(view["attendees"]),
        "open_action_items": sum(1 for a in view["action_items"] if not a["closed"]),
    }


def action_item_line(view: dict[str, Any]) -> dict[str, Any]:
    """An action item's line of the follow-up register, from its view."""
    return {**view, "overdue_th": "เกินกำหนด" if view["overdue"] else ""}

"""Read models of internal meetings (procedure 3): the meeting register and the follow-up list of
action items, laid out in Thai for JSON and CSV (`services.correspondence.projections.register_csv`
writes the file). The meetings and action items are followed by `AggregateIndex`es built by the
feature's application.
"""

from __future__ import annotations

from typing import Any

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


def action_item_row(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "overdue_th": "เกินกำหนด" if view["overdue"] else ""}

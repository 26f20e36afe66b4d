"""A meeting's action item crosses services: correspondence → NATS JetStream → monitoring, where it
is a case held by its owner with its due date, raised when the date passes, and closed when done.

Real nats-server, the services as real processes (real clocks), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import httpx

from shared.testing import read_feed


def test_an_action_item_is_a_case_in_monitoring_and_its_passed_due_date_is_raised(system) -> None:
    saraban = system.saraban
    saraban.hire_staff()
    meeting = saraban.post("/meetings", "off-1", {
        "title": "ประชุมติดตามการเบิกจ่ายงบประมาณ", "starts_at": "2026-11-20T13:30:00+07:00",
        "place": "ห้องประชุมกลุ่มนโยบายและแผน", "chair_id": "dir-1"})
    path = f"/meetings/{meeting['meeting_id']}"
    saraban.step(path, "agenda-items", "off-1", {"title": "ผลการเบิกจ่ายไตรมาส 1"})
    saraban.step(path, "agenda-items/approve", "dir-1", {"item_no": 1})
    saraban.step(path, "notify", "off-1", {"participant_ids": ["off-1"]})
    saraban.step(path, "hold", "dir-1", {"attendee_ids": ["dir-1", "off-1"],
                                         "held_at": "2026-11-20T13:30:00+07:00"})
    item = saraban.post(f"{path}/action-items", "dir-1", {
        "title": "จัดทำรายงานผลการเบิกจ่ายเสนอผู้อำนวยการ", "owner_id": "off-1",
        "due_date": "2026-11-25"})
    item_id = item["action_item_id"]

    feed = f"{system.monitoring.url}/feed"
    events = read_feed(feed, until=lambda evs: any(
        e.data["subject"] == item_id and e.data["type"] == "monitoring.case.overdue" for e in evs))
    shown = [e for e in events if e.data["subject"] == item_id]
    assert [e.data["type"] for e in shown] == ["correspondence.action_item.assigned",
                                               "monitoring.case.overdue"]
    assigned = shown[0].data
    assert assigned["title"] == "จัดทำรายงานผลการเบิกจ่ายเสนอผู้อำนวยการ"
    assert (assigned["holder"], assigned["holder_th"]) == ("off-1", "นายสมชาย รักงาน")
    assert assigned["step_th"] == "อยู่ระหว่างดำเนินการตามมติที่ประชุม"
    assert shown[1].data["overdue"] is True

    monitoring = system.monitoring.url
    auth = system.monitoring.auth
    case = httpx.get(f"{monitoring}/cases/by-subject/correspondence/{item_id}", auth=auth).json()
    assert (case["procedure"], case["case_type"], case["holder"], case["due"]) == (
        3, "action_item", "off-1", "2026-11-25")
    assert case["overdue"] is True and case["closed"] is False
    overdue = httpx.get(f"{monitoring}/cases", params={"procedure": 3, "overdue": True},
                        auth=auth).json()["items"]
    assert item_id in [c["subject"] for c in overdue]
    # The meeting is a case of its own, held by its organiser now that it took place.
    meeting_case = httpx.get(
        f"{monitoring}/cases/by-subject/correspondence/{meeting['meeting_id']}", auth=auth).json()
    assert (meeting_case["case_type"], meeting_case["step"]) == ("meeting", "held")

    saraban.step(f"/action-items/{item_id}", "close", "off-1", {"result": "เสนอรายงานแล้ว"})
    after = events[-1].id
    read_feed(feed, after=after, until=lambda evs: any(
        e.data["subject"] == item_id and e.data["closed"] for e in evs))
    case = httpx.get(f"{monitoring}/cases/by-subject/correspondence/{item_id}", auth=auth).json()
    assert case["closed"] is True and case["overdue"] is False and case["step"] == "closed"

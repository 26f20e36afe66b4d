"""A document's life crosses services: correspondence → NATS JetStream → monitoring → live feed.

Real nats-server, the services as real processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from shared.testing import read_feed


def test_a_registered_document_appears_on_the_monitoring_feed(system) -> None:
    saraban = system.saraban
    saraban.hire_staff()
    doc = saraban.register(subject="ขอเชิญประชุมผู้บริหารสถานศึกษา")

    events = read_feed(f"{system.monitoring.url}/feed",
                       until=lambda evs: any(e.data["subject"] == doc["document_id"] for e in evs))
    shown = next(e for e in events if e.data["subject"] == doc["document_id"])
    assert shown.event == "status"
    assert shown.data["type"] == "correspondence.document.registered"
    assert shown.data["title"] == "ขอเชิญประชุมผู้บริหารสถานศึกษา"
    assert shown.data["step"] == "registered" and shown.data["step_th"] == "ลงทะเบียนรับแล้ว"
    assert shown.data["holder"] == "group_director"
    assert shown.data["holder_th"] == "ผู้อำนวยการกลุ่ม"
    assert shown.data["actor"] == "clerk-1"


def test_the_whole_saraban_path_is_visible_in_monitoring(system) -> None:
    saraban = system.saraban
    saraban.hire_staff()
    doc = saraban.register()
    final = saraban.whole_path(doc["document_id"])
    assert final["step"] == "filed" and final["outgoing_no"].startswith("ที่ ศธ ")

    events = read_feed(f"{system.monitoring.url}/feed", until=lambda evs: any(
        e.data["subject"] == doc["document_id"] and e.data["step"] == "filed" for e in evs))
    steps = [e.data["step"] for e in events if e.data["subject"] == doc["document_id"]]
    assigned = next(e for e in events if e.data["subject"] == doc["document_id"]
                    and e.data["step"] == "assigned")
    assert (assigned.data["holder"], assigned.data["holder_th"]) == ("off-1", "นายสมชาย รักงาน")
    assert steps == ["registered", "assigned", "drafted", "in_check", "revising", "drafted",
                     "in_check", "awaiting_signature", "signed", "dispatched", "filed"]

    monitoring = system.monitoring.client()
    case = monitoring.get(f"/cases/by-subject/correspondence/{doc['document_id']}").json()
    assert case["step"] == "filed" and case["closed"] is True
    history = monitoring.get(f"/cases/{case['case_id']}/history").json()["items"]
    assert [h["event_type"].rsplit(".", 1)[1] for h in history] == [
        "registered", "assigned", "drafted", "draft_submitted", "returned_for_revision", "drafted",
        "draft_submitted", "draft_approved", "signed", "dispatched", "filed"]
    assert [h["actor"] for h in history][:3] == ["clerk-1", "dir-1", "off-1"]
    # The trace started by each HTTP request travels with its event.
    assert all(h["trace_id"] for h in history)


def test_a_passed_due_date_is_raised_on_the_feed(system) -> None:
    saraban = system.saraban
    saraban.hire_staff()
    doc = saraban.post("/documents/incoming", "clerk-1", {
        "received_at": "2026-11-20T09:30:00+07:00", "sender": "จังหวัดขอนแก่น",
        "subject": "ขอรายงานด่วน", "sender_doc_date": "2026-11-19"})
    saraban.step(f"/documents/{doc['document_id']}", "assign", "dir-1",
                 {"officer_id": "off-1", "due_date": "2026-11-21"})

    events = read_feed(f"{system.monitoring.url}/feed", until=lambda evs: any(
        e.data["type"] == "monitoring.case.overdue" for e in evs))
    raised = [e for e in events if e.data["type"] == "monitoring.case.overdue"]
    assert [e.data["subject"] for e in raised] == [doc["document_id"]]
    assert raised[0].data["overdue"] is True and raised[0].data["holder"] == "off-1"

"""An equivocation or integrity alarm (`esa.audit.<service>.alarm`, raised by a witness or by the
service itself) read as a case, in the one envelope every consumer reads: whoever follows cases
(monitoring's board and dashboard, the central office) shows it like any other, with both heads
and the finding as its data. The case is the alarmed service's integrity; it opens at the first
alarm and each further alarm is an event of it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

import orjson

from contracts.envelope import AnyEnvelope, CaseStatus
from shared.thaitime import bangkok_date

ALARM_EVENT_TYPE = "audit.integrity.alarm_raised"
# Procedure 14 of the manual (monitoring and supervision): the office's own records in question.
PROCEDURE = 14


def alarm_case_id(service: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"esa:audit-integrity:{service}"))


def alarm_envelope(data: bytes, sequence: int) -> AnyEnvelope:
    """The alarm as a contract event of the case `alarm_case_id(service)`; `sequence` is its
    place on the audit stream (so each alarm is one event, in order)."""
    alarm = orjson.loads(data)
    service = str(alarm["service"])
    raised_by = str(alarm.get("raised_by") or service)
    at = alarm.get("raised_at") or alarm.get("since") or datetime.now(UTC).isoformat()
    kind = str(alarm.get("alarm") or alarm.get("reason") or "alarm")
    return AnyEnvelope(
        id=f"audit:{alarm_case_id(service)}:{sequence}", type=ALARM_EVENT_TYPE, source="audit",
        subject=alarm_case_id(service), time=at, sequence=sequence, actor=raised_by,
        status=CaseStatus(
            procedure=PROCEDURE, case_type="audit_integrity",
            title=f"ประวัติการบันทึกของบริการ {service} ไม่ตรงกับที่ลงนามรับรอง ({kind})",
            step="alarm_raised", step_th="พบความไม่สอดคล้องของบันทึก รอผู้บริหารตรวจสอบ",
            holder="esa_director", holder_th="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", since=at,
            due=bangkok_date(datetime.fromisoformat(at))),  # to be examined the same day
        data=alarm)

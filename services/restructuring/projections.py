"""Read models of the restructuring service: the registry as it stood on a day, the cases, and the
small-school report, as JSON rows and Thai CSV.

The schools and cases are followed from the notification log by `shared.projection.AggregateIndex`
(built by the application); a school's state on any day is the aggregate's own
(`School.state_on`), so these views never fold events themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from contracts.restructuring.v1 import SchoolStatus
from services.restructuring.domain import (
    CASE_TYPE_TH,
    LEVEL_TH,
    SIZE_BAND_TH,
    STATUS_TH,
    EnrolmentSnapshot,
    RestructuringCase,
    School,
    SchoolState,
    levels_th,
    pupils_by_level,
)
from shared.csvfile import csv_text
from shared.thaitime import format_thai_date

# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------


def snapshot_view(snapshot: EnrolmentSnapshot) -> dict[str, Any]:
    band = snapshot.size_band
    return {
        "snapshot_date": snapshot.snapshot_date,
        "snapshot_date_th": format_thai_date(snapshot.snapshot_date, full=True),
        "academic_year_be": snapshot.academic_year_be,
        "term": snapshot.term,
        "pupils_by_grade": snapshot.pupils_by_grade,
        "pupils_by_level": {level.value: n for level, n in snapshot.pupils_by_level.items()},
        "total": snapshot.total,
        "size_band": band.value if band else None,
        "small_school": snapshot.small_school,
    }


def status_th(state: SchoolState) -> str:
    """`เปิดสอน`, or the closure in words: into which school, to which authority, from when."""
    closure = state.closure
    if closure is None:
        return STATUS_TH[SchoolStatus.open]
    since = f"(มีผลตั้งแต่ {format_thai_date(closure.effective_date)})"
    if closure.status == SchoolStatus.merged:
        return f"ยุบรวมเข้ากับโรงเรียนรหัส {closure.into_code} {since}"
    if closure.status == SchoolStatus.transferred:
        return f"โอนไปสังกัด{closure.to_authority} {since}"
    return f"{STATUS_TH[closure.status]} {since}"


def school_row(school: School, day: date) -> dict[str, Any]:
    """The registry's line for `school` as it stood on `day`."""
    state = school.state_on(day)
    snapshot = state.latest_snapshot
    band = state.size_band
    closure = school.closure
    by_level = pupils_by_level(state.pupils_by_grade or {})
    return {
        "school_id": str(school.id),
        "school_code": school.code,
        "name_th": school.name_th,
        "name_en": school.name_en,
        "district": school.district,
        "subdistrict": school.subdistrict,
        "as_of": day,
        "established_on": school.established_on,
        "levels": [level.value for level in state.levels],
        "levels_th": levels_th(state.levels),
        "status": state.status.value,
        "status_th": status_th(state),
        "merged_into": state.closure.into_code if state.closure else None,
        "transferred_to": state.closure.to_authority if state.closure else None,
        "closed_on": state.closure.effective_date if state.closure else None,
        # A closure decided with an effective date still to come (on `day`).
        "closure_scheduled": (
            {"status": closure.status.value, "effective_date": closure.effective_date,
             "into_school_code": closure.into_code, "to_authority": closure.to_authority}
            if closure is not None and state.closure is None else None),
        "latest_snapshot_date": snapshot.snapshot_date if snapshot else None,
        "latest_snapshot_total": snapshot.total if snapshot else None,
        "pupils": state.pupils,
        "pupils_by_grade": state.pupils_by_grade,
        "pupils_by_level": {level.value: n for level, n in by_level.items()},
        "size_band": band.value if band else None,
        "size_band_th": SIZE_BAND_TH[band] if band else None,
        "small_school": state.small_school,
        "version": school.version,
    }


REGISTRY_COLUMNS = (
    ("school_code", "รหัสโรงเรียน"),
    ("name_th", "ชื่อโรงเรียน"),
    ("name_en", "ชื่อภาษาอังกฤษ"),
    ("district", "อำเภอ"),
    ("subdistrict", "ตำบล"),
    ("levels_th", "ระดับที่เปิดสอน"),
    ("status_th", "สถานะ"),
    ("pupils", "จำนวนนักเรียน"),
    ("latest_snapshot_date", "ข้อมูล DMC ณ วันที่"),
    ("size_band_th", "ขนาดโรงเรียน"),
    ("small_school", "โรงเรียนขนาดเล็ก"),
)


def _thai(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "ใช่"
    if value is False:
        return "ไม่ใช่"
    if isinstance(value, date):
        return format_thai_date(value)
    return str(value)


def registry_csv(rows: list[dict[str, Any]], day: date) -> str:
    return csv_text(
        [heading for _, heading in REGISTRY_COLUMNS],
        ([_thai(row[key]) for key, _ in REGISTRY_COLUMNS] for row in rows),
        preamble=[[f"ทะเบียนสถานศึกษา ข้อมูล ณ วันที่ {format_thai_date(day, full=True)}"]],
    )


# --------------------------------------------------------------------------------------------------
# Small schools and merger candidates
# --------------------------------------------------------------------------------------------------

CRITERION_TH = (
    "โรงเรียนขนาดเล็ก คือ โรงเรียนที่เปิดสอนและมีนักเรียนไม่เกิน 120 คน ตามข้อมูลนักเรียน DMC ครั้งล่าสุด "
    "(10 มิถุนายน หรือ 10 พฤศจิกายน) ก่อนวันที่ของรายงาน รวมนักเรียนที่ย้ายมาจากการยุบรวมหลังวันเก็บข้อมูลนั้น; "
    "โรงเรียนที่ควรพิจารณายุบรวม คือ โรงเรียนขนาดเล็กที่มีโรงเรียนซึ่งเปิดสอนและไม่ใช่โรงเรียนขนาดเล็ก "
    "อยู่ในตำบลเดียวกัน หรือถ้าในตำบลไม่มี อยู่ในอำเภอเดียวกัน ซึ่งอาจรับนักเรียนได้ "
    "รายงานนี้เป็นข้อมูลเบื้องต้นเพื่อประกอบการศึกษา การยุบรวมต้องศึกษาการเข้าถึงและระยะทาง "
    "และรับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชนตามระเบียบกระทรวงศึกษาธิการฯ พ.ศ. 2550"
)
CRITERION_EN = (
    "A small school is an open school with 120 pupils or fewer in its latest DMC snapshot "
    "(10 June or 10 November) up to the report's date, counting pupils who joined from merged "
    "schools since. A merger candidate is a small school with an open school that is not small in "
    "the same subdistrict, or failing that in the same district, that could receive its pupils. "
    "This is a first screening for the study: a merger still needs the access and distance study "
    "and the hearing of the school board and community under the BE 2550 regulation."
)
RECEIVING_OPTIONS_SHOWN = 5


def small_schools_report(schools: Iterable[School], day: date) -> dict[str, Any]:
    open_schools = []
    for school in schools:
        state = school.state_on(day)
        if state.exists and state.status == SchoolStatus.open:
            open_schools.append((school, state))
    known = [(s, st) for s, st in open_schools if st.pupils is not None]
    receivers = [(s, st) for s, st in known if not st.small_school]
    entries = []
    for school, state in sorted(known, key=lambda p: (p[0].district, p[0].subdistrict, p[0].code)):
        if not state.small_school:
            continue
        scope, options = _receiving_options(school, receivers)
        entries.append({
            "school_code": school.code,
            "name_th": school.name_th,
            "district": school.district,
            "subdistrict": school.subdistrict,
            "pupils": state.pupils,
            "latest_snapshot_date": state.latest_snapshot.snapshot_date
            if state.latest_snapshot else None,
            "size_band": state.size_band.value if state.size_band else None,
            "merger_candidate": scope is not None,
            "candidate_scope": scope,
            "receiving_options": options,
            "note_th": "ไม่มีนักเรียน ควรพิจารณาเลิกสถานศึกษา" if state.pupils == 0 else "",
        })
    return {
        "as_of": day,
        "as_of_th": format_thai_date(day, full=True),
        "title_th": "รายงานโรงเรียนขนาดเล็กและโรงเรียนที่ควรพิจารณายุบรวม",
        "criterion_th": CRITERION_TH,
        "criterion_en": CRITERION_EN,
        "open_schools": len(open_schools),
        "schools_without_enrolment": len(open_schools) - len(known),
        "small_schools": len(entries),
        "merger_candidates": sum(1 for e in entries if e["merger_candidate"]),
        "schools": entries,
    }


def _receiving_options(school: School, receivers: list[tuple[School, SchoolState]]
                       ) -> tuple[str | None, list[dict[str, Any]]]:
    """Open schools that are not small, in the same subdistrict, else in the same district."""
    for scope, same in (
        ("subdistrict", lambda o: (o.district, o.subdistrict) == (school.district, school.subdistrict)),
        ("district", lambda o: o.district == school.district),
    ):
        found = [(o, st) for o, st in receivers if o.code != school.code and same(o)]
        if found:
            found.sort(key=lambda p: (-(p[1].pupils or 0), p[0].code))
            return scope, [{"school_code": o.code, "name_th": o.name_th,
                            "subdistrict": o.subdistrict, "pupils": st.pupils}
                           for o, st in found[:RECEIVING_OPTIONS_SHOWN]]
    return None, []


SCOPE_TH = {"subdistrict": "ตำบลเดียวกัน", "district": "อำเภอเดียวกัน", None: ""}
REPORT_HEADINGS = ("รหัสโรงเรียน", "ชื่อโรงเรียน", "อำเภอ", "ตำบล", "จำนวนนักเรียน",
                   "ข้อมูล DMC ณ วันที่", "ควรพิจารณายุบรวม", "โรงเรียนที่อาจรับนักเรียน อยู่ใน",
                   "โรงเรียนที่อาจรับนักเรียน", "หมายเหตุ")


def small_schools_csv(report: dict[str, Any]) -> str:
    rows = (
        [e["school_code"], e["name_th"], e["district"], e["subdistrict"], e["pupils"],
         _thai(e["latest_snapshot_date"]), _thai(e["merger_candidate"]),
         SCOPE_TH[e["candidate_scope"]],
         "; ".join(f"{o['name_th']} ({o['pupils']} คน)" for o in e["receiving_options"]),
         e["note_th"]]
        for e in report["schools"]
    )
    return csv_text(REPORT_HEADINGS, rows, preamble=[
        [report["title_th"]],
        [f"ข้อมูล ณ วันที่ {report['as_of_th']}"],
        [f"เกณฑ์: {CRITERION_TH}"],
        [f"โรงเรียนที่เปิดสอน {report['open_schools']} แห่ง; โรงเรียนขนาดเล็ก "
         f"{report['small_schools']} แห่ง; ควรพิจารณายุบรวม {report['merger_candidates']} แห่ง"],
        [],
    ])


# --------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------


def _ref(ref: Any) -> dict[str, Any]:
    return {"school_id": str(ref.school_id), "school_code": ref.code, "name_th": ref.name_th}


def case_view(case: RestructuringCase) -> dict[str, Any]:
    new = case.new_school
    return {
        "case_id": str(case.id),
        "case_type": case.case_type.value,
        "case_type_th": CASE_TYPE_TH[case.case_type],
        "title_th": case.title_th,
        "regulation_th": case.regulation_th,
        "step": case.step.value,
        "step_th": case.step_th,
        "holder": case.holder,
        "holder_th": case.holder_th,
        "since": case.step_since,
        "closed": case.closed,
        "officer_id": case.officer_id,
        "schools": [_ref(r) for r in case.schools],
        "receiving_school": _ref(case.receiving) if case.receiving else None,
        "new_school": {"school_code": new.code, **new.details.model_dump(),
                       "levels": [lv.value for lv in new.levels]} if new else None,
        "to_authority": case.to_authority,
        "levels_added": [lv.value for lv in case.levels_added],
        "levels_added_th": [LEVEL_TH[lv] for lv in case.levels_added],
        "studies": [s.model_dump(mode="json") for s in case.studies],
        "hearings": [h.model_dump(mode="json") for h in case.hearings],
        "rounds": [
            {"round": r.number, "proposed_on": r.proposed_on, "proposed_by": r.proposed_by,
             "decision": r.decision.model_dump(mode="json") if r.decision else None}
            for r in case.rounds
        ],
        "effective_date": case.effective_date,
        "changed_schools": [_ref(r) for r in case.changed_schools],
        "withdraw_reason": case.withdraw_reason,
        "version": case.version,
    }

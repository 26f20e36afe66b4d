"""Read models of the restructuring service: the registry as it stood on a day, the cases, and the
small-school report, as JSON rows and Thai CSV.

Both are listings in restructuring's own database (`shared.readmodels`, declared by the
application). The registry keeps each school as **periods**: one row for each stretch of days in
which the school stood the same (from its establishment, or from before the registry, to each
effective date that changed it: an enrolment snapshot, pupils joining from a merger, levels added,
its closure), with the days as columns. "The registry on day D" is then an indexed query (the row
whose period holds D), filtered by status, size band or the small-school flag as they were on D,
without loading a school. A school's state in a period is the aggregate's own (`School.state_on`
at the period's first day), so these views never fold events themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
from shared.csvfile import csv_lines
from shared.thaitime import bangkok_date, fiscal_year_be, format_thai_date

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


# The days of a period, as sortable text: before the registry, and not ended.
BEGINNING, FOREVER = date.min.isoformat(), "9999-12-31"


def registry_periods(school: School) -> list[dict[str, Any]]:
    """The `schools` listing's rows of one school: a row per period in which it stood the same,
    each with the registry's line for it (without `as_of`, the day asked about)."""
    changes = set(school.snapshots) | {move.effective_date for move in school.moves_in} \
        | {effective for effective, _ in school.level_changes}
    if school.closure is not None:
        changes.add(school.closure.effective_date)
    first = school.established_on or date.min
    starts = [first, *sorted(day for day in changes if day > first)]
    rows = []
    for since, until in zip(starts, [*starts[1:], None], strict=True):
        view = school_row(school, since)
        del view["as_of"]
        pupils = view["pupils"]
        rows.append({
            "school_code": school.code,
            "district": school.district,
            "subdistrict": school.subdistrict,
            # What people type to find a school: its code, a name, or where it is.
            "search": " ".join(filter(None, (school.code, school.name_th, school.name_en,
                                             school.district, school.subdistrict))),
            "valid_from": since.isoformat(),
            "valid_until": until.isoformat() if until is not None else FOREVER,
            "status": view["status"],
            "size_band": view["size_band"],
            "small": view["small_school"],
            "pupils": pupils,
            # Largest first in ascending order (receiving schools); never NULL.
            "pupils_rank": -pupils if pupils is not None else 1,
            "view": view,
        })
    return rows


REGISTRY_SQL_COLUMNS = {
    "school_code": "text", "district": "text", "subdistrict": "text", "search": "text",
    "valid_from": "text", "valid_until": "text", "status": "text", "size_band": "text",
    "small": "bool", "pupils": "int", "pupils_rank": "int"}
REGISTRY_INDEXES = (("school_code", "valid_from"), ("district", "subdistrict", "school_code"),
                    ("valid_until", "valid_from"))


def on_day(day: date) -> dict[str, Any]:
    """The rows of the schools as they stood on `day` (one per school that existed then)."""
    return {"valid_from__le": day.isoformat(), "valid_until__gt": day.isoformat()}


def as_of(day: date) -> Any:
    """The registry's line of a period, read as of `day`."""
    return lambda view: {**view, "as_of": day}


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


def registry_csv(rows: Iterable[dict[str, Any]], day: date) -> Iterator[str]:
    """The registry on `day` as Thai CSV, a line per school as `rows` (views) come."""
    return csv_lines(
        [heading for _, heading in REGISTRY_COLUMNS],
        ([_thai(_day(row[key]) if key == "latest_snapshot_date" else row[key])
          for key, _ in REGISTRY_COLUMNS] for row in rows),
        preamble=[[f"ทะเบียนสถานศึกษา ข้อมูล ณ วันที่ {format_thai_date(day, full=True)}"]],
    )


def _day(value: Any) -> date | None:
    """A date read back from a stored view (ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


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
RECEIVING_SCOPES = ("subdistrict", "district")  # where receiving schools are looked for, in order
REPORT_ORDER = ("district", "subdistrict", "school_code")


def small_schools_summary(day: date, *, open_schools: int, without_enrolment: int,
                          small_schools: int, merger_candidates: int) -> dict[str, Any]:
    """The report's heading: its day, title, criterion and counts (over the whole registry)."""
    return {
        "as_of": day,
        "as_of_th": format_thai_date(day, full=True),
        "title_th": "รายงานโรงเรียนขนาดเล็กและโรงเรียนที่ควรพิจารณายุบรวม",
        "criterion_th": CRITERION_TH,
        "criterion_en": CRITERION_EN,
        "open_schools": open_schools,
        "schools_without_enrolment": without_enrolment,
        "small_schools": small_schools,
        "merger_candidates": merger_candidates,
    }


def small_school_entry(view: dict[str, Any], scope: str | None,
                       receivers: list[dict[str, Any]]) -> dict[str, Any]:
    """One small school of the report (its registry line on the day), with the open schools that
    are not small in its `scope` (subdistrict, else district), largest first."""
    return {
        "school_code": view["school_code"],
        "name_th": view["name_th"],
        "district": view["district"],
        "subdistrict": view["subdistrict"],
        "pupils": view["pupils"],
        "latest_snapshot_date": view["latest_snapshot_date"],
        "size_band": view["size_band"],
        "merger_candidate": scope is not None,
        "candidate_scope": scope,
        "receiving_options": [{"school_code": r["school_code"], "name_th": r["name_th"],
                               "subdistrict": r["subdistrict"], "pupils": r["pupils"]}
                              for r in receivers],
        "note_th": "ไม่มีนักเรียน ควรพิจารณาเลิกสถานศึกษา" if view["pupils"] == 0 else "",
    }


SCOPE_TH = {"subdistrict": "ตำบลเดียวกัน", "district": "อำเภอเดียวกัน", None: ""}
REPORT_HEADINGS = ("รหัสโรงเรียน", "ชื่อโรงเรียน", "อำเภอ", "ตำบล", "จำนวนนักเรียน",
                   "ข้อมูล DMC ณ วันที่", "ควรพิจารณายุบรวม", "โรงเรียนที่อาจรับนักเรียน อยู่ใน",
                   "โรงเรียนที่อาจรับนักเรียน", "หมายเหตุ")


def small_schools_csv(report: dict[str, Any], entries: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The report as Thai CSV: its heading, then a line per small school as `entries` come."""
    rows = (
        [e["school_code"], e["name_th"], e["district"], e["subdistrict"], e["pupils"],
         _thai(_day(e["latest_snapshot_date"])), _thai(e["merger_candidate"]),
         SCOPE_TH[e["candidate_scope"]],
         "; ".join(f"{o['name_th']} ({o['pupils']} คน)" for o in e["receiving_options"]),
         e["note_th"]]
        for e in entries
    )
    return csv_lines(REPORT_HEADINGS, rows, preamble=[
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


def case_row(case: RestructuringCase) -> dict[str, Any]:
    """A case as the `cases` listing keeps it: what lists filter and sort by, and its view.
    `fiscal_year_be` is the fiscal year (ปีงบประมาณ) in which the case was opened; `schools`
    every school code it names, between commas (one is found by "contains ,<code>,")."""
    codes = [*case.school_codes, *([case.new_school.code] if case.new_school else [])]
    return {
        "case_type": case.case_type.value,
        "step": case.step.value,
        "closed": case.closed,
        "holder": case.holder,
        "fiscal_year_be": fiscal_year_be(bangkok_date(case.opened_at)),
        "schools": f",{','.join(codes)},",
        "title_th": case.title_th,
        "opened_at": case.opened_at,
        "view": case_view(case),
    }


CASE_COLUMNS = {"case_type": "text", "step": "text", "closed": "bool", "holder": "text",
                "fiscal_year_be": "int", "schools": "text", "title_th": "text",
                "opened_at": "text"}
CASE_INDEXES = (("opened_at",), ("case_type", "opened_at"), ("step", "opened_at"),
                ("fiscal_year_be", "opened_at"), ("closed", "opened_at"))


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

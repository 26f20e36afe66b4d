"""School restructuring (procedure 9): the school registry and the cases that change it.

Pure domain model: aggregates decide and record events; the application loads and saves them.
Commands get the moment (`at`) and the Bangkok date (`today`) from the caller: the domain never
reads the clock.

Aggregates:
- `School`: one registry entry (code, names, location, levels taught, status) with its enrolment
  snapshots on the DMC dates (10 June = term 1, 10 November = term 2). Its id is
  `uuid5(NAMESPACE_URL, "school:<code>")`, as the contract says. Everything that changes a school
  has an effective date, so the registry can be shown as it stood on any day (`School.state_on`).
- `RestructuringCase`: establish, merge, dissolve, transfer to another authority, or class
  expansion, through the steps of the Ministry of Education regulation BE 2550 (class expansion
  BE 2553): study → hearing of the school board and community → proposal to the provincial
  committee (กศจ.) → decision (approve / reject / return for revision; every round kept), which
  cites the committee's resolution as registered in correspondence → execution on an effective
  date, which changes the schools in the same transaction. While proposed, the case awaits the
  committee (`awaiting_body`): who may record its decision, and on what evidence, is the decision
  rights' (`services.restructuring.rights`), not the domain's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

# The registry's public vocabulary (grades per level, size bands, statuses, case types) is the
# contract's, so the domain and what budgeting reads can never drift apart.
from contracts.restructuring.v1 import (
    GRADES_BY_LEVEL,
    SMALL_SCHOOL_MAX_PUPILS,
    CaseType,
    SchoolStatus,
    SizeBand,
)
from contracts.vocabulary import ApprovingBody, Decision, RegisteredDocumentRef, SchoolLevel
from shared.domain import Aggregate, Conflict, DomainError, NotFound, event

SCHOOL_CODE_PATTERN = r"^[0-9]{8,10}$"
_SCHOOL_CODE = re.compile(SCHOOL_CODE_PATTERN)

GRADES: tuple[str, ...] = tuple(g for grades in GRADES_BY_LEVEL.values() for g in grades)
LEVEL_OF_GRADE: dict[str, SchoolLevel] = {
    grade: level for level, grades in GRADES_BY_LEVEL.items() for grade in grades
}
GRADE_TH: dict[str, str] = {
    **{f"k{n}": f"อ.{n}" for n in range(1, 4)},
    **{f"p{n}": f"ป.{n}" for n in range(1, 7)},
    **{f"m{n}": f"ม.{n}" for n in range(1, 7)},
}
LEVEL_TH: dict[SchoolLevel, str] = {
    SchoolLevel.kindergarten: "อนุบาล",
    SchoolLevel.primary: "ประถมศึกษา",
    SchoolLevel.lower_secondary: "มัธยมศึกษาตอนต้น",
    SchoolLevel.upper_secondary: "มัธยมศึกษาตอนปลาย",
}
LEVEL_ORDER: tuple[SchoolLevel, ...] = tuple(GRADES_BY_LEVEL)
STATUS_TH: dict[SchoolStatus, str] = {
    SchoolStatus.open: "เปิดสอน",
    SchoolStatus.merged: "ยุบรวมแล้ว",
    SchoolStatus.dissolved: "เลิกแล้ว",
    SchoolStatus.transferred: "โอนไปสังกัดอื่นแล้ว",
}
SIZE_BAND_TH: dict[SizeBand, str] = {
    SizeBand.small: "ขนาดเล็ก (1-120 คน)",
    SizeBand.medium: "ขนาดกลาง (121-600 คน)",
    SizeBand.large: "ขนาดใหญ่ (601-1,500 คน)",
    SizeBand.extra_large: "ขนาดใหญ่พิเศษ (1,501 คนขึ้นไป)",
}
# Upper bound (inclusive) of each band; above the last is extra large.
_SIZE_BANDS = ((SMALL_SCHOOL_MAX_PUPILS, SizeBand.small), (600, SizeBand.medium),
               (1500, SizeBand.large))
# DMC data-collection dates (month, day) → term. Both fall in the academic year that starts in
# May of the same calendar year, so its BE year is the date's.
DMC_DATES: dict[tuple[int, int], int] = {(6, 10): 1, (11, 10): 2}
# More pupils in one grade of one school than this is a typing slip (the largest Thai schools have
# about a thousand per grade), and would not fit the stored integers either.
MAX_PUPILS_PER_GRADE = 10_000


class CaseStep(StrEnum):
    opened = "opened"
    studied = "studied"
    heard = "heard"
    proposed = "proposed"
    returned = "returned"
    rejected = "rejected"
    approved = "approved"
    executed = "executed"
    withdrawn = "withdrawn"


CASE_STEP_TH: dict[CaseStep, str] = {
    CaseStep.opened: "เปิดเรื่อง ศึกษาระเบียบและสภาพปัจจุบัน",
    CaseStep.studied: "ศึกษาสภาพและความต้องการแล้ว รอรับฟังความคิดเห็น",
    CaseStep.heard: "รับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชนแล้ว รอเสนอ กศจ.",
    CaseStep.proposed: "เสนอคณะกรรมการศึกษาธิการจังหวัดพิจารณา",
    CaseStep.returned: "กศจ. ส่งกลับแก้ไข",
    CaseStep.rejected: "กศจ. ไม่เห็นชอบ",
    CaseStep.approved: "กศจ. เห็นชอบ รอดำเนินการ",
    CaseStep.executed: "ดำเนินการแล้ว",
    CaseStep.withdrawn: "ยุติเรื่อง",
}
CLOSED_CASE_STEPS = frozenset({CaseStep.executed, CaseStep.withdrawn})
# Steps in which the responsible officer may study, hear and propose (again).
_WORKING_STEPS = frozenset({CaseStep.opened, CaseStep.studied, CaseStep.heard, CaseStep.returned,
                            CaseStep.rejected})
CASE_TYPE_TH: dict[CaseType, str] = {
    CaseType.establish: "จัดตั้งสถานศึกษา",
    CaseType.merge: "ยุบรวมสถานศึกษา",
    CaseType.dissolve: "เลิกสถานศึกษา",
    CaseType.transfer_school: "โอนสถานศึกษาไปสังกัดอื่น",
    CaseType.class_expansion: "ขยายชั้นเรียน",
}
_REGULATION_2550 = ("ระเบียบกระทรวงศึกษาธิการ ว่าด้วยการจัดตั้ง รวม หรือเลิกสถานศึกษาขั้นพื้นฐาน "
                    "พ.ศ. 2550")
REGULATION_TH: dict[CaseType, str] = {
    CaseType.establish: _REGULATION_2550,
    CaseType.merge: _REGULATION_2550,
    CaseType.dissolve: _REGULATION_2550,
    CaseType.transfer_school: _REGULATION_2550,
    CaseType.class_expansion: "หลักเกณฑ์การขยายชั้นเรียนในสถานศึกษาขั้นพื้นฐาน พ.ศ. 2553",
}
COMMITTEE = ApprovingBody.provincial_committee
COMMITTEE_TH = "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)"


# --------------------------------------------------------------------------------------------------
# Errors (stable kebab-case codes; the API answers them as problem details). Each carries a
# Thai message about this very case (`message_th`), which the import shows per row.
# --------------------------------------------------------------------------------------------------


class RestructuringError(DomainError):
    code = "restructuring-error"
    title_th = "ไม่สามารถดำเนินการได้"
    title_en = "Not allowed"

    def __init__(self, detail: str | None = None, *, message_th: str | None = None,
                 **extra: Any) -> None:
        cls = type(self)
        super().__init__(cls.code, cls.title_th, cls.title_en, detail,
                         message_th=message_th or cls.title_th, **extra)

    @property
    def message_th(self) -> str:
        return str(self.extra["message_th"])

    def as_row_error(self) -> dict[str, Any]:
        return {"code": self.code, "message_th": self.message_th,
                "message_en": self.detail or self.title_en, "field": self.extra.get("field")}


# Input that breaks a rule (422)
class FieldRequired(RestructuringError):
    code = "field-required"
    title_th = "ต้องระบุข้อมูลนี้"
    title_en = "This field is required"


class InvalidSchoolCode(RestructuringError):
    code = "invalid-school-code"
    title_th = "รหัสโรงเรียนต้องเป็นตัวเลข 8-10 หลัก"
    title_en = "A school code is 8 to 10 digits"


class NotADmcDate(RestructuringError):
    code = "not-a-dmc-date"
    title_th = "วันที่เก็บข้อมูลนักเรียนต้องเป็นวันที่ 10 มิถุนายน หรือ 10 พฤศจิกายน (DMC)"
    title_en = "Enrolment is recorded on the DMC dates, 10 June and 10 November"


class TermMismatch(RestructuringError):
    code = "term-mismatch"
    title_th = "ปีการศึกษาหรือภาคเรียนไม่ตรงกับวันที่เก็บข้อมูล"
    title_en = "Academic year or term does not match the snapshot date"


class UnknownGrade(RestructuringError):
    code = "unknown-grade"
    title_th = "ไม่รู้จักชั้นเรียนนี้ (ใช้ อ.1-อ.3 ป.1-ป.6 ม.1-ม.6)"
    title_en = "Unknown grade (use k1-k3, p1-p6, m1-m6)"


class NegativePupils(RestructuringError):
    code = "negative-pupils"
    title_th = "จำนวนนักเรียนต้องเป็นจำนวนเต็มที่ไม่ติดลบ"
    title_en = "Pupil counts are whole numbers, never negative"


class ImplausiblePupils(RestructuringError):
    code = "implausible-pupils"
    title_th = "จำนวนนักเรียนในชั้นเดียวมากเกินกว่าที่เป็นไปได้"
    title_en = "More pupils in one grade than any school has"


class TotalMismatch(RestructuringError):
    code = "total-mismatch"
    title_th = "ยอดรวมนักเรียนไม่ตรงกับผลรวมรายชั้น"
    title_en = "The total differs from the sum of the grades"


class NoGrades(RestructuringError):
    code = "no-grades"
    title_th = "ต้องระบุจำนวนนักเรียนอย่างน้อยหนึ่งชั้น"
    title_en = "Give the pupils of at least one grade"


class SnapshotInFuture(RestructuringError):
    code = "snapshot-in-future"
    title_th = "วันที่เก็บข้อมูลนักเรียนยังมาไม่ถึง"
    title_en = "The snapshot date is in the future"


class NoLevels(RestructuringError):
    code = "no-levels"
    title_th = "ต้องระบุระดับชั้นที่เปิดสอน"
    title_en = "A school teaches at least one level"


class MergeIntoItself(RestructuringError):
    code = "merge-into-itself"
    title_th = "ยุบรวมโรงเรียนเข้ากับตัวเองไม่ได้"
    title_en = "A school cannot be merged into itself"


class LevelsAlreadyTaught(RestructuringError):
    code = "levels-already-taught"
    title_th = "โรงเรียนเปิดสอนระดับชั้นนี้อยู่แล้ว"
    title_en = "The school already teaches these levels"


class ReasonRequired(RestructuringError):
    code = "reason-required"
    title_th = "ต้องระบุเหตุผลเมื่อไม่เห็นชอบหรือส่งกลับแก้ไข"
    title_en = "A rejection or a return needs a reason"


class DateInFuture(RestructuringError):
    code = "date-in-future"
    title_th = "วันที่ต้องไม่เป็นวันในอนาคต"
    title_en = "The date is in the future"


class DecidedBeforeProposed(RestructuringError):
    code = "decided-before-proposed"
    title_th = "วันที่ กศจ. มีมติต้องไม่ก่อนวันที่เสนอเรื่อง"
    title_en = "The decision date is before the proposal"


class ResolutionRequired(RestructuringError):
    code = "resolution-required"
    title_th = "มติ กศจ. ต้องอ้างอิงหนังสือที่ลงทะเบียนในระบบสารบรรณ"
    title_en = "The committee's decision must cite a document registered in correspondence"


class EffectiveBeforeApproval(RestructuringError):
    code = "effective-before-approval"
    title_th = "วันที่มีผลต้องไม่ก่อนวันที่ กศจ. เห็นชอบ"
    title_en = "The effective date is before the approval"


# Does not fit the current state (409)
class SchoolAlreadyRegistered(RestructuringError, Conflict):
    code = "school-already-registered"
    title_th = "มีโรงเรียนรหัสนี้ในทะเบียนแล้ว"
    title_en = "A school with this code is already registered"


class SchoolClosed(RestructuringError, Conflict):
    code = "school-closed"
    title_th = "โรงเรียนนี้ปิดแล้วหรือกำลังจะปิด (ยุบรวม เลิก หรือโอน)"
    title_en = "The school is closed, or its closure is already decided"


class ReceivingSchoolClosed(RestructuringError, Conflict):
    code = "receiving-school-closed"
    title_th = "ยุบรวมเข้ากับโรงเรียนที่ปิดแล้วหรือกำลังจะปิดไม่ได้"
    title_en = "A school cannot be merged into a closed (or closing) school"


class SchoolNotYetEstablished(RestructuringError, Conflict):
    code = "school-not-yet-established"
    title_th = "โรงเรียนยังไม่ได้จัดตั้งในวันที่ระบุ"
    title_en = "The school was not yet established on that date"


class LevelNotTaught(RestructuringError, Conflict):
    code = "level-not-taught"
    title_th = "มีนักเรียนในระดับชั้นที่โรงเรียนไม่ได้เปิดสอน"
    title_en = "Pupils in a level the school does not teach"


class SchoolHasPupils(RestructuringError, Conflict):
    code = "school-has-pupils"
    title_th = "เลิกสถานศึกษาได้เฉพาะโรงเรียนที่ไม่มีนักเรียน"
    title_en = "Only a school with no pupils can be dissolved"


class EnrolmentAfterEffectiveDate(RestructuringError, Conflict):
    code = "enrolment-after-effective-date"
    title_th = "มีข้อมูลนักเรียนของโรงเรียนหลังวันที่มีผล"
    title_en = "The school has enrolment recorded on or after the effective date"


class WrongStep(RestructuringError, Conflict):
    code = "wrong-step"
    title_th = "ไม่สามารถทำได้ในขั้นตอนปัจจุบัน"
    title_en = "Not allowed at the current step"


class NotApproved(RestructuringError, Conflict):
    code = "not-approved"
    title_th = "ยังไม่ได้รับความเห็นชอบจาก กศจ. ดำเนินการไม่ได้"
    title_en = "The case is not approved by the provincial committee"


class StudyRequired(RestructuringError, Conflict):
    code = "study-required"
    title_th = "ต้องศึกษาสภาพปัจจุบันและความต้องการก่อน"
    title_en = "Record the study first"


class HearingRequired(RestructuringError, Conflict):
    code = "hearing-required"
    title_th = "ต้องรับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชนก่อน"
    title_en = "Record the hearing of the school board and community first"


class CaseClosed(RestructuringError, Conflict):
    code = "case-closed"
    title_th = "เรื่องนี้ดำเนินการเสร็จหรือยุติแล้ว"
    title_en = "The case is executed or withdrawn"


# Not found (404)
class SchoolNotFound(RestructuringError, NotFound):
    code = "school-not-found"
    title_th = "ไม่พบโรงเรียนในทะเบียน"
    title_en = "No such school in the registry"


class CaseNotFound(RestructuringError, NotFound):
    code = "case-not-found"
    title_th = "ไม่พบเรื่อง"
    title_en = "Case not found"


# --------------------------------------------------------------------------------------------------
# Values and pure functions
# --------------------------------------------------------------------------------------------------


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def size_band(total: int) -> SizeBand | None:
    """The size band of a school with `total` pupils; None when it has none."""
    if total <= 0:
        return None
    for upper, band in _SIZE_BANDS:
        if total <= upper:
            return band
    return SizeBand.extra_large


def is_small(total: int) -> bool:
    return total <= SMALL_SCHOOL_MAX_PUPILS


def dmc_term(day: date) -> int | None:
    """The term whose DMC snapshot is taken on `day`, or None if `day` is not a DMC date."""
    return DMC_DATES.get((day.month, day.day))


def academic_year_be_of(day: date) -> int:
    return day.year + 543


def levels_of(pupils_by_grade: Mapping[str, int]) -> set[SchoolLevel]:
    """The levels that have pupils."""
    return {LEVEL_OF_GRADE[g] for g, n in pupils_by_grade.items() if n > 0}


def sort_levels(levels: Iterable[SchoolLevel | str]) -> list[SchoolLevel]:
    wanted = {SchoolLevel(level) for level in levels}
    return [level for level in LEVEL_ORDER if level in wanted]


def levels_th(levels: Iterable[SchoolLevel]) -> str:
    return ", ".join(LEVEL_TH[level] for level in sort_levels(levels))


def pupils_by_level(pupils_by_grade: Mapping[str, int]) -> dict[SchoolLevel, int]:
    """Pupils per level, for each level whose grades are given."""
    by_level: dict[SchoolLevel, int] = {}
    for grade, pupils in pupils_by_grade.items():
        level = LEVEL_OF_GRADE[grade]
        by_level[level] = by_level.get(level, 0) + pupils
    return {level: by_level[level] for level in LEVEL_ORDER if level in by_level}


def add_pupils(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {g: a.get(g, 0) + b.get(g, 0) for g in GRADES if g in a or g in b}


class EnrolmentSnapshot(_Value):
    """Pupils per grade on a DMC date."""

    snapshot_date: date
    academic_year_be: int
    term: int
    pupils_by_grade: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.pupils_by_grade.values())

    @property
    def pupils_by_level(self) -> dict[SchoolLevel, int]:
        return pupils_by_level(self.pupils_by_grade)

    @property
    def size_band(self) -> SizeBand | None:
        return size_band(self.total)

    @property
    def small_school(self) -> bool:
        return is_small(self.total)

    def same_figures(self, other: EnrolmentSnapshot) -> bool:
        """Same date, year, term and pupils (a grade given as 0 equals a grade not given)."""
        def nonzero(s: EnrolmentSnapshot) -> dict[str, int]:
            return {g: n for g, n in s.pupils_by_grade.items() if n}
        return (self.snapshot_date, self.academic_year_be, self.term) == (
            other.snapshot_date, other.academic_year_be, other.term) and nonzero(self) == nonzero(other)


def check_snapshot(
    snapshot_date: date,
    pupils_by_grade: Mapping[str, int],
    *,
    academic_year_be: int | None = None,
    term: int | None = None,
    total: int | None = None,
    today: date | None = None,
) -> tuple[EnrolmentSnapshot | None, list[RestructuringError]]:
    """Validate one snapshot; returns it, or None and every problem found (the import shows all
    the problems of a row at once)."""
    problems: list[RestructuringError] = []
    day_th = f"{snapshot_date.day}/{snapshot_date.month}/{snapshot_date.year + 543}"
    expected_term = dmc_term(snapshot_date)
    if expected_term is None:
        problems.append(NotADmcDate(
            f"{snapshot_date} is not 10 June or 10 November", field="snapshot_date",
            message_th=f"วันที่ {day_th} ไม่ใช่วันเก็บข้อมูล DMC (10 มิถุนายน หรือ 10 พฤศจิกายน)"))
    else:
        year = academic_year_be_of(snapshot_date)
        if academic_year_be is not None and academic_year_be != year:
            problems.append(TermMismatch(
                f"{snapshot_date} is in academic year {year}, not {academic_year_be}",
                field="academic_year_be",
                message_th=f"วันที่ {day_th} เป็นปีการศึกษา {year} ไม่ใช่ {academic_year_be}"))
        if term is not None and term != expected_term:
            problems.append(TermMismatch(
                f"{snapshot_date} is term {expected_term}, not {term}", field="term",
                message_th=f"วันที่ {day_th} เป็นภาคเรียนที่ {expected_term} ไม่ใช่ {term}"))
    if today is not None and snapshot_date > today:
        problems.append(SnapshotInFuture(f"{snapshot_date} is after {today}", field="snapshot_date",
                                         message_th=f"วันที่ {day_th} ยังมาไม่ถึง"))
    counts: dict[str, int] = {}
    for grade, pupils in pupils_by_grade.items():
        if grade not in LEVEL_OF_GRADE:
            problems.append(UnknownGrade(f"unknown grade {grade!r}", field=grade,
                                         message_th=f"ไม่รู้จักชั้นเรียน {grade!r}"))
        elif isinstance(pupils, bool) or not isinstance(pupils, int) or pupils < 0:
            problems.append(NegativePupils(
                f"{grade}: {pupils!r}", field=grade,
                message_th=f"ชั้น {GRADE_TH[grade]} มีจำนวนนักเรียน {pupils} ซึ่งไม่ใช่จำนวนเต็มที่ไม่ติดลบ"))
        elif pupils > MAX_PUPILS_PER_GRADE:
            problems.append(ImplausiblePupils(
                f"{grade}: {pupils} > {MAX_PUPILS_PER_GRADE}", field=grade,
                message_th=f"ชั้น {GRADE_TH[grade]} มีจำนวนนักเรียน {pupils:,} คน เกินกว่าที่เป็นไปได้"))
        else:
            counts[grade] = pupils
    if not pupils_by_grade:
        problems.append(NoGrades("no grades given", field="pupils_by_grade"))
    if problems:
        return None, problems
    by_grade = {g: counts[g] for g in GRADES if g in counts}
    if total is not None and total != sum(by_grade.values()):
        return None, [TotalMismatch(
            f"total {total}, sum of grades {sum(by_grade.values())}", field="total",
            message_th=f"ยอดรวม {total} คน แต่ผลรวมรายชั้น {sum(by_grade.values())} คน")]
    assert expected_term is not None
    return EnrolmentSnapshot(snapshot_date=snapshot_date,
                             academic_year_be=academic_year_be_of(snapshot_date),
                             term=expected_term, pupils_by_grade=by_grade), []


def enrolment_snapshot(snapshot_date: date, pupils_by_grade: Mapping[str, int], **kwargs: Any
                       ) -> EnrolmentSnapshot:
    """`check_snapshot` for one command: the first problem is raised, all are listed in it."""
    snapshot, problems = check_snapshot(snapshot_date, pupils_by_grade, **kwargs)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first.extra["errors"] = [p.as_row_error() for p in problems]
        raise first
    assert snapshot is not None
    return snapshot


def school_code(value: str | None) -> str:
    code = (value or "").strip()
    if not _SCHOOL_CODE.match(code):
        raise InvalidSchoolCode(f"{value!r}", field="school_code",
                                message_th=f"รหัสโรงเรียน {value!r} ต้องเป็นตัวเลข 8-10 หลัก")
    return code


def _required(value: str | None, name: str, name_th: str) -> str:
    if value is None or not value.strip():
        raise FieldRequired(f"{name} is required", field=name, message_th=f"ต้องระบุ{name_th}")
    return value.strip()


def _not_future(day: date, today: date, name: str) -> None:
    if day > today:
        raise DateInFuture(f"{name} {day} is after {today}", field=name)


class SchoolDetails(_Value):
    """What identifies a school in the registry besides its code."""

    name_th: str
    name_en: str | None = None
    district: str
    subdistrict: str

    @classmethod
    def of(cls, *, name_th: str | None, name_en: str | None, district: str | None,
           subdistrict: str | None) -> SchoolDetails:
        return cls(name_th=_required(name_th, "name_th", "ชื่อโรงเรียน"),
                   name_en=(name_en or "").strip() or None,
                   district=_required(district, "district", "อำเภอ"),
                   subdistrict=_required(subdistrict, "subdistrict", "ตำบล"))


@dataclass(frozen=True)
class PupilMove:
    """Pupils who joined the school from an absorbed one, from the effective date."""

    effective_date: date
    from_code: str
    pupils_by_grade: dict[str, int]
    case_id: UUID


@dataclass(frozen=True)
class Closure:
    status: SchoolStatus
    effective_date: date
    case_id: UUID
    into_code: str | None = None
    to_authority: str | None = None


@dataclass(frozen=True)
class SchoolState:
    """A school as the registry shows it on one day."""

    exists: bool
    status: SchoolStatus
    levels: list[SchoolLevel]
    latest_snapshot: EnrolmentSnapshot | None
    pupils_by_grade: dict[str, int] | None  # None: no enrolment known yet
    closure: Closure | None  # only once it has taken effect

    @property
    def pupils(self) -> int | None:
        return None if self.pupils_by_grade is None else sum(self.pupils_by_grade.values())

    @property
    def size_band(self) -> SizeBand | None:
        return None if self.pupils is None else size_band(self.pupils)

    @property
    def small_school(self) -> bool | None:
        if self.pupils is None or self.status != SchoolStatus.open:
            return None
        return is_small(self.pupils)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


def _text(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _uuid(text: str | None) -> UUID | None:
    return UUID(text) if text is not None else None


# --------------------------------------------------------------------------------------------------
# School
# --------------------------------------------------------------------------------------------------


class School(Aggregate, stored_as="restructuring.School"):
    """A school in the registry. A closure (merge, dissolution, transfer) is final."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"school:{code}")

    @classmethod
    def register(cls, *, code: str, details: SchoolDetails, levels: Iterable[SchoolLevel | str],
                 established_on: date | None = None, case_id: UUID | None = None) -> School:
        """Enter a school; `established_on` None means it predates the registry."""
        taught = sort_levels(levels)
        if not taught:
            raise NoLevels("no levels", field="levels",
                           message_th="ระบุระดับชั้นที่เปิดสอนไม่ได้ (ไม่มีนักเรียนและไม่ได้ระบุระดับชั้น)")
        return cls(code=school_code(code), name_th=details.name_th, name_en=details.name_en,
                   district=details.district, subdistrict=details.subdistrict, levels=taught,
                   established_on=established_on, case_id=case_id)

    @event("Registered")
    def __init__(self, *, code: str, name_th: str, name_en: str | None, district: str,
                 subdistrict: str, levels: list[SchoolLevel], established_on: date | None,
                 case_id: UUID | None) -> None:
        self.code = code
        self.name_th = name_th
        self.name_en = name_en
        self.district = district
        self.subdistrict = subdistrict
        self.levels = list(levels)
        self.established_on = established_on
        self.established_by_case = case_id
        # (effective date, levels from then on), in the order recorded
        self.level_changes: list[tuple[date, list[SchoolLevel]]] = []
        self.snapshots: dict[date, EnrolmentSnapshot] = {}
        self.moves_in: list[PupilMove] = []
        self.closure: Closure | None = None

    @property
    def details(self) -> SchoolDetails:
        return SchoolDetails(name_th=self.name_th, name_en=self.name_en, district=self.district,
                             subdistrict=self.subdistrict)

    # ---- registry commands ---------------------------------------------------------------------

    def correct_details(self, details: SchoolDetails) -> bool:
        """Take newer names or location (an English name not given keeps the one known)."""
        wanted = details.model_copy(update={"name_en": details.name_en or self.name_en})
        if wanted == self.details:
            return False
        self._details_corrected(name_th=wanted.name_th, name_en=wanted.name_en,
                                district=wanted.district, subdistrict=wanted.subdistrict)
        return True

    def record_enrolment(self, snapshot: EnrolmentSnapshot, today: date) -> str:
        """Record the snapshot; returns `new`, `corrected` (other figures for a date already
        recorded: the latest counts) or `unchanged` (nothing recorded)."""
        day = snapshot.snapshot_date
        if day > today:
            raise SnapshotInFuture(f"{day} is after {today}", field="snapshot_date")
        if self.established_on is not None and day < self.established_on:
            raise SchoolNotYetEstablished(
                f"{self.code} established {self.established_on}, snapshot {day}",
                message_th=f"โรงเรียนจัดตั้งเมื่อ {self.established_on} หลังวันที่เก็บข้อมูล")
        if self.closure is not None and day >= self.closure.effective_date:
            raise SchoolClosed(
                f"{self.code} {self.closure.status.value} from {self.closure.effective_date}",
                message_th=f"{self.name_th} {STATUS_TH[self.closure.status]} "
                           f"ตั้งแต่ {self.closure.effective_date} ก่อนวันที่เก็บข้อมูล")
        taught = set(self.levels_on(day))
        untaught = levels_of(snapshot.pupils_by_grade) - taught
        if untaught:
            raise LevelNotTaught(
                f"{self.code} does not teach {sorted(untaught)} on {day}",
                message_th=f"มีนักเรียนระดับ{levels_th(untaught)} ซึ่ง{self.name_th}ไม่ได้เปิดสอน")
        previous = self.snapshots.get(day)
        if previous is not None and previous.same_figures(snapshot):
            return "unchanged"
        self._enrolment_recorded(snapshot=snapshot, correction=previous is not None)
        return "corrected" if previous is not None else "new"

    # ---- what cases do to a school -------------------------------------------------------------

    def expand_levels(self, *, levels: Iterable[SchoolLevel], effective_date: date,
                      case_id: UUID) -> None:
        self.require_open(effective_date)
        current = set(self.levels_on(effective_date))
        added = set(levels) - current
        if not added:
            raise LevelsAlreadyTaught(f"{self.code} teaches {sorted(current)}")
        self._levels_expanded(levels=sort_levels(current | added), effective_date=effective_date,
                              case_id=case_id)

    def merge_into(self, receiving: School, *, effective_date: date, case_id: UUID) -> None:
        """Close this school on `effective_date` and move its pupils to `receiving`."""
        if receiving.code == self.code:
            raise MergeIntoItself(self.code)
        self.require_open(effective_date)
        receiving.require_open(effective_date, closed_error=ReceivingSchoolClosed)
        self._require_no_enrolment_from(effective_date)
        pupils = self.state_on(effective_date).pupils_by_grade or {}
        untaught = levels_of(pupils) - set(receiving.levels_on(effective_date))
        if untaught:
            raise LevelNotTaught(
                f"{receiving.code} does not teach {sorted(untaught)}",
                message_th=f"{receiving.name_th} ไม่ได้เปิดสอนระดับ{levels_th(untaught)} "
                           "จึงรับนักเรียนที่ย้ายมาไม่ได้")
        self._merged(into_id=receiving.id, into_code=receiving.code, effective_date=effective_date,
                     case_id=case_id, pupils_by_grade=pupils)
        receiving._pupils_received(from_code=self.code, effective_date=effective_date,
                                   case_id=case_id, pupils_by_grade=pupils)

    def dissolve(self, *, effective_date: date, case_id: UUID) -> None:
        """เลิกสถานศึกษา: only a school with no pupils."""
        self.require_open(effective_date)
        self.require_no_pupils(effective_date)
        self._require_no_enrolment_from(effective_date)
        self._dissolved(effective_date=effective_date, case_id=case_id)

    def transfer(self, *, to_authority: str, effective_date: date, case_id: UUID) -> None:
        self.require_open(effective_date)
        self._require_no_enrolment_from(effective_date)
        self._transferred(to_authority=_required(to_authority, "to_authority", "หน่วยงานที่รับโอน"),
                          effective_date=effective_date, case_id=case_id)

    # ---- rules shared with cases ---------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        """Closed, or its closure recorded with an effective date still to come."""
        return self.closure is not None

    def require_open(self, day: date, closed_error: type[RestructuringError] = SchoolClosed
                     ) -> None:
        if self.closure is not None:
            raise closed_error(
                f"{self.code} {self.closure.status.value} from {self.closure.effective_date}",
                school_code=self.code,
                message_th=f"{self.name_th} {STATUS_TH[self.closure.status]} "
                           f"(มีผลตั้งแต่ {self.closure.effective_date})")
        if self.established_on is not None and day < self.established_on:
            raise SchoolNotYetEstablished(f"{self.code} established {self.established_on}",
                                          school_code=self.code)

    def require_no_pupils(self, day: date) -> None:
        pupils = self.state_on(day).pupils or 0
        if pupils:
            raise SchoolHasPupils(
                f"{self.code} has {pupils} pupils on {day}", school_code=self.code, pupils=pupils,
                message_th=f"{self.name_th} ยังมีนักเรียน {pupils} คน")

    def _require_no_enrolment_from(self, day: date) -> None:
        later = sorted(d for d in self.snapshots if d >= day)
        if later:
            raise EnrolmentAfterEffectiveDate(f"{self.code} has a snapshot on {later[0]}",
                                              school_code=self.code)

    # ---- the registry on a day -----------------------------------------------------------------

    def levels_on(self, day: date) -> list[SchoolLevel]:
        levels = self.levels
        for effective, changed in sorted(self.level_changes, key=lambda c: c[0]):
            if effective <= day:
                levels = changed
        return list(levels)

    def latest_snapshot(self, day: date) -> EnrolmentSnapshot | None:
        dates = [d for d in self.snapshots if d <= day]
        return self.snapshots[max(dates)] if dates else None

    def state_on(self, day: date) -> SchoolState:
        """The school on `day`: status, levels, and pupils (the latest snapshot up to then plus
        pupils who joined from absorbed schools after it; none once closed)."""
        exists = self.established_on is None or self.established_on <= day
        closure = self.closure if self.closure and self.closure.effective_date <= day else None
        snapshot = self.latest_snapshot(day)
        pupils: dict[str, int] | None = dict(snapshot.pupils_by_grade) if snapshot else None
        for move in self.moves_in:
            if move.effective_date <= day and (
                    snapshot is None or move.effective_date > snapshot.snapshot_date):
                pupils = add_pupils(pupils or {}, move.pupils_by_grade)
        if closure is not None:
            pupils = {}
        return SchoolState(
            exists=exists,
            status=closure.status if closure else SchoolStatus.open,
            levels=self.levels_on(day),
            latest_snapshot=snapshot,
            pupils_by_grade=pupils,
            closure=closure,
        )

    # ---- snapshots: a school's state as JSON, read back exactly --------------------------------

    def snapshot_state(self) -> dict[str, Any]:
        closure = self.closure
        return {
            "code": self.code, "name_th": self.name_th, "name_en": self.name_en,
            "district": self.district, "subdistrict": self.subdistrict,
            "levels": [level.value for level in self.levels],
            "established_on": _iso(self.established_on),
            "established_by_case": _text(self.established_by_case),
            "level_changes": [[day.isoformat(), [level.value for level in levels]]
                              for day, levels in self.level_changes],
            # in the order first recorded (a correction keeps its date's place)
            "snapshots": [s.model_dump(mode="json") for s in self.snapshots.values()],
            "moves_in": [{"effective_date": m.effective_date.isoformat(), "from_code": m.from_code,
                          "pupils_by_grade": m.pupils_by_grade, "case_id": str(m.case_id)}
                         for m in self.moves_in],
            "closure": None if closure is None else {
                "status": closure.status.value, "effective_date": closure.effective_date.isoformat(),
                "case_id": str(closure.case_id), "into_code": closure.into_code,
                "to_authority": closure.to_authority},
        }

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        closure = state["closure"]
        snapshots = [EnrolmentSnapshot.model_validate(s) for s in state["snapshots"]]
        return {
            **{k: state[k] for k in ("code", "name_th", "name_en", "district", "subdistrict")},
            "levels": [SchoolLevel(level) for level in state["levels"]],
            "established_on": _date(state["established_on"]),
            "established_by_case": _uuid(state["established_by_case"]),
            "level_changes": [(date.fromisoformat(day), [SchoolLevel(v) for v in levels])
                              for day, levels in state["level_changes"]],
            "snapshots": {s.snapshot_date: s for s in snapshots},
            "moves_in": [PupilMove(date.fromisoformat(m["effective_date"]), m["from_code"],
                                   dict(m["pupils_by_grade"]), UUID(m["case_id"]))
                         for m in state["moves_in"]],
            "closure": None if closure is None else Closure(
                SchoolStatus(closure["status"]), date.fromisoformat(closure["effective_date"]),
                UUID(closure["case_id"]), closure["into_code"], closure["to_authority"]),
        }

    # ---- events (state changes only: these bodies run again on every replay) -------------------

    @event("DetailsCorrected")
    def _details_corrected(self, name_th: str, name_en: str | None, district: str,
                           subdistrict: str) -> None:
        self.name_th = name_th
        self.name_en = name_en
        self.district = district
        self.subdistrict = subdistrict

    @event("EnrolmentRecorded")
    def _enrolment_recorded(self, snapshot: EnrolmentSnapshot, correction: bool) -> None:
        self.snapshots[snapshot.snapshot_date] = snapshot

    @event("LevelsExpanded")
    def _levels_expanded(self, levels: list[SchoolLevel], effective_date: date,
                         case_id: UUID) -> None:
        self.level_changes.append((effective_date, list(levels)))

    @event("Merged")
    def _merged(self, into_id: UUID, into_code: str, effective_date: date, case_id: UUID,
                pupils_by_grade: dict[str, int]) -> None:
        self.closure = Closure(SchoolStatus.merged, effective_date, case_id, into_code=into_code)

    @event("PupilsReceived")
    def _pupils_received(self, from_code: str, effective_date: date, case_id: UUID,
                         pupils_by_grade: dict[str, int]) -> None:
        self.moves_in.append(PupilMove(effective_date, from_code, dict(pupils_by_grade), case_id))

    @event("Dissolved")
    def _dissolved(self, effective_date: date, case_id: UUID) -> None:
        self.closure = Closure(SchoolStatus.dissolved, effective_date, case_id)

    @event("Transferred")
    def _transferred(self, to_authority: str, effective_date: date, case_id: UUID) -> None:
        self.closure = Closure(SchoolStatus.transferred, effective_date, case_id,
                               to_authority=to_authority)


# --------------------------------------------------------------------------------------------------
# RestructuringCase
# --------------------------------------------------------------------------------------------------


class SchoolRef(_Value):
    code: str
    name_th: str

    @property
    def school_id(self) -> UUID:
        return School.create_id(self.code)

    @classmethod
    def of(cls, school: School) -> SchoolRef:
        return cls(code=school.code, name_th=school.name_th)


class NewSchool(_Value):
    code: str
    details: SchoolDetails
    levels: list[SchoolLevel]


class Study(_Value):
    number: int
    school_age_population: int | None
    travel_distance_km: Decimal | None
    pupils_affected: int
    summary_th: str
    recorded_by: str
    at: datetime


class Hearing(_Value):
    number: int
    held_on: date
    participants: int
    school_board_agreed: bool | None
    community_agreed: bool
    summary_th: str
    recorded_by: str
    at: datetime


# The registered document behind a decision (the committee's resolution or letter), cited by its
# register reference as correspondence gave it (never as the caller typed it).
Resolution = RegisteredDocumentRef


class DecisionRecord(_Value):
    body: ApprovingBody
    decision: Decision
    decided_on: date
    reason: str | None
    resolution: Resolution | None
    recorded_by: str
    at: datetime


@dataclass
class Round:
    """One proposal to the provincial committee and what it decided."""

    number: int
    proposed_on: date
    proposed_by: str
    at: datetime
    decision: DecisionRecord | None = None


class RestructuringCase(Aggregate, stored_as="restructuring.RestructuringCase"):
    """A restructuring case from its opening to its execution in the registry."""

    # ---- opening -------------------------------------------------------------------------------

    @classmethod
    def open_merge(cls, *, absorbed: list[School], receiving: School, today: date,
                   **common: Any) -> RestructuringCase:
        """ยุบรวม: `absorbed` schools close and their pupils move to `receiving`."""
        if not absorbed:
            raise FieldRequired("no school to merge", field="school_codes",
                                message_th="ต้องระบุโรงเรียนที่จะยุบรวม")
        for school in absorbed:
            if school.code == receiving.code:
                raise MergeIntoItself(school.code, school_code=school.code,
                                      message_th=f"{school.name_th} ยุบรวมเข้ากับตัวเองไม่ได้")
            school.require_open(today)
        receiving.require_open(today, closed_error=ReceivingSchoolClosed)
        names = " ".join(s.name_th for s in absorbed)
        return cls._open(case_type=CaseType.merge, schools=[SchoolRef.of(s) for s in absorbed],
                         receiving=SchoolRef.of(receiving),
                         default_title=f"ยุบรวม{names} เข้ากับ{receiving.name_th}", **common)

    @classmethod
    def open_dissolve(cls, *, school: School, today: date, **common: Any) -> RestructuringCase:
        """เลิก: only a school with no pupils (a school with pupils is merged instead)."""
        school.require_open(today)
        school.require_no_pupils(today)
        return cls._open(case_type=CaseType.dissolve, schools=[SchoolRef.of(school)],
                         default_title=f"เลิก{school.name_th}", **common)

    @classmethod
    def open_transfer(cls, *, school: School, to_authority: str, today: date,
                      **common: Any) -> RestructuringCase:
        school.require_open(today)
        authority = _required(to_authority, "to_authority", "หน่วยงานที่รับโอน")
        return cls._open(case_type=CaseType.transfer_school, schools=[SchoolRef.of(school)],
                         to_authority=authority,
                         default_title=f"โอน{school.name_th} ไปสังกัด{authority}", **common)

    @classmethod
    def open_class_expansion(cls, *, school: School, levels: Iterable[SchoolLevel], today: date,
                             **common: Any) -> RestructuringCase:
        school.require_open(today)
        added = sort_levels(set(levels) - set(school.levels_on(today)))
        if not added:
            raise LevelsAlreadyTaught(f"{school.code} teaches {school.levels_on(today)}",
                                      field="levels")
        return cls._open(case_type=CaseType.class_expansion, schools=[SchoolRef.of(school)],
                         levels_added=added,
                         default_title=f"ขยายชั้นเรียน{school.name_th} ระดับ{levels_th(added)}",
                         **common)

    @classmethod
    def open_establish(cls, *, code: str, details: SchoolDetails, levels: Iterable[SchoolLevel],
                       existing: School | None, **common: Any) -> RestructuringCase:
        code = school_code(code)
        if existing is not None:
            raise SchoolAlreadyRegistered(code, school_code=code)
        taught = sort_levels(levels)
        if not taught:
            raise NoLevels("no levels", field="levels")
        return cls._open(case_type=CaseType.establish, schools=[],
                         new_school=NewSchool(code=code, details=details, levels=taught),
                         default_title=f"จัดตั้ง{details.name_th}", **common)

    @classmethod
    def _open(cls, *, case_type: CaseType, schools: list[SchoolRef], default_title: str,
              officer_id: str, officer_name_th: str | None, at: datetime,
              title_th: str | None = None, receiving: SchoolRef | None = None,
              new_school: NewSchool | None = None, to_authority: str | None = None,
              levels_added: list[SchoolLevel] | None = None) -> RestructuringCase:
        return cls(
            case_type=case_type,
            title_th=(title_th or "").strip() or default_title,
            schools=schools,
            receiving=receiving,
            new_school=new_school,
            to_authority=to_authority,
            levels_added=levels_added or [],
            officer_id=_required(officer_id, "officer_id", "ผู้รับผิดชอบ"),
            officer_name_th=(officer_name_th or "").strip() or None,
            at=at,
        )

    @event("Opened")
    def __init__(self, *, case_type: CaseType, title_th: str, schools: list[SchoolRef],
                 receiving: SchoolRef | None, new_school: NewSchool | None,
                 to_authority: str | None, levels_added: list[SchoolLevel], officer_id: str,
                 officer_name_th: str | None, at: datetime) -> None:
        self.case_type = case_type
        self.title_th = title_th
        self.schools = list(schools)
        self.receiving = receiving
        self.new_school = new_school
        self.to_authority = to_authority
        self.levels_added = list(levels_added)
        self.officer_id = officer_id
        self.officer_name_th = officer_name_th
        self.opened_at = at
        self.studies: list[Study] = []
        self.hearings: list[Hearing] = []
        self.rounds: list[Round] = []
        self.effective_date: date | None = None
        self.changed_schools: list[SchoolRef] = []
        self.withdraw_reason: str | None = None
        self.step = CaseStep.opened
        self.holder: str = officer_id
        self.step_since = at

    # ---- the steps -----------------------------------------------------------------------------

    def record_study(self, *, by: str, school_age_population: int | None,
                     travel_distance_km: Decimal | None, pupils_affected: int, summary_th: str,
                     at: datetime) -> None:
        """ศึกษาสภาพปัจจุบัน ปัญหา และความต้องการด้านโอกาสการเข้าถึงบริการการศึกษา."""
        self._require_step(*_WORKING_STEPS)
        if pupils_affected < 0 or (school_age_population is not None and school_age_population < 0):
            raise NegativePupils("pupils and population are never negative")
        self._studied(study=Study(
            number=len(self.studies) + 1, school_age_population=school_age_population,
            travel_distance_km=travel_distance_km, pupils_affected=pupils_affected,
            summary_th=_required(summary_th, "summary_th", "สรุปผลการศึกษา"), recorded_by=by,
            at=at))

    def record_hearing(self, *, by: str, held_on: date, participants: int,
                       school_board_agreed: bool | None, community_agreed: bool, summary_th: str,
                       today: date, at: datetime) -> None:
        """รับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชน. A new school has no board yet."""
        self._require_step(*_WORKING_STEPS)
        if not self.studies:
            raise StudyRequired("no study recorded")
        _not_future(held_on, today, "held_on")
        if self.case_type != CaseType.establish and school_board_agreed is None:
            raise FieldRequired("the school board's view is required", field="school_board_agreed",
                                message_th="ต้องระบุความเห็นของคณะกรรมการสถานศึกษา")
        if participants < 0:
            raise NegativePupils("participants are never negative", field="participants")
        self._heard(hearing=Hearing(
            number=len(self.hearings) + 1, held_on=held_on, participants=participants,
            school_board_agreed=school_board_agreed, community_agreed=community_agreed,
            summary_th=_required(summary_th, "summary_th", "สรุปผลการรับฟังความคิดเห็น"),
            recorded_by=by, at=at))

    def propose(self, *, by: str, today: date, at: datetime) -> None:
        """เสนอ กศจ.: a new round, after a study and a hearing (again after a return or a
        rejection, with whatever was revised meanwhile)."""
        self._require_step(*_WORKING_STEPS)
        if not self.studies:
            raise StudyRequired("no study recorded")
        if not self.hearings:
            raise HearingRequired("no hearing recorded")
        self._proposed(round_no=len(self.rounds) + 1, proposed_on=today, by=by, at=at)

    def decide(self, *, by: str, decision: Decision, decided_on: date, reason: str | None,
               resolution: Resolution | None, today: date, at: datetime) -> None:
        """The provincial committee's decision on the current round, citing its resolution."""
        self._require_step(CaseStep.proposed)
        decision = Decision(decision)
        current = self.rounds[-1]
        if resolution is None:
            raise ResolutionRequired("no registered resolution cited", field="resolution")
        _not_future(decided_on, today, "decided_on")
        if decided_on < current.proposed_on:
            raise DecidedBeforeProposed(f"decided {decided_on}, proposed {current.proposed_on}",
                                        field="decided_on")
        reason = (reason or "").strip() or None
        if decision != Decision.approve and reason is None:
            raise ReasonRequired(decision.value, field="reason")
        self._decided(round_no=current.number, record=DecisionRecord(
            body=COMMITTEE, decision=decision, decided_on=decided_on, reason=reason,
            resolution=resolution, recorded_by=by, at=at))

    def execute(self, *, schools: Mapping[str, School], effective_date: date, at: datetime
                ) -> list[School]:
        """Carry out the approved case in the registry from `effective_date` (which may still be
        to come: the registry shows the change from that day). `schools` holds the loaded
        schools of the case by code. Returns every school changed or created."""
        if self.step in CLOSED_CASE_STEPS:
            raise CaseClosed(self.step.value)
        if self.step != CaseStep.approved:
            raise NotApproved(f"step is {self.step.value}", step=self.step.value,
                              step_th=CASE_STEP_TH[self.step])
        approval = self.approval
        assert approval is not None
        if effective_date < approval.decided_on:
            raise EffectiveBeforeApproval(f"effective {effective_date}, approved "
                                          f"{approval.decided_on}", field="effective_date")
        changed = self._carry_out(schools, effective_date)
        self._executed(effective_date=effective_date,
                       schools=[SchoolRef.of(s) for s in changed], at=at)
        return changed

    def _carry_out(self, schools: Mapping[str, School], effective_date: date) -> list[School]:
        case_id = self.id
        match self.case_type:
            case CaseType.merge:
                assert self.receiving is not None
                receiving = schools[self.receiving.code]
                absorbed = [schools[ref.code] for ref in self.schools]
                for school in absorbed:
                    school.merge_into(receiving, effective_date=effective_date, case_id=case_id)
                return [*absorbed, receiving]
            case CaseType.dissolve:
                school = schools[self.schools[0].code]
                school.dissolve(effective_date=effective_date, case_id=case_id)
                return [school]
            case CaseType.transfer_school:
                school = schools[self.schools[0].code]
                school.transfer(to_authority=self.to_authority or "", effective_date=effective_date,
                                case_id=case_id)
                return [school]
            case CaseType.class_expansion:
                school = schools[self.schools[0].code]
                school.expand_levels(levels=self.levels_added, effective_date=effective_date,
                                     case_id=case_id)
                return [school]
            case CaseType.establish:
                new = self.new_school
                assert new is not None
                if new.code in schools:
                    raise SchoolAlreadyRegistered(new.code, school_code=new.code)
                return [School.register(code=new.code, details=new.details, levels=new.levels,
                                        established_on=effective_date, case_id=case_id)]

    def withdraw(self, *, by: str, reason: str, at: datetime) -> None:
        if self.step in CLOSED_CASE_STEPS:
            raise CaseClosed(self.step.value)
        self._withdrawn(reason=_required(reason, "reason", "เหตุผลที่ยุติเรื่อง"), by=by, at=at)

    # ---- queries -------------------------------------------------------------------------------

    @property
    def school_codes(self) -> list[str]:
        """Every registered school the case involves (the receiving school too)."""
        codes = [ref.code for ref in self.schools]
        if self.receiving is not None:
            codes.append(self.receiving.code)
        return codes

    @property
    def closed(self) -> bool:
        return self.step in CLOSED_CASE_STEPS

    @property
    def step_th(self) -> str:
        return CASE_STEP_TH[self.step]

    @property
    def holder_th(self) -> str:
        if self.holder == COMMITTEE.value:
            return COMMITTEE_TH
        return self.officer_name_th or f"ผู้รับผิดชอบ ({self.officer_id})"

    @property
    def awaiting_body(self) -> ApprovingBody | None:
        """The body whose decision the case waits for (decision rights: who records it)."""
        return COMMITTEE if self.step == CaseStep.proposed else None

    @property
    def approval(self) -> DecisionRecord | None:
        for round_ in reversed(self.rounds):
            if round_.decision is not None and round_.decision.decision == Decision.approve:
                return round_.decision
        return None

    @property
    def regulation_th(self) -> str:
        return REGULATION_TH[self.case_type]

    # ---- guards and events ---------------------------------------------------------------------

    def _require_step(self, *allowed: CaseStep) -> None:
        if self.step in allowed:
            return
        if self.step in CLOSED_CASE_STEPS:
            raise CaseClosed(self.step.value, step=self.step.value)
        raise WrongStep(
            f"step is {self.step.value}; expected {', '.join(sorted(s.value for s in allowed))}",
            step=self.step.value, step_th=CASE_STEP_TH[self.step],
            expected=sorted(s.value for s in allowed))

    def _move(self, step: CaseStep, holder: str, at: datetime) -> None:
        self.step = step
        self.holder = holder
        self.step_since = at

    @event("Studied")
    def _studied(self, study: Study) -> None:
        self.studies.append(study)
        self._move(CaseStep.studied, self.officer_id, study.at)

    @event("HearingRecorded")
    def _heard(self, hearing: Hearing) -> None:
        self.hearings.append(hearing)
        self._move(CaseStep.heard, self.officer_id, hearing.at)

    @event("Proposed")
    def _proposed(self, round_no: int, proposed_on: date, by: str, at: datetime) -> None:
        self.rounds.append(Round(number=round_no, proposed_on=proposed_on, proposed_by=by, at=at))
        self._move(CaseStep.proposed, COMMITTEE.value, at)

    @event("Decided")
    def _decided(self, round_no: int, record: DecisionRecord) -> None:
        self.rounds[round_no - 1].decision = record
        step = {Decision.approve: CaseStep.approved, Decision.reject: CaseStep.rejected,
                Decision.return_for_revision: CaseStep.returned}[record.decision]
        self._move(step, self.officer_id, record.at)

    @event("Executed")
    def _executed(self, effective_date: date, schools: list[SchoolRef], at: datetime) -> None:
        self.effective_date = effective_date
        self.changed_schools = list(schools)
        self._move(CaseStep.executed, self.officer_id, at)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, by: str, at: datetime) -> None:
        self.withdraw_reason = reason
        self._move(CaseStep.withdrawn, self.officer_id, at)

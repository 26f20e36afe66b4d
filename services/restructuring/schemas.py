"""Request and response models of the restructuring API.

Shapes only: the rules (DMC dates, grades, pupils never negative, who may be merged into whom)
are the domain's, so that a refusal carries the domain's Thai message and stable code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.restructuring.v1 import CaseType
from contracts.vocabulary import Decision, SchoolLevel

ShortText = Annotated[str, Field(max_length=300)]
Text = Annotated[str, Field(max_length=5000)]
SchoolCodeIn = Annotated[str, Field(min_length=1, max_length=20)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SchoolIn(Model):
    """A school entered by hand (most come from the DMC enrolment files)."""

    school_code: SchoolCodeIn = Field(description="รหัสโรงเรียน (8-10 digits)")
    name_th: ShortText = Field(min_length=1, description="ชื่อโรงเรียน")
    name_en: ShortText | None = None
    district: ShortText = Field(min_length=1, description="อำเภอ")
    subdistrict: ShortText = Field(min_length=1, description="ตำบล")
    levels: list[SchoolLevel] = Field(min_length=1, max_length=4, description="ระดับที่เปิดสอน")


class EnrolmentIn(Model):
    """ข้อมูลนักเรียน DMC of one school on 10 June (term 1) or 10 November (term 2)."""

    snapshot_date: date
    academic_year_be: int | None = Field(default=None, description="Checked against the date")
    term: int | None = Field(default=None, description="Checked against the date")
    pupils_by_grade: dict[Annotated[str, Field(max_length=10)], int] = Field(
        min_length=1, max_length=20, description="k1-k3, p1-p6, m1-m6 → pupils")


class CaseIn(Model):
    """Open a restructuring case. Which fields count depends on `case_type`: merge names the
    absorbed `school_codes` and the `receiving_school_code`; dissolve, transfer_school and
    class_expansion name one school (transfer with `to_authority`, expansion with `levels`);
    establish describes the `new_school`."""

    case_type: CaseType
    school_codes: list[SchoolCodeIn] = Field(default_factory=list, max_length=20)
    receiving_school_code: SchoolCodeIn | None = None
    new_school: SchoolIn | None = None
    to_authority: ShortText | None = None
    levels: list[SchoolLevel] = Field(default_factory=list, max_length=4)
    title_th: ShortText | None = Field(default=None, description="Made from the schools if omitted")
    officer_name_th: ShortText | None = Field(
        default=None, json_schema_extra={"deprecated": True},
        description="Deprecated and ignored: the responsible officer's Thai name is the one the "
                    "staff directory gives for the acting officer")


class StudyIn(Model):
    """ศึกษาสภาพปัจจุบัน: the school-age population and its access, the travel distance."""

    school_age_population: int | None = Field(default=None, ge=0, le=10_000_000)
    travel_distance_km: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=2)
    pupils_affected: int | None = Field(
        default=None, ge=0, le=10_000_000,
        description="Defaults to the registry's latest figures for the case's schools")
    summary_th: Text = Field(min_length=1)


class HearingIn(Model):
    """รับฟังความคิดเห็นคณะกรรมการสถานศึกษาและชุมชน"""

    held_on: date
    participants: int = Field(ge=0, le=1_000_000)
    school_board_agreed: bool | None = Field(default=None, description="None for a new school")
    community_agreed: bool
    summary_th: Text = Field(min_length=1)


class ResolutionIn(Model):
    """The registered document behind the decision (the committee's resolution or letter), by its
    id in correspondence; its reference and date are the register's, as this service learned
    them from correspondence's events (`GET /registered-documents/{id}`)."""

    document_id: UUID = Field(description="Its id in correspondence (must be registered there)")
    reference: ShortText | None = Field(
        default=None, json_schema_extra={"deprecated": True},
        description="Deprecated and ignored: the register's reference is used (e.g. ทะเบียนรับ 15/2568)")
    dated: date | None = Field(default=None, json_schema_extra={"deprecated": True},
                               description="Deprecated and ignored: the register's date is used")


class DecisionIn(Model):
    """มติ กศจ. on the current round"""

    decision: Decision
    decided_on: date
    reason: Text | None = Field(default=None, description="Required to reject or return")
    resolution: ResolutionIn | None = Field(
        default=None, description="Required: the resolution registered in correspondence "
                                  "(403 resolution-required without it)")


class ExecuteIn(Model):
    effective_date: date = Field(description="วันที่มีผล; may be still to come")


class WithdrawIn(Model):
    reason: Text = Field(min_length=1)


class Empty(Model):
    """No fields."""


# --- responses ----------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class SchoolOut(Out):
    school_id: str
    school_code: str
    name_th: str
    name_en: str | None
    district: str
    subdistrict: str
    as_of: date
    established_on: date | None
    levels: list[str]
    levels_th: str
    status: str
    status_th: str
    merged_into: str | None
    transferred_to: str | None
    closed_on: date | None
    closure_scheduled: dict[str, Any] | None
    latest_snapshot_date: date | None
    latest_snapshot_total: int | None
    pupils: int | None
    pupils_by_grade: dict[str, int] | None
    pupils_by_level: dict[str, int]
    size_band: str | None
    size_band_th: str | None
    small_school: bool | None
    version: int


class SnapshotOut(Out):
    snapshot_date: date
    snapshot_date_th: str
    academic_year_be: int
    term: int
    pupils_by_grade: dict[str, int]
    pupils_by_level: dict[str, int]
    total: int
    size_band: str | None
    small_school: bool


class ImportRowOut(Out):
    row: int
    school_code: str
    snapshot_date: date | None
    outcome: str = Field(description="new, updated, unchanged (or rejected, in the problem)")


class ImportOut(Out):
    rows: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    schools_registered: int
    all_or_nothing: bool
    results: list[ImportRowOut]


class CaseOut(Out):
    case_id: str
    case_type: str
    case_type_th: str
    title_th: str
    regulation_th: str
    step: str
    step_th: str
    holder: str
    holder_th: str
    since: datetime
    closed: bool
    officer_id: str
    schools: list[dict[str, Any]]
    receiving_school: dict[str, Any] | None
    new_school: dict[str, Any] | None
    to_authority: str | None
    levels_added: list[str]
    levels_added_th: list[str]
    studies: list[dict[str, Any]]
    hearings: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    effective_date: date | None
    changed_schools: list[dict[str, Any]]
    withdraw_reason: str | None
    version: int


class ReceivingOptionOut(Out):
    school_code: str
    name_th: str
    subdistrict: str
    pupils: int | None


class SmallSchoolOut(Out):
    school_code: str
    name_th: str
    district: str
    subdistrict: str
    pupils: int | None
    latest_snapshot_date: date | None
    size_band: str | None
    merger_candidate: bool
    candidate_scope: str | None = Field(description="subdistrict or district: where the "
                                                    "receiving options are")
    receiving_options: list[ReceivingOptionOut]
    note_th: str


class SmallSchoolsOut(Out):
    """The report's heading (its day, criterion and counts over the whole registry on that day),
    then a page of its small schools (`items`, `next_cursor`, `total`)."""

    as_of: date
    as_of_th: str
    title_th: str
    criterion_th: str
    criterion_en: str
    open_schools: int
    schools_without_enrolment: int
    small_schools: int
    merger_candidates: int
    items: list[SmallSchoolOut]
    next_cursor: str | None
    total: int


class HistoryEntryOut(Out):
    version: int
    event: str
    at: datetime
    actor: str
    trace_id: str
    data: dict[str, Any]

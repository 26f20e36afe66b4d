"""Restructuring (procedure 9) integration events, version 1: the school registry and the cases
that change it (establish, merge, dissolve, transfer to another authority, class expansion).

Published on `esa.restructuring.>`. The registry events (`restructuring.school.*`) are what
budgeting consumes: enrolment snapshots are its per-head basis, and a school that stops being open
tells it where future allocations go. A school's aggregate id is `uuid5(NAMESPACE_URL,
"school:<school_code>")`, so every service can derive it from the code. Registry events carry no
case status (a school is not a case). The case events (`restructuring.case.*`) follow each
restructuring case through the steps of the Ministry regulation BE 2550 (class expansion BE 2553),
each envelope with the case's `CaseStatus` (procedure 9, `case_type` = the `CaseType`).

Imports only pydantic and other contract modules (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import ContractModel, IntegrationEvent
from contracts.vocabulary import ApprovalRecord, ApprovingBody, SchoolLevel

# Grade levels as the DMC data names them: k1-k3 kindergarten, p1-p6 primary, m1-m3 lower
# secondary, m4-m6 upper secondary.
GRADES_BY_LEVEL: dict[SchoolLevel, tuple[str, ...]] = {
    SchoolLevel.kindergarten: ("k1", "k2", "k3"),
    SchoolLevel.primary: ("p1", "p2", "p3", "p4", "p5", "p6"),
    SchoolLevel.lower_secondary: ("m1", "m2", "m3"),
    SchoolLevel.upper_secondary: ("m4", "m5", "m6"),
}
SMALL_SCHOOL_MAX_PUPILS = 120


class SchoolStatus(StrEnum):
    open = "open"
    merged = "merged"  # ยุบรวม: absorbed into another school
    dissolved = "dissolved"  # เลิก
    transferred = "transferred"  # โอนไปสังกัดอื่น


class SizeBand(StrEnum):
    small = "small"  # 1-120
    medium = "medium"  # 121-600
    large = "large"  # 601-1,500
    extra_large = "extra_large"  # 1,501+


class SchoolEvent(IntegrationEvent):
    school_id: UUID
    school_code: str = Field(pattern=r"^[0-9]{8,10}$")


class SchoolRegistered(SchoolEvent):
    """A school entered the registry (imported, or established by a case)."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.registered"
    name_th: str
    name_en: str | None = None
    district: str
    subdistrict: str
    levels: list[SchoolLevel]
    established_on: date | None = None
    case_id: UUID | None = Field(default=None, description="The establish case, if any")


class SchoolDetailsChanged(SchoolEvent):
    """The registry's names or location of a school were corrected (e.g. by a newer DMC file)."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.details_changed"
    name_th: str
    name_en: str | None = None
    district: str
    subdistrict: str


class EnrolmentSnapshotRecorded(SchoolEvent):
    """Pupils per grade on a DMC date (10 June = term 1, 10 November = term 2)."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.enrolment_recorded"
    snapshot_date: date
    academic_year_be: int
    term: int = Field(ge=1, le=2)
    pupils_by_grade: dict[str, int] = Field(description="k1..m6 → pupils (≥ 0)")
    pupils_by_level: dict[SchoolLevel, int]
    total: int = Field(ge=0)
    size_band: SizeBand | None = Field(description="None when the school has no pupils")
    small_school: bool
    correction: bool = Field(
        default=False,
        description="True when it replaces figures recorded earlier for the same school and "
        "date; the latest recording of a date is the one that counts")


class SchoolLevelsExpanded(SchoolEvent):
    """ขยายชั้นเรียน: the school now teaches more levels, from the effective date."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.levels_expanded"
    levels: list[SchoolLevel]
    effective_date: date
    case_id: UUID


class SchoolMerged(SchoolEvent):
    """The school was absorbed into another on the effective date: its pupils, staff and assets
    moved there and it is closed. Future allocations go to the receiving school."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.merged"
    into_school_id: UUID
    into_school_code: str
    effective_date: date
    case_id: UUID
    pupils_moved_by_grade: dict[str, int] = Field(
        default_factory=dict,
        description="The pupils (k1..m6) who moved to the receiving school on the effective date")


class SchoolDissolved(SchoolEvent):
    EVENT_TYPE: ClassVar[str] = "restructuring.school.dissolved"
    effective_date: date
    case_id: UUID


class SchoolTransferred(SchoolEvent):
    """The school was handed to another authority (e.g. local government)."""

    EVENT_TYPE: ClassVar[str] = "restructuring.school.transferred"
    to_authority: str
    effective_date: date
    case_id: UUID


# -- restructuring cases (procedure 9): each envelope carries the case's `CaseStatus` -------------


class CaseType(StrEnum):
    establish = "establish"  # จัดตั้ง
    merge = "merge"  # ยุบรวม
    dissolve = "dissolve"  # เลิก
    transfer_school = "transfer_school"  # โอนไปสังกัดอื่น
    class_expansion = "class_expansion"  # ขยายชั้นเรียน


class SchoolRef(ContractModel):
    school_id: UUID
    school_code: str
    name_th: str


class NewSchool(ContractModel):
    """The school an establish case proposes (it enters the registry when the case is executed)."""

    school_code: str
    name_th: str
    name_en: str | None = None
    district: str
    subdistrict: str
    levels: list[SchoolLevel]


class CaseEvent(IntegrationEvent):
    """Fields every case event carries. A case moves: opened → studied → hearing recorded →
    proposed to the provincial committee → decided (approve / reject / return for revision; after
    a rejection or a return it is revised and proposed again, every round kept) → executed on an
    effective date, or withdrawn."""

    case_id: UUID
    case_type: CaseType
    title_th: str


class CaseOpened(CaseEvent):
    """A restructuring case was opened, naming the schools it would change."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.opened"
    schools: list[SchoolRef] = Field(
        description="Schools the case changes: absorbed, dissolved, transferred or expanded")
    receiving_school: SchoolRef | None = Field(default=None, description="Merge: absorbs the others")
    new_school: NewSchool | None = Field(default=None, description="Establish: the proposed school")
    to_authority: str | None = Field(default=None, description="Transfer: the receiving authority")
    levels_added: list[SchoolLevel] = Field(default_factory=list, description="Class expansion")
    regulation_th: str
    opened_by: str


class CaseStudied(CaseEvent):
    """The study: school-age population and its access, travel distance, pupils affected."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.studied"
    study_no: int = Field(ge=1)
    school_age_population: int | None = Field(default=None, ge=0)
    travel_distance_km: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=2)
    pupils_affected: int = Field(ge=0, description="From the registry's latest snapshots")
    summary_th: str


class CaseHearingRecorded(CaseEvent):
    """The school board and the community were heard."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.hearing_recorded"
    hearing_no: int = Field(ge=1)
    held_on: date
    participants: int = Field(ge=0)
    school_board_agreed: bool | None = Field(default=None, description="None: no board yet")
    community_agreed: bool
    summary_th: str


class CaseProposed(CaseEvent):
    """The case was proposed to the approving body (a new round)."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.proposed"
    round: int = Field(ge=1)
    body: ApprovingBody
    proposed_by: str


class CaseDecided(CaseEvent):
    """The approving body decided the round: approve, reject or return for revision."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.decided"
    approval: ApprovalRecord


class CaseExecuted(CaseEvent):
    """The approved change was carried out in the registry, from the effective date."""

    EVENT_TYPE: ClassVar[str] = "restructuring.case.executed"
    effective_date: date
    schools: list[SchoolRef] = Field(description="Every registry entry the execution changed")


class CaseWithdrawn(CaseEvent):
    EVENT_TYPE: ClassVar[str] = "restructuring.case.withdrawn"
    reason: str


EVENTS: tuple[type[IntegrationEvent], ...] = (
    SchoolRegistered,
    SchoolDetailsChanged,
    EnrolmentSnapshotRecorded,
    SchoolLevelsExpanded,
    SchoolMerged,
    SchoolDissolved,
    SchoolTransferred,
    CaseOpened,
    CaseStudied,
    CaseHearingRecorded,
    CaseProposed,
    CaseDecided,
    CaseExecuted,
    CaseWithdrawn,
)

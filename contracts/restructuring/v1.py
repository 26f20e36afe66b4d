"""Restructuring (procedure 9) integration events, version 1: the school registry and the cases
that change it (establish, merge, dissolve, transfer to another authority, class expansion).

Published on `esa.restructuring.>`. The registry events (`restructuring.school.*`) are what
budgeting consumes: enrolment snapshots are its per-head basis, and a school that stops being open
tells it where future allocations go. A school's aggregate id is `uuid5(NAMESPACE_URL,
"school:<school_code>")`, so every service can derive it from the code.

Imports only pydantic and other contract modules (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from contracts.envelope import IntegrationEvent
from contracts.vocabulary import SchoolLevel

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


EVENTS: tuple[type[IntegrationEvent], ...] = (
    SchoolRegistered,
    EnrolmentSnapshotRecorded,
    SchoolLevelsExpanded,
    SchoolMerged,
    SchoolDissolved,
    SchoolTransferred,
)

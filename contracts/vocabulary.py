"""Words more than one service's contract uses, defined once (names from the project glossary).

Imports only pydantic and the standard library (checked by an architecture test).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field

from contracts.envelope import ContractModel

# Exact baht with satang precision; travels as a JSON string ("1234.50"), never a float.
Baht = Annotated[Decimal, Field(max_digits=15, decimal_places=2)]


class ExpenseCategory(StrEnum):
    """งบรายจ่าย: the five expense categories of the Thai budget."""

    personnel = "personnel"  # งบบุคลากร
    operations = "operations"  # งบดำเนินงาน
    investment = "investment"  # งบลงทุน
    subsidies = "subsidies"  # งบเงินอุดหนุน
    other = "other"  # งบรายจ่ายอื่น


class ApprovingBody(StrEnum):
    """Who decides an approval step (DOMAIN.md, people and bodies)."""

    provincial_committee = "provincial_committee"  # กศจ.
    area_committee = "area_committee"  # กพท.
    esa_director = "esa_director"  # ผอ.สพป.
    governor = "governor"  # ผู้ว่าราชการจังหวัด
    central_office = "central_office"  # สพฐ.


class StaffRole(StrEnum):
    """A role an officer of the office holds in the staff directory (DOMAIN.md, people and bodies).
    The directory is kept by correspondence (งานธุรการ) and reaches every service as events."""

    clerk = "clerk"  # เจ้าหน้าที่สารบรรณของกลุ่ม
    officer = "officer"  # ผู้รับผิดชอบ / นักวิเคราะห์นโยบายและแผน
    group_director = "group_director"  # ผอ.กลุ่มนโยบายและแผน
    esa_director = "esa_director"  # ผอ.สพป. / รอง ผอ.สพป.
    signer = "signer"  # ผู้มีอำนาจลงนาม


class Decision(StrEnum):
    approve = "approve"  # อนุมัติ / เห็นชอบ
    reject = "reject"  # ไม่เห็นชอบ
    return_for_revision = "return_for_revision"  # ส่งกลับแก้ไข


class SchoolLevel(StrEnum):
    """Education levels, as the per-head rate table names them."""

    kindergarten = "kindergarten"  # อนุบาล (k1-k3)
    primary = "primary"  # ประถมศึกษา (p1-p6)
    lower_secondary = "lower_secondary"  # มัธยมศึกษาตอนต้น (m1-m3)
    upper_secondary = "upper_secondary"  # มัธยมศึกษาตอนปลาย (m4-m6)


class RegisteredDocumentRef(ContractModel):
    """A document registered in correspondence that backs a decision (resolution, signed letter),
    cited by its register reference, e.g. "ทะเบียนรับ 15/2568" or "ที่ ศธ 04123/1234"."""

    document_id: UUID
    reference: str = Field(min_length=1, description="The register or outgoing number, in Thai")
    dated: date


class ApprovalRecord(ContractModel):
    """An explicit approval step: the body, its decision, the date and the document behind it."""

    body: ApprovingBody
    decision: Decision
    decided_on: date
    round: int = Field(ge=1, description="Submission round; every round is kept")
    reason: str | None = Field(default=None, description="Required when rejecting or returning")
    resolution: RegisteredDocumentRef | None = None


# How people read the shared vocabulary (letters, reports, screens), defined once beside it.
EXPENSE_CATEGORY_TH: dict[ExpenseCategory, str] = {
    ExpenseCategory.personnel: "งบบุคลากร",
    ExpenseCategory.operations: "งบดำเนินงาน",
    ExpenseCategory.investment: "งบลงทุน",
    ExpenseCategory.subsidies: "งบเงินอุดหนุน",
    ExpenseCategory.other: "งบรายจ่ายอื่น",
}
APPROVING_BODY_TH: dict[ApprovingBody, str] = {
    ApprovingBody.provincial_committee: "คณะกรรมการศึกษาธิการจังหวัด (กศจ.)",
    ApprovingBody.area_committee: "คณะกรรมการเขตพื้นที่การศึกษา",
    ApprovingBody.esa_director: "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
    ApprovingBody.governor: "ผู้ว่าราชการจังหวัด",
    ApprovingBody.central_office: "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน (สพฐ.)",
}
STAFF_ROLE_TH: dict[StaffRole, str] = {
    StaffRole.clerk: "เจ้าหน้าที่สารบรรณ",
    StaffRole.officer: "ผู้รับผิดชอบ",
    StaffRole.group_director: "ผู้อำนวยการกลุ่ม",
    StaffRole.esa_director: "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
    StaffRole.signer: "ผู้มีอำนาจลงนาม",
}
SCHOOL_LEVEL_TH: dict[SchoolLevel, str] = {
    SchoolLevel.kindergarten: "อนุบาล",
    SchoolLevel.primary: "ประถมศึกษา",
    SchoolLevel.lower_secondary: "มัธยมศึกษาตอนต้น",
    SchoolLevel.upper_secondary: "มัธยมศึกษาตอนปลาย",
}

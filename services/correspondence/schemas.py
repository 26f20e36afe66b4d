"""Request and response models of the correspondence API.

Urgency and secrecy are accepted by name or by the national e-saraban exchange code (`001`-`004`),
so an office's existing e-saraban system can hand letters over without a translation table.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from contracts.envelope import SECRECY_CODES
from services.correspondence.domain import (
    URGENCY_CODES,
    DocumentType,
    Role,
    Secrecy,
    SeriesKind,
    Urgency,
)

_URGENCY_BY_CODE = {code: name.value for name, code in URGENCY_CODES.items()}
_SECRECY_BY_CODE = {code: name.value for name, code in SECRECY_CODES.items()}


def _from_code(table: dict[str, str]) -> Any:
    def convert(value: Any) -> Any:
        return table.get(value, value) if isinstance(value, str) else value
    return BeforeValidator(convert)


UrgencyIn = Annotated[Urgency, _from_code(_URGENCY_BY_CODE)]
SecrecyIn = Annotated[Secrecy, _from_code(_SECRECY_BY_CODE)]
Text = Annotated[str, Field(max_length=2000)]
ShortText = Annotated[str, Field(max_length=300)]
OfficerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FileIn(Model):
    name: ShortText = Field(min_length=1)
    media_type: ShortText = Field(default="application/pdf", min_length=1)
    content_base64: str = Field(description="The file's bytes, base64")

    @field_validator("content_base64")
    @classmethod
    def _valid_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError("not valid base64") from error
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)


class OfficerIn(Model):
    officer_id: OfficerId
    name_th: ShortText = Field(min_length=1)
    position_th: ShortText = ""
    roles: list[Role] = Field(min_length=1)
    clearance: SecrecyIn = Secrecy.none


class OfficerChange(Model):
    name_th: ShortText | None = Field(default=None, min_length=1)
    position_th: ShortText | None = Field(default=None, min_length=1,
                                          description="ตำแหน่ง, as printed under a signature")
    roles: list[Role] | None = Field(default=None, min_length=1)
    clearance: SecrecyIn | None = None
    active: bool | None = None


class OfficerOut(BaseModel):
    officer_id: str
    name_th: str
    position_th: str
    roles: list[str]
    clearance: str
    active: bool
    version: int


class IncomingDocumentIn(Model):
    """ลงทะเบียนรับหนังสือ"""

    received_at: AwareDatetime = Field(description="วันเวลาที่รับ, with time zone")
    sender: ShortText = Field(min_length=1, description="จาก")
    sender_ref_no: ShortText = Field(default="", description="ที่ (the sender's number)")
    sender_doc_date: date | None = Field(default=None, description="ลงวันที่")
    sender_head_position_th: ShortText = Field(
        default="", description="ตำแหน่งหัวหน้าส่วนราชการผู้ส่ง: the position a reply is addressed "
                                "to (เรียน), e.g. เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน or "
                                "ผู้อำนวยการโรงเรียนบ้านหนองบัว; without it a reply names the sender")
    subject: Text = Field(min_length=1, description="เรื่อง")
    addressee: ShortText = Field(default="", description="ถึง")
    doc_type: DocumentType = DocumentType.external_letter
    urgency: UrgencyIn = Urgency.normal
    secrecy: SecrecyIn = Secrecy.none
    body_text: str | None = Field(default=None, max_length=200_000)
    attachments: list[FileIn] = Field(default_factory=list, max_length=20)

    @field_validator("received_at")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        # Also keeps calendar arithmetic away from the ends of the datetime range.
        if not 2000 <= value.year <= 2200:
            raise ValueError("received_at must be a date between 2000 and 2200 (CE)")
        return value


class AgencyDocumentIn(Model):
    """หนังสือจากระบบสารบรรณอิเล็กทรอนิกส์ของหน่วยงานอื่น: what an agency's system hands over.

    The sender is the agency the client was registered for (never a field of its own); the
    document is received at the moment it arrives. Urgency and secrecy by name or by the national
    exchange code (`001`-`004`)."""

    sender_ref_no: ShortText = Field(default="", description="ที่: the agency's own number")
    sender_doc_date: date | None = Field(default=None, description="ลงวันที่")
    sender_head_position_th: ShortText = Field(
        default="", description="ตำแหน่งหัวหน้าส่วนราชการผู้ส่ง: the position a reply is addressed "
                                "to (เรียน), e.g. เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน or "
                                "ผู้อำนวยการโรงเรียนบ้านหนองบัว; without it a reply names the sender")
    subject: Text = Field(min_length=1, description="เรื่อง")
    addressee: ShortText = Field(default="", description="เรียน / ถึง")
    doc_type: DocumentType = DocumentType.external_letter
    urgency: UrgencyIn = Urgency.normal
    secrecy: SecrecyIn = Secrecy.none
    body_text: str | None = Field(default=None, max_length=200_000)
    attachments: list[FileIn] = Field(default_factory=list, max_length=20)


class AgencyDocumentOut(BaseModel):
    """A submitted letter as its agency follows it (classified details only with clearance)."""

    document_id: UUID
    version: int
    receipt_no: int = Field(description="เลขทะเบียนรับ of the office")
    receipt_year_be: int
    received_at: datetime
    sender: str
    sender_ref_no: str
    sender_doc_date: date | None
    subject: str
    addressee: str
    doc_type: str
    urgency: str
    urgency_code: str = Field(description="e-saraban exchange code 001-004")
    secrecy: str
    secrecy_code: str = Field(description="e-saraban exchange code 001-004")
    attachment_count: int
    step: str
    step_th: str
    step_since: datetime | None
    outgoing_no: str | None = Field(description="The office's reply number, once dispatched")
    dispatched_at: datetime | None
    cancelled: bool
    closed: bool


class OutgoingDocumentIn(Model):
    """เริ่มร่างหนังสือออกของสำนักงาน"""

    subject: Text = Field(min_length=1)
    addressee: ShortText = Field(min_length=1)
    doc_type: DocumentType = DocumentType.external_letter
    urgency: UrgencyIn = Urgency.normal
    secrecy: SecrecyIn = Secrecy.none
    outgoing_kind: SeriesKind | None = Field(default=None, description="circular for the ว series")
    draft_text: str | None = Field(default=None, max_length=200_000)
    summary: Text = ""
    attachments: list[FileIn] = Field(default_factory=list, max_length=20)


class AssignIn(Model):
    officer_id: OfficerId
    instructions: Text = ""
    due_date: date | None = None


class DraftIn(Model):
    text: str | None = Field(default=None, max_length=200_000)
    summary: Text = ""
    doc_type: DocumentType | None = None
    outgoing_kind: SeriesKind | None = None


class SubmitIn(Model):
    checker_id: OfficerId


class ApproveIn(Model):
    signer_id: OfficerId
    comments: Text = ""


class CommentsIn(Model):
    comments: Text = Field(min_length=1)


class Empty(Model):
    """A step that takes no fields (sign, dispatch, return a loan)."""


class FileDocumentIn(Model):
    location: ShortText = Field(min_length=1, description="ที่เก็บ")
    retention_class: str = Field(default="years_10", pattern=r"^(years_[1-9][0-9]*|permanent)$")


class CancelIn(Model):
    reason: Text = Field(min_length=1)


class BorrowIn(Model):
    borrower: ShortText = Field(min_length=1)
    purpose: Text = Field(min_length=1)
    due_date: date
    outsider: bool = False
    approved_by: OfficerId | None = None


class DestructionListIn(Model):
    year_be: int = Field(ge=2500, le=2700, description="The calendar year (BE) being cleared")


class CommitteeIn(Model):
    """The destruction committee: officers of the staff directory, by id."""

    chair_id: OfficerId = Field(description="ประธานกรรมการ (officer id)")
    member_ids: list[OfficerId] = Field(min_length=1, max_length=20,
                                        description="กรรมการ อย่างน้อยสองคนนอกจากประธาน (officer ids)")


class KeepIn(Model):
    """A committee member's decision to keep an item longer: the member is the acting officer."""

    document_id: UUID
    reason: Text = Field(min_length=1)
    retention_class: str = Field(pattern=r"^(years_[1-9][0-9]*|permanent)$")


class ObjectionIn(Model):
    document_ids: list[UUID] = Field(min_length=1)
    reason: Text = Field(min_length=1)


class WorkItemOut(BaseModel):
    """One record waiting for the officer (งานของฉัน), whatever the procedure."""

    procedure: int = Field(description="1 saraban, 2 coordination and service, 3 meetings, "
                                       "4 knowledge")
    kind: str = Field(description="document, service_request, news_item, meeting, action_item, "
                                  "knowledge_item")
    kind_th: str
    id: UUID
    title: str = Field(description="subject or title; '(ลับ)' etc. for a classified document the "
                                   "officer may not read")
    step: str
    step_th: str
    since: datetime | None
    due: date | None
    overdue: bool
    path: str = Field(description="the record in this API")


class ReroutedOut(BaseModel):
    named_officer_id: str | None
    reason: str = Field(description="not_in_directory, inactive or may_not_draft")
    reason_th: str
    routed_to: str
    routed_to_th: str


class DocumentOut(BaseModel):
    """A line of the register as the caller may see it (a classified subject is masked)."""

    document_id: UUID
    version: int
    direction: str
    receipt_no: int | None
    receipt_year_be: int | None
    received_at: datetime | None
    sender: str
    sender_ref_no: str
    sender_doc_date: date | None
    sender_head_position_th: str = Field(description="the position a reply is addressed to")
    subject: str
    addressee: str = Field(description="ถึง of the received letter, or of the office's own letter")
    letter_addressee: str = Field(
        description="เรียน of the letter the office sends: ถึง in the dispatch register")
    doc_type: str
    urgency: str
    urgency_code: str
    secrecy: str
    secrecy_code: str
    attachment_count: int
    step: str
    step_th: str
    holder: str | None
    step_since: datetime | None
    assignee_id: str | None
    due: date | None
    outgoing_no: str | None
    outgoing_series: str | None
    dispatched_at: datetime | None
    signed_by: str | None
    retention_class: str | None
    location: str
    filed_at: datetime | None
    retention_expires_on: date | None
    on_loan: bool
    cancelled: bool
    destroyed_at: datetime | None
    content_available: bool
    review_rounds: int
    overdue: bool | None = None
    destruction_list_id: UUID | None = None
    destruction_year_be: int | None = Field(
        default=None, description="the year (BE) of the destruction list that destroyed it")
    origin: str | None = Field(
        default=None, description="the event type of the service that asked for this draft")
    named_drafter_id: str | None = Field(
        default=None, description="the officer that service named to draft it")
    rerouted: ReroutedOut | None = Field(
        default=None, description="why the named officer does not hold it, and who does")


class DispatchEntryOut(DocumentOut):
    """A number of the dispatch register (or of the ว circulars, or of the orders) and the
    document it numbers."""

    number: int = Field(description="เลขทะเบียนส่ง: the running number of the series and year")
    number_cancelled: bool
    number_cancel_reason: str
    series: str = Field(description="dispatch, circular or order")


class LoanOut(DocumentOut):
    """A document on loan (ทะเบียนการยืม): who has it, why, and by when it comes back."""

    borrower: str
    purpose: str
    loan_due: date
    borrowed_at: datetime
    loan_overdue: bool


class HistoryEntryOut(BaseModel):
    version: int
    event: str
    at: datetime
    actor: str
    trace_id: str
    data: dict[str, Any]


class AttachmentOut(BaseModel):
    name: str
    media_type: str
    sha256: str
    size: int
    content_base64: str | None


class ContentOut(BaseModel):
    document_id: UUID
    body_text: str | None
    draft_text: str | None
    attachments: list[AttachmentOut]


class CommitteeMemberOut(BaseModel):
    officer_id: str
    name_th: str | None
    position_th: str | None


class KeptOut(BaseModel):
    document_id: UUID
    reason: str
    retention_class: str
    decided_by: str = Field(description="the committee member who decided")


class DestructionListOut(BaseModel):
    destruction_list_id: UUID
    year_be: int
    step: str
    step_th: str
    items: list[UUID]
    items_to_destroy: list[UUID]
    committee: list[str] = Field(description="officer ids: the chair first")
    chair: CommitteeMemberOut | None
    members: list[CommitteeMemberOut]
    kept: list[KeptOut]
    destroyed_items: list[UUID]
    destroy_allowed_from: date | None
    version: int

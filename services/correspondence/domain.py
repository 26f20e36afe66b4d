"""Saraban (procedure 1): the office's official documents, from registration to destruction.

Pure domain model: aggregates decide and record events; the application loads and saves them.
Rules follow the Prime Minister's Office Regulation on Saraban BE 2526 (amended 2548, 2560, 2564)
as summarised in DOMAIN.md. Every calendar decision is taken on the Bangkok date, and commands get
the moment (`at`) from the caller: the domain never reads the clock.

Aggregates:
- `Officer`: a staff directory entry (roles, clearance), referenced by the other aggregates.
- `NumberSeries`: one gap-free running-number series per kind and BE calendar year.
- `Document`: one official document case, incoming or outgoing.
- `DestructionList`: the yearly list of expired documents sent to the National Archives.

Commands that a person performs take that person's loaded `Officer`, so the rules about the people a
record names (the assigned officer, the checker and signer a draft was put to, the committee's
members) and about clearance are decided here; who may run a command at all (roles, separation of
duties) is the decision-rights table's (`services.correspondence.rights`). The actor recorded on each
event comes from `shared.context`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import BaseModel, ConfigDict, Field

# The public vocabulary (document types, urgency and its exchange codes, secrecy) is the contract's,
# so the domain and what other agencies read can never drift apart.
from contracts.correspondence.v1 import URGENCY_CODES, DocumentType, Urgency
from contracts.envelope import SECRECY_CODES, Secrecy
from contracts.vocabulary import STAFF_ROLE_TH, StaffRole
from shared.domain import (
    Aggregate,
    Conflict,
    DeclaredError,
    DomainError,
    FieldRequired,
    NotFound,
    aware,
    event,
    required_text,
)
from shared.thaitime import bangkok_date, calendar_year_be, ce_year, fiscal_year_bounds
from shared.thaitime import fiscal_year_be as fiscal_year_be_of

# Namespace of the deterministic ids (officer, series, destruction list): the same natural key
# always names the same aggregate, so "load or create" needs no lookup table.
ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://esa.example/correspondence")

SHA256_PATTERN = r"^[0-9a-f]{64}$"
_SHA256 = re.compile(SHA256_PATTERN)
_RETENTION = re.compile(r"^(?:years_([1-9][0-9]*)|permanent)$")
DEFAULT_RETENTION_CLASS = "years_10"
DESTRUCTION_LIST_WINDOW_DAYS = 60  # after the calendar year ends
ARCHIVES_OBJECTION_DAYS = 60  # after the list is sent


# --------------------------------------------------------------------------------------------------
# Enums and value objects
# --------------------------------------------------------------------------------------------------


# The roles are the directory's, which every service reads from correspondence's events.
Role = StaffRole
ROLE_VALUES = frozenset(r.value for r in Role)
ROLE_TH: dict[Role, str] = STAFF_ROLE_TH


DOCUMENT_TYPE_TH: dict[DocumentType, str] = {
    DocumentType.external_letter: "หนังสือภายนอก",
    DocumentType.internal_memo: "หนังสือภายใน",
    DocumentType.stamped_letter: "หนังสือประทับตรา",
    DocumentType.directive: "หนังสือสั่งการ",
    DocumentType.announcement: "หนังสือประชาสัมพันธ์",
    DocumentType.record: "หนังสือที่เจ้าหน้าที่ทำขึ้นหรือรับไว้เป็นหลักฐาน",
}


URGENCY_TH: dict[Urgency, str] = {
    Urgency.most_urgent: "ด่วนที่สุด",
    Urgency.very_urgent: "ด่วนมาก",
    Urgency.urgent: "ด่วน",
    Urgency.normal: "ปกติ",
}

SECRECY_TH: dict[Secrecy, str] = {
    Secrecy.none: "ปกติ",
    Secrecy.confidential: "ลับ",
    Secrecy.secret: "ลับมาก",
    Secrecy.top_secret: "ลับที่สุด",
}
SECRECY_RANK: dict[Secrecy, int] = {
    Secrecy.none: 0,
    Secrecy.confidential: 1,
    Secrecy.secret: 2,
    Secrecy.top_secret: 3,
}


class SeriesKind(StrEnum):
    receiving = "receiving"  # เลขทะเบียนรับ
    dispatch = "dispatch"  # ที่ <office code>/<n>
    circular = "circular"  # ที่ <office code>/ว <n>
    order = "order"  # คำสั่ง <n>/<BE year>


SERIES_TH: dict[SeriesKind, str] = {
    SeriesKind.receiving: "ทะเบียนหนังสือรับ",
    SeriesKind.dispatch: "ทะเบียนหนังสือส่ง",
    SeriesKind.circular: "ทะเบียนหนังสือเวียน (ว)",
    SeriesKind.order: "ทะเบียนคำสั่ง",
}
OUTGOING_SERIES = frozenset({SeriesKind.dispatch, SeriesKind.circular, SeriesKind.order})


class Direction(StrEnum):
    incoming = "incoming"
    outgoing = "outgoing"


class Step(StrEnum):
    registered = "registered"
    assigned = "assigned"
    drafted = "drafted"
    in_check = "in_check"
    revising = "revising"
    awaiting_signature = "awaiting_signature"
    signed = "signed"
    dispatched = "dispatched"
    filed = "filed"
    cancelled = "cancelled"
    destroyed = "destroyed"


STEP_TH: dict[Step, str] = {
    Step.registered: "ลงทะเบียนรับแล้ว",
    Step.assigned: "มอบหมายผู้รับผิดชอบแล้ว",
    Step.drafted: "ร่างหนังสือแล้ว",
    Step.in_check: "เสนอผู้อำนวยการกลุ่มตรวจทาน",
    Step.revising: "ส่งกลับแก้ไข",
    Step.awaiting_signature: "เสนอผู้มีอำนาจลงนาม",
    Step.signed: "ลงนามแล้ว",
    Step.dispatched: "ส่งหนังสือแล้ว",
    Step.filed: "เก็บรักษาแล้ว",
    Step.cancelled: "ยกเลิกแล้ว",
    Step.destroyed: "ทำลายแล้ว",
}

# A draft exists but nobody has approved it yet: signing here is the classic short-cut to refuse.
_UNCHECKED_STEPS = frozenset({Step.drafted, Step.in_check, Step.revising})
# Steps in which the officer still owes work, for overdue tracking.
_OPEN_WORK_STEPS = frozenset(
    {Step.registered, Step.assigned, Step.drafted, Step.in_check, Step.revising,
     Step.awaiting_signature, Step.signed}
)
CLOSED_STEPS = frozenset({Step.filed, Step.cancelled, Step.destroyed})
# What describes a classified document (in registers, events, loans): shown only to those cleared.
CLASSIFIED_REGISTER_FIELDS = frozenset({
    "subject", "sender", "sender_ref_no", "addressee", "letter_addressee", "sender_head_position_th",
    "cancel_reason", "location", "summary",
    "instructions", "comments", "attachments", "reason", "purpose", "borrower", "draft_sha256",
    "body_sha256", "number_cancel_reason",
})
# What an agency sees of a letter it submitted (not the office's internal routing).
AGENCY_VIEW_FIELDS = frozenset({
    "document_id", "receipt_no", "receipt_year_be", "received_at", "sender", "sender_ref_no",
    "sender_doc_date", "subject", "addressee", "doc_type", "urgency", "urgency_code", "secrecy",
    "secrecy_code", "attachment_count", "step", "step_th", "step_since", "outgoing_no",
    "dispatched_at", "cancelled",
})
CLERK_HOLDER = Role.clerk.value  # the holder when "any clerk" must act next
# A registered letter is proposed to the group director, who must assign it.
DIRECTOR_HOLDER = Role.group_director.value


class RerouteReason(StrEnum):
    """Why a letter another service asked for is not held by the officer it named."""

    not_in_directory = "not_in_directory"
    inactive = "inactive"
    may_not_draft = "may_not_draft"


REROUTE_REASON_TH: dict[RerouteReason, str] = {
    RerouteReason.not_in_directory: "ไม่พบผู้ที่ระบุในทะเบียนเจ้าหน้าที่",
    RerouteReason.inactive: "ผู้ที่ระบุถูกระงับการใช้งาน",
    RerouteReason.may_not_draft: "ผู้ที่ระบุไม่มีบทบาทผู้รับผิดชอบจัดทำหนังสือ "
                                 "(นักวิเคราะห์นโยบายและแผน หรือผู้อำนวยการกลุ่ม)",
}


def reroute_reason(named: Officer | None) -> RerouteReason | None:
    """Why the officer named cannot hold a draft (None: they can): only an active responsible
    officer or group director drafts (manual, งานสารบรรณ 5.2 (3))."""
    if named is None:
        return RerouteReason.not_in_directory
    if not named.active:
        return RerouteReason.inactive
    if not (named.has_role(Role.officer) or named.has_role(Role.group_director)):
        return RerouteReason.may_not_draft
    return None


class ReviewStage(StrEnum):
    check = "check"  # by the group director
    signature = "signature"  # by the authorised signer


class DestructionStep(StrEnum):
    opened = "opened"
    committee_appointed = "committee_appointed"
    sent = "sent"
    carried_out = "carried_out"


DESTRUCTION_STEP_TH: dict[DestructionStep, str] = {
    DestructionStep.opened: "จัดทำบัญชีหนังสือขอทำลายแล้ว",
    DestructionStep.committee_appointed: "แต่งตั้งคณะกรรมการทำลายหนังสือแล้ว",
    DestructionStep.sent: "ส่งบัญชีให้กรมศิลปากรแล้ว",
    DestructionStep.carried_out: "ทำลายหนังสือแล้ว",
}


class Attachment(BaseModel):
    """Metadata of a file; its bytes live in the content-addressed blob store under `sha256`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    media_type: str = Field(min_length=1)
    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=0)


@dataclass
class ReviewRound:
    """One submission of a draft and what the checker and signer did with it."""

    number: int
    submitted_by: str
    submitted_at: datetime
    draft_sha256: str | None
    checker_id: str
    checked_by: str | None = None
    checked_at: datetime | None = None
    check_comments: str = ""
    signer_id: str | None = None
    signed_by: str | None = None
    signed_at: datetime | None = None
    returned_by: str | None = None
    returned_at: datetime | None = None
    return_stage: ReviewStage | None = None
    return_comments: str = ""

    @property
    def outcome(self) -> str:
        """`pending`, `returned` or `signed`."""
        if self.signed_by:
            return "signed"
        if self.returned_by:
            return "returned"
        return "pending"


@dataclass
class Loan:
    """A line of the borrow register."""

    loan_no: int
    borrower: str
    purpose: str
    due: date
    outsider: bool
    approved_by: str | None
    borrowed_at: datetime
    returned_at: datetime | None = None


@dataclass
class KeptItem:
    reason: str
    retention_class: str
    marked_by: str


# --------------------------------------------------------------------------------------------------
# Pure functions
# --------------------------------------------------------------------------------------------------


def receiving_year_be(received_at: datetime) -> int:
    """The receiving register (BE calendar year, Bangkok) a document received then belongs to."""
    return calendar_year_be(aware(received_at, "received_at"))


def format_outgoing_no(kind: SeriesKind, office_code: str, n: int, year_be: int) -> str:
    """`ที่ ศธ 04123/15`, `ที่ ศธ 04123/ว 3`, or `15/2569` for orders; a receipt number is `n`."""
    match SeriesKind(kind):
        case SeriesKind.dispatch:
            return f"ที่ {office_code}/{n}"
        case SeriesKind.circular:
            return f"ที่ {office_code}/ว {n}"
        case SeriesKind.order:
            return f"{n}/{year_be}"
        case SeriesKind.receiving:
            return str(n)


def retention_years(retention_class: str) -> int | None:
    """Years kept for `years_<n>`; None for `permanent`. Raises on anything else."""
    match = _RETENTION.match(retention_class)
    if not match:
        raise InvalidRetentionClass(f"{retention_class!r}: use years_<n> or permanent")
    return int(match.group(1)) if match.group(1) else None


def add_years(day: date, years: int) -> date:
    # 29 Feb has no twin in a common year; 1 Mar keeps the paper at least the full term.
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def expected_series(doc_type: DocumentType, outgoing_kind: SeriesKind | None) -> SeriesKind:
    """The register an outgoing document is numbered from."""
    if outgoing_kind is not None:
        return outgoing_kind
    return SeriesKind.order if doc_type == DocumentType.directive else SeriesKind.dispatch


# --------------------------------------------------------------------------------------------------
# Errors (stable kebab-case codes; the API answers them as problem details)
# --------------------------------------------------------------------------------------------------


class Forbidden(DomainError):
    """The person lacks the role or clearance the rule asks for."""

    status = 403


class CorrespondenceError(DeclaredError):
    code = "correspondence-error"
    title_th = "ไม่สามารถดำเนินการได้"
    title_en = "Not allowed"


# Input that breaks a rule (422)


class InvalidHash(CorrespondenceError):
    code = "invalid-hash"
    title_th = "ค่าแฮชไม่ถูกต้อง"
    title_en = "Not a SHA-256 hex digest"


class InvalidNumber(CorrespondenceError):
    code = "invalid-number"
    title_th = "เลขที่ไม่ถูกต้อง"
    title_en = "Numbers start at 1"


class ReceivedInFuture(CorrespondenceError):
    code = "received-in-future"
    title_th = "วันเวลารับหนังสือเป็นเวลาในอนาคต"
    title_en = "Received time is in the future"


class SenderDateAfterReceipt(CorrespondenceError):
    code = "sender-date-after-receipt"
    title_th = "วันที่ของหนังสือหลังวันที่รับ"
    title_en = "The sender's document date is after the date received"


class TopSecretPaperOnly(CorrespondenceError):
    code = "top-secret-paper-only"
    title_th = "หนังสือลับที่สุดเก็บเป็นกระดาษ ระบบบันทึกเฉพาะทะเบียน"
    title_en = "Top-secret documents are paper only: register entry, no content"


class DueBeforeReceived(CorrespondenceError):
    code = "due-before-received"
    title_th = "กำหนดเสร็จก่อนวันที่รับหนังสือ"
    title_en = "Due date is before the date received"


class DueBeforeBorrow(CorrespondenceError):
    code = "due-before-borrow"
    title_th = "กำหนดคืนก่อนวันที่ยืม"
    title_en = "Return date is before the borrow date"


class OfficerInactive(CorrespondenceError):
    code = "officer-inactive"
    title_th = "เจ้าหน้าที่ไม่อยู่ในสถานะปฏิบัติงาน"
    title_en = "Officer is not active"


class OfficerNotCleared(CorrespondenceError):
    code = "officer-not-cleared"
    title_th = "เจ้าหน้าที่ไม่มีสิทธิ์เข้าถึงชั้นความลับของหนังสือ"
    title_en = "Officer is not cleared for this document's secrecy"


class SignerWithoutPosition(CorrespondenceError):
    code = "signer-without-position"
    title_th = "ผู้ลงนามต้องมีตำแหน่งในทะเบียนเจ้าหน้าที่ (ตำแหน่งพิมพ์ใต้ชื่อผู้ลงนามในหนังสือ)"
    title_en = "A signer needs a position in the staff directory (it is printed under the signature)"


class SeriesMismatch(CorrespondenceError):
    code = "series-mismatch"
    title_th = "ทะเบียนเลขที่ไม่ตรงกับชนิดหนังสือ"
    title_en = "Number series does not fit the document"


class InvalidRetentionClass(CorrespondenceError):
    code = "invalid-retention-class"
    title_th = "อายุการเก็บไม่ถูกต้อง"
    title_en = "Invalid retention class"


class OutsiderNeedsApproval(CorrespondenceError):
    code = "outsider-needs-approval"
    title_th = "บุคคลภายนอกยืมหนังสือต้องได้รับอนุญาตจากผู้อำนวยการกลุ่ม"
    title_en = "Outsiders may borrow only with a group director's approval"


class CommitteeTooSmall(CorrespondenceError):
    code = "committee-too-small"
    title_th = "คณะกรรมการทำลายหนังสือต้องมีประธานและกรรมการอย่างน้อยสองคน"
    title_en = "A destruction committee needs a chair and at least two members"


class NotOnList(CorrespondenceError):
    code = "not-on-list"
    title_th = "หนังสือไม่อยู่ในบัญชีหนังสือขอทำลาย"
    title_en = "Document is not on this destruction list"


class DestructionListEmpty(CorrespondenceError):
    code = "destruction-list-empty"
    title_th = "บัญชีหนังสือขอทำลายไม่มีรายการ"
    title_en = "A destruction list needs items"



# Who may do it (403)
class NotAGroupDirector(CorrespondenceError, Forbidden):
    code = "not-a-group-director"
    title_th = "ต้องเป็นผู้อำนวยการกลุ่ม"
    title_en = "Only a group director may do this"


class NotASigner(CorrespondenceError, Forbidden):
    code = "not-a-signer"
    title_th = "ไม่ใช่ผู้มีอำนาจลงนาม"
    title_en = "Only an authorised signer may do this"



class NotAnOfficer(CorrespondenceError, Forbidden):
    code = "not-an-officer"
    title_th = "ผู้ที่ระบุต้องเป็นผู้รับผิดชอบงาน (นักวิเคราะห์นโยบายและแผน หรือผู้อำนวยการกลุ่ม)"
    title_en = "The officer named must be a responsible officer (or a group director)"


class OwnDraftCheck(CorrespondenceError, Forbidden):
    code = "own-draft-check"
    title_th = "ผู้ร่างตรวจหรือลงนามร่างของตนเองไม่ได้ ต้องเสนอผู้อื่น"
    title_en = "A draft is put to someone other than its drafter, to check or to sign"


class NotTheAssignee(CorrespondenceError, Forbidden):
    code = "not-the-assignee"
    title_th = "ไม่ใช่ผู้รับผิดชอบหนังสือนี้"
    title_en = "Only the assigned officer may do this"




class NotACommitteeMember(CorrespondenceError, Forbidden):
    code = "not-a-committee-member"
    title_th = "ไม่ใช่กรรมการทำลายหนังสือ การตัดสินใจของคณะกรรมการต้องทำโดยกรรมการเอง"
    title_en = "Only a member of the destruction committee decides for it"


class NotCleared(CorrespondenceError, Forbidden):
    code = "not-cleared"
    title_th = "ไม่มีสิทธิ์เข้าถึงเนื้อหาชั้นความลับนี้"
    title_en = "Not cleared, or no need to know, for this content"



# Not found (404)


class DocumentNotFound(CorrespondenceError, NotFound):
    code = "document-not-found"
    title_th = "ไม่พบหนังสือ"
    title_en = "Document not found"


class DestructionListNotFound(CorrespondenceError, NotFound):
    code = "destruction-list-not-found"
    title_th = "ไม่พบบัญชีหนังสือขอทำลาย"
    title_en = "Destruction list not found"


class OfficerAlreadyRegistered(CorrespondenceError, Conflict):
    code = "officer-already-registered"
    title_th = "มีเจ้าหน้าที่รหัสนี้แล้ว"
    title_en = "An officer with this id is already registered"


class OfficerIdIsARole(CorrespondenceError):
    code = "officer-id-is-a-role"
    title_th = "รหัสเจ้าหน้าที่ต้องไม่ซ้ำกับชื่อบทบาท (เช่น group_director)"
    title_en = "An officer id may not be the name of a role"


class FirstOfficerNotADirector(CorrespondenceError):
    code = "first-officer-not-a-director"
    title_th = "เจ้าหน้าที่คนแรกในทะเบียนต้องเป็นผู้อำนวยการ เพื่อให้เพิ่มเจ้าหน้าที่อื่นได้"
    title_en = "The first officer in the directory must be a director, who can then add the others"


class DirectoryAlreadyStarted(CorrespondenceError, Conflict):
    code = "directory-already-started"
    title_th = "มีผู้ลงทะเบียนเจ้าหน้าที่คนแรกไปแล้ว โปรดดำเนินการในนามเจ้าหน้าที่ในทะเบียน"
    title_en = "The directory was started meanwhile: act as an officer in it"


class AttachmentTooLarge(CorrespondenceError):
    code = "attachment-too-large"
    title_th = "ไฟล์แนบมีขนาดใหญ่เกินกำหนด"
    title_en = "Attachment too large"


class NotTheNamedOfficer(CorrespondenceError, Forbidden):
    code = "not-the-named-officer"
    title_th = "หนังสือนี้เสนอผู้อื่น ไม่ใช่ผู้ดำเนินการ"
    title_en = "The draft was put to someone else"


class OwnRecord(CorrespondenceError, Forbidden):
    code = "own-record"
    title_th = "แก้ไขสิทธิ์หรือชั้นความลับของตนเองไม่ได้"
    title_en = "Nobody changes their own roles, clearance or status"



class NumberNotIssued(CorrespondenceError, NotFound):
    code = "number-not-issued"
    title_th = "ยังไม่ได้ออกเลขที่นี้"
    title_en = "This number has not been issued"



# Does not fit the current state (409)
class WrongStep(CorrespondenceError, Conflict):
    code = "wrong-step"
    title_th = "ไม่สามารถทำได้ในขั้นตอนปัจจุบัน"
    title_en = "Not allowed at the current step"


class DocumentCancelled(CorrespondenceError, Conflict):
    code = "document-cancelled"
    title_th = "หนังสือถูกยกเลิกแล้ว"
    title_en = "The document is cancelled"


class DocumentDestroyed(CorrespondenceError, Conflict):
    code = "document-destroyed"
    title_th = "หนังสือถูกทำลายแล้ว"
    title_en = "The document has been destroyed"


class DraftNotChecked(CorrespondenceError, Conflict):
    code = "draft-not-checked"
    title_th = "ร่างหนังสือยังไม่ผ่านการตรวจทานของผู้อำนวยการกลุ่ม"
    title_en = "The draft has not been checked by the group director"


class AlreadyDispatched(CorrespondenceError, Conflict):
    code = "already-dispatched"
    title_th = "หนังสือส่งออกไปแล้ว"
    title_en = "The document has already been dispatched"


class AlreadyOnLoan(CorrespondenceError, Conflict):
    code = "already-on-loan"
    title_th = "หนังสือถูกยืมอยู่"
    title_en = "The document is already on loan"


class NotOnLoan(CorrespondenceError, Conflict):
    code = "not-on-loan"
    title_th = "หนังสือไม่ได้ถูกยืม"
    title_en = "The document is not on loan"


class DocumentOnLoan(CorrespondenceError, Conflict):
    code = "document-on-loan"
    title_th = "หนังสือถูกยืมอยู่ ยังทำลายไม่ได้"
    title_en = "The document is on loan"


class ContentNotAvailable(CorrespondenceError, Conflict):
    code = "content-not-available"
    title_th = "ไม่มีเนื้อหาหนังสือในระบบ"
    title_en = "No content in the system (top secret or destroyed)"


class NoDraftToPrint(CorrespondenceError, Conflict):
    code = "no-draft-to-print"
    title_th = "หนังสือนี้ยังไม่มีร่างที่จะจัดพิมพ์"
    title_en = "The document has no draft to print as a letter"


class NotExpired(CorrespondenceError, Conflict):
    code = "not-expired"
    title_th = "หนังสือยังไม่ครบอายุการเก็บ"
    title_en = "Retention has not expired"


class NumberAlreadyCancelled(CorrespondenceError, Conflict):
    code = "number-already-cancelled"
    title_th = "เลขที่นี้ถูกยกเลิกแล้ว"
    title_en = "The number is already cancelled"


class DestructionListWindowClosed(CorrespondenceError, Conflict):
    code = "destruction-list-window-closed"
    title_th = "จัดทำบัญชีหนังสือขอทำลายได้ภายใน 60 วันหลังสิ้นปีปฏิทิน"
    title_en = "A destruction list is made within 60 days after the calendar year ends"


class CommitteeNotAppointed(CorrespondenceError, Conflict):
    code = "committee-not-appointed"
    title_th = "ยังไม่ได้แต่งตั้งคณะกรรมการทำลายหนังสือ"
    title_en = "No destruction committee appointed yet"


class ObjectionWindowOpen(CorrespondenceError, Conflict):
    code = "objection-window-open"
    title_th = "ยังอยู่ในระยะเวลา 60 วันที่กรมศิลปากรอาจทักท้วง"
    title_en = "The National Archives' 60-day objection window is still open"


class ObjectionWindowClosed(CorrespondenceError, Conflict):
    code = "objection-window-closed"
    title_th = "พ้นกำหนด 60 วันที่กรมศิลปากรทักท้วงได้"
    title_en = "The National Archives' 60-day objection window has closed"






def _sha256(value: str | None, name: str) -> str | None:
    if value is not None and not _SHA256.match(value):
        raise InvalidHash(f"{name} must be 64 lowercase hex digits", field=name)
    return value


def _require_role(person: Officer, role: Role, error: type[DomainError]) -> None:
    """The person a command names (a checker, a signer, an approver) holds the role. Who may run
    a command at all is the decision-rights table's (`services.correspondence.rights`)."""
    if not person.active or not person.has_role(role):
        raise error(f"{person.officer_id} lacks role {role.value}", officer_id=person.officer_id)


# --------------------------------------------------------------------------------------------------
# Officer
# --------------------------------------------------------------------------------------------------


class Officer(Aggregate, stored_as="correspondence.Officer"):
    """A person of the office with roles and a secrecy clearance."""

    @staticmethod
    def create_id(officer_id: str) -> UUID:
        return uuid5(ID_NAMESPACE, f"officer:{officer_id}")

    @classmethod
    def register(
        cls,
        *,
        officer_id: str,
        name_th: str,
        position_th: str,
        roles: Iterable[Role | str],
        clearance: Secrecy = Secrecy.none,
    ) -> Officer:
        officer_id = required_text(officer_id, "officer_id")
        if any(ch.isspace() for ch in officer_id):
            raise FieldRequired("officer_id must not contain spaces", field="officer_id")
        if officer_id in ROLE_VALUES:
            # A record held by a role names the role where an officer id would be.
            raise OfficerIdIsARole(f"{officer_id} is a role", field="officer_id")
        return cls(
            officer_id=officer_id,
            name_th=required_text(name_th, "name_th"),
            position_th=position_th.strip(),
            roles=_sorted_roles(roles),
            clearance=Secrecy(clearance),
        )

    @event("Registered")
    def __init__(
        self, *, officer_id: str, name_th: str, position_th: str, roles: list[Role],
        clearance: Secrecy,
    ) -> None:
        self.officer_id = officer_id
        self.name_th = name_th
        self.position_th = position_th
        self.roles = frozenset(roles)
        self.clearance = clearance
        self.active = True

    def change_roles(self, roles: Iterable[Role | str]) -> None:
        new = _sorted_roles(roles)
        if frozenset(new) != self.roles:
            self._roles_changed(roles=new)

    def change_clearance(self, clearance: Secrecy) -> None:
        if Secrecy(clearance) != self.clearance:
            self._clearance_changed(clearance=Secrecy(clearance))

    def change_details(self, *, name_th: str | None = None, position_th: str | None = None) -> None:
        """A new name (marriage, rank) or position (transfer, promotion): letters printed from
        now on carry it; what was recorded before keeps the name it was recorded with."""
        name = required_text(name_th, "name_th") if name_th is not None else self.name_th
        position = position_th.strip() if position_th is not None else self.position_th
        if (name, position) != (self.name_th, self.position_th):
            self._details_changed(name_th=name, position_th=position)

    def deactivate(self, reason: str) -> None:
        if self.active:
            self._deactivated(reason=required_text(reason, "reason"))

    def reactivate(self) -> None:
        if not self.active:
            self._reactivated()

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    def holds(self, holder: str) -> bool:
        """Is a record held by `holder` (an officer id, or a role anyone holding it may take) up
        to this officer? Nothing waits for an officer who is no longer active."""
        if not self.active:
            return False
        if holder in ROLE_VALUES:
            return self.has_role(holder)
        return holder == self.officer_id

    def cleared_for(self, secrecy: Secrecy) -> bool:
        return SECRECY_RANK[self.clearance] >= SECRECY_RANK[Secrecy(secrecy)]

    @event("RolesChanged")
    def _roles_changed(self, roles: list[Role]) -> None:
        self.roles = frozenset(roles)

    @event("ClearanceChanged")
    def _clearance_changed(self, clearance: Secrecy) -> None:
        self.clearance = clearance

    @event("DetailsChanged")
    def _details_changed(self, name_th: str, position_th: str) -> None:
        self.name_th = name_th
        self.position_th = position_th

    @event("Deactivated")
    def _deactivated(self, reason: str) -> None:
        self.active = False

    @event("Reactivated")
    def _reactivated(self) -> None:
        self.active = True


def mask_of(secrecy: Secrecy | str) -> str:
    """What a reader who may not see a classified description sees instead: "(ลับ)" etc."""
    return f"({SECRECY_TH[Secrecy(secrecy)]})"


def masked_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A register line of a classified document with every descriptive field masked."""
    return {**entry, **dict.fromkeys(CLASSIFIED_REGISTER_FIELDS & entry.keys(),
                                     mask_of(entry["secrecy"]))}


def agency_entry(entry: dict[str, Any], clearance: Secrecy | str) -> dict[str, Any]:
    """What the submitting agency follows of a register line (`Document.register_entry`): its
    letter's register facts and where it stands, never who holds it inside the office; of a
    classified letter, its description only if the agency's clearance covers the letter's level."""
    shown = {k: v for k, v in entry.items() if k in AGENCY_VIEW_FIELDS}
    shown["closed"] = Step(entry["step"]) in CLOSED_STEPS
    if SECRECY_RANK[Secrecy(clearance)] < SECRECY_RANK[Secrecy(entry["secrecy"])]:
        shown = masked_entry(shown)
    return shown


def may_see(secrecy: Secrecy, participants: Iterable[str], officer: Officer | None) -> bool:
    """Need to know: a classified document is described only to an active officer cleared for
    its level who worked on it (`Document.participants`) or is a director. A pure rule of the
    stored secrecy and participants, so that a list can mask its stored lines per reader."""
    if Secrecy(secrecy) == Secrecy.none:
        return True
    if officer is None or not officer.active or not officer.cleared_for(secrecy):
        return False
    return (officer.officer_id in participants or officer.has_role(Role.group_director)
            or officer.has_role(Role.esa_director))


def _sorted_roles(roles: Iterable[Role | str]) -> list[Role]:
    # Sorted so that the same set always gives the same event (and the same JSON).
    return sorted({Role(r) for r in roles}, key=lambda r: r.value)


# --------------------------------------------------------------------------------------------------
# NumberSeries
# --------------------------------------------------------------------------------------------------


class NumberSeries(Aggregate, stored_as="correspondence.NumberSeries"):
    """A running-number register for one kind and BE calendar year: gap-free, never reused."""

    @staticmethod
    def create_id(kind: SeriesKind | str, year_be: int) -> UUID:
        return uuid5(ID_NAMESPACE, f"series:{SeriesKind(kind).value}:{int(year_be)}")

    @classmethod
    def open(cls, *, kind: SeriesKind | str, year_be: int) -> NumberSeries:
        if year_be < 2400:  # a CE year passed by mistake would silently open a wrong register
            raise InvalidNumber(f"{year_be} is not a Buddhist-era year", field="year_be")
        return cls(kind=SeriesKind(kind), year_be=year_be)

    @event("Opened")
    def __init__(self, *, kind: SeriesKind, year_be: int) -> None:
        # Only what the next decision needs: the state stays the same size however many numbers
        # a year issues, so a registration costs the same in December as in January. Which
        # document holds which number is on the document (and in the NumberIssued events).
        self.kind = kind
        self.year_be = year_be
        self.last_number = 0
        self.cancelled: dict[int, str] = {}

    def issue(self, document_id: UUID) -> int:
        """The next number, recorded against the document (which must not hold one already:
        the document's own rules see to that, in the same transaction)."""
        number = self.last_number + 1
        self._number_issued(number=number, document_id=document_id)
        return number

    def cancel(self, number: int, reason: str) -> None:
        """Mark a number cancelled; it stays in the register and is never issued again."""
        if not 1 <= number <= self.last_number:
            raise NumberNotIssued(f"{self.kind.value} {number}/{self.year_be}", number=number)
        if number in self.cancelled:
            raise NumberAlreadyCancelled(f"{number}/{self.year_be}", number=number)
        self._number_cancelled(number=number, reason=required_text(reason, "reason"))

    @property
    def next_number(self) -> int:
        return self.last_number + 1

    def snapshot_state(self) -> dict[str, Any]:
        # A year's receiving register issues tens of thousands of numbers: loading the series
        # for the next one reads its last snapshot and the events since, not the whole year.
        return {"kind": self.kind.value, "year_be": self.year_be, "last_number": self.last_number,
                "cancelled": {str(number): reason for number, reason in self.cancelled.items()}}

    @classmethod
    def from_snapshot_state(cls, state: dict[str, Any]) -> dict[str, Any]:
        return {"kind": SeriesKind(state["kind"]), "year_be": state["year_be"],
                "last_number": state["last_number"],
                "cancelled": {int(number): reason for number, reason in state["cancelled"].items()}}

    @event("NumberIssued")
    def _number_issued(self, number: int, document_id: UUID) -> None:
        self.last_number = number

    @event("NumberCancelled")
    def _number_cancelled(self, number: int, reason: str) -> None:
        self.cancelled[number] = reason


# --------------------------------------------------------------------------------------------------
# Document
# --------------------------------------------------------------------------------------------------


class Document(Aggregate, stored_as="correspondence.Document"):
    """One official document case: register, route, draft, check, sign, dispatch, keep, destroy."""

    def __init__(self) -> None:
        # Defaults for both ways of starting a document; the creation events fill them in.
        self.direction = Direction.incoming
        self.receipt_no: int | None = None
        self.receipt_year_be: int | None = None
        self.received_at: datetime | None = None
        self.sender = ""
        self.sender_ref_no = ""
        self.sender_doc_date: date | None = None
        # The position of the head of the sending office, to whom a reply is addressed (เรียน).
        self.sender_head_position_th = ""
        self.subject = ""
        self.addressee = ""
        self.doc_type = DocumentType.external_letter
        self.urgency = Urgency.normal
        self.secrecy = Secrecy.none
        self.attachments: list[Attachment] = []
        self.body_sha256: str | None = None
        self.step = Step.registered
        self.holder: str | None = None
        self.step_since: datetime | None = None
        self.assignee_id: str | None = None
        self.assigned_by: str | None = None
        self.instructions = ""
        self.due: date | None = None
        self.drafter_id: str | None = None
        self.draft_sha256: str | None = None
        self.draft_summary = ""
        self.draft_version = 0
        self.outgoing_doc_type: DocumentType | None = None
        self.outgoing_kind: SeriesKind | None = None
        self.review_rounds: list[ReviewRound] = []
        self.signed_by: str | None = None
        self.signed_at: datetime | None = None
        self.outgoing_series: SeriesKind | None = None
        self.outgoing_number: int | None = None
        self.outgoing_year_be: int | None = None
        self.outgoing_no: str | None = None
        self.dispatched_at: datetime | None = None
        self.letter_sha256: str | None = None  # the issued, signed PDF in the file store
        self.retention_class: str | None = None
        self.location = ""
        self.filed_at: datetime | None = None
        self.filed_on: date | None = None
        self.loans: list[Loan] = []
        self.cancel_reason = ""
        self.cancelled_at: datetime | None = None
        self.step_before_cancel: Step | None = None
        self.destroyed_at: datetime | None = None
        self.destruction_list_id: UUID | None = None
        self.destruction_year_be: int | None = None
        self.submitted_by: str | None = None  # the agency client that handed it over, if any
        self.origin: str | None = None
        self.named_drafter_id: str | None = None
        self.reroute_reason: RerouteReason | None = None
        # When each step of the routing evaluation first happened (`ROUTED_STEPS`), and every
        # file any event named (bodies, each draft version, attachments, the issued letter):
        # what the routing report and the purge after destruction read, without the events.
        self.first_at: dict[str, datetime] = {}
        self.files: set[str] = set()

    # ---- creation --------------------------------------------------------------------------------

    class Registered(Aggregate.Created):
        """An incoming document entered in the receiving register."""

        receipt_no: int
        receipt_year_be: int
        received_at: datetime
        sender: str
        sender_ref_no: str
        sender_doc_date: date | None
        subject: str
        addressee: str
        doc_type: DocumentType
        urgency: Urgency
        secrecy: Secrecy
        attachments: tuple[Attachment, ...]
        body_sha256: str | None
        registered_by: str
        # The agency client whose system submitted it through the API (None: a clerk entered it).
        submitted_by: str | None = None
        sender_head_position_th: str = ""  # to whom a reply is addressed; "" before it was kept

        def apply(self, aggregate: Any) -> None:
            doc: Document = aggregate
            doc.submitted_by = self.submitted_by
            doc.direction = Direction.incoming
            doc.receipt_no = self.receipt_no
            doc.receipt_year_be = self.receipt_year_be
            doc.received_at = self.received_at
            doc.sender = self.sender
            doc.sender_ref_no = self.sender_ref_no
            doc.sender_doc_date = self.sender_doc_date
            doc.sender_head_position_th = self.sender_head_position_th
            doc.subject = self.subject
            doc.addressee = self.addressee
            doc.doc_type = self.doc_type
            doc.urgency = self.urgency
            doc.secrecy = self.secrecy
            doc.attachments = list(self.attachments)
            doc.body_sha256 = self.body_sha256
            doc._named_files(self.body_sha256, *(a.sha256 for a in self.attachments))
            doc._move(Step.registered, DIRECTOR_HOLDER, self.received_at)

    class Started(Aggregate.Created):
        """An outgoing document the office originates, drafted by an officer; or drafted for the
        officer another service's event named (`origin`), who could not hold it: then nobody
        drafted it yet (`drafter_id` None) and it waits for the group director to assign it."""

        drafter_id: str | None
        subject: str
        addressee: str
        doc_type: DocumentType
        urgency: Urgency
        secrecy: Secrecy
        outgoing_kind: SeriesKind | None
        draft_sha256: str | None
        summary: str
        attachments: tuple[Attachment, ...]
        at: datetime
        # Drafted on another service's behalf: the event type that asked, the officer it named,
        # and why the office gave the work to someone else (None: the named officer holds it).
        origin: str | None = None
        named_drafter_id: str | None = None
        reroute_reason: RerouteReason | None = None

        def apply(self, aggregate: Any) -> None:
            doc: Document = aggregate
            doc.origin = self.origin
            doc.named_drafter_id = self.named_drafter_id
            doc.reroute_reason = self.reroute_reason
            doc.direction = Direction.outgoing
            doc.subject = self.subject
            doc.addressee = self.addressee
            doc.doc_type = self.doc_type
            doc.urgency = self.urgency
            doc.secrecy = self.secrecy
            doc.attachments = list(self.attachments)
            doc.assignee_id = self.drafter_id
            doc.drafter_id = self.drafter_id
            doc.draft_sha256 = self.draft_sha256
            doc.draft_summary = self.summary
            doc.draft_version = 1
            doc.outgoing_doc_type = self.doc_type
            doc.outgoing_kind = self.outgoing_kind
            doc._named_files(self.draft_sha256, *(a.sha256 for a in self.attachments))
            doc._move(Step.drafted, self.drafter_id or DIRECTOR_HOLDER, self.at)

    @classmethod
    def register_incoming(
        cls,
        *,
        document_id: UUID | None = None,
        receipt_no: int,
        received_at: datetime,
        sender: str,
        sender_ref_no: str,
        sender_doc_date: date | None,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency = Urgency.normal,
        secrecy: Secrecy = Secrecy.none,
        attachments: Sequence[Attachment] = (),
        body_sha256: str | None = None,
        sender_head_position_th: str = "",
        by: Officer,
        at: datetime,
    ) -> Document:
        """Enter a received document in the receiving register under `receipt_no`.

        `document_id` is the id the receipt number was issued to (`NumberSeries.issue`);
        `sender_head_position_th` the position of the sending office's head, to whom a reply is
        addressed ("เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน"), when the clerk knows it.
        """
        return cls._registered(
            document_id=document_id, receipt_no=receipt_no, received_at=received_at, sender=sender,
            sender_ref_no=sender_ref_no, sender_doc_date=sender_doc_date, subject=subject,
            addressee=addressee, doc_type=doc_type, urgency=urgency, secrecy=secrecy,
            attachments=attachments, body_sha256=body_sha256, registered_by=by.officer_id,
            submitted_by=None, sender_head_position_th=sender_head_position_th, at=at)

    @classmethod
    def receive_from_agency(
        cls,
        *,
        document_id: UUID | None = None,
        receipt_no: int,
        client_id: str,
        agency: str,
        sender_ref_no: str,
        sender_doc_date: date | None,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency = Urgency.normal,
        secrecy: Secrecy = Secrecy.none,
        attachments: Sequence[Attachment] = (),
        body_sha256: str | None = None,
        sender_head_position_th: str = "",
        at: datetime,
    ) -> Document:
        """Another agency's e-saraban system hands a letter over: received now, entered in the
        receiving register under `receipt_no` with the agency as sender (the name it was
        registered under, not one it chose), and proposed to the group director like any other."""
        return cls._registered(
            document_id=document_id, receipt_no=receipt_no, received_at=at, sender=agency,
            sender_ref_no=sender_ref_no, sender_doc_date=sender_doc_date, subject=subject,
            addressee=addressee, doc_type=doc_type, urgency=urgency, secrecy=secrecy,
            attachments=attachments, body_sha256=body_sha256,
            registered_by=f"agency:{required_text(client_id, 'client_id')}", submitted_by=client_id,
            sender_head_position_th=sender_head_position_th, at=at)

    @classmethod
    def _registered(
        cls, *, document_id: UUID | None, receipt_no: int, received_at: datetime, sender: str,
        sender_ref_no: str, sender_doc_date: date | None, subject: str, addressee: str,
        doc_type: DocumentType, urgency: Urgency, secrecy: Secrecy,
        attachments: Sequence[Attachment], body_sha256: str | None, registered_by: str,
        submitted_by: str | None, sender_head_position_th: str, at: datetime,
    ) -> Document:
        at = aware(at)
        received_at = aware(received_at, "received_at")
        if receipt_no < 1:
            raise InvalidNumber("receipt_no starts at 1", field="receipt_no")
        if received_at > at:
            raise ReceivedInFuture(f"{received_at.isoformat()} is after {at.isoformat()}",
                                   field="received_at")
        received_on = bangkok_date(received_at)
        if sender_doc_date is not None and sender_doc_date > received_on:
            raise SenderDateAfterReceipt(f"{sender_doc_date} is after {received_on}")
        secrecy = Secrecy(secrecy)
        _check_paper_only(secrecy, attachments, body_sha256)
        return cls._create(
            cls.Registered,
            id=document_id or uuid4(),
            receipt_no=receipt_no,
            receipt_year_be=receiving_year_be(received_at),
            received_at=received_at,
            sender=required_text(sender, "sender"),
            sender_ref_no=sender_ref_no.strip(),
            sender_doc_date=sender_doc_date,
            subject=required_text(subject, "subject"),
            addressee=addressee.strip(),
            doc_type=DocumentType(doc_type),
            urgency=Urgency(urgency),
            secrecy=secrecy,
            attachments=tuple(attachments),
            body_sha256=_sha256(body_sha256, "body_sha256"),
            registered_by=registered_by,
            submitted_by=submitted_by,
            sender_head_position_th=sender_head_position_th.strip(),
        )

    @classmethod
    def start_outgoing(
        cls,
        *,
        document_id: UUID | None = None,
        by: Officer,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency = Urgency.normal,
        secrecy: Secrecy = Secrecy.none,
        outgoing_kind: SeriesKind | None = None,
        draft_sha256: str | None,
        summary: str = "",
        attachments: Sequence[Attachment] = (),
        at: datetime,
    ) -> Document:
        """Start a document the office originates; it begins drafted, held by its drafter."""
        secrecy = Secrecy(secrecy)
        if not by.cleared_for(secrecy):
            raise OfficerNotCleared(f"{by.officer_id} is not cleared for {secrecy.value}",
                                    officer_id=by.officer_id)
        return cls._started(document_id=document_id, drafter_id=by.officer_id, subject=subject,
                            addressee=addressee, doc_type=doc_type, urgency=urgency,
                            secrecy=secrecy, outgoing_kind=outgoing_kind,
                            draft_sha256=draft_sha256, summary=summary, attachments=attachments,
                            at=at)

    @classmethod
    def draft_on_behalf(
        cls,
        *,
        document_id: UUID,
        origin: str,
        named_id: str,
        named: Officer | None,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        draft_sha256: str | None,
        summary: str,
        at: datetime,
    ) -> Document:
        """A letter another service's event asks the office to draft (an allocation, a transfer
        report, evaluation results), for the officer it names. The staff directory decides: an
        active responsible officer or group director holds the draft; anyone else (not in the
        directory, deactivated, or without a drafting role, e.g. the ESA director who issued the
        results) cannot, and the draft goes to the group director, who assigns a responsible
        officer (manual, งานสารบรรณ 5.2 (2)). The document keeps who was named and why it went
        elsewhere. It never fails for who was named: the letter must not be lost."""
        reason = reroute_reason(named)
        return cls._started(document_id=document_id, drafter_id=None if reason else named_id,
                            subject=subject, addressee=addressee, doc_type=doc_type,
                            urgency=Urgency.normal, secrecy=Secrecy.none, outgoing_kind=None,
                            draft_sha256=draft_sha256, summary=summary, attachments=(), at=at,
                            origin=required_text(origin, "origin"),
                            named_drafter_id=required_text(named_id, "named_id"),
                            reroute_reason=reason)

    @classmethod
    def _started(cls, *, document_id: UUID | None, drafter_id: str | None, subject: str,
                 addressee: str, doc_type: DocumentType, urgency: Urgency, secrecy: Secrecy,
                 outgoing_kind: SeriesKind | None, draft_sha256: str | None, summary: str,
                 attachments: Sequence[Attachment], at: datetime, origin: str | None = None,
                 named_drafter_id: str | None = None,
                 reroute_reason: RerouteReason | None = None) -> Document:
        doc_type = DocumentType(doc_type)
        outgoing_kind = SeriesKind(outgoing_kind) if outgoing_kind is not None else None
        _check_series_fits(doc_type, outgoing_kind)
        _check_paper_only(secrecy, attachments, draft_sha256)
        _check_draft_present(secrecy, draft_sha256)
        return cls._create(
            cls.Started,
            id=document_id or uuid4(),
            drafter_id=drafter_id,
            subject=required_text(subject, "subject"),
            addressee=required_text(addressee, "addressee"),
            doc_type=doc_type,
            urgency=Urgency(urgency),
            secrecy=secrecy,
            outgoing_kind=outgoing_kind,
            draft_sha256=_sha256(draft_sha256, "draft_sha256"),
            summary=summary.strip(),
            attachments=tuple(attachments),
            at=aware(at),
            origin=origin,
            named_drafter_id=named_drafter_id,
            reroute_reason=reroute_reason,
        )

    # ---- routing and drafting --------------------------------------------------------------------

    def assign(self, *, by: Officer, officer: Officer, instructions: str = "",
               due: date | None = None, at: datetime) -> None:
        """The group director gives the document to a responsible officer (re-assign allowed):
        a registered one, or a draft made for another service that nobody holds yet."""
        if not self.awaiting_assignment:
            self._require_step(Step.registered, Step.assigned)
        if not officer.active:
            raise OfficerInactive(officer.officer_id, officer_id=officer.officer_id)
        if not (officer.has_role(Role.officer) or officer.has_role(Role.group_director)):
            raise NotAnOfficer(f"{officer.officer_id} is not a responsible officer",
                               officer_id=officer.officer_id)
        self._require_cleared(officer)
        if due is not None and self.received_at is not None:
            received_on = bangkok_date(self.received_at)
            if due < received_on:
                raise DueBeforeReceived(f"due {due} is before received {received_on}")
        self._assigned(officer_id=officer.officer_id, assigned_by=by.officer_id,
                       instructions=instructions.strip(), due=due, at=aware(at))

    def draft(self, *, by: Officer, draft_sha256: str | None, summary: str = "",
              doc_type: DocumentType | None = None, outgoing_kind: SeriesKind | None = None,
              at: datetime) -> None:
        """The assigned officer records a (new version of the) draft reply or document."""
        self._require_step(Step.assigned, Step.drafted, Step.revising)
        self._require_assignee(by)
        # A reply is a letter unless said otherwise (an incoming directive is not answered by an
        # order); a redraft keeps the earlier choices unless they are given again.
        doc_type = DocumentType(doc_type or self.outgoing_doc_type or DocumentType.external_letter)
        kind = SeriesKind(outgoing_kind) if outgoing_kind is not None else self.outgoing_kind
        _check_series_fits(doc_type, kind)
        _check_paper_only(self.secrecy, (), draft_sha256)
        _check_draft_present(self.secrecy, draft_sha256)
        self._drafted(officer_id=by.officer_id, draft_sha256=_sha256(draft_sha256, "draft_sha256"),
                      summary=summary.strip(), doc_type=doc_type, outgoing_kind=kind,
                      version=self.draft_version + 1, at=aware(at))

    def submit_for_check(self, *, by: Officer, checker: Officer, at: datetime) -> None:
        """Propose the draft to a group director; from `revising` this is the re-submission.
        Never to the one who wrote it."""
        self._require_step(Step.drafted, Step.revising)
        self._require_assignee(by)
        _require_role(checker, Role.group_director, NotAGroupDirector)
        self._require_not_writer(checker)
        self._require_cleared(checker)
        self._submitted(round_no=len(self.review_rounds) + 1, officer_id=by.officer_id,
                        checker_id=checker.officer_id, draft_sha256=self.draft_sha256,
                        at=aware(at))

    def approve_check(self, *, by: Officer, signer: Officer, comments: str = "",
                      at: datetime) -> None:
        """The group director approves the draft and forwards it to an authorised signer."""
        self._require_step(Step.in_check)
        self._require_named(by, self._round.checker_id)
        self._require_cleared(by)
        _require_role(signer, Role.signer, NotASigner)
        self._require_not_writer(signer)
        if not signer.position_th:
            raise SignerWithoutPosition(signer.officer_id, officer_id=signer.officer_id)
        self._require_cleared(signer)
        self._check_approved(round_no=self._round.number, checker_id=by.officer_id,
                             signer_id=signer.officer_id, comments=comments.strip(), at=aware(at))

    def return_for_revision(self, *, by: Officer, comments: str, at: datetime) -> None:
        """The checker (in check) or the signer (awaiting signature) sends the draft back."""
        self._require_step(Step.in_check, Step.awaiting_signature)
        if self.step == Step.in_check:
            self._require_named(by, self._round.checker_id)
            stage = ReviewStage.check
        else:
            self._require_named(by, self._round.signer_id)
            stage = ReviewStage.signature
        self._returned(round_no=self._round.number, by_id=by.officer_id, stage=stage,
                       comments=required_text(comments, "comments"), at=aware(at))

    def sign(self, *, by: Officer, at: datetime) -> None:
        """The authorised signer signs the checked draft."""
        if self.step in _UNCHECKED_STEPS:
            raise DraftNotChecked(f"step is {self.step.value}", step=self.step.value,
                                  step_th=STEP_TH[self.step])
        self._require_step(Step.awaiting_signature)
        self._require_named(by, self._round.signer_id)
        self._require_cleared(by)
        self._signed(round_no=self._round.number, signer_id=by.officer_id, at=aware(at))

    def dispatch(self, *, by: Officer, series: SeriesKind, number: int, year_be: int,
                 outgoing_no: str, at: datetime) -> None:
        """Record the outgoing number issued from `NumberSeries` and send the signed document."""
        if self.outgoing_no is not None:
            raise AlreadyDispatched(f"already dispatched as {self.outgoing_no}",
                                    outgoing_no=self.outgoing_no)
        self._require_step(Step.signed)
        at = aware(at)
        series = SeriesKind(series)
        wanted = self.expected_series
        if series != wanted:
            raise SeriesMismatch(f"numbered from {wanted.value}, not {series.value}",
                                 expected=wanted.value)
        if year_be != calendar_year_be(at):
            raise SeriesMismatch(f"a number of {year_be} dispatched in {calendar_year_be(at)}",
                                 expected_year_be=calendar_year_be(at))
        if number < 1:
            raise InvalidNumber("numbers start at 1", field="number")
        self._dispatched(series=series, number=number, year_be=year_be,
                         outgoing_no=required_text(outgoing_no, "outgoing_no"), at=at)

    def issue_letter(self, *, letter_sha256: str, at: datetime) -> None:
        """Keep the letter as issued: the PDF the office signed at dispatch, never made again."""
        self._require_step(Step.dispatched)
        if self.letter_sha256 is not None:
            raise AlreadyDispatched(f"the letter was issued as {self.outgoing_no}",
                                    outgoing_no=self.outgoing_no)
        self._letter_issued(letter_sha256=_sha256(letter_sha256, "letter_sha256") or "", at=aware(at))

    def file(self, *, by: Officer, location: str, retention_class: str = DEFAULT_RETENTION_CLASS,
             at: datetime) -> None:
        """Keep the finished document: dispatched, or an incoming one that needed no reply."""
        self._require_step(Step.assigned, Step.dispatched)
        retention_years(retention_class)
        at = aware(at)
        self._filed(retention_class=retention_class, location=required_text(location, "location"),
                    at=at, filed_on=bangkok_date(at))

    def change_retention(self, *, retention_class: str, reason: str, at: datetime) -> None:
        """Apply a new retention class (e.g. the destruction committee kept it longer)."""
        self._require_step(Step.filed)
        retention_years(retention_class)
        self._retention_changed(retention_class=retention_class, reason=required_text(reason, "reason"),
                                at=aware(at))

    def cancel(self, *, by: Officer, reason: str, at: datetime) -> None:
        """Withdraw the case before filing; any number it was issued stays in its register."""
        self._require_step(*(_OPEN_WORK_STEPS | {Step.dispatched}))
        self._cancelled(reason=required_text(reason, "reason"), previous_step=self.step, at=aware(at))

    # ---- borrowing -------------------------------------------------------------------------------

    def borrow(self, *, by: Officer, borrower: str, purpose: str, due: date, at: datetime,
               outsider: bool = False, approved_by: Officer | None = None) -> None:
        """Lend the filed paper; one loan at a time; outsiders need a group director's approval."""
        self._require_step(Step.filed)
        if self.current_loan is not None:
            raise AlreadyOnLoan(f"lent to {self.current_loan.borrower}")
        if outsider and (approved_by is None or not approved_by.active
                         or not approved_by.has_role(Role.group_director)):
            raise OutsiderNeedsApproval()
        at = aware(at)
        if due < bangkok_date(at):
            raise DueBeforeBorrow(f"due {due} is before {bangkok_date(at)}")
        self._borrowed(loan_no=len(self.loans) + 1, borrower=required_text(borrower, "borrower"),
                       purpose=required_text(purpose, "purpose"), due=due, outsider=outsider,
                       approved_by=approved_by.officer_id if approved_by else None, at=at)

    def return_loan(self, *, by: Officer, at: datetime) -> None:
        loan = self.current_loan
        if loan is None:
            raise NotOnLoan()
        self._loan_returned(loan_no=loan.loan_no, at=aware(at))

    @property
    def current_loan(self) -> Loan | None:
        if self.loans and self.loans[-1].returned_at is None:
            return self.loans[-1]
        return None

    def is_overdue(self, today: date) -> bool:
        """Is the current loan past its return date?"""
        loan = self.current_loan
        return loan is not None and today > loan.due

    @property
    def action_due(self) -> date | None:
        """The due date of the assigned work while it is still open (None: nothing is owed)."""
        return self.due if self.step in _OPEN_WORK_STEPS else None

    def is_action_overdue(self, today: date) -> bool:
        """Is the assigned work past its due date and still open?"""
        return self.action_due is not None and today > self.action_due

    # ---- retention and destruction ---------------------------------------------------------------

    @property
    def retention_expires_on(self) -> date | None:
        """The first day the document may be listed for destruction; None if permanent/unfiled."""
        if self.filed_on is None or self.retention_class is None:
            return None
        years = retention_years(self.retention_class)
        return None if years is None else add_years(self.filed_on, years)

    def retention_expired(self, on: date) -> bool:
        expires = self.retention_expires_on
        return expires is not None and expires <= on

    def destroy(self, *, destruction_list_id: UUID, year_be: int, at: datetime) -> None:
        """Record the destruction decided by the destruction list of `year_be`; the register entry
        remains, and says which list destroyed it."""
        self._require_step(Step.filed)
        at = aware(at)
        if not self.retention_expired(bangkok_date(at)):
            raise NotExpired(f"{self.retention_class} expires {self.retention_expires_on}")
        if self.current_loan is not None:
            raise DocumentOnLoan(f"lent to {self.current_loan.borrower}")
        self._destroyed(destruction_list_id=destruction_list_id, destruction_year_be=year_be,
                        at=at)

    # ---- secrecy ---------------------------------------------------------------------------------

    @property
    def content_available(self) -> bool:
        # Top-secret documents are paper only; destroyed documents have had their blobs purged.
        return self.secrecy != Secrecy.top_secret and self.step != Step.destroyed

    @property
    def participants(self) -> frozenset[str]:
        """Officers who worked on this document (need to know)."""
        people = {self.assignee_id, self.drafter_id, self.signed_by}
        for r in self.review_rounds:
            people |= {r.checker_id, r.checked_by, r.signer_id, r.signed_by, r.returned_by}
        if self.holder and self.holder not in ROLE_VALUES:
            people.add(self.holder)
        return frozenset(p for p in people if p)

    def can_see_subject(self, officer: Officer | None) -> bool:
        return may_see(self.secrecy, self.participants, officer)

    def can_read_content(self, officer: Officer | None) -> bool:
        return self.content_available and self.can_see_subject(officer)

    def record_content_read(self, *, reader: Officer, at: datetime) -> None:
        """Audit a read of classified content (unclassified reads are not recorded here)."""
        if not self.content_available:
            raise ContentNotAvailable(f"secrecy {self.secrecy.value}, step {self.step.value}")
        if not self.can_read_content(reader):
            raise NotCleared(reader.officer_id, officer_id=reader.officer_id)
        if self.secrecy != Secrecy.none:
            self._content_read(reader_id=reader.officer_id, secrecy=self.secrecy, at=aware(at))

    # ---- queries ---------------------------------------------------------------------------------

    @property
    def awaiting_assignment(self) -> bool:
        """A draft made for another service that nobody holds yet: the group director assigns it."""
        return self.step == Step.drafted and self.assignee_id is None

    @property
    def rerouted(self) -> dict[str, Any] | None:
        """Who another service named to draft this, and why the office gave it to someone else."""
        if self.reroute_reason is None:
            return None
        return {"named_officer_id": self.named_drafter_id, "reason": self.reroute_reason.value,
                "reason_th": REROUTE_REASON_TH[self.reroute_reason],
                "routed_to": DIRECTOR_HOLDER, "routed_to_th": ROLE_TH[Role.group_director]}

    @property
    def expected_series(self) -> SeriesKind:
        return expected_series(self.outgoing_doc_type or self.doc_type, self.outgoing_kind)

    @property
    def step_th(self) -> str:
        return STEP_TH[self.step]

    @property
    def letter_addressee(self) -> str:
        """เรียน: to whom the office's letter goes. A reply goes to the head of the office that
        wrote, by position (the regulation addresses a letter to a position, not an office); the
        sender's name only where that position was not recorded. A letter the office starts goes
        to the addressee it names. The letter's เรียน and the dispatch register's ถึง both read
        this."""
        if self.direction == Direction.incoming:
            return self.sender_head_position_th or self.sender
        return self.addressee

    def register_entry(self) -> dict[str, Any]:
        """The line of the receiving / dispatch register (full, unmasked)."""
        return {
            "document_id": str(self.id),
            "direction": self.direction.value,
            "receipt_no": self.receipt_no,
            "receipt_year_be": self.receipt_year_be,
            "received_at": self.received_at,
            "sender": self.sender,
            "sender_ref_no": self.sender_ref_no,
            "sender_doc_date": self.sender_doc_date,
            "sender_head_position_th": self.sender_head_position_th,
            "subject": self.subject,
            "addressee": self.addressee,
            "letter_addressee": self.letter_addressee,
            "doc_type": self.doc_type.value,
            "urgency": self.urgency.value,
            "urgency_code": URGENCY_CODES[self.urgency],
            "secrecy": self.secrecy.value,
            "secrecy_code": SECRECY_CODES[self.secrecy],
            "attachment_count": len(self.attachments),
            "step": self.step.value,
            "step_th": self.step_th,
            "holder": self.holder,
            "step_since": self.step_since,
            "assignee_id": self.assignee_id,
            "due": self.due,
            "outgoing_no": self.outgoing_no,
            "outgoing_series": self.outgoing_series.value if self.outgoing_series else None,
            "dispatched_at": self.dispatched_at,
            "signed_by": self.signed_by,
            "retention_class": self.retention_class,
            "location": self.location,
            "filed_at": self.filed_at,
            "retention_expires_on": self.retention_expires_on,
            "on_loan": self.current_loan is not None,
            "cancelled": self.step == Step.cancelled,
            "cancel_reason": self.cancel_reason,
            "destroyed_at": self.destroyed_at,
            "destruction_list_id": (str(self.destruction_list_id)
                                    if self.destruction_list_id else None),
            "destruction_year_be": self.destruction_year_be,
            "origin": self.origin,
            "named_drafter_id": self.named_drafter_id,
            "rerouted": self.rerouted,
        }

    def register_view(self, viewer: Officer | None) -> dict[str, Any]:
        """The register line as `viewer` may see it: of a classified document someone not cleared
        sees only that it exists (every descriptive field becomes `(ลับ)` etc.)."""
        entry = self.register_entry()
        return entry if self.can_see_subject(viewer) else masked_entry(entry)

    @property
    def mask(self) -> str:
        return mask_of(self.secrecy)

    def submitted_through(self, client_id: str) -> bool:
        """Did this agency client's system submit the document?"""
        return self.submitted_by is not None and self.submitted_by == client_id

    def agency_view(self, clearance: Secrecy) -> dict[str, Any]:
        return agency_entry(self.register_entry(), clearance)

    # ---- guards ----------------------------------------------------------------------------------

    def _require_step(self, *allowed: Step) -> None:
        if self.step in allowed:
            return
        if self.step == Step.cancelled:
            raise DocumentCancelled(self.cancel_reason or None)
        if self.step == Step.destroyed:
            raise DocumentDestroyed(f"destroyed {self.destroyed_at}")
        raise WrongStep(
            f"step is {self.step.value}; expected {', '.join(sorted(s.value for s in allowed))}",
            step=self.step.value, step_th=STEP_TH[self.step],
            expected=sorted(s.value for s in allowed),
        )

    def _require_named(self, by: Officer, named: str | None) -> None:
        """The checker and the signer are named when the draft is put to them; only they act."""
        if by.officer_id != named:
            raise NotTheNamedOfficer(f"put to {named}", officer_id=by.officer_id, named=named)

    def _require_not_writer(self, named: Officer) -> None:
        """A draft is put to someone other than the one who wrote it (and holds it)."""
        if named.officer_id in {self.drafter_id, self.assignee_id}:
            raise OwnDraftCheck(f"{named.officer_id} wrote the draft", officer_id=named.officer_id)

    def _require_assignee(self, by: Officer) -> None:
        if by.officer_id != self.assignee_id or not by.active:
            raise NotTheAssignee(f"assigned to {self.assignee_id}", officer_id=by.officer_id)

    def _require_cleared(self, officer: Officer) -> None:
        if not officer.cleared_for(self.secrecy):
            raise OfficerNotCleared(f"{officer.officer_id} is not cleared for {self.secrecy.value}",
                                    officer_id=officer.officer_id)

    @property
    def _round(self) -> ReviewRound:
        assert self.review_rounds, "a review step without a round"
        return self.review_rounds[-1]

    def _move(self, step: Step, holder: str | None, at: datetime) -> None:
        self.step = step
        self.holder = holder
        self.step_since = at

    def _reached(self, step_event: str, at: datetime) -> None:
        self.first_at.setdefault(step_event, at)

    def _named_files(self, *hashes: str | None) -> None:
        self.files.update(h for h in hashes if h)

    # ---- events (state changes only: these bodies run again on every replay) ---------------------

    @event("Assigned")
    def _assigned(self, officer_id: str, assigned_by: str, instructions: str, due: date | None,
                  at: datetime) -> None:
        self.assignee_id = officer_id
        self.assigned_by = assigned_by
        self.instructions = instructions
        self.due = due
        self._reached("Assigned", at)
        # A draft made for another service keeps its draft: the officer takes it up from there.
        self._move(Step.drafted if self.draft_version else Step.assigned, officer_id, at)

    @event("Drafted")
    def _drafted(self, officer_id: str, draft_sha256: str | None, summary: str,
                 doc_type: DocumentType, outgoing_kind: SeriesKind | None, version: int,
                 at: datetime) -> None:
        self.drafter_id = officer_id
        self.draft_sha256 = draft_sha256
        self.draft_summary = summary
        self.outgoing_doc_type = doc_type
        self.outgoing_kind = outgoing_kind
        self.draft_version = version
        self._reached("Drafted", at)
        self._named_files(draft_sha256)
        self._move(Step.drafted, officer_id, at)

    @event("SubmittedForCheck")
    def _submitted(self, round_no: int, officer_id: str, checker_id: str, draft_sha256: str | None,
                   at: datetime) -> None:
        self.review_rounds.append(ReviewRound(number=round_no, submitted_by=officer_id,
                                              submitted_at=at, draft_sha256=draft_sha256,
                                              checker_id=checker_id))
        self._named_files(draft_sha256)
        self._move(Step.in_check, checker_id, at)

    @event("CheckApproved")
    def _check_approved(self, round_no: int, checker_id: str, signer_id: str, comments: str,
                        at: datetime) -> None:
        r = self.review_rounds[round_no - 1]
        r.checked_by, r.checked_at, r.check_comments = checker_id, at, comments
        r.signer_id = signer_id
        self._move(Step.awaiting_signature, signer_id, at)

    @event("ReturnedForRevision")
    def _returned(self, round_no: int, by_id: str, stage: ReviewStage, comments: str,
                  at: datetime) -> None:
        r = self.review_rounds[round_no - 1]
        r.returned_by, r.returned_at, r.return_stage, r.return_comments = by_id, at, stage, comments
        self._reached("ReturnedForRevision", at)
        self._move(Step.revising, self.assignee_id, at)

    @event("Signed")
    def _signed(self, round_no: int, signer_id: str, at: datetime) -> None:
        r = self.review_rounds[round_no - 1]
        r.signed_by, r.signed_at = signer_id, at
        self.signed_by, self.signed_at = signer_id, at
        self._reached("Signed", at)
        self._move(Step.signed, CLERK_HOLDER, at)

    @event("Dispatched")
    def _dispatched(self, series: SeriesKind, number: int, year_be: int, outgoing_no: str,
                    at: datetime) -> None:
        self.outgoing_series = series
        self.outgoing_number = number
        self.outgoing_year_be = year_be
        self.outgoing_no = outgoing_no
        self.dispatched_at = at
        self._reached("Dispatched", at)
        self._move(Step.dispatched, CLERK_HOLDER, at)

    @event("LetterIssued")
    def _letter_issued(self, letter_sha256: str, at: datetime) -> None:
        self.letter_sha256 = letter_sha256
        self._named_files(letter_sha256)

    @event("Filed")
    def _filed(self, retention_class: str, location: str, at: datetime, filed_on: date) -> None:
        self.retention_class = retention_class
        self.location = location
        self.filed_at = at
        self.filed_on = filed_on
        self._move(Step.filed, None, at)

    @event("RetentionChanged")
    def _retention_changed(self, retention_class: str, reason: str, at: datetime) -> None:
        self.retention_class = retention_class

    @event("Cancelled")
    def _cancelled(self, reason: str, previous_step: Step, at: datetime) -> None:
        self.cancel_reason = reason
        self.cancelled_at = at
        self.step_before_cancel = previous_step
        self._move(Step.cancelled, None, at)

    @event("Borrowed")
    def _borrowed(self, loan_no: int, borrower: str, purpose: str, due: date, outsider: bool,
                  approved_by: str | None, at: datetime) -> None:
        self.loans.append(Loan(loan_no=loan_no, borrower=borrower, purpose=purpose, due=due,
                               outsider=outsider, approved_by=approved_by, borrowed_at=at))

    @event("LoanReturned")
    def _loan_returned(self, loan_no: int, at: datetime) -> None:
        self.loans[loan_no - 1].returned_at = at

    @event("ClassifiedContentRead")
    def _content_read(self, reader_id: str, secrecy: Secrecy, at: datetime) -> None:
        pass  # the event itself is the audit record

    class Destroyed(Aggregate.Event):
        class_version = 2  # v2: the year of the destruction list that destroyed it
        destruction_list_id: UUID
        at: datetime
        destruction_year_be: int | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Destroyed before the year was recorded: the list (by its id) still names its year.
            state.setdefault("destruction_year_be", None)

    @event(Destroyed)
    def _destroyed(self, destruction_list_id: UUID, at: datetime,
                   destruction_year_be: int | None = None) -> None:
        self.destroyed_at = at
        self.destruction_list_id = destruction_list_id
        self.destruction_year_be = destruction_year_be
        self._move(Step.destroyed, None, at)


def _check_paper_only(secrecy: Secrecy, attachments: Sequence[Attachment],
                      content_sha256: str | None) -> None:
    if secrecy == Secrecy.top_secret and (attachments or content_sha256):
        raise TopSecretPaperOnly()


def _check_draft_present(secrecy: Secrecy, draft_sha256: str | None) -> None:
    if secrecy != Secrecy.top_secret and not draft_sha256:
        raise FieldRequired("draft_sha256 is required", field="draft_sha256")


def _check_series_fits(doc_type: DocumentType, kind: SeriesKind | None) -> None:
    if kind is None:
        return
    if kind not in OUTGOING_SERIES:
        raise SeriesMismatch(f"{kind.value} is not an outgoing series")
    if (kind == SeriesKind.order) != (doc_type == DocumentType.directive):
        raise SeriesMismatch("directives, and only directives, are numbered as orders",
                             expected=expected_series(doc_type, None).value)


# --------------------------------------------------------------------------------------------------
# DestructionList
# --------------------------------------------------------------------------------------------------


class DestructionList(Aggregate, stored_as="correspondence.DestructionList"):
    """The list of documents whose retention expired in a BE calendar year, and its fate."""

    @staticmethod
    def create_id(year_be: int) -> UUID:
        return uuid5(ID_NAMESPACE, f"destruction-list:{int(year_be)}")

    @classmethod
    def open(cls, *, year_be: int, at: datetime, by: Officer,
             documents: Sequence[Document]) -> DestructionList:
        """List the filed documents whose retention expired by the end of `year_be`."""
        at = aware(at)
        year_end = date(ce_year(year_be), 12, 31)
        offset = (bangkok_date(at) - year_end).days
        if not 1 <= offset <= DESTRUCTION_LIST_WINDOW_DAYS:
            raise DestructionListWindowClosed(
                f"{bangkok_date(at)} is day {offset} after {year_end}", day=offset)
        items: list[UUID] = []
        for doc in documents:
            if doc.step == Step.destroyed:
                raise DocumentDestroyed(str(doc.id), document_id=str(doc.id))
            if doc.step != Step.filed or not doc.retention_expired(year_end):
                raise NotExpired(f"{doc.id}: step {doc.step.value}, expires "
                                 f"{doc.retention_expires_on}", document_id=str(doc.id))
            if doc.id not in items:
                items.append(doc.id)
        if not items:
            raise DestructionListEmpty()
        return cls(year_be=year_be, items=items, opened_by=by.officer_id, at=at)

    @event("Opened")
    def __init__(self, *, year_be: int, items: list[UUID], opened_by: str, at: datetime) -> None:
        self.year_be = year_be
        self.items = list(items)
        self.opened_by = opened_by
        self.opened_at = at
        self.step = DestructionStep.opened
        self.chair: str | None = None
        self.members: list[str] = []
        self.kept: dict[UUID, KeptItem] = {}
        self.objections: dict[UUID, str] = {}
        self.sent_at: datetime | None = None
        self.sent_on: date | None = None
        self.destroyed_items: list[UUID] = []
        self.carried_out_at: datetime | None = None

    def appoint_committee(self, *, by: Officer, chair: Officer, members: Sequence[Officer],
                          at: datetime) -> None:
        """The head of office appoints a chair and at least two other members, officers of the
        staff directory, so that each decision of the committee is taken by one of them."""
        self._require_step(DestructionStep.opened, DestructionStep.committee_appointed)
        others: list[str] = []
        for person in (chair, *members):
            if not person.active:
                raise OfficerInactive(person.officer_id, officer_id=person.officer_id)
        for member in members:
            if member.officer_id != chair.officer_id and member.officer_id not in others:
                others.append(member.officer_id)
        if len(others) < 2:
            raise CommitteeTooSmall(f"{len(others)} member(s) besides the chair")
        self._committee_appointed(chair=chair.officer_id, members=others,
                                  appointed_by=by.officer_id, at=aware(at))

    def mark_keep(self, *, by: Officer, document_id: UUID, reason: str,
                  new_retention_class: str, at: datetime) -> None:
        """The committee keeps an item longer (it leaves the list): decided by a member, who is
        the one acting, never recorded by someone else on a member's behalf."""
        self._require_committee()
        self._require_step(DestructionStep.committee_appointed)
        self._require_member(by)
        self._require_items([document_id])
        retention_years(new_retention_class)
        self._item_kept(document_id=document_id, reason=required_text(reason, "reason"),
                        retention_class=new_retention_class, marked_by=by.officer_id,
                        at=aware(at))

    def send_to_national_archives(self, *, by: Officer, at: datetime) -> None:
        self._require_committee()
        self._require_step(DestructionStep.committee_appointed)
        at = aware(at)
        self._sent(at=at, sent_on=bangkok_date(at))

    def record_archives_objection(self, *, by: Officer, document_ids: Sequence[UUID], reason: str,
                                  at: datetime) -> None:
        """The National Archives objects to destroying some items (within 60 days of sending)."""
        self._require_step(DestructionStep.sent)
        at = aware(at)
        if self.days_since_sent(at) > ARCHIVES_OBJECTION_DAYS:
            raise ObjectionWindowClosed(f"day {self.days_since_sent(at)} after sending")
        if not document_ids:
            raise FieldRequired("document_ids is required", field="document_ids")
        self._require_items(document_ids)
        self._objected(document_ids=list(dict.fromkeys(document_ids)),
                       reason=required_text(reason, "reason"), at=at)

    def destroy(self, *, by: Officer, at: datetime) -> list[UUID]:
        """Close the list once the objection window has passed; returns the items to destroy.
        The committee carries the destruction out: a member acts.

        The window covers the 60 days after the sending day, so destruction starts on day 61.
        """
        self._require_step(DestructionStep.sent)
        self._require_member(by)
        at = aware(at)
        if self.days_since_sent(at) <= ARCHIVES_OBJECTION_DAYS:
            raise ObjectionWindowOpen(f"day {self.days_since_sent(at)} after sending",
                                      opens_on=str(self.destroy_allowed_from))
        items = self.items_to_destroy
        self._carried_out(items=items, at=at)
        return items

    @property
    def committee(self) -> list[str]:
        return ([self.chair] if self.chair else []) + self.members

    @property
    def items_to_destroy(self) -> list[UUID]:
        return [i for i in self.items if i not in self.kept and i not in self.objections]

    @property
    def destroy_allowed_from(self) -> date | None:
        if self.sent_on is None:
            return None
        return date.fromordinal(self.sent_on.toordinal() + ARCHIVES_OBJECTION_DAYS + 1)

    @property
    def step_th(self) -> str:
        return DESTRUCTION_STEP_TH[self.step]

    def days_since_sent(self, at: datetime) -> int:
        assert self.sent_on is not None
        return (bangkok_date(at) - self.sent_on).days

    def _require_committee(self) -> None:
        if self.step == DestructionStep.opened:
            raise CommitteeNotAppointed()

    def _require_member(self, by: Officer) -> None:
        if by.officer_id not in self.committee:
            raise NotACommitteeMember(f"{by.officer_id} is not on the committee",
                                      officer_id=by.officer_id, committee=self.committee)

    def _require_step(self, *allowed: DestructionStep) -> None:
        if self.step not in allowed:
            raise WrongStep(f"destruction list is {self.step.value}", step=self.step.value,
                            step_th=DESTRUCTION_STEP_TH[self.step],
                            expected=sorted(s.value for s in allowed))

    def _require_items(self, document_ids: Iterable[UUID]) -> None:
        missing = [str(i) for i in document_ids if i not in self.items]
        if missing:
            raise NotOnList(", ".join(missing), document_ids=missing)

    @event("CommitteeAppointed")
    def _committee_appointed(self, chair: str, members: list[str], appointed_by: str,
                             at: datetime) -> None:
        self.chair = chair
        self.members = list(members)
        self.step = DestructionStep.committee_appointed

    @event("ItemKept")
    def _item_kept(self, document_id: UUID, reason: str, retention_class: str, marked_by: str,
                   at: datetime) -> None:
        self.kept[document_id] = KeptItem(reason=reason, retention_class=retention_class,
                                          marked_by=marked_by)

    @event("SentToNationalArchives")
    def _sent(self, at: datetime, sent_on: date) -> None:
        self.sent_at = at
        self.sent_on = sent_on
        self.step = DestructionStep.sent

    @event("ArchivesObjected")
    def _objected(self, document_ids: list[UUID], reason: str, at: datetime) -> None:
        for document_id in document_ids:
            self.objections[document_id] = reason

    @event("DestructionCarriedOut")
    def _carried_out(self, items: list[UUID], at: datetime) -> None:
        self.destroyed_items = list(items)
        self.carried_out_at = at
        self.step = DestructionStep.carried_out


# --------------------------------------------------------------------------------------------------
# Reporting periods (the periodic summaries of procedures 2 and 4)
# --------------------------------------------------------------------------------------------------


class InvalidPeriod(CorrespondenceError):
    code = "invalid-period"
    title_th = "ช่วงเวลาของรายงานไม่ถูกต้อง"
    title_en = "Invalid reporting period"


def reporting_period(from_date: date | None, to_date: date | None, fiscal_year_be: int | None,
                     today: date) -> tuple[date, date]:
    """The Bangkok dates a periodic report covers: a fiscal year (1 Oct - 30 Sep, named by its
    BE year), or a date range, or by default the fiscal year of `today`."""
    if fiscal_year_be is not None:
        if from_date is not None or to_date is not None:
            raise InvalidPeriod("give a fiscal year or a date range, not both")
        if not 2400 <= fiscal_year_be <= 2800:
            raise InvalidPeriod(f"{fiscal_year_be} is not a Buddhist-era year", field="fiscal_year")
        return fiscal_year_bounds(fiscal_year_be)
    if from_date is None and to_date is None:
        return fiscal_year_bounds(fiscal_year_be_of(today))
    for given in (from_date, to_date):
        if given is not None and not 2000 <= given.year <= 2200:
            raise InvalidPeriod(f"{given} is not a date between 2000 and 2200 (CE)")
    end = to_date or today
    start = from_date or fiscal_year_bounds(fiscal_year_be_of(end))[0]
    if start > end:
        raise InvalidPeriod(f"{start} is after {end}")
    return start, end

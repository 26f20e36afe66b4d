"""Correspondence's reactions to other services' contract events: letters drafted from budgeting.

- an approved allocation (`budgeting.allocation.approved`) → one outgoing letter per school,
  addressed to its director, stating the amount in figures and in Thai words, dated in the
  Buddhist era;
- a transfer's final approval (`budgeting.budget_transfer.approved`) → the report letter to OBEC.

Each letter starts on the ordinary outgoing path as a draft of the officer responsible for the case
in budgeting, who submits it for check and signature like any draft. Its document id is derived
from the budgeting case and the recipient, so a redelivered event finds the letters it drafted and
drafts nothing twice. The drafting itself is recorded as the system's act, not the approver's.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid5

from contracts.budgeting.v1 import (
    AllocationApproved,
    AllocationItem,
    RecipientKind,
    TransferApproved,
)
from contracts.envelope import AnyEnvelope
from contracts.vocabulary import (
    APPROVING_BODY_TH,
    EXPENSE_CATEGORY_TH,
    SCHOOL_LEVEL_TH,
    RegisteredDocumentRef,
)
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import ID_NAMESPACE, Document, DocumentType, Officer, Role
from shared.consumer import Handler, Subscription
from shared.context import SYSTEM_ACTOR, acting_as
from shared.thaimoney import baht_text, format_baht
from shared.thaitime import format_thai_date

OBEC_ADDRESSEE = "เลขาธิการคณะกรรมการการศึกษาขั้นพื้นฐาน"


def letter_id(*parts: object) -> UUID:
    return uuid5(ID_NAMESPACE, "letter:" + ":".join(str(p) for p in parts))


def amount_th(amount: object) -> str:
    return f"{format_baht(amount)} บาท ({baht_text(amount)})"  # type: ignore[arg-type]


def _reference(ref: RegisteredDocumentRef | None) -> list[str]:
    return [f"อ้างถึง  {ref.reference} ลงวันที่ {format_thai_date(ref.dated, full=True)}"] if ref else []


def _pupils(counts: dict) -> str:
    return ", ".join(f"{SCHOOL_LEVEL_TH[level]} {n:,} คน" for level, n in counts.items()) or "-"


def allocation_letter(event: AllocationApproved, item: AllocationItem, office_th: str,
                      dated: str) -> str:
    decided = format_thai_date(event.approval.decided_on, full=True)
    lines = [
        f"{office_th}",
        f"{dated}",
        f"เรื่อง  แจ้งการจัดสรรงบประมาณ {event.title_th} ประจำปีงบประมาณ พ.ศ. {event.fiscal_year_be}",
        f"เรียน  ผู้อำนวยการ{item.recipient_name_th}",
        *_reference(event.approval.resolution),
        "",
        f"    ตามที่ {office_th} ได้พิจารณาจัดสรรงบประมาณ {event.title_th} ตามหลักเกณฑ์"
        f" {event.criteria_th} และผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาได้อนุมัติการจัดสรร"
        f"เมื่อวันที่ {decided} นั้น",
        f"    บัดนี้ ได้จัดสรรงบประมาณให้แก่{item.recipient_name_th} (รหัส {item.recipient_code})"
        f" เป็นเงินทั้งสิ้น {amount_th(item.amount)}",
    ]
    if item.basis is not None and event.rates:
        basis = item.basis
        lines += [
            f"    รายละเอียดการคำนวณเงินอุดหนุนรายหัว (ปีการศึกษา {basis.academic_year_be}):",
            f"      ภาคเรียนที่ 1 (ข้อมูล 10 มิถุนายน): {_pupils(basis.term1_pupils)}",
            f"      ภาคเรียนที่ 2 (ข้อมูล 10 พฤศจิกายน): {_pupils(basis.term2_pupils)}",
            "      อัตราต่อคนต่อปี: " + ", ".join(
                f"{SCHOOL_LEVEL_TH[level]} {format_baht(rate)} บาท"
                for level, rate in event.rates.items()) + " (ภาคเรียนละครึ่งหนึ่ง)",
        ]
        if basis.absorbed_school_codes:
            lines.append("      รวมนักเรียนของโรงเรียนที่ยุบรวมมา รหัส "
                         + ", ".join(basis.absorbed_school_codes))
    lines += [
        "    จึงเรียนมาเพื่อโปรดทราบ และดำเนินการตามแผนการใช้จ่ายงบประมาณต่อไป",
        "",
        "ขอแสดงความนับถือ",
        "",
        "(.......................................)",
        f"ผู้อำนวยการ{office_th}",
        "กลุ่มนโยบายและแผน",
    ]
    return "\n".join(lines) + "\n"


def transfer_letter(event: TransferApproved, office_th: str, dated: str) -> str:
    source, target = event.source, event.target
    approvers = " และ".join(APPROVING_BODY_TH[a.body] for a in event.approvals
                            if a.round == event.approval.round)
    lines = [
        f"{office_th}",
        f"{dated}",
        f"เรื่อง  รายงานการโอนเปลี่ยนแปลงงบประมาณรายจ่าย ประจำปีงบประมาณ พ.ศ. {event.fiscal_year_be}",
        f"เรียน  {OBEC_ADDRESSEE}",
        *_reference(event.approval.resolution),
        "",
        f"    ด้วย {office_th} ได้รับอนุมัติจาก{approvers} เมื่อวันที่"
        f" {format_thai_date(event.approval.decided_on, full=True)} ให้โอนเปลี่ยนแปลงงบประมาณ"
        f" จาก {source.project_code} ({EXPENSE_CATEGORY_TH[source.category]})"
        f" ไปยัง {target.project_code} ({EXPENSE_CATEGORY_TH[target.category]})"
        f" จำนวน {amount_th(event.amount)}",
        f"    เหตุผลความจำเป็น: {event.reason_th}",
    ]
    if source.balance is not None and target.balance is not None:
        lines.append(f"    ยอดคงเหลือหลังการโอน: ต้นทาง {amount_th(source.balance.available)}"
                     f" ปลายทาง {amount_th(target.balance.available)}")
    lines += ["    จึงเรียนมาเพื่อโปรดทราบ", "", "ขอแสดงความนับถือ", "",
              "(.......................................)", f"ผู้อำนวยการ{office_th}",
              "กลุ่มนโยบายและแผน"]
    return "\n".join(lines) + "\n"


class LetterDrafter:
    """Drafts budgeting's letters as outgoing documents (decide only: the consumer saves)."""

    def __init__(self, app: CorrespondenceApplication) -> None:
        self.app = app

    def drafter(self, officer_id: str) -> Officer:
        """The officer responsible for the case in budgeting. One the staff directory does not
        know yet still gets the draft (they take it up once registered): the stand-in below only
        carries their id into the document and is never saved to the directory."""
        known = self.app.get(Officer, Officer.create_id(officer_id))
        return known or Officer.register(officer_id=officer_id, name_th=officer_id,
                                         position_th="", roles=[Role.officer])

    def draft(self, document_id: UUID, *, drafter: Officer, subject: str, addressee: str,
              text: str, summary: str) -> Document | None:
        if self.app.get(Document, document_id) is not None:
            return None  # drafted on an earlier delivery
        content = text.encode("utf-8")
        sha256 = self.app.blobs.put(content)
        return Document.start_outgoing(
            document_id=document_id, by=drafter, subject=subject, addressee=addressee,
            doc_type=DocumentType.external_letter, draft_sha256=sha256, summary=summary,
            at=self.app.clock())

    def allocation(self, event: AllocationApproved, dated: str) -> list[Document | None]:
        drafter = self.drafter(event.prepared_by)
        office = self.app.settings.office_name_th
        return [
            self.draft(letter_id("allocation", event.allocation_id, item.recipient_code),
                       drafter=drafter,
                       subject=(f"แจ้งการจัดสรรงบประมาณ {event.title_th} ประจำปีงบประมาณ"
                                f" พ.ศ. {event.fiscal_year_be}"),
                       addressee=f"ผู้อำนวยการ{item.recipient_name_th}",
                       text=allocation_letter(event, item, office, dated),
                       summary=f"จัดสรร {format_baht(item.amount)} บาท")
            for item in event.items if item.recipient_kind == RecipientKind.school
        ]

    def transfer(self, event: TransferApproved, dated: str) -> list[Document | None]:
        return [self.draft(
            letter_id("transfer", event.transfer_id), drafter=self.drafter(event.proposed_by),
            subject=(f"รายงานการโอนเปลี่ยนแปลงงบประมาณรายจ่าย ประจำปีงบประมาณ"
                     f" พ.ศ. {event.fiscal_year_be}"),
            addressee=OBEC_ADDRESSEE,
            text=transfer_letter(event, self.app.settings.office_name_th, dated),
            summary=f"โอน {format_baht(event.amount)} บาท")]


def from_budgeting(app: CorrespondenceApplication) -> Handler:
    letters = LetterDrafter(app)

    def handle(envelope: AnyEnvelope) -> Sequence[Document | None]:
        dated = format_thai_date(envelope.time, full=True)
        with acting_as(SYSTEM_ACTOR, envelope.trace_id or None):
            if envelope.type == AllocationApproved.EVENT_TYPE:
                return letters.allocation(AllocationApproved.model_validate(envelope.data), dated)
            if envelope.type == TransferApproved.EVENT_TYPE:
                return letters.transfer(TransferApproved.model_validate(envelope.data), dated)
        return []

    return handle


def subscriptions(app: CorrespondenceApplication) -> list[Subscription]:
    return [Subscription("budgeting", from_budgeting(app))]

"""Correspondence's reactions to other services' contract events: letters drafted from them.

- budgeting: an approved allocation (`budgeting.allocation.approved`) → one outgoing letter per
  school, addressed to its director, stating the amount in figures and in Thai words, dated in the
  Buddhist era; a transfer's final approval (`budgeting.budget_transfer.approved`) → the report
  letter to OBEC;
- monitoring: evaluation results issued (`monitoring.evaluation.results_issued`) → one letter per
  result to those responsible.

Every letter starts on the ordinary outgoing path as a draft of the officer the other service names
(`CorrespondenceApplication.draft_from_event`), who submits it for check and signature like any
draft; when the staff directory says that officer cannot hold a draft (not in the directory,
deactivated, or without a drafting role, like the ESA director who issued evaluation results), the
draft goes to the group director, who assigns it, and the document says so. A letter is never
refused for who was named, so these messages never end on a dead-letter subject. Its document id is
derived from the event's case and recipient, so a redelivered event finds the letters it drafted and
drafts nothing twice. The drafting itself is the system's act.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.budgeting.v1 import (
    AllocationApproved,
    AllocationItem,
    RecipientKind,
    TransferApproved,
)
from contracts.correspondence.v1 import DocumentType
from contracts.envelope import AnyEnvelope
from contracts.monitoring.v1 import EvaluationKind, EvaluationResultsIssued
from contracts.vocabulary import (
    APPROVING_BODY_TH,
    EXPENSE_CATEGORY_TH,
    SCHOOL_LEVEL_TH,
    RegisteredDocumentRef,
)
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import ID_NAMESPACE
from shared.consumer import Handler, Subscription
from shared.context import SYSTEM_ACTOR, acting_as
from shared.domain import Aggregate
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

    def allocation(self, event: AllocationApproved, dated: str) -> list[Aggregate]:
        office = self.app.settings.office_name_th
        return [
            document
            for item in event.items if item.recipient_kind == RecipientKind.school
            for document in self.app.draft_from_event(
                       document_id=letter_id("allocation", event.allocation_id, item.recipient_code),
                       origin=AllocationApproved.EVENT_TYPE, drafter_id=event.prepared_by, doc_type=DocumentType.external_letter,
                       subject=(f"แจ้งการจัดสรรงบประมาณ {event.title_th} ประจำปีงบประมาณ"
                                f" พ.ศ. {event.fiscal_year_be}"),
                       addressee=f"ผู้อำนวยการ{item.recipient_name_th}",
                       text=allocation_letter(event, item, office, dated),
                       summary=f"จัดสรร {format_baht(item.amount)} บาท")
        ]

    def transfer(self, event: TransferApproved, dated: str) -> list[Aggregate]:
        return self.app.draft_from_event(
            document_id=letter_id("transfer", event.transfer_id),
            origin=TransferApproved.EVENT_TYPE, drafter_id=event.proposed_by,
            doc_type=DocumentType.external_letter,
            subject=(f"รายงานการโอนเปลี่ยนแปลงงบประมาณรายจ่าย ประจำปีงบประมาณ"
                     f" พ.ศ. {event.fiscal_year_be}"),
            addressee=OBEC_ADDRESSEE,
            text=transfer_letter(event, self.app.settings.office_name_th, dated),
            summary=f"โอน {format_baht(event.amount)} บาท")


def from_budgeting(app: CorrespondenceApplication) -> Handler:
    letters = LetterDrafter(app)

    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        dated = format_thai_date(envelope.time, full=True)
        with acting_as(SYSTEM_ACTOR, envelope.trace_id or None):
            if envelope.type == AllocationApproved.EVENT_TYPE:
                return letters.allocation(AllocationApproved.model_validate(envelope.data), dated)
            if envelope.type == TransferApproved.EVENT_TYPE:
                return letters.transfer(TransferApproved.model_validate(envelope.data), dated)
        return []

    return handle


# --- evaluation results (monitoring, procedure 15) -------------------------------------------------
def evaluation_letter_id(evaluation_id: UUID, result_no: int) -> UUID:
    """Deterministic: one document per result, however often the event is delivered."""
    return uuid5(NAMESPACE_URL, f"correspondence:evaluation-result:{evaluation_id}:{result_no}")


def evaluation_results_handler(app: CorrespondenceApplication) -> Handler:
    """`monitoring.evaluation.results_issued` → one outgoing draft per result, addressed to those
    responsible, for the officer who issued the results (the group director's to assign when that
    officer may not draft, e.g. the ESA director), then checked, signed, dispatched like any
    letter. OBEC's evaluators get an external letter, the office's own people a memo."""

    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        if envelope.type != EvaluationResultsIssued.EVENT_TYPE:
            return []
        issued = EvaluationResultsIssued.model_validate(envelope.data)
        doc_type = (DocumentType.external_letter if issued.kind == EvaluationKind.obec_strategy
                    else DocumentType.internal_memo)
        drafted: list[Aggregate | None] = []
        for result in issued.results:
            drafted.extend(app.draft_from_event(
                document_id=evaluation_letter_id(issued.evaluation_id, result.result_no),
                origin=EvaluationResultsIssued.EVENT_TYPE,
                drafter_id=issued.prepared_by or issued.issued_by, subject=result.subject_th,
                addressee=result.addressee_th, doc_type=doc_type, text=result.text_th))
        return drafted

    return handle


def subscriptions(app: CorrespondenceApplication) -> list[Subscription]:
    return [Subscription("budgeting", from_budgeting(app)),
            Subscription("monitoring", evaluation_results_handler(app),
                         subjects="esa.monitoring.evaluation.>")]

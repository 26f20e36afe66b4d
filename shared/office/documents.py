"""The documents registered in correspondence, as another service knows them from its events.

A decision of a body outside the office (กศจ., the governor, the area committee) is recorded by an
officer and must cite the document behind it: the resolution or signed letter, registered in
correspondence. A service learns which documents exist, and their register numbers, from
correspondence's contract events (`correspondence.document.registered|dispatched|signed`); each
fact is an event of a small `RegisteredDocument` aggregate saved with the consumer's tracking
position. Nothing is taken on the caller's word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import AnyEnvelope
from contracts.vocabulary import RegisteredDocumentRef
from shared.domain import Aggregate, DeclaredError, NotFound, event
from shared.thaitime import bangkok_date


class UnknownDocument(DeclaredError):
    code = "unknown-document"
    title_th = "ไม่พบหนังสือที่อ้างอิงในทะเบียนหนังสือของระบบสารบรรณ"
    title_en = "The cited document is not registered in correspondence"


class DocumentNotKnown(DeclaredError, NotFound):
    code = "document-not-known"
    title_th = "ยังไม่ได้รับข้อมูลหนังสือนี้จากระบบสารบรรณ"
    title_en = "No event about this document has reached this service"


@dataclass
class _Facts:
    receipt: tuple[int, int, date] | None = None  # number, BE year, received on
    outgoing: tuple[str, date] | None = None  # outgoing number, dispatched on
    signed_on: date | None = None


class RegisteredDocument(Aggregate, stored_as="office.RegisteredDocument",
                         formerly=("services.planning.domain:RegisteredDocument",)):
    """What this service knows of a document in correspondence's registers: enough to cite it as
    the resolution or signed letter behind a decision."""

    @staticmethod
    def create_id(document_id: UUID) -> UUID:
        return uuid5(ID_NAMESPACE, f"registered-document:{document_id}")

    @classmethod
    def learn(cls, document_id: UUID) -> RegisteredDocument:
        return cls(document_id=document_id)

    @event("Known")
    def __init__(self, *, document_id: UUID) -> None:
        self.document_id = document_id
        self.facts = _Facts()

    def record_receipt(self, *, receipt_no: int, year_be: int, received_on: date) -> bool:
        if self.facts.receipt == (receipt_no, year_be, received_on):
            return False
        self._receipt_recorded(receipt_no=receipt_no, year_be=year_be, received_on=received_on)
        return True

    def record_dispatch(self, *, outgoing_no: str, dispatched_on: date) -> bool:
        if self.facts.outgoing == (outgoing_no, dispatched_on):
            return False
        self._dispatch_recorded(outgoing_no=outgoing_no, dispatched_on=dispatched_on)
        return True

    def record_signature(self, *, signed_on: date) -> bool:
        if self.facts.signed_on == signed_on:
            return False
        self._signature_recorded(signed_on=signed_on)
        return True

    @property
    def reference(self) -> RegisteredDocumentRef | None:
        """How a decision cites it: its outgoing number once dispatched, else its receipt number;
        None while it has neither (a signed letter not yet numbered)."""
        if self.facts.outgoing is not None:
            number, on = self.facts.outgoing
            return RegisteredDocumentRef(document_id=self.document_id, reference=number, dated=on)
        if self.facts.receipt is not None:
            number, year_be, on = self.facts.receipt
            return RegisteredDocumentRef(document_id=self.document_id,
                                         reference=f"ทะเบียนรับ {number}/{year_be}", dated=on)
        return None

    @event("ReceiptRecorded")
    def _receipt_recorded(self, receipt_no: int, year_be: int, received_on: date) -> None:
        self.facts.receipt = (receipt_no, year_be, received_on)

    @event("DispatchRecorded")
    def _dispatch_recorded(self, outgoing_no: str, dispatched_on: date) -> None:
        self.facts.outgoing = (outgoing_no, dispatched_on)

    @event("SignatureRecorded")
    def _signature_recorded(self, signed_on: date) -> None:
        self.facts.signed_on = signed_on


# This class was planning's before every service learned registered documents: the namespace of
# the ids it gave then, and the name its stored events carry.
ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://esa.example/planning")


def cite(document: RegisteredDocument | None, document_id: UUID) -> RegisteredDocumentRef:
    """The reference of a registered document, or the refusal that says why it cannot be cited."""
    ref = document.reference if document is not None else None
    if ref is None:
        raise UnknownDocument(f"document {document_id} has no register number in correspondence",
                              document_id=str(document_id))
    return ref


def learn_document(load: Any, envelope: AnyEnvelope) -> RegisteredDocument | None:
    """What a correspondence event says of a document's register numbers: the aggregate to save,
    or None when it says nothing new (an event seen before, or one about something else)."""
    kind = envelope.type.rsplit(".", 1)[-1]
    data = envelope.data
    if (not envelope.type.startswith("correspondence.document.")
            or kind not in {"registered", "dispatched", "signed"} or "document_id" not in data):
        return None
    document_id = UUID(str(data["document_id"]))
    document = (load(RegisteredDocument, RegisteredDocument.create_id(document_id))
                or RegisteredDocument.learn(document_id))
    changed = bool(document.pending_events)
    if kind == "registered":
        changed |= document.record_receipt(
            receipt_no=int(data["receipt_no"]), year_be=int(data["register_year_be"]),
            received_on=bangkok_date(datetime.fromisoformat(str(data["received_at"]))))
    elif kind == "dispatched":
        changed |= document.record_dispatch(
            outgoing_no=str(data["outgoing_no"]),
            dispatched_on=bangkok_date(datetime.fromisoformat(str(data["dispatched_at"]))))
    else:
        changed |= document.record_signature(signed_on=bangkok_date(envelope.time))
    return document if changed else None


def document_view(document: RegisteredDocument) -> dict[str, Any]:
    ref = document.reference
    facts = document.facts
    return {
        "document_id": str(document.document_id),
        "reference": ref.reference if ref else None,
        "dated": ref.dated if ref else None,
        "receipt": (f"{facts.receipt[0]}/{facts.receipt[1]}" if facts.receipt else None),
        "outgoing_no": facts.outgoing[0] if facts.outgoing else None,
        "signed_on": facts.signed_on,
        "citable": ref is not None,
    }

"""Teaching a service the office without running correspondence: the staff directory and the
registered documents, delivered as correspondence's contract events through the service's own
consumer handler (`learn_from_correspondence`), tracked like the consumer tracks them. For unit and
component tests; flows run the real correspondence service instead."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Tracking

from contracts.envelope import AnyEnvelope
from shared.eventstore import ServiceApplication
from shared.office.learning import learn_from_correspondence

SOURCE = "correspondence"


@dataclass(frozen=True)
class Staff:
    officer_id: str
    roles: Sequence[str]
    name_th: str = ""
    position_th: str = "นักวิเคราะห์นโยบายและแผน"
    clearance: str = "none"
    active: bool = True
    version: int = 1  # the correspondence Officer's version this describes

    def envelope(self, event_type: str = "registered", **extra: Any) -> AnyEnvelope:
        data = {"officer_id": self.officer_id, "name_th": self.name_th or f"เจ้าหน้าที่ {self.officer_id}",
                "position_th": self.position_th, "roles": sorted(self.roles),
                "clearance": self.clearance, "active": self.active, **extra}
        return correspondence_envelope(f"correspondence.officer.{event_type}",
                                       _officer_uuid(self.officer_id), self.version, data)


@dataclass
class OfficeTeacher:
    """Delivers correspondence events to `app` in order, each with the next tracking position."""

    app: ServiceApplication
    versions: dict[str, int] = field(default_factory=dict)

    def deliver(self, envelope: AnyEnvelope) -> None:
        position = (self.app.process_recorder.max_tracking_id(SOURCE) or 0) + 1
        handler = learn_from_correspondence(self.app)
        self.app.execute(lambda: (None, handler(envelope)), tracking=Tracking(SOURCE, position))

    def staff(self, *members: Staff | tuple[str, Sequence[str]]) -> None:
        """Officers registered in correspondence: `("off-1", ["officer"])` or a `Staff`."""
        for member in members:
            entry = member if isinstance(member, Staff) else Staff(member[0], member[1])
            version = self.versions.get(entry.officer_id, 0) + 1
            self.versions[entry.officer_id] = version
            self.deliver(Staff(**{**entry.__dict__, "version": version}).envelope())

    def deactivate(self, officer_id: str, roles: Sequence[str]) -> None:
        version = self.versions.get(officer_id, 0) + 1
        self.versions[officer_id] = version
        self.deliver(Staff(officer_id, roles, active=False, version=version).envelope(
            "deactivated", reason="ย้ายไปปฏิบัติราชการที่อื่น"))

    def document(self, document_id: str | uuid.UUID, **register: Any) -> None:
        """A document registered in correspondence's receiving register (citable)."""
        self.deliver(document_envelope(document_id, **register))


def document_envelope(document_id: str | uuid.UUID, *, receipt_no: int = 15, year_be: int = 2567,
                      received_at: str = "2024-11-19T09:30:00+07:00") -> AnyEnvelope:
    """`correspondence.document.registered` of a document in the receiving register."""
    data = {"document_id": str(document_id), "receipt_no": receipt_no,
            "register_year_be": year_be, "received_at": received_at,
            "sender": "สำนักงานศึกษาธิการจังหวัด", "sender_ref_no": "ศธ 0287/123",
            "sender_doc_date": None, "subject": "แจ้งมติ", "addressee": None,
            "doc_type": "external_letter", "urgency": "normal", "urgency_code": "001",
            "secrecy": "none", "secrecy_code": "001", "attachments": []}
    return correspondence_envelope("correspondence.document.registered",
                                   uuid.UUID(str(document_id)), 1, data)


def correspondence_envelope(event_type: str, subject: uuid.UUID, sequence: int,
                            data: dict[str, Any]) -> AnyEnvelope:
    return AnyEnvelope.model_validate({
        "id": f"{SOURCE}:{subject}:{sequence}", "type": event_type, "source": SOURCE,
        "subject": str(subject), "time": datetime.now(UTC).isoformat(), "sequence": sequence,
        "actor": "esa-1", "data": data})


def teach(app: ServiceApplication, staff: Iterable[Staff | tuple[str, Sequence[str]]] = (),
          documents: Iterable[str | uuid.UUID] = ()) -> OfficeTeacher:
    teacher = OfficeTeacher(app)
    teacher.staff(*staff)
    for document_id in documents:
        teacher.document(document_id)
    return teacher


def _officer_uuid(officer_id: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"esa:test-officer:{officer_id}")


# The office's people in every service's tests: the same ids everywhere.
STANDARD_STAFF: tuple[Staff, ...] = (
    Staff("esa-1", ["esa_director", "signer"], "นายสมศักดิ์ ผู้อำนวยการ",
          "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษา", "top_secret"),
    Staff("dir-1", ["group_director"], "นางสาวสุดา หัวหน้า", "ผู้อำนวยการกลุ่มนโยบายและแผน",
          "secret"),
    Staff("dir-2", ["group_director"], "นายวิชัย รองหัวหน้า", "ผู้อำนวยการกลุ่มนโยบายและแผน",
          "secret"),
    Staff("off-1", ["officer"], "นายสมชาย รักงาน", "นักวิเคราะห์นโยบายและแผนชำนาญการ"),
    Staff("off-2", ["officer"], "นางสาวมาลี ขยันยิ่ง", "นักวิเคราะห์นโยบายและแผนปฏิบัติการ"),
    Staff("clerk-1", ["clerk"], "นางสาวสมใจ ธุรการ", "เจ้าพนักงานธุรการ", "secret"),
)

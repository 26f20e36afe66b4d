"""Correspondence integration events, version 1: saraban (procedure 1), coordination and service
(2), internal meetings and their action items (3), knowledge management (4).

Published on `esa.correspondence.<aggregate>.<event>`. Classified documents never leave the service
with their subject or content: `subject` is None and only register facts travel. Urgency and secrecy
are given both by name and by the national e-saraban exchange code (001-004).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from contracts.envelope import ContractModel, IntegrationEvent, Secrecy
from contracts.vocabulary import StaffRole


class DocumentType(StrEnum):
    external_letter = "external_letter"  # หนังสือภายนอก
    internal_memo = "internal_memo"  # หนังสือภายใน / บันทึกข้อความ
    stamped_letter = "stamped_letter"  # หนังสือประทับตรา
    directive = "directive"  # หนังสือสั่งการ
    announcement = "announcement"  # หนังสือประชาสัมพันธ์
    record = "record"  # หนังสือที่เจ้าหน้าที่ทำขึ้นหรือรับไว้เป็นหลักฐาน


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"  # ด่วน
    very_urgent = "very_urgent"  # ด่วนมาก
    most_urgent = "most_urgent"  # ด่วนที่สุด


URGENCY_CODES: dict[Urgency, str] = {
    Urgency.normal: "001",
    Urgency.urgent: "002",
    Urgency.very_urgent: "003",
    Urgency.most_urgent: "004",
}


class NumberSeriesKind(StrEnum):
    receiving = "receiving"  # ทะเบียนหนังสือรับ
    dispatch = "dispatch"  # ที่ ศธ 04xxx/n
    circular = "circular"  # ที่ ศธ 04xxx/ว n
    order = "order"  # คำสั่ง n/พ.ศ.


class AttachmentRef(ContractModel):
    name: str
    media_type: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class DocumentRegistered(IntegrationEvent):
    """An incoming document was entered in the receiving register."""

    EVENT_TYPE = "correspondence.document.registered"
    document_id: UUID
    receipt_no: int = Field(ge=1)
    register_year_be: int
    received_at: datetime
    sender: str | None = Field(description="None when the document is classified")
    sender_ref_no: str | None = Field(description="None when the document is classified")
    sender_doc_date: date | None
    subject: str | None = Field(description="None when the document is classified")
    addressee: str | None = Field(description="None when the document is classified")
    doc_type: DocumentType
    urgency: Urgency
    urgency_code: str
    secrecy: Secrecy
    secrecy_code: str
    attachments: list[AttachmentRef] = Field(default_factory=list)


class OutgoingDocumentStarted(IntegrationEvent):
    """The office began a document of its own (no incoming letter), drafted by an officer; or
    drafted one another service's event asked for (an allocation letter, a transfer report, an
    evaluation-result letter), for the officer that event named."""

    EVENT_TYPE = "correspondence.document.outgoing_started"
    document_id: UUID
    doc_type: DocumentType
    subject: str | None
    addressee: str | None
    officer_id: str | None = Field(
        description="The drafter who holds it; None when the officer named cannot hold a draft "
                    "and it waits for the group director to assign it (see rerouted_reason)")
    secrecy: Secrecy
    urgency: Urgency
    named_officer_id: str | None = Field(
        default=None, description="Drafted for another service: the officer its event named")
    rerouted_reason: str | None = Field(
        default=None, description="Why the named officer does not hold it: not_in_directory, "
                                  "inactive or may_not_draft (the group director assigns it)")


class DocumentAssigned(IntegrationEvent):
    """The group director assigned the document to a responsible officer."""

    EVENT_TYPE = "correspondence.document.assigned"
    document_id: UUID
    officer_id: str
    assigned_by: str
    due_date: date | None


class DocumentDrafted(IntegrationEvent):
    """The responsible officer recorded a (new version of the) draft."""

    EVENT_TYPE = "correspondence.document.drafted"
    document_id: UUID
    officer_id: str
    draft_version: int = Field(ge=1)


class DraftSubmitted(IntegrationEvent):
    """The officer submitted a draft (round n) to the group director for checking."""

    EVENT_TYPE = "correspondence.document.draft_submitted"
    document_id: UUID
    round: int = Field(ge=1)
    officer_id: str
    checker_id: str


class ReturnedForRevision(IntegrationEvent):
    """The checker or the signer returned the draft to the officer."""

    EVENT_TYPE = "correspondence.document.returned_for_revision"
    document_id: UUID
    round: int = Field(ge=1)
    returned_by: str
    stage: str = Field(description="check or signature")


class DraftApproved(IntegrationEvent):
    """The group director approved the draft and put it to the authorised signer."""

    EVENT_TYPE = "correspondence.document.draft_approved"
    document_id: UUID
    round: int = Field(ge=1)
    approved_by: str
    signer_id: str


class DocumentSigned(IntegrationEvent):
    EVENT_TYPE = "correspondence.document.signed"
    document_id: UUID
    signer_id: str


class DocumentDispatched(IntegrationEvent):
    """The signed document left with its number from the dispatch register."""

    EVENT_TYPE = "correspondence.document.dispatched"
    document_id: UUID
    series: NumberSeriesKind
    number: int = Field(ge=1)
    register_year_be: int
    outgoing_no: str = Field(description="e.g. ที่ ศธ 04123/15, ที่ ศธ 04123/ว 3, 15/2569")
    dispatched_at: datetime


class DocumentFiled(IntegrationEvent):
    EVENT_TYPE = "correspondence.document.filed"
    document_id: UUID
    retention_class: str
    location: str | None = Field(description="None when the document is classified")
    retention_expires_on: date | None


class DocumentCancelled(IntegrationEvent):
    """Cancelled; a number it had stays in the register, marked cancelled."""

    EVENT_TYPE = "correspondence.document.cancelled"
    document_id: UUID
    reason: str | None = Field(description="None when the document is classified")
    outgoing_no: str | None = None


class DocumentBorrowed(IntegrationEvent):
    EVENT_TYPE = "correspondence.document.borrowed"
    document_id: UUID
    borrower: str | None = Field(description="None when the document is classified")
    due_date: date


class DocumentReturned(IntegrationEvent):
    EVENT_TYPE = "correspondence.document.loan_returned"
    document_id: UUID
    borrower: str | None = Field(description="None when the document is classified")


class DocumentDestroyed(IntegrationEvent):
    """Content purged; the register entry and this record of destruction remain."""

    EVENT_TYPE = "correspondence.document.destroyed"
    document_id: UUID
    destruction_list_id: UUID


class DestructionListChanged(IntegrationEvent):
    """A step of the yearly destruction list: opened, committee appointed, sent to the National
    Archives, items destroyed."""

    EVENT_TYPE = "correspondence.destruction_list.changed"
    destruction_list_id: UUID
    year_be: int
    step: str
    item_count: int = Field(ge=0)

# --------------------------------------------------------------------------------------------------
# Procedure 2: coordination and service (งานประสานงานและให้บริการ)
# Who asked (name, contact) is personal data and stays inside the service; only the kind travels.
# --------------------------------------------------------------------------------------------------


class RequesterKind(StrEnum):
    school = "school"  # สถานศึกษา
    office_group = "office_group"  # กลุ่มอื่นในสำนักงาน
    agency = "agency"  # หน่วยงานภายนอก
    public = "public"  # ประชาชนทั่วไป


class ServiceChannel(StrEnum):
    walk_in = "walk_in"  # ติดต่อด้วยตนเอง
    phone = "phone"  # โทรศัพท์
    email = "email"  # อีเมล
    letter = "letter"  # หนังสือราชการ
    online = "online"  # ช่องทางออนไลน์


class ServiceRequestLogged(IntegrationEvent):
    """A request for coordination or service was logged; it waits for the group director."""

    EVENT_TYPE = "correspondence.service_request.logged"
    service_request_id: UUID
    requester_kind: RequesterKind
    channel: ServiceChannel
    subject: str
    received_at: datetime


class ServiceRequestRouted(IntegrationEvent):
    """The group director routed the request to a responsible officer."""

    EVENT_TYPE = "correspondence.service_request.routed"
    service_request_id: UUID
    officer_id: str
    routed_by: str
    due_date: date | None


class ServiceRequestResponded(IntegrationEvent):
    """The responsible officer responded to the request."""

    EVENT_TYPE = "correspondence.service_request.responded"
    service_request_id: UUID
    officer_id: str
    responded_at: datetime
    response_minutes: int = Field(ge=0, description="From receipt to response")


class ServiceSatisfactionRecorded(IntegrationEvent):
    """The requester's satisfaction with the service (1 least - 5 most), recorded once."""

    EVENT_TYPE = "correspondence.service_request.satisfaction_recorded"
    service_request_id: UUID
    score: int = Field(ge=1, le=5)


# --------------------------------------------------------------------------------------------------
# Procedure 3: internal meetings (งานจัดการประชุมภายใน)
# --------------------------------------------------------------------------------------------------


class AgendaEntry(ContractModel):
    item_no: int = Field(ge=1)
    title: str


class MeetingScheduled(IntegrationEvent):
    """An internal meeting of the group was called: title, date and time, place, chair."""

    EVENT_TYPE = "correspondence.meeting.scheduled"
    meeting_id: UUID
    title: str
    starts_at: datetime
    place: str
    chair_id: str
    organiser_id: str


class AgendaItemProposed(IntegrationEvent):
    """An officer proposed an agenda item; the group director approves or drops it."""

    EVENT_TYPE = "correspondence.meeting.agenda_item_proposed"
    meeting_id: UUID
    item_no: int = Field(ge=1)
    title: str
    proposed_by: str


class AgendaItemApproved(IntegrationEvent):
    EVENT_TYPE = "correspondence.meeting.agenda_item_approved"
    meeting_id: UUID
    item_no: int = Field(ge=1)
    approved_by: str


class AgendaItemDropped(IntegrationEvent):
    EVENT_TYPE = "correspondence.meeting.agenda_item_dropped"
    meeting_id: UUID
    item_no: int = Field(ge=1)
    dropped_by: str
    reason: str


class MeetingParticipantsNotified(IntegrationEvent):
    """The participants (the chair among them; at least two people) were told of the meeting and
    its approved agenda."""

    EVENT_TYPE = "correspondence.meeting.participants_notified"
    meeting_id: UUID
    participants: list[str] = Field(min_length=2)
    agenda: list[AgendaEntry] = Field(min_length=1)
    starts_at: datetime
    place: str


class MeetingHeld(IntegrationEvent):
    EVENT_TYPE = "correspondence.meeting.held"
    meeting_id: UUID
    held_at: datetime
    attendees: list[str] = Field(min_length=2)


class MinutesRecorded(IntegrationEvent):
    """The minutes were recorded as a record-type document of the saraban (its own events are
    `correspondence.document.*` under `document_id`)."""

    EVENT_TYPE = "correspondence.meeting.minutes_recorded"
    meeting_id: UUID
    document_id: UUID


class MinutesCirculated(IntegrationEvent):
    """The registered minutes went to those concerned."""

    EVENT_TYPE = "correspondence.meeting.minutes_circulated"
    meeting_id: UUID
    document_id: UUID
    outgoing_no: str
    recipients: list[str] = Field(min_length=1)


class ActionItemAssigned(IntegrationEvent):
    """A meeting gave an officer something to do by a due date."""

    EVENT_TYPE = "correspondence.action_item.assigned"
    action_item_id: UUID
    meeting_id: UUID
    title: str
    owner_id: str
    due_date: date
    assigned_by: str


class ActionItemClosed(IntegrationEvent):
    EVENT_TYPE = "correspondence.action_item.closed"
    action_item_id: UUID
    meeting_id: UUID
    closed_by: str
    result: str


# --------------------------------------------------------------------------------------------------
# Procedure 4: knowledge management (งานจัดการความรู้)
# --------------------------------------------------------------------------------------------------


class KnowledgeItemCaptured(IntegrationEvent):
    """A knowledge item was captured; it waits for the group director's screening."""

    EVENT_TYPE = "correspondence.knowledge_item.captured"
    knowledge_item_id: UUID
    title: str
    author_id: str
    tags: list[str]
    source: str


class KnowledgeItemAccepted(IntegrationEvent):
    EVENT_TYPE = "correspondence.knowledge_item.accepted"
    knowledge_item_id: UUID
    screened_by: str
    reason: str


class KnowledgeItemRejected(IntegrationEvent):
    EVENT_TYPE = "correspondence.knowledge_item.rejected"
    knowledge_item_id: UUID
    screened_by: str
    reason: str = Field(min_length=1)


class KnowledgeItemPublished(IntegrationEvent):
    """The item is shared with the group, findable by its tags and text."""

    EVENT_TYPE = "correspondence.knowledge_item.published"
    knowledge_item_id: UUID
    title: str
    tags: list[str] = Field(min_length=1)
    published_by: str


class NewsItemDrafted(IntegrationEvent):
    """A member of staff drafted news of the group's work (procedure 2); not public yet."""

    EVENT_TYPE = "correspondence.news_item.drafted"
    news_item_id: UUID
    title: str
    author_id: str


class NewsItemSubmitted(IntegrationEvent):
    """The author proposed the item to a named group director (round 1, or again after a return)."""

    EVENT_TYPE = "correspondence.news_item.submitted"
    news_item_id: UUID
    round: int = Field(ge=1)
    officer_id: str
    checker_id: str


class NewsItemApproved(IntegrationEvent):
    EVENT_TYPE = "correspondence.news_item.approved"
    news_item_id: UUID
    round: int = Field(ge=1)
    approved_by: str


class NewsItemReturned(IntegrationEvent):
    EVENT_TYPE = "correspondence.news_item.returned"
    news_item_id: UUID
    round: int = Field(ge=1)
    returned_by: str
    reason: str = Field(min_length=1)


class NewsItemPublished(IntegrationEvent):
    """The item is on the office's public news page and feed (`GET /news/{news_item_id}`)."""

    EVENT_TYPE = "correspondence.news_item.published"
    news_item_id: UUID
    title: str
    summary: str
    published_by: str
    published_at: datetime


class NewsItemWithdrawn(IntegrationEvent):
    """The item is taken off the public page and feed; subscribers should drop it too."""

    EVENT_TYPE = "correspondence.news_item.withdrawn"
    news_item_id: UUID
    withdrawn_by: str
    reason: str = Field(min_length=1)
    withdrawn_at: datetime


# --- the staff directory (ทะเบียนเจ้าหน้าที่) ----------------------------------------------------------
class OfficerEntry(IntegrationEvent):
    """The directory entry as it stands after the event: every officer event carries the whole
    entry, so a service that reads them in order always holds the office's current directory, and
    one that missed nothing never needs to ask."""

    officer_id: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    name_th: str = Field(min_length=1)
    position_th: str = Field(description="ตำแหน่ง, as printed under a signature; may be empty")
    roles: list[StaffRole] = Field(description="What the officer may do (decision rights)")
    clearance: Secrecy = Field(description="The highest secrecy level the officer may read")
    active: bool = Field(description="False once deactivated: the officer can do nothing")


class OfficerRegistered(OfficerEntry):
    """An officer was added to the office's staff directory."""

    EVENT_TYPE = "correspondence.officer.registered"


class OfficerRolesChanged(OfficerEntry):
    """The ESA director changed an officer's roles."""

    EVENT_TYPE = "correspondence.officer.roles_changed"


class OfficerClearanceChanged(OfficerEntry):
    """The ESA director changed an officer's secrecy clearance."""

    EVENT_TYPE = "correspondence.officer.clearance_changed"


class OfficerDetailsChanged(OfficerEntry):
    """An officer's name or position (ตำแหน่ง) changed."""

    EVENT_TYPE = "correspondence.officer.details_changed"


class OfficerDeactivated(OfficerEntry):
    """The officer left or was suspended: from now on they can do nothing in any service."""

    EVENT_TYPE = "correspondence.officer.deactivated"
    reason: str = Field(min_length=1)


class OfficerReactivated(OfficerEntry):
    """A deactivated officer may act again, with the roles they hold."""

    EVENT_TYPE = "correspondence.officer.reactivated"


OFFICER_EVENTS: tuple[type[OfficerEntry], ...] = (
    OfficerRegistered, OfficerRolesChanged, OfficerClearanceChanged, OfficerDetailsChanged,
    OfficerDeactivated, OfficerReactivated,
)


EVENTS: tuple[type[IntegrationEvent], ...] = (
    *OFFICER_EVENTS,
    DocumentRegistered,
    OutgoingDocumentStarted,
    DocumentAssigned,
    DocumentDrafted,
    DraftSubmitted,
    ReturnedForRevision,
    DraftApproved,
    DocumentSigned,
    DocumentDispatched,
    DocumentFiled,
    DocumentCancelled,
    DocumentBorrowed,
    DocumentReturned,
    DocumentDestroyed,
    DestructionListChanged,
    ServiceRequestLogged,
    ServiceRequestRouted,
    ServiceRequestResponded,
    ServiceSatisfactionRecorded,
    NewsItemDrafted,
    NewsItemSubmitted,
    NewsItemApproved,
    NewsItemReturned,
    NewsItemPublished,
    NewsItemWithdrawn,
    MeetingScheduled,
    AgendaItemProposed,
    AgendaItemApproved,
    AgendaItemDropped,
    MeetingParticipantsNotified,
    MeetingHeld,
    MinutesRecorded,
    MinutesCirculated,
    ActionItemAssigned,
    ActionItemClosed,
    KnowledgeItemCaptured,
    KnowledgeItemAccepted,
    KnowledgeItemRejected,
    KnowledgeItemPublished,
)

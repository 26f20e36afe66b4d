"""Correspondence's anti-corruption layer: private domain events → public contract events (v1).

Only what other services and the central office may know leaves the service: a classified document
travels without subject or content; the number series, classified reads and idempotency records stay
inside. The staff directory leaves whole (`correspondence.officer.*`): every service decides who may
act from it. Each contract event carries the case's status after the event
(step, holder, since, due), read from the document as it was at that version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.correspondence import v1
from contracts.envelope import SECRECY_CODES, CaseStatus, Envelope, IntegrationEvent, Secrecy
from services.correspondence.application import CorrespondenceApplication
from services.correspondence.domain import (
    CLOSED_STEPS,
    DESTRUCTION_STEP_TH,
    ROLE_TH,
    DestructionList,
    Document,
    Officer,
    Role,
)
from services.correspondence.knowledge import integration as knowledge
from services.correspondence.meetings import integration as meetings
from services.correspondence.news import integration as news
from services.correspondence.service_requests import integration as service_requests
from shared.domain import DomainEvent
from shared.relay import envelope_for

SERVICE = "correspondence"
PROCEDURE_SARABAN = 1
# Procedures 2-4 translate their own aggregates' events: (contract payload, case status) or None.
FEATURES = (service_requests, news, meetings, knowledge)


def _attachments(document: Document) -> list[v1.AttachmentRef]:
    return [v1.AttachmentRef(name=a.name, media_type=a.media_type, sha256=a.sha256, size=a.size)
            for a in document.attachments]


def _subject(document: Document) -> str | None:
    return _public(document, document.subject)


def _public(document: Document, value: str) -> str | None:
    """What describes a classified document never leaves the service."""
    return value if document.secrecy == Secrecy.none else None


def document_payload(event: DomainEvent, d: Document) -> IntegrationEvent | None:
    """The contract payload for a document event, or None for events that stay private."""
    match event:
        case Document.Registered():
            return v1.DocumentRegistered(
                document_id=d.id, receipt_no=event.receipt_no, register_year_be=event.receipt_year_be,
                received_at=event.received_at, sender=_public(d, d.sender),
                sender_ref_no=_public(d, d.sender_ref_no), sender_doc_date=d.sender_doc_date,
                subject=_subject(d), addressee=_public(d, d.addressee), doc_type=d.doc_type,
                urgency=d.urgency,
                urgency_code=v1.URGENCY_CODES[d.urgency],
                secrecy=d.secrecy, secrecy_code=SECRECY_CODES[d.secrecy],
                attachments=_attachments(d) if d.secrecy == Secrecy.none else [],
            )
        case Document.Started():
            return v1.OutgoingDocumentStarted(
                document_id=d.id, doc_type=d.doc_type, subject=_subject(d),
                addressee=_public(d, d.addressee),
                officer_id=event.drafter_id, secrecy=d.secrecy, urgency=d.urgency,
                named_officer_id=event.named_drafter_id,
                rerouted_reason=event.reroute_reason.value if event.reroute_reason else None,
            )
        case Document.Assigned():
            return v1.DocumentAssigned(document_id=d.id, officer_id=event.officer_id,
                                       assigned_by=event.assigned_by, due_date=event.due)
        case Document.Drafted():
            return v1.DocumentDrafted(document_id=d.id, officer_id=event.officer_id,
                                      draft_version=event.version)
        case Document.SubmittedForCheck():
            return v1.DraftSubmitted(document_id=d.id, round=event.round_no,
                                     officer_id=event.officer_id, checker_id=event.checker_id)
        case Document.CheckApproved():
            return v1.DraftApproved(document_id=d.id, round=event.round_no,
                                    approved_by=event.checker_id, signer_id=event.signer_id)
        case Document.ReturnedForRevision():
            return v1.ReturnedForRevision(document_id=d.id, round=event.round_no,
                                          returned_by=event.by_id, stage=event.stage.value)
        case Document.Signed():
            return v1.DocumentSigned(document_id=d.id, signer_id=event.signer_id)
        case Document.Dispatched():
            return v1.DocumentDispatched(
                document_id=d.id, series=v1.NumberSeriesKind(event.series.value), number=event.number,
                register_year_be=event.year_be, outgoing_no=event.outgoing_no, dispatched_at=event.at,
            )
        case Document.Filed():
            return v1.DocumentFiled(document_id=d.id, retention_class=event.retention_class,
                                    location=_public(d, event.location),
                                    retention_expires_on=d.retention_expires_on)
        case Document.Cancelled():
            return v1.DocumentCancelled(
                document_id=d.id, reason=_public(d, event.reason),
                outgoing_no=d.outgoing_no)
        case Document.Borrowed():
            return v1.DocumentBorrowed(document_id=d.id, borrower=_public(d, event.borrower),
                                       due_date=event.due)
        case Document.LoanReturned():
            loan = next(x for x in d.loans if x.loan_no == event.loan_no)
            return v1.DocumentReturned(document_id=d.id, borrower=_public(d, loan.borrower))
        case Document.Destroyed():
            return v1.DocumentDestroyed(document_id=d.id,
                                        destruction_list_id=event.destruction_list_id)
    return None  # RetentionChanged, ClassifiedContentRead, LetterIssued: kept inside the service


OFFICER_EVENT_TYPES: dict[str, type[v1.OfficerEntry]] = {
    "Registered": v1.OfficerRegistered,
    "RolesChanged": v1.OfficerRolesChanged,
    "ClearanceChanged": v1.OfficerClearanceChanged,
    "DetailsChanged": v1.OfficerDetailsChanged,
    "Deactivated": v1.OfficerDeactivated,
    "Reactivated": v1.OfficerReactivated,
}


def officer_payload(event: DomainEvent, officer: Officer) -> v1.OfficerEntry:
    """Every change of the staff directory leaves with the whole entry as it now stands: the
    directory is the one thing every service needs to decide who may act."""
    contract = OFFICER_EVENT_TYPES[type(event).__name__]
    extra = {"reason": event.reason} if contract is v1.OfficerDeactivated else {}
    return contract(officer_id=officer.officer_id, name_th=officer.name_th,
                    position_th=officer.position_th, roles=sorted(officer.roles),
                    clearance=officer.clearance, active=officer.active, **extra)


def document_status(d: Document, holder_th: str | None) -> CaseStatus:
    return CaseStatus(
        procedure=PROCEDURE_SARABAN,
        case_type="document",
        title=_subject(d),
        step=d.step.value,
        step_th=d.step_th,
        holder=d.holder,
        holder_th=holder_th,
        since=d.step_since or d.modified_on,
        due=d.due if d.step not in CLOSED_STEPS else None,
        closed=d.step in CLOSED_STEPS,
    )


def destruction_status(dl: DestructionList) -> CaseStatus:
    return CaseStatus(
        procedure=PROCEDURE_SARABAN,
        case_type="destruction_list",
        title=f"บัญชีหนังสือขอทำลาย พ.ศ. {dl.year_be}",
        step=dl.step.value,
        step_th=DESTRUCTION_STEP_TH[dl.step],
        holder=Role.clerk.value,
        holder_th=ROLE_TH[Role.clerk],
        since=dl.modified_on,
        due=dl.destroy_allowed_from,
        closed=dl.carried_out_at is not None,
    )


def make_translator(app: CorrespondenceApplication) -> Callable[[Any, Any], Envelope[Any] | None]:
    """The relay's translate function: the contract event and the case status after the event.
    (`app` names the officers who hold a case.)"""

    def holder_th(holder: str | None) -> str | None:
        """The holder as people read it: a role in Thai, or the officer's name."""
        if holder is None:
            return None
        if holder in Role.__members__:
            return ROLE_TH[Role(holder)]
        officer = app.get(Officer, Officer.create_id(holder))
        return officer.name_th if officer else holder

    def translate(event: DomainEvent, aggregate: Any) -> Envelope[Any] | None:
        if isinstance(event, Officer.Event):
            return envelope_for(SERVICE, event, officer_payload(event, aggregate))
        if isinstance(event, Document.Event):
            document: Document = aggregate
            payload = document_payload(event, document)
            if payload is None:
                return None
            return envelope(event, payload, document.secrecy,
                            document_status(document, holder_th(document.holder)))
        if isinstance(event, DestructionList.Event):
            listing: DestructionList = aggregate
            payload = v1.DestructionListChanged(
                destruction_list_id=listing.id, year_be=listing.year_be, step=listing.step.value,
                item_count=len(listing.items))
            return envelope(event, payload, Secrecy.none, destruction_status(listing))
        for feature in FEATURES:  # procedures 2-4: unclassified by nature
            translated = feature.translate(event, aggregate, holder_th)
            if translated is not None:
                return envelope(event, translated[0], Secrecy.none, translated[1])
        return None

    return translate


def envelope(event: DomainEvent, payload: IntegrationEvent, secrecy: Secrecy,
             status: CaseStatus) -> Envelope[Any]:
    return envelope_for(SERVICE, event, payload, status=status, secrecy=secrecy)

"""The correspondence application: saraban commands and queries over the event store.

Each command loads the aggregates it needs, lets the domain decide, and saves every changed
aggregate in one transaction (`ServiceApplication.execute`): a receipt number and the document it
numbers are recorded together or not at all, so the registers stay gap-free. Commands return the
document's summary as the caller should see it. Content (bodies, drafts, attachments) goes to the
content-addressed blob store before the command; events carry only hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from contracts.vocabulary import RegisteredDocumentRef
from services.correspondence.directory import OfficeDirectory
from services.correspondence.domain import (
    CLASSIFIED_REGISTER_FIELDS,
    OUTGOING_SERIES,
    SECRECY_TH,
    URGENCY_TH,
    AlreadyDispatched,
    Attachment,
    AttachmentTooLarge,
    ContentNotAvailable,
    DestructionList,
    DestructionListNotFound,
    Direction,
    DirectoryAlreadyStarted,
    Document,
    DocumentNotFound,
    DocumentType,
    FirstOfficerNotADirector,
    NoDraftToPrint,
    NotCleared,
    NumberSeries,
    Officer,
    OfficerAlreadyRegistered,
    OwnRecord,
    Role,
    Secrecy,
    SeriesKind,
    Step,
    TopSecretPaperOnly,
    Urgency,
    agency_entry,
    format_outgoing_no,
    mask_of,
    may_see,
    receiving_year_be,
)
from services.correspondence.knowledge.application import KnowledgeBase
from services.correspondence.meetings.application import Meetings
from services.correspondence.news.application import NewsDesk
from services.correspondence.projections import (
    DOCUMENT_COLUMNS,
    DOCUMENT_INDEXES,
    DOCUMENT_TALLIES,
    OFFICER_COLUMNS,
    ROUTING_LISTING_COLUMNS,
    destruction_entry,
    destruction_row,
    document_row,
    document_view,
    is_action_overdue,
    officer_row,
    officer_view,
    reader_view,
    routing_report,
    routing_row,
    visible_to,
)
from services.correspondence.rights import GRANTS_POWERS
from services.correspondence.service_requests.application import ServiceRequests
from services.correspondence.settings import CorrespondenceSettings
from services.correspondence.work import (
    DOCUMENT,
    WORK_COLUMNS,
    WORK_INDEXES,
    WORK_RECORDS,
    holders_of,
    overdue_first,
    work_item,
    work_row,
)
from shared.auth import OutOfScope
from shared.blobs import BlobStore
from shared.context import current_actor
from shared.domain import Aggregate, DomainEvent
from shared.eventstore import ServiceApplication, check_version
from shared.history import event_entry, history_page
from shared.http.paging import PageRequest
from shared.office import rights
from shared.office.rights import UnknownOfficer, outside_any_right
from shared.thaitime import bangkok_date, calendar_year_be, ce_year, format_thai_date, utc_now

if TYPE_CHECKING:  # the PDF (fpdf) and signing (pyhanko) libraries take seconds to import: they
    # are loaded by the first letter printed, not at every start of the service
    from services.correspondence.letter_pdf import PrintedLetter
    from shared.pdfsign import PdfSigner

Idempotency = tuple[str, str, str] | None


@dataclass(frozen=True)
class DocumentFilters:
    """What a person narrows a list of documents by: the step, who holds it, overdue or not, a
    text in what describes it (subject, sender, their reference, addressee, outgoing number)."""

    step: str | None = None
    holder: str | None = None
    overdue: bool | None = None
    text: str | None = None


NO_FILTERS = DocumentFilters()


@dataclass(frozen=True)
class NewFile:
    """A file received through the API, before it is stored."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Content:
    """What a cleared reader gets: the text of the body or draft and the attachments' bytes."""

    document_id: UUID
    body: bytes | None
    draft: bytes | None
    attachments: list[tuple[Attachment, bytes | None]]


class CorrespondenceApplication(ServiceApplication):
    name = "correspondence"
    # A year's receiving register issues a number per letter: loading the series reads the last
    # snapshot and what came after, so the first registration after a start costs the same in
    # December as in January.
    snapshotting_intervals = {NumberSeries: 100}

    def __init__(
        self,
        settings: CorrespondenceSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(settings, env)
        self.settings: CorrespondenceSettings = settings
        self.clock = clock
        self.blobs = BlobStore(settings.blob_dir)
        # The lists, in this service's own database (`shared.readmodels`); their tables are named
        # after the service, as services may share one PostgreSQL schema.
        lists = self.read_models
        self.documents = lists.listing(
            "correspondence_documents", of=(Document,), columns=DOCUMENT_COLUMNS,
            indexes=DOCUMENT_INDEXES, tallies=DOCUMENT_TALLIES, row=document_row)
        self.routing = lists.listing(
            "correspondence_routing", of=(Document,), columns=ROUTING_LISTING_COLUMNS,
            indexes=(("year_be",),), row=routing_row)
        self.officers = lists.listing(
            "correspondence_officers", of=(Officer,), columns=OFFICER_COLUMNS,
            indexes=(("officer_id",),), row=officer_row)
        self.destruction_lists = lists.listing(
            "correspondence_destruction_lists", of=(DestructionList,),
            columns={"year_be": "int", "step": "text"}, indexes=(("year_be",),),
            row=destruction_row)
        # What someone must act on, one row per record while someone must (procedures 1-4).
        # v2: a document's row keeps its register line (the work queue answers it).
        self.work = lists.listing("correspondence_work", of=WORK_RECORDS, columns=WORK_COLUMNS,
                                  indexes=WORK_INDEXES, row=work_row, version=2)
        # Procedures 2-4, each in its own sub-package, on this store and this staff directory.
        self.service_requests = ServiceRequests(self)
        self.news = NewsDesk(self)
        self.meetings = Meetings(self)
        self.knowledge = KnowledgeBase(self)

    # --- who may act (shared.office.rights) ----------------------------------------------------------
    @cached_property
    def directory(self) -> OfficeDirectory:  # type: ignore[override]
        """The directory correspondence keeps: its own officers, in force once recorded."""
        return OfficeDirectory(self)

    def registered_reference(self, document_id: UUID) -> RegisteredDocumentRef | None:
        """A document of correspondence's own registers, as a decision cites it: its outgoing
        number once dispatched, else its receipt number (None: neither yet)."""
        document = self.get(Document, document_id)
        if document is None:
            return None
        if document.outgoing_no is not None and document.dispatched_at is not None:
            return RegisteredDocumentRef(document_id=document.id, reference=document.outgoing_no,
                                         dated=bangkok_date(document.dispatched_at))
        if document.receipt_no is not None and document.received_at is not None:
            return RegisteredDocumentRef(
                document_id=document.id,
                reference=f"ทะเบียนรับ {document.receipt_no}/{document.receipt_year_be}",
                dated=bangkok_date(document.received_at))
        return None

    # --- loading ------------------------------------------------------------------------------------
    def officer(self, officer_id: str) -> Officer:
        officer = self.get(Officer, Officer.create_id(officer_id))
        if officer is None:
            raise UnknownOfficer(f"no officer {officer_id!r} in the staff directory",
                                 officer_id=officer_id)
        return officer

    def acting_officer(self) -> Officer:
        return self.officer(current_actor())

    def document(self, document_id: UUID) -> Document:
        document = self.get(Document, document_id)
        if document is None:
            raise DocumentNotFound(str(document_id))
        return document

    def destruction_list(self, year_be: int) -> DestructionList:
        found = self.get(DestructionList, DestructionList.create_id(year_be))
        if found is None:
            raise DestructionListNotFound(f"no destruction list for {year_be}")
        return found

    def _series(self, kind: SeriesKind, year_be: int) -> NumberSeries:
        return self.get(NumberSeries, NumberSeries.create_id(kind, year_be)) or NumberSeries.open(
            kind=kind, year_be=year_be
        )

    # --- the staff directory ------------------------------------------------------------------------
    def register_officer(
        self,
        *,
        officer_id: str,
        name_th: str,
        position_th: str,
        roles: Sequence[Role],
        clearance: Any,
        idempotency: Idempotency = None,
    ) -> dict[str, Any]:
        """Directors add officers (the decision rights say so). The very first entry bootstraps
        the directory: nobody is known yet to be checked, so it runs outside any right, and it
        must be a director, who can then add the others."""

        def decide(*, first: bool = False) -> tuple[dict[str, Any], list[Aggregate]]:
            if first:
                if self.officers.count():
                    raise DirectoryAlreadyStarted()
                if not {Role.esa_director, Role.group_director} & {Role(r) for r in roles}:
                    raise FirstOfficerNotADirector()
            if self.get(Officer, Officer.create_id(officer_id)) is not None:
                raise OfficerAlreadyRegistered(officer_id)
            officer = Officer.register(officer_id=officer_id, name_th=name_th,
                                       position_th=position_th, roles=roles, clearance=clearance)
            return officer_view(officer), [officer]

        if self.officers.count():
            return self.execute(decide, idempotency=idempotency)
        with outside_any_right():
            return self.execute(lambda: decide(first=True), idempotency=idempotency)

    def change_officer(
        self,
        officer_id: str,
        *,
        roles: Sequence[Role] | None,
        clearance: Any | None,
        active: bool | None,
        expected_version: int | None,
        name_th: str | None = None,
        position_th: str | None = None,
        idempotency: Idempotency = None,
    ) -> dict[str, Any]:
        """Roles, clearance and status are the ESA director's to change; a name or position any
        director may correct (both in the decision-rights row of this command). Nobody changes
        their own entry."""
        granting = roles is not None or clearance is not None or active is not None

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = current_actor()
            authorization = rights.current_authorization()
            if granting and authorization is not None:
                rights.require_role(rights.known_member(self.directory, actor), GRANTS_POWERS,
                                    authorization.right)
            officer = self.officer(officer_id)
            if actor == officer.officer_id:
                raise OwnRecord(officer_id)
            check_version(officer, expected_version)
            self.check_record(officer)
            officer.change_details(name_th=name_th, position_th=position_th)
            if roles is not None:
                officer.change_roles(roles)
            if clearance is not None:
                officer.change_clearance(clearance)
            if active is False and officer.active:
                officer.deactivate("ปิดการใช้งานโดยผู้ดูแลทะเบียนเจ้าหน้าที่")
            elif active is True and not officer.active:
                officer.reactivate()
            return officer_view(officer), [officer]

        return self.execute(decide, idempotency=idempotency)

    # --- documents: registration --------------------------------------------------------------------
    def register_incoming(
        self,
        *,
        received_at: datetime,
        sender: str,
        sender_ref_no: str,
        sender_doc_date: date | None,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency,
        secrecy: Any,
        body: bytes | None,
        files: Sequence[NewFile],
        sender_head_position_th: str = "",
        idempotency: Idempotency = None,
    ) -> dict[str, Any]:
        """Enter an incoming document in the receiving register of its Bangkok calendar year."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            clerk = self.acting_officer()
            at = self.clock()
            document_id = uuid4()
            series = self._series(SeriesKind.receiving, receiving_year_be(received_at))
            receipt_no = series.issue(document_id)
            document = Document.register_incoming(
                document_id=document_id, receipt_no=receipt_no, received_at=received_at,
                sender=sender, sender_ref_no=sender_ref_no, sender_doc_date=sender_doc_date,
                subject=subject, addressee=addressee, doc_type=doc_type, urgency=urgency,
                secrecy=secrecy, attachments=attachments, body_sha256=body_sha256,
                sender_head_position_th=sender_head_position_th, by=clerk, at=at,
            )
            self._store(files, body)  # only once the rules have said yes
            return self.summary(document, clerk), [series, document]

        attachments, body_sha256 = self._describe(files, body, secrecy)
        return self.execute(decide, idempotency=idempotency)

    def receive_from_agency(
        self,
        *,
        client_id: str,
        agency: str,
        clearance: Secrecy,
        sender_ref_no: str,
        sender_doc_date: date | None,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency,
        secrecy: Any,
        body: bytes | None,
        files: Sequence[NewFile],
        sender_head_position_th: str = "",
        idempotency: Idempotency = None,
    ) -> dict[str, Any]:
        """An agency's system submits a letter: it is received now, numbered in the receiving
        register of the Bangkok calendar year, and goes to the group director like any other."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            at = self.clock()
            document_id = uuid4()
            series = self._series(SeriesKind.receiving, receiving_year_be(at))
            receipt_no = series.issue(document_id)
            document = Document.receive_from_agency(
                document_id=document_id, receipt_no=receipt_no, client_id=client_id,
                agency=agency, sender_ref_no=sender_ref_no, sender_doc_date=sender_doc_date,
                subject=subject, addressee=addressee, doc_type=doc_type, urgency=urgency,
                secrecy=secrecy, attachments=attachments, body_sha256=body_sha256,
                sender_head_position_th=sender_head_position_th, at=at)
            self._store(files, body)
            return self.agency_summary(document, clearance), [series, document]

        attachments, body_sha256 = self._describe(files, body, secrecy)
        return self.execute(decide, idempotency=idempotency)

    def start_outgoing(
        self,
        *,
        subject: str,
        addressee: str,
        doc_type: DocumentType,
        urgency: Urgency,
        secrecy: Any,
        outgoing_kind: SeriesKind | None,
        draft: bytes | None,
        summary: str,
        files: Sequence[NewFile],
        idempotency: Idempotency = None,
    ) -> dict[str, Any]:
        """Begin a document the office writes itself; it starts as the acting officer's draft."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            officer = self.acting_officer()
            document = Document.start_outgoing(
                by=officer, subject=subject, addressee=addressee, doc_type=doc_type,
                urgency=urgency, secrecy=secrecy, outgoing_kind=outgoing_kind,
                draft_sha256=draft_sha256, summary=summary, attachments=attachments,
                at=self.clock(),
            )
            self._store(files, draft)
            return self.summary(document, officer), [document]

        attachments, draft_sha256 = self._describe(files, draft, secrecy)
        return self.execute(decide, idempotency=idempotency)

    def draft_from_event(self, *, document_id: UUID, origin: str, drafter_id: str, subject: str,
                         addressee: str, doc_type: DocumentType, text: str,
                         summary: str | None = None) -> list[Aggregate]:
        """An outgoing document drafted from another service's event (`origin`, its type) for the
        officer it names, then checked, signed and dispatched like any draft. The staff directory
        decides whether that officer may hold it; if not, it goes to the group director, and the
        document says who was named and why (`Document.draft_on_behalf`): such work is never
        refused, so its message never ends on a dead-letter subject. The id is the caller's,
        derived from the event, so a replayed event finds its document and drafts nothing more.
        Returns what to save."""
        if self.get(Document, document_id) is not None:
            return []
        draft = text.encode("utf-8")
        _, draft_sha256 = self._describe((), draft, Secrecy.none)
        document = Document.draft_on_behalf(
            document_id=document_id, origin=origin, named_id=drafter_id,
            named=self.get(Officer, Officer.create_id(drafter_id)), subject=subject,
            addressee=addressee, doc_type=doc_type, draft_sha256=draft_sha256,
            summary=summary or subject, at=self.clock())
        self._store((), draft)
        return [document]

    def _describe(
        self, files: Sequence[NewFile], text: bytes | None, secrecy: Any
    ) -> tuple[list[Attachment], str | None]:
        """What the events will say of the content (hashes, sizes), before anything is stored:
        content is written only for a command the rules accept."""
        if Secrecy(secrecy) == Secrecy.top_secret and (files or text):
            raise TopSecretPaperOnly("top-secret documents are registered without content")
        for f in files:
            if len(f.content) > self.settings.max_attachment_bytes:
                raise AttachmentTooLarge(
                    f"{f.name}: {len(f.content)} bytes, at most {self.settings.max_attachment_bytes}")
        attachments = [Attachment(name=f.name, media_type=f.media_type, size=len(f.content),
                                  sha256=hashlib.sha256(f.content).hexdigest()) for f in files]
        return attachments, (hashlib.sha256(text).hexdigest() if text else None)

    def _store(self, files: Sequence[NewFile], text: bytes | None) -> None:
        for f in files:
            self.blobs.put(f.content)
        if text:
            self.blobs.put(text)

    # --- documents: the saraban path ----------------------------------------------------------------
    def _on_document(
        self,
        document_id: UUID,
        expected_version: int | None,
        idempotency: Idempotency,
        act: Callable[[Document, Officer, datetime], Sequence[Aggregate] | None],
    ) -> dict[str, Any]:
        """Load the document and the acting officer, check If-Match and the decision rights that
        depend on the document (who wrote the draft), act, save together."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = self.acting_officer()
            document = self.document(document_id)
            check_version(document, expected_version)
            self.check_record(document)
            others = act(document, actor, self.clock()) or ()
            return self.summary(document, actor), [document, *others]

        return self.execute(decide, idempotency=idempotency)

    def assign(self, document_id: UUID, *, officer_id: str, instructions: str, due: date | None,
               expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.assign(
            by=by, officer=self.officer(officer_id), instructions=instructions, due=due, at=at))

    def draft(self, document_id: UUID, *, text: bytes | None, summary: str,
              doc_type: DocumentType | None, outgoing_kind: SeriesKind | None,
              expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        def act(d: Document, by: Officer, at: datetime) -> None:
            _, sha = self._describe((), text, d.secrecy)
            d.draft(by=by, draft_sha256=sha, summary=summary, doc_type=doc_type,
                    outgoing_kind=outgoing_kind, at=at)
            self._store((), text)

        return self._on_document(document_id, expected_version, idempotency, act)

    def submit_for_check(self, document_id: UUID, *, checker_id: str,
                         expected_version: int | None = None,
                         idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.submit_for_check(
            by=by, checker=self.officer(checker_id), at=at))

    def approve_check(self, document_id: UUID, *, signer_id: str, comments: str,
                      expected_version: int | None = None,
                      idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.approve_check(
            by=by, signer=self.officer(signer_id), comments=comments, at=at))

    def return_for_revision(self, document_id: UUID, *, comments: str,
                            expected_version: int | None = None,
                            idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.return_for_revision(
            by=by, comments=comments, at=at))

    def sign(self, document_id: UUID, *, expected_version: int | None = None,
             idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency,
                                 lambda d, by, at: d.sign(by=by, at=at))

    def dispatch(self, document_id: UUID, *, expected_version: int | None = None,
                 idempotency: Idempotency = None) -> dict[str, Any]:
        """Number the signed document from its register (dispatch, ว circular or order) and send."""

        def act(d: Document, by: Officer, at: datetime) -> list[Aggregate]:
            if d.outgoing_no is not None:  # before a number is taken: a retry must not burn one
                raise AlreadyDispatched(f"already dispatched as {d.outgoing_no}",
                                        outgoing_no=d.outgoing_no)
            kind = d.expected_series
            year_be = calendar_year_be(at)
            series = self._series(kind, year_be)
            number = series.issue(d.id)
            d.dispatch(by=by, series=kind, number=number, year_be=year_be, at=at,
                       outgoing_no=format_outgoing_no(kind, self.settings.office_code, number, year_be))
            if d.draft_sha256 is not None and d.content_available:
                letter = self._issued_letter(d)
                d.issue_letter(letter_sha256=self.blobs.put(letter), at=at)
            return [series]

        return self._on_document(document_id, expected_version, idempotency, act)

    def file(self, document_id: UUID, *, location: str, retention_class: str,
             expected_version: int | None = None, idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.file(
            by=by, location=location, retention_class=retention_class, at=at))

    def cancel(self, document_id: UUID, *, reason: str, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        """Cancel the case; a number it was given stays in its register, marked cancelled."""

        def act(d: Document, by: Officer, at: datetime) -> list[Aggregate]:
            d.cancel(by=by, reason=reason, at=at)
            if d.outgoing_number is None or d.outgoing_series is None:
                return []
            series = self._series(d.outgoing_series, d.outgoing_year_be or calendar_year_be(at))
            series.cancel(d.outgoing_number, reason)
            return [series]

        return self._on_document(document_id, expected_version, idempotency, act)

    def borrow(self, document_id: UUID, *, borrower: str, purpose: str, due: date, outsider: bool,
               approved_by: str | None, expected_version: int | None = None,
               idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency, lambda d, by, at: d.borrow(
            by=by, borrower=borrower, purpose=purpose, due=due, at=at, outsider=outsider,
            approved_by=self.officer(approved_by) if approved_by else None))

    def return_loan(self, document_id: UUID, *, expected_version: int | None = None,
                    idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_document(document_id, expected_version, idempotency,
                                 lambda d, by, at: d.return_loan(by=by, at=at))

    # --- secrecy: reading content -------------------------------------------------------------------
    def read_content(self, document_id: UUID) -> Content:
        """The content for a reader who may see it; every read of classified content is recorded."""
        def decide() -> tuple[Content, list[Aggregate]]:
            reader = self.acting_officer()
            document = self.document(document_id)
            if not document.content_available:
                raise ContentNotAvailable(f"step {document.step.value}, secrecy {document.secrecy.value}")
            if not document.can_read_content(reader):
                raise NotCleared(reader.officer_id, officer_id=reader.officer_id)
            document.record_content_read(reader=reader, at=self.clock())
            content = Content(
                document_id=document.id,
                body=self.blobs.get(document.body_sha256) if document.body_sha256 else None,
                draft=self.blobs.get(document.draft_sha256) if document.draft_sha256 else None,
                attachments=[(a, self.blobs.get(a.sha256)) for a in document.attachments],
            )
            return content, [document]

        return self.execute(decide)

    # --- the printed letter -------------------------------------------------------------------------
    @cached_property
    def letter_signer(self) -> PdfSigner:
        from shared.pdfsign import PdfSigner

        url = self.settings.letter_timestamp_url
        return PdfSigner.load_or_create(
            self.settings.letter_signing_path, common_name=self.settings.office_name_th,
            organization=self.settings.office_name_th,
            timestamp_url=str(url) if url is not None else None)

    @cached_property
    def letter_emblem(self) -> bytes | None:
        path = self.settings.letter_emblem_file
        return path.read_bytes() if path is not None else None

    def letter_pdf(self, document_id: UUID) -> tuple[bytes, str]:
        """(PDF, file name) of the document's letter: once dispatched, the letter as issued (signed
        by the office then, kept unchanged); before, its draft laid out as a marked draft. Reading
        it is reading the content: need to know, and recorded for a classified document."""
        from services.correspondence.letter_pdf import render_letter

        document = self.document(document_id)
        if document.letter_sha256 is None and document.draft_sha256 is None:
            raise NoDraftToPrint(f"document {document_id} has no draft")  # before any read is recorded
        content = self.read_content(document_id)
        document = self.document(document_id)
        if document.letter_sha256 is not None:
            issued = self.blobs.get(document.letter_sha256)
            if issued is not None:
                return issued, _letter_file_name(document)
        draft = (content.draft or b"").decode("utf-8", "replace")
        return render_letter(self._printed_letter(document, draft, issued=False)), \
            _letter_file_name(document)

    def _issued_letter(self, document: Document) -> bytes:
        """The letter as the office issues it at dispatch: numbered, dated, signed."""
        from services.correspondence.letter_pdf import render_letter

        draft = self.blobs.get(document.draft_sha256 or "") or b""
        letter = self._printed_letter(document, draft.decode("utf-8", "replace"), issued=True)
        return self.letter_signer.sign(
            render_letter(letter), reason=f"ลงนามหนังสือ {letter.number}",
            location=self.settings.office_name_th, name=letter.signer_name_th)

    def _printed_letter(self, document: Document, draft: str, *, issued: bool) -> PrintedLetter:
        from services.correspondence.letter_pdf import PrintedLetter

        signer = self.get(Officer, Officer.create_id(document.signed_by)) \
            if issued and document.signed_by else None
        replying = document.direction == Direction.incoming
        # Anyone but the head of office signs on the head's behalf (ปฏิบัติราชการแทน).
        acting_for = self.settings.head_position_th \
            if signer is not None and not signer.has_role(Role.esa_director) else ""
        return PrintedLetter(
            doc_type=document.outgoing_doc_type or document.doc_type,
            number=_printed_number(document.outgoing_no or "") if issued else "",
            office_name_th=self.settings.office_name_th,
            office_address_th=self.settings.office_address_th,
            dated=bangkok_date(document.dispatched_at) if issued and document.dispatched_at else None,
            subject=document.subject,
            addressee=document.letter_addressee,
            body=draft,
            signer_name_th=signer.name_th if signer else "",
            signer_position_th=signer.position_th if signer else "",
            signer_acting_for_th=acting_for,
            owner_unit_th=self.settings.group_name_th, owner_contact_th=self.settings.group_phone_th,
            reference=_reference(document),
            enclosures=[] if replying else [a.name for a in document.attachments],
            urgency_th=URGENCY_TH[document.urgency] if document.urgency != Urgency.normal else "",
            secrecy_th=SECRECY_TH[document.secrecy] if document.secrecy != Secrecy.none else "",
            emblem=self.letter_emblem,
            draft=not issued,
        )

    # --- destruction --------------------------------------------------------------------------------
    def open_destruction_list(self, year_be: int, *, idempotency: Idempotency = None) -> dict[str, Any]:
        """List the filed documents whose retention ended by 31 December of `year_be`."""

        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            clerk = self.acting_officer()
            year_end = date(ce_year(year_be), 12, 31)
            expired = [self.document(UUID(row["id"])) for row in self.documents.select(
                {"step": Step.filed.value, "retention_expires_on__le": year_end.isoformat()})]
            listing = DestructionList.open(year_be=year_be, at=self.clock(), by=clerk, documents=expired)
            return self.destruction_view(listing), [listing]

        return self.execute(decide, idempotency=idempotency)

    def _on_destruction_list(
        self,
        year_be: int,
        expected_version: int | None,
        idempotency: Idempotency,
        act: Callable[[DestructionList, Officer, datetime], Sequence[Aggregate] | None],
    ) -> dict[str, Any]:
        def decide() -> tuple[dict[str, Any], list[Aggregate]]:
            actor = self.acting_officer()
            listing = self.destruction_list(year_be)
            check_version(listing, expected_version)
            self.check_record(listing)
            others = act(listing, actor, self.clock()) or ()
            return self.destruction_view(listing), [listing, *others]

        return self.execute(decide, idempotency=idempotency)

    def appoint_destruction_committee(self, year_be: int, *, chair_id: str,
                                      member_ids: Sequence[str],
                                      expected_version: int | None = None,
                                      idempotency: Idempotency = None) -> dict[str, Any]:
        """The chair and members are officers of the staff directory."""
        return self._on_destruction_list(year_be, expected_version, idempotency, lambda dl, by, at: dl.appoint_committee(
            by=by, chair=self.officer(chair_id), members=[self.officer(i) for i in member_ids],
            at=at))

    def keep_longer(self, year_be: int, *, document_id: UUID, reason: str,
                    retention_class: str, expected_version: int | None = None,
                    idempotency: Idempotency = None) -> dict[str, Any]:
        """A member of the committee (the acting officer) keeps an item longer: off the list, and
        its retention class changed."""

        def act(dl: DestructionList, member: Officer, at: datetime) -> list[Aggregate]:
            dl.mark_keep(by=member, document_id=document_id, reason=reason,
                         new_retention_class=retention_class, at=at)
            document = self.document(document_id)
            document.change_retention(retention_class=retention_class, reason=reason, at=at)
            return [document]

        return self._on_destruction_list(year_be, expected_version, idempotency, act)

    def send_to_national_archives(self, year_be: int, *, expected_version: int | None = None,
                                  idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_destruction_list(year_be, expected_version, idempotency,
                                         lambda dl, by, at: dl.send_to_national_archives(by=by, at=at))

    def record_archives_objection(self, year_be: int, *, document_ids: Sequence[UUID], reason: str,
                                  expected_version: int | None = None,
                                  idempotency: Idempotency = None) -> dict[str, Any]:
        return self._on_destruction_list(year_be, expected_version, idempotency, lambda dl, by, at: dl.record_archives_objection(
            by=by, document_ids=document_ids, reason=reason, at=at))

    def carry_out_destruction(self, year_be: int, *, expected_version: int | None = None,
                              idempotency: Idempotency = None) -> dict[str, Any]:
        """A member of the committee destroys every item left on the list after the objection
        window; then the content is purged."""
        destroyed: list[UUID] = []

        def act(dl: DestructionList, member: Officer, at: datetime) -> list[Aggregate]:
            documents = [self.document(i) for i in dl.destroy(by=member, at=at)]
            for document in documents:
                document.destroy(destruction_list_id=dl.id, year_be=dl.year_be, at=at)
            destroyed[:] = [d.id for d in documents]
            return documents

        result = self._on_destruction_list(year_be, expected_version, idempotency, act)
        # After the commit: a crash here leaves files behind, never a destroyed record with content.
        self.purge_content(destroyed)
        return result

    def purge_content(self, destroyed: Sequence[UUID]) -> int:
        """Delete every file the destroyed documents ever named (every draft version too), except
        files another document still holds: files are stored once per content, so two letters
        with the same attachment share it. Returns how many files were deleted."""
        doomed = set().union(*(self.document(i).files for i in destroyed))
        gone = {str(i) for i in destroyed}
        kept = {sha256 for sha256 in doomed if any(
            row["id"] not in gone for row in self.documents.select(
                {"files__contains": f",{sha256},", "step__ne": Step.destroyed.value}))}
        return sum(self.blobs.delete(sha256) for sha256 in doomed - kept)

    # --- queries ------------------------------------------------------------------------------------
    def viewer(self) -> Officer | None:
        return self.get(Officer, Officer.create_id(current_actor()))

    def today(self) -> date:
        return bangkok_date(self.clock())

    def summary(self, document: Document, viewer: Officer | None) -> dict[str, Any]:
        """The document's register line as `viewer` may see it: the line its stored row gives
        (`document_view`), so that an answer to a command and a later read of the document say
        the same."""
        return self.line(document_view(document), viewer)

    def _with_destruction_year(self, view: dict[str, Any]) -> dict[str, Any]:
        if view["destruction_list_id"] and view["destruction_year_be"] is None:
            # Destroyed before the record named its list's year: the list knows it.
            listing = self.get(DestructionList, UUID(view["destruction_list_id"]))
            view["destruction_year_be"] = listing.year_be if listing else None
        return view

    def line(self, view: dict[str, Any], viewer: Officer | None) -> dict[str, Any]:
        """A stored register line as `viewer` may see it (`summary` of a listed document)."""
        return self._with_destruction_year(reader_view(view, viewer))

    def agency_summary(self, document: Document, clearance: Secrecy) -> dict[str, Any]:
        return {**document.agency_view(clearance), "version": document.version}

    def agency_submission(self, document_id: UUID, *, client_id: str,
                          clearance: Secrecy) -> dict[str, Any]:
        """A letter the agency submitted; any other document is answered as if it did not exist
        (and the attempt is recorded)."""
        document = self.get(Document, document_id)
        if document is None:
            raise DocumentNotFound(str(document_id))
        if not document.submitted_through(client_id):
            raise OutOfScope(DocumentNotFound(str(document_id)), "another-agency-document")
        return self.agency_summary(document, clearance)

    def agency_submissions(self, paging: PageRequest, *, client_id: str,
                           clearance: Secrecy) -> dict[str, Any]:
        """The letters the agency submitted, in receipt order."""
        return self.documents.page(
            paging, {"submitted_by": client_id}, order_by=("receipt_year_be", "receipt_no"),
            view=lambda v: {**agency_entry(v, clearance), "version": v["version"]})

    def document_summary(self, document_id: UUID) -> dict[str, Any]:
        """The document's register line, from its row in the documents list (one read by key,
        where loading the document would replay its events)."""
        viewer = self.viewer()
        view = self.documents.get(document_id)
        if view is None:
            raise DocumentNotFound(str(document_id))
        return self.line(view, viewer)

    def history(self, document_id: UUID, paging: PageRequest) -> dict[str, Any]:
        """A page of the document's events: who, when, what (details withheld if not
        cleared)."""
        document = self.document(document_id)
        mask = None if document.can_see_subject(self.viewer()) else document.mask
        return history_page(self, document, paging, entry=lambda e: history_entry(e, mask))

    def _narrowed(self, where: dict[str, Any], filters: DocumentFilters,
                  viewer: Officer | None) -> dict[str, Any]:
        """`where` and what a person narrows a list of documents by. A text is looked for only
        in what the reader may see: nobody finds a classified document by words hidden from
        them."""
        where = dict(where)
        conditions: list[dict[str, Any]] = []
        if filters.step is not None:
            where["step"] = filters.step
        if filters.holder is not None:
            where["holder"] = filters.holder
        today = self.today().isoformat()
        if filters.overdue is True:
            where["action_due__lt"] = today
        elif filters.overdue is False:
            conditions.append({"any": [{"action_due": None}, {"action_due__ge": today}]})
        if filters.text:
            conditions += [{"text__contains": filters.text}, visible_to(viewer)]
        if conditions:
            where["all"] = conditions
        return where

    def receiving_register(self, year_be: int, paging: PageRequest,
                           filters: DocumentFilters = NO_FILTERS) -> dict[str, Any]:
        """ทะเบียนหนังสือรับ of a year, a page at a time in receipt order."""
        viewer = self.viewer()
        return self.documents.page(paging, self._receiving(year_be, filters, viewer),
                                   order_by=("receipt_no",), view=lambda v: self.line(v, viewer))

    def receiving_register_lines(self, year_be: int,
                                 filters: DocumentFilters = NO_FILTERS) -> Iterator[dict[str, Any]]:
        """The whole register (as filtered), read a batch at a time: what an export writes. The
        reader is known before the first line is read (an export streams from another thread)."""
        viewer = self.viewer()
        rows = self.documents.stream(self._receiving(year_be, filters, viewer),
                                     order_by=("receipt_no",))
        return (self.line(row["view"], viewer) for row in rows)

    def _receiving(self, year_be: int, filters: DocumentFilters,
                   viewer: Officer | None) -> dict[str, Any]:
        return self._narrowed({"receipt_year_be": year_be}, filters, viewer)

    def dispatch_register(self, year_be: int, kind: SeriesKind, paging: PageRequest,
                          filters: DocumentFilters = NO_FILTERS) -> dict[str, Any]:
        """Every number of the series in order, cancelled ones included and marked (a number is
        issued only to the document it numbers, in the same transaction: a document per
        number)."""
        kind = kind if kind in OUTGOING_SERIES else SeriesKind.dispatch
        viewer = self.viewer()
        return self.documents.page(paging, self._dispatched(year_be, kind, filters, viewer),
                                   order_by=("outgoing_number",),
                                   view=lambda v: self._numbered(v, viewer, kind))

    def dispatch_register_lines(self, year_be: int, kind: SeriesKind,
                                filters: DocumentFilters = NO_FILTERS) -> Iterator[dict[str, Any]]:
        kind = kind if kind in OUTGOING_SERIES else SeriesKind.dispatch
        viewer = self.viewer()
        rows = self.documents.stream(self._dispatched(year_be, kind, filters, viewer),
                                     order_by=("outgoing_number",))
        return (self._numbered(row["view"], viewer, kind) for row in rows)

    def _dispatched(self, year_be: int, kind: SeriesKind, filters: DocumentFilters,
                    viewer: Officer | None) -> dict[str, Any]:
        return self._narrowed({"outgoing_series": kind.value, "outgoing_year_be": year_be},
                              filters, viewer)

    def _numbered(self, view: dict[str, Any], viewer: Officer | None,
                  kind: SeriesKind) -> dict[str, Any]:
        line = self.line(view, viewer)
        # A number is cancelled with its document, for the document's reason (`cancel`).
        cancelled = view["step"] == Step.cancelled.value
        line.update(number=view["_outgoing_number"], number_cancelled=cancelled,
                    number_cancel_reason=line["cancel_reason"] if cancelled else "",
                    series=kind.value)
        return line

    def work_queue(self, paging: PageRequest, *, overdue: bool | None = None) -> dict[str, Any]:
        """The documents waiting for the acting officer (held by them, or by a role they have),
        the longest waiting first."""
        me = self.acting_officer()
        where: dict[str, Any] = {"kind": DOCUMENT.kind, "holder__in": holders_of(me)}
        if overdue is not None:
            where["overdue_from__le" if overdue else "overdue_from__gt"] = self.today().isoformat()
        return self.work.page(paging, where, order_by=("since",),
                              view=lambda v: self.line(v["_line"], me))

    def my_work(self, paging: PageRequest, *, procedure: int | None = None,
                kind: str | None = None, overdue: bool | None = None) -> dict[str, Any]:
        """งานของฉัน: every record of procedures 1-4 waiting for the acting officer, overdue
        first, then the longest waiting."""
        me = self.acting_officer()
        today = self.today()
        where: dict[str, Any] = {"holder__in": holders_of(me)}
        if procedure is not None:
            where["procedure"] = procedure
        if kind is not None:
            where["kind"] = kind
        return overdue_first(self.work, paging, where, today,
                             view=lambda v: work_item(v, me, today), overdue=overdue)

    def work_in_progress(self, paging: PageRequest,
                         filters: DocumentFilters = NO_FILTERS) -> dict[str, Any]:
        """Every open document: its step, who holds it, since when, and whether it is overdue;
        the longest waiting first."""
        viewer = self.viewer()
        today = self.today()
        return self.documents.page(
            paging, self._narrowed({"is_open": True}, filters, viewer), order_by=("step_since",),
            view=lambda v: {**self.line(v, viewer), "overdue": is_action_overdue(v, today)})

    def loans(self, paging: PageRequest, *, overdue: bool | None = None) -> dict[str, Any]:
        """ทะเบียนการยืม: the documents on loan, the earliest due back first."""
        viewer = self.viewer()
        today = self.today().isoformat()
        where: dict[str, Any] = {"on_loan": True}
        if overdue is not None:
            where["loan_due__lt" if overdue else "loan_due__ge"] = today
        return self.documents.page(paging, where, order_by=("loan_due",),
                                   view=lambda v: self._loan_line(v, viewer, today))

    def _loan_line(self, view: dict[str, Any], viewer: Officer | None,
                   today: str) -> dict[str, Any]:
        line = self.line(view, viewer)
        loan = view["_loan"]
        cleared = may_see(view["secrecy"], view["_participants"], viewer)
        line.update(borrower=loan["borrower"] if cleared else mask_of(view["secrecy"]),
                    purpose=loan["purpose"] if cleared else mask_of(view["secrecy"]),
                    loan_due=loan["loan_due"], borrowed_at=loan["borrowed_at"],
                    loan_overdue=today > loan["loan_due"])
        return line

    def routing_report(self, year_be: int) -> dict[str, Any]:
        """How long each stage of routing took for the year's incoming documents (the manual asks
        the group to evaluate its routing for continuous improvement): from the routing
        listing's row per document, kept as each document moves."""
        return routing_report(year_be, self.routing.select({"year_be": year_be}), self.today())

    def destruction_list_view(self, year_be: int) -> dict[str, Any]:
        return self.destruction_view(self.destruction_list(year_be))

    def destruction_view(self, listing: DestructionList) -> dict[str, Any]:
        return self._with_committee(destruction_entry(listing))

    def destruction_lists_page(self, paging: PageRequest, *,
                               step: str | None = None) -> dict[str, Any]:
        where = {} if step is None else {"step": step}
        return self.destruction_lists.page(paging, where, order_by=("year_be",),
                                           view=self._with_committee)

    def _with_committee(self, entry: dict[str, Any]) -> dict[str, Any]:
        known = self.known_officers([entry["chair"], *entry["members"]])

        def person(officer_id: str) -> dict[str, Any]:
            officer = known.get(officer_id)
            return {"officer_id": officer_id,
                    "name_th": officer["name_th"] if officer else None,
                    "position_th": officer["position_th"] if officer else None}

        return {**entry, "chair": person(entry["chair"]) if entry["chair"] else None,
                "members": [person(m) for m in entry["members"]]}

    def known_officers(self, officer_ids: Iterable[str | None]) -> dict[str, dict[str, Any]]:
        """The directory's entries of these officers (ids of no officer, such as a role, are
        left out): one look-up for a page of records."""
        wanted = sorted({i for i in officer_ids if i})
        if not wanted:
            return {}
        return {v["officer_id"]: v for v in self.officers.views({"officer_id__in": wanted})}

    def officer_names(self, officer_ids: Iterable[str | None]) -> dict[str, str]:
        return {i: v["name_th"] for i, v in self.known_officers(officer_ids).items()}

    def officers_page(self, paging: PageRequest, *, role: Role | None = None,
                      active: bool | None = None) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if role is not None:
            where["roles__contains"] = f",{Role(role).value},"
        if active is not None:
            where["active"] = active
        return self.officers.page(paging, where, order_by=("officer_id",))

    def officer_summary(self, officer_id: str) -> dict[str, Any]:
        return officer_view(self.officer(officer_id))


def _letter_file_name(document: Document) -> str:
    name = document.outgoing_no if document.letter_sha256 else f"ร่าง-{document.id}"
    return f"{(name or '').replace('/', '-').replace(' ', '')}.pdf"


def _printed_number(outgoing_no: str) -> str:
    """Orders are numbered `15/2569`; on the page every number follows ที่."""
    return outgoing_no if not outgoing_no or outgoing_no.startswith("ที่") else f"ที่ {outgoing_no}"


def _reference(document: Document) -> str:
    """อ้างถึง: the letter a reply answers."""
    if document.direction != Direction.incoming or not document.sender_ref_no:
        return ""
    dated = f" ลงวันที่ {format_thai_date(document.sender_doc_date, full=True)}" \
        if document.sender_doc_date else ""
    return f"หนังสือ{document.sender} ที่ {document.sender_ref_no}{dated}"


def history_entry(event: DomainEvent, mask: str | None) -> dict[str, Any]:
    """One event as the reader may see it; `mask` replaces what describes a classified document
    for a reader who is not cleared (None: cleared)."""
    entry = event_entry(event)
    if mask is not None:
        entry["data"] = {k: (mask if k in CLASSIFIED_REGISTER_FIELDS else v)
                         for k, v in entry["data"].items()}
    return entry

"""What every service learns from correspondence's events: the staff directory and the registered
documents. One handler for the correspondence stream; a service that reacts to more of it (e.g.
monitoring's case board) combines its own handler with this one (`shared.consumer.combined`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from contracts.envelope import AnyEnvelope
from shared.consumer import Handler
from shared.domain import Aggregate
from shared.eventstore import ServiceApplication
from shared.office.directory import DirectoryEntry, StaffMember, entry_view, learn_officer
from shared.office.documents import RegisteredDocument, document_view, learn_document


def learn_from_correspondence(app: ServiceApplication) -> Handler:
    def handle(envelope: AnyEnvelope) -> Sequence[Aggregate | None]:
        return [learn_officer(app.get, envelope), learn_document(app.get, envelope)]

    return handle


class LearnedDirectory:
    """The directory a service learned from correspondence (`DirectoryEntry` aggregates), listed
    in the service's own database (`officers`)."""

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self.entries = app.read_models.listing(
            "officers", of=(DirectoryEntry,), row=_officer_row,
            columns={"officer_id": "text", "roles": "text", "active": "bool"},
            indexes=(("officer_id",),))

    def member(self, officer_id: str) -> StaffMember | None:
        entry = self.app.get(DirectoryEntry, DirectoryEntry.create_id(officer_id))
        return entry.member() if entry is not None else None

    def members(self) -> Iterable[StaffMember]:
        return [self.member(view["officer_id"]) for view in self.entries.views()]  # type: ignore[misc]


def _officer_row(entry: DirectoryEntry) -> dict[str, Any]:
    # Roles between commas, so that one role is found by "contains ,officer,".
    return {"officer_id": entry.officer_id, "roles": f",{','.join(sorted(entry.roles))},",
            "active": entry.active, "view": entry_view(entry)}


class LearnedDocuments:
    """The registered documents a service learned from correspondence, listed in its database
    (`registered_documents`): declared by the services whose decisions cite them, which serve
    `GET /registered-documents` (`shared.office.api.create_documents_router`)."""

    def __init__(self, app: ServiceApplication) -> None:
        self.listing = app.read_models.listing(
            "registered_documents", of=(RegisteredDocument,), row=_document_row,
            columns={"document_id": "text", "citable": "bool"},
            indexes=(("document_id",), ("citable", "document_id")))


def _document_row(document: RegisteredDocument) -> dict[str, Any]:
    view = document_view(document)
    return {"document_id": view["document_id"], "citable": view["citable"], "view": view}

"""The routes every service has for who may act: `GET /officers` (the directory as this service
knows it, and since which event), `GET /decision-rights` (its table, for auditors to compare with
the manual), and the dependency that puts each request's right in its context. A service whose
decisions cite documents registered in correspondence also serves `GET /registered-documents`
(what it has learned of them, and whether each can be cited yet)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel

from contracts.vocabulary import StaffRole
from shared.auth.scopes import required_scope
from shared.eventstore import ServiceApplication
from shared.http.paging import Page, Paging
from shared.http.reads import quick_read
from shared.http.routes import api_routes
from shared.office.directory import DirectoryEntry, entry_view
from shared.office.documents import DocumentNotKnown, RegisteredDocument, document_view
from shared.office.learning import LearnedDocuments
from shared.office.rights import (
    DecisionRights,
    NoDecisionRight,
    UnknownOfficer,
    authorize_route,
    changes_state,
)


async def enforce_rights(request: Request) -> None:
    """Put the route's right in the request's context (installed on every route; async: no
    threadpool handoff). Reading routes and public ones need none; a state-changing route that
    is not in the table is refused."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not changes_state(request.method):
        return
    service = request.app.state.runtime.settings.service_name
    if required_scope(service, request.method, route.path, route.openapi_extra) is None:
        return  # public (the token endpoint): the gate's own rules
    table: DecisionRights = request.app.state.decision_rights
    found = table.for_route(request.method, route.path)
    if found is None:
        raise NoDecisionRight(f"{request.method} {route.path} has no entry in {service}'s table")
    authorize_route(found, await _cited(request, found.cites) if found.cites else None)


async def _cited(request: Request, field_path: str) -> UUID | None:
    """The document id a body decision cites (a dotted path into the JSON body), if any."""
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        value: Any = await request.json()
    except ValueError:
        return None  # the route's own validation answers the malformed body
    for part in field_path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def unlisted_routes(api: FastAPI, table: DecisionRights, service: str) -> list[str]:
    """State-changing, non-public routes of `api` with no right in the table."""
    missing = []
    for route in api_routes(api):
        for method in route.methods:
            if changes_state(method) and table.for_route(method, route.path) is None \
                    and required_scope(service, method, route.path, route.openapi_extra):
                missing.append(f"{method} {route.path}")
    return sorted(missing)


class RightOut(BaseModel):
    route: str
    action_th: str
    action_en: str
    roles: list[str]
    roles_th: list[str]
    agency: bool
    operator: bool
    not_by: list[str]
    body_decision: bool
    cites: str | None
    basis: str


class DecisionRightsOut(BaseModel):
    service: str
    rights: list[RightOut]


def create_rights_router(table: DecisionRights) -> APIRouter:
    router = APIRouter(tags=["who may act (ผู้มีสิทธิ์ดำเนินการ)"])

    @router.get("/decision-rights", response_model=DecisionRightsOut,
                summary="ตารางผู้มีสิทธิ์ดำเนินการ: who may run each command of this service")
    async def decision_rights() -> dict[str, Any]:
        return table.view()

    return router


class KnownOfficerOut(BaseModel):
    officer_id: str
    name_th: str
    position_th: str
    roles: list[str]
    clearance: str
    active: bool
    known_since_event: str
    known_since_type: str
    known_since: Any
    version: int


def create_directory_router(app: ServiceApplication) -> APIRouter:
    """The directory a service learned from correspondence's events (not correspondence's own,
    which keeps the directory and has its own routes)."""
    router = APIRouter(prefix="/officers",
                       tags=["staff directory as known here (ทะเบียนเจ้าหน้าที่ที่ได้รับ)"])

    @router.get("", response_model=Page[KnownOfficerOut],
                summary="The officers this service has heard of, and since which event")
    @quick_read
    def known_officers(
        paging: Paging,
        role: Annotated[StaffRole | None, Query(description="Only holders of this role")] = None,
        active: Annotated[bool | None, Query()] = None,
    ) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if role is not None:
            where["roles__contains"] = f",{role.value},"
        if active is not None:
            where["active"] = active
        return app.directory.entries.page(paging, where, order_by=("officer_id",))

    @router.get("/{officer_id}", response_model=KnownOfficerOut,
                summary="One officer as this service knows them")
    async def known_officer(officer_id: str) -> dict[str, Any]:
        entry = await asyncio.to_thread(app.get, DirectoryEntry,
                                        DirectoryEntry.create_id(officer_id))
        if entry is None:
            raise UnknownOfficer(f"no officer {officer_id!r} is known to this service",
                                 officer_id=officer_id)
        return entry_view(entry)

    return router


class KnownDocumentOut(BaseModel):
    document_id: str
    reference: str | None
    dated: Any
    receipt: str | None
    outgoing_no: str | None
    signed_on: Any
    citable: bool


def create_documents_router(app: ServiceApplication) -> APIRouter:
    """The documents a service learned from correspondence's registers: an officer about to record
    a body's decision sees whether the resolution has reached this service and can be cited. The
    application lists them (`self.documents = LearnedDocuments(self)` in its `__init__`)."""
    router = APIRouter(prefix="/registered-documents",
                       tags=["registered documents (หนังสือที่ลงทะเบียนในระบบสารบรรณ)"])
    known: LearnedDocuments = app.documents  # type: ignore[attr-defined]

    @router.get("", response_model=Page[KnownDocumentOut],
                summary="Documents learned from correspondence's events")
    @quick_read
    def known_documents(
        paging: Paging,
        citable: Annotated[bool | None, Query(description="Only those that can (not) be cited")
                           ] = None,
    ) -> dict[str, Any]:
        where = {} if citable is None else {"citable": citable}
        return known.listing.page(paging, where, order_by=("document_id",))

    @router.get("/{document_id}", response_model=KnownDocumentOut,
                summary="A document as this service knows it (citable or not)")
    async def known_document(document_id: UUID) -> dict[str, Any]:
        document = await asyncio.to_thread(app.get, RegisteredDocument,
                                           RegisteredDocument.create_id(document_id))
        if document is None:
            raise DocumentNotKnown(f"no event about document {document_id} has reached "
                                   f"{app.name}", document_id=str(document_id))
        return document_view(document)

    return router

"""The routes every service has for who may act: `GET /officers` (the directory as this service
knows it, and since which event), `GET /decision-rights` (its table, for auditors to compare with
the manual), `GET /registered-documents/{id}` (whether a document registered in correspondence is
known here and citable yet), and the dependency that puts each request's right in its context."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel

from contracts.vocabulary import StaffRole
from shared.auth.scopes import required_scope
from shared.domain import DeclaredError, NotFound
from shared.eventstore import ServiceApplication
from shared.http.paging import Page, Paging
from shared.http.routes import api_routes
from shared.office.directory import DirectoryEntry, entry_view
from shared.office.documents import RegisteredDocument, document_view
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
    async def known_officers(
        paging: Paging,
        role: Annotated[StaffRole | None, Query(description="Only holders of this role")] = None,
        active: Annotated[bool | None, Query()] = None,
    ) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            entries = sorted(app.directory.entries.all(), key=lambda e: e.officer_id)
            chosen = [e for e in entries if (role is None or role.value in e.roles)
                      and (active is None or e.active == active)]
            return paging.page(chosen, key=lambda e: (e.officer_id,), view=entry_view)

        return await asyncio.to_thread(read)

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


class DocumentNotKnownHere(DeclaredError, NotFound):
    code = "document-not-known"
    title_th = "ระบบนี้ยังไม่ได้รับข้อมูลหนังสือนี้จากระบบสารบรรณ"
    title_en = "This service has not heard of this document from correspondence"


class KnownDocumentOut(BaseModel):
    document_id: str
    reference: str | None
    dated: date | None
    receipt: str | None
    outgoing_no: str | None
    signed_on: date | None
    citable: bool


def create_documents_router(app: ServiceApplication) -> APIRouter:
    """One document registered in correspondence, as a service that learned it knows it: before
    recording a body's decision, whether its resolution can be cited here yet."""
    router = APIRouter(prefix="/registered-documents",
                       tags=["registered documents (หนังสือที่ลงทะเบียนในระบบสารบรรณ)"])

    @router.get("/{document_id}", response_model=KnownDocumentOut,
                summary="A document registered in correspondence, as this service knows it "
                        "(citable or not yet)")
    async def known_document(document_id: UUID) -> dict[str, Any]:
        document = await asyncio.to_thread(app.get, RegisteredDocument,
                                           RegisteredDocument.create_id(document_id))
        if document is None:
            raise DocumentNotKnownHere(str(document_id), document_id=str(document_id))
        return document_view(document)

    return router

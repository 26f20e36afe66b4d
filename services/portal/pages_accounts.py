"""Accounts, for directors (group director, ESA director): the list (searched, paged), a new
account for an officer of the staff directory (adding the officer to the directory first when
they are not in it, as the director, through correspondence's API), a new one-time password,
unlocking, resetting the second factor; and, for the ESA director, an auditor's account (the
portal's own, not in the directory). Each is an event of the portal, done as the director; the
director is checked against the directory at every change."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.application import DirectoryEntry
from services.portal.domain import (
    ACCOUNT_ADMIN_ROLES,
    AUDITOR_ROLE,
    DECIDING_ROLES,
    NotAnAccountAdministrator,
    NotForAuditors,
)
from services.portal.security import PageRouter, check_csrf, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import ROLE_TH, render
from shared.domain import DomainError

SERVICE = "correspondence"
OFFICER_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
PAGE_SIZE = 50
NEW_OFFICER_FIELDS = ("officer_id", "name_th", "position_th", "clearance")


def _is_director(session: Session) -> bool:
    return bool(ACCOUNT_ADMIN_ROLES & session.roles)


async def _entry(request: Request, session: Session, officer_id: str) -> DirectoryEntry | None:
    try:
        answer = await portal_of(request).services.get(SERVICE, f"/officers/{officer_id}",
                                                       actor=session.officer_id)
    except Refused as refused:
        if refused.status == 404:
            return None
        raise
    return DirectoryEntry.of(answer.data)


def create_router() -> PageRouter:
    router = PageRouter(prefix="/accounts", dependencies=[Depends(load_session)])
    csrf = [Depends(check_csrf)]

    async def accounts_page(request: Request, session: Session, status: int = 200,
                            **context: Any) -> Response:
        if not _is_director(session):
            return render(request, "error.html", status_code=403,
                          message=NotAnAccountAdministrator.title_th)
        portal = portal_of(request)
        q = request.query_params.get("q", "")
        listing = await asyncio.to_thread(portal.app.accounts_view, q=q,
                                          cursor=request.query_params.get("cursor"),
                                          limit=PAGE_SIZE)
        without: list[dict[str, Any]] = []
        directory_problem = None
        try:
            directory = (await portal.services.page(SERVICE, "/officers",
                                                    actor=session.officer_id, limit=500)).items
            having = await asyncio.to_thread(portal.app.officers_with_accounts,
                                             [o["officer_id"] for o in directory])
            without = [o for o in directory if o["officer_id"] not in having and o["active"]]
        except (Refused, Unavailable) as error:
            directory_problem = error.message_th
        return render(request, "accounts.html", status_code=status, listing=listing, q=q,
                      without=without, directory_problem=directory_problem,
                      roles=ROLE_TH, **context)

    @router.get("")
    async def accounts(request: Request, session: Session = Depends(signed_in)) -> Response:
        return await accounts_page(request, session, done=request.query_params.get("done"))

    async def acting_director(request: Request, session: Session) -> DirectoryEntry:
        """The director as the directory says now (roles may have changed since sign-in)."""
        entry = await _entry(request, session, session.officer_id)
        if entry is None:
            raise NotAnAccountAdministrator(session.officer_id)
        return entry

    async def attempt(request: Request, session: Session, work: Any,
                      values: dict[str, str] | None = None) -> Response | None:
        """Run `work(director)`; a refusal is shown on the accounts page, with what was typed."""
        try:
            director = await acting_director(request, session)
            await work(director)
        except (Refused, Unavailable) as error:
            return await accounts_page(request, session, getattr(error, "status", 503),
                                       alert=error.message_th, values=values or {},
                                       errors=getattr(error, "fields", {}))
        except DomainError as error:
            return await accounts_page(request, session, error.status, alert=error.title_th,
                                       values=values or {})
        return None

    @router.post("", dependencies=csrf)
    async def create(request: Request, session: Session = Depends(signed_in)) -> Response:
        portal = portal_of(request)
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in NEW_OFFICER_FIELDS}
        roles = [str(r) for r in form.getlist("roles") if str(r) in ROLE_TH]
        officer_id = values["officer_id"]
        if not OFFICER_ID.match(officer_id):
            return await accounts_page(request, session, 422, values=values,
                                       alert="รหัสเจ้าหน้าที่ใช้ได้เฉพาะตัวอักษรอังกฤษ ตัวเลข . _ -",
                                       errors={"officer_id": "รูปแบบไม่ถูกต้อง"})
        result: dict[str, Any] = {}

        async def work(director: DirectoryEntry) -> None:
            portal.app.require_account_admin(director)
            entry = await _entry(request, session, officer_id)
            if entry is None:  # not in the directory yet: the director adds them first
                answer = await portal.services.command(
                    SERVICE, "/officers", actor=session.officer_id, idempotency_key=str(
                        form.get("form_nonce", "")) or officer_id,
                    body={"officer_id": officer_id, "name_th": values["name_th"],
                          "position_th": values["position_th"], "roles": roles,
                          "clearance": values["clearance"] or "none"})
                entry = DirectoryEntry.of(answer.data)
            result["password"] = await asyncio.to_thread(portal.app.create_account, entry,
                                                         by=director)
            result["entry"] = entry

        refused = await attempt(request, session, work, values)
        if refused is not None:
            return refused
        entry: DirectoryEntry = result["entry"]
        return render(request, "account_password.html", officer=entry,
                      password=result["password"], created=True,
                      deciding=bool(DECIDING_ROLES & entry.roles))

    @router.post("/{officer_id}/reset-password", dependencies=csrf)
    async def reset_password(request: Request, officer_id: str,
                             session: Session = Depends(signed_in)) -> Response:
        portal = portal_of(request)
        result: dict[str, Any] = {}

        async def work(director: DirectoryEntry) -> None:
            result["password"] = await asyncio.to_thread(portal.app.reset_password, officer_id,
                                                         by=director)

        refused = await attempt(request, session, work)
        if refused is not None:
            return refused
        account = await asyncio.to_thread(portal.app.account, officer_id)
        return render(request, "account_password.html", officer=account,
                      password=result["password"], created=False, deciding=False)

    def simple(path: str, command: str, done: str) -> None:
        async def endpoint(request: Request, officer_id: str,
                           session: Session = Depends(signed_in)) -> Response:
            portal = portal_of(request)

            async def work(director: DirectoryEntry) -> None:
                await asyncio.to_thread(getattr(portal.app, command), officer_id, by=director)

            refused = await attempt(request, session, work)
            return refused or RedirectResponse(f"/accounts?done={done}", status_code=303)

        router.add_api_route(f"/{{officer_id}}/{path}", endpoint, methods=["POST"],
                             dependencies=csrf, name=f"accounts_{command}")

    @router.post("/auditors", dependencies=csrf)
    async def create_auditor(request: Request,
                             session: Session = Depends(signed_in)) -> Response:
        """An auditor's account: the portal's own, never an officer of the directory."""
        portal = portal_of(request)
        form = await request.form()
        values = {"auditor_id": str(form.get("auditor_id", "")).strip(),
                  "auditor_name_th": str(form.get("auditor_name_th", "")).strip()}
        account_id = values["auditor_id"]
        if not OFFICER_ID.match(account_id) or not values["auditor_name_th"]:
            return await accounts_page(request, session, 422, values=values,
                                       alert="กรุณากรอกรหัส (อักษรอังกฤษ ตัวเลข . _ -) และชื่อผู้ตรวจสอบ",
                                       errors={"auditor_id": "ต้องระบุ"})
        result: dict[str, Any] = {}

        async def work(director: DirectoryEntry) -> None:
            if await _entry(request, session, account_id) is not None:
                raise NotForAuditors(account_id)
            result["password"] = await asyncio.to_thread(
                portal.app.create_auditor, account_id, values["auditor_name_th"], by=director)

        refused = await attempt(request, session, work, values)
        if refused is not None:
            return refused
        return render(request, "account_password.html", created=True, deciding=True,
                      officer=DirectoryEntry(account_id, values["auditor_name_th"],
                                             frozenset({AUDITOR_ROLE})),
                      password=result["password"])

    simple("unlock", "unlock", "unlocked")
    simple("reset-second-factor", "reset_second_factor", "second-factor-reset")
    return router

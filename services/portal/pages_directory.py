"""ทะเบียนเจ้าหน้าที่, the staff directory, for directors: every officer with their roles, clearance,
position and status (searched, paged), and an officer's entry to correct (name, position) or,
for the ESA director, to change roles, clearance or status (deactivate, reactivate), through
correspondence's `PATCH /officers/{id}` with the ETag read (`If-Match`). Only what changed is
sent, so a group director correcting a name does not send roles they may not grant; who may
change what is correspondence's decision, its Thai reason shown beside the form."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.portal.catalogue import DIRECTORS
from services.portal.records import go, nonce_of
from services.portal.security import PageRouter, check_csrf, load_session, portal_of, signed_in
from services.portal.service_client import Refused, Unavailable
from services.portal.sessions import Session
from services.portal.views import ROLE_TH, render

SERVICE = "correspondence"
PAGE_SIZE = 50
NOT_A_DIRECTOR = "ทะเบียนเจ้าหน้าที่เป็นของผู้อำนวยการ"


def _changes(current: dict[str, Any], form: Any) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "name_th": str(form.get("name_th", "")).strip() or current["name_th"],
        "position_th": str(form.get("position_th", "")).strip() or current.get("position_th", ""),
        "roles": sorted(str(r) for r in form.getlist("roles") if str(r) in ROLE_TH)
        or current["roles"],
        "clearance": str(form.get("clearance", "")) or current["clearance"],
    }
    changed = {k: v for k, v in wanted.items()
               if (sorted(current.get(k) or ()) if k == "roles" else current.get(k)) != v}
    if "roles" in changed and not changed["roles"]:
        del changed["roles"]
    return changed


def create_router() -> PageRouter:
    router = PageRouter(prefix="/directory", dependencies=[Depends(load_session)])

    @router.get("")
    async def directory(request: Request, q: str = "", cursor: str | None = None,
                        session: Session = Depends(signed_in)) -> Response:
        if not DIRECTORS & session.roles:
            return render(request, "error.html", status_code=403, message=NOT_A_DIRECTOR)
        problem, rows, total, next_cursor = None, [], None, None
        try:
            page = await portal_of(request).services.page(
                SERVICE, "/officers", actor=session.officer_id, limit=PAGE_SIZE, cursor=cursor,
                q=q, search=("officer_id", "name_th", "position_th"))
            rows, total, next_cursor = page.items, page.total, page.next_cursor
        except (Refused, Unavailable) as error:
            problem = error.message_th
        return render(request, "directory.html", nav="directory", rows=rows, total=total,
                      next_cursor=next_cursor, q=q, problem=problem,
                      done=request.query_params.get("done"))

    async def officer_page(request: Request, session: Session, officer_id: str,
                           status: int = 200, **context: Any) -> Response:
        if not DIRECTORS & session.roles:
            return render(request, "error.html", status_code=403, message=NOT_A_DIRECTOR)
        try:
            answer = await portal_of(request).services.get(SERVICE, f"/officers/{officer_id}",
                                                           actor=session.officer_id)
        except (Refused, Unavailable) as error:
            return render(request, "error.html", status_code=getattr(error, "status", 503),
                          message=error.message_th)
        return render(request, "directory_officer.html", status_code=status, nav="directory",
                      officer=answer.data, etag=answer.etag, **context)

    @router.get("/{officer_id}")
    async def officer(request: Request, officer_id: str,
                      session: Session = Depends(signed_in)) -> Response:
        return await officer_page(request, session, officer_id,
                                  done=request.query_params.get("done"))

    @router.post("/{officer_id}", dependencies=[Depends(check_csrf)])
    async def change(request: Request, officer_id: str,
                     session: Session = Depends(signed_in)) -> Response:
        form = await request.form()
        services = portal_of(request).services
        typed = {"name_th": str(form.get("name_th", "")), "position_th":
                 str(form.get("position_th", "")), "clearance": str(form.get("clearance", "")),
                 "roles": [str(r) for r in form.getlist("roles")]}
        try:
            current = (await services.get(SERVICE, f"/officers/{officer_id}",
                                          actor=session.officer_id)).data
            action = str(form.get("action", "save"))
            body = ({"active": action == "reactivate"} if action in ("deactivate", "reactivate")
                    else _changes(current, form))
            if not body:
                return go(f"/directory/{officer_id}?done=unchanged")
            # The officer is the session's; If-Match is the version the director saw.
            await services.command(SERVICE, f"/officers/{officer_id}", actor=session.officer_id,
                                   body=body, method="PATCH", idempotency_key=nonce_of(form),
                                   if_match=str(form.get("version", "")) or None)
        except (Refused, Unavailable) as error:
            return await officer_page(request, session, officer_id,
                                      getattr(error, "status", 503), alert=error.message_th,
                                      values=typed, errors=getattr(error, "fields", {}))
        return go(f"/directory/{officer_id}?done=saved")

    return router

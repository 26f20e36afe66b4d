"""Wiring the gate into a service's FastAPI app (called once, by `create_http_app`)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.auth.audit import Refusal, refusals_on
from shared.auth.endpoint import TOKEN_PATH, token_router
from shared.auth.gate import Gate, OutOfScope, Refused
from shared.auth.scopes import document_security, requires_scope
from shared.domain import DomainError
from shared.eventstore import ServiceApplication
from shared.http.paging import Paging, encode_cursor
from shared.http.problems import domain_problem, problem_response
from shared.office.rights import RightsRefusal
from shared.settings import ServiceSettings


def install_auth(api: FastAPI, settings: ServiceSettings, app: ServiceApplication) -> Gate:
    gate = Gate(settings, app)
    api.state.gate = gate

    @api.exception_handler(Refused)
    async def on_refused(request: Request, exc: Refused) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title_th, exc.title_en, exc.detail,
                                instance=request.url.path, headers=exc.headers, **exc.extra)

    async def record(request: Request, status: int, reason: str) -> None:
        caller = getattr(request.state, "caller", None)
        await gate.record(Refusal(
            status=status, reason=reason, method=request.method, path=request.url.path,
            client=caller.client_id if caller else None, agency=caller.agency if caller else None,
            officer=caller.officer if caller else None,
            remote=request.client.host if request.client else None))

    @api.exception_handler(OutOfScope)
    async def on_out_of_scope(request: Request, exc: OutOfScope) -> JSONResponse:
        await record(request, 404, exc.reason)
        return domain_problem(request, exc)

    # A rule that refuses the person (decision rights, clearance, need to know) is an access
    # refusal too, and goes to the same audit trail: an officer the service does not know (404)
    # as much as one without the role (403).
    @api.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        if exc.status == 403 or isinstance(exc, RightsRefusal):
            await record(request, exc.status, exc.code)
        return domain_problem(request, exc)

    api.include_router(token_router(gate))

    @api.get("/admin/access-refusals/{day}", tags=["operations"],
             summary="Refused requests of a Bangkok calendar day (the audit trail of access; "
                     "paged)",
             openapi_extra=requires_scope(f"{gate.service}:audit"))
    async def access_refusals(day: date, paging: Paging) -> dict[str, Any]:
        refusals, last = await asyncio.to_thread(refusals_on, app, gate.service, day,
                                                 after=paging.number_after(), limit=paging.limit)
        return paging.answer(refusals, encode_cursor([last]) if last is not None else None, None)

    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = document_security(generate(), gate.service, TOKEN_PATH)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return gate

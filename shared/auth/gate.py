"""The one dependency that guards every route of every service (installed by
`shared.runtime.create_http_app`): bearer token, client still registered, rate limit, scope, and
who is acting. Every refusal is logged and recorded in the service's store.

Who acts: a client holding `office:staff` (the office's own portal) names the acting officer in
`X-Actor-Id`, and the existing rules (roles, clearance from the staff directory) apply to that
officer. Anyone else acts as `agency:<client id>`; naming an officer without `office:staff` is
refused.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request

from contracts.envelope import Secrecy
from shared.auth.audit import Refusal, RefusalRecorder
from shared.auth.clients import AgencyClient, ClientRegistry
from shared.auth.keys import OfficeKeys
from shared.auth.ratelimit import RateLimiter, retry_after_header
from shared.auth.scopes import STAFF_SCOPE, required_scope
from shared.auth.tokens import TokenRefused, TokenService
from shared.context import actor_var
from shared.domain import NotFound
from shared.eventstore import ServiceApplication
from shared.settings import ServiceSettings

ACTOR_HEADER = "x-actor-id"
AGENCY_ACTOR_PREFIX = "agency:"
# An officer id as the staff directory accepts it (no ':', so never mistaken for an agency).
OFFICER_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
REALM = "esa"


@dataclass(frozen=True)
class Caller:
    """Who is calling (the OAuth client) and who is acting (an officer, or the agency itself)."""

    client_id: str
    agency: str
    scopes: frozenset[str]
    clearance: Secrecy
    actor: str

    @property
    def is_staff(self) -> bool:
        return STAFF_SCOPE in self.scopes

    @property
    def officer(self) -> str | None:
        """The officer acting, when the office's portal names one."""
        return None if self.actor.startswith(AGENCY_ACTOR_PREFIX) else self.actor


class Refused(Exception):
    """A request the gate turns away: rendered as problem+json with its headers."""

    def __init__(self, status: int, code: str, title_th: str, title_en: str, detail: str,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.title_th = title_th
        self.title_en = title_en
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class OutOfScope(NotFound):
    """An object that exists but lies outside the caller's scope (another agency's submission):
    answered exactly as `hidden` (the not-found the caller would get for a missing object), so its
    existence does not leak, and recorded as a refusal."""

    def __init__(self, hidden: NotFound, reason: str = "outside-caller-scope") -> None:
        super().__init__(hidden.code, hidden.title_th, hidden.title_en, hidden.detail,
                         **hidden.extra)
        self.reason = reason


_UNAUTHENTICATED = ("ต้องยืนยันตัวตนด้วย access token ที่ถูกต้อง", "A valid access token is required")


class Gate:
    def __init__(self, settings: ServiceSettings, app: ServiceApplication) -> None:
        self.service = settings.service_name
        self.tokens = TokenService(
            OfficeKeys.load(settings), issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            lifetime=timedelta(minutes=settings.auth_token_minutes))
        self.clients = ClientRegistry(settings.clients_path)
        self.limiter = RateLimiter()
        self.recorder = RefusalRecorder(app, self.service)
        self.token_requests_per_minute = settings.auth_token_requests_per_minute

    async def record(self, refusal: Refusal) -> None:
        await asyncio.to_thread(self.recorder.record, refusal)

    async def refuse(self, request: Request, refusal_status: int, reason: str, code: str,
                     titles: tuple[str, str], detail: str, *, client: AgencyClient | None = None,
                     client_id: str | None = None, scope_wanted: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> Refused:
        if client is not None:  # authenticated, though refused: the refusal is theirs
            actor_var.set(AGENCY_ACTOR_PREFIX + client.client_id)
        named = request.headers.get(ACTOR_HEADER, "").strip()
        await self.record(Refusal(
            status=refusal_status, reason=reason, method=request.method, path=request.url.path,
            client=client.client_id if client else client_id,
            agency=client.agency if client else None,
            officer=named if OFFICER_ID.match(named) else None,
            remote=request.client.host if request.client else None, scope_wanted=scope_wanted))
        return Refused(refusal_status, code, *titles, detail, headers, **extra)

    async def authorize(self, request: Request) -> Caller | None:
        route = request.scope.get("route")
        wanted = required_scope(self.service, request.method, request.url.path,
                                getattr(route, "openapi_extra", None))
        if wanted is None:
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise await self.refuse(
                request, 401, "token-missing", "token-missing", _UNAUTHENTICATED,
                "Send `Authorization: Bearer <access token>` (see POST /oauth/token)",
                scope_wanted=wanted, headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'})
        try:
            claims = self.tokens.verify(token.strip())
        except TokenRefused as refused:
            raise await self.refuse(
                request, 401, refused.reason, refused.reason, _UNAUTHENTICATED, refused.detail,
                client_id=refused.client_id, scope_wanted=wanted, headers={"WWW-Authenticate": (
                    f'Bearer realm="{REALM}", error="invalid_token", '
                    f'error_description="{refused.reason}"')}) from None
        client = self.clients.get(claims.client_id)
        if client is None or not client.active:
            raise await self.refuse(
                request, 401, "client-revoked", "client-revoked", _UNAUTHENTICATED,
                "The client this token was issued to is no longer registered",
                client_id=claims.client_id, scope_wanted=wanted,
                headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'})
        wait = self.limiter.take(client.client_id, per_minute=client.rate_per_minute,
                                 burst=client.burst)
        if wait > 0:
            raise await self.refuse(
                request, 429, "rate-limited", "rate-limited", ("คำขอมากเกินไป โปรดรอสักครู่",
                                                               "Too many requests"),
                f"At most {client.rate_per_minute} requests per minute (bursts of {client.burst})",
                client=client, scope_wanted=wanted,
                headers={"Retry-After": retry_after_header(wait)})
        # A scope taken away from the client since the token was issued no longer counts.
        scopes = claims.scopes & set(client.scopes)
        if wanted not in scopes:
            raise await self.refuse(
                request, 403, "insufficient-scope", "insufficient-scope",
                ("สิทธิ์ของ access token ไม่ครอบคลุมคำขอนี้", "The token's scope does not allow this"),
                f"This operation needs the scope {wanted}", client=client, scope_wanted=wanted,
                headers={"WWW-Authenticate": (f'Bearer realm="{REALM}", '
                                              f'error="insufficient_scope", scope="{wanted}"')},
                required_scope=wanted)
        caller = Caller(client.client_id, claims.agency, frozenset(scopes), claims.clearance,
                        await self._actor(request, client, scopes, wanted))
        request.state.caller = caller
        actor_var.set(caller.actor)
        structlog.contextvars.bind_contextvars(actor=caller.actor, client=client.client_id)
        return caller

    async def _actor(self, request: Request, client: AgencyClient, scopes: set[str],
                     wanted: str) -> str:
        named = request.headers.get(ACTOR_HEADER, "").strip()
        if not named:
            return AGENCY_ACTOR_PREFIX + client.client_id
        if STAFF_SCOPE not in scopes:
            raise await self.refuse(
                request, 403, "actor-header-without-staff-scope", "insufficient-scope",
                ("เฉพาะระบบของสำนักงานที่ระบุเจ้าหน้าที่ผู้ปฏิบัติได้",
                 "Only the office's own portal may name the acting officer"),
                f"X-Actor-Id is honoured only with the scope {STAFF_SCOPE}", client=client,
                scope_wanted=STAFF_SCOPE, required_scope=STAFF_SCOPE)
        if not OFFICER_ID.match(named):
            raise Refused(422, "invalid-actor", "รหัสเจ้าหน้าที่ไม่ถูกต้อง", "Invalid officer id",
                          "X-Actor-Id must be an officer id: letters, digits, '_', '.', '-'")
        return named


async def authorize(request: Request) -> None:
    """The dependency `create_http_app` installs on every route."""
    gate: Gate = request.app.state.gate
    await gate.authorize(request)


async def current_caller(request: Request) -> Caller:  # async: no threadpool handoff
    caller = getattr(request.state, "caller", None)
    if caller is None:  # only public routes have no caller, and they do not ask for one
        raise Refused(401, "token-missing", *_UNAUTHENTICATED, "This route needs a caller")
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]

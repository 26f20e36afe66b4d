"""The portal's browser-facing security, one home for each piece:

- `SecurityHeaders`: a strict Content-Security-Policy (nothing inline, nothing from elsewhere) and
  the usual headers on every response; cookies the request queued (`queue_cookie`).
- `load_session` (a dependency of every page): the session from its cookie, the CSRF binding
  (the session id, or before sign-in a pre-session cookie), and the acting officer for events.
- `check_csrf` (a dependency of every page that changes something): the form's `csrf_token` or
  htmx's `X-CSRF-Token` header must match; a refusal is recorded in the audit trail.
- `signed_in` / `at_stage`: which pages need what (a page needing a signed-in officer sends others
  to the sign-in page; an auditor's session reaches only the auditor's pages and its account).
- `PageRouter`: pages are public to the OAuth2 gate (browsers carry a session, not a bearer
  token) and left out of the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.portal.domain import AUDITOR_ROLE, Stage
from services.portal.sessions import Session
from shared.auth import PUBLIC
from shared.auth.audit import Refusal
from shared.context import actor_var

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Largest multipart form a page accepts (20 attachments of up to 10 MiB each and the fields).
MAX_FILES = 20
MAX_FIELDS = 200
MAX_BODY_BYTES = MAX_FILES * 10 * 1024 * 1024 + 1024 * 1024  # the files and the fields

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "frame-src 'self'", "frame-ancestors 'self'",
    "form-action 'self'", "base-uri 'none'", "object-src 'none'"))


def cookie_names(secure: bool) -> tuple[str, str]:
    """(session cookie, pre-session cookie). Over TLS the `__Host-` prefix binds them to this
    host and path `/`, Secure, with no Domain."""
    prefix = "__Host-" if secure else ""
    return f"{prefix}esa_portal", f"{prefix}esa_portal_pre"


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def queue_cookie(request: Request, header: str) -> None:
    cookies = getattr(request.state, "cookies", None)
    if cookies is None:
        cookies = request.state.cookies = []
    cookies.append(header)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"SAMEORIGIN"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        if secure:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in self.headers if n not in present]
                if b"cache-control" not in present and not scope["path"].startswith(
                        ("/static/", "/fonts/")):
                    headers.append((b"cache-control", b"no-store"))
                for cookie in scope.get("state", {}).get("cookies", ()):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SignInRequired(Exception):
    """The page needs a signed-in officer (or a given step of signing in)."""

    def __init__(self, target: str = "/signin") -> None:
        super().__init__(target)
        self.target = target


class CsrfRefused(Exception):
    pass


class AuditorsReadOnly(Exception):
    """An auditor's session on an officer's page: the auditor reads the auditor's pages only."""


# Where an auditor's session may go: their pages and their own account.
AUDITOR_PATHS = ("/auditor", "/account")


class TooLarge(Exception):
    """A form larger than any page accepts: refused before it is read."""


def portal_of(request: Request) -> Any:
    return request.app.state.portal


async def load_session(request: Request) -> Session | None:
    """Every page: who is signed in (or how far a sign-in got), and the CSRF binding."""
    portal = portal_of(request)
    session_cookie, pre_cookie = cookie_names(portal.settings.portal_secure_cookies)
    session = await asyncio.to_thread(portal.app.sessions.get, request.cookies.get(session_cookie))
    binding = session.raw_id if session else request.cookies.get(pre_cookie)
    if binding is None or len(binding) > 100:
        binding = secrets.token_urlsafe(32)
        queue_cookie(request, cookie_header(pre_cookie, binding,
                                            secure=portal.settings.portal_secure_cookies))
    request.state.session = session
    request.state.csrf_binding = binding
    request.state.csrf_token = portal.app.csrf.token(binding)
    if session is not None and session.signed_in:
        actor_var.set(session.officer_id)
    return session


async def check_csrf(request: Request) -> None:
    """A page that changes something: the token must be the one this browser was given."""
    if request.method not in UNSAFE_METHODS:
        return
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise TooLarge
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not portal_of(request).app.csrf.valid(request.state.csrf_binding, submitted):
        await record_refusal(request, 403, "csrf-token-missing" if not submitted
                             else "csrf-token-wrong")
        raise CsrfRefused


async def record_refusal(request: Request, status: int, reason: str) -> None:
    """A refusal of the portal's own, in its audit trail like the gate's."""
    session: Session | None = getattr(request.state, "session", None)
    await request.app.state.gate.record(Refusal(
        status=status, reason=reason, method=request.method, path=request.url.path,
        officer=session.officer_id if session else None,
        remote=request.client.host if request.client else None))


def signed_in(request: Request) -> Session:
    session: Session | None = getattr(request.state, "session", None)
    if session is None or not session.signed_in:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(f"/signin?next={quote(target, safe='')}")
    if AUDITOR_ROLE in session.roles and not request.url.path.startswith(AUDITOR_PATHS):
        raise AuditorsReadOnly
    return session


def at_stage(stage: Stage) -> Callable[[Request], Coroutine[Any, Any, Session]]:
    async def dependency(request: Request) -> Session:
        session: Session | None = getattr(request.state, "session", None)
        if session is None or session.stage != stage:
            raise SignInRequired("/signin")
        return session

    return dependency


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path of this portal (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class PageRouter(APIRouter):
    """Pages: public to the gate (the session decides), not in the OpenAPI document."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if kwargs.get("openapi_extra") is None:
            kwargs["openapi_extra"] = PUBLIC
        kwargs["include_in_schema"] = False
        super().add_api_route(path, endpoint, **kwargs)

"""`POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 section 4.4), on every service.

Form-encoded; the client authenticates with HTTP Basic (`client_secret_basic`) or with
`client_id` and `client_secret` in the form (`client_secret_post`), never both. Errors follow
section 5.2 (`{"error": ..., "error_description": ...}` as JSON, with a Thai title beside it).
Every refused token request is recorded like any other refusal; requests from one address are
rate limited, because checking a secret is deliberately slow.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shared.auth.audit import Refusal
from shared.auth.clients import AgencyClient
from shared.auth.gate import Gate
from shared.auth.ratelimit import retry_after_header
from shared.auth.scopes import PUBLIC
from shared.http.problems import PROBLEM_TYPE_BASE

TOKEN_PATH = "/oauth/token"
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_ERRORS: dict[str, tuple[int, str, str]] = {
    "invalid_request": (400, "คำขอ access token ไม่ถูกต้อง", "Invalid token request"),
    "invalid_client": (401, "ยืนยันตัวตนของระบบผู้ขอไม่สำเร็จ", "Client authentication failed"),
    "unsupported_grant_type": (400, "ไม่รองรับวิธีขอ access token นี้", "Unsupported grant type"),
    "invalid_scope": (400, "ขอสิทธิ์เกินกว่าที่ลงทะเบียนไว้", "Scope beyond the registration"),
    "temporarily_unavailable": (503, "บริการนี้ไม่ออก access token", "This service issues no tokens"),
}


class TokenOut(BaseModel):
    access_token: str
    token_type: str = Field(description="Always Bearer")
    expires_in: int = Field(description="Seconds")
    scope: str = Field(description="The granted scopes, space-separated")


class TokenError(BaseModel):
    """RFC 6749 section 5.2, with the problem-details titles beside it (still application/json,
    as OAuth2 clients expect)."""

    error: str = Field(description="RFC 6749 section 5.2 error code")
    error_description: str
    type: str
    title: str = Field(description="Thai / English")
    title_th: str
    title_en: str
    status: int


class TokenRequestForm(BaseModel):
    grant_type: str = Field(description="client_credentials", json_schema_extra={
        "enum": ["client_credentials"]})
    scope: str | None = Field(default=None, description="Space-separated; default: all registered")
    client_id: str | None = Field(default=None, description="client_secret_post only")
    client_secret: str | None = Field(default=None, description="client_secret_post only")


class _TokenError(Exception):
    def __init__(self, error: str, description: str, client_id: str | None = None) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.client_id = client_id


def token_router(gate: Gate) -> APIRouter:
    router = APIRouter(tags=["OAuth2"])

    @router.post(
        TOKEN_PATH,
        summary="ขอ access token: OAuth2 client credentials (form-encoded)",
        response_model=TokenOut,
        responses={400: {"model": TokenError}, 401: {"model": TokenError},
                   429: {"description": "Too many token requests from this address"}},
        openapi_extra={**PUBLIC, "requestBody": {"required": True, "content": {FORM: {
            "schema": TokenRequestForm.model_json_schema()}}}},
    )
    async def token(request: Request) -> Any:
        remote = request.client.host if request.client else "unknown"
        wait = gate.limiter.take(f"token-endpoint:{remote}",
                                 per_minute=gate.token_requests_per_minute,
                                 burst=max(5, gate.token_requests_per_minute // 3))
        if wait > 0:
            raise await gate.refuse(
                request, 429, "token-rate-limited", "rate-limited",
                ("ขอ access token บ่อยเกินไป โปรดรอสักครู่", "Too many token requests"),
                "Token requests from this address are rate limited",
                headers={"Retry-After": retry_after_header(wait)})
        try:
            return await _grant(gate, request)
        except _TokenError as error:
            status, title_th, title_en = _ERRORS[error.error]
            await gate.record(Refusal(
                status=status, reason=error.error, method=request.method, path=request.url.path,
                client=error.client_id, remote=remote, scope_wanted=None))
            headers = dict(NO_STORE)
            if status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="esa"'
            body = TokenError(error=error.error, error_description=error.description,
                              type=PROBLEM_TYPE_BASE + "oauth-" + error.error.replace("_", "-"),
                              title=f"{title_th} / {title_en}", title_th=title_th,
                              title_en=title_en, status=status)
            return JSONResponse(body.model_dump(), status_code=status, headers=headers)

    return router


async def _grant(gate: Gate, request: Request) -> JSONResponse:
    form = await _form(request)
    client_id, secret = _credentials(request, form)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _TokenError("invalid_request", "grant_type is required", client_id)
    if grant_type != "client_credentials":
        raise _TokenError("unsupported_grant_type", "only client_credentials", client_id)
    client: AgencyClient | None = await asyncio.to_thread(gate.clients.authenticate, client_id,
                                                          secret)
    if client is None:
        raise _TokenError("invalid_client", "unknown client, wrong secret or revoked", client_id)
    requested = set(form.get("scope", "").split()) or set(client.scopes)
    if not requested <= set(client.scopes):
        raise _TokenError("invalid_scope",
                          f"not registered for {' '.join(sorted(requested - set(client.scopes)))}",
                          client_id)
    if not gate.tokens.can_issue:
        raise _TokenError("temporarily_unavailable", "this service verifies tokens only", client_id)
    wait = gate.limiter.take(client.client_id, per_minute=client.rate_per_minute,
                             burst=client.burst)
    if wait > 0:
        raise await gate.refuse(
            request, 429, "rate-limited", "rate-limited",
            ("คำขอมากเกินไป โปรดรอสักครู่", "Too many requests"),
            f"At most {client.rate_per_minute} requests per minute", client=client,
            headers={"Retry-After": retry_after_header(wait)})
    token = gate.tokens.issue(client_id=client.client_id, agency=client.agency, scopes=requested,
                              clearance=client.clearance)
    return JSONResponse(
        TokenOut(access_token=token, token_type="Bearer",
                 expires_in=int(gate.tokens.lifetime.total_seconds()),
                 scope=" ".join(sorted(requested))).model_dump(),
        headers=NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise _TokenError("invalid_request", f"the body must be {FORM}")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise _TokenError("invalid_request", "the form is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=16)
    except (UnicodeDecodeError, ValueError) as error:
        raise _TokenError("invalid_request", "the form cannot be read") from error
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise _TokenError("invalid_request", "a parameter was given more than once")
    return dict(pairs)


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    posted = "client_id" in form or "client_secret" in form
    if scheme.lower() == "basic":
        if posted:
            raise _TokenError("invalid_request", "use one way to authenticate the client")
        try:
            user, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise _TokenError("invalid_client", "malformed Basic credentials") from error
        if not colon:
            raise _TokenError("invalid_client", "malformed Basic credentials")
        client_id, secret = unquote_plus(user), unquote_plus(password)
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not secret:
        raise _TokenError("invalid_client", "client authentication is required")
    if len(client_id) > 64 or len(secret) > 200:
        raise _TokenError("invalid_client", "unknown client, wrong secret or revoked")
    return client_id, secret

